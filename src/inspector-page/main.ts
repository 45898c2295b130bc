/**
 * The inspector page: connects with the token of its own address (then takes
 * it out of the address bar: the server's cookie lets the page reload), keeps
 * the client state in an @xstate/store, and redraws the views that changed.
 * The selected job, actor and tab live in the address (page-location.ts):
 * each click makes a history entry, back and forward restore the view. The
 * server sends aggregates and pages only, so the page stays light with a
 * million actors in the store.
 */
import { BATCH_JOB_MACHINE_NAME, type DagStats, type ServerMessage } from '../adapters/inspector/inspector-protocol.js';
import type { Actions } from './actions.js';
import { Connection } from './connection.js';
import { count, h, stateName } from './dom.js';
import { createPageStore, type ExceptionsCursor } from './page-store.js';
import { readLocation, searchOf, takeToken, type PageLocation } from './page-location.js';
import { actorView } from './views/actor-view.js';
import { dagView } from './views/dag-view.js';
import { exceptionsView } from './views/exceptions-view.js';
import { headerView } from './views/header-view.js';
import { jobView } from './views/job-view.js';
import { jobsView } from './views/jobs-view.js';
import { statechartView } from './views/statechart-view.js';
import { throughputView } from './views/throughput-view.js';

const token = takeToken(window);
const store = createPageStore();
/** How the next change of the selection enters the history: a person's click pushes, everything else replaces. */
let historyMode: 'push' | 'replace' = 'replace';
/** A tab the address asked for: kept when that actor's view arrives (which would show its own machine's). */
let wantedTab: { actor: string | null; tab: string } | null = null;
let subscribed: string | undefined;
let errorTimer: number | undefined;
let summaries = 0;
/** The batch job whose DAG statistics the server pushes to this page. */
let dagFollowed: string | undefined;
const EXCEPTIONS_PAGE = 20;

const showError = (error: unknown) => {
  store.trigger.error({ message: error instanceof Error ? error.message : String(error) });
  clearTimeout(errorTimer);
  errorTimer = window.setTimeout(() => store.trigger.error({ message: null }), 8_000);
};

/** Runs a request and hands its reply to `then`; failures go to the error banner. */
function ask<T extends ServerMessage['type']>(request: Parameters<Connection['request']>[0], type: T, then: (reply: Extract<ServerMessage, { type: T }>) => void): Promise<void> {
  return connection
    .request(request)
    .then((reply) => {
      if (reply.type === type) then(reply as Extract<ServerMessage, { type: T }>);
    })
    .catch(showError);
}

/** Refreshes happen at most once per this long (a busy job list or journal changes every tick). */
function debounce(action: () => void, ms: number): () => void {
  let timer: number | undefined;
  return () => {
    if (timer !== undefined) return;
    timer = window.setTimeout(() => {
      timer = undefined;
      action();
    }, ms);
  };
}

const refreshJobs = debounce(() => actions.jobsPage(store.getSnapshot().context.jobs?.offset ?? 0), 500);
/** The selected actor stepped: its journal (and step count, effects, timers) are read again. */
const refreshActor = debounce(() => {
  const actor = store.getSnapshot().context.actor;
  if (!actor) return;
  void ask({ type: 'actor', id: actor.id }, 'actor', (reply) => store.trigger.actor({ actor: reply.actor }));
  void ask({ type: 'journal', id: actor.id }, 'journal', (reply) => store.trigger.journal(reply));
}, 300);


const FIRST_EXCEPTIONS: ExceptionsCursor = { after: null, offset: 0 };
/** The exceptions page last asked for: a refresh asks for it again, even before it is shown. */
let exceptionsWanted: { id: string; at: ExceptionsCursor; back: ExceptionsCursor[] } | undefined;

/**
 * A page of the selected batch job's exceptions at `at`, `back` being the cursors of the pages before it
 * (no `at`: the page last asked for, again). Past the first page it asks with a cursor, never a deep
 * offset: the server skips to an offset by reading every record before it, so offsets are capped.
 */
