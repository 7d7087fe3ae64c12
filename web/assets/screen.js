// Projector page: what the audience sees. Read-only; it reacts to state changes with short
// animations (a team buzzing, a verdict) and keeps the scoreboard sorted.
import {
  t, setupI18n, onLangChange, connect, connectionIndicator, createCountdown, secondsLeft,
  h, teamName, rankTeams, prizeName, questionKey, codeMessage, toast, replayAnimation,
  formatGap, raceBuzzes, choiceOf, optionLetter,
} from './common.js';

const $ = (id) => document.getElementById(id);
const RING_LENGTH = 2 * Math.PI * 45; // circumference of the SVG ring (r = 45)

setupI18n();
const setConnStatus = connectionIndicator($('conn'));

let state = null;
let verdictTimer = null;

connect({
  role: 'screen',
  onStatus: setConnStatus,
  onState: (next, receivedAt) => {
    const prev = state;
    state = next;
    countdown.update(next, receivedAt);
    render();
    animateChanges(prev, next);
  },
  onMessage: (msg) => {
    if (msg.type === 'error') toast(codeMessage(msg));
  },
});

// ---- Rendering ------------------------------------------------------------------------------

/** Which view of the page a state shows (`data-view` on body). */
function viewOf(s) {
  switch (s.stage) {
    case 'not_started': return 'waiting';
    case 'finished': return 'final';
    case 'round_intro': return 'intro';
    case 'slide': return s.slide && s.slide.kind === 'ranking' ? 'ranking' : 'intermission';
    default: return 'question';
  }
}

function render() {
  if (!state) return;
  const view = viewOf(state);
  document.body.dataset.view = view;
  $('title').textContent = state.title;
  $('big-title').textContent = state.title;
  $('round-info').textContent = state.round
    ? `${t('round', { n: state.round.number, total: state.round.total })} · ${state.round.title}`
    : '';
  renderWaiting();
  renderQuestion();
  renderScoreboard();
  renderIntro();
  renderRanking();
  renderIntermission();
  renderFinal();
  fitAll();
}

/**
 * Shrinks the type of `el` (through the CSS variable --fit its font sizes are multiplied by)
 * until its content fits: contest data has any length, and nothing may be cut off on stage.
 */
function fit(el, min = 0.4) {
  let scale = 1;
  el.style.setProperty('--fit', '1');
  while (scale > min && overflows(el)) {
    scale = Math.round((scale - 0.05) * 100) / 100;
    el.style.setProperty('--fit', String(scale));
  }
}

/**
 * Whether a child of `el` sticks out of it. Uses layout offsets, not scrollHeight: those ignore
 * transforms, so a running zoom animation does not count as overflow.
 */
function overflows(el) {
  const bottom = el.clientHeight + 1;
  return [...el.children].some((child) => {
    if (!child.offsetParent) return false; // hidden
    const top = child.offsetParent === el ? child.offsetTop : child.offsetTop - el.offsetTop;
    return top + child.offsetHeight > bottom || child.offsetWidth > el.clientWidth + 1;
  });
}

function fitAll() {
  const view = document.body.dataset.view;
  if (view === 'question') {
    fit(document.querySelector('.q-main'));
  } else {
    const el = document.querySelector(`.view-${view}`);
    if (el) fit(el, view === 'ranking' ? 0.3 : 0.4);
  }
}

/** A round begins: "Phần thi 2/5" and its title, as a title card (a scored round: what the teams perform under it). */
function renderIntro() {
  const round = state.stage === 'round_intro' ? state.round : null;
  $('intro-contest').textContent = round ? state.title : '';
  $('intro-round').textContent = round ? t('round', { n: round.number, total: round.total }) : '';
  $('intro-title').textContent = round ? round.title : '';
  $('intro-title').dataset.size = round && round.title.length > 60 ? 's' : round && round.title.length > 30 ? 'm' : 'l';
  const description = round && round.description ? round.description : '';
  $('intro-desc').textContent = description;
  $('intro-desc').hidden = !description;
  $('intro-desc').dataset.size = description.length > 160 ? 's' : 'l';
}

let rankingKey = null; // what #ranking shows: rebuilt (and animated) only when that changes

/**
 * A ranking slide: rank, team, points, best first; equal points share a rank (the server says
 * which). Up to 8 teams in one column, more in two, read down the first column then the second.
 */
