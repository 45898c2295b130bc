/**
 * Time and ids are injected (STYLE.md): machines never read the clock; the
 * runtime stamps events and stores absolute due times. Tests pass a simulated clock.
 */
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Not unref'd: an open runtime with a timer due has work to do; close() clears them.
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Short, sortable-by-time, random ids: base36 milliseconds and 8 random hex chars. */
export function createIdGenerator(clock: Clock = systemClock): (prefix?: string) => string {
  return (prefix = 'a') => `${prefix}${clock.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
