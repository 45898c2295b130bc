/**
 * A job's tree: the open path (job, then the actors opened under it), counts of
 * the whole tree by machine, state and status, and the children of the open
 * node a page at a time. A click selects an actor; "open" lists its children.
 */
import type { ActorRow, JobStats } from '../../adapters/inspector/inspector-protocol.js';
import { count, fill, h, shortId } from '../dom.js';
import type { Actions, View } from '../actions.js';
import type { PageState } from '../page-store.js';

function statsTable(stats: JobStats | null): HTMLElement {
  if (!stats) return h('p', { class: 'muted' }, 'counting…');
  const rows = Object.entries(stats.byState).flatMap(([machine, states]) =>
    Object.entries(states)
      .sort(([, a], [, b]) => b - a)
      .map(([state, n]) => h('tr', { 'data-testid': 'job-count', 'data-machine': machine, 'data-state': state }, h('td', {}, machine), h('td', {}, state), h('td', { class: 'num' }, count(n)))),
  );
  const scanned = stats.complete ? '' : ` (counting: ${count(stats.scanned)} of ${count(stats.total)} read)`;
  return h(
    'div',
    { class: 'stats', 'data-testid': 'job-stats', 'data-complete': String(stats.complete) },
    h('p', {}, `${count(stats.total)} actors in this job${scanned}; `, ...Object.entries(stats.byStatus).map(([status, n]) => h('span', { class: `chip status-${status}` }, `${status} ${count(n ?? 0)}`))),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'machine'), h('th', {}, 'state'), h('th', { class: 'num' }, 'actors'))), h('tbody', {}, ...rows)),
  );
}

function childRow(row: ActorRow, path: string[], selected: boolean, actions: Actions): HTMLElement {
  return h(
    'li',
    { class: `child${selected ? ' selected' : ''}`, 'data-testid': 'child-row', 'data-id': row.id, title: row.id },
    h('button', { class: 'link', onclick: () => actions.selectActor(row.id) }, row.label ?? shortId(row.id.startsWith(`${path[path.length - 1]}/`) ? row.id.slice(path[path.length - 1]!.length + 1) : row.id)),
    h('span', { class: 'muted' }, row.machine),
    h('span', { class: `badge status-${row.status}`, 'data-testid': 'child-state' }, row.state || row.status),
    row.children > 0 ? h('button', { class: 'open', onclick: () => actions.openNode([...path, row.id]) }, `open (${count(row.children)})`) : null,
    row.error ? h('span', { class: 'error-text' }, row.error.code) : null,
  );
}

export function jobView(actions: Actions): View {
  const title = h('div', { class: 'job-head' });
  const stats = h('div');
  const list = h('ul', { class: 'children', 'data-testid': 'children' });
  const pager = h('div', { class: 'pager' });
  const element = h('section', { class: 'panel job-panel', 'data-testid': 'job-panel', hidden: true }, title, stats, h('h3', {}, 'Children'), list, pager);
  let last: PageState | undefined;
  return {
    element,
    update(state) {
      if (last && state.selectedJob === last.selectedJob && state.jobStats === last.jobStats && state.children === last.children && state.path === last.path && state.jobs === last.jobs && state.role === last.role && state.actor?.id === last.actor?.id) return;
      last = state;
      element.hidden = state.selectedJob === null;
      if (state.selectedJob === null) return;
      const job = state.jobs?.items.find((row) => row.id === state.selectedJob);
      element.setAttribute('data-id', state.selectedJob);
      const admin = state.role === 'admin';
      const paused = job?.paused ?? false;
      fill(
        title,
        h('h2', {}, 'Job ', h('span', { class: 'id' }, shortId(state.selectedJob))),
        h('nav', { class: 'crumbs' }, ...state.path.map((id, index) => h('button', { class: 'link', onclick: () => actions.openNode(state.path.slice(0, index + 1)) }, index === 0 ? 'job' : shortId(id.split('/').pop() ?? id)))),
        h(
          'div',
          { class: 'commands' },
          h(
            'button',
            { 'data-testid': paused ? 'unpause-button' : 'pause-button', disabled: !admin, title: admin ? '' : 'read-only token: commands need the admin token', onclick: () => actions.command(paused ? 'unpause' : 'pause', state.selectedJob!) },
            paused ? 'Unpause' : 'Pause',
          ),
        ),
      );
      fill(stats, statsTable(state.jobStats));
      const page = state.children;
      if (!page) return fill(list, h('li', { class: 'muted' }, 'loading…'));
      if (page.items.length === 0) fill(list, h('li', { class: 'muted' }, 'no children'));
      else fill(list, ...page.items.map((row) => childRow(row, state.path, row.id === state.actor?.id, actions)));
      fill(
        pager,
        h('button', { disabled: page.offset === 0, onclick: () => actions.childrenPage(Math.max(0, page.offset - page.limit)) }, '‹ previous'),
        h('span', { class: 'muted' }, `${count(page.total === 0 ? 0 : page.offset + 1)}–${count(Math.min(page.total, page.offset + page.limit))} of ${count(page.total)}`),
        h('button', { disabled: page.offset + page.limit >= page.total, onclick: () => actions.childrenPage(page.offset + page.limit) }, 'next ›'),
      );
    },
  };
}
