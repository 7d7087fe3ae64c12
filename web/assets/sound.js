// The projector's sound: stings synthesised with the Web Audio API (no audio files to ship or
// license), chosen from what changed between one state and the next, so a reload or a
// reconnect never replays what the hall has already heard. On by default; the mute switch is
// remembered on this machine. Browsers may refuse to start audio before a click on the page:
// then a "Bật âm thanh" button shows until audio runs.
//
// `window.stagebuzzSounds` lists the names of the sounds played, in order (`round`, `floor`,
// `tick`, `correct`, `wrong`, `result`, `fanfare`), and a `stagebuzz:sound` event on `window`
// says when one is added: tests assert on them without listening.
import { t, onLangChange, questionKey } from './common.js';
import { timerOf } from './kinds/index.js';

const MUTED_KEY = 'stagebuzz.sound.muted';
/** Ticks in the last seconds of a countdown. */
const TICK_SECONDS = 5;

window.stagebuzzSounds = [];

// ---- Synthesis ------------------------------------------------------------------------------

let audio = null; // the AudioContext, made once; null where Web Audio does not exist
let master = null;

function context() {
  if (audio || !(window.AudioContext || window.webkitAudioContext)) return audio;
  audio = new (window.AudioContext || window.webkitAudioContext)();
  // A compressor on the way out: stings overlap (a tick under a verdict) without clipping.
  const compressor = audio.createDynamicsCompressor();
  compressor.connect(audio.destination);
  master = audio.createGain();
  master.gain.value = 0.8;
  master.connect(compressor);
  return audio;
}

/**
 * One note: oscillator `type` at `freq` Hz from `at` (seconds from now) for `dur` seconds, with a
 * quick attack and an exponential decay (no clicks); `glide` bends it to that frequency.
 */
function note(freq, at, dur, { type = 'triangle', gain = 0.3, glide = null, attack = 0.01 } = {}) {
  const start = audio.currentTime + at;
  const osc = audio.createOscillator();
  const env = audio.createGain();
  osc.type = type;
  osc.frequency.setValueAtTime(freq, start);
  if (glide) osc.frequency.exponentialRampToValueAtTime(glide, start + dur);
  env.gain.setValueAtTime(0.0001, start);
  env.gain.exponentialRampToValueAtTime(gain, start + attack);
  env.gain.exponentialRampToValueAtTime(0.0001, start + dur);
  osc.connect(env);
  env.connect(master);
  osc.start(start);
  osc.stop(start + dur + 0.05);
}

/** A chord: several notes at once. */
function chord(freqs, at, dur, options = {}) {
  for (const f of freqs) note(f, at, dur, { gain: 0.14, ...options });
}

// Note frequencies (Hz).
const C4 = 261.63; const E4 = 329.63; const G4 = 392; const A4 = 440;
const C5 = 523.25; const D5 = 587.33; const E5 = 659.25; const G5 = 783.99; const C6 = 1046.5;

/** Each sound, by the name recorded in `window.stagebuzzSounds`. */
const SOUNDS = {
  // A team takes the floor: a bright two-tone "ding-ding" that cuts through a noisy hall.
  floor() {
    note(1318.5, 0, 0.18, { type: 'square', gain: 0.18 });
    note(1760, 0.12, 0.45, { type: 'square', gain: 0.18 });
    note(880, 0, 0.5, { gain: 0.25 });
  },
  // A countdown's last seconds: a short wooden tick.
  tick() {
    note(1200, 0, 0.06, { type: 'sine', gain: 0.35, attack: 0.002 });
  },
  // Right: a quick rising major arpeggio.
  correct() {
    [C5, E5, G5].forEach((f, i) => note(f, i * 0.09, 0.25, { gain: 0.28 }));
    chord([C5, E5, G5, C6], 0.27, 0.6);
  },
  // Wrong: two falling low buzzes.
  wrong() {
    note(233, 0, 0.28, { type: 'sawtooth', gain: 0.16, glide: 220 });
    note(185, 0.3, 0.5, { type: 'sawtooth', gain: 0.16, glide: 155 });
  },
  // A round's title: a rising sweep into a held chord.
  round() {
    note(C4, 0, 0.5, { type: 'sawtooth', gain: 0.08, glide: C5, attack: 0.2 });
    chord([C4, G4, C5, E5], 0.45, 1.2, { attack: 0.05 });
  },
  // A judged team's result revealed: a short "ta-da".
  result() {
    chord([G4, D5, G5], 0, 0.18);
    chord([C5, E5, G5, C6], 0.2, 0.9);
  },
  // The contest is over: a brass-like fanfare (sawtooth notes, then a held chord).
  fanfare() {
    const brass = { type: 'sawtooth', gain: 0.12 };
    [[G4, 0, 0.15], [G4, 0.17, 0.15], [G4, 0.34, 0.15], [C5, 0.51, 0.5],
      [A4, 1.05, 0.15], [C5, 1.22, 0.15], [E5, 1.39, 0.9]].forEach(([f, at, dur]) => note(f, at, dur, brass));
    chord([C4, E4, G4, C5, E5, G5], 1.39, 1.8, { attack: 0.05 });
  },
};

// ---- Switches -------------------------------------------------------------------------------

// On by default on a projector's laptop; muted on a touch-only screen (an audience member's
// phone in the hall: a hundred phones each playing the stings would drown the hall's speakers).
// A choice made with the switch is remembered and wins.
let muted = matchMedia('(hover: none) and (pointer: coarse)').matches;
try {
  const stored = localStorage.getItem(MUTED_KEY);
  if (stored !== null) muted = stored === '1';
} catch {
  // Storage refused: the default.
}
let toggle = null;
let unlock = null;

