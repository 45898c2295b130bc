/**
 * A slow reader (its socket paused) never makes the server buffer without
 * bound nor slows the runtime: past the high-water mark it drops to summaries
 * and is told (`degraded`), and gets everything again once it has read
 * (`recovered`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../src/adapters/inspector/inspector-protocol.js';
import { startHarness, TestClient, until, type Harness } from './inspector-harness.js';

let harness: Harness | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

const ACTORS = 16;
const PAD = 64 * 1024;
const HIGH_WATER = 256 * 1024;
const MAX_BUFFERED = 4 * 1024 * 1024;

/** Increments every actor, round after round, for `ms`; resolves with the steps committed. */
async function workload(h: Harness, ids: string[], ms: number): Promise<number> {
  const until = Date.now() + ms;
  let steps = 0;
  while (Date.now() < until) {
    await Promise.all(ids.map((id) => h.runtime.send(id, { type: 'increment' })));
    steps += ids.length;
  }
  return steps;
}

describe('a slow inspector client', () => {
  it('drops to summaries and is told, keeps server buffers bounded, and does not slow the runtime', async () => {
    harness = await startHarness({ tickMs: 50, highWaterBytes: HIGH_WATER, lowWaterBytes: 32 * 1024, maxBufferedBytes: MAX_BUFFERED });
    const ids: string[] = [];
    for (let i = 0; i < ACTORS; i++) ids.push(await harness.runtime.spawn('tally', { pad: PAD }, { id: `tally-${i}` }));
    const baseline = await workload(harness, ids, 1_500);

    const client = await TestClient.connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`);
    clients.push(client);
    for (const id of ids) await client.request({ type: 'subscribe', id, scope: 'actor' });
    const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();

    let maxBuffered = 0;
    let degraded = false;
    const sampler = setInterval(() => {
      for (const peer of harness!.server.inspect().clients) {
        maxBuffered = Math.max(maxBuffered, peer.bufferedAmount);
        degraded ||= peer.degraded;
      }
    }, 10);
    const slowed = await workload(harness, ids, 1_500);
    clearInterval(sampler);
    console.log(`inspector backpressure: ${baseline} steps alone, ${slowed} with a paused subscriber; server buffer peaked at ${(maxBuffered / 1024).toFixed(0)} KiB`);

    expect(degraded).toBe(true);
    // One frame past the high-water mark at most, far under the hard cap.
    expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER + 2 * PAD + 64 * 1024);
    expect(harness.server.inspect().droppedSlow).toBe(0);
    expect(slowed).toBeGreaterThan(baseline * 0.5);

    socket.resume();
    const told = await client.next<Extract<ServerMessage, { type: 'degraded' }>>((m) => m.type === 'degraded', 20_000);
    expect(told.bufferedAmount).toBeGreaterThan(HIGH_WATER);
    await client.next((m) => m.type === 'recovered', 20_000);
    await until(() => harness!.server.inspect().clients.every((peer) => !peer.degraded), 'the client to be served in full again');
    // Served in full again: snapshots flow.
    const from = client.messages.length;
    await harness.runtime.send(ids[0]!, { type: 'increment' });
    await client.next((m) => m.type === '@xstate.snapshot' && m.sessionId === ids[0], 10_000, from);
  });

  it('closes a client whose unread data passes the hard cap', async () => {
    harness = await startHarness({ tickMs: 50, highWaterBytes: 8 * 1024 * 1024, maxBufferedBytes: 512 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < ACTORS; i++) ids.push(await harness.runtime.spawn('tally', { pad: PAD }, { id: `tally-${i}` }));
    const client = await TestClient.connect(`${harness.wsUrl}?token=${harness.server.tokens.readOnly}`);
    clients.push(client);
    for (const id of ids) await client.request({ type: 'subscribe', id, scope: 'actor' });
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const deadline = Date.now() + 20_000;
    while (harness.server.inspect().droppedSlow === 0 && Date.now() < deadline) await workload(harness, ids, 200);
    expect(harness.server.inspect().droppedSlow).toBe(1);
    expect(harness.server.inspect().clients).toEqual([]);
  });
});
