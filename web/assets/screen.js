// Projector page: what the audience sees. Read-only; it reacts to state changes with short
// animations (a team buzzing, a verdict) and keeps the scoreboard sorted. Under the question, the
// round kind on stage shows its part (who has the floor, the options; see kinds/).
import {
  formatPoints,
  t, setupI18n, onLangChange, connect, connectionIndicator, createCountdown, secondsLeft,
  h, teamName, rankTeams, prizeName, questionKey, codeMessage, toast, replayAnimation,
  createImageLoader, questionImage, renderImage,
} from './common.js';
import { setupKinds, kindOf, questionKind, timerOf } from './kinds/index.js';
import { setupSound } from './sound.js';

const $ = (id) => document.getElementById(id);
const RING_LENGTH = 2 * Math.PI * 45; // circumference of the SVG ring (r = 45)

const kinds = setupKinds('screen', { showVerdict, hideVerdict, flash }, { stage: $('kind-stage'), intro: $('kind-intro') });
const images = createImageLoader(() => render());
setupI18n();
const setConnStatus = connectionIndicator($('conn'));
const sound = setupSound();

let state = null;
let shown = null; // the state the page shows (a new question may wait for its image)
let verdictTimer = null;

connect({
  role: 'screen',
  onStatus: setConnStatus,
  onState: (next, receivedAt) => {
    state = next;
    sound.onState(next, receivedAt);
    countdown.update(next, receivedAt, timerOf(next));
    render();
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
  // A new question with an image appears with it, once decoded (or after a short wait), so the
  // layout does not jump; never while a countdown runs.
  const image = questionImage(state);
  const timer = timerOf(state);
  const newQuestion = !shown || questionKey(shown) !== questionKey(state);
  if (newQuestion && image && !images.ready(image) && !(timer && timer.deadline_ms != null)) return;
  const prev = shown;
  shown = state;
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
  animateChanges(prev, state);
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

/** The boxes laid out in `el`: its children, those of `display: contents` wrappers (kind slots) and of the question's row. */
function laidOut(el) {
  return [...el.children].flatMap((child) => (getComputedStyle(child).display === 'contents' || child.classList.contains('q-body')
    ? [child, ...laidOut(child)] : [child]));
}

/**
 * Whether a child of `el` sticks out of it. Uses layout offsets, not scrollHeight: those ignore
 * transforms, so a running zoom animation does not count as overflow.
 */
function overflows(el) {
  const bottom = el.clientHeight + 1;
  return laidOut(el).some((child) => {
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
  // The kind's part of the card: whose turn it is, the teams in a tie.
  const part = activeKind();
  if (round && part.intro) part.intro(state);
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
      h('span', { className: 'rk-points', text: t('points', { n: formatPoints(line.points) }) }));
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

/** The renderer of the round kind of the question or round title on stage (an empty one without). */
function activeKind() {
  const kind = questionKind(state) || (state.stage === 'round_intro' ? kindOf(state) : null);
  return kinds.activate(kind ? kind.name : null);
}

function renderQuestion() {
  const q = state.question;
  const kind = questionKind(state);
  const part = activeKind();
  document.body.dataset.kind = kind ? kind.name : '';
  $('q-number').textContent = q ? t('question_no', { n: q.number, total: q.total }) : '';
  $('question-text').textContent = q ? q.text : '';
  renderImage($('question-image'), questionImage(state), images);
  // Beside the text only a picture; an image that failed leaves a small note under it.
  const withImage = $('question-image').dataset.image === 'ready';
  $('q-body').classList.toggle('has-image', withImage);
  // Long questions get a smaller size so they fit beside the scoreboard without scrolling; a
  // kind with more to show (the options) starts a size smaller, and so does a question beside
  // its image (a narrower column). fit() shrinks further only if it still does not fit.
  const len = q ? q.text.length : 0;
  const smaller = part.compact || withImage;
  $('question-text').dataset.size = len > 240 ? 'xs' : len > 160 ? 's' : len > 90 || smaller ? 'm' : 'l';

  // A kind that marks the right answer its own way (the right option) needs no answer box.
  const showAnswer = Boolean(q && q.revealed && q.answer && !part.showsAnswer);
  $('answer').hidden = !showAnswer;
  $('answer-text').textContent = showAnswer ? q.answer : '';

  // The kind's part, and its words for the pill (what is going on) and the result line.
  const said = (kind && part.render && part.render(state)) || {};
  $('phase-pill').textContent = said.pill || '';
  $('phase-pill').dataset.phase = said.phase || '';
  $('phase-pill').hidden = !said.pill;
  $('result-line').textContent = said.result || '';
  $('result-line').dataset.reason = said.reason || '';
  $('result-line').hidden = !said.result;
}

/**
 * Scoreboard sorted by score. Rows are keyed by team and moved, not rebuilt, so a reorder can
 * slide (FLIP: remember old positions, reorder, animate from old to new).
 */
function renderScoreboard() {
  const board = $('scoreboard');
  const part = activeKind();
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
    if (scoreEl.textContent !== '' && scoreEl.textContent !== formatPoints(team.score)) replayAnimation(li, 'bump');
    scoreEl.textContent = formatPoints(team.score);
    // The kind's marks (has the floor, has answered…), replacing the ones it set before.
    const marks = part.rowMarks ? part.rowMarks(state, team.id) : [];
    for (const mark of (li.dataset.marks || '').split(' ')) if (mark && !marks.includes(mark)) li.classList.remove(mark);
    li.classList.add(...marks);
    li.dataset.marks = marks.join(' ');
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

/**
 * The end: the overall podium (prizes 1–3), each round's prize winners ("Giải phần thi Kiến
 * thức: Đội X"; equal points share the prize), then the other teams.
 */
function renderFinal() {
  if (state.stage !== 'finished') return;
  const standings = state.standings;
  const ranked = standings
    ? standings.overall.map((line) => ({ id: line.team, name: teamName(state, line.team), score: line.points, rank: line.rank }))
    : rankTeams(state.teams);
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
      h('div', { className: 'podium-score', text: t('points', { n: formatPoints(team.score) }) }))));
  const rounds = standings ? standings.rounds : [];
  $('round-prizes-box').hidden = !rounds.length;
  $('round-prizes').replaceChildren(...rounds.map(({ round, ranking }) => {
    const winners = ranking.filter((line) => line.rank === 1);
    return h('li', { className: 'round-prize', dataset: { round: String(round.number) } },
      h('span', { className: 'rp-round', text: t('screen.round_prize', { title: round.title }) }),
      h('span', { className: 'rp-teams', text: winners.map((line) => teamName(state, line.team)).join(', ') }),
      h('span', { className: 'rp-points', text: winners.length ? t('points', { n: formatPoints(winners[0].points) }) : '' }));
  }));
  $('final-rest').replaceChildren(...ranked.filter((team) => team.rank > 3).map((team) =>
    h('li', {},
      h('span', { className: 'rest-rank', text: String(team.rank) }),
      h('span', { className: 'rest-name', text: team.name }),
      h('span', { className: 'rest-score', text: t('points', { n: formatPoints(team.score) }) }))));
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

/** What changed since the state shown before, animated by the kind on stage. */
function animateChanges(prev, next) {
  if (!prev || prev === next || !questionKind(next)) return;
  const part = activeKind();
  if (part.animate) part.animate(prev, next);
}

/** The whole stage flashes (a team buzzed in). */
function flash() {
  replayAnimation($('buzz-flash'), 'flashing');
}

/** A verdict full screen for a moment: "Đúng" / "Chưa chính xác", the team, the points. */
function showVerdict(team, verdict, delta) {
  const box = $('verdict');
  box.dataset.verdict = verdict;
  $('verdict-word').textContent = t(`verdict.${verdict}`);
  $('verdict-team').textContent = teamName(state, team);
  $('verdict-delta').textContent = delta ? `${delta > 0 ? '+' : '−'}${t('points', { n: formatPoints(Math.abs(delta)) })}` : '';
  box.hidden = false;
  replayAnimation(box, 'showing');
  clearTimeout(verdictTimer);
  verdictTimer = setTimeout(hideVerdict, 2800);
}

/** Takes the verdict off the screen before its time (what follows it has begun). */
function hideVerdict() {
  clearTimeout(verdictTimer);
  $('verdict').hidden = true;
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
