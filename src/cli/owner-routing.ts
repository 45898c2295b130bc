/**
 * A writing command takes the store itself when nobody owns it, and otherwise
 * sends its command to the owner over the store's socket (DESIGN.md).
 * Who owns the store is the kernel's lock (store-lock.ts): no file in the
 * folder, deleted or replaced, makes a live owner look absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OWNER_SOCKET } from '../adapters/owner-socket.js';
import { HoldfastError } from '../errors.js';
import { readLiveOwner } from '../create-runtime.js';

/** The pid of another live process owning the store, if any. */
export function livingOwner(store: string): number | undefined {
  const owner = readLiveOwner(resolve(store));
  return owner && owner.pid !== process.pid ? owner.pid : undefined;
}

/**
 * The pid of another live owner to hand a command to, if any.
 * @throws STORE_LOCKED when it lives but its socket file was deleted: the command can neither reach it nor take the store
 */
export function otherOwner(store: string): number | undefined {
  const pid = livingOwner(store);
  if (pid !== undefined && !existsSync(join(store, OWNER_SOCKET))) {
    throw new HoldfastError(
      'STORE_LOCKED',
      `store ${resolve(store)} is in use by pid ${pid}, whose ${OWNER_SOCKET} was deleted, so commands cannot be handed to it; restart that process (it makes a new one)`,
      { details: { path: resolve(store), ownerPid: pid } },
    );
  }
  return pid;
}