function renderRanking() {
  const slide = state.stage === 'slide' && state.slide && state.slide.kind === 'ranking' ? state.slide : null;
  const round = slide && slide.round;
  $('ranking-kicker').textContent = round ? t('round', { n: round.number, total: round.total }) : '';
  $('ranking-kicker').hidden = !round;
  $('ranking-title').textContent = !slide ? '' : round ? t('screen.ranking_round', { title: round.title }) : t('screen.ranking_all');
  const lines = slide ? slide.ranking || [] : [];
  const names = lines.map((line) => teamName(state, line.team));
  const key = JSON.stringify([document.documentElement.lang, round && round.number, lines, names]);
  if (key === rankingKey) return;
  rankingKey = key;
  const list = $('ranking');
  list.dataset.count = String(lines.length);
  list.classList.toggle('two-cols', lines.length > 8);
  list.style.setProperty('--rows', String(lines.length > 8 ? Math.ceil(lines.length / 2) : lines.length || 1));
  list.replaceChildren(...lines.map((line, i) => {
    const tie = lines.some((other) => other !== line && other.rank === line.rank);
    const li = h('li', { className: `rk-row${tie ? ' tie' : ''}`, dataset: { team: line.team, rank: String(line.rank) } },
      h('span', { className: 'rk-rank', text: String(line.rank) }),
      h('span', { className: 'rk-name', text: names[i] }),
      h('span', { className: 'rk-points', text: t('points', { n: line.points }) }));
    li.style.setProperty('--i', String(i));
    return li;
  }));
}

/** A pause: the contest's title and the caption large ("Giải lao" without one). */
function renderIntermission() {
  const slide = state.stage === 'slide' && state.slide && state.slide.kind === 'intermission' ? state.slide : null;
  const caption = slide ? slide.caption || t('screen.intermission') : '';
  $('pause-contest').textContent = slide ? state.title : '';
  $('pause-caption').textContent = caption;
  $('pause-caption').dataset.size = caption.length > 60 ? 's' : caption.length > 25 ? 'm' : 'l';
}

function renderWaiting() {
  $('team-chips').replaceChildren(...state.teams.map((team) => h('li', { className: 'chip', text: team.name })));
  $('team-chips').dataset.count = String(state.teams.length);
}

function renderQuestion() {
  const q = state.question;
  const buzz = state.buzz;
  $('q-number').textContent = q ? t('question_no', { n: q.number, total: q.total }) : '';
  $('question-text').textContent = q ? q.text : '';
  // Long questions get a smaller size so they fit beside the scoreboard without scrolling.
  const len = q ? q.text.length : 0;
  const choice = choiceOf(state);
  // Multiple choice: the options need room too, so the question starts a size smaller.
  $('question-text').dataset.size = len > 240 ? 'xs' : len > 160 ? 's' : len > 90 || choice ? 'm' : 'l';
  renderChoice(choice);
  if (choice) return;

  const showAnswer = Boolean(q && q.revealed && q.answer);
  $('answer').hidden = !showAnswer;
  $('answer-text').textContent = showAnswer ? q.answer : '';

  const floor = buzz && buzz.floor ? teamName(state, buzz.floor) : '';
  $('floor-team').textContent = floor;
  $('floor-team').dataset.size = floor.length > 32 ? 's' : floor.length > 20 ? 'm' : 'l';
  $('floor-box').classList.toggle('active', Boolean(floor));
  $('floor-box').classList.toggle('time-up', Boolean(buzz && buzz.time_up));
  $('race-order').replaceChildren(...(buzz && buzz.floor ? raceOrder(buzz) : []));

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
  $('phase-pill').textContent = pill;
  $('phase-pill').dataset.phase = buzz ? buzz.phase : '';
  $('phase-pill').hidden = !pill;
  $('result-line').textContent = result;
  $('result-line').dataset.reason = buzz && buzz.closed_reason ? buzz.closed_reason : '';
  $('result-line').hidden = !result;
}

/**
 * A multiple-choice question: the options A–D large; a row of team chips that light up as teams
 * answer (never what they chose: the server does not say before the reveal); at the reveal the
 * right option highlighted and, under each option, the teams that chose it with their points.
 */
