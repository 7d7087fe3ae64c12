//! The game core: every rule of the contest, pure, synchronous and deterministic.
//!
//! Nothing here knows about sockets, tasks or clocks. Time comes in as an argument
//! ([`Time`]), commands go in through [`Game::apply`], and what happened comes out as
//! [`Event`]s. The owner task asks [`Game::next_deadline`] when to wake and calls [`Game::tick`].
//! Replaying the same commands at the same times always gives the same game.
//!
//! Layout: [`contest`] is the data an organiser writes (teams, the programme, questions);
//! [`kinds`] holds one module per round kind ([`kinds::buzz_in`], [`kinds::multiple_choice`],
//! [`kinds::scored`]) and the one place that forwards to them; [`race`] is the buzzer race any
//! kind that lets teams buzz shares (press times, settle window, verdict, false starts). This
//! module runs the programme, the scores and undo. A new round kind is a new module in `kinds`,
//! registered there.

pub mod contest;
pub mod kinds;
pub mod points;
pub mod race;

pub use kinds::{buzz_in, judged, multiple_choice, olympia};

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use buzz_in::{BuzzInQuestion, Clamp, CloseReason, Phase, PressClaim};
pub use contest::{
    BuzzInRound, BuzzInRules, Contest, ContestBuilder, ContestError, FalseStartRule,
    MultipleChoiceRound, MultipleChoiceRules, OPTION_LETTERS, Question, Round, ScoredRound, Team,
};
pub use kinds::{Play, RoundState};
use kinds::{Turn, clamp_delta};
pub use points::Points;

/// A moment in time: microseconds since the Unix epoch, as supplied by the caller.
///
/// Microseconds, because fair buzz judgement compares press times less than a millisecond apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Time(pub u64);

impl Time {
    /// The moment `ms` whole milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms.saturating_mul(1000))
    }

    /// Whole milliseconds since the epoch (rounded down), as the wire shows times.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1000
    }

    /// The moment `ms` milliseconds after this one.
    pub fn after(self, ms: u64) -> Time {
        Time(self.0.saturating_add(ms.saturating_mul(1000)))
    }
}

/// A team, by its position in [`Contest::teams`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TeamId(pub usize);

/// The MC's verdict on an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// "Đúng": the team scores.
    Correct,
    /// "Sai" / "Chưa chính xác": the team may lose points and cannot buzz again on this question.
    Wrong,
}

/// Everything that can change the game. Who may send which command is the transport's business.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Show the next question of the programme (the first one at the start).
    ShowNextQuestion,
    /// Open the buzzers for the teams that have not tried this question.
    OpenBuzzers {
        /// How long to wait after a first buzz for earlier presses still in flight, from the
        /// connected phones' measured delays (bounded by the round's `settle_max_ms`).
        settle_us: u64,
    },
    /// Lock the buzzers while they are open.
    LockBuzzers,
    /// A team presses its buzzer.
    Buzz {
        /// The team buzzing.
        team: TeamId,
        /// When the phone says it was pressed, with its clock estimate; without it the arrival
        /// time counts as the press time.
        claim: Option<PressClaim>,
    },
    /// The MC judges the answer of the team with the floor.
    Judge {
        /// Correct or wrong.
        verdict: Verdict,
    },
    /// Show the answer key to everyone; closes the question if it is still open.
    RevealAnswer,
    /// Add or take points by hand, with a reason for the record.
    AdjustScore {
        /// Whose score.
        team: TeamId,
        /// Points to add (negative to take).
        delta: Points,
        /// Why, e.g. "phạm quy" (foul); kept in the record.
        reason: String,
    },
    /// Revert the last judgement of the current question: score and state.
    Undo,
    /// Put a round's title on stage; the next question shown is its first unplayed one. Rounds
    /// may be played in any order the organisers decide on the day.
    StartRound {
        /// Index of the round in the programme.
        round: usize,
    },
    /// Put a slide on the projector between questions: a ranking or an intermission.
    ShowSlide {
        /// Which slide.
        slide: Slide,
    },
    /// End the contest now (rounds dropped on the day): the final podium.
    FinishContest,
    /// Multiple choice: open the answers for the question's time.
    OpenAnswers,
    /// Multiple choice: end the answering now.
    LockAnswers,
    /// Multiple choice: a team picks an option (or changes its pick).
    Choose {
        /// The team choosing.
        team: TeamId,
        /// 0 for A, 1 for B…
        option: usize,
        /// When the phone says it was pressed, with its clock estimate.
        claim: Option<PressClaim>,
    },
    /// A round judged by a panel: what the MC and the judges do (recorded as
    /// `{"command": "judged", "action": …}`).
    Judged(judged::Action),
    /// A "Về đích" round: the MC's turns, packs and stars (recorded as
    /// `{"command": "olympia", "action": …}`).
    Olympia(olympia::Action),
}

/// A slide the MC puts on stage between questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "slide", rename_all = "snake_case")]
pub enum Slide {
    /// The standings: of one round (its prize, "giải phần thi chào hỏi"), or of the whole
    /// contest so far when `round` is `None` ("Kết quả sau phần thi Kiến thức").
    Ranking {
        /// Index of the round, or `None` for the totals.
        round: Option<usize>,
    },
    /// A pause (a break, a performance between rounds) with the MC's caption, maybe empty.
    Intermission {
        /// Shown under the contest's title, e.g. "Giải lao 10 phút".
        caption: String,
    },
}

