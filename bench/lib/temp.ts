/** Temp folders under os.tmpdir(), removed when the process exits, however it exits. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const folders = new Set<string>();
let hooked = false;

function removeAll(): void {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** A fresh folder, removed at exit (or earlier by the returned function). */
export function tempFolder(prefix: string): { path: string; remove: () => void } {
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAll);
    // A signal skips 'exit' handlers: clean up, then die of the same signal.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        removeAll();
        process.kill(process.pid, signal);
      });
    }
  }
  const path = mkdtempSync(join(tmpdir(), `holdfast-bench-${prefix}-`));
  folders.add(path);
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      folders.delete(path);
    },
  };
}
