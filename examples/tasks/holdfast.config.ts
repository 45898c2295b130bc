/**
 * The task-jobs example's host module: two tasks on two queues. `notes.count`
 * counts the words of a note and defers its report as the next stage;
 * `notes.report` writes `reports/NAME.txt` beside this file. `holdfast serve`
 * and `holdfast resume` run them (README, "Running task jobs").
 * Outside this repository, import the types from 'holdfast'.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { HostModule, Task } from '../../src/index.js';

const REPORTS = fileURLToPath(new URL('./reports/', import.meta.url));

/** The payload of `notes.count`: `{ "name": "hello", "text": "..." }`. */
function notePayload(payload: Record<string, unknown>): { name: string; text: string } {
  const { name, text } = payload;
  // The name becomes a file name: kept to a safe alphabet. (Throw NonRetryableError from 'holdfast' to skip the retries.)
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error('payload.name must be 1 to 64 letters, digits, "_" or "-"');
  if (typeof text !== 'string') throw new Error('payload.text must be a string');
  return { name, text };
}

const tasks: Record<string, Task> = {
  /** Stage 1: counts the words, and returns the next stage's job (deferred in the same commit as this job's end). */
  'notes.count': (job) => {
    const { name, text } = notePayload(job.payload);
    const words = text.split(/\s+/).filter(Boolean).length;
    return { queue: 'reports', task: 'notes.report', payload: { name, words } };
  },
  /** Stage 2: writes the report under a temporary name, then renames it, so a run again after a crash is harmless. */
  'notes.report': async (job, { idempotencyKey }) => {
    const { name, words } = job.payload as { name: string; words: number };
    await mkdir(REPORTS, { recursive: true });
    const path = `${REPORTS}${name}.txt`;
    await writeFile(`${path}.tmp`, `${name}: ${words} words (job ${idempotencyKey})\n`);
    await rename(`${path}.tmp`, path);
  },
};

export default {
  tasks,
  // The queues this process works, each with how many of its jobs run at once.
  queues: { default: 2, reports: 1 },
} satisfies HostModule;
