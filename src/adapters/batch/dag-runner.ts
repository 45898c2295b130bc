/**
 * Runs one item through an application's DAG: each step in order, given the
 * results of the steps it names; the first step that throws ends the item as
 * an exception at that step. Every node run is timed into its counter. A step
 * that returns a promise is awaited; a plain value is taken as is (no await,
 * so a chunk of synchronous steps costs no microtask per step).
 */
import type { DagPlan, StepContext } from './application.js';
import type { ErrorInfo } from './batch-records.js';
import { NodeCounter } from './node-stats.js';

export type ItemOutcome = { ok: true; value: unknown } | { ok: false; step: string; error: ErrorInfo };

/** Longest message and stack kept on an exception. */
const MAX_MESSAGE = 2_000;
const MAX_STACK = 4_000;

export class DagRunner {
  readonly counters: Map<string, NodeCounter>;
  /** The counters in DAG order (no map lookup per node run). */
  private readonly byIndex: NodeCounter[];
  private readonly resultIndex: number;

  constructor(private readonly plan: DagPlan) {
    this.byIndex = plan.order.map(() => new NodeCounter());
    this.counters = new Map(plan.order.map((node, index) => [node.name, this.byIndex[index]!]));
    this.resultIndex = plan.order.findIndex((node) => node.name === plan.result);
  }

  /** Runs the item; never throws (a step's failure is the outcome). */
  run(item: unknown, context: StepContext): ItemOutcome | Promise<ItemOutcome> {
    const outputs: Record<string, unknown> = {};
    return this.from(0, item, context, outputs);
  }

  private from(start: number, item: unknown, context: StepContext, outputs: Record<string, unknown>): ItemOutcome | Promise<ItemOutcome> {
    const order = this.plan.order;
    // One clock read per node boundary: a node's time runs from the previous node's end to its own.
    let startedAt = performance.now();
    for (let index = start; index < order.length; index++) {
      const node = order[index]!;
      const counter = this.byIndex[index]!;
      const inputs: Record<string, unknown> = {};
      for (let i = 0; i < node.after.length; i++) inputs[node.after[i]!] = outputs[node.after[i]!];
      let value: unknown;
      try {
        value = node.run(item, inputs, context);
      } catch (error) {
        counter.record(performance.now() - startedAt, false);
        return { ok: false, step: node.name, error: errorInfo(error) };
      }
      if (isThenable(value)) return this.awaitStep(value, startedAt, index, item, context, outputs);
      const endedAt = performance.now();
      counter.record(endedAt - startedAt, true);
      startedAt = endedAt;
      outputs[node.name] = value;
    }
    return { ok: true, value: outputs[order[this.resultIndex]!.name] };
  }

  private async awaitStep(pending: PromiseLike<unknown>, startedAt: number, index: number, item: unknown, context: StepContext, outputs: Record<string, unknown>): Promise<ItemOutcome> {
    const node = this.plan.order[index]!;
    const counter = this.byIndex[index]!;
    try {
      outputs[node.name] = await (node.timeoutMs === undefined ? pending : withTimeout(pending, node.timeoutMs, node.name));
    } catch (error) {
      counter.record(performance.now() - startedAt, false);
      return { ok: false, step: node.name, error: errorInfo(error) };
    }
    counter.record(performance.now() - startedAt, true);
    return this.from(index + 1, item, context, outputs);
  }
}

/** The step's promise, or a STEP_TIMEOUT failure once `ms` have passed (the promise itself runs on, unheard). */
function withTimeout(pending: PromiseLike<unknown>, ms: number, step: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`step ${step} took longer than ${ms} ms`), { code: 'STEP_TIMEOUT' })), ms);
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** What an exception keeps of a thrown value: its code, message and stack (bounded). */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      message: error.message.slice(0, MAX_MESSAGE),
      ...(error.stack ? { stack: error.stack.slice(0, MAX_STACK) } : {}),
    };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { message: message.slice(0, MAX_MESSAGE) };
}
