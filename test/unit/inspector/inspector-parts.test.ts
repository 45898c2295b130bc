/**
 * The inspector's pure parts: machine charts and state paths, progress from a
 * job's counters, client message parsing, tokens, Host and Origin rules.
 */
import type { IncomingMessage } from 'node:http';
import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { allowedHostsFor, hostAllowed, originAllowed, resolveTokens, roleOf } from '../../../src/adapters/http/http-auth.js';
import { progressFromContext } from '../../../src/adapters/inspector/actor-views.js';
import { parseClientMessage } from '../../../src/adapters/inspector/client-messages.js';
import { chartOf, labelOf, statePathsOf } from '../../../src/adapters/inspector/machine-charts.js';

const nested = setup({}).createMachine({
  id: 'nested',
  initial: 'idle',
  states: {
    idle: { on: { start: 'busy', 'xstate.after.500.nested.idle': 'busy' } },
    busy: {
      type: 'parallel',
      on: { stop: 'idle' },
      states: {
        left: { initial: 'a', states: { a: { on: { next: 'b' } }, b: {} } },
        right: { initial: 'x', states: { x: {}, y: {} } },
      },
    },
    over: { type: 'final' },
  },
});

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('machine charts', () => {
  it('lists every state node by path and every transition with a target', () => {
    const chart = chartOf({ name: 'nested', version: '1', machine: nested });
    expect(chart.initial).toBe('idle');
    expect(chart.nodes.map((node) => [node.path, node.type, node.parent])).toEqual([
      ['idle', 'atomic', null],
      ['busy', 'parallel', null],
      ['busy.left', 'compound', 'busy'],
      ['busy.left.a', 'atomic', 'busy.left'],
      ['busy.left.b', 'atomic', 'busy.left'],
      ['busy.right', 'compound', 'busy'],
      ['busy.right.x', 'atomic', 'busy.right'],
      ['busy.right.y', 'atomic', 'busy.right'],
      ['over', 'final', null],
    ]);
    expect(chart.edges).toEqual(expect.arrayContaining([{ source: 'idle', target: 'busy', label: 'start' }, { source: 'busy', target: 'idle', label: 'stop' }, { source: 'busy.left.a', target: 'busy.left.b', label: 'next' }]));
  });

  it('enumerates the state values records hold, parallel leaves joined with |', () => {
    expect(statePathsOf(nested)).toEqual(['idle', 'busy.left.a|busy.right.x', 'busy.left.a|busy.right.y', 'busy.left.b|busy.right.x', 'busy.left.b|busy.right.y', 'over']);
  });

  it("shortens XState's internal event names", () => {
    expect(labelOf('')).toBe('always');
    expect(labelOf('xstate.after.500.nested.idle')).toBe('after 500ms');
    expect(labelOf('xstate.after.wait.nested.idle')).toBe('after wait');
    expect(labelOf('xstate.done.actor.copy')).toBe('done: copy');
    expect(labelOf('xstate.error.actor.copy')).toBe('error: copy');
    expect(labelOf('file.copied')).toBe('file.copied');
  });
});

describe('job progress from its counters', () => {
  it('reads progress, counts.total with done or reported counters, or total/done', () => {
    expect(progressFromContext({ progress: { done: 2, total: 9 } })).toEqual({ done: 2, total: 9 });
    expect(progressFromContext({ counts: { total: 10, copied: 3, skipped: 1, failed: 2, registered: 0 } })).toEqual({ done: 6, total: 10 });
    expect(progressFromContext({ total: 4, done: 1 })).toEqual({ done: 1, total: 4 });
    expect(progressFromContext({ counts: { copied: 3 } })).toBeNull();
    expect(progressFromContext('text')).toBeNull();
  });
});

describe('client messages', () => {
  it('accepts the known shapes and refuses everything else with BAD_MESSAGE', () => {
    expect(parseClientMessage('{"type":"children","id":"a","offset":50,"limit":50,"ref":3}')).toEqual({ type: 'children', id: 'a', offset: 50, limit: 50, ref: 3 });
    for (const text of ['', 'null', '{}', '{"type":"jobs","limit":201}', '{"type":"subscribe","id":"a","scope":"all"}', '{"type":"jobs","__proto__":{}}', '{"type":"resolve","id":"a","value":{"constructor":1}}']) {
      expect(() => parseClientMessage(text), text).toThrow(/\[BAD_MESSAGE\]/);
    }
  });
});

describe('tokens, Host and Origin', () => {
  it('makes missing tokens, refuses short or shared ones, and tells roles apart', () => {
    const tokens = resolveTokens({ readOnly: 'read-only-token-0123' });
    expect(tokens.admin[0]).toMatch(/^[\w-]{32}$/);
    expect(roleOf(tokens, 'read-only-token-0123')).toBe('readOnly');
    expect(roleOf(tokens, tokens.admin[0])).toBe('admin');
    expect(roleOf(tokens, 'read-only-token-0124')).toBeUndefined();
    expect(roleOf(tokens, undefined)).toBeUndefined();
    expect(() => resolveTokens({ admin: 'short' })).toThrow(/INVALID_OPTIONS/);
    expect(() => resolveTokens({ admin: 'same-token-for-both', readOnly: 'same-token-for-both' })).toThrow(/INVALID_OPTIONS/);
  });

  it('answers to its own address and loopback names only', () => {
    const allowed = allowedHostsFor('127.0.0.1', 7480);
    expect([...allowed].sort()).toEqual(['127.0.0.1:7480', '[::1]:7480', 'localhost:7480']);
    expect(hostAllowed(request({ host: 'localhost:7480' }), allowed)).toBe(true);
    expect(hostAllowed(request({ host: 'evil.example:7480' }), allowed)).toBe(false);
    expect(hostAllowed(request({}), allowed)).toBe(false);
    expect([...allowedHostsFor('10.1.2.3', 80, ['inspector.example:443'])].sort()).toEqual(['10.1.2.3', '10.1.2.3:80', 'inspector.example:443']);
  });

  it('takes a browser only from its own page, and a client without Origin on its token', () => {
    expect(originAllowed(request({ host: '127.0.0.1:7480' }))).toBe(true);
    expect(originAllowed(request({ host: '127.0.0.1:7480', origin: 'http://127.0.0.1:7480' }))).toBe(true);
    expect(originAllowed(request({ host: '127.0.0.1:7480', origin: 'http://localhost:7480' }))).toBe(false);
    expect(originAllowed(request({ host: '127.0.0.1:7480', origin: 'null' }))).toBe(false);
    expect(originAllowed(request({ host: '127.0.0.1:7480', origin: 'chrome-extension://abc' }))).toBe(false);
    expect(originAllowed(request({ host: 'x:1', origin: 'https://proxy.example' }), ['https://proxy.example'])).toBe(true);
  });
});
