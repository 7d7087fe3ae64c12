// Team page: pick the team, then a full-screen buzzer whose colour and label say at a glance
// whether to press.
import {
  t, setupI18n, onLangChange, connect, connectionIndicator, createCountdown, countdownText,
  h, teamName, rankTeams, prizeName, questionLabel, codeMessage, toast, clearToasts, replayAnimation,
  formatMs, serverNow, raceBuzzes, lockoutMs,
} from './common.js';

const TEAM_KEY = 'stagebuzz.team';
const $ = (id) => document.getElementById(id);

let conn = null; // connect() handle while the buzzer is shown
let myTeam = null; // chosen team id
let state = null; // latest `state`
let stateAt = 0; // performance.now() when it arrived
let lockoutTimer = null; // re-renders when a false-start lockout ends
let lastPress = 0; // performance.now() of the last buzz, to merge pointer/key/click of one press
let pickerTimer = null;
let pickerTeams = null; // teams from /api/state, for re-rendering on language switch
let pickerNote = null; // translation key of the note above the team list

setupI18n();
const setConnStatus = connectionIndicator($('conn'));

// ---- Step 1: team list ----------------------------------------------------------------------

function showPicker(noteKey = null) {
  pickerNote = noteKey;
  $('buzzer').hidden = true;
  $('picker').hidden = false;
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
    pickerNote = 'join.load_failed';
  }
  renderPickerNote();
  renderTeamList();
  // Refresh "joined" marks while the team is choosing.
  if (!$('picker').hidden) pickerTimer = setTimeout(loadTeams, 3000);
}

function renderPickerNote() {
  const key = pickerNote || (pickerTeams ? (pickerTeams.length ? null : 'join.no_teams') : 'join.loading');
  $('picker-note').textContent = key ? t(key) : '';
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
  try {
    localStorage.setItem(TEAM_KEY, btn.dataset.team);
  } catch {
    // Not remembered across reloads; the buzzer still works.
  }
  startBuzzer(btn.dataset.team);
});

// ---- Step 2: buzzer -------------------------------------------------------------------------

function startBuzzer(teamId) {
  clearTimeout(pickerTimer);
  myTeam = teamId;
  state = null;
  $('picker').hidden = true;
  $('buzzer').hidden = false;
  // Until the first state arrives, show the name we saw in the list.
  const known = pickerTeams && pickerTeams.find((x) => x.id === teamId);
  $('my-team-name').textContent = known ? known.name : '';
  render();
  conn = connect({
    role: 'team',
    team: teamId,
    onStatus: (s) => {
      setConnStatus(s);
      render();
    },
    onState: (s, receivedAt) => {
      const before = state;
      state = s;
      stateAt = receivedAt;
      countdown.update(s, receivedAt);
      render();
      if (falseStarts(s) > falseStarts(before)) {
        const latest = s.buzz.false_starts.filter((f) => f.team === myTeam).pop();
        const ms = lockoutMs(latest);
        toast(ms === null ? t('st.false_start') : t('st.false_start_locked', { ms: formatMs(ms) }), 'error', 2500);
      }
    },
    onMessage: (msg) => {
      if (msg.type === 'error' && msg.code === 'unknown_team') {
        forgetTeam();
        showPicker('join.team_gone');
      } else if (msg.type === 'rejected' || msg.type === 'error') {
        toast(codeMessage(msg), 'error', 2500);
        replayAnimation($('buzz'), 'refused');
      }
    },
  });
  keepScreenOn();
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

function forgetTeam() {
  if (conn) conn.close();
  conn = null;
  state = null;
  myTeam = null;
  try {
    localStorage.removeItem(TEAM_KEY);
  } catch {
    // Nothing remembered anyway.
  }
  document.body.dataset.mood = 'idle';
}

$('change-team').addEventListener('click', () => {
  forgetTeam();
  showPicker();
});

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
  const buzz = state.buzz;
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

function render() {
  if (!myTeam) return;
  const view = derive();
  clearTimeout(lockoutTimer);
  if (view.state === 'lockout') lockoutTimer = setTimeout(render, lockoutLeft() + 20);
  // A "buzzers not open" message must not linger once they are open: new situation, no old news.
  if (document.body.dataset.mood !== view.mood) clearToasts();
  document.body.dataset.mood = view.mood;
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
  $('question-meta').textContent = q ? questionLabel(state) : state.title;
  $('question-text').textContent = q ? q.text : '';
  const showAnswer = Boolean(q && q.revealed && q.answer);
  $('answer-box').hidden = !showAnswer;
  $('answer-text').textContent = showAnswer ? q.answer : '';
}

const countdown = createCountdown((c) => {
  $('countdown').hidden = !c;
  if (!c) return;
  $('countdown-bar').style.transform = `scaleX(${c.fraction})`;
  $('countdown-secs').textContent = countdownText(c.left);
  $('countdown').classList.toggle('urgent', c.left < 3000);
});

// ---- Pressing -------------------------------------------------------------------------------

/**
 * One press, whatever the input: pointer, key, or a click nobody pressed before. `pressedAt` is
 * the event's timeStamp (performance.now() clock): the server compares presses by it, with the
 * clock offset it measured, so a slower Wi-Fi link does not lose the race.
 */
function press(pressedAt) {
  const now = performance.now();
  if (now - lastPress < 300) return; // one physical press can arrive as several events
  lastPress = now;
  if (navigator.vibrate) navigator.vibrate(60);
  replayAnimation($('buzz'), 'pressed');
  const at = Number.isFinite(pressedAt) && pressedAt > 0 && pressedAt <= now ? pressedAt : now;
  if (!conn || conn.send({ type: 'buzz', pressed_at: at }) === null) toast(t('not_connected'));
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
  if ($('buzzer').hidden || ev.repeat || (ev.key !== ' ' && ev.key !== 'Enter')) return;
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
  render();
});

// ---- Start ----------------------------------------------------------------------------------

let saved = null;
try {
  saved = localStorage.getItem(TEAM_KEY);
} catch {
  saved = null;
}
if (saved) startBuzzer(saved);
else showPicker();
