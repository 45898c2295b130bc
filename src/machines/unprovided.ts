/**
 * The stand-in for an effect a machine names and the entry point provides
 * (`machine.provide({ actors })`): typed by the effect's output and input, so
 * the machine's `onDone` events are, and failing at once with EFFECT_UNKNOWN
 * (no retry: running it again provides nothing) where nothing was provided.
 */
import { fromPromise, type PromiseActorLogic } from 'xstate';
import { NonRetryableError } from '../errors.js';

export function unprovided<TOutput, TInput>(name: string): PromiseActorLogic<TOutput, TInput> {
  return fromPromise<TOutput, TInput>(async () => {
    throw new NonRetryableError(`effect ${name} was not provided: provide it with machine.provide({ actors })`, { code: 'EFFECT_UNKNOWN', details: { effect: name } });
  });
}
