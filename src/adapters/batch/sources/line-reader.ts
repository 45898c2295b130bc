/**
 * Reads a file line by line as UTF-8 text, streamed, with a cap on the line
 * length: a 100 MB single line is refused at 16 MB with its line number
 * instead of being buffered whole.
 */
import { createReadStream } from 'node:fs';
import { HoldfastError } from '../../../errors.js';
import { MAX_LINE_BYTES } from './item-source.js';

export interface Line {
  /** 1-based line number. */
  number: number;
  text: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Every line of `path` (a final line without a newline included; `\r\n` accepted). */
export async function* readLines(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let number = 0;
  const line = (bytes: Buffer): Line => {
    number += 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      return { number, text: decoder.decode(bytes.subarray(0, end)) };
    } catch {
      throw new HoldfastError('INVALID_INPUT', `${path} line ${number}: not valid UTF-8 text (a binary file?)`, { details: { path, line: number } });
    }
  };
  const tooLong = () =>
    new HoldfastError('INVALID_INPUT', `${path} line ${number + 1}: longer than ${maxLineBytes} bytes, the most a line may hold`, { details: { path, line: number + 1 } });
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      if (pendingBytes + newline - start > maxLineBytes) throw tooLong();
      const piece = chunk.subarray(start, newline);
      yield line(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong();
      pending.push(chunk.subarray(start));
    }
  }
  if (pendingBytes > 0) yield line(Buffer.concat(pending));
}
