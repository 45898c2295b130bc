/**
 * The task-job endpoints of `holdfast serve` (issue 8):
 *   POST /tasks/jobs       a job as JSON (admin token) -> 201 { id }, 400 naming every wrong field
 *   GET  /tasks/jobs/ID    one job as `holdfast job` shows it -> 200, or 404
 */
import type { IncomingMessage } from 'node:http';
import { deferTaskJob, describeTaskJob } from '../tasks/task-worker.js';
import { toHoldfastError } from '../../errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { readBody } from './http-body.js';

const MAX_JOB_BYTES = 1024 * 1024;
export const TASK_JOBS_PATH = '/tasks/jobs';

export interface RouteAnswer {
  status: number;
  body: unknown;
}

export async function deferJobRoute(runtime: Runtime, request: IncomingMessage): Promise<RouteAnswer> {
  let job: unknown;
  try {
    job = JSON.parse(await readBody(request, MAX_JOB_BYTES));
  } catch (error) {
    const failure = toHoldfastError(error, 'BAD_MESSAGE');
    return { status: failure.code === 'INVALID_INPUT' ? 413 : 400, body: { code: failure.code === 'INVALID_INPUT' ? 'INVALID_INPUT' : 'BAD_MESSAGE', message: failure.reason } };
  }
  try {
    const id = await deferTaskJob(runtime, job);
    return { status: 201, body: { id } };
  } catch (error) {
    const failure = toHoldfastError(error, 'INVALID_INPUT');
    return { status: failure.code === 'INVALID_INPUT' ? 400 : 500, body: failure.toJSON() };
  }
}

export function readJobRoute(runtime: Runtime, encodedId: string): RouteAnswer {
  let id: string;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    return { status: 400, body: { code: 'BAD_MESSAGE', message: 'the job id in the path is not valid percent-encoding' } };
  }
  const record = runtime.get(id);
  if (!record || record.machine !== 'taskJob') return { status: 404, body: { code: 'ACTOR_NOT_FOUND', message: `no task job ${id}` } };
  return { status: 200, body: describeTaskJob(record) };
}
