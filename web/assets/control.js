// MC control page: drives the show. Buttons the current phase makes pointless are disabled, so
// the MC can act fast without reading rejections; rejections still show, translated. The round
// kind being played brings its buttons and its part of the status card (kinds/).
import {
  formatPoints,
  t, setupI18n, onLangChange, connect, connectionIndicator, createBarCountdown,
  h, teamName, rankTeams, questionLabel, codeMessage, toast, replayAnimation,
  formatMs, agoText, serverNow, getLang, createImageLoader, questionImage, renderImage,
} from './common.js';
import { setupKinds, kindOf, kindNamed, timerOf } from './kinds/index.js';

const $ = (id) => document.getElementById(id);

// Each kind's buttons in the action bar, its part of the status card, its panel for the round as
// a whole (shown between questions too), its dialogs. `send` for the panel's commands, `confirm`
// for the ones that cannot be taken back by a stray click.
const kinds = setupKinds('control', {
  state: () => state,
  send: (cmd, label, replies) => send(cmd, label, replies),
  confirm: (action) => askConfirm(action),
  keyHints: (text) => keyHints(text),
}, {
  actions: $('kind-actions'), statusTop: $('kind-status-top'), status: $('kind-status'), round: $('kind-round'), dialogs: $('kind-dialogs'),
});
const images = createImageLoader(() => render());

setupI18n();
const setConnStatus = connectionIndicator($('conn'));

let state = null;
let stateAt = 0; // performance.now() when `state` arrived, to age the links' "last seen"
let connected = false;
let fatalKey = null; // translation key of a blocking problem (missing / wrong token)
let nextArmedUntil = 0; // "press again to confirm" window of btn-next, in performance.now() time
const pending = new Map(); // command id → translation key of the button, for messages
const doneToasts = new Map(); // command id → () => text to show when it is applied
const refusals = new Map(); // command id → (rejected) => text saying it better, or null
const appliedHooks = new Map(); // command id → () => void, run when it is applied
// The row whose score the MC just changed, lit for a moment where the MC is looking (a note at
// the bottom of the screen would cover that very row on a tablet): {team, at}.
let adjusted = null;
const ADJUSTED_MS = 2500;
let access = null; // teams of the last `access` message: join codes and registered phones
let judgeAccess = null; // judges of the same message (absent: the contest has no judges)
let judgeNames = new Map(); // judge id → name, from /api/judges
let failedJoins = []; // wrong join codes per team and address, from the same message

/**
 * The kind whose buttons the action bar shows: the round being played, else the programme's
 * first round (where "Next question" goes first).
 */
function kindShown(s) {
  const kind = kindOf(s) || (s && s.programme && s.programme.length ? kindNamed(s.programme[0].kind) : null);
  return kind ? kind.name : null;
}

/** The renderer of the kind of the question on stage (an empty one without a question). */
function questionPart(s) {
  const kind = s && s.stage === 'question' ? kindOf(s) : null;
  return (kind && kinds.get(kind.name)) || {};
}

/**
 * Whether what is on stage may be replaced now (a question, a round's title, a slide): the
 * server refuses it while the question's kind is busy (buzzers open, a team answering…).
 */
function canLeave(s) {
  if (s.stage !== 'question') return true;
  const part = questionPart(s);
  return !(part.busy && part.busy(s));
}

/**
 * Each button: the command it sends, its key, and when it makes sense. `kind`: a kind's button,
 * shown only while that kind is played; a key may serve one button of each kind.
 */
const ACTIONS = {
  'btn-next': { cmd: { type: 'show_next_question' }, label: 'btn.next', key: 'n',
    enabled: (s) => s.stage !== 'finished' && canLeave(s) },
  'btn-reveal': { cmd: { type: 'reveal_answer' }, label: 'btn.reveal', key: 'r',
    enabled: (s) => {
      const part = questionPart(s);
      return s.stage === 'question' && !s.question.revealed && (!part.canReveal || part.canReveal(s));
    } },
  'btn-undo': { cmd: { type: 'undo' }, label: 'btn.undo', key: 'u',
    enabled: (s) => Boolean(s.can_undo) },
};
// The kinds' buttons, between "Next question" and "Reveal" (their boxes sit there).
for (const { name, part, boxes } of kinds.entries) {
  for (const action of part.actions || []) {
    ACTIONS[action.id] = { ...action, kind: name };
    boxes.actions.append(h('button', { type: 'button', id: action.id, className: `act ${action.className || ''}` },
      h('span', { 'data-i18n': action.label, text: t(action.label) }), h('kbd', { text: action.key.toUpperCase() })));
  }
}

// ---- Connection -----------------------------------------------------------------------------

const token = new URLSearchParams(location.hash.slice(1)).get('token');
let conn = null;
if (!token) {
  showFatal('control.no_token');
  setConnStatus('failed');
} else {
  conn = connect({
    role: 'control',
    token,
    onStatus: (s) => {
      connected = s === 'connected';
      setConnStatus(s);
      render();
    },
    onState: (s, receivedAt) => {
      state = s;
      stateAt = receivedAt;
      countdown.update(s, receivedAt, timerOf(s));
      render();
    },
    onMessage: onMessage,
  });
}
// A new token pasted into the address bar: start over with it.
window.addEventListener('hashchange', () => location.reload());

// Downloads for the secretary: results and the full audit log (the token authorises them).
if (token) {
  const exports = { 'export-csv': '/api/results.csv', 'export-json': '/api/results.json', 'export-audit': '/api/audit.jsonl' };
  for (const [id, path] of Object.entries(exports)) $(id).setAttribute('href', `${path}?token=${encodeURIComponent(token)}`);
}

