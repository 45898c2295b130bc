/**
 * The CLI from source in a child process (so another command can reach it as the store's owner), with its output and exit;
 * `supervised`: as bin/holdfast.js runs it (supervisor and child, test/helpers/supervised-cli.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workload } from './processes.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const entry = join(root, 'test', 'integration', 'batch-cli', 'cli-entry.ts');
const supervisedEntry = join(root, 'test', 'helpers', 'supervised-cli.ts');

/** Children started here, for `killChildren` in an afterEach. */
const children: ChildProcess[] = [];

export function holdfastChild(args: string[], cwd = process.cwd(), options: { supervised?: boolean } = {}): Workload {
  // `--import tsx` is resolved from `cwd`: a folder outside the repository needs node_modules linked in.
  const child = spawn(process.execPath, ['--import', 'tsx', options.supervised ? supervisedEntry : entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => stdout + stderr, errors: () => stderr, exited };
}

/** Its exit, or 'hung' after `ms`. */
export async function exitWithin(workload: Workload, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'hung'> {
  const timeout = new Promise<'hung'>((done) => setTimeout(() => done('hung'), ms).unref());
  return Promise.race([workload.exited, timeout]);
}

/** SIGKILLs every child still running. */
export function killChildren(): void {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