function renderChoice(choice) {
  $('choice-box').hidden = !choice;
  document.body.dataset.kind = choice ? 'choice' : 'buzz';
  if (!choice) {
    $('options').replaceChildren();
    return;
  }
  $('answer').hidden = true;
  $('floor-box').classList.remove('active', 'time-up');
  $('race-order').replaceChildren();
  const revealed = choice.phase === 'revealed';
  const picks = revealed ? choice.choices || [] : [];
  const teamOrder = new Map(state.teams.map((team, i) => [team.id, i]));
  const list = $('options');
  list.dataset.count = String(choice.options.length);
  list.dataset.phase = choice.phase;
  list.replaceChildren(...choice.options.map((text, i) => {
    const letter = optionLetter(i);
    const right = revealed && letter === choice.correct;
    const teams = picks
      .filter((p) => p.option === letter)
      .sort((a, b) => (teamOrder.get(a.team) ?? 0) - (teamOrder.get(b.team) ?? 0));
    return h('li', { className: `opt${right ? ' correct' : ''}${revealed && !right ? ' not-correct' : ''}`, dataset: { option: letter } },
      h('span', { className: 'opt-letter', text: letter }),
      h('span', { className: 'opt-text', text }),
      revealed ? h('ul', { className: 'opt-teams' }, teams.map((p) =>
        h('li', { className: 'opt-team', dataset: { team: p.team } },
          h('span', { className: 'opt-team-name', text: teamName(state, p.team) }),
          right ? h('span', { className: 'opt-team-points', text: `+${t('points', { n: p.points })}` }) : null))) : null);
  }));

  // Who has answered: every team as a chip, lit once it has (what it chose stays secret).
  const chips = $('answered-chips');
  const answered = new Set(choice.answered || []);
  const items = state.teams.map((team) => {
    let li = chips.querySelector(`li[data-team="${CSS.escape(team.id)}"]`);
    if (!li) li = h('li', { className: 'a-chip', dataset: { team: team.id } });
    li.textContent = team.name;
    const done = answered.has(team.id);
    if (done && !li.classList.contains('done') && chips.children.length) replayAnimation(li, 'lit');
    li.classList.toggle('done', done);
    return li;
  });
  chips.replaceChildren(...items);
  $('answered-count').textContent = t('screen.mc_answered', { n: answered.size, total: state.teams.length });
  $('answered-row').hidden = revealed;

  let pill = '';
  if (choice.phase === 'ready') pill = t('screen.mc_ready');
  else if (choice.phase === 'open') pill = t('screen.mc_open');
  else if (choice.phase === 'locked') pill = t('screen.mc_locked');
  $('phase-pill').textContent = pill;
  $('phase-pill').dataset.phase = choice.phase;
  $('phase-pill').hidden = !pill;
  const result = revealed && choice.correct ? t('screen.mc_correct', { option: choice.correct }) : '';
  $('result-line').textContent = result;
  $('result-line').dataset.reason = result ? 'correct' : '';
  $('result-line').hidden = !result;
}

/**
 * The next presses of the race the floor team won, with their gaps: "2. Đội B +12 ms",
 * "3. Đội C +0,8 ms  sát nút". Shows the audience the result was close, and fair.
 */
function raceOrder(buzz) {
  return raceBuzzes(buzz, buzz.race || 1)
    .filter((b) => b.team !== buzz.floor && typeof b.gap_ms === 'number')
    .slice(0, 3)
    .map((b) => h('span', { className: 'ro-item', dataset: { team: b.team } },
      h('span', { className: 'ro-rank', text: `${b.rank}.` }),
      h('span', { className: 'ro-name', text: teamName(state, b.team) }),
      h('span', { className: 'ro-gap', text: formatGap(b.gap_ms) }),
      b.close ? h('span', { className: 'ro-close', text: t('screen.close_call') }) : null));
}

/**
 * Scoreboard sorted by score. Rows are keyed by team and moved, not rebuilt, so a reorder can
 * slide (FLIP: remember old positions, reorder, animate from old to new).
 */
