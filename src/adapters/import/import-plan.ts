/**
 * Validation and planning of an import (docs/import-protocol.md). Records come
 * one at a time as they are read (import-reader.ts) and are checked and kept
 * compactly: an object as a few columns and its `data`, a link as five integer
 * columns (its tag interned), its ends by index, or by id when it comes before
 * its objects. Once all are read, every rule is checked and every problem
 * counted, the first MAX_LISTED_PROBLEMS by line kept (problem-list.ts); with
 * any problem there is no plan and nothing is sent. The plan is what the batch
 * spawns, in chunks (plan-chunks.ts).
 */
import type { ImportProblem } from '../../machines/import.types.js';
import { IntColumn, Interner } from './compact-columns.js';
import { cycleProblems, topologicalOrder, type DependentLinks } from './import-cycles.js';
import type { RecordSink, SourceRecord } from './import-file.js';
import { allows, type LinkTags } from './link-tags.js';
import { DEPENDENT, planChunks, SEPARATE, type PlanChunks } from './plan-chunks.js';
import { ProblemList } from './problem-list.js';

/**
 * Spawns per chunk, one step of the batch each. A step of 1,000 spawns took
 * 300 to 700 ms here; a step is lost whole when the process dies, so under
 * frequent crashes a smaller step is what still makes progress.
 */
export const CHUNK_SIZE = 250;

const OBJECT_FIELDS = new Set(['kind', 'id', 'type', 'data', 'identifiers']);
const LINK_FIELDS = new Set(['kind', 'child', 'parent', 'linkTag', 'linkType', 'separateDependentLinkCreate']);

/** A link's problem, with its place among the links: a line's problems stay in the file's order. */
type LinkProblem = ImportProblem & { at: number };

export interface FinishOptions {
  /** Spawns per plan chunk. @default CHUNK_SIZE */
  chunkSize?: number;
  /** Problems found before (the link tags', the reading's): the plan's are added after them. */
  problems?: ProblemList;
}

/** Problems (nothing is sent), or the plan, its chunks made when asked. */
export type PlanResult = { ok: false; problems: ImportProblem[]; problemCount: number } | { ok: true; objects: number; links: number; plan: PlanChunks };

/** Takes an import's records one by one, then checks them together and plans them (`finish`). */
export class ImportPlanner implements RecordSink {
  private readonly ids: string[] = [];
  private readonly objectType = new IntColumn();
  private readonly objectLine = new IntColumn();
  private readonly objectExists = new IntColumn();
  /** The identifiers of an object that exists, else the data to create it with. */
  private readonly payloads: unknown[] = [];
  private readonly byId = new Map<string, number>();
  private readonly types = new Interner();
  // Links that passed their own checks. An end is an object index, or -(n + 1) for unresolved[n]: an id not seen yet.
  private readonly linkLine = new IntColumn();
  private readonly linkChild = new IntColumn();
  private readonly linkParent = new IntColumn();
  private readonly linkTag = new IntColumn();
  private readonly linkFlags = new IntColumn();
  private readonly unresolved: string[] = [];
  private readonly tags = new Interner();
  private readonly objectProblems = new ProblemList();
  private readonly linkProblems = new ProblemList<LinkProblem>({ order: (a, b) => a.line - b.line || a.at - b.at });

  record(line: number, kind: 'object' | 'link', value: Record<string, unknown>): void {
    if (kind === 'object') this.object(line, value);
    else this.link(line, value);
  }

