//! The HTTP and WebSocket transport: thin. It parses, checks the role, forwards to the owner task
//! and sends back what the owner answers and publishes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::devices::Devices;
use crate::game::{Command, Contest, TeamId};
use crate::link::{FAST_PING_MS, SLOW_PING_MS, TeamLink};
use crate::owner::{Clock, OwnerHandle, Refusal, Request};
use crate::protocol::{ClientEnvelope, ClientMessage, Role, ServerMessage};

/// The pages, scripts and styles, embedded in the binary.
#[derive(RustEmbed)]
#[folder = "web/"]
struct WebAssets;

/// Largest message a client may send; every legitimate one is far smaller.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// How long a new socket may take to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The way to the game.
    pub owner: OwnerHandle,
    /// The contest, for looking up team ids.
    pub contest: Arc<Contest>,
    /// The secret that makes a socket the MC's.
    pub control_token: Arc<str>,
    /// Fires at shutdown.
    pub cancel: CancellationToken,
    /// Tracks socket tasks so shutdown can wait for them.
    pub tracker: TaskTracker,
    /// The server clock shared with the owner task.
    pub clock: Clock,
    /// Numbers team connections.
    pub next_device: Arc<AtomicU64>,
    /// Registered team phones.
    pub devices: Arc<Mutex<Devices>>,
    /// Phones connected now, per team.
    pub connected: Arc<Vec<AtomicU32>>,
    /// How many phones of one team may be connected at once.
    pub phones_per_team: u32,
}

/// Builds the router: pages, assets, the public state and the WebSocket.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { page("join.html") }))
        .route("/control", get(|| async { page("control.html") }))
        .route("/screen", get(|| async { page("screen.html") }))
        .route("/assets/{*path}", get(asset))
        .route("/api/state", get(public_state))
        .route("/api/results.json", get(results_json))
        .route("/api/results.csv", get(results_csv))
        .route("/api/audit.jsonl", get(audit_jsonl))
        .route("/ws", get(ws_upgrade))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers that stop pages from loading anything but the server's own files.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn page(name: &str) -> Response {
    embedded(name)
}

async fn asset(Path(path): Path<String>) -> Response {
    embedded(&format!("assets/{path}"))
}

fn embedded(path: &str) -> Response {
    let Some(file) = WebAssets::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let is_text = mime.type_() == "text"
        || matches!(mime.subtype().as_str(), "javascript" | "json")
        || mime.suffix().is_some_and(|suffix| suffix == "xml");
    let content_type = if is_text {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Pages change with the binary; always revalidate so a new version is picked up.
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        file.data,
    )
        .into_response()
}

async fn public_state(State(state): State<AppState>) -> Response {
    let body = state.owner.snapshots.borrow().public.clone();
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.as_str().to_owned(),
    )
        .into_response()
}

/// The `?token=` of an export request.
#[derive(serde::Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

impl AppState {
    fn is_control(&self, token: &str) -> bool {
        constant_time_eq(token.as_bytes(), self.control_token.as_bytes())
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the control token is missing or wrong / thiếu hoặc sai mã điều khiển",
    )
        .into_response()
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response()
}

/// A download with a file name made of the contest's export kind.
fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn results_json(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    let Some(results) = state.owner.results().await else {
        return unavailable();
    };
    let body = serde_json::to_vec_pretty(&results).unwrap_or_default();
    download("application/json; charset=utf-8", "results.json", body)
}

async fn results_csv(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    let Some(results) = state.owner.results().await else {
        return unavailable();
    };
    download("text/csv; charset=utf-8", "results.csv", results.to_csv())
}

async fn audit_jsonl(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    match state.owner.audit().await {
        Some(Ok(lines)) => {
            let mut body = lines.join("\n").into_bytes();
            body.push(b'\n');
            download("application/jsonl; charset=utf-8", "audit.jsonl", body)
        }
        Some(Err(error)) => {
            tracing::error!(%error, "cannot read the journal for the audit log");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the journal").into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            "this server keeps no journal (no data directory)",
        )
            .into_response(),
    }
}

async fn ws_upgrade(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
) -> Response {
    let span = tracing::info_span!(
        "socket",
        %peer,
        role = tracing::field::Empty,
        device = tracing::field::Empty
    );
    let tracker = state.tracker.clone();
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| tracker.track_future(run_socket(socket, state).instrument(span)))
}

/// Who this socket speaks for, once its `hello` was accepted.
#[derive(Clone, Copy, Debug)]
enum Peer {
    Team(TeamId),
    Control,
    Screen,
}

