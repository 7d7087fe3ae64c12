//! The buzz-in round kind ("giành quyền trả lời"): one question's buzzers, floor and judgements.
//!
//! A round kind is one unit: its per-question state, the commands it understands, its timers.
//! [`super::Game`] owns scores, the programme and undo; this module only decides what happens to
//! one question and which score change a judgement asks for.
//!
//! Who buzzed first is decided by *press* time, not arrival: each buzz may carry the phone's
//! claimed press time with its connection's clock estimate ([`PressClaim`]). The claim is turned
//! into server time and clamped to what the connection's delays make plausible (never more than
//! the round's cap before arrival, never before the buzzers opened). After the first buzz arrives
//! a short settle window waits for earlier presses still in flight; then the earliest press wins.

use serde::{Deserialize, Serialize};

use super::{Event, Rejection, TeamId, Time, Verdict};
use crate::game::contest::{BuzzInRules, FalseStartRule};

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

/// What a phone says about when it was pressed, with its connection's clock estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PressClaim {
    /// The press on the phone's own clock, in microseconds.
    pub pressed_us: i64,
    /// Phone clock minus server clock, in microseconds.
    pub offset_us: i64,
    /// How wrong `offset_us` may be (half the best round trip).
    pub error_us: u64,
    /// The connection's best round trip.
    pub round_trip_us: u64,
    /// How long before its arrival a press from this connection may plausibly have happened
    /// (a high percentile of its observed delays plus a margin), before the round's cap.
    pub allowance_us: u64,
}

/// How a claimed press time was corrected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clamp {
    /// Claimed earlier than the connection's delays allow: moved to the earliest plausible time.
    Early,
    /// Claimed after it arrived: moved to the arrival.
    Late,
    /// Claimed before the buzzers opened: moved to the opening.
    BeforeOpen,
}

/// One buzz that entered a race, with the evidence for the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buzz {
    /// Who buzzed.
    pub team: TeamId,
    /// Which opening of the buzzers (1 for the first, 2 after a wrong answer reopened them...).
    pub race: u32,
    /// When the server received it.
    pub arrived: Time,
    /// The press time used for the verdict (server clock, after correction and clamping).
    pub press: Time,
    /// What the phone claimed, if it sent a press time.
    pub claim: Option<PressClaim>,
    /// How the claim was corrected, if it was.
    pub clamp: Option<Clamp>,
    /// Within the measurement error of the winner of its race: a close call.
    pub close: bool,
}

/// A buzz before the buzzers opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FalseStart {
    /// Who pressed early.
    pub team: TeamId,
    /// When the server saw it.
    pub at: Time,
    /// The team cannot buzz before this moment (the `lockout` rule).
    pub locked_until: Option<Time>,
    /// The team lost the right to answer this question (the `lose_question` rule).
    pub lost_question: bool,
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
    pub delta: i64,
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
        let mut order: Vec<Buzz> = self
            .buzzes
            .iter()
            .filter(|b| b.race == self.race)
            .copied()
            .collect();
        order.sort_by_key(|b| (b.press, b.arrived, b.team));
        order
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
        let (press, clamp) = match claim {
            None => (now, None),
            Some(claim) => {
                let corrected = claim_in_server_time(&claim);
                let cap_us = setting.rules.press_allowance_cap_ms.saturating_mul(1000);
                let earliest_plausible = now.0.saturating_sub(claim.allowance_us.min(cap_us));
                let pressed_before_open =
                    corrected.saturating_add(i128::from(claim.error_us)) < i128::from(opened_at.0);
                if pressed_before_open && corrected >= i128::from(earliest_plausible) {
                    // A plausible claim from before the opening: the player anticipated. Under
                    // every rule (`ignore` included) the early press does not count.
                    return self.false_start(team, setting, now, events);
                }
                clamp_press(corrected, earliest_plausible, opened_at, now)
            }
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
            // Wait for presses that happened before this one but are still on their way: until
            // this press plus the slowest expected delay, within the round's bound.
            let bound = now.after(setting.rules.settle_max_ms);
            let wanted = Time(press.0.saturating_add(self.settle_us));
            let until = wanted.clamp(now, bound);
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
        let record = match rules.false_start {
            FalseStartRule::Ignore => return Err(Rejection::BuzzersClosed),
            FalseStartRule::Lockout => {
                if self.locked_out_at(team, now) {
                    // Mashing while locked out changes nothing.
                    return Err(Rejection::FalseStartLockout);
                }
                FalseStart {
                    team,
                    at: now,
                    locked_until: Some(now.after(rules.false_start_lockout_ms)),
                    lost_question: false,
                }
            }
            FalseStartRule::LoseQuestion => FalseStart {
                team,
                at: now,
                locked_until: None,
                lost_question: true,
            },
        };
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
        let order = self.race_order();
        let Some(winner) = order.first().copied() else {
            return;
        };
        let winner_error = claim_error(&winner);
        let mut close = false;
        for buzz in self.buzzes.iter_mut().filter(|b| b.race == self.race) {
            if buzz.team != winner.team {
                let gap = buzz.press.0.saturating_sub(winner.press.0);
                if gap <= winner_error.saturating_add(claim_error(buzz)) {
                    buzz.close = true;
                    close = true;
                }
            }
        }
        if close && let Some(w) = self.buzzes.iter_mut().find(|b| *b == &winner) {
            w.close = true;
        }
        let deadline = at.after(setting.rules.answer_window_ms);
        self.phase = Phase::Floor {
            team: winner.team,
            deadline,
            time_up: false,
        };
        let locked_out = self
            .eligible(setting.team_count)
            .into_iter()
            .filter(|other| *other != winner.team)
            .collect();
        events.push(Event::FloorTaken {
            team: winner.team,
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
                    delta: rules.points,
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
                    delta: -rules.penalty,
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

/// The claimed press on the server's clock, in microseconds (wide, so no claim can overflow).
fn claim_in_server_time(claim: &PressClaim) -> i128 {
    i128::from(claim.pressed_us) - i128::from(claim.offset_us)
}

/// Puts a corrected claim inside `[max(earliest_plausible, opened_at), arrived]`.
fn clamp_press(
    corrected: i128,
    earliest_plausible: u64,
    opened_at: Time,
    arrived: Time,
) -> (Time, Option<Clamp>) {
    if corrected > i128::from(arrived.0) {
        return (arrived, Some(Clamp::Late));
    }
    let floor = earliest_plausible.max(opened_at.0).min(arrived.0);
    if corrected < i128::from(floor) {
        let clamp = if earliest_plausible >= opened_at.0 {
            Clamp::Early
        } else {
            Clamp::BeforeOpen
        };
        return (Time(floor), Some(clamp));
    }
    // In range, so it fits in u64.
    (Time(u64::try_from(corrected).unwrap_or(floor)), None)
}

/// The measurement error of a buzz's press time.
fn claim_error(buzz: &Buzz) -> u64 {
    buzz.claim.map_or(0, |c| c.error_us)
}
