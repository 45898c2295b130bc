/**
 * Durations on the command line: milliseconds as everywhere (`--settle 2000`),
 * or a number with a unit for the long ones retention takes (`90s`, `30m`,
 * `12h`, `7d`; `ms` too).
 */
import { usage } from './cli-context.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `flag`'s value to milliseconds, or throws USAGE naming the flag and the forms it takes. */
export function duration(flag: string) {
  return (value: string): number => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
    const ms = match ? Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!) : NaN;
    if (!Number.isSafeInteger(ms)) throw usage(`${flag} is a duration: milliseconds, or a number with s, m, h or d (7d, 12h, 30m), got ${JSON.stringify(value)}`);
    return ms;
  };
}

/** A retention: a duration, or `never` to keep every journal (false). */
export function retentionFlag(flag: string) {
  const parse = duration(flag);
  return (value: string): number | false => (value.trim() === 'never' ? false : parse(value));
}