async fn run_socket(mut socket: WebSocket, state: AppState) {
    let Some(peer) = accept_hello(&mut socket, &state).await else {
        return;
    };
    run_joined(&mut socket, &state, peer).await;
    if let Peer::Team(team) = peer
        && let Some(count) = state.connected.get(team.0)
    {
        count.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn run_joined(socket: &mut WebSocket, state: &AppState, peer: Peer) {
    let mut link = match peer {
        Peer::Team(team) => {
            let device = state.next_device.fetch_add(1, Ordering::Relaxed);
            tracing::Span::current().record("device", device);
            state.owner.link(Request::LinkOpened { device, team }).await;
            Some((device, TeamLink::new(state.clock.now())))
        }
        Peer::Control | Peer::Screen => None,
    };
    serve_socket(socket, state, peer, &mut link).await;
    if let Some((device, _)) = link {
        state.owner.link(Request::LinkClosed { device }).await;
    }
    tracing::info!("socket closed");
}
/// Waits for a valid `hello`; answers `welcome`, or an error and a close.
async fn accept_hello(socket: &mut WebSocket, state: &AppState) -> Option<Peer> {
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
        Ok(None | Some(Err(_))) => return None,
    };
    let (role, team, token, device) = match serde_json::from_str::<ClientEnvelope>(&text) {
        Ok(ClientEnvelope {
            message:
                ClientMessage::Hello {
                    role,
                    team,
                    token,
                    device,
                },
            ..
        }) => (role, team, token, device),
        Ok(_) => {
            refuse(socket, "hello_first", "the first message must be hello").await;
            return None;
        }
        Err(error) => {
            refuse(socket, "bad_message", error.to_string()).await;
            return None;
        }
    };
    let mut device_token = None;
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
        Role::Team => {
            let (team, token) = match join_team(state, team.as_deref(), device.as_deref()) {
                Ok(joined) => joined,
                Err((code, message)) => {
                    tracing::warn!(code, "team hello refused");
                    refuse(socket, code, message).await;
                    return None;
                }
            };
            device_token = Some(token);
            Peer::Team(team)
        }
    };
    tracing::Span::current().record("role", tracing::field::debug(peer));
    let welcome = ServerMessage::Welcome {
        role,
        team: match peer {
            Peer::Team(team) => Some(state.contest.teams[team.0].id.clone()),
            _ => None,
        },
        device: device_token,
    };
    if send_json(socket, &welcome).await.is_err() {
        if let Peer::Team(team) = peer {
            state.connected[team.0].fetch_sub(1, Ordering::Relaxed);
        }
        return None;
    }
    tracing::info!("joined");
    Some(peer)
}

/// Resolves a team hello to the team and the device token the phone is to keep, and counts the
/// phone as connected. A known device token rejoins its own team; without one a new phone is
/// registered for the team it picked.
fn join_team(
    state: &AppState,
    team: Option<&str>,
    device: Option<&str>,
) -> Result<(TeamId, String), (&'static str, &'static str)> {
    let (team_id, token) = {
        let mut devices = state
            .devices
            .lock()
            .map_err(|_| ("server_error", "device registry unavailable"))?;
        match device {
            Some(token) => {
                let Some(registered) = devices.team_of(token) else {
                    return Err((
                        "unknown_device",
                        "this phone is not registered; pick your team again",
                    ));
                };
                if team.is_some_and(|asked| asked != registered) {
                    return Err((
                        "device_refused",
                        "this phone is registered for another team",
                    ));
                }
                (registered.to_string(), token.to_string())
            }
            None => {
                let Some(team) = team.filter(|id| state.contest.team_index(id).is_some()) else {
                    return Err(("unknown_team", "no team with that id"));
                };
                let token = devices.register(team).map_err(|error| {
                    tracing::error!(%error, "cannot save the device registry");
                    ("storage_failed", "the server could not save this phone")
                })?;
                (team.to_string(), token)
            }
        }
    };
    let Some(index) = state.contest.team_index(&team_id) else {
        return Err(("unknown_team", "no team with that id"));
    };
    let limit = state.phones_per_team;
    let admitted = state.connected[index].fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
        (n < limit).then_some(n + 1)
    });
    if admitted.is_err() {
        return Err((
            "team_full",
            "this team already has the most phones allowed connected",
        ));
    }
    Ok((TeamId(index), token))
}

