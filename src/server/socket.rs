//! One task per WebSocket: the upgrade checks (origin, buffer sizes), `hello`,
//! and the loop that sends states and pings and receives messages within the rate limit.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast;
use tokio::time::Instant;
use tracing::Instrument;

use super::commands::{handle_text, report_link};
use super::joining::{join_judge, join_team, left};
use super::rate::{Admit, RateLimit};
use super::wire::{Peer, close, close_for, refuse, send_json};
use super::{AppState, HELLO_TIMEOUT, MAX_MESSAGE_BYTES};
use crate::access::Seat;
use crate::link::TeamLink;
use crate::owner::Request;
use crate::protocol::{ClientEnvelope, ClientMessage, Role, ServerMessage};

pub(super) async fn ws_upgrade(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    if !origin_allowed(&headers) {
        tracing::warn!(%peer, origin = ?headers.get(header::ORIGIN), "WebSocket from a foreign origin refused");
        return (StatusCode::FORBIDDEN, "foreign origin").into_response();
    }
    let span = tracing::info_span!(
        "socket",
        %peer,
        role = tracing::field::Empty,
        team = tracing::field::Empty,
        judge = tracing::field::Empty,
        phone = tracing::field::Empty,
        device = tracing::field::Empty
    );
    let tracker = state.tracker.clone();
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        // Small buffers: a hall of idle audience sockets must fit in memory. Every client message
        // is far below 1 KiB (a larger one is read in 1 KiB steps); the read buffer is touched in
        // full, so 4 KiB cost 9.6 KiB of RSS per audience socket and 1 KiB costs 6.6 KiB
        // (`cargo run --release --bin hall`).
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .on_upgrade(move |socket| {
            tracker.track_future(
                async move {
                    run_socket(socket, state, peer.ip()).await;
                }
                .instrument(span),
            )
        })
}

/// A browser's `Origin` must name the host it connected to (cross-site WebSocket hijacking: a page
/// elsewhere must not drive a socket with the visitor's access). Clients that send no Origin (a
/// USB bridge, a test) are not browsers and pass.
fn origin_allowed(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    origin_host.is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host))
}

async fn run_socket(mut socket: WebSocket, state: AppState, ip: IpAddr) {
    let Some(peer) = accept_hello(&mut socket, &state, ip).await else {
        return;
    };
    let stage = match peer {
        Peer::Team(_) | Peer::Control | Peer::Judge(_) => Some(state.stage.clone()),
        Peer::Screen => None,
    };
    let session = async move {
        run_joined(&mut socket, &state, &peer).await;
        left(&state, &peer);
    };
    match stage {
        // A buzz must not wait behind the audience: its socket moves to the stage runtime.
        Some(stage) => {
            let _ = stage
                .spawn(session.instrument(tracing::Span::current()))
                .await;
        }
        None => session.await,
    }
}

async fn run_joined(socket: &mut WebSocket, state: &AppState, peer: &Peer) {
    let mut link = match peer {
        Peer::Team(phone) => {
            let device = state.next_device.fetch_add(1, Ordering::Relaxed);
            tracing::Span::current().record("device", device);
            state
                .owner
                .link(Request::LinkOpened {
                    device,
                    team: phone.team,
                    phone: phone.number,
                })
                .await;
            Some((device, TeamLink::new(state.clock.now())))
        }
        Peer::Control | Peer::Screen | Peer::Judge(_) => None,
    };
    serve_socket(socket, state, peer, &mut link).await;
    if let Some((device, _)) = link {
        state.owner.link(Request::LinkClosed { device }).await;
    }
    tracing::info!("socket closed");
}

/// The text of the socket's first frame, or `None` (after telling the client why) when it is
/// not a text frame in time.
async fn first_text(socket: &mut WebSocket, state: &AppState) -> Option<String> {
    let first = tokio::select! {
        message = tokio::time::timeout(HELLO_TIMEOUT, socket.recv()) => message,
        () = state.cancel.cancelled() => return None,
    };
    let text = match first {
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(Some(Ok(Message::Binary(_)))) => {
            refuse(socket, "binary_not_supported", "send JSON text frames").await;
            return None;
        }
        Ok(Some(Ok(_))) => {
            refuse(socket, "hello_first", "the first message must be hello").await;
            return None;
        }
        Err(_) => {
            refuse(socket, "hello_first", "no hello within 10 seconds").await;
            return None;
        }
        Ok(Some(Err(error))) => {
            // Said in a close frame as for any later message: a client must learn that its
            // first frame was too big (1009) or not UTF-8 (1007), not see the connection reset.
            if let Some((code, reason)) = close_for(error) {
                tracing::warn!(reason, "broken or oversized first frame: closing");
                close(socket, code, reason).await;
            }
            return None;
        }
        Ok(None) => return None,
    };
    Some(text.to_string())
}

