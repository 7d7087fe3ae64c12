//! Admitting team and judge phones (a join code for a new phone, a device token for a returning
//! one, the phones-per-team limit, join-code throttling) and the MC's view of join codes and
//! phones.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use tokio::time::MissedTickBehavior;

use super::AppState;
use super::wire::{JudgePhone, Peer, TeamPhone, refuse, send_json};
use crate::access::{Access, Refused, Seat};
use crate::game::{Contest, TeamId};
use crate::protocol::{FailedJoinView, JudgeAccess, PhoneView, ServerMessage, TeamAccess};
use crate::throttle::{JoinThrottle, Throttled};

/// How often the log gets a summary of refused join codes.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// The MC's view is re-sent for new failure counters at most this often: a guesser must not
/// flood the MC's page either.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);
/// Team–address pairs of failed joins shown to the MC (the most recent ones).
const FAILED_JOINS_SHOWN: usize = 50;

/// Why a team hello was refused.
#[derive(Debug)]
pub(super) enum JoinRefused {
    /// Refused for a reason of its own (code, English message).
    Refused(Refused),
    /// Its join code was held back unread; the address may try again after this long.
    Throttled(Duration),
}

impl From<Refused> for JoinRefused {
    fn from(refused: Refused) -> Self {
        JoinRefused::Refused(refused)
    }
}

/// Admits a team phone from `ip` (by device token, or by the team's join code for a new phone)
/// and counts it as connected, within the phones-per-team limit. A join code is compared only if
/// the throttle lets this address try one now.
pub(super) fn join_team(
    state: &AppState,
    ip: IpAddr,
    team: Option<&str>,
    code: Option<&str>,
    device: Option<&str>,
) -> Result<TeamPhone, JoinRefused> {
    let (index, number, token) = join_seat(state, ip, Seat::Team, team, code, device)?;
    if device.is_none() {
        publish_access(state);
    }
    Ok(TeamPhone {
        team: TeamId(index),
        number,
        token,
    })
}

/// Admits a judge's phone as [`join_team`] admits a team's: the same codes, tokens, limit
/// (`--phones-per-team`, per judge) and throttling. The MC's view counts the judge's sockets.
pub(super) fn join_judge(
    state: &AppState,
    ip: IpAddr,
    judge: Option<&str>,
    code: Option<&str>,
    device: Option<&str>,
) -> Result<JudgePhone, JoinRefused> {
    let (judge, number, token) = join_seat(state, ip, Seat::Judge, judge, code, device)?;
    publish_access(state);
    Ok(JudgePhone {
        judge,
        number,
        token,
    })
}

/// Counts a team or judge phone's socket as gone.
pub(super) fn left(state: &AppState, peer: &Peer) {
    let token = match peer {
        Peer::Team(phone) => {
            if let Some(count) = state.connected.get(phone.team.0) {
                count.fetch_sub(1, Ordering::AcqRel);
            }
            &phone.token
        }
        Peer::Judge(phone) => {
            judge_left(state, phone.judge);
            &phone.token
        }
        Peer::Control | Peer::Screen => return,
    };
    if let Ok(mut seated) = state.seated.lock()
        && let Some(count) = seated.get_mut(token)
    {
        *count = count.saturating_sub(1);
        if *count == 0 {
            seated.remove(token);
        }
    }
}

/// Counts a judge's socket as gone (and tells the MC).
fn judge_left(state: &AppState, judge: usize) {
    if let Some(count) = state.judges_connected.get(judge) {
        count.fetch_sub(1, Ordering::AcqRel);
    }
    publish_access(state);
}

