import { describe, expect, expectTypeOf, it } from 'vitest';
import * as machineSide from '../../src/machines/messaging.js';
import * as runtimeSide from '../../src/runtime/machine-protocol.js';
import { parkedReport } from '../../src/runtime/parked-records.js';
import { HoldfastError } from '../../src/errors.js';
import type { ActorId, ActorRecord } from '../../src/persistence/store.js';

// The runtime knows no machine, so the requests and reports that cross between them are
// declared on both sides; these checks (typecheck and run) keep the two declarations one.
describe('the machine protocol', () => {
  it('declares the same spawn request and parked report on both sides', () => {
    expectTypeOf<machineSide.SpawnRequest>().toEqualTypeOf<runtimeSide.SpawnRequest>();
    expectTypeOf<machineSide.ChildParked>().toEqualTypeOf<runtimeSide.ChildParked>();
    expect(runtimeSide.CHILD_PARKED).toBe(machineSide.CHILD_PARKED);
  });

  it('sends a parent the parked report its machine reads', () => {
    const child = { id: 'job/b1' as ActorId, parent: 'job' as ActorId, root: 'job' as ActorId, machine: 'batch', state: 'running' } as ActorRecord & { parent: ActorId };
    const message = parkedReport(child, new HoldfastError('RECORD_CORRUPT', 'bad bytes'), 7, 1_000);
    const event = message.event as unknown as machineSide.ChildParked;
    expect(message.to).toBe('job');
    expect(event).toEqual({ type: machineSide.CHILD_PARKED, child: 'job/b1', key: 'b1', machine: 'batch', state: 'running', error: { code: 'RECORD_CORRUPT', message: 'bad bytes' }, at: 1_000 });
  });
});
