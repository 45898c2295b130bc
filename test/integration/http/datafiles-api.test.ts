/**
 * Data files over HTTP: upload, list, read, delete and ownership; every
 * spelling of path traversal refused on read, upload and delete with nothing
 * outside the data folder touched; an upload over the limit refused with 413
 * (declared up front, or counted while streaming) leaving no partial file.
 */
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, UPLOAD_LIMIT, type ApiHarness } from './http-api-harness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const octet = 'application/octet-stream';

/** Every file under `folder` with its size (temp files included). */
function filesUnder(folder: string): { path: string; size: number }[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((path) => ({ path, size: statSync(join(folder, path)).size }))
    .filter((entry) => statSync(join(folder, entry.path)).isFile());
}

describe('data files over HTTP', () => {
  it('uploads, lists, reads and deletes; only the owner or a superuser replaces or deletes', async () => {
    api = await startApi();
    const csv = 'a,b\n1,2\n';
    const put = await api.call('PUT', '/api/datafiles/points.csv', { raw: csv, type: octet });
    expect(put).toMatchObject({ status: 201, body: { name: 'points.csv', size: csv.length, owner: 'alice', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(readFileSync(join(api.dataDir, 'points.csv'), 'utf8')).toBe(csv);
    expect((await api.call('GET', '/api/datafiles', { token: api.tokens.readOnly })).body.files).toEqual([expect.objectContaining({ name: 'points.csv', owner: 'alice' })]);
    expect((await api.call('GET', '/api/datafiles/points.csv')).body).toMatchObject({ name: 'points.csv', size: csv.length });
    const content = await api.call('GET', '/api/datafiles/points.csv/content', { token: api.tokens.bob });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe(octet);
    expect(content.body).toBe(csv);
    expect((await api.call('GET', '/api/datafiles/points.csv?content=1')).body).toBe(csv);

    expect((await api.call('PUT', '/api/datafiles/points.csv', { token: api.tokens.bob, raw: 'x,y\n', type: octet })).status).toBe(403);
    expect((await api.call('DELETE', '/api/datafiles/points.csv', { token: api.tokens.bob })).status).toBe(403);
    expect((await api.call('PUT', '/api/datafiles/points.csv', { raw: 'a\n', type: octet })).status).toBe(200);
    expect((await api.call('PUT', '/api/datafiles/tool.exe', { raw: 'MZ', type: octet })).status).toBe(400);
    expect((await api.call('PUT', '/api/datafiles/other.csv', { body: { a: 1 } })).status).toBe(415);
    expect((await api.call('PUT', '/api/datafiles/other.csv', { token: api.tokens.readOnly, raw: 'a', type: octet })).status).toBe(403);
    expect((await api.call('DELETE', '/api/datafiles/points.csv', { token: api.tokens.root })).status).toBe(204);
    expect(existsSync(join(api.dataDir, 'points.csv'))).toBe(false);
    expect((await api.call('GET', '/api/datafiles/points.csv')).body).toMatchObject({ code: 'DATA_NOT_FOUND' });
    expect((await api.call('DELETE', '/api/datafiles/points.csv')).status).toBe(404);
  });

  it('refuses path traversal in every spelling on read, upload and delete, touching nothing outside the data folder', async () => {
    api = await startApi();
    const secret = join(api.folder, 'secret.csv');
    writeFileSync(secret, 'top,secret\n');
    writeFileSync(join(api.dataDir, 'inside.csv'), 'in\n');
    symlinkSync(secret, join(api.dataDir, 'link.csv'));
    const outsideBefore = readdirSync(api.folder).sort();
    const spellings = [
      '..',
      '%2e%2e',
      '.%2e',
      '..%2Fsecret.csv',
      '%2e%2e%2fsecret.csv',
      '..%5csecret.csv',
      '%2e%2e%5csecret.csv',
      '..%2F..%2F..%2Fetc%2Fpasswd',
      '%2Fetc%2Fpasswd',
      '%2F' + encodeURIComponent(secret.slice(1)),
      'C:%5Cwindows%5Cwin.ini',
      'inside.csv%00.csv',
      '%00',
      '%252e%252e%252fsecret.csv',
      '%252e%252e',
      'sub%2F..%2F..%2Fsecret.csv',
      'link.csv',
      '../secret.csv',
      '..%c0%afsecret.csv',
    ];
    for (const spelling of spellings) {
      const path = `/api/datafiles/${spelling}`;
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['GET', '/content', undefined],
        ['PUT', '', Buffer.from('owned,1\n')],
        ['DELETE', '', undefined],
      ] as const) {
        const answer = await api.raw(method, `${path}${suffix}`, api.tokens.root, body, body ? { 'content-type': octet } : {});
        expect([400, 404], `${method} ${path}${suffix} answered ${answer.status} ${answer.body}`).toContain(answer.status);
        expect(answer.body).not.toContain('top,secret');
        expect(answer.body).not.toContain('root:');
      }
    }
    expect(readFileSync(secret, 'utf8')).toBe('top,secret\n');
    expect(readdirSync(api.folder).sort()).toEqual(outsideBefore);
    expect(readFileSync(join(api.dataDir, 'inside.csv'), 'utf8')).toBe('in\n');
    expect(filesUnder(api.dataDir).map((file) => file.path).sort()).toEqual(['inside.csv', 'link.csv']);
  });

  it('refuses an upload over the limit with 413 when declared, before reading it', async () => {
    api = await startApi();
    const answer = await api.raw('PUT', '/api/datafiles/big.csv', api.tokens.alice, Buffer.alloc(UPLOAD_LIMIT + 1, 97), { 'content-type': octet });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(filesUnder(api.dataDir)).toEqual([]);
    // Exactly the limit is accepted.
    expect((await api.raw('PUT', '/api/datafiles/edge.csv', api.tokens.alice, Buffer.alloc(UPLOAD_LIMIT, 97), { 'content-type': octet })).status).toBe(201);
  });

  it('cuts a streamed upload without Content-Length at the limit: 413, no partial file, the rest never read', async () => {
    api = await startApi();
    const chunk = Buffer.alloc(16 * 1024, 98);
    const offered = 64 * 1024 * 1024;
    const { status, written } = await new Promise<{ status: number; written: number }>((resolve, reject) => {
      let written = 0;
      let answered: number | undefined;
      const req = request({ host: '127.0.0.1', port: api!.server.port, method: 'PUT', path: '/api/datafiles/stream.csv', headers: { authorization: `Bearer ${api!.tokens.alice}`, 'content-type': octet, 'transfer-encoding': 'chunked' } });
      req.on('response', (response) => {
        answered = response.statusCode ?? 0;
        response.resume();
        resolve({ status: answered, written });
        req.destroy();
      });
      req.on('error', (error) => (answered === undefined ? reject(error) : undefined));
      const pump = () => {
        while (answered === undefined && written < offered) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (answered === undefined) req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    // The server stopped reading near the limit: the client could not push the whole offer through.
    expect(written).toBeLessThan(offered);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(filesUnder(api.dataDir)).toEqual([]);
    expect((await api.call('GET', '/api/datafiles')).body.files).toEqual([]);
  });

  it('removes the temporary file of an upload whose client goes away mid-stream, and keeps serving', async () => {
    api = await startApi();
    const req = request({ host: '127.0.0.1', port: api.server.port, method: 'PUT', path: '/api/datafiles/gone.csv', headers: { authorization: `Bearer ${api.tokens.alice}`, 'content-type': octet, 'transfer-encoding': 'chunked' } });
    req.on('error', () => {});
    req.write(Buffer.alloc(8 * 1024, 99));
    const deadline = Date.now() + 5_000;
    while (filesUnder(api.dataDir).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(filesUnder(api.dataDir)).toHaveLength(1); // the temporary file, mid-upload
    req.destroy();
    while (filesUnder(api.dataDir).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(filesUnder(api.dataDir)).toEqual([]);
    expect((await api.call('PUT', '/api/datafiles/after.csv', { raw: 'ok\n', type: octet })).status).toBe(201);
  });
});