function loadExceptions(at?: ExceptionsCursor, back: ExceptionsCursor[] = []): void {
  const { selectedJob, exceptionsOpen } = store.getSnapshot().context;
  if (selectedJob === null || dagFollowed !== selectedJob) return;
  const again = at === undefined && exceptionsWanted?.id === selectedJob ? exceptionsWanted : undefined;
  const wanted = { id: selectedJob, at: again?.at ?? at ?? FIRST_EXCEPTIONS, back: again?.back ?? back };
  exceptionsWanted = wanted;
  const { at: where, back: before } = wanted;
  const request = { type: 'exceptions' as const, id: selectedJob, offset: where.offset, limit: EXCEPTIONS_PAGE, open: exceptionsOpen, ...(where.after === null ? {} : { after: where.after }) };
  void ask(request, 'exceptions', (reply) => {
    if (exceptionsWanted !== wanted) return; // a newer request's reply shows instead
    const { page } = reply;
    // A page emptied by resolutions (not one cut short by the read budget, which has a `next`): show the one before.
    const previous = before[before.length - 1];
    if (page.items.length === 0 && page.next === undefined && previous) return loadExceptions(previous, before.slice(0, -1));
    store.trigger.exceptions({ id: reply.id, page, at: where, back: before });
  });
}
const failures = (dag: DagStats) => dag.stats.reduce((sum, node) => sum + node.failures, 0);
/** A running job's queue grows: read the page again at most once a second, when its failures move. */
const refreshExceptions = debounce(() => loadExceptions(), 1_000);

/** Follows a batch job's DAG statistics and reads its queue; a job of another kind stops following. */
function followBatch(id: string, machine = store.getSnapshot().context.jobs?.items.find((row) => row.id === id)?.machine): void {
  if (store.getSnapshot().context.selectedJob !== id) return;
  // A job off the list's page (after a reconnection): its machine is asked first.
  if (machine === undefined) return void ask({ type: 'actor', id }, 'actor', (reply) => followBatch(id, reply.actor.machine));
  if (machine !== BATCH_JOB_MACHINE_NAME) {
    if (dagFollowed !== undefined) connection.notify({ type: 'dagStats', id: null });
    dagFollowed = undefined;
    return;
  }
  dagFollowed = id;
  void ask({ type: 'dagStats', id }, 'dagStats', (reply) => store.trigger.dagStats({ dag: reply.dag }));
  loadExceptions(FIRST_EXCEPTIONS);
}

