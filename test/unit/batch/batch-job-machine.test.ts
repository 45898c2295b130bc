import { createActor, type EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import { batchJobMachine, batchKey } from '../../../src/machines/batch-job.machine.js';
import { batchMachine } from '../../../src/machines/batch.machine.js';
import type { BatchFinished, ChunkInput, ChunkOutput } from '../../../src/machines/batch.types.js';
import { fromPromise } from 'xstate';

const input = { application: 'a', codeVersion: 'v1', config: null, configHash: 'h', partition: 'size:10', itemsPage: 10, source: 's', params: {}, description: '', createdAt: 0, items: 50, batches: 5 };
const finished = (batch: number, seq = 1): BatchFinished => ({ type: 'batch.finished', seq, batch, kind: 'batch', outcome: 'completed', items: 10, results: 9, exceptions: 1, at: 100 + batch });

function start() {
  const actor = createActor(batchJobMachine, { input, id: 'job-1' });
  const emitted: EventObject[] = [];
  actor.on('*', (event) => void emitted.push(event));
  actor.start();
  const spawned = () => emitted.filter((e) => e.type === 'holdfast.spawnMany').flatMap((e) => (e as unknown as { spawns: { key: string }[] }).spawns.map((s) => s.key));
  return { actor, emitted, spawned };
}

describe('batchJob machine', () => {
  it('dispatches at most `parallel` batches and the next one as each finishes, then writes the run summary', () => {
    const { actor, emitted, spawned } = start();
    actor.send({ type: 'run.requested', request: 'r1', kind: 'batch', mode: 'pending', todo: [[0, 2], [4, 4]], parallel: 2, at: 50 });
    expect(spawned()).toEqual([batchKey('batch', 0, 1), batchKey('batch', 1, 1)]);
    actor.send(finished(1));
    expect(spawned()).toEqual(['b0.r1', 'b1.r1', 'b2.r1']);
    actor.send(finished(0));
    actor.send(finished(2));
    expect(spawned()).toEqual(['b0.r1', 'b1.r1', 'b2.r1', 'b4.r1']);
    expect(actor.getSnapshot().value).toBe('running');
    actor.send(finished(4));
    expect(actor.getSnapshot().value).toBe('idle');
    const summary = emitted.find((e) => e.type === 'holdfast.record') as unknown as { collection: string; key: string[]; value: Record<string, unknown> };
    expect(summary.collection).toBe('batch.runs');
    expect(summary.key).toEqual(['job-1', 'r1']);
    expect(summary.value).toMatchObject({ batchesRun: 4, items: 40, results: 36, exceptions: 4, startedAt: 50, finishedAt: 104, elapsedMs: 54 });
    expect(actor.getSnapshot().context).toMatchObject({ processed: 40, elapsedMs: 54, runSeq: 1 });
  });

  it('queues a request that arrives during a run and ignores reports of other runs', () => {
    const { actor, spawned } = start();
    actor.send({ type: 'run.requested', request: 'r1', kind: 'batch', mode: 'force', todo: [[0, 0]], parallel: 1, at: 1 });
    actor.send({ type: 'run.requested', request: 'r2', kind: 'batch', mode: 'pending', todo: [[3, 3]], parallel: 1, at: 2 });
    actor.send(finished(0, 7));
    expect(actor.getSnapshot().context.run?.running).toBe(1);
    actor.send(finished(0, 1));
    expect(spawned()).toEqual(['b0.r1', 'b3.r2']);
    expect(actor.getSnapshot().context.run?.request).toBe('r2');
  });

  it('finishes a run with nothing to do at once', () => {
    const { actor, emitted } = start();
    actor.send({ type: 'run.requested', request: 'r0', kind: 'batch', mode: 'pending', todo: [], parallel: 4, at: 9 });
    expect(actor.getSnapshot().value).toBe('idle');
    expect(emitted.some((e) => e.type === 'holdfast.record')).toBe(true);
  });

  it('keeps a config change for the batches dispatched after it', () => {
    const { actor } = start();
    actor.send({ type: 'config.updated', config: { x: 1 }, configHash: 'h2' });
    expect(actor.getSnapshot().context).toMatchObject({ config: { x: 1 }, configHash: 'h2' });
  });
});

describe('batch machine', () => {
  it('writes each chunk with its progress and tells the job how it ended', async () => {
    const outputs: ChunkOutput[] = [
      { records: [{ collection: 'batch.results', key: ['j', 'a'], value: { value: 1 } }], position: 1, done: false, items: 1, results: 1, exceptions: 0, at: 5 },
      { records: [{ collection: 'batch.exceptions', key: ['j', 'b'], value: {} }], position: 2, done: true, items: 1, results: 0, exceptions: 1, at: 6 },
    ];
    const positions: number[] = [];
    const machine = batchMachine.provide({ actors: { processChunk: fromPromise(async ({ input }) => (positions.push((input as { position: number }).position), outputs.shift()!)) } });
    const actor = createActor(machine, { input: { jobId: 'j', batch: 3, seq: 1, kind: 'batch', mode: 'pending', application: 'a', config: null, configHash: 'h', params: {}, partition: 'size:2', page: 2, total: 8 } });
    const emitted: EventObject[] = [];
    actor.on('*', (event) => void emitted.push(event));
    actor.start();
    await new Promise((resolve) => actor.subscribe({ complete: () => resolve(undefined) }));
    expect(positions).toEqual([0, 1]);
    expect(actor.getSnapshot().value).toBe('completed');
    expect(emitted.filter((e) => e.type === 'holdfast.recordMany')).toHaveLength(2);
    const report = emitted.find((e) => e.type === 'holdfast.send') as unknown as { toParent: boolean; event: BatchFinished };
    expect(report.event).toMatchObject({ type: 'batch.finished', batch: 3, outcome: 'completed', items: 2, results: 1, exceptions: 1, at: 6 });
  });

  it('ends skipped when its first chunk finds nothing to do, and failed when a chunk fails', async () => {
    const skip: ChunkOutput = { skip: true, records: [], position: 0, done: true, items: 0, results: 0, exceptions: 0, at: 1 };
    for (const [output, state] of [[skip, 'skipped'], [undefined, 'failed']] as const) {
      const machine = batchMachine.provide({ actors: { processChunk: fromPromise<ChunkOutput, ChunkInput>(async () => { if (!output) throw Object.assign(new Error('no item at 0'), { code: 'RECORD_CORRUPT' }); return output; }) } });
      const actor = createActor(machine, { input: { jobId: 'j', batch: 0, seq: 1, kind: 'batch', mode: 'pending', application: 'a', config: null, configHash: 'h', params: {}, partition: 'size:2', page: 2, total: 2 } });
      actor.start();
      await new Promise((resolve) => actor.subscribe({ complete: () => resolve(undefined) }));
      expect(actor.getSnapshot().value).toBe(state);
      if (state === 'failed') expect(actor.getSnapshot().context.error).toEqual({ code: 'RECORD_CORRUPT', message: 'no item at 0' });
    }
  });

  it('waits, rather than fails, where its application is not registered, and continues from where it stood once told it is', async () => {
    let registered = false;
    const positions: number[] = [];
    const machine = batchMachine.provide({
      actors: {
        processChunk: fromPromise<ChunkOutput, ChunkInput>(async ({ input }) => {
          positions.push(input.position);
          if (!registered) throw Object.assign(new Error('application "a" is not registered here'), { code: 'UNKNOWN_APPLICATION' });
          return { records: [], position: input.position + 1, done: input.position + 1 === 2, items: 1, results: 1, exceptions: 0, at: 3 };
        }),
      },
    });
    const actor = createActor(machine, { input: { jobId: 'j', batch: 4, seq: 1, kind: 'batch', mode: 'pending', application: 'a', config: null, configHash: 'h', params: {}, partition: 'size:2', page: 2, total: 10 } });
    const emitted: EventObject[] = [];
    actor.on('*', (event) => void emitted.push(event));
    actor.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(actor.getSnapshot().value).toBe('waitingForApplication');
    expect(actor.getSnapshot().context.error).toBeUndefined();
    expect(emitted).toEqual([]); // the job hears nothing: its run waits too
    actor.send({ type: 'application.available', application: 'other' });
    expect(actor.getSnapshot().value).toBe('waitingForApplication');
    registered = true;
    actor.send({ type: 'application.available', application: 'a' });
    await new Promise((resolve) => actor.subscribe({ complete: () => resolve(undefined) }));
    expect(actor.getSnapshot().value).toBe('completed');
    expect(positions).toEqual([0, 0, 1]);
    const report = emitted.find((e) => e.type === 'holdfast.send') as unknown as { event: BatchFinished };
    expect(report.event).toMatchObject({ outcome: 'completed', items: 2 });
    expect(report.event.error).toBeUndefined();
  });
});