  /** Checks the links against the objects and the link tags; returns the problems (with those given), or the plan. */
  finish(linkTags: LinkTags | undefined, options: FinishOptions = {}): PlanResult {
    const count = this.linkLine.length;
    const child = new Int32Array(count);
    const parent = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      child[k] = this.resolve(this.linkChild.get(k));
      parent[k] = this.resolve(this.linkParent.get(k));
    }
    const duplicateOf = this.duplicates(child, parent);
    const valid: number[] = [];
    for (let k = 0; k < count; k++) if (this.checkLink(k, child[k]!, parent[k]!, duplicateOf[k]!, linkTags)) valid.push(k);
    const pick = (column: Int32Array, only: number[]) => Int32Array.from(only, (k) => column[k]!);
    const dependent = valid.filter((k) => this.linkFlags.get(k) & DEPENDENT);
    const graph: DependentLinks = { objects: this.ids.length, child: pick(child, dependent), parent: pick(parent, dependent), line: pick(this.linkLine.view(), dependent) };
    const order = topologicalOrder(graph);
    // Sorted by line in the end; a line's problems stay in this order: those given, objects', links', cycles'.
    const problems = options.problems ?? new ProblemList();
    problems.absorb(this.objectProblems.sorted(), this.objectProblems.count);
    problems.absorb(this.linkProblems.sorted().map(({ line, message }) => ({ line, message })), this.linkProblems.count);
    cycleProblems(graph, order, this.ids, problems);
    if (problems.count > 0) return { ok: false, problems: problems.sorted(), problemCount: problems.count };
    const tagOf = pick(this.linkTag.view(), valid);
    const plan = planChunks(
      {
        ids: this.ids,
        type: (index) => this.types.value(this.objectType.get(index)),
        line: (index) => this.objectLine.get(index),
        exists: (index) => this.objectExists.get(index) === 1,
        payload: (index) => this.payloads[index],
        links: { count: valid.length, child: pick(child, valid), parent: pick(parent, valid), line: pick(this.linkLine.view(), valid), flags: pick(this.linkFlags.view(), valid), tag: (k) => this.tags.value(tagOf[k]!) },
        order,
      },
      options.chunkSize ?? CHUNK_SIZE,
    );
    return { ok: true, objects: this.ids.length, links: valid.length, plan };
  }

  private object(line: number, value: Record<string, unknown>): void {
    const problem = (message: string) => this.objectProblems.push({ line, message });
    for (const field of Object.keys(value)) if (!OBJECT_FIELDS.has(field)) problem(`object: unknown field "${field}"`);
    const { id, type, data, identifiers } = value;
    if (typeof id !== 'string' || id === '') problem('object: "id" must be a non-empty string');
    if (typeof type !== 'string' || type === '') problem(`object ${label(id)}: "type" must be a non-empty string`);
    if (identifiers !== undefined && (typeof identifiers !== 'object' || identifiers === null || Array.isArray(identifiers))) {
      problem(`object ${label(id)}: "identifiers" must be an object (the identifiers of an object that exists)`);
    }
    if (identifiers !== undefined && data !== undefined) problem(`object ${label(id)}: give "data" to create it or "identifiers" if it exists, not both`);
    if (typeof id !== 'string' || id === '') return;
    const first = this.byId.get(id);
    if (first !== undefined) return void problem(`duplicate object id "${id}" (first on line ${this.objectLine.get(first)})`);
    // Kept even when invalid, so links to it are not also reported as dangling.
    this.byId.set(id, this.ids.length);
    this.ids.push(id);
    this.objectType.push(this.types.id(typeof type === 'string' ? type : ''));
    this.objectLine.push(line);
    this.objectExists.push(identifiers !== undefined ? 1 : 0);
    this.payloads.push(identifiers !== undefined ? identifiers : (data ?? {}));
  }

  /** A link's own checks; its ends and tag are checked once every object is known. */
  private link(line: number, value: Record<string, unknown>): void {
    const before = this.linkProblems.count;
    const at = this.linkLine.length - 0.5; // between the kept links before and after it
    const problem = (message: string) => this.linkProblems.push({ line, message, at });
    for (const field of Object.keys(value)) if (!LINK_FIELDS.has(field)) problem(`link: unknown field "${field}"`);
    const { child, parent, linkTag, linkType, separateDependentLinkCreate: separate = false } = value;
    if (typeof child !== 'string' || child === '') problem('link: "child" must be the id of an object of this import');
    if (typeof parent !== 'string' || parent === '') problem('link: "parent" must be the id of an object of this import');
    if (typeof linkTag !== 'string' || linkTag === '') problem('link: "linkTag" must be a non-empty string');
    if (linkType !== 'dependent' && linkType !== 'independent') problem(`link: "linkType" must be "dependent" or "independent", got ${JSON.stringify(linkType)}`);
    if (typeof separate !== 'boolean') problem('link: "separateDependentLinkCreate" must be true or false');
    if (this.linkProblems.count > before) return;
    this.linkLine.push(line);
    this.linkChild.push(this.reference(child as string));
    this.linkParent.push(this.reference(parent as string));
    this.linkTag.push(this.tags.id(linkTag as string));
    this.linkFlags.push((linkType === 'dependent' ? DEPENDENT : 0) | (separate ? SEPARATE : 0));
  }

  /** Link k's checks against its objects and the link tags; true when it is valid. */
  private checkLink(k: number, c: number, p: number, duplicateOf: number, linkTags: LinkTags | undefined): boolean {
    const line = this.linkLine.get(k);
    const before = this.linkProblems.count;
    const problem = (message: string) => this.linkProblems.push({ line, message, at: k });
    const childId = this.idOf(this.linkChild.get(k));
    const parentId = this.idOf(this.linkParent.get(k));
    const linkTag = this.tags.value(this.linkTag.get(k));
    const name = `link "${childId}" -> "${parentId}" (${linkTag})`;
    if (c < 0) problem(`${name}: child "${childId}" is not an object of this import`);
    if (p < 0) problem(`${name}: parent "${parentId}" is not an object of this import`);
    if (childId === parentId) problem(`${name}: an object cannot link to itself`);
    if (c < 0 || p < 0 || childId === parentId) return false;
    const childType = this.types.value(this.objectType.get(c));
    const parentType = this.types.value(this.objectType.get(p));
    if (!linkTags) problem(`${name}: link tag "${linkTag}" is not allowed: no link-tags file was given`);
    else if (!linkTags.has(linkTag)) problem(`${name}: unknown link tag "${linkTag}"`);
    else if (childType !== '' && parentType !== '' && !allows(linkTags, linkTag, childType, parentType)) {
      problem(`${name}: link tag "${linkTag}" does not let a "${childType}" child link to a "${parentType}" parent`);
    }
    const flags = this.linkFlags.get(k);
    if (flags & DEPENDENT && this.objectExists.get(c) === 1 && !(flags & SEPARATE)) {
      problem(`${name}: a dependent link's child already exists; set "separateDependentLinkCreate": true to create the link on its own`);
    }
    if (duplicateOf > 0) problem(`${name}: duplicate link (first on line ${duplicateOf})`);
    return this.linkProblems.count === before;
  }

  /**
   * For each link that repeats an earlier one (same child, parent and tag;
   * both ends objects, not the same one), the line of the first; else 0.
   * Sorting link numbers costs 4 bytes a link; a map of identity strings was ~60.
   */
  private duplicates(child: Int32Array, parent: Int32Array): Int32Array {
    const firstLine = new Int32Array(child.length);
    const candidates: number[] = [];
    for (let k = 0; k < child.length; k++) if (child[k]! >= 0 && parent[k]! >= 0 && child[k] !== parent[k]) candidates.push(k);
    const sorted = Int32Array.from(candidates).sort((a, b) => child[a]! - child[b]! || parent[a]! - parent[b]! || this.linkTag.get(a) - this.linkTag.get(b) || a - b);
    const same = (a: number, b: number) => child[a] === child[b] && parent[a] === parent[b] && this.linkTag.get(a) === this.linkTag.get(b);
    for (let i = 1, first = sorted[0]!; i < sorted.length; i++) {
      if (same(sorted[i]!, first)) firstLine[sorted[i]!] = this.linkLine.get(first);
      else first = sorted[i]!;
    }
    return firstLine;
  }

  private reference(id: string): number {
    const index = this.byId.get(id);
    if (index !== undefined) return index;
    this.unresolved.push(id);
    return -this.unresolved.length;
  }

  private resolve(end: number): number {
    return end >= 0 ? end : (this.byId.get(this.unresolved[-end - 1]!) ?? -1);
  }

  private idOf(end: number): string {
    return end >= 0 ? this.ids[end]! : this.unresolved[-end - 1]!;
  }
}

/** Validates records against the link tags; returns the problems, or the plan. */
export function planImport(records: Iterable<SourceRecord>, linkTags: LinkTags | undefined, options: FinishOptions = {}): PlanResult {
  const planner = new ImportPlanner();
  for (const record of records) planner.record(record.line, record.kind, record.value);
  return planner.finish(linkTags, options);
}

function label(id: unknown): string {
  if (id === undefined) return 'without an id';
  return typeof id === 'string' ? `"${id}"` : JSON.stringify(id);
}
