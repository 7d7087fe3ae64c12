//! The "Về đích" finish of "Đường lên đỉnh Olympia": each team in turn chooses its pack of
//! questions by value (e.g. three of 20 or 30 points) and answers them alone; before a question
//! it may declare its star of hope ("ngôi sao hy vọng", once per team): double the points if
//! right, lose the value if wrong. When the team on turn answers wrong, the MC opens a steal:
//! the other teams buzz within a short window, decided by the shared fair race, and the first
//! presser answers in a few seconds. A right steal earns the value (and may take it from the
//! team on turn: a rule); a wrong one costs part of it.
//!
//! The steal is a buzz-in race ([`BuzzInQuestion`]) with the team on turn already out of it,
//! so press times, the settle window, false starts and the evidence are the same as in a
//! buzz-in round.

use serde::{Deserialize, Serialize};

use super::buzz_in::{BuzzInQuestion, CloseReason, Phase, Setting};
use super::{QuestionKind, QuestionPlay, RoundKind, RoundState, Turn};
use crate::game::contest::{
    Contest, DEFAULT_PRESS_ALLOWANCE_CAP_MS, MAX_FAIRNESS_MS, MAX_POINTS, MAX_WINDOW_MS, Problems,
    Question,
};
use crate::game::{
    BuzzInRules, Command, Event, FalseStartRule, Points, Rejection, TeamId, Time, Verdict,
};

/// The most question values a round may offer.
pub const MAX_VALUES: usize = 4;
/// The most questions in a pack.
pub const MAX_PACK_SIZE: usize = 10;

/// A "Về đích" round: its rules and its pool of questions, each worth one of the values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OlympiaRound {
    /// Title shown on stage, e.g. "Về đích".
    pub title: String,
    /// How the round is played; every field has a default.
    #[serde(default)]
    pub rules: OlympiaRules,
    /// The pool: each question's `points` is one of the rules' `values`; a pack takes the
    /// first questions of its values not asked yet.
    pub questions: Vec<Question>,
}

/// Rules of a "Về đích" round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OlympiaRules {
    /// The values a question may have (20 and 30 on television).
    pub values: Vec<i64>,
    /// Time to answer a question of each value, like `values` (ms); a question may set its own.
    pub answer_times_ms: Vec<u64>,
    /// Questions in a pack.
    pub pack_size: usize,
    /// How long the other teams may buzz to steal after a wrong answer.
    pub steal_window_ms: u64,
    /// How long the stealer has to answer.
    pub steal_answer_ms: u64,
    /// A right steal takes its value from the team on turn (else it only earns it).
    pub steal_takes_from_main: bool,
    /// What a wrong steal costs, in percent of the value (50: half).
    pub wrong_steal_percent: i64,
    /// Whether teams may declare a star of hope (once each).
    pub star_of_hope: bool,
    /// The most a claimed press time may precede its arrival, for steals.
    pub press_allowance_cap_ms: u64,
    /// The longest wait after a first steal buzz for earlier presses still in flight.
    pub settle_max_ms: u64,
    /// What a steal buzz before the steal opens costs.
    pub false_start: FalseStartRule,
    /// With the `lockout` rule: how long a false start locks the team's buzzer.
    pub false_start_lockout_ms: u64,
}

impl Default for OlympiaRules {
    fn default() -> Self {
        OlympiaRules {
            values: vec![20, 30],
            answer_times_ms: vec![15_000, 20_000],
            pack_size: 3,
            steal_window_ms: 5_000,
            steal_answer_ms: 3_000,
            steal_takes_from_main: true,
            wrong_steal_percent: 50,
            star_of_hope: true,
            press_allowance_cap_ms: DEFAULT_PRESS_ALLOWANCE_CAP_MS,
            settle_max_ms: 100,
            false_start: FalseStartRule::Lockout,
            false_start_lockout_ms: 250,
        }
    }
}

impl OlympiaRules {
    /// The steal as a buzz-in race: one window, one answer, no reopening.
    pub fn steal_rules(&self) -> BuzzInRules {
        BuzzInRules {
            buzz_window_ms: self.steal_window_ms,
            answer_window_ms: self.steal_answer_ms,
            points: 0,
            penalty: 0,
            reopen_after_wrong: false,
            floor_at_zero: false,
            press_allowance_cap_ms: self.press_allowance_cap_ms,
            settle_max_ms: self.settle_max_ms,
            false_start: self.false_start,
            false_start_lockout_ms: self.false_start_lockout_ms,
        }
    }
}