/// Admits a phone to a team or a judge: (its index among the teams or judges, its number, its
/// device token).
fn join_seat(
    state: &AppState,
    ip: IpAddr,
    seat: Seat,
    id: Option<&str>,
    code: Option<&str>,
    device: Option<&str>,
) -> Result<(usize, u32, String), JoinRefused> {
    let unavailable = || JoinRefused::from(("server_error", "access registry unavailable"));
    let unknown = match seat {
        Seat::Team => ("unknown_team", "no team with that id"),
        Seat::Judge => ("unknown_judge", "no judge with that id"),
    };
    let mut access = state.access.lock().map_err(|_| unavailable())?;
    // The team first, so that a full team is refused before a new phone is registered.
    let seat_id = access.seat_for(seat, id, device)?.to_string();
    let (index, slots) = match seat {
        Seat::Team => (state.contest.team_index(&seat_id), &state.connected),
        Seat::Judge => (
            state.contest.judges.iter().position(|j| j.id == seat_id),
            &state.judges_connected,
        ),
    };
    let index = index.ok_or(unknown)?;
    // Only a join code is a guess worth slowing down; a device token is a 128-bit secret, and a
    // phone rejoining with one after a Wi-Fi drop must never wait. The access lock held from
    // here to the comparison keeps parallel sockets of one address from slipping past the check.
    // Team and judge ids are unique across both, so one throttle serves both.
    let mut throttle = match device {
        Some(_) => None,
        None => {
            let mut throttle = state.join_throttle.lock().map_err(|_| unavailable())?;
            if let Err(Throttled { retry_after }) = throttle.check(ip, &seat_id, Instant::now()) {
                return Err(JoinRefused::Throttled(retry_after));
            }
            Some(throttle)
        }
    };
    let Some(slot) = slots.get(index) else {
        return Err(unknown.into());
    };
    let limit = state.phones_per_team;
    // A phone coming back after a drop may arrive before its old socket is seen to go: it is
    // the same phone, not one more, so the limit does not hold it back.
    let returning = device.is_some_and(|token| {
        state
            .seated
            .lock()
            .is_ok_and(|seated| seated.get(token).is_some_and(|n| *n > 0))
    });
    if slot
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit || returning).then_some(n + 1)
        })
        .is_err()
    {
        return Err(match seat {
            Seat::Team => (
                "team_full",
                "this team already has the most phones allowed connected",
            ),
            Seat::Judge => (
                "judge_full",
                "this judge already has the most phones allowed connected",
            ),
        }
        .into());
    }
    match access.admit_to(seat, id, code, device) {
        Ok((_, token, number)) => {
            if let Ok(mut seated) = state.seated.lock() {
                *seated.entry(token.clone()).or_default() += 1;
            }
            Ok((index, number, token))
        }
        Err(refused) => {
            slot.fetch_sub(1, Ordering::AcqRel);
            if refused.0 == "bad_code"
                && let Some(throttle) = throttle.as_mut()
            {
                throttle.failed(ip, &seat_id, Instant::now());
            }
            Err(refused.into())
        }
    }
}

/// Answers a refused team hello: an `error` (with `retry_after_ms` when throttled), then the
/// close every refused hello gets. Wrong and held-back codes are not logged one by one (a guesser
/// would flood the log): [`AppState::report_join_throttle`] logs them in aggregate.
pub(super) async fn refuse_join(socket: &mut WebSocket, refused: JoinRefused) {
    let wait = match refused {
        JoinRefused::Refused((code, message)) => {
            if code != "bad_code" {
                tracing::warn!(code, "team hello refused");
            }
            refuse(socket, code, message).await;
            return;
        }
        JoinRefused::Throttled(wait) => wait,
    };
    let _ = send_json(socket, &ServerMessage::throttled(wait)).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::POLICY,
            reason: "throttled".into(),
        })))
        .await;
}

impl AppState {
    /// Reports join-code throttling until shutdown: every 10 s a log line summing up the refused
    /// codes (if any), and the MC's access view re-sent when its failure counters changed, at
    /// most once a second.
    pub async fn report_join_throttle(self) {
        let mut tick = tokio::time::interval(PUBLISH_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_log = Instant::now();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = self.cancel.cancelled() => return,
            }
            let now = Instant::now();
            let (summary, changed) = {
                let Ok(mut throttle) = self.join_throttle.lock() else {
                    return;
                };
                throttle.prune(now);
                let summary = if now.duration_since(last_log) >= LOG_EVERY {
                    last_log = now;
                    throttle.take_log_summary(now)
                } else {
                    None
                };
                (summary, throttle.take_changed())
            };
            if let Some(summary) = summary {
                tracing::warn!("{summary}");
            }
            if changed {
                publish_access(&self);
            }
        }
    }
}

