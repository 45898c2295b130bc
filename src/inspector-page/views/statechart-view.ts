/**
 * Each machine's statechart, laid out by dagre (compound states as clusters),
 * drawn as SVG, with live counts per state node and the selected actor's state
 * highlighted. The layout is computed once per machine; a tick only changes
 * the counts' text and the highlight.
 */
import { graphlib, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { ChartNode, MachineChart } from '../../adapters/inspector/inspector-protocol.js';
import { count, countIn, fill, h, inNode, s } from '../dom.js';
import type { Actions, View } from '../actions.js';
import { heldMachines, type PageState } from '../page-store.js';

interface Drawn {
  svg: SVGSVGElement;
  counts: Map<string, SVGTextElement>;
  groups: Map<string, SVGGElement>;
}

const CHAR_WIDTH = 7.2;
const NODE_HEIGHT = 42;

/** Edges to or from a compound state are drawn to or from its initial leaf (dagre lays out edges between leaves). */
function leafOf(chart: MachineChart, path: string): string {
  const byPath = new Map(chart.nodes.map((node) => [node.path, node]));
  let node = byPath.get(path);
  while (node && node.type === 'compound' && node.initial) node = byPath.get(node.initial);
  if (node && node.type === 'parallel') {
    const first = chart.nodes.find((candidate) => candidate.parent === node!.path);
    return first ? leafOf(chart, first.path) : node.path;
  }
  return node?.path ?? path;
}

function draw(chart: MachineChart): Drawn {
  const graph = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ compound: true, multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const isCluster = (node: ChartNode) => node.type === 'compound' || node.type === 'parallel';
  for (const node of chart.nodes) {
    const width = Math.max(90, node.key.length * CHAR_WIDTH + 28);
    graph.setNode(node.path, isCluster(node) ? { label: node.key, width: 0, height: 0, paddingTop: 24 } : { label: node.key, width, height: NODE_HEIGHT });
  }
  for (const node of chart.nodes) if (node.parent !== null) graph.setParent(node.path, node.parent);
  chart.edges.forEach((edge, index) => {
    const width = Math.min(160, edge.label.length * 6 + 8);
    graph.setEdge(leafOf(chart, edge.source), leafOf(chart, edge.target), { label: edge.label, width, height: 14, labelpos: 'c' }, `e${index}`);
  });
  layout(graph);
  const size = graph.graph();
  const width = Math.ceil(size.width ?? 400);
  const height = Math.ceil(size.height ?? 200);
  // Drawn at its natural size (text stays legible); the panel scrolls a wide chart.
  const svg = s('svg', { class: 'chart', 'data-testid': 'statechart', 'data-machine': chart.name, width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `statechart of ${chart.name}` });
  svg.append(
    s('defs', {}, s('marker', { id: `arrow-${chart.name}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }))),
  );
  const counts = new Map<string, SVGTextElement>();
  const groups = new Map<string, SVGGElement>();
  // Clusters first (behind), then edges, then leaves.
  const ordered = [...chart.nodes].sort((a, b) => Number(isCluster(b)) - Number(isCluster(a)) || a.path.split('.').length - b.path.split('.').length);
  const nodeLayer = s('g');
  for (const node of ordered) {
    const box = graph.node(node.path);
    if (!box || box.x === undefined || box.y === undefined) continue;
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const countText = s('text', { class: 'count', x: isCluster(node) ? x + box.width - 8 : box.x, y: isCluster(node) ? y + 16 : box.y + 14, 'text-anchor': isCluster(node) ? 'end' : 'middle', 'data-testid': 'state-count' }, '0');
    const group = s(
      'g',
      { class: `node ${node.type}${isCluster(node) ? ' cluster' : ''}`, 'data-testid': 'state-node', 'data-path': node.path },
      s('rect', { x, y, width: box.width, height: box.height, rx: 8, ry: 8 }),
      node.type === 'final' ? s('rect', { class: 'inner', x: x + 3, y: y + 3, width: box.width - 6, height: box.height - 6, rx: 6, ry: 6 }) : null,
      s('text', { class: 'name', x: isCluster(node) ? x + 8 : box.x, y: isCluster(node) ? y + 16 : box.y - 3, 'text-anchor': isCluster(node) ? 'start' : 'middle' }, node.key),
      countText,
      s('title', {}, `${node.path}${node.invokes ? ` (runs ${node.invokes.join(', ')})` : ''}`),
    );
    counts.set(node.path, countText);
    groups.set(node.path, group);
    (isCluster(node) ? svg : nodeLayer).append(group);
  }
  const edgeLayer = s('g', { class: 'edges' });
  for (const edge of graph.edges()) {
    const label = graph.edge(edge);
    const points = label.points ?? [];
    if (points.length === 0) continue;
    const d = points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ');
    edgeLayer.append(s('path', { class: 'edge', d, 'marker-end': `url(#arrow-${chart.name})` }));
    if (label.x !== undefined && label.y !== undefined) edgeLayer.append(s('text', { class: 'edge-label', x: label.x, y: label.y + 4, 'text-anchor': 'middle' }, String(label.label ?? '')));
  }
  svg.append(edgeLayer, nodeLayer);
  return { svg, counts, groups };
}

export function statechartView(actions: Actions): View {
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const canvas = h('div', { class: 'chart-canvas' });
  const legend = h('p', { class: 'muted' });
  const element = h('section', { class: 'panel chart-panel', 'data-testid': 'statechart-panel' }, h('h2', {}, 'Statecharts'), tabs, canvas, legend);
  const drawn = new Map<string, Drawn>();
  let last: PageState | undefined;
  let lastHeld = '';
  return {
    element,
    update(state) {
      // Tabs only for the machines the store holds actors of (and the one shown, if it holds none).
      const held = heldMachines(state.machines, state.counts).filter((machine) => machine.name !== state.machine);
      const tabbed = state.machines.filter((machine) => machine.name === state.machine || held.includes(machine));
      const heldKey = tabbed.map((machine) => machine.name).join('\n');
      if (state.machines !== last?.machines || state.machine !== last?.machine || heldKey !== lastHeld) {
        lastHeld = heldKey;
        fill(tabs, ...tabbed.map((machine) => h('button', { role: 'tab', class: machine.name === state.machine ? 'tab active' : 'tab', 'aria-selected': machine.name === state.machine ? 'true' : 'false', 'data-testid': 'machine-tab', 'data-machine': machine.name, onclick: () => actions.selectMachine(machine.name) }, machine.name)));
        const chart = state.machines.find((machine) => machine.name === state.machine);
        if (!chart) fill(canvas, h('p', { class: 'muted', 'data-testid': 'no-charts' }, state.machines.length === 0 ? 'no machines were given to the inspector' : tabbed.length === 0 ? 'no actors in this store yet' : ''));
        else {
          let shown = drawn.get(chart.name);
          if (!shown) drawn.set(chart.name, (shown = draw(chart)));
          fill(canvas, shown.svg);
        }
      }
      const shown = state.machine === null ? undefined : drawn.get(state.machine);
      if (shown && (state.counts !== last?.counts || state.machine !== last?.machine)) {
        const byState = state.counts[state.machine!];
        for (const [path, text] of shown.counts) text.textContent = count(countIn(byState, path));
        const other = byState?.['(other)'];
        legend.textContent = other ? `${count(other)} actors are in states this version does not have` : '';
      }
      if (shown && (state.actor !== last?.actor || state.machine !== last?.machine)) {
        const actor = state.actor?.machine === state.machine ? state.actor : null;
        for (const [path, group] of shown.groups) group.classList.toggle('current', actor !== null && inNode(actor.state, path));
      }
      last = state;
    },
  };
}
