import type { ActivityEntry, Agents, Card, Hourly, Metrics, Snapshot, Summary, Tick } from './types';

export const MAX_ACTIVITY = 200;

/**
 * What a dashboard shows of its subscription: figures, the session cards (newest activity first) and the activity
 * log. Fed by the hub's snapshot and pushes, or by the polling fallback's answers; views read it and re-render.
 */
export class LiveStore {
  summary: Summary | null = null;
  hourly: Hourly | null = null;
  agents: Agents | null = null;
  metrics: Metrics | null = null;
  total = 0;
  activity: ActivityEntry[] = [];
  private cards = new Map<string, Card>();
  /** How many people watch each session (the hub's `watcherCount`); absent means nobody. */
  private watching = new Map<string, number>();
  private listeners = new Set<(what: string) => void>();
  /** The screen and frame the store holds (ticks), or null (the first push form, or polling). */
  private screen: string | null = null;
  private seq: number | null = null;

  onChange(listener: (what: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(what: string) {
    for (const l of this.listeners) l(what);
  }

  snapshot(s: Snapshot) {
    this.summary = s.summary;
    this.hourly = s.hourly;
    this.agents = s.agents;
    this.metrics = s.metrics;
    this.total = s.sessions.total;
    this.cards = new Map(s.sessions.items.map((c) => [c.sessionId, c]));
    this.watching = new Map(Object.entries(s.watcherCounts ?? {}));
    this.activity = [...s.activity].sort(newestFirst).slice(0, MAX_ACTIVITY);
    this.screen = s.screen ?? null;
    this.seq = s.seq ?? null;
    this.emit('all');
  }

  /** The frame the store holds, for a frame that arrives before its subscription's snapshot. */
  get frame(): { screen: string | null; seq: number | null } { return { screen: this.screen, seq: this.seq }; }

  /**
   * Applies a `tick` on top of the screen held. A frame of another screen (an earlier subscription's) is ignored;
   * false when the frame is not on top of the one held (something was missed: subscribe again).
   */
  tick(t: Tick): boolean {
    if (t.screen !== this.screen) return true;
    if (t.seq <= (this.seq ?? 0)) return true;
    if (t.base !== this.seq) return false;
    this.seq = t.seq;
    let sessions = false;
    if (t.total !== undefined) { this.total = t.total; sessions = true; }
    for (const id of t.removed ?? []) sessions = this.cards.delete(id) || sessions;
    for (const card of t.upserted ?? []) { this.cards.set(card.sessionId, card); sessions = true; }
    for (const [id, n] of Object.entries(t.watchers ?? {})) {
      if (n > 0) this.watching.set(id, n); else this.watching.delete(id);
      sessions = true;
    }
    if (t.summary) { this.summary = t.summary; this.emit('summary'); }
    if (t.hourly) { this.hourly = t.hourly; this.emit('hourly'); }
    if (t.agents) { this.agents = t.agents; this.emit('agents'); }
    if (t.metrics) { this.metrics = t.metrics; this.emit('metrics'); }
    const fresh = (t.activity ?? []).filter((a) => !this.activity.some((known) => known.id === a.id));
    if (fresh.length > 0) {
      this.activity = [...fresh, ...this.activity].sort(newestFirst).slice(0, MAX_ACTIVITY);
      this.emit('activity');
    }
    if (sessions) this.emit('sessions');
    return true;
  }

  setWatcherCount(sessionId: string, count: number) {
    if ((this.watching.get(sessionId) ?? 0) === count) return;
    if (count > 0) this.watching.set(sessionId, count); else this.watching.delete(sessionId);
    this.emit('sessions');
  }

  watcherCount(sessionId: string): number { return this.watching.get(sessionId) ?? 0; }

  setSummary(v: Summary) { this.summary = v; this.emit('summary'); }
  setHourly(v: Hourly) { this.hourly = v; this.emit('hourly'); }
  setAgents(v: Agents) { this.agents = v; this.emit('agents'); }
  setMetrics(v: Metrics) { this.metrics = v; this.emit('metrics'); }

  upsert(card: Card) {
    const known = this.cards.has(card.sessionId);
    const current = this.cards.get(card.sessionId);
    // A push can overtake an older one only across a reconnect; keep the newer activity.
    if (current && Date.parse(current.lastActivityAt) > Date.parse(card.lastActivityAt) && current.state === card.state) return;
    this.cards.set(card.sessionId, card);
    if (!known) this.total++;
    this.emit('sessions');
  }

  remove(sessionId: string) {
    if (this.cards.delete(sessionId)) {
      this.total = Math.max(0, this.total - 1);
      this.emit('sessions');
    }
  }

  /** Replaces the cards with a fresh page (the polling fallback). */
  page(total: number, items: Card[]) {
    this.screen = null;
    this.seq = null;
    this.total = total;
    this.cards = new Map(items.map((c) => [c.sessionId, c]));
    this.emit('sessions');
  }

  addActivity(entry: ActivityEntry) {
    if (this.activity.some((a) => a.id === entry.id)) return;
    this.activity = [entry, ...this.activity].sort(newestFirst).slice(0, MAX_ACTIVITY);
    this.emit('activity');
  }

  setActivity(entries: ActivityEntry[]) {
    this.activity = [...entries].sort(newestFirst).slice(0, MAX_ACTIVITY);
    this.emit('activity');
  }

  card(sessionId: string): Card | undefined {
    return this.cards.get(sessionId);
  }

  /** Cards sorted by most recent activity first (the seed's default order). */
  sortedCards(): Card[] {
    return [...this.cards.values()].sort((a, b) => Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt) || a.sessionId.localeCompare(b.sessionId));
  }
}

function newestFirst(a: ActivityEntry, b: ActivityEntry): number {
  return Date.parse(b.at) - Date.parse(a.at);
}
