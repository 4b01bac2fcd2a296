import type { Alert } from '../types';
import { h } from './dom';

const MUTE_KEY = 'liveorleans.muted';

/** In-app alerts for the hub's `alert` pushes, desktop notifications when allowed, and a mute control. */
export class Notifications {
  private container = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });

  constructor(private storage: Storage) {
    document.body.appendChild(this.container);
  }

  get muted(): boolean { return this.storage.getItem(MUTE_KEY) === '1'; }
  set muted(value: boolean) { this.storage.setItem(MUTE_KEY, value ? '1' : '0'); }

  get desktopAllowed(): boolean { return typeof Notification !== 'undefined' && Notification.permission === 'granted'; }

  async askDesktop(): Promise<boolean> {
    if (typeof Notification === 'undefined') return false;
    return (await Notification.requestPermission()) === 'granted';
  }

  alert(alert: Alert, open: (sessionId: string) => void) {
    if (this.muted) return;
    this.toast(alert.text, alert.severity, alert.sessionId ? () => open(alert.sessionId!) : undefined);
    if (this.desktopAllowed && document.visibilityState !== 'visible') {
      const n = new Notification('LiveOrleans', { body: alert.text, tag: alert.id });
      if (alert.sessionId) n.onclick = () => { window.focus(); open(alert.sessionId!); };
    }
  }

  /** A message that goes away by itself (results of actions, refusals, alerts). */
  toast(text: string, severity = 'info', onClick?: () => void) {
    const toast = h('div', { class: `toast toast-${severity}` }, text);
    if (onClick) { toast.classList.add('clickable'); toast.addEventListener('click', onClick); }
    this.container.prepend(toast);
    while (this.container.children.length > 5) this.container.lastElementChild!.remove();
    window.setTimeout(() => toast.remove(), 8000);
  }
}
