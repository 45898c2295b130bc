/**
 * Effects are at-least-once, and only that (RELIABILITY.md, I4): an effect
 * killed before its result commits runs again with the same idempotency key
 * and the next attempt number; one whose result committed never runs again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../src/index.js';
import { verifyStore } from '../../src/testing/index.js';
import { startWorkload, waitForOutput } from '../helpers/processes.js';
import { tempFolder } from '../helpers/temp-store.js';

const ledgerLines = (ledger: string) =>
  readFileSync(ledger, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name, key, attempt] = line.split(' ');
      return { name: name!, key: key!, attempt: Number(attempt) };
    });

describe('crash: effects re-run after a SIGKILL', () => {
  it('re-runs an in-flight effect once with the same key and attempt 2, and never re-runs one whose result committed', async () => {
    const folder = tempFolder('holdfast-rerun-');
    const store = join(folder, 'store');
    const ledger = join(folder, 'ledger.txt');

    const first = startWorkload('ledger-effects', [store, ledger]);
    expect(await waitForOutput(first, 'BLOCKING', 30_000), first.output()).toBe(true);
    expect(first.output()).toContain('HELD');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const beforeRestart = ledgerLines(ledger);
    expect(beforeRestart.map((l) => [l.name, l.attempt])).toEqual([['once', 1], ['blocked', 1]]);

    const second = startWorkload('ledger-effects', [store, ledger]);
    expect(await waitForOutput(second, 'DONE', 30_000), second.output()).toBe(true);
    expect((await second.exited).code).toBe(0);

    const lines = ledgerLines(ledger);
    const blocked = lines.filter((l) => l.name === 'blocked');
    expect(blocked.map((l) => l.attempt)).toEqual([1, 2]);
    expect(new Set(blocked.map((l) => l.key)).size, 'the re-run kept its idempotency key').toBe(1);
    expect(blocked[0]!.key).toMatch(/^blocked:record:/);
    // The committed result was not run again: the ledger line count for it stays at one.
    expect(lines.filter((l) => l.name === 'once')).toHaveLength(1);
    expect(lines).toHaveLength(beforeRestart.length + 1);

    const readOnly = openLmdbStore(store, { readOnly: true });
    try {
      expect(readOnly.getActor('blocked' as never)).toMatchObject({ status: 'done', state: 'released', effects: {} });
      expect(readOnly.getActor('once' as never)).toMatchObject({ status: 'done', state: 'released' });
      const doneSteps = [...readOnly.journal('blocked' as never)].filter((e) => e.event === 'xstate.done.actor.record');
      expect(doneSteps, 'the result was consumed once').toHaveLength(1);
      expect((await verifyStore(readOnly, { expectSettled: true })).violations).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });
});
