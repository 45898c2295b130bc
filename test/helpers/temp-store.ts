/** Temporary store folders, removed after the test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const folders: string[] = [];

/** A fresh folder under the OS temp dir; removed when the current test ends. */
export function tempFolder(prefix = 'holdfast-test-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

afterEach(() => {
  // HOLDFAST_KEEP_TEMP=1 keeps them, to read a failed test's store afterwards.
  if (process.env.HOLDFAST_KEEP_TEMP) return void folders.splice(0);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
