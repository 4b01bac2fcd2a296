import { describe, expect, it } from 'vitest';
import { LiveStore, MAX_ACTIVITY } from '../src/store';
import type { Card, Snapshot } from '../src/types';

const card = (id: string, lastActivityAt: string, state: Card['state'] = 'active'): Card => ({
  sessionId: id, agentId: 'bot', agentName: 'Bot', agentColor: '#112233', channel: 'web', user: { id: 'u', name: null },
  startedAt: '2026-11-24T10:00:00Z', lastActivityAt, state, priority: 'normal', preview: '', ownerId: null, teamId: null,
  status: 'open', waitingForFirstResponse: false,
});

const snapshot = (items: Card[]): Snapshot => ({
  summary: { day: '2026-11-24', timeZone: 'UTC', asOf: '', activeConversations: 0, waitingForFirstResponse: 0, assigned: 0, unassigned: 0, open: 0, closed: 0 },
  hourly: { day: '2026-11-24', timeZone: 'UTC', hours: new Array(24).fill(0) },
  agents: { online: 0, offline: 0, agents: [] },
  metrics: { liveSessions: 0, startedLastHour: 0, avgResponseTimeMs: null, interventionRate: 0 },
  sessions: { total: 10, items }, activity: [],
});

describe('LiveStore', () => {
  it('applies ticks on top of the frame it holds: cards in and out, the exact total, counts, figures, activity', () => {
    const store = new LiveStore();
    store.snapshot({ ...snapshot([card('a', '2026-11-24T10:01:00Z'), card('b', '2026-11-24T10:03:00Z')]), screen: 'x', seq: 4, window: 2, watcherCounts: { a: 1 } });
    const seen: string[] = [];
    store.onChange((what) => seen.push(what));
    expect(store.tick({ screen: 'x', seq: 5, base: 4, tick: 1, at: '', total: 12, upserted: [card('c', '2026-11-24T10:04:00Z')], removed: ['a'], watchers: { c: 2 },
      metrics: { liveSessions: 12, startedLastHour: 3, avgResponseTimeMs: 900, interventionRate: 0 },
      activity: [{ id: 'e1', at: '2026-11-24T10:04:00Z', type: 'session_started', summary: 'c' }] })).toBe(true);
    expect(store.sortedCards().map((c) => c.sessionId)).toEqual(['c', 'b']);
    expect(store.total).toBe(12);
    expect(store.watcherCount('c')).toBe(2);
    expect(store.metrics!.liveSessions).toBe(12);
    expect(store.activity.map((a) => a.id)).toEqual(['e1']);
    expect(seen).toEqual(['metrics', 'activity', 'sessions']);

    // The same frame again, or an older one, changes nothing; a frame of another screen is ignored.
    expect(store.tick({ screen: 'x', seq: 5, base: 4, tick: 1, at: '', removed: ['c'] })).toBe(true);
    expect(store.tick({ screen: 'old', seq: 9, base: 8, tick: 1, at: '', removed: ['b'] })).toBe(true);
    expect(store.sortedCards().map((c) => c.sessionId)).toEqual(['c', 'b']);
    // A frame that skips one says something was missed.
    expect(store.tick({ screen: 'x', seq: 7, base: 6, tick: 3, at: '', total: 1 })).toBe(false);
    expect(store.total).toBe(12);
    // A count of 0 clears it.
    expect(store.tick({ screen: 'x', seq: 6, base: 5, tick: 2, at: '', watchers: { c: 0 } })).toBe(true);
    expect(store.watcherCount('c')).toBe(0);
  });

  it('orders cards by most recent activity and follows upserts and removals', () => {
    const store = new LiveStore();
    store.snapshot(snapshot([card('a', '2026-11-24T10:01:00Z'), card('b', '2026-11-24T10:03:00Z')]));
    expect(store.sortedCards().map((c) => c.sessionId)).toEqual(['b', 'a']);

    store.upsert(card('a', '2026-11-24T10:05:00Z'));
    store.upsert(card('c', '2026-11-24T10:04:00Z'));
    expect(store.sortedCards().map((c) => c.sessionId)).toEqual(['a', 'c', 'b']);
    expect(store.total).toBe(11);

    store.remove('b');
    store.remove('unknown');
    expect(store.sortedCards().map((c) => c.sessionId)).toEqual(['a', 'c']);
    expect(store.total).toBe(10);
  });

  it('keeps a newer card when an older push arrives late, but takes a changed state', () => {
    const store = new LiveStore();
    store.snapshot(snapshot([card('a', '2026-11-24T10:05:00Z')]));
    store.upsert(card('a', '2026-11-24T10:04:00Z'));
    expect(store.card('a')!.lastActivityAt).toBe('2026-11-24T10:05:00Z');
    store.upsert(card('a', '2026-11-24T10:04:00Z', 'paused'));
    expect(store.card('a')!.state).toBe('paused');
  });

  it('keeps the activity log newest first, without duplicates, bounded', () => {
    const store = new LiveStore();
    for (let i = 0; i < MAX_ACTIVITY + 20; i++) store.addActivity({ id: `e${i}`, at: new Date(Date.UTC(2026, 10, 24, 10, 0, i)).toISOString(), type: 'session_started', summary: `${i}` });
    store.addActivity({ id: 'e5', at: new Date(Date.UTC(2026, 10, 24, 10, 0, 5)).toISOString(), type: 'session_started', summary: 'again' });
    store.addActivity({ id: `e${MAX_ACTIVITY + 19}`, at: '2026-11-24T12:00:00Z', type: 'session_started', summary: 'the same entry again' });
    expect(store.activity).toHaveLength(MAX_ACTIVITY);
    expect(store.activity[0]!.id).toBe(`e${MAX_ACTIVITY + 19}`);
    expect(store.activity.filter((a) => a.id === 'e5')).toHaveLength(0); // older than everything kept: it stays out
    expect(store.activity.filter((a) => a.id === `e${MAX_ACTIVITY + 19}`)).toHaveLength(1);
    expect(store.activity[0]!.summary).toBe(`${MAX_ACTIVITY + 19}`);
  });

  it('tells listeners what changed', () => {
    const store = new LiveStore();
    const seen: string[] = [];
    store.onChange((what) => seen.push(what));
    store.snapshot(snapshot([]));
    store.setMetrics({ liveSessions: 1, startedLastHour: 1, avgResponseTimeMs: 10, interventionRate: 0 });
    store.upsert(card('x', '2026-11-24T10:00:00Z'));
    expect(seen).toEqual(['all', 'metrics', 'sessions']);
  });
});
