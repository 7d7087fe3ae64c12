//! Every message on the wire, in one place. `docs/PROTOCOL.md` describes the same for people
//! writing other clients.
//!
//! All messages are JSON text frames, tagged by a `type` field. A client first sends `hello` with
//! its role; the server answers `welcome` and then a `state` after every change. Commands may
//! carry an `id`, echoed in the `ack` or `rejected` answer.

use serde::{Deserialize, Serialize};

mod olympia;
use olympia::olympia_view;
pub use olympia::{
    OlympiaOutcomeView, OlympiaQuestionView, OlympiaTurnView, OlympiaValueView, OlympiaView,
};

use crate::game::{self, Clamp, CloseReason, Game, Phase, Play, Stage, Verdict};
use crate::media::Media;

mod judged;
pub use judged::{
    CriterionView, DrawnSituationView, JudgeMarksView, JudgeView, JudgedRulesView, JudgedView,
    PenaltyView, PerformanceView, SituationsView, StageTimerView, SuggestedPenaltyView,
    has_judge_views, judged_round, judged_view,
};

/// Who a socket speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A team's phone: may buzz for its own team only.
    Team,
    /// The MC's control page: drives the show, sees the answers.
    Control,
    /// The projector or an audience phone: watches only.
    Screen,
    /// A judge's phone: scores the teams of a judged round as that judge only.
    Judge,
}

/// A message from a client, with its optional correlation id.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ClientEnvelope {
    /// Echoed in the `ack` or `rejected` answer.
    #[serde(default)]
    pub id: Option<u64>,
    /// The message itself.
    #[serde(flatten)]
    pub message: ClientMessage,
}

