// The shapes of the public contract (docs/contract.md) the dashboard reads. Enum values are snake_case strings.

export type Channel = string;
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type LiveState = 'active' | 'thinking' | 'streaming' | 'paused' | 'error' | 'ended';
export type StreamState = 'idle' | 'thinking' | 'streaming' | 'complete';
export type Role = 'admin' | 'supervisor' | 'agent' | 'viewer';

export interface Filter {
  teams?: string[];
  owners?: string[];
  channels?: string[];
  agents?: string[];
  priorities?: Priority[];
  statuses?: LiveState[];
  q?: string;
  minDurationSec?: number;
  maxDurationSec?: number;
}

export interface Summary {
  day: string; timeZone: string; asOf: string;
  activeConversations: number; waitingForFirstResponse: number; assigned: number; unassigned: number; open: number; closed: number;
}
export interface Hourly { day: string; timeZone: string; hours: number[] }
export interface Agent { id: string; name: string; kind: string; status: 'online' | 'offline'; teams: string[]; lastMessageAt: string | null; liveSessions: number }
export interface Agents { online: number; offline: number; agents: Agent[] }
export interface Metrics { liveSessions: number; startedLastHour: number; avgResponseTimeMs: number | null; interventionRate: number }

export interface Card {
  sessionId: string; agentId: string | null; agentName: string | null; agentColor: string | null; channel: string | null;
  user: { id: string | null; name: string | null }; startedAt: string; lastActivityAt: string; state: LiveState;
  priority: Priority; preview: string; ownerId: string | null; teamId: string | null; status: 'open' | 'closed';
  waitingForFirstResponse: boolean; endedAt?: string | null;
  /** The person who took the conversation over (the AI's replies are refused until a handback); null when the AI answers. */
  heldBy?: Holder | null;
}

/** Who holds a conversation taken over: their user id, their name when they took it, since when. */
export interface Holder { userId: string; name: string | null; since: string }

export interface ActivityEntry { id: string; at: string; type: string; sessionId?: string | null; agentId?: string | null; summary: string }
export interface Alert { id: string; at: string; severity: string; kind: string; sessionId?: string | null; text: string }

export interface Attachment { type: 'image' | 'document' | 'audio' | 'video'; url: string; name?: string | null; mimeType?: string | null; sizeBytes?: number | null }
export interface Message {
  id: string; direction: string; at: string; format: 'text' | 'media' | 'system' | 'voice'; text?: string | null;
  attachments?: Attachment[] | null; speaker?: string | null; confidence?: number | null;
  sender?: { kind: 'ai' | 'human' | 'system'; id?: string | null } | null; broadcast?: boolean; internalNote?: boolean; delivery?: string | null;
}

export interface Intervention {
  /** adminName: the person's name as the tenant has it now; null once they were removed (adminId stays). */
  interventionId: string; sessionId: string; adminId: string; adminName?: string | null; type: string; reason: string; timestamp: string;
  content?: string | null; target?: { agentId?: string | null; queue?: string | null; ownerId?: string | null; teamId?: string | null } | null;
  original?: string | null;
}

export interface SessionDetail extends Card {
  streamState: StreamState; messages: Message[]; totalMessages: number; nextCursor: string | null;
  /** The newest page of interventions, oldest first; older pages are asked for with olderInterventionsCursor. */
  interventions: Intervention[]; totalInterventions: number; olderInterventionsCursor: string | null;
}

/** The hub's Subscribe answer; `watcherCounts` (the cards' watchers) comes from the hub only, not from polling. */
export interface Snapshot {
  summary: Summary; hourly: Hourly; agents: Agents; metrics: Metrics; sessions: { total: number; items: Card[] }; activity: ActivityEntry[];
  watcherCounts?: Record<string, number>;
  /** With ticks: the screen the frames name, the frame the snapshot is of, and how many cards it shows. */
  screen?: string; seq?: number; window?: number;
}

/**
 * One `tick`: what changed on the screen since frame `base` (absent parts did not change). `upserted` cards entered the
 * window or changed, `removed` left it; `total` is the filter's exact count.
 */
export interface Tick {
  screen: string; seq: number; base: number; tick: number; at: string;
  total?: number; upserted?: Card[]; removed?: string[];
  summary?: Summary; hourly?: Hourly; agents?: Agents; metrics?: Metrics;
  activity?: ActivityEntry[]; watchers?: Record<string, number>;
}
/** A person watching a session on a dashboard, since their first watch of it began. */
export interface Watcher { userId: string; name: string; since: string }

export interface SavedView { id: string; name: string; filter: Filter }

export interface SignedIn { accessToken: string; expiresAt: string; tenant: string; user: { id: string; name: string; role: Role } }
