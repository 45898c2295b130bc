/**
 * A batch-job application (issue 5): a name, a code version, an optional
 * config schema, and a DAG of named steps run on every item. Each step is a
 * function of the item and the results of the steps it names in `after`.
 * Applications are plain objects; `defineApplication` checks the DAG.
 */
import { createHash } from 'node:crypto';
import { HoldfastError } from '../../errors.js';

/** What a step receives besides the item and its inputs. */
export interface StepContext {
  jobId: string;
  itemId: string;
  config: unknown;
  params: Record<string, string>;
}

/** One node of the DAG. */
export interface DagStep {
  name: string;
  /** Names of the steps whose results it takes (as `inputs[name]`). */
  after?: string[];
  run(item: unknown, inputs: Record<string, unknown>, context: StepContext): unknown | Promise<unknown>;
  /** A promise from `run` that takes longer fails the item with STEP_TIMEOUT (so one stuck item never holds up its batch). @default none */
  timeoutMs?: number;
}

/** A schema with zod's `safeParse` shape. */
export interface ConfigSchema {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

export interface Application {
  name: string;
  /** Code version; the host-module loader fills it with the module's hash when absent, else a hash of the steps' source. */
  version?: string;
  config?: ConfigSchema;
  steps: DagStep[];
  /** The step whose output is the item's result. @default the last step in order */
  result?: string;
}

/** An application's steps in an order where each comes after the steps it takes. */
export interface DagPlan {
  order: { name: string; run: DagStep['run']; after: string[]; timeoutMs?: number }[];
  result: string;
  codeVersion: string;
}

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
const plans = new WeakMap<Application, DagPlan>();

/**
 * Checks an application: a valid name, unique step names, `after` naming known
 * steps, no cycle, `result` naming a step.
 * @throws INVALID_INPUT naming the problem
 * @example
 * defineApplication({ name: 'clean', steps: [{ name: 'trim', run: (item) => String(item).trim() }] });
 */
export function defineApplication<T extends Application>(app: T): T {
  planOf(app);
  return app;
}

/** The checked, ordered DAG of an application (cached per object). */
export function planOf(app: Application): DagPlan {
  const cached = plans.get(app);
  if (cached) return cached;
  const plan = buildPlan(app);
  plans.set(app, plan);
  return plan;
}

function buildPlan(app: Application): DagPlan {
  const bad = (message: string) => new HoldfastError('INVALID_INPUT', `application ${typeof app?.name === 'string' ? `"${app.name}"` : ''}: ${message}`);
  if (typeof app !== 'object' || app === null) throw new HoldfastError('INVALID_INPUT', 'an application is an object with a name and steps');
  if (typeof app.name !== 'string' || !NAME.test(app.name)) throw bad('name must be 1-100 letters, digits or _.:-');
  if (app.version !== undefined && (typeof app.version !== 'string' || app.version.length === 0)) throw bad('version must be a non-empty string');
  if (app.config !== undefined && typeof app.config?.safeParse !== 'function') throw bad('config must be a schema with safeParse (a zod schema)');
  if (!Array.isArray(app.steps) || app.steps.length === 0) throw bad('steps must be a non-empty array');
  const byName = new Map<string, DagStep>();
  for (const [index, step] of app.steps.entries()) {
    if (typeof step !== 'object' || step === null || typeof step.name !== 'string' || !NAME.test(step.name)) throw bad(`steps[${index}] needs a name of 1-100 letters, digits or _.:-`);
    if (typeof step.run !== 'function') throw bad(`step "${step.name}" has no run function`);
    if (byName.has(step.name)) throw bad(`two steps are named "${step.name}"`);
    if (step.after !== undefined && (!Array.isArray(step.after) || step.after.some((name) => typeof name !== 'string'))) throw bad(`step "${step.name}": after must be an array of step names`);
    if (step.timeoutMs !== undefined && !(Number.isFinite(step.timeoutMs) && step.timeoutMs > 0)) throw bad(`step "${step.name}": timeoutMs must be a positive number`);
    byName.set(step.name, step);
  }
  for (const step of app.steps) {
    for (const name of step.after ?? []) if (!byName.has(name)) throw bad(`step "${step.name}" comes after unknown step "${name}"`);
  }
  const order: DagPlan['order'] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: DagStep, path: string[]) => {
    const seen = state.get(step.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw bad(`steps form a cycle: ${[...path, step.name].join(' -> ')}`);
    state.set(step.name, 'visiting');
    for (const name of step.after ?? []) visit(byName.get(name)!, [...path, step.name]);
    state.set(step.name, 'done');
    order.push({ name: step.name, run: step.run, after: [...(step.after ?? [])], ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}) });
  };
  for (const step of app.steps) visit(step, []);
  const result = app.result ?? order[order.length - 1]!.name;
  if (!byName.has(result)) throw bad(`result names unknown step "${result}"`);
  return { order, result, codeVersion: app.version ?? sourceHash(app) };
}

/** A code version for an application given none: the steps' names, edges and source text. */
function sourceHash(app: Application): string {
  const hash = createHash('sha256');
  for (const step of app.steps) hash.update(`${step.name}\u0000${(step.after ?? []).join(',')}\u0000${String(step.run)}\u0000`);
  hash.update(app.result ?? '');
  return hash.digest('hex').slice(0, 12);
}

/** Applications by name; refuses two with one name. */
export function applicationIndex(applications: readonly Application[]): Map<string, Application> {
  const index = new Map<string, Application>();
  for (const app of applications) {
    planOf(app);
    if (index.has(app.name)) throw new HoldfastError('INVALID_INPUT', `two applications are named "${app.name}"`);
    index.set(app.name, app);
  }
  return index;
}

/**
 * Validates a job's config against the application's schema.
 * @throws INVALID_INPUT naming every failing path
 */
export function validateConfig(app: Application, config: unknown): unknown {
  if (!app.config) {
    if (config === undefined) return null;
    assertJson(config, 'config');
    return config;
  }
  const parsed = app.config.safeParse(config ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new HoldfastError('INVALID_INPUT', `config for application "${app.name}" is invalid: ${problems.join('; ')}`, { details: { problems } });
  }
  assertJson(parsed.data, 'config');
  return parsed.data ?? null;
}

/** A config's hash: sha256 of its canonical JSON (keys sorted), first 12 hex digits. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().filter((key) => (value as Record<string, unknown>)[key] !== undefined);
    return `{${entries.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function assertJson(value: unknown, what: string): void {
  try {
    JSON.stringify(value);
  } catch (cause) {
    throw new HoldfastError('INVALID_INPUT', `${what} is not JSON: ${(cause as Error).message}`, { cause });
  }
}