/// What a client may send.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message on every socket.
    Hello {
        /// The role asked for.
        role: Role,
        /// For `team`: the team's id.
        #[serde(default)]
        team: Option<String>,
        /// For `control`: the control token from the URL printed at start.
        #[serde(default)]
        token: Option<String>,
        /// For `team`: the device token from an earlier `welcome`, to rejoin as the same team.
        #[serde(default)]
        device: Option<String>,
        /// For `team` without a device token: the team's join code; for `judge`, the judge's.
        #[serde(default)]
        code: Option<String>,
        /// For `judge`: the judge's id (with `code`, or with `device` to check it).
        #[serde(default)]
        judge: Option<String>,
    },
    /// Team: press the buzzer.
    Buzz {
        /// If given, must be the socket's own team: a phone never buzzes for another team.
        #[serde(default)]
        team: Option<String>,
        /// When it was pressed, on the page's `performance.now()` clock (ms): the `timeStamp` of
        /// the `pointerdown` event. Without it the arrival time counts.
        #[serde(default)]
        pressed_at: Option<f64>,
    },
    /// Team: the answer to a `sync` ping.
    SyncReply {
        /// The `t0` of the ping, echoed.
        t0: f64,
        /// Page clock when the ping arrived.
        t1: f64,
        /// Page clock when this reply left.
        t2: f64,
    },
    /// Control: show the next question.
    ShowNextQuestion,
    /// Control: open the buzzers.
    OpenBuzzers,
    /// Control: lock the buzzers.
    LockBuzzers,
    /// Control: judge the team with the floor.
    Judge {
        /// `correct` or `wrong`.
        verdict: Verdict,
    },
    /// Control: reveal the answer to everyone.
    RevealAnswer,
    /// Control: add or take points by hand.
    AdjustScore {
        /// Team id.
        team: String,
        /// Points to add, negative to take (at most two decimals).
        delta: game::Points,
        /// Why (required).
        reason: String,
    },
    /// Control: revert the last judgement of this question.
    Undo,
    /// Control: put a round's title on stage; `show_next_question` then shows its first
    /// unplayed question. Rounds may be played in any order.
    StartRound {
        /// The round's 1-based number in the programme.
        round: usize,
    },
    /// Control: put a ranking on the projector between questions.
    ShowRanking {
        /// A round's 1-based number for that round's standings; absent or `null` for the
        /// contest's totals so far.
        #[serde(default)]
        round: Option<usize>,
    },
    /// Control: put an intermission slide on the projector (a break, a performance).
    ShowIntermission {
        /// A caption of at most 120 characters, e.g. "Giải lao 10 phút" (may be empty).
        #[serde(default)]
        caption: String,
    },
    /// Control: end the contest now and show the final podium.
    FinishContest,
    /// Control: open the answers of the multiple-choice question on stage.
    OpenAnswers,
    /// Control: end the answering of the multiple-choice question now.
    LockAnswers,
    /// Team: pick an option of the multiple-choice question on stage (or change the pick).
    Choose {
        /// The option's letter, `A` to `D`.
        option: String,
        /// When it was pressed, on the page's `performance.now()` clock (ms), as for `buzz`.
        #[serde(default)]
        pressed_at: Option<f64>,
    },
    /// Control: break the tie between teams equal in a ranking with the tie-breaker's
    /// questions (its title must be on stage).
    BreakTie {
        /// The tied teams' ids.
        teams: Vec<String>,
        /// The 1-based number of the round whose ranking is tied; absent or `null` for the
        /// totals.
        #[serde(default)]
        round: Option<usize>,
    },
    /// Control, "Về đích": it is this team's turn (each team has one).
    StartTurn {
        /// Team id.
        team: String,
    },
    /// Control, "Về đích": the team on turn's pack, one value per question in the order it
    /// answers them (e.g. `[20, 30, 20]`).
    ChoosePack {
        /// Each one of the round's values.
        values: Vec<i64>,
    },
    /// Control, "Về đích": the team on turn declares its star of hope for its next question.
    Star,
    /// Control: give a team a new join code (phones already joined stay).
    RotateCode {
        /// Team id.
        team: String,
    },
    /// Control: disconnect a team phone and refuse it from now on.
    RevokePhone {
        /// Team id.
        team: String,
        /// The phone's number as shown on the control page.
        phone: u32,
    },
    /// Judge: give or change the marks of a team in the judged round on stage, as the socket's
    /// own judge.
    Score {
        /// Team id.
        team: String,
        /// One mark per criterion (or one), each a step of the round's scale.
        marks: Vec<game::Points>,
        /// If given, must be the socket's own judge: a judge never scores as another.
        #[serde(default)]
        judge: Option<String>,
    },
    /// Control: call a team on stage in the judged round (its stage timer is reset, not started).
    Perform {
        /// Team id.
        team: String,
    },
    /// Control: start (or resume) the stage timer of the team performing.
    StartTimer,
    /// Control: stop the stage timer.
    StopTimer,
    /// Control: show or hide the stage timer on the projector.
    ShowTimer {
        /// Shown.
        shown: bool,
    },
    /// Control: the team draws its situation by lot; the server draws.
    Draw {
        /// Team id.
        team: String,
    },
    /// Control: close the team's scoring; the judges' marks make its result, which scores.
    CloseScoring {
        /// Team id.
        team: String,
    },
    /// Control: reopen a closed team's scoring; its result is taken back.
    ReopenScoring {
        /// Team id.
        team: String,
    },
    /// Control: take points for a team's performance (time over the limit…), with a reason.
    Penalty {
        /// Team id.
        team: String,
        /// Points taken (negative gives back), at most two decimals.
        points: game::Points,
        /// Why (required).
        reason: String,
    },
    /// Control: reveal a closed team's marks and result to everyone.
    RevealResult {
        /// Team id.
        team: String,
    },
    /// Control: remind a judge to score (a banner on that judge's phone); not recorded.
    RemindJudge {
        /// Judge id.
        judge: String,
        /// The team to score, if the MC names one.
        #[serde(default)]
        team: Option<String>,
    },
    /// Control: give a judge a new join code (phones already joined stay).
    RotateJudgeCode {
        /// Judge id.
        judge: String,
    },
    /// Control: disconnect a judge's phone and refuse it from now on.
    RevokeJudgePhone {
        /// Judge id.
        judge: String,
        /// The phone's number as shown on the control page.
        phone: u32,
    },
}

impl ClientMessage {
    /// Whether this is a command only the MC may send.
    pub fn is_control_command(&self) -> bool {
        !matches!(
            self,
            ClientMessage::Hello { .. }
                | ClientMessage::Buzz { .. }
                | ClientMessage::Choose { .. }
                | ClientMessage::SyncReply { .. }
                | ClientMessage::Score { .. }
        )
    }
}

