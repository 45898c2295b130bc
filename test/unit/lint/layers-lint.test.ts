import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint `npm test` runs (eslint.config.js): each layer rule of DESIGN.md, tried on a file
// placed in the layer it speaks of, as a new import there would be.
const cwd = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd });

async function findings(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the layers lint', () => {
  it('refuses the runtime importing a machine, a test helper or an adapter', async () => {
    const found = await findings(
      'src/runtime/new-part.ts',
      [
        "import type { SpawnRequest } from '../machines/messaging.js';",
        "import { SimulatedClock } from '../testing/simulated-clock.js';",
        "import type { DataverseClient } from '../adapters/dataverse/dataverse-client.js';",
        'export type T = [SpawnRequest, SimulatedClock, DataverseClient];',
      ].join('\n'),
    );
    expect(found).toHaveLength(3);
    expect(found.every((line) => line.startsWith('boundaries/dependencies'))).toBe(true);
  }, 60_000);

  it('refuses an adapter importing persistence, even a type, and lets it use the runtime', async () => {
    const found = await findings(
      'src/adapters/inspector/new-view.ts',
      [
        "import type { ActorRecord } from '../../persistence/store.js';",
        "import type { ActorId } from '../../runtime/actor-types.js';",
        "import { HoldfastError } from '../../errors.js';",
        'export type T = [ActorRecord, ActorId, HoldfastError];',
      ].join('\n'),
    );
    expect(found).toEqual([expect.stringMatching(/^boundaries\/dependencies: .*"adapters" to elements of type "persistence"/)]);
  }, 60_000);

  it('keeps the inspector from naming a kind: no other adapter, no kind, no machine', async () => {
    const found = await findings(
      'src/adapters/inspector/new-view.ts',
      [
        "import { BatchViews } from '../batch/batch-inspector-views.js';",
        "import { batchJobKind } from '../../kinds/batch-job.js';",
        "import type { BatchJobContext } from '../../machines/batch-job.machine.js';",
        "import type { KindInspector } from './kind-inspector.js';",
        "import type { Runtime } from '../../runtime/runtime.js';",
        'export type T = [BatchViews, typeof batchJobKind, BatchJobContext, KindInspector, Runtime];',
      ].join('\n'),
    );
    expect(found.filter((line) => line.startsWith('no-restricted-imports'))).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*batch-inspector-views.*imports no other adapter/),
      expect.stringMatching(/^no-restricted-imports: .*kinds\/batch-job.*names no kind/),
      expect.stringMatching(/^no-restricted-imports: .*batch-job\.machine.*names no kind/),
    ]);
  }, 60_000);

  it('keeps machines pure: xstate and their own modules only', async () => {
    const found = await findings(
      'src/machines/new.machine.ts',
      ["import { readFileSync } from 'node:fs';", "import { setup } from 'xstate';", "import { sendMessage } from './messaging.js';", 'export const x = [readFileSync, setup, sendMessage];'].join('\n'),
    );
    expect(found).toEqual([expect.stringMatching(/^no-restricted-imports: .*node:fs/)]);
  }, 60_000);

  it('refuses any', async () => {
    const found = await findings('src/runtime/new-part.ts', 'export const f = (x: any) => x;\n');
    expect(found).toEqual([expect.stringMatching(/^@typescript-eslint\/no-explicit-any/)]);
  }, 60_000);
});
