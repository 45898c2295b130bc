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

/** One verdict per entry, in the same order. */
export function screenNames(entries: readonly NamedEntry[], options: { fixLabels: boolean }): NameVerdict[] {
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
    if (indexes.length < 2) continue;
    for (const index of indexes) {
      const others = indexes.filter((other) => other !== index).map((other) => entries[other]!.relativePath);
      const self = entries[index]!.relativePath;
      const named = others
        .slice(0, NAMED_OTHERS)
        .map((other) => `${JSON.stringify(printable(other))}${other !== self && other.normalize('NFC') === self.normalize('NFC') ? ` (the same name in ${normalForm(other)}; this one is in ${normalForm(self)})` : ''}`)
        .join(', ');
      const more = others.length > NAMED_OTHERS ? ` and ${others.length - NAMED_OTHERS} more` : '';
      verdicts[index] = { ok: false, code: 'NAME_COLLISION', reason: `its path in the dataset, ${JSON.stringify(path)}, is also that of ${named}${more}; none of them is loaded`, label: path };
    }
  }
  return verdicts;
}

/** Which Unicode normal form a name is written in: two files can differ in nothing else. */
function normalForm(name: string): string {
  if (name === name.normalize('NFC')) return 'NFC';
  return name === name.normalize('NFD') ? 'NFD' : 'neither NFC nor NFD';
}
