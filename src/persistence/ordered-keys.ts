/**
 * Keys in LMDB's order, for the memory store. lmdb-js writes every key of the
 * LMDB store with ordered-binary and LMDB compares the bytes (memcmp, the
 * shorter first). The memory store writes the same bytes with the same
 * writer and keeps them as a latin1 string, one char per byte, so that
 * JavaScript's `<` on those strings is LMDB's order, quirks and all: numbers
 * before strings, strings by UTF-8 bytes (code points, not UTF-16 units), a
 * string of 64 chars or more written by Buffer#utf8Write (a lone surrogate
 * becomes U+FFFD), -0 after every positive number. A comparator written by
 * hand would have to follow each of these; sharing the writer follows them all.
 */
import { readKey, writeKey } from 'ordered-binary';
import { HoldfastError } from '../errors.js';

export type Key = (string | number)[];

/** LMDB's key limit as lmdb-js builds it (`env.getMaxKeySize()`): a longer key fails its write. */
export const MAX_KEY_SIZE = 1978;

/** lmdb-js writes keys into a Buffer too (Buffer#utf8Write for long strings); 4 bytes of slack for its null padding. */
const scratch = Buffer.alloc(8192);

/** The key's bytes as a latin1 string. @throws INVALID_INPUT for a key LMDB would refuse (too large, empty, not a key). */
export function encodeKey(key: Key): string {
  let end: number;
  try {
    end = writeKey(key, scratch, 0);
  } catch (cause) {
    const reason = cause instanceof RangeError ? `larger than the limit of ${MAX_KEY_SIZE} bytes` : (cause as Error).message;
    throw new HoldfastError('INVALID_INPUT', `key ${describe(key)} cannot be stored: ${reason}`, { cause });
  }
  // Short strings are written byte by byte without a bound check: past the buffer they are cut, so check here.
  if (end > MAX_KEY_SIZE) throw new HoldfastError('INVALID_INPUT', `key ${describe(key)} cannot be stored: ${end} bytes, larger than the limit of ${MAX_KEY_SIZE}`);
  if (end === 0) throw new HoldfastError('INVALID_INPUT', `key ${describe(key)} cannot be stored: it is empty`);
  return scratch.toString('latin1', 0, end);
}

/** The key as lmdb-js reads it back, always as an array (lmdb-js gives a one-part key as its part). */
export function decodeKey(encoded: string): Key {
  const bytes = Buffer.from(encoded, 'latin1');
  const value = readKey(bytes, 0, bytes.length) as string | number | Key;
  return Array.isArray(value) ? value : [value];
}

function describe(key: Key): string {
  const text = JSON.stringify(key) ?? String(key);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
