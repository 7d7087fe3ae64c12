// A round the judging panel scores ("ban giám khảo": greeting, situation handling, talent). It
// has no questions: while its title is on stage the MC calls each team on stage, runs its stage
// timer, lets it draw a situation by lot, and closes and reveals its scoring once the judges
// (on their own page, judge.js) have marked it. Its renderers for the MC's control page (the
// panel that drives all of that, with every judge's marks), the projector (the team on stage,
// its situation and timer, the draw, the TV-style reveal) and the team phones (who is on stage,
// the situation, the revealed result). State: `state.judged` (PROTOCOL.md). Nothing a judge
// marked is in a public state before its reveal, so the projector and the phones cannot leak it.
import { t, h, teamName, formatPoints, serverNow } from '../common.js';

/** A translated text with its key kept on the element, so a language switch re-translates it. */
function label(tag, key, props = {}) {
  return h(tag, { ...props, 'data-i18n': key, text: t(key) });
}

/** The judged block of the round being played, or null. */
function judgedOf(state) {
  return state && state.judged ? state.judged : null;
}

/** A team's performance in the judged block, or null. */
function performanceOf(jd, team) {
  return (jd && team && jd.teams.find((p) => p.team === team)) || null;
}

/** The situation `team` drew, or null. */
function drawnOf(jd, team) {
  return (jd && team && jd.situations.drawn.find((d) => d.team === team)) || null;
}

/** The judges who have marked a performance, as the MC sees them (`marks` is the MC's). */
function scoredOf(perf) {
  return perf && perf.marks ? perf.marks.filter((m) => m.marks !== null) : [];
}

/** The judges who have not marked it yet. */
function missingOf(perf) {
  return perf && perf.marks ? perf.marks.filter((m) => m.marks === null) : [];
}

/** "mm:ss" of a duration in ms (whole seconds, as a stage clock shows them). */
function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The stage timer's time now: counted, plus the run since its start (server clock). */
function elapsedOf(state, receivedAt) {
  const timer = judgedOf(state) && state.judged.timer;
  if (!timer) return 0;
  const running = timer.running && timer.since_ms !== null && timer.since_ms !== undefined;
  return timer.counted_ms + (running ? Math.max(0, serverNow(state, receivedAt) - timer.since_ms) : 0);
}

