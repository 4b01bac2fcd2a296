import { ApiError, type Api, type Auth } from '../api';
import { channelOf } from '../filters';
import { channelIcon } from './channelIcon';
import { icon } from './icons';
import { STATE_LABELS, bytes, clock, elapsed, highlight } from '../format';
import type { LiveConnection, WatchListener } from '../live';
import { render, webHref } from '../markdown';
import { INTERVENTION_TYPES, refusal, type InterventionType } from '../interventions';
import type { Holder, Intervention, Message, SessionDetail, StreamState } from '../types';
import { safeColor } from './conversations';
import type { Directory } from './directory';
import { clear, field, formDialog, h, marked } from './dom';
import type { Notifications } from './notifications';
import { watcherList } from './watchers';

const STREAM_LABELS: Record<StreamState, string> = { idle: 'Idle', thinking: 'Thinking', streaming: 'Streaming', complete: 'Complete' };

const INTERVENTION_LABELS: Record<InterventionType, string> = {
  pause: 'Pause', resume: 'Resume', system_message: 'System message', override: 'Override', transfer: 'Transfer',
  reassign: 'Reassign', cobrowse_start: 'Co-browse started', cobrowse_stop: 'Co-browse stopped',
  guide: 'Guidance to the agent', takeover: 'Takeover', handback: 'Handback',
};

/** Who holds a conversation taken over, for the detail's header. */
const heldBadge = (holder: Holder) => h('span', { class: 'held-badge', 'data-holder': holder.userId, title: `Taken over at ${clock(holder.since)}: the AI agent's replies are refused` },
  `Held by ${holder.name || holder.userId}`);

/** Who intervened: their name as the tenant has it, else their id. */
const authorOf = (i: Intervention) => i.adminName || i.adminId;

