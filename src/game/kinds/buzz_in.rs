//! The buzz-in round kind ("giành quyền trả lời"): one question's buzzers, floor and judgements.
//!
//! A round kind is one unit: its per-question state, the commands it understands, its timers.
//! [`crate::game::Game`] owns scores, the programme and undo; this module only decides what happens to
//! one question and which score change a judgement asks for.
//!
//! Who buzzed first is decided by the shared buzzer race ([`crate::game::race`]): by press time,
//! not arrival, with a short settle window for earlier presses still in flight.

use serde::{Deserialize, Serialize};

use super::{QuestionKind, QuestionPlay, RoundKind, RoundState, Turn};
use crate::game::contest::{
    Contest, DEFAULT_PRESS_ALLOWANCE_CAP_MS, MAX_FAIRNESS_MS, MAX_WINDOW_MS, Problems, Question,
};
use crate::game::race::{self, Placement};
pub use crate::game::race::{Buzz, Clamp, FalseStart, PressClaim};
use crate::game::{Command, Event, Points, Rejection, TeamId, Time, Verdict};

/// A buzz-in round: its rules and questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuzzInRound {
    /// Title shown on stage, e.g. "Giành quyền trả lời".
    pub title: String,
    /// How the round is played; every field has a default.
    #[serde(default)]
    pub rules: BuzzInRules,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// Rules of a buzz-in round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BuzzInRules {
    /// How long the buzzers stay open waiting for a first buzz.
    pub buzz_window_ms: u64,
    /// How long the team with the floor has to answer before "time's up".
    pub answer_window_ms: u64,
    /// Points for a correct answer.
    pub points: i64,
    /// Points taken for a wrong answer (0 = no penalty).
    pub penalty: i64,
    /// After a wrong answer, reopen the buzzers for the teams that have not tried yet.
    pub reopen_after_wrong: bool,
    /// Never let a score go below zero.
    pub floor_at_zero: bool,
    /// The most a claimed press time may precede its arrival. Bounds what a phone that lies about
    /// its press time can gain; see `docs/FAIRNESS.md` for the choice of the default.
    pub press_allowance_cap_ms: u64,
    /// The longest wait after a first buzz for earlier presses still in flight (0 = none: the
    /// first arrival wins, as with ordinary buzzers).
    pub settle_max_ms: u64,
    /// What a buzz before the buzzers open costs.
    pub false_start: FalseStartRule,
    /// With the `lockout` rule: how long a false start locks the team's buzzer.
    pub false_start_lockout_ms: u64,
}

/// What happens to a team that buzzes before the buzzers open ("bấm sớm").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FalseStartRule {
    /// Nothing: the early press is simply not counted.
    Ignore,
    /// The team's buzzer is dead for `false_start_lockout_ms`.
    Lockout,
    /// The team loses the right to answer this question ("phạm quy").
    LoseQuestion,
}

impl Default for BuzzInRules {
    fn default() -> Self {
        BuzzInRules {
            buzz_window_ms: 10_000,
            answer_window_ms: 5_000,
            points: 10,
            penalty: 0,
            reopen_after_wrong: true,
            floor_at_zero: false,
            press_allowance_cap_ms: DEFAULT_PRESS_ALLOWANCE_CAP_MS,
            settle_max_ms: 100,
            false_start: FalseStartRule::Lockout,
            false_start_lockout_ms: 250,
        }
    }
}

/// What a buzz-in round keeps across its questions: nothing yet (each question is a race of its
/// own), kept so that a rule spanning questions has its place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuzzInRoundState {}

impl RoundKind for BuzzInRound {
    const NAME: &'static str = "buzz_in";

    fn title(&self) -> &str {
        &self.title
    }

    fn questions(&self) -> &[Question] {
        &self.questions
    }