/** "1 phút 30 giây", "30 giây", "2 phút": a time over the limit, in words (and in a penalty's reason). */
function overText(ms) {
  const total = Math.max(1, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (!m) return t('jd.dur_s', { s });
  return s ? t('jd.dur_m_s', { m, s }) : t('jd.dur_m', { m });
}

/**
 * The penalty the rules suggest for `stageMs` on stage: `{overMs, points}` (`penalty_per_minute`
 * per started minute over the limit, as the server counts it), or null within the limit.
 */
function suggestion(jd, stageMs) {
  const limit = jd.rules.time_limit_ms;
  if (limit === null || limit === undefined || !(stageMs > limit)) return null;
  const overMs = stageMs - limit;
  const points = Math.round(Math.ceil(overMs / 60000) * jd.rules.penalty_per_minute * 100) / 100;
  return { overMs, points };
}

/** "−1 điểm", "+0,5 điểm": a penalty taken (positive) or given back. */
function penaltyPoints(points) {
  return `${points > 0 ? '−' : '+'}${t('points', { n: formatPoints(Math.abs(points)) })}`;
}

/** "−1 điểm (quá giờ 20 giây)" per penalty, joined. */
function penaltiesText(perf) {
  return perf.penalties.map((p) => `${penaltyPoints(p.points)} (${p.reason})`).join(' · ');
}

/** The judges whose marks are the highest and the lowest: a trimmed mean leaves them out. */
function droppedJudges(jd, perf) {
  if (jd.rules.aggregate !== 'trimmed_mean' || !perf.marks) return new Set();
  const given = perf.marks.filter((m) => m.total !== null);
  if (given.length < 3) return new Set();
  // Two marks go, even when they are equal: the first of the highest, the last of the lowest.
  let high = given[0];
  let low = given[given.length - 1];
  for (const m of given) if (m.total > high.total) high = m;
  for (const m of [...given].reverse()) if (m.total < low.total) low = m;
  return new Set([high.judge, low.judge]);
}

/** "Đội X" sized for the projector: long names a size smaller. */
function nameSize(name) {
  return name.length > 28 ? 's' : name.length > 16 ? 'm' : 'l';
}

/**
 * What the hall looks at in the round: the team on stage (and its situation) or the result
 * revealed last, whichever happened last. A page that just opened has only the state to go by:
 * the result of the team on stage (or of the last one, with nobody on stage), else the team on
 * stage. Returns `update(state)` → `{focus: {kind: 'stage' | 'reveal', team, live} | null,
 * drew: situation just drawn | null}`; `live` marks a change seen as it happened (animated).
 */
function focusTracker() {
  let seen = null; // the judged block the focus was worked out from
  let seenState = null;
  let focus = null;
  let drew = null;
  const stage = (team) => (team ? { kind: 'stage', team, live: false } : null);
  return function update(state) {
    if (state === seenState) return { focus, drew };
    seenState = state;
    const jd = judgedOf(state);
    const prev = seen;
    seen = jd;
    drew = null;
    if (!jd) {
      focus = null;
      return { focus, drew };
    }
    const last = jd.revealed.length ? jd.revealed[jd.revealed.length - 1] : null;
    if (!prev) {
      focus = last && (!jd.on_stage || jd.on_stage === last) ? { kind: 'reveal', team: last, live: false } : stage(jd.on_stage);
      return { focus, drew };
    }
    const before = new Set(prev.situations.drawn.map((d) => d.team));
    const fresh = jd.situations.drawn.find((d) => !before.has(d.team)) || null;
    if (jd.revealed.length > prev.revealed.length && last) {
      focus = { kind: 'reveal', team: last, live: true };
    } else if (jd.on_stage !== prev.on_stage) {
      focus = stage(jd.on_stage);
    } else if (fresh) {
      drew = fresh;
      focus = { kind: 'stage', team: fresh.team, live: true };
    }
    // A result taken back (reopened) leaves the screen; so does a team no longer there.
    if (focus && focus.kind === 'reveal' && !jd.revealed.includes(focus.team)) focus = stage(jd.on_stage);
    if (!focus) focus = stage(jd.on_stage);
    return { focus, drew };
  };
}

// ---- Team phone -------------------------------------------------------------------------------

/**
 * No buzzer in a judged round (it has no questions: the phones stay on the round's calm card).
 * The team on stage reads "your team is on stage" with its situation; the others see who is on
 * stage and its situation; a revealed result shows as on the projector, compact. `ctx.boxes.top`
 * (shown on every stage) holds the situation or the result under the page's own words.
 */
function phone(ctx) {
  const heading = h('div', { className: 'jd-phone-heading' });
  const body = h('div', { className: 'jd-phone-body' });
  const card = h('section', { id: 'jd-phone', className: 'jd-phone', hidden: true }, heading, body);
  ctx.boxes.top.append(card);
  const follow = focusTracker();
  let cardKey = null;

  function hide() {
    card.hidden = true;
    cardKey = null;
  }

  /** The situation drawn by the team in focus, or its revealed marks and result. */
  function renderCard(state, focus) {
    const jd = judgedOf(state);
    const perf = focus ? performanceOf(jd, focus.team) : null;
    const drawn = focus && focus.kind === 'stage' ? drawnOf(jd, focus.team) : null;
    const reveal = focus && focus.kind === 'reveal' && perf && perf.marks ? perf : null;
    if (!drawn && !reveal) {
      hide();
      return;
    }
    const key = JSON.stringify([document.documentElement.lang, focus, drawn, reveal]);
    card.hidden = false;
    if (key === cardKey) return;
    cardKey = key;
    card.dataset.show = reveal ? 'result' : 'situation';
    if (reveal) {
      heading.textContent = t(`jd.aggregate_${jd.rules.aggregate}`);
      const dropped = droppedJudges(jd, reveal);
      body.replaceChildren(
        h('ol', { className: 'jd-phone-marks' }, reveal.marks.map((m) => h('li', {
          className: dropped.has(m.judge) ? 'dropped' : '', dataset: { judge: m.judge },
        },
        h('span', { className: 'jd-phone-judge', text: m.name }),
        h('span', { className: 'jd-phone-mark', text: m.total === null ? '—' : formatPoints(m.total) })))),
        h('div', { className: 'jd-phone-result', text: t('points', { n: formatPoints(reveal.result) }) }),
        reveal.penalties.length ? h('div', { className: 'jd-phone-penalties', text: penaltiesText(reveal) }) : null);
    } else {
      heading.textContent = drawn.title;
      body.replaceChildren(h('p', { className: 'jd-phone-situation', text: drawn.text }));
    }
  }

  return {
    /** Under "Get ready: …" on a team phone, when the round has no description of its own. */
    introSub: 'jd.round_sub',
    /** On the round's title: who is on stage, or the result just revealed; null before either. */
    intro(state) {
      const jd = judgedOf(state);
      const { focus } = follow(state);
      renderCard(state, focus);
      if (!jd || !focus) return null;
      const perf = performanceOf(jd, focus.team);
      const name = teamName(state, focus.team);
      const mine = focus.team === ctx.team();
      if (focus.kind === 'reveal' && perf && perf.result !== null) {
        const n = formatPoints(perf.result);
        return {
          state: 'jd_result',
          label: mine ? t('jd.phone_my_result', { n }) : t('jd.phone_result', { team: name, n }),
          sub: mine ? '' : t('jd.phone_result_sub'),
        };
      }
      const drawn = drawnOf(jd, focus.team);
      let sub = drawn ? t('jd.phone_situation', { title: drawn.title }) : mine ? t('jd.phone_mine_sub') : t('jd.phone_other_sub');
      if (perf && perf.closed) sub = t('jd.closed_wait');
      // A team may draw before it is called on stage.
      if (jd.on_stage !== focus.team) {
        return { state: 'jd_drew', label: mine ? t('jd.phone_mine_drew') : t('jd.phone_drew', { team: name }), sub };
      }
      return mine
        ? { state: 'jd_on_stage', label: t('jd.phone_mine'), sub }
        : { state: 'jd_watching', label: t('jd.phone_other', { team: name }), sub };
    },
    onRendered(prev, next) {
      // The card belongs to the round's title: gone with it (a slide, the next round).
      if (!next || next.stage !== 'round_intro' || !judgedOf(next)) hide();
    },
    reset: hide,
  };
}

// ---- MC control page --------------------------------------------------------------------------

/**
 * The round's panel: the team on stage with its stage timer (start / stop, show on the
 * projector), its situation and the penalty the rules suggest once over time; then every team
 * with "call on stage", its time, its situation (or "draw"), every judge's marks (and "remind"
 * for a judge who has not marked it), close / reopen the scoring, reveal the result, a penalty.
 * A status line says what to do next. Closing with judges missing, and reopening, ask first;
 * closing and penalties are undone by the page's Undo. `ctx`: `boxes.round`, `boxes.dialogs`,
 * `state()`, `send(cmd, label, replies)`, `confirm(action)`.
 */
function control(ctx) {
  const next = h('p', { id: 'jd-next', className: 'ol-next jd-next', role: 'status' });
  const stageBox = h('div', { id: 'jd-stage-box', className: 'ol-section jd-stage-box' });
  const list = h('div', { id: 'jd-teams', className: 'jd-teams' });
  const panel = h('section', { id: 'jd-round', className: 'card jd-round', 'aria-labelledby': 'jd-round-title' },
    label('h2', 'jd.title', { id: 'jd-round-title' }), next, stageBox, list);
  ctx.boxes.round.append(panel);

  // The penalty: points and a reason, pre-filled with what the rules suggest for the time over.
  const points = h('input', {
    id: 'jd-penalty-points', name: 'points', type: 'number', min: '0.01', max: '1000000', step: '0.01', required: true, inputmode: 'decimal',
  });
  const reason = h('input', { id: 'jd-penalty-reason', name: 'reason', type: 'text', maxlength: '200', required: true, autocomplete: 'off' });
  const penaltyTeam = h('p', { id: 'jd-penalty-team', className: 'adjust-team' });
  const penaltyHint = h('p', { id: 'jd-penalty-hint', className: 'jd-penalty-hint', hidden: true });
  const penaltySubmit = h('button', { type: 'submit', id: 'jd-penalty-submit', className: 'btn-primary deduct' });
  const penaltyCancel = label('button', 'confirm.cancel', { type: 'button', className: 'btn-secondary' });
  const penaltyForm = h('form', { id: 'jd-penalty-form', method: 'dialog' },
    label('h2', 'jd.penalty_title'), penaltyTeam, penaltyHint,
    h('label', { className: 'field' }, label('span', 'jd.penalty_points'), points),
    h('label', { className: 'field' }, label('span', 'adjust.reason'), reason),
    h('div', { className: 'adjust-buttons' }, penaltyCancel, penaltySubmit));
  const dialog = h('dialog', { id: 'jd-penalty-dialog', className: 'adjust-dialog', 'aria-labelledby': 'jd-penalty-team' }, penaltyForm);
  ctx.boxes.dialogs.append(dialog);

  let shown = null; // the state rendered last
  let shownAt = 0; // performance.now() when it was first rendered: the running timer's anchor
  let panelKey = null;
  let tick = null; // redraws the running timer and what hangs on it
  let penaltyFor = null; // team of the open penalty dialog

  const canAct = (s) => s.stage === 'round_intro';
  const nameOf = (s, team) => teamName(s, team);
  const judgeNames = (list2) => list2.map((m) => m.name).join(', ');

  /** The time on stage of a team: live for the team on stage, kept for the others. */
  function stageMs(s, perf) {
    const jd = judgedOf(s);
    if (jd.on_stage === perf.team && jd.timer) return elapsedOf(s, shownAt);
    return perf.stage_ms || 0;
  }

  /** "02:31 / 03:00" */
  function clockText(jd, ms) {
    const limit = jd.rules.time_limit_ms;
    return limit === null || limit === undefined ? clock(ms) : t('jd.clock_limit', { time: clock(ms), limit: clock(limit) });
  }

  /** The over-time note for a team: "Quá giờ 30 giây — thể lệ đề nghị trừ 1 điểm.", or ''. */
  function overNote(jd, ms) {
    const over = suggestion(jd, ms);
    if (!over) return '';
    const text = overText(over.overMs);
    return over.points > 0 ? t('jd.over_suggest', { over: text, n: formatPoints(over.points) }) : t('jd.over', { over: text });
  }

  /** What the MC does next, in one sentence. */
  function nextStep(s) {
    const jd = judgedOf(s);
    if (!canAct(s)) return t('jd.next_not_on_stage');
    const team = jd.on_stage;
    if (!team) {
      const unrevealed = jd.teams.find((p) => p.closed && !p.revealed);
      if (unrevealed) return t('jd.next_reveal', { team: nameOf(s, unrevealed.team), n: formatPoints(unrevealed.result) });
      return t('jd.next_call');
    }
    const perf = performanceOf(jd, team);
    const name = nameOf(s, team);
    if (perf.revealed) {
      const left = jd.teams.filter((p) => !p.revealed && p.team !== team);
      return left.length ? t('jd.next_call_next', { team: name }) : t('jd.next_all_done');
    }
    if (perf.closed) return t('jd.next_reveal', { team: name, n: formatPoints(perf.result) });
    const over = suggestion(jd, stageMs(s, perf));
    const overSaid = over && over.points > 0 && !perf.penalties.length
      ? ` ${t('jd.next_over', { over: overText(over.overMs), n: formatPoints(over.points) })}` : '';
    if (jd.situations.total > 0 && jd.situations.left > 0 && !drawnOf(jd, team)) return t('jd.next_draw', { team: name });
    if (jd.timer && jd.timer.running) return t('jd.next_running', { team: name }) + overSaid;
    if (jd.timer && jd.timer.counted_ms === 0 && !scoredOf(perf).length) return t('jd.next_start', { team: name });
    const missing = missingOf(perf);
    const needed = Math.max(1, jd.rules.min_judges);
    if (scoredOf(perf).length < needed) return t('jd.next_wait', { team: name, judges: judgeNames(missing) }) + overSaid;
    if (missing.length) return t('jd.next_close_missing', { team: name, judges: judgeNames(missing) }) + overSaid;
    return t('jd.next_close', { team: name }) + overSaid;
  }

  /** The team on stage: its clock and timer buttons, its situation, the over-time note. */
  function stagePart(s, jd, enabled) {
    const team = jd.on_stage;
    if (!team) return [label('div', 'jd.stage', { className: 'label' }), h('p', { className: 'ol-note', text: t('jd.stage_empty') })];
    const perf = performanceOf(jd, team);
    const drawn = drawnOf(jd, team);
    const running = Boolean(jd.timer && jd.timer.running);
    const canDraw = jd.situations.total > 0 && jd.situations.left > 0 && !drawn;
    return [
      label('div', 'jd.stage', { className: 'label' }),
      h('div', { className: 'jd-stage-row' },
        h('div', { id: 'jd-stage-team', className: 'jd-stage-team', text: nameOf(s, team) }),
        h('div', { id: 'jd-stage-clock', className: 'jd-clock', dataset: { jdClock: team } })),
      h('div', { className: 'jd-buttons' },
        running
          ? h('button', { type: 'button', id: 'jd-timer-stop', className: 'jd-btn jd-btn-stop', disabled: !enabled, text: t('jd.timer_stop') })
          : h('button', { type: 'button', id: 'jd-timer-start', className: 'jd-btn jd-btn-start', disabled: !enabled, text: t('jd.timer_start') }),
        h('button', {
          type: 'button', id: 'jd-timer-show', className: `jd-btn jd-btn-show${jd.timer_shown ? ' on' : ''}`, disabled: !enabled,
          'aria-pressed': String(Boolean(jd.timer_shown)), text: t(jd.timer_shown ? 'jd.timer_hide' : 'jd.timer_show'),
        }),
        canDraw ? h('button', { type: 'button', className: 'jd-btn jd-btn-draw', dataset: { jdDraw: team }, disabled: !enabled, text: t('jd.draw') }) : null,
        h('button', { type: 'button', className: 'jd-btn jd-btn-penalty', dataset: { jdPenalty: team }, disabled: !enabled, text: t('jd.penalty') })),
      h('p', { id: 'jd-over', className: 'jd-over', dataset: { jdOver: team }, hidden: true }),
      drawn ? h('div', { id: 'jd-stage-situation', className: 'jd-situation' },
        h('div', { className: 'jd-situation-title', text: t('jd.drawn', { title: drawn.title }) }),
        h('p', { className: 'jd-situation-text', text: drawn.text })) : null,
      perf.closed ? h('p', { className: 'ol-note', text: t('jd.stage_closed', { n: formatPoints(perf.result) }) }) : null,
    ];
  }

  /** One judge's line in a team's table: name, marks, total; "remind" while it has not marked. */
  function judgeRow(jd, perf, m, enabled) {
    const criteria = jd.rules.criteria;
    const cells = m.marks === null
      ? [h('td', { className: 'jd-none', colspan: String(Math.max(1, criteria.length) + (criteria.length ? 1 : 0)), text: t('jd.not_scored') })]
      : [...m.marks.map((v) => h('td', { className: 'num', text: formatPoints(v) })),
        criteria.length ? h('td', { className: 'num jd-total', text: formatPoints(m.total) }) : null];
    return h('tr', { className: m.marks === null ? 'jd-missing' : 'jd-scored', dataset: { judge: m.judge } },
      h('th', { scope: 'row', className: 'jd-judge', text: m.name }),
      cells,
      h('td', { className: 'jd-remind-cell' }, m.marks === null && !perf.closed ? h('button', {
        type: 'button', className: 'jd-remind', dataset: { jdRemind: m.judge, team: perf.team }, disabled: !enabled,
        'aria-label': t('jd.remind_label', { judge: m.name }), text: t('jd.remind'),
      }) : null));
  }

  /** Every judge's marks for a team, and its result once closed. */
  function marksTable(jd, perf, enabled) {
    const criteria = jd.rules.criteria;
    const head = criteria.length
      ? [...criteria.map((c) => h('th', { className: 'num', scope: 'col', text: c.name })), h('th', { className: 'num', scope: 'col', text: t('jd.col_total') })]
      : [h('th', { className: 'num', scope: 'col', text: t('jd.col_mark') })];
    const span = (criteria.length ? criteria.length + 1 : 1);
    return h('table', { className: 'jd-marks' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('jd.col_judge') }), head, h('th'))),
      h('tbody', {}, perf.marks.map((m) => judgeRow(jd, perf, m, enabled))),
      perf.closed ? h('tfoot', {}, h('tr', { className: 'jd-result-row' },
        h('th', { scope: 'row', text: t(`jd.aggregate_${jd.rules.aggregate}`) }),
        h('td', { className: 'num jd-result', colspan: String(span), text: formatPoints(perf.result) }),
        h('td'))) : null);
  }

  /** One team: its state, time, situation, judges, result and buttons. */
  function teamCard(s, jd, perf, enabled) {
    const team = perf.team;
    const name = nameOf(s, team);
    const onStage = jd.on_stage === team;
    const drawn = drawnOf(jd, team);
    const scored = scoredOf(perf);
    const needed = Math.max(1, jd.rules.min_judges);
    const badge = perf.revealed ? 'jd.badge_revealed' : perf.closed ? 'jd.badge_closed' : onStage ? 'jd.badge_on_stage' : null;
    const showTable = onStage || perf.closed || scored.length > 0;
    const canDraw = jd.situations.total > 0 && jd.situations.left > 0 && !drawn;
    const kept = stageMs(s, perf);
    return h('article', {
      className: ['jd-team', onStage && 'on-stage', perf.closed && 'closed', perf.revealed && 'revealed'].filter(Boolean).join(' '),
      dataset: { jdTeam: team },
    },
    h('header', { className: 'jd-team-head' },
      h('h3', { className: 'jd-team-name', text: name }),
      badge ? h('span', { className: `jd-badge ${badge.replace('jd.badge_', 'b-')}`, text: t(badge) }) : null,
      h('span', { className: 'jd-count', text: t('jd.scored_count', { n: scored.length, total: jd.judges.length }) })),
    h('div', { className: 'jd-facts' },
      kept > 0 || onStage ? h('span', { className: 'jd-fact jd-time', dataset: { jdClock: team } }) : null,
      drawn ? h('span', { className: 'jd-fact jd-drawn', text: t('jd.drawn', { title: drawn.title }) }) : null,
      canDraw && !onStage ? h('button', { type: 'button', className: 'jd-btn jd-btn-draw', dataset: { jdDraw: team }, disabled: !enabled, text: t('jd.draw') }) : null,
      perf.penalties.length ? h('span', { className: 'jd-fact jd-penalties', text: penaltiesText(perf) }) : null),
    showTable ? marksTable(jd, perf, enabled) : h('p', { className: 'ol-note', text: t('jd.none_scored') }),
    h('div', { className: 'jd-buttons' },
      onStage ? null : h('button', {
        type: 'button', className: 'jd-btn jd-btn-perform', dataset: { jdPerform: team }, disabled: !enabled, text: t('jd.perform'),
      }),
      perf.closed
        ? h('button', { type: 'button', className: 'jd-btn jd-btn-reopen', dataset: { jdReopen: team }, disabled: !enabled, text: t('jd.reopen') })
        : h('button', {
          type: 'button', className: 'jd-btn jd-btn-close', dataset: { jdClose: team }, disabled: !enabled || scored.length < needed,
          title: scored.length < needed ? t('jd.close_needs', { n: needed }) : null, text: t('jd.close'),
        }),
      perf.closed && !perf.revealed ? h('button', {
        type: 'button', className: 'jd-btn jd-btn-reveal', dataset: { jdReveal: team }, disabled: !enabled, text: t('jd.reveal'),
      }) : null,
      onStage ? null : h('button', { type: 'button', className: 'jd-btn jd-btn-penalty', dataset: { jdPenalty: team }, disabled: !enabled, text: t('jd.penalty') })));
  }

  /** The clocks and what depends on the running time (the over-time note, the next step). */
  function renderClocks(s) {
    const jd = judgedOf(s);
    if (!jd) return;
    for (const el of panel.querySelectorAll('[data-jd-clock]')) {
      const perf = performanceOf(jd, el.dataset.jdClock);
      if (!perf) continue;
      const ms = stageMs(s, perf);
      el.textContent = clockText(jd, ms);
      el.classList.toggle('over', Boolean(suggestion(jd, ms)));
      el.classList.toggle('running', jd.on_stage === perf.team && Boolean(jd.timer && jd.timer.running));
    }
    const over = panel.querySelector('[data-jd-over]');
    if (over) {
      const perf = performanceOf(jd, over.dataset.jdOver);
      const note = perf && !perf.closed ? overNote(jd, stageMs(s, perf)) : '';
      over.textContent = note;
      over.hidden = !note;
    }
    next.textContent = ctx.keyHints(nextStep(s));
  }

  function renderPanel(s) {
    const jd = judgedOf(s);
    panel.hidden = !jd;
    clearInterval(tick);
    tick = null;
    if (!jd) return;
    if (s !== shown) {
      shown = s;
      shownAt = performance.now();
    }
    const enabled = canAct(s);
    // Not the suggested penalty: it follows the clock, which renderClocks() draws.
    const key = JSON.stringify([document.documentElement.lang, { ...jd, suggested_penalty: null }, s.stage, s.teams.map((x) => x.name)]);
    if (key !== panelKey) {
      panelKey = key;
      stageBox.replaceChildren(...stagePart(s, jd, enabled).filter(Boolean));
      list.replaceChildren(...jd.teams.map((perf) => teamCard(s, jd, perf, enabled)));
    }
    renderClocks(s);
    if (jd.timer && jd.timer.running) tick = setInterval(() => renderClocks(ctx.state()), 250);
    if (dialog.open && penaltyFor) fillPenaltyHint(s);
  }

  /** The suggestion under the penalty dialog's title. */
  function fillPenaltyHint(s) {
    const jd = judgedOf(s);
    const perf = performanceOf(jd, penaltyFor);
    const note = perf ? overNote(jd, stageMs(s, perf)) : '';
    penaltyHint.textContent = note;
    penaltyHint.hidden = !note;
  }

  function updatePenaltyButton() {
    const n = Math.round(Number(points.value) * 100) / 100;
    penaltySubmit.textContent = t('jd.penalty_apply', { n: Number.isFinite(n) && n > 0 ? formatPoints(n) : '…' });
  }

  /** Opens the penalty dialog for `team`, filled with the rules' suggestion when it is over time. */
  function openPenalty(s, team) {
    const jd = judgedOf(s);
    const perf = performanceOf(jd, team);
    if (!perf) return;
    penaltyFor = team;
    penaltyTeam.textContent = nameOf(s, team);
    const over = suggestion(jd, stageMs(s, perf));
    points.value = over && over.points > 0 ? String(over.points) : '';
    reason.value = over ? t('jd.penalty_reason', { over: overText(over.overMs) }) : '';
    fillPenaltyHint(s);
    updatePenaltyButton();
    dialog.showModal();
    (points.value ? reason : points).focus();
  }

  penaltyForm.addEventListener('input', updatePenaltyButton);
  penaltyCancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    penaltyFor = null;
  });
  penaltyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = Math.round(Number(points.value) * 100) / 100;
    const why = reason.value.trim();
    if (!(Number.isFinite(n) && n > 0)) {
      points.focus();
      return;
    }
    if (!why) {
      reason.value = '';
      reason.reportValidity();
      return;
    }
    const team = penaltyFor;
    const s = ctx.state();
    ctx.send({ type: 'penalty', team, points: n, reason: why }, 'jd.penalty', {
      done: () => t('jd.penalty_done', { n: formatPoints(n), team: nameOf(ctx.state() || s, team) }),
    });
    dialog.close();
  });

  /** Closing: straight away when every judge has marked the team, else after naming the missing ones. */
  function closeScoring(s, team) {
    const jd = judgedOf(s);
    const perf = performanceOf(jd, team);
    const name = () => nameOf(ctx.state() || s, team);
    const send = () => ctx.send({ type: 'close_scoring', team }, 'jd.close', { done: () => t('jd.closed_done', { team: name() }) });
    const missing = missingOf(perf);
    if (!missing.length) {
      send();
      return;
    }
    const judges = judgeNames(missing);
    ctx.confirm({
      title: () => t('jd.confirm_close_title', { team: name() }),
      detail: () => t('jd.confirm_close_detail', { judges, n: scoredOf(perf).length }),
      ok: () => t('jd.confirm_close_ok'),
      run: send,
    });
  }

  panel.addEventListener('click', (ev) => {
    const s = ctx.state();
    const jd = judgedOf(s);
    const btn = ev.target.closest('button');
    if (!jd || !btn || btn.disabled) return;
    const d = btn.dataset;
    const name = (team) => () => nameOf(ctx.state() || s, team);
    if (btn.id === 'jd-timer-start') ctx.send({ type: 'start_timer' }, 'jd.timer_start');
    else if (btn.id === 'jd-timer-stop') ctx.send({ type: 'stop_timer' }, 'jd.timer_stop');
    else if (btn.id === 'jd-timer-show') ctx.send({ type: 'show_timer', shown: !jd.timer_shown }, jd.timer_shown ? 'jd.timer_hide' : 'jd.timer_show');
    else if (d.jdPerform) ctx.send({ type: 'perform', team: d.jdPerform }, 'jd.perform');
    else if (d.jdDraw) ctx.send({ type: 'draw', team: d.jdDraw }, 'jd.draw');
    else if (d.jdClose) closeScoring(s, d.jdClose);
    else if (d.jdReopen) {
      const team = d.jdReopen;
      ctx.confirm({
        title: () => t('jd.confirm_reopen_title', { team: name(team)() }),
        detail: () => t('jd.confirm_reopen_detail'),
        ok: () => t('jd.confirm_reopen_ok'),
        run: () => ctx.send({ type: 'reopen_scoring', team }, 'jd.reopen'),
      });
    } else if (d.jdReveal) {
      ctx.send({ type: 'reveal_result', team: d.jdReveal }, 'jd.reveal');
    } else if (d.jdPenalty) {
      openPenalty(s, d.jdPenalty);
    } else if (d.jdRemind) {
      const judge = jd.judges.find((j) => j.id === d.jdRemind);
      const who = judge ? judge.name : d.jdRemind;
      const team = d.team;
      ctx.send({ type: 'remind_judge', judge: d.jdRemind, team }, 'jd.remind', {
        done: () => t('jd.reminded', { judge: who, team: name(team)() }),
        // No phone of that judge is connected: say what to do rather than an error code.
        refused: (msg) => (msg.code === 'judge_offline' ? t('jd.remind_offline', { judge: who }) : null),
      });
    }
  });

  return {
    render(s) {
      renderPanel(s);
    },
    onLang() {
      panelKey = null;
      updatePenaltyButton();
    },
    show(on) {
      if (!on) {
        clearInterval(tick);
        tick = null;
      }
    },
    introNote: 'control.intro_judged',
  };
}

