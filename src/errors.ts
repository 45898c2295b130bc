/**
 * Every error holdfast raises or stores. One module, imported by every layer.
 * Codes are a contract: docs/errors.md lists each with what to do about it.
 */

/** Every stable error code holdfast uses. */
export const ErrorCodes = [
  'UNKNOWN_MACHINE',
  'ACTOR_NOT_FOUND',
  'ACTOR_EXISTS',
  'STORE_LOCKED',
  'STORE_FORMAT_TOO_NEW',
  'STORE_CORRUPT',
  'STORE_BUSY',
  'STORE_MISSING',
  'STORE_CLOSED',
  'SNAPSHOT_NOT_SERIALISABLE',
  'RECORD_CORRUPT',
  'EFFECT_FAILED',
  'EFFECT_TIMEOUT',
  'EFFECT_UNKNOWN',
  'VERSION_INCOMPATIBLE',
  'STORAGE_FULL',
  'INVALID_OPTIONS',
  'INVALID_EVENT',
  'INVALID_INPUT',
  'POISON_ACTOR',
  'JOB_RUNNING',
  'MACHINE_ERROR',
  'WAIT_TIMEOUT',
  'RUNTIME_CLOSED',
  'OWNER_UNREACHABLE',
  'PATH_OUTSIDE_ROOT',
  'SOURCE_MISSING',
  'SOURCE_UNREADABLE',
  'SOURCE_CHANGED',
  'CHECKSUM_MISMATCH',
  'DATAVERSE_AUTH',
  'DATAVERSE_NOT_FOUND',
  'DATAVERSE_REJECTED',
  'DATAVERSE_UNAVAILABLE',
  'DATAVERSE_LOCKED',
  'COPIES_UNCONFIRMED',
  'INVALID_PID',
  // A file's name, refused by the data load before any copy
  'NAME_REFUSED', 'NAME_COLLISION',
  'USAGE',
  'UNKNOWN_TASK', 'TASK_NOT_SERVED', 'ARCHIVE_MISSING',
  'IMPORT_INVALID', 'IMPORT_REJECTED', 'IMPORT_UNAVAILABLE',
  // Batch jobs
  'UNKNOWN_APPLICATION', 'JOB_NOT_FOUND', 'JOB_DELETED',
  // Job server (process jobs, data files, users)
  'LIMIT_EXCEEDED', 'PAYLOAD_TOO_LARGE', 'DATA_NOT_FOUND', 'PROCESS_FAILED', 'PROCESS_TIMEOUT', 'EVAL_UNSANDBOXED',
  // Inspector and HTTP server
  'UNAUTHORIZED', 'FORBIDDEN', 'BAD_MESSAGE', 'NOT_AVAILABLE', 'UNSUPPORTED_MEDIA_TYPE', 'INTERNAL_ERROR', 'PORT_IN_USE', 'TOKENS_UNREADABLE',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** JSON-safe extra facts about an error (paths, ids, counts). */
export type ErrorDetails = Record<string, string | number | boolean | null | string[] | number[]>;

/** The shape an error takes when stored on an actor or sent to a client. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/**
 * The one error type of holdfast: a stable `code`, a message that starts with it,
 * an optional `cause` and JSON-safe `details`.
 */
export class HoldfastError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(`[${code}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HoldfastError';
    this.code = code;
    this.details = options.details;
  }

  /** The message without its `[CODE]` prefix. */
  get reason(): string {
    return this.message.slice(this.code.length + 3);
  }

  toJSON(): SerializedError {
    return this.details === undefined
      ? { code: this.code, message: this.reason }
      : { code: this.code, message: this.reason, details: this.details };
  }

  static fromJSON(error: SerializedError): HoldfastError {
    return new HoldfastError(error.code, error.message, error.details ? { details: error.details } : {});
  }
}

/** Thrown by a user's effect or step to stop retries at once. */
export class NonRetryableError extends HoldfastError {
  constructor(message: string, options: { cause?: unknown; details?: ErrorDetails; code?: ErrorCode } = {}) {
    super(options.code ?? 'EFFECT_FAILED', message, options);
    this.name = 'NonRetryableError';
  }
}

/** Thrown when a store is owned by another live process. */
export class StoreLockedError extends HoldfastError {
  readonly ownerPid: number;
  constructor(path: string, ownerPid: number) {
    super('STORE_LOCKED', `store ${path} is in use by pid ${ownerPid}`, { details: { path, ownerPid } });
    this.name = 'StoreLockedError';
    this.ownerPid = ownerPid;
  }
}

/** Turns anything thrown into a HoldfastError, keeping the original as `cause`. */
export function toHoldfastError(error: unknown, fallback: ErrorCode = 'EFFECT_FAILED'): HoldfastError {
  if (error instanceof HoldfastError) return error;
  if (isSerializedError(error)) return HoldfastError.fromJSON(error);
  const message = error instanceof Error ? error.message : String(error);
  return new HoldfastError(fallback, message, { cause: error });
}

/** True for `{ code, message }` objects whose code is one of ours. */
export function isSerializedError(value: unknown): value is SerializedError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  return (
    typeof candidate.message === 'string' &&
    typeof candidate.code === 'string' &&
    (ErrorCodes as readonly string[]).includes(candidate.code)
  );
}
