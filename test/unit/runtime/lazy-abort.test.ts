import { describe, expect, it } from 'vitest';
import { LazyAbort } from '../../../src/runtime/lazy-abort.js';

describe('LazyAbort', () => {
  it('gives a signal that aborts with the reason, when the signal was asked for first', () => {
    const abort = new LazyAbort();
    const signal = abort.signal;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    expect(signal.aborted).toBe(false);
    abort.abort('left the state');
    expect([abort.aborted, signal.aborted, heard]).toEqual([true, true, ['left the state']]);
    expect(abort.signal).toBe(signal);
  });

  it('gives an already-aborted signal, with the first reason, when asked for after the abort', () => {
    const abort = new LazyAbort();
    abort.abort('first');
    abort.abort('second');
    expect(abort.reason).toBe('first');
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe('first');
  });

  it('is not aborted, and has no reason, until aborted', () => {
    const abort = new LazyAbort();
    expect([abort.aborted, abort.reason]).toEqual([false, undefined]);
  });
});
