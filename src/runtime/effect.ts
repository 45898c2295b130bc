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
    const given: EffectContext = {
      idempotencyKey: context.idempotencyKey ?? '',
      attempt: context.attempt ?? 1,
      // Read through: the runner makes the signal only when an implementation asks for it.
      get signal() {
        return context.signal;
      },
    };
    if (context.records) given.records = context.records;
    return run(args.input, given);
  });
}