/// What the MC does for the round as a whole (between questions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// It is `team`'s turn (each team has one, in the order the MC calls them).
    StartTurn {
        /// The team.
        team: TeamId,
    },
    /// The team on turn chooses the values of its pack, in the order it answers them.
    ChoosePack {
        /// One value per question, each one of the round's values.
        values: Vec<i64>,
    },
    /// The team on turn declares its star of hope for its next question.
    Star,
}

/// What the round keeps across its questions: the turns, the pool, the star declared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlympiaState {
    /// Turns in the order they were played; the last one may be in progress.
    pub turns: Vec<FinishTurn>,
    /// Which questions of the pool have been asked, like the round's questions.
    pub used: Vec<bool>,
    /// A star of hope declared for the next question of the turn.
    pub star_pending: bool,
}

/// One team's turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishTurn {
    /// The team on turn.
    pub team: TeamId,
    /// The values it chose (empty until it chooses).
    pub pack: Vec<i64>,
    /// The questions of the pool asked so far, in order.
    pub asked: Vec<usize>,
    /// Which of its questions carried its star of hope (position in the pack).
    pub star: Option<usize>,
    /// How each question asked went, like `asked`.
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
}

/// How one question of a turn went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The MC's verdict on the team on turn, once given.
    pub main: Option<Verdict>,
    /// The team that won the steal race, if one did.
    pub stealer: Option<TeamId>,
    /// The MC's verdict on the stealer, once given.
    pub steal: Option<Verdict>,
}

impl FinishTurn {
    fn complete(&self) -> bool {
        !self.pack.is_empty() && self.asked.len() >= self.pack.len()
    }
}

impl OlympiaState {
    /// The turn in progress.
    pub fn current(&self) -> Option<&FinishTurn> {
        self.turns.last().filter(|turn| !turn.complete())
    }

    fn current_mut(&mut self) -> Option<&mut FinishTurn> {
        self.turns.last_mut().filter(|turn| !turn.complete())
    }
}

/// Where the team on turn stands on its question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum MainPhase {
    /// The question is read; the clock has not started.
    Ready,
    /// The team answers until `deadline`.
    Answering {
        /// When its time is up.
        deadline: Time,
    },
    /// Its time is up; the MC still judges.
    TimeUp,
    /// It answered right.
    Right,
    /// It answered wrong (or not at all): the others may steal.
    Wrong,
}

/// The state of one "Về đích" question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OlympiaQuestion {
    /// The team on turn.
    pub team: TeamId,
    /// The question's value.
    pub value: i64,
    /// The team's star of hope is on this question.
    pub star: bool,
    /// Where the team on turn stands.
    pub main: MainPhase,
    /// The steal race among the other teams (the team on turn is out of it from the start).
    pub steal: BuzzInQuestion,
}

impl RoundKind for OlympiaRound {
    const NAME: &'static str = "olympia_finish";

    fn title(&self) -> &str {
        &self.title
    }

    fn questions(&self) -> &[Question] {
        &self.questions
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        let rules = &self.rules;
        let values_ok = !rules.values.is_empty() && rules.values.len() <= MAX_VALUES;
        if !values_ok {
            problems.add(
                format!("{at}.rules.values"),
                format!("1 to {MAX_VALUES} values"),
            );
        }
        for (i, value) in rules.values.iter().enumerate() {
            if !(1..=MAX_POINTS).contains(value) {
                problems.add(
                    format!("{at}.rules.values[{i}]"),
                    format!("must be 1..={MAX_POINTS}"),
                );
            }
            if rules.values[..i].contains(value) {
                problems.add(format!("{at}.rules.values[{i}]"), "listed twice");
            }
        }
        if rules.answer_times_ms.len() != rules.values.len() {
            problems.add(
                format!("{at}.rules.answer_times_ms"),
                "one time per value, in the order of values",
            );
        }
        for (i, time) in rules.answer_times_ms.iter().enumerate() {
            problems.window(format!("{at}.rules.answer_times_ms[{i}]"), *time);
        }
        problems.range(
            format!("{at}.rules.pack_size"),
            rules.pack_size,
            1,
            MAX_PACK_SIZE,
            "",
        );
        problems.window(format!("{at}.rules.steal_window_ms"), rules.steal_window_ms);
        problems.window(format!("{at}.rules.steal_answer_ms"), rules.steal_answer_ms);
        problems.range(
            format!("{at}.rules.wrong_steal_percent"),
            rules.wrong_steal_percent,
            0,
            100,
            " %",
        );
        for (name, value) in [
            ("press_allowance_cap_ms", rules.press_allowance_cap_ms),
            ("settle_max_ms", rules.settle_max_ms),
        ] {
            problems.range(
                format!("{at}.rules.{name}"),
                value,
                0,
                MAX_FAIRNESS_MS,
                " ms",
            );
        }
        problems.range(
            format!("{at}.rules.false_start_lockout_ms"),
            rules.false_start_lockout_ms,
            0,
            MAX_WINDOW_MS,
            " ms",
        );
        if self.questions.is_empty() {
            problems.add(
                format!("{at}.questions"),
                "a round needs at least one question",
            );
        }
        for (q, question) in self.questions.iter().enumerate() {
            let at = format!("{at}.questions[{q}]");
            match question.points {
                Some(points) if rules.values.contains(&points) => {}
                Some(points) => problems.add(
                    format!("{at}.points"),
                    format!(
                        "{points} is not one of the round's values {:?}",
                        rules.values
                    ),
                ),
                None => problems.add(
                    format!("{at}.points"),
                    format!(
                        "a Về đích question needs its value, one of {:?}",
                        rules.values
                    ),
                ),
            }
            if !question.options.is_empty() {
                problems.add(
                    format!("{at}.options"),
                    "options belong to multiple-choice questions",
                );
            }
            if let Some(time_ms) = question.time_ms {
                problems.window(format!("{at}.time_ms"), time_ms);
            }
        }
    }

    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String> {
        if self.rules != amended.rules {
            return Err(format!("the rules of {place} changed"));
        }
        let scoring = |q: &Question| (q.points, q.time_ms);
        if self.questions.len() != amended.questions.len()
            || self
                .questions
                .iter()
                .map(scoring)
                .ne(amended.questions.iter().map(scoring))
        {
            return Err(format!("the questions' values or times in {place} changed"));
        }
        Ok(())
    }

