/**
 * Reads an import file from disk into a sink of records. JSON Lines are
 * streamed a line at a time: issue 6's 300,000 records were one 30 MB string,
 * its 300,000 lines and as many parsed records, all alive at once. A JSON
 * document is read whole, as it must be parsed whole. The form is told by the
 * file's first significant character, as readImportText tells it:
 *   `[`                                   a document
 *   `{`, the first line JSON on its own   JSON Lines (a one-line document when nothing follows it)
 *   `{`, the first line not               a document over several lines when the whole parses as one, else JSON Lines
 *   anything else                         JSON Lines
 */
import { constants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { HoldfastError, NonRetryableError } from '../../errors.js';
import { decodeUtf8 } from '../../strict-text.js';
import { addRecord, isDocument, readDocument, readLine, tryParse, type RecordSink } from './import-file.js';
import { MAX_LINE_BYTES, readLines } from './import-lines.js';
import { ProblemList } from './problem-list.js';

export interface ReadOptions {
  /** The longest line of JSON Lines read; a longer one is a problem of its line. @default 16 MB */
  maxLineBytes?: number;
}

/**
 * Reads the import file at `path` into `sink`, and the lines that could not be
 * read as records into `problems` (bounded: a file of broken lines is counted, not kept).
 * @returns `problems`
 * @throws NonRetryableError SOURCE_MISSING or SOURCE_UNREADABLE when the file cannot be read
 */
export async function readImportFile(path: string, sink: RecordSink, options: ReadOptions = {}, problems = new ProblemList()): Promise<ProblemList> {
  const what = 'the import file';
  const first = await io(firstSignificantCharacter(path), path, what);
  if (first === '[') {
    readDocument(withoutBom(await readText(path, what)), sink, problems);
    return problems;
  }
  if (first === '{') {
    if (await io(readJsonLines(path, sink, problems, options, true), path, what)) return problems;
    // Its first line is not JSON on its own: a document over several lines, or a broken first record.
    if ((await io(stat(path), path, what)).size <= constants.MAX_STRING_LENGTH) {
      const text = withoutBom(await readText(path, what));
      const whole = tryParse(text);
      if (whole.ok && isDocument(whole.value)) {
        readDocument(text, sink, problems, whole.value);
        return problems;
      }
    }
  }
  await io(readJsonLines(path, sink, problems, options, false), path, what);
  return problems;
}

/**
 * Streams JSON Lines into the sink. With `firstMayBeDocument`, a first line
 * that is not JSON on its own stops the reading before any record or problem
 * was passed on (false is returned), and a first line that is a document is
 * one when no other line follows.
 */
async function readJsonLines(path: string, sink: RecordSink, problems: ProblemList, options: ReadOptions, firstMayBeDocument: boolean): Promise<boolean> {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  let undecided = firstMayBeDocument;
  let held: { line: number; text: string; value: unknown } | undefined;
  const release = () => {
    if (held) addRecord(sink, problems, held.line, held.value, undefined);
    held = undefined;
  };
  const read = await readLines(
    path,
    {
      line(raw, line) {
        const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        if (!undecided && !held) return readLine(text, line, sink, problems);
        const source = text.trim();
        if (source === '') return;
        if (held) {
          release();
          return readLine(source, line, sink, problems);
        }
        undecided = false;
        const parsed = tryParse(source);
        if (!parsed.ok) return 'stop';
        if (isDocument(parsed.value)) held = { line, text: source, value: parsed.value };
        else addRecord(sink, problems, line, parsed.value, undefined);
      },
      tooLong(line) {
        if (undecided) return 'stop'; // a document on one long line, perhaps
        release();
        problems.push({ line, message: `longer than ${size(max)}: not read (a record must fit on one line of at most ${size(max)})` });
      },
      notText(line) {
        if (undecided) return 'stop'; // the whole file is then decoded, and refused with its place
        release();
        problems.push({ line, message: 'not valid UTF-8 text: not read (never decoded with replacement characters)' });
      },
    },
    { maxLineBytes: max },
  );
  if (!read) return false;
  if (held) readDocument(held.text, sink, problems, held.value, held.line);
  return true;
}

/** The first character that is not white space (as `trim` counts it, a BOM included), or '' for none. */
async function firstSignificantCharacter(path: string): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const found = /\S/.exec(chunk);
      if (found) return found[0];
    }
    return '';
  } finally {
    stream.destroy();
  }
}

/**
 * Reads a whole file given to an import (the link-tags file, a JSON document) as strict UTF-8.
 * @throws NonRetryableError SOURCE_MISSING, SOURCE_UNREADABLE, or INVALID_INPUT for bytes that are not UTF-8
 */
export async function readText(path: string, what: string): Promise<string> {
  const bytes = await io(readFile(path), path, what);
  try {
    return decodeUtf8(bytes, `${what} ${path}`);
  } catch (cause) {
    // The same bytes fail the same way on every retry.
    throw new NonRetryableError((cause as Error).message, { code: 'INVALID_INPUT', cause });
  }
}

/** Turns a failure to read into the import's error: the file is missing, or cannot be read. */
async function io<T>(reading: Promise<T>, path: string, what: string): Promise<T> {
  try {
    return await reading;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // Only the file system's errors (and ERR_STRING_TOO_LONG); a bug's TypeError is not the file's fault.
    if (typeof code !== 'string' || cause instanceof HoldfastError) throw cause;
    throw new NonRetryableError(`${what} ${path} cannot be read: ${(cause as Error).message}`, { code: code === 'ENOENT' ? 'SOURCE_MISSING' : 'SOURCE_UNREADABLE', cause });
  }
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function size(bytes: number): string {
  return bytes % 1048576 === 0 ? `${bytes / 1048576} MB` : `${bytes} bytes`;
}
