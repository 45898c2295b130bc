/**
 * Opening a store resumes every actor that was not final (contract 2 and 5):
 * due timers are armed (and fire at once if they fell due while down), inbox
 * messages are delivered, and effects in flight run again with `attempt`
 * incremented. Records that cannot run (corrupt, unknown machine, a state
 * that no longer exists) are parked by the host as they are met; the rest run.
 * Only active actors are read: a store of a million finished ones opens fast.
 * Over a store with synchronous reads it finishes before it returns; over one
 * that reads asynchronously it answers a promise, settled once all is read.
 */
import type { MaybePromise, Store } from '../persistence/store.js';
import type { ActorHost } from './actor-host.js';
import type { Clock } from './clock.js';
import type { EventHub } from './runtime-events.js';
import { forEach, andThen } from './store-reads.js';
import type { TimerQueue } from './timer-queue.js';

export function recoverActors(parts: { store: Store; host: ActorHost; timers: TimerQueue; events: EventHub; clock: Clock }): MaybePromise<void> {
  const { store, host, timers, events, clock } = parts;
  const started = clock.now();
  let actors = 0;
  let effects = 0;
  let parked = 0;
  let inbox = 0;
  let timerCount = 0;
  const loaded = forEach(store.actorIds({ status: 'active' }), (id) =>
    andThen(host.load(id), (actor) => {
      if (!actor) {
        parked++;
        return;
      }
      if (actor.record.status !== 'active') return; // a stale index entry
      actors++;
      const inFlight = Object.keys(actor.record.effects).length;
      if (inFlight > 0) {
        effects += inFlight;
        host.resumeEffects(actor);
      } else host.passivateIfIdle(actor);
    }),
  );
  const armed = andThen(loaded, () => {
    host.startResumedEffects();
    return forEach(store.timers(), (timer) => {
      timers.add(timer);
      timerCount++;
    });
  });
  const delivered = andThen(armed, () =>
    forEach(store.inbox(), (message) => {
      host.seenMessageSeq(message.seq);
      host.deliverTo(message.to, { kind: 'inbox', seq: message.seq, event: message.event });
      inbox++;
    }),
  );
  return andThen(delivered, () => {
    events.publish({ type: 'runtime.recovered', actors, effects, inbox, timers: timerCount, parked, ms: clock.now() - started, at: clock.now() });
  });
}