    fn new_state(&self, _contest: &Contest) -> RoundState {
        RoundState::Olympia(OlympiaState {
            used: vec![false; self.questions.len()],
            ..OlympiaState::default()
        })
    }

    fn state_fits(&self, state: &RoundState, contest: &Contest) -> bool {
        let RoundState::Olympia(state) = state else {
            return false;
        };
        let pool = self.questions.len();
        state.used.len() == pool
            && state.turns.iter().all(|turn| {
                turn.team.0 < contest.teams.len()
                    && turn.asked.iter().all(|q| *q < pool)
                    && turn.pack.iter().all(|v| self.rules.values.contains(v))
            })
    }

    fn next_question(
        &self,
        state: &RoundState,
        _shown: usize,
        team_count: usize,
    ) -> Result<Option<usize>, Rejection> {
        let RoundState::Olympia(state) = state else {
            return Err(Rejection::WrongKind);
        };
        let Some(turn) = state.current() else {
            // Between turns: the next team is called first; after the last, the round is over.
            return match state.turns.len() >= team_count {
                true => Ok(None),
                false => Err(Rejection::NoTurn),
            };
        };
        let Some(value) = turn.pack.get(turn.asked.len()) else {
            return Err(Rejection::NoPack);
        };
        Ok(self.first_unused(state, *value))
    }

    fn played(&self, state: &RoundState, _shown: usize, team_count: usize) -> bool {
        let RoundState::Olympia(state) = state else {
            return false;
        };
        state.turns.len() >= team_count && state.current().is_none()
    }
}

impl OlympiaRound {
    fn first_unused(&self, state: &OlympiaState, value: i64) -> Option<usize> {
        (0..self.questions.len())
            .find(|q| !state.used[*q] && self.questions[*q].points == Some(value))
    }

    /// Time to answer `question`.
    pub fn answer_time_ms(&self, question: usize) -> u64 {
        let question = self.questions.get(question);
        let by_value = question
            .and_then(|q| q.points)
            .and_then(|v| self.rules.values.iter().position(|x| *x == v))
            .and_then(|i| self.rules.answer_times_ms.get(i).copied());
        question
            .and_then(|q| q.time_ms)
            .or(by_value)
            .unwrap_or(15_000)
    }

