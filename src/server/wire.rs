//! What every socket task shares: who a socket speaks for, and sending JSON, refusals and close
//! frames. A leaf of `server/`: the socket loop, the join checks and the command handling all use
//! it, and it uses none of them.

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};

use crate::game::TeamId;
use crate::protocol::ServerMessage;

/// Who this socket speaks for, once its `hello` was accepted.
#[derive(Clone, Debug)]
pub(super) enum Peer {
    /// A team's phone.
    Team(TeamPhone),
    /// The MC's control page.
    Control,
    /// The projector or an audience phone.
    Screen,
    /// A judge's phone.
    Judge(JudgePhone),
}

/// A judge's phone that joined.
#[derive(Clone, Debug)]
pub(super) struct JudgePhone {
    /// Its judge, by position in the contest's judges.
    pub(super) judge: usize,
    /// Its number for the MC.
    pub(super) number: u32,
    /// Its device token, to notice a revocation.
    pub(super) token: String,
}

/// A team phone that joined.
#[derive(Clone, Debug)]
pub(super) struct TeamPhone {
    /// Its team.
    pub(super) team: TeamId,
    /// Its number for the MC.
    pub(super) number: u32,
    /// Its device token, to notice a revocation.
    pub(super) token: String,
}

/// The close code that tells a client why its frame was refused: over the size limit (1009),
/// text that is not UTF-8 (1007), or another protocol violation (1002). `None` when the
/// connection is simply gone.
pub(super) fn close_for(error: axum::Error) -> Option<(u16, &'static str)> {
    use tokio_tungstenite::tungstenite::Error;
    match error.into_inner().downcast_ref::<Error>()? {
        Error::Capacity(_) => Some((close_code::SIZE, "message too big")),
        Error::Utf8(_) => Some((close_code::INVALID, "text is not UTF-8")),
        Error::Protocol(_) => Some((close_code::PROTOCOL, "protocol error")),
        _ => None,
    }
}

pub(super) async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

pub(super) async fn send_json(
    socket: &mut WebSocket,
    message: &ServerMessage,
) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.to_json().into())).await
}

/// Sends an error and closes the socket with a policy-violation code.
pub(super) async fn refuse(socket: &mut WebSocket, code: &str, message: impl Into<String>) {
    let message = message.into();
    let _ = send_json(socket, &ServerMessage::error(code, message.clone())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::POLICY,
            reason: code.to_string().into(),
        })))
        .await;
}
