import type { Filter, LiveState, Priority } from './types';

/** The channels the dashboard names (each has its icon in ui/channelIcon.ts); others show their slug. */
export const CHANNELS: { id: string; label: string }[] = [
  { id: 'web', label: 'Web' },
  { id: 'phone', label: 'Phone' },
  { id: 'telegram', label: 'Telegram' },
  { id: 'whatsapp', label: 'WhatsApp' },
  { id: 'mobile_sdk', label: 'Mobile SDK' },
  { id: 'sip', label: 'SIP' },
  { id: 'messenger', label: 'Messenger' },
  { id: 'instagram', label: 'Instagram' },
  { id: 'email', label: 'Email' },
  { id: 'sms', label: 'SMS' },
  { id: 'line', label: 'LINE' },
  { id: 'viber', label: 'Viber' },
];
export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];
/** The status filter's choices, in the seed's words (Active, Thinking, Streaming, Paused, Error). */
export const STATUSES: { id: LiveState; label: string }[] = [
  { id: 'active', label: 'Active' },
  { id: 'thinking', label: 'Thinking' },
  { id: 'streaming', label: 'Streaming' },
  { id: 'paused', label: 'Paused' },
  { id: 'error', label: 'Error' },
];

export function channelOf(id: string | null | undefined): { id: string; label: string } {
  return CHANNELS.find((c) => c.id === id) ?? { id: id ?? 'unknown', label: id ?? 'Unknown' };
}

/** The seed's four example views, offered as one-click starting points. */
export const EXAMPLE_VIEWS: { name: string; filter: Filter }[] = [
  { name: 'High Priority', filter: { priorities: ['urgent', 'high'] } },
  { name: 'WhatsApp Monitoring', filter: { channels: ['whatsapp'] } },
  { name: 'Errors Only', filter: { statuses: ['error'] } },
  { name: 'Long Sessions', filter: { minDurationSec: 600, statuses: ['active'] } },
];

/** Drops empty lists and blank values, so equal filters compare equal and "all" is {}. */
export function normalise(filter: Filter): Filter {
  const out: Filter = {};
  for (const key of ['teams', 'owners', 'channels', 'agents', 'priorities', 'statuses'] as const) {
    const values = filter[key];
    if (values && values.length > 0) (out as Record<string, unknown>)[key] = [...new Set(values as string[])].sort();
  }
  const q = filter.q?.trim();
  if (q) out.q = q;
  if (filter.minDurationSec != null && Number.isFinite(filter.minDurationSec) && filter.minDurationSec >= 0) out.minDurationSec = Math.floor(filter.minDurationSec);
  if (filter.maxDurationSec != null && Number.isFinite(filter.maxDurationSec) && filter.maxDurationSec >= 0) out.maxDurationSec = Math.floor(filter.maxDurationSec);
  return out;
}

export function sameFilter(a: Filter, b: Filter): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/** Live Monitoring's filters are team, contact owner and channel only. */
export function monitoringPart(filter: Filter): Filter {
  return normalise({ teams: filter.teams, owners: filter.owners, channels: filter.channels });
}

/** The filter as the live queries' query string (comma-separated lists), for the polling fallback. */
export function toQuery(filter: Filter): string {
  const f = normalise(filter);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(f)) params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Filters survive a page refresh within the browser session (sessionStorage), not beyond it. */
export function loadFilter(storage: Pick<Storage, 'getItem'>, key: string): Filter {
  try {
    const raw = storage.getItem(key);
    return raw ? normalise(JSON.parse(raw) as Filter) : {};
  } catch {
    return {};
  }
}

export function saveFilter(storage: Pick<Storage, 'setItem'>, key: string, filter: Filter): void {
  storage.setItem(key, JSON.stringify(normalise(filter)));
}

/** A short human description of a filter, for the views menu. */
export function describe(filter: Filter): string {
  const f = normalise(filter);
  const parts: string[] = [];
  if (f.agents) parts.push(`Agent = ${f.agents.join(' or ')}`);
  if (f.channels) parts.push(`Channel = ${f.channels.map((c) => channelOf(c).label).join(' or ')}`);
  if (f.priorities) parts.push(`Priority = ${f.priorities.join(' or ')}`);
  if (f.statuses) parts.push(`Status = ${f.statuses.join(' or ')}`);
  if (f.q) parts.push(`“${f.q}”`);
  if (f.minDurationSec != null) parts.push(`Duration > ${f.minDurationSec / 60} min`);
  if (f.maxDurationSec != null) parts.push(`Duration < ${f.maxDurationSec / 60} min`);
  if (f.teams) parts.push(`Team = ${f.teams.join(' or ')}`);
  if (f.owners) parts.push(`Contact owner = ${f.owners.join(' or ')}`);
  return parts.length ? parts.join(', ') : 'Everything';
}
