/** The page's top bar: connection, role, totals by status, throughput, and banners (degraded, errors). */
import { count, fill, h } from '../dom.js';
import type { View } from '../actions.js';
import type { PageState } from '../page-store.js';

export function headerView(): View {
  const connection = h('span', { class: 'connection', 'data-testid': 'connection-status' });
  const role = h('span', { class: 'role', 'data-testid': 'role' });
  const totals = h('span', { class: 'totals', 'data-testid': 'totals' });
  const rate = h('span', { class: 'rate', 'data-testid': 'steps-per-second' });
  const degraded = h('div', { class: 'banner degraded', 'data-testid': 'degraded-banner', hidden: true });
  const error = h('div', { class: 'banner error', 'data-testid': 'error-banner', role: 'alert', hidden: true });
  const element = h('header', { class: 'header' }, h('div', { class: 'bar' }, h('strong', {}, 'holdfast inspector'), connection, role, totals, rate), degraded, error);
  let last: PageState | undefined;
  return {
    element,
    update(state) {
      if (state.connection !== last?.connection) {
        connection.textContent = state.connection;
        connection.className = `connection ${state.connection}`;
      }
      if (state.role !== last?.role) role.textContent = state.role === 'admin' ? 'admin' : state.role === 'readOnly' ? 'read-only' : '';
      if (state.statusCounts !== last?.statusCounts || state.actors !== last?.actors) {
        fill(
          totals,
          `${count(state.actors)} actors`,
          ...Object.entries(state.statusCounts).map(([status, n]) => h('span', { class: `chip status-${status}` }, `${status} ${count(n ?? 0)}`)),
        );
      }
      if (state.throughput !== last?.throughput) rate.textContent = `${count(state.throughput.stepsPerSecond)} steps/s`;
      if (state.degraded !== last?.degraded) {
        degraded.hidden = state.degraded === null;
        degraded.textContent = state.degraded === null ? '' : `Degraded: summaries only (${state.degraded})`;
      }
      if (state.error !== last?.error) {
        error.hidden = state.error === null;
        error.textContent = state.error ?? '';
      }
      last = state;
    },
  };
}