/** Plays `name` unless muted or audio cannot run yet; records it when it does. */
function play(name) {
  if (muted || !context() || audio.state !== 'running') return;
  SOUNDS[name]();
  window.stagebuzzSounds.push(name);
  window.dispatchEvent(new CustomEvent('stagebuzz:sound', { detail: name }));
}

/** The switch's look and words, and the unlock button only while the browser holds audio back. */
function renderControls() {
  if (toggle) {
    toggle.dataset.muted = String(muted);
    toggle.setAttribute('aria-pressed', String(muted));
    const label = muted ? t('sound.unmute') : t('sound.mute');
    toggle.setAttribute('aria-label', label);
    toggle.title = label;
  }
  if (unlock) unlock.hidden = muted || !audio || audio.state === 'running';
}

/** Any click or key on the page lets audio start (the operator's double click for full screen). */
function resume() {
  if (audio && audio.state === 'suspended' && !muted) audio.resume().catch(() => {});
}

// ---- What to play ---------------------------------------------------------------------------

/** The one sound a change calls for, or null: the most important when several happen at once. */
export function soundFor(prev, next) {
  if (!prev || !next) return null;
  if (next.stage === 'finished') return prev.stage === 'finished' ? null : 'fanfare';
  if (next.stage === 'round_intro') {
    const sameRound = prev.stage === 'round_intro' && prev.round && next.round && prev.round.number === next.round.number;
    if (!sameRound) return 'round';
    const before = prev.judged ? prev.judged.revealed.length : 0;
    return next.judged && next.judged.revealed.length > before ? 'result' : null;
  }
  if (next.stage !== 'question' || questionKey(prev) !== questionKey(next)) return null;
  return verdictSound(prev, next) || floorSound(prev, next);
}

/** A new verdict on the question: a judgement (buzz race, Về đích) or multiple choice's reveal. */
function verdictSound(prev, next) {
  const pb = prev.buzz;
  const nb = next.buzz;
  if (nb && nb.judgements.length > (pb ? pb.judgements.length : 0)) {
    return nb.judgements[nb.judgements.length - 1].verdict === 'correct' ? 'correct' : 'wrong';
  }
  const pq = prev.olympia && prev.olympia.question;
  const nq = next.olympia && next.olympia.question;
  if (pq && nq && !['right', 'wrong'].includes(pq.main) && ['right', 'wrong'].includes(nq.main)) {
    return nq.main === 'right' ? 'correct' : 'wrong';
  }
  const pc = prev.choice;
  const nc = next.choice;
  if (pc && nc && pc.phase !== 'revealed' && nc.phase === 'revealed') {
    return (nc.choices || []).some((c) => c.option === nc.correct) ? 'correct' : 'wrong';
  }
  return null;
}

/** A team takes the floor (a buzz race, a Về đích steal, a tie-breaker); not an undo giving it back. */
function floorSound(prev, next) {
  const pb = prev.buzz;
  const nb = next.buzz;
  if (!nb || !nb.floor) return null;
  if (pb && nb.judgements.length < pb.judgements.length) return null; // undo
  return pb && pb.floor === nb.floor && pb.race === nb.race ? null : 'floor';
}

// ---- Ticks ----------------------------------------------------------------------------------

let countdown = null; // {key, deadline (performance.now() time), second (last one ticked or seen)}
let ticker = 0;

/** Follows the countdown of `state` (its last seconds tick); `quiet`: a countdown already running at connection. */
function follow(state, receivedAt, quiet) {
  const timer = timerOf(state);
  if (!timer || timer.deadline_ms == null) {
    countdown = null;
  } else if (!countdown || countdown.key !== timer.deadline_ms) {
    countdown = {
      key: timer.deadline_ms,
      deadline: receivedAt + (timer.deadline_ms - state.now_ms),
      // A countdown found running on connecting was under way before: not ticked.
      second: quiet ? -1 : null,
    };
  }
  if (countdown && countdown.second !== -1 && !ticker) ticker = setInterval(checkTick, 50);
  if ((!countdown || countdown.second === -1) && ticker) {
    clearInterval(ticker);
    ticker = 0;
  }
}

function checkTick() {
  const left = countdown ? countdown.deadline - performance.now() : 0;
  if (left <= 0) {
    clearInterval(ticker);
    ticker = 0;
    return;
  }
  const second = Math.ceil(left / 1000);
  if (second === countdown.second) return;
  countdown.second = second;
  if (second <= TICK_SECONDS) play('tick');
}

// ---- Setup ----------------------------------------------------------------------------------

/**
 * Wires the switch (`#sound-toggle`) and the unlock button (`#sound-unlock`) of the page; returns
 * `{onState(next, receivedAt)}` to be fed every state as it arrives.
 */
export function setupSound() {
  toggle = document.getElementById('sound-toggle');
  unlock = document.getElementById('sound-unlock');
  context();
  if (audio) audio.addEventListener('statechange', renderControls);
  for (const button of [toggle, unlock]) {
    // A double click on the stage toggles full screen: not on these.
    if (button) button.addEventListener('dblclick', (ev) => ev.stopPropagation());
  }
  if (toggle) {
    toggle.addEventListener('click', () => {
      muted = !muted;
      try {
        localStorage.setItem(MUTED_KEY, muted ? '1' : '0');
      } catch {
        // Not remembered; still switched for this page.
      }
      resume();
      renderControls();
    });
  }
  if (unlock) unlock.addEventListener('click', resume);
  document.addEventListener('pointerdown', resume);
  document.addEventListener('keydown', resume);
  onLangChange(renderControls);
  renderControls();

  let prev = null;
  return {
    onState(next, receivedAt) {
      follow(next, receivedAt, !prev);
      const name = soundFor(prev, next);
      if (name) play(name);
      prev = next;
    },
  };
}
