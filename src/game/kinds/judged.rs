//! The round a judging panel scores ("ban giám khảo chấm"): greeting, situation handling,
//! talent. No questions: while the round's title is on stage the MC calls each team to perform
//! (in any order), may run a stage timer, lets a team draw its situation by lot ("bốc thăm"),
//! and each judge scores the team on the round's scale — one mark, or one per criterion — and
//! may change it until the secretary (the MC) closes the team's scoring. Closing turns the
//! judges' marks into the team's result for the round (mean, sum, or mean without the highest
//! and lowest) and scores it; the projector then reveals it judge by judge, like a TV panel.
//!
//! Arithmetic is exact: marks are [`Points`] (hundredths), a weighted mark is kept in
//! ten-thousandths, and the result is rounded once, half away from zero, to the round's
//! `decimals`.

use serde::{Deserialize, Serialize};

use super::{RoundKind, RoundState, Turn};
use crate::game::contest::{Contest, MAX_POINTS, Problems};
use crate::game::{Command, Event, Points, Rejection, TeamId, Time};

/// The most criteria a round may have: a judge's phone shows them all at once.
pub const MAX_CRITERIA: usize = 8;
/// The most situations a round may hold.
pub const MAX_SITUATIONS: usize = 100;
/// Longest situation text, in characters.
pub const MAX_SITUATION_CHARS: usize = 2_000;
/// Longest penalty reason, in characters.
pub const MAX_PENALTY_REASON_CHARS: usize = 200;

/// A round a judging panel scores.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedRound {
    /// Title shown on stage, e.g. "Chào hỏi".
    pub title: String,
    /// What the teams perform, shown under the title (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// How the round is scored; every field has a default.
    #[serde(default)]
    pub rules: JudgedRules,
    /// Situations the teams draw by lot, one each (empty: no draw).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub situations: Vec<Situation>,
}

/// How a judged round is scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JudgedRules {
    /// The highest mark (and each criterion's, unless it sets its own).
    pub scale_max: Points,
    /// Marks are multiples of this (0.5: 7, 7.5, 8…).
    pub step: Points,
    /// What the judges score separately; empty: one mark per judge. A judge's mark for a team
    /// is the sum of each criterion's mark times its weight.
    pub criteria: Vec<Criterion>,
    /// How the judges' marks make the team's result.
    pub aggregate: Aggregate,
    /// Decimals the result keeps (0 to 2), rounded half away from zero.
    pub decimals: u8,
    /// The time each team has on stage (ms); `None`: no limit. Shown on the stage timer.
    pub time_limit_ms: Option<u64>,
    /// Points the MC is offered to take per started minute over the limit (0: none).
    pub penalty_per_minute: Points,
    /// The fewest judges that must have scored a team before its scoring can close.
    pub min_judges: usize,
}

impl Default for JudgedRules {
    fn default() -> Self {
        JudgedRules {
            scale_max: Points::whole(10),
            step: Points::from_hundredths(50),
            criteria: Vec::new(),
            aggregate: Aggregate::Mean,
            decimals: 2,
            time_limit_ms: None,
            penalty_per_minute: Points::ZERO,
            min_judges: 1,
        }
    }
}

/// One thing the judges score separately, e.g. "Nội dung" (content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Shown to the judges and in the results.
    pub name: String,
    /// Its highest mark; the round's `scale_max` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Points>,
    /// What its mark counts for: 0.5 for half (content 50 %, presentation 30 %, time 20 %
    /// on a scale of 10); 1 when absent (criteria marked 5 + 3 + 2 simply add up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Points>,
}

impl Criterion {
    fn weight(&self) -> Points {
        self.weight.unwrap_or(Points::whole(1))
    }
}

/// How the judges' marks make a team's result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The mean of the marks.
    #[default]
    Mean,
    /// The sum of the marks.
    Sum,
    /// The mean without the highest and the lowest mark (one of each); needs 3 marks.
    TrimmedMean,
}

/// A situation a team draws and then handles on stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Situation {
    /// Short title, e.g. "Tình huống 3".
    pub title: String,
    /// The situation, shown to everyone once drawn.
    pub text: String,
}

