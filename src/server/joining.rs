//! Admitting team phones (a join code for a new phone, a device token for a returning one, the
//! phones-per-team limit) and the MC's view of join codes and phones.

use std::sync::atomic::Ordering;

use super::AppState;
use super::socket::TeamPhone;
use crate::access::{Access, Refused};
use crate::game::{Contest, TeamId};
use crate::protocol::{PhoneView, ServerMessage, TeamAccess};

/// Admits a team phone (by device token, or by the team's join code for a new phone) and counts
/// it as connected, within the phones-per-team limit.
pub(super) fn join_team(
    state: &AppState,
    team: Option<&str>,
    code: Option<&str>,
    device: Option<&str>,
) -> Result<TeamPhone, Refused> {
    let mut access = state
        .access
        .lock()
        .map_err(|_| ("server_error", "access registry unavailable"))?;
    // The team first, so that a full team is refused before a new phone is registered.
    let index = access.team_for(team, device).and_then(|id| {
        state
            .contest
            .team_index(id)
            .ok_or(("unknown_team", "no team with that id"))
    })?;
    let Some(slot) = state.connected.get(index) else {
        return Err(("unknown_team", "no team with that id"));
    };
    let limit = state.phones_per_team;
    if slot
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < limit).then_some(n + 1)
        })
        .is_err()
    {
        return Err((
            "team_full",
            "this team already has the most phones allowed connected",
        ));
    }
    match access.admit(team, code, device) {
        Ok((_, token, number)) => {
            drop(access);
            if device.is_none() {
                publish_access(state);
            }
            Ok(TeamPhone {
                team: TeamId(index),
                number,
                token,
            })
        }
        Err(refused) => {
            slot.fetch_sub(1, Ordering::AcqRel);
            Err(refused)
        }
    }
}

/// Applies an MC access command (rotate a code, revoke a phone) and answers it.
pub(super) fn access_command(
    state: &AppState,
    id: Option<u64>,
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
        Ok(false) => ServerMessage::refused(id, "unknown_team", "no such team or phone"),
        Err(error) => {
            tracing::error!(%error, "cannot save the access registry");
            ServerMessage::storage_failed(id)
        }
    }
}

/// The MC's view of the join codes and phones.
pub fn access_message(access: &Access, contest: &Contest) -> ServerMessage {
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
    }
}

/// Re-sends the access view to control sockets (and lets team sockets check for revocation).
pub(super) fn publish_access(state: &AppState) {
    let Ok(access) = state.access.lock() else {
        return;
    };
    let text = access_message(&access, &state.contest).to_json();
    state.access_view.send_replace(text.into());
}
