//! The `judged` block of a `state`: a round the judging panel scores, as each audience may see
//! it. The rule that matters: before the MC reveals a team's result, no view but the MC's
//! carries another judge's marks — a judge sees only their own, the teams and the hall none.

use serde::Serialize;

use super::{Audience, RankView, StateView};
use crate::game::judged::{Aggregate, JudgedRound, JudgedState, Performance};
use crate::game::{Game, Points, Round, RoundState, TeamId, Time, ranks};

/// A judged round while it is the round being played.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgedView {
    /// How the round is scored.
    pub rules: JudgedRulesView,
    /// The panel, in the contest's order.
    pub judges: Vec<JudgeView>,
    /// The team performing now (id).
    pub on_stage: Option<String>,
    /// The stage timer of the team performing: the MC and the judges always; the public only
    /// while the MC shows it on the projector (`null` otherwise).
    pub timer: Option<StageTimerView>,
    /// Whether the MC shows the stage timer on the projector.
    pub timer_shown: bool,
    /// The situations drawn by lot so far.
    pub situations: SituationsView,
    /// Each team's performance, in scoreboard order.
    pub teams: Vec<PerformanceView>,
    /// Teams whose result has been revealed, in the order revealed (the last one is the one on
    /// the projector).
    pub revealed: Vec<String>,
    /// MC only: the penalty the rules suggest for the team on stage, once over the time limit
    /// (as of the state's `now_ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_penalty: Option<SuggestedPenaltyView>,
}

/// A judged round's rules, with every default filled in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgedRulesView {
    /// The highest mark.
    pub scale_max: Points,
    /// Marks are multiples of this.
    pub step: Points,
    /// What is scored separately; empty: one mark from 0 to `scale_max`.
    pub criteria: Vec<CriterionView>,
    /// `mean`, `sum` or `trimmed_mean`.
    pub aggregate: Aggregate,
    /// Decimals the result keeps.
    pub decimals: u8,
    /// Each team's time on stage (ms), if limited.
    pub time_limit_ms: Option<u64>,
    /// Penalty suggested per started minute over the limit.
    pub penalty_per_minute: Points,
    /// Judges that must have scored a team before its scoring closes.
    pub min_judges: usize,
}

/// One criterion.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriterionView {
    /// Its name, e.g. "Nội dung".
    pub name: String,
    /// Its highest mark.
    pub max: Points,
    /// What its mark counts for (1: as it is).
    pub weight: Points,
}

/// A member of the panel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgeView {
    /// Judge id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The stage timer: it counts up; time shown = `counted_ms`, plus `now − since_ms` while running.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageTimerView {
    /// Counting now.
    pub running: bool,
    /// Server time it was last started (ms), while running.
    pub since_ms: Option<u64>,
    /// Time counted before that (ms).
    pub counted_ms: u64,
    /// The round's time limit (ms), if any.
    pub limit_ms: Option<u64>,
}

/// The draw.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SituationsView {
    /// Situations in the round.
    pub total: usize,
    /// Situations not drawn yet.
    pub left: usize,
    /// Every situation drawn, by team in scoreboard order.
    pub drawn: Vec<DrawnSituationView>,
}

/// A situation a team drew: public once drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrawnSituationView {
    /// Team id.
    pub team: String,
    /// Its 1-based number in the round.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// The situation.
    pub text: String,
}

/// One team's performance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerformanceView {
    /// Team id.
    pub team: String,
    /// Time on stage kept for the team (ms); `null` for the public while the timer is hidden.
    pub stage_ms: Option<u64>,
    /// Scoring is closed: the result is in the scores, marks can no longer change.
    pub closed: bool,
    /// The MC revealed the result (and every judge's marks) on the projector.
    pub revealed: bool,
    /// The result for the round: the MC once closed; everyone once revealed.
    pub result: Option<Points>,
    /// Points taken for the performance, with reasons.
    pub penalties: Vec<PenaltyView>,
    /// Every judge's marks, in the panel's order: the MC always; everyone once revealed.
    pub marks: Option<Vec<JudgeMarksView>>,
    /// Only in a judge's own view: that judge's marks for the team, `null` before scoring it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<Option<Vec<Points>>>,
}

