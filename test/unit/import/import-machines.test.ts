/** The import's machines through XState's pure transitions: no runtime, no disk. */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { importBatchMachine, type ImportBatchContext } from '../../../src/machines/import-batch.machine.js';
import type { PendingLinkInput, PendingObjectInput, PlanChunk } from '../../../src/machines/import.types.js';
import { pendingLinkMachine } from '../../../src/machines/pending-link.machine.js';
import { pendingObjectMachine } from '../../../src/machines/pending-object.machine.js';

type Action = { type: string; params?: unknown };

/** What the actions asked the runtime to do: messages sent, records written, actors spawned, events emitted, effects started. */
function effectsOf(actions: Action[]) {
  const emitted = actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: Record<string, unknown> }).event);
  return {
    messages: emitted.flatMap((e) => (e.type === 'holdfast.sendMany' ? (e.messages as Record<string, unknown>[]) : e.type === 'holdfast.send' ? [withoutType(e)] : [])),
    records: emitted.filter((e) => e.type === 'holdfast.record'),
    spawns: emitted.filter((e) => e.type === 'holdfast.spawnMany').flatMap((e) => e.spawns as { key: string }[]),
    events: emitted.filter((e) => !String(e.type).startsWith('holdfast.')),
    invoked: actions.filter((a) => a.type === 'xstate.spawnChild').map((a) => (a.params as { src: string }).src),
  };
}

function withoutType({ type: _type, ...rest }: Record<string, unknown>): Record<string, unknown> {
  return rest;
}

function run(machine: AnyStateMachine, input: unknown, events: EventObject[]): { snapshot: AnyMachineSnapshot; steps: ReturnType<typeof effectsOf>[] } {
  const [first, actions] = initialTransition(machine, input);
  let snapshot = first as AnyMachineSnapshot;
  const steps = [effectsOf(actions as Action[])];
  for (const event of events) {
    const [next, stepActions] = transition(machine, snapshot as never, event as never);
    snapshot = next as AnyMachineSnapshot;
    steps.push(effectsOf(stepActions as Action[]));
  }
  return { snapshot, steps };
}

const objectInput = (overrides: Partial<PendingObjectInput> = {}): PendingObjectInput => ({
  batch: 'imp',
  service: 'svc',
  index: 3,
  id: 'b1',
  type: 'book',
  line: 7,
  data: { name: 'b1' },
  awaiting: 0,
  linksAsChild: 0,
  children: [],
  linksAsParent: [],
  ready: true,
  ...overrides,
});

