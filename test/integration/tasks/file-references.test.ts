import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { archiveFolder, openArchive } from '../../../src/adapters/tasks/content-archive.js';
import { DatasetJob } from '../../../src/adapters/tasks/job-model.js';
import { defineTasks, type Task } from '../../../src/adapters/tasks/task-registry.js';
import { deferTaskJob, describeTaskJob } from '../../../src/adapters/tasks/task-worker.js';
import { documentOf, openTaskRuntime, settled } from '../../helpers/tasks/task-runtime.js';
import { tempFolder } from '../../helpers/temp-store.js';

const sha1 = (content: string | Buffer) => createHash('sha1').update(content).digest('hex');
const text = async (stream: Readable) => {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
};

describe('content-addressed archive', () => {
  it('keeps a file once under its SHA-1 at ab/cd/<sha1>, read-only, leaving no temporaries', async () => {
    const folder = tempFolder();
    const archive = openArchive(join(folder, 'archive'));
    const source = join(folder, 'memo.txt');
    await writeFile(source, 'the memo');
    const hash = await archive.put(source);
    expect(hash).toBe(sha1('the memo'));
    const path = join(folder, 'archive', hash.slice(0, 2), hash.slice(2, 4), hash);
    expect(archive.pathOf(hash)).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('the memo');
    expect(statSync(path).mode & 0o222).toBe(0);
    expect(await archive.put(Buffer.from('the memo'))).toBe(hash);
    expect(await archive.put(Readable.from([Buffer.from('the '), Buffer.from('memo')]))).toBe(hash);
    expect(readdirSync(join(folder, 'archive', '.tmp'))).toEqual([]);
    expect(await archive.verify(hash)).toBe(true);
    expect(await archive.verify(sha1('something else'))).toBe(false);
  });

  it('refuses a malformed hash before touching the disk, and names a missing one', async () => {
    const archive = openArchive(join(tempFolder(), 'archive'));
    expect(() => archive.pathOf('../../etc/passwd')).toThrow(/INVALID_INPUT/);
    await expect(archive.open(sha1('never added'))).rejects.toThrow(/\[ARCHIVE_MISSING\] no file with contentHash/);
  });
});

describe('task jobs: file references', () => {
  async function runWith(task: Task, files: Record<string, string>) {
    const folder = tempFolder();
    const archive = openArchive(archiveFolder(join(folder, 'store')));
    const entities = [];
    for (const [name, content] of Object.entries(files)) {
      const source = join(folder, name);
      await writeFile(source, content);
      entities.push(documentOf(name, await archive.put(source), name));
    }
    const runtime = await openTaskRuntime(folder, { tasks: defineTasks({ 'files.read': task }), queues: { ingest: 2 }, backoffMs: 1 });
    try {
      const id = await deferTaskJob(runtime.runtime, DatasetJob.fromEntities({ dataset: 'd', queue: 'ingest', task: 'files.read', entities }));
      return { record: await settled(runtime.runtime, id), tempRoot: join(folder, 'store', 'tmp', 'tasks') };
    } finally {
      await runtime.close();
    }
  }

  it('opens each referenced file as a stream and as a temporary local path that is gone after the run', async () => {
    const seen: Record<string, unknown> = {};
    const paths: string[] = [];
    let unread: Readable | undefined;
    const { record, tempRoot } = await runWith(async (_job, { fileReferences }) => {
      for (const reference of fileReferences()) {
        const path = await reference.localPath();
        paths.push(path);
        seen[reference.entity.id] = { path: await readFile(path, 'utf8'), stream: await text(await reference.open()), hash: reference.contentHash };
        expect(await reference.localPath()).toBe(path);
      }
      unread = await fileReferences()[0]!.open();
    }, { 'a.pdf': 'first file', 'b.txt': 'second file' });
    expect(record.state).toBe('succeeded');
    expect(seen).toEqual({
      'a.pdf': { path: 'first file', stream: 'first file', hash: sha1('first file') },
      'b.txt': { path: 'second file', stream: 'second file', hash: sha1('second file') },
    });
    expect(paths.map((path) => path.slice(path.lastIndexOf('.')))).toEqual(['.pdf', '.txt']);
    for (const path of paths) expect(existsSync(path)).toBe(false);
    expect(unread!.destroyed).toBe(true);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('removes the temporary local path also when the task throws', async () => {
    let kept: string | undefined;
    const { record, tempRoot } = await runWith(async (_job, { fileReferences }) => {
      kept = await fileReferences()[0]!.localPath();
      expect(existsSync(kept)).toBe(true);
      throw new Error('the parser crashed');
    }, { 'c.doc': 'third file' });
    expect(record.state).toBe('failed');
    expect(describeTaskJob(record).error?.message).toContain('task files.read: the parser crashed');
    expect(existsSync(kept!)).toBe(false);
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('scopes withLocalPath and withStream to their callback, even when it throws', async () => {
    let inner: string | undefined;
    let stream: Readable | undefined;
    const { record } = await runWith(async (_job, { fileReferences }) => {
      const [reference] = fileReferences();
      expect(await reference!.withLocalPath(async (path) => ((inner = path), readFile(path, 'utf8')))).toBe('fourth file');
      expect(existsSync(inner!)).toBe(false);
      await expect(reference!.withLocalPath(async (path) => ((inner = path), Promise.reject(new Error('no'))))).rejects.toThrow('no');
      expect(existsSync(inner!)).toBe(false);
      expect(await reference!.withStream(async (s) => ((stream = s), text(s)))).toBe('fourth file');
      expect(stream!.destroyed).toBe(true);
    }, { 'd.txt': 'fourth file' });
    expect(record.state).toBe('succeeded');
  });

  it('fails the job with ARCHIVE_MISSING when a referenced file was never archived', async () => {
    const folder = tempFolder();
    const task = await openTaskRuntime(folder, { tasks: defineTasks({ 'files.read': async (_job, { fileReferences }) => void (await fileReferences()[0]!.localPath()) }), queues: { ingest: 1 } });
    try {
      const job = DatasetJob.fromEntity({ dataset: 'd', queue: 'ingest', task: 'files.read', entity: documentOf('e.txt', sha1('missing')) });
      const record = await settled(task.runtime, await deferTaskJob(task.runtime, job));
      expect(describeTaskJob(record).error).toEqual({ code: 'ARCHIVE_MISSING', message: expect.stringContaining(`task files.read: no file with contentHash ${sha1('missing')}`) });
    } finally {
      await task.close();
    }
  });
});
