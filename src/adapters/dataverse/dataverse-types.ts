/**
 * The JSON Dataverse's native API sends and receives for the calls holdfast makes.
 *
 * Shapes follow Dataverse's own printers at releases 5.14 and 6.11 (IQSS/dataverse
 * `JsonPrinter`, `AddReplaceFileHelper.addFiles`, `ApiConstants`), not only the
 * guides, since the guides show no addFiles answer; docs/dataverse.md names the
 * method behind each. Fields Dataverse may leave out (its `NullSafeJsonBuilder`
 * drops nulls) are optional here; readers check them.
 */

/** Every answer of the native API: `OK` with `data`, or `ERROR` with a `message`. */
export type DataverseEnvelope<T> =
  | { status: 'OK'; data: T; message?: string }
  | { status: 'ERROR'; message: string };

/** The checksum algorithms Dataverse accepts in `checksum['@type']` (DataFile.ChecksumType). */
export const CHECKSUM_TYPES = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'] as const;

/** One of {@link CHECKSUM_TYPES}. */
export type ChecksumType = (typeof CHECKSUM_TYPES)[number];

/**
 * One element of the `jsonData` array of `POST /api/datasets/:persistentId/addFiles`:
 * a file already placed in the dataset's storage, to be registered with it.
 */
export interface AddFileEntry {
  /** `file://` plus the file's id in the dataset's folder, e.g. `file://18f2c1a9b3e-0a1b2c3d4e5f`. */
  storageIdentifier: string;
  /** The name the file gets in the dataset (Dataverse calls it the label). */
  fileName: string;
  /** The folder inside the dataset, `/`-separated, without leading or trailing `/`. */
  directoryLabel?: string;
  mimeType: string;
  /** Dataverse records this as sent and never checks it against the bytes. */
  checksum: { '@type': 'MD5'; '@value': string };
  description?: string;
  categories?: string[];
}

/** A checksum as Dataverse prints it on a DataFile. */
export interface ChecksumJson {
  type: string;
  value: string;
}

/**
 * A DataFile as Dataverse prints it (`JsonPrinter.json(DataFile, FileMetadata, boolean)`),
 * trimmed. `id` is absent until the DataFile is saved: in an addFiles answer it
 * is, since the files are saved by the command addFiles runs after printing them.
 */
export interface DataFileJson {
  id?: number;
  persistentId?: string;
  filename?: string;
  contentType?: string;
  /** Bytes, as Dataverse measured them in its storage. */
  filesize?: number;
  description?: string;
  categories?: string[];
  storageIdentifier?: string;
  rootDataFileId?: number;
  /** Present only when the checksum type is MD5. */
  md5?: string;
  checksum?: ChecksumJson;
  /** The size before tabular ingest replaced the file; present only for ingested files. */
  originalFileSize?: number;
  /** 6.x only. */
  tabularData?: boolean;
  creationDate?: string;
  /** 6.x only. */
  directoryLabel?: string;
}

/**
 * One file of a dataset version (`JsonPrinter.json(FileMetadata)`), as
 * `/versions/{v}/files` lists it and as addFiles' `fileDetails` prints it.
 * `version` and `datasetVersionId` are absent before the metadata is saved.
 */
export interface FileMetadataJson {
  /** The file name; Dataverse may have renamed it (`a-1.txt`) if the path was taken. */
  label: string;
  directoryLabel?: string;
  description?: string;
  categories?: string[];
  restricted?: boolean;
  version?: number;
  datasetVersionId?: number;
  dataFile: DataFileJson;
}

/**
 * A file addFiles accepted into the version it is about to save (not yet a
 * registration: the final UpdateDatasetVersionCommand may still fail); the
 * `fileDetails` are `jsonDataFileList(...).files[0]`, a FileMetadata.
 * `warningMessage` instead of `successMessage` flags duplicate content.
 */
export interface AddFilesSuccessJson {
  storageIdentifier: string;
  successMessage?: string;
  warningMessage?: string;
  fileDetails: FileMetadataJson;
}

/**
 * A file addFiles refused, inside a 200 answer. `errorMessage` reads
 * `"<HTTP reason>:<messages>"`; `fileDetails` echoes the entry sent. An entry
 * without a storageIdentifier gets no `storageIdentifier` back.
 */