/// Longest intermission caption, in characters: one line on the projector.
pub const MAX_CAPTION_CHARS: usize = 120;

/// Something that happened, for animations, replies and the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A question is now on stage.
    QuestionShown {
        /// Index of the round in the programme.
        round: usize,
        /// Index of the question in its round.
        question: usize,
    },
    /// Buzzers opened until `deadline` for `eligible`.
    BuzzersOpened {
        /// When the window closes.
        deadline: Time,
        /// Teams allowed to buzz.
        eligible: Vec<TeamId>,
    },
    /// Buzzers locked.
    BuzzersLocked,
    /// A buzz entered the race with this press time; the verdict follows after the settle window.
    BuzzReceived {
        /// Who buzzed.
        team: TeamId,
        /// Its press time on the server clock.
        press: Time,
    },
    /// A claimed press time was outside what is plausible and was moved.
    PressClamped {
        /// Whose claim.
        team: TeamId,
        /// Which way.
        clamp: Clamp,
    },
    /// A team buzzed before the buzzers opened.
    FalseStart {
        /// Who.
        team: TeamId,
        /// Whether it lost the question for it.
        lost_question: bool,
    },
    /// `team` pressed first; `locked_out` are the other teams that were still eligible.
    FloorTaken {
        /// The team with the floor.
        team: TeamId,
        /// End of its answer countdown.
        deadline: Time,
        /// Teams that lost the race.
        locked_out: Vec<TeamId>,
        /// Another press was within the measurement error: a close call.
        close: bool,
    },
    /// The buzz window ran out with no buzz; the question is closed.
    BuzzWindowExpired,
    /// The answer countdown ran out; the MC still judges.
    AnswerTimeUp {
        /// The team that had the floor.
        team: TeamId,
    },
    /// The MC judged an answer.
    Judged {
        /// The team judged.
        team: TeamId,
        /// The verdict.
        verdict: Verdict,
        /// Points actually applied (after any floor-at-zero clamp).
        delta: Points,
    },
    /// The question closed.
    QuestionClosed {
        /// Why.
        reason: CloseReason,
    },
    /// The answer key is now public.
    AnswerRevealed,
    /// Points were added or taken by hand.
    ScoreAdjusted {
        /// Whose score.
        team: TeamId,
        /// Points actually applied.
        delta: Points,
        /// The MC's reason.
        reason: String,
    },
    /// The last judgement was reverted.
    Undone {
        /// The team whose judgement was reverted.
        team: TeamId,
        /// Points taken back.
        delta: Points,
    },
    /// The last question is done, or the MC ended the contest; final scores stand.
    ContestFinished,
    /// A round's title is on stage.
    RoundStarted {
        /// Index of the round in the programme.
        round: usize,
    },
    /// A slide is on stage.
    SlideShown {
        /// Which slide.
        slide: Slide,
    },
    /// Multiple choice: teams may answer until `deadline`.
    AnswersOpened {
        /// When time is up.
        deadline: Time,
    },
    /// Multiple choice: a team picked (or changed) its answer. Which one stays private until
    /// the reveal, in the views; the record keeps it in the command.
    AnswerChosen {
        /// The team.
        team: TeamId,
    },
    /// Multiple choice: answering is over.
    AnswersLocked,
    /// Multiple choice: the reveal scored these teams (points actually applied).
    ChoicesScored {
        /// Each team that answered right, with its points.
        changes: Vec<ScoreDelta>,
    },
    /// Olympia: it is this team's turn.
    TurnStarted {
        /// The team.
        team: TeamId,
    },
    /// Olympia: the team on turn chose its pack.
    PackChosen {
        /// The team.
        team: TeamId,
        /// The values, in order.
        values: Vec<i64>,
    },
    /// Olympia: the team on turn declared its star of hope for its next question.
    StarDeclared {
        /// The team.
        team: TeamId,
    },
    /// Olympia: a right steal took points from the team on turn.
    Stolen {
        /// The team on turn.
        from: TeamId,
        /// Points actually taken (negative).
        delta: Points,
    },
    /// Judged: a team is called on stage.
    Performing {
        /// The team.
        team: TeamId,
    },
    /// Judged: a team drew its situation.
    SituationDrawn {
        /// The team.
        team: TeamId,
        /// Index of the situation in the round's.
        situation: usize,
    },
    /// Judged: a judge gave or changed a team's marks (which, only the judge and the MC see).
    MarksGiven {
        /// The judge.
        judge: usize,
        /// The team.
        team: TeamId,
    },
    /// Judged: a team's scoring closed with this result.
    ScoringClosed {
        /// The team.
        team: TeamId,
        /// Its result for the round.
        result: Points,
        /// Points actually applied.
        delta: Points,
    },
    /// Judged: a team's scoring reopened; its result was taken back.
    ScoringReopened {
        /// The team.
        team: TeamId,
    },
    /// Judged: a team's marks and result are on the projector.
    ResultRevealed {
        /// The team.
        team: TeamId,
    },
}