/// One judge's marks for one team.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgeMarksView {
    /// Judge id.
    pub judge: String,
    /// Judge's name, for the projector's reveal.
    pub name: String,
    /// One per criterion (or one); `null`: not scored.
    pub marks: Option<Vec<Points>>,
    /// The judge's mark for the team (criteria by their weights), to hundredths; `null`: not
    /// scored.
    pub total: Option<Points>,
}

/// A penalty taken.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PenaltyView {
    /// Points taken (negative: given).
    pub points: Points,
    /// Why.
    pub reason: String,
}

/// The penalty the rules suggest for the team on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuggestedPenaltyView {
    /// Team id.
    pub team: String,
    /// Time over the limit (ms).
    pub over_ms: u64,
    /// Points to take.
    pub points: Points,
}

/// The judged round being played, with what it keeps, if the round being played is one.
pub fn judged_round(game: &Game) -> Option<(&JudgedRound, &JudgedState)> {
    let index = game.current_round_index()?;
    match (game.current_round()?, game.round_state(index)?) {
        (Round::Judged(round), RoundState::Judged(state)) => Some((round, state)),
        _ => None,
    }
}

/// Whether each judge now sees something the others may not (their own marks): a judged round
/// is the round being played.
pub fn has_judge_views(game: &Game) -> bool {
    judged_round(game).is_some()
}

/// The `judged` block of `game` for `audience`, while a judged round is being played.
pub fn judged_view(game: &Game, now: Time, audience: Audience) -> Option<JudgedView> {
    let (round, state) = judged_round(game)?;
    let contest = game.contest();
    let team_id = |team: TeamId| {
        contest
            .teams
            .get(team.0)
            .map(|t| t.id.clone())
            .unwrap_or_default()
    };
    let control = audience == Audience::Control;
    let public = matches!(audience, Audience::Public | Audience::Team(_));
    let rules = &round.rules;
    let maxima = round.maxima();
    let criteria = rules
        .criteria
        .iter()
        .zip(&maxima)
        .map(|(criterion, max)| CriterionView {
            name: criterion.name.clone(),
            max: *max,
            weight: criterion.weight.unwrap_or(Points::whole(1)),
        })
        .collect();
    let timer_visible = !public || state.timer_shown;
    let timer = (timer_visible && state.on_stage.is_some()).then(|| StageTimerView {
        running: state.timer.running_since.is_some(),
        since_ms: state.timer.running_since.map(Time::as_millis),
        counted_ms: state.timer.counted_ms,
        limit_ms: rules.time_limit_ms,
    });
    let drawn = state
        .performances
        .iter()
        .enumerate()
        .filter_map(|(team, performance)| {
            let number = performance.situation?;
            let situation = round.situations.get(number)?;
            Some(DrawnSituationView {
                team: team_id(TeamId(team)),
                number: number + 1,
                title: situation.title.clone(),
                text: situation.text.clone(),
            })
        })
        .collect::<Vec<_>>();
    let teams = state
        .performances
        .iter()
        .enumerate()
        .map(|(team, performance)| {
            let team = TeamId(team);
            let revealed = state.revealed.contains(&team);
            let open_to_me = control || revealed;
            let on_stage = state.on_stage == Some(team);
            PerformanceView {
                team: team_id(team),
                // The kept time of the team on stage is its timer's.
                stage_ms: timer_visible.then_some(match on_stage {
                    true => state.timer.counted_ms,
                    false => performance.stage_ms,
                }),
                closed: performance.result.is_some(),
                revealed,
                result: performance.result.filter(|_| open_to_me),
                penalties: performance
                    .penalties
                    .iter()
                    .map(|p| PenaltyView {
                        points: p.points,
                        reason: p.reason.clone(),
                    })
                    .collect(),
                marks: open_to_me.then(|| panel_marks(game, round, performance)),
                mine: match audience {
                    Audience::Judge(judge) => Some(performance.marks.get(judge).cloned().flatten()),
                    _ => None,
                },
            }
        })
        .collect();
    let suggested_penalty = state.on_stage.filter(|_| control).and_then(|team| {
        let (over_ms, points) = round.suggested_penalty(state.timer.elapsed_ms(now))?;
        Some(SuggestedPenaltyView {
            team: team_id(team),
            over_ms,
            points,
        })
    });
    Some(JudgedView {
        rules: JudgedRulesView {
            scale_max: rules.scale_max,
            step: rules.step,
            criteria,
            aggregate: rules.aggregate,
            decimals: rules.decimals,
            time_limit_ms: rules.time_limit_ms,
            penalty_per_minute: rules.penalty_per_minute,
            min_judges: rules.min_judges,
        },
        judges: contest
            .judges
            .iter()
            .map(|judge| JudgeView {
                id: judge.id.clone(),
                name: judge.name.clone(),
            })
            .collect(),
        on_stage: state.on_stage.map(team_id),
        timer,
        timer_shown: state.timer_shown,
        situations: SituationsView {
            total: round.situations.len(),
            left: round.situations.len().saturating_sub(drawn.len()),
            drawn,
        },
        teams,
        revealed: state.revealed.iter().map(|team| team_id(*team)).collect(),
        suggested_penalty,
    })
}

