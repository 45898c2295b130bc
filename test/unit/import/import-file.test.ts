import { describe, expect, it } from 'vitest';
import { elementLines, parseImportText } from '../../../src/adapters/import/import-file.js';
import { parseLinkTags, allows } from '../../../src/adapters/import/link-tags.js';

describe('reading an import file', () => {
  it('reads JSON Lines with the line of each record, skipping blank lines and reporting malformed ones', () => {
    const text = ['{"kind":"object","id":"a","type":"t"}', '', '  {"id":"b","type":"t"}', '{not json', '{"child":"b","parent":"a","linkTag":"x","linkType":"dependent"}', '[1]'].join('\n');
    const { records, problems } = parseImportText(text);
    expect(records.map((r) => [r.line, r.kind])).toEqual([[1, 'object'], [3, 'object'], [5, 'link']]);
    expect(problems).toEqual([
      { line: 4, message: expect.stringMatching(/^not JSON/) },
      { line: 6, message: 'a record must be a JSON object' },
    ]);
  });

  it('reads a JSON array with the line each element starts on', () => {
    const text = '[\n  {"id": "a", "type": "t",\n   "data": {"n": [1, 2, "]"]}},\n  {"id": "b", "type": "t"}\n]';
    const { records, problems } = parseImportText(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.value.id])).toEqual([[2, 'a'], [4, 'b']]);
  });

  it('reads an { objects, links } document, taking the kind from the list and the line from the element', () => {
    const text = JSON.stringify({ objects: [{ id: 'a', type: 't' }, { id: 'b', type: 't', data: { links: [{ id: 'x' }] } }], links: [{ child: 'b', parent: 'a', linkTag: 'x', linkType: 'dependent' }] }, null, 2);
    const { records, problems } = parseImportText(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.kind, r.line])).toEqual([['object', 3], ['object', 7], ['link', 20]]);
    expect(text.split('\n')[19]).toContain('{');
  });

  it('refuses a record whose kind contradicts its list, and unknown top-level fields', () => {
    const text = '{"objects": [{"kind": "link", "child": "a"}], "extra": 1}';
    const { problems } = parseImportText(text);
    expect(problems.map((p) => p.message)).toEqual(['unknown top-level field "extra": expected "objects" and "links"', 'a record of kind "link" in the objects list']);
  });

  it('names the line of a JSON syntax error', () => {
    const { problems } = parseImportText('[\n {"id": "a"},\n {"id": "b",}\n]');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^not JSON/);
    expect(problems[0]!.line).toBe(3);
  });

  it('finds element lines past strings holding brackets, escapes and commas', () => {
    const lines = elementLines('[\n"a\\"]",\n{"k": "}, ["},\n3\n]');
    expect(lines.get('')).toEqual([2, 3, 4]);
  });
});

describe('reading a link-tags file', () => {
  it('allows only the child and parent types listed under a tag', () => {
    const { tags, problems } = parseLinkTags(JSON.stringify({ writtenBy: [{ child: 'book', parent: 'author' }] }));
    expect(problems.sorted()).toEqual([]);
    expect(allows(tags, 'writtenBy', 'book', 'author')).toBe(true);
    expect(allows(tags, 'writtenBy', 'author', 'book')).toBe(false);
    expect(allows(tags, 'other', 'book', 'author')).toBe(false);
  });

  it('reports malformed tags with their line', () => {
    const { problems } = parseLinkTags('{\n"a": [{"child": "x"}],\n"b": "no"\n}');
    expect(problems.sorted()).toEqual([
      { line: 2, message: 'link tags: tag "a": {"child":"x"} is not { "child": TYPE, "parent": TYPE }' },
      { line: 3, message: 'link tags: tag "b" must be a list of { "child": TYPE, "parent": TYPE }' },
    ]);
    expect(parseLinkTags('[]').problems.sorted()[0]!.message).toMatch(/expected an object of tags/);
    expect(parseLinkTags('{').problems.sorted()[0]!.message).toMatch(/not JSON/);
  });

  it('names the lines of integer-like tags, which JSON lists first, and of tags after them', () => {
    const { problems } = parseLinkTags('{\n"x": 1,\n"7": 2,\n"y": 3\n}');
    expect(problems.sorted().map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it('finds the lines of 100,000 tags in one pass over the file', () => {
    // One search from the start per tag was quadratic: about 10^10 character reads here.
    const text = `{\n${Array.from({ length: 100_000 }, (_, i) => `"t${i}": "no"`).join(',\n')}\n}`;
    const { problems } = parseLinkTags(text);
    const listed = problems.sorted();
    expect(problems.count).toBe(100_000);
    expect(listed[0]!.line).toBe(2);
    expect(listed.at(-1)!.line).toBe(listed.length + 1);
  });
});
