/**
 * Where a command finds its Dataverse and API token, so the token need not sit
 * on a command line (where `ps` and shell history show it): `--token`, else
 * `--token-file FILE`, else the environment variable `DATAVERSE_KEY`; the
 * installation from `--dataverse`, else `DATAVERSE_SERVER`. The variables are
 * the Dataverse R client's (`dataverse` package): there `DATAVERSE_SERVER` is a
 * bare host name, read here as `https://HOST`.
 */
import { open } from 'node:fs/promises';
import { HoldfastError } from '../errors.js';
import { usage } from './cli-context.js';

/** What a command was given on its command line. */
export interface CredentialOptions {
  dataverse?: string;
  token?: string;
  tokenFile?: string;
}

/** Where the token came from, for messages that must never show it. */
export type TokenSource = '--token' | '--token-file' | 'DATAVERSE_KEY';

export interface Credentials {
  /** The installation's base URL, without a trailing slash. */
  dataverseUrl?: string;
  token?: string;
  tokenSource?: TokenSource;
}

/** A token is a UUID (36 characters) or a signed URL's key; 4 KiB is room for any, and no more is read. */
export const MAX_TOKEN_FILE_BYTES = 4_096;

/**
 * The Dataverse and token a command uses; a flag wins over the environment.
 * `DATAVERSE_KEY` without an installation to send it to is left alone (the
 * load copies only), while `--token` or `--token-file` without one is a
 * mistake.
 *
 * @throws USAGE for a bad URL, `--token` with `--token-file`, a token without a
 *   Dataverse, or a token file that is unreadable, empty, over 4 KiB or not one line
 */
export async function resolveCredentials(options: CredentialOptions, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const dataverseUrl = serverUrl(options.dataverse, env.DATAVERSE_SERVER);
  const fromFlag = await flagToken(options);
  if (fromFlag && dataverseUrl === undefined) throw usage(`${fromFlag.tokenSource} needs --dataverse (or DATAVERSE_SERVER)`);
  const key = env.DATAVERSE_KEY?.trim();
  const token = fromFlag ?? (key && dataverseUrl !== undefined ? { token: key, tokenSource: 'DATAVERSE_KEY' as const } : undefined);
  return { ...(dataverseUrl === undefined ? {} : { dataverseUrl }), ...token };
}

/**
 * The token given by `--token` or `--token-file`, if either.
 * @throws USAGE for both at once, an empty `--token` or a bad token file
 */
export async function flagToken(options: Pick<CredentialOptions, 'token' | 'tokenFile'>): Promise<{ token: string; tokenSource: TokenSource } | undefined> {
  if (options.token !== undefined && options.tokenFile !== undefined) throw usage('give the token once: --token or --token-file, not both');
  if (options.token !== undefined) {
    if (options.token.trim() === '') throw usage('--token is empty');
    return { token: options.token, tokenSource: '--token' };
  }
  return options.tokenFile === undefined ? undefined : { token: await readTokenFile(options.tokenFile), tokenSource: '--token-file' };
}

/** `--dataverse` (an http(s) URL) or else `DATAVERSE_SERVER` (a host, or a URL), without trailing slashes. */
export function serverUrl(flag: string | undefined, variable: string | undefined): string | undefined {
  if (flag !== undefined) {
    const url = flag.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/\s]/.test(url)) throw usage(`--dataverse must be an http(s) URL, got ${JSON.stringify(flag)}`);
    return url;
  }
  const server = variable?.trim().replace(/\/+$/, '');
  if (!server) return undefined;
  // The R client puts https:// before the host it is given; a URL is taken as it is.
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(url)) throw usage(`DATAVERSE_SERVER must be a host name or an http(s) URL, got ${JSON.stringify(variable)}`);
  return url;
}

/** The token in `path`: one line, at most one trailing newline (`\n` or `\r\n`) removed. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw usage(`--token-file ${path} is not a file`);
      if (info.size > MAX_TOKEN_FILE_BYTES) throw usage(`--token-file ${path} is ${info.size} bytes, too large for an API token (at most ${MAX_TOKEN_FILE_BYTES}): is it the right file?`);
      // Read at most one byte past the limit: a file that grew since the stat is still refused, never read whole.
      const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_TOKEN_FILE_BYTES) throw usage(`--token-file ${path} is too large for an API token (over ${MAX_TOKEN_FILE_BYTES} bytes): is it the right file?`);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof HoldfastError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw usage(`--token-file ${path} cannot be read${code ? ` (${code})` : ''}`);
  }
  const token = text.replace(/\r?\n$/, '');
  // The contents are never quoted back: they may be a token with a stray character.
  if (token.trim() === '') throw usage(`--token-file ${path} is empty`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(token)) throw usage(`--token-file ${path} holds more than one line or a control character; it must hold the token alone`);
  return token;
}
