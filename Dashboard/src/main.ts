import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { Api, Auth } from './api';
import { loadFilter, monitoringPart, normalise, saveFilter } from './filters';
import { LiveConnection, STATE_NAMES } from './live';
import { LiveStore } from './store';
import type { Filter } from './types';
import { conversationsView } from './ui/conversations';
import { detailView } from './ui/detail';
import { Directory } from './ui/directory';
import { h } from './ui/dom';
import { icon } from './ui/icons';
import { monitoringView } from './ui/monitoring';
import { Notifications } from './ui/notifications';
import { signInView } from './ui/signin';

// Routes: #/monitoring (Live Monitoring), #/conversations (Live Conversations), #/conversations/<sessionId> (its
// detail over the list), #/wall (the wall screen). Filters are kept per view for the browser session.
const MONITORING_FILTER = 'liveorleans.filter.monitoring';
const CONVERSATIONS_FILTER = 'liveorleans.filter.conversations';

const auth = new Auth(sessionStorage);
const api = new Api(auth);
const root = document.getElementById('app')!;
let app: { dispose: () => Promise<void> } | null = null;
let signedIn = auth.current !== null;
let signingOut = false;
let booting = Promise.resolve();

/** Polling interval: ?poll=N in the address, or localStorage liveorleans.pollSeconds, or the seed's 5 s. */
function pollSeconds(): number {
  const fromUrl = Number(new URLSearchParams(location.search).get('poll'));
  const fromStorage = Number(localStorage.getItem('liveorleans.pollSeconds'));
  const chosen = fromUrl || fromStorage || 5;
  return Math.min(300, Math.max(1, chosen));
}

/** How long a hidden tab keeps its watches: localStorage liveorleans.hiddenUnwatchSeconds (1 to 3,600), or 60 s. */
function hiddenUnwatchMs(): number {
  const chosen = Number(localStorage.getItem('liveorleans.hiddenUnwatchSeconds')) || 60;
  return Math.min(3600, Math.max(1, chosen)) * 1000;
}

/** Shows the dashboard or the sign-in form; one switch at a time. */
function boot(notice?: string): Promise<void> {
  booting = booting.then(async () => {
    await app?.dispose();
    app = null;
    if (!auth.current) root.replaceChildren(signInView(api, notice));
    else app = startDashboard();
  });
  return booting;
}

auth.onChange(() => {
  // Several requests may find the token expired at once: the switch happens once.
  const now = auth.current !== null;
  if (now === signedIn) return;
  signedIn = now;
  const expired = !now && !signingOut;
  signingOut = false;
  void boot(expired ? 'You were signed out: your sign-in expired or was revoked. Sign in again.' : undefined);
});

