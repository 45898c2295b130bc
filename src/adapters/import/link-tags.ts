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
  for (const [tag, pairs] of Object.entries(json)) {
    const line = lineOfKey(text, tag);
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

function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(JSON.stringify(key));
  if (at < 0) return 1;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
