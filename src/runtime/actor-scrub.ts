/**
 * The scrub: after open, an owner pages through every actor record in the
 * background, checking checksums only, and parks each record that fails where
 * the index says it stood (RELIABILITY.md I7). Recovery finds the damaged
 * records of unfinished work at once (it reads every active actor); this finds
 * those of finished work nobody touches, so a finished load's corrupt file is
 * parked, not silently dropped from its counts.
 * Measured here (2 shared cores under load): checking 1,000,000 stored
 * datafile records takes 3 to 5.5 s (raw lmdb-js reads with checksums: 2 s;
 * keys alone: 0.25 s), while opening that store takes 80 ms: too much to add
 * to opening, which must take seconds at a million finished items (contract
 * 4). So it runs after open, PAGE records per event-loop turn (median 3 ms
 * at 1,000, 9 ms at 5,000), and stops with the runtime; a short command that
 * closes first simply scrubs less.
 */
import type { ActorId, Store } from '../persistence/store.js';
import { isPromise } from './store-reads.js';

/** Records checked per turn: about 5 ms. */
const PAGE = 2_000;

export interface ScrubHandle {
  /** Resolves once every record was checked (or the scrub was stopped). */
  readonly done: Promise<number>;
  stop(): void;
}

/** Starts the scrub; `park` is called with each id whose record fails its checksum. */
export function startScrub(store: Pick<Store, 'checkActorPage'>, park: (id: ActorId) => unknown, onError: (error: unknown) => void): ScrubHandle {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: (failed: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));
  let failedCount = 0;
  let after: ActorId | undefined;
  const fault = (error: unknown) => {
    if (stopped) return finish(failedCount); // a read answered after the store closed: nothing is wrong
    onError(error); // a store closed under it, or a read fault: the scrub ends, the runtime runs on
    finish(failedCount);
  };
  const checked = (page: { failed: ActorId[]; last: ActorId | undefined }) => {
    if (stopped) return finish(failedCount);
    for (const id of page.failed) park(id);
    failedCount += page.failed.length;
    if (page.last === undefined) return finish(failedCount);
    after = page.last;
    timer = setTimeout(turn, 0);
    timer.unref();
  };
  const turn = () => {
    timer = undefined;
    if (stopped) return finish(failedCount);
    try {
      const page = store.checkActorPage(after, PAGE);
      // A store that reads asynchronously answers later; the next page is asked for after this one.
      if (isPromise(page)) return void page.then(checked).catch(fault);
      checked(page);
    } catch (error) {
      fault(error);
    }
  };
  timer = setTimeout(turn, 0);
  timer.unref();
  return {
    done,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      finish(failedCount);
    },
  };
}
