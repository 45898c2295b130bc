import { describe, expect, it } from 'vitest';
import { bucketMs, bucketOf, mergeAggregate, mergeNodeMaps, NodeCounter, nodeStats, quantileMs } from '../../../src/adapters/batch/node-stats.js';

describe('node statistics', () => {
  it('counts items, successes, failures and total time', () => {
    const counter = new NodeCounter();
    counter.record(1, true);
    counter.record(3, false);
    expect(nodeStats('n', counter.toAggregate())).toMatchObject({ node: 'n', items: 2, successes: 1, failures: 1, totalMs: 4 });
  });

  it('places a time in a bucket whose representative is within 20% of it', () => {
    for (const ms of [0.001, 0.01, 0.37, 1, 12.5, 480, 90_000]) expect(Math.abs(bucketMs(bucketOf(ms)) - ms) / ms).toBeLessThan(0.2);
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e15)).toBe(160);
  });

  it('gives p50 and p95 from the histogram', () => {
    const counter = new NodeCounter();
    for (let i = 0; i < 90; i++) counter.record(1, true);
    for (let i = 0; i < 10; i++) counter.record(100, true);
    const aggregate = counter.toAggregate();
    expect(quantileMs(aggregate, 0.5)).toBeCloseTo(1, 0);
    expect(quantileMs(aggregate, 0.95) / 100).toBeGreaterThan(0.8);
    expect(quantileMs(aggregate, 0.95) / 100).toBeLessThan(1.2);
  });

  it('merges chunks into the same aggregate as one counter over all of them', () => {
    const whole = new NodeCounter();
    const parts = [new NodeCounter(), new NodeCounter(), new NodeCounter()];
    for (let i = 0; i < 300; i++) {
      const ms = (i % 17) * 0.7 + 0.01;
      whole.record(ms, i % 5 !== 0);
      parts[i % 3]!.record(ms, i % 5 !== 0);
    }
    const merged = parts.map((p) => p.toAggregate()).reduce((a, b) => mergeAggregate(a, b));
    expect(nodeStats('x', merged)).toEqual(nodeStats('x', whole.toAggregate()));
    expect(mergeNodeMaps({ a: parts[0]!.toAggregate() }, { a: parts[1]!.toAggregate(), b: parts[2]!.toAggregate() }).b!.items).toBe(100);
  });

  it('reports zeros for an empty aggregate', () => {
    expect(nodeStats('e', new NodeCounter().toAggregate())).toEqual({ node: 'e', items: 0, successes: 0, failures: 0, totalMs: 0, p50Ms: 0, p95Ms: 0 });
  });
});