    /// Applies a command for the round as a whole.
    pub(crate) fn apply_round(
        &self,
        state: &mut OlympiaState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let Command::Olympia(action) = command else {
            return Err(Rejection::WrongKind);
        };
        match action {
            Action::StartTurn { team } => {
                if team.0 >= turn.team_count {
                    return Err(Rejection::UnknownTeam);
                }
                if state.current().is_some() {
                    return Err(Rejection::TurnInProgress);
                }
                if state.turns.iter().any(|t| t.team == *team) {
                    return Err(Rejection::TurnTaken);
                }
                state.turns.push(FinishTurn {
                    team: *team,
                    pack: Vec::new(),
                    asked: Vec::new(),
                    star: None,
                    outcomes: Vec::new(),
                });
                state.star_pending = false;
                turn.events.push(Event::TurnStarted { team: *team });
                Ok(())
            }
            Action::ChoosePack { values } => {
                let current = state.current().ok_or(Rejection::NoTurn)?;
                if !current.pack.is_empty() {
                    return Err(Rejection::PackChosen);
                }
                let team = current.team;
                if values.len() != self.rules.pack_size
                    || values.iter().any(|v| !self.rules.values.contains(v))
                {
                    return Err(Rejection::InvalidPack);
                }
                let enough = self.rules.values.iter().all(|value| {
                    let wanted = values.iter().filter(|v| *v == value).count();
                    let left = (0..self.questions.len())
                        .filter(|q| !state.used[*q] && self.questions[*q].points == Some(*value))
                        .count();
                    wanted <= left
                });
                if !enough {
                    return Err(Rejection::PackUnavailable);
                }
                if let Some(current) = state.current_mut() {
                    current.pack = values.clone();
                }
                turn.events.push(Event::PackChosen {
                    team,
                    values: values.clone(),
                });
                Ok(())
            }
            Action::Star => {
                if !self.rules.star_of_hope {
                    return Err(Rejection::NoStar);
                }
                let current = state.current().ok_or(Rejection::NoTurn)?;
                if current.pack.is_empty() {
                    return Err(Rejection::NoPack);
                }
                if current.star.is_some() || state.star_pending {
                    return Err(Rejection::StarUsed);
                }
                let team = current.team;
                state.star_pending = true;
                turn.events.push(Event::StarDeclared { team });
                Ok(())
            }
        }
    }

    fn setting<'a>(&self, rules: &'a BuzzInRules, turn: &Turn) -> Setting<'a> {
        Setting {
            rules,
            team_count: turn.team_count,
        }
    }

    /// Scores a judgement of the team on turn.
    fn judge_main(
        &self,
        play: &mut OlympiaQuestion,
        verdict: Verdict,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let value = Points::whole(play.value);
        let delta = match (verdict, play.star) {
            (Verdict::Correct, true) => value + value,
            (Verdict::Correct, false) => value,
            (Verdict::Wrong, true) => -value,
            (Verdict::Wrong, false) => Points::ZERO,
        };
        play.main = match verdict {
            Verdict::Correct => MainPhase::Right,
            Verdict::Wrong => MainPhase::Wrong,
        };
        let applied = turn.score(&[(play.team, delta)], false);
        turn.events.push(Event::Judged {
            team: play.team,
            verdict,
            delta: applied.first().map_or(Points::ZERO, |c| c.delta),
        });
        if verdict == Verdict::Correct || play.steal.eligible(turn.team_count).is_empty() {
            play.steal.phase = Phase::Closed {
                reason: if verdict == Verdict::Correct {
                    CloseReason::Correct
                } else {
                    CloseReason::AllTried
                },
            };
        }
        Ok(())
    }

    /// Scores a judgement of the stealer.
    fn judge_steal(
        &self,
        play: &mut OlympiaQuestion,
        verdict: Verdict,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let rules = self.rules.steal_rules();
        let setting = self.setting(&rules, turn);
        let change = play.steal.judge(verdict, setting, turn.now, turn.events)?;
        let value = Points::whole(play.value);
        let mut asked = match verdict {
            Verdict::Correct => vec![(change.team, value)],
            Verdict::Wrong => vec![(
                change.team,
                -Points::from_hundredths(value.hundredths() * self.rules.wrong_steal_percent / 100),
            )],
        };
        if verdict == Verdict::Correct && self.rules.steal_takes_from_main {
            asked.push((play.team, -value));
        }
        let applied = turn.score(&asked, false);
        turn.events.push(Event::Judged {
            team: change.team,
            verdict,
            delta: applied[0].delta,
        });
        if let Some(taken) = applied.get(1) {
            turn.events.push(Event::Stolen {
                from: play.team,
                delta: taken.delta,
            });
        }
        // One steal per question.
        play.steal.phase = Phase::Closed {
            reason: if verdict == Verdict::Correct {
                CloseReason::Correct
            } else {
                CloseReason::AllTried
            },
        };
        Ok(())
    }
}

impl QuestionKind for OlympiaRound {
    type Play = OlympiaQuestion;
    type State = OlympiaState;

