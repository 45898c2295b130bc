/**
 * The `eval` process: JavaScript source (superusers only: the job server
 * checks) run as the body of an async function `(data, parameters)` in a
 * sandboxed child `node` (eval-sandbox.ts), never in this process: `node:vm`
 * is not a security boundary. The source, data and parameters arrive on stdin;
 * the returned value comes back as JSON on stdout; what the code prints
 * (console.log, process.stdout) goes to its stderr, which the job keeps.
 */
import { runChild } from './child-process.js';
import type { EvalSandbox } from './eval-sandbox.js';
import { tail, trackGroups, type GroupRegistry, type RunOutcome } from './run-outcome.js';

export interface EvalRun {
  source: string;
  data: unknown[];
  parameters: Record<string, unknown>;
  timeoutMs: number;
  memoryMb: number;
  maxOutputBytes: number;
  signal: AbortSignal;
  /** Where it runs (eval-sandbox.ts). */
  sandbox: EvalSandbox;
  /** Run it even where `sandbox` isolates neither the network nor the user (the operator's choice). */
  allowUnsandboxed: boolean;
  groups?: GroupRegistry;
}

/** Runs inside the child: reads stdin, runs the source, writes the result as JSON to the real stdout. */
const WRAPPER = `
const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', async () => {
  const write = process.stdout.write.bind(process.stdout);
  const toStderr = (...args) => { process.stderr.write(require('node:util').format(...args) + '\\n'); };
  console.log = console.info = console.debug = toStderr;
  process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);
  let input;
  try { input = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (error) { process.stderr.write('holdfast: the eval input is not JSON\\n'); process.exit(70); }
  try {
    const AsyncFunction = (async () => {}).constructor;
    const value = await new AsyncFunction('data', 'parameters', input.source)(input.data, input.parameters);
    const json = JSON.stringify(value === undefined ? null : value);
    if (json === undefined) throw new Error('the returned value is not JSON');
    write(json, () => process.exit(0));
  } catch (error) {
    process.stderr.write('holdfast: eval threw: ' + (error && error.stack ? error.stack : String(error)) + '\\n');
    process.exit(1);
  }
});
`;

export async function runEval(run: EvalRun): Promise<RunOutcome> {
  const { sandbox } = run;
  const memoryMb = Math.max(16, Math.floor(run.memoryMb));
  const missing = sandboxGaps(sandbox);
  const protections = {
    permissionModel: true,
    fileSystem: 'denied',
    childProcesses: 'denied',
    workers: 'denied',
    environment: 'empty',
    network: sandbox.network,
    user: sandbox.user,
    memoryMb,
    timeoutMs: run.timeoutMs,
    sandboxed: missing.length === 0 ? 'yes' : run.allowUnsandboxed ? `no (${missing.join(', ')}): allowed by --allow-unsandboxed-eval` : `no (${missing.join(', ')}): refused`,
  };
  if (missing.length > 0 && !run.allowUnsandboxed) {
    const now = Date.now();
    return {
      startedAt: now,
      endedAt: now,
      protections,
      status: 'failed',
      error: {
        code: 'EVAL_UNSANDBOXED',
        message: `eval was refused: this machine cannot sandbox it (${missing.join(', ')}); run holdfast as root with unshare and setpriv, or start serve with --allow-unsandboxed-eval to run it without`,
      },
    };
  }
  const nodeArgs = ['--experimental-permission', '--disable-warning=ExperimentalWarning', `--max-old-space-size=${memoryMb}`, '-e', WRAPPER];
  const child = await runChild({
    command: sandbox.command,
    args: [...sandbox.prefix, ...nodeArgs],
    env: {},
    cwd: '/',
    stdin: JSON.stringify({ source: run.source, data: run.data, parameters: run.parameters }),
    timeoutMs: run.timeoutMs,
    // The result travels on stdout: room for it on top of the limit, so a cut is told apart from a big result.
    maxOutputBytes: run.maxOutputBytes + 1,
    signal: run.signal,
    // After unshare and setpriv exec, the group's leader runs node itself.
    onGroup: trackGroups(run.groups, process.execPath),
  });
  const printed = { stderr: child.stderr, stderrTruncated: child.stderrTruncated };
  const base = { startedAt: child.startedAt, endedAt: child.endedAt, exit: child.exit, protections };
  const failed = (code: string, message: string): RunOutcome => ({ ...base, status: 'failed', output: printed, error: { code, message } });
  if (child.spawnError !== undefined) return failed('PROCESS_FAILED', `the eval child could not start: ${child.spawnError}`);
  if (child.timedOut) return failed('PROCESS_TIMEOUT', `eval ran longer than ${run.timeoutMs} ms; its process group was killed`);
  if (/heap out of memory|Allocation failed/.test(child.stderr)) return failed('PROCESS_FAILED', `eval passed its memory limit of ${memoryMb} MiB and was stopped`);
  if (child.exit.code !== 0) {
    const how = child.exit.signal ? `was killed by ${child.exit.signal}` : `exited with code ${child.exit.code}`;
    return failed('PROCESS_FAILED', `eval ${how}${child.stderr ? `: ${tail(child.stderr)}` : ''}`);
  }
  if (child.stdoutTruncated || Buffer.byteLength(child.stdout) > run.maxOutputBytes) return failed('PROCESS_FAILED', `eval returned more than ${run.maxOutputBytes} bytes of JSON`);
  let value: unknown;
  try {
    value = JSON.parse(child.stdout, (key, item: unknown) => (key === '__proto__' ? undefined : item));
  } catch {
    return failed('PROCESS_FAILED', 'eval printed no JSON result on stdout');
  }
  return { ...base, status: 'succeeded', output: { value, ...printed } };
}

/** What `sandbox` leaves open, as the job's record and the refusal name it. */
function sandboxGaps(sandbox: EvalSandbox): string[] {
  return [
    ...(sandbox.network === 'namespace' ? [] : ['the network is not isolated']),
    ...(sandbox.user === 'nobody' ? [] : ["it would run as the server's own user"]),
  ];
}
