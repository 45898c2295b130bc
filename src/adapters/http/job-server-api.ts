/**
 * The job server as the HTTP API serves it: who calls (a principal), what a
 * process job looks like from outside (its reproducible record, never its code),
 * data files and stored data. The HTTP adapter depends on this port; the job
 * server implements it.
 */
import type { Readable } from 'node:stream';

/** The users the serve tokens act as (http-auth.ts): a job-server user of the same name would share their jobs and files. */
export const SERVE_TOKEN_USERS = { admin: 'admin', readOnly: 'readonly' } as const;

/** Who calls: a user of the job server, authenticated by token. */
export interface Principal {
  user: string;
  superuser: boolean;
}

/** A process job's record: enough to reproduce the run, without the code itself. */
export interface ProcessJobView {
  id: string;
  owner: string;
  /** created, queued, loadingData, running, succeeded, failed, cancelled, interrupted or dismissed. */
  state: string;
  process: { kind: 'function' | 'file' | 'eval'; name?: string; /** A file process's arguments. */ args?: string[]; version: string; idempotent: boolean };
  parameters: Record<string, unknown>;
  /** Data references with content hashes (sha256 of the bytes, or of the canonical JSON); empty until loaded for data files. */
  data: { kind: 'datafile' | 'stored' | 'raw'; ref?: string; sha256: string }[];
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  exit?: { code: number | null; signal?: string | null };
  /** Which isolation applied (eval and file processes). */
  protections?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** What a finished process left: a function's or eval's value, a file's stdout and stderr (truncated flags mark a cut). */
export interface ProcessOutput {
  value?: unknown;
  stdout?: string;
  stderr?: string;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

export interface DataFileInfo {
  name: string;
  size: number;
  modifiedAt: number;
  sha256: string;
  owner: string;
}

export interface StoredDataView {
  id: string;
  owner: string;
  datatype: string;
  createdAt: number;
  sha256: string;
}

export interface UsersApi {
  /** Creates a user; the token is returned once and stored only as its sha256. @throws INVALID_INPUT (bad name, exists, bad limit) */
  add(name: string, options?: { superuser?: boolean; maxRunning?: number; maxTotal?: number }): Promise<{ name: string; token: string }>;
  /** The user a token belongs to, compared in constant time; undefined for an unknown token. */
  authenticate(token: string): Promise<Principal | undefined>;
  list(): Promise<{ name: string; superuser: boolean }[]>;
}

export interface DataFilesApi {
  list(): Promise<DataFileInfo[]>;
  /** @throws INVALID_INPUT / PATH_OUTSIDE_ROOT for a refused name, DATA_NOT_FOUND */
  stat(name: string): Promise<DataFileInfo>;
  /** @throws INVALID_INPUT / PATH_OUTSIDE_ROOT for a refused name, DATA_NOT_FOUND */
  read(name: string): Readable;
  /**
   * Streams `body` to a temporary file, then fsyncs and renames it. @throws PAYLOAD_TOO_LARGE past `maxBytes`, checked while
   * streaming (the partial file removed); FORBIDDEN to replace another's file; INVALID_INPUT for a refused name. A refused
   * body is left unread, not destroyed: an HTTP caller sends its answer, then closes the connection.
   */
  write(principal: Principal, name: string, body: Readable): Promise<DataFileInfo>;
  /** @throws FORBIDDEN unless the owner or a superuser; DATA_NOT_FOUND */
  remove(principal: Principal, name: string): Promise<void>;
  readonly maxBytes: number;
}

export interface StoredDataApi {
  /** Validates `{ datatype, value }` (a registered datatype); @throws INVALID_INPUT, PAYLOAD_TOO_LARGE */
  put(principal: Principal, body: unknown): Promise<StoredDataView>;
  /** One entry with its value, if `principal` owns it or is a superuser. @throws DATA_NOT_FOUND (another user's reads as missing) */
  get(principal: Principal, id: string): Promise<StoredDataView & { value: unknown }>;
  /** The entries `principal` may read: their own, or every one for a superuser. */
  list(principal: Principal): Promise<StoredDataView[]>;
  /** @throws FORBIDDEN unless the owner or a superuser; DATA_NOT_FOUND */
  remove(principal: Principal, id: string): Promise<void>;
}

export interface JobServer {
  users: UsersApi;
  /** Validates the request (processJobRequestSchema) and its references, checks the user's limits, spawns the job. @throws INVALID_INPUT, FORBIDDEN (eval), DATA_NOT_FOUND, LIMIT_EXCEEDED */
  submit(principal: Principal, request: unknown): Promise<ProcessJobView>;
  /** @throws ACTOR_NOT_FOUND (also for another user's job) */
  get(principal: Principal, id: string): Promise<ProcessJobView>;
  /** A user sees their own jobs, a superuser all. */
  list(principal: Principal, filter?: { state?: string }): Promise<ProcessJobView[]>;
  /** Cancels a job that is not final (kills a running child's process group); a final job is returned unchanged. @throws ACTOR_NOT_FOUND, FORBIDDEN */
  cancel(principal: Principal, id: string): Promise<ProcessJobView>;
  /** Runs an `interrupted` job again. @throws ACTOR_NOT_FOUND, FORBIDDEN, JOB_RUNNING (not interrupted) */
  rerun(principal: Principal, id: string): Promise<ProcessJobView>;
  /** Ends an `interrupted` job as `dismissed`. @throws ACTOR_NOT_FOUND, FORBIDDEN, JOB_RUNNING (not interrupted) */
  dismiss(principal: Principal, id: string): Promise<ProcessJobView>;
  /** @throws ACTOR_NOT_FOUND; DATA_NOT_FOUND while the job has no output yet */
  output(principal: Principal, id: string): Promise<ProcessOutput>;
  /**
   * Deletes a finished job: its actor, journal, output and every record it left.
   * @throws ACTOR_NOT_FOUND, FORBIDDEN, JOB_RUNNING (not final: cancel it, or dismiss an interrupted one, first),
   * INVALID_OPTIONS when the server was created without a way to delete (`deleteJob`)
   */
  delete(principal: Principal, id: string): Promise<{ id: string; deleted: { actors: number; records: number } }>;
  dataFiles: DataFilesApi;
  storedData: StoredDataApi;
}