/// What the server sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The `hello` was accepted.
    Welcome {
        /// The role granted.
        role: Role,
        /// For a team socket: its team id.
        #[serde(skip_serializing_if = "Option::is_none")]
        team: Option<String>,
        /// For a team or judge socket: the device token to keep and present when rejoining.
        #[serde(skip_serializing_if = "Option::is_none")]
        device: Option<String>,
        /// For a judge socket: its judge id.
        #[serde(skip_serializing_if = "Option::is_none")]
        judge: Option<String>,
        /// For a judge socket: the judge's name.
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// Team sockets: a clock-sync ping; answer at once with `sync_reply`.
    Sync {
        /// Server clock when it left (ms, fractional).
        t0: f64,
    },
    /// The command with this id was applied.
    Ack {
        /// The command's id, if it had one.
        id: Option<u64>,
    },
    /// The command with this id was refused; nothing changed.
    Rejected {
        /// The command's id, if it had one.
        id: Option<u64>,
        /// Stable code, translated by the pages (see PROTOCOL.md).
        code: String,
        /// English explanation.
        message: String,
    },
    /// Control only: join codes and phones of every team, sent at join and after each change.
    Access {
        /// One entry per team, in contest order.
        teams: Vec<TeamAccess>,
        /// Wrong join codes per team (or judge) and address, most recent first.
        failed_joins: Vec<FailedJoinView>,
        /// One entry per judge, in contest order (absent when the contest has no judges).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        judges: Vec<JudgeAccess>,
    },
    /// Judge sockets: the MC asks this judge to score.
    Reminder {
        /// The team to score, if the MC named one (id).
        team: Option<String>,
    },
    /// The message could not be understood or is not allowed on this socket; nothing changed.
    Error {
        /// Stable code.
        code: String,
        /// English explanation.
        message: String,
        /// For `throttled`: how long to wait before the next `hello` with a join code (ms).
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl ServerMessage {
    /// Serialises to the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs cannot fail; an empty object is a harmless fallback.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// A rejection of a game command.
    pub fn rejected(id: Option<u64>, rejection: &game::Rejection) -> Self {
        Self::refused(id, rejection.code(), &rejection.to_string())
    }

    /// A command refused for a reason outside the game rules (access, storage).
    pub fn refused(id: Option<u64>, code: &str, message: &str) -> Self {
        ServerMessage::Rejected {
            id,
            code: code.to_string(),
            message: message.to_string(),
        }
    }

    /// A command that could not be saved to disk, and so did not happen.
    pub fn storage_failed(id: Option<u64>) -> Self {
        Self::refused(
            id,
            "storage_failed",
            "the server could not save this to disk; nothing changed",
        )
    }

    /// An error about the message itself.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        ServerMessage::Error {
            code: code.to_string(),
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A join code refused unread: this address tried too many wrong ones.
    pub fn throttled(retry_after: std::time::Duration) -> Self {
        ServerMessage::Error {
            code: "throttled".to_string(),
            message: "too many wrong join codes from this address; wait before trying again"
                .to_string(),
            // Rounded up: a page that waits exactly this long is let through.
            retry_after_ms: Some(retry_after.as_nanos().div_ceil(1_000_000) as u64),
        }
    }
}

/// A team's join code and phones, for the MC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamAccess {
    /// Team id.
    pub id: String,
    /// The code a new phone types (or scans) to join the team.
    pub code: String,
    /// Path of the join page that joins this team at once (put the server's address before it).
    pub join_path: String,
    /// Phones registered for the team.
    pub phones: Vec<PhoneView>,
}

/// A judge's join code and phones, for the MC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgeAccess {
    /// Judge id.
    pub id: String,
    /// The code a new phone types (or scans) to join as this judge.
    pub code: String,
    /// Path of the judge page that joins as this judge at once.
    pub join_path: String,
    /// Phones registered for the judge.
    pub phones: Vec<PhoneView>,
    /// Sockets of this judge connected now.
    pub connected: u32,
}

/// Wrong join codes for one team (or judge) from one address, for the MC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailedJoinView {
    /// Team id the codes were tried for (absent for a judge's code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Judge id the codes were tried for (absent for a team's code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<String>,
    /// The client address they came from.
    pub address: String,
    /// Wrong codes compared.
    pub wrong: u64,
    /// Attempts refused as `throttled`, without comparing the code.
    pub held_back: u64,
    /// Server time of the last of either (ms, the clock of `state.now_ms`).
    pub last_ms: u64,
}

/// A registered team phone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhoneView {
    /// Its number ("Máy 3").
    pub number: u32,
    /// Removed by the MC.
    pub revoked: bool,
}

/// The whole current state as one role sees it: sent as `{"type":"state", ...}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateView {
    /// Always `"state"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Server time when this state was made, for turning deadlines into countdowns.
    pub now_ms: u64,
    /// Contest title.
    pub title: String,
    /// Every team, in scoreboard order.
    pub teams: Vec<TeamView>,
    /// `not_started`, `round_intro` (a round's title), `question`, `slide` or `finished`.
    pub stage: &'static str,
    /// The round being played: of the title or question on stage, or the last one started while
    /// a slide is shown.
    pub round: Option<RoundView>,
    /// The question on stage.
    pub question: Option<QuestionView>,
    /// The buzz-in state of the question on stage.
    pub buzz: Option<BuzzView>,
    /// Control only: whether `undo` would do something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_undo: Option<bool>,
    /// With stage `slide`: what it shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slide: Option<SlideView>,
    /// A multiple-choice question on stage: its options and answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<ChoiceView>,
    /// Control only: every round of the programme and how far it has been played.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<Vec<ProgrammeRoundView>>,
    /// The tie-breaker round being played: the ties broken and the one being broken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_break: Option<Vec<TieBreakView>>,
    /// A "Về đích" round being played: turns, packs, star of hope, the team on turn's clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub olympia: Option<OlympiaView>,
    /// With stage `finished`: the rankings overall and per round, for the final podium and the
    /// round prizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standings: Option<StandingsView>,
    /// A judged round being played: the panel's scoring, as this audience may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged: Option<JudgedView>,
}

