import { clock } from '../format';
import type { LiveConnection } from '../live';
import type { Watcher } from '../types';
import { clear, h } from './dom';

/**
 * Who else watches a session, live: each person's name and since when, as the hub pushes them (people come and go
 * as they open and close the conversation, close their dashboard or leave its tab hidden). The signed-in person is
 * left out: they know they are watching.
 */
export function watcherList(live: LiveConnection, sessionId: string, me: string | undefined): { el: HTMLElement; dispose: () => void } {
  const list = h('ul', { class: 'watcher-list' });
  const el = h('section', { class: 'watchers', 'aria-label': 'Watching' }, h('span', { class: 'muted' }, 'Also watching: '), list);
  const draw = (watchers: Watcher[]) => {
    const others = watchers.filter((w) => w.userId !== me);
    clear(list).append(...(others.length === 0
      ? [h('li', { class: 'muted nobody' }, 'nobody else')]
      : others.map((w) => h('li', { class: 'watcher', 'data-user': w.userId, title: `Watching since ${new Date(w.since).toLocaleString()}` },
        h('span', { class: 'watcher-name' }, w.name), ' ', h('time', { class: 'muted', datetime: w.since }, `since ${clock(w.since)}`)))));
  };
  return { el, dispose: live.onPresence(sessionId, draw) };
}