/// What a `hello` asks for.
struct Hello {
    role: Role,
    team: Option<String>,
    token: Option<String>,
    device: Option<String>,
    code: Option<String>,
    judge: Option<String>,
}

/// The socket's `hello`, or `None` (after telling the client why) when the first message is
/// anything else.
async fn read_hello(socket: &mut WebSocket, state: &AppState) -> Option<Hello> {
    let text = first_text(socket, state).await?;
    let hello = match serde_json::from_str::<ClientEnvelope>(&text) {
        Ok(ClientEnvelope {
            message:
                ClientMessage::Hello {
                    role,
                    team,
                    token,
                    device,
                    code,
                    judge,
                },
            ..
        }) => Hello {
            role,
            team,
            token,
            device,
            code,
            judge,
        },
        Ok(_) => {
            refuse(socket, "hello_first", "the first message must be hello").await;
            return None;
        }
        Err(error) => {
            refuse(socket, "bad_message", error.to_string()).await;
            return None;
        }
    };
    Some(hello)
}

/// Admits the socket in the role it asked for, or `None` after refusing it.
async fn admit(socket: &mut WebSocket, state: &AppState, ip: IpAddr, hello: Hello) -> Option<Peer> {
    let Hello {
        role,
        team,
        token,
        device,
        code,
        judge,
    } = hello;
    let peer = match role {
        Role::Screen => Peer::Screen,
        Role::Control => {
            let presented = token.unwrap_or_default();
            if !state.is_control(&presented) {
                tracing::warn!("control hello with a wrong token");
                refuse(socket, "bad_token", "wrong or missing control token").await;
                return None;
            }
            Peer::Control
        }
        Role::Team => match join_team(
            state,
            ip,
            team.as_deref(),
            code.as_deref(),
            device.as_deref(),
        ) {
            Ok(phone) => Peer::Team(phone),
            Err(refused) => {
                super::joining::refuse_join(socket, refused).await;
                return None;
            }
        },
        Role::Judge => match join_judge(
            state,
            ip,
            judge.as_deref(),
            code.as_deref(),
            device.as_deref(),
        ) {
            Ok(phone) => Peer::Judge(phone),
            Err(refused) => {
                super::joining::refuse_join(socket, refused).await;
                return None;
            }
        },
    };
    Some(peer)
}

/// Says who the socket is in its tracing span: role, team or judge, phone number.
fn record_in_span(state: &AppState, peer: &Peer) {
    // Never the device token: whoever reads the log (a terminal mirrored on the projector, a
    // shared log file) could become that phone. Team and phone number say who it is.
    let span = tracing::Span::current();
    match peer {
        Peer::Team(phone) => {
            span.record("role", "team");
            span.record("team", state.contest.teams[phone.team.0].id.as_str());
            span.record("phone", phone.number);
        }
        Peer::Control => {
            span.record("role", "control");
        }
        Peer::Screen => {
            span.record("role", "screen");
        }
        Peer::Judge(phone) => {
            span.record("role", "judge");
            // Who it is, never its token.
            if let Some(judge) = state.contest.judges.get(phone.judge) {
                span.record("judge", judge.id.as_str());
            }
            span.record("phone", phone.number);
        }
    }
}

