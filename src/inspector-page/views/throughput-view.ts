/** A live chart of steps per second over the last minute (uPlot: a few kB, drawn on canvas). */
import uPlot from 'uplot';
import { h } from '../dom.js';
import type { View } from '../actions.js';
import type { PageState } from '../page-store.js';

const HEIGHT = 140;

export function throughputView(): View {
  const canvas = h('div', { class: 'throughput', 'data-testid': 'throughput-chart' });
  const element = h('section', { class: 'panel throughput-panel' }, h('h2', {}, 'Throughput'), canvas);
  let plot: uPlot | undefined;
  let samples: PageState['samples'] | undefined;
  let pending = false;
  const options = (width: number): uPlot.Options => ({
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    // A fixed one-minute window ending now, so the axis does not jump while samples accumulate.
    scales: { x: { time: true, range: (_u, _min, max) => [max - 60, max] }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
    axes: [{ stroke: '#667' }, { stroke: '#667', size: 50 }],
    series: [{}, { label: 'steps/s', stroke: '#2563eb', width: 2, fill: 'rgba(37, 99, 235, 0.12)' }],
  });
  const redraw = () => {
    pending = false;
    if (!samples) return;
    const data: uPlot.AlignedData = [samples.map(([at]) => at), samples.map(([, value]) => value)];
    if (!plot) {
      if (canvas.clientWidth === 0) return;
      plot = new uPlot(options(canvas.clientWidth), data, canvas);
      new ResizeObserver(() => plot?.setSize({ width: canvas.clientWidth, height: HEIGHT })).observe(canvas);
      return;
    }
    plot.setData(data);
  };
  return {
    element,
    update(state) {
      if (state.samples === samples) return;
      samples = state.samples;
      canvas.setAttribute('data-steps-per-second', String(state.throughput.stepsPerSecond));
      if (!pending) {
        pending = true;
        requestAnimationFrame(redraw);
      }
    },
  };
}
