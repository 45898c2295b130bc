/**
 * `GET /metrics`: a scrape parsed as Prometheus's text format (prom-client has
 * no parser, so a minimal one here, strict about what it accepts), with the
 * figures a run of real actors leaves: steps, commits, actors by machine and
 * state, effects, queue depths, the store's size; behind the serve tokens.
 */
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { createRuntime, defineMachine, effect, startServer } from '../../../src/index.js';
import { tempFolder } from '../../helpers/temp-store.js';
import { startHarness, until, type Harness } from '../inspector/inspector-harness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** Parses the text exposition format 0.0.4: `# HELP`/`# TYPE` lines and `name{label="value",...} number` samples; throws on anything else. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        types.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]!.replace('+Inf', 'Infinity')) });
  }
  return { types, samples };
}

const value = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  exposition.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted)).reduce((sum, sample) => sum + sample.value, 0);

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function scrape(port: number, token: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('GET /metrics', () => {
  it('serves the runtime in the Prometheus text format: steps, commits, actors by machine and state, effects, queues, store size', async () => {
    harness = await startHarness();
    const { runtime, server } = harness;
    const id = await runtime.spawn('batch', { items: 3 });
    await until(async () => (await runtime.query({ parent: id })).length === 3, 'the items');
    for (const child of await runtime.query({ parent: id })) await runtime.send(child.id, { type: 'go' });
    await runtime.waitFor(id, (record) => record.status === 'done');
    const tally = await runtime.spawn('tally', {});
    for (let i = 0; i < 5; i++) await runtime.send(tally, { type: 'increment' });
    // The inspector's live counts move once per tick: wait until they show the finished batch.
    let exposition = parseExposition((await scrape(server.port, server.tokens.readOnly)).text);
    await until(async () => {
      exposition = parseExposition((await scrape(server.port, server.tokens.readOnly)).text);
      return value(exposition, 'holdfast_actors', { machine: 'batch', state: 'complete' }) === 1 && value(exposition, 'holdfast_actors', { machine: 'item', state: 'done' }) === 3;
    }, 'the live counts in a scrape');

    const { status, type } = await scrape(server.port, server.tokens.readOnly);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(exposition.types.get('holdfast_steps_total')).toBe('counter');
    expect(exposition.types.get('holdfast_commit_duration_seconds')).toBe('histogram');
    expect(exposition.types.get('holdfast_actors')).toBe('gauge');
    expect(value(exposition, 'holdfast_steps_total', { machine: 'tally' })).toBe(5);
    expect(value(exposition, 'holdfast_steps_total', { machine: 'item' })).toBeGreaterThanOrEqual(3);
    expect(value(exposition, 'holdfast_actors_spawned_total', { machine: 'item' })).toBe(3);
    expect(value(exposition, 'holdfast_actors', { machine: 'tally', state: 'counting' })).toBe(1);
    expect(value(exposition, 'holdfast_actors_by_status', { status: 'done' })).toBe(4);
    // Every step was committed: the histogram counted commits, each of at least one step.
    const commits = value(exposition, 'holdfast_commit_duration_seconds_count');
    expect(commits).toBeGreaterThan(0);
    expect(value(exposition, 'holdfast_commit_duration_seconds_bucket', { le: '+Inf' })).toBe(commits);
    expect(value(exposition, 'holdfast_commit_steps_count')).toBe(commits);
    expect(value(exposition, 'holdfast_commit_steps_sum')).toBeGreaterThanOrEqual(value(exposition, 'holdfast_steps_total'));
    expect(value(exposition, 'holdfast_effect_duration_seconds_count', { effect: 'work' })).toBe(3);
    expect(value(exposition, 'holdfast_effects_running')).toBe(0);
    expect(value(exposition, 'holdfast_effects_waiting')).toBe(0);
    expect(value(exposition, 'holdfast_commit_backlog')).toBe(0);
    expect(value(exposition, 'holdfast_store_file_bytes')).toBeGreaterThan(0);
    expect(value(exposition, 'holdfast_store_used_bytes')).toBeGreaterThan(0);
    expect(value(exposition, 'holdfast_store_map_bytes')).toBeGreaterThanOrEqual(value(exposition, 'holdfast_store_used_bytes'));
    expect(exposition.samples.some((sample) => sample.name === 'holdfast_store_free_map_entries')).toBe(true);
  });

  it('counts failed effects and shows effects waiting on a full queue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = setup({ actors: { hold: effect(async () => gate.then(() => ({}))) } }).createMachine({
      initial: 'holding',
      states: { holding: { invoke: { src: 'hold', onDone: 'done' } }, done: { type: 'final' } },
    });
    const failing = setup({ actors: { flaky: effect(async () => { throw new Error('nope'); }) } }).createMachine({
      initial: 'trying',
      states: { trying: { invoke: { src: 'flaky', onDone: 'done', onError: 'failed' } }, done: { type: 'final' }, failed: { type: 'final' } },
    });
    const machines = [
      defineMachine({ name: 'slow', version: '1', machine: slow, effects: { hold: { queue: 'narrow' } } }),
      defineMachine({ name: 'failing', version: '1', machine: failing, effects: { flaky: { maxAttempts: 2, backoffMs: 1 } } }),
    ];
    const runtime = await createRuntime({ store: join(tempFolder(), 'store'), machines, limits: { queues: { narrow: 1 } }, durability: 'commit' });
    const server = await startServer(runtime, { port: 0, machines });
    try {
      for (let i = 0; i < 3; i++) await runtime.spawn('slow', {});
      const failed = await runtime.spawn('failing', {});
      await runtime.waitFor(failed, (record) => record.status === 'done');
      let exposition = parseExposition((await scrape(server.port, server.tokens.admin)).text);
      await until(async () => {
        exposition = parseExposition((await scrape(server.port, server.tokens.admin)).text);
        return value(exposition, 'holdfast_effects_waiting', { queue: 'narrow' }) === 2;
      }, 'two effects waiting on the narrow queue');
      expect(value(exposition, 'holdfast_effects_running', { queue: 'narrow' })).toBe(1);
      // Both attempts failed with a retryable error; the second was the last (maxAttempts 2): no retry followed it.
      expect(value(exposition, 'holdfast_effect_failures_total', { effect: 'flaky', retryable: 'true' })).toBe(1);
      expect(value(exposition, 'holdfast_effect_failures_total', { effect: 'flaky', retryable: 'false' })).toBe(1);
      expect(value(exposition, 'holdfast_effect_duration_seconds_count', { effect: 'flaky' })).toBe(0);
    } finally {
      release();
      await server.close();
      await runtime.close();
    }
  });

  it('needs a serve token, as every route but /health', async () => {
    harness = await startHarness();
    const { server } = harness;
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(401);
    expect((await scrape(server.port, 'x'.repeat(32))).status).toBe(401);
    // A Host other than this server's (DNS rebinding) is refused before the token is looked at.
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/metrics', headers: { host: 'evil.example:80', authorization: `Bearer ${server.tokens.readOnly}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(403);
  });
});