/// Why a command was refused. The game is unchanged whenever one is returned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No question is on stage.
    #[error("no question is on stage")]
    NoQuestion,
    /// The contest is over.
    #[error("the contest is finished")]
    ContestFinished,
    /// The buzzers are open; lock them first.
    #[error("the buzzers are open; lock them first")]
    BuzzersOpen,
    /// A team has the floor; judge it first.
    #[error("a team has the floor; judge its answer first")]
    AwaitingJudgement,
    /// The question is closed.
    #[error("this question is closed")]
    QuestionClosed,
    /// The buzzers are not open.
    #[error("the buzzers are not open")]
    BuzzersNotOpen,
    /// A buzz while the buzzers are closed.
    #[error("the buzzers are closed")]
    BuzzersClosed,
    /// Another team already has the floor.
    #[error("another team has the floor")]
    FloorTaken,
    /// The team already has the floor.
    #[error("your team already has the floor")]
    AlreadyHasFloor,
    /// The team answered wrong on this question.
    #[error("your team has already answered this question")]
    AlreadyTried,
    /// The team already buzzed in this race.
    #[error("your team has already buzzed")]
    AlreadyBuzzed,
    /// The team's buzzer is locked for a moment after a false start.
    #[error("your buzzer is locked for a moment after a false start")]
    FalseStartLockout,
    /// The team lost this question by a false start.
    #[error("your team lost this question by buzzing too early")]
    LostByFalseStart,
    /// Judging with no team on the floor.
    #[error("no team has the floor")]
    NoFloor,
    /// Nothing to undo on this question.
    #[error("there is no judgement to undo on this question")]
    NothingToUndo,
    /// The answer is already revealed.
    #[error("the answer is already revealed")]
    AlreadyRevealed,
    /// The team does not exist.
    #[error("there is no such team")]
    UnknownTeam,
    /// A score adjustment that is zero, too large or without a reason.
    #[error("invalid score adjustment: {0}")]
    InvalidAdjustment(&'static str),
    /// The round does not exist.
    #[error("there is no such round")]
    UnknownRound,
    /// Every question of the round has been shown.
    #[error("every question of this round has been shown")]
    RoundPlayed,
    /// An intermission caption that is too long.
    #[error("the caption is too long")]
    CaptionTooLong,
    /// The command is for another kind of question than the one on stage.
    #[error("this command is not for the kind of question on stage")]
    WrongKind,
    /// Multiple choice: the answers are open; lock them or wait for time to run out.
    #[error("the teams are still answering")]
    AnswersOpen,
    /// Multiple choice: the answers are not open yet.
    #[error("the answers are not open yet")]
    AnswersNotOpen,
    /// Multiple choice: time is up.
    #[error("time is up for this question")]
    AnswersClosed,
    /// Multiple choice: there is no option with that letter.
    #[error("this question has no such option")]
    NoSuchOption,
    /// A command for a round as a whole while its title is not on stage.
    #[error("put the round's title on stage first")]
    RoundNotOnStage,
    /// Judged: there is no such judge.
    #[error("there is no such judge")]
    UnknownJudge,
    /// Judged: a mark outside the scale, off its steps, or the wrong number of them.
    #[error("invalid mark: {0}")]
    InvalidMark(&'static str),
    /// Judged: scoring of this team is closed.
    #[error("scoring of this team is closed")]
    ScoringClosed,
    /// Judged: scoring of this team is still open.
    #[error("scoring of this team is still open")]
    ScoringOpen,
    /// Judged: too few judges have scored this team to close it.
    #[error("too few judges have scored this team")]
    TooFewMarks,
    /// Judged: the team has already drawn its situation.
    #[error("this team has already drawn its situation")]
    AlreadyDrawn,
    /// Judged: every situation has been drawn, or the round has none.
    #[error("there is no situation left to draw")]
    NothingToDraw,
    /// Olympia: call a team's turn first.
    #[error("no team is on turn")]
    NoTurn,
    /// Olympia: the team on turn has not chosen its pack.
    #[error("the team on turn has not chosen its pack")]
    NoPack,
    /// Olympia: a turn is in progress.
    #[error("the turn of another team is not over")]
    TurnInProgress,
    /// Olympia: the team has had its turn.
    #[error("this team has had its turn")]
    TurnTaken,
    /// Olympia: the pack is already chosen.
    #[error("the pack is already chosen")]
    PackChosen,
    /// Olympia: a pack of the wrong size or with a value the round does not have.
    #[error("a pack needs the round's number of questions, each of one of its values")]
    InvalidPack,
    /// Olympia: not enough questions of a value are left for this pack.
    #[error("not enough questions of these values are left")]
    PackUnavailable,
    /// Olympia: the round has no star of hope.
    #[error("this round has no star of hope")]
    NoStar,
    /// Olympia: the team has used its star of hope.
    #[error("the star of hope is already used")]
    StarUsed,
    /// Olympia: a team cannot steal its own question.
    #[error("this is your team's own question")]
    OwnQuestion,
    /// Judged: no team is on stage.
    #[error("call a team on stage first")]
    NoPerformer,
    /// Judged: the result of this team is already on the projector.
    #[error("this result is already shown")]
    AlreadyShown,
}

impl Rejection {
    /// A stable machine-readable code; pages translate it.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NoQuestion => "no_question",
            Rejection::ContestFinished => "contest_finished",
            Rejection::BuzzersOpen => "buzzers_open",
            Rejection::AwaitingJudgement => "awaiting_judgement",
            Rejection::QuestionClosed => "question_closed",
            Rejection::BuzzersNotOpen => "buzzers_not_open",
            Rejection::BuzzersClosed => "buzzers_closed",
            Rejection::FloorTaken => "floor_taken",
            Rejection::AlreadyHasFloor => "already_has_floor",
            Rejection::AlreadyTried => "already_tried",
            Rejection::AlreadyBuzzed => "already_buzzed",
            Rejection::FalseStartLockout => "false_start_lockout",
            Rejection::LostByFalseStart => "lost_by_false_start",
            Rejection::NoFloor => "no_floor",
            Rejection::NothingToUndo => "nothing_to_undo",
            Rejection::AlreadyRevealed => "already_revealed",
            Rejection::UnknownTeam => "unknown_team",
            Rejection::InvalidAdjustment(_) => "invalid_adjustment",
            Rejection::UnknownRound => "unknown_round",
            Rejection::RoundPlayed => "round_played",
            Rejection::CaptionTooLong => "caption_too_long",
            Rejection::WrongKind => "wrong_kind",
            Rejection::AnswersOpen => "answers_open",
            Rejection::AnswersNotOpen => "answers_not_open",
            Rejection::AnswersClosed => "answers_closed",
            Rejection::NoSuchOption => "no_such_option",
            Rejection::RoundNotOnStage => "round_not_on_stage",
            Rejection::UnknownJudge => "unknown_judge",
            Rejection::InvalidMark(_) => "invalid_mark",
            Rejection::ScoringClosed => "scoring_closed",
            Rejection::ScoringOpen => "scoring_open",
            Rejection::TooFewMarks => "too_few_marks",
            Rejection::AlreadyDrawn => "already_drawn",
            Rejection::NothingToDraw => "nothing_to_draw",
            Rejection::AlreadyShown => "already_shown",
            Rejection::NoPerformer => "no_performer",
            Rejection::NoTurn => "no_turn",
            Rejection::NoPack => "no_pack",
            Rejection::TurnInProgress => "turn_in_progress",
            Rejection::TurnTaken => "turn_taken",
            Rejection::PackChosen => "pack_chosen",
            Rejection::InvalidPack => "invalid_pack",
            Rejection::PackUnavailable => "pack_unavailable",
            Rejection::NoStar => "no_star",
            Rejection::StarUsed => "star_used",
            Rejection::OwnQuestion => "own_question",
        }
    }
}

