/**
 * Validation and planning of an import (docs/import-protocol.md). Every rule is
 * checked and every problem kept with its line; with any problem there is no
 * plan and nothing is sent. The plan is what the batch spawns, in chunks:
 * links first, then objects children-first (each object after every object
 * that depends on it), so a message is never sent to an actor not yet spawned.
 */
import { linkKey, objectKey, type Identifiers, type ImportProblem, type LoadResult, type PendingLinkPlan, type PendingObjectPlan, type PlanChunk, type PlannedSpawn } from '../../machines/import.types.js';
import type { SourceRecord } from './import-file.js';
import { allows, type LinkTags } from './link-tags.js';

/**
 * Spawns per chunk, one step of the batch each. A step of 1,000 spawns took
 * 300 to 700 ms here; a step is lost whole when the process dies, so under
 * frequent crashes a smaller step is what still makes progress.
 */
export const CHUNK_SIZE = 250;

const OBJECT_FIELDS = new Set(['kind', 'id', 'type', 'data', 'identifiers']);
const LINK_FIELDS = new Set(['kind', 'child', 'parent', 'linkTag', 'linkType', 'separateDependentLinkCreate']);

interface ValidLink {
  line: number;
  child: number;
  parent: number;
  linkTag: string;
  dependent: boolean;
  separate: boolean;
}

/** Validates the records against the link tags; returns every problem, or the plan. */
export function planImport(records: readonly SourceRecord[], linkTags: LinkTags | undefined, options: { chunkSize?: number } = {}): LoadResult {
  const problems: ImportProblem[] = [];
  const objects: PendingObjectPlan[] = [];
  const byId = new Map<string, number>();
  for (const record of records) if (record.kind === 'object') readObject(record, objects, byId, problems);
  const links: ValidLink[] = [];
  const seenLinks = new Map<string, number>();
  for (const record of records) if (record.kind === 'link') readLink(record, objects, byId, linkTags, seenLinks, links, problems);
  problems.push(...cycleProblems(objects, links));
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return buildPlan(objects, links, options.chunkSize ?? CHUNK_SIZE);
}

function readObject(record: SourceRecord, objects: PendingObjectPlan[], byId: Map<string, number>, problems: ImportProblem[]): void {
  const { line, value } = record;
  const problem = (message: string) => problems.push({ line, message });
  for (const field of Object.keys(value)) if (!OBJECT_FIELDS.has(field)) problem(`object: unknown field "${field}"`);
  const { id, type, data, identifiers } = value;
  if (typeof id !== 'string' || id === '') problem('object: "id" must be a non-empty string');
  if (typeof type !== 'string' || type === '') problem(`object ${label(id)}: "type" must be a non-empty string`);
  if (identifiers !== undefined && (typeof identifiers !== 'object' || identifiers === null || Array.isArray(identifiers))) {
    problem(`object ${label(id)}: "identifiers" must be an object (the identifiers of an object that exists)`);
  }
  if (identifiers !== undefined && data !== undefined) problem(`object ${label(id)}: give "data" to create it or "identifiers" if it exists, not both`);
  if (typeof id === 'string' && id !== '') {
    const first = byId.get(id);
    if (first !== undefined) return void problem(`duplicate object id "${id}" (first on line ${objects[first]!.line})`);
    byId.set(id, objects.length);
  }
  const plan: PendingObjectPlan = { index: objects.length, id: String(id), type: typeof type === 'string' ? type : '', line, awaiting: 0, linksAsChild: 0, children: [], linksAsParent: [], ready: false };
  if (identifiers !== undefined) plan.identifiers = identifiers as Identifiers;
  else plan.data = data ?? {};
  // Kept even when invalid, so links to it are not also reported as dangling.
  if (typeof id === 'string' && id !== '') objects.push(plan);
}

function readLink(
  record: SourceRecord,
  objects: PendingObjectPlan[],
  byId: Map<string, number>,
  linkTags: LinkTags | undefined,
  seen: Map<string, number>,
  links: ValidLink[],
  problems: ImportProblem[],
): void {
  const { line, value } = record;
  const before = problems.length;
  const problem = (message: string) => problems.push({ line, message });
  for (const field of Object.keys(value)) if (!LINK_FIELDS.has(field)) problem(`link: unknown field "${field}"`);
  const { child, parent, linkTag, linkType, separateDependentLinkCreate: separate = false } = value;
  if (typeof child !== 'string' || child === '') problem('link: "child" must be the id of an object of this import');
  if (typeof parent !== 'string' || parent === '') problem('link: "parent" must be the id of an object of this import');
  if (typeof linkTag !== 'string' || linkTag === '') problem('link: "linkTag" must be a non-empty string');
  if (linkType !== 'dependent' && linkType !== 'independent') problem(`link: "linkType" must be "dependent" or "independent", got ${JSON.stringify(linkType)}`);
  if (typeof separate !== 'boolean') problem('link: "separateDependentLinkCreate" must be true or false');
  if (problems.length > before) return;
  const name = `link ${label(child)} -> ${label(parent)} (${String(linkTag)})`;
  const c = byId.get(child as string);
  const p = byId.get(parent as string);
  if (c === undefined) problem(`${name}: child "${String(child)}" is not an object of this import`);
  if (p === undefined) problem(`${name}: parent "${String(parent)}" is not an object of this import`);
  if (child === parent) problem(`${name}: an object cannot link to itself`);
  if (c === undefined || p === undefined || child === parent) return;
  const childPlan = objects[c]!;
  const parentPlan = objects[p]!;
  if (!linkTags) problem(`${name}: link tag "${String(linkTag)}" is not allowed: no link-tags file was given`);
  else if (!linkTags.has(linkTag as string)) problem(`${name}: unknown link tag "${String(linkTag)}"`);
  else if (childPlan.type !== '' && parentPlan.type !== '' && !allows(linkTags, linkTag as string, childPlan.type, parentPlan.type)) {
    problem(`${name}: link tag "${String(linkTag)}" does not let a "${childPlan.type}" child link to a "${parentPlan.type}" parent`);
  }
  const dependent = linkType === 'dependent';
  if (dependent && childPlan.identifiers !== undefined && !separate) {
    problem(`${name}: a dependent link's child already exists; set "separateDependentLinkCreate": true to create the link on its own`);
  }
  const identity = `${c}\u0000${p}\u0000${String(linkTag)}`;
  const first = seen.get(identity);
  if (first !== undefined) problem(`${name}: duplicate link (first on line ${first})`);
  else seen.set(identity, line);
  if (problems.length === before) links.push({ line, child: c, parent: p, linkTag: linkTag as string, dependent, separate: separate as boolean });
}

