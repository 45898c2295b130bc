/**
 * A commit whose lmdb-js promise has not settled counts as landed once the chain
 * marker in the store is at or past its own, and only while the chain is unbroken
 * (commit-chain.ts, landedByMarker).
 */
import { describe, expect, it } from 'vitest';
import { CommitChain, landedByMarker } from '../../../src/persistence/commit-chain.js';

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

describe('landedByMarker', () => {
  it('resolves once the store holds this commit’s marker or a later one', async () => {
    const chain = new CommitChain();
    const link = chain.link();
    chain.queued(link);
    let inStore = link.base;
    const watch = landedByMarker(chain, link, () => inStore, 5);
    expect(await within(watch.landed, 30)).toBe('pending');
    expect(watch.fired()).toBe(false);
    inStore = link.marker + 2; // two later commits landed on top of it
    expect(await within(watch.landed, 100)).toBe(true);
    expect(watch.fired()).toBe(true); // the store notes that a guard, not lmdb-js, acknowledged it
    watch.stop();
  });

  it('never resolves after a break: a later marker then does not prove this commit applied', async () => {
    const chain = new CommitChain();
    const link = chain.link();
    chain.queued(link);
    chain.broken(link);
    const watch = landedByMarker(chain, link, () => link.marker + 5, 5);
    expect(await within(watch.landed, 60)).toBe('pending');
    expect(watch.fired()).toBe(false);
    watch.stop();
  });

  it('survives a store that cannot be read (closing) and keeps waiting', async () => {
    const chain = new CommitChain();
    const link = chain.link();
    chain.queued(link);
    const watch = landedByMarker(chain, link, () => {
      throw new Error('the store is closed');
    }, 5);
    expect(await within(watch.landed, 40)).toBe('pending');
    watch.stop();
  });
});
