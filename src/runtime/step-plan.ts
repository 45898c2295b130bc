/**
 * One step of one actor, planned: the next record and every mutation that
 * commits with it, plus what to do once it is durable. Pure apart from the
 * injected clock and sequence: nothing here touches the store or starts work.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { HoldfastError } from '../errors.js';
import type { ActorId, ActorRecord, ActorStatus, EffectRecord, InboxMessage, Mutation, TimerEntry } from '../persistence/store.js';
import type { MachineDefinition } from './machine-registry.js';
import type { SpawnRequest } from './machine-protocol.js';
import { activeInvokeIds, pureInitialTransition, type ExecutableAction } from './pure-transition.js';
import { persistSnapshot, stateName } from './snapshot-codec.js';

export interface StartedEffect {
  actor: ActorId;
  invokeId: string;
  effect: EffectRecord;
}

/** A child created in this step, with its first snapshot. */
export interface SpawnedActor {
  record: ActorRecord;
  snapshot: AnyMachineSnapshot;
  definition: MachineDefinition;
}

/** Everything a step (or a spawn) commits, and what follows the commit. */
export interface StepPlan {
  mutations: Mutation[];
  spawned: SpawnedActor[];
  /** Ids in `spawned`, so a step spawning thousands checks repeats in constant time; made at the first spawn. */
  spawnedIds: Set<string> | undefined;
  started: StartedEffect[];
  cancelled: { actor: ActorId; invokeId: string }[];
  timersSet: TimerEntry[];
  timersCleared: { actor: ActorId; id: string }[];
  messages: InboxMessage[];
  emitted: { actor: ActorId; event: { type: string; [key: string]: unknown } }[];
}

export interface PlanContext {
  now: number;
  nextMessageSeq: () => number;
  /** Resolves a spawned machine's definition. */
  definitionOf: (machine: string) => MachineDefinition;
  /** True when an actor with this id exists (so a repeated spawn is skipped). */
  exists: (id: ActorId) => boolean;
  journalSnapshots?: boolean;
}

export function emptyPlan(): StepPlan {
  return { mutations: [], spawned: [], spawnedIds: undefined, started: [], cancelled: [], timersSet: [], timersCleared: [], messages: [], emitted: [] };
}

/**
 * Applies a transition's result to an actor's record: effects reconciled with
 * the invokes of the active states, timers set and cancelled, messages and
 * spawns planned. `consumedEffect` is an invocation whose result this step consumed.
 */
export function planStep(
  plan: StepPlan,
  previous: ActorRecord | undefined,
  base: ActorRecord,
  next: AnyMachineSnapshot,
  actions: ExecutableAction[],
  context: PlanContext,
  consumedEffect?: string,
): ActorRecord {
  const seq = base.seq + 1;
  const timers = { ...base.timers };
  const wanted = activeInvokeIds(next);
  const effects: Record<string, EffectRecord> = {};
  for (const [invokeId, effect] of Object.entries(base.effects)) {
    if (wanted.has(invokeId) && invokeId !== consumedEffect) effects[invokeId] = effect;
    else if (invokeId !== consumedEffect) plan.cancelled.push({ actor: base.id, invokeId });
  }
  let raised = 0;
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    switch (action.type) {
      case 'xstate.spawnChild': {
        const invokeId = String(params.id);
        if (!wanted.has(invokeId)) break; // spawned and left within one macrostep
        if (effects[invokeId]) plan.cancelled.push({ actor: base.id, invokeId });
        const effect: EffectRecord = { src: String(params.src), input: params.input ?? null, key: `${base.id}:${invokeId}:${seq}`, attempt: 1 };
        effects[invokeId] = effect;
        plan.started.push({ actor: base.id, invokeId, effect });
        break;
      }
      case 'xstate.raise': {
        if (typeof params.delay !== 'number') break; // immediate raises run inside the macrostep
        const id = typeof params.id === 'string' ? params.id : `raise.${seq}.${raised++}`;
        if (timers[id] !== undefined) plan.timersCleared.push({ actor: base.id, id }), plan.mutations.push(deleteTimer(base.id, id, timers[id]!));
        const timer: TimerEntry = { due: context.now + params.delay, actor: base.id, id, event: params.event as TimerEntry['event'] };
        timers[id] = timer.due;
        plan.timersSet.push(timer);
        plan.mutations.push({ op: 'putTimer', timer });
        break;
      }
      case 'xstate.cancel': {
        const id = String(params.sendId);
        if (timers[id] === undefined) break;
        plan.mutations.push(deleteTimer(base.id, id, timers[id]!));
        plan.timersCleared.push({ actor: base.id, id });
        delete timers[id];
        break;
      }
      case 'xstate.emit':
        planEmit(plan, base, params.event as { type: string; [key: string]: unknown }, context);
        break;
      case 'xstate.sendTo':
      case 'xstate.sendParent':
        throw new HoldfastError('MACHINE_ERROR', `machine ${base.machine} uses ${action.type}: actors talk by durable messages, use sendMessage()`);
      default:
        break; // assign, log and other built-ins were applied by the transition itself
    }
  }
  const status = statusOf(next);
  if (status !== 'active') {
    for (const invokeId of Object.keys(effects)) plan.cancelled.push({ actor: base.id, invokeId });
    for (const [id, due] of Object.entries(timers)) {
      plan.mutations.push(deleteTimer(base.id, id, due));
      plan.timersCleared.push({ actor: base.id, id });
    }
  }
  const record: ActorRecord = {
    ...base,
    status,
    state: stateName(next.value),
    snapshot: persistSnapshot(next),
    seq,
    effects: status === 'active' ? effects : {},
    timers: status === 'active' ? timers : {},
    updatedAt: context.now,
  };
  if (status === 'error') record.error = machineError(next.error);
  plan.mutations.push({ op: 'putActor', record, previous });
  return record;
}

