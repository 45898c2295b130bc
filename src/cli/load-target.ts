/**
 * What `ingest` and `watch` both take: a source folder, a dataset PID, the
 * file store, and optionally a Dataverse. Checked once here, so both refuse
 * bad input (exit 2) with the same words.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parsePid } from '../adapters/files/dataset-location.js';
import type { DataLoadInput } from '../machines/dataload.types.js';
import { usage } from './cli-context.js';

export interface LoadTargetOptions {
  dataset: string;
  filesDir: string;
  dataverse?: string;
  token?: string;
  chunkSize: number;
  lockWait: number;
  move?: boolean;
  includeHidden?: boolean;
  exclude: string[];
}

export type LoadTarget = Omit<DataLoadInput, 'allowPartial' | 'hasMetadata' | 'only'>;

/** @throws USAGE for a missing folder, a bad URL or a token without a Dataverse; INVALID_PID */
export async function loadTarget(dirArgument: string, options: LoadTargetOptions, purpose: 'load' | 'watch'): Promise<LoadTarget> {
  const dir = resolve(dirArgument);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw usage(`${dirArgument} is ${info ? 'not a folder' : 'missing'}: give the folder to ${purpose}`);
  parsePid(options.dataset);
  const dataverseUrl = options.dataverse?.replace(/\/+$/, '');
  if (dataverseUrl !== undefined && !/^https?:\/\//.test(dataverseUrl)) throw usage(`--dataverse must be an http(s) URL, got ${JSON.stringify(options.dataverse)}`);
  if (options.token !== undefined && dataverseUrl === undefined) throw usage('--token needs --dataverse');
  return {
    dir,
    dataset: options.dataset,
    filesDir: resolve(options.filesDir),
    ...(dataverseUrl ? { dataverseUrl } : {}),
    chunkSize: options.chunkSize,
    lockWaitMs: options.lockWait,
    move: options.move ?? false,
    includeHidden: options.includeHidden ?? false,
    exclude: options.exclude,
  };
}