    fn floor_at_zero(&self) -> bool {
        self.rules.floor_at_zero
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        if self.questions.is_empty() {
            problems.add(
                format!("{at}.questions"),
                "a round needs at least one question",
            );
        }
        for (q, question) in self.questions.iter().enumerate() {
            if !question.options.is_empty()
                || question.points.is_some()
                || question.time_ms.is_some()
            {
                problems.add(
                    format!("{at}.questions[{q}]"),
                    "options, points and time_ms belong to multiple-choice questions",
                );
            }
        }
        let rules = &self.rules;
        problems.window(format!("{at}.rules.buzz_window_ms"), rules.buzz_window_ms);
        problems.window(
            format!("{at}.rules.answer_window_ms"),
            rules.answer_window_ms,
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
        problems.points(format!("{at}.rules.points"), rules.points);
        problems.points(format!("{at}.rules.penalty"), rules.penalty);
    }

    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String> {
        if self.rules != amended.rules {
            return Err(format!("the rules of {place} changed"));
        }
        if self.questions.len() != amended.questions.len() {
            return Err(format!("the number of questions in {place} changed"));
        }
        Ok(())
    }

    fn new_state(&self, _contest: &Contest) -> RoundState {
        RoundState::BuzzIn(BuzzInRoundState::default())
    }
}

impl QuestionKind for BuzzInRound {
    type Play = BuzzInQuestion;
    type State = BuzzInRoundState;

    fn new_play(
        &self,
        _question: usize,
        _state: &mut Self::State,
        _teams: usize,
    ) -> BuzzInQuestion {
        BuzzInQuestion::new()
    }

    fn fits(&self, play: &BuzzInQuestion, _question: usize, team_count: usize) -> bool {
        play.teams_fit(team_count)
    }

    fn tick(&self, play: &mut BuzzInQuestion, turn: &mut Turn) {
        play.tick(self.setting(turn), turn.now, turn.events);
    }

    fn apply(
        &self,
        play: &mut BuzzInQuestion,
        _state: &mut Self::State,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        apply_race(play, self.setting(turn), command, turn, true).map(|_| ())
    }
}

/// A race command (open, lock, buzz, judge, reveal) applied to `play`: shared by every kind
/// whose questions are a buzz-in race. A judgement scores the rules' points when `scored` (a
/// tie-breaker's scores nothing, yet goes through the score path so that undo reverts it).
/// Returns the judgement made, if the command was one.
pub(crate) fn apply_race(
    play: &mut BuzzInQuestion,
    setting: Setting,
    command: &Command,
    turn: &mut Turn,
    scored: bool,
) -> Result<Option<Judgement>, Rejection> {
    match command {
        Command::OpenBuzzers { settle_us } => {
            play.open(setting, *settle_us, turn.now, turn.events)?;
        }
        Command::LockBuzzers => play.lock(turn.events)?,
        Command::Buzz { team, claim } => {
            play.buzz(*team, *claim, setting, turn.now, turn.events)?;
        }
        Command::Judge { verdict } => {
            // Judged goes before what the judgement caused (reopen, close).
            let judged_at = turn.events.len();
            let change = play.judge(*verdict, setting, turn.now, turn.events)?;
            let asked = if scored { change.delta } else { Points::ZERO };
            let applied = turn.score(&[(change.team, asked)], setting.rules.floor_at_zero);
            let delta = applied.first().map_or(Points::ZERO, |c| c.delta);
            turn.events.insert(
                judged_at,
                Event::Judged {
                    team: change.team,
                    verdict: *verdict,
                    delta,
                },
            );
            return Ok(Some(Judgement {
                team: change.team,
                verdict: *verdict,
            }));
        }
        Command::RevealAnswer => {
            play.reveal(turn.events)?;
            turn.events.push(Event::AnswerRevealed);
        }
        _ => return Err(Rejection::WrongKind),
    }
    Ok(None)
}

impl BuzzInRound {
    fn setting(&self, turn: &Turn) -> Setting<'_> {
        Setting {
            rules: &self.rules,
            team_count: turn.team_count,
        }
    }
}

impl QuestionPlay for BuzzInQuestion {
    fn next_deadline(&self) -> Option<Time> {
        BuzzInQuestion::next_deadline(self)
    }

    fn can_leave(&self) -> Result<(), Rejection> {
        BuzzInQuestion::can_leave(self)
    }

    fn wants_fast_sync(&self) -> bool {
        !matches!(self.phase, Phase::Closed { .. })
    }
}

