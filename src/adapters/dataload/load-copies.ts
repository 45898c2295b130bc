/**
 * Removing the copies a data load made that Dataverse does not hold (issue 15,
 * item 7), on the load's discard and on `holdfast delete`. Only files whose
 * storage identifiers the load's own records name are looked at; each path is
 * built under the files dir by the safe-path helpers; a copy goes only once the
 * dataset's draft, latest and latest published versions all lack it. When
 * Dataverse cannot be asked, every copy stays and the report says why.
 *
 * Planning (asking Dataverse) and removing are separate so that `delete` can
 * refuse before anything goes and finish after a kill from the stored plan.
 * Both are safe to repeat: a copy already gone counts as removed.
 */
import type { Stats } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { HoldfastError } from '../../errors.js';
import type { CopiesReport, DatasetFolder, ErrorJson, KeptCopy } from '../../machines/dataload.types.js';
import type { DataverseClient } from '../dataverse/dataverse-client.js';
import { fileStorageId } from '../dataverse/dataverse-pid.js';
import { removeTemporariesOf } from '../files/copy-verify.js';
import { targetPathFor } from '../files/dataset-location.js';
import { assertNoSymlinkEscape, resolveUnder } from '../files/safe-path.js';

/** A copy a load's records name. */
export interface NamedCopy {
  storageIdentifier: string;
  /** Its size when copied: a file of another size at that path is not this copy. */
  size?: number;
  /** The file id Dataverse gave it, when the load's records say it was registered. */
  fileId?: number;
}

export interface CopiesCleanupInput {
  dataset: string;
  dataverseUrl?: string | undefined;
  filesDir: string;
  folder: DatasetFolder;
  copies: readonly NamedCopy[];
}

/** What to remove and what to keep, decided by asking Dataverse; JSON, so a delete keeps it in its marker. */
export interface CopiesPlan {
  filesDir: string;
  folder: DatasetFolder;
  remove: NamedCopy[];
  kept: KeptCopy[];
  unconfirmed?: ErrorJson;
}

/** The versions whose files Dataverse keeps: a copy in any of them is Dataverse's. */
const VERSIONS = [':draft', ':latest', ':latest-published'] as const;

/**
 * Decides which of a load's copies may go: not those its records say were
 * registered, not those any listed version names. Never throws for Dataverse:
 * if it cannot be asked, everything is kept and `unconfirmed` says why.
 */
export async function planCopiesCleanup(input: CopiesCleanupInput, dataverse: (baseUrl: string) => DataverseClient, signal?: AbortSignal): Promise<CopiesPlan> {
  const plan: CopiesPlan = { filesDir: input.filesDir, folder: input.folder, remove: [], kept: [] };
  const copies = distinctCopies(input.copies);
  const open: NamedCopy[] = [];
  for (const copy of copies) {
    if (copy.fileId !== undefined) plan.kept.push({ storageIdentifier: copy.storageIdentifier, reason: `this load registered it with Dataverse (file id ${copy.fileId})` });
    else open.push(copy);
  }
  if (open.length === 0) return plan;
  // A load without Dataverse ends each file at its copy (`stored`, recorded as loaded): there is no one to ask, so it stays.
  if (input.dataverseUrl === undefined) {
    for (const copy of open) plan.kept.push({ storageIdentifier: copy.storageIdentifier, reason: 'the load names no Dataverse to ask whether it holds this copy: a copy-only load\'s copies stay' });
    return plan;
  }
  let held: Map<string, string>;
  try {
    held = await heldByDataverse(dataverse(input.dataverseUrl), input.dataset, signal);
  } catch (error) {
    signal?.throwIfAborted();
    const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<HoldfastError>;
    plan.unconfirmed = { code, message: error instanceof HoldfastError ? error.reason : message };
    for (const copy of open) plan.kept.push({ storageIdentifier: copy.storageIdentifier, reason: `Dataverse could not be asked whether it holds this copy (${code})` });
    return plan;
  }
  for (const copy of open) {
    const version = held.get(copy.storageIdentifier);
    if (version !== undefined) plan.kept.push({ storageIdentifier: copy.storageIdentifier, reason: `Dataverse holds it (version ${version})` });
    else plan.remove.push(copy);
  }
  return plan;
}

/**
 * The bare storage identifiers of every file in the dataset's draft, latest
 * and latest published versions, each with the first version naming it.
 * @throws what {@link DataverseClient.listVersionFiles} throws.
 */
