//! The HTTP and WebSocket transport: thin. It parses, checks the role, forwards to the owner task
//! and sends back what the owner answers and publishes.
//!
//! - this module: shared state, the router, pages, assets and question images, security headers;
//! - [`exports`]: results, audit log and join QR codes for the MC;
//! - [`listener`]: accepting connections — caps per address and in total, the request-head timeout;
//! - [`hosts`]: the host names pages and sockets answer to;
//! - [`socket`]: one task per WebSocket — upgrade checks, `hello`, the send/receive loop;
//! - [`rate`]: the per-socket message limit;
//! - [`wire`]: who a socket speaks for, and sending JSON, refusals and close frames;
//! - [`joining`]: admitting team and judge phones (join codes, device tokens) and the MC's
//!   access view;
//! - [`commands`]: turning a client message into a game or access command and its answer.

mod commands;
mod exports;
mod hosts;
mod joining;
pub mod listener;
mod rate;
mod socket;
mod wire;

pub use hosts::AllowedHosts;
pub use joining::access_message;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ws::Utf8Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::access::{Access, constant_time_eq};
use crate::game::Contest;
use crate::media::Media;
use crate::owner::{Clock, OwnerHandle};

/// The pages, scripts and styles, embedded in the binary.
#[derive(RustEmbed)]
#[folder = "web/"]
struct WebAssets;

/// Largest message a client may send; every legitimate one is far smaller.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// How long a new socket may take to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Caps that keep one device or a crowd from exhausting the laptop. They count TCP connections
/// from the moment they are accepted, pages and WebSockets alike (see `docs/SECURITY.md`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections at once, all roles together (a hall of ~19k audience phones); clamped at start
    /// to what the open-files limit allows.
    pub max_connections: usize,
    /// Connections at once from one address: a phone holds its WebSocket and, for a few seconds
    /// after loading a page, the browser's few page connections.
    pub max_connections_per_ip: u32,
    /// Loopback (this laptop: the MC's and the projector's pages, a USB bridge) is exempt from the
    /// per-address cap and the reserve. Tests turn it off to test the limits over loopback.
    pub exempt_loopback: bool,
    /// Time a client has to send a complete request head, from connecting or from the end of the
    /// previous response on a kept-alive connection; then it is disconnected.
    pub request_head_timeout: Duration,
}

impl Limits {
    /// The defaults, also the command line's.
    pub const DEFAULT: Limits = Limits {
        max_connections: 20_000,
        max_connections_per_ip: 32,
        exempt_loopback: true,
        request_head_timeout: Duration::from_secs(10),
    };

    /// The last connections of `max_connections`, kept for addresses that hold fewer than a few:
    /// a new phone still gets in when hoarding addresses have filled the rest.
    pub fn reserve(&self) -> usize {
        (self.max_connections / 20).max(1)
    }

    /// Whether `ip` is exempt from the per-address cap and the reserve.
    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        self.exempt_loopback && ip.is_loopback()
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The way to the game.
    pub owner: OwnerHandle,
    /// The contest, for looking up team ids.
    pub contest: Arc<Contest>,
    /// The question images, served under `/media/`.
    pub media: Arc<Media>,
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
    /// Join codes and registered team phones.
    pub access: Arc<Mutex<Access>>,
    /// The MC's view of `access`, re-sent to control sockets when it changes; its changes also
    /// make team sockets check whether their phone was revoked.
    pub access_view: Arc<watch::Sender<Utf8Bytes>>,
    /// Slows down join-code guessing; its counters go to the MC's access view.
    pub join_throttle: Arc<Mutex<crate::throttle::JoinThrottle>>,
    /// Phones connected now, per team.
    pub connected: Arc<Vec<AtomicU32>>,
    /// How many phones of one team (or one judge) may be connected at once.
    pub phones_per_team: u32,
    /// Sockets connected now, per judge.
    pub judges_connected: Arc<Vec<AtomicU32>>,
    /// Sockets connected now, per device token (team and judge phones): a phone whose old
    /// socket the server has not yet seen go is let back in over the phones-per-team limit.
    pub seated: Arc<Mutex<HashMap<String, u32>>>,
    /// The MC's reminders to each judge's sockets (`reminder` messages, ready to send).
    pub reminders: Arc<Vec<broadcast::Sender<Utf8Bytes>>>,
    /// The host names pages and sockets answer to.
    pub allowed_hosts: Arc<AllowedHosts>,
}

/// Builds the router: pages, assets, the public state and the WebSocket.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { page("join.html") }))
        .route("/control", get(|| async { control_page() }))
        .route("/screen", get(|| async { page("screen.html") }))
        .route("/judge", get(|| async { page("judge.html") }))
        .route("/assets/{*path}", get(asset))
        .route("/media/{name}", get(media_file))
        .route("/api/state", get(public_state))
        .route("/api/judges", get(judges_list))
        .route("/api/results.json", get(exports::results_json))
        .route("/api/results.csv", get(exports::results_csv))
        .route("/api/audit.jsonl", get(exports::audit_jsonl))
        .route("/api/join-qr/{team}", get(exports::join_qr))
        .route("/ws", get(socket::ws_upgrade))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            hosts::check_host,
        ))
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

/// The MC's page is not stored at all: it is opened with the control token in its address, and a
/// shared or borrowed laptop's cache should keep nothing of it.
fn control_page() -> Response {
    let mut response = embedded("control.html");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A script, style sheet or font. Each carries an `ETag` (its content hash): a page opened again
/// — by every phone of a hall, or after a reload — revalidates it and gets `304 Not Modified`
/// instead of the bytes (the embedded font alone is about 295 KB).
async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("assets/{path}");
    let Some(file) = WebAssets::get(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let hash = file.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if unchanged {
        (
            StatusCode::NOT_MODIFIED,
            [(header::CACHE_CONTROL, "no-cache")],
        )
            .into_response()
    } else {
        embedded(&path)
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
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

/// A question image. Its address is a keyed hash of its bytes, which never change while the
/// server runs (the next run has other addresses): a page may keep it for good.
async fn media_file(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let Some(image) = state.media.file(&name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, image.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        image.bytes.clone(),
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

/// The judging panel (ids and names), for the judge page's list: public, like the teams.
async fn judges_list(State(state): State<AppState>) -> Response {
    let judges: Vec<crate::protocol::JudgeView> = state
        .contest
        .judges
        .iter()
        .map(|judge| crate::protocol::JudgeView {
            id: judge.id.clone(),
            name: judge.name.clone(),
        })
        .collect();
    let body = serde_json::json!({"title": state.contest.title, "judges": judges});
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

impl AppState {
    /// Whether `token` is the MC's control token.
    fn is_control(&self, token: &str) -> bool {
        constant_time_eq(token.as_bytes(), self.control_token.as_bytes())
    }
}
