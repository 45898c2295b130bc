/** Not a workload: the checks the crash tests make on the store the parent-children workloads leave. */
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { openLmdbStore } from '../../../src/create-runtime.js';
import { verifyStore } from '../../../src/testing/index.js';

/** The parent counted every child exactly once, every actor is final, the store is clean, every effect ran. */
export async function expectParentComplete(store: string, ledger: string, children: number, label: string): Promise<void> {
  const readOnly = openLmdbStore(store, { readOnly: true });
  try {
    const root = readOnly.getActor('root' as never);
    expect(root?.status, label).toBe('done');
    const context = root!.snapshot!.context as { done: number; total: number; seen: Record<string, true> };
    expect(context.done, `${label}: the parent counted each child once`).toBe(children);
    expect(Object.keys(context.seen), label).toHaveLength(children);
    const kids = [...readOnly.queryActors({ parent: 'root' as never })];
    expect(kids, label).toHaveLength(children);
    expect(kids.filter((kid) => kid.status !== 'done').map((kid) => kid.id), label).toEqual([]);
    for (const kid of kids) {
      const reports = [...readOnly.journal(kid.id)].filter((entry) => entry.from === 'resting');
      expect(reports, `${label}: ${kid.id} left resting once`).toHaveLength(1);
    }
    expect((await verifyStore(readOnly, { expectSettled: true })).violations, label).toEqual([]);
    expect([...readOnly.inbox()], label).toHaveLength(0);
    expect([...readOnly.timers()], label).toHaveLength(0);
  } finally {
    await readOnly.close();
  }
  expect(existsSync(ledger), label).toBe(true);
  const keysByChild = new Map<string, Set<string>>();
  for (const line of readFileSync(ledger, 'utf8').trim().split('\n')) {
    const [index, , key] = line.split(' ');
    if (!keysByChild.has(index!)) keysByChild.set(index!, new Set());
    keysByChild.get(index!)!.add(key!);
  }
  expect(keysByChild.size, `${label}: every effect ran at least once`).toBe(children);
  for (const [index, keys] of keysByChild) expect(keys.size, `${label}: child ${index} re-ran under one key`).toBe(1);
}
