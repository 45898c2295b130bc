/**
 * The data load's shared shapes: what a batch and its files are given, the
 * facts they tell each other, and what their effects return. Pure types.
 */

/** Where a dataset's files live in the Dataverse file store: FILES/<authority>/<identifier>/. */
export interface DatasetFolder {
  authority: string;
  identifier: string;
}

/** One file found by the walk. */
export interface WalkedFile {
  key: string;
  source: string;
  relativePath: string;
  directoryLabel: string;
  fileName: string;
  size: number;
  mtimeMs: number;
}

export interface DataLoadInput {
  dir: string;
  dataset: string;
  filesDir: string;
  dataverseUrl?: string;
  chunkSize: number;
  lockWaitMs: number;
  allowPartial: boolean;
  move: boolean;
  includeHidden: boolean;
  exclude: string[];
  hasMetadata: boolean;
  /** Load a file whose name Dataverse would refuse or alter under the name it would accept (`--fix-labels`). @default false */
  fixLabels?: boolean;
  /** Load only the files a watch accepted into one of its batches, not the whole folder. */
  only?: { watchId: string; batch: number };
}

export interface DataFileInput extends WalkedFile {
  batchId: string;
  dataset: string;
  /** The dataset's folder in the file store, absolute. */
  targetDir: string;
  /** Register with Dataverse after copying (false: the load ends at the copy). */
  registers: boolean;
}

/** What `prepareFile` finds out about a source file. */
export interface PreparedFile {
  storageIdentifier: string;
  mimeType: string;
  md5: string;
  size: number;
}

/** A file copied and verified, ready to register: kept as an `entries` record of its batch. */
export interface CopiedEntry extends PreparedFile {
  key: string;
  relativePath: string;
  directoryLabel: string;
  fileName: string;
  source: string;
  target: string;
  mtimeMs: number;
}

export interface WalkResult {
  files: WalkedFile[];
  /** Entries not loaded: `code` NAME_REFUSED or NAME_COLLISION for names (with the `label` meant), none for links and the like. */
  refused: { relativePath: string; reason: string; code?: string; label?: string }[];
  /** Files skipped because the same path, size and mtime were loaded into this dataset before. */
  alreadyLoaded: number;
}

/** What a finished batch tells the watch that opened it. */
export interface BatchFinished {
  type: 'batch.finished';
  batch: string;
  state: string;
  copied: number;
  failed: number;
  skipped: number;
  registered: number;
}

export type RegistrationResult = { key: string; ok: true; fileId: number } | { key: string; ok: false; message: string };

/** A failure worth listing: which file, and why. */
export interface FileProblem {
  relativePath: string;
  code: string;
  reason: string;
  /** For a refused name: the path in the dataset Dataverse would accept, or the one two files share. */
  label?: string;
}

/** Facts a datafile tells its batch. */
export type DataFileReport =
  | { type: 'file.copied'; key: string }
  | { type: 'file.skipped'; key: string; problem: FileProblem }
  | { type: 'file.failed'; key: string; problem: FileProblem };

/** Facts a batch tells a datafile. */
export type BatchVerdict =
  | { type: 'file.registered'; fileId: number }
  | { type: 'file.registrationFailed'; message: string }
  | { type: 'file.discarded' };

export interface ErrorJson {
  code: string;
  message: string;
}

/** A copy a cleanup left in the file store, and why. */
export interface KeptCopy {
  storageIdentifier: string;
  reason: string;
}

/**
 * What a load's cleanup (its discard, or `holdfast delete`) did with the copies
 * its records name: `removed` are no longer in the file store (removed now or
 * by an earlier run of the same cleanup); `kept` stay, each with its reason;
 * `unconfirmed` is set when Dataverse could not be asked, and then every copy
 * is kept.
 */
export interface CopiesReport {
  /** The dataset's folder in the file store, absolute. */
  folder: string;
  removed: string[];
  kept: KeptCopy[];
  /** This load's leftover temporary files removed beside them. */
  temporaries: number;
  unconfirmed?: ErrorJson;
}