const actions: Actions = {
  selectJob(id) {
    store.trigger.selectJob({ id });
    followBatch(id);
    void ask({ type: 'jobStats', id }, 'jobStats', (reply) => store.trigger.jobStats({ stats: reply.stats }));
    void ask({ type: 'children', id }, 'children', (reply) => store.trigger.children({ id: reply.id, page: reply.page }));
    actions.selectActor(id);
  },
  openNode(path) {
    const id = path[path.length - 1];
    if (id === undefined) return;
    store.trigger.openNode({ path });
    void ask({ type: 'children', id }, 'children', (reply) => store.trigger.children({ id: reply.id, page: reply.page }));
  },
  selectActor(id) {
    store.trigger.selectActor({ id });
    if (subscribed !== undefined && subscribed !== id) void connection.request({ type: 'unsubscribe', id: subscribed }).catch(() => {});
    subscribed = id;
    void ask({ type: 'actor', id }, 'actor', (reply) => {
      store.trigger.actor({ actor: reply.actor });
      if (wantedTab === null || (wantedTab.actor !== null && wantedTab.actor !== reply.actor.id)) return;
      store.trigger.selectMachine({ name: wantedTab.tab });
      wantedTab = null;
    });
    void ask({ type: 'journal', id }, 'journal', (reply) => store.trigger.journal(reply));
    void connection.request({ type: 'subscribe', id, scope: 'actor' }).catch(showError);
  },
  selectEntry(seq) {
    const actor = store.getSnapshot().context.actor;
    if (!actor) return;
    void ask({ type: 'journalEntry', id: actor.id, seq }, 'journalEntry', (reply) => store.trigger.entry({ entry: { id: reply.id, entry: reply.entry, snapshot: reply.snapshot, source: reply.source } }));
  },
  selectMachine(name) {
    store.trigger.selectMachine({ name });
  },
  jobsPage(offset) {
    void ask({ type: 'jobs', offset }, 'jobs', (reply) => store.trigger.jobs({ page: reply.page }));
  },
  childrenPage(offset) {
    const { path } = store.getSnapshot().context;
    const id = path[path.length - 1];
    if (id !== undefined) void ask({ type: 'children', id, offset }, 'children', (reply) => store.trigger.children({ id: reply.id, page: reply.page }));
  },
  exceptionsPage(direction) {
    const shown = store.getSnapshot().context.exceptions;
    if (!shown) return;
    const { page, at, back } = shown;
    if (direction === 'next' && page.next !== undefined) loadExceptions({ after: page.next, offset: page.offset + page.items.length }, [...back, at]);
    const previous = back[back.length - 1];
    if (direction === 'previous' && previous) loadExceptions(previous, back.slice(0, -1));
  },
  showResolved(all) {
    store.trigger.exceptionsFilter({ open: !all });
    loadExceptions(FIRST_EXCEPTIONS);
  },
  refreshBatch() {
    const { selectedJob } = store.getSnapshot().context;
    if (selectedJob !== null) followBatch(selectedJob);
  },
  async resolve(item, value) {
    const { selectedJob: id } = store.getSnapshot().context;
    if (id === null) throw new Error('no job is selected');
    const reply = await connection.request({ type: 'resolve', id, item, value });
    if (reply.type !== 'command') throw new Error(`unexpected reply ${reply.type}`);
    store.trigger.batchNote({ id, note: `${item} resolved` });
    loadExceptions();
  },
  reprocess() {
    const { selectedJob: id } = store.getSnapshot().context;
    if (id === null) return;
    void ask({ type: 'reprocess', id }, 'command', () => store.trigger.batchNote({ id, note: 'reprocessing the open exceptions…' }));
  },
  command(name, id) {
    void ask({ type: name, id }, 'command', () => {
      refreshJobs();
      const actor = store.getSnapshot().context.actor;
      if (actor) void ask({ type: 'actor', id: actor.id }, 'actor', (reply) => store.trigger.actor({ actor: reply.actor }));
    });
  },
};

/** Selects the job and actor of the store again (after a reconnection the server forgot this page's views). */
function reselect(): void {
  const { selectedJob, selectedActor } = store.getSnapshot().context;
  subscribed = undefined;
  if (selectedJob !== null) actions.selectJob(selectedJob);
  if (selectedActor !== null && selectedActor !== selectedJob) actions.selectActor(selectedActor);
}

/** Shows what `where` names (from the address: a link, back or forward); enters no history. */
function showLocation(where: PageLocation): void {
  historyMode = 'replace';
  const { selectedJob } = store.getSnapshot().context;
  if (where.job === null) {
    if (selectedJob === null) return;
    if (dagFollowed !== undefined) connection.notify({ type: 'dagStats', id: null });
    if (subscribed !== undefined) void connection.request({ type: 'unsubscribe', id: subscribed }).catch(() => {});
    dagFollowed = undefined;
    subscribed = undefined;
    store.trigger.deselect();
  } else if (where.job !== selectedJob) {
    actions.selectJob(where.job);
  }
  const actor = where.actor ?? where.job;
  if (actor !== null && actor !== store.getSnapshot().context.selectedActor) actions.selectActor(actor);
  if (where.tab !== null && where.tab !== store.getSnapshot().context.machine) {
    wantedTab = actor !== null && store.getSnapshot().context.actor?.id !== actor ? { actor, tab: where.tab } : null;
    actions.selectMachine(where.tab);
  }
}