/// After `hello`: forwards commands, answers them, sends every new state, and keeps a team
/// phone's clock in sync.
async fn serve_socket(
    socket: &mut WebSocket,
    state: &AppState,
    peer: Peer,
    link: &mut Option<(u64, TeamLink)>,
) {
    let mut snapshots = state.owner.snapshots.clone();
    // Send the current state right away, then every change.
    snapshots.mark_changed();
    // Team phones get their first ping at once, so a press soon after joining has an estimate.
    let mut next_ping = Instant::now();
    loop {
        tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                let bytes = {
                    let latest = snapshots.borrow_and_update();
                    match peer {
                        Peer::Control => latest.control.clone(),
                        Peer::Team(_) | Peer::Screen => latest.public.clone(),
                    }
                };
                if socket.send(Message::Text(bytes)).await.is_err() {
                    break;
                }
            }
            () = tokio::time::sleep_until(next_ping), if link.is_some() => {
                let Some((device, team_link)) = link.as_mut() else { break };
                let now = state.clock.now();
                let t0 = team_link.ping(now);
                if team_link.check_online(now) {
                    report_link(state, *device, team_link).await;
                }
                let fast = snapshots.borrow().sync_fast;
                let period = if fast { FAST_PING_MS } else { SLOW_PING_MS };
                next_ping = Instant::now() + Duration::from_millis(period);
                if send_json(socket, &ServerMessage::Sync { t0 }).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                let reply = match incoming {
                    Some(Ok(Message::Text(text))) => handle_text(&text, state, peer, link).await,
                    Some(Ok(Message::Binary(_))) => Some(ServerMessage::error(
                        "binary_not_supported",
                        "send JSON text frames",
                    )),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                if let Some(reply) = reply
                    && send_json(socket, &reply).await.is_err()
                {
                    break;
                }
            }
            () = state.cancel.cancelled() => {
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code: close_code::AWAY,
                        reason: "server shutting down".into(),
                    })))
                    .await;
                break;
            }
        }
    }
}

/// Sends a team phone's measurements to the owner (for the control page and the settle window).
async fn report_link(state: &AppState, device: u64, link: &TeamLink) {
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
async fn handle_text(
    text: &str,
    state: &AppState,
    peer: Peer,
    link: &mut Option<(u64, TeamLink)>,
) -> Option<ServerMessage> {
    let arrived = state.clock.now();
    let envelope = match serde_json::from_str::<ClientEnvelope>(text) {
        Ok(envelope) => envelope,
        Err(error) => return Some(ServerMessage::error("bad_message", error.to_string())),
    };
    let id = envelope.id;
    let message = envelope.message;
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
        ClientMessage::Buzz { pressed_at } => match (peer, link.as_ref()) {
            (Peer::Team(team), Some((_, team_link))) => Command::Buzz {
                team,
                claim: pressed_at.and_then(|at| team_link.claim(at)),
            },
            _ => {
                return Some(ServerMessage::error(
                    "not_allowed",
                    "only a team socket may buzz",
                ));
            }
        },
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
            None => {
                return Some(ServerMessage::Rejected {
                    id,
                    code: "unknown_team".into(),
                    message: "there is no such team".into(),
                });
            }
        },
        ClientMessage::Hello { .. } => return None,
    };
    let from = match (peer, link.as_ref()) {
        (Peer::Team(team), Some((device, _))) => {
            format!("team {} (device {device})", state.contest.teams[team.0].id)
        }
        (Peer::Team(team), None) => format!("team {}", state.contest.teams[team.0].id),
        (Peer::Control, _) => "control".to_string(),
        (Peer::Screen, _) => "screen".to_string(),
    };
    match state.owner.command(command, from).await {
        Ok(()) => Some(ServerMessage::Ack { id }),
        Err(Refusal::Rule(rejection)) => Some(ServerMessage::rejected(id, &rejection)),
        Err(Refusal::Storage) => Some(ServerMessage::Rejected {
            id,
            code: "storage_failed".into(),
            message: "the server could not save this to disk; nothing changed".into(),
        }),
        Err(Refusal::Closed) => None,
    }
}

async fn send_json(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.to_json().into())).await
}

/// Sends an error and closes the socket with a policy-violation code.
async fn refuse(socket: &mut WebSocket, code: &str, message: impl Into<String>) {
    let message = message.into();
    let _ = send_json(socket, &ServerMessage::error(code, message.clone())).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::POLICY,
            reason: code.to_string().into(),
        })))
        .await;
}

/// Compares secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
