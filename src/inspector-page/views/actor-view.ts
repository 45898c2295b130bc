/**
 * The selected actor: its state, status, error, effects and timers; its journal,
 * newest first; a click on an entry shows the snapshot at that moment (kept with
 * the entry, or the current one for the latest step), or says none was kept.
 */
import type { JournalRow } from '../../adapters/inspector/inspector-protocol.js';
import { count, fill, h, pretty, time } from '../dom.js';
import { eventWords } from '../event-words.js';
import type { Actions, View } from '../actions.js';
import type { JournalEntryShown, PageState } from '../page-store.js';

function entryRow(entry: JournalRow, selected: boolean, actions: Actions): HTMLElement {
  return h(
    'li',
    {
      class: `entry${selected ? ' selected' : ''}${entry.hasSnapshot ? '' : ' no-snapshot'}`,
      'data-testid': 'journal-entry',
      'data-seq': entry.seq,
      tabindex: 0,
      onclick: () => actions.selectEntry(entry.seq),
      onkeydown: (event) => (event as KeyboardEvent).key === 'Enter' && actions.selectEntry(entry.seq),
    },
    h('span', { class: 'seq' }, `#${entry.seq}`),
    h('span', { class: 'event', title: entry.event, 'data-event': entry.event }, eventWords(entry.event)),
    h('span', { class: 'muted' }, `${entry.from || '∅'} → ${entry.to}`),
    h('span', { class: 'muted' }, time(entry.at)),
  );
}

function snapshotPanel(shown: JournalEntryShown | null): HTMLElement {
  if (!shown) return h('p', { class: 'muted' }, 'Click a transition to see the snapshot at that moment.');
  const head = h('p', { title: shown.entry.event }, `After #${shown.entry.seq} ${eventWords(shown.entry.event)} (${shown.entry.from || '∅'} → ${shown.entry.to}) at ${time(shown.entry.at)}`);
  if (shown.source === 'none') {
    return h('div', { 'data-testid': 'snapshot-missing' }, head, h('p', { class: 'muted' }, 'No snapshot was kept for this step: the journal entry above is all that is known of it.'), h('pre', {}, pretty(shown.entry)));
  }
  const note = shown.source === 'current' ? 'the latest step: this is the actor\u2019s current snapshot' : 'kept with the journal entry';
  return h('div', {}, head, h('p', { class: 'muted' }, note), h('pre', { class: 'snapshot', 'data-testid': 'snapshot-view', 'data-seq': shown.entry.seq }, pretty(shown.snapshot)));
}

export function actorView(actions: Actions): View {
  const details = h('div');
  const journal = h('ul', { class: 'journal', 'data-testid': 'journal' });
  const snapshot = h('div', { class: 'snapshot-panel' });
  const element = h('section', { class: 'panel actor-panel', 'data-testid': 'actor-panel', hidden: true }, details, h('h3', {}, 'Journal'), journal, h('h3', {}, 'Snapshot'), snapshot);
  let last: PageState | undefined;
  return {
    element,
    update(state) {
      if (last && state.actor === last.actor && state.journal === last.journal && state.entry === last.entry && state.role === last.role) return;
      const actorChanged = state.actor !== last?.actor || state.role !== last?.role;
      last = state;
      const actor = state.actor;
      element.hidden = actor === null;
      if (!actor) return;
      element.setAttribute('data-id', actor.id);
      if (actorChanged) {
        const admin = state.role === 'admin';
        fill(
          details,
          h('h2', {}, 'Actor ', h('span', { class: 'id', title: actor.id }, actor.id)),
          actor.label ? h('p', { 'data-testid': 'actor-label' }, actor.label) : null,
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'machine'), h('dd', {}, `${actor.machine} v${actor.version}`),
            h('dt', {}, 'state'), h('dd', { 'data-testid': 'actor-state' }, actor.state || '∅'),
            h('dt', {}, 'status'), h('dd', { class: `status-${actor.status}` }, actor.status, actor.paused ? ' (job paused)' : ''),
            h('dt', {}, 'steps'), h('dd', {}, count(actor.seq)),
            h('dt', {}, 'children'), h('dd', {}, count(actor.children)),
            actor.effects.length > 0 ? h('dt', {}, 'effects') : null,
            actor.effects.length > 0 ? h('dd', {}, actor.effects.map((e) => `${e.src} (attempt ${e.attempt})`).join(', ')) : null,
            actor.timers.length > 0 ? h('dt', {}, 'timers') : null,
            actor.timers.length > 0 ? h('dd', {}, actor.timers.map((t) => `${t.id.split('.').slice(0, 3).join('.')} at ${time(t.due)}`).join(', ')) : null,
          ),
          actor.error ? h('p', { class: 'error-text' }, `${actor.error.code}: ${actor.error.message}`) : null,
          h('div', { class: 'commands' }, h('button', { 'data-testid': 'retry-button', disabled: !admin || (actor.status !== 'parked' && actor.status !== 'active'), title: admin ? 'retry a parked actor, or send it `retry`' : 'read-only token: commands need the admin token', onclick: () => actions.command('retry', actor.id) }, 'Retry')),
        );
      }
      const entries = state.journal?.id === actor.id ? state.journal.entries : null;
      if (!entries) fill(journal, h('li', { class: 'muted' }, 'loading…'));
      else fill(journal, ...entries.map((entry) => entryRow(entry, state.entry?.entry.seq === entry.seq, actions)));
      fill(snapshot, snapshotPanel(state.entry));
    },
  };
}
