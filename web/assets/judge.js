// Judge page: pick your name and type your judge code (or open the link of your QR code), then
// a score sheet with one card per team: the team on stage highlighted, a mark per criterion set
// with big buttons, "Send", and the marks this judge sent — locked once the secretary closes
// the team's scoring. The phone keeps the device token the server gives it and rejoins with it
// by itself. A judge only ever sees its own marks (the server sends nothing else) until the
// secretary reveals a team's result.
import {
  t, setupI18n, onLangChange, connect, connectionIndicator, h, teamName, codeMessage, toast,
  getLang, serverNow, normalizeJoinCode, checkJoinCode,
} from './common.js';

/** `{judge, device}`: this phone's device token, from the `welcome` of its first join. */
const DEVICE_KEY = 'stagebuzz.judge_device';
/** "Change judge" must be tapped twice within this (a stray tap must not log a judge out). */
const CHANGE_ARM_MS = 3000;
/** At most this many whole-number shortcut buttons per criterion (0–10 → 11). */
const MAX_SHORTCUTS = 21;
const $ = (id) => document.getElementById(id);

let conn = null; // connect() handle while joining or joined
let identity = loadIdentity(); // {judge, device} once joined
let joining = null; // {judge, code, fromLink} while joining with a code
let linkJoin = null; // {judge, code} of the QR link opened, to fall back on if the token fails
let myJudge = identity ? identity.judge : null;
let myName = '';
let state = null; // latest `state`
let stateAt = 0; // performance.now() when it arrived
let panel = null; // judges from /api/judges, for the list and the name
let pickerNote = null; // translation key of the note above the list
let codeJudge = null; // judge whose code is being asked
let codeError = null; // () => text under the code field
let noticeKey = null; // translation key of #notice
let throttledUntil = 0; // performance.now() until which the server reads no code from us
let throttleTimer = null;
let changeArmedUntil = 0;
let reminder = null; // {team} of the reminder shown
let timerTick = null; // redraws a running stage timer
let lastOnStage = null; // to scroll to a team when it is called on stage

/**
 * Per team (key `round/team`): `{draft: [hundredths|null…], dirty, pending: id|null}`. The draft
 * follows the server's `mine` until the judge touches it, and again once it is sent.
 */
const sheets = new Map();
/** Team cards, by team id, with the round they were built for: updated in place. */
let cards = new Map();
let cardsKey = null;

setupI18n();
const setSheetConn = connectionIndicator($('conn'));
const setPickerConn = connectionIndicator($('picker-conn'));

// ---- Device token -----------------------------------------------------------------------------

function loadIdentity() {
  try {
    const saved = JSON.parse(localStorage.getItem(DEVICE_KEY) || 'null');
    if (saved && typeof saved.judge === 'string' && typeof saved.device === 'string' && saved.device) return saved;
  } catch {
    // Damaged or unavailable: join again.
  }
  return null;
}

function saveIdentity(next) {
  identity = next;
  try {
    localStorage.setItem(DEVICE_KEY, JSON.stringify(next));
  } catch {
    // Not remembered across reloads (private mode); this page still works.
  }
}

function forgetIdentity() {
  identity = null;
  try {
    localStorage.removeItem(DEVICE_KEY);
  } catch {
    // Nothing remembered anyway.
  }
}

// ---- Connection -------------------------------------------------------------------------------

function openConnection() {
  if (conn) conn.close();
  state = null;
  conn = connect({
    role: 'judge',
    // A code being tried wins over a token kept from another judge (a new QR code).
    hello: () => (joining ? { judge: joining.judge, code: joining.code } : identity ? { device: identity.device } : {}),
    onStatus: (s) => {
      setSheetConn(s);
      setPickerConn(s);
      if (s !== 'connected') {
        // Sent on a socket that died: the next state says what the server got.
        for (const sheet of sheets.values()) sheet.pending = null;
      }
      render();
    },
    onState: (s, receivedAt) => {
      state = s;
      stateAt = receivedAt;
      render();
    },
    onMessage,
  });
}

