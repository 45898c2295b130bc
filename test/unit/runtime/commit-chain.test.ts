/** The LMDB store's commit chain numbers (src/persistence/commit-chain.ts). */
import { describe, expect, it } from 'vitest';
import { CommitChain } from '../../../src/persistence/commit-chain.js';

describe('commit chain', () => {
  it('links each commit to the marker the one queued before it leaves', () => {
    const chain = new CommitChain();
    const a = chain.link();
    chain.queued(a);
    const b = chain.link();
    chain.queued(b);
    expect([a.base, a.marker, b.base, b.marker]).toEqual([0, 1, 1, 2]);
    chain.landed(a);
    chain.landed(b);
    expect(chain.link().base).toBe(2);
  });

  it('after a failure, starts from the last applied marker; a commit that failed with it resets nothing', () => {
    const chain = new CommitChain();
    const a = chain.link();
    chain.queued(a);
    chain.landed(a);
    const b = chain.link(); // fails
    chain.queued(b);
    const c = chain.link(); // queued behind b: skipped by the store
    chain.queued(c);
    chain.broken(b);
    const d = chain.link(); // the retry
    expect(d.base).toBe(a.marker);
    chain.queued(d);
    chain.broken(c); // c's failure arrives after the retry was queued
    expect(chain.link().base).toBe(d.marker);
  });

  it('a link never queued (its batch threw) leaves the tip where it was', () => {
    const chain = new CommitChain();
    const a = chain.link();
    chain.queued(a);
    chain.link();
    expect(chain.link().base).toBe(a.marker);
  });
});