/// Takes the results closed but not yet revealed in the judged round being played out of the
/// scores and rankings of a view that is not the MC's: the scoreboard would give a result away
/// before the reveal, and with their own mark a judge could work out the others'. They count
/// again once revealed (or once another round is played).
pub(super) fn hold_back_unrevealed(view: &mut StateView, game: &Game) {
    let (Some((_, state)), Some(round)) = (judged_round(game), game.current_round_index()) else {
        return;
    };
    let held: Vec<Points> = state
        .performances
        .iter()
        .enumerate()
        .map(|(team, performance)| match performance.result {
            Some(result) if !state.revealed.contains(&TeamId(team)) => result,
            _ => Points::ZERO,
        })
        .collect();
    if held.iter().all(|points| *points == Points::ZERO) {
        return;
    }
    for (team, held) in view.teams.iter_mut().zip(&held) {
        team.score = team.score - *held;
    }
    let Some(slide) = view.slide.as_mut() else {
        return;
    };
    // The totals, or this round's standings, hold the results; another round's do not.
    let holds_them = slide.round.as_ref().is_none_or(|r| r.number == round + 1);
    let Some(lines) = slide.ranking.as_mut().filter(|_| holds_them) else {
        return;
    };
    let contest = game.contest();
    let mut points = vec![Points::ZERO; contest.teams.len()];
    for line in lines.iter() {
        if let Some(team) = contest.team_index(&line.team) {
            points[team] = line.points - held[team];
        }
    }
    let mut ranking: Vec<RankView> = points
        .iter()
        .zip(ranks(&points))
        .zip(&contest.teams)
        .map(|((points, rank), team)| RankView {
            rank,
            team: team.id.clone(),
            points: *points,
        })
        .collect();
    // Stable: equal ranks keep the scoreboard's order, as in every ranking.
    ranking.sort_by_key(|line| line.rank);
    *lines = ranking;
}

