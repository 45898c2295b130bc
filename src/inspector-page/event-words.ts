/**
 * A journal entry's event in words for people: `xstate.done.actor.cleanup`
 * becomes "cleanup finished", `xstate.after.5000.retry` "waited 5 s". The raw
 * name stays in the row's tooltip. Machine events (`item.done`,
 * `file.copied`) are already words, with dots.
 */

/** An invoke's id for people: XState's generated ids (`0.dataload.registering`) by their last part. */
const invokeName = (id: string) => (/^\d+\./.test(id) ? id.split('.').pop() ?? id : id);

const seconds = (ms: number) => (ms < 1_000 ? `${ms} ms` : ms % 1_000 === 0 ? `${ms / 1_000} s` : `${(ms / 1_000).toFixed(1)} s`);

const RULES: [RegExp, (...parts: string[]) => string][] = [
  [/^xstate\.init$/, () => 'started'],
  [/^xstate\.done\.actor\.(.+)$/, (id) => `${invokeName(id!)} finished`],
  [/^xstate\.error\.actor\.(.+)$/, (id) => `${invokeName(id!)} failed`],
  [/^xstate\.after\.(\d+)\.(.+)$/, (ms) => `waited ${seconds(Number(ms))}`],
  [/^xstate\.done\.state\.(.+)$/, (path) => `${path!.split('.').pop()} done`],
  [/^holdfast\.child\.parked$/, () => 'a child was parked'],
  [/^holdfast\.parked$/, () => 'parked'],
  [/^holdfast\.retry$/, () => 'retried by a person'],
];

/** The event's name for people; the raw name when no rule knows it. */
export function eventWords(type: string): string {
  for (const [pattern, words] of RULES) {
    const match = pattern.exec(type);
    if (match) return words(...match.slice(1));
  }
  return type.startsWith('xstate.') || type.startsWith('holdfast.') ? type.split('.').slice(1).join(' ') : type.replace(/\./g, ' ');
}
