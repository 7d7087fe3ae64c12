// Team page: pick the team and type its join code (or open the link of its QR code), then a
// full-screen page whose colour and label say at a glance what to do: the round kind on stage
// brings its input (the buzzer, option buttons; see kinds/). The phone keeps the device token the
// server gives it and rejoins with it by itself, within a second of its network coming back.
import {
  formatPoints,
  t, setupI18n, onLangChange, connect, connectionIndicator, createBarCountdown,
  h, rankTeams, prizeName, questionLabel, questionKey, codeMessage, toast, clearToasts,
  normalizeJoinCode, checkJoinCode, createImageLoader, questionImage, renderImage,
} from './common.js';
import { setupKinds, questionKind, timerOf, RESTING_KIND } from './kinds/index.js';
import { createWakeKeeper } from './wake.js';

/** `{team, device}`: the device token of this phone, from the `welcome` of its first join. */
const DEVICE_KEY = 'stagebuzz.device';
/** Before join codes the page kept only the chosen team id; it still preselects that team. */
const OLD_TEAM_KEY = 'stagebuzz.team';
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
let pickerTimer = null;
let pickerTeams = null; // teams from /api/state, for re-rendering on language switch
let pickerNote = null; // translation key of the note above the team list
let codeTeam = null; // team whose join code is being asked
let codeError = null; // () => text of the error under the code field
let noticeKey = null; // translation key of #notice (e.g. team full)
let changeArmedUntil = 0; // "tap again to change team" window
let throttledUntil = 0; // performance.now() until which the server reads no join code from us
let throttleTimer = null; // ticks the wait down, then lets the team try again
let shownQuestion = null; // questionKey of what the page shows, to hold a new question for its image

// Each round kind's part of the page: notices at the top (a buzz held while offline stays said
// after its question), its input (buzzer, options) under the state.
const kinds = setupKinds('phone', {
  state: () => state,
  stateAt: () => stateAt,
  fresh: () => stateFresh,
  team: () => myTeam,
  conn: () => conn,
  welcomedAt: () => welcomedAt,
  mood: () => document.body.dataset.mood,
  render: () => render(),
}, { top: $('kind-top'), input: $('kind-input') }, ['top']);
/** The renderer of the round kind whose input the page shows (keys go to it). */
let inputPart = kinds.activate(RESTING_KIND);
const images = createImageLoader(() => render());
// The screen stays on while the team is joined; a discreet note when it could not be kept on.
const wake = createWakeKeeper({ onChange: (method) => { $('wake-note').hidden = method !== 'none'; } });

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
      if (s === 'connected') welcomedAt = performance.now();
      else stateFresh = false;
      kinds.all.forEach((kind) => kind.onStatus && kind.onStatus(s));
      render();
    },
    onSync: (count) => kinds.all.forEach((kind) => kind.onSync && kind.onSync(count)),
    onState: (s, receivedAt) => {
      const before = stateFresh ? state : null;
      state = s;
      stateAt = receivedAt;
      stateFresh = true;
      kinds.all.forEach((kind) => kind.onState && kind.onState(before, s));
      countdown.update(s, receivedAt, timerOf(s));
      render();
      kinds.all.forEach((kind) => kind.onRendered && kind.onRendered(before, s));
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
  // The answers to a kind's own commands (a buzz, a choice).
  if (kinds.all.some((kind) => kind.onMessage && kind.onMessage(msg))) return;
  if (msg.type !== 'error') {
    if (msg.type === 'rejected') toast(codeMessage(msg), 'error', 2500);
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
  kinds.all.forEach((kind) => kind.reset && kind.reset());
}

function setNotice(key) {
  noticeKey = key;
  $('notice').hidden = !key;
  $('notice').textContent = key ? t(key) : '';
}

// ---- Step 1: team list ----------------------------------------------------------------------

function showPicker(noteKey = null) {
  wake.stop();
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
  render();
  wake.start();
}

/** A phone that joined before: straight to the buzzer, rejoining with its device token. */
function startWithToken() {
  myTeam = identity.team;
  state = null;
  showBuzzer();
  openConnection();
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
 * tests and styling); `mood` drives the page colours; then the label and its sub-line. On a
 * question the round kind says it (kinds/); this page says the rest.
 */
function derive() {
  const view = (name, mood, label, sub = null) => ({ state: name, mood, label: t(label), sub: sub ? t(sub) : '' });
  if (!state) return view('connecting', 'idle', 'st.connecting', 'st.connecting_sub');
  if (state.stage === 'not_started') return view('not_started', 'idle', 'st.waiting_start', 'st.waiting_start_sub');
  if (state.stage === 'finished') return deriveFinished();
  // Between questions (a round's title, a ranking, a pause): a calm card instead of the button.
  if (state.stage === 'round_intro') {
    const round = state.round;
    const part = round ? kinds.get(round.kind) : null;
    // Once the round is under way its kind may say more (whose turn it is, who is in a tie).
    const said = part && part.intro ? part.intro(state) : null;
    if (said) return { state: said.state || 'round_intro', mood: 'pause', label: said.label, sub: said.sub || '' };
    return {
      state: 'round_intro',
      mood: 'pause',
      label: t('st.round_intro', { title: round ? round.title : '' }),
      // A round scored by hand has no questions: what the teams perform, or who scores it.
      sub: !round ? '' : round.description
        || t((part && part.introSub) || 'st.round_intro_sub', { round: t('round', { n: round.number, total: round.total }) }),
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
        sub: mine ? t('st.ranking_sub', { rank: mine.rank, points: formatPoints(mine.points) }) : '',
      };
    }
    return {
      state: 'intermission',
      mood: 'pause',
      label: slide.caption || t('st.intermission'),
      sub: slide.caption ? t('st.intermission') : t('st.pause_sub'),
    };
  }
  const kind = questionKind(state);
  const part = kind ? kinds.get(kind.name) : null;
  if (part && part.derive) return part.derive(state);
  // A stage or round kind this page does not know yet (a newer server): wait calmly.
  return view('waiting', 'pause', 'st.locked_sub', 'st.pause_sub');
}

