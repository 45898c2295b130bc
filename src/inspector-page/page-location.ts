/**
 * What the page's address says: the selected job, actor and statechart tab
 * (`?job=ID&actor=ID&tab=MACHINE`), so a link opens the same view and back and
 * forward move between views. The token is never part of it: the page takes it
 * out of the address bar and history as soon as it holds it (the server keeps
 * it in an HttpOnly cookie for reloads: src/adapters/http/page-cookie.ts).
 */

export interface PageLocation {
  job: string | null;
  actor: string | null;
  tab: string | null;
}

export function readLocation(search: string): PageLocation {
  const params = new URLSearchParams(search);
  return { job: params.get('job'), actor: params.get('actor'), tab: params.get('tab') };
}

/** The query string for `where` (the actor left out when it is the job itself). */
export function searchOf(where: PageLocation): string {
  const params = new URLSearchParams();
  if (where.job !== null) params.set('job', where.job);
  if (where.actor !== null && where.actor !== where.job) params.set('actor', where.actor);
  if (where.tab !== null) params.set('tab', where.tab);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** What `takeToken` uses of the window (a structural type: this module is also type-checked without the DOM library). */
export interface AddressBar {
  location: { href: string };
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void };
}

/**
 * The token of the address the page was opened with, taken out of the address
 * bar and of this history entry (history.replaceState), other parameters kept.
 */
export function takeToken(bar: AddressBar): string | null {
  const url = new URL(bar.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  bar.history.replaceState(bar.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token;
}
