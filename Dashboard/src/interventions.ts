import type { Holder, LiveState } from './types';

/** The intervention types, as the engine names them (docs/semantics.md, Interventions). */
export type InterventionType = 'pause' | 'resume' | 'system_message' | 'override' | 'transfer' | 'reassign' | 'cobrowse_start' | 'cobrowse_stop' | 'guide' | 'takeover' | 'handback';

export const INTERVENTION_TYPES: readonly InterventionType[] =
  ['pause', 'resume', 'system_message', 'override', 'transfer', 'reassign', 'cobrowse_start', 'cobrowse_stop', 'guide', 'takeover', 'handback'];

/** Who holds the conversation (or null) and who is asking: takeover and handback depend on them. */
export interface Hold { heldBy: Holder | null | undefined; me: string | undefined; admin: boolean }

/**
 * Why a session's state does not allow an intervention, or null when it does. The engine's rule
 * (Grains/Sessions/SessionModel.Interventions.cs), kept here once so the dashboard offers only what the engine would
 * accept: nothing once ended; pause unless already paused; resume only when paused; takeover unless someone holds the
 * conversation; handback only when held, by the holder or an admin; the rest whenever not ended.
 * The engine still decides: a state that changed since it was drawn is answered by its 409.
 */
export function refusal(state: LiveState, type: InterventionType, hold: Hold = { heldBy: null, me: undefined, admin: false }): string | null {
  if (state === 'ended') return 'The session has ended; no intervention is possible.';
  if (type === 'pause' && state === 'paused') return 'The session is already paused.';
  if (type === 'resume' && state !== 'paused') return 'The session is not paused; only a paused session can be resumed.';
  const holder = hold.heldBy;
  if (type === 'takeover' && holder) {
    return holder.userId === hold.me ? 'You already hold this conversation.' : `Held by ${holder.name || holder.userId}; they (or an admin) must hand it back first.`;
  }
  if (type === 'handback' && !holder) return 'The conversation is not taken over; there is nothing to hand back.';
  if (type === 'handback' && holder && holder.userId !== hold.me && !hold.admin) return `Held by ${holder.name || holder.userId}: only they or an admin may hand it back.`;
  return null;
}