function onMessage(msg) {
  switch (msg.type) {
    case 'welcome':
      if (msg.device) saveIdentity({ judge: msg.judge, device: msg.device });
      myJudge = msg.judge || myJudge;
      myName = msg.name || myName;
      joining = null;
      linkJoin = null;
      setNotice(null);
      if ($('sheet').hidden) showSheet();
      return;
    case 'reminder':
      showReminder(msg);
      return;
    case 'ack':
    case 'rejected':
      answered(msg);
      return;
    case 'error':
      break;
    default:
      return;
  }
  switch (msg.code) {
    case 'bad_code': {
      const tried = joining || { judge: codeJudge, fromLink: false };
      dropConnection();
      joining = null;
      showCodeStep(tried.judge, { error: tried.fromLink ? 'judge.bad_link_code' : 'judge.bad_code', keepCode: !tried.fromLink });
      break;
    }
    case 'throttled': {
      // Too many wrong codes from this network; the server did not read this one.
      const tried = joining || { judge: codeJudge, fromLink: false };
      dropConnection();
      joining = null;
      const wait = Number.isFinite(msg.retry_after_ms) && msg.retry_after_ms > 0 ? msg.retry_after_ms : 30000;
      throttledUntil = performance.now() + wait;
      showCodeStep(tried.judge, { keepCode: !tried.fromLink });
      tickThrottle();
      break;
    }
    case 'unknown_judge':
      dropConnection();
      if (!joining) forgetIdentity();
      joining = null;
      showPicker('judge.gone');
      break;
    case 'unknown_device':
    case 'device_revoked':
    case 'device_refused':
      // This phone's token is no good any more: forget it and join again like a new phone.
      dropConnection();
      forgetIdentity();
      if (linkJoin) joinWithCode(linkJoin.judge, linkJoin.code, true);
      else showPicker(`judge.${msg.code}`);
      break;
    case 'judge_full':
      if (joining) {
        const tried = joining;
        dropConnection();
        joining = null;
        showCodeStep(tried.judge, { error: 'judge.full', keepCode: !tried.fromLink });
      } else {
        // Its own old connection may not have timed out yet: the socket retries.
        setNotice('judge.full_wait');
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
}

function setNotice(key) {
  noticeKey = key;
  $('notice').hidden = !key;
  $('notice').textContent = key ? t(key) : '';
}

// ---- Step 1: the panel's names ----------------------------------------------------------------

function showPicker(noteKey = null) {
  pickerNote = noteKey;
  codeJudge = null;
  $('sheet').hidden = true;
  $('picker').hidden = false;
  $('choose-step').hidden = false;
  $('code-step').hidden = true;
  $('picker-conn').hidden = true;
  renderPickerNote();
  loadPanel();
}

async function loadPanel() {
  try {
    const res = await fetch('/api/judges', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    panel = Array.isArray(data.judges) ? data.judges : [];
    $('contest-title').textContent = data.title || '';
    if (pickerNote === 'judge.load_failed') pickerNote = null;
  } catch {
    if (!panel) pickerNote = pickerNote || 'judge.load_failed';
  }
  renderPickerNote();
  renderJudgeList();
  renderCodeJudge();
}

function renderPickerNote() {
  const key = pickerNote || (panel ? (panel.length ? null : 'judge.no_judges') : 'judge.loading');
  $('picker-note').textContent = key ? t(key) : '';
  $('picker-note').classList.toggle('alert', Boolean(pickerNote && pickerNote !== 'judge.loading'));
}

function renderJudgeList() {
  if (!panel) return;
  $('judge-list').replaceChildren(...panel.map((judge) =>
    h('button', { type: 'button', className: 'judge-choice', dataset: { judge: judge.id }, text: judge.name })));
}

$('judge-list').addEventListener('click', (ev) => {
  const btn = ev.target.closest('[data-judge]');
  if (!btn) return;
  pickerNote = null;
  showCodeStep(btn.dataset.judge);
});

function judgeName(id) {
  const known = panel && panel.find((j) => j.id === id);
  return known ? known.name : id;
}

// ---- Step 1b: the judge's code ----------------------------------------------------------------

function showCodeStep(judgeId, { error = null, busy = false, keepCode = false } = {}) {
  codeJudge = judgeId;
  $('sheet').hidden = true;
  $('picker').hidden = false;
  $('choose-step').hidden = true;
  $('code-step').hidden = false;
  $('picker-conn').hidden = !busy;
  if (!keepCode) $('judge-code').value = '';
  setCodeError(error ? () => t(error) : null);
  setCodeBusy(busy);
  if (!error && !busy && throttleLeft() > 0) setCodeError(() => t('join.throttled', { n: throttleSeconds() }));
  renderCodeJudge();
  if (!panel) loadPanel();
  if (!busy) {
    $('judge-code').focus();
    if (keepCode) $('judge-code').select();
  }
}

function renderCodeJudge() {
  if (codeJudge) $('code-judge').textContent = judgeName(codeJudge);
}

function setCodeError(text) {
  codeError = text;
  $('join-error').hidden = !text;
  $('join-error').textContent = text ? text() : '';
  $('judge-code').setAttribute('aria-invalid', String(Boolean(text)));
}

function setCodeBusy(busy) {
  $('judge-code').readOnly = busy;
  $('judge-submit').disabled = busy || throttleLeft() > 0;
  $('judge-submit').textContent = t(busy ? 'judge.joining' : 'judge.submit');
}

function throttleLeft() {
  return Math.max(0, throttledUntil - performance.now());
}

function throttleSeconds() {
  return Math.max(1, Math.ceil(throttleLeft() / 1000));
}

/** Counts the server's wait down under the code field, then lets the judge try again. */
function tickThrottle() {
  clearTimeout(throttleTimer);
  const left = throttleLeft();
  const shown = !$('code-step').hidden && !$('judge-code').readOnly;
  if (left > 0) {
    if (shown) {
      setCodeError(() => t('join.throttled', { n: throttleSeconds() }));
      $('judge-submit').disabled = true;
    }
    throttleTimer = setTimeout(tickThrottle, left % 1000 || 1000);
    return;
  }
  throttleTimer = null;
  if (shown) {
    setCodeError(null);
    setCodeBusy(false);
  }
}

/** A typing problem with the code, in words for a judge. */
function codeProblem(problem) {
  const key = problem.key === 'join.code_empty' ? 'judge.code_empty' : problem.key;
  return () => t(key, problem.params);
}

function joinWithCode(judgeId, code, fromLink = false) {
  dropConnection();
  joining = { judge: judgeId, code, fromLink };
  myJudge = judgeId;
  showCodeStep(judgeId, { busy: true, keepCode: !fromLink });
  openConnection();
}

$('judge-code').addEventListener('input', (ev) => {
  if (ev.isComposing) return; // an input method is still composing
  const input = $('judge-code');
  const upper = input.value.toUpperCase();
  if (upper !== input.value) {
    const caret = input.selectionStart;
    input.value = upper;
    input.setSelectionRange(caret, caret);
  }
  const problem = checkJoinCode(input.value, { partial: true });
  if (problem) setCodeError(codeProblem(problem));
  else setCodeError(throttleLeft() > 0 ? () => t('join.throttled', { n: throttleSeconds() }) : null);
});

$('code-step').addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (!codeJudge || $('judge-submit').disabled) return;
  const problem = checkJoinCode($('judge-code').value);
  if (problem) {
    setCodeError(codeProblem(problem));
    $('judge-code').focus();
    return;
  }
  joinWithCode(codeJudge, normalizeJoinCode($('judge-code').value));
});

$('code-back').addEventListener('click', () => {
  dropConnection();
  joining = null;
  showPicker();
});

// ---- Step 2: the score sheet ------------------------------------------------------------------

function showSheet() {
  codeJudge = null;
  $('judge-code').value = '';
  $('picker').hidden = true;
  $('sheet').hidden = false;
  render();
  keepScreenOn();
}

$('change-judge').addEventListener('click', () => {
  if (performance.now() > changeArmedUntil) {
    changeArmedUntil = performance.now() + CHANGE_ARM_MS;
    renderChangeButton();
    setTimeout(renderChangeButton, CHANGE_ARM_MS + 50);
    return;
  }
  changeArmedUntil = 0;
  dropConnection();
  forgetIdentity();
  myJudge = null;
  myName = '';
  sheets.clear();
  showPicker();
});

function renderChangeButton() {
  const armed = performance.now() < changeArmedUntil;
  $('change-judge').textContent = t(armed ? 'judge.change_confirm' : 'judge.change');
  $('change-judge').classList.toggle('armed', armed);
}

/** Points in hundredths, for people: "8,5" (vi) / "8.5" (en). */
function points(hundredths) {
  return (hundredths / 100).toLocaleString(getLang() === 'vi' ? 'vi-VN' : 'en-US', { maximumFractionDigits: 2 });
}

/** A JSON number of points as whole hundredths. */
function hundredths(value) {
  return Math.round(Number(value) * 100);
}

/** "mm:ss" of a duration in ms. */
function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * What the judge scores, each `{name, maxH, weightH}` (hundredths): the round's criteria, or
 * one mark on the scale.
 */
function criteriaOf(judged) {
  const rules = judged.rules;
  if (rules.criteria && rules.criteria.length) {
    return rules.criteria.map((c) => ({ name: c.name, maxH: hundredths(c.max), weightH: hundredths(c.weight) }));
  }
  return [{ name: null, maxH: hundredths(rules.scale_max), weightH: 100 }];
}

function sheetOf(team) {
  const key = `${state.round ? state.round.number : 0}/${team}`;
  let sheet = sheets.get(key);
  if (!sheet) {
    sheet = { draft: null, dirty: false, pending: null };
    sheets.set(key, sheet);
  }
  return sheet;
}

/** The judge's marks as the server has them (hundredths), or null. */
function sentOf(performance) {
  return Array.isArray(performance.mine) ? performance.mine.map(hundredths) : null;
}

function sameMarks(a, b) {
  return Boolean(a && b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

function render() {
  renderChangeButton();
  if ($('sheet').hidden) return;
  $('my-name').textContent = myName || judgeName(myJudge);
  document.title = `${myName || t('judge.role')} — ${t('judge.title')}`;
  const judged = state && state.judged;
  renderRound(judged);
  renderStage(judged);
  renderTeams(judged);
  renderReminder();
}

function renderRound(judged) {
  if (!state) {
    $('round-title').textContent = '';
    $('round-note').textContent = t('judge.loading');
    return;
  }
  $('round-title').textContent = judged && state.round ? state.round.title : state.title;
  let note;
  if (!judged) note = state.stage === 'finished' ? t('judge.finished') : t('judge.waiting');
  else if (state.stage !== 'round_intro') note = t('judge.paused');
  else if (state.round.description) note = state.round.description;
  else {
    const step = points(hundredths(judged.rules.step));
    const criteria = judged.rules.criteria || [];
    note = criteria.length
      ? t('judge.rules_criteria', { n: criteria.length, step })
      : t('judge.rules', { max: points(hundredths(judged.rules.scale_max)), step });
  }
  $('round-note').textContent = note;
}

function renderStage(judged) {
  clearInterval(timerTick);
  timerTick = null;
  const team = judged && judged.on_stage;
  $('stage-box').hidden = !team;
  if (!team) {
    lastOnStage = null;
    return;
  }
  $('stage-team').textContent = teamName(state, team);
  const timer = judged.timer;
  const draw = () => {
    if (!timer) {
      $('stage-timer').textContent = '';
      return;
    }
    const elapsed = timer.counted_ms + (timer.running && timer.since_ms != null ? Math.max(0, serverNow(state, stateAt) - timer.since_ms) : 0);
    const over = timer.limit_ms != null && elapsed > timer.limit_ms;
    $('stage-timer').textContent = timer.limit_ms != null
      ? t('judge.timer_limit', { time: clock(elapsed), limit: clock(timer.limit_ms) })
      : clock(elapsed);
    $('stage-timer').classList.toggle('over', over);
    $('stage-timer').classList.toggle('running', Boolean(timer.running));
  };
  draw();
  if (timer && timer.running) timerTick = setInterval(draw, 250);
  if (team !== lastOnStage) {
    lastOnStage = team;
    const card = cards.get(team);
    if (card) card.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }
}

/** Builds the team cards for a round (once), then updates them in place on every state. */
function renderTeams(judged) {
  if (!judged) {
    $('teams').replaceChildren();
    cards = new Map();
    cardsKey = null;
    return;
  }
  const criteria = criteriaOf(judged);
  const stepH = Math.max(1, hundredths(judged.rules.step));
  const key = JSON.stringify([state.round.number, state.teams.map((x) => x.id), criteria, stepH, getLang()]);
  if (key !== cardsKey) {
    cardsKey = key;
    cards = new Map(state.teams.map((team) => [team.id, buildCard(team, criteria, stepH)]));
    $('teams').replaceChildren(...[...cards.values()].map((card) => card.root));
  }
  const drawn = new Map((judged.situations.drawn || []).map((d) => [d.team, d]));
  for (const performance of judged.teams) {
    const card = cards.get(performance.team);
    if (card) updateCard(card, performance, judged, criteria, drawn.get(performance.team));
  }
}

/** Whole-number marks (multiples of the step) to tap at once, or none on a long scale. */
function shortcuts(maxH, stepH) {
  const unitH = stepH * Math.max(1, Math.floor(100 / stepH));
  if (maxH / unitH + 1 > MAX_SHORTCUTS) return [];
  const values = [];
  for (let v = 0; v <= maxH; v += unitH) values.push(v);
  return values;
}

function buildCard(team, criteria, stepH) {
  const rows = criteria.map((criterion, i) => {
    const label = criterion.name === null ? t('judge.mark') : criterion.name;
    const detail = [t('judge.max', { max: points(criterion.maxH) })];
    if (criterion.name !== null && criterion.weightH !== 100) detail.push(t('judge.weight', { w: points(criterion.weightH) }));
    const value = h('output', { className: 'mark-value', text: '—' });
    const minus = h('button', {
      type: 'button', className: 'step-btn', dataset: { criterion: String(i), step: '-1' },
      'aria-label': t('judge.minus', { step: points(stepH), name: label }), text: '−',
    });
    const plus = h('button', {
      type: 'button', className: 'step-btn', dataset: { criterion: String(i), step: '1' },
      'aria-label': t('judge.plus', { step: points(stepH), name: label }), text: '+',
    });
    const quick = shortcuts(criterion.maxH, stepH).map((v) => h('button', {
      type: 'button', className: 'quick-btn', dataset: { criterion: String(i), set: String(v) },
      'aria-label': t('judge.set', { n: points(v), name: label }), text: points(v),
    }));
    const row = h('div', { className: 'criterion', dataset: { criterion: String(i) } },
      h('div', { className: 'criterion-head' },
        h('span', { className: 'criterion-name', text: label }),
        h('span', { className: 'criterion-detail', text: detail.join(' · ') })),
      h('div', { className: 'stepper' }, minus, value, plus),
      quick.length ? h('div', { className: 'quick', role: 'group', 'aria-label': label }, quick) : null);
    return { row, value, buttons: [minus, plus, ...quick] };
  });
  const status = h('span', { className: 'card-status' });
  const situation = h('p', { className: 'card-situation', hidden: true });
  const sent = h('p', { className: 'card-sent' });
  const result = h('p', { className: 'card-result', hidden: true });
  const send = h('button', { type: 'button', className: 'send-btn', dataset: { send: team.id }, text: t('judge.send') });
  const root = h('article', { className: 'team-card', dataset: { team: team.id } },
    h('header', { className: 'card-head' },
      h('h2', { className: 'card-team', text: team.name }),
      status),
    situation,
    h('div', { className: 'criteria' }, rows.map((r) => r.row)),
    h('div', { className: 'card-foot' }, sent, send),
    result);
  return { root, rows, status, situation, sent, result, send, criteria, stepH };
}

function updateCard(card, performance, judged, criteria, drawn) {
  const sheet = sheetOf(performance.team);
  const sent = sentOf(performance);
  // Sent and echoed by the server: the sheet follows the server's marks again.
  if (sheet.dirty && sheet.pending === null && sameMarks(sheet.draft, sent)) sheet.dirty = false;
  if (!sheet.dirty || !sheet.draft) sheet.draft = sent ? [...sent] : criteria.map(() => null);
  const closed = Boolean(performance.closed);
  const online = Boolean(conn && conn.connected);
  const complete = sheet.draft.every((v) => v !== null);
  const changed = !sameMarks(sheet.draft, sent);
  let status;
  if (closed) status = 'closed';
  else if (sheet.pending !== null) status = 'sending';
  else if (sent && changed) status = 'changed';
  else if (sent) status = 'sent';
  else status = 'todo';
  card.root.dataset.status = status;
  card.root.classList.toggle('on-stage', judged.on_stage === performance.team);
  card.root.classList.toggle('reminded', Boolean(reminder && reminder.team === performance.team));
  card.status.textContent = t(`judge.status_${status}`);
  card.situation.hidden = !drawn;
  card.situation.textContent = drawn ? t('judge.situation', { title: drawn.title }) : '';
  card.rows.forEach((row, i) => {
    const v = sheet.draft[i];
    row.value.textContent = v === null ? '—' : points(v);
    row.row.classList.toggle('unset', v === null);
    for (const btn of row.buttons) {
      btn.disabled = closed;
      if (btn.dataset.set !== undefined) btn.classList.toggle('chosen', v !== null && Number(btn.dataset.set) === v);
    }
  });
  card.sent.textContent = sent ? sentText(sent, criteria) : t('judge.not_sent');
  card.send.textContent = t(sent ? 'judge.resend' : 'judge.send');
  card.send.disabled = closed || !online || !complete || !changed || sheet.pending !== null;
  card.send.title = closed ? t('judge.locked_hint') : !complete ? t('judge.incomplete') : '';
  const result = performance.revealed && performance.result != null ? performance.result : null;
  card.result.hidden = result === null;
  card.result.textContent = result === null ? '' : t('judge.result', { n: points(hundredths(result)) });
}

/** "Đã gửi: 9 · 4,5 — tổng 10,2" (criteria by their weights) or "Đã gửi: 8,5". */
function sentText(sent, criteria) {
  const marks = sent.map(points).join(' · ');
  if (criteria.length < 2 && criteria.every((c) => c.weightH === 100)) return t('judge.sent', { marks });
  const total = sent.reduce((sum, v, i) => sum + (v * (criteria[i] ? criteria[i].weightH : 100)) / 100, 0);
  return t('judge.sent_total', { marks, total: points(Math.round(total)) });
}

$('teams').addEventListener('click', (ev) => {
  const btn = ev.target.closest('button');
  const cardEl = ev.target.closest('[data-team]');
  if (!btn || btn.disabled || !cardEl || !state || !state.judged) return;
  const team = cardEl.dataset.team;
  const card = cards.get(team);
  if (!card) return;
  const sheet = sheetOf(team);
  if (btn.dataset.send !== undefined) {
    sendMarks(team, sheet);
    return;
  }
  const i = Number(btn.dataset.criterion);
  const criterion = card.criteria[i];
  if (!criterion || !sheet.draft) return;
  let next;
  if (btn.dataset.set !== undefined) next = Number(btn.dataset.set);
  else {
    const current = sheet.draft[i];
    const step = Number(btn.dataset.step) * card.stepH;
    // The first tap of − or + on an empty mark starts from the top or the bottom of the scale.
    next = current === null ? (step < 0 ? criterion.maxH : 0) : current + step;
  }
  next = Math.min(criterion.maxH, Math.max(0, next));
  sheet.draft = sheet.draft.map((v, j) => (j === i ? next : v));
  sheet.dirty = true;
  render();
});

function sendMarks(team, sheet) {
  if (!sheet.draft || sheet.draft.some((v) => v === null)) return;
  const marks = sheet.draft.map((v) => v / 100);
  const id = conn ? conn.send({ type: 'score', team, marks }) : null;
  if (id === null) {
    toast(t('not_connected'), 'error', 2500);
    return;
  }
  sheet.pending = id;
  render();
}

/**
 * The server's answer to a `score`. Accepted, the state that follows carries the marks (the
 * sheet then follows the server's marks again); refused, the draft stays to be corrected.
 */
function answered(msg) {
  for (const [key, sheet] of sheets) {
    if (sheet.pending === null || sheet.pending !== msg.id) continue;
    sheet.pending = null;
    const team = key.slice(key.indexOf('/') + 1);
    if (msg.type === 'ack') toast(t('judge.sent_ok', { team: teamName(state, team) }), 'ok', 2000);
    else toast(codeMessage(msg), 'error', 3500);
  }
  render();
}

// ---- The secretary's reminder -----------------------------------------------------------------

function showReminder(msg) {
  reminder = { team: typeof msg.team === 'string' ? msg.team : null };
  try {
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  } catch {
    // No vibration: the banner says it.
  }
  render();
  $('reminder').scrollIntoView({ block: 'nearest' });
}

function renderReminder() {
  $('reminder').hidden = !reminder;
  if (!reminder) return;
  $('reminder-text').textContent = reminder.team
    ? t('judge.reminder_team', { team: teamName(state, reminder.team) })
    : t('judge.reminder');
}

$('reminder-ok').addEventListener('click', () => {
  const team = reminder && reminder.team;
  reminder = null;
  render();
  const card = team && cards.get(team);
  if (card) card.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
});

/** Asks the phone not to dim the screen during the round (only where the browser allows it). */
async function keepScreenOn() {
  try {
    if ('wakeLock' in navigator && document.visibilityState === 'visible') await navigator.wakeLock.request('screen');
  } catch {
    // Not allowed (plain http on the LAN): the judge keeps the screen awake by hand.
  }
}
document.addEventListener('visibilitychange', () => {
  if (myJudge && !$('sheet').hidden) keepScreenOn();
});

onLangChange(() => {
  renderPickerNote();
  renderJudgeList();
  if (codeError) $('join-error').textContent = codeError();
  setCodeBusy($('judge-code').readOnly);
  setNotice(noticeKey);
  render();
});

// ---- Start ------------------------------------------------------------------------------------

// A QR code opens /judge?judge=<id>&code=<CODE>: join at once, and take the code out of the
// address bar (and so off the screen and out of the history) right away.
const query = new URLSearchParams(location.search);
if (query.has('judge') || query.has('code')) {
  history.replaceState(history.state, '', location.pathname + location.hash);
  const judge = query.get('judge');
  const code = query.get('code') ? normalizeJoinCode(query.get('code')) : '';
  if (judge && code) linkJoin = { judge, code };
}
if (identity && (!linkJoin || linkJoin.judge === identity.judge)) {
  // Already joined (its own QR code changes nothing): rejoin with the token.
  myJudge = identity.judge;
  showSheet();
  openConnection();
  loadPanel();
} else if (linkJoin) {
  joinWithCode(linkJoin.judge, linkJoin.code, true);
} else if (query.get('judge')) {
  showCodeStep(query.get('judge'));
} else {
  showPicker();
}