/// Largest single manual score adjustment.
pub const MAX_ADJUSTMENT: Points = Points::whole(1_000_000);
/// Longest reason for a manual adjustment, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// Where the programme stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Before the first question.
    NotStarted,
    /// A round's title, before its first question.
    RoundIntro {
        /// Index of the round in the programme.
        round: usize,
    },
    /// A question is on stage.
    Question(QuestionStage),
    /// A ranking or an intermission, between questions.
    Slide(Slide),
    /// After the last question, or ended by the MC.
    Finished,
}

/// The question on stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionStage {
    /// Index of the round in the programme.
    pub round: usize,
    /// Index of the question in its round.
    pub question: usize,
    /// The answer key is public.
    pub revealed: bool,
    /// The round kind's own state for this question.
    pub play: Play,
}

/// Points actually applied to one team's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreDelta {
    /// Whose score.
    pub team: TeamId,
    /// Points added (negative: taken).
    pub delta: Points,
}

/// What undo needs to revert one judgement exactly: the question and its round as they were,
/// and every score it changed (one team for a buzz-in verdict; several when a judgement moves
/// points between teams or scores every team at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "UndoRecord")]
struct UndoEntry {
    /// The question state just before the judgement (`None` for a judgement of the round, made
    /// with no question on stage: a judging panel's result).
    play_before: Option<Play>,
    /// The round's state just before it (`None` in entries stored before rounds had a state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state_before: Option<RoundState>,
    /// The points actually applied, per team.
    changes: Vec<ScoreDelta>,
}

/// An undo entry as stored; entries saved before several teams could change at once name one
/// `team` and its `delta`.
#[derive(Deserialize)]
struct UndoRecord {
    #[serde(default)]
    play_before: Option<Play>,
    #[serde(default)]
    state_before: Option<RoundState>,
    #[serde(default)]
    changes: Vec<ScoreDelta>,
    #[serde(default)]
    team: Option<TeamId>,
    #[serde(default)]
    delta: Option<Points>,
}

impl From<UndoRecord> for UndoEntry {
    fn from(record: UndoRecord) -> UndoEntry {
        let mut changes = record.changes;
        if let (Some(team), Some(delta)) = (record.team, record.delta) {
            changes.push(ScoreDelta { team, delta });
        }
        UndoEntry {
            play_before: record.play_before,
            state_before: record.state_before,
            changes,
        }
    }
}

/// A whole contest in progress. Serialisable, so the journal can keep snapshots of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "GameRecord", into = "GameRecord")]
pub struct Game {
    /// Shared, not copied: the game is cloned for every command (to leave it untouched when the
    /// command is refused), and a contest with hundreds of questions must not be copied each time.
    contest: Arc<Contest>,
    scores: Vec<Points>,
    /// Points won in each round, `[round][team]`, for per-round results and prizes.
    round_scores: Vec<Vec<Points>>,
    stage: Stage,
    /// Judgements of the current question that undo can revert, oldest first.
    undo: Vec<UndoEntry>,
    /// How many questions of each round have been shown: the next one shown is the first after.
    shown: Vec<usize>,
    /// The round being played (its title, a question or a slide after it is on stage); points
    /// scored between questions count for it.
    round: Option<usize>,
    /// Each round's own state across its questions, indexed like the programme.
    round_states: Vec<RoundState>,
}