describe('pendingObject', () => {
  it('counts its awaited parents, keeping each one in a record, then starts creating', () => {
    const created = (parent: number) => ({ type: 'parent.created', parent, linkTag: 'writtenBy', identifiers: { id: `a${parent}` } });
    const { snapshot, steps } = run(pendingObjectMachine, objectInput({ awaiting: 2, ready: false }), [created(0), created(1)]);
    expect(steps[0]!.invoked).toEqual([]);
    expect(steps[1]!.records).toEqual([{ type: 'holdfast.record', collection: 'importParents', key: ['imp', 3, 0, 'writtenBy'], value: { linkTag: 'writtenBy', identifiers: { id: 'a0' } } }]);
    expect(snapshot.value).toBe('creating');
    expect(steps[2]!.invoked).toEqual(['createObject']);
    expect(snapshot.context).not.toHaveProperty('parents');
  });

  it('completes at once when it exists, telling its dependent children, its links and its batch', () => {
    const input = objectInput({ identifiers: { id: 'ext-1' }, linksAsChild: 2, children: [[5, 'partOf']], linksAsParent: ['l8.0'], ready: false });
    const { snapshot, steps } = run(pendingObjectMachine, input, []);
    expect(snapshot.value).toBe('complete');
    expect(steps[0]!.invoked).toEqual([]);
    expect(steps[0]!.messages).toEqual([
      { to: 'imp/o5', event: { type: 'parent.created', parent: 3, linkTag: 'partOf', identifiers: { id: 'ext-1' } } },
      { to: 'imp/l3.0', event: { type: 'end.created', end: 'child', identifiers: { id: 'ext-1' } } },
      { to: 'imp/l3.1', event: { type: 'end.created', end: 'child', identifiers: { id: 'ext-1' } } },
      { to: 'imp/l8.0', event: { type: 'end.created', end: 'parent', identifiers: { id: 'ext-1' } } },
      { toParent: true, event: { type: 'object.settled', outcome: 'complete', ready: false } },
    ]);
  });

  it('keeps who it is and how it ended once settled, not the plan its messages were sent from', () => {
    const input = objectInput({ identifiers: { id: 'ext-1' }, linksAsChild: 2, children: [[5, 'partOf']], linksAsParent: ['l8.0'], ready: false });
    const { snapshot, steps } = run(pendingObjectMachine, input, []);
    expect(steps[0]!.messages).toHaveLength(5);
    expect(JSON.parse(JSON.stringify(snapshot.context))).toEqual({ batch: 'imp', index: 3, id: 'b1', type: 'book', line: 7, identifiers: { id: 'ext-1' } });
    const link = linkInput({ dependent: true, awaiting: 1 });
    const settled = run(pendingLinkMachine, link, [{ type: 'end.created', end: 'child', identifiers: { id: 'c' } } as EventObject]);
    expect(settled.snapshot.value).toBe('complete');
    expect(JSON.parse(JSON.stringify(settled.snapshot.context))).toEqual({ batch: 'imp', line: link.line, linkTag: link.linkTag, childId: link.childId, parentId: link.parentId, dependent: true, child: { id: 'c' } });
  });

  it('is blocked by a failed parent and passes the same origin on to its own dependants', () => {
    const origin = { id: 'a0', line: 2, reason: '[IMPORT_REJECTED] no' };
    const { snapshot, steps } = run(pendingObjectMachine, objectInput({ awaiting: 1, children: [[9, 'partOf']], linksAsChild: 1, ready: false }), [{ type: 'parent.failed', origin } as EventObject]);
    expect(snapshot.value).toBe('blocked');
    expect(steps[1]!.messages).toEqual([
      { to: 'imp/o9', event: { type: 'parent.failed', origin } },
      { to: 'imp/l3.0', event: { type: 'end.failed', end: 'child', origin } },
      { toParent: true, event: { type: 'object.settled', outcome: 'blocked', ready: false } },
    ]);
  });

  it('waits for the callback after a 202, and takes identifiers or an error from it', () => {
    const accepted = { type: 'xstate.done.actor.create', output: { accepted: true } } as EventObject;
    const done = run(pendingObjectMachine, objectInput(), [accepted, { type: 'service.callback', identifiers: { id: 'late' } } as EventObject]);
    expect(done.snapshot.value).toBe('complete');
    expect(done.snapshot.context.identifiers).toEqual({ id: 'late' });
    const failed = run(pendingObjectMachine, objectInput(), [accepted, { type: 'service.callback', error: { message: 'no' } } as EventObject]);
    expect(failed.snapshot.value).toBe('error');
    expect(failed.snapshot.context.error).toEqual({ code: 'IMPORT_REJECTED', message: 'no' });
    const early = run(pendingObjectMachine, objectInput(), [{ type: 'service.callback', identifiers: { id: 'fast' } } as EventObject]);
    expect(early.snapshot.value).toBe('complete');
  });
});

const linkInput = (overrides: Partial<PendingLinkInput> = {}): PendingLinkInput => ({
  batch: 'imp',
  service: 'svc',
  line: 9,
  linkTag: 'writtenBy',
  childId: 'b1',
  parentId: 'a1',
  dependent: true,
  separate: false,
  awaiting: 1,
  ...overrides,
});
const end = (which: 'child' | 'parent') => ({ type: 'end.created', end: which, identifiers: { id: which } }) as EventObject;