    fn new_play(
        &self,
        question: usize,
        state: &mut OlympiaState,
        _teams: usize,
    ) -> OlympiaQuestion {
        let star = std::mem::take(&mut state.star_pending);
        if let Some(used) = state.used.get_mut(question) {
            *used = true;
        }
        let (team, value) = match state.current_mut() {
            Some(current) => {
                if star {
                    current.star = Some(current.asked.len());
                }
                let value = current.pack.get(current.asked.len()).copied().unwrap_or(0);
                current.asked.push(question);
                current.outcomes.push(Outcome::default());
                (current.team, value)
            }
            None => (TeamId(0), 0),
        };
        let mut steal = BuzzInQuestion::new();
        steal.tried.push(team);
        OlympiaQuestion {
            team,
            value,
            star,
            main: MainPhase::Ready,
            steal,
        }
    }

    fn fits(&self, play: &OlympiaQuestion, _question: usize, team_count: usize) -> bool {
        play.team.0 < team_count && play.steal.teams_fit(team_count)
    }

    fn tick(&self, play: &mut OlympiaQuestion, turn: &mut Turn) {
        if let MainPhase::Answering { deadline } = play.main
            && turn.now >= deadline
        {
            play.main = MainPhase::TimeUp;
            turn.events.push(Event::AnswerTimeUp { team: play.team });
        }
        let rules = self.rules.steal_rules();
        play.steal
            .tick(self.setting(&rules, turn), turn.now, turn.events);
    }

    fn apply(
        &self,
        play: &mut OlympiaQuestion,
        state: &mut OlympiaState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let rules = self.rules.steal_rules();
        let main_judged = matches!(play.main, MainPhase::Right | MainPhase::Wrong);
        match command {
            Command::OpenAnswers => match play.main {
                MainPhase::Ready => {
                    let question = turn.question.ok_or(Rejection::NoQuestion)?;
                    let deadline = turn.now.after(self.answer_time_ms(question));
                    play.main = MainPhase::Answering { deadline };
                    turn.events.push(Event::AnswersOpened { deadline });
                    Ok(())
                }
                MainPhase::Answering { .. } => Err(Rejection::AnswersOpen),
                _ => Err(Rejection::AnswersClosed),
            },
            Command::Judge { verdict } if !main_judged => {
                self.judge_main(play, *verdict, turn)?;
                record(state, play, |outcome| outcome.main = Some(*verdict));
                Ok(())
            }
            Command::Judge { verdict } => {
                let stealer = play.steal.floor();
                self.judge_steal(play, *verdict, turn)?;
                record(state, play, |outcome| {
                    outcome.stealer = stealer;
                    outcome.steal = Some(*verdict);
                });
                Ok(())
            }
            Command::OpenBuzzers { settle_us } => {
                if play.main != MainPhase::Wrong {
                    return Err(Rejection::AwaitingJudgement);
                }
                let setting = self.setting(&rules, turn);
                play.steal.open(setting, *settle_us, turn.now, turn.events)
            }
            Command::LockBuzzers => play.steal.lock(turn.events),
            Command::Buzz { team, claim } => {
                if *team == play.team {
                    return Err(Rejection::OwnQuestion);
                }
                if play.main == MainPhase::Right {
                    return Err(Rejection::QuestionClosed);
                }
                let setting = self.setting(&rules, turn);
                play.steal
                    .buzz(*team, *claim, setting, turn.now, turn.events)
            }
            Command::RevealAnswer => {
                if matches!(play.main, MainPhase::Answering { .. } | MainPhase::TimeUp) {
                    return Err(Rejection::AwaitingJudgement);
                }
                play.steal.reveal(turn.events)?;
                turn.events.push(Event::AnswerRevealed);
                Ok(())
            }
            _ => Err(Rejection::WrongKind),
        }
    }
}

/// Notes how the question on stage went, in the turn it belongs to (its last question).
fn record(state: &mut OlympiaState, play: &OlympiaQuestion, note: impl FnOnce(&mut Outcome)) {
    let turn = state.turns.iter_mut().rev().find(|t| t.team == play.team);
    if let Some(outcome) = turn.and_then(|t| t.outcomes.last_mut()) {
        note(outcome);
    }
}

impl QuestionPlay for OlympiaQuestion {
    fn next_deadline(&self) -> Option<Time> {
        match self.main {
            MainPhase::Answering { deadline } => Some(deadline),
            _ => self.steal.next_deadline(),
        }
    }

    fn can_leave(&self) -> Result<(), Rejection> {
        match self.main {
            MainPhase::Answering { .. } | MainPhase::TimeUp => Err(Rejection::AwaitingJudgement),
            _ => self.steal.can_leave(),
        }
    }