/// The final standings: prizes are given overall and per round ("giải phần thi chào hỏi").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StandingsView {
    /// Every team by total, best first; equal totals share a rank.
    pub overall: Vec<RankView>,
    /// Each round some team has points in (not 0), in programme order: a round dropped on the
    /// day, or one nobody scored in, gives no prize.
    pub rounds: Vec<RoundStandingsView>,
}

/// One round's ranking in the final standings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundStandingsView {
    /// The round.
    pub round: RoundView,
    /// Every team by its points in the round, best first; equal points share a rank.
    pub ranking: Vec<RankView>,
}

/// The multiple-choice question on stage. A team's choice is its own until the reveal: before
/// it, the others (and the hall) see only who has answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChoiceView {
    /// `ready` (shown, answers not open), `open`, `locked` (time is up) or `revealed`.
    pub phase: &'static str,
    /// With `open`: when time is up (server clock, ms).
    pub deadline_ms: Option<u64>,
    /// The full answer time (ms), for a progress bar.
    pub countdown_ms: u64,
    /// The options, from A.
    pub options: Vec<String>,
    /// Teams that have answered (ids, scoreboard order).
    pub answered: Vec<String>,
    /// A team's own socket: the letter it chose (`null` before it chooses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<Option<String>>,
    /// The right option's letter: the MC always, everyone once revealed (`null` before).
    pub correct: Option<String>,
    /// Every team's answer: the MC always, everyone once revealed (`null` before).
    pub choices: Option<Vec<ChoiceRecordView>>,
}

/// One team's answer to a multiple-choice question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChoiceRecordView {
    /// Team id.
    pub team: String,
    /// The letter chosen.
    pub option: String,
    /// How long after the answers opened it was chosen (ms, from the press time).
    pub after_ms: f64,
    /// How many times the team changed its mind before.
    pub changes: u32,
    /// Points it scored at the reveal (0 before the reveal and for a wrong answer).
    pub points: game::Points,
}

/// A slide on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlideView {
    /// `ranking` or `intermission`.
    pub kind: &'static str,
    /// A ranking of one round: that round (`null`: the whole contest so far).
    pub round: Option<RoundView>,
    /// An intermission's caption (may be empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A ranking's lines, best first; equal points share a rank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Vec<RankView>>,
}

/// One line of a ranking slide.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankView {
    /// 1 for the best; equal points share a rank (1, 1, 3).
    pub rank: usize,
    /// Team id.
    pub team: String,
    /// Points in the round ranked (or in total).
    pub points: game::Points,
}

/// One round of the programme, for the MC's list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgrammeRoundView {
    /// 1-based number (what `start_round` and `show_ranking` take).
    pub number: usize,
    /// Title.
    pub title: String,
    /// Round kind, e.g. `buzz_in`.
    pub kind: &'static str,
    /// Questions in the round.
    pub questions: usize,
    /// Questions shown so far.
    pub shown: usize,
}

/// A team on the scoreboard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamView {
    /// Team id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Current score.
    pub score: game::Points,
    /// Place on the scoreboard by `score`: equal scores share a place (1, 1, 3) unless a
    /// tie-breaker decided between them.
    pub rank: usize,
    /// Phones of this team connected now.
    pub devices: u32,
    /// Of those, phones answering the clock-sync pings (a phone whose radio or page went to
    /// sleep stays connected but stops answering).
    pub online: u32,
    /// Control only: each phone's link, for spotting a bad connection before opening.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<LinkView>>,
}

/// One phone's connection as measured by clock sync.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView {
    /// Connection number, unique while the server runs.
    pub device: u64,
    /// The phone's number ("Máy 3"), the same across reconnections.
    pub phone: u32,
    /// Answering pings.
    pub online: bool,
    /// Phone clock minus server clock.
    pub offset_ms: Option<f64>,
    /// Best round trip.
    pub round_trip_ms: Option<f64>,
    /// The slowest phone-to-server delay of the recent exchanges (the press allowance is built
    /// from it).
    pub uplink_ms: Option<f64>,
    /// Clock exchanges the estimate rests on (the window holds at most 32); a fresh link's first
    /// few are the least trustworthy.
    pub samples: Option<usize>,
    /// Server time of the last answered ping.
    pub last_seen_ms: Option<u64>,
}

