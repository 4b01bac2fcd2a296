import uPlot from 'uplot';
import { CHANNELS, monitoringPart } from '../filters';
import { ago } from '../format';
import type { LiveStore } from '../store';
import type { Filter } from '../types';
import type { Directory } from './directory';
import { clear, h, multiSelect, redrawKeepingState } from './dom';

export const SUMMARY_METRICS: { key: 'activeConversations' | 'waitingForFirstResponse' | 'assigned' | 'unassigned' | 'open' | 'closed'; label: string }[] = [
  { key: 'activeConversations', label: 'Active conversations today' },
  { key: 'waitingForFirstResponse', label: 'Waiting for first response' },
  { key: 'assigned', label: 'Assigned' },
  { key: 'unassigned', label: 'Unassigned' },
  { key: 'open', label: 'Open' },
  { key: 'closed', label: 'Closed' },
];

/** Live Monitoring (seed 000): the Live Metrics Summary, the hourly chart, the Agents panel; Team, Contact owner, Channel filters. */
export function monitoringView(store: LiveStore, directory: Directory, filter: Filter, setFilter: (f: Filter) => void, wall = false): { el: HTMLElement; dispose: () => void } {
  const filters = h('div', { class: 'filters' });
  const drawFilters = () => redrawKeepingState(filters, () => {
    clear(filters);
    if (wall) return;
    filters.append(
      multiSelect('Team', directory.teamOptions(), filter.teams ?? [], (v) => setFilter(monitoringPart({ ...filter, teams: v }))),
      multiSelect('Contact owner', directory.ownerOptions(), filter.owners ?? [], (v) => setFilter(monitoringPart({ ...filter, owners: v }))),
      multiSelect('Channel', CHANNELS.map((c) => ({ value: c.id, label: c.label })), filter.channels ?? [], (v) => setFilter(monitoringPart({ ...filter, channels: v }))),
    );
  });

  const tiles = SUMMARY_METRICS.map((m) => h('div', { class: 'tile', 'data-metric': m.key }, h('div', { class: 'tile-value' }, '–'), h('div', { class: 'tile-label' }, m.label)));
  const asOf = h('span', { class: 'muted as-of' });
  const summary = h('section', { class: 'panel summary', 'aria-label': 'Live Metrics Summary' },
    h('h2', {}, 'Live Metrics Summary ', asOf), h('div', { class: 'tiles' }, tiles));

  const chartHost = h('div', { class: 'chart-host' });
  const tooltip = h('div', { class: 'chart-tooltip', role: 'tooltip', hidden: true });
  const chart = h('section', { class: 'panel chart', 'aria-label': 'Conversations initiated per hour' },
    h('h2', {}, 'Conversations initiated per hour'), chartHost, tooltip);
  let plot: uPlot | null = null;
  const hours = Array.from({ length: 24 }, (_, i) => i);

  const counters = h('div', { class: 'agent-counters' });
  const agentList = h('ul', { class: 'agent-list' });
  const agents = h('section', { class: 'panel agents', 'aria-label': 'Agents' }, h('h2', {}, 'Agents'), counters, agentList);

  const el = h('div', { class: wall ? 'monitoring wall' : 'monitoring' }, filters,
    h('div', { class: 'monitoring-grid' }, h('div', { class: 'monitoring-main' }, summary, chart), agents));

  const drawSummary = () => {
    const s = store.summary;
    if (!s) return;
    SUMMARY_METRICS.forEach((m, i) => (tiles[i]!.firstElementChild!.textContent = String(s[m.key])));
    asOf.textContent = `today, ${s.day} (${s.timeZone})`;
  };

  const drawChart = () => {
    const data = store.hourly?.hours ?? new Array(24).fill(0);
    const width = Math.max(300, chartHost.clientWidth || 600);
    const height = wall ? 320 : 220;
    if (!plot) {
      plot = new uPlot({
        width, height,
        scales: { x: { time: false, range: [0, 23] }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
        axes: [{ values: (_u, ticks) => ticks.map((t) => `${String(t).padStart(2, '0')}:00`), stroke: '#8b97a8', grid: { stroke: '#273142' } },
          { stroke: '#8b97a8', grid: { stroke: '#273142' } }],
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 8 } },
        series: [{}, { label: 'Conversations initiated', stroke: '#4f9dff', width: 2, fill: 'rgba(79,157,255,0.15)', points: { show: true, size: 5 } }],
        hooks: {
          setCursor: [(u) => {
            const idx = u.cursor.idx;
            if (idx == null) { tooltip.hidden = true; return; }
            const count = (u.data[1] as number[])[idx] ?? 0;
            tooltip.hidden = false;
            tooltip.textContent = `${String(idx).padStart(2, '0')}:00–${String(idx).padStart(2, '0')}:59 · ${count} conversation${count === 1 ? '' : 's'} initiated`;
            tooltip.style.left = `${(u.cursor.left ?? 0) + 60}px`;
            tooltip.style.top = `${(u.cursor.top ?? 0) + 40}px`;
          }],
        },
      }, [hours, data], chartHost);
    } else {
      plot.setData([hours, data]);
      if (Math.abs(plot.width - width) > 2) plot.setSize({ width, height });
    }
  };

  const drawAgents = () => {
    const a = store.agents;
    if (!a) return;
    clear(counters).append(
      h('span', { class: 'counter online' }, h('strong', {}, String(a.online)), ' online'),
      h('span', { class: 'counter offline' }, h('strong', {}, String(a.offline)), ' offline'));
    const now = Date.now();
    clear(agentList).append(...a.agents.map((agent) => h('li', { class: `agent ${agent.status}`, 'data-agent': agent.id },
      h('span', { class: `dot ${agent.status}`, title: agent.status }),
      h('span', { class: 'agent-name' }, agent.name || agent.id, agent.kind === 'ai' ? h('span', { class: 'kind' }, 'AI') : null),
      h('span', { class: 'agent-status' }, agent.status === 'online' ? 'Online' : 'Offline'),
      h('span', { class: 'agent-last', title: agent.lastMessageAt ?? '' }, agent.lastMessageAt ? `Last message ${ago(agent.lastMessageAt, now)}` : 'No message today'))));
    if (a.agents.length === 0) agentList.append(h('li', { class: 'muted' }, 'No agents match these filters.'));
  };

  const off = store.onChange((what) => {
    if (what === 'all' || what === 'summary') drawSummary();
    if (what === 'all' || what === 'hourly') drawChart();
    if (what === 'all' || what === 'agents') { drawAgents(); if (what === 'all') drawFilters(); }
  });
  const tick = window.setInterval(drawAgents, 10_000); // "last message" times age
  const resize = () => drawChart();
  window.addEventListener('resize', resize);
  drawFilters();
  queueMicrotask(() => { drawSummary(); drawChart(); drawAgents(); });
  return { el, dispose: () => { off(); window.clearInterval(tick); window.removeEventListener('resize', resize); plot?.destroy(); } };
}
