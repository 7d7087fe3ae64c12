// Team page: pick the team and type its join code (or open the link of its QR code), then a
// full-screen buzzer whose colour and label say at a glance whether to press. The phone keeps the
// device token the server gives it and rejoins with it by itself, within a second of its network
// coming back.
import {
  t, setupI18n, onLangChange, connect, connectionIndicator, createBarCountdown,
  h, teamName, rankTeams, prizeName, questionLabel, questionKey, codeMessage, toast, clearToasts,
  replayAnimation, formatMs, serverNow, raceBuzzes, lockoutMs, normalizeJoinCode, checkJoinCode,
  choiceOf, optionText, optionLetter,
} from './common.js';

/** `{team, device}`: the device token of this phone, from the `welcome` of its first join. */
const DEVICE_KEY = 'stagebuzz.device';
/** Before join codes the page kept only the chosen team id; it still preselects that team. */
const OLD_TEAM_KEY = 'stagebuzz.team';
/** Sync pings answered on a new connection before a held buzz is sent (the server's estimate). */
const SYNCS_BEFORE_HELD_BUZZ = 3;
/** …but a held buzz waits at most this long after `welcome` for them. */
const HELD_BUZZ_MAX_WAIT_MS = 1000;
/** A buzz not answered within this is treated as stuck on a dead link. */
const BUZZ_ANSWER_MS = 750;
const $ = (id) => document.getElementById(id);

let conn = null; // connect() handle while joining or joined
let identity = loadIdentity(); // {team, device} once joined
let joining = null; // {team, code, fromLink} while joining with a code (memory only)
let linkJoin = null; // {team, code} of the QR link opened, to fall back on if the stored token fails
let myTeam = identity ? identity.team : null; // team id shown on the buzzer
let state = null; // latest `state`
let stateAt = 0; // performance.now() when it arrived
let stateFresh = false; // `state` came on the current connection (not left from before a drop)
let welcomedAt = 0; // performance.now() of the last `welcome`
let lockoutTimer = null; // re-renders when a false-start lockout ends
let lastPress = 0; // performance.now() of the last buzz, to merge pointer/key/click of one press
let pickerTimer = null;
let pickerTeams = null; // teams from /api/state, for re-rendering on language switch
let pickerNote = null; // translation key of the note above the team list
let codeTeam = null; // team whose join code is being asked
let codeError = null; // () => text of the error under the code field
let noticeKey = null; // translation key of #notice (e.g. team full)
let changeArmedUntil = 0; // "tap again to change team" window
let throttledUntil = 0; // performance.now() until which the server reads no join code from us
let throttleTimer = null; // ticks the wait down, then lets the team try again
/**
 * The press not answered yet: `{pressedAt, key, wasOpen, offline, id, resent, timer}`. `offline`
 * when pressed without a working connection (held until the socket is back); `id` once sent.
 */
let buzzRec = null;
let flushTimer = null;
let heldResult = null; // {kind, text()} what became of a buzz pressed offline
let heldResultTimer = null;
/**
 * Multiple choice: the option tapped and sent, `{option, id, key}`, shown as chosen until the
 * server's state says so (or refuses it).
 */
let choosing = null;
let lastTap = null; // {option, at}: the pointerdown of a tap, so that its click is not sent again
let optionsKey = null; // what #options holds, to rebuild the buttons only for a new question

setupI18n();
const setBuzzerConn = connectionIndicator($('conn'));
const setPickerConn = connectionIndicator($('picker-conn'));

function setConnStatus(s) {
  setBuzzerConn(s);
  setPickerConn(s);
}

// ---- Device token -----------------------------------------------------------------------------

function loadIdentity() {
  try {
    const saved = JSON.parse(localStorage.getItem(DEVICE_KEY) || 'null');
    if (saved && typeof saved.team === 'string' && typeof saved.device === 'string' && saved.device) return saved;
  } catch {
    // Damaged or unavailable: join again.
  }
  return null;
}

function saveIdentity(next) {
  identity = next;
  try {
    localStorage.setItem(DEVICE_KEY, JSON.stringify(next));
    localStorage.removeItem(OLD_TEAM_KEY);
  } catch {
    // Not remembered across reloads (private mode); this page still works.
  }
}

