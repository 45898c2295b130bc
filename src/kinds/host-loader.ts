/**
 * Loads the host module: `--app FILE`, or else the first of
 * `holdfast.config.ts|.mts|.js|.mjs` in the current folder. TypeScript is
 * loaded through jiti (Node 20 cannot strip types). Checks the module's shape,
 * names the field that is wrong, and gives every application a code version:
 * its own `version`, or the first 12 hex digits of the module file's sha256.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createJiti } from 'jiti';
import { defineTasks } from '../adapters/tasks/task-registry.js';
import type { TaskWorkerOptions } from '../adapters/tasks/task-worker.js';
import { defineApplication, type Application } from '../adapters/batch/application.js';
import { HoldfastError } from '../errors.js';
import type { WorkKind } from './work-kind.js';
import type { HostModule } from './host-module.js';
import { checkHostModule } from './host-module-check.js';

/** The file names looked for in the current folder, in this order. */
export const HOST_MODULE_NAMES = ['holdfast.config.ts', 'holdfast.config.mts', 'holdfast.config.js', 'holdfast.config.mjs'] as const;

export interface LoadedHost {
  /** The module as exported (its default export, or the module itself). */
  module: HostModule;
  /** Absolute path of the module file. */
  path: string;
  /** sha256 of the module file's bytes, first 12 hex digits. */
  codeVersion: string;
  /** The applications, each checked by defineApplication and with its `version` filled. */
  applications: Application[];
  /** Its kinds of work (checked for shape). */
  kinds: WorkKind[];
  /** `scriptsDir` / `dataDir` resolved against the module's folder. */
  scriptsDir?: string;
  dataDir?: string;
  /** The task worker of `tasks` and `queues`, for the commands that run task jobs (serve, resume). */
  tasks?: TaskWorkerOptions;
}

export interface LoadHostOptions {
  /** `--app FILE` (relative to cwd). */
  app?: string;
  cwd: string;
}

/**
 * Loads the host module, or resolves undefined when no `--app` is given and
 * no holdfast.config.* is in `cwd`.
 * @throws SOURCE_MISSING when `--app FILE` does not exist; INVALID_INPUT when the
 *   module throws while loading (its message quoted) or has the wrong shape (the field named)
 */
export async function loadHostModule(options: LoadHostOptions): Promise<LoadedHost | undefined> {
  const path = options.app !== undefined ? resolvePath(options.app, options.cwd) : await findConfig(options.cwd);
  if (path === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HoldfastError('SOURCE_MISSING', `host module ${path} does not exist`, { details: { path } });
    throw new HoldfastError('SOURCE_UNREADABLE', `host module ${path} cannot be read: ${(error as Error).message}`, { details: { path } });
  }
  const codeVersion = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const exported = await importModule(path);
  const module = checkHostModule(exported, path);
  const applications = (module.applications ?? []).map((app, index) => {
    try {
      const defined = defineApplication(app as Application);
      return { ...defined, version: defined.version ?? codeVersion };
    } catch (error) {
      throw new HoldfastError('INVALID_INPUT', `host module ${path}: applications[${index}]: ${(error as Error).message}`, { cause: error });
    }
  });
  const names = new Set<string>();
  for (const app of applications) {
    if (names.has(app.name)) throw new HoldfastError('INVALID_INPUT', `host module ${path}: two applications are named "${app.name}"`);
    names.add(app.name);
  }
  const folder = dirname(path);
  const tasks = taskWorker(module, path);
  return {
    module,
    path,
    codeVersion,
    applications,
    ...(tasks ? { tasks } : {}),
    kinds: (module.kinds ?? []) as WorkKind[],
    ...(module.scriptsDir !== undefined ? { scriptsDir: resolve(folder, module.scriptsDir) } : {}),
    ...(module.dataDir !== undefined ? { dataDir: resolve(folder, module.dataDir) } : {}),
  };
}

/**
 * Like loadHostModule, but a missing module is an error saying where it looked.
 * @throws INVALID_INPUT when no host module is found
 */
export async function requireHostModule(options: LoadHostOptions): Promise<LoadedHost> {
  const host = await loadHostModule(options);
  if (host === undefined) {
    throw new HoldfastError('INVALID_INPUT', `no host module: give --app FILE, or put one of ${HOST_MODULE_NAMES.join(', ')} in ${resolve(options.cwd)}`, {
      details: { cwd: resolve(options.cwd), looked: [...HOST_MODULE_NAMES] },
    });
  }
  return host;
}

/** The module's tasks as a registry (their names checked), with its queues. */
function taskWorker(module: HostModule, path: string): TaskWorkerOptions | undefined {
  if (module.tasks === undefined || module.queues === undefined) return undefined;
  try {
    return { tasks: defineTasks(module.tasks), queues: { ...module.queues } };
  } catch (error) {
    throw new HoldfastError('INVALID_INPUT', `host module ${path}: tasks: ${(error as HoldfastError).reason}`, { cause: error, details: { path, field: 'tasks' } });
  }
}

async function findConfig(cwd: string): Promise<string | undefined> {
  for (const name of HOST_MODULE_NAMES) {
    const path = resolve(cwd, name);
    try {
      await stat(path);
      return path;
    } catch (error) {
      // Anything but "not there" (no permission) is reported when it is read.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return path;
    }
  }
  return undefined;
}

/** Default export if there is one, else the module namespace. */
async function importModule(path: string): Promise<{ value: unknown; isDefault: boolean }> {
  // moduleCache off: a module edited since the last load (a code fix) is loaded afresh.
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
  let namespace: Record<string, unknown>;
  try {
    namespace = (await jiti.import(path)) as Record<string, unknown>;
  } catch (error) {
    throw new HoldfastError('INVALID_INPUT', `host module ${path} failed to load: ${(error as Error)?.message ?? String(error)}`, { cause: error, details: { path } });
  }
  if (namespace !== null && typeof namespace === 'object' && 'default' in namespace && namespace.default !== undefined) return { value: namespace.default, isDefault: true };
  return { value: namespace, isDefault: false };
}

function resolvePath(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
