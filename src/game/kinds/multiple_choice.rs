//! The multiple-choice round kind ("trắc nghiệm"): a question with options A–D on every phone
//! and the projector; each team picks one, and may change it until time is up; at the reveal
//! every right answer scores, with an optional bonus for speed.
//!
//! A team's choice is its own until the reveal: the views show the others only *that* it has
//! answered (see `protocol::StateView`). Answer times are press times placed by the shared race
//! rules ([`crate::game::race::place`]), so a slow link costs no bonus and a phone that lies about
//! its press time gains at most the round's cap.

use serde::{Deserialize, Serialize};

use crate::game::contest::{MultipleChoiceRules, Question};
use crate::game::race::{self, Placement, PressClaim};
use crate::game::{Event, Rejection, TeamId, Time};

/// Where a multiple-choice question stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum ChoicePhase {
    /// Shown to everyone; answers not open yet.
    Ready,
    /// Teams choose until `deadline`.
    Open {
        /// When the answers opened: answer times count from here.
        opened_at: Time,
        /// When time is up.
        deadline: Time,
    },
    /// Time is up (or the MC locked the answers): choices are final, not yet shown.
    Locked {
        /// When the answers opened.
        opened_at: Time,
    },
    /// The right option and every team's choice are public; the right answers have scored.
    Revealed,
}

/// One team's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The option chosen: 0 for A, 1 for B…
    pub option: usize,
    /// When it was chosen (press time on the server clock).
    pub at: Time,
    /// How many times the team changed its mind before.
    pub changes: u32,
    /// Points scored at the reveal (0 before it, and for a wrong answer).
    #[serde(default)]
    pub points: i64,
}

/// The state of one multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceQuestion {
    /// Where the question stands.
    pub phase: ChoicePhase,
    /// Each team's answer, indexed like the contest's teams.
    pub choices: Vec<Option<Choice>>,
}

/// Everything a multiple-choice question needs to know of its round.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    /// The round's rules.
    pub rules: &'a MultipleChoiceRules,
    /// The question on stage.
    pub question: &'a Question,
}

impl Setting<'_> {
    /// Time to answer this question.
    pub fn answer_time_ms(&self) -> u64 {
        self.question.time_ms.unwrap_or(self.rules.answer_time_ms)
    }

    /// Points for the right answer to this question.
    pub fn points(&self) -> i64 {
        self.question.points.unwrap_or(self.rules.points)
    }
}

impl ChoiceQuestion {
    /// A freshly shown question for `team_count` teams.
    pub fn new(team_count: usize) -> ChoiceQuestion {
        ChoiceQuestion {
            phase: ChoicePhase::Ready,
            choices: vec![None; team_count],
        }
    }

    /// When the answers opened, once they have.
    pub fn opened_at(&self) -> Option<Time> {
        match self.phase {
            ChoicePhase::Open { opened_at, .. } | ChoicePhase::Locked { opened_at } => {
                Some(opened_at)
            }
            _ => None,
        }
    }

