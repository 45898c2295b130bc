/**
 * The inspector page as built by `npm run build` (scripts/build-inspector-page.mjs):
 * one HTML document with its script and style inline, so the first paint needs
 * one request, and a manifest with their hashes for the Content-Security-Policy
 * (no inline code runs but these two).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** dist/inspector-page, from src/adapters/http (tests, tsx) and dist/adapters/http (the package) alike. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../../../dist/inspector-page/', import.meta.url));

export interface InspectorPage {
  html: Buffer;
  /** `'sha256-...'` sources of the inline script and style. */
  scriptHash: string;
  styleHash: string;
}

/** The built page, or undefined when it was not built (the server answers 503 NOT_AVAILABLE then). */
export async function loadInspectorPage(dir = DEFAULT_PAGE_DIR): Promise<InspectorPage | undefined> {
  try {
    const [html, manifest] = await Promise.all([readFile(join(dir, 'index.html')), readFile(join(dir, 'manifest.json'), 'utf8')]);
    const { scriptHash, styleHash } = JSON.parse(manifest) as { scriptHash?: unknown; styleHash?: unknown };
    if (typeof scriptHash !== 'string' || typeof styleHash !== 'string') return undefined;
    return { html, scriptHash, styleHash };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Headers of the page: nothing runs but its own script, nothing connects but to this server. */
export function pageHeaders(page: InspectorPage, host: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `script-src '${page.scriptHash}'`,
    `style-src '${page.styleHash}'`,
    `connect-src 'self' ws://${host} wss://${host}`,
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(page.html.length),
    'cache-control': 'no-store',
    // The address holds the token: never sent on as a referrer.
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': csp,
  };
}