function onMessage(msg) {
  if (msg.type === 'access') {
    access = Array.isArray(msg.teams) ? msg.teams : [];
    judgeAccess = Array.isArray(msg.judges) ? msg.judges : null;
    failedJoins = Array.isArray(msg.failed_joins) ? msg.failed_joins : [];
    if (judgeAccess && judgeAccess.some((j) => !judgeNames.has(j.id))) loadJudgeNames();
    renderAccess();
    if (state) renderJoinAlert();
    return;
  }
  const label = pending.get(msg.id);
  const done = doneToasts.get(msg.id);
  const refused = refusals.get(msg.id);
  const applied = appliedHooks.get(msg.id);
  if (msg.type === 'ack' || msg.type === 'rejected') {
    pending.delete(msg.id);
    doneToasts.delete(msg.id);
    refusals.delete(msg.id);
    appliedHooks.delete(msg.id);
  }
  if (msg.type === 'ack' && applied) applied();
  const better = msg.type === 'rejected' && refused ? refused(msg) : null;
  if (msg.type === 'ack' && done) {
    toast(done(), 'ok', 2500);
  } else if (better) {
    toast(better, 'error', 5000);
  } else if (msg.type === 'rejected') {
    toast(label ? `${t(label)}: ${codeMessage(msg)}` : codeMessage(msg));
  } else if (msg.type === 'error') {
    if (msg.code === 'bad_token') showFatal('control.bad_token');
    else toast(codeMessage(msg));
  }
}

function showFatal(key) {
  fatalKey = key;
  $('fatal').textContent = t(key);
  $('fatal').hidden = false;
  $('app').hidden = true;
}

/**
 * Sends `cmd`; `label` names it in messages. `replies.done()`: the text to show once applied;
 * `replies.refused(rejected)`: a kinder text for a refusal, or null for the usual one;
 * `replies.applied()`: runs once it is applied.
 */
function send(cmd, label, replies = {}) {
  const id = conn ? conn.send(cmd) : null;
  if (id === null) {
    toast(t('not_connected'));
    return null;
  }
  pending.set(id, label);
  if (replies.done) doneToasts.set(id, replies.done);
  if (replies.refused) refusals.set(id, replies.refused);
  if (replies.applied) appliedHooks.set(id, replies.applied);
  return id;
}

// ---- Buttons and shortcuts ------------------------------------------------------------------

function runAction(btnId) {
  const action = ACTIONS[btnId];
  const btn = $(btnId);
  if (btn.disabled) {
    explainRefusal(btnId);
    return;
  }
  hideWhy();
  replayAnimation(btn, 'flash');
  // Moving on from a question nobody has closed loses it for good: ask for a second press.
  if (btnId === 'btn-next' && needsNextConfirm() && performance.now() > nextArmedUntil) {
    nextArmedUntil = performance.now() + 3000;
    renderNextConfirm();
    setTimeout(renderNextConfirm, 3050);
    return;
  }
  nextArmedUntil = 0;
  renderNextConfirm();
  send(action.cmd, action.label);
}

function needsNextConfirm() {
  if (!state || state.stage !== 'question') return false;
  const part = questionPart(state);
  return Boolean(part.unfinished && part.unfinished(state));
}

function renderNextConfirm() {
  const armed = performance.now() < nextArmedUntil;
  $('next-confirm').hidden = !armed;
  $('btn-next').classList.toggle('armed', armed);
}

for (const btnId of Object.keys(ACTIONS)) {
  $(btnId).addEventListener('click', () => runAction(btnId));
}

// ---- Why a shortcut did nothing -------------------------------------------------------------

let whyTimer = 0;

/**
 * A key whose button is disabled now says why, in the dock under the action bar (where the MC
 * looks), instead of doing nothing: the button shakes and a line gives the reason.
 */
function explainRefusal(btnId) {
  const reason = whyNot(btnId);
  replayAnimation($(btnId), 'refused');
  $('why').textContent = reason;
  $('why').hidden = false;
  clearTimeout(whyTimer);
  whyTimer = setTimeout(hideWhy, 4000);
}

function hideWhy() {
  clearTimeout(whyTimer);
  $('why').hidden = true;
}

/** The phase on stage in the MC's words ("Chuông đang mở"), or '' without a question's status. */
function phaseText() {
  const part = questionPart(state);
  const status = part.status ? part.status(state) : null;
  return status ? status.text : '';
}

/** Why the action of `btnId` cannot be taken now, in a sentence. */
function whyNot(btnId) {
  if (!connected) return t('not_connected');
  if (!state) return t('why.loading');
  const action = ACTIONS[btnId];
  // The kind knows its own phases best ("nobody has the floor").
  const said = action.why ? action.why(state) : null;
  if (said) return said;
  const phase = phaseText();
  const busy = phase ? t('why.busy', { phase }) : t('why.not_now');
  switch (btnId) {
    case 'btn-next':
      return state.stage === 'finished' ? t('why.finished') : busy;
    case 'btn-reveal':
      if (state.stage !== 'question') return t('why.no_question');
      return state.question.revealed ? t('why.revealed') : busy;
    case 'btn-undo':
      return t('why.nothing_to_undo');
    default:
      return state.stage !== 'question' ? t('why.no_question') : busy;
  }
}

// Key hints ("N", "(O)") only where there is a keyboard: a mouse-driven laptop, or once a key was
// pressed outside a text field (a tablet with a keyboard attached). On touch alone they are noise.
const finePointer = matchMedia('(hover: hover) and (pointer: fine)');
let keyboardSeen = false;

function keyboardMode() {
  return keyboardSeen || finePointer.matches;
}

function renderKeyHints() {
  document.body.classList.toggle('keys', keyboardMode());
}
finePointer.addEventListener('change', () => {
  renderKeyHints();
  render();
});
renderKeyHints();