/** The first record of a new actor, planned into `plan` with everything its initial state starts. */
export function planSpawn(
  plan: StepPlan,
  definition: MachineDefinition,
  identity: { id: ActorId; parent?: ActorId; root: ActorId; tags?: string[] },
  input: unknown,
  context: PlanContext,
): SpawnedActor {
  const [snapshot, actions] = pureInitialTransition(definition.machine, input, identity.id);
  const base: ActorRecord = {
    id: identity.id,
    machine: definition.name,
    version: definition.version,
    root: identity.root,
    status: 'active',
    state: '',
    snapshot: null,
    seq: 0,
    effects: {},
    timers: {},
    createdAt: context.now,
    updatedAt: context.now,
  };
  if (identity.parent !== undefined) base.parent = identity.parent;
  if (identity.tags !== undefined) base.tags = identity.tags;
  const record = planStep(plan, undefined, base, snapshot, actions, context);
  const entry = { seq: record.seq, event: 'xstate.init', from: '', to: record.state, at: context.now, durationMs: 0 };
  const keepSnapshot = (definition.journal ?? (context.journalSnapshots ? 'snapshots' : 'transitions')) === 'snapshots';
  plan.mutations.push({ op: 'putJournal', actor: record.id, entry: keepSnapshot && record.snapshot ? { ...entry, snapshot: record.snapshot } : entry });
  const spawned = { record, snapshot, definition };
  plan.spawned.push(spawned);
  (plan.spawnedIds ??= new Set()).add(record.id);
  return spawned;
}

function planEmit(plan: StepPlan, base: ActorRecord, event: { type: string; [key: string]: unknown }, context: PlanContext): void {
  switch (event.type) {
    case 'holdfast.send':
      return planMessage(plan, base, event, context);
    case 'holdfast.sendMany':
      for (const request of event.messages as Record<string, unknown>[]) planMessage(plan, base, request, context);
      return;
    case 'holdfast.spawnMany':
      for (const request of event.spawns as Omit<SpawnRequest, 'type'>[]) {
        const id = `${base.id}/${request.key}` as ActorId;
        if (plan.spawnedIds?.has(id) || context.exists(id)) continue; // spawning is idempotent by key
        const identity = { id, parent: base.id, root: base.root, ...(request.tags ? { tags: request.tags } : {}) };
        planSpawn(plan, context.definitionOf(request.machine), identity, request.input, context);
      }
      return;
    case 'holdfast.record':
      plan.mutations.push(recordMutation(event));
      return;
    case 'holdfast.recordMany':
      for (const request of event.records as Record<string, unknown>[]) plan.mutations.push(recordMutation(request));
      return;
    default:
      plan.emitted.push({ actor: base.id, event });
  }
}

function recordMutation(request: Record<string, unknown>): Mutation {
  const collection = String(request.collection);
  const key = request.key as string;
  return request.value === null ? { op: 'deleteRecord', collection, key } : { op: 'putRecord', collection, key, value: request.value };
}

function planMessage(plan: StepPlan, base: ActorRecord, request: Record<string, unknown>, context: PlanContext): void {
  if (request.toParent === true && request.optional === true && base.parent === undefined) return;
  const message: InboxMessage = { to: addressOf(base, request), seq: context.nextMessageSeq(), event: request.event as InboxMessage['event'], from: base.id };
  plan.messages.push(message);
  plan.mutations.push({ op: 'putInbox', message });
}

function addressOf(base: ActorRecord, request: Record<string, unknown>): ActorId {
  if (typeof request.to === 'string') return request.to as ActorId;
  if (typeof request.toChild === 'string') return `${base.id}/${request.toChild}` as ActorId;
  if (request.toParent === true) {
    if (base.parent === undefined) throw new HoldfastError('MACHINE_ERROR', `actor ${base.id} has no parent to send to`);
    return base.parent;
  }
  throw new HoldfastError('MACHINE_ERROR', `actor ${base.id} sent a message with no address`);
}

function deleteTimer(actor: ActorId, id: string, due: number): Mutation {
  return { op: 'deleteTimer', due, actor, id };
}

function statusOf(snapshot: AnyMachineSnapshot): ActorStatus {
  return snapshot.status === 'done' || snapshot.status === 'error' || snapshot.status === 'stopped' ? snapshot.status : 'active';
}

function machineError(error: unknown) {
  const message = error instanceof Error ? error.message : typeof error === 'object' && error && 'message' in error ? String((error as { message: unknown }).message) : String(error);
  return { code: 'MACHINE_ERROR' as const, message };
}
