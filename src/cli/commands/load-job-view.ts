/**
 * `holdfast job ID` for a data load, in words: its folder and dataset, its
 * counts, its problems, and its files by relative path with state, size,
 * MD5 and Dataverse file id, a page at a time (`--page N`, `--limit N`),
 * sorted by path. Reads the store read-only, beside a running owner. A load
 * whose finished files retention folded (child-fold.ts) lists those from its
 * `entries` and `registrations` records, and says they were folded.
 */
import type { ActorRecord } from '../../runtime/actor-types.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { DataLoadContext } from '../../machines/dataload.machine.js';
import type { DataFileContext } from '../../machines/datafile.machine.js';
import type { CopiedEntry, RegistrationResult } from '../../machines/dataload.types.js';
import { FOLDED, type FoldedChildren } from '../../runtime/child-fold.js';
import { printable } from '../../adapters/files/dataverse-labels.js';

export interface LoadFileRow {
  relativePath: string;
  state: string;
  size?: number;
  md5?: string;
  fileId?: number;
  /** Why it failed or was parked. */
  reason?: string;
}

export interface LoadFilesPage {
  page: number;
  limit: number;
  /** Files of the load in the store (refused names are problems, not files). */
  total: number;
  files: LoadFileRow[];
  /** Its finished files' actors that retention folded, by the state they ended in: their rows come from its records. */
  folded?: FoldedChildren;
}

/** The files of load `record`, sorted by relative path, page `page` (from 1) of `limit`. */
export async function loadFilesPage(reader: Pick<Runtime, 'listed' | 'records'>, record: ActorRecord, page: number, limit: number): Promise<LoadFilesPage> {
  const rows: LoadFileRow[] = [];
  const live = new Set<string>();
  for await (const child of reader.listed({ parent: record.id })) {
    rows.push(rowOf(child, record.id));
    live.add(child.id.slice(record.id.length + 1));
  }
  const folded = await reader.records.get<FoldedChildren>(FOLDED, record.id);
  if (folded) rows.push(...(await foldedRows(reader.records, record, live)));
  rows.sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0));
  return { page, limit, total: rows.length, files: rows.slice((page - 1) * limit, page * limit), ...(folded ? { folded } : {}) };
}

/**
 * The rows of folded files, from the load's records: each copied file's entry, with its
 * registration's outcome (a copy-only load's files were stored). Files that failed before
 * their copy have no entry: the load's problems name them.
 */
export async function foldedRows(records: Runtime['records'], load: ActorRecord, live: ReadonlySet<string>): Promise<LoadFileRow[]> {
  const outcomes = new Map<string, RegistrationResult>();
  for (const result of (await records.get<RegistrationResult[]>('registrations', load.id)) ?? []) outcomes.set(result.key, result);
  const copyOnly = (load.snapshot?.context as DataLoadContext | undefined)?.dataverseUrl === undefined;
  const rows: LoadFileRow[] = [];
  for await (const { value: entry } of records.iterate<CopiedEntry>('entries', [load.id])) {
    if (live.has(entry.key)) continue; // its actor is still there: listed from it
    const outcome = outcomes.get(entry.key);
    const row: LoadFileRow = { relativePath: entry.relativePath, state: outcome ? (outcome.ok ? 'registered' : 'registrationFailed') : copyOnly ? 'stored' : 'copied', size: entry.size, md5: entry.md5 };
    if (outcome?.ok) row.fileId = outcome.fileId;
    if (outcome && !outcome.ok) row.reason = outcome.message;
    rows.push(row);
  }
  return rows;
}

function rowOf(child: ActorRecord, loadId: string): LoadFileRow {
  const file = child.snapshot?.context as DataFileContext | undefined;
  const reason = child.error ? `${child.error.code}: ${child.error.message}` : file?.problem ? `${file.problem.code}: ${file.problem.reason}` : undefined;
  // A parked record that does not decode knows no path: named by its key.
  const row: LoadFileRow = { relativePath: file?.relativePath ?? `(file ${child.id.slice(loadId.length + 1)})`, state: child.status === 'parked' ? 'parked' : child.state };
  const size = file?.prepared?.size ?? file?.size;
  if (size !== undefined) row.size = size;
  if (file?.prepared?.md5) row.md5 = file.prepared.md5;
  if (file?.fileId !== undefined) row.fileId = file.fileId;
  if (reason) row.reason = reason;
  return row;
}

/** The lines after the header: folder, dataset, counts, problems, then the page of files as a table. */
export function describeLoadJob(record: ActorRecord, files: LoadFilesPage): string[] {
  const context = record.snapshot?.context as DataLoadContext | undefined;
  if (!context) return [];
  const c = context.counts;
  const lines = [
    `  folder   ${printable(context.dir)}`,
    `  dataset  ${context.dataset}${context.dataverseUrl ? ` at ${context.dataverseUrl}` : ' (copy only: no Dataverse)'}`,
    `  files    ${c.total} found, ${c.copied} copied, ${c.registered} registered, ${c.skipped} skipped, ${c.failed} failed, ${c.registrationFailed} refused by Dataverse, ${c.refused} refused, ${c.alreadyLoaded} already loaded`,
  ];
  if (files.folded) {
    const states = Object.entries(files.folded.states).map(([state, n]) => `${n} ${state}`).join(', ');
    lines.push(`  folded   ${files.folded.children} per-file actors folded by retention (${states}): their files are listed from the load's entries and registrations`);
  }
  if (context.problems.length === 0) lines.push('  problems none');
  for (const problem of context.problems) lines.push(`  problem  ${printable(problem.relativePath)}: ${problem.code}: ${printable(problem.reason)}`);
  const pages = Math.max(1, Math.ceil(files.total / files.limit));
  if (files.total === 0) return [...lines, '  no files in the store yet'];
  lines.push(`  files ${(files.page - 1) * files.limit + 1}-${(files.page - 1) * files.limit + files.files.length} of ${files.total} (page ${files.page} of ${pages}${files.page < pages ? `; next: --page ${files.page + 1}` : ''}):`);
  const table = [['path', 'state', 'size', 'md5', 'file id'], ...files.files.map((f) => [printable(f.relativePath), f.state, f.size === undefined ? '-' : String(f.size), f.md5 ?? '-', f.fileId === undefined ? '-' : String(f.fileId)])];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  for (const row of table) lines.push(`    ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`);
  for (const f of files.files) if (f.reason) lines.push(`    ${printable(f.relativePath)}: ${printable(f.reason)}`);
  return lines;
}
