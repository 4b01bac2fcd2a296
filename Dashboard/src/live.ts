import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import type { Api } from './api';
import { toQuery } from './filters';
import type { LiveStore } from './store';
import type { ActivityEntry, Agents, Alert, Card, Filter, Hourly, Intervention, Message, Metrics, SessionDetail, Snapshot, Summary, Tick, Watcher } from './types';

/** Cards a dashboard's screen shows (its subscription's window); the count beside them is the filter's exact total. */
export const WINDOW = 200;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'polling';

export const STATE_NAMES: Record<ConnectionState, string> = {
  connecting: 'Connecting', connected: 'Connected', reconnecting: 'Reconnecting', disconnected: 'Disconnected', polling: 'Polling',
};

/** What a watched session pushes (the detail view listens). */
export interface WatchListener {
  message(message: Message): void;
  token(messageId: string, delta: string, index: number): void;
  state(state: string): void;
  intervention(entry: Intervention): void;
  refreshed(detail: SessionDetail): void;
}

export interface LiveOptions {
  /** Seconds between HTTP polls when the hub cannot be reached (the seed's 5 s by default). */
  pollSeconds: number;
  /** How long automatic reconnection tries before falling back to polling. */
  reconnectForMs: number;
  /** How often the hub is tried again while polling. */
  hubRetryMs: number;
  /** How long the tab may stay hidden before its watches are given up (the others no longer see this person watching); 60 s by default. */
  hiddenUnwatchMs?: number;
}

/**
 * The dashboard's line to the engine: the `/hubs/live` SignalR connection with automatic reconnection, the measured
 * latency (hub Ping), and a fallback to HTTP polling when the hub cannot be reached. One subscription at a time
 * (the view on screen) and any number of watched sessions.
 */
export class LiveConnection {
  state: ConnectionState = 'connecting';
  latencyMs: number | null = null;
  private connection: signalR.HubConnection;
  private filter: Filter = {};
  private subscribed = false;
  private watchers = new Map<string, WatchListener>();
  private stateListeners = new Set<() => void>();
  private alertListeners = new Set<(alert: Alert) => void>();
  private pollTimer: number | undefined;
  private hubRetryTimer: number | undefined;
  private pingTimer: number | undefined;
  private stopped = false;
  // Who watches each watched session (the WatchSession answer, then `presence` pushes), and who listens for it.
  private presence = new Map<string, Watcher[]>();
  private presenceListeners = new Map<string, Set<(watchers: Watcher[]) => void>>();
  private hiddenTimer: number | undefined;
  private subscribing = 0;
  private early: Tick[] = [];
  private parked = false;
  /** The hub protocol in use: 'messagepack', or 'json' after an engine refused MessagePack. */
  protocol = 'messagepack';

  constructor(private api: Api, private store: LiveStore, private token: () => string, private options: LiveOptions) {
    this.connection = this.build(new MessagePackHubProtocol());
    document.addEventListener('visibilitychange', () => this.visibilityChanged());
  }

