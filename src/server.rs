//! The HTTP and WebSocket transport: thin. It parses, checks the role, forwards to the owner task
//! and sends back what the owner answers and publishes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::access::{Access, Refused};
use crate::game::{Command, Contest, TeamId};
use crate::link::{FAST_PING_MS, SLOW_PING_MS, TeamLink};
use crate::owner::{Clock, OwnerHandle, Refusal, Request};
use crate::protocol::{ClientEnvelope, ClientMessage, PhoneView, Role, ServerMessage, TeamAccess};

/// The pages, scripts and styles, embedded in the binary.
#[derive(RustEmbed)]
#[folder = "web/"]
struct WebAssets;

/// Largest message a client may send; every legitimate one is far smaller.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// How long a new socket may take to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Caps that keep one device or a crowd from exhausting the laptop.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// WebSocket connections at once, all roles together (a hall of ~19k audience phones).
    pub max_connections: usize,
    /// WebSocket connections at once from one address (loopback is exempt: the MC's own laptop).
    pub max_connections_per_ip: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 20_000,
            max_connections_per_ip: 16,
        }
    }
}

/// Messages a socket may send per second on average; a phone answers 10 pings a second and a
/// mashed buzzer rarely passes 15 presses.
const RATE_PER_SECOND: f64 = 40.0;
/// Messages a socket may send in one burst.
const RATE_BURST: f64 = 80.0;
/// Messages dropped over the limit before the socket is closed.
const FLOOD_TOLERANCE: u32 = 200;

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
    /// The stage runtime: team and MC sockets run there, apart from the audience.
    pub stage: tokio::runtime::Handle,
    /// The server clock shared with the owner task.
    pub clock: Clock,
    /// Numbers team connections.
    pub next_device: Arc<AtomicU64>,
    /// WebSocket connections open now.
    pub open_connections: Arc<AtomicUsize>,
    /// Join codes and registered team phones.
    pub access: Arc<Mutex<Access>>,
    /// The MC's view of `access`, re-sent to control sockets when it changes; its changes also
    /// make team sockets check whether their phone was revoked.
    pub access_view: Arc<watch::Sender<Utf8Bytes>>,
    /// Connections per client address, for the per-address cap.
    pub per_ip: Arc<Mutex<HashMap<IpAddr, u32>>>,
    /// Limits on connections.
    pub limits: Limits,
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
        .route("/api/join-qr/{team}", get(join_qr))
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
    let body = state.owner.public.borrow().bytes.clone();
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

/// A QR code (SVG) of the link that joins `team` with its current code, for the control page.
async fn join_qr(
    State(state): State<AppState>,
    Path(team): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    if !state.is_control(&query.token) {
        return forbidden();
    }
    let code = match state.access.lock() {
        Ok(access) => access.code(&team).map(str::to_string),
        Err(_) => None,
    };
    let Some(code) = code else {
        return (StatusCode::NOT_FOUND, "no such team").into_response();
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let url = format!("http://{host}/?team={team}&code={code}");
    let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "cannot draw the code").into_response();
    };
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}