/// The round on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoundView {
    /// 1-based number.
    pub number: usize,
    /// Number of rounds in the programme.
    pub total: usize,
    /// Title.
    pub title: String,
    /// Round kind: `buzz_in` or `scored`.
    pub kind: &'static str,
    /// A `scored` round's description: what the teams perform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The question on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuestionView {
    /// 1-based number within its round.
    pub number: usize,
    /// Number of questions in the round.
    pub total: usize,
    /// Question text.
    pub text: String,
    /// The question's image: the path to fetch it from on this server (`/media/3fa1….png`);
    /// `null` when it has none. Filled by [`StateView::with_images`].
    pub image: Option<String>,
    /// The answer key: always for control, for others only once revealed.
    pub answer: Option<String>,
    /// Whether the MC revealed the answer.
    pub revealed: bool,
    /// Control only: the MC's notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The buzz-in state of the question on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuzzView {
    /// `ready`, `open`, `settling`, `floor`, `locked` or `closed`.
    pub phase: &'static str,
    /// When the running countdown ends (server time, ms), if one runs.
    pub deadline_ms: Option<u64>,
    /// Length of the running countdown, for drawing its bar.
    pub countdown_ms: Option<u64>,
    /// Team id with the floor.
    pub floor: Option<String>,
    /// The answer countdown of the team with the floor has run out.
    pub time_up: bool,
    /// Team ids that answered wrong on this question and cannot buzz again.
    pub tried: Vec<String>,
    /// When closed: `correct`, `no_buzz`, `all_tried` or `revealed`.
    pub closed_reason: Option<&'static str>,
    /// Judgements on this question, oldest first.
    pub judgements: Vec<JudgementView>,
    /// How many times the buzzers were opened on this question (buzzes carry their `race`).
    pub race: u32,
    /// Buzzes that entered a race on this question: by race, then earliest press first.
    pub buzzes: Vec<BuzzRecordView>,
    /// Buzzes before the buzzers opened.
    pub false_starts: Vec<FalseStartView>,
}

/// One judgement on the question on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JudgementView {
    /// Team id.
    pub team: String,
    /// `correct` or `wrong`.
    pub verdict: Verdict,
}

/// One buzz in a race: its place and gap for everyone, the timings behind the verdict for the MC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuzzRecordView {
    /// Team id.
    pub team: String,
    /// Which opening of the buzzers.
    pub race: u32,
    /// 1 for the earliest press of its race.
    pub rank: usize,
    /// Press time minus the earliest press of the race (ms): the "+12 ms" on screen.
    pub gap_ms: f64,
    /// `early`, `late` or `before_open` when the claim was moved.
    pub clamp: Option<Clamp>,
    /// Within the measurement error of the winner: a close call.
    pub close: bool,
    /// The evidence, in the control view only: the pages of a hall need the order and the gaps,
    /// and every byte of a state goes to each of their thousands of sockets.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub timing: Option<BuzzTimingView>,
}

/// How one buzz was timed and converted (control view only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BuzzTimingView {
    /// Press time used for the verdict (server clock, ms).
    pub press_ms: f64,
    /// When the buzz reached the server (server clock, ms).
    pub arrived_ms: f64,
    /// The press time the phone claimed (its own clock, ms), if any.
    pub claimed_ms: Option<f64>,
    /// The phone's clock offset used (ms).
    pub offset_ms: Option<f64>,
    /// The phone's best round trip (ms).
    pub round_trip_ms: Option<f64>,
    /// How far before arrival the press could be placed (ms), after the round's cap.
    pub allowance_ms: Option<f64>,
}

/// A buzz before the buzzers opened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FalseStartView {
    /// Team id.
    pub team: String,
    /// When the server saw it (ms).
    pub at_ms: u64,
    /// With the lockout rule: the team's buzzer works again from this moment (ms).
    pub locked_until_ms: Option<u64>,
    /// With the lose-question rule: the team cannot answer this question.
    pub lost_question: bool,
}

/// Which view of the state to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Projector, audience: no answer before the reveal, no notes.
    Public,
    /// One team's phones: the public view and what only that team may see (its own choice).
    Team(game::TeamId),
    /// One judge's phones (index in the contest's judges): the public view and that judge's
    /// own marks.
    Judge(usize),
    /// The MC: everything.
    Control,
}