function renderScoreboard() {
  const board = $('scoreboard');
  const buzz = state.buzz;
  const before = new Map([...board.children].map((li) => [li.dataset.team, li.getBoundingClientRect().top]));
  const rows = rankTeams(state.teams).map((team) => {
    let li = board.querySelector(`li[data-team="${CSS.escape(team.id)}"]`);
    if (!li) {
      li = h('li', { className: 'row', dataset: { team: team.id } },
        h('span', { className: 'row-rank' }),
        h('span', { className: 'row-name' }),
        h('span', { className: 'row-score' }));
    }
    li.querySelector('.row-rank').textContent = String(team.rank);
    li.querySelector('.row-name').textContent = team.name;
    const scoreEl = li.querySelector('.row-score');
    if (scoreEl.textContent !== '' && scoreEl.textContent !== String(team.score)) replayAnimation(li, 'bump');
    scoreEl.textContent = String(team.score);
    li.classList.toggle('floor', Boolean(buzz && buzz.floor === team.id));
    const choice = choiceOf(state);
    li.classList.toggle('answered', Boolean(choice && choice.phase !== 'revealed' && (choice.answered || []).includes(team.id)));
    const lost = Boolean(buzz && (buzz.false_starts || []).some((f) => f.team === team.id && f.lost_question));
    li.classList.toggle('tried', Boolean(buzz && buzz.tried.includes(team.id)) || lost);
    return li;
  });
  board.replaceChildren(...rows);
  board.dataset.count = String(rows.length);
  if (document.body.dataset.view === 'question') fit(board);
  for (const li of rows) {
    const old = before.get(li.dataset.team);
    const dy = old === undefined ? 0 : old - li.getBoundingClientRect().top;
    if (!dy) continue;
    li.animate([{ transform: `translateY(${dy}px)` }, { transform: 'translateY(0)' }],
      { duration: 600, easing: 'cubic-bezier(.2,.8,.2,1)' });
  }
}

function renderFinal() {
  if (state.stage !== 'finished') return;
  const ranked = rankTeams(state.teams);
  // Podium: the best in the middle, the next ones alternately left and right (2nd, 1st, 3rd),
  // which also keeps ties symmetric.
  const order = [];
  ranked.filter((team) => team.rank <= 3).forEach((team, i) => {
    if (i % 2) order.unshift(team);
    else order.push(team);
  });
  $('podium').replaceChildren(...order.map((team) =>
    h('div', { className: `podium-card place-${team.rank}` },
      h('div', { className: 'podium-prize', text: prizeName(team.rank) }),
      h('div', { className: 'podium-name', text: team.name }),
      h('div', { className: 'podium-score', text: t('points', { n: team.score }) }))));
  $('final-rest').replaceChildren(...ranked.filter((team) => team.rank > 3).map((team) =>
    h('li', {},
      h('span', { className: 'rest-rank', text: String(team.rank) }),
      h('span', { className: 'rest-name', text: team.name }),
      h('span', { className: 'rest-score', text: t('points', { n: team.score }) }))));
}

const countdown = createCountdown((c) => {
  $('ring').hidden = !c;
  if (!c) return;
  $('ring-arc').style.strokeDashoffset = String(RING_LENGTH * (1 - c.fraction));
  $('ring-secs').textContent = String(secondsLeft(c.left));
  $('ring').classList.toggle('urgent', c.left < 3000);
});
$('ring-arc').style.strokeDasharray = String(RING_LENGTH);

// ---- Animations on change -------------------------------------------------------------------

function animateChanges(prev, next) {
  if (!prev || !next.buzz) return;
  const sameQuestion = questionKey(prev) === questionKey(next);
  // A team just buzzed in: zoom its name and flash the stage.
  if (next.buzz.floor && !(prev.buzz && prev.buzz.floor)) {
    replayAnimation($('floor-box'), 'buzzed');
    replayAnimation($('buzz-flash'), 'flashing');
  }
  // A new judgement on the same question: full-screen verdict. (Undo shrinks the list: no flash.)
  const before = sameQuestion && prev.buzz ? prev.buzz.judgements.length : 0;
  if (sameQuestion && next.buzz.judgements.length > before) {
    const judgement = next.buzz.judgements[next.buzz.judgements.length - 1];
    const score = (s) => (s.teams.find((x) => x.id === judgement.team) || { score: 0 }).score;
    showVerdict(judgement, score(next) - score(prev));
  }
}

function showVerdict(judgement, delta) {
  const box = $('verdict');
  box.dataset.verdict = judgement.verdict;
  $('verdict-word').textContent = t(`verdict.${judgement.verdict}`);
  $('verdict-team').textContent = teamName(state, judgement.team);
  $('verdict-delta').textContent = delta ? `${delta > 0 ? '+' : '−'}${t('points', { n: Math.abs(delta) })}` : '';
  box.hidden = false;
  replayAnimation(box, 'showing');
  clearTimeout(verdictTimer);
  verdictTimer = setTimeout(() => {
    box.hidden = true;
  }, 2800);
}

// ---- Projector conveniences -----------------------------------------------------------------

// F or a double click toggles full screen (the operator does it once before the show).
function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
}
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'f' || ev.key === 'F') toggleFullscreen();
});
$('stage').addEventListener('dblclick', toggleFullscreen);

onLangChange(render);
window.addEventListener('resize', render);