/// What the MC and the judges do in a judged round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The MC calls `team` on stage: it performs now (its timer is reset, not started).
    Perform {
        /// The team.
        team: TeamId,
    },
    /// The MC starts (or resumes) the stage timer of the team performing.
    StartTimer,
    /// The MC stops the stage timer.
    StopTimer,
    /// The MC shows or hides the stage timer on the projector.
    ShowTimer {
        /// Shown.
        shown: bool,
    },
    /// `team` draws its situation by lot: the `pick`th of those not drawn yet (modulo their
    /// number). `pick` is chosen at random by the server and recorded, so a replay draws the
    /// same.
    Draw {
        /// The team drawing.
        team: TeamId,
        /// The random number the draw is made with.
        pick: u64,
    },
    /// A judge gives (or changes) a team's marks: one per criterion, or one.
    Score {
        /// The judge, by position in the contest's `judges`.
        judge: usize,
        /// The team scored.
        team: TeamId,
        /// The marks.
        marks: Vec<Points>,
    },
    /// The MC closes the team's scoring: the judges' marks make its result, which scores.
    Close {
        /// The team.
        team: TeamId,
    },
    /// The MC reopens a closed team's scoring: its result is taken back.
    Reopen {
        /// The team.
        team: TeamId,
    },
    /// The MC takes points from (or gives points to) a team for its performance, with a reason
    /// (e.g. "quá giờ 2 phút").
    Penalty {
        /// The team.
        team: TeamId,
        /// Points taken (positive takes; negative gives back).
        points: Points,
        /// Why, for the record.
        reason: String,
    },
    /// The MC reveals a closed team's marks and result on the projector.
    Reveal {
        /// The team.
        team: TeamId,
    },
}

/// What the round keeps: every team's performance, who is on stage, the draws.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedState {
    /// Each team's performance, indexed like the contest's teams.
    pub performances: Vec<Performance>,
    /// The team performing now.
    pub on_stage: Option<TeamId>,
    /// The stage timer of the team performing.
    pub timer: StageTimer,
    /// Whether the projector shows the stage timer.
    pub timer_shown: bool,
    /// Teams whose result the projector has revealed, in order.
    pub revealed: Vec<TeamId>,
}

/// One team's performance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Performance {
    /// Each judge's marks, indexed like the contest's judges (`None`: not scored yet).
    pub marks: Vec<Option<Vec<Points>>>,
    /// The result once scoring closed.
    pub result: Option<Points>,
    /// Points taken for the performance (time over the limit…), with their reasons.
    pub penalties: Vec<Penalty>,
    /// The situation drawn, by index in the round's situations.
    pub situation: Option<usize>,
    /// Time on stage so far (ms), kept when another team is called.
    pub stage_ms: u64,
}

/// Points taken from a team's performance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Penalty {
    /// Points taken (negative: given).
    pub points: Points,
    /// Why.
    pub reason: String,
}

/// A stage timer that counts up while running.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTimer {
    /// When it was last started, while it runs.
    pub running_since: Option<Time>,
    /// Time counted before that (ms).
    pub counted_ms: u64,
}

impl StageTimer {
    /// Time counted at `now` (ms).
    pub fn elapsed_ms(&self, now: Time) -> u64 {
        let running = self
            .running_since
            .map_or(0, |since| now.0.saturating_sub(since.0) / 1000);
        self.counted_ms.saturating_add(running)
    }

    fn stop(&mut self, now: Time) {
        self.counted_ms = self.elapsed_ms(now);
        self.running_since = None;
    }
}

impl JudgedState {
    fn performance(&mut self, team: TeamId) -> Result<&mut Performance, Rejection> {
        self.performances
            .get_mut(team.0)
            .ok_or(Rejection::UnknownTeam)
    }
}

impl RoundKind for JudgedRound {
    const NAME: &'static str = "judged";

