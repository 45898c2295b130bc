/** The job list: every top actor, newest first, a page at a time, with live progress. */
import type { JobRow } from '../../adapters/inspector/inspector-protocol.js';
import { count, fill, h, shortId } from '../dom.js';
import type { Actions, View } from '../actions.js';
import type { PageState } from '../page-store.js';

function progressOf(job: JobRow): { text: string; fraction: number | null } {
  if (job.progress && job.progress.total > 0) {
    const fraction = Math.min(1, job.progress.done / job.progress.total);
    return { text: `${count(job.progress.done)} / ${count(job.progress.total)}`, fraction };
  }
  if (job.status !== 'active' && job.status !== 'parked') return { text: job.words ?? 'finished', fraction: 1 };
  return { text: `${count(job.actors)} actors`, fraction: null };
}

function jobRow(job: JobRow, selected: boolean, actions: Actions): HTMLElement {
  const progress = progressOf(job);
  const bar = h('div', { class: `progress${progress.fraction === null ? ' unknown' : ''}`, 'data-testid': 'job-progress', 'data-fraction': progress.fraction ?? '' });
  const fillBar = h('div', { class: 'progress-fill' });
  if (progress.fraction !== null) fillBar.style.width = `${(progress.fraction * 100).toFixed(1)}%`;
  bar.append(fillBar);
  return h(
    'li',
    {
      class: `job${selected ? ' selected' : ''}`,
      'data-testid': 'job-row',
      'data-id': job.id,
      title: job.id,
      tabindex: 0,
      onclick: () => actions.selectJob(job.id),
      onkeydown: (event) => (event as KeyboardEvent).key === 'Enter' && actions.selectJob(job.id),
    },
    h('div', { class: 'job-title' }, h('span', { class: 'id' }, shortId(job.id)), h('span', { class: `badge status-${job.status}`, 'data-testid': 'job-state', title: job.words !== undefined ? `machine state: ${job.state}` : '' }, job.words ?? (job.state || job.status)), job.paused ? h('span', { class: 'badge paused' }, 'paused') : null),
    h('div', { class: 'job-meta' }, h('span', {}, job.machine), h('span', { 'data-testid': 'job-progress-text' }, progress.text)),
    bar,
    job.error ? h('div', { class: 'error-text' }, `${job.error.code}: ${job.error.message}`) : null,
    job.parked ? h('div', { class: 'error-text', 'data-testid': 'job-parked' }, Object.entries(job.parked).map(([code, n]) => `parked ${count(n)}: ${code}`).join(', ')) : null,
  );
}

export function jobsView(actions: Actions): View {
  const list = h('ul', { class: 'jobs', 'data-testid': 'jobs' });
  const pager = h('div', { class: 'pager' });
  const element = h('section', { class: 'panel jobs-panel' }, h('h2', {}, 'Jobs'), list, pager);
  let jobs: PageState['jobs'] | undefined;
  let selected: string | null | undefined;
  return {
    element,
    update(state) {
      if (state.jobs === jobs && state.selectedJob === selected) return;
      jobs = state.jobs;
      selected = state.selectedJob;
      if (!jobs) return fill(list, h('li', { class: 'muted' }, 'loading…'));
      if (jobs.items.length === 0) fill(list, h('li', { class: 'muted' }, 'no jobs yet'));
      else fill(list, ...jobs.items.map((job) => jobRow(job, job.id === selected, actions)));
      const { offset, limit, total } = jobs;
      fill(
        pager,
        h('button', { disabled: offset === 0, onclick: () => actions.jobsPage(Math.max(0, offset - limit)) }, '‹ newer'),
        h('span', { class: 'muted' }, `${count(total === 0 ? 0 : offset + 1)}–${count(Math.min(total, offset + limit))} of ${count(total)}`),
        h('button', { disabled: offset + limit >= total, onclick: () => actions.jobsPage(offset + limit) }, 'older ›'),
      );
    },
  };
}