/// Where a buzz-in question stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Shown to everyone; buzzers not opened yet.
    Ready,
    /// Buzzers open until `deadline` for every eligible team.
    Open {
        /// When the buzzers opened; no press counts from before it.
        opened_at: Time,
        /// When the buzz window closes with no buzz.
        deadline: Time,
    },
    /// A buzz arrived; until `until` earlier presses still on their way may overtake it.
    Settling {
        /// When the buzzers opened.
        opened_at: Time,
        /// When the earliest press is awarded the floor.
        until: Time,
    },
    /// `team` pressed first and answers; after `deadline` its time is up.
    Floor {
        /// The team answering.
        team: TeamId,
        /// End of the answer countdown.
        deadline: Time,
        /// The countdown has run out; the MC still judges.
        time_up: bool,
    },
    /// The MC locked the buzzers (or reopening is off after a wrong answer); the MC may open again.
    Locked,
    /// Nobody can win this question any more.
    Closed {
        /// Why it closed.
        reason: CloseReason,
    },
}

/// Why a question closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// A team answered correctly.
    Correct,
    /// The buzz window ran out with no buzz.
    NoBuzz,
    /// Every team answered wrong (or lost the question by a false start).
    AllTried,
    /// The MC revealed the answer before anyone got it.
    Revealed,
}

/// One judgement given on this question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    /// The team judged.
    pub team: TeamId,
    /// The MC's verdict.
    pub verdict: Verdict,
}

/// The state of one buzz-in question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuzzInQuestion {
    /// Where the question stands.
    pub phase: Phase,
    /// Teams that answered wrong: they cannot buzz again on this question.
    pub tried: Vec<TeamId>,
    /// Judgements given so far, oldest first.
    pub judgements: Vec<Judgement>,
    /// Buzzes that entered a race, in arrival order.
    pub buzzes: Vec<Buzz>,
    /// False starts on this question, oldest first.
    pub false_starts: Vec<FalseStart>,
    /// How many times the buzzers were opened on this question.
    pub race: u32,
    /// The settle window asked for at the last opening (before the round's bound).
    pub settle_us: u64,
}

/// A score change a judgement asks the game to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreChange {
    /// Whose score.
    pub team: TeamId,
    /// Signed points before any floor-at-zero clamp.
    pub delta: Points,
}

/// Everything a buzz-in question needs to know about its round and contest.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// The round's rules.
    pub rules: &'a BuzzInRules,
    /// Number of teams in the contest.
    pub team_count: usize,
}

impl BuzzInQuestion {
    /// A freshly shown question.
    pub fn new() -> Self {
        BuzzInQuestion {
            phase: Phase::Ready,
            tried: Vec::new(),
            judgements: Vec::new(),
            buzzes: Vec::new(),
            false_starts: Vec::new(),
            race: 0,
            settle_us: 0,
        }
    }

    /// Whether every team this race names is one of `team_count` (a state read back from
    /// storage must not point outside the contest). Shared by every kind that runs a race.
    pub fn teams_fit(&self, team_count: usize) -> bool {
        let team_ok = |team: &TeamId| team.0 < team_count;
        self.tried.iter().all(team_ok)
            && self.judgements.iter().all(|j| team_ok(&j.team))
            && self.buzzes.iter().all(|b| team_ok(&b.team))
            && self.false_starts.iter().all(|f| team_ok(&f.team))
            && self.floor().is_none_or(|t| team_ok(&t))
    }

    /// Teams that may still buzz on this question.
    pub fn eligible(&self, team_count: usize) -> Vec<TeamId> {
        (0..team_count)
            .map(TeamId)
            .filter(|team| !self.tried.contains(team) && !self.lost_by_false_start(*team))
            .collect()
    }

    fn lost_by_false_start(&self, team: TeamId) -> bool {
        self.false_starts
            .iter()
            .any(|f| f.team == team && f.lost_question)
    }

    fn locked_out_at(&self, team: TeamId, now: Time) -> bool {
        self.false_starts
            .iter()
            .any(|f| f.team == team && f.locked_until.is_some_and(|until| now < until))
    }

    /// The team that has the floor, if any.
    pub fn floor(&self) -> Option<TeamId> {
        match self.phase {
            Phase::Floor { team, .. } => Some(team),
            _ => None,
        }
    }

    /// The buzzes of the latest race, in the order the verdict ranks them (earliest press first).
    pub fn race_order(&self) -> Vec<Buzz> {
        race::order(&self.buzzes, self.race)
    }

