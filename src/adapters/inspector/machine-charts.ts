/**
 * Registered machines as drawable charts (state nodes and transitions by dotted
 * path, the form actor records keep), and the state paths an actor of each can
 * be in, so the inspector can count actors per state from the index alone.
 */
import type { AnyStateMachine } from 'xstate';
import type { MachineDefinition } from '../../runtime/machine-registry.js';
import type { ChartEdge, ChartNode, MachineChart } from './inspector-protocol.js';

/** Parallel states multiply their regions' leaves; past this many combinations the rest count as "other". */
const MAX_STATE_PATHS = 1_000;

/** The parts of XState's StateNode read here (its public, stable fields). */
interface StateNodeLike {
  key: string;
  path: string[];
  type: ChartNode['type'];
  states: Record<string, StateNodeLike>;
  initial?: { target?: readonly StateNodeLike[] };
  invoke?: readonly { src: unknown }[];
  transitions: Map<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[];
}

interface TransitionLike {
  eventType: string;
  target?: readonly StateNodeLike[] | undefined;
}

const pathOf = (node: StateNodeLike) => node.path.join('.');

/** A machine's chart: every state node under the root and every transition with a target. */
export function chartOf(definition: MachineDefinition): MachineChart {
  const root = (definition.machine as AnyStateMachine).root as unknown as StateNodeLike;
  const nodes: ChartNode[] = [];
  const edges: ChartEdge[] = [];
  const seen = new Set<string>();
  const visit = (node: StateNodeLike, parent: string | null) => {
    const path = pathOf(node);
    const initial = node.initial?.target?.[0];
    const invokes = (node.invoke ?? []).map((invoke) => (typeof invoke.src === 'string' ? invoke.src : 'inline'));
    nodes.push({
      path,
      key: node.key,
      parent,
      type: node.type,
      ...(initial && node.type === 'compound' ? { initial: pathOf(initial) } : {}),
      ...(invokes.length > 0 ? { invokes } : {}),
    });
    const transitions = [...node.transitions.values()].flat().concat(node.always ?? []);
    for (const transition of transitions) {
      for (const target of transition.target ?? []) {
        const edge = { source: path, target: pathOf(target), label: labelOf(transition.eventType) };
        const key = `${edge.source}\u0000${edge.target}\u0000${edge.label}`;
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push(edge);
      }
    }
    for (const child of Object.values(node.states)) visit(child, path);
  };
  for (const child of Object.values(root.states)) visit(child, null);
  const initial = root.initial?.target?.[0];
  return { name: definition.name, version: definition.version, initial: initial ? pathOf(initial) : null, nodes, edges };
}

/** A short label for XState's internal event names. */
export function labelOf(eventType: string): string {
  if (eventType === '') return 'always';
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return /^\d+$/.test(after[1]!) ? `after ${after[1]}ms` : `after ${after[1]}`;
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (done) return `${done[1]}: ${done[2]}`;
  return eventType;
}

/**
 * Every state value an actor of this machine can hold, in the record's form:
 * one dotted leaf path, or the leaves of parallel regions joined with `|`.
 * Capped at MAX_STATE_PATHS (the rest of a machine's actors count as "other").
 */
export function statePathsOf(machine: AnyStateMachine): string[] {
  const root = machine.root as unknown as StateNodeLike;
  const leaves = (node: StateNodeLike): string[][] => {
    const children = Object.values(node.states).filter((child) => child.type !== 'history');
    if (children.length === 0) return [[pathOf(node)]];
    if (node.type !== 'parallel') return children.flatMap(leaves);
    // One leaf from each region, in region order: the record's `a.x|b.y` form.
    let combos: string[][] = [[]];
    for (const region of children) {
      const options = leaves(region);
      combos = combos.flatMap((combo) => options.map((option) => [...combo, ...option])).slice(0, MAX_STATE_PATHS);
    }
    return combos;
  };
  if (Object.keys(root.states).length === 0) return [];
  return leaves(root)
    .map((parts) => parts.join('|'))
    .slice(0, MAX_STATE_PATHS);
}
