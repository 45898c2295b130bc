/**
 * A kind's inspector requests (issue 18), through one inspector connection over
 * a fake socket: routed by type to the kind that registered it, checked by its
 * parser (bad input answered BAD_MESSAGE, never reaching the answer), admin ones
 * refused to a read-only token, following ones followed; and the registrations
 * the hub refuses.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CORE_TYPES, parseFields } from '../../../src/adapters/inspector/client-messages.js';
import { FollowedPushes } from '../../../src/adapters/inspector/followed-pushes.js';
import { HUB_DEFAULTS } from '../../../src/adapters/inspector/hub-options.js';
import type { HubServices } from '../../../src/adapters/inspector/hub-services.js';
import { InspectorClient } from '../../../src/adapters/inspector/inspector-client.js';
import type { Role } from '../../../src/adapters/inspector/inspector-protocol.js';
import { inspectorRequest, routeInspectors, type KindInspector } from '../../../src/adapters/inspector/kind-inspector.js';
import { HoldfastError } from '../../../src/errors.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { tallyKind } from '../../../examples/custom-kind/holdfast.config.js';

/** What the client uses of a `ws` socket: what it sent is kept, parsed. */
class FakeSocket extends EventEmitter {
  readonly readyState = WebSocket.OPEN;
  readonly bufferedAmount = 0;
  readonly sent: Record<string, unknown>[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  ping(): void {}
  close(): void {}
  terminate(): void {}
  /** What the client sends after `text` arrives and its answers settle. */
  async receive(text: string): Promise<Record<string, unknown>[]> {
    const from = this.sent.length;
    this.emit('message', Buffer.from(text), false);
    await new Promise((resolve) => setImmediate(resolve));
    return this.sent.slice(from);
  }
}

/** A kind with `echo` (a word of at most 5 letters), admin `shout`, and `watch`, which follows a job. */
function tallyInspector(answered: string[]): KindInspector {
  return {
    requests: {
      echo: inspectorRequest({
        parse: (fields) => parseFields(z.strictObject({ word: z.string().min(1).max(5) }), fields),
        answer: ({ word }) => {
          answered.push(word);
          return { type: 'echoed', word };
        },
      }),
      shout: inspectorRequest({
        admin: true,
        parse: (fields) => parseFields(z.strictObject({ word: z.string() }), fields),
        answer: async ({ word }, { reply }) => {
          answered.push(word);
          reply({ type: 'heard', word });
          return { type: 'shouted', word: word.toUpperCase() };
        },
      }),
      watch: inspectorRequest({
        parse: (fields) => parseFields(z.strictObject({ id: z.string().nullable() }), fields),
        answer: ({ id }) => {
          if (id === 'gone') throw new HoldfastError('JOB_NOT_FOUND', `no job ${id}`);
          return { type: 'watched', id };
        },
        follow: { job: ({ id }) => id, push: (job) => ({ type: 'watched', id: job }), everyMs: 1_000 },
      }),
    },
  };
}

async function connect(inspectors: KindInspector[], role: Role = 'readOnly'): Promise<{ socket: FakeSocket; client: InspectorClient }> {
  const hub = {
    runtime: { isPaused: () => false },
    views: { jobsPage: (offset: number, limit: number) => ({ items: [], offset, limit, total: 0 }) },
    aggregates: { ready: Promise.resolve(), flush: () => {}, context: { counts: {}, statusCounts: {}, actors: 0, stepsPerSecond: 0, steps: 0, countsVersion: 0 } },
    charts: [],
    protocol: 1,
    options: HUB_DEFAULTS,
    requests: routeInspectors(inspectors, CORE_TYPES).requests,
    definitionJson: () => undefined,
    onSlowClientDropped: () => {},
  } as unknown as HubServices;
  const socket = new FakeSocket();
  const client = new InspectorClient(socket as unknown as WebSocket, role, hub);
  await new Promise((resolve) => setImmediate(resolve)); // the summary is read before it is sent
  expect(socket.sent[0]).toMatchObject({ type: 'summary', role });
  return { socket, client };
}

describe("a kind's inspector requests", () => {
  it('routes a request to the kind that registered its type, with its ref', async () => {
    const answered: string[] = [];
    const { socket } = await connect([tallyInspector(answered)]);
    expect(await socket.receive('{"type":"echo","word":"hi","ref":1}')).toEqual([{ type: 'echoed', ref: 1, word: 'hi' }]);
    expect(await socket.receive('{"type":"echo","word":"yo"}')).toEqual([{ type: 'echoed', word: 'yo' }]);
    expect(answered).toEqual(['hi', 'yo']);
  });

  it("refuses what the kind's parser refuses, and what no kind registered, with BAD_MESSAGE; the answer never runs", async () => {
    const answered: string[] = [];
    const { socket } = await connect([tallyInspector(answered)]);
    expect(await socket.receive('{"type":"echo","word":"toolong","ref":"a"}')).toEqual([{ type: 'error', ref: 'a', code: 'BAD_MESSAGE', message: expect.stringContaining('word') }]);
    expect(await socket.receive('{"type":"echo","word":"hi","extra":true,"ref":"b"}')).toEqual([{ type: 'error', ref: 'b', code: 'BAD_MESSAGE', message: expect.stringContaining('extra') }]);
    expect(await socket.receive('{"type":"echo","ref":"c"}')).toEqual([{ type: 'error', ref: 'c', code: 'BAD_MESSAGE', message: expect.stringContaining('word') }]);
    expect(await socket.receive('{"type":"echo","word":"hi","ref":{"x":1}}')).toEqual([{ type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('ref') }]);
    expect(await socket.receive('{"type":"echo","word":"hi","__proto__":{}}')).toEqual([{ type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('__proto__') }]);
    expect(await socket.receive('{"type":"exceptions","id":"job"}')).toEqual([{ type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('unknown message type') }]);
    expect(answered).toEqual([]);
    // The inspector's own requests still answer beside the kind's.
    expect(await socket.receive('{"type":"ping","ref":9}')).toEqual([{ type: 'pong', ref: 9, at: expect.any(Number) }]);
  });

  it('refuses an admin request to a read-only token before it runs, and answers an admin token', async () => {
    const answered: string[] = [];
    const reader = await connect([tallyInspector(answered)]);
    expect(await reader.socket.receive('{"type":"shout","word":"hey","ref":1}')).toEqual([{ type: 'error', ref: 1, code: 'FORBIDDEN', message: expect.stringContaining('shout needs an admin token') }]);
    expect(answered).toEqual([]);
    const admin = await connect([tallyInspector(answered)], 'admin');
    expect(await admin.socket.receive('{"type":"shout","word":"hey","ref":2}')).toEqual([
      { type: 'heard', ref: 2, word: 'hey' },
      { type: 'shouted', ref: 2, word: 'HEY' },
    ]);
    expect(answered).toEqual(['hey']);
  });

  it('follows the job of an answered following request; a refused one or null follows none', async () => {
    const { socket, client } = await connect([tallyInspector([])]);
    expect(await socket.receive('{"type":"watch","id":"job-1","ref":1}')).toEqual([{ type: 'watched', ref: 1, id: 'job-1' }]);
    expect(client.following('watch')).toBe('job-1');
    client.pushed('watch', 'job-2', { type: 'watched', id: 'job-2' });
    client.pushed('watch', 'job-1', { type: 'watched', id: 'job-1', again: true });
    expect(socket.sent.at(-1)).toEqual({ type: 'watched', id: 'job-1', again: true });
    expect(await socket.receive('{"type":"watch","id":"gone","ref":2}')).toEqual([{ type: 'error', ref: 2, code: 'JOB_NOT_FOUND', message: 'no job gone' }]);
    expect(client.following('watch')).toBe('job-1');
    expect(await socket.receive('{"type":"watch","id":null}')).toEqual([]);
    expect(client.following('watch')).toBeUndefined();
  });

  it("refuses a kind registering one of the inspector's own types or another kind's", () => {
    const echo = tallyInspector([]).requests!.echo!;
    expect(() => routeInspectors([{ requests: { ping: echo } }], CORE_TYPES)).toThrow(/INVALID_OPTIONS.*inspector's own/);
    expect(() => routeInspectors([{ requests: { echo } }, { requests: { echo } }], CORE_TYPES)).toThrow(/INVALID_OPTIONS.*two kinds/);
  });

  it("words a job row by the kind whose machine runs it, and no other's", () => {
    const routed = routeInspectors([{ jobs: ['tally'], describeJob: (record) => ({ words: `tally ${record.id}`, progress: { done: 1, total: 2 } }) }], CORE_TYPES);
    expect(routed.describeJob({ id: 'j', machine: 'tally' } as never)).toEqual({ words: 'tally j', progress: { done: 1, total: 2 } });
    expect(routed.describeJob({ id: 'k', machine: 'other' } as never)).toBeUndefined();
  });
});

describe('followed pushes', () => {
  it('pushes a followed job that changed, at most once per period, and a change inside the wait after it', () => {
    const pushes = new FollowedPushes(1_000);
    const followed = new Set(['a']);
    expect(pushes.due(new Set(['a', 'b']), followed, 5_000)).toEqual(['a']);
    expect(pushes.due(new Set(['a']), followed, 5_500)).toEqual([]);
    expect(pushes.due(new Set(), followed, 6_000)).toEqual(['a']);
    expect(pushes.due(new Set(), followed, 8_000)).toEqual([]);
    expect(pushes.due(new Set(['a']), new Set(), 9_000)).toEqual([]);
  });
});

describe("the custom-kind example's inspector request", () => {
  it('answers tallyWords through the tally kind, and refuses a limit over 50', async () => {
    const words = [
      { key: ['t1', 'the'], value: 4 },
      { key: ['t1', 'cat'], value: 1 },
      { key: ['t1', 'sat'], value: 2 },
    ];
    const runtime = { records: { scan: async (collection: string, prefix: unknown[]) => (collection === 'tally.words' && prefix[0] === 't1' ? words : []) } } as unknown as Runtime;
    const { socket } = await connect([tallyKind.inspector!({ runtime, services: {} })]);
    expect(await socket.receive('{"type":"tallyWords","id":"t1","limit":2,"ref":1}')).toEqual([{ type: 'tallyWords', ref: 1, id: 't1', words: [{ word: 'the', count: 4 }, { word: 'sat', count: 2 }] }]);
    expect(await socket.receive('{"type":"tallyWords","id":"t1","limit":51,"ref":2}')).toEqual([{ type: 'error', ref: 2, code: 'BAD_MESSAGE', message: expect.stringContaining('limit') }]);
  });
});
