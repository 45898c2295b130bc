/**
 * Ordering an import's objects along its dependent links (parent before
 * child), and the cycles that make it impossible. The links are typed-array
 * columns in file order, so 200,000 of them cost ~2 MB, not an object each.
 */
import type { ProblemSink } from './problem-list.js';

/** Dependent links among `objects` objects: link k goes from parent[k] to child[k], found on line[k]. */
export interface DependentLinks {
  objects: number;
  child: Int32Array;
  parent: Int32Array;
  line: Int32Array;
}

/** Kahn's algorithm: objects in an order where every parent comes before its children; cyclic ones are left out. */
export function topologicalOrder(links: DependentLinks): Int32Array {
  const { objects, child, parent } = links;
  const indegree = new Int32Array(objects);
  for (let k = 0; k < child.length; k++) indegree[child[k]!]!++;
  const children = grouped(objects, parent);
  const order = new Int32Array(objects);
  let length = 0;
  for (let i = 0; i < objects; i++) if (indegree[i] === 0) order[length++] = i;
  for (let head = 0; head < length; head++) {
    const node = order[head]!;
    for (let at = children.start[node]!; at < children.start[node + 1]!; at++) {
      const next = child[children.items[at]!]!;
      if (--indegree[next]! === 0) order[length++] = next;
    }
  }
  return order.subarray(0, length);
}

/** Adds to `problems` one problem per cycle found among the objects `order` left out, on the line of its first link. */
export function cycleProblems(links: DependentLinks, order: Int32Array, ids: readonly string[], problems: ProblemSink): void {
  const { objects, child, parent, line } = links;
  if (order.length === objects) return;
  const remaining = new Uint8Array(objects).fill(1);
  for (const index of order) remaining[index] = 0;
  const incoming = grouped(objects, child);
  const explored = new Uint8Array(objects);
  for (let start = 0; start < objects; start++) {
    if (!remaining[start] || explored[start]) continue;
    const path: number[] = [];
    const position = new Map<number, number>();
    let node = start;
    while (!explored[node] && !position.has(node)) {
      position.set(node, path.length);
      explored[node] = 1;
      // Every object left out has a dependent parent left out: Kahn's would have ordered it otherwise.
      let edge = -1;
      for (let at = incoming.start[node]!; at < incoming.start[node + 1]! && edge < 0; at++) if (remaining[parent[incoming.items[at]!]!]) edge = incoming.items[at]!;
      path.push(edge);
      node = parent[edge]!;
    }
    const at = position.get(node);
    if (at === undefined) continue; // ran into a part already reported
    const cycle = path.slice(at).reverse();
    const names = [...cycle.map((k) => `"${ids[parent[k]!]}"`), `"${ids[parent[cycle[0]!]!]}"`];
    const lines = cycle.map((k) => line[k]!).sort((a, b) => a - b);
    problems.push({ line: lines[0]!, message: `dependent links form a cycle: ${names.join(' -> ')} (links on lines ${lines.join(', ')})` });
  }
}

/** Links grouped by `key[k]`, in file order: group i holds the link numbers items[start[i]..start[i + 1]). */
function grouped(objects: number, key: Int32Array): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(objects + 1);
  for (let k = 0; k < key.length; k++) start[key[k]! + 1]!++;
  for (let i = 0; i < objects; i++) start[i + 1]! += start[i]!;
  const items = new Int32Array(key.length);
  const cursor = start.slice(0, objects);
  for (let k = 0; k < key.length; k++) items[cursor[key[k]!]!++] = k;
  return { start, items };
}