document.addEventListener('keydown', (ev) => {
  // Typing in a field proves nothing: a tablet's on-screen keyboard sends keys too.
  if (!keyboardSeen && !ev.target.closest('input, textarea, select, [contenteditable]')) {
    keyboardSeen = true;
    renderKeyHints();
    render();
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  if (document.querySelector('dialog[open]') || ev.target.closest('input, textarea, select')) return;
  // The kind's own keys first (E: the buzz evidence).
  const part = kinds.get(kindShown(state));
  if (part && part.onKey && part.onKey(ev)) return;
  const key = ev.key.toLowerCase();
  // The button of that key on the page now (O opens the buzzers, or the answers).
  const btnId = Object.keys(ACTIONS).find((id) => ACTIONS[id].key === key && !$(id).hidden);
  if (!btnId) return;
  ev.preventDefault();
  runAction(btnId);
});

// ---- Rendering ------------------------------------------------------------------------------

function render() {
  if (fatalKey) return;
  const shown = kindShown(state);
  const part = kinds.activate(shown);
  for (const [btnId, action] of Object.entries(ACTIONS)) {
    $(btnId).hidden = Boolean(action.kind) && action.kind !== shown;
    $(btnId).disabled = !connected || !state || !action.enabled(state);
  }
  $('reveal-label').textContent = t(part.revealLabel || 'btn.reveal');
  renderNextConfirm();
  if (!state) return;

  $('contest-title').textContent = state.title;
  renderLinkAlert();
  renderJoinAlert();
  renderQuestion();
  renderStatus();
  renderProgramme();
  renderTeams();
  renderAccess();
  renderNow();
  $('link-details').setAttribute('aria-pressed', String(linkDetails));
  $('links').textContent = t('control.links', { join: `${location.origin}/`, screen: `${location.origin}/screen` });
}

function renderQuestion() {
  const q = state.question;
  const round = state.round;
  $('question-meta').textContent = q ? questionLabel(state)
    : state.stage === 'round_intro' && round ? `${t('round', { n: round.number, total: round.total })} · ${round.title}` : '';
  $('question-text').textContent = q ? q.text : '';
  const note = keyHints(stageNote());
  $('stage-note').textContent = note;
  $('stage-note').hidden = !note;
  $('stage-note').dataset.stage = state.stage;
  // A thumbnail of the question's image: what the hall sees beside the question.
  renderImage($('question-image'), questionImage(state), images);
  $('mc-only').hidden = !q;
  $('mc-only').classList.toggle('revealed', Boolean(q && q.revealed));
  // The kind may say more than the key (multiple choice: "B. Ủy ban nhân dân xã").
  const part = questionPart(state);
  $('answer-text').textContent = q && q.answer ? (part.answerText ? part.answerText(state) : q.answer) : '';
  $('notes-text').textContent = q && q.notes ? q.notes : '';
  $('notes-row').hidden = !(q && q.notes);
}

/** What is on stage when it is not a question, in the MC's words, and what to do next. */
function stageNote() {
  const round = state.round;
  const slide = state.slide;
  switch (state.stage) {
    case 'not_started':
      return t('control.not_started');
    case 'finished': {
      const left = (state.programme || []).some((r) => !roundOver(r));
      return left ? `${t('control.finished')} ${t('control.finished_resume')}` : t('control.finished');
    }
    case 'round_intro': {
      if (!round) return '';
      // A scored round is played here: the kind says what the MC does.
      const part = kinds.get(round.kind);
      return `${t('control.on_round_intro', { title: round.title })} ${t((part && part.introNote) || 'control.intro_next')}`;
    }
    case 'slide': {
      let text = '';
      if (slide && slide.kind === 'ranking') {
        text = slide.round ? t('control.on_ranking_round', { title: slide.round.title }) : t('control.on_ranking_all');
      } else if (slide && slide.kind === 'intermission') {
        text = slide.caption ? t('control.on_intermission', { caption: slide.caption }) : t('control.on_intermission_plain');
      }
      return `${text} ${t('control.after_slide')}`.trim();
    }
    default:
      return '';
  }
}

/** The status card of a question: its phase and what to do next, then the kind's part. */
function renderStatus() {
  const part = questionPart(state);
  const status = part.status ? part.status(state) : null;
  $('status-card').hidden = !status;
  if (status) {
    $('phase').textContent = status.text;
    $('phase').dataset.phase = status.phase;
    $('hint').textContent = keyHints(status.hint || '');
  }
  // Also between questions: an open panel of the kind (the buzz evidence) follows the stage.
  const shown = kinds.get(kindShown(state));
  if (shown && shown.render) shown.render(state);
}

/** `text` without its "(O)", "(C)" key names when no keyboard is in use. */
function keyHints(text) {
  return keyboardMode() ? text : text.replace(/\s*\([A-Z]\)/g, '');
}

// ---- The question on stage, always in view ------------------------------------------------

/**
 * Under the action bar, the question, its answer and its phase, shown when their card is out of
 * sight (the MC scrolled to the join codes, the scoreboard…): the shortcuts act on the question
 * on stage, so the MC must see it. An overlay, not part of the page's flow, so showing it moves
 * nothing and cannot make the card come back into view. Only while a question is on stage:
 * between questions the MC works in the panels below (a judged round, Về đích's packs), which
 * it would cover.
 */
function renderNow() {
  if (!state || !state.question) {
    placeNow();
    return;
  }
  const q = state.question;
  const status = questionPart(state).status ? questionPart(state).status(state) : null;
  $('now-meta').textContent = $('question-meta').textContent;
  $('now-phase').hidden = !status;
  if (status) {
    $('now-phase').textContent = status.text;
    $('now-phase').dataset.phase = status.phase;
  }
  $('now-question').textContent = q.text;
  $('now-answer-row').hidden = !q.answer;
  $('now-answer').textContent = $('answer-text').textContent;
  placeNow();
}

/** Shows the "now" panel when the card's question, answer or phase is not fully in view. */
function placeNow() {
  if (!state || !state.question || $('app').hidden) {
    $('now').hidden = true;
    return;
  }
  const top = $('dock').getBoundingClientRect().bottom;
  const watched = [
    $('question-text'),
    state.question.answer ? $('answer-text') : null,
    $('status-card').hidden ? null : $('phase'),
  ].filter((el) => el && el.offsetParent !== null);
  $('now').hidden = !watched.some((el) => {
    const r = el.getBoundingClientRect();
    return r.top < top - 1 || r.bottom > window.innerHeight + 1;
  });
}

let placeQueued = false;
function queuePlaceNow() {
  if (placeQueued) return;
  placeQueued = true;
  requestAnimationFrame(() => {
    placeQueued = false;
    placeNow();
  });
}
window.addEventListener('scroll', queuePlaceNow, { passive: true });
window.addEventListener('resize', queuePlaceNow);

/** Phones of a team that stopped answering the clock pings. */
function offlineCount(team) {
  const online = typeof team.online === 'number' ? team.online : team.devices;
  return Math.max(0, team.devices - online);
}

/** A banner naming the teams with a phone that stopped answering: seen before opening the buzzers. */
function renderLinkAlert() {
  const bad = state.stage === 'finished' ? [] : state.teams.filter((team) => offlineCount(team) > 0);
  $('link-alert').hidden = !bad.length;
  $('link-alert').textContent = bad.length ? t('control.offline_alert', { teams: bad.map((x) => x.name).join(', ') }) : '';
}

/**
 * Wrong join codes that count for the alert: past the server's three free ones (a team member
 * mistyping once or twice is no alarm), or tries the server held back unread.
 */
const ALERT_WRONG = 3;
/** Team–address pairs named in the alert; the rest are counted. */
const ALERT_ITEMS = 3;

/** A banner when someone keeps trying wrong join codes: "12 mã sai cho Đội X từ 192.168.1.37". */
function renderJoinAlert() {
  const bad = failedJoins.filter((f) => f.wrong >= ALERT_WRONG || f.held_back > 0);
  $('join-alert').hidden = !bad.length;
  if (!bad.length) {
    $('join-alert').textContent = '';
    return;
  }
  const items = bad.slice(0, ALERT_ITEMS).map((f) =>
    t('control.failed_item', { n: f.wrong, team: f.judge ? judgeName(f.judge) : teamName(state, f.team), address: f.address })
      + (f.held_back > 0 ? t('control.failed_item_held', { n: f.held_back }) : ''));
  if (bad.length > ALERT_ITEMS) items.push(t('control.failed_more', { n: bad.length - ALERT_ITEMS }));
  $('join-alert').textContent = t('control.failed_alert', { list: items.join('; ') });
}

/** Clock exchanges after which a link's estimate counts as settled (a second of fast pings). */
const SETTLED_SAMPLES = 10;
/**
 * Above these a phone's link is "weak": a best round trip over 50 ms is no LAN Wi-Fi in good
 * shape, and a slowest recent uplink over 100 ms (the server's longest wait for earlier presses,
 * `settle_max_ms`) means a press from it can arrive after the floor is given.
 */
const WEAK_RTT_MS = 50;
const WEAK_UPLINK_MS = 100;
const HEALTH_ORDER = ['good', 'measuring', 'weak', 'offline'];
const LINK_DETAILS_KEY = 'stagebuzz.link_details';

/** A phone's link at a glance: `offline`, `measuring` (just joined), `weak` or `good`. */
function linkHealth(link) {
  if (!link.online) return 'offline';
  if (typeof link.round_trip_ms !== 'number' || (typeof link.samples === 'number' && link.samples < SETTLED_SAMPLES)) {
    return 'measuring';
  }
  const slowUplink = typeof link.uplink_ms === 'number' && link.uplink_ms > WEAK_UPLINK_MS;
  return link.round_trip_ms > WEAK_RTT_MS || slowUplink ? 'weak' : 'good';
}

/** The worst health among a team's phones. */
function teamHealth(team) {
  const all = (team.links || []).map(linkHealth);
  return all.reduce((worst, x) => (HEALTH_ORDER.indexOf(x) > HEALTH_ORDER.indexOf(worst) ? x : worst), 'good');
}

let linkDetails = false; // the raw numbers of each link, on request
try {
  linkDetails = localStorage.getItem(LINK_DETAILS_KEY) === '1';
} catch {
  // Off by default.
}
$('link-details').addEventListener('click', () => {
  linkDetails = !linkDetails;
  try {
    localStorage.setItem(LINK_DETAILS_KEY, linkDetails ? '1' : '0');
  } catch {
    // Not remembered.
  }
  render();
});

/** "1 máy · tốt": phones connected and the worst health; red when one stopped answering. */
function devicesCell(team) {
  if (!team.devices) return h('td', { className: 'dev off', text: t('join.not_joined') });
  const offline = offlineCount(team);
  if (offline > 0) {
    const text = offline === team.devices ? t('control.offline') : t('control.online', { online: team.devices - offline, n: team.devices });
    return h('td', { className: 'dev bad', title: t('control.offline_hint') }, text);
  }
  const health = teamHealth(team);
  const rtts = (team.links || []).map((l) => l.round_trip_ms).filter((x) => typeof x === 'number');
  return h('td', { className: `dev on health-${health}`, dataset: { health } },
    t('control.devices', { n: team.devices }),
    h('span', { className: 'dev-health', text: ` · ${t(`health.${health}`)}` }),
    linkDetails && rtts.length ? h('span', { className: 'rtt', text: ` · ${t('control.rtt', { ms: Math.round(Math.max(...rtts)) })}` }) : null);
}

/**
 * The line under a team's row: each phone's health, "Máy 1 · tốt", or a red "mất kết nối" with
 * when it last answered. With the details on, the numbers it comes from: "lệch −41,2 ms · khứ
 * hồi 6,2 ms · lên chậm nhất 9,8 ms · 32 lần đo · 2 s trước" (the evidence dialog has them per buzz).
 */
function linkRow(team) {
  const links = team.links || [];
  if (!links.length) return null;
  return h('tr', { className: `link-row ${offlineCount(team) ? 'link-bad' : ''}`, dataset: { linksOf: team.id } },
    h('td'),
    h('td', { colspan: '5' }, links.map((link, i) => {
      const measured = typeof link.round_trip_ms === 'number';
      const health = linkHealth(link);
      return h('div', { className: `link ${link.online ? 'on' : 'off'} health-${health}`, dataset: { device: link.device, health } },
        h('span', { className: 'link-name', title: t('link.device_title', { id: link.device }), text: t('link.device', { n: link.phone ?? i + 1 }) }),
        h('span', { className: 'link-health', title: t(`health.${health}_title`, { rtt: WEAK_RTT_MS, uplink: WEAK_UPLINK_MS }), text: t(`health.${health}`) }),
        linkDetails && measured ? [
          h('span', { className: 'link-num', title: t('link.offset_title'), text: t('link.offset', { ms: formatMs(link.offset_ms) }) }),
          h('span', { className: 'link-num', title: t('link.rtt_title'), text: t('link.rtt', { ms: formatMs(link.round_trip_ms) }) }),
          h('span', { className: 'link-num', title: t('link.uplink_title'), text: t('link.uplink', { ms: formatMs(link.uplink_ms) }) }),
          typeof link.samples === 'number' ? h('span', { className: 'link-num', title: t('link.settling_title', { n: link.samples }), text: t('health.samples', { n: link.samples }) }) : null,
        ] : null,
        // When it last answered: for a silent phone always, otherwise among the details.
        linkDetails || !link.online ? h('span', { className: 'link-seen', title: t('link.seen_title'), dataset: { seen: link.last_seen_ms ?? '' } }) : null);
    })));
}

/** Ages the "last seen" of every phone; runs every second, as a silent phone sends no states. */
function updateSeen() {
  if (!state) return;
  const now = serverNow(state, stateAt);
  document.querySelectorAll('#teams-body [data-seen]').forEach((el) => {
    const seen = el.dataset.seen;
    el.textContent = seen === '' ? t('link.never_seen') : agoText(now - Number(seen));
  });
  document.querySelectorAll('#access [data-failed-at]').forEach((el) => {
    el.textContent = agoText(now - Number(el.dataset.failedAt));
  });
}
setInterval(updateSeen, 1000);

function renderTeams() {
  const part = questionPart(state);
  // Before the scores differ every team would be "1": no ranks yet (as on the projector).
  const ranked = state.teams.some((team) => team.score !== state.teams[0].score);
  const ranks = new Map(rankTeams(state.teams).map((x) => [x.id, ranked ? x.rank : '']));
  // Contest order, not score order: rows must not jump while the MC reaches for a +/− button.
  const rows = state.teams.map((team) => {
    // The "this question" column: what the kind says of the team (has the floor, chose B…).
    const said = (part.teamStatus && part.teamStatus(state, team)) || {};
    const status = said.text || '';
    const statusClass = said.className || '';
    const links = linkRow(team);
    const row = h('tr', { className: `${statusClass} ${links ? 'has-links' : ''} ${offlineCount(team) ? 'link-bad' : ''}`, dataset: { teamRow: team.id } },
      h('td', { className: 'rank', text: ranks.get(team.id) }),
      h('td', { className: 'name', text: team.name }),
      h('td', { className: 'num score', text: formatPoints(team.score) }),
      devicesCell(team),
      h('td', { className: 'status', text: status }),
      h('td', { className: 'adjust' },
        h('button', { type: 'button', className: 'adj adj-plus', dataset: { adjust: '1', team: team.id },
          'aria-label': t('adjust.plus_label', { team: team.name }), title: t('adjust.plus_label', { team: team.name }), text: '+' }),
        h('button', { type: 'button', className: 'adj adj-minus', dataset: { adjust: '-1', team: team.id },
          'aria-label': t('adjust.minus_label', { team: team.name }), title: t('adjust.minus_label', { team: team.name }), text: '−' })));
    const age = adjusted && adjusted.team === team.id ? performance.now() - adjusted.at : Infinity;
    if (age < ADJUSTED_MS) {
      // Rows are rebuilt on every state: the light goes on from where it was.
      row.classList.add('adjusted');
      row.style.animationDelay = `-${Math.round(age)}ms`;
    }
    return links ? [row, links] : [row];
  });
  $('teams-body').replaceChildren(...rows.flat());
  updateSeen();
}

// ---- Programme: rounds, rankings, intermission, finishing -------------------------------------

let programmeKey = null; // what #programme-list shows, to rebuild it only when that changes
let finishArmedUntil = 0; // "press again to confirm" window of btn-finish, in performance.now() time

/**
 * Whether every question of a programme round has been shown (start_round refuses it then). A
 * round scored by hand has none and is never over: the MC may come back to correct a score.
 */
function roundOver(r) {
  return r.questions > 0 && r.shown >= r.questions;
}

/** Whether commands that replace what is on stage can be sent now. */
function canMoveOn() {
  if (!connected || !state) return false;
  return canLeave(state);
}

/**
 * One line per round: number, title, "đã hỏi 3/5 câu", a mark on the round being played, and its
 * "Bắt đầu phần thi" / "Xếp hạng phần thi" buttons. The buttons outside the list follow too.
 */
function renderProgramme() {
  const programme = state.programme || [];
  const current = state.round ? state.round.number : null;
  const movable = canMoveOn();
  const key = JSON.stringify([getLang(), programme, current, movable]);
  if (key !== programmeKey) {
    programmeKey = key;
    $('programme-list').replaceChildren(...programme.map((r) => {
      const played = roundOver(r);
      const isCurrent = r.number === current;
      return h('li', { className: `prog-round${isCurrent ? ' current' : ''}${played ? ' played' : ''}`, dataset: { round: String(r.number) } },
        h('span', { className: 'prog-num', text: String(r.number) }),
        h('div', { className: 'prog-info' },
          h('div', { className: 'prog-title', text: r.title }),
          h('div', { className: 'prog-meta' },
            h('span', {
              className: 'prog-shown',
              text: r.questions > 0 ? t('control.round_shown', { shown: r.shown, total: r.questions }) : t('control.round_scored'),
            }),
            isCurrent ? h('span', { className: 'prog-current', text: t('control.round_current') }) : null)),
        h('div', { className: 'prog-buttons' },
          h('button', {
            type: 'button', className: 'prog-btn prog-btn-start', dataset: { startRound: String(r.number) },
            disabled: played || !movable, title: t('control.start_round_label', { n: r.number, title: r.title }),
            'aria-label': t('control.start_round_label', { n: r.number, title: r.title }), text: t('btn.start_round'),
          }),
          h('button', {
            type: 'button', className: 'prog-btn prog-btn-slide', dataset: { roundRanking: String(r.number) },
            disabled: !movable, title: t('control.round_ranking_label', { n: r.number, title: r.title }),
            'aria-label': t('control.round_ranking_label', { n: r.number, title: r.title }), text: t('btn.round_ranking'),
          })));
    }));
  }
  $('btn-overall').disabled = !movable;
  $('btn-intermission').disabled = !movable;
  $('intermission-show').disabled = !movable;
  $('btn-finish').disabled = !movable || state.stage === 'finished';
  renderFinishConfirm();
}

$('programme-list').addEventListener('click', (ev) => {
  const start = ev.target.closest('[data-start-round]');
  if (start && !start.disabled) {
    replayAnimation(start, 'flash');
    send({ type: 'start_round', round: Number(start.dataset.startRound) }, 'btn.start_round');
    return;
  }
  const ranking = ev.target.closest('[data-round-ranking]');
  if (ranking && !ranking.disabled) {
    replayAnimation(ranking, 'flash');
    send({ type: 'show_ranking', round: Number(ranking.dataset.roundRanking) }, 'btn.round_ranking');
  }
});

$('btn-overall').addEventListener('click', () => {
  replayAnimation($('btn-overall'), 'flash');
  send({ type: 'show_ranking' }, 'btn.overall_ranking');
});

// "Giải lao": a caption field opens under the buttons; Enter (or the button) puts it on stage.
function openIntermission(open) {
  $('intermission-form').hidden = !open;
  $('btn-intermission').setAttribute('aria-expanded', String(open));
  $('btn-intermission').classList.toggle('open', open);
  if (open) {
    $('intermission-caption').focus();
    $('intermission-caption').select();
  }
}

$('btn-intermission').addEventListener('click', () => openIntermission($('intermission-form').hidden));
$('intermission-cancel').addEventListener('click', () => openIntermission(false));
$('intermission-caption').addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') {
    ev.preventDefault();
    openIntermission(false);
  }
});
$('intermission-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if ($('intermission-show').disabled) return;
  const caption = $('intermission-caption').value.trim();
  if (send({ type: 'show_intermission', caption }, 'btn.intermission') === null) return;
  $('intermission-caption').value = '';
  openIntermission(false);
});

