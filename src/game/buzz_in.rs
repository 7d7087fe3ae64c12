//! The buzz-in round kind ("giành quyền trả lời"): one question's buzzers, floor and judgements.
//!
//! A round kind is one unit: its per-question state, the commands it understands, its timers.
//! [`super::Game`] owns scores, the programme and undo; this module only decides what happens to
//! one question and which score change a judgement asks for.

use serde::{Deserialize, Serialize};

use super::{Event, Rejection, TeamId, Time, Verdict};
use crate::game::contest::BuzzInRules;

/// Where a buzz-in question stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Shown to everyone; buzzers not opened yet.
    Ready,
    /// Buzzers open until `deadline` for every team that has not tried.
    Open {
        /// When the buzz window closes with no buzz.
        deadline: Time,
    },
    /// `team` buzzed first and answers; after `deadline` its time is up.
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
    /// Every team answered wrong.
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

/// One accepted buzz, in arrival order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buzz {
    /// Who buzzed.
    pub team: TeamId,
    /// When the server accepted it.
    pub at: Time,
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
    /// Buzzes that took the floor, oldest first.
    pub buzzes: Vec<Buzz>,
}

/// A score change a judgement asks the game to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreChange {
    /// Whose score.
    pub team: TeamId,
    /// Signed points before any floor-at-zero clamp.
    pub delta: i64,
}

impl BuzzInQuestion {
    /// A freshly shown question.
    pub fn new() -> Self {
        BuzzInQuestion {
            phase: Phase::Ready,
            tried: Vec::new(),
            judgements: Vec::new(),
            buzzes: Vec::new(),
        }
    }

    /// Teams that may still buzz on this question.
    pub fn eligible(&self, team_count: usize) -> Vec<TeamId> {
        (0..team_count)
            .map(TeamId)
            .filter(|team| !self.tried.contains(team))
            .collect()
    }

    /// The team that has the floor, if any.
    pub fn floor(&self) -> Option<TeamId> {
        match self.phase {
            Phase::Floor { team, .. } => Some(team),
            _ => None,
        }
    }

    /// The next moment at which [`Self::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        match self.phase {
            Phase::Open { deadline } => Some(deadline),
            Phase::Floor {
                deadline,
                time_up: false,
                ..
            } => Some(deadline),
            _ => None,
        }
    }

    /// Lets due deadlines expire.
    pub fn tick(&mut self, now: Time, events: &mut Vec<Event>) {
        match &mut self.phase {
            Phase::Open { deadline } if now >= *deadline => {
                self.phase = Phase::Closed {
                    reason: CloseReason::NoBuzz,
                };
                events.push(Event::BuzzWindowExpired);
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
            Phase::Floor { .. } => Err(Rejection::AwaitingJudgement),
            _ => Ok(()),
        }
    }

    /// The MC opens the buzzers for every team that has not tried.
    pub fn open(
        &mut self,
        rules: &BuzzInRules,
        team_count: usize,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        match self.phase {
            Phase::Ready | Phase::Locked => {}
            Phase::Open { .. } => return Err(Rejection::BuzzersOpen),
            Phase::Floor { .. } => return Err(Rejection::AwaitingJudgement),
            Phase::Closed { .. } => return Err(Rejection::QuestionClosed),
        }
        self.open_for_remaining(rules, team_count, now, events);
        Ok(())
    }

    fn open_for_remaining(
        &mut self,
        rules: &BuzzInRules,
        team_count: usize,
        now: Time,
        events: &mut Vec<Event>,
    ) {
        let eligible = self.eligible(team_count);
        if eligible.is_empty() {
            self.phase = Phase::Closed {
                reason: CloseReason::AllTried,
            };
            events.push(Event::QuestionClosed {
                reason: CloseReason::AllTried,
            });
            return;
        }
        let deadline = now.after(rules.buzz_window_ms);
        self.phase = Phase::Open { deadline };
        events.push(Event::BuzzersOpened { deadline, eligible });
    }

    /// The MC locks the buzzers while they are open.
    pub fn lock(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        match self.phase {
            Phase::Open { .. } => {
                self.phase = Phase::Locked;
                events.push(Event::BuzzersLocked);
                Ok(())
            }
            _ => Err(Rejection::BuzzersNotOpen),
        }
    }

    /// A team buzzes: the first eligible buzz while open takes the floor and locks out the others.
    pub fn buzz(
        &mut self,
        team: TeamId,
        rules: &BuzzInRules,
        team_count: usize,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if self.tried.contains(&team) {
            return Err(Rejection::AlreadyTried);
        }
        match self.phase {
            Phase::Open { .. } => {}
            Phase::Floor { team: holder, .. } if holder == team => {
                return Err(Rejection::AlreadyHasFloor);
            }
            Phase::Floor { .. } => return Err(Rejection::FloorTaken),
            Phase::Ready | Phase::Locked | Phase::Closed { .. } => {
                return Err(Rejection::BuzzersClosed);
            }
        }
        let deadline = now.after(rules.answer_window_ms);
        self.phase = Phase::Floor {
            team,
            deadline,
            time_up: false,
        };
        self.buzzes.push(Buzz { team, at: now });
        let locked_out = self
            .eligible(team_count)
            .into_iter()
            .filter(|other| *other != team)
            .collect();
        events.push(Event::FloorTaken {
            team,
            deadline,
            locked_out,
        });
        Ok(())
    }

    /// The MC judges the team with the floor; returns the score change the verdict asks for.
    pub fn judge(
        &mut self,
        verdict: Verdict,
        rules: &BuzzInRules,
        team_count: usize,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<ScoreChange, Rejection> {
        let Some(team) = self.floor() else {
            return Err(Rejection::NoFloor);
        };
        self.judgements.push(Judgement { team, verdict });
        match verdict {
            Verdict::Correct => {
                self.phase = Phase::Closed {
                    reason: CloseReason::Correct,
                };
                events.push(Event::QuestionClosed {
                    reason: CloseReason::Correct,
                });
                Ok(ScoreChange {
                    team,
                    delta: rules.points,
                })
            }
            Verdict::Wrong => {
                self.tried.push(team);
                if rules.reopen_after_wrong {
                    self.open_for_remaining(rules, team_count, now, events);
                } else if self.eligible(team_count).is_empty() {
                    self.phase = Phase::Closed {
                        reason: CloseReason::AllTried,
                    };
                    events.push(Event::QuestionClosed {
                        reason: CloseReason::AllTried,
                    });
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
            Phase::Floor { .. } => Err(Rejection::AwaitingJudgement),
            Phase::Closed { .. } => Ok(()),
            Phase::Ready | Phase::Open { .. } | Phase::Locked => {
                self.phase = Phase::Closed {
                    reason: CloseReason::Revealed,
                };
                events.push(Event::QuestionClosed {
                    reason: CloseReason::Revealed,
                });
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