    /// The next moment at which [`Self::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        match self.phase {
            Phase::Open { deadline, .. } => Some(deadline),
            Phase::Settling { until, .. } => Some(until),
            Phase::Floor {
                deadline,
                time_up: false,
                ..
            } => Some(deadline),
            _ => None,
        }
    }

    /// Lets due deadlines expire.
    pub fn tick(&mut self, setting: Setting, now: Time, events: &mut Vec<Event>) {
        match &mut self.phase {
            Phase::Open { deadline, .. } if now >= *deadline => {
                self.phase = Phase::Closed {
                    reason: CloseReason::NoBuzz,
                };
                events.push(Event::BuzzWindowExpired);
            }
            Phase::Settling { until, .. } if now >= *until => {
                let until = *until;
                self.award(setting, until, events);
                // The answer countdown may be over too if the tick came very late.
                self.tick(setting, now, events);
            }
            Phase::Floor {
                team,
                deadline,
                time_up,
            } if !*time_up && now >= *deadline => {
                *time_up = true;
                events.push(Event::AnswerTimeUp { team: *team });
            }
            _ => {}
        }
    }

    /// Whether the MC may move on to another question now.
    pub fn can_leave(&self) -> Result<(), Rejection> {
        match self.phase {
            Phase::Open { .. } => Err(Rejection::BuzzersOpen),
            Phase::Settling { .. } | Phase::Floor { .. } => Err(Rejection::AwaitingJudgement),
            _ => Ok(()),
        }
    }

    /// The MC opens the buzzers for every eligible team. `settle_us` is how long to wait after a
    /// first buzz for earlier presses in flight (bounded by the round's `settle_max_ms`).
    pub fn open(
        &mut self,
        setting: Setting,
        settle_us: u64,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        match self.phase {
            Phase::Ready | Phase::Locked => {}
            Phase::Open { .. } => return Err(Rejection::BuzzersOpen),
            Phase::Settling { .. } | Phase::Floor { .. } => {
                return Err(Rejection::AwaitingJudgement);
            }
            Phase::Closed { .. } => return Err(Rejection::QuestionClosed),
        }
        self.settle_us = settle_us;
        self.open_for_remaining(setting, now, events);
        Ok(())
    }

    fn open_for_remaining(&mut self, setting: Setting, now: Time, events: &mut Vec<Event>) {
        let eligible = self.eligible(setting.team_count);
        if eligible.is_empty() {
            self.close(CloseReason::AllTried, events);
            return;
        }
        let deadline = now.after(setting.rules.buzz_window_ms);
        self.race += 1;
        self.phase = Phase::Open {
            opened_at: now,
            deadline,
        };
        events.push(Event::BuzzersOpened { deadline, eligible });
    }

    fn close(&mut self, reason: CloseReason, events: &mut Vec<Event>) {
        self.phase = Phase::Closed { reason };
        events.push(Event::QuestionClosed { reason });
    }

    /// The MC locks the buzzers while they are open.
    pub fn lock(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        match self.phase {
            Phase::Open { .. } => {
                self.phase = Phase::Locked;
                events.push(Event::BuzzersLocked);
                Ok(())
            }
            // A buzz is already in; its verdict is due within the settle window.
            Phase::Settling { .. } => Err(Rejection::AwaitingJudgement),
            _ => Err(Rejection::BuzzersNotOpen),
        }
    }

    /// A team buzzes, with or without a claimed press time.
    pub fn buzz(
        &mut self,
        team: TeamId,
        claim: Option<PressClaim>,
        setting: Setting,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if self.tried.contains(&team) {
            return Err(Rejection::AlreadyTried);
        }
        if self.lost_by_false_start(team) {
            return Err(Rejection::LostByFalseStart);
        }
        let opened_at = match self.phase {
            Phase::Open { opened_at, .. } | Phase::Settling { opened_at, .. } => opened_at,
            Phase::Ready | Phase::Locked => {
                return self.false_start(team, setting, now, events);
            }
            Phase::Floor { team: holder, .. } if holder == team => {
                return Err(Rejection::AlreadyHasFloor);
            }
            Phase::Floor { .. } => return Err(Rejection::FloorTaken),
            Phase::Closed { .. } => return Err(Rejection::BuzzersClosed),
        };
        if self.locked_out_at(team, now) {
            return Err(Rejection::FalseStartLockout);
        }
        if self
            .buzzes
            .iter()
            .any(|b| b.race == self.race && b.team == team)
        {
            return Err(Rejection::AlreadyBuzzed);
        }
        let cap_ms = setting.rules.press_allowance_cap_ms;
        let (press, clamp) = match race::place(claim.as_ref(), cap_ms, opened_at, now) {
            Placement::Press { press, clamp } => (press, clamp),
            Placement::BeforeOpen => return self.false_start(team, setting, now, events),
        };
        if let Some(clamp) = clamp {
            events.push(Event::PressClamped { team, clamp });
        }
        self.buzzes.push(Buzz {
            team,
            race: self.race,
            arrived: now,
            press,
            claim,
            clamp,
            close: false,
        });
        events.push(Event::BuzzReceived { team, press });
        if let Phase::Open { .. } = self.phase {
            // Wait for presses that happened before this one but are still on their way.
            let until = race::settle_until(press, self.settle_us, setting.rules.settle_max_ms, now);
            if until <= now {
                self.award(setting, now, events);
            } else {
                self.phase = Phase::Settling { opened_at, until };
            }
        }
        Ok(())
    }

    fn false_start(
        &mut self,
        team: TeamId,
        setting: Setting,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let rules = setting.rules;
        let record = race::false_start(
            rules.false_start,
            rules.false_start_lockout_ms,
            team,
            now,
            self.locked_out_at(team, now),
        )?;
        self.false_starts.push(record);
        events.push(Event::FalseStart {
            team,
            lost_question: record.lost_question,
        });
        if record.lost_question && self.eligible(setting.team_count).is_empty() {
            // The false starter was the last team that could still win the question.
            self.close(CloseReason::AllTried, events);
        }
        Ok(())
    }

    /// Gives the floor to the earliest press of the current race.
    fn award(&mut self, setting: Setting, at: Time, events: &mut Vec<Event>) {
        let Some((winner, close)) = race::decide(&mut self.buzzes, self.race) else {
            return;
        };
        let deadline = at.after(setting.rules.answer_window_ms);
        self.phase = Phase::Floor {
            team: winner,
            deadline,
            time_up: false,
        };
        let locked_out = self
            .eligible(setting.team_count)
            .into_iter()
            .filter(|other| *other != winner)
            .collect();
        events.push(Event::FloorTaken {
            team: winner,
            deadline,
            locked_out,
            close,
        });
    }

    /// The MC judges the team with the floor; returns the score change the verdict asks for.
    pub fn judge(
        &mut self,
        verdict: Verdict,
        setting: Setting,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<ScoreChange, Rejection> {
        let Some(team) = self.floor() else {
            return Err(Rejection::NoFloor);
        };
        let rules = setting.rules;
        self.judgements.push(Judgement { team, verdict });
        match verdict {
            Verdict::Correct => {
                self.close(CloseReason::Correct, events);
                Ok(ScoreChange {
                    team,
                    delta: Points::whole(rules.points),
                })
            }
            Verdict::Wrong => {
                self.tried.push(team);
                if rules.reopen_after_wrong {
                    self.open_for_remaining(setting, now, events);
                } else if self.eligible(setting.team_count).is_empty() {
                    self.close(CloseReason::AllTried, events);
                } else {
                    self.phase = Phase::Locked;
                    events.push(Event::BuzzersLocked);
                }
                Ok(ScoreChange {
                    team,
                    delta: -Points::whole(rules.penalty),
                })
            }
        }
    }

    /// The MC reveals the answer: nobody may win the question after that.
    pub fn reveal(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        match self.phase {
            Phase::Floor { .. } | Phase::Settling { .. } => Err(Rejection::AwaitingJudgement),
            Phase::Closed { .. } => Ok(()),
            Phase::Ready | Phase::Open { .. } | Phase::Locked => {
                self.close(CloseReason::Revealed, events);
                Ok(())
            }
        }
    }
}

impl Default for BuzzInQuestion {
    fn default() -> Self {
        Self::new()
    }
}