  /**
   * The hub connection, in MessagePack (the same documents as JSON, in fewer bytes; docs/hubs.md, Protocols), or in
   * JSON once an engine without MessagePack refused it (startHub).
   */
  private build(protocol: signalR.IHubProtocol): signalR.HubConnection {
    const connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/live', { accessTokenFactory: this.token })
      .withHubProtocol(protocol)
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (ctx) => (ctx.elapsedMilliseconds > this.options.reconnectForMs ? null : Math.min(5000, 500 * 2 ** ctx.previousRetryCount)),
      })
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.protocol = protocol.name;
    connection.serverTimeoutInMilliseconds = 30_000;
    // The screen comes in ticks: at most one message per push tick with everything that changed on it.
    connection.on('tick', (t: Tick) => this.onTick(t));
    connection.on('alert', (alert: Alert) => this.alertListeners.forEach((l) => l(alert)));
    connection.on('message', (sessionId: string, message: Message) => this.watchers.get(sessionId)?.message(message));
    connection.on('token', (sessionId: string, messageId: string, delta: string, index: number) => this.watchers.get(sessionId)?.token(messageId, delta, index));
    connection.on('sessionState', (sessionId: string, state: string) => this.watchers.get(sessionId)?.state(state));
    connection.on('intervention', (entry: Intervention) => this.watchers.get(entry.sessionId)?.intervention(entry));
    connection.on('presence', (sessionId: string, watchers: Watcher[]) => this.setPresence(sessionId, watchers));
    connection.onreconnecting(() => this.setState('reconnecting'));
    connection.onreconnected(() => { this.setState('connected'); void this.resubscribe(); });
    connection.onclose(() => { if (!this.stopped) this.fallBackToPolling(); });
    return connection;
  }

  /**
   * Starts the hub connection. An engine that does not speak MessagePack (one from before it did) refuses the
   * handshake: the dashboard then speaks JSON to it, the only case where it must.
   */
  private async startHub() {
    try {
      await this.connection.start();
    } catch (error) {
      if (this.protocol === 'json' || !/handshake/i.test(String(error))) throw error;
      this.connection = this.build(new signalR.JsonHubProtocol());
      await this.connection.start();
    }
  }

  onState(listener: () => void) { this.stateListeners.add(listener); }
  onAlert(listener: (alert: Alert) => void) { this.alertListeners.add(listener); }

  async start() {
    this.setState('connecting');
    try {
      await this.startHub();
      this.setState('connected');
      this.startPinging();
      // A view may have subscribed or opened a session while the line was still connecting (over HTTP then): now
      // the same again over the hub, or no push would ever reach it.
      await this.resubscribe();
    } catch {
      this.fallBackToPolling();
    }
  }

  async stop() {
    this.stopped = true;
    window.clearInterval(this.pollTimer);
    window.clearTimeout(this.hubRetryTimer);
    window.clearInterval(this.pingTimer);
    await this.connection.stop();
  }

  /** Subscribes the view on screen (its first WINDOW cards, with ticks); the answer (a snapshot) goes to the store. */
  async subscribe(filter: Filter) {
    this.filter = filter;
    this.subscribed = true;
    if (this.state === 'connected') {
      this.subscribing++;
      try {
        const snapshot = await this.connection.invoke<Snapshot>('Subscribe', { push: 'ticks', window: WINDOW, filter });
        this.store.snapshot(snapshot);
        // Frames of the new screen that came before its snapshot (the next tick can overtake the answer).
        const early = this.early.filter((t) => t.screen === snapshot.screen);
        this.early = [];
        for (const t of early) this.onTick(t);
        return;
      } catch (error) {
        if (this.connection.state === signalR.HubConnectionState.Connected) throw error; // a refusal, not a lost line
      } finally {
        this.subscribing--;
      }
    }
    await this.poll();
  }

  private onTick(t: Tick) {
    if (this.subscribing > 0 && t.screen !== this.store.frame.screen) {
      this.early.push(t);
      if (this.early.length > 20) this.early.shift();
      return;
    }
    // A frame not on top of the one held: something was missed (it cannot happen on one connection), so start again.
    if (!this.store.tick(t)) void this.resubscribe();
  }

  async watch(sessionId: string, listener: WatchListener): Promise<SessionDetail> {
    this.watchers.set(sessionId, listener);
    if (this.state === 'connected' && !this.parked) {
      try {
        return this.watched(sessionId, await this.connection.invoke<SessionDetail>('WatchSession', sessionId));
      } catch (error) {
        if (this.connection.state === signalR.HubConnectionState.Connected) { this.watchers.delete(sessionId); throw error; }
      }
    }
    return await this.api.session(sessionId);
  }

  async unwatch(sessionId: string) {
    this.watchers.delete(sessionId);
    this.presence.delete(sessionId);
    if (this.state === 'connected' && !this.parked) await this.connection.invoke('UnwatchSession', sessionId).catch(() => {});
  }

  /** Listens to who watches a session (at once with what is known); answers the way to stop. */
  onPresence(sessionId: string, listener: (watchers: Watcher[]) => void): () => void {
    let set = this.presenceListeners.get(sessionId);
    if (!set) this.presenceListeners.set(sessionId, set = new Set());
    set.add(listener);
    listener(this.presence.get(sessionId) ?? []);
    return () => { set.delete(listener); if (set.size === 0) this.presenceListeners.delete(sessionId); };
  }

  private watched(sessionId: string, detail: SessionDetail & { watchers?: Watcher[] }): SessionDetail {
    if (detail.watchers) this.setPresence(sessionId, detail.watchers);
    return detail;
  }

  private setPresence(sessionId: string, watchers: Watcher[]) {
    if (!this.watchers.has(sessionId)) return;
    this.presence.set(sessionId, watchers);
    this.presenceListeners.get(sessionId)?.forEach((l) => l(watchers));
  }

  /**
   * A tab hidden for long gives its watches up, so others do not see someone watching who is not looking; back on
   * screen it watches again (each detail refreshed).
   */
  private visibilityChanged() {
    window.clearTimeout(this.hiddenTimer);
    if (document.visibilityState === 'hidden') {
      this.hiddenTimer = window.setTimeout(() => {
        if (this.state !== 'connected' || this.parked) return;
        this.parked = true;
        for (const id of this.watchers.keys()) {
          this.presence.delete(id);
          this.presenceListeners.get(id)?.forEach((l) => l([]));
          void this.connection.invoke('UnwatchSession', id).catch(() => {});
        }
      }, this.options.hiddenUnwatchMs ?? 60_000);
    } else if (this.parked) {
      this.parked = false;
      void this.rewatch();
    }
  }

  private async rewatch() {
    if (this.state !== 'connected') return;
    for (const [id, listener] of this.watchers) {
      try { listener.refreshed(this.watched(id, await this.connection.invoke<SessionDetail>('WatchSession', id))); } catch { /* gone */ }
    }
  }

  private setState(state: ConnectionState) {
    this.state = state;
    this.stateListeners.forEach((l) => l());
  }

  private startPinging() {
    window.clearInterval(this.pingTimer);
    const ping = async () => {
      if (this.connection.state !== signalR.HubConnectionState.Connected) return;
      const sent = performance.now();
      try {
        await this.connection.invoke('Ping', sent);
        this.latencyMs = Math.round(performance.now() - sent);
        this.stateListeners.forEach((l) => l());
      } catch { /* the state handlers say what happened */ }
    };
    void ping();
    this.pingTimer = window.setInterval(ping, 5000);
  }

  private async resubscribe() {
    // A reconnected connection is a new one on the server: subscription and watches start again (with a fresh snapshot).
    if (this.subscribed) await this.subscribe(this.filter).catch(() => {});
    if (!this.parked) await this.rewatch();
  }

  private fallBackToPolling() {
    if (this.stopped) return;
    this.setState('polling');
    this.latencyMs = null;
    window.clearInterval(this.pollTimer);
    this.pollTimer = window.setInterval(() => void this.poll(), this.options.pollSeconds * 1000);
    void this.poll();
    window.clearTimeout(this.hubRetryTimer);
    this.hubRetryTimer = window.setTimeout(() => void this.retryHub(), this.options.hubRetryMs);
  }

  private async retryHub() {
    if (this.stopped) return;
    try {
      if (this.connection.state === signalR.HubConnectionState.Disconnected) await this.startHub();
      window.clearInterval(this.pollTimer);
      this.setState('connected');
      this.startPinging();
      await this.resubscribe();
    } catch {
      this.hubRetryTimer = window.setTimeout(() => void this.retryHub(), this.options.hubRetryMs);
    }
  }

  /** The polling fallback: the same figures over HTTP. */
  private async poll() {
    if (!this.subscribed) return;
    const q = toQuery(this.filter);
    try {
      const [summary, hourly, agents, metrics, sessions, activity] = await Promise.all([
        this.api.get<Summary>(`/api/v1/live/summary${q}`),
        this.api.get<Hourly>(`/api/v1/live/hourly${q}`),
        this.api.get<Agents>(`/api/v1/live/agents${q}`),
        this.api.get<Metrics>(`/api/v1/live/metrics${q}`),
        this.api.get<{ total: number; items: Card[] }>(`/api/v1/live/sessions${q}${q ? '&' : '?'}limit=${WINDOW}`),
        this.api.get<ActivityEntry[] | { items: ActivityEntry[] }>(`/api/v1/activity?limit=50`),
      ]);
      this.store.snapshot({ summary, hourly, agents, metrics, sessions, activity: Array.isArray(activity) ? activity : activity.items });
      for (const [id, listener] of this.watchers) listener.refreshed(await this.api.session(id));
    } catch {
      if (this.state === 'polling') this.setState('polling'); // keep trying; the indicator already says Polling
    }
  }
}
