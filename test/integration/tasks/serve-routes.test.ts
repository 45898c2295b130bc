/** The task-job endpoints of `holdfast serve`: defer a job, read one. */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../src/index.js';
import { openTaskRuntime } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

describe('POST /tasks/jobs and GET /tasks/jobs/ID on holdfast serve', () => {
  it('defers a valid job, shows it, and refuses bad, oversize and unauthorised requests with the reason', async () => {
    const tasks = await openTaskRuntime(tempFolder());
    const server = await startServer(tasks.runtime, { port: 0 });
    const call = (method: string, path: string, body?: string | Buffer, token = server.tokens.admin) =>
      fetch(new URL(path, server.url), { method, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }) });
    try {
      const job = { queue: 'ingest', task: 'ingestors.tasks.ingest', payload: { path: 'x' } };
      const created = await call('POST', '/tasks/jobs', JSON.stringify(job));
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const shown = await call('GET', `/tasks/jobs/${encodeURIComponent(id)}`, undefined, server.tokens.readOnly);
      expect(shown.status).toBe(200);
      expect(await shown.json()).toMatchObject({ id, queue: 'ingest', task: 'ingestors.tasks.ingest', state: 'queued', stage: 1 });

      const invalid = await call('POST', '/tasks/jobs', JSON.stringify({ queue: '', task: 42 }));
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('task') });
      expect((await call('POST', '/tasks/jobs', '{not json')).status).toBe(400);
      // Any media type is read as JSON here, and strictly: "Müller" in Latin-1 is refused, never stored as U+FFFD.
      const latin1 = await call('POST', '/tasks/jobs', Buffer.from(JSON.stringify({ ...job, payload: { name: 'Müller' } }), 'latin1'));
      expect(latin1.status).toBe(400);
      expect(await latin1.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not valid UTF-8') });
      expect((await call('POST', '/tasks/jobs', JSON.stringify({ ...job, payload: { blob: 'x'.repeat(1_100_000) } }))).status).toBe(413);
      expect((await call('POST', '/tasks/jobs', JSON.stringify(job), server.tokens.readOnly)).status).toBe(403);
      expect((await call('POST', '/tasks/jobs', JSON.stringify(job), 'wrong-token-0123456789')).status).toBe(401);
      expect((await call('GET', '/tasks/jobs/nobody')).status).toBe(404);
      expect((await call('GET', '/tasks/jobs/%E0%A4%A')).status).toBe(400);
      expect(await tasks.runtime.query({ machine: 'taskJob' })).toHaveLength(1);
    } finally {
      await server.close();
      await tasks.close();
    }
  });
});
