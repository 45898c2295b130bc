/**
 * The `function` process: a function the host module registers by name, called
 * in this process with the loaded data, the job's parameters and `{ signal, jobId }`.
 * Its JSON result is the job's output. The timeout aborts the signal and ends
 * the job; a function that ignores its signal keeps running until it returns
 * (in-process code cannot be killed): use a `file` process for untrusted work.
 */
import type { RunOutcome } from './run-outcome.js';

/** A `function` process of the job server (issue 7): the bound data and the job's parameters in, JSON out. A host module registers it by name. */
export type HostProcessFunction = (data: unknown, parameters: Record<string, unknown>, context: { signal: AbortSignal; jobId: string }) => unknown;

export interface FunctionRun {
  fn: HostProcessFunction;
  name: string;
  data: unknown[];
  parameters: Record<string, unknown>;
  jobId: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal: AbortSignal;
}

export async function runFunction(run: FunctionRun): Promise<RunOutcome> {
  const startedAt = Date.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal.reason);
  run.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), run.timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => run.fn(run.data, run.parameters, { signal: controller.signal, jobId: run.jobId })), timeout]);
    if (result === 'timeout') {
      controller.abort(new Error('timeout'));
      return { status: 'failed', startedAt, endedAt: Date.now(), error: { code: 'PROCESS_TIMEOUT', message: `function ${run.name} ran longer than ${run.timeoutMs} ms; its signal was aborted` } };
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch (error) {
      return { status: 'failed', startedAt, endedAt: Date.now(), error: { code: 'PROCESS_FAILED', message: `function ${run.name} returned a value that is not JSON: ${(error as Error).message}` } };
    }
    if (Buffer.byteLength(json) > run.maxOutputBytes) {
      return { status: 'failed', startedAt, endedAt: Date.now(), error: { code: 'PROCESS_FAILED', message: `function ${run.name} returned ${Buffer.byteLength(json)} bytes of JSON; the output limit is ${run.maxOutputBytes}` } };
    }
    return { status: 'succeeded', startedAt, endedAt: Date.now(), output: { value: JSON.parse(json) as unknown } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'failed', startedAt, endedAt: Date.now(), error: { code: 'PROCESS_FAILED', message: `function ${run.name} threw: ${message}` } };
  } finally {
    clearTimeout(timer);
    run.signal.removeEventListener('abort', onAbort);
  }
}
