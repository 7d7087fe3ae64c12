//! A client's message turned into a game command (sent to the owner task) or an access command
//! (join codes, phones), and the answer to send back.

use super::AppState;
use super::joining::access_command;
use super::wire::Peer;
use crate::access::Seat;
use crate::game::judged::Action;
use crate::game::{Command, OPTION_LETTERS, Rejection, Slide, TeamId, olympia, tie_breaker};
use crate::link::TeamLink;
use crate::owner::{Refusal, Request};
use crate::protocol::{ClientEnvelope, ClientMessage, ServerMessage};

/// Sends a team phone's measurements to the owner (for the control page and the settle window).
pub(super) async fn report_link(state: &AppState, device: u64, link: &TeamLink) {
    state
        .owner
        .link(Request::LinkMeasured {
            device,
            estimate: link.estimate(),
            online: link.online(),
            last_seen: link.last_seen(),
        })
        .await;
}

/// Turns one text message into a game command, applies it and returns the answer to send.
pub(super) async fn handle_text(
    text: &str,
    state: &AppState,
    peer: &Peer,
    link: &mut Option<(u64, TeamLink)>,
) -> Option<ServerMessage> {
    let arrived = state.clock.now();
    let envelope = match serde_json::from_str::<ClientEnvelope>(text) {
        Ok(envelope) => envelope,
        Err(error) => return Some(ServerMessage::error("bad_message", error.to_string())),
    };
    let id = envelope.id;
    let message = envelope.message;
    let team_of = |team: &str| {
        state
            .contest
            .team_index(team)
            .map(TeamId)
            .ok_or_else(|| Some(ServerMessage::rejected(id, &Rejection::UnknownTeam)))
    };
    if matches!(message, ClientMessage::Hello { .. }) {
        return Some(ServerMessage::error(
            "already_joined",
            "this socket already said hello",
        ));
    }
    if message.is_control_command() && !matches!(peer, Peer::Control) {
        tracing::warn!(?message, "control command from a non-control socket");
        return Some(ServerMessage::error(
            "not_allowed",
            "only the MC's control page may send this",
        ));
    }
    let command = match message {
        ClientMessage::SyncReply { t0, t1, t2 } => {
            let Some((device, team_link)) = link.as_mut() else {
                return Some(ServerMessage::error(
                    "not_allowed",
                    "only team sockets take part in clock sync",
                ));
            };
            let was_online = team_link.online();
            if team_link.reply(t0, t1, t2, arrived) {
                // About once a second, and at once when the phone comes back.
                if team_link.report_due(arrived) || !was_online {
                    report_link(state, *device, team_link).await;
                }
            }
            return None;
        }
        ClientMessage::Buzz { pressed_at, team } => match (peer, link.as_ref()) {
            (Peer::Team(phone), Some((_, team_link))) => {
                let own = &state.contest.teams[phone.team.0].id;
                if team.as_ref().is_some_and(|asked| asked != own) {
                    tracing::warn!(?team, "a phone tried to buzz for another team");
                    return Some(ServerMessage::error(
                        "not_allowed",
                        "a phone can only buzz for its own team",
                    ));
                }
                Command::Buzz {
                    team: phone.team,
                    claim: pressed_at.and_then(|at| team_link.claim(at)),
                }
            }
            _ => {
                return Some(ServerMessage::error(
                    "not_allowed",
                    "only a team socket may buzz",
                ));
            }
        },
        ClientMessage::Choose { option, pressed_at } => match (peer, link.as_ref()) {
            (Peer::Team(phone), Some((_, team_link))) => {
                let letter = option.trim().to_ascii_uppercase();
                let Some(option) = OPTION_LETTERS.iter().position(|l| *l == letter) else {
                    return Some(ServerMessage::rejected(id, &Rejection::NoSuchOption));
                };
                Command::Choose {
                    team: phone.team,
                    option,
                    claim: pressed_at.and_then(|at| team_link.claim(at)),
                }
            }
            _ => {
                return Some(ServerMessage::error(
                    "not_allowed",
                    "only a team socket may answer",
                ));
            }
        },
        ClientMessage::OpenAnswers => Command::OpenAnswers,
        ClientMessage::LockAnswers => Command::LockAnswers,
        ClientMessage::ShowNextQuestion => Command::ShowNextQuestion,
        // The owner fills in the settle window from the phones' measured delays.
        ClientMessage::OpenBuzzers => Command::OpenBuzzers { settle_us: 0 },
        ClientMessage::LockBuzzers => Command::LockBuzzers,
        ClientMessage::Judge { verdict } => Command::Judge { verdict },
        ClientMessage::RevealAnswer => Command::RevealAnswer,
        ClientMessage::Undo => Command::Undo,
        ClientMessage::AdjustScore {
            team,
            delta,
            reason,
        } => match state.contest.team_index(&team) {
            Some(index) => Command::AdjustScore {
                team: TeamId(index),
                delta,
                reason,
            },
            None => return Some(ServerMessage::rejected(id, &Rejection::UnknownTeam)),
        },
        ClientMessage::StartRound { round } => match round.checked_sub(1) {
            Some(round) => Command::StartRound { round },
            None => return Some(ServerMessage::rejected(id, &Rejection::UnknownRound)),
        },
        ClientMessage::ShowRanking { round } => match round.map(|r| r.checked_sub(1)) {
            Some(None) => return Some(ServerMessage::rejected(id, &Rejection::UnknownRound)),
            round => Command::ShowSlide {
                slide: Slide::Ranking {
                    round: round.flatten(),
                },
            },
        },
        ClientMessage::ShowIntermission { caption } => Command::ShowSlide {
            slide: Slide::Intermission { caption },
        },
        ClientMessage::FinishContest => Command::FinishContest,
        ClientMessage::StartTurn { team } => match state.contest.team_index(&team) {
            Some(index) => Command::Olympia(olympia::Action::StartTurn {
                team: TeamId(index),
            }),
            None => return Some(ServerMessage::rejected(id, &Rejection::UnknownTeam)),
        },
        ClientMessage::ChoosePack { values } => {
            Command::Olympia(olympia::Action::ChoosePack { values })
        }
        ClientMessage::Star => Command::Olympia(olympia::Action::Star),
        ClientMessage::BreakTie { teams, round } => {
            let indices: Option<Vec<TeamId>> = teams
                .iter()
                .map(|id| state.contest.team_index(id).map(TeamId))
                .collect();
            let Some(teams) = indices else {
                return Some(ServerMessage::rejected(id, &Rejection::UnknownTeam));
            };
            let round = match round.map(|r| r.checked_sub(1)) {
                Some(None) => return Some(ServerMessage::rejected(id, &Rejection::UnknownRound)),
                round => round.flatten(),
            };
            Command::TieBreak(tie_breaker::Action::Start { teams, round })
        }
        ClientMessage::RotateCode { team } => {
            return Some(access_command(state, id, "unknown_team", |access| {
                access.rotate_code(&team)
            }));
        }
        ClientMessage::RevokePhone { team, phone } => {
            return Some(access_command(state, id, "unknown_team", |access| {
                access.revoke(&team, phone)
            }));
        }
        ClientMessage::RotateJudgeCode { judge } => {
            return Some(access_command(state, id, "unknown_judge", |access| {
                access.rotate_code_of(Seat::Judge, &judge)
            }));
        }
        ClientMessage::RevokeJudgePhone { judge, phone } => {
            return Some(access_command(state, id, "unknown_judge", |access| {
                access.revoke_in(Seat::Judge, &judge, phone)
            }));
        }
        ClientMessage::RemindJudge { judge, team } => {
            return Some(remind_judge(state, id, &judge, team.as_deref()));
        }
        ClientMessage::Score { team, marks, judge } => {
            let Peer::Judge(phone) = peer else {
                return Some(ServerMessage::error(
                    "not_allowed",
                    "only a judge's phone may score",
                ));
            };
            let own = state.contest.judges.get(phone.judge).map(|j| j.id.as_str());
            if judge.is_some() && judge.as_deref() != own {
                tracing::warn!(?judge, "a judge tried to score as another judge");
                return Some(ServerMessage::error(
                    "not_allowed",
                    "a judge's phone scores only as that judge",
                ));
            }
            match team_of(&team) {
                Ok(team) => Command::Judged(Action::Score {
                    judge: phone.judge,
                    team,
                    marks,
                }),
                Err(reply) => return reply,
            }
        }
        ClientMessage::Perform { team } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Perform { team }),
            Err(reply) => return reply,
        },
        ClientMessage::StartTimer => Command::Judged(Action::StartTimer),
        ClientMessage::StopTimer => Command::Judged(Action::StopTimer),
        ClientMessage::ShowTimer { shown } => Command::Judged(Action::ShowTimer { shown }),
        // The owner draws the random number, as it fills in a settle window.
        ClientMessage::Draw { team } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Draw { team, pick: 0 }),
            Err(reply) => return reply,
        },
        ClientMessage::CloseScoring { team } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Close { team }),
            Err(reply) => return reply,
        },
        ClientMessage::ReopenScoring { team } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Reopen { team }),
            Err(reply) => return reply,
        },
        ClientMessage::Penalty {
            team,
            points,
            reason,
        } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Penalty {
                team,
                points,
                reason,
            }),
            Err(reply) => return reply,
        },
        ClientMessage::RevealResult { team } => match team_of(&team) {
            Ok(team) => Command::Judged(Action::Reveal { team }),
            Err(reply) => return reply,
        },
        ClientMessage::Hello { .. } => return None,
    };
    let from = match (peer, link.as_ref()) {
        (Peer::Team(phone), Some((device, _))) => format!(
            "team {} (phone {}, connection {device})",
            state.contest.teams[phone.team.0].id, phone.number
        ),
        (Peer::Team(phone), None) => format!("team {}", state.contest.teams[phone.team.0].id),
        (Peer::Judge(phone), _) => format!(
            "judge {} (phone {})",
            state
                .contest
                .judges
                .get(phone.judge)
                .map_or("?", |j| j.id.as_str()),
            phone.number
        ),
        (Peer::Control, _) => "control".to_string(),
        (Peer::Screen, _) => "screen".to_string(),
    };
    match state.owner.command(command, from, Some(arrived)).await {
        Ok(()) => Some(ServerMessage::Ack { id }),
        Err(Refusal::Rule(rejection)) => Some(ServerMessage::rejected(id, &rejection)),
        Err(Refusal::Storage) => Some(ServerMessage::storage_failed(id)),
        Err(Refusal::Closed) => None,
    }
}

/// Sends the MC's reminder to every socket of `judge`; refused when the judge is unknown or has
/// no phone connected (nobody would see it). Not a game command: nothing is recorded.
fn remind_judge(
    state: &AppState,
    id: Option<u64>,
    judge: &str,
    team: Option<&str>,
) -> ServerMessage {
    let Some(index) = state.contest.judges.iter().position(|j| j.id == judge) else {
        return ServerMessage::rejected(id, &Rejection::UnknownJudge);
    };
    if let Some(team) = team
        && state.contest.team_index(team).is_none()
    {
        return ServerMessage::rejected(id, &Rejection::UnknownTeam);
    }
    let reminder = ServerMessage::Reminder {
        team: team.map(str::to_string),
    };
    let sent = state
        .reminders
        .get(index)
        .and_then(|channel| channel.send(reminder.to_json().into()).ok());
    match sent {
        Some(sockets) => {
            tracing::info!(judge, sockets, "judge reminded");
            ServerMessage::Ack { id }
        }
        None => ServerMessage::refused(
            id,
            "judge_offline",
            "this judge has no phone connected to remind",
        ),
    }
}