/// Every judge's marks for one performance, with the judge's weighted mark.
fn panel_marks(game: &Game, round: &JudgedRound, performance: &Performance) -> Vec<JudgeMarksView> {
    game.contest()
        .judges
        .iter()
        .enumerate()
        .map(|(j, judge)| {
            let marks = performance.marks.get(j).cloned().flatten();
            // The weighted mark is in ten-thousandths; the projector shows hundredths.
            let total = marks
                .as_ref()
                .and_then(|marks| Aggregate::Sum.of(&[round.weighted(marks)], 2));
            JudgeMarksView {
                judge: judge.id.clone(),
                name: judge.name.clone(),
                marks,
                total,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::game::judged::{Action, Criterion, JudgedRules, Situation};
    use crate::game::{Command, ContestBuilder, Slide};
    use crate::protocol::StateView;

    const A: TeamId = TeamId(0);
    const B: TeamId = TeamId(1);

    fn p(hundredths: i64) -> Points {
        Points::from_hundredths(hundredths)
    }

    fn t(ms: u64) -> Time {
        Time::from_millis(ms)
    }

    /// Two teams, three judges and a judged round with two criteria (content 60 %, style
    /// 40 %), a 3-minute limit and one situation; its title is on stage.
    fn game() -> Game {
        let rules = JudgedRules {
            criteria: vec![
                Criterion {
                    name: "Nội dung".into(),
                    max: None,
                    weight: Some(p(60)),
                },
                Criterion {
                    name: "Phong cách".into(),
                    max: Some(p(500)),
                    weight: None,
                },
            ],
            time_limit_ms: Some(180_000),
            penalty_per_minute: p(100),
            ..JudgedRules::default()
        };
        let situation = Situation {
            title: "Tình huống 1".into(),
            text: "Một người dân đến phản ánh…".into(),
        };
        let contest = ContestBuilder::new("Hội thi")
            .team("an-hai", "Đội An Hải")
            .team("vinh-hai", "Đội Vĩnh Hải")
            .judge("gk-lan", "Bà Lan")
            .judge("gk-minh", "Ông Minh")
            .judge("gk-tam", "Ông Tâm")
            .judged("Xử lý tình huống", rules, vec![situation])
            .build();
        contest.validate().expect("valid");
        let mut game = Game::new(contest);
        game.apply(&Command::StartRound { round: 0 }, t(0))
            .expect("start");
        game
    }

    fn act(game: &mut Game, action: Action, at: u64) {
        game.apply(&Command::Judged(action), t(at)).expect("acts");
    }

    fn score(game: &mut Game, judge: usize, team: TeamId, marks: [i64; 2]) {
        let marks = marks.iter().map(|h| p(*h)).collect();
        act(game, Action::Score { judge, team, marks }, 1_000);
    }

    fn view(game: &Game, now: u64, audience: Audience) -> Value {
        let state = StateView::of(game, &[], t(now), audience);
        serde_json::to_value(&state).expect("serialise")
    }

    /// Every number anywhere in a JSON value, to look for a mark that must not be there.
    fn numbers(value: &Value, found: &mut Vec<f64>) {
        match value {
            Value::Number(n) => found.extend(n.as_f64()),
            Value::Array(items) => items.iter().for_each(|v| numbers(v, found)),
            Value::Object(map) => map.values().for_each(|v| numbers(v, found)),
            _ => {}
        }
    }

    #[test]
    fn before_the_reveal_a_judge_sees_only_its_own_marks_and_the_hall_none() {
        let mut game = game();
        // Marks no other number in the views can be: 9.5 and 4.5 (judge 0), 6 and 3.5 (1).
        score(&mut game, 0, A, [950, 450]);
        score(&mut game, 1, A, [600, 350]);
        act(&mut game, Action::Close { team: A }, 2_000);
        let control = view(&game, 3_000, Audience::Control);
        let marks = &control["judged"]["teams"][0]["marks"];
        assert_eq!(
            marks[0],
            json!({"judge": "gk-lan", "name": "Bà Lan", "marks": [9.5, 4.5], "total": 10.2})
        );
        assert_eq!(marks[1]["marks"], json!([6, 3.5]));
        // Judge 2 has not scored: the MC sees who has not.
        assert_eq!(marks[2]["marks"], Value::Null);
        // (0.6×9.5 + 4.5 = 10.2; 0.6×6 + 3.5 = 7.1) → 8.65.
        assert_eq!(control["judged"]["teams"][0]["result"], json!(8.65));

        let second_judge = view(&game, 3_000, Audience::Judge(1));
        let a = &second_judge["judged"]["teams"][0];
        assert_eq!(a["mine"], json!([6, 3.5]));
        assert_eq!(a["marks"], Value::Null);
        assert_eq!(a["result"], Value::Null);
        assert_eq!(a["closed"], true);
        assert_eq!(second_judge["judged"]["teams"][1]["mine"], Value::Null);
        let third_judge = view(&game, 3_000, Audience::Judge(2));
        assert_eq!(third_judge["judged"]["teams"][0]["mine"], Value::Null);
        for (who, audience) in [
            ("judge 2", Audience::Judge(1)),
            ("judge 3", Audience::Judge(2)),
            ("a team", Audience::Team(B)),
            ("the hall", Audience::Public),
        ] {
            let seen = view(&game, 3_000, audience);
            let mut found = Vec::new();
            numbers(&seen, &mut found);
            for mark in [9.5, 4.5] {
                assert!(
                    !found.contains(&mark),
                    "{who} sees judge 1's {mark}: {seen}"
                );
            }
            assert!(!found.contains(&8.65), "{who} sees the result: {seen}");
        }
        let public = view(&game, 3_000, Audience::Public);
        assert!(public["judged"]["teams"][0].get("mine").is_none());
        assert_eq!(public["judged"]["teams"][0]["marks"], Value::Null);
    }

    #[test]
    fn a_closed_result_stays_out_of_the_public_scores_and_rankings_until_revealed() {
        let mut game = game();
        // Team B got a penalty (public at once); team A's result is closed, not revealed.
        let penalty = Action::Penalty {
            team: B,
            points: p(100),
            reason: "quá giờ".into(),
        };
        act(&mut game, penalty, 500);
        score(&mut game, 0, A, [950, 450]);
        score(&mut game, 1, A, [600, 350]);
        act(&mut game, Action::Close { team: A }, 2_000);
        let scores = |view: &Value| {
            let teams = view["teams"].as_array().expect("teams");
            teams.iter().map(|t| t["score"].clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            scores(&view(&game, 3_000, Audience::Control)),
            [json!(8.65), json!(-1)]
        );
        for audience in [Audience::Public, Audience::Judge(1), Audience::Team(A)] {
            assert_eq!(scores(&view(&game, 3_000, audience)), [json!(0), json!(-1)]);
        }
        let ranking = Slide::Ranking { round: None };
        game.apply(&Command::ShowSlide { slide: ranking }, t(4_000))
            .expect("ranking");
        let lines = |view: &Value| view["slide"]["ranking"].clone();
        assert_eq!(
            lines(&view(&game, 5_000, Audience::Public)),
            json!([{"rank": 1, "team": "an-hai", "points": 0},
                   {"rank": 2, "team": "vinh-hai", "points": -1}])
        );
        assert_eq!(
            lines(&view(&game, 5_000, Audience::Control))[0]["points"],
            json!(8.65)
        );
        game.apply(&Command::StartRound { round: 0 }, t(6_000))
            .expect("back");
        act(&mut game, Action::Reveal { team: A }, 7_000);
        assert_eq!(
            scores(&view(&game, 8_000, Audience::Public)),
            [json!(8.65), json!(-1)]
        );
    }

    #[test]
    fn the_reveal_shows_every_judges_marks_with_names_then_the_result() {
        let mut game = game();
        score(&mut game, 0, A, [800, 400]);
        score(&mut game, 2, A, [1000, 500]);
        act(&mut game, Action::Close { team: A }, 2_000);
        act(&mut game, Action::Reveal { team: A }, 3_000);
        let public = view(&game, 4_000, Audience::Public);
        let judged = &public["judged"];
        assert_eq!(judged["revealed"], json!(["an-hai"]));
        let a = &judged["teams"][0];
        assert_eq!(a["revealed"], true);
        assert_eq!(a["marks"][0]["name"], "Bà Lan");
        assert_eq!(a["marks"][0]["total"], json!(8.8));
        assert_eq!(a["marks"][1]["marks"], Value::Null);
        assert_eq!(a["marks"][2]["total"], json!(11));
        assert_eq!(a["result"], json!(9.9));
        // The other team, not revealed, shows nothing.
        assert_eq!(judged["teams"][1]["marks"], Value::Null);
        // The same block goes on while a slide follows the round.
        let slide = Slide::Intermission {
            caption: String::new(),
        };
        game.apply(&Command::ShowSlide { slide }, t(5_000))
            .expect("slide");
        assert_eq!(
            view(&game, 6_000, Audience::Public)["judged"]["revealed"],
            json!(["an-hai"])
        );
    }

    #[test]
    fn the_timer_is_public_only_when_shown_and_the_mc_is_offered_the_penalty() {
        let mut game = game();
        act(&mut game, Action::Perform { team: B }, 0);
        act(&mut game, Action::StartTimer, 10_000);
        let public = view(&game, 20_000, Audience::Public);
        assert_eq!(public["judged"]["on_stage"], "vinh-hai");
        assert_eq!(public["judged"]["timer"], Value::Null);
        assert_eq!(public["judged"]["teams"][1]["stage_ms"], Value::Null);
        let judge = view(&game, 20_000, Audience::Judge(0));
        assert_eq!(
            judge["judged"]["timer"],
            json!({"running": true, "since_ms": 10_000, "counted_ms": 0, "limit_ms": 180_000})
        );
        assert!(judge["judged"].get("suggested_penalty").is_none());
        act(&mut game, Action::ShowTimer { shown: true }, 20_000);
        let public = view(&game, 20_000, Audience::Public);
        assert_eq!(public["judged"]["timer"]["since_ms"], 10_000);
        // 3 min 30 s on stage: 30 s over, one started minute.
        let control = view(&game, 220_000, Audience::Control);
        assert_eq!(
            control["judged"]["suggested_penalty"],
            json!({"team": "vinh-hai", "over_ms": 30_000, "points": 1})
        );
        assert!(control["judged"]["teams"][1].get("mine").is_none());
        assert!(
            view(&game, 220_000, Audience::Public)["judged"]
                .get("suggested_penalty")
                .is_none()
        );
    }

    #[test]
    fn a_drawn_situation_is_public_and_the_rules_come_with_their_defaults() {
        let mut game = game();
        act(&mut game, Action::Draw { team: A, pick: 12 }, 500);
        let public = view(&game, 1_000, Audience::Public);
        let judged = &public["judged"];
        assert_eq!(
            judged["situations"],
            json!({"total": 1, "left": 0, "drawn": [{"team": "an-hai", "number": 1,
                   "title": "Tình huống 1", "text": "Một người dân đến phản ánh…"}]})
        );
        assert_eq!(
            judged["rules"]["criteria"],
            json!([{"name": "Nội dung", "max": 10, "weight": 0.6},
                   {"name": "Phong cách", "max": 5, "weight": 1}])
        );
        assert_eq!(judged["rules"]["aggregate"], "mean");
        assert_eq!(judged["rules"]["step"], json!(0.5));
        assert_eq!(
            judged["judges"][1],
            json!({"id": "gk-minh", "name": "Ông Minh"})
        );
        assert!(has_judge_views(&game));
        // Outside the round nobody gets the block, nor its own view.
        game.apply(&Command::FinishContest, t(2_000))
            .expect("finish");
        assert!(!has_judge_views(&game));
        assert!(
            view(&game, 3_000, Audience::Control)
                .get("judged")
                .is_none()
        );
    }
}
