import type { LiveState } from './types';

/** The intervention types, as the engine names them (docs/semantics.md, Interventions). */
export type InterventionType = 'pause' | 'resume' | 'system_message' | 'override' | 'transfer' | 'reassign' | 'cobrowse_start' | 'cobrowse_stop' | 'guide';

export const INTERVENTION_TYPES: readonly InterventionType[] =
  ['pause', 'resume', 'system_message', 'override', 'transfer', 'reassign', 'cobrowse_start', 'cobrowse_stop', 'guide'];

/**
 * Why a session's state does not allow an intervention, or null when it does. The engine's rule
 * (Grains/Sessions/SessionModel.Interventions.cs), kept here once so the dashboard offers only what the engine would
 * accept: nothing once ended; pause unless already paused; resume only when paused; the rest whenever not ended.
 * The engine still decides: a state that changed since it was drawn is answered by its 409.
 */
export function refusal(state: LiveState, type: InterventionType): string | null {
  if (state === 'ended') return 'The session has ended; no intervention is possible.';
  if (type === 'pause' && state === 'paused') return 'The session is already paused.';
  if (type === 'resume' && state !== 'paused') return 'The session is not paused; only a paused session can be resumed.';
  return null;
}