/** The conversation detail: transcript, live tokens, stream state, interventions and their controls. */
export function detailView(deps: {
  sessionId: string; live: LiveConnection; api: Api; auth: Auth; directory: Directory; notifications: Notifications;
  keyword: string | undefined; close: () => void;
}): { el: HTMLElement; dispose: () => void } {
  const { sessionId, live, api, auth, directory, notifications, keyword, close } = deps;
  let detail: SessionDetail | null = null;
  const messageIds = new Set<string>();
  const header = h('header', { class: 'detail-header' });
  const streamState = h('span', { class: 'stream-state', 'data-state': 'idle' }, 'Idle');
  const controls = h('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Intervention controls' });
  const transcript = h('ol', { class: 'transcript', 'aria-label': 'Transcript' });
  const interventions = h('ol', { class: 'interventions' });
  const olderInterventions = h('div', { class: 'older-interventions' });
  const streaming = { messageId: '', shown: '', pending: '', el: null as HTMLElement | null, frame: 0 };
  const watching = watcherList(live, sessionId, auth.current?.user.id);
  const el = h('aside', { class: 'detail', role: 'dialog', 'aria-label': 'Conversation detail' },
    header,
    h('div', { class: 'detail-status' }, 'Stream: ', streamState),
    watching.el,
    controls,
    h('div', { class: 'detail-body' },
      h('section', { class: 'transcript-panel' }, h('h3', {}, 'Transcript'), transcript),
      h('section', { class: 'interventions-panel' }, h('h3', {}, 'Interventions'), olderInterventions, interventions)));

  const setStream = (state: StreamState) => {
    streamState.dataset.state = state;
    streamState.textContent = STREAM_LABELS[state];
  };

  const drawHeader = () => {
    if (!detail) return;
    const channel = channelOf(detail.channel);
    clear(header).append(
      h('span', { class: 'agent-badge' }, h('span', { class: 'agent-dot', style: `background:${safeColor(detail.agentColor)}` }), detail.agentName || detail.agentId || 'Unassigned'),
      h('span', { class: 'channel' }, channelIcon(channel.id), channel.label),
      h('span', { class: 'user' }, detail.user.name || detail.user.id || 'Anonymous'),
      h('span', { class: 'elapsed', 'data-started': detail.startedAt }, elapsed(detail.startedAt, Date.now())),
      h('span', { class: `state-badge ${detail.state}` }, STATE_LABELS[detail.state] ?? detail.state),
      h('span', { class: `priority-badge ${detail.priority}` }, detail.priority),
      ...(detail.heldBy ? [heldBadge(detail.heldBy)] : []),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: close }, '×'));
  };

  const messageView = (m: Message): HTMLElement => {
    const who = m.format === 'system' || m.sender?.kind === 'system' ? 'system' : m.direction === 'in' || m.direction === 'incoming' ? 'customer' : m.sender?.kind ?? 'agent';
    const body = h('div', { class: 'message-body' });
    if (m.format === 'voice') {
      body.append(h('div', { class: 'voice-meta' }, icon('mic'), ` ${m.speaker ?? 'Speaker'}`, m.confidence != null ? ` · confidence ${Math.round(m.confidence * 100)} %` : ''));
      body.append(h('p', {}, marked(highlight(m.text ?? '', keyword))));
    } else if (m.text) {
      // One message that cannot be drawn shows its characters, and never stops the rest of the transcript.
      try {
        body.append(render(m.text, document, (text) => marked(highlight(text, keyword))));
      } catch {
        body.append(h('p', { class: 'plain' }, marked(highlight(m.text, keyword))));
      }
    }
    for (const a of m.attachments ?? []) {
      const href = webHref(a.url);
      const label = `${a.name ?? a.type} · ${a.mimeType ?? a.type} · ${bytes(a.sizeBytes)}`;
      body.append(h('div', { class: `attachment attachment-${a.type}` },
        a.type === 'image' && href ? h('img', { src: href, alt: a.name ?? 'image', loading: 'lazy', referrerpolicy: 'no-referrer' }) : null,
        href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow', download: '' }, icon('download'), ` ${label}`) : h('span', {}, label)));
    }
    return h('li', { class: `message ${who}${m.internalNote ? ' internal-note' : ''}${m.delivery === 'failed' ? ' failed' : ''}`, 'data-message': m.id },
      h('div', { class: 'message-meta' }, who === 'system' ? 'System' : who === 'customer' ? 'Customer' : who === 'ai' ? 'AI agent' : who === 'human' ? 'Human agent' : who,
        ' · ', h('time', { datetime: m.at }, clock(m.at)), m.internalNote ? ' · internal note' : '', m.delivery === 'failed' ? ' · not delivered' : ''),
      body);
  };

  const addMessage = (m: Message) => {
    if (messageIds.has(m.id)) return;
    messageIds.add(m.id);
    if (streaming.messageId === m.id) endStreaming();
    const el = messageView(m);
    el.dataset.at = m.at;
    placeInTranscript(el, m.at);
  };

  // A supervisor's guidance is a private note in the timeline: the customer never saw it, the agent was told.
  const addGuidanceNote = (i: Intervention) => {
    // A handback's note is guidance too.
    if (!(i.type === 'guide' || (i.type === 'handback' && i.content)) || transcript.querySelector(`[data-guidance="${CSS.escape(i.interventionId)}"]`)) return;
    const el = h('li', { class: 'message guidance-note', 'data-guidance': i.interventionId, 'data-at': i.timestamp },
      h('div', { class: 'message-meta' }, h('strong', {}, 'Guidance to the agent'), ' · by ', h('span', { class: 'author', title: i.adminId }, authorOf(i)), ' · ',
        h('time', { datetime: i.timestamp }, clock(i.timestamp)), ' · private, not shown to the customer'),
      h('div', { class: 'message-body' }, h('p', { class: 'plain' }, i.content ?? '')));
    placeInTranscript(el, i.timestamp);
  };

  // In time order: history pages may arrive after a live message.
  const placeInTranscript = (el: HTMLElement, at: string) => {
    const later = [...transcript.querySelectorAll<HTMLElement>(':scope > li[data-at]')].find((li) => Date.parse(li.dataset.at!) > Date.parse(at));
    if (later) transcript.insertBefore(el, later);
    else {
      transcript.insertBefore(el, streaming.el && streaming.el.parentElement === transcript ? streaming.el : null);
      el.scrollIntoView({ block: 'end' });
    }
  };

  // Tokens: a typewriter that reveals what arrived a few characters per frame.
  const endStreaming = () => {
    cancelAnimationFrame(streaming.frame);
    streaming.el?.remove();
    Object.assign(streaming, { messageId: '', shown: '', pending: '', el: null, frame: 0 });
  };
  const typewrite = () => {
    if (!streaming.el || streaming.pending.length === 0) { streaming.frame = 0; return; }
    const step = Math.max(1, Math.ceil(streaming.pending.length / 8));
    streaming.shown += streaming.pending.slice(0, step);
    streaming.pending = streaming.pending.slice(step);
    streaming.el.querySelector('.message-body')!.textContent = streaming.shown;
    streaming.frame = requestAnimationFrame(typewrite);
  };
  const token = (messageId: string, delta: string) => {
    if (messageIds.has(messageId)) return;
    if (streaming.messageId !== messageId) {
      endStreaming();
      streaming.messageId = messageId;
      streaming.el = h('li', { class: 'message ai streaming', 'data-message': messageId },
        h('div', { class: 'message-meta' }, 'AI agent · streaming'), h('div', { class: 'message-body' }), h('span', { class: 'caret', 'aria-hidden': 'true' }));
      transcript.append(streaming.el);
    }
    streaming.pending += delta;
    setStream('streaming');
    if (!streaming.frame) streaming.frame = requestAnimationFrame(typewrite);
  };

  const interventionView = (i: Intervention) => h('li', { 'data-intervention': i.interventionId, class: i.type === 'guide' ? 'guidance' : null },
    h('div', {}, h('strong', {}, INTERVENTION_LABELS[i.type as InterventionType] ?? i.type), ' · ', h('time', { datetime: i.timestamp }, clock(i.timestamp)), ' · ',
      h('span', { class: 'admin', title: i.adminId }, i.adminName || i.adminId)),
    h('div', { class: 'reason' }, `Reason: ${i.reason}`),
    i.content ? h('div', { class: 'content' }, `${i.type === 'guide' || i.type === 'handback' ? 'Note' : 'Content'}: ${i.content}`) : null,
    i.target ? h('div', { class: 'target' }, `Target: ${Object.entries(i.target).filter(([, v]) => v != null).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`) : null,
    i.original ? h('div', { class: 'original' }, `Discarded reply: ${i.original}`) : null,
    h('div', { class: 'muted id' }, i.interventionId));
  const addIntervention = (i: Intervention) => {
    if (!detail) return;
    if (interventions.querySelector(`[data-intervention="${CSS.escape(i.interventionId)}"]`)) return;
    detail.interventions.push(i);
    interventions.append(interventionView(i));
    addGuidanceNote(i);
    // Who holds the conversation follows its takeovers and handbacks as they come.
    if (i.type === 'takeover') detail.heldBy = { userId: i.adminId, name: i.adminName ?? null, since: i.timestamp };
    if (i.type === 'handback') detail.heldBy = null;
    if (i.type === 'takeover' || i.type === 'handback') drawHeader();
    drawControls();
  };

  let drawn = '';
  const drawControls = () => {
    if (!detail || !auth.canIntervene) { clear(controls); drawn = ''; return; }
    const me = auth.current?.user.id;
    const cobrowsing = detail.interventions.filter((i) => i.adminId === me && i.type.startsWith('cobrowse_')).at(-1)?.type === 'cobrowse_start';
    // Drawn again only when what they offer changes (state pushes come with every reply), keeping the focus.
    const state = detail.state;
    const hold = { heldBy: detail.heldBy, me, admin: auth.current?.user.role === 'admin' };
    const key = JSON.stringify([cobrowsing, INTERVENTION_TYPES.map((t) => refusal(state, t, hold))]);
    if (key === drawn) return;
    drawn = key;
    const focused = controls.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.type : undefined;
    clear(controls);
    const reason = () => field('Reason', h('textarea', { name: 'reason', required: true, maxlength: 1000, rows: 2, placeholder: 'Why (kept in the audit log)' }));
    const send = async (type: InterventionType, form: FormData, extra: { content?: string; target?: Record<string, string> } = {}) => {
      const reasonText = String(form.get('reason') ?? '').trim();
      if (!reasonText) throw new Error('A reason is required.');
      try {
        const entry = await api.intervene(sessionId, { type, reason: reasonText, ...extra }) as Intervention;
        addIntervention(entry);
        notifications.toast(`${INTERVENTION_LABELS[type]}: done (${entry.interventionId})`, 'success');
      } catch (e) {
        if (e instanceof ApiError) throw new Error(Object.values(e.errors).flat()[0] ?? e.message);
        throw e;
      }
    };
    const agentOptions = () => [h('option', { value: '' }, '—'), ...directory.agentOptions().map((o) => h('option', { value: o.value }, o.label))];
    // An action the session's state does not allow is shown refused, its reason on hover and for screen readers. It is
    // aria-disabled rather than disabled, so a keyboard user can still reach it and hear why.
    const button = (label: string, type: InterventionType, run: () => void) => {
      const why = refusal(state, type, hold);
      if (!why) return h('button', { type: 'button', 'data-type': type, onclick: run }, label);
      const describedBy = `why-${type}-${sessionId}`.replace(/[^A-Za-z0-9_-]/g, '_');
      return [h('button', { type: 'button', 'data-type': type, 'aria-disabled': 'true', title: why, 'aria-describedby': describedBy }, label),
        h('span', { id: describedBy, class: 'visually-hidden' }, why)];
    };
    controls.append(...[
      button('Pause', 'pause', () => formDialog('Pause', [h('p', {}, 'The customer is told the conversation will resume shortly; the agent stops.'), reason()], 'Pause', (f) => send('pause', f))),
      button('Resume', 'resume', () => formDialog('Resume', [reason()], 'Resume', (f) => send('resume', f))),
      button('Send system message', 'system_message', () => formDialog('Send system message', [
        field('Message', h('textarea', { name: 'content', required: true, rows: 3 })), reason()], 'Send', (f) => send('system_message', f, { content: String(f.get('content')) }))),
      button('Override response', 'override', () => formDialog('Override response', [
        field('Response', h('textarea', { name: 'content', required: true, rows: 4 })), reason()], 'Override', (f) => send('override', f, { content: String(f.get('content')) }))),
      button('Guide', 'guide', () => formDialog('Guide the agent', [
        h('p', {}, 'A private note the agent takes into its next reply. The customer never sees it; it is logged.'),
        field('Guidance', h('textarea', { name: 'content', required: true, rows: 4, placeholder: 'e.g. Offer the loyalty discount before a refund.' })), reason()],
        'Send guidance', (f) => send('guide', f, { content: String(f.get('content') ?? '').trim() }))),
      button('Take over', 'takeover', () => formDialog('Take over the conversation', [
        h('p', {}, 'You become the only responder: the AI agent’s replies are refused until you hand it back. The customer is told a member of the team joined.'), reason()],
        'Take over', (f) => send('takeover', f))),
      button('Hand back', 'handback', () => formDialog('Hand back to the AI agent', [
        h('p', {}, 'The AI agent answers again. An optional note goes to it like a guidance; the customer never sees it.'),
        field('Note to the agent (optional)', h('textarea', { name: 'content', rows: 3, placeholder: 'e.g. Refund approved; confirm the date.' })), reason()],
        'Hand back', (f) => {
          const note = String(f.get('content') ?? '').trim();
          return send('handback', f, note ? { content: note } : {});
        })),
      button('Transfer', 'transfer', () => formDialog('Transfer', [
        field('To agent', h('select', { name: 'agentId' }, agentOptions())), field('Or to queue', h('input', { name: 'queue', placeholder: 'e.g. human-handoff' })), reason()],
        'Transfer', (f) => {
          const agentId = String(f.get('agentId') ?? ''); const queue = String(f.get('queue') ?? '').trim();
          if (!agentId && !queue) throw new Error('Choose an agent or name a queue.');
          return send('transfer', f, { target: agentId ? { agentId } : { queue } });
        })),
      button('Reassign', 'reassign', () => formDialog('Reassign', [
        field('Contact owner', h('select', { name: 'ownerId' }, [h('option', { value: '' }, '—'), ...directory.ownerOptions().map((o) => h('option', { value: o.value }, o.label))])),
        field('Team', h('select', { name: 'teamId' }, [h('option', { value: '' }, '—'), ...directory.teamOptions().map((o) => h('option', { value: o.value }, o.label))])), reason()],
        'Reassign', (f) => {
          const target: Record<string, string> = {};
          if (f.get('ownerId')) target.ownerId = String(f.get('ownerId'));
          if (f.get('teamId')) target.teamId = String(f.get('teamId'));
          if (!target.ownerId && !target.teamId) throw new Error('Choose a contact owner or a team.');
          return send('reassign', f, { target });
        })),
      cobrowsing
        ? button('Stop co-browse', 'cobrowse_stop', () => formDialog('Stop co-browse', [reason()], 'Stop', (f) => send('cobrowse_stop', f)))
        : button('Co-browse', 'cobrowse_start', () => formDialog('Co-browse', [h('p', {}, 'Watch silently: nobody in the conversation is told. It is logged.'), reason()], 'Start co-browse', (f) => send('cobrowse_start', f))),
    ].flat());
    if (focused) controls.querySelector<HTMLElement>(`button[data-type="${focused}"]`)?.focus();
  };

  const show = (d: SessionDetail) => {
    detail = { ...d, interventions: [...d.interventions] };
    messageIds.clear();
    clear(transcript);
    endStreaming();
    d.messages.forEach(addMessage);
    clear(interventions).append(...d.interventions.map(interventionView));
    d.interventions.forEach(addGuidanceNote);
    drawOlder(d.olderInterventionsCursor, d.totalInterventions - d.interventions.length);
    setStream(d.streamState);
    drawHeader();
    drawControls();
    void loadRest(d.nextCursor);
  };

  // The detail comes with the newest interventions; older ones are loaded on demand, a page at a time, above them.
  const drawOlder = (cursor: string | null, hidden: number) => {
    clear(olderInterventions);
    if (!cursor || hidden <= 0) return;
    const button = h('button', { type: 'button', class: 'link' }, `Show older interventions (${hidden})`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const page = await api.get<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(sessionId)}?limit=1&interventionsLimit=100&interventionsBefore=${encodeURIComponent(cursor)}`);
        const fresh = page.interventions.filter((i) => !interventions.querySelector(`[data-intervention="${CSS.escape(i.interventionId)}"]`));
        interventions.prepend(...fresh.map(interventionView));
        fresh.forEach(addGuidanceNote);
        if (detail) detail.interventions.unshift(...fresh);
        drawOlder(page.olderInterventionsCursor, hidden - page.interventions.length);
      } catch (e) {
        button.disabled = false;
        notifications.toast(`Older interventions could not be loaded: ${(e as Error).message}`, 'error');
      }
    });
    olderInterventions.append(button);
  };

  // The detail comes with the first page of the transcript; the rest (the engine keeps up to 1,000 messages) follows.
  const loadRest = async (cursor: string | null) => {
    for (let pages = 0; cursor && pages < 10; pages++) {
      try {
        const page = await api.get<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(sessionId)}?limit=500&cursor=${encodeURIComponent(cursor)}`);
        page.messages.forEach(addMessage);
        cursor = page.nextCursor;
      } catch {
        return; // the live pushes go on; the gap is only in history
      }
    }
  };

  const listener: WatchListener = {
    message: (m) => { addMessage(m); if (m.direction !== 'in' && m.direction !== 'incoming') setStream('complete'); else setStream('idle'); },
    token: (messageId, delta) => token(messageId, delta),
    state: (state) => {
      if (!detail) return;
      detail.state = state as SessionDetail['state'];
      if (state === 'thinking') setStream('thinking');
      drawHeader();
      drawControls();
    },
    intervention: addIntervention,
    refreshed: (d) => show(d),
  };

  transcript.append(h('li', { class: 'muted' }, 'Loading…'));
  live.watch(sessionId, listener).then(show).catch((e: Error) => {
    clear(transcript).append(h('li', { class: 'form-error' }, e instanceof ApiError && e.status === 404 ? 'This session was not found.' : e.message.replace(/^.*HubException: /, '')));
  });
  const ticker = window.setInterval(() => {
    const e = header.querySelector<HTMLElement>('.elapsed');
    if (e) e.textContent = elapsed(e.dataset.started!, Date.now());
  }, 1000);
  const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape' && !document.querySelector('dialog[open]')) close(); };
  document.addEventListener('keydown', onKey);
  return { el, dispose: () => { watching.dispose(); window.clearInterval(ticker); document.removeEventListener('keydown', onKey); endStreaming(); void live.unwatch(sessionId); } };
}
