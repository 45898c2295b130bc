/**
 * `--source SPEC`: parsing a spec and opening it as a stream of items with
 * stable ids. Schemes: jsonl:PATH[#FIELD], csv:PATH[#FIELD], dir:PATH,
 * app:NAME (a host module's source), exceptions:JOB and results:JOB.
 */
import { isAbsolute, resolve } from 'node:path';
import { HoldfastError } from '../../../errors.js';
import { appItems } from './app-source.js';
import { csvItems } from './csv-source.js';
import { dirItems } from './dir-source.js';
import type { HostSource, SourceItem } from './item-source.js';
import { jsonlItems } from './jsonl-source.js';
import { jobItems, type JobsReader } from './job-source.js';
import { checkSourcePath } from './source-file.js';

export const SOURCE_SCHEMES = ['jsonl', 'csv', 'dir', 'app', 'exceptions', 'results'] as const;

export type SourceSpec =
  | { scheme: 'jsonl' | 'csv'; path: string; field?: string }
  | { scheme: 'dir'; path: string }
  | { scheme: 'app'; name: string }
  | { scheme: 'exceptions' | 'results'; job: string };

/** What opening a source may need besides the spec. */
export interface SourceContext {
  /** Relative paths resolve against it. */
  cwd: string;
  /** The host module's sources, for `app:NAME`. */
  sources?: Readonly<Record<string, HostSource>>;
  /** Other jobs' exceptions and results, for `exceptions:JOB` and `results:JOB`. */
  jobs?: JobsReader;
}

const SCHEME_LIST = SOURCE_SCHEMES.map((scheme) => `${scheme}:`).join(', ');

/**
 * Parses `--source SPEC`; relative paths resolve against `cwd`.
 * @throws INVALID_INPUT naming the spec and listing the schemes
 * @example parseSourceSpec('jsonl:data/a.jsonl#id', '/work') // { scheme: 'jsonl', path: '/work/data/a.jsonl', field: 'id' }
 */
export function parseSourceSpec(spec: string, cwd: string): SourceSpec {
  const colon = spec.indexOf(':');
  const scheme = colon === -1 ? '' : spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  const bad = (why: string) => new HoldfastError('INVALID_INPUT', `bad --source ${JSON.stringify(spec)}: ${why}`, { details: { spec } });
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme)) throw bad(`the scheme must be one of ${SCHEME_LIST}`);
  if (rest.trim() === '') throw bad(`nothing after "${scheme}:"`);
  switch (scheme as (typeof SOURCE_SCHEMES)[number]) {
    case 'jsonl':
    case 'csv': {
      // The last '#' starts the id field, unless what follows it looks like a path.
      const last = rest.lastIndexOf('#');
      const hash = last !== -1 && rest.slice(last + 1).includes('/') ? -1 : last;
      const field = hash === -1 ? undefined : rest.slice(hash + 1);
      if (field === '') throw bad('the id field after "#" must be a non-empty name');
      const path = absolute(hash === -1 ? rest : rest.slice(0, hash), cwd);
      return field === undefined ? { scheme: scheme as 'jsonl' | 'csv', path } : { scheme: scheme as 'jsonl' | 'csv', path, field };
    }
    case 'dir':
      return { scheme: 'dir', path: absolute(rest, cwd) };
    case 'app':
      return { scheme: 'app', name: rest };
    default:
      return { scheme: scheme as 'exceptions' | 'results', job: rest };
  }
}

/** The spec as a job records it: paths absolute. */
export function formatSourceSpec(spec: SourceSpec): string {
  switch (spec.scheme) {
    case 'jsonl':
    case 'csv':
      return `${spec.scheme}:${spec.path}${spec.field === undefined ? '' : `#${spec.field}`}`;
    case 'dir':
      return `dir:${spec.path}`;
    case 'app':
      return `app:${spec.name}`;
    default:
      return `${spec.scheme}:${spec.job}`;
  }
}

/**
 * Opens a source: checks at once that its file, folder, host source or job
 * exists (so a bad spec fails before anything is created), then streams items.
 * @throws SOURCE_MISSING, SOURCE_UNREADABLE, INVALID_INPUT, JOB_NOT_FOUND
 */
export async function openSource(spec: SourceSpec, context: SourceContext): Promise<AsyncIterable<SourceItem>> {
  switch (spec.scheme) {
    case 'jsonl':
      await checkSourcePath(spec.path, 'file');
      return jsonlItems(spec.path, spec.field);
    case 'csv':
      await checkSourcePath(spec.path, 'file');
      return csvItems(spec.path, spec.field);
    case 'dir':
      await checkSourcePath(spec.path, 'folder');
      return dirItems(spec.path);
    case 'app':
      return appItems(spec.name, context.sources);
    default:
      if (!context.jobs) throw new HoldfastError('INVALID_INPUT', `--source ${spec.scheme}:JOB needs the store's jobs`);
      return jobItems(spec.scheme, spec.job, context.jobs);
  }
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