/// Applies an MC access command (rotate a code, revoke a phone) and answers it; `not_found` is
/// the refusal's code when there is no such team (or judge) or phone.
pub(super) fn access_command(
    state: &AppState,
    id: Option<u64>,
    not_found: &str,
    change: impl FnOnce(&mut Access) -> std::io::Result<bool>,
) -> ServerMessage {
    let outcome = match state.access.lock() {
        Ok(mut access) => change(&mut access),
        Err(_) => Err(std::io::Error::other("access registry unavailable")),
    };
    match outcome {
        Ok(true) => {
            publish_access(state);
            ServerMessage::Ack { id }
        }
        Ok(false) => ServerMessage::refused(id, not_found, "no such team, judge or phone"),
        Err(error) => {
            tracing::error!(%error, "cannot save the access registry");
            ServerMessage::storage_failed(id)
        }
    }
}

/// The MC's view of the join codes and phones, and of the wrong codes tried; `judges_connected`
/// counts each judge's sockets (missing counts are 0).
pub fn access_message(
    access: &Access,
    contest: &Contest,
    failed_joins: Vec<FailedJoinView>,
    judges_connected: &[u32],
) -> ServerMessage {
    ServerMessage::Access {
        teams: contest
            .teams
            .iter()
            .map(|team| {
                let code = access.code(&team.id).unwrap_or_default().to_string();
                TeamAccess {
                    id: team.id.clone(),
                    join_path: format!("/?team={}&code={code}", team.id),
                    code,
                    phones: access
                        .phones_of(&team.id)
                        .into_iter()
                        .map(|(number, revoked)| PhoneView { number, revoked })
                        .collect(),
                }
            })
            .collect(),
        failed_joins,
        judges: contest
            .judges
            .iter()
            .enumerate()
            .map(|(i, judge)| {
                let code = access
                    .code_of(Seat::Judge, &judge.id)
                    .unwrap_or_default()
                    .to_string();
                JudgeAccess {
                    id: judge.id.clone(),
                    join_path: format!("/judge?judge={}&code={code}", judge.id),
                    code,
                    phones: access
                        .phones_in(Seat::Judge, &judge.id)
                        .into_iter()
                        .map(|(number, revoked)| PhoneView { number, revoked })
                        .collect(),
                    connected: judges_connected.get(i).copied().unwrap_or(0),
                }
            })
            .collect(),
    }
}

/// The throttle's counters for the MC, most recent first, times on the server clock.
fn failed_join_views(throttle: &JoinThrottle, state: &AppState) -> Vec<FailedJoinView> {
    let now = Instant::now();
    let now_ms = state.clock.now().0 / 1000;
    throttle
        .failed_joins(now)
        .into_iter()
        .take(FAILED_JOINS_SHOWN)
        .map(|failed| {
            // Ids are unique across teams and judges: the id says which it was.
            let is_team = state.contest.team_index(&failed.team).is_some();
            let (team, judge) = match is_team {
                true => (Some(failed.team), None),
                false => (None, Some(failed.team)),
            };
            FailedJoinView {
                team,
                judge,
                address: failed.address.to_string(),
                wrong: failed.wrong,
                held_back: failed.held_back,
                last_ms: now_ms.saturating_sub(
                    u64::try_from(now.saturating_duration_since(failed.last).as_millis())
                        .unwrap_or(u64::MAX),
                ),
            }
        })
        .collect()
}

/// Re-sends the access view to control sockets (and lets team and judge sockets check for
/// revocation).
pub(super) fn publish_access(state: &AppState) {
    let Ok(access) = state.access.lock() else {
        return;
    };
    // Lock order: access, then the throttle (as in `join_team`).
    let failed = match state.join_throttle.lock() {
        Ok(throttle) => failed_join_views(&throttle, state),
        Err(_) => Vec::new(),
    };
    let judges: Vec<u32> = state
        .judges_connected
        .iter()
        .map(|count| count.load(Ordering::Acquire))
        .collect();
    let text = access_message(&access, &state.contest, failed, &judges).to_json();
    state.access_view.send_replace(text.into());
}
