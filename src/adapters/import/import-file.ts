/**
 * Reading the text of an import file, JSON or JSON Lines, into a sink of
 * records that keep the line they start on, so every problem found later
 * names its line. import-reader.ts streams JSON Lines from disk with these.
 *   JSON Lines: one record per line, `{ "kind": "object", ... }` or `{ "kind": "link", ... }`
 *   JSON:       an array of such records, or `{ "objects": [...], "links": [...] }`
 * `kind` may be left out: a record with a `linkTag` is a link, any other an object.
 */
import type { ImportProblem } from '../../machines/import.types.js';
import { ProblemList, type ProblemSink } from './problem-list.js';

/** One record of the file, with the line it starts on. */
export interface SourceRecord {
  line: number;
  kind: 'object' | 'link';
  value: Record<string, unknown>;
}

/** Where records go as they are read: validated at once, not kept as read (import-plan.ts). */
export interface RecordSink {
  record(line: number, kind: 'object' | 'link', value: Record<string, unknown>): void;
}

/** The records of a file, and the lines that could not be read as one (the first MAX_LISTED_PROBLEMS, by line). */
export interface ParsedImport {
  records: SourceRecord[];
  problems: ImportProblem[];
}

/** Parses the text of an import file into a list; malformed records become problems (tests and small texts). */
export function parseImportText(text: string): ParsedImport {
  const records: SourceRecord[] = [];
  const problems = readImportText(text, { record: (line, kind, value) => records.push({ line, kind, value }) });
  return { records: records.sort((a, b) => a.line - b.line), problems: problems.sorted() };
}

/** Reads the whole text of an import file into `sink`; returns what could not be read as a record. */
export function readImportText(text: string, sink: RecordSink): ProblemList {
  const problems = new ProblemList();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.trimStart()[0];
  const whole = start === '{' ? tryParse(body) : undefined;
  if (start === '[' || (whole?.ok && isDocument(whole.value))) {
    readDocument(body, sink, problems, whole?.ok ? whole.value : undefined);
    return problems;
  }
  let line = 0;
  for (let from = 0; from <= body.length; line++) {
    const end = body.indexOf('\n', from);
    const source = body.slice(from, end < 0 ? body.length : end);
    from = end < 0 ? body.length + 1 : end + 1;
    readLine(source, line + 1, sink, problems);
  }
  return problems;
}

/** Reads one line of JSON Lines: blank, one record, or a problem. */
export function readLine(text: string, line: number, sink: RecordSink, problems: ProblemSink): void {
  const source = text.trim();
  if (source === '') return;
  const parsed = tryParse(source);
  if (!parsed.ok) problems.push({ line, message: `not JSON: ${parsed.message}` });
  else addRecord(sink, problems, line, parsed.value, undefined);
}

/**
 * Reads a JSON document: an array of records, or `{ objects, links }`. Records
 * go to the sink in the document's order, lines counted from `firstLine`; what
 * is not a record goes to `problems`.
 */
export function readDocument(text: string, sink: RecordSink, problems: ProblemSink, parsedAlready?: unknown, firstLine = 1): void {
  const parsed = parsedAlready === undefined ? tryParse(text) : { ok: true as const, value: parsedAlready };
  const offset = firstLine - 1;
  if (!parsed.ok) return problems.push({ line: offset + lineOfPosition(text, parsed.position), message: `not JSON: ${parsed.message}` });
  const lines = elementLines(text);
  if (Array.isArray(parsed.value)) {
    parsed.value.forEach((value, i) => addRecord(sink, problems, offset + (lines.get('')?.[i] ?? 1), value, undefined));
    return;
  }
  const document = parsed.value as Record<string, unknown>;
  for (const key of Object.keys(document)) {
    if (key !== 'objects' && key !== 'links') problems.push({ line: firstLine, message: `unknown top-level field "${key}": expected "objects" and "links"` });
  }
  for (const kind of ['objects', 'links'] as const) {
    const list = document[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ line: firstLine, message: `"${kind}" must be an array` });
      continue;
    }
    list.forEach((value, i) => addRecord(sink, problems, offset + (lines.get(kind)?.[i] ?? 1), value, kind === 'objects' ? 'object' : 'link'));
  }
}

/** Passes a parsed value to the sink as a record of `container`'s kind (or its own), or makes it a problem. */
export function addRecord(sink: RecordSink, problems: ProblemSink, line: number, value: unknown, container: 'object' | 'link' | undefined): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ line, message: 'a record must be a JSON object' });
    return;
  }
  const record = value as Record<string, unknown>;
  const kind = record.kind ?? container ?? ('linkTag' in record ? 'link' : 'object');
  if (kind !== 'object' && kind !== 'link') {
    problems.push({ line, message: `kind must be "object" or "link", got ${JSON.stringify(kind)}` });
    return;
  }
  if (container !== undefined && kind !== container) {
    problems.push({ line, message: `a record of kind "${kind}" in the ${container}s list` });
    return;
  }
  sink.record(line, kind, record);
}

/** A top-level object that is an `{ objects, links }` document rather than one record. */
export function isDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && ('objects' in value || 'links' in value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string; position: number | undefined };

export function tryParse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    return { ok: false, message, position: position === undefined ? undefined : Number(position) };
  }
}

function lineOfPosition(text: string, position: number | undefined): number {
  if (position === undefined) return 1;
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line each element starts on, for the top-level array (key '') or the
 * arrays under the top-level keys (`objects`, `links`). Scans text that
 * JSON.parse accepted, so it can assume well-formed JSON.
 */
export function elementLines(text: string): Map<string, number[]> {
  const lines = new Map<string, number[]>();
  const stack: { array: boolean; key: string | undefined; expectKey: boolean; pendingKey: string | undefined }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === ':') continue;
    const top = stack[stack.length - 1];
    if (c === ',') {
      if (top && !top.array) top.expectKey = true;
      continue;
    }
    if (c === ']' || c === '}') {
      stack.pop();
      continue;
    }
    if (top?.array) {
      const name = stack.length === 1 ? '' : stack.length === 2 && !stack[0]!.array ? top.key : undefined;
      if (name !== undefined) {
        const list = lines.get(name);
        if (list) list.push(line);
        else lines.set(name, [line]);
      }
    }
    const keyOfChild = top && !top.array ? top.pendingKey : undefined;
    if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) if (text[j] === '\\') j++;
      if (top && !top.array && top.expectKey) {
        top.pendingKey = JSON.parse(text.slice(i, j + 1)) as string;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      stack.push({ array: c === '[', key: keyOfChild, expectKey: c === '{', pendingKey: undefined });
    } else {
      while (i + 1 < text.length && !',]} \t\r\n'.includes(text[i + 1]!)) i++;
    }
  }
  return lines;
}
