/**
 * Reads a file line by line from a stream, so a JSON Lines import of any size
 * is never held whole: only the current line is in memory. Lines end at `\n`
 * (a `\r` before it is left for the caller's trim); the text after the last
 * `\n` is a line too. A line longer than the limit is skipped up to its end
 * and reported by number, so a file without newlines cannot exhaust memory.
 * A line that is not valid UTF-8 is reported by number too, never decoded with
 * replacement characters.
 */
import { createReadStream } from 'node:fs';
import { isUtf8 } from '../../strict-text.js';

/** The longest line read: a longer one is a problem of its line, not a record. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** What a visitor answers: `stop` ends the reading early (the file is closed). */
export type LineVerdict = void | 'stop';

export interface LineVisitor {
  /** A line's text (UTF-8, without its `\n`) and its 1-based number. */
  line(text: string, line: number): LineVerdict;
  /** A line longer than `maxLineBytes`, which was skipped. */
  tooLong(line: number): LineVerdict;
  /** A line whose bytes are not valid UTF-8, which was skipped. */
  notText(line: number): LineVerdict;
}

/**
 * Visits every line of the file at `path`, in order.
 * @returns false when a visitor stopped it early
 * @throws the stream's error (ENOENT, EISDIR...) as it comes
 */
export async function readLines(path: string, visitor: LineVisitor, options: { maxLineBytes?: number } = {}): Promise<boolean> {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let parts: Buffer[] = [];
  let partLength = 0;
  let overlong = false;
  let number = 0;
  const finishLine = (last: Buffer): LineVerdict => {
    number++;
    if (overlong || partLength + last.length > max) {
      overlong = false;
      parts = [];
      partLength = 0;
      return visitor.tooLong(number);
    }
    const bytes = parts.length === 0 ? last : Buffer.concat([...parts, last], partLength + last.length);
    parts = [];
    partLength = 0;
    return isUtf8(bytes) ? visitor.line(bytes.toString('utf8'), number) : visitor.notText(number);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(10, start); end >= 0; end = chunk.indexOf(10, start)) {
        if (finishLine(chunk.subarray(start, end)) === 'stop') return false;
        start = end + 1;
      }
      const rest = chunk.subarray(start);
      if (overlong || partLength + rest.length > max) {
        // Past the limit: drop what was gathered and skip to the line's end.
        overlong = true;
        parts = [];
        partLength = 0;
      } else if (rest.length > 0) {
        // Copied: a slice would keep the whole 1 MB chunk alive.
        parts.push(Buffer.from(rest));
        partLength += rest.length;
      }
    }
    // The text after the last `\n` is a line, empty or not, as `split('\n')` counts it.
    return finishLine(Buffer.alloc(0)) !== 'stop';
  } finally {
    stream.destroy();
  }
}
