/**
 * Property-based events from outside (RELIABILITY.md, "Inputs"): unknown
 * types, wrong types, huge, cyclic, `__proto__` keys. Each is refused with a
 * HoldfastError or taken by the machine; the runtime never crashes, unknown
 * events change nothing, and the stored snapshot still restores.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRuntime, HoldfastError, type Runtime } from '../../../src/index.js';
import { persistSnapshot, restoreSnapshot } from '../../../src/runtime/snapshot-codec.js';
import { counter } from '../../fixtures/machines.js';
import { tempFolder } from '../../helpers/temp-store.js';

type Hostile = unknown;

const cyclic = (): Record<string, unknown> => {
  const event: Record<string, unknown> = { type: 'stash' };
  event.payload = { back: event };
  return event;
};

/** Anything a client might send, well-meant or not. */
const hostileEvents: fc.Arbitrary<Hostile> = fc.oneof(
  // unknown types, some looking like ours or XState's
  fc.record({ type: fc.oneof(fc.string(), fc.constantFrom('xstate.init', 'xstate.done.actor.work', 'holdfast.send', 'constructor', '__proto__', 'toString', '')) }),
  // known types with payloads of the wrong shape
  fc.record({ type: fc.constant('increment'), by: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.object(), fc.array(fc.integer())) }),
  fc.record({ type: fc.constant('stash'), payload: fc.jsonValue() }),
  fc.record({ type: fc.constant('stash'), payload: fc.object({ maxDepth: 3, withNullPrototype: true, withTypedArray: true, withMap: true, withSet: true, withDate: true }) }),
  // not an event at all
  fc.oneof(fc.constant(null), fc.constant(undefined), fc.string(), fc.integer(), fc.array(fc.jsonValue(), { maxLength: 3 })),
  fc.record({ type: fc.oneof(fc.integer(), fc.constant(null), fc.object()) }),
  // huge
  fc.integer({ min: 900_000, max: 1_200_000 }).map((size) => ({ type: 'stash', payload: 'x'.repeat(size) })),
  fc.constant({ type: 'stash', payload: Array.from({ length: 50_000 }, (_, i) => ({ i })) }),
  // cyclic, BigInt, functions
  fc.constant(null).map(cyclic),
  fc.bigInt().map((value) => ({ type: 'stash', payload: { value } })),
  fc.constant({ type: 'stash', payload: { run: () => 1 } }),
  // prototype pollution attempts, as JSON would deliver them
  fc.constantFrom(
    '{"type":"stash","payload":{"__proto__":{"polluted":true}}}',
    '{"type":"increment","__proto__":{"by":1000}}',
    '{"type":"stash","payload":{"constructor":{"prototype":{"polluted":true}}}}',
    '{"__proto__":{"type":"increment"}}',
  ).map((json) => JSON.parse(json) as unknown),
);

interface CounterContext {
  count: unknown;
  payload?: unknown;
}

async function sendSafely(runtime: Runtime, id: string, event: Hostile): Promise<'taken' | 'refused'> {
  try {
    await runtime.send(id, event as never);
    return 'taken';
  } catch (error) {
    expect(error, `non-HoldfastError for ${describeEvent(event)}`).toBeInstanceOf(HoldfastError);
    expect((error as HoldfastError).code).toMatch(/^(INVALID_EVENT)$/);
    return 'refused';
  }
}

function describeEvent(event: Hostile): string {
  try {
    return JSON.stringify(event)?.slice(0, 200) ?? String(event);
  } catch {
    return '[unprintable]';
  }
}

describe('hostile events sent to the counter', () => {
  it('are refused or taken, never crash the runtime, leave unknown types without effect, and keep the snapshot restorable (property)', async () => {
    const errors: unknown[] = [];
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines: [counter], onError: (error) => errors.push(error) });
    const id = await runtime.spawn('counter', {}, { id: 'target' });
    let refused = 0;
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(hostileEvents, async (event) => {
        const before = (await runtime.get(id))!;
        const outcome = await sendSafely(runtime, id, event);
        const after = (await runtime.get(id))!;
        if (outcome === 'refused') {
          refused++;
          expect(after.seq, 'a refused event took a step').toBe(before.seq);
        } else taken++;
        const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
        if (outcome === 'taken' && type !== 'increment' && type !== 'stash') {
          expect(after.snapshot?.value).toEqual(before.snapshot?.value);
          expect(after.snapshot?.context).toEqual(before.snapshot?.context);
        }
        expect(after.status).toBe('active');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
        // The stored snapshot restores, and persists back to itself.
        const restored = restoreSnapshot(counter.machine, after.snapshot!);
        expect(JSON.parse(JSON.stringify(persistSnapshot(restored)))).toEqual(after.snapshot);
      }),
      { numRuns: 150, seed: Number(process.env.HOLDFAST_PROPERTY_SEED ?? Date.now() % 1_000_000) },
    );
    expect(refused).toBeGreaterThan(0);
    expect(taken).toBeGreaterThan(0);
    // Still serving: a plain event works and counts from a number again.
    await runtime.send(id, { type: 'stash', payload: 'ok' });
    expect(((await runtime.get(id))!.snapshot!.context as CounterContext).payload).toBe('ok');
    expect(errors).toEqual([]);
    await runtime.close();
  }, 60_000);

  it('refuses reserved and malformed events with INVALID_EVENT before any step', async () => {
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines: [counter] });
    const id = await runtime.spawn('counter');
    const seq = (await runtime.get(id))!.seq;
    for (const event of [null, 'increment', 7, [], { type: 1 }, { type: 'xstate.done.actor.work' }, { type: 'holdfast.send' }, cyclic(), { type: 'stash', payload: 10n }]) {
      expect(() => runtime.send(id, event as never), describeEvent(event)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT' }));
    }
    expect((await runtime.get(id))!.seq).toBe(seq);
    await runtime.close();
  });
});
