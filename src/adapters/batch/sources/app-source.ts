/**
 * `app:NAME`: the iterable a host module registers under `sources[NAME]`.
 * Elements that are `{ id, value }` keep their id (checked unique); any other
 * element is a value whose id is its 1-based position.
 */
import { HoldfastError } from '../../../errors.js';
import { MAX_ID_LENGTH, uniqueIds, withoutLines, type HostSource, type PlacedItem, type SourceItem } from './item-source.js';

export function appItems(name: string, sources: Readonly<Record<string, HostSource>> | undefined): AsyncIterable<SourceItem> {
  const source = sources && Object.hasOwn(sources, name) ? sources[name] : undefined;
  if (typeof source !== 'function') {
    const known = Object.keys(sources ?? {});
    throw new HoldfastError('INVALID_INPUT', `no source "${name}" in the host module (${known.length === 0 ? 'it registers no sources' : `it has: ${known.join(', ')}`})`, {
      details: { source: name, known },
    });
  }
  return withoutLines(uniqueIds(elements(name, source), (position) => `app:${name} item ${position}`));
}

async function* elements(name: string, source: HostSource): AsyncGenerator<PlacedItem> {
  let position = 0;
  let iterable: AsyncIterable<unknown> | Iterable<unknown>;
  try {
    iterable = source();
  } catch (error) {
    throw failed(name, position, error);
  }
  try {
    for await (const element of iterable) {
      position += 1;
      const where = `item ${position}`;
      if (isIdentified(element)) {
        const id = String(element.id);
        if (id === '' || id.length > MAX_ID_LENGTH) throw new HoldfastError('INVALID_INPUT', `app:${name} ${where}: an id must have 1 to ${MAX_ID_LENGTH} characters`);
        yield { id, value: element.value, line: position };
      } else {
        yield { id: String(position), value: element, line: position };
      }
    }
  } catch (error) {
    throw failed(name, position, error);
  }
}

function isIdentified(element: unknown): element is { id: string | number; value: unknown } {
  if (typeof element !== 'object' || element === null || !('id' in element) || !('value' in element)) return false;
  const id = (element as { id: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

function failed(name: string, position: number, error: unknown): HoldfastError {
  if (error instanceof HoldfastError) return error;
  return new HoldfastError('SOURCE_UNREADABLE', `app:${name} failed after ${position} item(s): ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
