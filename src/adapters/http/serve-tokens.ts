/**
 * `holdfast serve`'s tokens, kept in the store folder so that the addresses it
 * prints (and the bookmarks made from them) survive a restart: one file,
 * `serve-tokens.json`, mode 0600, written to a temporary name, fsynced and
 * renamed, so a crash leaves the old tokens or the new ones, never half of
 * either. The serve tokens are kept as they are (the page's address shows
 * them); job-server users' tokens stay hashed in the store (adapters/jobserver/users.ts).
 */
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HoldfastError } from '../../errors.js';
import { newToken, resolveTokens, type Tokens } from './http-auth.js';

export const SERVE_TOKENS_FILE = 'serve-tokens.json';

/**
 * The serve tokens kept in `folder`, made (and kept) when there are none.
 * @throws TOKENS_UNREADABLE when the file is not the one holdfast writes, or cannot be read or written
 */
export function loadServeTokens(folder: string): Tokens {
  const path = join(folder, SERVE_TOKENS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return rotateServeTokens(folder);
    throw unreadable(path, (error as Error).message, error);
  }
  // A copy that others could read (restored from a backup, an editor's save) is closed again.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw unreadable(path, 'it is not JSON', error);
  }
  const { readOnly, admin } = (parsed ?? {}) as Partial<Record<keyof Tokens, unknown>>;
  const list = (value: unknown) => (Array.isArray(value) && value.length > 0 && value.every((token) => typeof token === 'string') ? (value as string[]) : undefined);
  const tokens = { readOnly: list(readOnly), admin: list(admin) };
  if (!tokens.readOnly || !tokens.admin) throw unreadable(path, 'it lacks a list of read-only and of admin tokens');
  try {
    return resolveTokens({ readOnly: tokens.readOnly, admin: tokens.admin });
  } catch (error) {
    throw unreadable(path, (error as HoldfastError).reason ?? String(error), error);
  }
}

/**
 * Writes fresh serve tokens to `folder` in place of any kept there, and returns them.
 * @throws TOKENS_UNREADABLE when the file cannot be written
 */
export function rotateServeTokens(folder: string): Tokens {
  const tokens: Tokens = { readOnly: [newToken()], admin: [newToken()] };
  const path = join(folder, SERVE_TOKENS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true }); // left by a crash: created anew, so its mode is 0600
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(tokens, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    fsyncFolder(folder);
  } catch (error) {
    throw unreadable(path, `it cannot be written: ${(error as Error).message}`, error);
  }
  return tokens;
}

/** The rename is durable once the folder is synced (Linux; elsewhere opening a folder may fail, and the rename stands). */
function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // not every platform syncs folders: the file itself was synced
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const unreadable = (path: string, why: string, cause?: unknown) =>
  new HoldfastError('TOKENS_UNREADABLE', `the serve tokens in ${path} cannot be used: ${why}; \`holdfast token rotate\` writes new ones`, { cause, details: { path } });
