// The round kinds the pages know, by the name the server sends in `state.round.kind`. Each kind
// is one module with its renderers for the three pages; adding a kind is adding its module and a
// line in KINDS (its styles go in the pages' stylesheets).
//
// A kind module's default export: `{name, timer(state), phone(ctx), control(ctx), screen(ctx)}`.
// `timer` gives the countdown of its question on stage (`{deadline_ms, countdown_ms}`) or null.
// Each page calls its own factory once with its context (`ctx.boxes`: the kind's own places in
// the page, see setupKinds) and gets that page's renderer, whose hooks are all optional; on
// every page `show(active)` tells it whether its boxes are on show:
//
// - phone: `derive(state)` → what the team sees on a question `{state, mood, label, sub}`
//   (`noBuzzer`: the buzzer is not shown, nor pressed by a key); `intro(state)` → `{state,
//   label, sub}` or null: what it sees on the round's title once the round is under way;
//   `render(state, view)`; `onState(prev, next)` before rendering, `onRendered(prev, next)`
//   after; `onStatus(status)`, `onSync(count)`, `onMessage(msg)` → handled, `onKey(ev)` →
//   handled, `onLang()`, `reset()`; `showsAnswer` (the revealed answer is part of its own
//   display), `introSub` (a translation key under a round's title).
// - control: `actions` (action bar buttons `{id, cmd, label, key, className, enabled(state)}`),
//   `status(state)` → `{phase, text, hint}` or null, `render(state)`, `busy(state)` (moving on is
//   refused), `unfinished(state)` (moving on asks twice), `canReveal(state)`, `revealLabel`,
//   `answerText(state)`, `teamStatus(state, team)` → `{text, className}` or null, `onKey(ev)`,
//   `onLang()`, `introNote`. `ctx.boxes.round` holds its panel for the round as a whole (shown
//   between questions too); `ctx.send(cmd, label)` sends the panel's commands; `ctx.keyHints(text)`
//   drops the "(N)" key names from a line when no keyboard is in use.
// - screen: `intro(state)` renders its part of the round's title card (`ctx.boxes.intro`);
//   `render(state)` → `{pill, phase, result, reason}`, `rowMarks(state, teamId)` →
//   scoreboard classes, `animate(prev, next)`, `showsAnswer`, `compact` (the question starts a
//   size smaller).
//
// A kind that plays a buzz race of its own (the Về đích steal, the tie-breaker) names it as its
// `base`: while it is active the base kind's boxes are on show too, and its renderers get the
// base's renderer for that page as `ctx.base` (and its boxes as `ctx.baseBoxes`) to call. One
// buzzer, one floor box in each page: the base's, never a second copy with the same ids.
import { h, applyI18n } from '../common.js';
import buzzIn from './buzz_in.js';
import multipleChoice from './multiple_choice.js';
import scored from './scored.js';
import olympiaFinish from './olympia_finish.js';
import tieBreaker from './tie_breaker.js';
import judged from './judged.js';

// A base kind comes before the kinds built on it.
const KINDS = {
  buzz_in: buzzIn,
  multiple_choice: multipleChoice,
  scored,
  olympia_finish: olympiaFinish,
  tie_breaker: tieBreaker,
  judged,
};

/**
 * The kind a team phone shows between questions: its buzzer, which holds a press made while the
 * phone reconnects in the middle of a question.
 */
export const RESTING_KIND = 'buzz_in';

/** The kind named `name`, or null (a kind this page does not know: a newer server). */
export function kindNamed(name) {
  return typeof name === 'string' && Object.hasOwn(KINDS, name) ? KINDS[name] : null;
}

/** The kind of the round being played, or null. */
export function kindOf(state) {
  return state && state.round ? kindNamed(state.round.kind) : null;
}

/** The kind of the question on stage, or null (no question, or an unknown kind). */
export function questionKind(state) {
  return state && state.stage === 'question' ? kindOf(state) : null;
}

/** The countdown of the question on stage (`{deadline_ms, countdown_ms}`), or null. */
export function timerOf(state) {
  const kind = questionKind(state);
  return kind && kind.timer ? kind.timer(state) || null : null;
}

/**
 * Makes every kind's renderer for `page` (`phone`, `control` or `screen`). `slots`: the page's
 * places for kind content, by name; each kind gets a box of its own in each (`ctx.boxes`), shown
 * only while that kind is active, except in the slots named in `shared` (notices a kind keeps
 * up after its question). Returns `{all, entries, get(name), activate(name)}`: `activate` shows that
 * kind's boxes (and its base's), hides the others' and returns its renderer (an empty one for
 * null).
 */
export function setupKinds(page, ctx, slots, shared = []) {
  const kinds = [];
  for (const [name, kind] of Object.entries(KINDS)) {
    const boxes = {};
    for (const [slot, el] of Object.entries(slots)) {
      boxes[slot] = h('div', { className: 'kind-box', dataset: { kind: name }, hidden: !shared.includes(slot) });
      el.append(boxes[slot]);
    }
    const base = kind.base ? kinds.find((k) => k.name === kind.base) : null;
    const part = kind[page] ? kind[page]({ ...ctx, boxes, base: base ? base.part : {}, baseBoxes: base ? base.boxes : {} }) : {};
    for (const box of Object.values(boxes)) applyI18n(box);
    kinds.push({ name, part, boxes });
  }
  const none = {};
  let active = null;
  return {
    /** Every kind's renderer, in registry order. */
    all: kinds.map((k) => k.part),
    /** Every kind as `{name, part, boxes}`, in registry order. */
    entries: kinds,
    /** The renderer of kind `name`, or null. */
    get(name) {
      const found = kinds.find((k) => k.name === name);
      return found ? found.part : null;
    },
    activate(name) {
      if (name !== active) {
        active = name;
        const base = kindNamed(name) ? kindNamed(name).base : null;
        for (const k of kinds) {
          const on = k.name === name || k.name === base;
          for (const [slot, box] of Object.entries(k.boxes)) {
            if (!shared.includes(slot)) box.hidden = !on;
          }
          if (k.part.show) k.part.show(on);
        }
      }
      return this.get(name) || none;
    },
  };
}