    fn wants_fast_sync(&self) -> bool {
        // Others may press (a false start counts) until the steal is over.
        self.main != MainPhase::Right && !matches!(self.steal.phase, Phase::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{ContestBuilder, Game, Play, Stage};

    const A: TeamId = TeamId(0);
    const B: TeamId = TeamId(1);
    const C: TeamId = TeamId(2);

    fn t(ms: u64) -> Time {
        Time::from_millis(ms)
    }

    fn w(points: i64) -> Points {
        Points::whole(points)
    }

    /// Three teams; a "Về đích" round of packs of two, three questions of 20 and three of 30,
    /// with `rules` changed by `change`; its title on stage.
    fn game(change: impl FnOnce(&mut OlympiaRules)) -> Game {
        let mut rules = OlympiaRules {
            pack_size: 2,
            settle_max_ms: 0,
            ..OlympiaRules::default()
        };
        change(&mut rules);
        let questions = [20, 30, 20, 30, 20, 30]
            .iter()
            .enumerate()
            .map(|(i, value)| Question {
                points: Some(*value),
                ..Question::new(format!("Câu {i}"), "đáp án")
            })
            .collect();
        let mut contest = ContestBuilder::new("Hội thi")
            .team("a", "Đội A")
            .team("b", "Đội B")
            .team("c", "Đội C")
            .build();
        contest
            .rounds
            .push(crate::game::Round::OlympiaFinish(OlympiaRound {
                title: "Về đích".into(),
                rules,
                questions,
            }));
        contest.validate().expect("valid");
        let mut game = Game::new(contest);
        game.apply(&Command::StartRound { round: 0 }, t(0))
            .expect("start");
        game
    }

    fn ok(game: &mut Game, command: Command, at: Time) -> Vec<Event> {
        game.apply(&command, at)
            .unwrap_or_else(|e| panic!("{command:?} refused: {e}"))
    }

    fn olympia(action: Action) -> Command {
        Command::Olympia(action)
    }

    fn play(game: &Game) -> &OlympiaQuestion {
        match game.stage() {
            Stage::Question(stage) => match &stage.play {
                Play::OlympiaFinish(play) => play,
                other => panic!("not Về đích: {other:?}"),
            },
            other => panic!("no question: {other:?}"),
        }
    }

    /// `team`'s turn with `pack`, its first question on stage.
    fn turn(game: &mut Game, team: TeamId, pack: &[i64], at: Time) {
        ok(game, olympia(Action::StartTurn { team }), at);
        let values = pack.to_vec();
        ok(game, olympia(Action::ChoosePack { values }), at);
        ok(game, Command::ShowNextQuestion, at);
    }

    fn judge(verdict: Verdict) -> Command {
        Command::Judge { verdict }
    }

    fn buzz(team: TeamId) -> Command {
        Command::Buzz { team, claim: None }
    }

    #[test]
    fn each_team_plays_its_pack_in_its_turn_and_once() {
        let mut game = game(|_| {});
        assert_eq!(
            game.apply(&Command::ShowNextQuestion, t(1)),
            Err(Rejection::NoTurn)
        );
        ok(&mut game, olympia(Action::StartTurn { team: B }), t(1));
        assert_eq!(
            game.apply(&Command::ShowNextQuestion, t(1)),
            Err(Rejection::NoPack)
        );
        for bad in [vec![20], vec![20, 25], vec![20, 30, 30]] {
            let choose = olympia(Action::ChoosePack { values: bad });
            assert_eq!(game.apply(&choose, t(1)), Err(Rejection::InvalidPack));
        }
        ok(
            &mut game,
            olympia(Action::ChoosePack {
                values: vec![30, 20],
            }),
            t(1),
        );
        let shown = ok(&mut game, Command::ShowNextQuestion, t(2));
        // The first question of 30 in the pool.
        assert_eq!(
            shown,
            vec![Event::QuestionShown {
                round: 0,
                question: 1
            }]
        );
        assert_eq!((play(&game).team, play(&game).value), (B, 30));
        assert_eq!(
            game.apply(&olympia(Action::StartTurn { team: A }), t(3)),
            Err(Rejection::TurnInProgress)
        );
        ok(&mut game, judge(Verdict::Correct), t(3));
        ok(&mut game, Command::ShowNextQuestion, t(4));
        assert_eq!((play(&game).team, play(&game).value), (B, 20));
        ok(&mut game, judge(Verdict::Correct), t(5));
        assert_eq!(game.scores(), &[w(0), w(50), w(0)]);
        // B's turn is over: the next team is called before the next question.
        assert_eq!(
            game.apply(&Command::ShowNextQuestion, t(6)),
            Err(Rejection::NoTurn)
        );
        assert_eq!(
            game.apply(&olympia(Action::StartTurn { team: B }), t(6)),
            Err(Rejection::TurnTaken)
        );
        turn(&mut game, A, &[30, 20], t(7));
        ok(&mut game, judge(Verdict::Correct), t(8));
        ok(&mut game, Command::ShowNextQuestion, t(9));
        ok(&mut game, judge(Verdict::Correct), t(10));
        // Only one question of 30 is left: C cannot take two.
        ok(&mut game, olympia(Action::StartTurn { team: C }), t(11));
        let greedy = olympia(Action::ChoosePack {
            values: vec![30, 30],
        });
        assert_eq!(game.apply(&greedy, t(11)), Err(Rejection::PackUnavailable));
        ok(
            &mut game,
            olympia(Action::ChoosePack {
                values: vec![20, 30],
            }),
            t(11),
        );
        ok(&mut game, Command::ShowNextQuestion, t(12));
        ok(&mut game, judge(Verdict::Correct), t(13));
        ok(&mut game, Command::ShowNextQuestion, t(14));
        ok(&mut game, judge(Verdict::Correct), t(15));
        assert_eq!(game.scores(), &[w(50), w(50), w(50)]);
        // Every team has had its turn: the round is over, the contest with it.
        assert_eq!(
            ok(&mut game, Command::ShowNextQuestion, t(16)),
            vec![Event::ContestFinished]
        );
    }

    #[test]
    fn the_star_of_hope_doubles_a_right_answer_and_costs_a_wrong_one() {
        let mut game = game(|_| {});
        ok(&mut game, olympia(Action::StartTurn { team: A }), t(1));
        ok(
            &mut game,
            olympia(Action::ChoosePack {
                values: vec![20, 30],
            }),
            t(1),
        );
        let events = ok(&mut game, olympia(Action::Star), t(2));
        assert_eq!(events, vec![Event::StarDeclared { team: A }]);
        ok(&mut game, Command::ShowNextQuestion, t(3));
        assert!(play(&game).star);
        ok(&mut game, judge(Verdict::Correct), t(4));
        assert_eq!(game.scores()[0], w(40));
        // Once per team.
        assert_eq!(
            game.apply(&olympia(Action::Star), t(5)),
            Err(Rejection::StarUsed)
        );
        ok(&mut game, Command::ShowNextQuestion, t(6));
        assert!(!play(&game).star);

        let mut other = self::game(|_| {});
        ok(&mut other, olympia(Action::StartTurn { team: B }), t(1));
        ok(
            &mut other,
            olympia(Action::ChoosePack {
                values: vec![30, 20],
            }),
            t(1),
        );
        ok(&mut other, olympia(Action::Star), t(2));
        ok(&mut other, Command::ShowNextQuestion, t(3));
        let events = ok(&mut other, judge(Verdict::Wrong), t(4));
        assert!(events.contains(&Event::Judged {
            team: B,
            verdict: Verdict::Wrong,
            delta: w(-30)
        }));
        assert_eq!(other.scores()[1], w(-30));
        // Without a star a wrong answer costs nothing.
        let mut plain = self::game(|_| {});
        turn(&mut plain, C, &[20, 20], t(1));
        ok(&mut plain, judge(Verdict::Wrong), t(2));
        assert_eq!(plain.scores()[2], w(0));
    }

    /// A's question of 20, answered wrong; the steal opened at `at`.
    fn steal_open(change: impl FnOnce(&mut OlympiaRules), at: Time) -> Game {
        let mut game = game(change);
        turn(&mut game, A, &[20, 30], t(1));
        ok(&mut game, Command::OpenAnswers, t(2));
        ok(&mut game, judge(Verdict::Wrong), t(3));
        ok(&mut game, Command::OpenBuzzers { settle_us: 0 }, at);
        game
    }

    #[test]
    fn a_right_steal_takes_the_value_from_the_team_on_turn() {
        let mut game = steal_open(|_| {}, t(10));
        let events = ok(&mut game, buzz(C), t(1_000));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::FloorTaken { team: C, .. }))
        );
        let events = ok(&mut game, judge(Verdict::Correct), t(2_000));
        assert!(events.contains(&Event::Judged {
            team: C,
            verdict: Verdict::Correct,
            delta: w(20)
        }));
        assert!(events.contains(&Event::Stolen {
            from: A,
            delta: w(-20)
        }));
        assert_eq!(game.scores(), &[w(-20), w(0), w(20)]);
        // Undo puts both teams back at once.
        let events = ok(&mut game, Command::Undo, t(3_000));
        assert_eq!(events.len(), 2);
        assert_eq!(game.scores(), &[w(0), w(0), w(0)]);
        assert!(play(&game).steal.floor() == Some(C));
    }

    #[test]
    fn a_right_steal_only_earns_when_the_rule_says_so() {
        let mut game = steal_open(|r| r.steal_takes_from_main = false, t(10));
        ok(&mut game, buzz(B), t(500));
        ok(&mut game, judge(Verdict::Correct), t(600));
        assert_eq!(game.scores(), &[w(0), w(20), w(0)]);
    }

    #[test]
    fn a_wrong_steal_costs_half_the_value_and_ends_the_question() {
        let mut game = steal_open(|_| {}, t(10));
        ok(&mut game, buzz(B), t(500));
        ok(&mut game, judge(Verdict::Wrong), t(600));
        assert_eq!(game.scores(), &[w(0), w(-10), w(0)]);
        assert_eq!(game.apply(&buzz(C), t(700)), Err(Rejection::BuzzersClosed));
        assert!(!game.wants_fast_sync());
    }

    #[test]
    fn a_steal_nobody_takes_closes_when_its_window_runs_out() {
        let mut game = steal_open(|_| {}, t(10));
        assert_eq!(game.next_deadline(), Some(t(5_010)));
        let events = game.tick(t(5_010));
        assert_eq!(events, vec![Event::BuzzWindowExpired]);
        assert_eq!(game.scores(), &[w(0), w(0), w(0)]);
        assert_eq!(
            game.apply(&buzz(B), t(5_100)),
            Err(Rejection::BuzzersClosed)
        );
        // The turn goes on.
        ok(&mut game, Command::ShowNextQuestion, t(6_000));
        assert_eq!((play(&game).team, play(&game).value), (A, 30));
    }

    #[test]
    fn a_team_cannot_steal_its_own_question() {
        let mut game = steal_open(|_| {}, t(10));
        assert_eq!(game.apply(&buzz(A), t(100)), Err(Rejection::OwnQuestion));
    }

    #[test]
    fn the_steal_opens_only_after_a_wrong_answer_and_the_earliest_press_wins() {
        let mut game = game(|r| r.settle_max_ms = 100);
        turn(&mut game, A, &[20, 30], t(1));
        ok(&mut game, Command::OpenAnswers, t(2));
        assert_eq!(
            game.apply(&Command::OpenBuzzers { settle_us: 50_000 }, t(3)),
            Err(Rejection::AwaitingJudgement)
        );
        // The team on turn's time runs out (15 s for 20 points); the MC judges it wrong.
        assert_eq!(game.tick(t(15_002)), vec![Event::AnswerTimeUp { team: A }]);
        ok(&mut game, judge(Verdict::Wrong), t(16_000));
        ok(
            &mut game,
            Command::OpenBuzzers { settle_us: 50_000 },
            t(17_000),
        );
        // C arrives first but B pressed earlier (its claim places it 30 ms before).
        ok(&mut game, buzz(C), t(17_100));
        // Pressed at 17.075 s on the server clock, by a phone whose clock reads 1 s then.
        let claim = crate::game::PressClaim {
            pressed_us: 1_000_000,
            offset_us: 1_000_000 - 17_075_000,
            error_us: 1_000,
            round_trip_us: 2_000,
            allowance_us: 40_000,
        };
        ok(
            &mut game,
            Command::Buzz {
                team: B,
                claim: Some(claim),
            },
            t(17_105),
        );
        let events = game.tick(t(17_200));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::FloorTaken { team: B, .. })),
            "{events:?}"
        );
    }

    #[test]
    fn a_ve_dich_round_needs_valued_questions() {
        let mut contest = ContestBuilder::new("Hội thi").team("a", "Đội A").build();
        contest
            .rounds
            .push(crate::game::Round::OlympiaFinish(OlympiaRound {
                title: "Về đích".into(),
                rules: OlympiaRules::default(),
                questions: vec![
                    Question::new("Không có điểm", "x"),
                    Question {
                        points: Some(25),
                        ..Question::new("Sai điểm", "x")
                    },
                ],
            }));
        let problems = contest.validate().expect_err("invalid").to_string();
        assert!(
            problems.contains(
                "rounds[0].questions[0].points: a Về đích question needs its value, one of [20, 30]"
            ),
            "{problems}"
        );
        assert!(
            problems.contains(
                "rounds[0].questions[1].points: 25 is not one of the round's values [20, 30]"
            ),
            "{problems}"
        );
    }
}