impl StateView {
    /// Builds the view of `game` for `audience`. `devices` counts connected phones per team.
    pub fn of(
        game: &Game,
        links: &[Vec<LinkView>],
        now: game::Time,
        audience: Audience,
    ) -> StateView {
        let contest = game.contest();
        let team_id = |team: game::TeamId| team_id_of(game, team);
        let round_view = |index: usize| round_view(game, index);
        let control = audience == Audience::Control;
        let mut slide = None;
        let (stage, question) = match game.stage() {
            Stage::NotStarted => ("not_started", None),
            Stage::Finished => ("finished", None),
            Stage::RoundIntro { .. } => ("round_intro", None),
            Stage::Slide(shown) => {
                slide = Some(slide_view(game, shown, &team_id, &round_view));
                ("slide", None)
            }
            Stage::Question(stage) => ("question", Some(question_views(game, stage, audience))),
        };
        let (question, buzz, choice) = match question {
            Some((question, buzz, choice)) => (Some(question), buzz, choice),
            None => (None, None, None),
        };
        let standings =
            (*game.stage() == Stage::Finished).then(|| standings_view(game, &team_id, &round_view));
        let mut view = StateView {
            kind: "state",
            now_ms: now.as_millis(),
            title: contest.title.clone(),
            teams: team_views(game, links, audience),
            stage,
            round: game.current_round_index().and_then(round_view),
            question,
            buzz,
            can_undo: control.then(|| game.can_undo()),
            slide,
            programme: control.then(|| programme_view(game)),
            choice,
            olympia: olympia_view(game),
            tie_break: tie_break_view(game, &team_id),
            standings,
            judged: judged_view(game, now, audience),
        };
        if !control {
            judged::hold_back_unrevealed(&mut view, game);
        }
        // Places from the scores this audience sees (results held back included).
        let shown: Vec<game::Points> = view.teams.iter().map(|team| team.score).collect();
        let ranks = game::tie_breaker::ranks_with_breaks(&shown, &game.tie_breaks(None));
        for (team, rank) in view.teams.iter_mut().zip(ranks) {
            team.rank = rank;
        }
        view
    }

    /// Serialises to the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// This view with the address of the image of the question on stage, as `media` serves it.
    /// Apart from [`StateView::of`] because the addresses are the running server's. Only the
    /// question on stage has one, in every view alike, so that no page (nor the MC's) learns an
    /// image's address before its question is shown.
    pub fn with_images(mut self, game: &Game, media: &Media) -> StateView {
        if let Some(view) = self.question.as_mut() {
            view.image = game
                .current_question()
                .and_then(|question| question.image.as_deref())
                .and_then(|image| media.url(image))
                .map(str::to_string);
        }
        self
    }
}

/// The id of `team` in `game`'s contest.
fn team_id_of(game: &Game, team: game::TeamId) -> String {
    game.contest()
        .teams
        .get(team.0)
        .map(|t| t.id.clone())
        .unwrap_or_default()
}

/// The scoreboard as `audience` sees it (places are set once the scores shown are final).
fn team_views(game: &Game, links: &[Vec<LinkView>], audience: Audience) -> Vec<TeamView> {
    game.contest()
        .teams
        .iter()
        .zip(game.scores())
        .enumerate()
        .map(|(i, (team, score))| {
            let team_links = links.get(i).map(Vec::as_slice).unwrap_or_default();
            TeamView {
                id: team.id.clone(),
                name: team.name.clone(),
                score: *score,
                rank: 0,
                devices: team_links.len() as u32,
                online: team_links.iter().filter(|l| l.online).count() as u32,
                links: (audience == Audience::Control).then(|| team_links.to_vec()),
            }
        })
        .collect()
}

/// Round `index` of the programme.
fn round_view(game: &Game, index: usize) -> Option<RoundView> {
    let contest = game.contest();
    contest.rounds.get(index).map(|round| RoundView {
        number: index + 1,
        total: contest.rounds.len(),
        title: round.title().to_string(),
        kind: round.kind_name(),
        description: Some(round.description())
            .filter(|d| !d.is_empty())
            .map(str::to_string),
    })
}

/// Every round of the programme and how far it has been played, for the MC.
fn programme_view(game: &Game) -> Vec<ProgrammeRoundView> {
    game.contest()
        .rounds
        .iter()
        .zip(game.shown())
        .enumerate()
        .map(|(i, (round, shown))| ProgrammeRoundView {
            number: i + 1,
            title: round.title().to_string(),
            kind: round.kind_name(),
            questions: round.questions().len(),
            shown: *shown,
        })
        .collect()
}

/// The question on stage for `audience`, with its kind's own view: the buzz race (buzz-in, a
/// tie-breaker, a Về đích steal) or the multiple-choice answers.
fn question_views(
    game: &Game,
    stage: &game::QuestionStage,
    audience: Audience,
) -> (QuestionView, Option<BuzzView>, Option<ChoiceView>) {
    let control = audience == Audience::Control;
    let team_id = |team: game::TeamId| team_id_of(game, team);
    let round = &game.contest().rounds[stage.round];
    let question = &round.questions()[stage.question];
    let question_view = QuestionView {
        number: stage.question + 1,
        total: round.questions().len(),
        text: question.text.clone(),
        image: None,
        answer: (control || stage.revealed).then(|| question.answer.clone()),
        revealed: stage.revealed,
        notes: control.then(|| question.notes.clone()),
    };
    let (buzz, choice) = match (&stage.play, round) {
        (Play::BuzzIn(play), game::Round::BuzzIn(buzz_in)) => (
            Some(buzz_view(play, &buzz_in.rules, audience, &team_id)),
            None,
        ),
        (Play::TieBreaker(play), game::Round::TieBreaker(tie)) => {
            (Some(buzz_view(play, &tie.rules, audience, &team_id)), None)
        }
        // The steal is a buzz-in race: phones and the projector show it as one.
        (Play::OlympiaFinish(play), game::Round::OlympiaFinish(finish)) => {
            let rules = finish.rules.steal_rules();
            (
                Some(buzz_view(&play.steal, &rules, audience, &team_id)),
                None,
            )
        }
        (Play::MultipleChoice(play), _) => (
            None,
            Some(choice_view(
                play,
                question,
                round,
                stage.revealed,
                audience,
                &team_id,
            )),
        ),
        _ => (None, None),
    };
    (question_view, buzz, choice)
}