async fn ws_upgrade(
    upgrade: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Response {
    if !origin_allowed(&headers) {
        tracing::warn!(%peer, origin = ?headers.get(header::ORIGIN), "WebSocket from a foreign origin refused");
        return (StatusCode::FORBIDDEN, "foreign origin").into_response();
    }
    let Some(slot) = ConnectionSlot::take(&state, peer.ip()) else {
        tracing::warn!(%peer, "connection refused: too many connections");
        return (StatusCode::TOO_MANY_REQUESTS, "too many connections").into_response();
    };
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
                    run_socket(socket, state).await;
                    drop(slot);
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

/// One counted connection; released when dropped.
struct ConnectionSlot {
    state: AppState,
    ip: IpAddr,
}

impl ConnectionSlot {
    fn take(state: &AppState, ip: IpAddr) -> Option<ConnectionSlot> {
        let total = state.open_connections.fetch_add(1, Ordering::AcqRel);
        let release_total = || state.open_connections.fetch_sub(1, Ordering::AcqRel);
        if total >= state.limits.max_connections {
            release_total();
            return None;
        }
        let Ok(mut per_ip) = state.per_ip.lock() else {
            release_total();
            return None;
        };
        let count = per_ip.entry(ip).or_insert(0);
        if !ip.is_loopback() && *count >= state.limits.max_connections_per_ip {
            drop(per_ip);
            release_total();
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            state: state.clone(),
            ip,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.state.open_connections.fetch_sub(1, Ordering::AcqRel);
        if let Ok(mut per_ip) = self.state.per_ip.lock()
            && let Some(count) = per_ip.get_mut(&self.ip)
        {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&self.ip);
            }
        }
    }
}

/// Who this socket speaks for, once its `hello` was accepted.
#[derive(Clone, Debug)]
enum Peer {
    Team(TeamPhone),
    Control,
    Screen,
}

/// A team phone that joined.
#[derive(Clone, Debug)]
struct TeamPhone {
    team: TeamId,
    /// Its number for the MC.
    number: u32,
    /// Its device token, to notice a revocation.
    token: String,
}

async fn run_socket(mut socket: WebSocket, state: AppState) {
    let Some(peer) = accept_hello(&mut socket, &state).await else {
        return;
    };
    let stage = match peer {
        Peer::Team(_) | Peer::Control => Some(state.stage.clone()),
        Peer::Screen => None,
    };
    let session = async move {
        run_joined(&mut socket, &state, &peer).await;
        if let Peer::Team(phone) = &peer
            && let Some(count) = state.connected.get(phone.team.0)
        {
            count.fetch_sub(1, Ordering::Relaxed);
        }
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
    let (role, team, token, device, code) = match serde_json::from_str::<ClientEnvelope>(&text) {
        Ok(ClientEnvelope {
            message:
                ClientMessage::Hello {
                    role,
                    team,
                    token,
                    device,
                    code,
                },
            ..
        }) => (role, team, token, device, code),
        Ok(_) => {
            refuse(socket, "hello_first", "the first message must be hello").await;
            return None;
        }
        Err(error) => {
            refuse(socket, "bad_message", error.to_string()).await;
            return None;
        }
    };
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
        Role::Team => match join_team(state, team.as_deref(), code.as_deref(), device.as_deref()) {
            Ok(phone) => Peer::Team(phone),
            Err((code, message)) => {
                tracing::warn!(code, "team hello refused");
                refuse(socket, code, message).await;
                return None;
            }
        },
    };
    tracing::Span::current().record("role", tracing::field::debug(&peer));
    let welcome = ServerMessage::Welcome {
        role,
        team: match &peer {
            Peer::Team(phone) => Some(state.contest.teams[phone.team.0].id.clone()),
            _ => None,
        },
        device: match &peer {
            Peer::Team(phone) => Some(phone.token.clone()),
            _ => None,
        },
    };
    if send_json(socket, &welcome).await.is_err() {
        if let Peer::Team(phone) = &peer {
            state.connected[phone.team.0].fetch_sub(1, Ordering::Relaxed);
        }
        return None;
    }
    tracing::info!("joined");
    Some(peer)
}

/// Admits a team phone (by device token, or by the team's join code for a new phone) and counts
/// it as connected, within the phones-per-team limit.
fn join_team(
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
fn access_command(
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
        Ok(false) => ServerMessage::Rejected {
            id,
            code: "unknown_team".into(),
            message: "no such team or phone".into(),
        },
        Err(error) => {
            tracing::error!(%error, "cannot save the access registry");
            ServerMessage::Rejected {
                id,
                code: "storage_failed".into(),
                message: "the server could not save this; nothing changed".into(),
            }
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
fn publish_access(state: &AppState) {
    let Ok(access) = state.access.lock() else {
        return;
    };
    let text = access_message(&access, &state.contest).to_json();
    state.access_view.send_replace(text.into());
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
    let mut public = state.owner.public.clone();
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
    let mut rate = RateLimit::new();
    loop {
        tokio::select! {
            changed = public.changed(), if !is_control => {
                if changed.is_err() {
                    break;
                }
                let bytes = public.borrow_and_update().bytes.clone();
                if socket.send(Message::Text(bytes)).await.is_err() {
                    break;
                }
            }
            changed = control.changed(), if is_control => {
                if changed.is_err() {
                    break;
                }
                let bytes = control.borrow_and_update().clone();
                if socket.send(Message::Text(bytes)).await.is_err() {
                    break;
                }
            }
            changed = access.changed(), if !matches!(peer, Peer::Screen) => {
                if changed.is_err() {
                    break;
                }
                let bytes = access.borrow_and_update().clone();
                match peer {
                    Peer::Control => {
                        if socket.send(Message::Text(bytes)).await.is_err() {
                            break;
                        }
                    }
                    Peer::Team(phone) => {
                        let revoked = state.access.lock().map_or(true, |a| a.is_revoked(&phone.token));
                        if revoked {
                            tracing::info!("phone revoked by the MC");
                            close(socket, close_code::POLICY, "device_revoked").await;
                            break;
                        }
                    }
                    Peer::Screen => {}
                }
            }
            () = tokio::time::sleep_until(next_ping), if link.is_some() => {
                let Some((device, team_link)) = link.as_mut() else { break };
                let now = state.clock.now();
                let t0 = team_link.ping(now);
                if team_link.check_online(now) {
                    report_link(state, *device, team_link).await;
                }
                let fast = public.borrow().sync_fast;
                let period = if fast { FAST_PING_MS } else { SLOW_PING_MS };
                next_ping = Instant::now() + Duration::from_millis(period);
                if send_json(socket, &ServerMessage::Sync { t0 }).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                if matches!(incoming, Some(Ok(Message::Text(_) | Message::Binary(_)))) {
                    match rate.admit(Instant::now()) {
                        Admit::Yes => {}
                        Admit::Warn => {
                            tracing::warn!("message flood: dropping messages");
                            let warning = ServerMessage::error(
                                "rate_limited",
                                "too many messages; slow down or be disconnected",
                            );
                            if send_json(socket, &warning).await.is_err() {
                                break;
                            }
                            continue;
                        }
                        Admit::Drop => continue,
                        Admit::Disconnect => {
                            tracing::warn!("message flood: disconnected");
                            close(socket, close_code::POLICY, "rate_limited").await;
                            break;
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
                    Some(Ok(Message::Close(_))) | None => break,
                    Some(Err(error)) => {
                        if let Some((code, reason)) = close_for(error) {
                            tracing::warn!(reason, "broken or oversized frame: closing");
                            close(socket, code, reason).await;
                        }
                        break;
                    }
                };
                if let Some(reply) = reply
                    && send_json(socket, &reply).await.is_err()
                {
                    break;
                }
            }
            () = state.cancel.cancelled() => {
                close(socket, close_code::AWAY, "server shutting down").await;
                break;
            }
        }
    }
}

/// The close code that tells a client why its frame was refused: over the size limit (1009),
/// text that is not UTF-8 (1007), or another protocol violation (1002). `None` when the
/// connection is simply gone.
fn close_for(error: axum::Error) -> Option<(u16, &'static str)> {
    use tokio_tungstenite::tungstenite::Error;
    match error.into_inner().downcast_ref::<Error>()? {
        Error::Capacity(_) => Some((close_code::SIZE, "message too big")),
        Error::Utf8(_) => Some((close_code::INVALID, "text is not UTF-8")),
        Error::Protocol(_) => Some((close_code::PROTOCOL, "protocol error")),
        _ => None,
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// A token bucket per socket: bursts are fine, a sustained flood is warned once, then dropped,
/// then disconnected.
struct RateLimit {
    tokens: f64,
    last: Instant,
    warned: bool,
    dropped: u32,
}

/// What to do with one incoming message.
enum Admit {
    Yes,
    Warn,
    Drop,
    Disconnect,
}

impl RateLimit {
    fn new() -> Self {
        RateLimit {
            tokens: RATE_BURST,
            last: Instant::now(),
            warned: false,
            dropped: 0,
        }
    }

    fn admit(&mut self, now: Instant) -> Admit {
        let refill = now.duration_since(self.last).as_secs_f64() * RATE_PER_SECOND;
        self.tokens = (self.tokens + refill).min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            if self.tokens >= RATE_BURST / 2.0 {
                // Calm again: a later flood gets a fresh warning.
                self.warned = false;
                self.dropped = 0;
            }
            return Admit::Yes;
        }
        self.dropped += 1;
        if self.dropped > FLOOD_TOLERANCE {
            Admit::Disconnect
        } else if !self.warned {
            self.warned = true;
            Admit::Warn
        } else {
            Admit::Drop
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
        ClientMessage::RotateCode { team } => {
            return Some(access_command(state, id, |access| {
                access.rotate_code(&team)
            }));
        }
        ClientMessage::RevokePhone { team, phone } => {
            return Some(access_command(state, id, |access| {
                access.revoke(&team, phone)
            }));
        }
        ClientMessage::Hello { .. } => return None,
    };
    let from = match (peer, link.as_ref()) {
        (Peer::Team(phone), Some((device, _))) => format!(
            "team {} (phone {}, connection {device})",
            state.contest.teams[phone.team.0].id, phone.number
        ),
        (Peer::Team(phone), None) => format!("team {}", state.contest.teams[phone.team.0].id),
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
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
