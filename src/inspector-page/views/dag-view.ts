/**
 * A batch job's DAG, laid out by dagre (left to right, each step after the
 * steps it takes), drawn as SVG with each node's items, successes, failures,
 * p50 and p95. The layout is made once per shape of DAG; a pushed update only
 * changes the numbers' text.
 */
import { graphlib, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { DagStats, DagNodeStats } from '../../adapters/inspector/inspector-protocol.js';
import { count, fill, h, s } from '../dom.js';
import type { View } from '../actions.js';
import type { PageState } from '../page-store.js';

const NODE_WIDTH = 190;
const NODE_HEIGHT = 66;

interface NodeTexts {
  group: SVGGElement;
  counts: SVGTextElement;
  times: SVGTextElement;
}

interface Drawn {
  shape: string;
  svg: SVGSVGElement;
  nodes: Map<string, NodeTexts>;
}

/** Times for people: microseconds, milliseconds or seconds. */
export function duration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

const shapeOf = (dag: DagStats) => JSON.stringify([dag.id, dag.nodes, dag.result]);

function draw(dag: DagStats): Drawn {
  const graph = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 20, ranksep: 60, marginx: 10, marginy: 10 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of dag.nodes) graph.setNode(node.name, { label: node.name, width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const node of dag.nodes) for (const before of node.after) if (graph.hasNode(before)) graph.setEdge(before, node.name, {});
  layout(graph);
  const size = graph.graph();
  const width = Math.ceil(size.width ?? NODE_WIDTH);
  const height = Math.ceil(size.height ?? NODE_HEIGHT);
  const svg = s('svg', { class: 'chart dag', 'data-testid': 'dag', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `DAG of ${dag.application}` });
  svg.append(s('defs', {}, s('marker', { id: 'dag-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))));
  const edges = s('g', { class: 'edges' });
  for (const edge of graph.edges()) {
    const points = graph.edge(edge).points ?? [];
    if (points.length === 0) continue;
    const d = points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ');
    edges.append(s('path', { class: 'edge', d, 'marker-end': 'url(#dag-arrow)', 'data-testid': 'dag-edge', 'data-from': edge.v, 'data-to': edge.w }));
  }
  const layer = s('g');
  const nodes = new Map<string, NodeTexts>();
  for (const node of dag.nodes) {
    const box = graph.node(node.name);
    if (!box || box.x === undefined || box.y === undefined) continue;
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const counts = s('text', { class: 'figures', x: box.x, y: y + 40, 'text-anchor': 'middle', 'data-testid': 'dag-node-counts' });
    const times = s('text', { class: 'figures muted', x: box.x, y: y + 57, 'text-anchor': 'middle', 'data-testid': 'dag-node-times' });
    const group = s(
      'g',
      { class: `node dag-node${node.name === dag.result ? ' result' : ''}`, 'data-testid': 'dag-node', 'data-node': node.name },
      s('rect', { x, y, width: box.width, height: box.height, rx: 8, ry: 8 }),
      s('text', { class: 'name', x: box.x, y: y + 20, 'text-anchor': 'middle' }, node.name),
      counts,
      times,
      s('title', {}, node.after.length > 0 ? `${node.name}, after ${node.after.join(', ')}` : node.name),
    );
    nodes.set(node.name, { group, counts, times });
    layer.append(group);
  }
  svg.append(edges, layer);
  return { shape: shapeOf(dag), svg, nodes };
}

function show(texts: NodeTexts, stats: DagNodeStats | undefined): void {
  const node = stats ?? { items: 0, successes: 0, failures: 0, p50Ms: 0, p95Ms: 0 };
  texts.counts.textContent = `${count(node.items)} items · ${count(node.successes)} ok · ${count(node.failures)} failed`;
  texts.times.textContent = node.items > 0 ? `p50 ${duration(node.p50Ms)} · p95 ${duration(node.p95Ms)}` : 'p50 – · p95 –';
  texts.group.classList.toggle('failing', node.failures > 0);
  texts.group.setAttribute('data-items', String(node.items));
  texts.group.setAttribute('data-failures', String(node.failures));
}

export function dagView(): View {
  const head = h('p', { class: 'muted', 'data-testid': 'dag-head' });
  const canvas = h('div', { class: 'chart-canvas' });
  const element = h('section', { class: 'panel dag-panel', 'data-testid': 'dag-panel', hidden: true }, h('h2', {}, 'DAG statistics'), head, canvas);
  let drawn: Drawn | undefined;
  let last: DagStats | null = null;
  return {
    element,
    update(state: PageState) {
      if (state.dag === last) return;
      last = state.dag;
      const dag = state.dag;
      element.hidden = dag === null;
      if (!dag) return;
      element.setAttribute('data-id', dag.id);
      element.setAttribute('data-running', String(dag.running));
      const edges = dag.edgesKnown ? '' : ` · the application "${dag.application}" was not given to the inspector: its steps are shown without their edges`;
      head.textContent = `application ${dag.application} · ${count(dag.items)} items in ${count(dag.batches)} batches · ${dag.state ?? (dag.running ? 'running' : 'idle')}${edges}`;
      if (drawn?.shape !== shapeOf(dag)) {
        drawn = draw(dag);
        fill(canvas, dag.nodes.length === 0 ? h('p', { class: 'muted' }, 'no steps known yet') : drawn.svg);
      }
      const byNode = new Map(dag.stats.map((stats) => [stats.node, stats]));
      for (const [name, texts] of drawn.nodes) show(texts, byNode.get(name));
    },
  };
}
