/**
 * What every command shares: how it prints (human or --json), and how errors
 * become exit codes (0 done, 1 work failed, 2 bad usage or input).
 */
import { HoldfastError, type ErrorCode } from '../errors.js';

export interface GlobalOptions {
  store: string;
  json?: boolean;
}

export interface Output {
  json: boolean;
  /** A human line (suppressed with --json). */
  say(line: string): void;
  /** The one JSON object a one-shot command prints with --json. */
  result(value: unknown): void;
  error(line: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    say: (line) => {
      if (!json) process.stdout.write(`${line}\n`);
    },
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
    error: (line) => process.stderr.write(`${line}\n`),
  };
}

/** Codes that mean the command was given something wrong, not that work failed. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['USAGE', 'ACTOR_NOT_FOUND', 'INVALID_PID', 'INVALID_INPUT', 'SOURCE_MISSING', 'DATAVERSE_NOT_FOUND', 'PATH_OUTSIDE_ROOT', 'PORT_IN_USE', 'STORE_MISSING']);

/** Errors a command judged bad input although their code alone means failed work (markInputError). */
const inputErrors = new WeakSet<object>();

/** Marks `error` as bad input: exit 2, printed as any other error (a JSON object with --json). */
export function markInputError<T extends object>(error: T): T {
  inputErrors.add(error);
  return error;
}

export function exitCodeFor(error: unknown): 1 | 2 {
  return error instanceof HoldfastError && (USAGE_CODES.has(error.code) || inputErrors.has(error)) ? 2 : 1;
}

export function usage(message: string): HoldfastError {
  return new HoldfastError('USAGE', message);
}

/** Parses a positive integer flag, or throws USAGE naming the flag. */
export function positiveInt(flag: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number <= 0) throw usage(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
    return number;
  };
}

/** Parses a duration in milliseconds (a non-negative integer). */
export function milliseconds(flag: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) throw usage(`${flag} is a duration in milliseconds, got ${JSON.stringify(value)}`);
    return number;
  };
}
