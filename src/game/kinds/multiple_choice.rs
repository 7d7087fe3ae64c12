//! The multiple-choice round kind ("trắc nghiệm"): a question with options A–D on every phone
//! and the projector; each team picks one, and may change it until time is up; at the reveal
//! every right answer scores, with an optional bonus for speed.
//!
//! A team's choice is its own until the reveal: the views show the others only *that* it has
//! answered (see `protocol::StateView`). Answer times are press times placed by the shared race
//! rules ([`crate::game::race::place`]), so a slow link costs no bonus and a phone that lies about
//! its press time gains at most the round's cap.

use serde::{Deserialize, Serialize};

use super::{QuestionKind, QuestionPlay, RoundKind, RoundState, Turn};
use crate::game::contest::{
    Contest, DEFAULT_PRESS_ALLOWANCE_CAP_MS, MAX_FAIRNESS_MS, OPTION_LETTERS, Problems, Question,
};
use crate::game::race::{self, Placement, PressClaim};
use crate::game::{Command, Event, Points, Rejection, TeamId, Time};

/// A multiple-choice round: its rules and questions (each with 2 to 4 options).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultipleChoiceRound {
    /// Title shown on stage, e.g. "Kiến thức".
    pub title: String,
    /// How the round is played; every field has a default.
    #[serde(default)]
    pub rules: MultipleChoiceRules,
    /// The questions, in order.
    pub questions: Vec<Question>,
}

/// Rules of a multiple-choice round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultipleChoiceRules {
    /// Time to answer once the MC opens the answers (a question may set its own).
    pub answer_time_ms: u64,
    /// Points for a right answer (a question may set its own).
    pub points: i64,
    /// Extra points for speed: a right answer given at once earns all of them, one given at the
    /// last moment none, in proportion between (0: no bonus). Times are press times, measured
    /// with the same clock sync as buzzes.
    pub speed_bonus: i64,
    /// The most a claimed press time may precede its arrival (as for buzzes).
    pub press_allowance_cap_ms: u64,
}

impl Default for MultipleChoiceRules {
    fn default() -> Self {
        MultipleChoiceRules {
            answer_time_ms: 20_000,
            points: 10,
            speed_bonus: 0,
            press_allowance_cap_ms: DEFAULT_PRESS_ALLOWANCE_CAP_MS,
        }
    }
}

/// What a multiple-choice round keeps across its questions: nothing yet (each question stands
/// alone), kept so that a rule spanning questions has its place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceRoundState {}

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
    pub points: Points,
}

/// The state of one multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceQuestion {
    /// Where the question stands.
    pub phase: ChoicePhase,
    /// Each team's answer, indexed like the contest's teams.
    pub choices: Vec<Option<Choice>>,
}

impl RoundKind for MultipleChoiceRound {
    const NAME: &'static str = "multiple_choice";

    fn title(&self) -> &str {
        &self.title
    }

    fn questions(&self) -> &[Question] {
        &self.questions
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        if self.questions.is_empty() {
            problems.add(
                format!("{at}.questions"),
                "a round needs at least one question",
            );
        }
        for (q, question) in self.questions.iter().enumerate() {
            check_question(question, &format!("{at}.questions[{q}]"), problems);
        }
        let rules = &self.rules;
        problems.window(format!("{at}.rules.answer_time_ms"), rules.answer_time_ms);
        problems.points(format!("{at}.rules.points"), rules.points);
        problems.points(format!("{at}.rules.speed_bonus"), rules.speed_bonus);
        problems.range(
            format!("{at}.rules.press_allowance_cap_ms"),
            rules.press_allowance_cap_ms,
            0,
            MAX_FAIRNESS_MS,
            " ms",
        );
    }

    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String> {
        if self.rules != amended.rules {
            return Err(format!("the rules of {place} changed"));
        }
        if self.questions.len() != amended.questions.len() {
            return Err(format!("the number of questions in {place} changed"));
        }
        let scoring = |q: &Question| (q.options.len(), q.points, q.time_ms);
        if self
            .questions
            .iter()
            .map(scoring)
            .ne(amended.questions.iter().map(scoring))
        {
            return Err(format!("the options, points or times in {place} changed"));
        }
        Ok(())
    }

