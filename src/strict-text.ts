/**
 * Strict UTF-8: text holdfast reads (import files, CSV sources, payloads, HTTP
 * bodies, link tags) is decoded with `fatal: true`, so invalid bytes are refused
 * with where they stand, never replaced by U+FFFD and passed on as data. Like
 * the errors module, every layer may import it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { HoldfastError } from './errors.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes `bytes` as UTF-8, or throws.
 * @param where names the input in the error, e.g. `the import file a.jsonl line 3`
 * @throws HoldfastError `INVALID_INPUT` naming `where` and the offset of the first bad byte
 */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return fatal.decode(bytes);
  } catch {
    throw notText(where, firstInvalidByte(bytes));
  }
}

/** True when `bytes` are valid UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * A pass-through stream that checks its bytes are UTF-8 as they flow (a
 * sequence split across chunks included) and fails with `INVALID_INPUT`
 * naming the line where the first bad byte stands.
 */
export function utf8Guard(where: string): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        const at = firstInvalidByte(chunk);
        return done(notText(`${where} line ${line + countNewlines(chunk, at ?? chunk.length)}`));
      }
      line += countNewlines(chunk, chunk.length);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      try {
        decoder.decode();
        done();
      } catch {
        done(notText(`${where} line ${line}`, undefined, 'ends inside a multi-byte character'));
      }
    },
  });
}

function notText(where: string, offset?: number, why = 'not valid UTF-8 text'): HoldfastError {
  const at = offset === undefined ? '' : ` (byte ${offset})`;
  return new HoldfastError('INVALID_INPUT', `${where}: ${why}${at}; refused, not decoded with replacement characters`, {
    details: { where, ...(offset === undefined ? {} : { offset }) },
  });
}

/** The offset of the first byte that starts no valid sequence, where the chunk shows one. */
function firstInvalidByte(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    if (i + length > bytes.length) return undefined; // cut at the chunk's end: the next chunk decides
    if (!isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return undefined;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) count++;
  return count;
}
