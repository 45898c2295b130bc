/**
 * An ordered map that keeps every version it had, for the memory store: a
 * B+ tree of string keys (compared by `<`) whose nodes are never changed once
 * a version is published. A commit edits a draft: the first change to a node
 * copies it and stamps the copy with the draft's token, later changes in the
 * same draft change that copy in place. Readers holding the version before see
 * it whole while the draft is built; a draft that fails is dropped unpublished.
 *
 * Nodes hold up to 64 entries (or children). Deleting removes emptied nodes and
 * does not merge half-empty ones: a tree never holds more nodes than it held
 * entries at its largest, and stays balanced.
 */

const MAX = 64;

/** The draft a node was copied for: only that draft may change it in place. */
type Edit = object;

interface Leaf<V> {
  leaf: true;
  edit: Edit | undefined;
  keys: string[];
  values: V[];
}

interface Branch<V> {
  leaf: false;
  edit: Edit | undefined;
  /** keys[i] is a lower bound of every key under children[i] (keys[0] is never consulted). */
  keys: string[];
  children: Node<V>[];
}

type Node<V> = Leaf<V> | Branch<V>;

/** A range of keys: from `start` (inclusive unless `exclusiveStart`) to `end` (exclusive); reversed, from `start` down to `end`. */
export interface KeyRange {
  start?: string;
  end?: string;
  exclusiveStart?: boolean;
  reverse?: boolean;
}

/** One version of the map. */
export class SortedTree<V> {
  static empty<V>(): SortedTree<V> {
    return new SortedTree<V>({ leaf: true, edit: undefined, keys: [], values: [] });
  }

  protected constructor(protected root: Node<V>) {}

  get(key: string): V | undefined {
    let node = this.root;
    while (!node.leaf) node = node.children[childFor(node, key)]!;
    const i = lowerBound(node.keys, key);
    return node.keys[i] === key ? node.values[i] : undefined;
  }

  /** Entries in key order (or reversed) within `range`. */
  *entries(range: KeyRange = {}): Generator<[string, V]> {
    const { start, end } = range;
    if (range.reverse) {
      for (const entry of walkDown(this.root, start)) {
        if (range.exclusiveStart && entry[0] === start) continue;
        if (end !== undefined && entry[0] <= end) return;
        yield entry;
      }
      return;
    }
    for (const entry of walkUp(this.root, start)) {
      if (range.exclusiveStart && entry[0] === start) continue;
      if (end !== undefined && entry[0] >= end) return;
      yield entry;
    }
  }

  /** A draft of the next version; this one stays as it is. */
  draft(): TreeDraft<V> {
    return new TreeDraft<V>(this.root);
  }

  protected static of<V>(root: Node<V>): SortedTree<V> {
    return new SortedTree<V>(root);
  }
}

/** The next version being built: reads see its own changes; `publish` freezes it. */
export class TreeDraft<V> extends SortedTree<V> {
  private readonly edit: Edit = {};

  constructor(root: Node<V>) {
    super(root);
  }

  set(key: string, value: V): void {
    this.root = this.writable(this.root);
    const sibling = this.insert(this.root, key, value);
    if (sibling) this.root = { leaf: false, edit: this.edit, keys: [this.root.keys[0] ?? '', sibling.keys[0]!], children: [this.root, sibling] };
  }

  delete(key: string): void {
    if (this.get(key) === undefined) return;
    this.root = this.writable(this.root);
    this.remove(this.root, key);
    while (!this.root.leaf && this.root.children.length <= 1) {
      this.root = this.root.children[0] ?? { leaf: true, edit: this.edit, keys: [], values: [] };
    }
  }

  /** This draft as a version; the draft must not be changed after. */
  publish(): SortedTree<V> {
    return SortedTree.of(this.root);
  }

  private writable<N extends Node<V>>(node: N): N {
    if (node.edit === this.edit) return node;
    return node.leaf
      ? ({ leaf: true, edit: this.edit, keys: node.keys.slice(), values: node.values.slice() } as N)
      : ({ leaf: false, edit: this.edit, keys: node.keys.slice(), children: node.children.slice() } as N);
  }

  /** Puts the entry under `node` (already writable); returns the node split off it, if it overflowed. */
  private insert(node: Node<V>, key: string, value: V): Node<V> | undefined {
    if (node.leaf) {
      const i = lowerBound(node.keys, key);
      if (node.keys[i] === key) {
        node.values[i] = value;
        return undefined;
      }
      node.keys.splice(i, 0, key);
      node.values.splice(i, 0, value);
      if (node.keys.length <= MAX) return undefined;
      const half = node.keys.length >> 1;
      return { leaf: true, edit: this.edit, keys: node.keys.splice(half), values: node.values.splice(half) };
    }
    const i = childFor(node, key);
    const child = (node.children[i] = this.writable(node.children[i]!));
    const sibling = this.insert(child, key, value);
    if (!sibling) return undefined;
    node.keys.splice(i + 1, 0, sibling.keys[0]!);
    node.children.splice(i + 1, 0, sibling);
    if (node.children.length <= MAX) return undefined;
    const half = node.children.length >> 1;
    return { leaf: false, edit: this.edit, keys: node.keys.splice(half), children: node.children.splice(half) };
  }

  /** Removes the entry (known to exist) under `node` (already writable), and any node it empties. */
  private remove(node: Node<V>, key: string): void {
    if (node.leaf) {
      const i = lowerBound(node.keys, key);
      node.keys.splice(i, 1);
      node.values.splice(i, 1);
      return;
    }
    const i = childFor(node, key);
    const child = (node.children[i] = this.writable(node.children[i]!));
    this.remove(child, key);
    if ((child.leaf ? child.keys.length : child.children.length) > 0) return;
    node.children.splice(i, 1);
    node.keys.splice(i, 1);
  }
}

/** The first index whose key is not below `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The child whose range holds `key`: the last one whose lower bound is not above it. */
function childFor<V>(node: Branch<V>, key: string): number {
  let low = 1;
  let high = node.keys.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (node.keys[mid]! <= key) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Entries from the first not below `from` (from the first of all when undefined) upwards. */
function* walkUp<V>(node: Node<V>, from: string | undefined): Generator<[string, V]> {
  if (node.leaf) {
    for (let i = from === undefined ? 0 : lowerBound(node.keys, from); i < node.keys.length; i++) yield [node.keys[i]!, node.values[i]!];
    return;
  }
  let i = from === undefined ? 0 : childFor(node, from);
  yield* walkUp(node.children[i]!, from);
  for (i++; i < node.children.length; i++) yield* walkUp(node.children[i]!, undefined);
}

/** Entries from the last not above `from` (from the last of all when undefined) downwards. */
function* walkDown<V>(node: Node<V>, from: string | undefined): Generator<[string, V]> {
  if (node.leaf) {
    let i = from === undefined ? node.keys.length - 1 : lowerBound(node.keys, from);
    if (from !== undefined && node.keys[i] !== from) i--;
    for (; i >= 0; i--) yield [node.keys[i]!, node.values[i]!];
    return;
  }
  let i = from === undefined ? node.children.length - 1 : childFor(node, from);
  yield* walkDown(node.children[i]!, from);
  for (i--; i >= 0; i--) yield* walkDown(node.children[i]!, undefined);
}
