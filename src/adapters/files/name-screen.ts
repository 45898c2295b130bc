/**
 * The names of one load's files, screened before anything is copied: each
 * is checked against Dataverse's rules (dataverse-labels.ts) and refused with
 * the name Dataverse would accept, or given that name under `--fix-labels`;
 * then files whose paths in the dataset are equal (after NFC and any fix) are
 * all refused: Dataverse would keep one and rename the other
 * (`IngestUtil.checkForDuplicateFileNamesFinal` appends `-1`), which is not
 * what anyone asked for.
 */
import { checkName, datasetPath, printable, type DatasetName } from './dataverse-labels.js';

/** A file as the walk found it: its path under the source folder and the name that path gives it. */
export interface NamedEntry {
  relativePath: string;
  directoryLabel: string;
  fileName: string;
  /** Loaded into the dataset by an earlier load: it holds its path there, and its own verdict is not used. */
  loaded?: boolean;
}

export type NameVerdict =
  | {
      ok: true;
      /** The name to register: NFC, fixed under `--fix-labels`. */
      name: DatasetName;
      /** True when `--fix-labels` changed more than the normal form. */
      relabelled: boolean;
    }
  | {
      ok: false;
      code: 'NAME_REFUSED' | 'NAME_COLLISION';
      reason: string;
      /** The path in the dataset Dataverse would accept (`NAME_REFUSED`) or the one shared (`NAME_COLLISION`). */
      label: string;
    };

/** How many other paths a collision's reason names before it says "and N more". */
const NAMED_OTHERS = 3;

export interface ScreenOptions {
  fixLabels: boolean;
  /** Whether a file at this relative path was loaded into the dataset before (the `loaded` records). */
  loadedAt?: (relativePath: string) => boolean;
}

/**
 * One verdict per entry, in the same order. Files loaded before need not all
 * be among `entries` (a folder of a million loaded files is not held in
 * memory): those whose path in the dataset is their relative path are found
 * through `loadedAt`; the others (NFD names, relabelled ones) must be passed.
 */
export function screenNames(entries: readonly NamedEntry[], options: ScreenOptions): NameVerdict[] {
  const verdicts: NameVerdict[] = entries.map((entry) => {
    const check = checkName(entry);
    if (check.problems.length === 0) return { ok: true, name: check.name, relabelled: false };
    const label = datasetPath(check.fixed);
    if (options.fixLabels) return { ok: true, name: check.fixed, relabelled: true };
    return { ok: false, code: 'NAME_REFUSED', reason: `${check.problems.map((p) => p.reason).join('; ')}; Dataverse would accept ${JSON.stringify(label)} (--fix-labels loads it so)`, label };
  });
  const byPath = new Map<string, number[]>();
  verdicts.forEach((verdict, index) => {
    if (!verdict.ok) return;
    const path = datasetPath(verdict.name);
    const same = byPath.get(path);
    if (same) same.push(index);
    else byPath.set(path, [index]);
  });
  for (const [path, indexes] of byPath) {
    const self = entries[indexes[0]!]!;
    if (indexes.length === 1 && !self.loaded && self.relativePath !== path && options.loadedAt?.(path)) {
      verdicts[indexes[0]!] = { ok: false, code: 'NAME_COLLISION', reason: `its path in the dataset, ${JSON.stringify(path)}, is that of ${describeOther(path, self.relativePath)}, loaded before; this file is not loaded`, label: path };
    }
    if (indexes.length < 2) continue;
    for (const index of indexes) {
      const others = indexes.filter((other) => other !== index).map((other) => entries[other]!);
      const self = entries[index]!.relativePath;
      const named = others
        .slice(0, NAMED_OTHERS)
        .map((other) => `${describeOther(other.relativePath, self)}${other.loaded ? ', loaded before' : ''}`)
        .join(', ');
      const more = others.length > NAMED_OTHERS ? ` and ${others.length - NAMED_OTHERS} more` : '';
      const outcome = others.some((other) => other.loaded) ? 'this file is not loaded' : 'none of them is loaded';
      verdicts[index] = { ok: false, code: 'NAME_COLLISION', reason: `its path in the dataset, ${JSON.stringify(path)}, is also that of ${named}${more}; ${outcome}`, label: path };
    }
  }
  return verdicts;
}

/** Another file's path, quoted and printable, and its normal form when that is all that tells it from `self`. */
function describeOther(other: string, self: string): string {
  const sameName = other !== self && other.normalize('NFC') === self.normalize('NFC');
  return `${JSON.stringify(printable(other))}${sameName ? ` (the same name in ${normalForm(other)}; this one is in ${normalForm(self)})` : ''}`;
}

/** Which Unicode normal form a name is written in: two files can differ in nothing else. */
function normalForm(name: string): string {
  if (name === name.normalize('NFC')) return 'NFC';
  return name === name.normalize('NFD') ? 'NFD' : 'neither NFC nor NFD';
}
