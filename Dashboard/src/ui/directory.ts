import type { LiveStore } from '../store';
import type { Option } from './dom';

/**
 * The agents, teams and contact owners this dashboard has seen, for the filters' choices. It only grows while the
 * page is open, so narrowing a filter never takes away the choices that would widen it again.
 */
export class Directory {
  agents = new Map<string, string>();
  teams = new Set<string>();
  owners = new Set<string>();

  constructor(store: LiveStore) {
    store.onChange(() => {
      for (const a of store.agents?.agents ?? []) {
        this.agents.set(a.id, a.name || a.id);
        a.teams.forEach((t) => this.teams.add(t));
        if (a.kind === 'human') this.owners.add(a.id);
      }
      for (const c of store.sortedCards()) {
        if (c.agentId) this.agents.set(c.agentId, c.agentName || this.agents.get(c.agentId) || c.agentId);
        if (c.teamId) this.teams.add(c.teamId);
        if (c.ownerId) this.owners.add(c.ownerId);
      }
    });
  }

  agentOptions(): Option[] { return sorted([...this.agents].map(([value, label]) => ({ value, label }))); }
  teamOptions(): Option[] { return sorted([...this.teams].map((t) => ({ value: t, label: t }))); }
  ownerOptions(): Option[] { return sorted([...this.owners].map((o) => ({ value: o, label: this.agents.get(o) ?? o }))); }
}

function sorted(options: Option[]): Option[] {
  return options.sort((a, b) => a.label.localeCompare(b.label));
}
