/**
 * `kill -USR2 PID` on a running holdfast command prints each runtime it has
 * open as one JSON line on stderr, `{"diagnostics": …}` (runtime-diagnostics.ts):
 * how a person, or a test that timed out, sees why a process that looks
 * healthy stopped moving. The CLI installs the handler (main.ts); a host app
 * that opens holdfast keeps its own signals.
 */
import type { Runtime } from '../runtime/runtime.js';

const reporting = new Set<Runtime>();

/** Includes `runtime` in the reports until the returned function is called. */
export function reportOnSignal(runtime: Runtime): () => void {
  reporting.add(runtime);
  return () => void reporting.delete(runtime);
}

function report(): void {
  for (const runtime of reporting) {
    try {
      process.stderr.write(`${JSON.stringify({ diagnostics: runtime.diagnostics() })}\n`);
    } catch (error) {
      process.stderr.write(`holdfast: diagnostics could not be read: ${(error as Error)?.message ?? String(error)}\n`);
    }
  }
}

/** Answers SIGUSR2 with the reports until the returned function is called. */
export function installDiagnosticsSignal(): () => void {
  process.on('SIGUSR2', report);
  return () => void process.off('SIGUSR2', report);
}
