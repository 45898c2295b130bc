/**
 * The names Dataverse gives a file in a dataset, checked as Dataverse checks
 * them, and the deterministic mapping `--fix-labels` applies to the ones it
 * would refuse or alter. Written from IQSS/dataverse at v5.14 and v6.11, where
 * these rules are the same (no code copied):
 *
 * - the file name is `FileMetadata.label`: `@Pattern("^[^:<>;#/\"*|?\\\\]*$")`
 *   (`filename.illegalCharacters`) and `@NotBlank` (Java's `trim()`, which
 *   drops every character up to U+0020); the column is `LABEL VARCHAR(255)`
 *   (scripts/database/create/create_v4.*.sql), so a longer one fails the final
 *   `UpdateDatasetVersionCommand` of `addFiles` and with it the whole call;
 * - the folder is `FileMetadata.directoryLabel`: `setDirectoryLabel` first
 *   rewrites it with `StringUtil.sanitizeFileDirectory(value, false)` (runs of
 *   `/` and `\` become one `/`; leading and trailing `/`, `-`, `.` and spaces are
 *   stripped; nothing left means no folder), then `FileDirectoryNameValidator`
 *   requires `[\w\\/. -]+` (Java's `\w` is ASCII: `[A-Za-z0-9_]`); the column
 *   is `DIRECTORYLABEL VARCHAR(255)`.
 *
 * holdfast adds its own rule: no control characters (C0, DEL, C1, line and
 * paragraph separators, bidirectional overrides), which Dataverse accepts in a
 * file name but which turn a name into a newline or a terminal escape wherever
 * it is printed. Every name is normalised to NFC first (macOS writes NFD).
 */

/** Longest file name or folder label Dataverse stores: both columns are VARCHAR(255), counted in characters. */
export const MAX_LABEL_LENGTH = 255;

/** Where a file sits in a dataset: `directoryLabel` (`''` at the top) and `fileName`. */
export interface DatasetName {
  directoryLabel: string;
  fileName: string;
}

/** One rule a name breaks; `rule` is stable (tests and --json), `reason` is for people. */
export interface LabelProblem {
  rule: LabelRule;
  reason: string;
}

export type LabelRule =
  | 'fileName.control'
  | 'fileName.illegalCharacters'
  | 'fileName.blank'
  | 'fileName.tooLong'
  | 'directoryLabel.control'
  | 'directoryLabel.illegalCharacters'
  | 'directoryLabel.rewritten'
  | 'directoryLabel.tooLong';

/** What `checkName` finds: the NFC name, what is wrong with it, and the name Dataverse would accept. */
export interface NameCheck {
  name: DatasetName;
  problems: LabelProblem[];
  /** Equal to `name` when there is no problem. */
  fixed: DatasetName;
}

