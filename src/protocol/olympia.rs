//! The wire view of a "Về đích" round (see `docs/PROTOCOL.md`, `olympia`).

use serde::Serialize;

use crate::game::olympia::{MainPhase, OlympiaQuestion, OlympiaRound, OlympiaState};
use crate::game::{self, Game, Play, RoundState, Stage};

/// A "Về đích" round being played: the turns, the packs, the star of hope and, with one of its
/// questions on stage, the team on turn's clock. The steal race is the state's `buzz`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OlympiaView {
    /// Each value a pack may hold, with how many questions of it are left.
    pub values: Vec<OlympiaValueView>,
    /// Questions in a pack.
    pub pack_size: usize,
    /// Whether teams may declare a star of hope.
    pub star_of_hope: bool,
    /// A right steal takes its value from the team on turn (else it only earns it).
    pub steal_takes_from_main: bool,
    /// What a wrong steal costs, in percent of the value.
    pub wrong_steal_percent: i64,
    /// The turns played or in progress, in order.
    pub turns: Vec<OlympiaTurnView>,
    /// The team on turn (id) while its turn is not over.
    pub on_turn: Option<String>,
    /// The team on turn declared its star for its next question.
    pub star_pending: bool,
    /// With a question of this round on stage: where the team on turn stands.
    pub question: Option<OlympiaQuestionView>,
}

/// A question value of the round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OlympiaValueView {
    /// Points.
    pub value: i64,
    /// Questions of this value not asked yet.
    pub left: usize,
    /// Time to answer one (ms).
    pub answer_ms: u64,
}

/// One team's turn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OlympiaTurnView {
    /// Team id.
    pub team: String,
    /// The values chosen, in order (empty until chosen).
    pub pack: Vec<i64>,
    /// Questions of the pack asked so far.
    pub asked: usize,
    /// Which question of the pack (1-based) carried the star of hope.
    pub star: Option<usize>,
    /// The turn is over.
    pub done: bool,
    /// How each question asked went, like the pack: `{"main": "correct"|"wrong"|null,
    /// "stealer": team id or null, "steal": "correct"|"wrong"|null}`.
    pub outcomes: Vec<OlympiaOutcomeView>,
}

/// How one question of a turn went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OlympiaOutcomeView {
    /// The verdict on the team on turn, once given.
    pub main: Option<game::Verdict>,
    /// The team that won the steal race.
    pub stealer: Option<String>,
    /// The verdict on the stealer, once given.
    pub steal: Option<game::Verdict>,
}

/// The team on turn on the question on stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OlympiaQuestionView {
    /// Team id.
    pub team: String,
    /// Points the question is worth.
    pub value: i64,
    /// Its star of hope is on this question.
    pub star: bool,
    /// Which question of the pack this is (1-based).
    pub number: usize,
    /// `ready`, `answering`, `time_up`, `right` or `wrong`.
    pub main: &'static str,
    /// With `answering`: when its time is up (server clock, ms).
    pub deadline_ms: Option<u64>,
    /// Its whole answer time (ms), for a progress ring.
    pub countdown_ms: u64,
}

/// The view of the current round if it is a "Về đích" round.
pub fn olympia_view(game: &Game) -> Option<OlympiaView> {
    let index = game.current_round_index()?;
    let game::Round::OlympiaFinish(round) = &game.contest().rounds[index] else {
        return None;
    };
    let RoundState::Olympia(state) = game.round_state(index)? else {
        return None;
    };
    let team_id = |team: game::TeamId| {
        game.contest()
            .teams
            .get(team.0)
            .map(|t| t.id.clone())
            .unwrap_or_default()
    };
    let question = match game.stage() {
        Stage::Question(stage) if stage.round == index => match &stage.play {
            Play::OlympiaFinish(play) => {
                Some(question_view(round, state, play, stage.question, &team_id))
            }
            _ => None,
        },
        _ => None,
    };
    Some(OlympiaView {
        values: round
            .rules
            .values
            .iter()
            .enumerate()
            .map(|(i, value)| OlympiaValueView {
                value: *value,
                left: (0..round.questions.len())
                    .filter(|q| !state.used[*q] && round.questions[*q].points == Some(*value))
                    .count(),
                answer_ms: round.rules.answer_times_ms.get(i).copied().unwrap_or(0),
            })
            .collect(),
        pack_size: round.rules.pack_size,
        star_of_hope: round.rules.star_of_hope,
        steal_takes_from_main: round.rules.steal_takes_from_main,
        wrong_steal_percent: round.rules.wrong_steal_percent,
        turns: state
            .turns
            .iter()
            .map(|turn| OlympiaTurnView {
                team: team_id(turn.team),
                pack: turn.pack.clone(),
                asked: turn.asked.len(),
                star: turn.star.map(|position| position + 1),
                done: !turn.pack.is_empty() && turn.asked.len() >= turn.pack.len(),
                outcomes: turn
                    .outcomes
                    .iter()
                    .map(|outcome| OlympiaOutcomeView {
                        main: outcome.main,
                        stealer: outcome.stealer.map(&team_id),
                        steal: outcome.steal,
                    })
                    .collect(),
            })
            .collect(),
        on_turn: state.current().map(|turn| team_id(turn.team)),
        star_pending: state.star_pending,
        question,
    })
}

fn question_view(
    round: &OlympiaRound,
    state: &OlympiaState,
    play: &OlympiaQuestion,
    question: usize,
    team_id: &dyn Fn(game::TeamId) -> String,
) -> OlympiaQuestionView {
    let (main, deadline_ms) = match play.main {
        MainPhase::Ready => ("ready", None),
        MainPhase::Answering { deadline } => ("answering", Some(deadline.as_millis())),
        MainPhase::TimeUp => ("time_up", None),
        MainPhase::Right => ("right", None),
        MainPhase::Wrong => ("wrong", None),
    };
    let number = state
        .turns
        .iter()
        .rev()
        .find(|turn| turn.team == play.team)
        .and_then(|turn| turn.asked.iter().position(|q| *q == question))
        .map_or(1, |position| position + 1);
    OlympiaQuestionView {
        team: team_id(play.team),
        value: play.value,
        star: play.star,
        number,
        main,
        deadline_ms,
        countdown_ms: round.answer_time_ms(question),
    }
}
