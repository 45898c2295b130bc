/**
 * One pending object of an import.
 *   awaiting --(every dependent parent created)--> creating --> complete
 *      |  an object that exists skips creating           \--> awaitingCallback (202) --> complete | error
 *      \--(a parent failed or was blocked)--> blocked     \--> error (refused, or unavailable after retries)
 * It counts `parent.created` messages (its awaiting count), keeping each
 * parent's identifiers in a record rather than its context, so a child of
 * 1,000 parents is not rewritten with a growing list on every message. Once
 * settled it tells its dependent children, its links and its batch.
 */
import { and, assign, setup } from 'xstate';
import { calledBackCreated, callbackError, errorOf, onServiceCallback } from './import-callback.js';
import { sendMessages, writeRecord, type Address } from './messaging.js';
import { unprovided } from './unprovided.js';
import {
  IMPORT_RECORDS,
  linkKey,
  objectKey,
  type BlockOrigin,
  type CreateObjectInput,
  type EndCreated,
  type EndFailed,
  type ErrorJson,
  type Identifiers,
  type ObjectSettled,
  type ParentCreated,
  type ParentFailed,
  type PendingObjectInput,
  type ServiceAnswer,
  type ServiceCallback,
} from './import.types.js';

/** Stored on every pending object; bump with an incompatible change of its states. */
export const PENDING_OBJECT_VERSION = '1';

/** An object's context: its plan (awaiting counts down), its identifiers once known, and how it ended. */
export interface PendingObjectContext extends PendingObjectInput {
  error?: ErrorJson;
  blockedBy?: BlockOrigin;
}

/** The `pendingObject` machine; `createObject` is provided at assembly. */
export const pendingObjectMachine = setup({
  types: {
    input: {} as PendingObjectInput,
    context: {} as PendingObjectContext,
    events: {} as ParentCreated | ParentFailed | ServiceCallback,
  },
  actors: { createObject: unprovided<ServiceAnswer, CreateObjectInput>('createObject') },
  guards: {
    parentsCreated: ({ context }) => context.awaiting === 0,
    /** Another parent is still to come after this one. */
    parentsAwaited: ({ context }) => context.awaiting > 1,
    exists: ({ context }) => context.identifiers !== undefined,
    calledBackCreated,
  },
  actions: {
    /** Every message a settled object sends: to dependent children, to its links (as child and as parent), to its batch. */
    settle: sendMessages(({ context }, params: { outcome: 'complete' | 'error' | 'blocked' }) => {
      const { batch, index } = context;
      const messages: (Address & { event: ParentCreated | ParentFailed | EndCreated | EndFailed | ObjectSettled })[] = [];
      if (params.outcome === 'complete') {
        const identifiers = context.identifiers!;
        for (const [child, linkTag] of context.children) messages.push({ to: `${batch}/${objectKey(child)}`, event: { type: 'parent.created', parent: index, linkTag, identifiers } });
        for (let j = 0; j < context.linksAsChild; j++) messages.push({ to: `${batch}/${linkKey(index, j)}`, event: { type: 'end.created', end: 'child', identifiers } });
        for (const key of context.linksAsParent) messages.push({ to: `${batch}/${key}`, event: { type: 'end.created', end: 'parent', identifiers } });
      } else {
        // A blocked object passes on the origin, not a growing chain of reasons (chains run 1,000 deep).
        const origin: BlockOrigin = context.blockedBy ?? { id: context.id, line: context.line, reason: `[${context.error!.code}] ${context.error!.message}` };
        for (const [child] of context.children) messages.push({ to: `${batch}/${objectKey(child)}`, event: { type: 'parent.failed', origin } });
        for (let j = 0; j < context.linksAsChild; j++) messages.push({ to: `${batch}/${linkKey(index, j)}`, event: { type: 'end.failed', end: 'child', origin } });
        for (const key of context.linksAsParent) messages.push({ to: `${batch}/${key}`, event: { type: 'end.failed', end: 'parent', origin } });
      }
      messages.push({ toParent: true, event: { type: 'object.settled', outcome: params.outcome, ready: context.ready } });
      return messages;
    }),
    countParent: assign({ awaiting: ({ context }) => context.awaiting - 1 }),
    /** A parent's identifiers, kept in a record (see the header). */
    keepParent: writeRecord(({ context, event }) => {
      const created = event as ParentCreated;
      return { collection: IMPORT_RECORDS.parents, key: [context.batch, context.index, created.parent, created.linkTag], value: { linkTag: created.linkTag, identifiers: created.identifiers } };
    }),
    keepCallbackIdentifiers: assign({ identifiers: ({ event }) => (event as { identifiers: Identifiers }).identifiers }),
    keepCallbackError: assign({ error: ({ event }) => callbackError(event as ServiceCallback) }),
    // Settled (and its messages sent), an object keeps who it is and how it ended, not the plan it ran by:
    // a third of 100,000 records. JSON drops fields set to undefined.
    forgetPlan: assign(() => ({ data: undefined, children: undefined, linksAsParent: undefined, linksAsChild: undefined, awaiting: undefined, ready: undefined, service: undefined }) as unknown as Partial<PendingObjectContext>),
  },
}).createMachine({
  id: 'pendingObject',
  context: ({ input }) => ({ ...input }),
  initial: 'awaiting',
  states: {
    awaiting: {
      always: [
        { guard: and(['parentsCreated', 'exists']), target: 'complete' },
        { guard: 'parentsCreated', target: 'creating' },
      ],
      on: {
        // The last parent awaited moves on in the same microstep (the eventless transitions above stay for an
        // object spawned with nothing to await): one snapshot fewer per object than an assign and then `always`.
        'parent.created': [
          { guard: 'parentsAwaited', actions: ['countParent', 'keepParent'] },
          { guard: 'exists', target: 'complete', actions: ['countParent', 'keepParent'] },
          { target: 'creating', actions: ['countParent', 'keepParent'] },
        ],
        'parent.failed': { target: 'blocked', actions: assign({ blockedBy: ({ event }) => event.origin }) },
      },
    },
    creating: {
      invoke: {
        id: 'create',
        src: 'createObject',
        input: ({ context, self }) => ({ key: self.id, batch: context.batch, index: context.index, service: context.service, type: context.type, data: context.data ?? null }),
        onDone: [
          { guard: ({ event }) => 'identifiers' in event.output, target: 'complete', actions: assign({ identifiers: ({ event }) => (event.output as { identifiers: Identifiers }).identifiers }) },
          { target: 'awaitingCallback' },
        ],
        onError: { target: 'error', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
      // A service may call back before its 202 answer is stored.
      on: onServiceCallback,
    },
    awaitingCallback: {
      on: onServiceCallback,
    },
    complete: { type: 'final', entry: [{ type: 'settle', params: { outcome: 'complete' } }, 'forgetPlan'] },
    error: { type: 'final', entry: [{ type: 'settle', params: { outcome: 'error' } }, 'forgetPlan'] },
    blocked: { type: 'final', entry: [{ type: 'settle', params: { outcome: 'blocked' } }, 'forgetPlan'] },
  },
});
