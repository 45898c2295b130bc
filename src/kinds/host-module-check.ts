/**
 * The shape check of a host module: each field of HostModule with the type it
 * must have. A wrong one is INVALID_INPUT naming the module and the field.
 */
import { jobSchema } from '../adapters/tasks/job-model.js';
import { HoldfastError } from '../errors.js';
import type { HostModule } from './host-module.js';

const RECORDS_OF_FUNCTIONS = ['sources', 'functions', 'datatypes', 'tasks'] as const;
const FOLDERS = ['scriptsDir', 'dataDir'] as const;
const KNOWN = new Set<string>(['applications', 'kinds', ...RECORDS_OF_FUNCTIONS, ...FOLDERS, 'queues']);

/**
 * Checks `exported` (a default export, or a module namespace) and returns it as a HostModule.
 * A default export with unknown fields is refused (a typo like `application`);
 * a namespace may export other things.
 */
export function checkHostModule(exported: { value: unknown; isDefault: boolean }, path: string): HostModule {
  const { value, isDefault } = exported;
  const bad = (field: string, why: string) => new HoldfastError('INVALID_INPUT', `host module ${path}: ${field} ${why}`, { details: { path, field } });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('default export', 'must be an object (a HostModule)');
  const module = value as Record<string, unknown>;
  if (isDefault) {
    const unknown = Object.keys(module).filter((key) => !KNOWN.has(key));
    if (unknown.length > 0) throw bad(unknown.join(', '), `is not a host module field (known: ${[...KNOWN].join(', ')})`);
  }
  if (module.applications !== undefined) {
    if (!Array.isArray(module.applications)) throw bad('applications', 'must be an array of applications');
    module.applications.forEach((app, index) => {
      if (typeof app !== 'object' || app === null) throw bad(`applications[${index}]`, 'must be an object');
      const { name, steps, version } = app as Record<string, unknown>;
      if (typeof name !== 'string' || name.trim() === '') throw bad(`applications[${index}].name`, 'must be a non-empty string');
      if (!Array.isArray(steps) || steps.length === 0) throw bad(`applications[${index}].steps`, 'must be a non-empty array of steps');
      if (version !== undefined && (typeof version !== 'string' || version === '')) throw bad(`applications[${index}].version`, 'must be a non-empty string when given');
    });
  }
  for (const field of RECORDS_OF_FUNCTIONS) {
    const record = module[field];
    if (record === undefined) continue;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw bad(field, 'must be an object of functions by name');
    for (const [name, fn] of Object.entries(record)) if (typeof fn !== 'function') throw bad(`${field}.${name}`, `must be a function, got ${typeof fn}`);
  }
  checkTaskQueues(module, bad);
  if (module.kinds !== undefined) {
    if (!Array.isArray(module.kinds)) throw bad('kinds', 'must be an array of kinds of work (defineKind)');
    module.kinds.forEach((kind, index) => {
      const { name, jobs, actors, machines } = (kind ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || name.trim() === '') throw bad(`kinds[${index}].name`, 'must be a non-empty string');
      if (!Array.isArray(jobs) || !Array.isArray(actors)) throw bad(`kinds[${index}]`, 'must list its `jobs` and `actors` machine names');
      if (typeof machines !== 'function') throw bad(`kinds[${index}].machines`, 'must be a function returning machine definitions');
    });
  }
  for (const field of FOLDERS) {
    const folder = module[field];
    if (folder !== undefined && (typeof folder !== 'string' || folder === '')) throw bad(field, 'must be a folder path (a non-empty string)');
  }
  return module as HostModule;
}

/** `tasks` come with `queues` (and the other way round): queue names a job may carry, each with a positive concurrency. */
function checkTaskQueues(module: Record<string, unknown>, bad: (field: string, why: string) => HoldfastError): void {
  const { tasks, queues } = module;
  if (queues === undefined) {
    if (tasks !== undefined) throw bad('queues', 'must be given with tasks: the queues this process works, each with how many jobs run at once, e.g. { default: 1 }');
    return;
  }
  if (typeof queues !== 'object' || queues === null || Array.isArray(queues)) throw bad('queues', 'must be an object of concurrencies by queue name, e.g. { default: 1 }');
  if (tasks === undefined) throw bad('tasks', 'must be given with queues: the tasks that run on them, by name');
  if (Object.keys(queues).length === 0) throw bad('queues', 'must name at least one queue');
  for (const [queue, concurrency] of Object.entries(queues)) {
    if (!jobSchema.shape.queue.safeParse(queue).success) throw bad(`queues.${queue}`, 'is not a queue name (letters, digits, ".", "_" and "-")');
    if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency <= 0) throw bad(`queues.${queue}`, `must be a positive integer (jobs at once), got ${JSON.stringify(concurrency)}`);
  }
}
