// Buzz-in ("giành quyền trả lời"): the MC opens the buzzers, the first press takes the floor, the
// MC judges. Its renderers for the team phone (the big button, a press held while offline), the
// MC's control page (open / lock / correct / wrong, the buzz order, the evidence) and the
// projector (who has the floor, by how much, the verdict). State: `state.buzz` (PROTOCOL.md).
import {
  t, h, teamName, questionKey, questionLabel, codeMessage, toast, replayAnimation, formatMs, formatGap,
  formatClock, serverNow, races, raceBuzzes, lockoutMs,
} from '../common.js';

/** Sync pings answered on a new connection before a held buzz is sent (the server's estimate). */
const SYNCS_BEFORE_HELD_BUZZ = 3;
/** …but a held buzz waits at most this long after `welcome` for them. */
const HELD_BUZZ_MAX_WAIT_MS = 1000;
/** A buzz not answered within this is treated as stuck on a dead link. */
const BUZZ_ANSWER_MS = 750;
/** Phases in which the question cannot be left: buzzers open, a buzz being settled, a team answering. */
const BUSY = new Set(['open', 'settling', 'floor']);

/** The buzz-in state of the question on stage, or null. */
function buzzOf(state) {
  return state && state.stage === 'question' && state.buzz ? state.buzz : null;
}