// Ending the contest early cannot be undone by a stray click: the first press asks for a second.
$('btn-finish').addEventListener('click', () => {
  const btn = $('btn-finish');
  if (btn.disabled) return;
  replayAnimation(btn, 'flash');
  if (performance.now() > finishArmedUntil) {
    finishArmedUntil = performance.now() + 3000;
    renderFinishConfirm();
    setTimeout(renderFinishConfirm, 3050);
    return;
  }
  finishArmedUntil = 0;
  renderFinishConfirm();
  send({ type: 'finish_contest' }, 'btn.finish');
});

function renderFinishConfirm() {
  const armed = performance.now() < finishArmedUntil && !$('btn-finish').disabled;
  $('finish-confirm').hidden = !armed;
  $('btn-finish').textContent = t(armed ? 'btn.finish_confirm' : 'btn.finish');
  $('btn-finish').classList.toggle('armed', armed);
}

// ---- Join codes and phones ---------------------------------------------------------------------

let accessKey = null; // what #access-teams shows, to rebuild it only when that changes
const qrImages = new Map(); // team id → its <img>, reused so a re-render does not fetch it again
let qrTeam = null; // team whose QR code is enlarged
const ACCESS_OPEN_KEY = 'stagebuzz.access_open';

/** The server draws the QR code of `/?team=…&code=…` for the address this page was opened at. */
function qrSource(team) {
  return `/api/join-qr/${encodeURIComponent(team.id)}?token=${encodeURIComponent(token || '')}&v=${encodeURIComponent(team.code)}`;
}

