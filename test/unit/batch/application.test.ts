import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configHash, defineApplication, planOf, validateConfig, type DagStep } from '../../../src/adapters/batch/application.js';
import { DagRunner } from '../../../src/adapters/batch/dag-runner.js';
import { IdSet } from '../../../src/adapters/batch/id-set.js';

const step = (name: string, after?: string[]): DagStep => ({ name, ...(after ? { after } : {}), run: () => name });
const context = { jobId: 'j', itemId: 'i', config: null, params: {} };

describe('defineApplication', () => {
  it('orders steps after the steps they take, and defaults the result to the last in that order', () => {
    const app = defineApplication({ name: 'a', steps: [step('c', ['b']), step('a'), step('b', ['a'])] });
    expect(planOf(app).order.map((node) => node.name)).toEqual(['a', 'b', 'c']);
    expect(planOf(app).result).toBe('c');
  });

  it.each([
    [{ name: 'a', steps: [] }, /steps must be a non-empty array/],
    [{ name: 'bad name!', steps: [step('x')] }, /name must be/],
    [{ name: 'a', steps: [step('x'), step('x')] }, /two steps are named "x"/],
    [{ name: 'a', steps: [step('x', ['nope'])] }, /after unknown step "nope"/],
    [{ name: 'a', steps: [step('x', ['y']), step('y', ['x'])] }, /cycle: x -> y -> x/],
    [{ name: 'a', steps: [step('x')], result: 'z' }, /result names unknown step "z"/],
    [{ name: 'a', steps: [{ name: 'x' }] }, /no run function/],
    [{ name: 'a', steps: [step('x')], config: {} }, /config must be a schema/],
    [{ name: 'a', steps: [{ name: 'x', run: () => 1, timeoutMs: 0 }] }, /timeoutMs must be a positive number/],
  ])('refuses an invalid application with INVALID_INPUT (%#)', (app, message) => {
    expect(() => defineApplication(app as never)).toThrowError(message);
    expect(() => defineApplication(app as never)).toThrowError(/INVALID_INPUT/);
  });

  it('derives a code version from the steps when none is given, changing with the code', () => {
    const one = defineApplication({ name: 'a', steps: [{ name: 'x', run: () => 1 }] });
    const two = defineApplication({ name: 'a', steps: [{ name: 'x', run: () => 2 }] });
    expect(planOf(one).codeVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(planOf(one).codeVersion).not.toBe(planOf(two).codeVersion);
    expect(planOf(defineApplication({ name: 'a', version: 'v7', steps: [step('x')] })).codeVersion).toBe('v7');
  });
});

describe('configs', () => {
  const app = defineApplication({ name: 'c', config: z.object({ country: z.string(), limit: z.number().int().default(5) }), steps: [step('x')] });

  it('validates with the schema and fills its defaults', () => {
    expect(validateConfig(app, { country: 'HU' })).toEqual({ country: 'HU', limit: 5 });
  });

  it('names every failing path', () => {
    expect(() => validateConfig(app, { limit: 'many' })).toThrowError(/INVALID_INPUT.*country: .*limit: /);
  });

  it('hashes canonically: key order does not matter, values do', () => {
    expect(configHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(configHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
  });
});

describe('DagRunner', () => {
  it('passes each step the results it takes, and ends an item at the first step that throws', async () => {
    const app = defineApplication({
      name: 'd',
      steps: [
        { name: 'left', run: (item) => (item as number) + 1 },
        { name: 'right', run: async (item) => (item as number) * 10 },
        { name: 'join', after: ['left', 'right'], run: (item, inputs) => {
          if (item === 3) throw Object.assign(new Error('three'), { code: 'NO_THREES' });
          return `${String(inputs.left)}/${String(inputs.right)}`;
        } },
      ],
    });
    const runner = new DagRunner(planOf(app));
    expect(await runner.run(2, context)).toEqual({ ok: true, value: '3/20' });
    const failed = await runner.run(3, context);
    expect(failed).toMatchObject({ ok: false, step: 'join', error: { code: 'NO_THREES', message: 'three' } });
    expect((failed as { error: { stack: string } }).error.stack).toContain('three');
    expect(runner.counters.get('join')).toMatchObject({ items: 2, successes: 1, failures: 1 });
    expect(runner.counters.get('left')).toMatchObject({ items: 2, successes: 2 });
  });

  it('turns thrown non-errors into messages', async () => {
    const runner = new DagRunner(planOf(defineApplication({ name: 'e', steps: [{ name: 's', run: () => { throw { why: 'object' }; } }] })));
    expect(await runner.run(1, context)).toMatchObject({ ok: false, error: { message: '{"why":"object"}' } });
  });
});

describe('IdSet', () => {
  it('finds duplicates among a hundred thousand ids, confirming hash matches by the ids themselves', () => {
    const ids: string[] = [];
    const set = new IdSet((ordinal) => ids[ordinal]!);
    for (let i = 0; i < 100_000; i++) {
      ids.push(`id-${i}`);
      expect(set.add(`id-${i}`, i)).toBeUndefined();
    }
    expect(set.add('id-4242', 100_000)).toBe(4242);
    expect(set.add('id-new', 100_000)).toBeUndefined();
  });
});
