// Về đích ("Olympia finish"): each team in turn chooses its pack of valued questions and answers
// them alone, with its star of hope (twice the value if right, minus the value if wrong) once;
// after a wrong answer the other teams may steal in a buzz race. Its renderers for the team phone
// (your question, wait, the buzzer only while the steal is open), the MC's control page (turns,
// packs, the star, the clock, the judgements, the steal) and the projector (whose turn, the pack,
// the star, the steal race). State: `state.olympia`, the steal in `state.buzz` (PROTOCOL.md). The
// steal is a buzz-in race: its buzzer, floor box and evidence are buzz_in.js's (this kind's base).
import { t, h, teamName, questionKey } from '../common.js';

/** A translated text with its key kept on the element, so a language switch re-translates it. */
function label(tag, key, props = {}) {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

/** The Về đích block of the round being played, or null. */
function olympiaOf(state) {
  return state && state.olympia ? state.olympia : null;
}

/** The team on turn's question on stage (`olympia.question`), or null. */
function questionOf(state) {
  const ol = state && state.stage === 'question' ? state.olympia : null;
  return ol && ol.question ? ol.question : null;
}

/** A team's turn (each team has one), or null. */
function turnOf(ol, team) {
  return (ol && team && ol.turns.find((turn) => turn.team === team)) || null;
}

/** The steal's judgement (one steal per question; the team on turn's is not in the list), or null. */
function stealJudgement(state) {
  const list = state.buzz && state.buzz.judgements ? state.buzz.judgements : [];
  return list.length ? list[list.length - 1] : null;
}

/** "+30 điểm", "−30 điểm". */
function signed(n) {
  return `${n > 0 ? '+' : '−'}${t('points', { n: Math.abs(n) })}`;
}

/** "30 điểm", "30 điểm ★" with the star of hope on it. */
function worth(q) {
  return q.star ? `${t('points', { n: q.value })} ★` : t('points', { n: q.value });
}

/**
 * What the team on turn's verdict scores: the value, twice with its star; a wrong answer costs
 * the value only with the star (the rules, PROTOCOL.md `olympia`).
 */
function mainPoints(q, right) {
  if (right) return q.star ? 2 * q.value : q.value;
  return q.star ? -q.value : 0;
}

/**
 * Where the question on stage is, in one word: the team on turn's `ready`, `answering`,
 * `time_up`, `right`; after its wrong answer `wrong` (the steal not open), `steal_open` (open or
 * settling), `steal_floor`, `steal_locked`; then `stolen` (a right steal), `steal_wrong`,
 * `no_steal` (nobody buzzed in time, or no team was left), `revealed`. Null without a question.
 */
function stepOf(state) {
  const q = questionOf(state);
  if (!q) return null;
  if (q.main !== 'wrong') return q.main;
  const buzz = state.buzz;
  if (!buzz) return 'wrong';
  switch (buzz.phase) {
    case 'open':
    case 'settling':
      return 'steal_open';
    case 'floor':
      return 'steal_floor';
    case 'locked':
      return 'steal_locked';
    case 'closed': {
      const judged = stealJudgement(state);
      if (judged) return judged.verdict === 'correct' ? 'stolen' : 'steal_wrong';
      return buzz.closed_reason === 'revealed' ? 'revealed' : 'no_steal';
    }
    default:
      return 'wrong';
  }
}

/** Steps in which the question is not over: the MC still has to act on it. */
const OPEN_STEPS = new Set(['ready', 'answering', 'time_up', 'wrong', 'steal_open', 'steal_floor', 'steal_locked']);
/** Steps in which the server refuses to move on (PROTOCOL.md: a team answering, the steal open). */
const BUSY_STEPS = new Set(['answering', 'time_up', 'steal_open', 'steal_floor']);

/**
 * Whether the question on stage still wants the MC: not over, and no other team's turn called
 * meanwhile (the MC may call the next team instead of opening a steal).
 */
function questionOpen(state) {
  const q = questionOf(state);
  if (!q || !OPEN_STEPS.has(stepOf(state))) return false;
  const ol = olympiaOf(state);
  return !(ol.on_turn && ol.on_turn !== q.team && !BUSY_STEPS.has(stepOf(state)));
}

/** The turn the pages put forward: the one called last when the question on stage is over, else the question's. */
function shownTurn(state) {
  const ol = olympiaOf(state);
  if (!ol) return null;
  const q = questionOf(state);
  if (q && (questionOpen(state) || !ol.on_turn)) return turnOf(ol, q.team);
  return turnOf(ol, ol.on_turn) || (q ? turnOf(ol, q.team) : null);
}

/** The pack as `{value, asked, current, star, pending}` per question, in order (placeholders before it is chosen). */
function packItems(state, turn) {
  const ol = olympiaOf(state);
  const q = questionOf(state);
  if (!turn.pack.length) return Array.from({ length: ol.pack_size }, () => ({ value: null }));
  const onStage = q && q.team === turn.team ? q.number - 1 : -1;
  return turn.pack.map((value, i) => ({
    value,
    asked: i < turn.asked,
    current: i === onStage,
    star: turn.star === i + 1,
    // Declared for the next question, not asked yet.
    pending: ol.star_pending && ol.on_turn === turn.team && i === turn.asked,
  }));
}

/** What became of the question on stage, for the MC and the hall; '' while it is not over. */
function outcomeText(state) {
  const q = questionOf(state);
  if (!q) return '';
  const team = teamName(state, q.team);
  const judged = stealJudgement(state);
  const stealer = judged ? teamName(state, judged.team) : '';
  switch (stepOf(state)) {
    case 'right':
      return t('ol.result_right', { team, points: signed(mainPoints(q, true)) });
    case 'stolen':
      return t('ol.result_stolen', { team: stealer, points: signed(q.value) });
    case 'steal_wrong':
      return t('ol.result_steal_wrong', { team: stealer });
    case 'no_steal':
      return state.buzz.closed_reason === 'no_buzz' ? t('ol.result_no_buzz', { team }) : t('ol.result_nobody_left', { team });
    case 'revealed':
      return t('ol.result_wrong', { team });
    default:
      return '';
  }
}

/**
 * What the MC does next for the round as a whole (between questions): call a team, choose its
 * pack, its star and the next question, or move on when every team has had its turn.
 */
function roundStep(state) {
  const ol = olympiaOf(state);
  if (!ol) return '';
  if (state.stage !== 'round_intro' && state.stage !== 'question') return t('ol.next_not_on_stage');
  const turn = turnOf(ol, ol.on_turn);
  if (!turn) {
    return ol.turns.length >= state.teams.length ? t('ol.next_all_done') : t('ol.next_call');
  }
  const team = teamName(state, turn.team);
  if (!turn.pack.length) return t('ol.next_pack', { team });
  const value = turn.pack[turn.asked];
  const next = t('ol.next_question', { team, n: turn.asked + 1, size: turn.pack.length, value: t('points', { n: value }) });
  if (ol.star_pending) return `${next} ${t('ol.next_star_pending')}`;
  const starFree = ol.star_of_hope && turn.star === null;
  return starFree ? `${next} ${t('ol.next_star_offer')}` : next;
}

// ---- Team phone -------------------------------------------------------------------------------

/**
 * The team on turn sees its question and its value, never a buzzer (its own buzz is refused);
 * the others wait, and get the buzzer (buzz-in's, `ctx.base`) only while the steal is open.
 */
function phone(ctx) {
  const base = ctx.base;
  const view = (name, mood, text, sub = '') => ({ state: name, mood, label: text, sub, noBuzzer: true });

  /** Whose turn it is, between questions: the team called and its pack. */
  function turnView(state, turn) {
    const ol = olympiaOf(state);
    const mine = turn.team === ctx.team();
    const text = mine ? t('ol.turn_own') : t('ol.turn_of', { team: teamName(state, turn.team) });
    if (!turn.pack.length) return view('ol_turn', 'pause', text, t('ol.turn_choosing'));
    const pack = turn.pack.map((v) => t('points', { n: v })).join(' · ');
    return view('ol_turn', 'pause', text, `${t('ol.turn_pack', { pack })}${ol.star_pending ? ` · ★ ${t('ol.star')}` : ''}`);
  }

  function derive(state) {
    const q = questionOf(state);
    // No Về đích block (an older server): the steal is all there is, as a buzz-in question.
    if (!q) return base.derive(state);
    const ol = olympiaOf(state);
    const step = stepOf(state);
    if (!questionOpen(state) && ol.on_turn && ol.on_turn !== q.team) return turnView(state, turnOf(ol, ol.on_turn));
    const team = teamName(state, q.team);
    const judged = stealJudgement(state);
    const stealer = judged ? teamName(state, judged.team) : '';
    const byStealer = state.buzz && state.buzz.floor ? teamName(state, state.buzz.floor) : stealer;
    if (q.team === ctx.team()) {
      const own = t('ol.own_question', { value: worth(q) });
      switch (step) {
        case 'ready': return view('ol_own', 'turn', own, t('ol.own_ready_sub'));
        case 'answering': return view('ol_own', 'turn', own, t('ol.own_answering_sub'));
        case 'time_up': return view('ol_own', 'turn', own, t('st.mine_time_up'));
        case 'right': return view('ol_right', 'win', t('st.correct_me'), signed(mainPoints(q, true)));
        case 'wrong':
          return view('ol_wrong', 'out', t('verdict.wrong'), q.star ? t('ol.own_wrong_star', { points: signed(-q.value) }) : t('ol.own_wrong_sub'));
        case 'steal_open': return view('ol_steal', 'other', t('ol.own_steal_open'), t('ol.own_steal_open_sub'));
        case 'steal_floor': return view('ol_steal', 'other', t('st.other', { team: byStealer }), t('st.other_sub'));
        case 'steal_locked': return view('ol_steal', 'idle', t('st.locked'), t('st.locked_sub'));
        case 'stolen': return view('ol_stolen', 'out', t('st.correct_other', { team: stealer }), t('ol.own_stolen_sub'));
        default: return view('ol_done', 'idle', outcomeText(state) || t('st.closed'), t('st.locked_sub'));
      }
    }
    const mine = judged && judged.team === ctx.team();
    switch (step) {
      case 'ready':
      case 'answering':
      case 'time_up':
        return view('ol_wait', 'pause', t('ol.their_question', { team, value: worth(q) }), t('ol.wait_sub', { team }));
      case 'right':
        return view('ol_wait', 'pause', t('st.correct_other', { team }), signed(mainPoints(q, true)));
      case 'wrong':
        return view('ol_steal_soon', 'idle', t('ol.their_wrong', { team }), t('ol.steal_soon_sub'));
      // The steal is a buzz-in race: the buzzer while it is open, its floor after.
      case 'steal_open':
        return base.derive(state);
      case 'steal_floor':
      case 'steal_locked':
        return { ...base.derive(state), noBuzzer: true };
      case 'stolen':
        return mine ? view('correct', 'win', t('st.correct_me'), signed(q.value))
          : view('closed', 'other', t('st.correct_other', { team: stealer }));
      case 'steal_wrong':
        return mine ? view('tried', 'out', t('verdict.wrong'), t('st.all_tried_sub'))
          : view('closed', 'idle', outcomeText(state));
      default:
        return view('closed', 'idle', outcomeText(state) || t('st.closed'), t('st.revealed_sub'));
    }
  }

  return {
    derive,
    render(state, shown) {
      base.render(state, shown);
    },
    onKey: (ev) => Boolean(base.onKey && base.onKey(ev)),
    /** On the round's title: whose turn it is once the MC has called a team. */
    intro(state) {
      const ol = olympiaOf(state);
      const turn = ol ? turnOf(ol, ol.on_turn) : null;
      return turn ? turnView(state, turn) : null;
    },
    introSub: 'st.round_olympia_sub',
  };
}

// ---- MC control page --------------------------------------------------------------------------

/**
 * The action bar plays a question (start the clock, correct / wrong, open the steal); the status
 * card says who answers what; the round's panel calls each team's turn, builds its pack and
 * declares its star. Start turn, pack and star cannot be undone: the team is picked, then
 * confirmed; the pack is built, then confirmed; the star asks for a second press. `ctx`:
 * `boxes.status`, `boxes.round`, `base` (buzz-in's control part), `baseBoxes`, `state()`, `send()`.
 */
function control(ctx) {
  const base = ctx.base;
  const step = (s) => stepOf(s);
  const judgeable = (s) => ['ready', 'answering', 'time_up', 'steal_floor'].includes(step(s));

  const info = h('div', { id: 'ol-info', className: 'ol-info' });
  ctx.boxes.status.append(info);

  const next = h('p', { id: 'ol-next', className: 'ol-next', role: 'status' });
  const body = h('div', { id: 'ol-body', className: 'ol-body' });
  const panel = h('section', { id: 'ol-round', className: 'card ol-round', 'aria-labelledby': 'ol-round-title' },
    label('h2', 'ol.title', { id: 'ol-round-title' }), next, body);
  ctx.boxes.round.append(panel);

  let picked = null; // team picked in the turn picker, not started yet
  let slots = []; // the pack being built: a value (or null) per question
  let slotsFor = null; // the team whose pack `slots` is
  let starArmedUntil = 0; // the star's "press again" window, performance.now() time
  let starTimer = null;
  let panelKey = null; // what the panel shows, to rebuild it only when that changes

  /** Whether commands for the round as a whole can be sent now (its title or a question over on stage). */
  function free(s) {
    return (s.stage === 'round_intro' || s.stage === 'question') && !questionOpen(s);
  }

  /** The team picker: a button per team (a team that has had its turn is done), then "start". */
  function pickerPart(s, ol, canAct) {
    const buttons = s.teams.map((team) => {
      const turn = turnOf(ol, team.id);
      const status = turn ? (ol.on_turn === team.id ? 'on' : 'done') : picked === team.id ? 'picked' : 'free';
      return h('button', {
        type: 'button', className: `ol-team-btn ol-${status}`, dataset: { olTeam: team.id },
        disabled: Boolean(turn) || !canAct, 'aria-pressed': String(picked === team.id),
      },
      h('span', { className: 'ol-team-name', text: team.name }),
      turn ? h('span', { className: 'ol-team-mark', text: t(ol.on_turn === team.id ? 'ol.team_on_turn' : 'ol.team_done') }) : null);
    });
    const name = picked ? teamName(s, picked) : '';
    return h('div', { className: 'ol-section', id: 'ol-picker' },
      h('div', { className: 'label', text: t('ol.call_team') }),
      h('div', { className: 'ol-team-list' }, buttons),
      h('button', {
        type: 'button', id: 'ol-start', className: 'btn-primary ol-confirm', disabled: !picked || !canAct,
        text: picked ? t('ol.start_turn', { team: name }) : t('ol.pick_team'),
      }));
  }

  /** How many questions of `value` are still free for slot `except` of the pack being built. */
  function freeOf(ol, value, except) {
    const left = (ol.values.find((v) => v.value === value) || { left: 0 }).left;
    return left - slots.filter((v, i) => v === value && i !== except).length;
  }

  /** The pack chooser: a row per question of the pack, a button per value ("còn 5"), then "confirm". */
  function packPart(s, ol, turn, canAct) {
    const rows = slots.map((chosen, i) => h('div', { className: 'ol-slot', dataset: { slot: String(i) } },
      h('span', { className: 'ol-slot-name', text: t('ol.slot', { n: i + 1 }) }),
      h('span', { className: 'ol-values' }, ol.values.map((v) => {
        const left = freeOf(ol, v.value, i);
        return h('button', {
          type: 'button', className: `ol-value${chosen === v.value ? ' chosen' : ''}`,
          dataset: { olSlot: String(i), olValue: String(v.value) },
          disabled: !canAct || (chosen !== v.value && left <= 0), 'aria-pressed': String(chosen === v.value),
        },
        h('span', { className: 'ol-value-points', text: t('points', { n: v.value }) }),
        h('span', { className: 'ol-value-left', text: t('ol.left', { n: Math.max(0, left - (chosen === v.value ? 1 : 0)) }) }));
      }))));
    const complete = slots.every((v) => v !== null);
    return h('div', { className: 'ol-section', id: 'ol-pack-box' },
      h('div', { className: 'label', text: t('ol.pack_for', { team: teamName(s, turn.team) }) }),
      rows,
      h('button', {
        type: 'button', id: 'ol-choose', className: 'btn-primary ol-confirm', disabled: !complete || !canAct,
        text: complete ? t('ol.choose_pack', { pack: slots.map((v) => t('points', { n: v })).join(' · ') }) : t('ol.choose_all'),
      }));
  }

  /** The star of hope of the team on turn: for its next question, once. */
  function starPart(s, ol, turn, canAct) {
    if (!ol.star_of_hope || !turn.pack.length) return null;
    let note = '';
    let enabled = false;
    if (turn.star !== null) {
      note = t('ol.star_used', { n: turn.star });
    } else if (ol.star_pending) {
      note = t('ol.star_declared', { team: teamName(s, turn.team), n: turn.asked + 1 });
    } else if (turn.asked < turn.pack.length) {
      enabled = canAct;
      note = canAct ? t('ol.star_explain') : t('ol.star_wait');
    }
    const armed = enabled && performance.now() < starArmedUntil;
    const n = Math.min(turn.asked + 1, turn.pack.length);
    return h('div', { className: 'ol-section', id: 'ol-star-box' },
      h('button', {
        type: 'button', id: 'ol-star', className: `ol-star-btn${armed ? ' armed' : ''}${ol.star_pending ? ' declared' : ''}`,
        disabled: !enabled,
        text: armed ? t('ol.star_confirm', { team: teamName(s, turn.team), n })
          : t('ol.star_for', { n, value: t('points', { n: turn.pack[n - 1] }) }),
      }),
      h('p', { className: 'ol-note', text: note }));
  }

  /** Every turn so far: its pack, the questions asked, the star; then the teams still to play. */
  function turnsPart(s, ol) {
    const items = ol.turns.map((turn) => h('li', { className: `ol-turn-row${ol.on_turn === turn.team ? ' on' : ''}`, dataset: { team: turn.team } },
      h('span', { className: 'ol-turn-team', text: teamName(s, turn.team) }),
      h('span', { className: 'ol-chips' }, packItems(s, turn).map((item) => h('span', {
        className: `ol-chip${item.asked ? ' asked' : ''}${item.current ? ' current' : ''}`,
        text: `${item.value === null ? '?' : item.value}${item.star || item.pending ? '★' : ''}`,
      }))),
      h('span', { className: 'ol-turn-state', text: t(ol.on_turn === turn.team ? 'ol.team_on_turn' : 'ol.team_done') })));
    const waiting = s.teams.filter((team) => !turnOf(ol, team.id)).map((team) => team.name);
    return [
      h('div', { className: 'label', text: t('ol.turns') }),
      items.length ? h('ol', { id: 'ol-turns', className: 'ol-turns' }, items) : null,
      waiting.length ? h('p', { className: 'ol-note', text: t('ol.still_to_play', { teams: waiting.join(', ') }) }) : null,
    ];
  }

  function renderPanel(s) {
    const ol = olympiaOf(s);
    panel.hidden = !ol;
    if (!ol) return;
    const turn = turnOf(ol, ol.on_turn);
    if (!turn || slotsFor !== turn.team) {
      slotsFor = turn ? turn.team : null;
      slots = Array.from({ length: ol.pack_size }, () => null);
    }
    if (picked && turnOf(ol, picked)) picked = null;
    const canAct = free(s);
    const armed = performance.now() < starArmedUntil;
    const key = JSON.stringify([document.documentElement.lang, ol, s.stage, step(s), canAct, s.teams.map((x) => x.name), picked, slots, armed]);
    next.textContent = ctx.keyHints(questionOpen(s) ? t('ol.next_finish_question') : roundStep(s));
    if (key === panelKey) return;
    panelKey = key;
    const parts = [];
    if (!turn && ol.turns.length < s.teams.length) parts.push(pickerPart(s, ol, canAct));
    if (turn && !turn.pack.length) parts.push(packPart(s, ol, turn, canAct));
    if (turn) parts.push(starPart(s, ol, turn, canAct));
    parts.push(...turnsPart(s, ol));
    body.replaceChildren(...parts.filter(Boolean));
  }

  panel.addEventListener('click', (ev) => {
    const s = ctx.state();
    const ol = olympiaOf(s);
    if (!ol) return;
    const target = ev.target.closest('button');
    if (!target || target.disabled) return;
    if (target.dataset.olTeam) {
      picked = picked === target.dataset.olTeam ? null : target.dataset.olTeam;
    } else if (target.dataset.olSlot) {
      const i = Number(target.dataset.olSlot);
      const value = Number(target.dataset.olValue);
      slots[i] = slots[i] === value ? null : value;
    } else if (target.id === 'ol-start' && picked) {
      if (ctx.send({ type: 'start_turn', team: picked }, 'ol.start_turn_label') !== null) picked = null;
    } else if (target.id === 'ol-choose' && slots.every((v) => v !== null)) {
      ctx.send({ type: 'choose_pack', values: [...slots] }, 'ol.choose_pack_label');
    } else if (target.id === 'ol-star') {
      // No undo for a star: the first press asks for a second.
      clearTimeout(starTimer);
      if (performance.now() < starArmedUntil) {
        starArmedUntil = 0;
        ctx.send({ type: 'star' }, 'ol.star');
      } else {
        starArmedUntil = performance.now() + 3000;
        starTimer = setTimeout(() => renderPanel(ctx.state()), 3050);
      }
    }
    renderPanel(s);
  });

  /** "Lượt thi: Đội X · Câu 2/3 · 30 điểm ★" above the steal's floor and buzz order. */
  function renderInfo(s) {
    const q = questionOf(s);
    const turn = q ? turnOf(olympiaOf(s), q.team) : null;
    info.hidden = !q;
    info.replaceChildren(...(q ? [
      h('span', { className: 'label', text: t('ol.turn_label') }),
      h('span', { className: 'ol-info-team', text: teamName(s, q.team) }),
      h('span', { text: t('ol.question_of_pack', { n: q.number, size: turn ? turn.pack.length : q.number }) }),
      h('span', { className: `ol-info-value${q.star ? ' star' : ''}`, text: worth(q) }),
    ] : []));
  }

  return {
    actions: [
      { id: 'btn-ol-clock', cmd: { type: 'open_answers' }, label: 'btn.ol_clock', key: 't', className: 'act-clock',
        enabled: (s) => step(s) === 'ready' },
      { id: 'btn-ol-correct', cmd: { type: 'judge', verdict: 'correct' }, label: 'btn.correct', key: 'c', className: 'act-correct',
        enabled: judgeable },
      { id: 'btn-ol-wrong', cmd: { type: 'judge', verdict: 'wrong' }, label: 'btn.wrong', key: 'w', className: 'act-wrong',
        enabled: judgeable },
      { id: 'btn-ol-steal', cmd: { type: 'open_buzzers' }, label: 'btn.ol_steal', key: 'o', className: 'act-open',
        enabled: (s) => step(s) === 'wrong' || step(s) === 'steal_locked' },
    ],
    busy: (s) => BUSY_STEPS.has(step(s)),
    /** Moving on before the question is judged (or its steal played) loses it: the MC confirms. */
    unfinished: (s) => questionOpen(s),
    /** Not before the team on turn is judged, nor while a stealer answers. */
    canReveal: (s) => !['ready', 'answering', 'time_up', 'steal_floor'].includes(step(s)) && (!base.canReveal || base.canReveal(s)),
    revealLabel: 'btn.reveal',
    status(s) {
      const q = questionOf(s);
      if (!q) return base.status ? base.status(s) : null;
      const team = teamName(s, q.team);
      const floor = s.buzz && s.buzz.floor ? teamName(s, s.buzz.floor) : '';
      switch (step(s)) {
        case 'ready':
          return { phase: 'ready', text: t('ol.phase_ready', { team, value: worth(q) }), hint: t('ol.hint_ready') };
        case 'answering':
          return { phase: 'floor', text: t('ol.phase_answering', { team, value: worth(q) }), hint: t('ol.hint_judge', { team }) };
        case 'time_up':
          return { phase: 'floor', text: t('ol.phase_time_up', { team }), hint: t('ol.hint_judge', { team }) };
        case 'wrong':
          return {
            phase: 'ready',
            text: q.star ? `${t('ol.phase_wrong', { team })} ${t('ol.star_lost', { points: signed(-q.value) })}` : t('ol.phase_wrong', { team }),
            hint: t('ol.hint_wrong'),
          };
        case 'steal_open':
          return { phase: s.buzz.phase, text: t(s.buzz.phase === 'settling' ? 'phase.settling' : 'ol.phase_steal_open'), hint: t('hint.open') };
        case 'steal_floor':
          return {
            phase: 'floor',
            text: s.buzz.time_up ? t('phase.floor_time_up') : t('ol.phase_steal_floor', { team: floor }),
            hint: t('ol.hint_judge', { team: floor }),
          };
        case 'steal_locked':
          return { phase: 'locked', text: t('phase.locked'), hint: t('ol.hint_locked') };
        default:
          return { phase: 'closed', text: outcomeText(s) || t('phase.closed'), hint: roundStep(s) };
      }
    },
    render(s) {
      base.render(s);
      // The steal's floor, buzz order and verdicts: only once there is a steal to show.
      const q = questionOf(s);
      ctx.baseBoxes.status.hidden = !(q && q.main === 'wrong');
      renderInfo(s);
      renderPanel(s);
    },
    teamStatus(s, team) {
      const q = questionOf(s);
      if (q && q.team === team.id) return { text: t('ol.status_on_turn', { value: worth(q) }), className: 'st-floor' };
      return base.teamStatus ? base.teamStatus(s, team) : null;
    },
    onKey: (ev) => Boolean(base.onKey && base.onKey(ev)),
    onLang() {
      panelKey = null;
      if (base.onLang) base.onLang();
    },
    introNote: 'control.intro_olympia',
  };
}

// ---- Projector --------------------------------------------------------------------------------

/**
 * Whose turn it is, large, with the pack as tiles (asked ones marked, the one on stage lit, the
 * star on its question) and the star of hope; under it buzz-in's floor box for the steal; the
 * verdicts full screen. On the round's title the same turn card. `ctx`: `boxes.stage`,
 * `boxes.intro`, `base` (buzz-in's screen part), `showVerdict()`.
 */
function screen(ctx) {
  const base = ctx.base;

  /** A turn card: "Lượt thi" and the team, the star of hope, the pack's tiles. */
  function card(id) {
    const team = h('div', { className: 'ol-team' });
    const star = h('div', { className: 'ol-star', hidden: true },
      h('span', { className: 'ol-star-icon', 'aria-hidden': 'true', text: '★' }), label('span', 'ol.star'));
    const tiles = h('ol', { className: 'ol-pack' });
    const box = h('div', { id, className: 'ol-card' },
      h('div', { className: 'ol-who' }, label('div', 'ol.turn_label', { className: 'ol-who-label' }), team), star, tiles);
    return {
      box,
      render(state, turn, starOn) {
        box.hidden = !turn;
        if (!turn) return;
        const name = teamName(state, turn.team);
        team.textContent = name;
        team.dataset.size = name.length > 28 ? 's' : name.length > 16 ? 'm' : 'l';
        box.dataset.team = turn.team;
        // The team's own colour, as on the scoreboard: the hall knows the team by it.
        if (ctx.teamColor) box.style.setProperty('--team', ctx.teamColor(turn.team));
        star.hidden = !starOn;
        const step = stepOf(state);
        tiles.replaceChildren(...packItems(state, turn).map((item, i) => {
          // The question on stage: right or wrong once the team on turn is judged.
          const verdict = item.current && step === 'right' ? 'right'
            : item.current && questionOf(state).main === 'wrong' ? 'wrong' : '';
          return h('li', {
            className: ['ol-tile', item.asked && 'asked', item.current && 'current', verdict, (item.star || item.pending) && 'star']
              .filter(Boolean).join(' '),
            dataset: { n: String(i + 1) },
          },
          h('span', { className: 'ol-tile-value', text: item.value === null ? '?' : String(item.value) }),
          item.star || item.pending ? h('span', { className: 'ol-tile-star', 'aria-label': t('ol.star'), text: '★' }) : null);
        }));
      },
    };
  }

  const stageCard = card('ol-banner');
  const introCard = card('ol-intro');
  ctx.boxes.stage.append(stageCard.box);
  ctx.boxes.intro.append(introCard.box);

  let shown = null; // the state rendered last, to tell what a judgement changed
  let deltas = null; // {key, stealer, main}: the points the steal's judgement moved, seen live

  /** The points a judgement moved, from the scores before and after it. */
  function moved(prev, next, team) {
    const score = (s) => (s.teams.find((x) => x.id === team) || { score: 0 }).score;
    return score(next) - score(prev);
  }

  /** The result line: what became of the question, with what the steal cost or took when seen. */
  function result(state) {
    const q = questionOf(state);
    const step = stepOf(state);
    const line = outcomeText(state);
    const seen = deltas && deltas.key === questionKey(state) ? deltas : null;
    if (step === 'stolen' && seen && seen.main < 0) {
      return `${line} ${t('ol.result_taken', { team: teamName(state, q.team), points: signed(seen.main) })}`;
    }
    if (step === 'steal_wrong' && seen && seen.stealer < 0) return `${line} (${signed(seen.stealer)})`;
    if (step === 'wrong') {
      const team = teamName(state, q.team);
      return q.star ? `${t('ol.result_wrong', { team })} (${signed(-q.value)} ★)` : t('ol.result_wrong', { team });
    }
    return line;
  }

  return {
    render(state) {
      const said = base.render(state);
      const q = questionOf(state);
      const ol = olympiaOf(state);
      if (shown && q && questionKey(shown) === questionKey(state)) {
        const before = shown.buzz ? shown.buzz.judgements.length : 0;
        const judged = stealJudgement(state);
        if (judged && state.buzz.judgements.length > before) {
          deltas = { key: questionKey(state), stealer: moved(shown, state, judged.team), main: moved(shown, state, q.team) };
        }
      }
      shown = state;
      const turn = shownTurn(state);
      const starOn = Boolean(ol && ((q && q.star && turn && turn.team === q.team) || (ol.star_pending && turn && turn.team === ol.on_turn)));
      stageCard.render(state, q ? turn : null, starOn);
      if (!q) return said;
      const step = stepOf(state);
      let pill = '';
      let phase = step;
      switch (step) {
        case 'ready':
        case 'answering':
          pill = t('ol.pill_question', { n: q.number, size: turn ? turn.pack.length : q.number, value: worth(q) });
          phase = step === 'answering' ? 'floor' : 'ready';
          break;
        case 'time_up': pill = t('screen.time_up'); phase = 'floor'; break;
        case 'wrong': pill = t('ol.pill_steal_soon'); phase = 'ready'; break;
        case 'steal_open':
          pill = state.buzz.phase === 'settling' ? said.pill : t('ol.pill_steal_open');
          phase = state.buzz.phase;
          break;
        case 'steal_floor': pill = said.pill; phase = 'floor'; break;
        case 'steal_locked': pill = t('screen.locked'); phase = 'locked'; break;
        default: break;
      }
      const text = result(state);
      const good = step === 'right' || step === 'stolen';
      return { pill, phase, result: text, reason: good ? 'correct' : text ? 'wrong' : '' };
    },
    /** The title card: whose turn it is, and its pack once chosen. */
    intro(state) {
      const ol = olympiaOf(state);
      const turn = ol ? turnOf(ol, ol.on_turn) : null;
      introCard.render(state, turn, Boolean(ol && ol.star_pending));
    },
    /** The team on turn stands out; in the steal, buzz-in's marks for the others. */
    rowMarks(state, teamId) {
      const turn = shownTurn(state);
      if (turn && turn.team === teamId) return ['on-turn'];
      return base.rowMarks ? base.rowMarks(state, teamId) : [];
    },
    animate(prev, next) {
      base.animate(prev, next);
      const before = questionOf(prev);
      const q = questionOf(next);
      // The steal opens: the hall looks at the race, not at the wrong answer's verdict still shown.
      if (q && before && stepOf(next) === 'steal_open' && stepOf(prev) !== 'steal_open' && ctx.hideVerdict) ctx.hideVerdict();
      // The team on turn just judged: its verdict full screen, with what it scored.
      if (q && before && questionKey(prev) === questionKey(next)
        && !['right', 'wrong'].includes(before.main) && ['right', 'wrong'].includes(q.main)) {
        ctx.showVerdict(q.team, q.main === 'right' ? 'correct' : 'wrong', moved(prev, next, q.team));
      }
    },
  };
}

export default {
  name: 'olympia_finish',
  /** The steal is a buzz-in race: its buzzer, floor and evidence are buzz-in's. */
  base: 'buzz_in',
  /** The countdown: the team on turn's answer time, then the steal's window and its answer time. */
  timer(state) {
    const q = questionOf(state);
    if (q && q.main === 'answering') return { deadline_ms: q.deadline_ms, countdown_ms: q.countdown_ms };
    return state && state.stage === 'question' ? state.buzz : null;
  },
  phone,
  control,
  screen,
};