/** Phones connected now, per team: team id → (phone number → answering pings). */
function livePhones() {
  const live = new Map();
  for (const team of (state && state.teams) || []) {
    const phones = new Map();
    for (const link of team.links || []) {
      if (typeof link.phone !== 'number') continue;
      phones.set(link.phone, Boolean(phones.get(link.phone)) || Boolean(link.online));
    }
    live.set(team.id, phones);
  }
  return live;
}

/** Whether the page was opened at an address phones cannot reach (so its QR codes are no use). */
function loopbackHost() {
  const host = location.hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

function renderAccess() {
  const live = livePhones();
  const names = state ? state.teams.map((x) => [x.id, x.name]) : [];
  const judges = judgeAccess ? judgeAccess.map((j) => [j.id, judgeName(j.id)]) : null;
  const key = JSON.stringify([getLang(), access, judgeAccess, failedJoins, names, judges, [...live].map(([id, phones]) => [id, [...phones]])]);
  if (key === accessKey) return;
  accessKey = key;
  $('access-explain').textContent = t('access.explain', { join: `${location.origin}/` });
  $('access-warning').hidden = !loopbackHost();
  $('access-warning').textContent = loopbackHost() ? t('access.localhost', { host: location.host }) : '';
  renderJudgeAccess();
  if (!access) {
    $('access-teams').replaceChildren(h('p', { className: 'none', text: t('access.waiting') }));
    return;
  }
  $('access-teams').replaceChildren(...access.map((team) =>
    accessBlock(team, { name: state ? teamName(state, team.id) : team.id, live: live.get(team.id) || new Map() })));
  updateSeen();
  if (qrTeam) showQr(qrTeam);
}

/** The judging panel's codes, like the teams': only when the contest has judges. */
function renderJudgeAccess() {
  $('access-judges-box').hidden = !judgeAccess;
  $('access-teams-title').hidden = !judgeAccess;
  if (!judgeAccess) return;
  $('access-judges-explain').textContent = t('access.judges_explain', { judge: `${location.origin}/judge` });
  $('access-judges').replaceChildren(...judgeAccess.map((judge) => accessBlock(judge, { name: judgeName(judge.id), judge: true })));
}

/** A judge's name (the `access` message gives ids only), or its id until the names have come. */
function judgeName(id) {
  const named = state && state.judged ? state.judged.judges.find((j) => j.id === id) : null;
  return named ? named.name : judgeNames.get(id) || id;
}

let judgeNamesLoading = false;

/** The panel's names, from the list the judge page shows. */
async function loadJudgeNames() {
  if (judgeNamesLoading) return;
  judgeNamesLoading = true;
  try {
    const res = await fetch('/api/judges', { cache: 'no-store' });
    if (res.ok) {
      const data = await res.json();
      judgeNames = new Map((Array.isArray(data.judges) ? data.judges : []).map((j) => [j.id, j.name]));
      renderAccess();
      if (state) renderJoinAlert();
    }
  } catch {
    // The ids stand in for the names; the next `access` message tries again.
  } finally {
    judgeNamesLoading = false;
  }
}

/** "12 mã sai từ 192.168.1.37 · 40 lần bị tạm chặn · 2 phút trước", per address, for one team (or judge). */
function failedJoinList(id, judge = false) {
  const mine = failedJoins.filter((f) => (judge ? f.judge : f.team) === id);
  if (!mine.length) return null;
  return [
    h('div', { className: 'label failed-label', text: t('access.failed') }),
    h('ul', { className: 'failed-joins' }, mine.map((f) => h('li', {
      className: f.wrong >= ALERT_WRONG || f.held_back > 0 ? 'failed-join alarming' : 'failed-join',
      dataset: { failedAddress: f.address },
    },
    h('span', { text: t('access.failed_line', { n: f.wrong, address: f.address }) }),
    f.held_back > 0 ? h('span', { text: ` · ${t('access.failed_held', { n: f.held_back })}` }) : null,
    ' · ',
    h('span', { className: 'failed-at', dataset: { failedAt: String(f.last_ms) } })))),
  ];
}

/**
 * One team (or judge): its code in big letters, its QR code, "Đổi mã", and its phones with "Gỡ".
 * A team's phones say whether they answer now (`live`); a judge's block says how many of its
 * phones are connected (the `access` message counts them) and gives its join link to send.
 */
function accessBlock(entry, { name, live = null, judge = false }) {
  const src = qrSource(entry);
  let img = qrImages.get(entry.id);
  if (!img || img.getAttribute('src') !== src) {
    img = h('img', { className: 'qr', src, width: '200', height: '200', alt: '' });
    qrImages.set(entry.id, img);
  }
  img.alt = t('access.qr_alt', { team: name });
  const phones = entry.phones || [];
  const connected = judge ? entry.connected || 0 : 0;
  return h('article', { className: judge ? 'access-team access-judge' : 'access-team', dataset: judge ? { accessJudge: entry.id } : { accessTeam: entry.id } },
    h('h3', { className: 'access-name', text: name }),
    h('div', { className: 'access-body' },
      h('button', { type: 'button', className: 'qr-btn', dataset: { qr: entry.id }, title: t('access.enlarge') }, img),
      h('div', { className: 'access-info' },
        h('div', { className: 'label', text: t('access.code_label') }),
        h('div', { className: 'join-code', dataset: { code: entry.code }, text: entry.code }),
        judge ? h('div', { className: `judge-connected ${connected ? 'on' : 'off'}`, text: connected ? t('access.judge_connected', { n: connected }) : t('access.judge_offline') }) : null,
        h('button', {
          type: 'button', className: 'btn-secondary btn-rotate', dataset: judge ? { rotateJudge: entry.id } : { rotate: entry.id },
          title: t('access.rotate_label', { team: name }), text: t('access.rotate'),
        }))),
    judge ? h('p', { className: 'access-link' },
      h('span', { className: 'label', text: t('access.judge_link') }),
      h('span', { className: 'access-link-url', text: `${location.origin}${entry.join_path}` })) : null,
    h('div', { className: 'label', text: t(judge ? 'access.judge_phones' : 'access.phones') }),
    phones.length
      ? h('ul', { className: 'phones' }, phones.map((phone) => {
        const online = live ? live.get(phone.number) : undefined;
        // A judge's phones are counted, not named, while connected: "registered" only.
        const status = phone.revoked ? 'revoked' : judge ? 'registered' : online === undefined ? 'offline' : online ? 'online' : 'silent';
        return h('li', { className: `phone phone-${status}`, dataset: { phone: phone.number, status } },
          h(phone.revoked ? 's' : 'span', { className: 'phone-name', text: t('link.device', { n: phone.number }) }),
          h('span', { className: 'phone-status', text: t(`access.${status}`) }),
          phone.revoked ? null : h('button', {
            type: 'button', className: 'btn-revoke',
            dataset: judge ? { revokeJudge: String(phone.number), judge: entry.id } : { revoke: String(phone.number), team: entry.id },
            'aria-label': t('access.revoke_label', { n: phone.number, team: name }), text: t('access.revoke'),
          }));
      }))
      : h('p', { className: 'none', text: t('access.no_phones') }),
    failedJoinList(entry.id, judge));
}

$('access-teams').addEventListener('click', (ev) => {
  const qr = ev.target.closest('[data-qr]');
  if (qr) {
    showQr(qr.dataset.qr);
    return;
  }
  const rotate = ev.target.closest('[data-rotate]');
  if (rotate) {
    const team = rotate.dataset.rotate;
    const name = () => teamName(state, team);
    askConfirm({
      title: () => t('confirm.rotate_title', { team: name() }),
      detail: () => t('confirm.rotate_detail'),
      ok: () => t('confirm.rotate_ok'),
      run: () => {
        const id = send({ type: 'rotate_code', team }, 'access.rotate');
        if (id !== null) doneToasts.set(id, () => t('access.rotated', { team: name() }));
      },
    });
    return;
  }
  const revoke = ev.target.closest('[data-revoke]');
  if (revoke) {
    const team = revoke.dataset.team;
    const phone = Number(revoke.dataset.revoke);
    const name = () => teamName(state, team);
    askConfirm({
      title: () => t('confirm.revoke_title', { n: phone, team: name() }),
      detail: () => t('confirm.revoke_detail'),
      ok: () => t('confirm.revoke_ok'),
      run: () => {
        const id = send({ type: 'revoke_phone', team, phone }, 'access.revoke');
        if (id !== null) doneToasts.set(id, () => t('access.revoked_done', { n: phone, team: name() }));
      },
    });
  }
});

// A judge's code and phones: as a team's, with the judge commands.
$('access-judges').addEventListener('click', (ev) => {
  const qr = ev.target.closest('[data-qr]');
  if (qr) {
    showQr(qr.dataset.qr);
    return;
  }
  const rotate = ev.target.closest('[data-rotate-judge]');
  if (rotate) {
    const judge = rotate.dataset.rotateJudge;
    const name = () => judgeName(judge);
    askConfirm({
      title: () => t('confirm.rotate_title', { team: name() }),
      detail: () => t('confirm.rotate_judge_detail'),
      ok: () => t('confirm.rotate_ok'),
      run: () => send({ type: 'rotate_judge_code', judge }, 'access.rotate', { done: () => t('access.rotated', { team: name() }) }),
    });
    return;
  }
  const revoke = ev.target.closest('[data-revoke-judge]');
  if (revoke) {
    const judge = revoke.dataset.judge;
    const phone = Number(revoke.dataset.revokeJudge);
    const name = () => judgeName(judge);
    askConfirm({
      title: () => t('confirm.revoke_title', { n: phone, team: name() }),
      detail: () => t('confirm.revoke_judge_detail'),
      ok: () => t('confirm.revoke_ok'),
      run: () => send({ type: 'revoke_judge_phone', judge, phone }, 'access.revoke', {
        done: () => t('access.revoked_done', { n: phone, team: name() }),
      }),
    });
  }
});

// The section stays open or closed as the MC left it.
try {
  if (localStorage.getItem(ACCESS_OPEN_KEY) === '0') $('access-details').open = false;
} catch {
  // Open by default.
}
$('access-details').addEventListener('toggle', () => {
  try {
    localStorage.setItem(ACCESS_OPEN_KEY, $('access-details').open ? '1' : '0');
  } catch {
    // Not remembered.
  }
});

// ---- QR code, enlarged ------------------------------------------------------------------------

const qrDialog = $('qr-dialog');

function showQr(teamId) {
  const judge = judgeAccess && judgeAccess.find((x) => x.id === teamId);
  const team = (access && access.find((x) => x.id === teamId)) || judge;
  if (!team) {
    if (qrDialog.open) qrDialog.close();
    return;
  }
  qrTeam = teamId;
  const name = judge ? judgeName(teamId) : state ? teamName(state, teamId) : teamId;
  $('qr-team').textContent = name;
  const src = qrSource(team);
  if ($('qr-image').getAttribute('src') !== src) $('qr-image').setAttribute('src', src);
  $('qr-image').alt = t('access.qr_alt', { team: name });
  $('qr-code').textContent = team.code;
  if (!qrDialog.open) qrDialog.showModal();
}

$('qr-close').addEventListener('click', () => qrDialog.close());
qrDialog.addEventListener('click', (ev) => {
  if (ev.target === qrDialog) qrDialog.close();
});
qrDialog.addEventListener('close', () => {
  qrTeam = null;
});

// ---- Confirmation -----------------------------------------------------------------------------

const confirmDialog = $('confirm-dialog');
let confirmAction = null; // {title, detail, ok, run}: texts as functions (language switches)

function askConfirm(action) {
  confirmAction = action;
  renderConfirm();
  confirmDialog.showModal();
  $('confirm-cancel').focus(); // the safe choice by default
}

function renderConfirm() {
  if (!confirmAction) return;
  $('confirm-title').textContent = confirmAction.title();
  $('confirm-detail').textContent = confirmAction.detail();
  $('confirm-ok').textContent = confirmAction.ok();
}

$('confirm-cancel').addEventListener('click', () => confirmDialog.close());
$('confirm-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const action = confirmAction;
  confirmDialog.close();
  if (action) action.run();
});
confirmDialog.addEventListener('close', () => {
  confirmAction = null;
});

