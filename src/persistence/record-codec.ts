/**
 * Every stored value carries a CRC-32 of its bytes, so a flipped byte is caught
 * on read instead of decoding into plausible nonsense (RELIABILITY.md, I7).
 * Layout: 4 bytes CRC-32 (big-endian) of the payload, then the payload as UTF-8 JSON.
 * JSON because XState snapshots must be JSON-serialisable anyway, and V8's
 * JSON is the fastest codec on this path.
 */
import { crc32 } from 'node:zlib';
import { HoldfastError } from '../errors.js';

/** Encode a JSON value with its checksum. Throws SNAPSHOT_NOT_SERIALISABLE for cycles or BigInt. */
export function encodeRecord(value: unknown): Buffer {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new HoldfastError('SNAPSHOT_NOT_SERIALISABLE', `value cannot be stored as JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (json === undefined) throw new HoldfastError('SNAPSHOT_NOT_SERIALISABLE', 'value cannot be stored as JSON: undefined');
  // One buffer, the checksum taken of the string (the same UTF-8 bytes): no view of
  // the payload is made, and a store step encodes two or three of these.
  const buffer = Buffer.allocUnsafe(4 + Buffer.byteLength(json));
  buffer.write(json, 4);
  buffer.writeUInt32BE(crc32(json), 0);
  return buffer;
}

/** Decode a value written by encodeRecord. Throws RECORD_CORRUPT when the checksum or JSON fails. */
export function decodeRecord<T>(bytes: Uint8Array, what: string): T {
  if (bytes.length < 4) throw new HoldfastError('RECORD_CORRUPT', `${what}: record too short (${bytes.length} bytes)`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = buffer.subarray(4);
  const expected = buffer.readUInt32BE(0);
  if (crc32(payload) !== expected) throw new HoldfastError('RECORD_CORRUPT', `${what}: checksum mismatch`);
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch (cause) {
    throw new HoldfastError('RECORD_CORRUPT', `${what}: payload is not JSON`, { cause });
  }
}

/** True when `bytes` carry a matching checksum: the cheap check of a scrub, without decoding. */
export function checksumMatches(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return crc32(buffer.subarray(4)) === buffer.readUInt32BE(0);
}