function startDashboard(): { dispose: () => Promise<void> } {
  const session = auth.current!;
  const store = new LiveStore();
  const directory = new Directory(store);
  const notifications = new Notifications(localStorage);
  const live = new LiveConnection(api, store, () => auth.current?.accessToken ?? '', {
    pollSeconds: pollSeconds(), reconnectForMs: 30_000, hubRetryMs: 15_000, hiddenUnwatchMs: hiddenUnwatchMs(),
  });

  const status = h('span', { class: 'connection', role: 'status', 'aria-live': 'polite' });
  const drawStatus = () => {
    status.dataset.state = live.state;
    status.replaceChildren(h('span', { class: 'status-dot' }), STATE_NAMES[live.state],
      live.state === 'connected' && live.latencyMs != null ? h('span', { class: 'latency' }, ` · ${live.latencyMs} ms`) : '',
      live.state === 'polling' ? h('span', { class: 'latency' }, ` · every ${pollSeconds()} s`) : '');
  };
  live.onState(drawStatus);
  drawStatus();

  const mute = h('button', { type: 'button', class: 'mute' });
  const drawMute = () => {
    mute.replaceChildren(icon(notifications.muted ? 'bell-off' : 'bell'), notifications.muted ? ' Muted' : ' Alerts on');
    mute.setAttribute('aria-pressed', String(notifications.muted));
  };
  mute.addEventListener('click', () => {
    notifications.muted = !notifications.muted;
    drawMute();
  });
  drawMute();
  const desktop = h('button', { type: 'button', class: 'desktop', hidden: typeof Notification === 'undefined' || Notification.permission !== 'default' }, 'Allow desktop notifications');
  desktop.addEventListener('click', async () => { await notifications.askDesktop(); desktop.hidden = true; });

  const nav = (href: string, label: string) => h('a', { href, class: 'tab' }, label);
  const tabs = [nav('#/monitoring', 'Live Monitoring'), nav('#/conversations', 'Live Conversations'), nav('#/wall', 'Wall screen')];
  const header = h('header', { class: 'top' },
    h('span', { class: 'brand' }, 'LiveOrleans'), h('nav', {}, tabs), h('span', { class: 'spacer' }),
    status, desktop, mute,
    h('span', { class: 'who' }, `${session.user.name} · ${session.user.role} · ${session.tenant}`),
    h('button', { type: 'button', class: 'signout', onclick: () => { signingOut = true; auth.set(null); } }, 'Sign out'));
  const main = h('main', { class: 'content' });
  root.replaceChildren(header, main);

  let view: { dispose: () => void } | null = null;
  let detail: { dispose: () => void; el: HTMLElement; id: string } | null = null;
  let currentRoute = '';

  const open = (sessionId: string) => { location.hash = `#/conversations/${encodeURIComponent(sessionId)}`; };
  live.onAlert((alert) => notifications.alert(alert, open));

  const subscribeTo = async (filter: Filter) => {
    try {
      await live.subscribe(filter);
    } catch (e) {
      notifications.toast(`The filter was refused: ${(e as Error).message.replace(/^.*HubException: /, '')}`, 'error');
    }
  };

  const route = async () => {
    const [, page = 'monitoring', sessionId] = location.hash.replace(/^#\/?/, '#/').split('/');
    const base = page === 'conversations' ? 'conversations' : page === 'wall' ? 'wall' : 'monitoring';
    tabs.forEach((t) => t.classList.toggle('active', t.getAttribute('href') === `#/${base}`));
    document.body.classList.toggle('wall-mode', base === 'wall');
    if (base !== currentRoute) {
      currentRoute = base;
      view?.dispose();
      const conversationsFilter = loadFilter(sessionStorage, CONVERSATIONS_FILTER);
      if (base === 'conversations') {
        const setFilter = (f: Filter) => { saveFilter(sessionStorage, CONVERSATIONS_FILTER, f); currentRoute = ''; void route(); };
        const v = conversationsView({ store, directory, api, notifications, filter: conversationsFilter, setFilter, open });
        main.replaceChildren(v.el);
        view = v;
        await subscribeTo(conversationsFilter);
      } else {
        const filter = monitoringPart(loadFilter(sessionStorage, MONITORING_FILTER));
        const setFilter = (f: Filter) => { saveFilter(sessionStorage, MONITORING_FILTER, f); currentRoute = ''; void route(); };
        const v = monitoringView(store, directory, filter, setFilter, base === 'wall');
        if (base === 'wall') {
          const clock = h('span', { class: 'wall-clock' });
          const tick = () => (clock.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
          tick();
          const timer = window.setInterval(tick, 10_000);
          const full = h('button', { type: 'button', onclick: () => void document.documentElement.requestFullscreen?.().catch(() => {}) }, 'Full screen');
          const exit = h('a', { href: '#/monitoring', class: 'button' }, 'Exit wall screen');
          main.replaceChildren(h('div', { class: 'wall-header' }, h('h1', {}, 'Live Monitoring'), clock, status.cloneNode(true), full, exit), v.el);
          const syncStatus = () => main.querySelector('.wall-header .connection')?.replaceWith(status.cloneNode(true));
          live.onState(syncStatus);
          view = { dispose: () => { v.dispose(); window.clearInterval(timer); if (document.fullscreenElement) void document.exitFullscreen(); } };
        } else {
          main.replaceChildren(v.el);
          view = v;
        }
        await subscribeTo(filter);
      }
    }
    // The address may have changed while the subscription was answered (up to a push tick): a later call routes it.
    const [, nowPage = 'monitoring', nowSessionId] = location.hash.replace(/^#\/?/, '#/').split('/');
    if (nowPage !== page || nowSessionId !== sessionId) return;
    const wanted = base === 'conversations' && sessionId ? decodeURIComponent(sessionId) : null;
    if (detail && detail.id !== wanted) { detail.dispose(); detail.el.remove(); detail = null; }
    if (wanted && !detail) {
      const keyword = normalise(loadFilter(sessionStorage, CONVERSATIONS_FILTER)).q;
      const d = detailView({ sessionId: wanted, live, api, auth, directory, notifications, keyword, close: () => { location.hash = '#/conversations'; } });
      detail = { ...d, id: wanted };
      main.append(d.el);
    }
  };
  window.addEventListener('hashchange', route);
  void live.start().then(route);

  return {
    dispose: async () => {
      window.removeEventListener('hashchange', route);
      view?.dispose();
      detail?.dispose();
      await live.stop();
      document.body.classList.remove('wall-mode');
    },
  };
}

void boot();