/** Cycles among dependent links: one problem per cycle found, on the line of its first link. */
function cycleProblems(objects: PendingObjectPlan[], links: ValidLink[]): ImportProblem[] {
  const incoming = new Map<number, ValidLink[]>();
  for (const link of links) {
    if (!link.dependent) continue;
    const list = incoming.get(link.child);
    if (list) list.push(link);
    else incoming.set(link.child, [link]);
  }
  const remaining = remainingAfterTopologicalSort(objects.length, links);
  if (remaining.size === 0) return [];
  const problems: ImportProblem[] = [];
  const explored = new Set<number>();
  for (const start of remaining) {
    if (explored.has(start)) continue;
    const path: ValidLink[] = [];
    const position = new Map<number, number>();
    let node = start;
    while (!explored.has(node) && !position.has(node)) {
      position.set(node, path.length);
      explored.add(node);
      const edge = incoming.get(node)!.find((link) => remaining.has(link.parent))!;
      path.push(edge);
      node = edge.parent;
    }
    const at = position.get(node);
    if (at === undefined) continue; // ran into a part already reported
    const cycle = path.slice(at).reverse();
    const ids = [...cycle.map((link) => `"${objects[link.parent]!.id}"`), `"${objects[cycle[0]!.parent]!.id}"`];
    const lines = cycle.map((link) => link.line).sort((a, b) => a - b);
    problems.push({ line: lines[0]!, message: `dependent links form a cycle: ${ids.join(' -> ')} (links on lines ${lines.join(', ')})` });
  }
  return problems;
}

/** Kahn's algorithm over dependent links (parent before child): the objects it cannot order. */
function remainingAfterTopologicalSort(count: number, links: ValidLink[]): Set<number> {
  const order = topologicalOrder(count, links);
  const remaining = new Set<number>();
  if (order.length === count) return remaining;
  const ordered = new Set(order);
  for (let i = 0; i < count; i++) if (!ordered.has(i)) remaining.add(i);
  return remaining;
}

/** Objects in an order where every parent of a dependent link comes before its child. */
function topologicalOrder(count: number, links: ValidLink[]): number[] {
  const indegree = new Array<number>(count).fill(0);
  const children: number[][] = Array.from({ length: count }, () => []);
  for (const link of links) {
    if (!link.dependent) continue;
    indegree[link.child]!++;
    children[link.parent]!.push(link.child);
  }
  const order: number[] = [];
  for (let i = 0; i < count; i++) if (indegree[i] === 0) order.push(i);
  for (let head = 0; head < order.length; head++) {
    for (const child of children[order[head]!]!) if (--indegree[child]! === 0) order.push(child);
  }
  return order;
}

function buildPlan(objects: PendingObjectPlan[], links: ValidLink[], chunkSize: number): LoadResult {
  const spawns: PlannedSpawn[] = [];
  for (const link of links) {
    const child = objects[link.child]!;
    const parent = objects[link.parent]!;
    const key = linkKey(link.child, child.linksAsChild++);
    if (link.dependent) {
      child.awaiting++;
      parent.children.push([link.child, link.linkTag]);
    }
    if (!link.dependent || link.separate) parent.linksAsParent.push(key);
    const input: PendingLinkPlan = {
      line: link.line,
      linkTag: link.linkTag,
      childId: child.id,
      parentId: parent.id,
      dependent: link.dependent,
      separate: link.separate,
      awaiting: link.dependent && !link.separate ? 1 : 2,
    };
    spawns.push({ machine: 'pendingLink', key, input });
  }
  for (const index of topologicalOrder(objects.length, links).reverse()) {
    const object = objects[index]!;
    object.ready = object.awaiting === 0 && object.identifiers === undefined;
    spawns.push({ machine: 'pendingObject', key: objectKey(index), input: object });
  }
  const chunks: PlanChunk[] = [];
  for (let start = 0; start < spawns.length; start += chunkSize) {
    const slice = spawns.slice(start, start + chunkSize);
    chunks.push({ spawns: slice, ready: slice.filter((s) => s.machine === 'pendingObject' && s.input.ready).length });
  }
  return { ok: true, objects: objects.length, links: links.length, chunks };
}

function label(id: unknown): string {
  return typeof id === 'string' ? `"${id}"` : JSON.stringify(id) ?? 'undefined';
}