/// The buzz-in view of `play` for `audience`: the order and gaps for everyone, the timing
/// evidence for the MC.
fn buzz_view(
    play: &game::BuzzInQuestion,
    rules: &game::BuzzInRules,
    audience: Audience,
    team_id: &dyn Fn(game::TeamId) -> String,
) -> BuzzView {
    let (phase, deadline, countdown, floor, time_up, closed_reason) = match &play.phase {
        Phase::Ready => ("ready", None, None, None, false, None),
        Phase::Open { deadline, .. } => (
            "open",
            Some(deadline.as_millis()),
            Some(rules.buzz_window_ms),
            None,
            false,
            None,
        ),
        Phase::Settling { .. } => ("settling", None, None, None, false, None),
        Phase::Floor {
            team,
            deadline,
            time_up,
        } => (
            "floor",
            Some(deadline.as_millis()),
            Some(rules.answer_window_ms),
            Some(team_id(*team)),
            *time_up,
            None,
        ),
        Phase::Locked => ("locked", None, None, None, false, None),
        Phase::Closed { reason } => (
            "closed",
            None,
            None,
            None,
            false,
            Some(close_reason(*reason)),
        ),
    };
    let cap_us = rules.press_allowance_cap_ms * 1000;
    let mut buzzes = Vec::new();
    for race in 1..=play.race {
        let order = game::race::order(&play.buzzes, race);
        let first = order.first().map(|b| b.press);
        for (rank, b) in order.iter().enumerate() {
            let timing = (audience == Audience::Control).then(|| BuzzTimingView {
                press_ms: ms(b.press.0),
                arrived_ms: ms(b.arrived.0),
                claimed_ms: b.claim.map(|c| c.pressed_us as f64 / 1000.0),
                offset_ms: b.claim.map(|c| c.offset_us as f64 / 1000.0),
                round_trip_ms: b.claim.map(|c| ms(c.round_trip_us)),
                allowance_ms: b.claim.map(|c| ms(c.allowance_us.min(cap_us))),
            });
            buzzes.push(BuzzRecordView {
                team: team_id(b.team),
                race,
                rank: rank + 1,
                gap_ms: first.map_or(0.0, |f| ms(b.press.0 - f.0)),
                clamp: b.clamp,
                close: b.close,
                timing,
            });
        }
    }
    BuzzView {
        phase,
        deadline_ms: deadline,
        countdown_ms: countdown,
        floor,
        time_up,
        tried: play.tried.iter().map(|t| team_id(*t)).collect(),
        closed_reason,
        judgements: play
            .judgements
            .iter()
            .map(|j| JudgementView {
                team: team_id(j.team),
                verdict: j.verdict,
            })
            .collect(),
        race: play.race,
        buzzes,
        false_starts: play
            .false_starts
            .iter()
            .map(|f| FalseStartView {
                team: team_id(f.team),
                at_ms: f.at.as_millis(),
                locked_until_ms: f.locked_until.map(|t| t.as_millis()),
                lost_question: f.lost_question,
            })
            .collect(),
    }
}

/// The multiple-choice view of `play` for `audience`.
fn choice_view(
    play: &game::multiple_choice::ChoiceQuestion,
    question: &game::Question,
    round: &game::Round,
    revealed: bool,
    audience: Audience,
    team_id: &dyn Fn(game::TeamId) -> String,
) -> ChoiceView {
    use game::multiple_choice::ChoicePhase;
    let letter = |option: usize| {
        game::OPTION_LETTERS
            .get(option)
            .map_or_else(String::new, |l| (*l).to_string())
    };
    let countdown_ms = match round {
        game::Round::MultipleChoice(round) => game::multiple_choice::Setting {
            rules: &round.rules,
            question,
        }
        .answer_time_ms(),
        _ => 0,
    };
    let (phase, deadline_ms) = match &play.phase {
        ChoicePhase::Ready => ("ready", None),
        ChoicePhase::Open { deadline, .. } => ("open", Some(deadline.as_millis())),
        ChoicePhase::Locked { .. } => ("locked", None),
        ChoicePhase::Revealed => ("revealed", None),
    };
    let open_to_all = audience == Audience::Control || revealed;
    let opened_at = play.opened_at();
    ChoiceView {
        phase,
        deadline_ms,
        countdown_ms,
        options: question.options.clone(),
        answered: play
            .choices
            .iter()
            .enumerate()
            .filter(|(_, choice)| choice.is_some())
            .map(|(team, _)| team_id(game::TeamId(team)))
            .collect(),
        mine: match audience {
            Audience::Team(team) => Some(
                play.choices
                    .get(team.0)
                    .copied()
                    .flatten()
                    .map(|c| letter(c.option)),
            ),
            _ => None,
        },
        correct: open_to_all
            .then(|| question.answer_option().map(letter))
            .flatten(),
        choices: open_to_all.then(|| {
            play.choices
                .iter()
                .enumerate()
                .filter_map(|(team, choice)| {
                    let choice = choice.as_ref()?;
                    Some(ChoiceRecordView {
                        team: team_id(game::TeamId(team)),
                        option: letter(choice.option),
                        after_ms: opened_at.map_or(0.0, |at| ms(choice.at.0.saturating_sub(at.0))),
                        changes: choice.changes,
                        points: choice.points,
                    })
                })
                .collect()
        }),
    }
}

