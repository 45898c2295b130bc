import { describe, expect, it } from 'vitest';
import { HoldfastError, NonRetryableError, toHoldfastError } from '../../src/errors.js';

describe('HoldfastError', () => {
  it('starts its message with the code and round-trips through JSON', () => {
    const error = new HoldfastError('ACTOR_NOT_FOUND', 'no actor a1', { details: { id: 'a1' } });
    expect(error.message).toBe('[ACTOR_NOT_FOUND] no actor a1');
    const copy = HoldfastError.fromJSON(JSON.parse(JSON.stringify(error)));
    expect(copy.code).toBe('ACTOR_NOT_FOUND');
    expect(copy.reason).toBe('no actor a1');
    expect(copy.details).toEqual({ id: 'a1' });
  });

  it('wraps foreign errors and keeps the cause', () => {
    const cause = new Error('boom');
    const wrapped = toHoldfastError(cause);
    expect(wrapped.code).toBe('EFFECT_FAILED');
    expect(wrapped.cause).toBe(cause);
    expect(toHoldfastError(new NonRetryableError('stop'))).toBeInstanceOf(NonRetryableError);
  });
});

describe('docs/errors.md', () => {
  it('lists every error code with what to do', async () => {
    const { readFileSync } = await import('node:fs');
    const { ErrorCodes } = await import('../../src/errors.js');
    const table = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const missing = ErrorCodes.filter((code) => !table.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });
});
