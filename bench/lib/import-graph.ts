/**
 * The import graph of issue 6's benchmark, written to a JSON Lines file in
 * slices (so building it does not swell the process that measures): OBJECTS/4
 * authors created at once; the other objects books, each a dependent child of
 * one author; one `cites` link per book to the next book and `mentions` links
 * from books to authors, both independent, for 2 links per object in all.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeImportGraph(folder: string, objects: number): { file: string; linkTags: string } {
  const file = join(folder, 'import.jsonl');
  const linkTags = join(folder, 'link-tags.json');
  const authors = objects / 4;
  const books = objects - authors;
  writeFileSync(file, '');
  const lines: string[] = [];
  const flush = () => {
    appendFileSync(file, `${lines.join('\n')}\n`);
    lines.length = 0;
  };
  const add = (record: object) => {
    lines.push(JSON.stringify(record));
    if (lines.length === 10_000) flush();
  };
  for (let i = 0; i < authors; i++) add({ kind: 'object', id: `a${i}`, type: 'author', data: { name: `Author ${i}` } });
  for (let i = 0; i < books; i++) add({ kind: 'object', id: `b${i}`, type: 'book', data: { title: `Book ${i}`, year: 1900 + (i % 120) } });
  for (let i = 0; i < books; i++) add({ kind: 'link', child: `b${i}`, parent: `a${i % authors}`, linkTag: 'writtenBy', linkType: 'dependent' });
  for (let i = 0; i < books; i++) add({ kind: 'link', child: `b${i}`, parent: `b${(i + 1) % books}`, linkTag: 'cites', linkType: 'independent' });
  for (let i = 0; i < objects * 2 - books * 2; i++) add({ kind: 'link', child: `b${i}`, parent: `a${(i * 13 + 5) % authors}`, linkTag: 'mentions', linkType: 'independent' });
  flush();
  const tags = { writtenBy: [{ child: 'book', parent: 'author' }], cites: [{ child: 'book', parent: 'book' }], mentions: [{ child: 'book', parent: 'author' }] };
  writeFileSync(linkTags, JSON.stringify(tags));
  return { file, linkTags };
}

/** Anonymous (heap, native allocations) and file-backed (mapped store) resident memory of a process, in MB; 0 where there is no /proc. */
export function residentMb(pid: number | 'self' = 'self'): { anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    return { anon: mb('RssAnon'), file: mb('RssFile') };
  } catch {
    return { anon: 0, file: 0 };
  }
}
