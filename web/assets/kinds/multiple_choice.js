// Multiple choice ("trắc nghiệm"): options A–D on every team phone; each team picks one and may
// change it until time is up; the reveal scores every right answer. Its renderers for the team
// phone (option buttons), the MC's control page (open / lock answers, every team's choice) and
// the projector (the options, who has answered — never what — and at the reveal who chose what).
// State: `state.choice` (PROTOCOL.md).
import {
  formatPoints,
  t, h, teamName, questionKey, codeMessage, toast, replayAnimation, formatSeconds,
} from '../common.js';

/** The multiple-choice question on stage (`state.choice`: options, who answered…), or null. */
/** Options this long or shorter go two to a row on the phones. */
const SHORT_OPTION = 12;

function choiceOf(state) {
  return state && state.stage === 'question' && state.choice ? state.choice : null;
}

/** The text of option `letter` ("B") of a multiple-choice question, or ''. */
function optionText(choice, letter) {
  const i = 'ABCD'.indexOf(letter);
  return choice && letter && i >= 0 && i < choice.options.length ? choice.options[i] : '';
}

/** The letter of option number `i` (0 → "A"). */
function optionLetter(i) {
  return 'ABCD'[i] || '?';
}

/** A translated text with its key kept on the element, so a language switch re-translates it. */
function label(tag, key, props = {}) {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

// ---- Team phone -------------------------------------------------------------------------------

/**
 * Big option buttons instead of the buzzer. `ctx` as for buzz-in's phone: `boxes.input`,
 * `state()`, `fresh()`, `team()`, `conn()`, `render()`.
 */
function phone(ctx) {
  const box = h('div', {
    id: 'options', className: 'options', role: 'group', 'data-i18n-aria-label': 'join.options', 'aria-label': t('join.options'), hidden: true,
  });
  ctx.boxes.input.append(box);
  /**
   * The option tapped and sent, `{option, id, key}`, shown as chosen until the server's state
   * says so (or refuses it).
   */
  let choosing = null;
  let lastTap = null; // {option, at}: the pointerdown of a tap, so that its click is not sent again
  let optionsKey = null; // what the box holds, to rebuild the buttons only for a new question

  /** Our choice as shown: the one just tapped (on its way), else the one the server holds. */
  function shownChoice(state, choice) {
    if (choosing && choice.phase === 'open' && choosing.key === questionKey(state)) return choosing.option;
    return choice.mine || null;
  }

  /**
   * What the team sees: read the question, choose (and change) until time is up, then whether its
   * answer was right. Only this team's own choice (`mine`) is ever shown.
   */
  function derive(state) {
    const choice = choiceOf(state);
    const mine = shownChoice(state, choice);
    const line = (name, mood, text, sub = '') => ({ state: name, mood, label: text, sub });
    switch (choice.phase) {
      case 'open':
        return mine
          ? line('mc_chosen', 'chosen', t('st.mc_chosen', { option: mine }))
          : line('mc_open', 'open', t('st.mc_open'), t('st.mc_open_sub'));
      case 'locked':
        return mine
          ? line('mc_locked', 'idle', t('st.mc_locked', { option: mine }), t('st.mc_locked_sub'))
          : line('mc_locked', 'out', t('st.mc_locked_none'), t('st.mc_locked_sub'));
      case 'revealed': {
        const correct = choice.correct;
        const sub = correct ? t('st.mc_correct_is', { option: correct }) : '';
        if (!mine) return line('mc_none', 'out', t('st.mc_no_answer'), sub);
        if (mine === correct) {
          const entry = (choice.choices || []).find((c) => c.team === ctx.team());
          const points = entry ? entry.points : 0;
          return line('mc_right', 'win', points ? t('st.mc_right', { n: points }) : t('verdict.correct'), sub);
        }
        return line('mc_wrong', 'out', t('verdict.wrong'), sub);
      }
      default: // ready
        return line('mc_ready', 'idle', t('st.mc_ready'), t('st.mc_ready_sub'));
    }
  }

  /** The option buttons: disabled unless open, ours highlighted. */
  function render(state) {
    const choice = choiceOf(state);
    box.hidden = !choice;
    if (!choice) {
      optionsKey = null;
      box.replaceChildren();
      return;
    }
    const key = JSON.stringify([questionKey(state), choice.options]);
    if (key !== optionsKey) {
      optionsKey = key;
      // Short options ("T.L.", "1930") two by two: half the height, and the question keeps
      // its lines on a 320×568 phone.
      box.classList.toggle('short', choice.options.every((text) => [...text].length <= SHORT_OPTION));
      box.replaceChildren(...choice.options.map((text, i) =>
        h('button', { type: 'button', className: 'opt', dataset: { option: optionLetter(i) } },
          h('span', { className: 'opt-letter', 'aria-hidden': 'true', text: optionLetter(i) }),
          h('span', { className: 'opt-text', text }),
          h('span', { className: 'opt-mark' }))));
    }
    const mine = shownChoice(state, choice);
    const revealed = choice.phase === 'revealed';
    box.dataset.phase = choice.phase;
    for (const btn of box.querySelectorAll('.opt')) {
      const letter = btn.dataset.option;
      const isMine = letter === mine;
      const isCorrect = revealed && letter === choice.correct;
      btn.disabled = choice.phase !== 'open';
      btn.classList.toggle('chosen', isMine);
      btn.classList.toggle('sending', isMine && Boolean(choosing));
      btn.classList.toggle('correct', isCorrect);
      btn.classList.toggle('wrong', revealed && isMine && !isCorrect);
      btn.setAttribute('aria-pressed', String(isMine));
      btn.setAttribute('aria-label', `${letter}. ${optionText(choice, letter)}`);
      const mark = isCorrect ? t('join.opt_correct') : isMine ? t('join.opt_mine') : '';
      btn.querySelector('.opt-mark').textContent = mark;
      btn.querySelector('.opt-mark').hidden = !mark;
    }
  }

  /**
   * A tap on option `option`: sent at once with the moment of the press (the pointerdown's
   * timeStamp, as for the buzzer); tapping another option later changes the answer.
   */
  function choose(option, pressedAt) {
    const state = ctx.state();
    const choice = choiceOf(state);
    if (!choice || choice.phase !== 'open' || !optionText(choice, option)) return;
    const now = performance.now();
    const at = Number.isFinite(pressedAt) && pressedAt > 0 && pressedAt <= now ? pressedAt : now;
    const conn = ctx.conn();
    const id = conn && ctx.fresh() ? conn.send({ type: 'choose', option, pressed_at: at }) : null;
    if (id === null) {
      toast(t('not_connected'), 'error', 2500);
      return;
    }
    if (navigator.vibrate) navigator.vibrate(40);
    choosing = { option, id, key: questionKey(state) };
    ctx.render();
  }

  box.addEventListener('pointerdown', (ev) => {
    const btn = ev.target.closest('.opt');
    if (!btn || btn.disabled || ev.button > 0) return;
    lastTap = { option: btn.dataset.option, at: performance.now() };
    choose(btn.dataset.option, ev.timeStamp);
  });
  // Keyboard activation arrives as a click without a pointerdown before it.
  box.addEventListener('click', (ev) => {
    const btn = ev.target.closest('.opt');
    if (!btn || btn.disabled) return;
    if (lastTap && lastTap.option === btn.dataset.option && performance.now() - lastTap.at < 1000) return;
    choose(btn.dataset.option, ev.timeStamp);
  });

  return {
    /** The right option is marked among the options: no separate answer line. */
    showsAnswer: true,
    derive,
    render,
    onStatus(status) {
      if (status !== 'connected') choosing = null; // the server's state will say what it got
    },
    /** A new state: the tapped option is no longer "on its way" once the server shows it (or moved on). */
    onState(prev, next) {
      const choice = choiceOf(next);
      if (!choosing) return;
      if (!choice || choice.phase !== 'open' || choosing.key !== questionKey(next) || choice.mine === choosing.option) {
        choosing = null;
      }
    },
    onMessage(msg) {
      if (!choosing || msg.id !== choosing.id || (msg.type !== 'ack' && msg.type !== 'rejected')) return false;
      if (msg.type === 'rejected') {
        choosing = null;
        ctx.render();
        toast(codeMessage(msg), 'error', 2500);
      }
      return true;
    },
    /** The keys A–D choose (a phone with a keyboard, or a laptop). */
    onKey(ev) {
      const letter = ev.key.length === 1 ? ev.key.toUpperCase() : '';
      if (!letter || !'ABCD'.includes(letter) || ev.ctrlKey || ev.metaKey || ev.altKey) return false;
      ev.preventDefault();
      choose(letter, ev.timeStamp);
      return true;
    },
    reset() {
      choosing = null;
    },
  };
}

// ---- MC control page --------------------------------------------------------------------------

/**
 * The right answer and a live table of each team's choice, answer time, changes of mind and
 * (after the reveal) points. `ctx`: `boxes.status`, `state()`.
 */
function control(ctx) {
  const phase = (s) => (choiceOf(s) ? s.choice.phase : null);
  const correctEl = h('span', { id: 'mc-correct', className: 'mc-correct' });
  const answeredEl = h('div', { id: 'mc-answered', className: 'mc-answered' });
  const body = h('tbody', { id: 'choices-body' });
  ctx.boxes.status.append(h('div', { id: 'choice-status', className: 'choice-status' },
    h('div', { className: 'mc-correct-line' }, label('span', 'control.mc_correct', { className: 'label' }), ' ', correctEl),
    answeredEl,
    h('div', { className: 'table-scroll' },
      h('table', { className: 'choices' },
        h('thead', {}, h('tr', {},
          label('th', 'control.col_team'),
          label('th', 'control.mc_col_option'),
          label('th', 'control.mc_col_time', { className: 'num' }),
          label('th', 'control.mc_col_changes', { className: 'num' }),
          label('th', 'control.col_score', { className: 'num' }))),
        body))));

  // An unknown phase (newer server) shows its raw name rather than a translation key.
  const tr = (key, fallback) => (t(key) === key ? fallback : t(key));

  return {
    actions: [
      { id: 'btn-open-answers', cmd: { type: 'open_answers' }, label: 'btn.open_answers', key: 'o', className: 'act-open',
        enabled: (s) => phase(s) === 'ready' },
      { id: 'btn-lock-answers', cmd: { type: 'lock_answers' }, label: 'btn.lock_answers', key: 'l', className: 'act-lock',
        enabled: (s) => phase(s) === 'open' },
    ],
    /** Not while the teams are answering. */
    busy: (s) => phase(s) === 'open',
    /** Moving on before the reveal scores nobody: the MC confirms. */
    unfinished: (s) => Boolean(choiceOf(s)) && phase(s) !== 'revealed',
    /** After the answers are locked (or before they open); it scores every right answer. */
    canReveal: (s) => phase(s) !== 'open',
    revealLabel: 'btn.reveal_choice',
    /** The MC's answer line: the letter and its option ("B. Ủy ban nhân dân xã"). */
    answerText(s) {
      const option = optionText(choiceOf(s), s.question.answer);
      return option ? `${s.question.answer}. ${option}` : s.question.answer;
    },
    status(s) {
      const choice = choiceOf(s);
      if (!choice) return null;
      return {
        phase: choice.phase === 'revealed' ? 'closed' : choice.phase,
        text: tr(`mcphase.${choice.phase}`, choice.phase),
        hint: tr(`mchint.${choice.phase}`, ''),
      };
    },
    render(s) {
      const choice = choiceOf(s);
      if (!choice) return;
      const correct = choice.correct;
      correctEl.textContent = correct ? `${correct}. ${optionText(choice, correct)}` : '—';
      const answered = new Set(choice.answered || []);
      answeredEl.textContent = t('control.mc_answered', { n: answered.size, total: s.teams.length });
      const picks = new Map((choice.choices || []).map((c) => [c.team, c]));
      const revealed = choice.phase === 'revealed';
      body.replaceChildren(...s.teams.map((team) => {
        const pick = picks.get(team.id);
        const right = pick && correct ? pick.option === correct : null;
        return h('tr', { className: pick ? (right ? 'mc-right' : right === false ? 'mc-wrong' : '') : 'mc-none', dataset: { team: team.id } },
          h('td', { className: 'name', text: team.name }),
          h('td', { className: 'mc-option', title: pick ? optionText(choice, pick.option) : null },
            pick ? `${right ? '✓' : right === false ? '✗' : ''} ${pick.option}`.trim()
              : answered.has(team.id) ? '?' : t('control.mc_no_answer')),
          h('td', { className: 'num', text: pick ? formatSeconds(pick.after_ms) : '' }),
          h('td', { className: 'num', text: pick ? String(pick.changes) : '' }),
          h('td', { className: 'num', text: pick && revealed ? formatPoints(pick.points) : '' }));
      }));
    },
    teamStatus(s, team) {
      const choice = choiceOf(s);
      if (!choice) return null;
      const pick = (choice.choices || []).find((c) => c.team === team.id);
      if (pick) return { text: t('control.mc_chose', { option: pick.option }) };
      if ((choice.answered || []).includes(team.id)) return { text: t('control.mc_answered_one') };
      return null;
    },
  };
}

// ---- Projector --------------------------------------------------------------------------------

/**
 * The options A–D large; a row of team chips that light up as teams answer (never what they
 * chose: the server does not say before the reveal); at the reveal the right option highlighted
 * and, under each option, the teams that chose it with their points. `ctx`: `boxes.stage`.
 */
function screen(ctx) {
  const list = h('ol', { id: 'options', className: 'options' });
  const count = h('span', { id: 'answered-count', className: 'answered-count' });
  const chips = h('ul', { id: 'answered-chips', className: 'answered-chips' });
  const row = h('div', { id: 'answered-row', className: 'answered-row' }, count, chips);
  ctx.boxes.stage.append(h('div', { id: 'choice-box', className: 'choice-box' }, list, row));

  return {
    showsAnswer: true,
    /** The options need room too: the question starts a size smaller. */
    compact: true,
    render(state) {
      const choice = choiceOf(state);
      if (!choice) {
        list.replaceChildren();
        return { pill: '', phase: '', result: '', reason: '' };
      }
      const revealed = choice.phase === 'revealed';
      const picks = revealed ? choice.choices || [] : [];
      const teamOrder = new Map(state.teams.map((team, i) => [team.id, i]));
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
              right ? h('span', { className: 'opt-team-points', text: `+${t('points', { n: formatPoints(p.points) })}` }) : null))) : null);
      }));

      // Who has answered: every team as a chip, lit once it has (what it chose stays secret).
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
      count.textContent = t('screen.mc_answered', { n: answered.size, total: state.teams.length });
      row.hidden = revealed;

      let pill = '';
      if (choice.phase === 'ready') pill = t('screen.mc_ready');
      else if (choice.phase === 'open') pill = t('screen.mc_open');
      else if (choice.phase === 'locked') pill = t('screen.mc_locked');
      const result = revealed && choice.correct ? t('screen.mc_correct', { option: choice.correct }) : '';
      return { pill, phase: choice.phase, result, reason: result ? 'correct' : '' };
    },
    /** A team that has answered, until the reveal. */
    rowMarks(state, teamId) {
      const choice = choiceOf(state);
      return choice && choice.phase !== 'revealed' && (choice.answered || []).includes(teamId) ? ['answered'] : [];
    },
  };
}

export default {
  name: 'multiple_choice',
  /** The countdown: the answer time while the answers are open. */
  timer: choiceOf,
  phone,
  control,
  screen,
};