function forgetIdentity() {
  identity = null;
  try {
    localStorage.removeItem(DEVICE_KEY);
    localStorage.removeItem(OLD_TEAM_KEY);
  } catch {
    // Nothing remembered anyway.
  }
}

// ---- Connection -------------------------------------------------------------------------------

/** Opens the team socket: `hello` with the device token once there is one, else with the code. */
function openConnection() {
  if (conn) conn.close();
  state = null;
  stateFresh = false;
  conn = connect({
    role: 'team',
    // A code being tried wins over a token kept from another team (a QR code of a new team).
    hello: () => (joining ? { team: joining.team, code: joining.code } : identity ? { device: identity.device } : {}),
    fastRetry: true,
    watchdogMs: 2500,
    onStatus: (s) => {
      setConnStatus(s);
      if (s === 'connected') {
        welcomedAt = performance.now();
      } else {
        stateFresh = false;
        choosing = null; // the server's state will say what it got
        // Sent on a socket that died before answering: it may never have arrived; send it again.
        if (buzzRec && buzzRec.id !== null) {
          buzzRec.id = null;
          buzzRec.resent = true;
          buzzRec.offline = true;
        }
      }
      renderHeld();
      render();
    },
    onSync: (count) => {
      if (buzzRec && count >= SYNCS_BEFORE_HELD_BUZZ) flushBuzz();
    },
    onState: (s, receivedAt) => {
      const before = stateFresh ? state : null;
      state = s;
      stateAt = receivedAt;
      stateFresh = true;
      settleChoosing();
      countdown.update(s, receivedAt);
      render();
      if (before && falseStarts(s) > falseStarts(before)) {
        const latest = s.buzz.false_starts.filter((f) => f.team === myTeam).pop();
        const ms = lockoutMs(latest);
        toast(ms === null ? t('st.false_start') : t('st.false_start_locked', { ms: formatMs(ms) }), 'error', 2500);
      }
      if (heldResult && heldResult.key !== questionKey(s)) clearHeldResult();
      flushBuzz();
    },
    onMessage,
  });
}

function onMessage(msg) {
  if (msg.type === 'welcome') {
    if (msg.device) saveIdentity({ team: msg.team, device: msg.device });
    myTeam = msg.team || myTeam;
    joining = null;
    linkJoin = null;
    setNotice(null);
    if ($('buzzer').hidden) showBuzzer();
    return;
  }
  if (buzzRec && buzzRec.id !== null && msg.id === buzzRec.id && (msg.type === 'ack' || msg.type === 'rejected')) {
    buzzAnswered(msg);
    return;
  }
  if (choosing && msg.id === choosing.id && (msg.type === 'ack' || msg.type === 'rejected')) {
    if (msg.type === 'rejected') {
      choosing = null;
      render();
      toast(codeMessage(msg), 'error', 2500);
    }
    return;
  }
  if (msg.type !== 'error') {
    if (msg.type === 'rejected') {
      toast(codeMessage(msg), 'error', 2500);
      replayAnimation($('buzz'), 'refused');
    }
    return;
  }
  switch (msg.code) {
    case 'bad_code': {
      // The code was wrong: ask again (a QR code from before the MC changed the code lands here).
      const tried = joining || { team: codeTeam, fromLink: false };
      dropConnection();
      joining = null;
      // A typed code stays (selected) to be corrected; one from a link is never shown.
      showCodeStep(tried.team, { error: tried.fromLink ? 'join.bad_link_code' : 'join.bad_code', keepCode: !tried.fromLink });
      break;
    }
    case 'throttled': {
      // Too many wrong codes from this network (maybe not ours: phones behind one router share
      // an address). The server did not read this code; knocking again before the wait is over
      // would not be read either, so wait as told, then try again.
      const tried = joining || { team: codeTeam, fromLink: false };
      dropConnection();
      joining = null;
      waitBeforeJoining(tried, msg.retry_after_ms);
      break;
    }
    case 'unknown_team':
      // The team left the contest (a code join keeps the token of this phone's own team).
      dropConnection();
      if (!joining) forgetIdentity();
      joining = null;
      showPicker('join.team_gone');
      break;
    case 'unknown_device':
    case 'device_revoked':
    case 'device_refused':
      // This phone's token is no good any more: forget it, and join again like a new phone.
      dropConnection();
      forgetIdentity();
      if (linkJoin) joinWithCode(linkJoin.team, linkJoin.code, true);
      else showPicker(`err.${msg.code}`);
      break;
    case 'team_full':
      if (joining) {
        // A new phone: stop (every try with the code registers a phone for the MC).
        const tried = joining;
        dropConnection();
        joining = null;
        showCodeStep(tried.team, { error: 'err.team_full', keepCode: !tried.fromLink });
      } else {
        // A known phone: its own old connection may not have timed out yet; the socket retries.
        setNotice('join.team_full_wait');
      }
      break;
    default:
      toast(codeMessage(msg), 'error', 3500);
  }
}