/** A translated text with its key kept on the element, so a language switch re-translates it. */
function label(tag, key, props = {}) {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

// ---- Team phone -------------------------------------------------------------------------------

/**
 * The buzzer. `ctx`: `boxes.top` (notices) and `boxes.input` (the button), `state()`, `stateAt()`,
 * `fresh()` (the state came on the current connection), `team()`, `conn()`, `welcomedAt()`,
 * `mood()` and `render()` of the page.
 */
function phone(ctx) {
  const held = h('p', { id: 'held-buzz', className: 'held-buzz', role: 'status', 'aria-live': 'assertive', hidden: true });
  // The label says what a press does now (render): "BẤM!" only when it takes the floor.
  const buzzLabel = h('span', { className: 'buzz-label', text: t('buzzbtn.wait') });
  const buzzBtn = h('button', { type: 'button', id: 'buzz', className: 'buzz-btn' }, buzzLabel);
  ctx.boxes.top.append(held);
  const buzzArea = h('div', { className: 'buzz-area' }, buzzBtn);
  const buzzHint = label('p', 'join.hint', { className: 'buzz-hint' });
  ctx.boxes.input.append(buzzArea, buzzHint);

  let active = false;
  let lockoutTimer = null; // re-renders when a false-start lockout ends
  let lastPress = 0; // performance.now() of the last buzz, to merge pointer/key/click of one press
  /**
   * The press not answered yet: `{pressedAt, key, wasOpen, offline, id, resent}`. `offline` when
   * pressed without a working connection (held until the socket is back); `id` once sent.
   */
  let buzzRec = null;
  let flushTimer = null;
  let heldResult = null; // {kind, text()} what became of a buzz pressed offline
  let heldResultTimer = null;

  /** How long our buzzer stays locked after an early press (ms, 0 when free). */
  function lockoutLeft() {
    const state = ctx.state();
    if (!state || !state.buzz) return 0;
    const until = Math.max(0, ...(state.buzz.false_starts || [])
      .filter((f) => f.team === ctx.team() && typeof f.locked_until_ms === 'number')
      .map((f) => f.locked_until_ms));
    return Math.max(0, until - serverNow(state, ctx.stateAt()));
  }

  /** How many early presses our team made on the question on stage (the server counts them). */
  function falseStarts(s) {
    if (!s || !s.buzz || !s.buzz.false_starts) return 0;
    return s.buzz.false_starts.filter((f) => f.team === ctx.team()).length;
  }

  /**
   * What the team sees. Follows PROTOCOL.md: open & not tried → press; floor = us → you're
   * first; and so on.
   */
  function derive(state) {
    const myTeam = ctx.team();
    // `label` is a translation key, or [key, params] when the text names a team.
    const view = (name, mood, text, sub = null) => {
      const [key, params] = Array.isArray(text) ? text : [text, {}];
      return { state: name, mood, label: t(key, params), sub: sub ? t(sub) : '' };
    };
    const buzz = state.buzz;
    // Nothing this page knows how to show (a newer server): wait calmly rather than break.
    if (!buzz) return view('waiting', 'pause', 'st.locked_sub', 'st.pause_sub');
    const tried = buzz.tried.includes(myTeam);
    const lost = (buzz.false_starts || []).some((f) => f.team === myTeam && f.lost_question);
    const lockedOut = () => (lost ? view('lost', 'out', 'st.lost', 'st.lost_sub') : view('tried', 'out', 'st.tried', 'st.tried_sub'));
    // Opened while our buzzer is still locked for an early press: say so until it unlocks.
    const canPress = () => (lockoutLeft() > 0 ? view('lockout', 'out', 'st.lockout', 'st.lockout_sub') : view('open', 'open', 'st.open', 'st.open_sub'));
    switch (buzz.phase) {
      case 'open':
        return tried || lost ? lockedOut() : canPress();
      case 'settling': {
        // A buzz arrived; for a split second earlier presses may still overtake it.
        const race = buzz.race || 0;
        const pressed = (buzz.buzzes || []).some((b) => b.team === myTeam && (b.race || 0) === race);
        if (pressed) return view('settling', 'other', 'st.settling', 'st.settling_sub');
        return tried || lost ? lockedOut() : canPress();
      }
      case 'floor': {
        if (buzz.floor === myTeam) return view('first', 'mine', 'st.mine', buzz.time_up ? 'st.mine_time_up' : 'st.mine_sub');
        const other = view('other', 'other', ['st.other', { team: teamName(state, buzz.floor) }], 'st.other_sub');
        // We pressed too, later: by how much ("Chậm hơn 12 ms").
        const mine = raceBuzzes(buzz, buzz.race || 1).find((b) => b.team === myTeam);
        if (mine && typeof mine.gap_ms === 'number') {
          other.sub = t(mine.close ? 'st.behind_close' : 'st.behind', { ms: formatMs(mine.gap_ms) });
          other.behind = true;
        }
        return other;
      }
      case 'locked':
        return tried || lost ? lockedOut() : view('locked', 'idle', 'st.locked', 'st.locked_sub');
      case 'closed': {
        if (buzz.closed_reason === 'no_buzz') return view('time_up', 'idle', 'st.time_up', 'st.time_up_sub');
        if (buzz.closed_reason === 'correct') {
          const winner = [...buzz.judgements].reverse().find((j) => j.verdict === 'correct');
          if (winner && winner.team === myTeam) return view('correct', 'win', 'st.correct_me', 'st.correct_me_sub');
          return view('closed', 'other', ['st.correct_other', { team: teamName(state, winner ? winner.team : '') }]);
        }
        return view('closed', 'idle', 'st.closed', buzz.closed_reason === 'all_tried' ? 'st.all_tried_sub' : 'st.revealed_sub');
      }
      default: // ready
        return tried || lost ? lockedOut() : view('ready', 'idle', 'st.ready', 'st.ready_sub');
    }
  }

  function render(state, view) {
    // A kind built on this one may show no buzzer at all (`noBuzzer`: a team's own Về đích
    // question, a team outside a tie): nothing to press, and no key presses it.
    buzzArea.hidden = Boolean(view.noBuzzer);
    buzzHint.hidden = Boolean(view.noBuzzer);
    clearTimeout(lockoutTimer);
    if (view.state === 'lockout') lockoutTimer = setTimeout(ctx.render, lockoutLeft() + 20);
    buzzBtn.setAttribute('aria-disabled', String(view.mood !== 'open'));
    const [action, key] = buttonLabel(view);
    buzzBtn.dataset.action = action;
    buzzLabel.textContent = t(key);
    buzzBtn.setAttribute('aria-label', t(key));
  }

  /** `[action, translation key]` of the button's label in the view `view` (of any kind built on
   * this one): what pressing it does, or why it does nothing now. */
  function buttonLabel(view) {
    switch (view.mood) {
      case 'open':
        return ['press', 'buzzbtn.press'];
      case 'mine':
        return ['mine', 'buzzbtn.mine'];
      case 'win':
        return ['win', 'buzzbtn.win'];
      case 'other':
        return view.state === 'settling' ? ['pressed', 'buzzbtn.pressed'] : ['other', 'buzzbtn.other'];
      case 'out':
        return view.state === 'lockout' ? ['lockout', 'buzzbtn.lockout'] : ['out', 'buzzbtn.out'];
      default:
        return ['wait', view.state === 'time_up' || view.state === 'closed' ? 'buzzbtn.next' : 'buzzbtn.wait'];
    }
  }

  /**
   * One press, whatever the input: pointer, key, or a click nobody pressed before. `pressedAt` is
   * the event's timeStamp (performance.now() clock): the server compares presses by it, with the
   * clock offset it measured, so a slower Wi-Fi link does not lose the race.
   *
   * Without a working connection the press is held, with its time, and sent once the socket is
   * back and has answered a few clock pings (see flushBuzz); the server then judges it as any
   * other.
   */
  function press(pressedAt) {
    // No button on screen between questions or after the contest: a key press means nothing.
    const mood = ctx.mood();
    if (!active || mood === 'pause' || mood === 'done' || buzzArea.hidden) return;
    const now = performance.now();
    if (now - lastPress < 300) return; // one physical press can arrive as several events
    lastPress = now;
    if (navigator.vibrate) navigator.vibrate(60);
    replayAnimation(buzzBtn, 'pressed');
    // A press still on its way is earlier than this one: it is the one that counts.
    if (buzzRec) return;
    const at = Number.isFinite(pressedAt) && pressedAt > 0 && pressedAt <= now ? pressedAt : now;
    const conn = ctx.conn();
    const state = ctx.state();
    const online = Boolean(conn && conn.connected && ctx.fresh());
    buzzRec = {
      pressedAt: at,
      key: state ? questionKey(state) : null,
      wasOpen: mood === 'open',
      offline: !online,
      id: null,
      resent: false,
    };
    clearHeldResult();
    if (conn) conn.checkAlive(); // a socket silent for a while is replaced at once
    flushBuzz();
    renderHeld();
  }

  /** Sends the pending press when the connection can carry it; see press(). */
  function flushBuzz() {
    clearTimeout(flushTimer);
    const conn = ctx.conn();
    const state = ctx.state();
    if (!buzzRec || buzzRec.id !== null || !conn || !conn.connected || !ctx.fresh()) return;
    // The server turns the press time into its own clock with the estimate from the pings of
    // this connection: give it a few (they come every 100 ms while a question is on stage).
    const waited = performance.now() - ctx.welcomedAt();
    if (conn.syncs < SYNCS_BEFORE_HELD_BUZZ && waited < HELD_BUZZ_MAX_WAIT_MS) {
      flushTimer = setTimeout(flushBuzz, HELD_BUZZ_MAX_WAIT_MS - waited + 5);
      return;
    }
    if (buzzRec.offline) {
      // Pressed for a question that is gone: it must not count for the next one.
      if (buzzRec.key !== null && buzzRec.key !== questionKey(state)) {
        heldDone('refused', () => t('held.question_changed'));
        return;
      }
      // Pressed while the buzzers were open, and the MC locked them meanwhile: sending it now
      // would count as an early press, which it was not.
      const phase = state.buzz ? state.buzz.phase : null;
      if (buzzRec.wasOpen && (phase === 'ready' || phase === 'locked')) {
        heldDone('refused', () => t('held.locked'));
        return;
      }
    }
    const id = conn.send({ type: 'buzz', pressed_at: buzzRec.pressedAt });
    if (id === null) return; // the socket went away: the next connection sends it
    buzzRec.id = id;
    const rec = buzzRec;
    // The answer comes in milliseconds on a LAN. Without one, the link is probably dead although
    // the socket looks open: say so, and replace the socket if it has gone quiet (it is re-sent).
    setTimeout(() => {
      if (buzzRec !== rec || rec.id !== id) return;
      rec.offline = true;
      renderHeld();
      const now = ctx.conn();
      if (now) now.checkAlive(BUZZ_ANSWER_MS);
    }, BUZZ_ANSWER_MS);
    // Never left pending for good.
    setTimeout(() => {
      if (buzzRec === rec && rec.id === id) {
        buzzRec = null;
        renderHeld();
      }
    }, 8000);
    renderHeld();
  }

  /** The server's answer to our buzz. */
  function buzzAnswered(msg) {
    const rec = buzzRec;
    buzzRec = null;
    clearTimeout(flushTimer);
    // Sent again after a drop and the first one had arrived after all: that is a success.
    const arrivedBefore = rec.resent && (msg.code === 'already_buzzed' || msg.code === 'already_has_floor');
    if (msg.type === 'ack' || arrivedBefore) {
      if (rec.offline) heldDone('accepted', () => t('held.accepted'), 4000);
      else renderHeld();
      return;
    }
    replayAnimation(buzzBtn, 'refused');
    if (!rec.offline) {
      toast(codeMessage(msg), 'error', 2500);
      renderHeld();
      return;
    }
    // A press from while the phone was offline: say plainly what became of it (often: too late).
    const snapshot = ctx.state();
    heldDone('refused', () => {
      const buzz = snapshot && snapshot.buzz;
      if (msg.code === 'floor_taken' && buzz && buzz.floor) return t('held.too_late', { team: teamName(snapshot, buzz.floor) });
      if (msg.code === 'buzzers_closed' && buzz && buzz.phase === 'closed') return t('held.closed');
      return t('held.refused', { reason: codeMessage(msg) });
    });
  }

  function heldDone(kind, text, ms = 10000) {
    buzzRec = null;
    clearTimeout(flushTimer);
    clearTimeout(heldResultTimer);
    const state = ctx.state();
    heldResult = { kind, text, key: state ? questionKey(state) : null };
    heldResultTimer = setTimeout(clearHeldResult, ms);
    renderHeld();
  }

  function clearHeldResult() {
    clearTimeout(heldResultTimer);
    heldResult = null;
    renderHeld();
  }

  /** #held-buzz: "Đang kết nối lại — lượt bấm sẽ được gửi", then what became of that press. */
  function renderHeld() {
    let kind = null;
    let text = '';
    if (buzzRec && buzzRec.offline) {
      kind = buzzRec.id === null ? 'waiting' : 'sent';
      text = t(kind === 'waiting' ? 'held.waiting' : 'held.sent');
    } else if (heldResult) {
      kind = heldResult.kind;
      text = heldResult.text();
    }
    held.hidden = !kind;
    held.dataset.held = kind || '';
    held.textContent = text;
  }

  // pointerdown, not click: a click waits for the finger to lift, costing the race.
  buzzBtn.addEventListener('pointerdown', (ev) => {
    if (ev.button > 0) return; // only the primary button / touch
    ev.preventDefault(); // no focus ring flash, no text selection
    press(ev.timeStamp);
  });
  // Keyboard activation and scripted clicks arrive as click without a pointerdown before.
  buzzBtn.addEventListener('click', (ev) => {
    if (performance.now() - lastPress > 1000) press(ev.timeStamp);
  });
  buzzBtn.addEventListener('contextmenu', (ev) => ev.preventDefault()); // long press on phones

  return {
    show(on) {
      active = on;
    },
    derive,
    render,
    onStatus(status) {
      // Sent on a socket that died before answering: it may never have arrived; send it again.
      if (status !== 'connected' && buzzRec && buzzRec.id !== null) {
        buzzRec.id = null;
        buzzRec.resent = true;
        buzzRec.offline = true;
      }
      renderHeld();
    },
    onSync(count) {
      if (buzzRec && count >= SYNCS_BEFORE_HELD_BUZZ) flushBuzz();
    },
    onRendered(prev, next) {
      if (prev && falseStarts(next) > falseStarts(prev)) {
        const latest = next.buzz.false_starts.filter((f) => f.team === ctx.team()).pop();
        const ms = lockoutMs(latest);
        toast(ms === null ? t('st.false_start') : t('st.false_start_locked', { ms: formatMs(ms) }), 'error', 2500);
      }
      if (heldResult && heldResult.key !== questionKey(next)) clearHeldResult();
      flushBuzz();
    },
    onMessage(msg) {
      if (msg.type !== 'ack' && msg.type !== 'rejected') return false;
      if (buzzRec && buzzRec.id !== null && msg.id === buzzRec.id) {
        buzzAnswered(msg);
        return true;
      }
      // Another refusal (the page shows it): the button shakes if it is what the team sees.
      if (msg.type === 'rejected' && active) replayAnimation(buzzBtn, 'refused');
      return false;
    },
    onKey(ev) {
      if (ev.key !== ' ' && ev.key !== 'Enter') return false;
      // Enter/Space on another control (change team, language) keeps its own meaning.
      if (ev.target.closest && ev.target.closest('button, input, a') && ev.target !== buzzBtn) return false;
      ev.preventDefault();
      press(ev.timeStamp);
      return true;
    },
    onLang: renderHeld,
    /** The page left the team (another team, a refused phone): nothing held is sent any more. */
    reset() {
      buzzRec = null;
      clearTimeout(flushTimer);
      clearHeldResult();
    },
  };
}

// ---- MC control page --------------------------------------------------------------------------

/** How far (beyond the clock's error) a press may be moved from its claim before it earns a ⚠. */
const UNUSUAL_MOVE_MS = 5;

/**
 * Whether a buzz earns the MC's ⚠: its press was moved further from the phone's claim than the
 * clock estimate can be wrong (half its round trip) plus 5 ms. A claim a fraction of a
 * millisecond after its arrival, or before the opening, is the clock estimate's rounding on an
 * ordinary buzz; a claim moved by tens of milliseconds is a stalled or tampered phone. The
 * evidence dialog lists every clamp.
 */
export function unusualBuzz(b) {
  if (!b.clamp) return false;
  const numbers = [b.claimed_ms, b.offset_ms, b.press_ms];
  if (!numbers.every((x) => typeof x === 'number')) return true; // no evidence to clear it
  const moved = Math.abs(b.press_ms - (b.claimed_ms - b.offset_ms));
  const error = typeof b.round_trip_ms === 'number' ? b.round_trip_ms / 2 : 0;
  return moved > error + UNUSUAL_MOVE_MS;
}

/** Why the buzzers cannot open now (null without a buzz question: the page says it generally). */
function whyNotOpen(s) {
  switch (buzzOf(s) ? s.buzz.phase : null) {
    case 'open': return t('why.already_open');
    case 'settling': return t('why.settling');
    case 'floor': return t('why.floor_open');
    case 'closed': return t('why.closed');
    default: return null;
  }
}

/** Why there is nothing to judge now. */
function whyNotJudge(s) {
  switch (buzzOf(s) ? s.buzz.phase : null) {
    case 'settling': return t('why.settling');
    case 'closed': return t('why.closed');
    case null: return null;
    default: return t('why.no_floor');
  }
}

/**
 * The buzz-in part of the control page. `ctx`: `boxes.status` (in the status card),
 * `boxes.statusTop` (beside the phase), `boxes.dialogs`, and `state()`.
 */
function control(ctx) {
  const phase = (s) => (buzzOf(s) ? s.buzz.phase : null);
  const floor = h('div', { id: 'floor', className: 'floor' });
  const order = h('div', { id: 'buzz-order', className: 'buzz-order' });
  const judgements = h('ol', { id: 'judgements', className: 'plain-list' });
  const falseStartsBox = h('div', { id: 'false-starts-box', hidden: true },
    label('div', 'control.false_starts', { className: 'label label-gap' }),
    h('ul', { id: 'false-starts', className: 'plain-list' }));
  ctx.boxes.status.append(h('div', { id: 'buzz-status', className: 'status-grid' },
    h('div', {}, label('div', 'control.floor', { className: 'label' }), floor),
    h('div', {}, label('div', 'control.buzz_order', { className: 'label' }), order),
    h('div', {}, label('div', 'control.judgements', { className: 'label' }), judgements, falseStartsBox)));

  const evidenceBtn = h('button', {
    type: 'button', id: 'btn-evidence', className: 'btn-evidence', 'aria-haspopup': 'dialog', 'aria-controls': 'evidence',
  }, label('span', 'btn.evidence'), h('kbd', { text: 'E' }));
  ctx.boxes.statusTop.append(evidenceBtn);

  // The buzz evidence of the question on stage: what the MC opens when a team disputes a verdict.
  const evidence = h('dialog', { id: 'evidence', className: 'evidence-dialog', 'aria-labelledby': 'evidence-title' });
  const evidenceQuestion = h('div', { id: 'evidence-question', className: 'evidence-question' });
  const evidenceClose = label('button', 'ev.close', { type: 'button', id: 'evidence-close', className: 'btn-secondary' });
  const evidenceBody = h('div', { id: 'evidence-body', className: 'evidence-body' });
  evidence.append(
    h('header', { className: 'evidence-head' },
      h('div', {}, label('h2', 'ev.title', { id: 'evidence-title' }), evidenceQuestion),
      evidenceClose),
    label('p', 'ev.explain', { className: 'evidence-explain' }),
    evidenceBody);
  ctx.boxes.dialogs.append(evidence);
  let evidenceKey = null; // what the open evidence panel shows, to leave it alone when nothing changed

  function openEvidence() {
    const state = ctx.state();
    if (!buzzOf(state) || evidence.open) return;
    evidence.showModal();
    evidenceKey = null;
    renderEvidence();
    evidenceClose.focus();
  }
  evidenceBtn.addEventListener('click', openEvidence);
  evidenceClose.addEventListener('click', () => evidence.close());
  // A click on the backdrop (outside the panel's box) closes it too.
  evidence.addEventListener('click', (ev) => {
    if (ev.target !== evidence) return;
    const r = evidence.getBoundingClientRect();
    if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) evidence.close();
  });

  /**
   * Buzzes of each opening of the buzzers ("race"), fastest first, with the gap to the fastest
   * so the MC can answer "who was first?" with evidence (e.g. "+12 ms", "close call").
   */
  function buzzOrder(state, buzz) {
    const list = races(buzz);
    if (!list.length) return [h('p', { className: 'none', text: t('control.none') })];
    return list.flatMap((race) => [
      list.length > 1 ? h('div', { className: 'race', text: t('control.race', { n: race }) }) : null,
      h('ol', { className: 'plain-list' }, raceBuzzes(buzz, race).map((b) => h('li', {},
        teamName(state, b.team),
        typeof b.gap_ms === 'number' && b.rank > 1 ? h('span', { className: 'gap', text: ` ${formatGap(b.gap_ms)}` }) : null,
        b.close ? h('span', { className: 'close-tag', text: t('control.close_call') }) : null,
        unusualBuzz(b) ? h('span', { className: 'clamp-mark', title: t(`clamp.${b.clamp}`), 'aria-label': t('control.clamped'), text: ' ⚠' }) : null))),
    ]).filter(Boolean);
  }

  /**
   * Early presses, one line per team: "Đội X (khóa 250 ms)" or "Đội X (mất quyền trả lời)", with
   * "×3" when the team kept pressing.
   */
  function falseStartLines(state, buzz) {
    const byTeam = new Map();
    for (const f of buzz.false_starts || []) {
      const entry = byTeam.get(f.team) || { count: 0, lost: false, last: f };
      entry.count += 1;
      entry.lost = entry.lost || f.lost_question;
      entry.last = f;
      byTeam.set(f.team, entry);
    }
    return [...byTeam].map(([team, { count, lost, last }]) => {
      const name = teamName(state, team);
      const text = lost ? t('control.fs_lost', { team: name }) : t('control.fs_lock', { team: name, ms: formatMs(lockoutMs(last)) });
      return h('li', { className: lost ? 'lost' : '', dataset: { team } },
        text, count > 1 ? h('span', { className: 'fs-count', text: t('control.fs_times', { n: count }) }) : null);
    });
  }

  /**
   * Every race (opening of the buzzers) of the question on stage and every buzz in it, earliest
   * press first, with the numbers the verdict was made from; then the early presses.
   */
  function renderEvidence() {
    const state = ctx.state();
    if (!evidence.open || !state) return;
    const buzz = buzzOf(state);
    const key = JSON.stringify([document.documentElement.lang, questionKey(state),
      buzz && buzz.buzzes, buzz && buzz.false_starts, state.teams.map((x) => x.name)]);
    if (key === evidenceKey) return; // the link table's updates do not disturb the reader
    evidenceKey = key;
    evidenceQuestion.textContent = state.question ? questionLabel(state) : '';
    if (!buzz) {
      evidenceBody.replaceChildren(h('p', { className: 'none', text: t('ev.no_question') }));
      return;
    }
    const parts = [];
    const list = races(buzz);
    parts.push(list.length ? raceTable(state, buzz, list) : h('p', { className: 'none', text: t('ev.none') }));
    const falseStarts = buzz.false_starts || [];
    if (falseStarts.length) {
      parts.push(h('h3', { className: 'ev-race ev-fs', text: t('ev.false_starts') }));
      parts.push(h('table', { className: 'ev-table ev-fs-table' },
        h('thead', {}, h('tr', {},
          h('th', { text: t('ev.col_team') }), h('th', { text: t('ev.col_time') }), h('th', { text: t('ev.col_penalty') }))),
        h('tbody', {}, falseStarts.map((f) => h('tr', { className: f.lost_question ? 'lost' : '' },
          h('td', { className: 'ev-team', text: teamName(state, f.team) }),
          h('td', { className: 'num', text: formatClock(f.at_ms) }),
          h('td', {
            text: f.lost_question ? t('ev.lost_question')
              : t('ev.locked_until', { time: formatClock(f.locked_until_ms), ms: formatMs(lockoutMs(f)) }),
          }))))));
    }
    evidenceBody.replaceChildren(...parts);
  }

  /** One table for all races (aligned columns), a heading row per race. */
  function raceTable(state, buzz, list) {
    const ms = (value, sign = false) => formatMs(value, { decimals: 1, sign });
    const cols = ['ev.col_rank', 'ev.col_team', 'ev.col_gap', 'ev.col_press', 'ev.col_arrived', 'ev.col_delay',
      'ev.col_claimed', 'ev.col_offset', 'ev.col_rtt', 'ev.col_allowance', 'ev.col_notes'];
    const numeric = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9]);
    return h('table', { className: 'ev-table' },
      h('thead', {}, h('tr', {}, cols.map((key, i) => h('th', { className: numeric.has(i) ? 'num' : null, text: t(key) })))),
      list.map((race) => h('tbody', { dataset: { race } },
        h('tr', { className: 'ev-race-row' }, h('th', { colspan: String(cols.length), scope: 'rowgroup', text: t('control.race', { n: race }) })),
        raceBuzzes(buzz, race).map((b) => {
          const claimed = typeof b.claimed_ms === 'number';
          return h('tr', { className: b.rank === 1 ? 'ev-first' : null, dataset: { team: b.team, rank: b.rank } },
            h('td', { className: 'num ev-rank', text: String(b.rank) }),
            h('td', { className: 'ev-team' }, h('span', { className: 'ev-name', text: teamName(state, b.team) }),
              b.rank === 1 ? h('span', { className: 'first-tag', text: t('ev.first') }) : null),
            h('td', { className: 'num ev-gap', text: b.rank === 1 ? ms(0) : ms(b.gap_ms, true) }),
            h('td', { className: 'num', text: formatClock(b.press_ms) }),
            h('td', { className: 'num', text: formatClock(b.arrived_ms) }),
            h('td', { className: 'num', text: ms(b.arrived_ms - b.press_ms) }),
            h('td', { className: 'num', text: claimed ? ms(b.claimed_ms) : '—' }),
            h('td', { className: 'num', text: ms(b.offset_ms) }),
            h('td', { className: 'num', text: ms(b.round_trip_ms) }),
            h('td', { className: 'num', text: ms(b.allowance_ms) }),
            h('td', { className: 'ev-notes' },
              b.close ? h('span', { className: 'close-tag', text: t('control.close_call') }) : null,
              b.clamp ? h('span', { className: 'clamp-tag', text: t(`clamp.${b.clamp}`) }) : null,
              claimed ? null : h('span', { className: 'ev-note', text: t('ev.no_claim') })));
        }))));
  }

  return {
    /** The buttons of the action bar while a buzz-in round is played. */
    actions: [
      { id: 'btn-open', cmd: { type: 'open_buzzers' }, label: 'btn.open', key: 'o', className: 'act-open',
        enabled: (s) => phase(s) === 'ready' || phase(s) === 'locked', why: whyNotOpen },
      { id: 'btn-lock', cmd: { type: 'lock_buzzers' }, label: 'btn.lock', key: 'l', className: 'act-lock',
        enabled: (s) => phase(s) === 'open', why: (s) => (phase(s) ? t('why.not_open') : null) },
      { id: 'btn-correct', cmd: { type: 'judge', verdict: 'correct' }, label: 'btn.correct', key: 'c', className: 'act-correct',
        enabled: (s) => phase(s) === 'floor', why: whyNotJudge },
      { id: 'btn-wrong', cmd: { type: 'judge', verdict: 'wrong' }, label: 'btn.wrong', key: 'w', className: 'act-wrong',
        enabled: (s) => phase(s) === 'floor', why: whyNotJudge },
    ],
    /** The server refuses to move on while the buzzers are open, a buzz settles or a team answers. */
    busy: (s) => BUSY.has(phase(s)),
    /** Moving on from a question nobody has closed loses it for good: the MC confirms. */
    unfinished: (s) => Boolean(buzzOf(s)) && s.buzz.phase !== 'closed',
    canReveal: (s) => phase(s) !== 'floor' && phase(s) !== 'settling',
    revealLabel: 'btn.reveal',
    /** The status card's first line: the phase and what to do next. */
    status(s) {
      const buzz = buzzOf(s);
      if (!buzz) return null;
      // An unknown phase (newer server) shows its raw name rather than a translation key.
      const tr = (key, fallback) => (t(key) === key ? fallback : t(key));
      let text = tr(`phase.${buzz.phase}`, buzz.phase);
      if (buzz.phase === 'floor' && buzz.time_up) text = t('phase.floor_time_up');
      if (buzz.phase === 'closed' && buzz.closed_reason) text += ` — ${t(`reason.${buzz.closed_reason}`)}`;
      return { phase: buzz.phase, text, hint: tr(`hint.${buzz.phase}`, '') };
    },
    render(s) {
      const buzz = buzzOf(s);
      evidenceBtn.disabled = !buzz;
      if (!buzz) {
        renderEvidence();
        return;
      }
      floor.textContent = buzz.floor ? teamName(s, buzz.floor) : t('control.nobody');
      floor.classList.toggle('active', Boolean(buzz.floor));
      order.replaceChildren(...buzzOrder(s, buzz));
      falseStartsBox.hidden = !(buzz.false_starts && buzz.false_starts.length);
      falseStartsBox.querySelector('#false-starts').replaceChildren(...falseStartLines(s, buzz));
      const verdicts = buzz.judgements.map((j) =>
        h('li', { className: `verdict-${j.verdict}` },
          h('span', { className: 'verdict-mark', text: j.verdict === 'correct' ? '✓' : '✗' }),
          ` ${teamName(s, j.team)} — ${t(`verdict.${j.verdict}`)}`));
      judgements.replaceChildren(...(verdicts.length ? verdicts : [h('li', { className: 'none', text: t('control.none') })]));
      renderEvidence();
    },
    /** A team's cell in the scoreboard's "this question" column. */
    teamStatus(s, team) {
      const buzz = buzzOf(s);
      if (!buzz) return null;
      if (buzz.floor === team.id) return { text: t('control.has_floor'), className: 'st-floor' };
      if (buzz.tried.includes(team.id)) return { text: t('control.tried'), className: 'st-tried' };
      if ((buzz.false_starts || []).some((f) => f.team === team.id && f.lost_question)) {
        return { text: t('control.lost'), className: 'st-tried' };
      }
      return null;
    },
    onKey(ev) {
      if (ev.key.toLowerCase() !== 'e') return false;
      ev.preventDefault();
      openEvidence();
      return true;
    },
    onLang() {
      evidenceKey = null;
    },
  };
}