describe('pendingLink', () => {
  it('completes a dependent link with its child, without a request', () => {
    const { snapshot, steps } = run(pendingLinkMachine, linkInput(), [end('child')]);
    expect(snapshot.value).toBe('complete');
    expect(steps[1]!.invoked).toEqual([]);
    expect(steps[1]!.messages).toEqual([{ toParent: true, event: { type: 'link.settled', outcome: 'complete' } }]);
  });

  it('creates an independent or separately created link once both ends exist', () => {
    for (const input of [linkInput({ dependent: false, awaiting: 2 }), linkInput({ separate: true, awaiting: 2 })]) {
      const { snapshot, steps } = run(pendingLinkMachine, input, [end('parent'), end('child')]);
      expect(steps[1]!.invoked).toEqual([]);
      expect(snapshot.value).toBe('creating');
      expect(steps[2]!.invoked).toEqual(['createLink']);
      expect(snapshot.context).toMatchObject({ child: { id: 'child' }, parent: { id: 'parent' } });
    }
  });

  it('is blocked when an end fails', () => {
    const origin = { id: 'a1', line: 1, reason: 'no' };
    const { snapshot, steps } = run(pendingLinkMachine, linkInput({ dependent: false, awaiting: 2 }), [end('child'), { type: 'end.failed', end: 'parent', origin } as EventObject]);
    expect(snapshot.value).toBe('blocked');
    expect(snapshot.context.blockedBy).toEqual(origin);
    expect(steps[2]!.messages).toEqual([{ toParent: true, event: { type: 'link.settled', outcome: 'blocked' } }]);
  });
});

