import { describe, expect, it } from 'vitest';
import { EXAMPLE_VIEWS, describe as describeFilter, loadFilter, monitoringPart, normalise, sameFilter, saveFilter, toQuery } from '../src/filters';

class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string) { return this.items.get(k) ?? null; }
  setItem(k: string, v: string) { this.items.set(k, v); }
}

describe('filters', () => {
  it('drop empty values so that an empty filter means everything', () => {
    expect(normalise({ agents: [], q: '  ', channels: ['web'] })).toEqual({ channels: ['web'] });
    expect(sameFilter({ channels: ['web', 'phone'] }, { channels: ['phone', 'web'], agents: [] })).toBe(true);
    expect(sameFilter({ channels: ['web'] }, { channels: ['phone'] })).toBe(false);
  });

  it('become the live queries’ comma-separated query string', () => {
    expect(toQuery({ channels: ['whatsapp', 'web'], q: 'refund please', minDurationSec: 600 })).toBe('?channels=web%2Cwhatsapp&q=refund+please&minDurationSec=600');
    expect(toQuery({})).toBe('');
  });

  it('keep only team, contact owner and channel for Live Monitoring', () => {
    expect(monitoringPart({ teams: ['t1'], owners: ['o1'], channels: ['web'], agents: ['a'], q: 'x', priorities: ['high'] }))
      .toEqual({ teams: ['t1'], owners: ['o1'], channels: ['web'] });
  });

  it('survive a reload through session storage and ignore what is not a filter', () => {
    const storage = new MemoryStorage();
    saveFilter(storage, 'k', { statuses: ['error'], q: 'late' });
    expect(loadFilter(storage, 'k')).toEqual({ statuses: ['error'], q: 'late' });
    storage.setItem('broken', '{not json');
    expect(loadFilter(storage, 'broken')).toEqual({});
    expect(loadFilter(storage, 'missing')).toEqual({});
  });

  it('offer the seed’s four example views with their filters', () => {
    expect(EXAMPLE_VIEWS.map((v) => v.name)).toEqual(['High Priority', 'WhatsApp Monitoring', 'Errors Only', 'Long Sessions']);
    expect(describeFilter(EXAMPLE_VIEWS[0]!.filter)).toBe('Priority = high or urgent');
    expect(describeFilter(EXAMPLE_VIEWS[3]!.filter)).toBe('Status = active, Duration > 10 min');
    expect(describeFilter({})).toBe('Everything');
  });
});