// ---- Projector --------------------------------------------------------------------------------

/**
 * Who has the floor, large, and the next presses of the race with their gaps; the verdict full
 * screen. `ctx`: `boxes.stage` (under the question), `showVerdict(team, verdict, delta)` and
 * `flash()` of the page.
 */
function screen(ctx) {
  const floorTeam = h('div', { id: 'floor-team', className: 'floor-team' });
  const raceOrderBox = h('div', { id: 'race-order', className: 'race-order' });
  const floorBox = h('div', { id: 'floor-box', className: 'floor-box' },
    label('div', 'screen.floor', { className: 'floor-label' }), floorTeam, raceOrderBox);
  ctx.boxes.stage.append(floorBox);

  /**
   * The next presses of the race the floor team won, with their gaps: "2. Đội B +12 ms",
   * "3. Đội C +0,8 ms  sát nút". Shows the audience the result was close, and fair.
   */
  function raceOrder(state, buzz) {
    return raceBuzzes(buzz, buzz.race || 1)
      .filter((b) => b.team !== buzz.floor && typeof b.gap_ms === 'number')
      .slice(0, 3)
      .map((b) => h('span', { className: 'ro-item', dataset: { team: b.team } },
        h('span', { className: 'ro-rank', text: `${b.rank}.` }),
        h('span', { className: 'ro-name', text: teamName(state, b.team) }),
        h('span', { className: 'ro-gap', text: formatGap(b.gap_ms) }),
        b.close ? h('span', { className: 'ro-close', text: t('screen.close_call') }) : null));
  }

  return {
    /** Renders the floor; returns the pill (what is going on) and the result line. */
    render(state) {
      const buzz = buzzOf(state);
      const floor = buzz && buzz.floor ? teamName(state, buzz.floor) : '';
      floorTeam.textContent = floor;
      floorTeam.dataset.size = floor.length > 32 ? 's' : floor.length > 20 ? 'm' : 'l';
      floorBox.classList.toggle('active', Boolean(floor));
      // The team's own colour (the projector's palette), as on its scoreboard row.
      floorBox.style.setProperty('--team', buzz && buzz.floor && ctx.teamColor ? ctx.teamColor(buzz.floor) : 'transparent');
      floorBox.classList.toggle('time-up', Boolean(buzz && buzz.time_up));
      raceOrderBox.replaceChildren(...(buzz && buzz.floor ? raceOrder(state, buzz) : []));

      // One short line saying what is going on, in the audience's words.
      let pill = '';
      let result = '';
      if (buzz) {
        switch (buzz.phase) {
          case 'ready': pill = t('screen.ready'); break;
          case 'open': pill = t('screen.open'); break;
          // At most 100 ms while near-simultaneous presses are compared: the same pill, calmer.
          case 'settling': pill = t('screen.settling'); break;
          case 'floor': pill = buzz.time_up ? t('screen.time_up') : ''; break;
          case 'locked': pill = t('screen.locked'); break;
          case 'closed':
            if (buzz.closed_reason === 'correct') {
              const winner = [...buzz.judgements].reverse().find((j) => j.verdict === 'correct');
              result = winner ? t('screen.correct_by', { team: teamName(state, winner.team) }) : '';
            } else if (buzz.closed_reason === 'no_buzz') {
              result = t('screen.no_buzz');
            } else if (buzz.closed_reason === 'all_tried') {
              result = t('screen.all_tried');
            }
            break;
          default: break;
        }
      }
      return { pill, phase: buzz ? buzz.phase : '', result, reason: buzz && buzz.closed_reason ? buzz.closed_reason : '' };
    },
    /** Scoreboard marks of a team: it has the floor; it answered wrong or lost the question. */
    rowMarks(state, teamId) {
      const buzz = buzzOf(state);
      if (!buzz) return [];
      const lost = (buzz.false_starts || []).some((f) => f.team === teamId && f.lost_question);
      return [buzz.floor === teamId && 'floor', (buzz.tried.includes(teamId) || lost) && 'tried'].filter(Boolean);
    },
    animate(prev, next) {
      if (!prev || !next.buzz) return;
      const sameQuestion = questionKey(prev) === questionKey(next);
      // A team just buzzed in: zoom its name and flash the stage.
      if (next.buzz.floor && !(prev.buzz && prev.buzz.floor)) {
        replayAnimation(floorBox, 'buzzed');
        ctx.flash();
      }
      // A new judgement on the same question: full-screen verdict. (Undo shrinks the list: no flash.)
      const before = sameQuestion && prev.buzz ? prev.buzz.judgements.length : 0;
      if (sameQuestion && next.buzz.judgements.length > before) {
        const judgement = next.buzz.judgements[next.buzz.judgements.length - 1];
        const score = (s) => (s.teams.find((x) => x.id === judgement.team) || { score: 0 }).score;
        ctx.showVerdict(judgement.team, judgement.verdict, score(next) - score(prev));
      }
    },
  };
}

export default {
  name: 'buzz_in',
  /** The countdown: the buzz window while open, then the floor team's answer time. */
  timer: buzzOf,
  phone,
  control,
  screen,
};