    fn title(&self) -> &str {
        &self.title
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        let rules = &self.rules;
        let scale = format!("{at}.rules.scale_max");
        if rules.scale_max <= Points::ZERO || rules.scale_max > Points::whole(MAX_POINTS) {
            problems.add(
                scale,
                format!("must be more than 0 and at most {MAX_POINTS}"),
            );
        }
        let step_ok = rules.step > Points::ZERO && rules.step <= rules.scale_max;
        if !step_ok {
            problems.add(
                format!("{at}.rules.step"),
                "must be more than 0 and at most the scale",
            );
        } else if rules.scale_max.hundredths() % rules.step.hundredths() != 0 {
            problems.add(
                format!("{at}.rules.step"),
                format!("the scale ({}) is not a multiple of it", rules.scale_max),
            );
        }
        if rules.criteria.len() > MAX_CRITERIA {
            problems.add(
                format!("{at}.rules.criteria"),
                format!("at most {MAX_CRITERIA} criteria"),
            );
        }
        for (c, criterion) in rules.criteria.iter().enumerate() {
            let at = format!("{at}.rules.criteria[{c}]");
            if criterion.name.trim().is_empty() {
                problems.add(format!("{at}.name"), "must not be empty");
            }
            if rules.criteria[..c]
                .iter()
                .any(|other| other.name.trim() == criterion.name.trim())
            {
                problems.add(format!("{at}.name"), "two criteria have this name");
            }
            if let Some(max) = criterion.max {
                if max <= Points::ZERO || max > Points::whole(MAX_POINTS) {
                    problems.add(format!("{at}.max"), "must be more than 0");
                } else if step_ok && max.hundredths() % rules.step.hundredths() != 0 {
                    problems.add(
                        format!("{at}.max"),
                        format!("is not a multiple of the step ({})", rules.step),
                    );
                }
            }
            if criterion
                .weight
                .is_some_and(|w| w <= Points::ZERO || w > Points::whole(100))
            {
                problems.add(
                    format!("{at}.weight"),
                    "must be more than 0 and at most 100",
                );
            }
        }
        if rules.decimals > 2 {
            problems.add(format!("{at}.rules.decimals"), "must be 0, 1 or 2");
        }
        if let Some(limit) = rules.time_limit_ms {
            problems.window(format!("{at}.rules.time_limit_ms"), limit);
        }
        if rules.penalty_per_minute < Points::ZERO
            || rules.penalty_per_minute > Points::whole(MAX_POINTS)
        {
            problems.add(
                format!("{at}.rules.penalty_per_minute"),
                format!("must be 0..={MAX_POINTS}"),
            );
        }
        let fewest = match rules.aggregate {
            Aggregate::TrimmedMean => 3,
            Aggregate::Mean | Aggregate::Sum => 1,
        };
        if rules.min_judges < fewest {
            problems.add(
                format!("{at}.rules.min_judges"),
                format!("must be at least {fewest} with this aggregate"),
            );
        }
        if self.situations.len() > MAX_SITUATIONS {
            problems.add(
                format!("{at}.situations"),
                format!("at most {MAX_SITUATIONS} situations"),
            );
        }
        for (s, situation) in self.situations.iter().enumerate() {
            let at = format!("{at}.situations[{s}]");
            if situation.title.trim().is_empty() {
                problems.add(format!("{at}.title"), "must not be empty");
            }
            let chars = situation.text.trim().chars().count();
            if chars == 0 || chars > MAX_SITUATION_CHARS {
                problems.add(
                    format!("{at}.text"),
                    format!("must be 1-{MAX_SITUATION_CHARS} characters"),
                );
            }
        }
        if self.description.chars().count() > super::scored::MAX_DESCRIPTION_CHARS {
            problems.add(
                format!("{at}.description"),
                format!(
                    "at most {} characters",
                    super::scored::MAX_DESCRIPTION_CHARS
                ),
            );
        }
    }

    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String> {
        if self.rules != amended.rules {
            return Err(format!("the rules of {place} changed"));
        }
        if self.situations.len() != amended.situations.len() {
            return Err(format!("the number of situations in {place} changed"));
        }
        Ok(())
    }

    fn new_state(&self, contest: &Contest) -> RoundState {
        let performance = Performance {
            marks: vec![None; contest.judges.len()],
            ..Performance::default()
        };
        RoundState::Judged(JudgedState {
            performances: vec![performance; contest.teams.len()],
            ..JudgedState::default()
        })
    }

    fn state_fits(&self, state: &RoundState, contest: &Contest) -> bool {
        let RoundState::Judged(state) = state else {
            return false;
        };
        let teams = contest.teams.len();
        let judges = contest.judges.len();
        let marks = self.rules.criteria.len().max(1);
        let sized = state.performances.len() == teams;
        let team_ok = |team: &TeamId| team.0 < teams;
        sized
            && state.on_stage.as_ref().is_none_or(team_ok)
            && state.revealed.iter().all(team_ok)
            && state.performances.iter().all(|p| {
                p.marks.len() == judges
                    && p.marks.iter().flatten().all(|m| m.len() == marks)
                    && p.situation.is_none_or(|s| s < self.situations.len())
            })
    }
}

impl JudgedRound {
    /// Applies an action of the MC or a judge.
    pub(crate) fn apply_round(
        &self,
        state: &mut JudgedState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let Command::Judged(action) = command else {
            return Err(Rejection::WrongKind);
        };
        let now = turn.now;
        match action {
            Action::Perform { team } => {
                state.performance(*team)?;
                self.leave_stage(state, now);
                state.on_stage = Some(*team);
                let performance = state.performance(*team)?;
                state.timer = StageTimer {
                    running_since: None,
                    counted_ms: performance.stage_ms,
                };
                turn.events.push(Event::Performing { team: *team });
                Ok(())
            }
            Action::StartTimer => {
                if state.on_stage.is_none() {
                    return Err(Rejection::NoPerformer);
                }
                if state.timer.running_since.is_none() {
                    state.timer.running_since = Some(now);
                }
                Ok(())
            }
            Action::StopTimer => {
                let team = state.on_stage.ok_or(Rejection::NoPerformer)?;
                state.timer.stop(now);
                state.performance(team)?.stage_ms = state.timer.counted_ms;
                Ok(())
            }
            Action::ShowTimer { shown } => {
                state.timer_shown = *shown;
                Ok(())
            }
            Action::Draw { team, pick } => self.draw(state, *team, *pick, turn),
            Action::Score { judge, team, marks } => {
                if *judge >= turn.judge_count {
                    return Err(Rejection::UnknownJudge);
                }
                self.check_marks(marks)?;
                let performance = state.performance(*team)?;
                if performance.result.is_some() {
                    return Err(Rejection::ScoringClosed);
                }
                performance.marks[*judge] = Some(marks.clone());
                turn.events.push(Event::MarksGiven {
                    judge: *judge,
                    team: *team,
                });
                Ok(())
            }
            Action::Close { team } => self.close(state, *team, turn),
            Action::Reopen { team } => {
                let performance = state.performance(*team)?;
                let Some(result) = performance.result.take() else {
                    return Err(Rejection::ScoringOpen);
                };
                state.revealed.retain(|t| t != team);
                turn.score(&[(*team, -result)], false);
                turn.events.push(Event::ScoringReopened { team: *team });
                Ok(())
            }
            Action::Penalty {
                team,
                points,
                reason,
            } => self.penalty(state, *team, *points, reason, turn),
            Action::Reveal { team } => {
                if state.performance(*team)?.result.is_none() {
                    return Err(Rejection::ScoringOpen);
                }
                if state.revealed.contains(team) {
                    return Err(Rejection::AlreadyShown);
                }
                state.revealed.push(*team);
                turn.events.push(Event::ResultRevealed { team: *team });
                Ok(())
            }
        }
    }