/// A game as the journal stores it. Snapshots written before rounds could be played in any
/// order have neither `shown` nor `round`: they were played in programme order, so both follow
/// from the stage.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct GameRecord {
    contest: Arc<Contest>,
    scores: Vec<Points>,
    round_scores: Vec<Vec<Points>>,
    stage: Stage,
    undo: Vec<UndoEntry>,
    #[serde(default)]
    shown: Option<Vec<usize>>,
    #[serde(default)]
    round: Option<usize>,
    /// Absent in snapshots written before rounds had a state: every round then starts afresh
    /// (no kind kept anything across questions).
    #[serde(default)]
    round_states: Option<Vec<RoundState>>,
}

impl From<GameRecord> for Game {
    fn from(record: GameRecord) -> Game {
        let rounds = record.contest.rounds.len();
        let shown = record.shown.unwrap_or_else(|| {
            let length = |r: usize| record.contest.rounds[r].questions().len();
            match &record.stage {
                Stage::Question(stage) => (0..rounds)
                    .map(|r| match r.cmp(&stage.round) {
                        std::cmp::Ordering::Less => length(r),
                        std::cmp::Ordering::Equal => stage.question + 1,
                        std::cmp::Ordering::Greater => 0,
                    })
                    .collect(),
                Stage::Finished => (0..rounds).map(length).collect(),
                _ => vec![0; rounds],
            }
        });
        let round = record.round.or(match &record.stage {
            Stage::Question(stage) => Some(stage.round),
            Stage::Finished => rounds.checked_sub(1),
            _ => None,
        });
        let round_states = record.round_states.unwrap_or_else(|| {
            let contest = &record.contest;
            contest
                .rounds
                .iter()
                .map(|r| r.new_state(contest))
                .collect()
        });
        Game {
            contest: record.contest,
            scores: record.scores,
            round_scores: record.round_scores,
            stage: record.stage,
            undo: record.undo,
            shown,
            round,
            round_states,
        }
    }
}

impl From<Game> for GameRecord {
    fn from(game: Game) -> GameRecord {
        GameRecord {
            contest: game.contest,
            scores: game.scores,
            round_scores: game.round_scores,
            stage: game.stage,
            undo: game.undo,
            shown: Some(game.shown),
            round: game.round,
            round_states: Some(game.round_states),
        }
    }
}

impl Game {
    /// A contest before its first question, every score at zero.
    pub fn new(contest: Contest) -> Game {
        let scores = vec![Points::ZERO; contest.teams.len()];
        let round_scores = vec![scores.clone(); contest.rounds.len()];
        let shown = vec![0; contest.rounds.len()];
        let round_states = contest
            .rounds
            .iter()
            .map(|r| r.new_state(&contest))
            .collect();
        Game {
            contest: Arc::new(contest),
            scores,
            round_scores,
            stage: Stage::NotStarted,
            undo: Vec::new(),
            shown,
            round: None,
            round_states,
        }
    }

    /// Checks a game read back from storage, so that no index in it can point outside the
    /// contest: a damaged snapshot is refused instead of crashing the show later.
    pub fn validate(&self) -> Result<(), String> {
        self.contest.validate().map_err(|e| e.to_string())?;
        let teams = self.contest.teams.len();
        if self.scores.len() != teams {
            return Err(format!("{} scores for {teams} teams", self.scores.len()));
        }
        if self.round_scores.len() != self.contest.rounds.len()
            || self.round_scores.iter().any(|r| r.len() != teams)
        {
            return Err("per-round scores do not match the contest".into());
        }
        let rounds = &self.contest.rounds;
        if self.shown.len() != rounds.len()
            || self
                .shown
                .iter()
                .zip(rounds)
                .any(|(shown, round)| *shown > round.questions().len())
        {
            return Err("the questions shown do not match the contest".into());
        }
        if self.round_states.len() != rounds.len()
            || rounds
                .iter()
                .zip(&self.round_states)
                .any(|(round, state)| !round.state_fits(state, &self.contest))
        {
            return Err("the rounds' states do not match the contest".into());
        }
        if self.round.is_some_and(|r| r >= rounds.len()) {
            return Err("the current round does not exist".into());
        }
        let round_exists = |r: &usize| *r < rounds.len();
        match &self.stage {
            Stage::RoundIntro { round } if !round_exists(round) => {
                return Err(format!("round {round} does not exist"));
            }
            Stage::Slide(Slide::Ranking { round: Some(round) }) if !round_exists(round) => {
                return Err(format!("round {round} does not exist"));
            }
            _ => {}
        }
        let team_ok = |team: &TeamId| team.0 < teams;
        if !self
            .undo
            .iter()
            .all(|u| u.changes.iter().all(|c| team_ok(&c.team)))
        {
            return Err("a team index is out of range".into());
        }
        match &self.stage {
            Stage::Question(stage) => self.validate_question(stage),
            Stage::RoundIntro { round } => {
                let content = &rounds[*round];
                let undo_ok = self.undo.iter().all(|u| {
                    u.play_before.is_none()
                        && u.state_before
                            .as_ref()
                            .is_none_or(|s| content.state_fits(s, &self.contest))
                });
                undo_ok
                    .then_some(())
                    .ok_or_else(|| "the undo history does not fit the round on stage".into())
            }
            _ if !self.undo.is_empty() => Err("an undo history without a question".into()),
            _ => Ok(()),
        }
    }

