/**
 * Opening a store resumes every actor that was not final (contract 2 and 5):
 * due timers are armed (and fire at once if they fell due while down), inbox
 * messages are delivered, and effects in flight run again with `attempt`
 * incremented. Records that cannot run (corrupt, unknown machine, a state
 * that no longer exists) are parked by the host as they are met; the rest run.
 * Only active actors are read: a store of a million finished ones opens fast.
 */
import type { SyncStore } from '../persistence/store.js';
import type { ActorHost } from './actor-host.js';
import type { Clock } from './clock.js';
import type { EventHub } from './runtime-events.js';
import type { TimerQueue } from './timer-queue.js';

export function recoverActors(parts: { store: SyncStore; host: ActorHost; timers: TimerQueue; events: EventHub; clock: Clock }): void {
  const { store, host, timers, events, clock } = parts;
  const started = clock.now();
  let actors = 0;
  let effects = 0;
  let parked = 0;
  let inbox = 0;
  let timerCount = 0;
  for (const id of store.actorIds({ status: 'active' })) {
    const actor = host.load(id);
    if (!actor) {
      parked++;
      continue;
    }
    if (actor.record.status !== 'active') continue; // a stale index entry
    actors++;
    const inFlight = Object.keys(actor.record.effects).length;
    if (inFlight > 0) {
      effects += inFlight;
      host.resumeEffects(actor);
    } else host.passivateIfIdle(actor);
  }
  host.startResumedEffects();
  for (const timer of store.timers()) {
    timers.add(timer);
    timerCount++;
  }
  for (const message of store.inbox()) {
    host.seenMessageSeq(message.seq);
    host.deliverTo(message.to, { kind: 'inbox', seq: message.seq, event: message.event });
    inbox++;
  }
  events.publish({ type: 'runtime.recovered', actors, effects, inbox, timers: timerCount, parked, ms: clock.now() - started, at: clock.now() });
}
