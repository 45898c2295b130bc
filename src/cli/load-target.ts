/**
 * What `ingest` and `watch` both take: a source folder, a dataset PID, the
 * file store, and optionally a Dataverse and its token (from flags or the
 * environment: dataverse-credentials.ts). Checked once here, so both refuse
 * bad input (exit 2) with the same words.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parsePid } from '../adapters/files/dataset-location.js';
import type { DataLoadInput } from '../machines/dataload.types.js';
import { usage } from './cli-context.js';
import { resolveCredentials, type CredentialOptions, type Credentials } from './dataverse-credentials.js';

export interface LoadTargetOptions extends CredentialOptions {
  dataset: string;
  filesDir: string;
  fixLabels?: boolean;
  chunkSize: number;
  lockWait: number;
  move?: boolean;
  includeHidden?: boolean;
  exclude: string[];
}

export type LoadTarget = Omit<DataLoadInput, 'allowPartial' | 'hasMetadata' | 'only'>;

/**
 * The load's input, and apart from it the token: the input is stored in the
 * load's snapshot, the token only in the store's secrets.
 *
 * @throws USAGE for a missing folder, a bad URL, a token without a Dataverse or a bad token file; INVALID_PID
 */
export async function loadTarget(dirArgument: string, options: LoadTargetOptions, purpose: 'load' | 'watch', env: NodeJS.ProcessEnv = process.env): Promise<{ target: LoadTarget; credentials: Credentials }> {
  const dir = resolve(dirArgument);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw usage(`${dirArgument} is ${info ? 'not a folder' : 'missing'}: give the folder to ${purpose}`);
  parsePid(options.dataset);
  const credentials = await resolveCredentials(options, env);
  const target: LoadTarget = {
    dir,
    dataset: options.dataset,
    filesDir: resolve(options.filesDir),
    ...(credentials.dataverseUrl ? { dataverseUrl: credentials.dataverseUrl } : {}),
    chunkSize: options.chunkSize,
    lockWaitMs: options.lockWait,
    move: options.move ?? false,
    includeHidden: options.includeHidden ?? false,
    exclude: options.exclude,
    ...(options.fixLabels ? { fixLabels: true } : {}),
  };
  return { target, credentials };
}
