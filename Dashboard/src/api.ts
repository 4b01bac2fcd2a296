import type { Filter, SavedView, SessionDetail, SignedIn } from './types';

/** A refusal from the engine: RFC 7807 problem details, with the fields it names. */
export class ApiError extends Error {
  constructor(public status: number, message: string, public errors: Record<string, string[]> = {}) {
    super(message);
  }
}

const SESSION_KEY = 'liveorleans.session';

/** The signed-in person, kept for the browser session (sessionStorage): closing the browser signs out. */
export class Auth {
  private listeners = new Set<() => void>();
  constructor(private storage: Storage) {}

  get current(): SignedIn | null {
    try {
      const raw = this.storage.getItem(SESSION_KEY);
      if (!raw) return null;
      const session = JSON.parse(raw) as SignedIn;
      return Date.parse(session.expiresAt) > Date.now() ? session : null;
    } catch {
      return null;
    }
  }

  set(session: SignedIn | null) {
    if (session) this.storage.setItem(SESSION_KEY, JSON.stringify(session));
    else this.storage.removeItem(SESSION_KEY);
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void) {
    this.listeners.add(listener);
  }

  get canIntervene(): boolean {
    const role = this.current?.user.role;
    return role === 'admin' || role === 'supervisor';
  }
}

export class Api {
  constructor(private auth: Auth, private base = '') {}

  async signIn(tenant: string, username: string, password: string): Promise<SignedIn> {
    const body = await this.request<Omit<SignedIn, 'tenant'>>('POST', '/api/v1/auth/token', { tenant, username, password }, false);
    const session = { ...body, tenant };
    this.auth.set(session);
    return session;
  }

  get<T>(path: string): Promise<T> { return this.request<T>('GET', path); }

  session(id: string): Promise<SessionDetail> { return this.get(`/api/v1/sessions/${encodeURIComponent(id)}?limit=500`); }

  intervene(sessionId: string, body: { type: string; reason: string; content?: string; target?: Record<string, string> }) {
    return this.request<unknown>('POST', `/api/v1/sessions/${encodeURIComponent(sessionId)}/interventions`, body);
  }

  views(): Promise<SavedView[]> { return this.get('/api/v1/views'); }
  createView(name: string, filter: Filter): Promise<SavedView> { return this.request('POST', '/api/v1/views', { name, filter }); }
  updateView(id: string, name: string, filter: Filter): Promise<SavedView> { return this.request('PUT', `/api/v1/views/${encodeURIComponent(id)}`, { name, filter }); }
  deleteView(id: string): Promise<void> { return this.request('DELETE', `/api/v1/views/${encodeURIComponent(id)}`); }

  async request<T>(method: string, path: string, body?: unknown, authenticated = true): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = this.auth.current?.accessToken;
    if (authenticated && token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401 && authenticated) {
      this.auth.set(null); // expired or revoked: back to the sign-in form
      throw new ApiError(401, 'Your sign-in has expired: sign in again.');
    }
    if (!response.ok) {
      let detail = `${method} ${path} answered ${response.status}.`;
      let errors: Record<string, string[]> = {};
      try {
        const problem = await response.json() as { detail?: string; title?: string; errors?: Record<string, string[]> };
        detail = problem.detail ?? problem.title ?? detail;
        errors = problem.errors ?? {};
      } catch { /* not JSON */ }
      throw new ApiError(response.status, detail, errors);
    }
    if (response.status === 204) return undefined as T;
    return await response.json() as T;
  }
}
