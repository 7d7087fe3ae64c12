//! The round kinds, and the one place that forwards from the programme to them.
//!
//! Each kind is a module owning its content and rules (what the contest file says of such a
//! round), their validation, its round-level state (what lives across its questions), its
//! per-question state, the commands it understands, its deadlines and the score changes it asks
//! for. [`super::Game`] owns the programme, the scores and undo, and reaches a kind only through
//! the traits below and the dispatch in this file.
//!
//! Adding a kind: write its module, implement [`RoundKind`] (and [`QuestionKind`] with a
//! [`QuestionPlay`] if it puts questions on stage), then register it here — one variant in
//! [`Round`] (and in [`Play`] and [`RoundState`]) and one line in each dispatch macro. The wire
//! views of a kind live in `protocol` (every wire message is described there).

pub mod buzz_in;
pub mod judged;
pub mod multiple_choice;
pub mod olympia;
pub mod scored;
pub mod tie_breaker;

use serde::{Deserialize, Serialize};

use super::contest::{Contest, Problems, Question};
use super::{Command, Event, Points, Rejection, ScoreDelta, TeamId, Time};

/// One round of the programme. Each kind of round is one variant with its own rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Round {
    /// "Giành quyền trả lời": the MC opens the buzzers, the first team to buzz answers.
    BuzzIn(buzz_in::BuzzInRound),
    /// "Trắc nghiệm": the question and its options A–D on every phone and the projector; each
    /// team picks one (changeable until time is up); at the reveal every right answer scores.
    MultipleChoice(multiple_choice::MultipleChoiceRound),
    /// A round the MC scores by hand, e.g. greeting ("chào hỏi"), situation handling ("xử lý
    /// tình huống") or talent ("năng khiếu"): no questions; while its title is on stage the MC
    /// enters each team's points with a reason, and they count for this round.
    Scored(scored::ScoredRound),
    /// A round the judging panel scores ("ban giám khảo"): greeting, situation handling
    /// (situations drawn by lot), talent; each judge scores each team on their phone.
    Judged(judged::JudgedRound),
    /// "Về đích", the finish of "Đường lên đỉnh Olympia": each team in turn answers its pack of
    /// questions (star of hope optional); the others may steal a question it misses.
    OlympiaFinish(olympia::OlympiaRound),
    /// "Câu hỏi phụ": buzz questions kept aside to break a tie for a place that matters; played
    /// only when the MC breaks one, among just the tied teams.
    TieBreaker(tie_breaker::TieBreakerRound),
}

/// The per-question state of each kind that puts questions on stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Play {
    /// A buzz-in question.
    BuzzIn(buzz_in::BuzzInQuestion),
    /// A multiple-choice question.
    MultipleChoice(multiple_choice::ChoiceQuestion),
    /// A "Về đích" question (boxed: it holds a whole steal race, and the game is copied for
    /// every command).
    OlympiaFinish(Box<olympia::OlympiaQuestion>),
    /// A tie-breaker question (a buzz-in race among the tied teams).
    TieBreaker(buzz_in::BuzzInQuestion),
}

/// What a round keeps across its questions (turn order, packs, a star of hope: whatever its
/// kind needs), one per round of the programme. Undo restores it with the question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoundState {
    /// A buzz-in round.
    BuzzIn(buzz_in::BuzzInRoundState),
    /// A multiple-choice round.
    MultipleChoice(multiple_choice::ChoiceRoundState),
    /// A round scored by hand.
    Scored,
    /// A round the judging panel scores.
    Judged(judged::JudgedState),
    /// A "Về đích" round.
    #[serde(rename = "olympia_finish")]
    Olympia(olympia::OlympiaState),
    /// The tie-breaker questions: the ties broken.
    TieBreaker(tie_breaker::TieBreakState),
}

