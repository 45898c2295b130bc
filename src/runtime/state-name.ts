/**
 * How a state value is written in records, indexes and journals: one dotted
 * path per active leaf (`a.b`), parallel leaves joined with `|`. Imports
 * nothing, so the inspector's page shares it.
 */
/** A state value as one dotted path per active leaf, joined with `|` for parallel states. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const paths: string[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node === 'string') return void paths.push(prefix ? `${prefix}.${node}` : node);
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 0) return void paths.push(prefix);
    for (const [key, child] of entries) walk(child, prefix ? `${prefix}.${key}` : key);
  };
  walk(value, '');
  return paths.join('|');
}
