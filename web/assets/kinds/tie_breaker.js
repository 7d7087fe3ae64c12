// Tie-breaker ("câu hỏi phụ"): when teams tie for a place that matters, the MC breaks the tie
// with extra buzz questions among just those teams; the first right answer takes the highest
// place still open. Its renderers for the team phone (the buzzer for the tied teams, "not in this
// tie-breaker" for the others), the MC's control page (pick the tied teams, break the tie, then
// play as buzz-in; the places taken) and the projector (the tied teams and their places). State:
// `state.tie_break` and the race in `state.buzz` (PROTOCOL.md); the race is buzz_in.js's (this
// kind's base).
import { t, h, teamName, rankTeams } from '../common.js';

/** A translated text with its key kept on the element, so a language switch re-translates it. */
function label(tag, key, props = {}) {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

/** The tie broken last (the one being broken, or the one just broken), or null. */
function tieOf(state) {
  const list = state && state.tie_break;
  return list && list.length ? list[list.length - 1] : null;
}

/** The tie being broken, or null. */
function activeTie(state) {
  const tie = tieOf(state);
  return tie && !tie.resolved ? tie : null;
}

/** "Đội A, Đội B". */
function names(state, teams) {
  return teams.map((team) => teamName(state, team)).join(', ');
}

/** The place a tied team took in its tie (1 = the best of them), or 0. */
function placeIn(tie, team) {
  return tie ? tie.order.indexOf(team) + 1 : 0;
}

/** The ranking a tie was in: "Tổng điểm" or "Phần thi 2". */
function rankingName(tie) {
  return tie.round === null || tie.round === undefined ? t('tb.totals') : t('tb.round_ranking', { n: tie.round });
}

// ---- Team phone -------------------------------------------------------------------------------

/** The buzzer (buzz-in's, `ctx.base`) for the teams in the tie; the others are told they are not in it. */
function phone(ctx) {
  const base = ctx.base;

  /** What a team outside the tie, or one placed on an earlier question, sees instead of a buzzer; null for the others. */
  function aside(state) {
    const tie = tieOf(state);
    const me = ctx.team();
    if (!tie) return null;
    if (!tie.teams.includes(me)) {
      return { state: 'tb_out', mood: 'pause', label: t('tb.out'), sub: t('tb.out_sub', { teams: names(state, tie.teams) }), noBuzzer: true };
    }
    const judged = state.buzz && (state.buzz.judgements || []).some((j) => j.team === me);
    if (placeIn(tie, me) && !judged) {
      return { state: 'tb_placed', mood: 'pause', label: t('tb.placed', { n: placeIn(tie, me) }), sub: t('tb.placed_sub'), noBuzzer: true };
    }
    return null;
  }

  return {
    derive(state) {
      const said = aside(state);
      if (said) return said;
      const view = base.derive(state);
      // A right answer takes a place: say which.
      if (view.state === 'correct' && placeIn(tieOf(state), ctx.team())) {
        return { ...view, sub: t('tb.placed', { n: placeIn(tieOf(state), ctx.team()) }) };
      }
      return view;
    },
    render(state, view) {
      base.render(state, view);
    },
    onKey: (ev) => Boolean(base.onKey && base.onKey(ev)),
    /** On the round's title, once the MC has named the tied teams. */
    intro(state) {
      const said = aside(state);
      const tie = activeTie(state);
      if (said || !tie) return said;
      const others = tie.teams.filter((team) => team !== ctx.team());
      return { state: 'tb_in', label: t('tb.in'), sub: t('tb.in_sub', { teams: names(state, others) }) };
    },
    introSub: 'st.round_tie_sub',
  };
}

// ---- MC control page --------------------------------------------------------------------------

/**
 * Teams equal in points, best first: `[{rank, points, teams: [ids]}]`, only groups of two or more.
 */
function tiedGroups(state) {
  const groups = [];
  for (const team of rankTeams(state.teams)) {
    const last = groups[groups.length - 1];
    if (last && last.points === team.score) last.teams.push(team.id);
    else groups.push({ rank: team.rank, points: team.score, teams: [team.id] });
  }
  return groups.filter((group) => group.teams.length > 1);
}

/** Whether the tie between `teams` in the totals is already broken (and their points unchanged since). */
function alreadyBroken(state, teams) {
  const key = [...teams].sort().join(' ');
  return (state.tie_break || []).some((tie) => tie.resolved && (tie.round === null || tie.round === undefined)
    && [...tie.teams].sort().join(' ') === key);
}

/**
 * The round's panel: pick the tied teams (the best tie of the totals not broken yet is picked
 * already; the other ties one tap away; any round's ranking may be chosen) and break the tie;
 * every tie with the places taken. Then the questions play as buzz-in (`ctx.base`).
 */
function control(ctx) {
  const base = ctx.base;
  const next = h('p', { id: 'tb-next', className: 'ol-next', role: 'status' });
  const body = h('div', { id: 'tb-body', className: 'tb-body' });
  const panel = h('section', { id: 'tb-round', className: 'card tb-round', 'aria-labelledby': 'tb-round-title' },
    label('h2', 'tb.title', { id: 'tb-round-title' }), next, body);
  ctx.boxes.round.append(panel);

  const chosen = new Set(); // the teams ticked
  let ranking = ''; // '' for the totals, else a round's number
  let touched = false; // the MC changed the ticks: no more picking for them
  let prefilled = null; // the tie the ticks were filled with
  let panelKey = null;

  /** Whether a tie can be broken now: the round on stage, no tie in progress, no question running. */
  function canBreak(s) {
    if (activeTie(s)) return false;
    if (s.stage === 'round_intro') return true;
    return s.stage === 'question' && !(base.busy && base.busy(s));
  }

  /** The next step, in the MC's words. */
  function nextStep(s) {
    const tie = activeTie(s);
    if (s.stage !== 'round_intro' && s.stage !== 'question') return t('tb.next_not_on_stage');
    if (tie) {
      const left = tie.teams.filter((team) => !tie.order.includes(team));
      const round = (s.programme || []).find((r) => s.round && r.number === s.round.number);
      if (round && round.shown >= round.questions && !(s.stage === 'question' && s.buzz && s.buzz.phase !== 'closed')) {
        return t('tb.next_no_questions');
      }
      return t('tb.next_question', { teams: names(s, left) });
    }
    const last = tieOf(s);
    if (last && last.resolved) {
      const order = last.order.map((team, i) => `${i + 1}. ${teamName(s, team)}`).join(', ');
      return t('tb.next_broken', { order });
    }
    return t('tb.next_pick');
  }

  function formPart(s, enabled) {
    const groups = ranking === '' ? tiedGroups(s).filter((group) => !alreadyBroken(s, group.teams)) : [];
    // The best tie of the totals is picked already, until the MC ticks by hand.
    const first = groups.length ? groups[0].teams.join(' ') : null;
    if (!touched && ranking === '' && first !== prefilled) {
      prefilled = first;
      chosen.clear();
      if (groups.length) groups[0].teams.forEach((team) => chosen.add(team));
    }
    const rounds = (s.programme || []).filter((r) => !s.round || r.number !== s.round.number);
    const select = h('select', { id: 'tb-ranking', className: 'tb-select', disabled: !enabled },
      h('option', { value: '', text: t('tb.totals') }),
      rounds.map((r) => h('option', { value: String(r.number), text: t('tb.round_option', { n: r.number, title: r.title }) })));
    select.value = ranking;
    const score = new Map(s.teams.map((team) => [team.id, team.score]));
    return h('form', { id: 'tb-form', className: 'ol-section tb-form' },
      h('label', { className: 'field tb-field' }, h('span', { text: t('tb.ranking') }), select),
      groups.length ? h('div', { className: 'tb-groups' },
        h('span', { className: 'label', text: t('tb.ties') }),
        groups.map((group) => h('button', {
          type: 'button', className: 'tb-group', dataset: { tbGroup: group.teams.join(' ') }, disabled: !enabled,
          text: t('tb.group', { rank: group.rank, teams: names(s, group.teams), points: t('points', { n: group.points }) }),
        })))
        : h('p', { className: 'ol-note', text: ranking === '' ? t('tb.no_ties') : t('tb.pick_round') }),
      h('fieldset', { className: 'tb-teams', disabled: !enabled },
        h('legend', { className: 'label', text: t('tb.teams') }),
        s.teams.map((team) => h('label', { className: 'tb-team', dataset: { team: team.id } },
          h('input', { type: 'checkbox', value: team.id, checked: chosen.has(team.id) }),
          h('span', { className: 'tb-team-name', text: team.name }),
          ranking === '' ? h('span', { className: 'tb-team-points', text: t('points', { n: score.get(team.id) }) }) : null))),
      h('button', {
        type: 'submit', id: 'tb-break', className: 'btn-primary ol-confirm', disabled: !enabled || chosen.size < 2,
        text: chosen.size >= 2 ? t('tb.break', { teams: names(s, [...chosen]) }) : t('tb.pick_two'),
      }));
  }

  /** Every tie broken in this round: the ranking, the teams, the places taken. */
  function listPart(s) {
    const ties = s.tie_break || [];
    if (!ties.length) return null;
    return [
      h('div', { className: 'label', text: t('tb.list') }),
      h('ol', { id: 'tb-list', className: 'tb-list' }, ties.map((tie) => h('li', { className: tie.resolved ? 'resolved' : 'active' },
        h('span', { className: 'tb-list-what', text: `${rankingName(tie)}: ${names(s, tie.teams)}` }),
        h('span', { className: 'tb-list-order' },
          tie.order.map((team, i) => h('span', { className: 'tb-place', dataset: { team }, text: `${i + 1}. ${teamName(s, team)}` }))),
        h('span', { className: 'tb-list-state', text: t(tie.resolved ? 'tb.resolved' : 'tb.in_progress') })))),
    ];
  }

  function renderPanel(s) {
    const ties = s.tie_break;
    panel.hidden = !ties;
    if (!ties) return;
    next.textContent = ctx.keyHints(nextStep(s));
    const enabled = canBreak(s);
    const key = JSON.stringify([document.documentElement.lang, ties, s.stage, enabled, s.teams.map((x) => [x.name, x.score]),
      s.programme, ranking, [...chosen], touched]);
    if (key === panelKey) return;
    panelKey = key;
    body.replaceChildren(...[activeTie(s) ? null : formPart(s, enabled), listPart(s)].flat().filter(Boolean));
  }

  panel.addEventListener('change', (ev) => {
    if (ev.target.id === 'tb-ranking') {
      ranking = ev.target.value;
      chosen.clear();
      touched = false;
      prefilled = null;
    } else if (ev.target.type === 'checkbox') {
      if (ev.target.checked) chosen.add(ev.target.value);
      else chosen.delete(ev.target.value);
      touched = true;
    }
    renderPanel(ctx.state());
  });
  panel.addEventListener('click', (ev) => {
    const group = ev.target.closest('[data-tb-group]');
    if (!group || group.disabled) return;
    chosen.clear();
    group.dataset.tbGroup.split(' ').forEach((team) => chosen.add(team));
    touched = true;
    renderPanel(ctx.state());
  });
  panel.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = ctx.state();
    if (!s || !canBreak(s) || chosen.size < 2) return;
    // In the scoreboard's order, as the server lists a tie's teams.
    const teams = s.teams.map((team) => team.id).filter((id) => chosen.has(id));
    const cmd = ranking === '' ? { type: 'break_tie', teams } : { type: 'break_tie', teams, round: Number(ranking) };
    if (ctx.send(cmd, 'tb.break_label') === null) return;
    chosen.clear();
    touched = false;
    prefilled = null;
  });

  // Buzz-in's buttons, under ids of their own (each kind's buttons are its own in the action bar).
  const actions = (base.actions || []).map((action) => ({ ...action, id: action.id.replace(/^btn-/, 'btn-tb-') }));

  return {
    actions,
    busy: (s) => Boolean(base.busy && base.busy(s)),
    unfinished: (s) => Boolean(base.unfinished && base.unfinished(s)),
    canReveal: (s) => !base.canReveal || base.canReveal(s),
    revealLabel: base.revealLabel,
    status(s) {
      const said = base.status ? base.status(s) : null;
      if (!said || !s.buzz || s.buzz.phase !== 'closed') return said;
      // A question over: what next (another question, or the tie is broken).
      return { ...said, hint: nextStep(s) };
    },
    render(s) {
      base.render(s);
      renderPanel(s);
    },
    teamStatus(s, team) {
      const tie = tieOf(s);
      if (tie && s.stage === 'question' && !tie.teams.includes(team.id)) return { text: t('tb.status_out'), className: 'st-out' };
      if (tie && placeIn(tie, team.id)) return { text: t('tb.status_place', { n: placeIn(tie, team.id) }), className: 'st-floor' };
      return base.teamStatus ? base.teamStatus(s, team) : null;
    },
    onKey: (ev) => Boolean(base.onKey && base.onKey(ev)),
    onLang() {
      panelKey = null;
      if (base.onLang) base.onLang();
    },
    introNote: 'control.intro_tie',
  };
}

