/**
 * Checks a resolution typed on the page before it is sent: JSON, within the
 * server's size and depth limits (the server checks again), so a person sees
 * what is wrong at once instead of an error frame.
 */
import { RESOLVE_VALUE_MAX_BYTES, RESOLVE_VALUE_MAX_DEPTH } from '../adapters/inspector/inspector-protocol.js';

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
  if (depthOf(value) > RESOLVE_VALUE_MAX_DEPTH) return { ok: false, problem: `nested over ${RESOLVE_VALUE_MAX_DEPTH} levels deep` };
  return { ok: true, value };
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > RESOLVE_VALUE_MAX_DEPTH) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
