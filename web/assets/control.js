// MC control page: drives the show. Buttons the current phase makes pointless are disabled, so
// the MC can act fast without reading rejections; rejections still show, translated.
import {
  t, setupI18n, onLangChange, connect, connectionIndicator, createCountdown, countdownText,
  h, teamName, rankTeams, questionLabel, codeMessage, toast, replayAnimation,
} from './common.js';

const $ = (id) => document.getElementById(id);

setupI18n();
const setConnStatus = connectionIndicator($('conn'));

let state = null;
let connected = false;
let fatalKey = null; // translation key of a blocking problem (missing / wrong token)
let nextArmedUntil = 0; // "press again to confirm" window of btn-next, in performance.now() time
const pending = new Map(); // command id → translation key of the button, for messages

/** Phases in which the question cannot be left: buzzers open, a buzz being settled, a team answering. */
const BUSY = new Set(['open', 'settling', 'floor']);

/** Each button: the command it sends, and when it makes sense. */
const ACTIONS = {
  'btn-next': { cmd: { type: 'show_next_question' }, label: 'btn.next', key: 'n',
    enabled: (s, phase) => s.stage === 'not_started' || (s.stage === 'question' && !BUSY.has(phase)) },
  'btn-open': { cmd: { type: 'open_buzzers' }, label: 'btn.open', key: 'o',
    enabled: (s, phase) => phase === 'ready' || phase === 'locked' },
  'btn-lock': { cmd: { type: 'lock_buzzers' }, label: 'btn.lock', key: 'l',
    enabled: (s, phase) => phase === 'open' },
  'btn-correct': { cmd: { type: 'judge', verdict: 'correct' }, label: 'btn.correct', key: 'c',
    enabled: (s, phase) => phase === 'floor' },
  'btn-wrong': { cmd: { type: 'judge', verdict: 'wrong' }, label: 'btn.wrong', key: 'w',
    enabled: (s, phase) => phase === 'floor' },
  'btn-reveal': { cmd: { type: 'reveal_answer' }, label: 'btn.reveal', key: 'r',
    enabled: (s, phase) => s.stage === 'question' && !s.question.revealed && phase !== 'floor' && phase !== 'settling' },
  'btn-undo': { cmd: { type: 'undo' }, label: 'btn.undo', key: 'u',
    enabled: (s) => Boolean(s.can_undo) },
};

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
      countdown.update(s, receivedAt);
      render();
    },
    onMessage: onMessage,
  });
}
// A new token pasted into the address bar: start over with it.
window.addEventListener('hashchange', () => location.reload());