/** Writes the selection into the address: a new history entry after a person's click, else in place. */
function syncAddress(): void {
  const { selectedJob, selectedActor, machine } = store.getSnapshot().context;
  const search = searchOf({ job: selectedJob, actor: selectedActor, tab: machine });
  const mode = historyMode;
  historyMode = 'replace';
  if (search === location.search) return;
  const url = `${location.pathname}${search}${location.hash}`;
  if (mode === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** The actions the views call: a person's clicks, each a new history entry. */
const clicks: Actions = {
  ...actions,
  selectJob(id) {
    historyMode = 'push';
    actions.selectJob(id);
  },
  selectActor(id) {
    historyMode = 'push';
    actions.selectActor(id);
  },
  selectMachine(name) {
    historyMode = 'push';
    wantedTab = null;
    actions.selectMachine(name);
  },
};

function onMessage(message: ServerMessage): void {
  switch (message.type) {
    case 'summary': {
      store.trigger.summary({ summary: message });
      if (summaries++ === 0) {
        performance.mark('holdfast:first-summary');
        document.body.setAttribute('data-ready', 'true');
      }
      // The first one: the view the address names; after a reconnection: the server forgot this page's views.
      reselect();
      return;
    }
    case 'update':
      store.trigger.update({ update: message });
      if (message.jobsStale) refreshJobs();
      return;
    case 'jobStats':
      return void store.trigger.jobStats({ stats: message.stats });
    case 'dagStats': {
      if (message.ref !== undefined) return; // a reply: its request handles it
      const before = store.getSnapshot().context.dag;
      store.trigger.dagStats({ dag: message.dag });
      // The queue is read again only when it may have changed: more failures, or a run that ended.
      if (before?.id !== message.dag.id || failures(before) !== failures(message.dag) || before.running !== message.dag.running) refreshExceptions();
      return;
    }
    case 'reprocessed': {
      const { items, results, exceptions } = message.summary;
      store.trigger.batchNote({ id: message.id, note: `reprocessed ${count(items)} items: ${count(results)} resolved, ${count(exceptions)} still failing` });
      if (message.id === store.getSnapshot().context.selectedJob) actions.refreshBatch();
      return;
    }
    case 'degraded':
      return void store.trigger.degraded({ reason: message.reason });
    case 'recovered': {
      store.trigger.recovered();
      refreshJobs();
      reselect();
      return;
    }
    case '@xstate.snapshot': {
      const snapshot = message.snapshot as { value?: unknown } | null;
      store.trigger.actorSnapshot({ id: message.sessionId, snapshot: message.snapshot, status: message.status, state: stateName(snapshot?.value) });
      if (message.sessionId === store.getSnapshot().context.actor?.id && message.event.type !== 'holdfast.subscribed') refreshActor();
      return;
    }
    case 'error':
      if (message.ref === undefined) showError(`[${message.code}] ${message.message}`);
      return;
    default:
      return;
  }
}

// Without a token in the address (a reload, a link), the server's cookie carries it.
const connection = new Connection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`, {
  onOpen: () => store.trigger.connecting(),
  onClose: () => store.trigger.closed(),
  onRevoked: () => {
    store.trigger.revoked();
    store.trigger.error({ message: 'The server\u2019s tokens were replaced (holdfast token rotate): open the new address that command printed.' });
  },
  onMessage,
});

// The view a link names, shown once connected (the first summary reselects it).
const opened = readLocation(location.search);
if (opened.job !== null) store.trigger.selectJob({ id: opened.job });
if (opened.actor !== null) store.trigger.selectActor({ id: opened.actor });
if (opened.tab !== null) {
  store.trigger.selectMachine({ name: opened.tab });
  wantedTab = { actor: opened.actor ?? opened.job, tab: opened.tab };
}
window.addEventListener('popstate', () => showLocation(readLocation(location.search)));

const views = [headerView(), jobsView(clicks), throughputView(), jobView(clicks), statechartView(clicks), actorView(clicks), dagView(), exceptionsView(clicks)];
const [header, jobs, throughput, job, chart, actor, dag, exceptions] = views;
document.body.replaceChildren(
  header!.element,
  h(
    'main',
    { class: 'layout' },
    h('aside', { class: 'jobs-area' }, jobs!.element),
    h('div', { class: 'wide-area' }, throughput!.element, chart!.element),
    h('div', { class: 'batch-area' }, dag!.element, exceptions!.element),
    h('div', { class: 'job-area' }, job!.element),
    h('div', { class: 'actor-area' }, actor!.element),
  ),
);
const render = () => {
  const state = store.getSnapshot().context;
  for (const view of views) view.update(state);
};
store.subscribe(render);
store.subscribe(syncAddress);
render();
connection.open();
