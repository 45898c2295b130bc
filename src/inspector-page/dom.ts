/**
 * Small DOM helpers for the page's views (no framework: the page is one
 * request and a few views that redraw their own part), and the formatting
 * they share.
 */

type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;
type Child = Node | string | number | null | undefined | false;

function apply(element: Element, attributes: Attributes, children: Child[]): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'object' ? child : String(child));
  }
}

/** An HTML element: `h('div', { class: 'row', onclick }, 'text', child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes, children);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  apply(element, attributes, children);
  return element;
}

/** Replaces an element's children. */
export function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  apply(element, {}, children);
}

const numberFormat = new Intl.NumberFormat('en');
export const count = (n: number) => numberFormat.format(n);

export const time = (at: number) => new Date(at).toLocaleTimeString();

/** Long ids (`job/file.csv`) shown by their last part, the whole in a tooltip. */
export const shortId = (id: string) => (id.length > 40 ? `…${id.slice(-39)}` : id);

export { stateName } from '../runtime/state-name.js';

/** True when a record's state (`a.b|c.d`) is in the state node at `path` (itself or a descendant). */
export function inNode(state: string, path: string): boolean {
  return state.split('|').some((leaf) => leaf === path || leaf.startsWith(`${path}.`));
}

/** Actors in a state node: the counts of every state path inside it. */
export function countIn(byState: Record<string, number> | undefined, path: string): number {
  if (!byState) return 0;
  let total = 0;
  for (const [state, n] of Object.entries(byState)) if (inNode(state, path)) total += n;
  return total;
}

/** JSON for people, cut past `max` characters. */
export function pretty(value: unknown, max = 200_000): string {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}\n… (${count(text.length - max)} more characters)` : text;
}