    /// Checks the question on stage of a game read back from storage.
    fn validate_question(&self, stage: &QuestionStage) -> Result<(), String> {
        let teams = self.contest.teams.len();
        let Some(round) = self.contest.rounds.get(stage.round) else {
            return Err(format!("round {} does not exist", stage.round));
        };
        if stage.question >= round.questions().len() {
            return Err(format!("question {} does not exist", stage.question));
        }
        let state = &self.round_states[stage.round];
        if !round.fits(&stage.play, state, stage.question, teams) {
            return Err("the question on stage does not fit its round".into());
        }
        let undo_ok = self.undo.iter().all(|u| {
            u.play_before
                .as_ref()
                .is_some_and(|play| round.fits(play, state, stage.question, teams))
                && u.state_before
                    .as_ref()
                    .is_none_or(|s| round.state_fits(s, &self.contest))
        });
        if !undo_ok {
            return Err("the undo history does not fit the question on stage".into());
        }
        Ok(())
    }

    /// Takes `amended` in place of the contest being played when only its wording differs (see
    /// [`Contest::amendable_to`]); scores, stage and undo history stay as they are.
    pub fn amend(&mut self, amended: Contest) -> Result<(), String> {
        self.contest.amendable_to(&amended)?;
        amended.validate().map_err(|e| e.to_string())?;
        self.contest = Arc::new(amended);
        Ok(())
    }

    /// The contest being played.
    pub fn contest(&self) -> &Contest {
        &self.contest
    }

    /// Scores, indexed like [`Contest::teams`].
    pub fn scores(&self) -> &[Points] {
        &self.scores
    }

    /// Where the programme stands.
    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// Whether [`Command::Undo`] would do something now.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// The round being played: of the question or title on stage, or the last one started while
    /// a slide is shown; `None` before the first and after the contest.
    pub fn current_round(&self) -> Option<&Round> {
        match &self.stage {
            Stage::NotStarted | Stage::Finished => None,
            _ => self.round.and_then(|r| self.contest.rounds.get(r)),
        }
    }

    /// The index of the round being played, as [`Game::current_round`].
    pub fn current_round_index(&self) -> Option<usize> {
        self.current_round().and(self.round)
    }

    /// How many questions of each round have been shown.
    pub fn shown(&self) -> &[usize] {
        &self.shown
    }

    /// The question on stage.
    pub fn current_question(&self) -> Option<&Question> {
        match &self.stage {
            Stage::Question(stage) => self
                .contest
                .rounds
                .get(stage.round)
                .and_then(|round| round.questions().get(stage.question)),
            _ => None,
        }
    }

    /// Whether phones' clocks should be measured often now: teams may buzz on what is on stage
    /// (a buzz-in question not yet closed), so every press time must convert precisely; it also
    /// keeps the phones' Wi-Fi out of power save.
    pub fn wants_fast_sync(&self) -> bool {
        match &self.stage {
            Stage::Question(stage) => stage.play.wants_fast_sync(),
            _ => false,
        }
    }

    /// Whether a team may now see something the others may not (its own answer to a
    /// multiple-choice question): then each team's view is built for it alone.
    pub fn has_team_views(&self) -> bool {
        match &self.stage {
            Stage::Question(stage) => stage.play.has_team_views(),
            _ => false,
        }
    }

