import { describe, expect, it } from 'vitest';
import type { ActorId, TimerEntry } from '../../../src/persistence/store.js';
import { TimerQueue } from '../../../src/runtime/timer-queue.js';
import { SimulatedClock } from '../../../src/testing/index.js';

const timer = (actor: string, id: string, due: number): TimerEntry => ({ due, actor: actor as ActorId, id, event: { type: `${actor}.${id}` } });

function queueWithLog(start = 0) {
  const clock = new SimulatedClock(start);
  const fired: { event: string; at: number; due: number }[] = [];
  const queue = new TimerQueue(clock, (entry) => fired.push({ event: entry.event.type, at: clock.now(), due: entry.due }));
  return { clock, queue, fired };
}

describe('TimerQueue with a simulated clock', () => {
  it('fires timers in due order, whatever the order they were added in', () => {
    const { clock, queue, fired } = queueWithLog(1_000);
    queue.add(timer('a', 't3', 1_300));
    queue.add(timer('b', 't1', 1_100));
    queue.add(timer('c', 't2', 1_200));
    queue.add(timer('d', 't2b', 1_200));
    clock.advance(1_000);
    expect(fired.map((f) => f.event)).toEqual(['b.t1', 'c.t2', 'd.t2b', 'a.t3']);
    expect(fired.map((f) => f.at)).toEqual([1_100, 1_200, 1_200, 1_300]);
    expect(queue.size).toBe(0);
  });

  it('does not fire before the due time', () => {
    const { clock, queue, fired } = queueWithLog();
    queue.add(timer('a', 't', 500));
    clock.advance(499);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toHaveLength(1);
  });

  it('never fires a removed timer, and keeps the others', () => {
    const { clock, queue, fired } = queueWithLog();
    queue.add(timer('a', 'keep', 100));
    queue.add(timer('a', 'drop', 50));
    queue.add(timer('b', 'gone', 70));
    queue.add(timer('b', 'also-gone', 80));
    queue.remove('a' as ActorId, 'drop');
    queue.removeActor('b' as ActorId);
    clock.advance(200);
    expect(fired.map((f) => f.event)).toEqual(['a.keep']);
  });

  it('fires each timer once, however far time moves on', () => {
    const { clock, queue, fired } = queueWithLog();
    queue.add(timer('a', 't', 10));
    clock.advance(10);
    clock.advance(10_000);
    clock.advance(10_000);
    expect(fired).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('fires at once, late, a timer that fell due before it was added (a restart after downtime)', () => {
    const { clock, queue, fired } = queueWithLog(10_000);
    queue.add(timer('a', 'overdue', 9_400));
    queue.add(timer('b', 'future', 10_050));
    clock.advance(0);
    expect(fired).toEqual([{ event: 'a.overdue', at: 10_000, due: 9_400 }]);
    clock.advance(50);
    expect(fired.map((f) => f.event)).toEqual(['a.overdue', 'b.future']);
  });

  it('re-arms for an earlier timer added after a later one', () => {
    const { clock, queue, fired } = queueWithLog();
    queue.add(timer('a', 'late', 1_000));
    clock.advance(100);
    queue.add(timer('b', 'early', 200));
    clock.advance(100);
    expect(fired.map((f) => f.event)).toEqual(['b.early']);
    expect(clock.pending).toBe(1);
  });

  it('lets a fired timer add the next one, which fires in turn', () => {
    const clock = new SimulatedClock();
    const fired: number[] = [];
    const queue: TimerQueue = new TimerQueue(clock, (entry) => {
      fired.push(clock.now());
      if (fired.length < 3) queue.add(timer('a', `t${fired.length}`, entry.due + 100));
    });
    queue.add(timer('a', 't0', 100));
    clock.advance(1_000);
    expect(fired).toEqual([100, 200, 300]);
  });

  it('clears its host timer and forgets its entries on close', () => {
    const { clock, queue, fired } = queueWithLog();
    queue.add(timer('a', 't', 100));
    queue.close();
    expect(clock.pending).toBe(0);
    clock.advance(1_000);
    expect(fired).toEqual([]);
    expect(queue.size).toBe(0);
  });
});