/// What a slide shows: a ranking's lines (of one round or of the totals), or a caption.
fn slide_view(
    game: &Game,
    slide: &game::Slide,
    team_id: &dyn Fn(game::TeamId) -> String,
    round_view: &dyn Fn(usize) -> Option<RoundView>,
) -> SlideView {
    match slide {
        game::Slide::Intermission { caption } => SlideView {
            kind: "intermission",
            round: None,
            caption: Some(caption.clone()),
            ranking: None,
        },
        game::Slide::Ranking { round } => {
            let points: Vec<game::Points> = match round {
                Some(r) => game.round_scores().get(*r).cloned().unwrap_or_default(),
                None => game.scores().to_vec(),
            };
            SlideView {
                kind: "ranking",
                round: round.and_then(round_view),
                caption: None,
                ranking: Some(ranking_view(&points, game.ranking(*round), team_id)),
            }
        }
    }
}

/// Teams ranked by `points` (one entry per team, scoreboard order) in their places `ranks`
/// (ties broken as the game says), best first.
fn ranking_view(
    points: &[game::Points],
    ranks: Vec<usize>,
    team_id: &dyn Fn(game::TeamId) -> String,
) -> Vec<RankView> {
    let mut ranking: Vec<RankView> = points
        .iter()
        .zip(ranks)
        .enumerate()
        .map(|(i, (points, rank))| RankView {
            rank,
            team: team_id(game::TeamId(i)),
            points: *points,
        })
        .collect();
    // Stable: equal ranks keep the scoreboard's order.
    ranking.sort_by_key(|line| line.rank);
    ranking
}

/// The final standings: the totals' ranking and each scored round's.
fn standings_view(
    game: &Game,
    team_id: &dyn Fn(game::TeamId) -> String,
    round_view: &dyn Fn(usize) -> Option<RoundView>,
) -> StandingsView {
    StandingsView {
        overall: ranking_view(game.scores(), game.ranking(None), team_id),
        rounds: game
            .round_scores()
            .iter()
            .enumerate()
            .filter(|(_, points)| points.iter().any(|p| *p != game::Points::ZERO))
            .filter_map(|(index, points)| {
                Some(RoundStandingsView {
                    round: round_view(index)?,
                    ranking: ranking_view(points, game.ranking(Some(index)), team_id),
                })
            })
            .collect(),
    }
}

/// Microseconds as fractional milliseconds.
fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn close_reason(reason: CloseReason) -> &'static str {
    match reason {
        CloseReason::Correct => "correct",
        CloseReason::NoBuzz => "no_buzz",
        CloseReason::AllTried => "all_tried",
        CloseReason::Revealed => "revealed",
    }
}

/// A tie broken, or being broken, by the tie-breaker questions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TieBreakView {
    /// The round whose ranking was tied (1-based number), `null` for the totals.
    pub round: Option<usize>,
    /// The tied teams' ids.
    pub teams: Vec<String>,
    /// The teams placed so far, best first (all of them once the tie is broken).
    pub order: Vec<String>,
    /// Every place is decided.
    pub resolved: bool,
}

/// The ties of the tie-breaker round, while it is the round being played.
fn tie_break_view(
    game: &Game,
    team_id: &dyn Fn(game::TeamId) -> String,
) -> Option<Vec<TieBreakView>> {
    let index = game.current_round_index()?;
    let game::RoundState::TieBreaker(state) = game.round_state(index)? else {
        return None;
    };
    Some(
        state
            .breaks
            .iter()
            .map(|tie| TieBreakView {
                round: tie.round.map(|r| r + 1),
                teams: tie.teams.iter().map(|t| team_id(*t)).collect(),
                order: tie.order.iter().map(|t| team_id(*t)).collect(),
                resolved: tie.resolved(),
            })
            .collect(),
    )
}
