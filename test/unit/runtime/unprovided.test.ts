import { createActor, toPromise } from 'xstate';
import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../../src/errors.js';
import { unprovided } from '../../../src/machines/unprovided.js';
import { RUNTIME_DEFAULTS } from '../../../src/runtime/runtime-defaults.js';

describe('unprovided', () => {
  it('fails at once with EFFECT_UNKNOWN, naming the effect, and asks for no retry', async () => {
    const actor = createActor(unprovided<string, { file: string }>('copyFile'), { input: { file: 'a.csv' } });
    actor.subscribe({ error: () => {} });
    actor.start();
    const error = await toPromise(actor).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'EFFECT_UNKNOWN', details: { effect: 'copyFile' } });
    expect((error as Error).message).toMatch(/^\[EFFECT_UNKNOWN\] effect copyFile was not provided/);
  });
});

describe('the runtime defaults', () => {
  it('are one frozen object', () => {
    expect(Object.isFrozen(RUNTIME_DEFAULTS)).toBe(true);
    expect(RUNTIME_DEFAULTS).toMatchObject({ durability: 'flush', concurrency: 64, closeGraceMs: 2_000 });
  });
});