    /// `team` draws the `pick`th situation not drawn yet (modulo their number).
    fn draw(
        &self,
        state: &mut JudgedState,
        team: TeamId,
        pick: u64,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        if state.performance(team)?.situation.is_some() {
            return Err(Rejection::AlreadyDrawn);
        }
        let drawn: Vec<usize> = state
            .performances
            .iter()
            .filter_map(|p| p.situation)
            .collect();
        let left: Vec<usize> = (0..self.situations.len())
            .filter(|s| !drawn.contains(s))
            .collect();
        if left.is_empty() {
            return Err(Rejection::NothingToDraw);
        }
        let situation = left[(pick % left.len() as u64) as usize];
        state.performance(team)?.situation = Some(situation);
        turn.events.push(Event::SituationDrawn { team, situation });
        Ok(())
    }

    /// Closes `team`'s scoring: the judges' marks make its result, which scores.
    fn close(
        &self,
        state: &mut JudgedState,
        team: TeamId,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let performance = state.performance(team)?;
        if performance.result.is_some() {
            return Err(Rejection::ScoringClosed);
        }
        let given: Vec<&Vec<Points>> = performance.marks.iter().flatten().collect();
        if given.len() < self.rules.min_judges.max(1) {
            return Err(Rejection::TooFewMarks);
        }
        let weighted: Vec<i128> = given.iter().map(|m| self.weighted(m)).collect();
        let result = self
            .rules
            .aggregate
            .of(&weighted, self.rules.decimals)
            .ok_or(Rejection::TooFewMarks)?;
        performance.result = Some(result);
        let applied = turn.score(&[(team, result)], false);
        turn.events.push(Event::ScoringClosed {
            team,
            result,
            delta: applied.first().map_or(Points::ZERO, |c| c.delta),
        });
        Ok(())
    }

    /// Takes `points` from `team` for its performance, with `reason`.
    fn penalty(
        &self,
        state: &mut JudgedState,
        team: TeamId,
        points: Points,
        reason: &str,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let reason = reason.trim();
        if points == Points::ZERO || points.hundredths().abs() > MAX_POINTS * 100 {
            return Err(Rejection::InvalidAdjustment("the penalty must not be zero"));
        }
        if reason.is_empty() || reason.chars().count() > MAX_PENALTY_REASON_CHARS {
            return Err(Rejection::InvalidAdjustment("a short reason is required"));
        }
        state.performance(team)?.penalties.push(Penalty {
            points,
            reason: reason.to_string(),
        });
        let applied = turn.score(&[(team, -points)], false);
        turn.events.push(Event::ScoreAdjusted {
            team,
            delta: applied.first().map_or(Points::ZERO, |c| c.delta),
            reason: reason.to_string(),
        });
        Ok(())
    }

    /// Stops the timer of the team leaving the stage and keeps its time.
    fn leave_stage(&self, state: &mut JudgedState, now: Time) {
        if let Some(team) = state.on_stage {
            state.timer.stop(now);
            let counted = state.timer.counted_ms;
            if let Some(performance) = state.performances.get_mut(team.0) {
                performance.stage_ms = counted;
            }
        }
    }

    /// The highest mark of each criterion (one entry without criteria).
    pub fn maxima(&self) -> Vec<Points> {
        if self.rules.criteria.is_empty() {
            vec![self.rules.scale_max]
        } else {
            self.rules
                .criteria
                .iter()
                .map(|c| c.max.unwrap_or(self.rules.scale_max))
                .collect()
        }
    }

