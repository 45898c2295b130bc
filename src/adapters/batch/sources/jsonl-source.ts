/**
 * `jsonl:PATH[#FIELD]`: one item per non-blank line, the parsed JSON its value;
 * the id is FIELD's value, or else the 1-based line number. Streamed.
 */
import { HoldfastError } from '../../../errors.js';
import { idFromField, uniqueIds, withoutLines, type PlacedItem, type SourceItem } from './item-source.js';
import { readLines } from './line-reader.js';
import { sourceError } from './source-file.js';

export function jsonlItems(path: string, field?: string): AsyncGenerator<SourceItem> {
  const items = parsedLines(path, field);
  return withoutLines(field === undefined ? items : uniqueIds(items, (line) => `${path} line ${line}`, () => parsedLines(path, field)));
}

async function* parsedLines(path: string, field: string | undefined): AsyncGenerator<PlacedItem> {
  try {
    for await (const line of readLines(path)) {
      if (line.text.trim() === '') continue;
      const where = `${path} line ${line.number}`;
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (error) {
        throw new HoldfastError('INVALID_INPUT', `${where}: malformed JSON (${(error as Error).message})`, { details: { path, line: line.number } });
      }
      yield { id: field === undefined ? String(line.number) : idFromField(value, field, where), value, line: line.number };
    }
  } catch (error) {
    throw sourceError(error, path);
  }
}
