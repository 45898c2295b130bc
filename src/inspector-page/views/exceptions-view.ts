/**
 * A batch job's exception queue, a page at a time (the server never sends the
 * whole queue): item, batch, step, error and a preview of the input. Admin
 * tokens also get a resolve form (a JSON value, checked here before it is
 * sent) and "reprocess open exceptions"; read-only tokens see neither.
 */
import type { ExceptionRow } from '../../adapters/inspector/inspector-protocol.js';
import { count, fill, h } from '../dom.js';
import type { Actions, View } from '../actions.js';
import type { PageState } from '../page-store.js';
import { checkResolution } from '../resolve-value.js';

function row(exception: ExceptionRow, admin: boolean, open: (item: string) => void): HTMLElement {
  return h(
    'tr',
    { 'data-testid': 'exception-row', 'data-item': exception.item, class: exception.resolved ? 'resolved' : '' },
    h('td', { class: 'id', title: exception.item }, exception.item),
    h('td', { class: 'num' }, exception.batch),
    h('td', {}, exception.step),
    h('td', { class: 'error-text', title: exception.error.message }, exception.error.code ? `${exception.error.code}: ` : '', exception.error.message),
    h('td', { class: 'input-preview', title: exception.input }, exception.input),
    h('td', {}, exception.resolved ? h('span', { class: 'badge status-done' }, exception.resolution ?? 'resolved') : admin ? h('button', { 'data-testid': 'resolve-open', onclick: () => open(exception.item) }, 'resolve') : null),
  );
}

export function exceptionsView(actions: Actions): View {
  const summary = h('span', { class: 'muted', 'data-testid': 'exceptions-total' });
  const showAll = h('input', { type: 'checkbox', 'data-testid': 'exceptions-all' });
  showAll.addEventListener('change', () => actions.showResolved(showAll.checked));
  const reprocess = h('button', { 'data-testid': 'reprocess-button', title: 'run the open exceptions again with the current code and config', onclick: () => actions.reprocess() }, 'Reprocess open exceptions');
  const note = h('p', { class: 'muted', 'data-testid': 'batch-note' });
  const body = h('tbody');
  const table = h('table', { class: 'exceptions', 'data-testid': 'exceptions' }, h('thead', {}, h('tr', {}, h('th', {}, 'item'), h('th', { class: 'num' }, 'batch'), h('th', {}, 'step'), h('th', {}, 'error'), h('th', {}, 'input'), h('th', {}))), body);
  const pager = h('div', { class: 'pager' });

  // The form lives outside the table, so a refreshed page keeps what a person is typing.
  let resolving: string | null = null;
  const formTitle = h('strong');
  const value = h('textarea', { rows: 3, 'data-testid': 'resolve-value', placeholder: 'the item\u2019s result, as JSON: {"lat": 48.85, "lon": 2.35}', spellcheck: 'false' });
  const problem = h('p', { class: 'error-text', 'data-testid': 'resolve-error' });
  const submit = h('button', { type: 'submit', 'data-testid': 'resolve-submit' }, 'Resolve');
  const form = h('form', { class: 'resolve-form', 'data-testid': 'resolve-form', hidden: true }, formTitle, value, problem, h('div', { class: 'commands' }, submit, h('button', { type: 'button', onclick: () => close() }, 'Cancel')));
  const close = () => {
    resolving = null;
    form.hidden = true;
    problem.textContent = '';
  };
  const open = (item: string) => {
    resolving = item;
    formTitle.textContent = `Resolve ${item}: its result, as JSON`;
    problem.textContent = '';
    form.hidden = false;
    value.focus();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (resolving === null) return;
    const checked = checkResolution(value.value);
    if (!checked.ok) return void (problem.textContent = checked.problem);
    const item = resolving;
    submit.disabled = true;
    problem.textContent = '';
    actions
      .resolve(item, checked.value)
      .then(() => {
        if (resolving === item) close();
        value.value = '';
      })
      .catch((error: unknown) => (problem.textContent = error instanceof Error ? error.message : String(error)))
      .finally(() => (submit.disabled = false));
  });

  const element = h(
    'section',
    { class: 'panel exceptions-panel', 'data-testid': 'exceptions-panel', hidden: true },
    h('div', { class: 'job-head' }, h('h2', {}, 'Exception queue'), summary, h('label', { class: 'muted' }, showAll, ' include resolved'), h('div', { class: 'commands' }, h('button', { onclick: () => actions.refreshBatch() }, 'Refresh'), reprocess)),
    note,
    form,
    table,
    pager,
  );
  let last: PageState | undefined;
  return {
    element,
    update(state) {
      if (last && state.exceptions === last.exceptions && state.role === last.role && state.batchNote === last.batchNote && state.dag === last.dag && state.exceptionsOpen === last.exceptionsOpen) return;
      last = state;
      const shown = state.exceptions;
      element.hidden = shown === null;
      if (!shown) return close();
      const admin = state.role === 'admin';
      reprocess.hidden = !admin;
      reprocess.disabled = state.dag?.running === true;
      if (!admin) close();
      showAll.checked = !state.exceptionsOpen;
      note.textContent = state.batchNote ?? '';
      const { page, back } = shown;
      const total = `${count(page.total)}${page.totalExact ? '' : '+'}`;
      summary.textContent = `${total} ${page.open ? 'open' : 'in all'}`;
      element.setAttribute('data-total', String(page.total));
      if (page.items.length === 0) fill(body, h('tr', {}, h('td', { colspan: 6, class: 'muted' }, page.open ? 'no open exceptions' : 'no exceptions')));
      else fill(body, ...page.items.map((exception) => row(exception, admin, open)));
      // Pages past the first are asked for with a cursor (the last row's item): any depth is one seek.
      fill(
        pager,
        h('button', { 'data-testid': 'exceptions-previous', disabled: back.length === 0, onclick: () => actions.exceptionsPage('previous') }, '‹ previous'),
        h('span', { class: 'muted', 'data-testid': 'exceptions-range' }, `${count(page.items.length === 0 ? page.offset : page.offset + 1)}–${count(page.offset + page.items.length)} of ${total}`),
        h('button', { 'data-testid': 'exceptions-next', disabled: page.next === undefined, onclick: () => actions.exceptionsPage('next') }, 'next ›'),
      );
    },
  };
}