function onMessage(msg) {
  const label = pending.get(msg.id);
  if (msg.type === 'ack' || msg.type === 'rejected') pending.delete(msg.id);
  if (msg.type === 'rejected') {
    toast(label ? `${t(label)}: ${codeMessage(msg)}` : codeMessage(msg));
  } else if (msg.type === 'ack' && label === 'adjust.title') {
    toast(t('control.done'), 'ok', 2000);
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

function send(cmd, label) {
  const id = conn ? conn.send(cmd) : null;
  if (id === null) {
    toast(t('not_connected'));
    return;
  }
  pending.set(id, label);
}

// ---- Buttons and shortcuts ------------------------------------------------------------------

function runAction(btnId) {
  const action = ACTIONS[btnId];
  const btn = $(btnId);
  if (btn.disabled) return;
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
  return state && state.stage === 'question' && state.buzz.phase !== 'closed';
}

function renderNextConfirm() {
  const armed = performance.now() < nextArmedUntil;
  $('next-confirm').hidden = !armed;
  $('btn-next').classList.toggle('armed', armed);
}

for (const btnId of Object.keys(ACTIONS)) {
  $(btnId).addEventListener('click', () => runAction(btnId));
}

document.addEventListener('keydown', (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  if ($('adjust-dialog').open || ev.target.closest('input, textarea, select')) return;
  const key = ev.key.toLowerCase();
  const btnId = Object.keys(ACTIONS).find((id) => ACTIONS[id].key === key);
  if (!btnId) return;
  ev.preventDefault();
  runAction(btnId);
});

// ---- Rendering ------------------------------------------------------------------------------

function render() {
  if (fatalKey) return;
  const phase = state && state.buzz ? state.buzz.phase : null;
  for (const [btnId, action] of Object.entries(ACTIONS)) {
    $(btnId).disabled = !connected || !state || !action.enabled(state, phase);
  }
  renderNextConfirm();
  if (!state) return;

  $('contest-title').textContent = state.title;
  renderQuestion();
  renderStatus();
  renderTeams();
  $('links').textContent = t('control.links', { join: `${location.origin}/`, screen: `${location.origin}/screen` });
}

function renderQuestion() {
  const q = state.question;
  $('question-meta').textContent = q ? questionLabel(state) : '';
  $('question-text').textContent = q ? q.text : '';
  const note = state.stage === 'not_started' ? 'control.not_started' : state.stage === 'finished' ? 'control.finished' : null;
  $('stage-note').textContent = note ? t(note) : '';
  $('stage-note').hidden = !note;
  $('mc-only').hidden = !q;
  $('mc-only').classList.toggle('revealed', Boolean(q && q.revealed));
  $('answer-text').textContent = q && q.answer ? q.answer : '';
  $('notes-text').textContent = q && q.notes ? q.notes : '';
  $('notes-row').hidden = !(q && q.notes);
}

function renderStatus() {
  const buzz = state.buzz;
  $('status-card').hidden = !buzz;
  if (!buzz) return;
  // An unknown phase (newer server) shows its raw name rather than a translation key.
  const tr = (key, fallback) => (t(key) === key ? fallback : t(key));
  let phaseText = tr(`phase.${buzz.phase}`, buzz.phase);
  if (buzz.phase === 'floor' && buzz.time_up) phaseText = t('phase.floor_time_up');
  if (buzz.phase === 'closed' && buzz.closed_reason) phaseText += ` — ${t(`reason.${buzz.closed_reason}`)}`;
  $('phase').textContent = phaseText;
  $('phase').dataset.phase = buzz.phase;
  $('hint').textContent = tr(`hint.${buzz.phase}`, '');

  $('floor').textContent = buzz.floor ? teamName(state, buzz.floor) : t('control.nobody');
  $('floor').classList.toggle('active', Boolean(buzz.floor));

  $('buzz-order').replaceChildren(...buzzOrder(buzz));
  $('false-starts-box').hidden = !(buzz.false_starts && buzz.false_starts.length);
  $('false-starts').replaceChildren(...(buzz.false_starts || []).map((f) =>
    h('li', { className: f.lost_question ? 'lost' : '' },
      teamName(state, f.team), f.lost_question ? ` — ${t('control.lost')}` : '')));

  const verdicts = buzz.judgements.map((j) =>
    h('li', { className: `verdict-${j.verdict}` },
      h('span', { className: 'verdict-mark', text: j.verdict === 'correct' ? '✓' : '✗' }),
      ` ${teamName(state, j.team)} — ${t(`verdict.${j.verdict}`)}`));
  $('judgements').replaceChildren(...(verdicts.length ? verdicts : [h('li', { className: 'none', text: t('control.none') })]));
}

/**
 * Buzzes of each opening of the buzzers ("race"), fastest first, with the gap to the fastest so
 * the MC can answer "who was first?" with evidence (e.g. "+12 ms", "close call").
 */
function buzzOrder(buzz) {
  if (!buzz.buzzes.length) return [h('p', { className: 'none', text: t('control.none') })];
  const races = [...new Set(buzz.buzzes.map((b) => b.race || 1))];
  return races.flatMap((race) => [
    races.length > 1 ? h('div', { className: 'race', text: t('control.race', { n: race }) }) : null,
    h('ol', { className: 'plain-list' }, buzz.buzzes.filter((x) => (x.race || 1) === race).map((b) => {
      const gap = typeof b.gap_ms === 'number' && b.gap_ms > 0 ? ` +${Math.round(b.gap_ms)} ms` : '';
      return h('li', {},
        teamName(state, b.team),
        gap && h('span', { className: 'gap', text: gap }),
        b.close && h('span', { className: 'close-tag', text: t('control.close_call') }));
    })),
  ]).filter(Boolean);
}

/** "1 máy · 12 ms": devices answering the clock pings / connected, and the worst round trip. */
function devicesCell(team) {
  if (!team.devices) return h('td', { className: 'dev off', text: t('join.not_joined') });
  const online = typeof team.online === 'number' ? team.online : team.devices;
  const rtts = (team.links || []).map((l) => l.round_trip_ms).filter((x) => typeof x === 'number');
  const text = online < team.devices ? t('control.online', { online, n: team.devices }) : t('control.devices', { n: team.devices });
  return h('td', { className: `dev ${online < team.devices ? 'warn' : 'on'}`, title: online < team.devices ? t('control.offline_hint') : null },
    text, rtts.length ? h('span', { className: 'rtt', text: ` · ${t('control.rtt', { ms: Math.round(Math.max(...rtts)) })}` }) : null);
}

function renderTeams() {
  const buzz = state.buzz;
  const ranks = new Map(rankTeams(state.teams).map((x) => [x.id, x.rank]));
  // Contest order, not score order: rows must not jump while the MC reaches for a +/− button.
  const rows = state.teams.map((team) => {
    let status = '';
    let statusClass = '';
    if (buzz && buzz.floor === team.id) {
      status = t('control.has_floor');
      statusClass = 'st-floor';
    } else if (buzz && buzz.tried.includes(team.id)) {
      status = t('control.tried');
      statusClass = 'st-tried';
    } else if (buzz && (buzz.false_starts || []).some((f) => f.team === team.id && f.lost_question)) {
      status = t('control.lost');
      statusClass = 'st-tried';
    }
    return h('tr', { className: statusClass, dataset: { teamRow: team.id } },
      h('td', { className: 'rank', text: ranks.get(team.id) }),
      h('td', { className: 'name', text: team.name }),
      h('td', { className: 'num score', text: team.score }),
      devicesCell(team),
      h('td', { className: 'status', text: status }),
      h('td', { className: 'adjust' },
        h('button', { type: 'button', className: 'adj adj-plus', dataset: { adjust: '1', team: team.id },
          'aria-label': t('adjust.plus_label', { team: team.name }), title: t('adjust.plus_label', { team: team.name }), text: '+' }),
        h('button', { type: 'button', className: 'adj adj-minus', dataset: { adjust: '-1', team: team.id },
          'aria-label': t('adjust.minus_label', { team: team.name }), title: t('adjust.minus_label', { team: team.name }), text: '−' })));
  });
  $('teams-body').replaceChildren(...rows);
}

const countdown = createCountdown((c) => {
  $('countdown').hidden = !c;
  if (!c) return;
  $('countdown-bar').style.transform = `scaleX(${c.fraction})`;
  $('countdown-secs').textContent = countdownText(c.left);
  $('countdown').classList.toggle('urgent', c.left < 3000);
});

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
  const points = Number(form.elements.points.value);
  return Number.isInteger(points) && points > 0 ? points * Number(form.elements.sign.value) : 0;
}

function updateAdjustButton() {
  const delta = adjustDelta();
  const n = Math.abs(delta) || '…';
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
  send({ type: 'adjust_score', team: adjustTeam, delta, reason }, 'adjust.title');
  dialog.close();
});

onLangChange(() => {
  if (fatalKey) $('fatal').textContent = t(fatalKey);
  updateAdjustButton();
  render();
});

render();