    /// The next moment at which [`Game::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        match &self.stage {
            Stage::Question(stage) => stage.play.next_deadline(),
            _ => None,
        }
    }

    /// Lets every deadline due at `now` expire.
    pub fn tick(&mut self, now: Time) -> Vec<Event> {
        let mut events = Vec::new();
        // Nothing to expire without a question on stage.
        let _ = self.with_kind(now, &mut events, |round, play, state, turn| {
            round.tick(play, state, turn);
            Ok(())
        });
        events
    }

    /// Applies one command at `now`. On `Err` the game is exactly as before.
    ///
    /// Deadlines due at `now` expire first, so the outcome never depends on whether the caller's
    /// timer fired before the command arrived (their events lead the returned list).
    pub fn apply(&mut self, command: &Command, now: Time) -> Result<Vec<Event>, Rejection> {
        // Work on a copy so that a rejected command leaves no trace, not even the expiry; callers
        // that want expiries published call `tick` first.
        let mut next = self.clone();
        let mut events = next.tick(now);
        next.apply_inner(command, now, &mut events)?;
        *self = next;
        Ok(events)
    }

    fn apply_inner(
        &mut self,
        command: &Command,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let team_count = self.contest.teams.len();
        match command {
            Command::ShowNextQuestion => self.show_next_question(events),
            Command::StartRound { round } => self.start_round(*round, events),
            Command::ShowSlide { slide } => self.show_slide(slide, events),
            Command::FinishContest => {
                if self.stage == Stage::Finished {
                    return Err(Rejection::ContestFinished);
                }
                self.leave()?;
                self.stage = Stage::Finished;
                events.push(Event::ContestFinished);
                Ok(())
            }
            Command::AdjustScore {
                team,
                delta,
                reason,
            } => self.adjust_score(*team, *delta, reason, events),
            Command::Undo => self.undo(events),
            Command::RevealAnswer => {
                match &self.stage {
                    Stage::Question(stage) if stage.revealed => {
                        return Err(Rejection::AlreadyRevealed);
                    }
                    Stage::Question(_) => {}
                    _ => return Err(self.no_question()),
                }
                self.forward(command, now, events)?;
                if let Stage::Question(stage) = &mut self.stage {
                    stage.revealed = true;
                }
                Ok(())
            }
            Command::Buzz { team, .. } | Command::Choose { team, .. } if team.0 >= team_count => {
                Err(Rejection::UnknownTeam)
            }
            Command::Judged(_) | Command::Olympia(_) => self.forward_to_round(command, now, events),
            Command::OpenBuzzers { .. }
            | Command::LockBuzzers
            | Command::Buzz { .. }
            | Command::Judge { .. }
            | Command::OpenAnswers
            | Command::LockAnswers
            | Command::Choose { .. } => self.forward(command, now, events),
        }
    }

    /// Hands a command to the kind of the question on stage.
    fn forward(
        &mut self,
        command: &Command,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.with_kind(now, events, |round, play, state, turn| {
            round.apply(play, state, command, turn)
        })
    }

    /// Hands a command for the round as a whole to the kind of the round whose title is on stage.
    fn forward_to_round(
        &mut self,
        command: &Command,
        now: Time,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        self.with_round(now, events, |round, state, turn| {
            round.apply_round(state, command, turn)
        })
    }

    /// Runs `act` on the question on stage with its round and a [`Turn`]; when `act` scored,
    /// records the judgement for undo with the question and round as they were before.
    fn with_kind(
        &mut self,
        now: Time,
        events: &mut Vec<Event>,
        act: impl FnOnce(&Round, &mut Play, &mut RoundState, &mut Turn) -> Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        let Game {
            contest,
            scores,
            round_scores,
            stage,
            undo,
            round_states,
            ..
        } = self;
        let stage = question_on_stage(stage)?;
        let (Some(round), Some(state), Some(round_scores)) = (
            contest.rounds.get(stage.round),
            round_states.get_mut(stage.round),
            round_scores.get_mut(stage.round),
        ) else {
            return Err(Rejection::NoQuestion);
        };
        let play_before = stage.play.clone();
        let state_before = state.clone();
        let judges = contest.judges.len();
        let mut turn = Turn::new(
            now,
            Some(stage.question),
            judges,
            events,
            scores,
            round_scores,
        );
        act(round, &mut stage.play, state, &mut turn)?;
        if let Some(changes) = turn.into_scored() {
            undo.push(UndoEntry {
                play_before: Some(play_before),
                state_before: Some(state_before),
                changes,
            });
        }
        Ok(())
    }

    /// Runs `act` on the round whose title is on stage, as [`Game::with_kind`] does on a
    /// question.
    fn with_round(
        &mut self,
        now: Time,
        events: &mut Vec<Event>,
        act: impl FnOnce(&Round, &mut RoundState, &mut Turn) -> Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        let Game {
            contest,
            scores,
            round_scores,
            stage,
            undo,
            round_states,
            ..
        } = self;
        // Between questions of the round (its question on stage may be left) counts as the
        // round on stage: an Olympia turn moves on with its last question still shown.
        let (round, play_before) = match stage {
            Stage::RoundIntro { round } => (*round, None),
            Stage::Question(stage) => {
                stage.play.can_leave()?;
                (stage.round, Some(stage.play.clone()))
            }
            Stage::Finished => return Err(Rejection::ContestFinished),
            _ => return Err(Rejection::RoundNotOnStage),
        };
        let (Some(content), Some(state), Some(round_scores)) = (
            contest.rounds.get(round),
            round_states.get_mut(round),
            round_scores.get_mut(round),
        ) else {
            return Err(Rejection::UnknownRound);
        };
        let state_before = state.clone();
        let judges = contest.judges.len();
        let mut turn = Turn::new(now, None, judges, events, scores, round_scores);
        act(content, state, &mut turn)?;
        if let Some(changes) = turn.into_scored() {
            undo.push(UndoEntry {
                play_before,
                state_before: Some(state_before),
                changes,
            });
        }
        Ok(())
    }

    /// Reverts the last judgement of the question (or round) on stage: its question and round
    /// states and every score it changed.
    fn undo(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        let Some(entry) = self.undo.pop() else {
            return Err(Rejection::NothingToUndo);
        };
        let round = match (&mut self.stage, entry.play_before) {
            (Stage::Question(stage), Some(play)) => {
                stage.play = play;
                stage.revealed = stage.play.revealed_after_undo(stage.revealed);
                stage.round
            }
            (Stage::RoundIntro { round }, None) => *round,
            _ => return Err(Rejection::NothingToUndo),
        };
        if let Some(state) = entry.state_before {
            self.round_states[round] = state;
        }
        for change in entry.changes {
            self.add_points(change.team, -change.delta);
            events.push(Event::Undone {
                team: change.team,
                delta: change.delta,
            });
        }
        Ok(())
    }

    /// Adds points to a team's total and to the round being played (the first round before the
    /// start, the last one after the end).
    fn add_points(&mut self, team: TeamId, points: Points) {
        let round = self.round.unwrap_or(0);
        self.scores[team.0] += points;
        if let Some(round_scores) = self.round_scores.get_mut(round) {
            round_scores[team.0] += points;
        }
    }

    /// Points won in each round, `[round][team]`.
    pub fn round_scores(&self) -> &[Vec<Points>] {
        &self.round_scores
    }

    /// What round `round` (index in the programme) keeps across its questions: the views show
    /// a judging panel's marks and a draw from it.
    pub fn round_state(&self, round: usize) -> Option<&RoundState> {
        self.round_states.get(round)
    }

    fn no_question(&self) -> Rejection {
        match self.stage {
            Stage::Finished => Rejection::ContestFinished,
            _ => Rejection::NoQuestion,
        }
    }

    /// Whether the MC may take the question on stage off it now (a judgement pending, buzzers
    /// open: not yet); then clears its undo history, which belongs to it.
    fn leave(&mut self) -> Result<(), Rejection> {
        if let Stage::Question(stage) = &self.stage {
            stage.play.can_leave()?;
        }
        self.undo.clear();
        Ok(())
    }

    /// The next question to show: the first unshown one of the round being played, else of the
    /// first round in programme order that has one.
    fn next_position(&self) -> Result<Option<(usize, usize)>, Rejection> {
        let rounds = &self.contest.rounds;
        let teams = self.contest.teams.len();
        let next = |r: usize| rounds[r].next_question(&self.round_states[r], self.shown[r], teams);
        // The round being played decides first; it may need the MC to act (a pack to choose).
        if let Some(round) = self.round
            && let Some(question) = next(round)?
        {
            return Ok(Some((round, question)));
        }
        Ok((0..rounds.len()).find_map(|r| next(r).ok().flatten().map(|q| (r, q))))
    }

    fn show_next_question(&mut self, events: &mut Vec<Event>) -> Result<(), Rejection> {
        if self.stage == Stage::Finished {
            return Err(Rejection::ContestFinished);
        }
        self.leave()?;
        match self.next_position()? {
            Some((round, question)) => {
                let teams = self.contest.teams.len();
                // A round without questions is never next.
                let play = self.contest.rounds[round]
                    .new_play(question, &mut self.round_states[round], teams)
                    .ok_or(Rejection::NoQuestion)?;
                self.shown[round] += 1;
                self.round = Some(round);
                self.stage = Stage::Question(QuestionStage {
                    round,
                    question,
                    revealed: false,
                    play,
                });
                events.push(Event::QuestionShown { round, question });
            }
            None => {
                self.stage = Stage::Finished;
                events.push(Event::ContestFinished);
            }
        }
        Ok(())
    }

    fn start_round(&mut self, round: usize, events: &mut Vec<Event>) -> Result<(), Rejection> {
        let Some(content) = self.contest.rounds.get(round) else {
            return Err(Rejection::UnknownRound);
        };
        let teams = self.contest.teams.len();
        if content.played(&self.round_states[round], self.shown[round], teams) {
            return Err(Rejection::RoundPlayed);
        }
        self.leave()?;
        self.round = Some(round);
        self.stage = Stage::RoundIntro { round };
        events.push(Event::RoundStarted { round });
        Ok(())
    }

    fn show_slide(&mut self, slide: &Slide, events: &mut Vec<Event>) -> Result<(), Rejection> {
        match slide {
            Slide::Ranking { round: Some(round) } if *round >= self.contest.rounds.len() => {
                return Err(Rejection::UnknownRound);
            }
            Slide::Intermission { caption } if caption.chars().count() > MAX_CAPTION_CHARS => {
                return Err(Rejection::CaptionTooLong);
            }
            _ => {}
        }
        self.leave()?;
        let slide = match slide {
            Slide::Intermission { caption } => Slide::Intermission {
                caption: caption.trim().to_string(),
            },
            ranking => ranking.clone(),
        };
        self.stage = Stage::Slide(slide.clone());
        events.push(Event::SlideShown { slide });
        Ok(())
    }

    fn adjust_score(
        &mut self,
        team: TeamId,
        delta: Points,
        reason: &str,
        events: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        if team.0 >= self.scores.len() {
            return Err(Rejection::UnknownTeam);
        }
        if delta == Points::ZERO {
            return Err(Rejection::InvalidAdjustment("the change must not be zero"));
        }
        if !(-MAX_ADJUSTMENT..=MAX_ADJUSTMENT).contains(&delta) {
            return Err(Rejection::InvalidAdjustment("the change is too large"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Rejection::InvalidAdjustment("a reason is required"));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(Rejection::InvalidAdjustment("the reason is too long"));
        }
        let floor_at_zero = self
            .round
            .and_then(|r| self.contest.rounds.get(r))
            .is_some_and(Round::floor_at_zero);
        let applied = clamp_delta(self.scores[team.0], delta, floor_at_zero);
        self.add_points(team, applied);
        events.push(Event::ScoreAdjusted {
            team,
            delta: applied,
            reason: reason.to_string(),
        });
        Ok(())
    }
}

/// The question on stage, or why there is none.
fn question_on_stage(stage: &mut Stage) -> Result<&mut QuestionStage, Rejection> {
    match stage {
        Stage::Question(stage) => Ok(stage),
        Stage::Finished => Err(Rejection::ContestFinished),
        Stage::NotStarted | Stage::RoundIntro { .. } | Stage::Slide(_) => {
            Err(Rejection::NoQuestion)
        }
    }
}

/// Standard competition ranks of `points` (highest first; equal points share a rank: 1, 1, 3),
/// in the same order as `points`.
pub fn ranks<P: Ord>(points: &[P]) -> Vec<usize> {
    points
        .iter()
        .map(|mine| 1 + points.iter().filter(|other| *other > mine).count())
        .collect()
}

#[cfg(test)]
mod tests;