const countdown = createBarCountdown();

// ---- Score adjustment -----------------------------------------------------------------------

const dialog = $('adjust-dialog');
const form = $('adjust-form');
let adjustTeam = null;

$('teams-body').addEventListener('click', (ev) => {
  const btn = ev.target.closest('[data-adjust]');
  if (!btn || !state) return;
  adjustTeam = btn.dataset.team;
  $('adjust-team').textContent = teamName(state, adjustTeam);
  form.elements.sign.value = btn.dataset.adjust;
  form.elements.points.value = '';
  form.elements.reason.value = '';
  updateAdjustButton();
  dialog.showModal();
  form.elements.points.focus();
});

function adjustDelta() {
  // Half points and a panel's means are entered by hand too: at most two decimals.
  const points = Math.round(Number(form.elements.points.value) * 100) / 100;
  return Number.isFinite(points) && points > 0 ? points * Number(form.elements.sign.value) : 0;
}

function updateAdjustButton() {
  const delta = adjustDelta();
  const n = delta ? formatPoints(Math.abs(delta)) : '…';
  $('adjust-submit').textContent = t(delta < 0 || form.elements.sign.value === '-1' ? 'adjust.apply_deduct' : 'adjust.apply_add', { n });
  $('adjust-submit').classList.toggle('deduct', form.elements.sign.value === '-1');
}

form.addEventListener('input', updateAdjustButton);
form.addEventListener('change', updateAdjustButton);
$('adjust-cancel').addEventListener('click', () => dialog.close());

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const delta = adjustDelta();
  const reason = form.elements.reason.value.trim();
  if (!delta) {
    form.elements.points.focus();
    return;
  }
  if (!reason) {
    form.elements.reason.value = '';
    form.elements.reason.reportValidity();
    return;
  }
  const team = adjustTeam;
  send({ type: 'adjust_score', team, delta, reason }, 'adjust.title', {
    applied: () => {
      adjusted = { team, at: performance.now() };
      render();
    },
  });
  dialog.close();
});

onLangChange(() => {
  if (fatalKey) $('fatal').textContent = t(fatalKey);
  updateAdjustButton();
  renderConfirm();
  if (qrTeam) showQr(qrTeam);
  kinds.all.forEach((kind) => kind.onLang && kind.onLang());
  render();
});

render();
