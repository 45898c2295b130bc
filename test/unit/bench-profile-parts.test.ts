import { describe, expect, it } from 'vitest';
import { categorise, type CpuProfile } from '../../bench/lib/profile-parts.js';

const src = (path: string) => `file:///repo/src/${path}`;

/** A profile from a call tree: [name, url, children]; `samples` names the nodes sampled, 1 ms each. */
function profile(tree: [string, string, ...unknown[]], samples: string[]): CpuProfile {
  const nodes: CpuProfile['nodes'] = [];
  const ids = new Map<string, number>();
  const add = ([functionName, url, ...children]: [string, string, ...unknown[]]): number => {
    const id = nodes.length + 1;
    const node = { id, callFrame: { functionName, url }, children: [] as number[] };
    nodes.push(node);
    ids.set(functionName, id);
    for (const child of children as [string, string, ...unknown[]][]) node.children.push(add(child));
    return id;
  };
  add(tree);
  return { nodes, samples: samples.map((name) => ids.get(name)!), timeDeltas: samples.map(() => 1000) };
}

describe('bench step profile: samples filed by part of a step', () => {
  const tree: [string, string, ...unknown[]] = [
    '(root)', '',
    ['(idle)', ''],
    ['(garbage collector)', ''],
    ['flush', src('runtime/committer.ts'),
      ['commit', src('persistence/lmdb-store.ts'),
        ['encodeActorRecord', src('persistence/actor-codec.ts'), ['encodeRecord', src('persistence/record-codec.ts'), ['stringify', '']]],
        ['encodeJournalEntry', src('persistence/journal-codec.ts')],
        ['put', 'file:///repo/node_modules/lmdb/write.js'],
      ],
    ],
    ['step', src('runtime/actor-host.ts'), ['microstep', 'file:///repo/node_modules/xstate/dist/raise.cjs.js']],
  ];

  it('files each sample under its innermost part, an encodeRecord under the record it encodes, idle left out', () => {
    const parts = categorise(profile(tree, ['(idle)', '(idle)', '(garbage collector)', 'stringify', 'encodeRecord', 'encodeJournalEntry', 'put', 'commit', 'flush', 'step', 'microstep', 'microstep']));
    expect(parts.totalMs).toBe(12);
    expect(parts.busyMs).toBe(10);
    expect(Object.fromEntries(parts.rows.map((row) => [row.part, row.ms]))).toEqual({
      'garbage collection': 1,
      'actor record: encode (JSON + CRC-32)': 2,
      'journal entry: encode': 1,
      'LMDB: puts, commit hand-off, flush (main thread)': 1,
      'store: plan writes, index keys, commit chain': 1,
      'committer (group commit, acknowledgement)': 1,
      'actor host (step loop, mailboxes)': 1,
      'XState: transition and snapshot': 2,
    });
    expect(parts.rows[0]!.ms).toBe(2); // largest first
  });

  it('files the shipped code (dist/*.js, as the bench runs it) as it files src', () => {
    const shipped = JSON.parse(JSON.stringify(tree).replaceAll('/repo/src/', '/repo/dist/').replaceAll('.ts"', '.js"')) as typeof tree;
    const samples = ['(idle)', '(garbage collector)', 'stringify', 'encodeRecord', 'encodeJournalEntry', 'put', 'commit', 'flush', 'step', 'microstep'];
    expect(categorise(profile(shipped, samples)).rows).toEqual(categorise(profile(tree, samples)).rows);
  });
});
