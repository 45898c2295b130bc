/**
 * Storage identifiers in Dataverse's own form, so that files placed by holdfast
 * are indistinguishable from files Dataverse uploaded itself.
 *
 * Dataverse (FileUtil.generateStorageIdentifier) writes the current time in
 * milliseconds as lower-case hex, a dash, and the last 12 hex digits of a
 * random UUID: `18f3a5c2b11-1a2b3c4d5e6f`. The time prefix keeps a dataset's
 * files roughly in creation order in a listing; the random part makes
 * collisions between two files of one millisecond negligible (48 bits).
 */
import { randomBytes } from 'node:crypto';

import { HoldfastError } from '../../errors.js';

/** A storage identifier, branded so a file name cannot be passed for one. */
export type StorageIdentifier = string & { readonly __brand: 'StorageIdentifier' };

// Up to 14 hex digits of milliseconds (any safe integer): 11 today, from
// 2004 until 2527.
const STORAGE_IDENTIFIER = /^[0-9a-f]{1,14}-[0-9a-f]{12}$/;
const RANDOM_HEX_12 = /^[0-9a-f]{12}$/;

/**
 * Builds a storage identifier from a time and 12 random hex digits. Pure: the
 * caller injects both, so tests and replays are deterministic.
 *
 * @param nowMs milliseconds since the epoch, a non-negative safe integer.
 * @param randomHex12 exactly 12 hex digits; upper case is lowered, as Dataverse
 *   only ever writes lower case.
 * @throws HoldfastError `INVALID_INPUT` when either argument is malformed.
 * @example newStorageIdentifier(0x18f3a5c2b11, '1a2b3c4d5e6f') // '18f3a5c2b11-1a2b3c4d5e6f'
 */
export function newStorageIdentifier(nowMs: number, randomHex12: string): StorageIdentifier {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
    throw new HoldfastError('INVALID_INPUT', `storage identifier time must be a non-negative integer, got ${nowMs}`, {
      details: { nowMs: String(nowMs) },
    });
  }
  const random = randomHex12.toLowerCase();
  if (!RANDOM_HEX_12.test(random)) {
    throw new HoldfastError(
      'INVALID_INPUT',
      `storage identifier random part must be 12 hex digits, got ${JSON.stringify(randomHex12)}`,
      { details: { randomHex12 } },
    );
  }
  return `${nowMs.toString(16)}-${random}` as StorageIdentifier;
}

/**
 * A fresh storage identifier from the clock and 6 bytes of `crypto.randomBytes`.
 * For effects only: machines receive identifiers, they never make them.
 *
 * @param now milliseconds since the epoch. @default Date.now()
 */
export function randomStorageIdentifier(now: number = Date.now()): StorageIdentifier {
  return newStorageIdentifier(now, randomBytes(6).toString('hex'));
}

/**
 * True for a string in Dataverse's storage identifier form (without any
 * `file://` prefix), lower-case hex only.
 */
export function isStorageIdentifier(value: string): value is StorageIdentifier {
  return STORAGE_IDENTIFIER.test(value);
}