/// Runs `$body` with `$r` bound to the round's content, whatever its kind.
macro_rules! each_round {
    ($round:expr, $r:ident => $body:expr) => {
        match $round {
            Round::BuzzIn($r) => $body,
            Round::MultipleChoice($r) => $body,
            Round::Scored($r) => $body,
            Round::Judged($r) => $body,
            Round::OlympiaFinish($r) => $body,
            Round::TieBreaker($r) => $body,
        }
    };
}

/// Runs `$body` with `$p` bound to the question's state, whatever its kind.
macro_rules! each_play {
    ($play:expr, $p:ident => $body:expr) => {
        match $play {
            Play::BuzzIn($p) => $body,
            Play::MultipleChoice($p) => $body,
            Play::OlympiaFinish($p) => $body,
            Play::TieBreaker($p) => $body,
        }
    };
}

/// Runs `$body` with the round's content, the question's state and the round's state of one
/// kind bound to `$r`, `$p`, `$s`; `$mismatch` when they are not of one kind.
macro_rules! with_question {
    ($round:expr, $play:expr, $state:expr, |$r:ident, $p:ident, $s:ident| $body:expr, $mismatch:expr) => {
        match ($round, $play, $state) {
            (Round::BuzzIn($r), Play::BuzzIn($p), RoundState::BuzzIn($s)) => $body,
            (
                Round::MultipleChoice($r),
                Play::MultipleChoice($p),
                RoundState::MultipleChoice($s),
            ) => $body,
            (Round::OlympiaFinish($r), Play::OlympiaFinish($p), RoundState::Olympia($s)) => $body,
            (Round::TieBreaker($r), Play::TieBreaker($p), RoundState::TieBreaker($s)) => $body,
            _ => $mismatch,
        }
    };
}

/// What every kind of round offers the programme.
pub trait RoundKind {
    /// The kind's name on the wire and in the contest file.
    const NAME: &'static str;
    /// The round's title as shown on stage.
    fn title(&self) -> &str;
    /// The round's questions in order (none for a round without questions).
    fn questions(&self) -> &[Question] {
        &[]
    }
    /// What the teams perform, shown under the title (empty when the kind has none).
    fn description(&self) -> &str {
        ""
    }
    /// Whether scores stop at zero in this round (hand adjustments included).
    fn floor_at_zero(&self) -> bool {
        false
    }
    /// Adds the problems of the round's own rules and questions, at `at` (`rounds[2]`).
    fn check(&self, at: &str, problems: &mut Problems);
    /// Whether `amended` differs from this round only in wording (see
    /// [`super::Contest::amendable_to`]); says what else changed, of `place` ("round 2").
    fn amendable_to(&self, amended: &Self, place: &str) -> Result<(), String>;
    /// The state the round starts with, in `contest`.
    fn new_state(&self, contest: &Contest) -> RoundState;
    /// Whether a round state read back from storage is of this kind and fits `contest` (no
    /// index outside it).
    fn state_fits(&self, state: &RoundState, contest: &Contest) -> bool {
        std::mem::discriminant(&self.new_state(contest)) == std::mem::discriminant(state)
    }
    /// Which question goes on stage next, `shown` of them having been shown: `Ok(None)` when
    /// the round has none left, `Err` when the MC must do something first (an Olympia turn
    /// without its pack). In order, by default.
    fn next_question(
        &self,
        state: &RoundState,
        shown: usize,
        team_count: usize,
    ) -> Result<Option<usize>, Rejection> {
        let _ = (state, team_count);
        Ok((shown < self.questions().len()).then_some(shown))
    }
    /// Whether the round has been played to its end (it cannot be started again). A round
    /// without questions never is: the MC may come back to it.
    fn played(&self, state: &RoundState, shown: usize, team_count: usize) -> bool {
        let _ = (state, team_count);
        !self.questions().is_empty() && shown >= self.questions().len()
    }
}