/**
 * The end of the contest: the team's final place and points, its prize, and its place in each
 * round (prizes are given per round too). Equal points share a place, as the server ranks them.
 */
function deriveFinished() {
  const standings = state.standings || null;
  const overall = standings ? standings.overall
    : rankTeams(state.teams).map((team) => ({ rank: team.rank, team: team.id, points: team.score }));
  const mine = overall.find((line) => line.team === myTeam);
  if (!mine) return { state: 'finished', mood: 'done', label: t('st.finished'), sub: '' };
  return {
    state: 'finished',
    mood: 'done',
    label: t('st.final_rank', { rank: mine.rank, count: overall.length }),
    sub: t('st.finished_sub', { score: formatPoints(mine.points) }),
    prize: prizeName(mine.rank),
    rounds: (standings ? standings.rounds : [])
      .map((r) => ({ round: r.round, line: r.ranking.find((line) => line.team === myTeam) }))
      .filter((r) => r.line),
  };
}

/** #my-rounds: the team's place and points in each round, a round's winners marked. */
function renderMyRounds(rounds) {
  $('my-rounds').hidden = !(rounds && rounds.length);
  $('my-rounds-list').replaceChildren(...(rounds || []).map(({ round, line }) =>
    h('li', { className: line.rank === 1 ? 'mr-first' : '', dataset: { round: String(round.number), rank: String(line.rank) } },
      h('span', { className: 'mr-title', text: round.title }),
      h('span', { className: 'mr-rank', text: line.rank === 1 ? t('st.round_prize') : t('st.round_rank', { rank: line.rank }) }),
      h('span', { className: 'mr-points', text: t('points', { n: formatPoints(line.points) }) }))));
}