export async function heldByDataverse(client: DataverseClient, pid: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const version of VERSIONS) {
    for (const file of await client.listVersionFiles(pid, version, signal)) {
      // `file://ID`, `s3://bucket:ID` or a bare ID: every spelling counts, so a copy is kept rather than lost.
      for (const id of [fileStorageId(file.storageIdentifier), file.storageIdentifier, file.storageIdentifier.split(/[/:]/).at(-1)]) {
        if (id && !held.has(id)) held.set(id, version);
      }
    }
  }
  return held;
}

/**
 * Removes the copies a plan lets go, with this load's leftover temporaries of
 * them (`.<storage id>.<key>.holdfast-tmp`), and nothing else. A path that is
 * not a regular file of the recorded size, or that a symbolic link leads out
 * of the files dir, is kept with its reason.
 */
export async function removeCopies(plan: CopiesPlan): Promise<CopiesReport> {
  const folder = resolveUnder(plan.filesDir, `${plan.folder.authority}/${plan.folder.identifier}`);
  const report: CopiesReport = { folder, removed: [], kept: [...plan.kept], temporaries: 0, ...(plan.unconfirmed ? { unconfirmed: plan.unconfirmed } : {}) };
  const gone = new Set<string>();
  for (const copy of plan.remove) {
    const keep = (reason: string) => report.kept.push({ storageIdentifier: copy.storageIdentifier, reason });
    let path: string;
    let stats: Stats | undefined;
    try {
      path = targetPathFor(plan.filesDir, plan.folder, copy.storageIdentifier);
      await assertNoSymlinkEscape(plan.filesDir, path);
      stats = await lstat(path).catch(missingAsUndefined);
    } catch (error) {
      keep(`not removed: ${(error as Error).message}`);
      continue;
    }
    if (stats && !stats.isFile()) keep('not removed: not a regular file');
    else if (stats && copy.size !== undefined && stats.size !== copy.size) keep(`not removed: it holds ${stats.size} bytes, this load's copy had ${copy.size}`);
    else {
      try {
        if (stats) await rm(path, { force: true });
      } catch (error) {
        keep(`not removed: ${(error as Error).message}`);
        continue;
      }
      report.removed.push(copy.storageIdentifier);
      gone.add(copy.storageIdentifier);
    }
  }
  if (gone.size > 0) report.temporaries = await removeTemporariesOfCopies(plan, folder, gone);
  return report;
}

/** Removes the temporaries of the given copies in `folder`, and no other load's. */
async function removeTemporariesOfCopies(plan: CopiesPlan, folder: string, ids: ReadonlySet<string>): Promise<number> {
  try {
    await assertNoSymlinkEscape(plan.filesDir, folder);
  } catch {
    return 0; // the copies themselves were checked one by one; a folder leading out is left alone
  }
  const names = [...ids].map((id) => basename(targetPathFor(plan.filesDir, plan.folder, id)));
  // A folder that cannot be read has no temporaries this cleanup can reach; the copies were handled one by one.
  return (await removeTemporariesOf(folder, names).catch(() => [])).length;
}

/** One entry per storage identifier; a file id or size from any record of it is kept. */
export function distinctCopies(copies: readonly NamedCopy[]): NamedCopy[] {
  const byId = new Map<string, NamedCopy>();
  for (const copy of copies) {
    const seen = byId.get(copy.storageIdentifier);
    const fileId = seen?.fileId ?? copy.fileId;
    const size = seen?.size ?? copy.size;
    byId.set(copy.storageIdentifier, { storageIdentifier: copy.storageIdentifier, ...(size !== undefined ? { size } : {}), ...(fileId !== undefined ? { fileId } : {}) });
  }
  return [...byId.values()];
}

function missingAsUndefined(error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw error;
}

/**
 * The lines that tell a person what a cleanup removed and kept; when Dataverse
 * could not be asked, `finish` is the command that completes it (none: the
 * records naming the copies are gone, so only a person can).
 */
export function describeCopies(report: CopiesReport, finish?: string): string[] {
  const lines = [`copies: ${report.removed.length} removed from ${report.folder}, ${report.kept.length} kept${report.temporaries ? `, ${report.temporaries} temporary file(s) removed` : ''}`];
  for (const kept of report.kept.slice(0, 20)) lines.push(`  kept ${kept.storageIdentifier}: ${kept.reason}`);
  if (report.kept.length > 20) lines.push(`  … and ${report.kept.length - 20} more kept (see --json)`);
  if (report.unconfirmed) {
    lines.push(`  ${report.unconfirmed.code}: ${report.unconfirmed.message}`);
    lines.push(finish ? `  to remove the copies Dataverse does not hold, run ${finish} once it answers` : '  the job is deleted: the kept copies are left for a person to check against Dataverse');
  }
  return lines;
}
