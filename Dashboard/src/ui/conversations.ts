import type { Api } from '../api';
import { CHANNELS, EXAMPLE_VIEWS, PRIORITIES, STATUSES, channelOf, describe, normalise, sameFilter } from '../filters';
import { channelIcon } from './channelIcon';
import { STATE_LABELS, clock, elapsed, highlight, milliseconds, percent, preview } from '../format';
import type { LiveStore } from '../store';
import type { Card, Filter, SavedView } from '../types';
import type { Directory } from './directory';
import { clear, field, formDialog, h, marked, multiSelect, redrawKeepingState } from './dom';
import type { Notifications } from './notifications';

/** Live Conversations (seed 003): metrics bar, filters and saved views, active sessions panel, activity log. */
export function conversationsView(deps: {
  store: LiveStore; directory: Directory; api: Api; notifications: Notifications;
  filter: Filter; setFilter: (f: Filter) => void; open: (sessionId: string) => void;
}): { el: HTMLElement; dispose: () => void } {
  const { store, directory, api, notifications, filter, setFilter, open } = deps;

  // Metrics bar
  const metric = (key: string, label: string) => h('div', { class: 'metric', 'data-metric': key }, h('span', { class: 'metric-value' }, '–'), h('span', { class: 'metric-label' }, label));
  const metrics = {
    liveSessions: metric('liveSessions', 'Live sessions'),
    startedLastHour: metric('startedLastHour', 'Started in the last hour'),
    avgResponseTimeMs: metric('avgResponseTimeMs', 'Average response time'),
    interventionRate: metric('interventionRate', 'Intervention rate'),
  };
  const metricsBar = h('section', { class: 'metrics-bar', 'aria-label': 'Metrics Bar' }, Object.values(metrics));
  const drawMetrics = () => {
    const m = store.metrics;
    if (!m) return;
    metrics.liveSessions.firstElementChild!.textContent = String(m.liveSessions);
    metrics.startedLastHour.firstElementChild!.textContent = String(m.startedLastHour);
    metrics.avgResponseTimeMs.firstElementChild!.textContent = milliseconds(m.avgResponseTimeMs);
    metrics.interventionRate.firstElementChild!.textContent = percent(m.interventionRate);
  };

  // Filters
  const filters = h('section', { class: 'filters conversation-filters', 'aria-label': 'Filters' });
  const change = (patch: Partial<Filter>) => setFilter(normalise({ ...filter, ...patch }));
  const drawFilters = () => redrawKeepingState(filters, () => {
    const keyword = h('input', { type: 'search', name: 'q', placeholder: 'Keyword', 'aria-label': 'Keyword', value: filter.q ?? '' }) as HTMLInputElement;
    let typing: number | undefined;
    keyword.addEventListener('input', () => { window.clearTimeout(typing); typing = window.setTimeout(() => change({ q: keyword.value }), 300); });
    const durationKind = h('select', { 'aria-label': 'Duration' },
      h('option', { value: '' }, 'Any duration'),
      h('option', { value: 'more', selected: filter.minDurationSec != null }, 'More than'),
      h('option', { value: 'less', selected: filter.maxDurationSec != null && filter.minDurationSec == null }, 'Less than')) as HTMLSelectElement;
    const minutes = h('input', { type: 'number', min: 0, step: 1, 'aria-label': 'Duration in minutes', class: 'minutes',
      value: String(((filter.minDurationSec ?? filter.maxDurationSec) ?? 600) / 60) }) as HTMLInputElement;
    const applyDuration = () => {
      const seconds = Math.max(0, Math.round(Number(minutes.value) * 60));
      if (durationKind.value === 'more') change({ minDurationSec: seconds, maxDurationSec: undefined });
      else if (durationKind.value === 'less') change({ maxDurationSec: seconds, minDurationSec: undefined });
      else change({ minDurationSec: undefined, maxDurationSec: undefined });
    };
    durationKind.addEventListener('change', applyDuration);
    minutes.addEventListener('change', applyDuration);
    clear(filters).append(
      multiSelect('Agent', directory.agentOptions(), filter.agents ?? [], (v) => change({ agents: v.length === directory.agents.size ? [] : v }), true),
      multiSelect('Channel', CHANNELS.map((c) => ({ value: c.id, label: c.label })), filter.channels ?? [], (v) => change({ channels: v })),
      multiSelect('Priority', PRIORITIES.map((p) => ({ value: p, label: p[0]!.toUpperCase() + p.slice(1) })), filter.priorities ?? [], (v) => change({ priorities: v as Filter['priorities'] })),
      multiSelect('Status', STATUSES.map((s) => ({ value: s.id, label: s.label })), filter.statuses ?? [], (v) => change({ statuses: v as Filter['statuses'] })),
      keyword,
      h('span', { class: 'duration' }, durationKind, minutes, h('span', { class: 'muted' }, 'min')),
      multiSelect('Team', directory.teamOptions(), filter.teams ?? [], (v) => change({ teams: v })),
      multiSelect('Contact owner', directory.ownerOptions(), filter.owners ?? [], (v) => change({ owners: v })),
      h('button', { type: 'button', class: 'link', onclick: () => setFilter({}) }, 'Clear filters'),
    );
  });

  // Saved views
  const viewsBar = h('section', { class: 'views', 'aria-label': 'Saved views' });
  let views: SavedView[] = [];
  const loadViews = async () => {
    try { views = await api.views(); } catch (e) { notifications.toast(`Saved views could not be loaded: ${(e as Error).message}`, 'error'); }
    drawViews();
  };
  const drawViews = () => {
    const current = views.find((v) => sameFilter(v.filter, filter));
    const picker = h('select', { 'aria-label': 'Saved views' },
      h('option', { value: '' }, current ? '' : 'Saved views…'),
      views.map((v) => h('option', { value: v.id, selected: v === current, title: describe(v.filter) }, v.name))) as HTMLSelectElement;
    picker.addEventListener('change', () => { const v = views.find((x) => x.id === picker.value); if (v) setFilter(v.filter); });
    const nameInput = (value = '') => h('input', { name: 'name', required: true, maxlength: 80, value }) as HTMLInputElement;
    const save = () => formDialog('Save view', [field('Name', nameInput()), h('p', { class: 'muted' }, describe(filter))], 'Save', async (form) => {
      const view = await api.createView(String(form.get('name')), normalise(filter));
      notifications.toast(`Saved view “${view.name}”`);
      await loadViews();
    });
    const rename = () => current && formDialog('Rename view', [field('Name', nameInput(current.name))], 'Rename', async (form) => {
      await api.updateView(current.id, String(form.get('name')), current.filter);
      await loadViews();
    });
    const remove = async () => {
      if (!current || !window.confirm(`Delete the view “${current.name}”?`)) return;
      await api.deleteView(current.id).catch((e: Error) => notifications.toast(e.message, 'error'));
      await loadViews();
    };
    clear(viewsBar).append(
      picker,
      h('button', { type: 'button', onclick: save }, 'Save view'),
      h('button', { type: 'button', onclick: rename, disabled: !current }, 'Rename'),
      h('button', { type: 'button', onclick: remove, disabled: !current }, 'Delete'),
      h('span', { class: 'examples' }, h('span', { class: 'muted' }, 'Start from:'),
        EXAMPLE_VIEWS.map((example) => h('button', { type: 'button', class: 'chip', title: describe(example.filter), onclick: () => setFilter(example.filter) }, example.name))),
    );
  };

  // Active sessions panel
  const list = h('ul', { class: 'cards', 'aria-label': 'Active sessions' });
  const count = h('span', { class: 'muted' });
  const sessions = h('section', { class: 'panel sessions' }, h('h2', {}, 'Active Sessions ', count), list);
  let scheduled = false;
  const drawCards = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const cards = store.sortedCards();
      count.textContent = `${store.total}`;
      clear(list).append(...cards.map((c) => cardView(c, filter.q, open, store.watcherCount(c.sessionId))));
      if (cards.length === 0) list.append(h('li', { class: 'empty muted' }, 'No live sessions match these filters.'));
    });
  };

  // Activity log
  const activity = h('ol', { class: 'activity' });
  const activityPanel = h('section', { class: 'panel activity-panel' }, h('h2', {}, 'Activity Log'), activity);
  const drawActivity = () => {
    clear(activity).append(...store.activity.map((a) => h('li', { class: `activity-${a.type}`, 'data-session': a.sessionId ?? '' },
      h('time', { datetime: a.at }, clock(a.at)), ' ',
      a.sessionId ? h('button', { type: 'button', class: 'link', onclick: () => open(a.sessionId!) }, a.summary) : a.summary)));
  };

  const ticker = window.setInterval(() => {
    const now = Date.now();
    list.querySelectorAll<HTMLElement>('.elapsed').forEach((el) => (el.textContent = elapsed(el.dataset.started!, now)));
  }, 1000);
  const off = store.onChange((what) => {
    if (what === 'all' || what === 'metrics') drawMetrics();
    if (what === 'all' || what === 'sessions') drawCards();
    if (what === 'all' || what === 'activity') drawActivity();
    if (what === 'all') drawFilters();
  });
  drawFilters();
  void loadViews();
  queueMicrotask(() => { drawMetrics(); drawCards(); drawActivity(); });
  const el = h('div', { class: 'conversations' }, metricsBar, viewsBar, filters, h('div', { class: 'conversations-grid' }, sessions, activityPanel));
  return { el, dispose: () => { off(); window.clearInterval(ticker); } };
}