    /// The next moment at which [`Self::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        match self.phase {
            ChoicePhase::Open { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// Lets time run out.
    pub fn tick(&mut self, now: Time, events: &mut Vec<Event>) {
        if let ChoicePhase::Open {
            opened_at,
            deadline,
        } = self.phase
            && now >= deadline
        {
            self.phase = ChoicePhase::Locked { opened_at };
            events.push(Event::AnswersLocked);
        }
    }

    /// Whether the MC may move on now: not while teams are still answering.
    pub fn can_leave(&self) -> Result<(), Rejection> {
        match self.phase {
            ChoicePhase::Open { .. } => Err(Rejection::AnswersOpen),
            _ => Ok(()),
        }
    }

    /// Whether teams are answering (their phones' clocks matter now).
    pub fn answering(&self) -> bool {
        matches!(self.phase, ChoicePhase::Ready | ChoicePhase::Open { .. })
    }

    /// The MC opens the answers for `setting`'s time.
    pub fn open(
        &mut self,
        setting: Setting,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        match self.phase {
            ChoicePhase::Ready => {}
            ChoicePhase::Open { .. } => return Err(Rejection::AnswersOpen),
            ChoicePhase::Locked { .. } | ChoicePhase::Revealed => {
                return Err(Rejection::QuestionClosed);
            }
        }
        let deadline = now.after(setting.answer_time_ms());
        self.phase = ChoicePhase::Open {
            opened_at: now,
            deadline,
        };
        events.push(Event::AnswersOpened { deadline });
        Ok(())
    }

    /// The MC ends the answering early.
    pub fn lock(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        let ChoicePhase::Open { opened_at, .. } = self.phase else {
            return Err(Rejection::AnswersNotOpen);
        };
        self.phase = ChoicePhase::Locked { opened_at };
        events.push(Event::AnswersLocked);
        Ok(())
    }

    /// `team` picks `option` (changing its earlier pick), pressed as `claim` says.
    pub fn choose(
        &mut self,
        team: TeamId,
        option: usize,
        claim: Option<PressClaim>,
        setting: Setting,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let ChoicePhase::Open { opened_at, .. } = self.phase else {
            return Err(match self.phase {
                ChoicePhase::Ready => Rejection::AnswersNotOpen,
                _ => Rejection::AnswersClosed,
            });
        };
        if option >= setting.question.options.len() {
            return Err(Rejection::NoSuchOption);
        }
        let cap_ms = setting.rules.press_allowance_cap_ms;
        let at = match race::place(claim.as_ref(), cap_ms, opened_at, now) {
            Placement::Press { press, .. } => press,
            // Pressed before the answers opened: it counts from the opening, no earlier.
            Placement::BeforeOpen => opened_at,
        };
        let Some(slot) = self.choices.get_mut(team.0) else {
            return Err(Rejection::UnknownTeam);
        };
        let changes = slot.map_or(0, |earlier| earlier.changes + 1);
        *slot = Some(Choice {
            option,
            at,
            changes,
            points: 0,
        });
        events.push(Event::AnswerChosen { team });
        Ok(())
    }

    /// The MC reveals the right option: answering ends, and every right answer asks for its
    /// points (with the speed bonus). Returns the score changes, team by team.
    pub fn reveal(
        &mut self,
        setting: Setting,
        events: &mut Vec<Event>,
    ) -> Result<Vec<(TeamId, i64)>, Rejection> {
        let opened_at = match self.phase {
            ChoicePhase::Revealed => return Err(Rejection::AlreadyRevealed),
            ChoicePhase::Ready => None,
            ChoicePhase::Open { opened_at, .. } => {
                events.push(Event::AnswersLocked);
                Some(opened_at)
            }
            ChoicePhase::Locked { opened_at } => Some(opened_at),
        };
        self.phase = ChoicePhase::Revealed;
        let right = setting.question.answer_option();
        let time_us = setting.answer_time_ms().saturating_mul(1000).max(1);
        let mut changes = Vec::new();
        for (team, choice) in self.choices.iter_mut().enumerate() {
            let Some(choice) = choice.as_mut() else {
                continue;
            };
            if Some(choice.option) == right {
                let took = opened_at.map_or(time_us, |at| choice.at.0.saturating_sub(at.0));
                choice.points = setting.points() + speed_bonus(setting, took, time_us);
                changes.push((TeamId(team), choice.points));
            }
        }
        Ok(changes)
    }
}

/// The share of the round's speed bonus earned by a right answer given `took_us` into an answer
/// time of `time_us`: all of it at once, none at the end, whole points rounded down.
fn speed_bonus(setting: Setting, took_us: u64, time_us: u64) -> i64 {
    let bonus = setting.rules.speed_bonus;
    if bonus <= 0 {
        return 0;
    }
    let left = time_us.saturating_sub(took_us.min(time_us));
    let earned = i128::from(bonus) * i128::from(left) / i128::from(time_us);
    i64::try_from(earned).unwrap_or(0)
}
