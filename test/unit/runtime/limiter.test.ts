import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/runtime/limiter.js';

/** A task the test finishes by hand, recording when it started. */
interface Gate {
  name: string;
  started: boolean;
  finish: () => void;
  fail: (error: unknown) => void;
  result: Promise<string>;
}

function harness(limiter: Limiter) {
  const order: string[] = [];
  const gates = new Map<string, Gate>();
  const submit = (name: string, queue?: string, key?: string, abort?: AbortController): Gate => {
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const gate = { name, started: false } as Gate;
    gate.result = limiter.run(
      queue,
      key,
      () =>
        new Promise<string>((resolve, reject) => {
          gate.started = true;
          order.push(name);
          finish = () => resolve(name);
          fail = reject;
        }),
      abort,
    );
    gate.finish = () => finish();
    gate.fail = (error) => fail(error);
    gates.set(name, gate);
    return gate;
  };
  /** Finishes a running task and lets the limiter hand its slot on. */
  const release = async (name: string) => {
    const gate = gates.get(name)!;
    expect(gate.started, `${name} must be running to finish`).toBe(true);
    gate.finish();
    await gate.result;
    await flush();
  };
  return { order, submit, release };
}

/** Lets settled promises' `finally` handlers (the limiter's releases) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('runs no more tasks at once than the global concurrency', async () => {
    const limiter = new Limiter({ concurrency: 2 });
    const { order, submit, release } = harness(limiter);
    for (const name of ['a', 'b', 'c', 'd', 'e']) submit(name);
    expect(order).toEqual(['a', 'b']);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(3);
    await release('a');
    expect(order).toEqual(['a', 'b', 'c']);
    expect(limiter.active).toBe(2);
    await release('b');
    await release('c');
    await release('d');
    await release('e');
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(limiter.active).toBe(0);
    expect(limiter.waiting).toBe(0);
  });

  it('caps a named queue without holding back tasks of other queues', async () => {
    const limiter = new Limiter({ concurrency: 10, queues: { slow: 1 } });
    const { order, submit, release } = harness(limiter);
    submit('slow1', 'slow');
    submit('slow2', 'slow');
    submit('fast1', 'fast');
    submit('plain');
    expect(order).toEqual(['slow1', 'fast1', 'plain']);
    await release('slow1');
    expect(order).toEqual(['slow1', 'fast1', 'plain', 'slow2']);
  });

  it('caps each key, so one busy key never takes every slot', async () => {
    const limiter = new Limiter({ concurrency: 3, perKey: 1 });
    const { order, submit, release } = harness(limiter);
    submit('u1-a', undefined, 'u1');
    submit('u1-b', undefined, 'u1');
    submit('u1-c', undefined, 'u1');
    submit('u2-a', undefined, 'u2');
    expect(order).toEqual(['u1-a', 'u2-a']);
    expect(limiter.active).toBe(2);
    await release('u1-a');
    expect(order).toEqual(['u1-a', 'u2-a', 'u1-b']);
  });

  it('serves waiters that fit first come, first served', async () => {
    const limiter = new Limiter({ concurrency: 1 });
    const { order, submit, release } = harness(limiter);
    submit('first');
    for (const name of ['w1', 'w2', 'w3', 'w4']) submit(name);
    for (const name of ['first', 'w1', 'w2', 'w3']) await release(name);
    expect(order).toEqual(['first', 'w1', 'w2', 'w3', 'w4']);
  });

  it('does not starve other keys behind a long line of one key', async () => {
    const limiter = new Limiter({ concurrency: 2, perKey: 1 });
    const { order, submit, release } = harness(limiter);
    submit('busy-0', undefined, 'busy');
    submit('other-0', undefined, 'other');
    for (let i = 1; i <= 50; i++) submit(`busy-${i}`, undefined, 'busy');
    submit('other-1', undefined, 'other');
    submit('third-0', undefined, 'third');
    // A slot frees on the other key: the next waiter that fits runs, not the busy line's head.
    await release('other-0');
    expect(order.at(-1)).toBe('other-1');
    await release('other-1');
    expect(order.at(-1)).toBe('third-0');
    await release('busy-0');
    expect(order.at(-1)).toBe('busy-1');
  });

  it('rejects a waiter whose signal aborts while it waits, and never starts it', async () => {
    const limiter = new Limiter({ concurrency: 1 });
    const { order, submit, release } = harness(limiter);
    submit('running');
    const controller = new AbortController();
    const aborted = submit('aborted', undefined, undefined, controller);
    submit('next');
    controller.abort(new Error('no longer wanted'));
    await expect(aborted.result).rejects.toThrow('no longer wanted');
    expect(limiter.waiting).toBe(1);
    await release('running');
    expect(order).toEqual(['running', 'next']);
    expect(aborted.started).toBe(false);
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = new Limiter({ concurrency: 1 });
    const { order, submit } = harness(limiter);
    const failing = submit('failing');
    submit('after');
    failing.fail(new Error('boom'));
    await expect(failing.result).rejects.toThrow('boom');
    await flush();
    expect(order).toEqual(['failing', 'after']);
  });

  it('frees the slot of a task that throws before it returns a promise, and rejects its run', async () => {
    const limiter = new Limiter({ concurrency: 1 });
    const throwing = limiter.run(undefined, undefined, () => {
      throw new Error('at once');
    });
    await expect(throwing).rejects.toThrow('at once');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(undefined, undefined, async () => 'next')).resolves.toBe('next');
  });

  it('keeps every cap, starts each task once, and leaves no fitting task waiting (property)', async () => {
    const spec = fc.record({
      concurrency: fc.integer({ min: 1, max: 4 }),
      queueCap: fc.integer({ min: 1, max: 3 }),
      perKey: fc.integer({ min: 1, max: 3 }),
      ops: fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('submit' as const), queue: fc.constantFrom(undefined, 'q', 'r'), key: fc.constantFrom(undefined, 'k1', 'k2') }),
          fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }),
        ),
        { minLength: 1, maxLength: 60 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ concurrency, queueCap, perKey, ops }) => {
        const limiter = new Limiter({ concurrency, queues: { q: queueCap }, perKey });
        const running: { queue: string | undefined; key: string | undefined; finish: () => void }[] = [];
        const starts = new Map<number, number>();
        const submitted: { queue: string | undefined; key: string | undefined }[] = [];
        const check = () => {
          expect(running.length).toBeLessThanOrEqual(concurrency);
          expect(running.filter((t) => t.queue === 'q').length).toBeLessThanOrEqual(queueCap);
          for (const key of ['k1', 'k2']) expect(running.filter((t) => t.key === key).length).toBeLessThanOrEqual(perKey);
        };
        for (const op of ops) {
          if (op.kind === 'submit') {
            const n = submitted.length;
            submitted.push({ queue: op.queue, key: op.key });
            void limiter.run(op.queue, op.key, () => {
              starts.set(n, (starts.get(n) ?? 0) + 1);
              return new Promise<void>((resolve) => running.push({ queue: op.queue, key: op.key, finish: resolve }));
            });
          } else if (running.length > 0) {
            const [task] = running.splice(op.pick % running.length, 1);
            task!.finish();
            await flush();
          }
          check();
          for (const count of starts.values()) expect(count).toBe(1);
          // No waiter that fits is left waiting while slots are free.
          if (limiter.waiting > 0 && running.length < concurrency) {
            const waiting = submitted.filter((_, n) => !starts.has(n));
            for (const task of waiting) {
              const blockedByQueue = task.queue === 'q' && running.filter((t) => t.queue === 'q').length >= queueCap;
              const blockedByKey = task.key !== undefined && running.filter((t) => t.key === task.key).length >= perKey;
              expect(blockedByQueue || blockedByKey, 'a waiter that fits was left waiting').toBe(true);
            }
          }
        }
        while (running.length > 0) {
          running.shift()!.finish();
          await flush();
        }
        expect(limiter.active).toBe(0);
        expect(limiter.waiting).toBe(0);
        expect(starts.size).toBe(submitted.length);
      }),
      { numRuns: 200 },
    );
  });
});