// ---- Projector --------------------------------------------------------------------------------

/**
 * On the round's title card: the team on stage, large, with its stage timer while the MC shows
 * it (red over the limit) and its situation (title and text, readable: large type that wraps);
 * a draw's short animation over the stage; and the reveal, TV-style: each judge's mark appears
 * one after the other, then the result, large. `ctx.boxes.intro`.
 */
function screen(ctx) {
  const follow = focusTracker();

  // The team on stage.
  const stageTeam = h('div', { className: 'jd-team' });
  const stageLabel = h('div', { className: 'jd-kicker' });
  const timer = h('div', { id: 'jd-timer', className: 'jd-timer', hidden: true });
  const closed = label('p', 'jd.closed_wait', { id: 'jd-closed', className: 'jd-closed', hidden: true });
  // Without a situation, what the teams perform (the round's description), if it has one.
  const desc = h('p', { id: 'jd-desc', className: 'jd-desc', hidden: true });
  const sitTitle = h('div', { className: 'jd-situation-title' });
  const sitText = h('p', { className: 'jd-situation-text' });
  const situation = h('section', { id: 'jd-situation', className: 'jd-situation', hidden: true }, sitTitle, sitText);
  const stageCard = h('div', { id: 'jd-stage', className: 'jd-stage', hidden: true },
    h('div', { className: 'jd-stage-head' }, h('div', { className: 'jd-who' }, stageLabel, stageTeam), timer),
    closed, desc, situation);

  // The reveal.
  const revealTeam = h('div', { className: 'jd-team' });
  const revealMarks = h('ol', { className: 'jd-marks' });
  const revealHow = h('div', { className: 'jd-result-how' });
  const revealResult = h('div', { className: 'jd-result' });
  const revealPenalties = h('div', { className: 'jd-result-penalties' });
  const revealCard = h('div', { id: 'jd-reveal', className: 'jd-reveal', hidden: true },
    label('div', 'jd.result_kicker', { className: 'jd-kicker' }), revealTeam, revealMarks,
    h('div', { className: 'jd-result-box' }, revealHow, revealResult, revealPenalties));

  // The draw: over the whole stage for a moment (fixed: the title card's fitting ignores it).
  const drawTeam = h('div', { className: 'jd-draw-team' });
  const drawCards = h('div', { className: 'jd-draw-cards', 'aria-hidden': 'true' });
  const drawTitle = h('div', { className: 'jd-draw-title' });
  const drawBox = h('div', { id: 'jd-draw', className: 'jd-draw', hidden: true, role: 'status' }, drawTeam, drawCards, drawTitle);

  ctx.boxes.intro.append(stageCard, revealCard, drawBox);

  let shown = null; // the state rendered last
  let shownAt = 0; // performance.now() when it was first rendered: the running timer's anchor
  let tick = null;
  let revealKey = null; // what the reveal card shows; null while it is not shown
  let drawTimer = null;
  let lastDraw = null; // the draw animated last: once per draw, however often a state renders

  function stopTick() {
    clearInterval(tick);
    tick = null;
  }

  function renderTimer(state) {
    const jd = judgedOf(state);
    const ms = elapsedOf(state, shownAt);
    const limit = jd.timer.limit_ms;
    timer.textContent = limit === null || limit === undefined ? clock(ms) : t('jd.clock_limit', { time: clock(ms), limit: clock(limit) });
    timer.classList.toggle('over', limit !== null && limit !== undefined && ms > limit);
    timer.classList.toggle('running', Boolean(jd.timer.running));
  }

  function renderStage(state, jd, team) {
    const perf = performanceOf(jd, team);
    const name = teamName(state, team);
    const onStage = jd.on_stage === team;
    stageCard.dataset.team = team;
    stageLabel.textContent = t(onStage ? 'jd.on_stage' : 'jd.drew_kicker');
    stageTeam.textContent = name;
    stageTeam.dataset.size = nameSize(name);
    // Public states carry the timer only while the MC shows it.
    const timed = onStage && Boolean(jd.timer);
    timer.hidden = !timed;
    if (timed) {
      renderTimer(state);
      if (jd.timer.running) tick = setInterval(() => renderTimer(shown), 250);
    }
    closed.hidden = !(perf && perf.closed && !perf.revealed);
    const drawn = drawnOf(jd, team);
    situation.hidden = !drawn;
    const description = !drawn && state.round && state.round.description ? state.round.description : '';
    desc.hidden = !description;
    desc.textContent = description;
    sitTitle.textContent = drawn ? drawn.title : '';
    sitText.textContent = drawn ? drawn.text : '';
    const len = drawn ? drawn.text.length : 0;
    sitText.dataset.size = len > 900 ? 'xs' : len > 450 ? 's' : len > 200 ? 'm' : 'l';
  }

  /** The reveal: built once per result, animated only when it happens live (not after a reload). */
  function renderReveal(state, jd, focus) {
    const perf = performanceOf(jd, focus.team);
    if (!perf || !perf.marks) return;
    const name = teamName(state, focus.team);
    const key = JSON.stringify([document.documentElement.lang, focus.team, perf.marks, perf.result, perf.penalties, name]);
    if (key === revealKey) return;
    const first = revealKey === null || JSON.parse(revealKey)[1] !== focus.team;
    revealKey = key;
    // Live, and only the first time this result is shown (a language switch does not replay it).
    revealCard.classList.toggle('live', Boolean(focus.live && first));
    revealCard.dataset.team = focus.team;
    revealTeam.textContent = name;
    revealTeam.dataset.size = nameSize(name);
    const dropped = droppedJudges(jd, perf);
    const criteria = jd.rules.criteria;
    revealMarks.dataset.count = String(perf.marks.length);
    revealMarks.replaceChildren(...perf.marks.map((m, i) => {
      const li = h('li', { className: `jd-mark${dropped.has(m.judge) ? ' dropped' : ''}${m.total === null ? ' none' : ''}`, dataset: { judge: m.judge } },
        h('span', { className: 'jd-mark-judge', text: m.name }),
        h('span', { className: 'jd-mark-value', text: m.total === null ? '—' : formatPoints(m.total) }),
        criteria.length && m.marks ? h('span', { className: 'jd-mark-detail', text: m.marks.map(formatPoints).join(' · ') }) : null);
      li.style.setProperty('--i', String(i));
      return li;
    }));
    revealHow.textContent = t(`jd.aggregate_${jd.rules.aggregate}`);
    revealResult.textContent = t('points', { n: formatPoints(perf.result) });
    revealPenalties.textContent = perf.penalties.length ? t('jd.result_penalties', { list: penaltiesText(perf) }) : '';
    revealPenalties.hidden = !perf.penalties.length;
    revealCard.style.setProperty('--n', String(perf.marks.length));
    // One row for a panel of up to six judges, two rows for more: the result stays in view.
    const count = perf.marks.length;
    revealMarks.style.setProperty('--cols', String(count <= 6 ? count : Math.ceil(count / 2)));
  }

  /** "Đội X bốc thăm" over the stage, cards shuffling, then the situation drawn. */
  function showDraw(state, jd, drawn) {
    drawTeam.textContent = t('jd.draw_team', { team: teamName(state, drawn.team) });
    const total = Math.min(jd.situations.total, 12);
    const picked = drawn.number <= total ? drawn.number - 1 : total - 1;
    drawCards.replaceChildren(...Array.from({ length: total }, (_, i) => {
      const card = h('span', { className: `jd-card${i === picked ? ' picked' : ''}`, text: i === picked ? String(drawn.number) : '?' });
      card.style.setProperty('--i', String(i));
      return card;
    }));
    drawTitle.textContent = drawn.title;
    drawBox.hidden = false;
    drawBox.classList.remove('playing');
    void drawBox.offsetWidth; // restart the animation
    drawBox.classList.add('playing');
    clearTimeout(drawTimer);
    drawTimer = setTimeout(() => {
      drawBox.hidden = true;
    }, 4500);
  }

  function hideAll() {
    stopTick();
    stageCard.hidden = true;
    revealCard.hidden = true;
    revealKey = null;
    delete document.body.dataset.judged;
  }

  return {
    show(on) {
      if (!on) {
        hideAll();
        clearTimeout(drawTimer);
        drawBox.hidden = true;
      }
    },
    intro(state) {
      stopTick();
      if (state !== shown) {
        shown = state;
        shownAt = performance.now();
      }
      const jd = judgedOf(state);
      const { focus, drew } = follow(state);
      if (!jd || !focus) {
        hideAll();
        return;
      }
      if (drew && drew !== lastDraw) {
        lastDraw = drew;
        showDraw(state, jd, drew);
      }
      const reveal = focus.kind === 'reveal';
      // The title card makes room: the round's name moves to the header (screen.css).
      document.body.dataset.judged = focus.kind;
      stageCard.hidden = reveal;
      revealCard.hidden = !reveal;
      if (reveal) {
        // The result is what the hall waits for: the draw's moment is over.
        clearTimeout(drawTimer);
        drawBox.hidden = true;
        renderReveal(state, jd, focus);
      } else {
        revealKey = null; // a result shown again later (reopened, revealed again) plays again
        renderStage(state, jd, focus.team);
      }
    },
  };
}

export default {
  name: 'judged',
  phone,
  control,
  screen,
};
