import { describe, expect, it } from 'vitest';
import { INTERVENTION_TYPES, refusal, type InterventionType } from '../src/interventions';
import type { LiveState } from '../src/types';

// Derived by hand from SessionModel.Refusal (Grains/Sessions/SessionModel.Interventions.cs): ended refuses every
// type; pause is refused when paused; resume when not paused; handback when nobody holds the conversation (as here);
// every other type is allowed in every state but ended.
// Columns: pause, resume, system_message, override, transfer, reassign, cobrowse_start, cobrowse_stop, guide, takeover, handback.
const ALLOWED: Record<LiveState, boolean[]> = {
  active: [true, false, true, true, true, true, true, true, true, true, false],
  thinking: [true, false, true, true, true, true, true, true, true, true, false],
  streaming: [true, false, true, true, true, true, true, true, true, true, false],
  paused: [false, true, true, true, true, true, true, true, true, true, false],
  error: [true, false, true, true, true, true, true, true, true, true, false],
  ended: [false, false, false, false, false, false, false, false, false, false, false],
};

// The engine's words for each refusal (its 409 detail), which the dashboard's reasons echo.
const WORDS: Record<string, RegExp> = { ended: /has ended/, pause: /already paused/, resume: /not paused/, handback: /not taken over/ };

describe('refusal: which interventions a session state allows', () => {
  it('lists the engine’s eleven types', () => {
    expect(INTERVENTION_TYPES).toEqual(['pause', 'resume', 'system_message', 'override', 'transfer', 'reassign', 'cobrowse_start', 'cobrowse_stop', 'guide', 'takeover', 'handback']);
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

  // SessionModel.Refusal and HolderRefusal: one holder at a time; only the holder or an admin hands back.
  it('takeover and handback follow who holds the conversation and who asks', () => {
    const sue = { userId: 'usr_sue', name: 'Sue', since: '2026-11-22T10:00:00.000Z' };
    expect(refusal('active', 'takeover', { heldBy: sue, me: 'usr_sue', admin: false })).toMatch(/already hold/);
    expect(refusal('active', 'takeover', { heldBy: sue, me: 'usr_max', admin: true })).toMatch(/Held by Sue; they \(or an admin\) must hand it back/);
    expect(refusal('active', 'handback', { heldBy: sue, me: 'usr_sue', admin: false })).toBeNull();
    expect(refusal('active', 'handback', { heldBy: sue, me: 'usr_max', admin: true })).toBeNull();
    expect(refusal('active', 'handback', { heldBy: sue, me: 'usr_max', admin: false })).toMatch(/only they or an admin/);
    expect(refusal('paused', 'handback', { heldBy: sue, me: 'usr_sue', admin: false })).toBeNull();
    expect(refusal('ended', 'handback', { heldBy: sue, me: 'usr_sue', admin: false })).toMatch(/has ended/);
  });
});
