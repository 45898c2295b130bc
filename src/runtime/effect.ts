/**
 * Declares an effect implementation for `machine.provide({ actors })`: a
 * function of the input and the effect context `{ idempotencyKey, attempt,
 * signal }`. It is XState's `fromPromise` logic, so machines stay plain XState.
 */
import { fromPromise } from 'xstate';
import type { EffectContext } from './effect-runner.js';

export function effect<TOutput, TInput = unknown>(run: (input: TInput, context: EffectContext) => Promise<TOutput>) {
  return fromPromise<TOutput, TInput>((args) => {
    const context = args as unknown as Partial<EffectContext> & { signal: AbortSignal };
    return run(args.input, { idempotencyKey: context.idempotencyKey ?? '', attempt: context.attempt ?? 1, signal: context.signal, ...(context.records ? { records: context.records } : {}) });
  });
}