describe('importBatch', () => {
  const chunk = (keys: string[], ready: number): PlanChunk => ({ spawns: keys.map((key) => ({ machine: 'pendingObject', key, input: objectInput({ id: key }) })), ready });
  const loaded = { type: 'xstate.done.actor.load', output: { ok: true, objects: 4, links: 0, chunks: 2, fingerprint: 'f' } } as EventObject;
  const part = (...chunks: PlanChunk[]) => ({ type: 'xstate.done.actor.part', output: { chunks } }) as EventObject;
  const settled = (outcome = 'complete') => ({ type: 'object.settled', outcome, ready: true }) as EventObject;

  it('stores the plan in records part by part, spawns it chunk by chunk within its window, and completes when nothing awaits', () => {
    const events = [
      loaded,
      part(chunk(['o0', 'o1'], 2), chunk(['o2', 'o3'], 2)),
      { type: 'xstate.done.actor.chunk', output: chunk(['o0', 'o1'], 2) } as EventObject,
      settled(),
      { type: 'xstate.done.actor.chunk', output: chunk(['o2', 'o3'], 2) } as EventObject,
      settled(),
      settled(),
      settled(),
    ];
    const { snapshot, steps } = run(importBatchMachine, { file: 'f', service: 'svc', window: 2 }, events);
    expect(steps[1]!.records).toEqual([]);
    expect(steps[1]!.invoked).toEqual(['readPlanPart']);
    expect(steps[2]!.records.map((r) => (r.key as unknown[])[1])).toEqual([0, 1]);
    expect(steps[2]!.invoked).toEqual(['readPlanChunk']);
    expect(steps[3]!.spawns.map((s) => s.key)).toEqual(['o0', 'o1']);
    expect(steps[3]!.records).toEqual([expect.objectContaining({ collection: 'importPlan', value: null })]); // spawned: the chunk is dropped
    expect(steps[3]!.invoked).toEqual([]); // the window (2) is full: wait for a report
    expect(steps[4]!.invoked).toEqual(['readPlanChunk']);
    expect(steps[7]!.events).toEqual([]);
    expect(steps[8]!.events).toEqual([{ type: 'import.completed', batch: expect.any(String), outcome: 'complete', objects: { total: 4, complete: 4, error: 0, blocked: 0 }, links: { total: 0, complete: 0, error: 0, blocked: 0 } }]);
    expect(snapshot.value).toBe('complete');
    expect(JSON.stringify(snapshot.context).length).toBeLessThan(600);
  });

  it('stores a plan of more chunks than a part in several steps, each part after the last', () => {
    const many = { type: 'xstate.done.actor.load', output: { ok: true, objects: 150, links: 0, chunks: 150, fingerprint: 'f' } } as EventObject;
    const first = Array.from({ length: 100 }, (_, n) => chunk([`o${n}`], 1));
    const second = Array.from({ length: 50 }, (_, n) => chunk([`o${100 + n}`], 1));
    const { snapshot, steps } = run(importBatchMachine, { file: 'f', service: 'svc' }, [many, part(...first), part(...second)]);
    expect(steps[2]!.records.map((r) => (r.key as unknown[])[1])).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(steps[2]!.invoked).toEqual(['readPlanPart']);
    expect(steps[3]!.records.map((r) => (r.key as unknown[])[1])).toEqual(Array.from({ length: 50 }, (_, n) => 100 + n));
    expect(steps[3]!.invoked).toEqual(['readPlanChunk']);
    expect(snapshot.context).toMatchObject({ stored: 150, chunks: 150, nextChunk: 0 });
  });

  it('ends error, keeping the problems, when the import is invalid', () => {
    const problems = Array.from({ length: 60 }, (_, i) => ({ line: i + 1, message: 'bad' }));
    const { snapshot, steps } = run(importBatchMachine, { file: 'f', service: 'svc' }, [{ type: 'xstate.done.actor.load', output: { ok: false, problems } } as EventObject]);
    const context = snapshot.context as ImportBatchContext;
    expect(snapshot.value).toBe('error');
    expect(context.error).toEqual({ code: 'IMPORT_INVALID', message: 'the import has 60 problem(s); nothing was sent' });
    expect(context.problems).toHaveLength(50);
    expect(context.problemCount).toBe(60); // a result stored by the release before has no count: its list was whole
    expect(steps[1]!.records).toEqual([expect.objectContaining({ collection: 'importProblems', value: problems })]);
    expect(steps[1]!.spawns).toEqual([]);
  });

  it('counts every problem when the load listed only the first, and says the list was cut', () => {
    const problems = Array.from({ length: 10_000 }, (_, i) => ({ line: i + 1, message: 'not JSON' }));
    const output = { ok: false, problems, problemCount: 5_000_000 };
    const { snapshot, steps } = run(importBatchMachine, { file: 'f', service: 'svc' }, [{ type: 'xstate.done.actor.load', output } as EventObject]);
    const context = snapshot.context as ImportBatchContext;
    expect(snapshot.value).toBe('error');
    expect(context.problemCount).toBe(5_000_000);
    expect(context.error).toEqual({ code: 'IMPORT_INVALID', message: 'the import has 5,000,000 problem(s); nothing was sent (the first 10,000 by line are listed)' });
    expect(context.problems).toHaveLength(50);
    expect(steps[1]!.records).toEqual([expect.objectContaining({ collection: 'importProblems', value: problems })]);
  });

  it('ends error and posts the completion when an object failed', () => {
    const oneChunk = { type: 'xstate.done.actor.load', output: { ok: true, objects: 1, links: 0, chunks: 1, fingerprint: 'f' } } as EventObject;
    const events = [oneChunk, part(chunk(['o0'], 1)), { type: 'xstate.done.actor.chunk', output: chunk(['o0'], 1) } as EventObject, settled('error')];
    const { snapshot, steps } = run(importBatchMachine, { file: 'f', service: 'svc', onComplete: 'http://hook' }, events);
    expect(snapshot.value).toBe('posting');
    expect(steps[4]!.invoked).toEqual(['postCompletion']);
    expect(steps[4]!.events).toMatchObject([{ type: 'import.completed', outcome: 'error' }]);
    const [after] = transition(importBatchMachine, snapshot as never, { type: 'xstate.done.actor.post', output: { status: 200 } } as never);
    expect(after.value).toBe('error');
  });
});