function dropConnection() {
  if (conn) conn.close();
  conn = null;
  state = null;
  stateFresh = false;
  buzzRec = null;
  clearTimeout(flushTimer);
  clearHeldResult();
  renderHeld();
}

function setNotice(key) {
  noticeKey = key;
  $('notice').hidden = !key;
  $('notice').textContent = key ? t(key) : '';
}

// ---- Step 1: team list ----------------------------------------------------------------------

function showPicker(noteKey = null) {
  pickerNote = noteKey;
  codeTeam = null;
  document.body.dataset.mood = 'idle';
  document.title = t('join.title');
  $('buzzer').hidden = true;
  $('picker').hidden = false;
  $('choose-step').hidden = false;
  $('code-step').hidden = true;
  $('picker-conn').hidden = true;
  renderPickerNote();
  loadTeams();
}

async function loadTeams() {
  clearTimeout(pickerTimer);
  try {
    const res = await fetch('/api/state', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    pickerTeams = data.teams;
    $('contest-title').textContent = data.title;
    if (pickerNote === 'join.load_failed' || pickerNote === 'join.loading') pickerNote = null;
  } catch {
    if (!pickerTeams) pickerNote = pickerNote || 'join.load_failed';
  }
  renderPickerNote();
  renderTeamList();
  renderCodeTeam();
  // Refresh "joined" marks while the team is choosing.
  if (!$('picker').hidden && !$('choose-step').hidden) pickerTimer = setTimeout(loadTeams, 3000);
}

function renderPickerNote() {
  const key = pickerNote || (pickerTeams ? (pickerTeams.length ? null : 'join.no_teams') : 'join.loading');
  $('picker-note').textContent = key ? t(key) : '';
  $('picker-note').classList.toggle('alert', Boolean(pickerNote && pickerNote.startsWith('err.')));
}

function renderTeamList() {
  if (!pickerTeams) return;
  const buttons = pickerTeams.map((team) =>
    h('button', { type: 'button', className: 'team-choice', dataset: { team: team.id } },
      h('span', { className: 'team-choice-name', text: team.name }),
      h('span', {
        className: `team-choice-status ${team.devices > 0 ? 'joined' : ''}`,
        text: team.devices > 0 ? t('join.joined', { n: team.devices }) : t('join.not_joined'),
      })));
  $('team-list').replaceChildren(...buttons);
}

$('team-list').addEventListener('click', (ev) => {
  const btn = ev.target.closest('[data-team]');
  if (!btn) return;
  pickerNote = null;
  showCodeStep(btn.dataset.team);
});

// ---- Step 1b: the team's join code ------------------------------------------------------------

/**
 * Asks for `teamId`'s join code. `error`: translation key shown under the field; `busy`: a join
 * is under way (from a QR link: nothing to type).
 */
function showCodeStep(teamId, { error = null, busy = false, keepCode = false } = {}) {
  clearTimeout(pickerTimer);
  codeTeam = teamId;
  document.body.dataset.mood = 'idle';
  $('buzzer').hidden = true;
  $('picker').hidden = false;
  $('choose-step').hidden = true;
  $('code-step').hidden = false;
  $('picker-conn').hidden = !busy;
  if (!keepCode) $('join-code').value = '';
  setCodeError(error ? () => t(error) : null);
  setCodeBusy(busy);
  if (!error && !busy && throttleLeft() > 0) setCodeError(() => t('join.throttled', { n: throttleSeconds() }));
  renderCodeTeam();
  if (!pickerTeams) loadTeams();
  if (!busy) {
    $('join-code').focus();
    if (keepCode) $('join-code').select();
  }
}

function renderCodeTeam() {
  if (!codeTeam) return;
  const known = pickerTeams && pickerTeams.find((x) => x.id === codeTeam);
  $('code-team').textContent = known ? known.name : codeTeam;
}

function setCodeError(text) {
  codeError = text;
  $('join-error').hidden = !text;
  $('join-error').textContent = text ? text() : '';
  $('join-code').setAttribute('aria-invalid', String(Boolean(text)));
}

function setCodeBusy(busy) {
  $('join-code').readOnly = busy;
  $('join-submit').disabled = busy || throttleLeft() > 0;
  $('join-submit').textContent = t(busy ? 'join.joining' : 'join.submit');
  $('code-step').classList.toggle('busy', busy);
}

/** Milliseconds until the server reads a join code from this phone again. */
function throttleLeft() {
  return Math.max(0, throttledUntil - performance.now());
}

function throttleSeconds() {
  return Math.max(1, Math.ceil(throttleLeft() / 1000));
}

/**
 * The server held `tried` back (too many wrong codes from this network): show the wait counting
 * down with the submit button off, then let the team press again, or, for a QR link (nothing to
 * type), try its code again by itself once.
 */
function waitBeforeJoining(tried, retryAfterMs) {
  // An older server without the field: a wait as long as its longest.
  const wait = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 30000;
  throttledUntil = performance.now() + wait;
  showCodeStep(tried.team, { keepCode: !tried.fromLink });
  clearTimeout(throttleTimer);
  const tick = () => {
    const left = throttleLeft();
    // Only the code step, when no join is under way, shows the wait.
    const shown = !$('code-step').hidden && !$('join-code').readOnly;
    const again = tried.fromLink && tried.code && codeTeam === tried.team;
    if (left > 0) {
      // A typing mistake in the field is the more useful message meanwhile.
      if (shown && !checkJoinCode($('join-code').value, { partial: true })) {
        setCodeError(() => t(again ? 'join.throttled_link' : 'join.throttled', { n: throttleSeconds() }));
      }
      if (shown) $('join-submit').disabled = true;
      throttleTimer = setTimeout(tick, left % 1000 || 1000);
      return;
    }
    throttleTimer = null;
    if (!shown) return; // the wait is over: the code step enables its button when shown again
    if (!checkJoinCode($('join-code').value, { partial: true })) setCodeError(null);
    setCodeBusy(false);
    if (again) joinWithCode(tried.team, tried.code, true);
  };
  tick();
}

/** Joins `teamId` with `code` as a new phone; `welcome` brings the buzzer up. */
function joinWithCode(teamId, code, fromLink = false) {
  dropConnection();
  joining = { team: teamId, code, fromLink };
  myTeam = teamId;
  showCodeStep(teamId, { busy: true, keepCode: !fromLink });
  openConnection();
}

// Codes are typed in capitals; a Vietnamese keyboard (Telex, VNI) would turn "AA" into "Â".
$('join-code').addEventListener('input', (ev) => {
  if (ev.isComposing) return; // an input method is still composing: leave its text alone
  const input = $('join-code');
  const upper = input.value.toUpperCase();
  if (upper !== input.value) {
    const caret = input.selectionStart;
    input.value = upper;
    input.setSelectionRange(caret, caret);
  }
  const problem = checkJoinCode(input.value, { partial: true });
  if (problem) setCodeError(() => t(problem.key, problem.params));
  else setCodeError(throttleLeft() > 0 ? () => t('join.throttled', { n: throttleSeconds() }) : null);
});

$('code-step').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (!codeTeam || $('join-submit').disabled) return;
  const problem = checkJoinCode($('join-code').value);
  if (problem) {
    setCodeError(() => t(problem.key, problem.params));
    $('join-code').focus();
    return;
  }
  joinWithCode(codeTeam, normalizeJoinCode($('join-code').value));
});