// ---- Projector --------------------------------------------------------------------------------

/**
 * "Câu hỏi phụ" with the tied teams, each with the place it took; buzz-in's floor box under it.
 * On the round's title the tied teams too. `ctx`: `boxes.stage`, `boxes.intro`, `base`.
 */
function screen(ctx) {
  const base = ctx.base;

  function card(id) {
    const what = h('div', { className: 'tb-what' });
    const teams = h('ol', { className: 'tb-teams' });
    const box = h('div', { id, className: 'tb-card' }, label('div', 'tb.title_screen', { className: 'tb-heading' }), what, teams);
    return {
      box,
      render(state) {
        const tie = tieOf(state);
        box.hidden = !tie;
        if (!tie) return;
        what.textContent = t('tb.between', { ranking: rankingName(tie) });
        teams.replaceChildren(...tie.teams.map((team) => {
          const place = placeIn(tie, team);
          const chip = h('li', { className: `tb-chip${place ? ' placed' : ''}`, dataset: { team } },
            place ? h('span', { className: 'tb-chip-place', text: String(place) }) : null,
            h('span', { className: 'tb-chip-name', text: teamName(state, team) }));
          // The team's own colour, as on the scoreboard.
          if (ctx.teamColor) chip.style.setProperty('--team', ctx.teamColor(team));
          return chip;
        }));
      },
    };
  }

  const stageCard = card('tb-box');
  const introCard = card('tb-intro');
  ctx.boxes.stage.append(stageCard.box);
  ctx.boxes.intro.append(introCard.box);

  return {
    render(state) {
      const said = base.render(state);
      stageCard.render(state);
      const tie = tieOf(state);
      const winner = said.reason === 'correct' ? [...state.buzz.judgements].reverse().find((j) => j.verdict === 'correct') : null;
      // The first right answer takes a place: say which.
      if (winner && placeIn(tie, winner.team)) {
        return { ...said, result: t('tb.result_place', { team: teamName(state, winner.team), n: placeIn(tie, winner.team) }) };
      }
      return said;
    },
    intro(state) {
      introCard.render(state);
    },
    /** Teams outside the tie are out of it; the others as in buzz-in. */
    rowMarks(state, teamId) {
      const tie = tieOf(state);
      if (tie && !tie.teams.includes(teamId)) return ['out'];
      return base.rowMarks ? base.rowMarks(state, teamId) : [];
    },
    animate: (prev, next) => base.animate(prev, next),
  };
}

export default {
  name: 'tie_breaker',
  /** Its questions are buzz-in races among the tied teams. */
  base: 'buzz_in',
  /** The countdown: as buzz-in's. */
  timer: (state) => (state && state.stage === 'question' ? state.buzz : null),
  phone,
  control,
  screen,
};