/// Waits for a valid `hello` and answers `welcome`: the peer the socket speaks for, or `None`
/// after an error and a close.
async fn accept_hello(socket: &mut WebSocket, state: &AppState, ip: IpAddr) -> Option<Peer> {
    let hello = read_hello(socket, state).await?;
    let role = hello.role;
    let peer = admit(socket, state, ip, hello).await?;
    record_in_span(state, &peer);
    let judge = match &peer {
        Peer::Judge(phone) => state.contest.judges.get(phone.judge),
        _ => None,
    };
    let welcome = ServerMessage::Welcome {
        role,
        team: match &peer {
            Peer::Team(phone) => Some(state.contest.teams[phone.team.0].id.clone()),
            _ => None,
        },
        device: match &peer {
            Peer::Team(phone) => Some(phone.token.clone()),
            Peer::Judge(phone) => Some(phone.token.clone()),
            _ => None,
        },
        judge: judge.map(|judge| judge.id.clone()),
        name: judge.map(|judge| judge.name.clone()),
    };
    if send_json(socket, &welcome).await.is_err() {
        left(state, &peer);
        return None;
    }
    tracing::info!("joined");
    Some(peer)
}

/// Whether the socket's loop goes on after one event.
enum Flow {
    Continue,
    Stop,
}

impl From<bool> for Flow {
    /// `true` (it went well) continues.
    fn from(ok: bool) -> Flow {
        if ok { Flow::Continue } else { Flow::Stop }
    }
}

/// After `hello`: forwards commands, answers them, sends every new state, and keeps a team
/// phone's clock in sync.
async fn serve_socket(
    socket: &mut WebSocket,
    state: &AppState,
    peer: &Peer,
    link: &mut Option<(u64, TeamLink)>,
) {
    let is_control = matches!(peer, Peer::Control);
    // A team's phones follow their team's view (its own answer included), a judge's their
    // judge's (its own marks); everyone else the public one.
    let mut public = match peer {
        Peer::Team(phone) => state
            .owner
            .teams
            .get(phone.team.0)
            .cloned()
            .unwrap_or_else(|| state.owner.public.clone()),
        Peer::Judge(phone) => state
            .owner
            .judges
            .get(phone.judge)
            .cloned()
            .unwrap_or_else(|| state.owner.public.clone()),
        Peer::Control | Peer::Screen => state.owner.public.clone(),
    };
    // Only a judge's sockets hear the MC's reminders to that judge.
    let mut reminders = match peer {
        Peer::Judge(phone) => state.reminders.get(phone.judge).map(|r| r.subscribe()),
        _ => None,
    };
    let mut control = state.owner.control.clone();
    let mut access = state.access_view.subscribe();
    // Send the current state (and to the MC the join codes) right away, then every change.
    if is_control {
        control.mark_changed();
    } else {
        public.mark_changed();
    }
    access.mark_changed();
    // Team phones get their first ping at once, so a press soon after joining has an estimate.
    let mut next_ping = Instant::now();
    let mut rate = RateLimit::new(Instant::now());
    loop {
        let flow = tokio::select! {
            changed = public.changed(), if !is_control => match changed {
                Ok(()) => {
                    let bytes = public.borrow_and_update().bytes.clone();
                    socket.send(Message::Text(bytes)).await.is_ok().into()
                }
                Err(_) => Flow::Stop,
            },
            changed = control.changed(), if is_control => match changed {
                Ok(()) => {
                    let bytes = control.borrow_and_update().clone();
                    socket.send(Message::Text(bytes)).await.is_ok().into()
                }
                Err(_) => Flow::Stop,
            },
            changed = access.changed(), if !matches!(peer, Peer::Screen) => match changed {
                Ok(()) => {
                    let bytes = access.borrow_and_update().clone();
                    on_access_changed(socket, state, peer, bytes).await
                }
                Err(_) => Flow::Stop,
            },
            reminder = next_reminder(&mut reminders), if reminders.is_some() => match reminder {
                Some(bytes) => socket.send(Message::Text(bytes)).await.is_ok().into(),
                None => Flow::Continue,
            },
            () = tokio::time::sleep_until(next_ping), if link.is_some() => {
                let sync_fast = public.borrow().sync_fast;
                match link.as_mut() {
                    Some(link) => ping(socket, state, link, sync_fast, &mut next_ping).await,
                    None => Flow::Stop,
                }
            }
            incoming = socket.recv() => {
                on_incoming(socket, state, peer, link, &mut rate, incoming).await
            }
            () = state.cancel.cancelled() => {
                close(socket, close_code::AWAY, "server shutting down").await;
                Flow::Stop
            }
        };
        if let Flow::Stop = flow {
            break;
        }
    }
}