$('code-back').addEventListener('click', () => {
  dropConnection();
  joining = null;
  showPicker();
});

// ---- Step 2: buzzer -------------------------------------------------------------------------

function showBuzzer() {
  clearTimeout(pickerTimer);
  codeTeam = null;
  $('join-code').value = '';
  $('picker').hidden = true;
  $('buzzer').hidden = false;
  // Until the first state arrives, show the name we saw in the list.
  const known = pickerTeams && pickerTeams.find((x) => x.id === myTeam);
  $('my-team-name').textContent = known ? known.name : '';
  renderHeld();
  render();
  keepScreenOn();
}

/** A phone that joined before: straight to the buzzer, rejoining with its device token. */
function startWithToken() {
  myTeam = identity.team;
  state = null;
  showBuzzer();
  openConnection();
}

/** How long our buzzer stays locked after an early press (ms, 0 when free). */
function lockoutLeft() {
  if (!state || !state.buzz) return 0;
  const until = Math.max(0, ...(state.buzz.false_starts || [])
    .filter((f) => f.team === myTeam && typeof f.locked_until_ms === 'number')
    .map((f) => f.locked_until_ms));
  return Math.max(0, until - serverNow(state, stateAt));
}

/** How many early presses our team made on the question on stage (the server counts them). */
function falseStarts(s) {
  if (!s || !s.buzz || !s.buzz.false_starts) return 0;
  return s.buzz.false_starts.filter((f) => f.team === myTeam).length;
}