function render() {
  if (!myTeam || $('buzzer').hidden) return;
  // A new question with an image appears with it, once decoded (or after a short wait), so the
  // layout does not jump; never while a countdown runs, where the page must not lag.
  const image = questionImage(state);
  const key = state ? questionKey(state) : null;
  const timer = timerOf(state);
  if (key !== shownQuestion && image && !images.ready(image) && !(timer && timer.deadline_ms != null)) return;
  shownQuestion = key;
  const kind = questionKind(state);
  // Between questions the buzzer stays (hidden by the calm moods): a press made while the phone
  // reconnects mid-question is held and sent.
  const inputKind = kind ? kind.name : RESTING_KIND;
  inputPart = kinds.activate(inputKind);
  const view = derive();
  // A "buzzers not open" message must not linger once they are open: new situation, no old news.
  if (document.body.dataset.mood !== view.mood) clearToasts();
  document.body.dataset.mood = view.mood;
  document.body.dataset.kind = inputKind;
  $('buzz-state').dataset.state = view.state;
  $('buzz-state').textContent = view.label;
  $('buzz-sub').textContent = view.sub || '';
  $('buzz-sub').classList.toggle('behind', Boolean(view.behind));
  $('prize').hidden = !view.prize;
  $('prize').textContent = view.prize || '';
  renderMyRounds(view.rounds);
  if (inputPart.render) inputPart.render(state, view);

  if (!state) return;
  const me = state.teams.find((x) => x.id === myTeam);
  $('my-team-name').textContent = me ? me.name : '';
  $('my-score').textContent = me ? t('points', { n: formatPoints(me.score) }) : '';
  document.title = me ? `${me.name} — ${t('join.title')}` : t('join.title');

  const q = state.question;
  const round = state.stage === 'round_intro' ? state.round : null;
  // One line: the question's number whole, the round before it shortened if it must be (the
  // round's title card said it in full).
  if (q && state.round) {
    $('question-meta').replaceChildren(
      h('span', { className: 'qm-round', text: `${t('round', { n: state.round.number, total: state.round.total })} · ${state.round.title}` }),
      h('span', { className: 'qm-no', text: t('question_no', { n: q.number, total: q.total }) }));
  } else {
    $('question-meta').textContent = q ? questionLabel(state)
      : round ? `${t('round', { n: round.number, total: round.total })} · ${round.title}` : state.title;
  }
  $('question-text').textContent = q ? q.text : '';
  renderImage($('question-image'), image, images);
  // A kind that marks the right answer its own way (the right option) needs no answer line.
  const showAnswer = Boolean(q && q.revealed && q.answer && !(kind && inputPart.showsAnswer));
  $('answer-box').hidden = !showAnswer;
  $('answer-text').textContent = showAnswer ? q.answer : '';
  fitQuestion();
}

const countdown = createBarCountdown();

document.addEventListener('keydown', (ev) => {
  if ($('buzzer').hidden || ev.repeat) return;
  // The kind's keys: Space / Enter press the buzzer, A–D choose an option.
  if (inputPart.onKey) inputPart.onKey(ev);
});

// ---- The question fitted between the team bar and the buzzer -----------------------------------

/** Question type sizes tried, largest first (rem): short questions big, long ones smaller. */
const QUESTION_SIZES = [1.3, 1.2, 1.1, 1.02, 0.95];

/**
 * Fits the question into the room the buzzer leaves: the largest type at which everything on the
 * stage shows without scrolling; else the smallest, with the question cut after its last whole
 * line that fits, scrollable, and a cue under it. Never a line cut through its letters.
 */
function fitQuestion() {
  const stage = $('stage');
  const text = $('question-text');
  const more = $('question-more');
  if ($('buzzer').hidden) return;
  text.style.maxHeight = 'none';
  more.hidden = true;
  if (!text.textContent) return;
  const fits = () => stage.scrollHeight <= stage.clientHeight + 1;
  let size = QUESTION_SIZES[QUESTION_SIZES.length - 1];
  for (const candidate of QUESTION_SIZES) {
    text.style.fontSize = `${candidate}rem`;
    if (fits()) {
      size = candidate;
      break;
    }
  }
  text.style.fontSize = `${size}rem`;
  if (fits()) return;
  // Too long even in the smallest type: whole lines only, and the cue takes one line.
  more.hidden = false;
  const line = parseFloat(getComputedStyle(text).lineHeight) || 24;
  const over = stage.scrollHeight - stage.clientHeight;
  const room = text.scrollHeight - over;
  const lines = Math.max(2, Math.floor(room / line));
  text.style.maxHeight = `${lines * line}px`;
  updateMore();
}

/** The cue says there is more below until the team has scrolled to the end. */
function updateMore() {
  const text = $('question-text');
  const scrollable = text.scrollHeight > text.clientHeight + 1;
  const atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 2;
  $('question-more').classList.toggle('at-end', scrollable && atEnd);
  if (!scrollable) $('question-more').hidden = true;
}

$('question-text').addEventListener('scroll', updateMore, { passive: true });
window.addEventListener('resize', () => fitQuestion());
if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => fitQuestion());

onLangChange(() => {
  renderPickerNote();
  renderTeamList();
  if (codeError) $('join-error').textContent = codeError();
  setCodeBusy($('join-code').readOnly);
  setNotice(noticeKey);
  renderChangeButton();
  kinds.all.forEach((kind) => kind.onLang && kind.onLang());
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