/// A kind whose rounds put questions on stage, one at a time.
pub trait QuestionKind: RoundKind {
    /// The state of one question on stage.
    type Play: QuestionPlay;
    /// What the round keeps across its questions.
    type State;
    /// The state of `question` as it goes on stage.
    fn new_play(&self, question: usize, state: &mut Self::State, team_count: usize) -> Self::Play;
    /// Whether a question state read back from storage fits the contest (no index outside it).
    fn fits(&self, play: &Self::Play, question: usize, team_count: usize) -> bool;
    /// Lets every deadline due at `turn.now` expire.
    fn tick(&self, play: &mut Self::Play, turn: &mut Turn);
    /// Applies a command meant for this kind; [`Rejection::WrongKind`] for any other.
    fn apply(
        &self,
        play: &mut Self::Play,
        state: &mut Self::State,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection>;
}

/// What the programme asks of a question on stage without knowing its kind.
pub trait QuestionPlay {
    /// The next moment at which a tick has something to do.
    fn next_deadline(&self) -> Option<Time>;
    /// Whether the MC may take the question off the stage now.
    fn can_leave(&self) -> Result<(), Rejection>;
    /// Whether teams may act on it now with a press time (their clocks matter).
    fn wants_fast_sync(&self) -> bool;
    /// Whether a team may see something of it the others may not (its own answer).
    fn has_team_views(&self) -> bool {
        false
    }
    /// Whether the answer key stays public after undo restored this state, given it was.
    fn revealed_after_undo(&self, was_revealed: bool) -> bool {
        was_revealed
    }
}

/// One command's (or tick's) dealings with the programme: the time, who plays, the events so
/// far, and the one path for score changes.
pub struct Turn<'a> {
    /// When the command is applied.
    pub now: Time,
    /// Index of the question on stage in its round (`None`: a command for the round as a
    /// whole, with its title on stage).
    pub question: Option<usize>,
    /// Number of teams in the contest.
    pub team_count: usize,
    /// Number of judges in the contest.
    pub judge_count: usize,
    /// For a command to the round as a whole: every ranking's points as they stand.
    pub standings: Option<Standings>,
    /// Events of this command so far; the kind adds its own.
    pub events: &'a mut Vec<Event>,
    scores: &'a mut [Points],
    round_scores: &'a mut [Points],
    /// `Some` once the command scored: the changes undo reverts together.
    scored: Option<Vec<ScoreDelta>>,
}

impl<'a> Turn<'a> {
    /// A turn that may change `scores` (totals) and `round_scores` (the round being played).
    pub(crate) fn new(
        now: Time,
        question: Option<usize>,
        judge_count: usize,
        events: &'a mut Vec<Event>,
        scores: &'a mut [Points],
        round_scores: &'a mut [Points],
    ) -> Turn<'a> {
        Turn {
            now,
            question,
            team_count: scores.len(),
            judge_count,
            standings: None,
            events,
            scores,
            round_scores,
            scored: None,
        }
    }

    /// The one path for a judgement's score changes: applies `asked` (team, points) — each
    /// stopped at zero with `floor_at_zero` — and marks the command as a judgement that undo
    /// reverts exactly, even when no points moved (a wrong answer without penalty still changed
    /// the question). Returns the points actually applied, in the order asked.
    pub fn score(&mut self, asked: &[(TeamId, Points)], floor_at_zero: bool) -> Vec<ScoreDelta> {
        let applied: Vec<ScoreDelta> = asked
            .iter()
            .map(|&(team, points)| {
                let delta = clamp_delta(self.scores[team.0], points, floor_at_zero);
                self.scores[team.0] += delta;
                self.round_scores[team.0] += delta;
                ScoreDelta { team, delta }
            })
            .collect();
        self.scored
            .get_or_insert_with(Vec::new)
            .extend(applied.iter().copied());
        applied
    }

    /// The changes to record for undo, if the command scored.
    pub(crate) fn into_scored(self) -> Option<Vec<ScoreDelta>> {
        self.scored
    }
}

/// Every ranking's points as they stand: the totals and each round's.
#[derive(Clone, Debug)]
pub struct Standings {
    /// Totals, like the contest's teams.
    pub totals: Vec<Points>,
    /// Each round's points, `[round][team]`.
    pub rounds: Vec<Vec<Points>>,
}

