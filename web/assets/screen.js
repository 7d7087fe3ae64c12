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

const kinds = setupKinds('screen', { showVerdict, hideVerdict, flash, teamColor }, { stage: $('kind-stage'), intro: $('kind-intro') });
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

/** What is on stage, apart from what happens in it: a question, a round's title, a slide, the finish. */
function stageKey(s) {
  return `${questionKey(s)}|${s.round ? s.round.number : ''}|${s.slide ? JSON.stringify(s.slide) : ''}`;
}

// Team colours by the order of the contest's teams: the same team, the same colour, on the
// scoreboard, the floor box and the podium. Light tones that read on the dark stage and none
// too close to the gold of the scores.
const TEAM_COLORS = ['#38bdf8', '#f472b6', '#a3e635', '#fb923c', '#c084fc', '#2dd4bf', '#f87171', '#93c5fd', '#fde047', '#4ade80', '#e879f9', '#fdba74'];

/** The colour of team `id` (CSS), or '' for a team the contest does not have. */
function teamColor(id) {
  const i = state ? state.teams.findIndex((team) => team.id === id) : -1;
  return i < 0 ? '' : TEAM_COLORS[i % TEAM_COLORS.length];
}

function render() {
  if (!state) return;
  // What came before is over: a verdict must not hide the next question, title or podium.
  if (shown && stageKey(shown) !== stageKey(state)) hideVerdict();
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
  renderFinal(prev);
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

/**
 * The question's column: the secondary text (the answer, the result line, the floor box) yields
 * first (--yield), then everything (--fit) with the question held at its floor (--q-floor in
 * screen.css, readable from 10 m), then the secondary text again, down to its own floor.
 */
function fitQuestion(main) {
  let secondary = 1;
  const shrinkSecondary = (min) => {
    while (secondary > min && overflows(main)) {
      secondary = Math.round((secondary - 0.05) * 100) / 100;
      main.style.setProperty('--yield', String(secondary));
    }
  };
  main.style.setProperty('--yield', '1');
  main.style.setProperty('--fit', '1');
  shrinkSecondary(0.55);
  fit(main);
  shrinkSecondary(0.3);
}

function fitAll() {
  const view = document.body.dataset.view;
  if (view === 'question') {
    fitQuestion(document.querySelector('.q-main'));
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
    li.style.setProperty('--team', teamColor(line.team));
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
  $('team-chips').replaceChildren(...state.teams.map((team) => {
    const chip = h('li', { className: 'chip', text: team.name });
    chip.style.setProperty('--team', teamColor(team.id));
    return chip;
  }));
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
  // The answer and the result line start under the question's size, never above it (screen.css).
  document.querySelector('.q-main').dataset.qsize = $('question-text').dataset.size;

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
  // Before anything is scored every team would be "1": no ranks until the scores differ.
  const ranked = state.teams.some((team) => team.score !== state.teams[0].score);
  board.classList.toggle('unranked', !ranked);
  const rows = rankTeams(state.teams).map((team) => {
    let li = board.querySelector(`li[data-team="${CSS.escape(team.id)}"]`);
    if (!li) {
      li = h('li', { className: 'row', dataset: { team: team.id } },
        h('span', { className: 'row-rank' }),
        h('span', { className: 'row-name' }),
        h('span', { className: 'row-score' }));
    }
    li.querySelector('.row-rank').textContent = ranked ? String(team.rank) : '';
    li.style.setProperty('--team', teamColor(team.id));
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

// The finale, staged when the MC finishes the contest on air: the podium's steps one by one,
// 3rd, 2nd, then 1st with confetti, then the round prizes and the other teams. A page opened
// (or reloaded) at the finish shows it all at once: the moment has passed.
const FINALE_FIRST_MS = 700;
const FINALE_STEP_MS = 2200;
const FINALE_REST_MS = 2600;
let finale = null; // {places: places shown, rest: the prizes and the others shown, timers}

function stopFinale() {
  if (finale) finale.timers.forEach(clearTimeout);
  finale = null;
}

/** Starts the finale: live (staged) or at once; `places`: the podium's steps, as ranks. */
function startFinale(places, live) {
  stopFinale();
  finale = { places: new Set(live ? [] : places), rest: !live, live, timers: [] };
  if (!live) return;
  const order = [...places].sort((a, b) => b - a); // 3rd first, the winner last
  order.forEach((place, i) => {
    finale.timers.push(setTimeout(() => {
      finale.places.add(place);
      if (place === 1) confetti();
      render();
    }, FINALE_FIRST_MS + i * FINALE_STEP_MS));
  });
  finale.timers.push(setTimeout(() => {
    finale.rest = true;
    render();
  }, FINALE_FIRST_MS + (order.length - 1) * FINALE_STEP_MS + FINALE_REST_MS));
}

/**
 * The end: the overall podium (prizes 1–3; teams sharing a place share its step), each round's
 * prize winners ("Giải phần thi Kiến thức: Đội X"; equal points share the prize), then the
 * other teams. `prev`: the state shown before (null: the page just opened).
 */
function renderFinal(prev) {
  if (state.stage !== 'finished') {
    stopFinale();
    return;
  }
  const standings = state.standings;
  const ranked = standings
    ? standings.overall.map((line) => ({ id: line.team, name: teamName(state, line.team), score: line.points, rank: line.rank }))
    : rankTeams(state.teams);
  // One step per place: 2nd on the left, 1st in the middle, 3rd on the right (a place nobody
  // holds, after a tie, leaves its step empty, so the winner stays centred).
  const steps = [2, 1, 3]
    .map((place) => ({ place, teams: ranked.filter((team) => team.rank === place) }))
    .filter((step) => step.teams.length);
  if (!finale) startFinale(steps.map((step) => step.place), Boolean(prev) && prev.stage !== 'finished');
  document.querySelector('.view-final').dataset.finale = finale.rest ? 'done' : 'staging';
  $('podium').replaceChildren(...steps.map(({ place, teams }) => {
    const card = h('div', {
      className: `podium-card place-${place}${finale.places.has(place) ? ' revealed' : ''}${finale.live ? ' live' : ''}`,
      dataset: { place: String(place), count: String(teams.length) },
    },
    h('div', { className: 'podium-prize', text: prizeName(place) }),
    h('div', { className: 'podium-name' }, ...teams.map((team) => {
      const name = h('span', { className: 'podium-team', dataset: { team: team.id }, text: team.name });
      name.style.setProperty('--team', teamColor(team.id));
      return name;
    })),
    h('div', { className: 'podium-score', text: t('points', { n: formatPoints(teams[0].score) }) }));
    return card;
  }));
  const rounds = standings ? standings.rounds : [];
  $('round-prizes-box').hidden = !rounds.length;
  $('round-prizes').replaceChildren(...rounds.map(({ round, ranking }) => {
    const winners = ranking.filter((line) => line.rank === 1);
    return h('li', { className: 'round-prize', dataset: { round: String(round.number) } },
      h('span', { className: 'rp-round', text: t('screen.round_prize', { title: round.title }) }),
      h('span', { className: 'rp-teams', text: winners.map((line) => teamName(state, line.team)).join(', ') }),
      h('span', { className: 'rp-points', text: winners.length ? t('points', { n: formatPoints(winners[0].points) }) : '' }));
  }));
  $('final-rest').replaceChildren(...ranked.filter((team) => team.rank > 3).map((team) => {
    const li = h('li', {},
      h('span', { className: 'rest-rank', text: String(team.rank) }),
      h('span', { className: 'rest-name', text: team.name }),
      h('span', { className: 'rest-score', text: t('points', { n: formatPoints(team.score) }) }));
    li.style.setProperty('--team', teamColor(team.id));
    return li;
  }));
}

/** A short burst of confetti over the podium (plain elements and a CSS animation). */
function confetti() {
  const box = $('confetti');
  const pieces = Array.from({ length: 140 }, (_, i) => {
    const piece = h('i', { className: 'confetto' });
    piece.style.setProperty('--x', `${Math.random() * 100}%`);
    piece.style.setProperty('--drift', `${(Math.random() - 0.5) * 30}rem`);
    piece.style.setProperty('--spin', `${(Math.random() - 0.5) * 1440}deg`);
    piece.style.setProperty('--delay', `${Math.random() * 0.8}s`);
    piece.style.setProperty('--fall', `${2.4 + Math.random() * 1.6}s`);
    piece.style.setProperty('--color', TEAM_COLORS.concat(['#ffc83d', '#ffffff'])[i % (TEAM_COLORS.length + 2)]);
    return piece;
  });
  box.replaceChildren(...pieces);
  // Gone after the longest fall, so that nothing keeps animating under the results.
  setTimeout(() => box.replaceChildren(), 5000);
}

// The countdown escalates: calm, then from 5 s red with a beat on each second, and from 3 s
// larger still (data-level on #ring, screen.css).
const WARN_MS = 5000;
const CRITICAL_MS = 3000;
const countdown = createCountdown((c) => {
  $('ring').hidden = !c;
  if (!c) return;
  $('ring-arc').style.strokeDashoffset = String(RING_LENGTH * (1 - c.fraction));
  const secs = String(secondsLeft(c.left));
  const level = c.left <= 0 ? 'over' : c.left <= CRITICAL_MS ? 'critical' : c.left <= WARN_MS ? 'warn' : 'calm';
  if ($('ring-secs').textContent !== secs && (level === 'warn' || level === 'critical')) replayAnimation($('ring'), 'beat');
  $('ring-secs').textContent = secs;
  $('ring').dataset.level = level;
  $('ring').classList.toggle('urgent', level !== 'calm');
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
$('fullscreen-btn').addEventListener('click', toggleFullscreen);

// Only the show is projected: the corner's controls (and the pointer) show while the mouse
// moves, and go again after a few seconds of stillness.
const POINTER_IDLE_MS = 3000;
let pointerTimer = 0;
function pointerActive() {
  document.body.classList.add('pointer-active');
  clearTimeout(pointerTimer);
  pointerTimer = setTimeout(() => document.body.classList.remove('pointer-active'), POINTER_IDLE_MS);
}
document.addEventListener('mousemove', pointerActive);
document.addEventListener('pointerdown', pointerActive);
document.addEventListener('focusin', pointerActive);

onLangChange(render);
window.addEventListener('resize', render);
