/**
 * The `file` process: an executable from the registered scripts folder (any
 * language), run with the job's arguments and an allow-listed environment,
 * stdin fed with `{ "data": [...], "parameters": {...} }` as JSON, stdout and
 * stderr captured up to a limit, its process group killed at the timeout and
 * on cancel. A script is named by one path segment; a symbolic link that
 * leads out of the folder is refused, and so is anything but an executable file.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { HoldfastError } from '../../errors.js';
import { assertNoSymlinkEscape, resolveUnder } from '../files/safe-path.js';
import { runChild } from './child-process.js';
import { streamsOutput, tail, trackGroups, type GroupRegistry, type RunOutcome } from './run-outcome.js';

export interface FileRun {
  scriptsDir: string;
  name: string;
  args: readonly string[];
  stdin: string;
  /** Names passed on from this process's environment besides PATH and LANG. */
  allowEnv: readonly string[];
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
  groups?: GroupRegistry;
}

/** The script's path and the sha256 of its content. @throws INVALID_INPUT (no such executable, refused name or link) */
export async function locateScript(scriptsDir: string, name: string): Promise<{ path: string; sha256: string }> {
  let path: string;
  try {
    if (name.includes('/')) throw new HoldfastError('PATH_OUTSIDE_ROOT', `refused script name ${JSON.stringify(name)}: a script is named by one path segment`);
    path = resolveUnder(scriptsDir, name);
    await assertNoSymlinkEscape(scriptsDir, path);
  } catch (error) {
    throw new HoldfastError('INVALID_INPUT', `script ${JSON.stringify(name)} refused: ${(error as HoldfastError).reason ?? String(error)}`, { cause: error });
  }
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new HoldfastError('INVALID_INPUT', `no script named ${JSON.stringify(name)} in the scripts folder`, { details: { script: name } });
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new HoldfastError('INVALID_INPUT', `script ${JSON.stringify(name)} is not executable (chmod +x it)`, { details: { script: name } });
  }
  return { path, sha256: await sha256File(path) };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The environment a script gets: PATH, LANG and the allowed names, nothing else. */
export function scriptEnvironment(allowEnv: readonly string[]): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: process.env.LANG ?? 'C.UTF-8' };
  for (const name of allowEnv) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export async function runFile(run: FileRun): Promise<RunOutcome & { version: string }> {
  const script = await locateScript(run.scriptsDir, run.name);
  const env = scriptEnvironment(run.allowEnv);
  const protections = { environment: Object.keys(env), processGroup: 'killed at timeout and on cancel', network: 'not isolated', user: 'same', timeoutMs: run.timeoutMs };
  const child = await runChild({ command: script.path, args: run.args, env, cwd: run.scriptsDir, stdin: run.stdin, timeoutMs: run.timeoutMs, maxOutputBytes: run.maxOutputBytes, signal: run.signal, onGroup: trackGroups(run.groups, script.path) });
  const base = { startedAt: child.startedAt, endedAt: child.endedAt, version: script.sha256, exit: child.exit, protections, output: streamsOutput(child) };
  if (child.spawnError !== undefined) return { ...base, status: 'failed', error: { code: 'PROCESS_FAILED', message: `script ${run.name} could not start: ${child.spawnError}` } };
  if (child.timedOut) return { ...base, status: 'failed', error: { code: 'PROCESS_TIMEOUT', message: `script ${run.name} ran longer than ${run.timeoutMs} ms; its process group was killed` } };
  if (child.exit.code !== 0) {
    const how = child.exit.signal ? `was killed by ${child.exit.signal}` : `exited with code ${child.exit.code}`;
    return { ...base, status: 'failed', error: { code: 'PROCESS_FAILED', message: `script ${run.name} ${how}${child.stderr ? `: ${tail(child.stderr)}` : ''}` } };
  }
  return { ...base, status: 'succeeded' };
}
