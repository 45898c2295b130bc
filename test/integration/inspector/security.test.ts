/**
 * Safe by default (DESIGN.md contract 8, RELIABILITY.md "Inspector and HTTP"):
 * tokens checked before the upgrade, Host and Origin checked, read-only tokens
 * cannot command, oversize frames closed, malformed and hostile JSON answered
 * with an error and no change, dead peers dropped by the heartbeat.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../src/adapters/inspector/inspector-protocol.js';
import { startHarness, TestClient, until, upgradeStatus, type Harness } from './inspector-harness.js';

let harness: Harness | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function connect(url: string, options = {}): Promise<TestClient> {
  const client = await TestClient.connect(url, options);
  clients.push(client);
  return client;
}

/** A plain HTTP GET: status and body. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('inspector security', () => {
  it('binds 127.0.0.1 by default and answers /health without a token', async () => {
    harness = await startHarness();
    expect(harness.server.host).toBe('127.0.0.1');
    expect(harness.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    const health = await get(harness.server.port, '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', protocol: 1 });
  });

  it('refuses a connection without a token, or with a wrong one, before the upgrade (401)', async () => {
    harness = await startHarness();
    expect(await upgradeStatus(harness.wsUrl)).toBe(401);
    expect(await upgradeStatus(`${harness.wsUrl}?token=not-a-real-token-at-all`)).toBe(401);
    expect(await upgradeStatus(harness.wsUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).toBe(401);
    expect(await upgradeStatus(harness.wsUrl, { headers: { authorization: `Bearer ${harness.server.tokens.readOnly}` } })).toBe(101);
    const page = await get(harness.server.port, '/');
    expect(page.status).toBe(401);
    expect(JSON.parse(page.body)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses a wrong Origin and a wrong Host (403); a client without Origin passes on its token', async () => {
    harness = await startHarness();
    const { port, tokens } = harness.server;
    const url = `${harness.wsUrl}?token=${tokens.readOnly}`;
    expect(await upgradeStatus(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://localhost:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(url, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(url, { headers: { host: `evil.example:${port}` } })).toBe(403);
    expect(await upgradeStatus(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(url)).toBe(101);
    const rebound = await get(port, `/?token=${tokens.readOnly}`, { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
  });

  it('lets a read-only token read but not command; an admin pauses, unpauses and retries', async () => {
    harness = await startHarness();
    const job = await harness.runtime.spawn('batch', { items: 2 }, { id: 'job-sec' });
    await harness.runtime.whenIdle();
    const reader = await connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`);
    for (const type of ['pause', 'unpause', 'retry', 'reprocess'] as const) {
      expect(await reader.request({ type, id: job })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    }
    expect(await reader.request({ type: 'resolve', id: job, item: 'file-0000.csv', value: 1 })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect((await harness.runtime.isPaused(job))).toBe(false);
    expect(await harness.runtime.get(job)).toMatchObject({ state: 'running', status: 'active' });

    const admin = await connect(`${harness.wsUrl}?token=${harness.server.tokens.admin}`);
    expect(admin.messages[0]).toMatchObject({ type: 'summary', role: 'admin' });
    expect(await admin.request({ type: 'pause', id: `${job}/file-0000.csv` })).toMatchObject({ type: 'command', command: 'pause', ok: true, paused: true });
    expect((await harness.runtime.isPaused(job))).toBe(true);
    expect(await admin.request({ type: 'unpause', id: job })).toMatchObject({ type: 'command', paused: false });
    expect((await harness.runtime.isPaused(job))).toBe(false);
    expect(await admin.request({ type: 'retry', id: 'no-such-actor' })).toMatchObject({ type: 'error', code: 'ACTOR_NOT_FOUND' });
    // Without batch jobs given to the inspector, their commands are not available.
    expect(await admin.request({ type: 'resolve', id: job, item: 'file-0000.csv', value: 1 })).toMatchObject({ type: 'error', code: 'NOT_AVAILABLE' });
  });

  it('answers malformed and hostile JSON with an error frame and changes nothing', async () => {
    harness = await startHarness();
    const job = await harness.runtime.spawn('batch', { items: 1 }, { id: 'job-bad' });
    await harness.runtime.whenIdle();
    const before = await harness.runtime.get(job);
    const client = await connect(`${harness.wsUrl}?token=${harness.server.tokens.admin}`);
    expect(await client.sendRaw('{not json')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw('[1,2,3]')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw('"pause"')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw(JSON.stringify({ type: 'explode', id: job }))).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('unknown message type') });
    expect(await client.sendRaw(JSON.stringify({ type: 'pause' }))).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw(JSON.stringify({ type: 'pause', id: job, extra: true, ref: 7 }))).toMatchObject({ code: 'BAD_MESSAGE', ref: 7 });
    expect(await client.sendRaw(JSON.stringify({ type: 'jobs', limit: 1e9 }))).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw(JSON.stringify({ type: 'children', id: { $gt: '' } }))).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(await client.sendRaw('{"type":"jobs","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')).toMatchObject({ code: 'BAD_MESSAGE' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(await client.sendRaw(Buffer.from([0, 1, 2, 3]))).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('binary') });
    expect(await client.sendRaw(`{"type":"jobs","ref":"${'r'.repeat(100)}"}`)).toMatchObject({ code: 'BAD_MESSAGE' });
    // Still connected, nothing changed.
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect((await harness.runtime.isPaused(job))).toBe(false);
    expect(await harness.runtime.get(job)).toEqual(before);
  });

  it('closes a connection that sends a frame over the size limit (1009)', async () => {
    harness = await startHarness({ maxPayloadBytes: 4_096 });
    const client = await connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`);
    client.ws.send(JSON.stringify({ type: 'ping', ref: 'x'.repeat(10_000) }));
    expect((await client.waitClosed()).code).toBe(1009);
    await until(() => harness!.server.inspect().clients.length === 0, 'the client to be forgotten');
  });

  it('drops a dead peer by the heartbeat and keeps a live one', async () => {
    harness = await startHarness({ heartbeatMs: 100 });
    const live = await connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`);
    const dead = await connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`, { autoPong: false });
    await dead.waitClosed(3_000);
    expect(harness.server.inspect().droppedDead).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400)); // four more heartbeats
    expect(live.closed).toBeUndefined();
    expect(await live.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('refuses connections past the limit with 503 before the upgrade', async () => {
    harness = await startHarness({ maxClients: 2 });
    const url = `${harness.wsUrl}?token=${harness.server.tokens.readOnly}`;
    await connect(url);
    await connect(url);
    expect(await upgradeStatus(url)).toBe(503);
  });

  it('serves the page only with a token, with a policy that runs nothing but its own script', async () => {
    harness = await startHarness();
    const page = await get(harness.server.port, `/?token=${harness.server.tokens.readOnly}`);
    // The page is built by `npm run build`; the browser tests build it. Without it: 503 NOT_AVAILABLE.
    expect([200, 503]).toContain(page.status);
    if (page.status === 200) {
      expect(page.headers['content-security-policy']).toMatch(/script-src 'sha256-[\w+/=]+'/);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.body).toContain('<script type="module">');
    } else {
      expect(JSON.parse(page.body)).toMatchObject({ code: 'NOT_AVAILABLE' } satisfies Partial<Extract<ServerMessage, { type: 'error' }>>);
    }
    expect((await get(harness.server.port, `/nothing?token=${harness.server.tokens.readOnly}`)).status).toBe(404);
  });
});