/// The part of `delta` that may be applied to `score` when scores stop at zero.
pub(crate) fn clamp_delta(score: Points, delta: Points, floor_at_zero: bool) -> Points {
    if floor_at_zero && delta < Points::ZERO && score + delta < Points::ZERO {
        // Never push a score down below zero; a score already below zero stays where it is.
        (-score).min(Points::ZERO)
    } else {
        delta
    }
}

impl Round {
    /// The round's title as shown on stage.
    pub fn title(&self) -> &str {
        each_round!(self, r => r.title())
    }

    /// The round's questions in order.
    pub fn questions(&self) -> &[Question] {
        each_round!(self, r => r.questions())
    }

    /// What the teams perform, shown under the title (may be empty).
    pub fn description(&self) -> &str {
        each_round!(self, r => r.description())
    }

    /// Whether scores are clamped at zero in this round.
    pub fn floor_at_zero(&self) -> bool {
        each_round!(self, r => r.floor_at_zero())
    }

    /// The wire name of the round kind.
    pub fn kind_name(&self) -> &'static str {
        fn name<K: RoundKind>(_: &K) -> &'static str {
            K::NAME
        }
        each_round!(self, r => name(r))
    }

    /// Adds the problems of the round's own rules and questions.
    pub(crate) fn check(&self, at: &str, problems: &mut Problems) {
        each_round!(self, r => r.check(at, problems))
    }

    /// Whether `amended` differs only in wording; says what else changed.
    pub(crate) fn amendable_to(&self, amended: &Round, place: &str) -> Result<(), String> {
        match (self, amended) {
            (Round::BuzzIn(was), Round::BuzzIn(now)) => was.amendable_to(now, place),
            (Round::MultipleChoice(was), Round::MultipleChoice(now)) => {
                was.amendable_to(now, place)
            }
            (Round::Scored(was), Round::Scored(now)) => was.amendable_to(now, place),
            (Round::Judged(was), Round::Judged(now)) => was.amendable_to(now, place),
            (Round::OlympiaFinish(was), Round::OlympiaFinish(now)) => was.amendable_to(now, place),
            (Round::TieBreaker(was), Round::TieBreaker(now)) => was.amendable_to(now, place),
            _ => Err(format!("the kind of {place} changed")),
        }
    }

    /// Which question goes on stage next (see [`RoundKind::next_question`]).
    pub(crate) fn next_question(
        &self,
        state: &RoundState,
        shown: usize,
        team_count: usize,
    ) -> Result<Option<usize>, Rejection> {
        each_round!(self, r => r.next_question(state, shown, team_count))
    }

    /// Whether the round has been played to its end.
    pub(crate) fn played(&self, state: &RoundState, shown: usize, team_count: usize) -> bool {
        each_round!(self, r => r.played(state, shown, team_count))
    }

    /// The state the round starts with.
    pub(crate) fn new_state(&self, contest: &Contest) -> RoundState {
        each_round!(self, r => r.new_state(contest))
    }

    /// The state of `question` as it goes on stage; `None` for a round without questions.
    pub(crate) fn new_play(
        &self,
        question: usize,
        state: &mut RoundState,
        team_count: usize,
    ) -> Option<Play> {
        match (self, state) {
            (Round::BuzzIn(r), RoundState::BuzzIn(s)) => {
                Some(Play::BuzzIn(r.new_play(question, s, team_count)))
            }
            (Round::MultipleChoice(r), RoundState::MultipleChoice(s)) => {
                Some(Play::MultipleChoice(r.new_play(question, s, team_count)))
            }
            (Round::OlympiaFinish(r), RoundState::Olympia(s)) => Some(Play::OlympiaFinish(
                Box::new(r.new_play(question, s, team_count)),
            )),
            (Round::TieBreaker(r), RoundState::TieBreaker(s)) => {
                Some(Play::TieBreaker(r.new_play(question, s, team_count)))
            }
            _ => None,
        }
    }

    /// Whether a stored question state and round state are of this round's kind and fit it.
    pub(crate) fn fits(
        &self,
        play: &Play,
        state: &RoundState,
        question: usize,
        team_count: usize,
    ) -> bool {
        with_question!(
            self,
            play,
            state,
            |r, p, _s| r.fits(p, question, team_count),
            false
        )
    }

    /// Whether a stored round state is of this round's kind and fits `contest`.
    pub(crate) fn state_fits(&self, state: &RoundState, contest: &Contest) -> bool {
        each_round!(self, r => r.state_fits(state, contest))
    }

    /// Lets the question's deadlines due at `turn.now` expire.
    pub(crate) fn tick(&self, play: &mut Play, state: &mut RoundState, turn: &mut Turn) {
        with_question!(self, play, state, |r, p, _s| r.tick(p, turn), ())
    }

    /// Forwards a command for the round as a whole (its title on stage) to its kind.
    pub(crate) fn apply_round(
        &self,
        state: &mut RoundState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        match (self, state) {
            (Round::Judged(r), RoundState::Judged(s)) => r.apply_round(s, command, turn),
            (Round::OlympiaFinish(r), RoundState::Olympia(s)) => r.apply_round(s, command, turn),
            (Round::TieBreaker(r), RoundState::TieBreaker(s)) => r.apply_round(s, command, turn),
            _ => Err(Rejection::WrongKind),
        }
    }

    /// Forwards a command to the kind of the question on stage.
    pub(crate) fn apply(
        &self,
        play: &mut Play,
        state: &mut RoundState,
        command: &Command,
        turn: &mut Turn,
    ) -> Result<(), Rejection> {
        with_question!(
            self,
            play,
            state,
            |r, p, s| r.apply(p, s, command, turn),
            Err(Rejection::WrongKind)
        )
    }
}

