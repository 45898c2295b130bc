/**
 * The link-tags file: which child type may link to which parent type under
 * each tag (docs/import-protocol.md).
 *   { "writtenBy": [{ "child": "book", "parent": "author" }], "partOf": [...] }
 */
import { ProblemList } from './problem-list.js';

/** Allowed (child type, parent type) pairs by tag. */
export type LinkTags = Map<string, Set<string>>;

const pair = (childType: string, parentType: string) => `${childType}\u0000${parentType}`;

/** True when `tag` lets a `childType` object link to a `parentType` one. */
export function allows(tags: LinkTags, tag: string, childType: string, parentType: string): boolean {
  return tags.get(tag)?.has(pair(childType, parentType)) ?? false;
}

/** Parses a link-tags file; its problems, added to `problems`, name the file and, where known, the line. */
export function parseLinkTags(text: string, problems = new ProblemList()): { tags: LinkTags; problems: ProblemList } {
  const tags: LinkTags = new Map();
  const problem = (message: string, line = 1) => problems.push({ line, message: `link tags: ${message}` });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problem(`not JSON: ${(error as Error).message}`);
    return { tags, problems };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problem('expected an object of tags, each a list of { "child": TYPE, "parent": TYPE }');
    return { tags, problems };
  }
  const lineOf = keyLines(text);
  for (const [tag, pairs] of Object.entries(json)) {
    const line = lineOf(tag);
    if (!Array.isArray(pairs)) {
      problem(`tag "${tag}" must be a list of { "child": TYPE, "parent": TYPE }`, line);
      continue;
    }
    const allowed = new Set<string>();
    for (const entry of pairs as unknown[]) {
      const { child, parent } = (entry ?? {}) as { child?: unknown; parent?: unknown };
      if (typeof child !== 'string' || typeof parent !== 'string' || child === '' || parent === '') {
        problem(`tag "${tag}": ${JSON.stringify(entry)} is not { "child": TYPE, "parent": TYPE }`, line);
        continue;
      }
      allowed.add(pair(child, parent));
    }
    tags.set(tag, allowed);
  }
  return { tags, problems };
}

/**
 * The line of each key, asked in the file's order: each search goes on from
 * the last key found, so a file of many tags costs one pass, not one per tag.
 * A key not found (written with escapes) is put on line 1.
 */
function keyLines(text: string): (key: string) => number {
  let from = 0;
  let line = 1;
  return (key) => {
    const quoted = JSON.stringify(key);
    let at = text.indexOf(quoted, from);
    if (at < 0) {
      // Out of order (JSON objects list integer-like keys first): count again from the start.
      at = text.indexOf(quoted);
      if (at < 0) return 1;
      from = 0;
      line = 1;
    }
    for (let i = from; i < at; i++) if (text.charCodeAt(i) === 10) line++;
    from = at;
    return line;
  };
}