    fn check_marks(&self, marks: &[Points]) -> Result<(), Rejection> {
        let maxima = self.maxima();
        if marks.len() != maxima.len() {
            return Err(Rejection::InvalidMark("one mark per criterion"));
        }
        for (mark, max) in marks.iter().zip(maxima) {
            if *mark < Points::ZERO || *mark > max {
                return Err(Rejection::InvalidMark("outside the scale"));
            }
            if mark.hundredths() % self.rules.step.hundredths().max(1) != 0 {
                return Err(Rejection::InvalidMark("not a step of the scale"));
            }
        }
        Ok(())
    }

    /// A judge's mark for a team, in ten-thousandths of a point: each criterion's mark times
    /// its weight, summed (exact: hundredths times hundredths).
    pub fn weighted(&self, marks: &[Points]) -> i128 {
        if self.rules.criteria.is_empty() {
            return marks
                .first()
                .map_or(0, |m| i128::from(m.hundredths()) * 100);
        }
        marks
            .iter()
            .zip(&self.rules.criteria)
            .map(|(mark, c)| i128::from(mark.hundredths()) * i128::from(c.weight().hundredths()))
            .sum()
    }

    /// The time over the limit of a performance that lasted `stage_ms`, and the penalty the MC
    /// is offered for it: `penalty_per_minute` per started minute over.
    pub fn suggested_penalty(&self, stage_ms: u64) -> Option<(u64, Points)> {
        let limit = self.rules.time_limit_ms?;
        let over = stage_ms.checked_sub(limit).filter(|over| *over > 0)?;
        let minutes = over.div_ceil(60_000) as i64;
        let points = Points::from_hundredths(
            self.rules
                .penalty_per_minute
                .hundredths()
                .saturating_mul(minutes),
        );
        Some((over, points))
    }
}

