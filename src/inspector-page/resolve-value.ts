/**
 * Checks a resolution typed on the page before it is sent: JSON, within the
 * server's size and depth limits (the server checks again), so a person sees
 * what is wrong at once instead of an error frame.
 */
import { nestingDepth, RESOLVE_VALUE_MAX_BYTES, RESOLVE_VALUE_MAX_DEPTH } from '../adapters/inspector/inspector-protocol.js';

export type Checked = { ok: true; value: unknown } | { ok: false; problem: string };

export function checkResolution(text: string): Checked {
  if (text.trim() === '') return { ok: false, problem: 'type a JSON value (a string needs quotes: "Paris")' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not JSON: ${(error as Error).message}` };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > RESOLVE_VALUE_MAX_BYTES) return { ok: false, problem: `${bytes} bytes of JSON; at most ${RESOLVE_VALUE_MAX_BYTES}` };
  if (nestingDepth(value, RESOLVE_VALUE_MAX_DEPTH) > RESOLVE_VALUE_MAX_DEPTH) return { ok: false, problem: `nested over ${RESOLVE_VALUE_MAX_DEPTH} levels deep` };
  return { ok: true, value };
}