export interface AddFilesFailureJson {
  storageIdentifier?: string;
  errorMessage: string;
  fileDetails?: unknown;
}

/** A file whose optional parameters (tags, categories) Dataverse could not read. */
export interface AddFilesErrorCodeJson {
  errorCode: number;
  message: string;
  fileDetails?: unknown;
}

/** One element of `data.Files`: Dataverse writes exactly one per entry sent, in order. */
export type AddFilesFileJson = AddFilesSuccessJson | AddFilesFailureJson | AddFilesErrorCodeJson;

/** The counts of `data.Result`, keyed by Dataverse's `ApiConstants.API_ADD_FILES_COUNT_*`. */
export interface AddFilesResultJson {
  'Total number of files': number;
  'Number of files successfully added': number;
}

/** `data` of a 200 addFiles answer. Dataverse answers 200 even when every file failed. */
export interface AddFilesResponseData {
  Files: AddFilesFileJson[];
  Result: AddFilesResultJson;
}

/** A dataset as `GET /api/datasets/:persistentId` prints it (`JsonPrinter.json(Dataset)` plus `latestVersion`). */
export interface DatasetJson {
  id: number;
  identifier: string;
  persistentUrl?: string;
  protocol: string;
  authority: string;
  /** `/` unless the installation shoulders identifiers otherwise; absent before Dataverse 5.x. */
  separator?: string;
  publisher?: string;
  publicationDate?: string;
  /** `file://10.5072/FK2/ABC123`: where the dataset's files live. Absent before Dataverse 5.x. */
  storageIdentifier?: string;
  latestVersion?: DatasetVersionJson;
}

/** The parts of a dataset version holdfast reads. */
export interface DatasetVersionJson {
  id?: number;
  datasetId?: number;
  datasetPersistentId?: string;
  versionNumber?: number;
  versionMinorNumber?: number;
  /** `DRAFT`, `RELEASED`, `ARCHIVED` or `DEACCESSIONED`. */
  versionState?: string;
  files?: FileMetadataJson[];
}

/** The reasons Dataverse locks a dataset (`DatasetLock.Reason`); an unknown one is kept as sent. */
export type DatasetLockType =
  | 'Ingest'
  | 'Workflow'
  | 'InReview'
  | 'DcmUpload'
  | 'GlobusUpload'
  | 'finalizePublication'
  | 'EditInProgress'
  | 'FileValidationFailed'
  | 'pidRegister'
  | (string & {});

/** One lock, as `GET /api/datasets/:persistentId/locks` lists it (`JsonPrinter.json(DatasetLock)`). */
export interface DatasetLockJson {
  lockType: DatasetLockType;
  /** When the lock was taken, as Dataverse prints a Timestamp. */
  date: string;
  /** The identifier of the user who holds it, e.g. `dataverseAdmin`. */
  user: string;
  /** The dataset's PID; printed since Dataverse 5.10. */
  dataset?: string;
  message?: string;
}

/** The `jsonData` of `POST /api/files/{id}/metadata`; fields left out stay as they are. */
export interface FileMetadataUpdate {
  description?: string;
  categories?: string[];
  directoryLabel?: string;
  /** A new file name. */
  label?: string;
}

/** A dataset as DataverseClient reports it. */
export interface DatasetInfo {
  /** Dataverse's database id. */
  id: number;
  persistentId: string;
  /** Where its files live, e.g. `file://10.5072/FK2/ABC123`. */
  storageIdentifier: string;
}

/** A file of a dataset version (draft or latest), as the client reports it. */
export interface DraftFile {
  fileId: number;
  storageIdentifier: string;
  fileName: string;
  directoryLabel?: string;
  md5?: string;
  /**
   * Bytes of the file as deposited: `originalFileSize` when tabular ingest has
   * replaced it with a `.tab`, `filesize` otherwise.
   */
  size: number;
}

/**
 * The outcome of one addFiles entry, in the order the entries were given. `ok`
 * means the draft listing shows the file (matched by storage identifier), which
 * gave `fileId` and `size` (what Dataverse measured in its storage); `warning`
 * flags duplicate content.
 */
export type AddFileResult =
  | { storageIdentifier: string; ok: true; fileId: number; size: number; warning?: string }
  | { storageIdentifier: string; ok: false; message: string };