impl Aggregate {
    /// The result of judges' marks given in ten-thousandths, rounded once, half away from zero,
    /// to `decimals`. `None` when there are too few marks for this aggregate.
    pub fn of(self, marks: &[i128], decimals: u8) -> Option<Points> {
        let sum: i128 = marks.iter().sum();
        let (total, count) = match self {
            Aggregate::Sum if !marks.is_empty() => (sum, 1),
            Aggregate::Mean if !marks.is_empty() => (sum, marks.len() as i128),
            Aggregate::TrimmedMean if marks.len() >= 3 => {
                let highest = marks.iter().max()?;
                let lowest = marks.iter().min()?;
                (sum - highest - lowest, marks.len() as i128 - 2)
            }
            _ => return None,
        };
        // total / count is in ten-thousandths; keep `decimals` of them.
        let unit = 10_i128.pow(4 - u32::from(decimals.min(2)));
        let divisor = count * unit;
        let rounded = (2 * total.abs() + divisor) / (2 * divisor) * total.signum();
        let hundredths = rounded * unit / 100;
        i64::try_from(hundredths).ok().map(Points::from_hundredths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{ContestBuilder, Game, Stage};

    const A: TeamId = TeamId(0);
    const B: TeamId = TeamId(1);
    const C: TeamId = TeamId(2);

    fn p(hundredths: i64) -> Points {
        Points::from_hundredths(hundredths)
    }

    fn t(ms: u64) -> Time {
        Time::from_millis(ms)
    }

    /// Three teams, `judges` judges, one judged round with `rules` and two situations; its
    /// title is on stage.
    fn game(judges: usize, rules: JudgedRules) -> Game {
        let mut builder = ContestBuilder::new("Hội thi")
            .team("a", "Đội A")
            .team("b", "Đội B")
            .team("c", "Đội C");
        for j in 0..judges {
            builder = builder.judge(format!("gk{j}"), format!("Giám khảo {j}"));
        }
        let situations = (1..=2)
            .map(|i| Situation {
                title: format!("Tình huống {i}"),
                text: format!("Người dân phản ánh việc {i}…"),
            })
            .collect();
        let contest = builder
            .judged("Xử lý tình huống", rules, situations)
            .build();
        contest.validate().expect("valid");
        let mut game = Game::new(contest);
        game.apply(&Command::StartRound { round: 0 }, t(0))
            .expect("start");
        game
    }

    fn act(game: &mut Game, action: Action, at: Time) -> Result<Vec<Event>, Rejection> {
        game.apply(&Command::Judged(action), at)
    }

    fn score(game: &mut Game, judge: usize, team: TeamId, marks: &[i64]) {
        let marks = marks.iter().map(|h| p(*h)).collect();
        act(game, Action::Score { judge, team, marks }, t(1)).expect("score");
    }

    fn state(game: &Game) -> &JudgedState {
        match &game.round_states[0] {
            RoundState::Judged(state) => state,
            other => panic!("not judged: {other:?}"),
        }
    }

    #[test]
    fn the_mean_of_half_point_marks_is_rounded_once_half_away_from_zero() {
        let mut game = game(3, JudgedRules::default());
        // 8.5 + 9 + 8.5 = 26 → 8.666… → 8.67.
        score(&mut game, 0, A, &[850]);
        score(&mut game, 1, A, &[900]);
        score(&mut game, 2, A, &[850]);
        let events = act(&mut game, Action::Close { team: A }, t(2)).expect("close");
        assert!(events.contains(&Event::ScoringClosed {
            team: A,
            result: p(867),
            delta: p(867)
        }));
        assert_eq!(game.scores(), &[p(867), p(0), p(0)]);
        assert_eq!(game.round_scores()[0], vec![p(867), p(0), p(0)]);
        // Exactly halfway rounds away from zero: (8 + 8.5 + 8.5 + 8.5) / 4 = 8.375 → 8.38.
        assert_eq!(
            Aggregate::Mean.of(&[80_000, 85_000, 85_000, 85_000], 2),
            Some(p(838))
        );
        assert_eq!(Aggregate::Mean.of(&[85_000, 90_000], 0), Some(p(900)));
        assert_eq!(Aggregate::Mean.of(&[80_000, 85_000], 1), Some(p(830)));
        assert_eq!(Aggregate::Mean.of(&[80_000, 84_000], 1), Some(p(820)));
        assert_eq!(Aggregate::Mean.of(&[], 2), None);
    }

    #[test]
    fn the_trimmed_mean_drops_one_highest_and_one_lowest_mark() {
        let rules = JudgedRules {
            aggregate: Aggregate::TrimmedMean,
            min_judges: 3,
            ..JudgedRules::default()
        };
        let mut game = game(5, rules);
        // 10 and 5 dropped (one each); 9, 9, 7.5 → 8.5.
        for (judge, mark) in [1000, 900, 500, 900, 750].into_iter().enumerate() {
            score(&mut game, judge, B, &[mark]);
        }
        act(&mut game, Action::Close { team: B }, t(2)).expect("close");
        assert_eq!(game.scores()[1], p(850));
        // Ties at the top: only one of the equal highest marks is dropped.
        assert_eq!(
            Aggregate::TrimmedMean.of(&[90_000, 90_000, 70_000], 2),
            Some(p(900))
        );
        assert_eq!(Aggregate::TrimmedMean.of(&[90_000, 70_000], 2), None);
        // Two marks cannot close a trimmed-mean team.
        score(&mut game, 0, C, &[800]);
        score(&mut game, 1, C, &[800]);
        assert_eq!(
            act(&mut game, Action::Close { team: C }, t(3)),
            Err(Rejection::TooFewMarks)
        );
    }

    #[test]
    fn the_sum_adds_every_judges_mark() {
        let rules = JudgedRules {
            aggregate: Aggregate::Sum,
            ..JudgedRules::default()
        };
        let mut game = game(3, rules);
        for (judge, mark) in [850, 900, 950].into_iter().enumerate() {
            score(&mut game, judge, C, &[mark]);
        }
        act(&mut game, Action::Close { team: C }, t(2)).expect("close");
        assert_eq!(game.scores()[2], p(2700));
    }

    #[test]
    fn criteria_count_by_their_weights_and_their_own_maxima() {
        // Content 50 %, presentation 30 %, time 20 %, each out of 10.
        let weighted = JudgedRules {
            criteria: ["Nội dung", "Trình bày", "Thời gian"]
                .iter()
                .zip([50, 30, 20])
                .map(|(name, percent)| Criterion {
                    name: (*name).into(),
                    max: None,
                    weight: Some(p(percent)),
                })
                .collect(),
            ..JudgedRules::default()
        };
        let mut game1 = game(2, weighted);
        // 0.5×9 + 0.3×8 + 0.2×10 = 8.9 and 0.5×8 + 0.3×7.5 + 0.2×10 = 8.25 → mean 8.575 → 8.58.
        score(&mut game1, 0, A, &[900, 800, 1000]);
        score(&mut game1, 1, A, &[800, 750, 1000]);
        act(&mut game1, Action::Close { team: A }, t(2)).expect("close");
        assert_eq!(game1.scores()[0], p(858));
        // Criteria out of 5, 3 and 2 simply add up.
        let parts = JudgedRules {
            criteria: [("Nội dung", 500), ("Hình thức", 300), ("Thời gian", 200)]
                .iter()
                .map(|(name, max)| Criterion {
                    name: (*name).into(),
                    max: Some(p(*max)),
                    weight: None,
                })
                .collect(),
            ..JudgedRules::default()
        };
        let mut game2 = game(1, parts);
        score(&mut game2, 0, B, &[450, 250, 200]);
        act(&mut game2, Action::Close { team: B }, t(2)).expect("close");
        assert_eq!(game2.scores()[1], p(900));
        // A criterion's own maximum bounds its mark.
        let over = Action::Score {
            judge: 0,
            team: C,
            marks: vec![p(500), p(350), p(200)],
        };
        assert_eq!(
            act(&mut game2, over, t(3)),
            Err(Rejection::InvalidMark("outside the scale"))
        );
    }

    #[test]
    fn marks_must_be_steps_of_the_scale_one_per_criterion() {
        let mut game = game(2, JudgedRules::default());
        for (marks, why) in [
            (vec![p(825)], "not a step of the scale"),
            (vec![p(1050)], "outside the scale"),
            (vec![p(-50)], "outside the scale"),
            (vec![p(800), p(800)], "one mark per criterion"),
        ] {
            let action = Action::Score {
                judge: 0,
                team: A,
                marks,
            };
            assert_eq!(
                act(&mut game, action, t(1)),
                Err(Rejection::InvalidMark(why))
            );
        }
        let stranger = Action::Score {
            judge: 2,
            team: A,
            marks: vec![p(800)],
        };
        assert_eq!(act(&mut game, stranger, t(1)), Err(Rejection::UnknownJudge));
    }

    #[test]
    fn a_judge_changes_a_mark_until_scoring_closes_and_not_after() {
        let mut game = game(2, JudgedRules::default());
        score(&mut game, 0, A, &[700]);
        score(&mut game, 0, A, &[750]);
        score(&mut game, 1, A, &[800]);
        act(&mut game, Action::Close { team: A }, t(2)).expect("close");
        assert_eq!(game.scores()[0], p(775));
        let late = Action::Score {
            judge: 1,
            team: A,
            marks: vec![p(1000)],
        };
        let before = game.clone();
        assert_eq!(
            act(&mut game, late.clone(), t(3)),
            Err(Rejection::ScoringClosed)
        );
        assert_eq!(game, before);
        // Reopened by the secretary, the result is taken back and marks can change again.
        act(&mut game, Action::Reopen { team: A }, t(4)).expect("reopen");
        assert_eq!(game.scores()[0], p(0));
        act(&mut game, late, t(5)).expect("changed");
        act(&mut game, Action::Close { team: A }, t(6)).expect("close again");
        assert_eq!(game.scores()[0], p(875));
    }

    #[test]
    fn undo_takes_back_a_closing_with_its_result() {
        let mut game = game(1, JudgedRules::default());
        score(&mut game, 0, B, &[950]);
        let before = game.clone();
        act(&mut game, Action::Close { team: B }, t(2)).expect("close");
        let events = game.apply(&Command::Undo, t(3)).expect("undo");
        assert_eq!(
            events,
            vec![Event::Undone {
                team: B,
                delta: p(950)
            }]
        );
        assert_eq!(game.scores(), before.scores());
        assert_eq!(state(&game), state(&before));
        assert_eq!(game.round_scores(), before.round_scores());
    }

    #[test]
    fn closing_needs_the_rounds_fewest_judges() {
        let rules = JudgedRules {
            min_judges: 2,
            ..JudgedRules::default()
        };
        let mut game = game(3, rules);
        assert_eq!(
            act(&mut game, Action::Close { team: A }, t(1)),
            Err(Rejection::TooFewMarks)
        );
        score(&mut game, 2, A, &[900]);
        assert_eq!(
            act(&mut game, Action::Close { team: A }, t(1)),
            Err(Rejection::TooFewMarks)
        );
        score(&mut game, 0, A, &[800]);
        act(&mut game, Action::Close { team: A }, t(2)).expect("two judges scored");
        assert_eq!(game.scores()[0], p(850));
    }

    #[test]
    fn each_situation_is_drawn_once() {
        let mut game = game(1, JudgedRules::default());
        let draw = |team, pick| Action::Draw { team, pick };
        let events = act(&mut game, draw(A, 7), t(1)).expect("draw");
        // 7 mod 2 = 1: the second of the two.
        assert_eq!(
            events,
            vec![Event::SituationDrawn {
                team: A,
                situation: 1
            }]
        );
        assert_eq!(
            act(&mut game, draw(A, 0), t(2)),
            Err(Rejection::AlreadyDrawn)
        );
        let events = act(&mut game, draw(B, 7), t(3)).expect("draw");
        assert_eq!(
            events,
            vec![Event::SituationDrawn {
                team: B,
                situation: 0
            }]
        );
        assert_eq!(
            act(&mut game, draw(C, 0), t(4)),
            Err(Rejection::NothingToDraw)
        );
    }

    #[test]
    fn the_stage_timer_counts_each_teams_time_and_suggests_the_penalty() {
        let rules = JudgedRules {
            time_limit_ms: Some(180_000),
            penalty_per_minute: p(100),
            ..JudgedRules::default()
        };
        let mut game = game(1, rules.clone());
        assert_eq!(
            act(&mut game, Action::StartTimer, t(0)),
            Err(Rejection::NoPerformer)
        );
        act(&mut game, Action::Perform { team: A }, t(0)).expect("perform");
        act(&mut game, Action::StartTimer, t(1_000)).expect("start");
        act(&mut game, Action::StopTimer, t(61_000)).expect("stop");
        act(&mut game, Action::StartTimer, t(100_000)).expect("resume");
        // B is called while A's timer runs: A keeps its 60 s + 150 s.
        act(&mut game, Action::Perform { team: B }, t(250_000)).expect("next");
        assert_eq!(state(&game).performances[0].stage_ms, 210_000);
        assert_eq!(state(&game).timer.elapsed_ms(t(300_000)), 0);
        let round = JudgedRound {
            title: "x".into(),
            description: String::new(),
            rules,
            situations: Vec::new(),
        };
        // 30 s over: one started minute.
        assert_eq!(round.suggested_penalty(210_000), Some((30_000, p(100))));
        assert_eq!(round.suggested_penalty(180_000), None);
        assert_eq!(round.suggested_penalty(301_000), Some((121_000, p(300))));
    }

    #[test]
    fn a_penalty_is_taken_with_its_reason_and_undone_exactly() {
        let mut game = game(1, JudgedRules::default());
        let penalty = |points| Action::Penalty {
            team: C,
            points,
            reason: "quá giờ 1 phút".into(),
        };
        act(&mut game, penalty(p(100)), t(1)).expect("penalty");
        assert_eq!(game.scores()[2], p(-100));
        assert_eq!(state(&game).performances[2].penalties.len(), 1);
        assert!(act(&mut game, penalty(p(0)), t(2)).is_err());
        game.apply(&Command::Undo, t(3)).expect("undo");
        assert_eq!(game.scores()[2], p(0));
        assert!(state(&game).performances[2].penalties.is_empty());
    }

    #[test]
    fn a_result_is_revealed_once_and_only_after_closing() {
        let mut game = game(1, JudgedRules::default());
        assert_eq!(
            act(&mut game, Action::Reveal { team: A }, t(1)),
            Err(Rejection::ScoringOpen)
        );
        score(&mut game, 0, A, &[900]);
        act(&mut game, Action::Close { team: A }, t(2)).expect("close");
        act(&mut game, Action::Reveal { team: A }, t(3)).expect("reveal");
        assert_eq!(
            act(&mut game, Action::Reveal { team: A }, t(4)),
            Err(Rejection::AlreadyShown)
        );
        assert_eq!(state(&game).revealed, vec![A]);
    }

    #[test]
    fn the_panel_acts_only_while_its_rounds_title_is_on_stage() {
        let mut game = game(1, JudgedRules::default());
        game.apply(
            &Command::ShowSlide {
                slide: crate::game::Slide::Intermission {
                    caption: String::new(),
                },
            },
            t(1),
        )
        .expect("slide");
        let action = Action::Perform { team: A };
        assert_eq!(
            act(&mut game, action.clone(), t(2)),
            Err(Rejection::RoundNotOnStage)
        );
        game.apply(&Command::StartRound { round: 0 }, t(3))
            .expect("back to the round");
        assert_eq!(game.stage(), &Stage::RoundIntro { round: 0 });
        act(&mut game, action, t(4)).expect("perform");
    }

    #[test]
    fn a_judged_round_needs_enough_judges_and_sound_rules() {
        let rules = JudgedRules {
            scale_max: p(1000),
            step: p(300),
            aggregate: Aggregate::TrimmedMean,
            min_judges: 1,
            decimals: 3,
            ..JudgedRules::default()
        };
        let contest = ContestBuilder::new("Hội thi")
            .team("a", "Đội A")
            .judge("a", "Giám khảo")
            .judged("Năng khiếu", rules, Vec::new())
            .build();
        let problems = contest.validate().expect_err("invalid").to_string();
        for expected in [
            "judges[0].id: \"a\" is already a team's or a judge's id",
            "rounds[0].rules.step: the scale (10) is not a multiple of it",
            "rounds[0].rules.decimals: must be 0, 1 or 2",
            "rounds[0].rules.min_judges: must be at least 3 with this aggregate",
        ] {
            assert!(problems.contains(expected), "{expected} in {problems}");
        }
    }

    #[test]
    fn a_stored_round_state_must_fit_the_contest() {
        let mut game = game(2, JudgedRules::default());
        score(&mut game, 0, A, &[900]);
        assert_eq!(game.validate(), Ok(()));
        let mut saved = serde_json::to_value(&game).expect("save");
        saved["round_states"][0]["performances"][0]["marks"]
            .as_array_mut()
            .expect("marks")
            .push(serde_json::Value::Null);
        let damaged: Game = serde_json::from_value(saved).expect("reads");
        assert!(damaged.validate().is_err());
    }
}
