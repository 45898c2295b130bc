/**
 * `csv:PATH[#FIELD]`: a CSV file with a header row, one item per record, the
 * record as an object keyed by the header; the id is FIELD's value, or else
 * the record number (1 = the first record after the header). Streamed through
 * csv-parse; a record over 16 MB is refused, not buffered. Bytes that are not
 * UTF-8 are refused with their line (csv-parse would decode them leniently).
 */
import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { HoldfastError } from '../../../errors.js';
import { utf8Guard } from '../../../strict-text.js';
import { idFromField, MAX_LINE_BYTES, uniqueIds, withoutLines, type PlacedItem, type SourceItem } from './item-source.js';
import { sourceError } from './source-file.js';

export function csvItems(path: string, field?: string, maxRecordBytes = MAX_LINE_BYTES): AsyncGenerator<SourceItem> {
  const items = records(path, field, maxRecordBytes);
  return withoutLines(field === undefined ? items : uniqueIds(items, (line) => `${path} line ${line}`, () => records(path, field, maxRecordBytes)));
}

interface Parsed {
  record: Record<string, string>;
  info: { lines: number; records: number };
}

async function* records(path: string, field: string | undefined, maxRecordBytes: number): AsyncGenerator<PlacedItem> {
  const parser = parse({ columns: true, bom: true, skip_empty_lines: true, info: true, max_record_size: maxRecordBytes });
  const input = createReadStream(path);
  const guard = utf8Guard(path);
  input.on('error', (error) => parser.destroy(error));
  guard.on('error', (error) => parser.destroy(error));
  input.pipe(guard).pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<Parsed>) {
      const where = `${path} line ${info.lines}`;
      for (const value of Object.values(record)) {
        if (value.includes('\u0000')) throw new HoldfastError('INVALID_INPUT', `${where}: a field holds a NUL byte (a binary file?)`, { details: { path, line: info.lines } });
      }
      yield { id: field === undefined ? String(info.records) : idFromField(record, field, where), value: record, line: info.lines };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      const why = error.code === 'CSV_MAX_RECORD_SIZE' ? `a record is longer than ${maxRecordBytes} bytes, the most one may hold` : `malformed CSV (${error.message})`;
      throw new HoldfastError('INVALID_INPUT', `${path}${line === undefined ? '' : ` line ${line}`}: ${why}`, {
        details: { path, ...(line === undefined ? {} : { line }), csv: error.code },
      });
    }
    throw sourceError(error, path);
  } finally {
    input.destroy();
    guard.destroy();
  }
}