/** "Đổi đội": forgets this phone's token (joining another team needs that team's code). */
function changeTeam() {
  dropConnection();
  forgetIdentity();
  joining = null;
  myTeam = null;
  setNotice(null);
  showPicker();
}

// A stray tap must not throw the phone out mid-contest: the first tap asks for a second one.
$('change-team').addEventListener('click', () => {
  if (performance.now() < changeArmedUntil) {
    changeArmedUntil = 0;
    renderChangeButton();
    changeTeam();
    return;
  }
  changeArmedUntil = performance.now() + 3000;
  renderChangeButton();
  setTimeout(renderChangeButton, 3050);
});

function renderChangeButton() {
  const armed = performance.now() < changeArmedUntil;
  $('change-team').textContent = t(armed ? 'join.change_confirm' : 'join.change');
  $('change-team').classList.toggle('armed', armed);
}

/**
 * What the team sees now. `state` is a stable name exposed as `data-state` on #buzz-state (for
 * tests and styling); `mood` drives the page colours; then the label and its sub-line.
 * Follows PROTOCOL.md: open & not tried → press; floor = us → you're first; and so on.
 */
function derive() {
  // `label` is a translation key, or [key, params] when the text names a team.
  const view = (name, mood, label, sub = null) => {
    const [key, params] = Array.isArray(label) ? label : [label, {}];
    return { state: name, mood, label: t(key, params), sub: sub ? t(sub) : '' };
  };
  if (!state) return view('connecting', 'idle', 'st.connecting', 'st.connecting_sub');
  if (state.stage === 'not_started') return view('not_started', 'idle', 'st.waiting_start', 'st.waiting_start_sub');
  if (state.stage === 'finished') {
    const me = rankTeams(state.teams).find((x) => x.id === myTeam);
    return {
      ...view('finished', 'done', 'st.finished'),
      sub: me ? t('st.finished_sub', { rank: me.rank, count: state.teams.length, score: me.score }) : '',
      prize: me ? prizeName(me.rank) : null,
    };
  }
  // Between questions (a round's title, a ranking, a pause): a calm card instead of the button.
  if (state.stage === 'round_intro') {
    const round = state.round;
    return {
      state: 'round_intro',
      mood: 'pause',
      label: t('st.round_intro', { title: round ? round.title : '' }),
      // A round scored by hand has no questions: what the teams perform, or who scores it.
      sub: !round ? '' : round.description
        || t(round.kind === 'scored' ? 'st.round_scored_sub' : 'st.round_intro_sub', { round: t('round', { n: round.number, total: round.total }) }),
    };
  }
  if (state.stage === 'slide') {
    const slide = state.slide || {};
    if (slide.kind === 'ranking') {
      const mine = (slide.ranking || []).find((line) => line.team === myTeam);
      return {
        state: 'ranking',
        mood: 'pause',
        label: t('st.ranking'),
        sub: mine ? t('st.ranking_sub', { rank: mine.rank, points: mine.points }) : '',
      };
    }
    return {
      state: 'intermission',
      mood: 'pause',
      label: slide.caption || t('st.intermission'),
      sub: slide.caption ? t('st.intermission') : t('st.pause_sub'),
    };
  }
  const choice = choiceOf(state);
  if (choice) return deriveChoice(choice);
  const buzz = state.buzz;
  // A stage this page does not know yet (a newer server): wait calmly rather than break.
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

/**
 * What the team sees on a multiple-choice question: read it, choose (and change) until time is
 * up, then whether its answer was right. Only this team's own choice (`mine`) is ever shown.
 */
function deriveChoice(choice) {
  const mine = shownChoice(choice);
  const line = (name, mood, label, sub = '') => ({ state: name, mood, label, sub });
  switch (choice.phase) {
    case 'open':
      return mine
        ? line('mc_chosen', 'chosen', t('st.mc_chosen', { option: mine }))
        : line('mc_open', 'open', t('st.mc_open'), t('st.mc_open_sub'));
    case 'locked':
      return mine
        ? line('mc_locked', 'idle', t('st.mc_locked', { option: mine }), t('st.mc_locked_sub'))
        : line('mc_locked', 'out', t('st.mc_locked_none'), t('st.mc_locked_sub'));
    case 'revealed': {
      const correct = choice.correct;
      const sub = correct ? t('st.mc_correct_is', { option: correct }) : '';
      if (!mine) return line('mc_none', 'out', t('st.mc_no_answer'), sub);
      if (mine === correct) {
        const entry = (choice.choices || []).find((c) => c.team === myTeam);
        const points = entry ? entry.points : 0;
        return line('mc_right', 'win', points ? t('st.mc_right', { n: points }) : t('verdict.correct'), sub);
      }
      return line('mc_wrong', 'out', t('verdict.wrong'), sub);
    }
    default: // ready
      return line('mc_ready', 'idle', t('st.mc_ready'), t('st.mc_ready_sub'));
  }
}

/** Our choice as shown: the one just tapped (on its way), else the one the server holds. */
function shownChoice(choice) {
  if (choosing && choice.phase === 'open' && choosing.key === questionKey(state)) return choosing.option;
  return choice.mine || null;
}

/** A new state: the tapped option is no longer "on its way" once the server shows it (or moved on). */
function settleChoosing() {
  const choice = choiceOf(state);
  if (!choosing) return;
  if (!choice || choice.phase !== 'open' || choosing.key !== questionKey(state) || choice.mine === choosing.option) {
    choosing = null;
  }
}

/** The option buttons of a multiple-choice question: disabled unless open, ours highlighted. */
function renderOptions() {
  const box = $('options');
  const choice = choiceOf(state);
  box.hidden = !choice;
  if (!choice) {
    optionsKey = null;
    box.replaceChildren();
    return;
  }
  const key = JSON.stringify([questionKey(state), choice.options]);
  if (key !== optionsKey) {
    optionsKey = key;
    box.replaceChildren(...choice.options.map((text, i) =>
      h('button', { type: 'button', className: 'opt', dataset: { option: optionLetter(i) } },
        h('span', { className: 'opt-letter', 'aria-hidden': 'true', text: optionLetter(i) }),
        h('span', { className: 'opt-text', text }),
        h('span', { className: 'opt-mark' }))));
  }
  const mine = shownChoice(choice);
  const revealed = choice.phase === 'revealed';
  box.dataset.phase = choice.phase;
  for (const btn of box.querySelectorAll('.opt')) {
    const letter = btn.dataset.option;
    const isMine = letter === mine;
    const isCorrect = revealed && letter === choice.correct;
    btn.disabled = choice.phase !== 'open';
    btn.classList.toggle('chosen', isMine);
    btn.classList.toggle('sending', isMine && Boolean(choosing));
    btn.classList.toggle('correct', isCorrect);
    btn.classList.toggle('wrong', revealed && isMine && !isCorrect);
    btn.setAttribute('aria-pressed', String(isMine));
    btn.setAttribute('aria-label', `${letter}. ${optionText(choice, letter)}`);
    const mark = isCorrect ? t('join.opt_correct') : isMine ? t('join.opt_mine') : '';
    btn.querySelector('.opt-mark').textContent = mark;
    btn.querySelector('.opt-mark').hidden = !mark;
  }
}

/**
 * A tap on option `option`: sent at once with the moment of the press (the pointerdown's
 * timeStamp, as for the buzzer); tapping another option later changes the answer.
 */
function choose(option, pressedAt) {
  const choice = choiceOf(state);
  if (!choice || choice.phase !== 'open' || !optionText(choice, option)) return;
  const now = performance.now();
  const at = Number.isFinite(pressedAt) && pressedAt > 0 && pressedAt <= now ? pressedAt : now;
  const id = conn && stateFresh ? conn.send({ type: 'choose', option, pressed_at: at }) : null;
  if (id === null) {
    toast(t('not_connected'), 'error', 2500);
    return;
  }
  if (navigator.vibrate) navigator.vibrate(40);
  choosing = { option, id, key: questionKey(state) };
  render();
}

$('options').addEventListener('pointerdown', (ev) => {
  const btn = ev.target.closest('.opt');
  if (!btn || btn.disabled || ev.button > 0) return;
  lastTap = { option: btn.dataset.option, at: performance.now() };
  choose(btn.dataset.option, ev.timeStamp);
});
// Keyboard activation arrives as a click without a pointerdown before it.
$('options').addEventListener('click', (ev) => {
  const btn = ev.target.closest('.opt');
  if (!btn || btn.disabled) return;
  if (lastTap && lastTap.option === btn.dataset.option && performance.now() - lastTap.at < 1000) return;
  choose(btn.dataset.option, ev.timeStamp);
});

function render() {
  if (!myTeam || $('buzzer').hidden) return;
  const view = derive();
  clearTimeout(lockoutTimer);
  if (view.state === 'lockout') lockoutTimer = setTimeout(render, lockoutLeft() + 20);
  // A "buzzers not open" message must not linger once they are open: new situation, no old news.
  if (document.body.dataset.mood !== view.mood) clearToasts();
  document.body.dataset.mood = view.mood;
  document.body.dataset.kind = choiceOf(state) ? 'choice' : 'buzz';
  $('buzz-state').dataset.state = view.state;
  $('buzz-state').textContent = view.label;
  $('buzz-sub').textContent = view.sub || '';
  $('buzz-sub').classList.toggle('behind', Boolean(view.behind));
  $('prize').hidden = !view.prize;
  $('prize').textContent = view.prize || '';
  $('buzz').setAttribute('aria-disabled', String(view.mood !== 'open'));
  $('buzz').setAttribute('aria-label', t('join.buzz'));

  if (!state) return;
  const me = state.teams.find((x) => x.id === myTeam);
  $('my-team-name').textContent = me ? me.name : '';
  $('my-score').textContent = me ? t('points', { n: me.score }) : '';
  document.title = me ? `${me.name} — ${t('join.title')}` : t('join.title');

  const q = state.question;
  const round = state.stage === 'round_intro' ? state.round : null;
  $('question-meta').textContent = q ? questionLabel(state)
    : round ? `${t('round', { n: round.number, total: round.total })} · ${round.title}` : state.title;
  $('question-text').textContent = q ? q.text : '';
  // Multiple choice: the right option is marked among the options instead.
  const choice = choiceOf(state);
  const showAnswer = Boolean(q && q.revealed && q.answer && !choice);
  $('answer-box').hidden = !showAnswer;
  $('answer-text').textContent = showAnswer ? q.answer : '';
  renderOptions();
}

const countdown = createBarCountdown();

// ---- Pressing -------------------------------------------------------------------------------

/**
 * One press, whatever the input: pointer, key, or a click nobody pressed before. `pressedAt` is
 * the event's timeStamp (performance.now() clock): the server compares presses by it, with the
 * clock offset it measured, so a slower Wi-Fi link does not lose the race.
 *
 * Without a working connection the press is held, with its time, and sent once the socket is back
 * and has answered a few clock pings (see flushBuzz); the server then judges it as any other.
 */
function press(pressedAt) {
  // No button on screen between questions or after the contest: a key press means nothing.
  const mood = document.body.dataset.mood;
  if (mood === 'pause' || mood === 'done') return;
  if (choiceOf(state)) return; // a multiple-choice question: no buzzer, the options are tapped
  const now = performance.now();
  if (now - lastPress < 300) return; // one physical press can arrive as several events
  lastPress = now;
  if (navigator.vibrate) navigator.vibrate(60);
  replayAnimation($('buzz'), 'pressed');
  // A press still on its way is earlier than this one: it is the one that counts.
  if (buzzRec) return;
  const at = Number.isFinite(pressedAt) && pressedAt > 0 && pressedAt <= now ? pressedAt : now;
  const online = Boolean(conn && conn.connected && stateFresh);
  buzzRec = {
    pressedAt: at,
    key: state ? questionKey(state) : null,
    wasOpen: document.body.dataset.mood === 'open',
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
  if (!buzzRec || buzzRec.id !== null || !conn || !conn.connected || !stateFresh) return;
  // The server turns the press time into its own clock with the estimate from the pings of this
  // connection: give it a few (they come every 100 ms while a question is on stage).
  const waited = performance.now() - welcomedAt;
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
    // Pressed while the buzzers were open, and the MC locked them meanwhile: sending it now would
    // count as an early press, which it was not.
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
    if (conn) conn.checkAlive(BUZZ_ANSWER_MS);
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
  replayAnimation($('buzz'), 'refused');
  if (!rec.offline) {
    toast(codeMessage(msg), 'error', 2500);
    renderHeld();
    return;
  }
  // A press from while the phone was offline: say plainly what became of it (often: too late).
  const snapshot = state;
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
  const el = $('held-buzz');
  let kind = null;
  let text = '';
  if (buzzRec && buzzRec.offline) {
    kind = buzzRec.id === null ? 'waiting' : 'sent';
    text = t(kind === 'waiting' ? 'held.waiting' : 'held.sent');
  } else if (heldResult) {
    kind = heldResult.kind;
    text = heldResult.text();
  }
  el.hidden = !kind;
  el.dataset.held = kind || '';
  el.textContent = text;
}

const buzzBtn = $('buzz');
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

document.addEventListener('keydown', (ev) => {
  if ($('buzzer').hidden || ev.repeat) return;
  // Multiple choice: the keys A–D choose (a phone with a keyboard, or a laptop).
  const letter = ev.key.length === 1 ? ev.key.toUpperCase() : '';
  if (choiceOf(state) && letter && 'ABCD'.includes(letter) && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
    ev.preventDefault();
    choose(letter, ev.timeStamp);
    return;
  }
  if (ev.key !== ' ' && ev.key !== 'Enter') return;
  // Enter/Space on another control (change team, language) keeps its own meaning.
  if (ev.target.closest && ev.target.closest('button, input, a') && ev.target !== buzzBtn) return;
  ev.preventDefault();
  press(ev.timeStamp);
});

/** Asks the phone not to dim the screen mid-contest (only where the browser allows it). */
async function keepScreenOn() {
  try {
    if ('wakeLock' in navigator && document.visibilityState === 'visible') await navigator.wakeLock.request('screen');
  } catch {
    // Not allowed (plain http on the LAN): the team keeps the screen awake by hand.
  }
}
document.addEventListener('visibilitychange', () => {
  if (myTeam) keepScreenOn();
});

onLangChange(() => {
  renderPickerNote();
  renderTeamList();
  if (codeError) $('join-error').textContent = codeError();
  setCodeBusy($('join-code').readOnly);
  setNotice(noticeKey);
  renderChangeButton();
  renderHeld();
  render();
});

// ---- Start ----------------------------------------------------------------------------------

// A QR code opens /?team=<id>&code=<CODE>: join at once, and take the code out of the address bar
// (and so off the screen and out of the history) right away.
const query = new URLSearchParams(location.search);
if (query.has('team') || query.has('code')) {
  history.replaceState(history.state, '', location.pathname + location.hash);
  const team = query.get('team');
  const code = query.get('code') ? normalizeJoinCode(query.get('code')) : '';
  if (team && code) linkJoin = { team, code };
}
let oldTeam = null;
try {
  oldTeam = localStorage.getItem(OLD_TEAM_KEY);
} catch {
  oldTeam = null;
}
if (identity && (!linkJoin || linkJoin.team === identity.team)) {
  // Already joined (the QR code of its own team changes nothing): rejoin with the token.
  startWithToken();
} else if (linkJoin) {
  joinWithCode(linkJoin.team, linkJoin.code, true);
} else if (query.get('team')) {
  // A link naming the team only: straight to its code.
  showCodeStep(query.get('team'));
} else if (oldTeam) {
  // Joined before join codes existed: that team, but it now needs its code.
  showCodeStep(oldTeam);
} else {
  showPicker();
}
