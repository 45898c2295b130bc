/**
 * How a pending object or link reads what the service told it: an effect's
 * error, or the `service.callback` event that follows a 202 answer. Pure.
 */
import type { ErrorJson, Identifiers, ServiceCallback } from './import.types.js';

/** True for a JSON object: what the service names a created object or link with. */
export function isIdentifiers(value: unknown): value is Identifiers {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a callback that carries identifiers. */
export function calledBackCreated({ event }: { event: { type: string } }): boolean {
  return event.type === 'service.callback' && isIdentifiers((event as { identifiers?: unknown }).identifiers);
}

/** The error a callback reports (one with neither identifiers nor an error is an error too). */
export function callbackError(event: ServiceCallback | { type: string }): ErrorJson {
  const error = (event as { error?: unknown }).error as { message?: unknown; code?: unknown } | undefined;
  if (typeof error !== 'object' || error === null) return { code: 'IMPORT_REJECTED', message: 'the service called back with neither identifiers nor an error' };
  const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
  return { code: 'IMPORT_REJECTED', message: typeof error.code === 'string' ? `${error.code}: ${message}` : message };
}

/** A failed effect's error as the machine stores it. */
export function errorOf(error: unknown): ErrorJson {
  const { code = 'EFFECT_FAILED', message = String(error) } = (error ?? {}) as Partial<ErrorJson>;
  return { code, message };
}

/**
 * A 202's callback, in `creating` (it may arrive before the 202 answer is stored)
 * and in `awaitingCallback`: identifiers complete the actor, anything else ends it `error`.
 */
export const onServiceCallback = {
  'service.callback': [
    { guard: 'calledBackCreated', target: 'complete', actions: 'keepCallbackIdentifiers' },
    { target: 'error', actions: 'keepCallbackError' },
  ],
} as const;
