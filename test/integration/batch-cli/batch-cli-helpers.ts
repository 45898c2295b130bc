/** A small host module and store checks for the batch CLI tests. */
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openLmdbStore } from '../../../src/persistence/lmdb-store.js';
import { runCli, type CliRun } from '../../helpers/dataload.js';
import { tempFolder } from '../../helpers/temp-store.js';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/**
 * `double`: `read` throws on a negative n, `twice` doubles it with the
 * config's factor. `DELAY` ms per item (0 unless a test slows it down).
 */
export function hostModule(delayMs = 0, version = ''): string {
  return `
import { z } from 'zod';
const DELAY: number = ${delayMs};
const read = async (item: unknown): Promise<number> => {
  const { n } = item as { n: number };
  if (DELAY > 0) await new Promise((resolve) => setTimeout(resolve, DELAY));
  if (n < 0) throw new Error('negative n: ' + n);
  return n;
};
export default {
  applications: [
    {
      name: 'double',${version ? `\n      version: '${version}',` : ''}
      config: z.object({ factor: z.number().int().positive() }).strict(),
      steps: [
        { name: 'read', run: read },
        { name: 'twice', after: ['read'], run: (_item: unknown, inputs: Record<string, unknown>, context: { config: unknown }) => (inputs.read as number) * (context.config as { factor: number }).factor },
      ],
    },
    { name: 'echo', steps: [{ name: 'same', run: (item: unknown) => item }] },
  ],
  sources: { numbers: () => [{ id: 'n1', value: { n: 1 } }, { id: 'n2', value: { n: 2 } }] },
};
`;
}

export interface Workspace {
  folder: string;
  store: string;
  app: string;
  /** `--store S --app A` */
  flags: string[];
  /** Writes `name` (JSON lines of `{ id, n }` for n in `values`). */
  numbers(name: string, values: number[]): string;
}

/** A temp folder with the host module (zod resolvable), a config, and a store path. */
export function workspace(delayMs = 0): Workspace {
  const folder = tempFolder('holdfast-batch-cli-');
  symlinkSync(join(repoRoot, 'node_modules'), join(folder, 'node_modules'));
  const app = join(folder, 'holdfast.config.ts');
  writeFileSync(app, hostModule(delayMs));
  writeFileSync(join(folder, 'config.json'), JSON.stringify({ factor: 2 }));
  const store = join(folder, 'store');
  return {
    folder,
    store,
    app,
    flags: ['--store', store, '--app', app],
    numbers(name, values) {
      const path = join(folder, name);
      writeFileSync(path, values.map((n, index) => JSON.stringify({ id: `i${index + 1}`, n })).join('\n') + '\n');
      return path;
    },
  };
}

/** Runs the CLI and checks the exit code, showing stderr when it differs. */
export async function cli(argv: string[], code = 0): Promise<CliRun> {
  const run = await runCli(argv);
  expect(run.code, `holdfast ${argv.join(' ')}\n${run.stderr}${run.stdout.slice(0, 2000)}`).toBe(code);
  return run;
}

/** Exit 2 with a message matching `pattern`. */
export async function refused(argv: string[], pattern: RegExp): Promise<CliRun> {
  const run = await cli(argv, 2);
  expect(run.stderr).toMatch(pattern);
  return run;
}

/** Every record of every batch collection and every actor in the store: nothing, after a refused create. */
export function storeContents(store: string): { actors: number; records: number } {
  if (!existsSync(join(store, 'data.mdb'))) return { actors: 0, records: 0 };
  const peek = openLmdbStore(store, { readOnly: true });
  try {
    let records = 0;
    for (const collection of ['batch.items', 'batch.results', 'batch.exceptions', 'batch.batches', 'batch.creating']) for (const _ of peek.scanRecords(collection)) records++;
    return { actors: [...peek.queryActors({})].length, records };
  } finally {
    void peek.close();
  }
}