export function cardView(card: Card, keyword: string | undefined, open: (id: string) => void, watching = 0): HTMLElement {
  const channel = channelOf(card.channel);
  const user = card.user.name || card.user.id || 'Anonymous';
  const urgent = card.priority === 'high' || card.priority === 'urgent';
  return h('li', { class: `card state-${card.state}${urgent ? ` priority-${card.priority}` : ''}`, 'data-session': card.sessionId },
    h('button', { type: 'button', class: 'card-button', onclick: () => open(card.sessionId), 'aria-label': `Open ${user}'s conversation` },
      h('div', { class: 'card-top' },
        h('span', { class: 'agent-badge' }, h('span', { class: 'agent-dot', style: `background:${safeColor(card.agentColor)}` }), card.agentName || card.agentId || 'Unassigned'),
        h('span', { class: 'channel', title: channel.label }, channelIcon(channel.id), channel.label),
        urgent ? h('span', { class: `priority-badge ${card.priority}` }, card.priority) : null,
        h('span', { class: 'elapsed', 'data-started': card.startedAt, title: 'Elapsed time since the session started' }, elapsed(card.startedAt, Date.now()))),
      h('div', { class: 'card-middle' },
        h('span', { class: 'user' }, user),
        h('span', { class: `state-badge ${card.state}` }, STATE_LABELS[card.state] ?? card.state),
        card.heldBy ? h('span', { class: 'held-badge', 'data-holder': card.heldBy.userId, title: 'Taken over: the AI agent’s replies are refused until it is handed back' },
          `Held by ${card.heldBy.name || card.heldBy.userId}`) : null,
        watching > 0 ? h('span', { class: 'watcher-count', title: `${watching} ${watching === 1 ? 'person is' : 'people are'} watching this conversation` }, `${watching} watching`) : null),
      h('p', { class: 'preview' }, marked(highlight(preview(card.preview), keyword)))));
}

/** Agent colours come from the directory (validated #rrggbb); anything else falls back to grey. */
export function safeColor(color: string | null | undefined): string {
  return color && /^#[0-9a-fA-F]{6}$/.test(color) ? color : '#8b97a8';
}