impl Play {
    /// The next moment at which a tick has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        each_play!(self, p => p.next_deadline())
    }

    /// Whether the MC may take the question off the stage now.
    pub fn can_leave(&self) -> Result<(), Rejection> {
        each_play!(self, p => p.can_leave())
    }

    /// Whether teams may act on the question now with a press time.
    pub fn wants_fast_sync(&self) -> bool {
        each_play!(self, p => p.wants_fast_sync())
    }

    /// Whether a team may see something of the question the others may not.
    pub fn has_team_views(&self) -> bool {
        each_play!(self, p => p.has_team_views())
    }

    /// Whether the answer key stays public after undo restored this state.
    pub fn revealed_after_undo(&self, was_revealed: bool) -> bool {
        each_play!(self, p => p.revealed_after_undo(was_revealed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{BuzzInRules, ContestBuilder, MultipleChoiceRules};

    /// The name a kind gives the wire and the results is the one the contest file uses for it,
    /// and a new round starts with its own kind's state.
    #[test]
    fn each_kind_is_named_as_in_the_contest_file_and_starts_its_own_state() {
        let contest = ContestBuilder::new("Hội thi")
            .team("a", "Đội A")
            .buzz_in("Giành quyền", BuzzInRules::default(), 1, |_| {
                Question::new("?", "!")
            })
            .multiple_choice("Kiến thức", MultipleChoiceRules::default(), 1, |_| {
                Question {
                    options: vec!["x".into(), "y".into()],
                    ..Question::new("?", "A")
                }
            })
            .scored("Chào hỏi")
            .build();
        for round in &contest.rounds {
            let written = serde_json::to_value(round).expect("serialise");
            assert_eq!(written["kind"], round.kind_name());
            let state = round.new_state(&contest);
            assert!(round.state_fits(&state, &contest));
            assert_eq!(
                serde_json::to_value(&state).expect("state")["kind"],
                round.kind_name()
            );
            let others = contest.rounds.iter().filter(|other| *other != round);
            assert!(
                others
                    .into_iter()
                    .all(|other| !other.state_fits(&state, &contest))
            );
        }
    }
}
