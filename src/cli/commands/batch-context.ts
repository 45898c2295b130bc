/**
 * What the batch-job commands share: loading the host module, opening the
 * store with its applications, turning bad input into exit 2, and parsing
 * the flags every command reads the same way.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { BatchJobs } from '../../adapters/batch/batch-jobs.js';
import { HoldfastError, type ErrorCode } from '../../errors.js';
import { decodeUtf8 } from '../../strict-text.js';
import { loadHostModule, requireHostModule, type LoadedHost } from '../../kinds/host-loader.js';
import { openHoldfast, type Holdfast } from '../assembly.js';
import { createOutput, exitCodeFor, markInputError, type GlobalOptions, type Output } from '../cli-context.js';
import { otherOwner } from '../owner-routing.js';
import { duration, jobOrFail } from './batch-words.js';

export { duration, jobOrFail };

export type Run = (task: () => Promise<number>) => Promise<void>;

export interface BatchOptions extends GlobalOptions {
  app?: string;
}

/**
 * Errors that mean the command was given something wrong (exit 2), beyond the
 * CLI's usual ones: a source that cannot be read, a job or application that
 * does not exist.
 */
const BATCH_INPUT_CODES: ReadonlySet<string> = new Set<ErrorCode | string>(['SOURCE_UNREADABLE', 'JOB_NOT_FOUND', 'UNKNOWN_APPLICATION']);

/** Runs a batch command: bad input is marked so main prints it (JSON too, with --json) and exits 2. */
export function batchTask(task: () => Promise<number>): () => Promise<number> {
  return async () => {
    try {
      return await task();
    } catch (error) {
      if (error instanceof HoldfastError && exitCodeFor(error) === 1 && BATCH_INPUT_CODES.has(error.code)) throw markInputError(error);
      throw error;
    }
  };
}

/** The global options plus the command's own, and an Output. */
export function optionsOf<T extends object>(command: Command): { options: BatchOptions & T; out: Output } {
  const options = command.optsWithGlobals<BatchOptions & T>();
  return { options, out: createOutput(options.json ?? false) };
}

/**
 * Loads the host module: required when `need` is set (a missing one says
 * where it looked), else optional (read-only views work without it).
 */
export async function hostFor(options: BatchOptions, need: boolean): Promise<LoadedHost | undefined> {
  const request = { cwd: process.cwd(), ...(options.app !== undefined ? { app: options.app } : {}) };
  return need ? requireHostModule(request) : loadHostModule(request);
}

export interface OpenBatch {
  holdfast: Holdfast;
  jobs: BatchJobs;
  host: LoadedHost | undefined;
}

/**
 * Opens the store with the host module's applications and runs `task`.
 * `resume` false for commands that only read or write records: they must not
 * start other interrupted work.
 */
export async function withBatchJobs<T>(options: BatchOptions, open: { host: LoadedHost | undefined; resume: boolean }, task: (open: OpenBatch) => Promise<T>): Promise<T> {
  // Each writing command hands its work to an owner first (batch-owner.ts); one that appeared since is refused here.
  const owner = otherOwner(options.store);
  if (owner !== undefined) {
    throw new HoldfastError('STORE_LOCKED', `store ${options.store} is owned by pid ${owner}: this batch command writes, so it waits for that process to end (holdfast batches, exceptions and job ID read beside it)`, {
      details: { ownerPid: owner },
    });
  }
  const holdfast = await openHoldfast({ store: options.store, applications: open.host?.applications ?? [], kinds: open.host?.kinds ?? [], resume: open.resume, listen: open.resume });
  try {
    return await task({ holdfast, jobs: holdfast.batchJobs, host: open.host });
  } finally {
    await holdfast.close();
  }
}


/** `--param K=V` (repeatable) into a record; a value may hold '='. */
export function collectParam(value: string, all: Record<string, string>): Record<string, string> {
  const equals = value.indexOf('=');
  const key = equals === -1 ? '' : value.slice(0, equals).trim();
  if (equals <= 0 || key === '') throw new HoldfastError('USAGE', `--param must be KEY=VALUE, got ${JSON.stringify(value)}`);
  if (Object.hasOwn(all, key)) throw new HoldfastError('USAGE', `--param ${key} is given twice`);
  return { ...all, [key]: value.slice(equals + 1) };
}

/** A JSON file (`--config FILE`): missing is SOURCE_MISSING, malformed INVALID_INPUT naming the file. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HoldfastError(code === 'ENOENT' ? 'SOURCE_MISSING' : 'SOURCE_UNREADABLE', `${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const text = decodeUtf8(bytes, `${flag} ${path}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HoldfastError('INVALID_INPUT', `${flag} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `--value JSON`. */
export function parseJsonValue(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HoldfastError('USAGE', `${flag} must be JSON (quote a string: '"text"'), got ${JSON.stringify(text.slice(0, 200))}: ${(error as Error).message}`);
  }
}