    fn new_state(&self, _contest: &Contest) -> RoundState {
        RoundState::MultipleChoice(ChoiceRoundState::default())
    }
}

/// A multiple-choice question's own problems: its options and the letter of its answer.
fn check_question(question: &Question, at: &str, problems: &mut Problems) {
    let count = question.options.len();
    if !(2..=OPTION_LETTERS.len()).contains(&count) {
        problems.add(
            format!("{at}.options"),
            format!("a multiple-choice question needs 2 to 4 options, found {count}"),
        );
    }
    if let Some(empty) = question.options.iter().position(|o| o.trim().is_empty()) {
        problems.add(
            format!("{at}.options[{empty}]"),
            "an option must not be empty",
        );
    }
    if !question.answer.trim().is_empty() && question.answer_option().is_none() {
        problems.add(
            format!("{at}.answer"),
            format!(
                "the answer {:?} is not the letter of one of its options (A to {})",
                question.answer,
                OPTION_LETTERS[count.clamp(1, OPTION_LETTERS.len()) - 1]
            ),
        );
    }
    if let Some(points) = question.points {
        problems.points(format!("{at}.points"), points);
    }
    if let Some(time_ms) = question.time_ms {
        problems.window(format!("{at}.time_ms"), time_ms);
    }
}

impl QuestionKind for MultipleChoiceRound {
    type Play = ChoiceQuestion;
    type State = ChoiceRoundState;

    fn new_play(&self, _question: usize, _state: &mut Self::State, teams: usize) -> ChoiceQuestion {
        ChoiceQuestion::new(teams)
    }

    fn fits(&self, play: &ChoiceQuestion, question: usize, team_count: usize) -> bool {
        let options = self.questions.get(question).map_or(0, |q| q.options.len());
        play.choices.len() == team_count
            && play.choices.iter().flatten().all(|c| c.option < options)
    }

    fn tick(&self, play: &mut ChoiceQuestion, turn: &mut Turn) {
        play.tick(turn.now, turn.events);
    }

    fn apply(
        &self,
        play: &mut ChoiceQuestion,
        _state: &mut Self::State,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        let question = self
            .questions
            .get(turn.question.ok_or(Rejection::NoQuestion)?)
            .ok_or(Rejection::NoQuestion)?;
        let setting = Setting {
            rules: &self.rules,
            question,
        };
        match command {
            Command::OpenAnswers => play.open(setting, turn.now, turn.events),
            Command::LockAnswers => play.lock(turn.events),
            Command::Choose {
                team,
                option,
                claim,
            } => play.choose(*team, *option, *claim, setting, turn.now, turn.events),
            Command::RevealAnswer => {
                let asked = play.reveal(setting, turn.events)?;
                turn.events.push(Event::AnswerRevealed);
                let changes = turn.score(&asked, false);
                turn.events.push(Event::ChoicesScored { changes });
                Ok(())
            }
            _ => Err(Rejection::WrongKind),
        }
    }
}

impl QuestionPlay for ChoiceQuestion {
    fn next_deadline(&self) -> Option<Time> {
        ChoiceQuestion::next_deadline(self)
    }

    fn can_leave(&self) -> Result<(), Rejection> {
        ChoiceQuestion::can_leave(self)
    }

    fn wants_fast_sync(&self) -> bool {
        self.answering()
    }

    fn has_team_views(&self) -> bool {
        // A team sees its own choice, and only it, until the reveal.
        true
    }

    fn revealed_after_undo(&self, _was_revealed: bool) -> bool {
        // Undoing the reveal takes back its scores and the reveal with them, so that the MC
        // can reveal again (after fixing a wrong answer key).
        self.phase == ChoicePhase::Revealed
    }
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
            points: Points::ZERO,
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
    ) -> Result<Vec<(TeamId, Points)>, Rejection> {
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
                choice.points =
                    Points::whole(setting.points() + speed_bonus(setting, took, time_us));
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
