/**
 * The inspector page's cookie: the token the page's address held, kept so the
 * page can take the token out of its address bar and history (issue 23) and
 * still reload and follow its own links. Only `GET /` and the page's
 * WebSocket accept it (the WebSocket also checks Origin); the HTTP API does
 * not, so no other site can make a browser call it (CSRF). HttpOnly (no script
 * reads it), SameSite=Strict (never sent from another site's page), named for
 * the port (cookies do not tell ports apart; two servers on one host keep
 * theirs). A rotated token in it is simply refused.
 */

/** Thirty days: a bookmark still opens after the browser restarts, as long as the token lasts. */
const MAX_AGE_S = 30 * 24 * 3600;

export const pageCookieName = (port: number) => `holdfast-token-${port}`;

/** The Set-Cookie value that keeps `token` for the page. */
export function pageCookie(name: string, token: string): string {
  return `${name}=${encodeURIComponent(token)}; Path=/; Max-Age=${MAX_AGE_S}; HttpOnly; SameSite=Strict`;
}

/** The token the page's cookie holds in a Cookie header, if any. */
export function tokenOfCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // a malformed value: no token
    }
  }
  return undefined;
}