// Controls: C0, DEL, C1, U+2028/2029 (line breaks to most terminals and editors),
// and the bidirectional marks, embeddings, overrides and isolates that can
// make a printed name read as another (CVE-2021-42574, "Trojan Source").
// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// FileMetadata.label's @Pattern, as a set of the characters it forbids.
const FILE_NAME_FORBIDDEN = /[:<>;#/"*|?\\]/gu;
// FileDirectoryNameValidator.isFileDirectoryNameValid: `[\w\\/. -]+`, Java's ASCII \w.
const DIRECTORY_LABEL_VALID = /^[A-Za-z0-9_\\/. -]+$/u;

/** The name normalised to NFC and checked against every rule; never throws. */
export function checkName(raw: DatasetName): NameCheck {
  const name = { directoryLabel: raw.directoryLabel.normalize('NFC'), fileName: raw.fileName.normalize('NFC') };
  const problems = [...fileNameProblems(name.fileName), ...directoryLabelProblems(name.directoryLabel)];
  return { name, problems, fixed: problems.length === 0 ? name : fixName(name) };
}

/** The name `--fix-labels` loads a file under; a name that passes is returned unchanged (so fixing is idempotent). */
export function fixName(raw: DatasetName): DatasetName {
  return { directoryLabel: fixDirectoryLabel(raw.directoryLabel), fileName: fixFileName(raw.fileName) };
}

/** The file's path in the dataset, what Dataverse compares to find duplicates (`IngestUtil.makePathName`). */
export function datasetPath(name: DatasetName): string {
  return name.directoryLabel === '' ? name.fileName : `${name.directoryLabel}/${name.fileName}`;
}

/** The problems of a file name (NFC), in a fixed order. */
export function fileNameProblems(fileName: string): LabelProblem[] {
  const problems: LabelProblem[] = [];
  const controls = distinct(fileName.match(CONTROL));
  if (controls.length > 0) problems.push({ rule: 'fileName.control', reason: `the file name holds ${describeControls(controls)}` });
  const forbidden = distinct(fileName.match(FILE_NAME_FORBIDDEN));
  if (forbidden.length > 0) problems.push({ rule: 'fileName.illegalCharacters', reason: `Dataverse refuses ${forbidden.map((c) => JSON.stringify(c)).join(' ')} in a file name` });
  if (isJavaBlank(fileName)) problems.push({ rule: 'fileName.blank', reason: 'Dataverse refuses a blank file name' });
  const length = codePoints(fileName);
  if (length > MAX_LABEL_LENGTH) problems.push({ rule: 'fileName.tooLong', reason: `the file name has ${length} characters, Dataverse stores at most ${MAX_LABEL_LENGTH}` });
  return problems;
}

/** The problems of a folder label (NFC), in a fixed order; `''` (no folder) has none. */
export function directoryLabelProblems(label: string): LabelProblem[] {
  if (label === '') return [];
  const problems: LabelProblem[] = [];
  const controls = distinct(label.match(CONTROL));
  if (controls.length > 0) problems.push({ rule: 'directoryLabel.control', reason: `the folder name holds ${describeControls(controls)}` });
  const sanitized = sanitizeDirectory(label, false);
  if (sanitized !== '' && !DIRECTORY_LABEL_VALID.test(sanitized)) {
    const others = distinct(sanitized.replace(/[A-Za-z0-9_\\/. -]/gu, '').replace(CONTROL, '').match(/./gsu));
    if (others.length > 0 || controls.length === 0) {
      problems.push({ rule: 'directoryLabel.illegalCharacters', reason: `Dataverse allows only A-Z a-z 0-9 _ - . / and space in a folder name, not ${others.map((c) => JSON.stringify(c)).join(' ')}` });
    }
  } else if (sanitized !== label) {
    problems.push({ rule: 'directoryLabel.rewritten', reason: `Dataverse would store the folder as ${sanitized === '' ? 'none (the top of the dataset)' : JSON.stringify(sanitized)}` });
  }
  const length = codePoints(label);
  if (length > MAX_LABEL_LENGTH) problems.push({ rule: 'directoryLabel.tooLong', reason: `the folder has ${length} characters, Dataverse stores at most ${MAX_LABEL_LENGTH}` });
  return problems;
}

/**
 * The file name mapping: NFC; each control character and each character
 * Dataverse forbids becomes `_`; a name over 255 characters is cut, keeping
 * its extension (up to 16 characters); a blank name becomes `_`.
 */
export function fixFileName(raw: string): string {
  // Replacing and cutting keep a name in NFC in every case fast-check has tried; check rather than trust.
  let name = raw.normalize('NFC');
  for (let pass = 0; pass < 3; pass++) {
    if (fileNameProblems(name).length === 0) return name;
    name = fixFileNameOnce(name).normalize('NFC');
  }
  return fileNameProblems(name).length === 0 ? name : '_';
}

function fixFileNameOnce(name: string): string {
  let fixed = name.replace(CONTROL, '_').replace(FILE_NAME_FORBIDDEN, '_');
  if (codePoints(fixed) > MAX_LABEL_LENGTH) {
    const dot = fixed.lastIndexOf('.');
    const extension = dot > 0 && codePoints(fixed.slice(dot)) <= 16 ? fixed.slice(dot) : '';
    fixed = cutTo(fixed.slice(0, fixed.length - extension.length), MAX_LABEL_LENGTH - codePoints(extension)) + extension;
  }
  return isJavaBlank(fixed) ? '_' : fixed;
}

/**
 * The folder mapping: NFC; a label whose only fault is what Dataverse itself
 * rewrites gets that rewrite (`sanitizeFileDirectory(label, false)`); any other
 * gets the aggressive form Dataverse applies to folders inside an uploaded zip
 * (`sanitizeFileDirectory(label, true)`: runs of other characters become one
 * `.`, runs of dots one `.`); then cut to 255 characters and stripped again.
 */
export function fixDirectoryLabel(raw: string): string {
  const label = raw.normalize('NFC');
  if (directoryLabelProblems(label).length === 0) return label;
  const gentle = sanitizeDirectory(label, false);
  const fixed = gentle === '' || DIRECTORY_LABEL_VALID.test(gentle) ? gentle : sanitizeDirectory(label, true);
  return sanitizeDirectory(cutTo(fixed, MAX_LABEL_LENGTH), false);
}

/**
 * A path as it may be printed: control characters, line breaks and
 * bidirectional overrides shown as `\u{…}`, so a hostile name cannot move the
 * cursor, colour the terminal or fake a line of output.
 */
export function printable(path: string): string {
  return path.replace(CONTROL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** `StringUtil.sanitizeFileDirectory(value, aggressively)`, returning `''` where it returns null. */
export function sanitizeDirectory(value: string, aggressively: boolean): string {
  let label = value.replace(/[\\/]+/gu, '/');
  if (aggressively) label = label.replace(/[^A-Za-z0-9_ ./-]+/gu, '.').replace(/\.\.+/gu, '.');
  return label.replace(/^[/ .-]+/u, '').replace(/[/ .-]+$/u, '');
}

/** Java's `String.trim().isEmpty()`: nothing but characters up to U+0020. */
function isJavaBlank(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- Java's blank is every character up to U+0020
  return /^[\u0000-\u0020]*$/u.test(value);
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** At most `max` code points, in NFC (normalising can lengthen a string, so cut until it fits). */
function cutTo(value: string, max: number): string {
  let points = [...value];
  for (;;) {
    const cut = points.join('').normalize('NFC');
    const length = codePoints(cut);
    if (length <= max) return cut;
    points = points.slice(0, Math.max(0, points.length - (length - max)));
  }
}

function distinct(matches: RegExpMatchArray | null): string[] {
  return [...new Set(matches ?? [])];
}

function describeControls(controls: string[]): string {
  const names = controls.map((c) => (c === '\n' ? 'a newline' : c === '\r' ? 'a carriage return' : c === '\t' ? 'a tab' : c === '\u001b' ? 'ESC, as in a terminal escape' : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`));
  return `control characters (${names.join(', ')})`;
}