/// The join codes or phones changed: the MC gets the new view; a team phone checks whether it
/// was the one revoked.
async fn on_access_changed(
    socket: &mut WebSocket,
    state: &AppState,
    peer: &Peer,
    bytes: Utf8Bytes,
) -> Flow {
    match peer {
        Peer::Control => socket.send(Message::Text(bytes)).await.is_ok().into(),
        Peer::Team(phone) => {
            let revoked = state
                .access
                .lock()
                .map_or(true, |a| a.is_revoked(&phone.token));
            if revoked {
                tracing::info!("phone revoked by the MC");
                close(socket, close_code::POLICY, "device_revoked").await;
                return Flow::Stop;
            }
            Flow::Continue
        }
        Peer::Judge(phone) => {
            let revoked = state
                .access
                .lock()
                .map_or(true, |a| a.is_revoked_in(Seat::Judge, &phone.token));
            if revoked {
                tracing::info!("judge's phone revoked by the MC");
                close(socket, close_code::POLICY, "device_revoked").await;
                return Flow::Stop;
            }
            Flow::Continue
        }
        Peer::Screen => Flow::Continue,
    }
}

/// The next reminder for a judge's socket; `None` when some were missed (only the latest
/// matter) or the channel is gone.
async fn next_reminder(
    reminders: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Option<Utf8Bytes> {
    match reminders.as_mut()?.recv().await {
        Ok(bytes) => Some(bytes),
        Err(broadcast::error::RecvError::Lagged(_)) => None,
        Err(broadcast::error::RecvError::Closed) => {
            // Never again: stop polling it.
            *reminders = None;
            None
        }
    }
}

/// Sends a team phone its next clock-sync ping and schedules the one after.
async fn ping(
    socket: &mut WebSocket,
    state: &AppState,
    (device, team_link): &mut (u64, TeamLink),
    sync_fast: bool,
    next_ping: &mut Instant,
) -> Flow {
    let now = state.clock.now();
    let t0 = team_link.ping(now);
    if team_link.check_online(now) {
        report_link(state, *device, team_link).await;
    }
    let period = team_link.ping_period_ms(sync_fast);
    *next_ping = Instant::now() + Duration::from_millis(period);
    send_json(socket, &ServerMessage::Sync { t0 })
        .await
        .is_ok()
        .into()
}

/// One frame from the client, within the rate limit: a command answered, a broken frame closed.
async fn on_incoming(
    socket: &mut WebSocket,
    state: &AppState,
    peer: &Peer,
    link: &mut Option<(u64, TeamLink)>,
    rate: &mut RateLimit,
    incoming: Option<Result<Message, axum::Error>>,
) -> Flow {
    // The MC's socket holds the control token: whatever it sends is the show's own command,
    // answered in order, so a scripted MC (a rehearsal, a test) runs at full speed.
    let limited = !matches!(peer, Peer::Control);
    if limited && matches!(incoming, Some(Ok(Message::Text(_) | Message::Binary(_)))) {
        match rate.admit(Instant::now()) {
            Admit::Yes => {}
            Admit::Warn => {
                tracing::warn!("message flood: dropping messages");
                let warning = ServerMessage::error(
                    "rate_limited",
                    "too many messages; slow down or be disconnected",
                );
                return send_json(socket, &warning).await.is_ok().into();
            }
            Admit::Drop => return Flow::Continue,
            Admit::Disconnect => {
                tracing::warn!("message flood: disconnected");
                close(socket, close_code::POLICY, "rate_limited").await;
                return Flow::Stop;
            }
        }
    }
    let reply = match incoming {
        Some(Ok(Message::Text(text))) => handle_text(&text, state, peer, link).await,
        Some(Ok(Message::Binary(_))) => Some(ServerMessage::error(
            "binary_not_supported",
            "send JSON text frames",
        )),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
        Some(Ok(Message::Close(_))) | None => return Flow::Stop,
        Some(Err(error)) => {
            if let Some((code, reason)) = close_for(error) {
                tracing::warn!(reason, "broken or oversized frame: closing");
                close(socket, code, reason).await;
            }
            return Flow::Stop;
        }
    };
    match reply {
        Some(reply) => send_json(socket, &reply).await.is_ok().into(),
        None => Flow::Continue,
    }
}
