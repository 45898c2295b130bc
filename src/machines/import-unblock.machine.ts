/**
 * Blocks what waited for a parked pending object (issue 16: a parked actor
 * never blocks its job). A parked object's record may be unreadable, and with
 * it the list of its dependants, so its batch spawns one of these: it finds
 * the object's dependants in the import's plan, made again from the import
 * file (`findDependants`), and tells them `parent.failed` / `end.failed` as the
 * object would have on failing. They settle blocked; the batch counts them.
 *   finding -> told | failed (the plan cannot be made again: the import file changed or vanished)
 */
import { assign, setup } from 'xstate';
import { sendMessages, type Address } from './messaging.js';
import { unprovided } from './unprovided.js';
import { linkKey, objectKey, type BlockOrigin, type EndFailed, type ErrorJson, type ParentFailed, type PendingObjectPlan } from './import.types.js';

export const IMPORT_UNBLOCK_MACHINE = 'importUnblock';
export const IMPORT_UNBLOCK_VERSION = '1';

export interface ImportUnblockInput {
  batch: string;
  /** The parked object's key under the batch (`o<index>`). */
  key: string;
  file: string;
  linkTags?: string | undefined;
  /** Why the object is parked. */
  error: ErrorJson;
}

/** What the plan says of the parked object: who waits for it. */
export type Dependants = Pick<PendingObjectPlan, 'index' | 'id' | 'line' | 'children' | 'linksAsChild' | 'linksAsParent'>;

export interface ImportUnblockContext extends ImportUnblockInput {
  told?: number;
  failure?: ErrorJson;
}

export const importUnblockMachine = setup({
  types: { input: {} as ImportUnblockInput, context: {} as ImportUnblockContext },
  actors: { findDependants: unprovided<Dependants, { file: string; linkTags?: string | undefined; key: string }>('findDependants') },
}).createMachine({
  id: IMPORT_UNBLOCK_MACHINE,
  context: ({ input }) => ({ ...input }),
  initial: 'finding',
  states: {
    finding: {
      invoke: {
        id: 'find',
        src: 'findDependants',
        input: ({ context }) => ({ file: context.file, linkTags: context.linkTags, key: context.key }),
        onDone: {
          target: 'told',
          actions: [
            sendMessages(({ context, event }) => {
              const found = event.output;
              const origin: BlockOrigin = { id: found.id, line: found.line, reason: `[${context.error.code}] ${context.error.message} (its actor is parked)` };
              const messages: (Address & { event: ParentFailed | EndFailed })[] = [];
              for (const [child] of found.children) messages.push({ to: `${context.batch}/${objectKey(child)}`, event: { type: 'parent.failed', origin } });
              for (let j = 0; j < found.linksAsChild; j++) messages.push({ to: `${context.batch}/${linkKey(found.index, j)}`, event: { type: 'end.failed', end: 'child', origin } });
              for (const key of found.linksAsParent) messages.push({ to: `${context.batch}/${key}`, event: { type: 'end.failed', end: 'parent', origin } });
              return messages;
            }),
            assign({ told: ({ event }) => event.output.children.length + event.output.linksAsChild + event.output.linksAsParent.length }),
          ],
        },
        onError: {
          target: 'failed',
          actions: assign({
            failure: ({ event }) => {
              const { code = 'EFFECT_FAILED', message = String(event.error) } = (event.error ?? {}) as Partial<ErrorJson>;
              return { code, message };
            },
          }),
        },
      },
    },
    told: { type: 'final' },
    failed: { type: 'final' },
  },
});
