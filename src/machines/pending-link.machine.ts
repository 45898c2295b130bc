/**
 * One pending link of an import.
 *   awaiting --(its ends created)--> creating --> complete
 *      |  a dependent link completes with its child      \--> awaitingCallback (202) --> complete | error
 *      \--(an end failed or was blocked)--> blocked       \--> error
 * A dependent link waits for its child only (the child was created with this
 * link's parent among its parents), unless `separateDependentLinkCreate`: then,
 * like an independent link, it waits for both ends and is created on its own.
 */
import { and, assign, setup } from 'xstate';
import { calledBackCreated, callbackError, errorOf, onServiceCallback } from './import-callback.js';
import { sendMessage } from './messaging.js';
import { unprovided } from './unprovided.js';
import type { BlockOrigin, CreateLinkInput, EndCreated, EndFailed, ErrorJson, Identifiers, PendingLinkInput, ServiceAnswer, ServiceCallback } from './import.types.js';

/** Stored on every pending link; bump with an incompatible change of its states. */
export const PENDING_LINK_VERSION = '1';

/** A link's context: its plan, the identifiers of its ends as they arrive, and how it ended. */
export interface PendingLinkContext extends Omit<PendingLinkInput, 'awaiting'> {
  /** Ends still to hear from. */
  awaiting: number;
  child?: Identifiers;
  parent?: Identifiers;
  identifiers?: Identifiers;
  error?: ErrorJson;
  blockedBy?: BlockOrigin;
}

/** The `pendingLink` machine; `createLink` is provided at assembly. */
export const pendingLinkMachine = setup({
  types: {
    input: {} as PendingLinkInput,
    context: {} as PendingLinkContext,
    events: {} as EndCreated | EndFailed | ServiceCallback,
  },
  actors: { createLink: unprovided<ServiceAnswer, CreateLinkInput>('createLink') },
  guards: {
    endsCreated: ({ context }) => context.awaiting === 0,
    /** Another end is still to come after this one. */
    endsAwaited: ({ context }) => context.awaiting > 1,
    completesWithChild: ({ context }) => context.dependent && !context.separate,
    calledBackCreated,
  },
  actions: {
    keepEnd: assign(({ context, event }) => ({ awaiting: context.awaiting - 1, [(event as EndCreated).end]: (event as EndCreated).identifiers })),
    settle: sendMessage((_, params: { outcome: 'complete' | 'error' | 'blocked' }) => ({ toParent: true, event: { type: 'link.settled', outcome: params.outcome } })),
    keepCallbackIdentifiers: assign({ identifiers: ({ event }) => (event as { identifiers: Identifiers }).identifiers }),
    keepCallbackError: assign({ error: ({ event }) => callbackError(event) }),
    // Settled, a link keeps what it linked and how it ended; JSON drops fields set to undefined.
    forgetPlan: assign(() => ({ awaiting: undefined, separate: undefined, service: undefined }) as unknown as Partial<PendingLinkContext>),
  },
}).createMachine({
  id: 'pendingLink',
  context: ({ input }) => ({ ...input }),
  initial: 'awaiting',
  states: {
    awaiting: {
      always: [
        { guard: and(['endsCreated', 'completesWithChild']), target: 'complete' },
        { guard: 'endsCreated', target: 'creating' },
      ],
      on: {
        // The last end awaited moves on in the same microstep (the eventless transitions above stay for a
        // link spawned with nothing to await): one snapshot fewer per link than an assign and then `always`.
        'end.created': [
          { guard: 'endsAwaited', actions: 'keepEnd' },
          { guard: 'completesWithChild', target: 'complete', actions: 'keepEnd' },
          { target: 'creating', actions: 'keepEnd' },
        ],
        'end.failed': { target: 'blocked', actions: assign({ blockedBy: ({ event }) => event.origin }) },
      },
    },
    creating: {
      invoke: {
        id: 'create',
        src: 'createLink',
        input: ({ context, self }) => ({ key: self.id, service: context.service, linkTag: context.linkTag, child: context.child!, parent: context.parent! }),
        onDone: [
          { guard: ({ event }) => 'identifiers' in event.output, target: 'complete', actions: assign({ identifiers: ({ event }) => (event.output as { identifiers: Identifiers }).identifiers }) },
          { target: 'awaitingCallback' },
        ],
        onError: { target: 'error', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
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
