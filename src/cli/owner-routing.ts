/**
 * A writing command takes the store itself when nobody owns it, and otherwise
 * sends its command to the owner over the store's socket (DESIGN.md).
 */
import { resolve } from 'node:path';
import { readLiveOwner } from '../persistence/store-lock.js';

/** The pid of another live process owning the store, if any. */
export function otherOwner(store: string): number | undefined {
  const owner = readLiveOwner(resolve(store));
  return owner && owner.pid !== process.pid ? owner.pid : undefined;
}
