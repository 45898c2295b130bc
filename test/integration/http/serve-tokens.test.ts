/**
 * The serve tokens kept in the store folder (serve-tokens.json, mode 0600),
 * and a server's token replacement: the old tokens are refused at once and
 * the connections opened with them are closed (the page's WebSocket with 4001).
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadServeTokens, rotateServeTokens, SERVE_TOKENS_FILE } from '../../../src/adapters/http/serve-tokens.js';
import { TOKEN_ROTATED_CLOSE } from '../../../src/adapters/http/http-server.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { buildPage } from '../../browser/browser-harness.js';
import { startHarness, TestClient, upgradeStatus, type Harness } from '../inspector/inspector-harness.js';

let harness: Harness | undefined;
beforeAll(() => buildPage()); // the page this tree serves (its route sets the cookie)
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('serve tokens in the store folder', () => {
  it('are made once in a file of mode 0600 and read back the same', () => {
    const folder = tempFolder();
    const first = loadServeTokens(folder);
    const path = join(folder, SERVE_TOKENS_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.readOnly[0]).toMatch(/^[\w-]{32}$/);
    expect(loadServeTokens(folder)).toEqual(first);
    const rotated = rotateServeTokens(folder);
    expect(rotated.readOnly[0]).not.toBe(first.readOnly[0]);
    expect(rotated.admin[0]).not.toBe(first.admin[0]);
    expect(loadServeTokens(folder)).toEqual(rotated);
  });

  it('closes a copy that others can read, and refuses a file holdfast did not write', () => {
    const folder = tempFolder();
    const tokens = loadServeTokens(folder);
    const path = join(folder, SERVE_TOKENS_FILE);
    chmodSync(path, 0o644);
    expect(loadServeTokens(folder)).toEqual(tokens);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const bad of ['{not json', '{"readOnly":["short"],"admin":["also-too-short"]}', '{"readOnly":[]}', 'null']) {
      writeFileSync(path, bad);
      expect(() => loadServeTokens(folder)).toThrow(expect.objectContaining({ code: 'TOKENS_UNREADABLE' }));
      expect(readFileSync(path, 'utf8')).toBe(bad); // nothing overwritten behind the person's back
    }
  });
});

describe('replacing the tokens of a running server', () => {
  it('refuses the old tokens, closes their WebSockets with 4001 and their kept-alive HTTP connections', async () => {
    harness = await startHarness();
    const { server, wsUrl } = harness;
    const old = server.tokens;
    const page = await TestClient.connect(`${wsUrl}?token=${old.readOnly}`);
    const admin = await TestClient.connect(`${wsUrl}?token=${old.admin}`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string, token: string) =>
      new Promise<{ status: number; socket: import('node:net').Socket }>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port: server.port, path, agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, socket: request.socket! }));
        });
        request.on('error', reject);
      });
    try {
      const kept = await get('/health', old.readOnly);
      expect((await get('/metrics', old.readOnly)).socket).toBe(kept.socket); // the same kept-alive connection
      const socketClosed = new Promise<void>((resolve) => kept.socket.once('close', () => resolve()));

      const next = { readOnly: 'r'.repeat(20) + 'eadonly-token-1', admin: 'a'.repeat(20) + 'dmin-token-0001' };
      server.replaceTokens(next);
      expect((await page.waitClosed()).code).toBe(TOKEN_ROTATED_CLOSE);
      expect((await admin.waitClosed()).code).toBe(TOKEN_ROTATED_CLOSE);
      await socketClosed;
      expect(server.tokens).toEqual(next);
      expect(server.url).toContain(`token=${next.readOnly}`);

      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${old.readOnly}` } })).status).toBe(401);
      expect(await upgradeStatus(`${wsUrl}?token=${old.admin}`)).toBe(401);
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers: { authorization: `Bearer ${next.readOnly}` } })).status).toBe(200);
      const again = await TestClient.connect(`${wsUrl}?token=${next.admin}`);
      expect(again.messages[0]).toMatchObject({ type: 'summary', role: 'admin' });
      // Replacing with the same tokens closes nothing.
      server.replaceTokens(next);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(again.closed).toBeUndefined();
      again.close();
      expect(() => server.replaceTokens({ readOnly: 'short', admin: next.admin })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
      expect(server.tokens).toEqual(next);
    } finally {
      agent.destroy();
      page.close();
      admin.close();
    }
  });

  it('keeps the page token in a cookie that opens the page and its WebSocket, never the API', async () => {
    harness = await startHarness();
    const { server, wsUrl } = harness;
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^holdfast-token-${server.port}=[\\w-]+; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Strict$`));
    const pair = cookie.split(';')[0]!;
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/?job=x`, { headers: { cookie: pair } })).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: { cookie: pair } })).status).toBe(401);
    expect((await fetch(`${base}/openapi.json`, { headers: { cookie: pair } })).status).toBe(401);
    expect(await upgradeStatus(wsUrl, { headers: { cookie: pair } })).toBe(101);
    server.replaceTokens({ readOnly: 'n'.repeat(32), admin: 'm'.repeat(32) });
    expect((await fetch(`${base}/`, { headers: { cookie: pair } })).status).toBe(401);
    expect(await upgradeStatus(wsUrl, { headers: { cookie: pair } })).toBe(401);
  });
});
