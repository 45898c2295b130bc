import { describe, expect, it } from 'vitest';
import { SortedTree } from '../../../src/persistence/sorted-tree.js';
import { seededRandom } from '../../helpers/processes.js';

const sorted = (map: Map<string, number>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('SortedTree', () => {
  it('matches a sorted map through random puts and deletes, and every published version stays as it was', () => {
    const random = seededRandom(7);
    let tree = SortedTree.empty<number>();
    const model = new Map<string, number>();
    const versions: { tree: SortedTree<number>; entries: [string, number][] }[] = [];
    for (let commit = 0; commit < 300; commit++) {
      const draft = tree.draft();
      const size = 1 + Math.floor(random() * 60);
      for (let i = 0; i < size; i++) {
        const key = `k${Math.floor(random() * 3_000)}`;
        if (random() < 0.35) {
          draft.delete(key);
          model.delete(key);
        } else {
          draft.set(key, commit);
          model.set(key, commit);
        }
      }
      tree = draft.publish();
      if (commit % 30 === 0) versions.push({ tree, entries: sorted(model) });
    }
    expect([...tree.entries()]).toEqual(sorted(model));
    for (const version of versions) expect([...version.tree.entries()]).toEqual(version.entries);
    for (const [key, value] of model) expect(tree.get(key)).toBe(value);
  });

  it('reads ranges forwards and backwards, with an exclusive start', () => {
    const draft = SortedTree.empty<number>().draft();
    const keys = Array.from({ length: 500 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (const [i, key] of keys.entries()) draft.set(key, i);
    const tree = draft.publish();
    const ids = (range: Parameters<typeof tree.entries>[0]) => [...tree.entries(range)].map(([, value]) => value);
    expect(ids({ start: 'k0100', end: 'k0105' })).toEqual([100, 101, 102, 103, 104]);
    expect(ids({ start: 'k0100', end: 'k0105', exclusiveStart: true })).toEqual([101, 102, 103, 104]);
    expect(ids({ start: 'k00995', end: 'k0102' })).toEqual([100, 101]);
    expect(ids({ start: 'k0300', end: 'k0296', reverse: true })).toEqual([300, 299, 298, 297]);
    expect(ids({ start: 'k02995', end: 'k0297', reverse: true })).toEqual([299, 298]);
    expect(ids({ reverse: true }).slice(0, 2)).toEqual([499, 498]);
    expect(ids({ start: 'z' })).toEqual([]);
  });

  it('empties and fills again, and a deleted key is gone from the draft at once', () => {
    let tree = SortedTree.empty<number>();
    const draft = tree.draft();
    for (let i = 0; i < 5_000; i++) draft.set(`k${i}`, i);
    tree = draft.publish();
    const emptying = tree.draft();
    for (let i = 0; i < 5_000; i++) emptying.delete(`k${i}`);
    expect(emptying.get('k10')).toBeUndefined();
    const empty = emptying.publish();
    expect([...empty.entries()]).toEqual([]);
    expect(tree.get('k4999')).toBe(4999);
    const again = empty.draft();
    again.set('a', 1);
    expect([...again.publish().entries()]).toEqual([['a', 1]]);
  });
});
