import { describe, expect, it } from 'vitest';
import { INTERVENTION_TYPES, refusal, type InterventionType } from '../src/interventions';
import type { LiveState } from '../src/types';

// Derived by hand from SessionModel.Refusal (Grains/Sessions/SessionModel.Interventions.cs): ended refuses every
// type; pause is refused when paused; resume when not paused; every other type is allowed in every state but ended.
// Columns: pause, resume, system_message, override, transfer, reassign, cobrowse_start, cobrowse_stop, guide.
const ALLOWED: Record<LiveState, boolean[]> = {
  active: [true, false, true, true, true, true, true, true, true],
  thinking: [true, false, true, true, true, true, true, true, true],
  streaming: [true, false, true, true, true, true, true, true, true],
  paused: [false, true, true, true, true, true, true, true, true],
  error: [true, false, true, true, true, true, true, true, true],
  ended: [false, false, false, false, false, false, false, false, false],
};

// The engine's words for each refusal (its 409 detail), which the dashboard's reasons echo.
const WORDS: Record<string, RegExp> = { ended: /has ended/, pause: /already paused/, resume: /not paused/ };

describe('refusal: which interventions a session state allows', () => {
  it('lists the engine’s nine types', () => {
    expect(INTERVENTION_TYPES).toEqual(['pause', 'resume', 'system_message', 'override', 'transfer', 'reassign', 'cobrowse_start', 'cobrowse_stop', 'guide']);
  });

  for (const [state, row] of Object.entries(ALLOWED) as [LiveState, boolean[]][]) {
    INTERVENTION_TYPES.forEach((type: InterventionType, i) => {
      it(`${state} × ${type}: ${row[i] ? 'allowed' : 'refused, saying why'}`, () => {
        const reason = refusal(state, type);
        if (row[i]) expect(reason).toBeNull();
        else expect(reason).toMatch(state === 'ended' ? WORDS.ended! : WORDS[type]!);
      });
    });
  }

  it('gives one reason per rule, whatever the live state (the controls are redrawn only when a reason changes)', () => {
    expect(new Set(['active', 'thinking', 'streaming', 'error'].map((s) => refusal(s as LiveState, 'resume')))).toEqual(
      new Set(['The session is not paused; only a paused session can be resumed.']));
  });
});
