/**
 * The task-job endpoints of `holdfast serve` (issue 8):
 *   POST /tasks/jobs       a job as JSON (admin token) -> 201 { id }, 400 naming every wrong field
 *   GET  /tasks/jobs/ID    one job as `holdfast job` shows it -> 200, or 404
 */
import type { FastifyInstance } from 'fastify';
import { deferTaskJob, describeTaskJob } from '../tasks/task-worker.js';
import { HoldfastError, toHoldfastError } from '../../errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { acceptJsonOfAnyType, MAX_JSON_BYTES } from './http-body.js';

export const TASK_JOBS_PATH = '/tasks/jobs';

/** The two routes; the id in the path is decoded once by the router. */
export async function taskRoutes(app: FastifyInstance, runtime: Runtime): Promise<void> {
  await app.register(async (scope) => {
    acceptJsonOfAnyType(scope, MAX_JSON_BYTES);
    scope.post(TASK_JOBS_PATH, { config: { access: 'serve', admin: 'deferring a job needs the admin token' }, schema: { summary: 'defer a task job (admin token)' } }, async (request, reply) => {
      try {
        const id = await deferTaskJob(runtime, request.body);
        return reply.code(201).send({ id });
      } catch (error) {
        // deferTaskJob names every wrong field; anything else is not the caller's doing.
        const failure = toHoldfastError(error, 'INVALID_INPUT');
        throw failure.code === 'INVALID_INPUT' ? failure : error;
      }
    });
    scope.get<{ Params: { id: string } }>(`${TASK_JOBS_PATH}/:id`, { config: { access: 'serve' }, schema: { summary: 'one task job' } }, async (request) => {
      const record = await runtime.get(request.params.id);
      if (!record || record.machine !== 'taskJob') throw new HoldfastError('ACTOR_NOT_FOUND', `no task job ${request.params.id}`);
      return describeTaskJob(record);
    });
  });
}
