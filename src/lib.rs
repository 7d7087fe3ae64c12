//! stagebuzz: a quiz-show buzzer system for staged contests on a LAN.
//!
//! Module map:
//! - [`game`]: the pure game core. Every rule of the contest, deterministic, time passed in.
//!   - [`game::contest`]: the contest data (teams, rounds, questions, rules) and its validation.
//!   - [`game::kinds`]: one module per round kind ([`game::buzz_in`],
//!     [`game::multiple_choice`], [`game::judged`] (the judging panel), [`game::olympia`]
//!     ("Về đích"), [`game::tie_breaker`], [`game::kinds::scored`]) and the one place that
//!     forwards the programme's commands to them.
//!   - [`game::race`]: the buzzer race shared by every kind that lets teams buzz.
//!   - [`game::points`]: points exact to a hundredth (a panel's mean).
//! - [`contest_file`]: reading a contest file and the spreadsheets its rounds take questions from.
//! - [`clocksync`]: NTP-style clock estimation for one phone (pure).
//! - [`link`]: one team phone's link: pings, online state, press claims (pure).
//! - [`access`]: the control token, each team's and judge's join code, registered phones and
//!   revocation.
//! - [`throttle`]: slowing down join-code guessing per address and per team, never the real
//!   team (pure).
//! - [`results`]: per-round results and ranking, as JSON and CSV.
//! - [`sheets`]: a round's questions from an organiser's `.xlsx` or `.csv` sheet, checked.
//! - [`media`]: question images: which files may be shown, and the store they are served from.
//! - [`journal`]: the crash-safe record of every accepted command, replayed at start;
//!   `journal/writer.rs` is its own thread, which syncs commands in groups off the owner's path.
//! - [`owner`]: the one task that owns the game, wakes on its deadlines and publishes state.
//! - [`protocol`]: every message on the wire (see `docs/PROTOCOL.md`); what each audience sees
//!   of a judged round and of a Về đích round is in its own file (`protocol/judged.rs`,
//!   `protocol/olympia.rs`).
//! - [`server`]: the thin axum transport: pages, assets and one task per WebSocket.
//! - [`urls`]: the LAN addresses and QR code printed for people at start.
//!
//! [`Server::start`] wires them together; `main.rs` only parses the command line.

#![forbid(unsafe_code)]
// Input from the network and from disk must never crash the show.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable
    )
)]

pub mod access;
pub mod clocksync;
pub mod contest_file;
pub mod game;
pub mod journal;
pub mod link;
pub mod media;
pub mod owner;
pub mod protocol;
pub mod results;
pub mod server;
pub mod sheets;
pub mod throttle;
pub mod urls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::access::Access;
use crate::game::{Contest, Game};
use crate::journal::Journal;
use crate::journal::writer::JournalWriter;
use crate::media::Media;
use crate::owner::{Clock, Owner};
use crate::server::listener::Connections;
use crate::server::{AllowedHosts, AppState, Limits};

/// How to run a server.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (`0.0.0.0` for the whole LAN).
    pub bind: IpAddr,
    /// Port; 0 picks a free one (tests).
    pub port: u16,
    /// The contest to play.
    pub contest: Contest,
    /// The folder its question images are read from: the contest file's
    /// ([`contest_file::folder_of`]). `None` when the contest was not read from a file (the demo,
    /// tests); a contest with images is then refused at start.
    pub contest_dir: Option<PathBuf>,
    /// The MC's secret; a random one is made when absent.
    pub control_token: Option<String>,
    /// Where the journal lives; `None` keeps the contest in memory only (tests).
    pub data_dir: Option<PathBuf>,
    /// Archive the contest found in `data_dir` and start this one fresh.
    pub fresh: bool,
    /// How many phones of one team may be connected at once.
    pub phones_per_team: u32,
    /// Connection caps and timeouts.
    pub limits: server::Limits,
    /// Host names, besides IP literals, `localhost` and this machine's name, that pages may be
    /// opened by (`--public-host`).
    pub public_hosts: Vec<String>,
    /// A slow disk simulated on a fast one (tests and benchmarks); the default adds nothing.
    pub slow_disk: journal::writer::SlowDisk,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The data directory cannot be used.
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    /// The control token, join codes or phone registry cannot be read or saved.
    #[error("{0}")]
    Access(String),
    /// Question images cannot be served: every problem, each naming its question.
    #[error("{}", media_problems(.0))]
    Media(Vec<String>),
}

/// The problems with a contest's images, one a line, as a contest file's are listed.
fn media_problems(problems: &[String]) -> String {
    let noun = if problems.len() == 1 {
        "a problem"
    } else {
        "problems"
    };
    let mut text = format!("the contest's question images have {noun}:");
    for problem in problems {
        text.push_str("\n  - ");
        text.push_str(problem);
    }
    text
}

/// A running server. Dropping it does not stop it; call [`Server::shutdown`].
#[derive(Debug)]
pub struct Server {
    /// The runtime of the stage: the owner task and the team and MC sockets. Kept apart from the
    /// audience sockets so that a buzz is never queued behind a hall of audience phones being
    /// sent the new state. Held for its `Drop`, which stops it.
    _stage: StageRuntime,
    addr: SocketAddr,
    access: Arc<Mutex<Access>>,
    control_token: String,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl Server {
    /// Binds, starts the owner task and the HTTP server, and returns once it accepts connections.
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let wanted = SocketAddr::new(config.bind, config.port);
        let bind_error = |source| StartError::Bind {
            addr: wanted,
            source,
        };
        // Before the data directory is touched: a contest whose images cannot be served must
        // not start (nor archive the previous one with --new). The game's contest is this one:
        // the journal either starts it or amends the contest it holds to it.
        let media = Media::load(&config.contest, config.contest_dir.as_deref())
            .map_err(StartError::Media)?;
        if !media.is_empty() {
            tracing::info!(images = media.len(), "question images loaded");
        }
        let media = Arc::new(media);
        let (game, journal, clock) = recover(&config)?;
        // The journal gets a thread of its own: the disk off the owner task's path.
        let journal = match journal {
            Some(journal) => Some(JournalWriter::start(journal, config.slow_disk).map_err(
                |source| journal::JournalError::Io {
                    path: config.data_dir.clone().unwrap_or_default(),
                    source,
                },
            )?),
            None => None,
        };
        let listener = TcpListener::bind(wanted).await.map_err(bind_error)?;
        let limits = within_open_files_limit(config.limits);
        let addr = listener.local_addr().map_err(bind_error)?;
        let control_token =
            access::control_token(config.data_dir.as_deref(), config.control_token.clone())
                .map_err(StartError::Access)?;
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();

        let contest = Arc::new(game.contest().clone());
        let access =
            Access::load(config.data_dir.as_deref(), &contest).map_err(StartError::Access)?;
        let access_text = server::access_message(&access, &contest, Vec::new(), &[]).to_json();
        let access = Arc::new(Mutex::new(access));
        let connected = contest.teams.iter().map(|_| AtomicU32::new(0)).collect();
        let judges_connected = contest.judges.iter().map(|_| AtomicU32::new(0)).collect();
        // A few reminders may wait for a busy judge socket; older ones are dropped.
        let reminders = contest
            .judges
            .iter()
            .map(|_| tokio::sync::broadcast::channel(4).0)
            .collect();
        let (owner, handle) = Owner::new(game, journal, clock, media.clone());
        let stage = StageRuntime::start().map_err(|source| StartError::Bind {
            addr: wanted,
            source,
        })?;
        stage
            .handle()
            .spawn(tracker.track_future(owner.run(cancel.clone())));

        let state = AppState {
            owner: handle,
            contest,
            media,
            control_token: control_token.as_str().into(),
            cancel: cancel.clone(),
            tracker: tracker.clone(),
            stage: stage.handle(),
            clock,
            next_device: Arc::new(AtomicU64::new(1)),
            access: access.clone(),
            access_view: Arc::new(watch::channel(access_text.into()).0),
            join_throttle: Arc::default(),
            allowed_hosts: Arc::new(AllowedHosts::for_this_machine(&config.public_hosts)),
            connected: Arc::new(connected),
            phones_per_team: config.phones_per_team,
            judges_connected: Arc::new(judges_connected),
            seated: Arc::default(),
            reminders: Arc::new(reminders),
        };
        tracker.spawn(state.clone().report_join_throttle());
        let app = server::router(state);
        let connections = Connections::new(limits);
        tracker.spawn(server::listener::serve(
            listener,
            app,
            connections,
            cancel.clone(),
            tracker.clone(),
        ));
        tracing::info!(%addr, "listening");
        Ok(Server {
            _stage: stage,
            addr,
            access,
            control_token,
            cancel,
            tracker,
        })
    }

    /// The address actually bound (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The MC's secret.
    pub fn control_token(&self) -> &str {
        &self.control_token
    }

    /// The current join code of `team` (also shown on the control page).
    pub fn join_code(&self, team: &str) -> Option<String> {
        let access = self.access.lock().ok()?;
        access.code(team).map(str::to_string)
    }

    /// The current join code of the judge `judge` (also shown on the control page).
    pub fn judge_code(&self, judge: &str) -> Option<String> {
        let access = self.access.lock().ok()?;
        access
            .code_of(access::Seat::Judge, judge)
            .map(str::to_string)
    }

    /// A token that stops the server when cancelled (e.g. on Ctrl-C).
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Waits until the server is stopped through [`Server::cancel_token`].
    pub async fn stopped(&self) {
        self.cancel.cancelled().await;
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Closes every socket, stops the owner task and waits for all of it to finish.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.stopped().await;
    }
}

/// The game to serve: the contest found in the data directory (replayed from its journal) or a
/// fresh one; the journal to append to; and the contest's clock, which never runs behind the
/// journal.
fn recover(config: &Config) -> Result<(Game, Option<Journal>, Clock), StartError> {
    let clock = Clock::start();
    let Some(dir) = &config.data_dir else {
        return Ok((Game::new(config.contest.clone()), None, clock));
    };
    let recovered = Journal::open(dir, &config.contest, config.fresh, clock.now())?;
    for warning in &recovered.warnings {
        tracing::warn!("{warning}");
    }
    let behind_ms = recovered.last_at.0.saturating_sub(clock.now().0) / 1000;
    let clock = if behind_ms > 0 {
        // The wall clock was set back since the journal was written (a laptop with no network
        // to set its time): deadlines would stretch by that much.
        tracing::warn!(
            behind_ms,
            "this computer's clock is behind the contest journal; the contest's clock carries \
             on from the journal instead"
        );
        clock.at_least(recovered.last_at)
    } else {
        clock
    };
    tracing::info!(
        dir = %dir.display(),
        replayed = recovered.replayed,
        "contest journal open"
    );
    Ok((recovered.game, Some(recovered.journal), clock))
}

/// File descriptors kept for everything but client connections: the journal, the listener,
/// the runtime's own, a browser test's pipes.
const FILES_KEPT_FOR_THE_SERVER: u64 = 64;

/// `limits` with `max_connections` lowered to what the process's open-files limit allows: past
/// it `accept` fails and every new phone hangs, where the cap refuses cleanly and keeps the reserve.
fn within_open_files_limit(mut limits: Limits) -> Limits {
    #[cfg(unix)]
    if let Ok((soft, _)) = rlimit::getrlimit(rlimit::Resource::NOFILE) {
        let room = usize::try_from(soft.saturating_sub(FILES_KEPT_FOR_THE_SERVER))
            .unwrap_or(usize::MAX)
            .max(1);
        if limits.max_connections > room {
            // Worth a warning when a hall would notice (a limit of 1024 instead of 20 000), not
            // for the files kept back from a limit that is about the default already.
            if room < limits.max_connections / 10 * 9 {
                tracing::warn!(
                    asked = limits.max_connections,
                    allowed = room,
                    open_files_limit = soft,
                    "--max-connections lowered to fit the open-files limit (ulimit -n)"
                );
            } else {
                tracing::info!(
                    asked = limits.max_connections,
                    allowed = room,
                    "--max-connections fitted to the open-files limit"
                );
            }
            limits.max_connections = room;
        }
    }
    limits
}

/// A runtime of its own (one worker thread) for what must never wait behind the audience: the
/// owner task and the team and MC sockets.
#[derive(Debug)]
struct StageRuntime(Option<tokio::runtime::Runtime>);

impl StageRuntime {
    fn start() -> std::io::Result<StageRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("stagebuzz-stage")
            .enable_all()
            .build()?;
        Ok(StageRuntime(Some(runtime)))
    }

    fn handle(&self) -> tokio::runtime::Handle {
        match &self.0 {
            Some(runtime) => runtime.handle().clone(),
            // Only `drop` takes the runtime out.
            None => tokio::runtime::Handle::current(),
        }
    }
}

impl Drop for StageRuntime {
    fn drop(&mut self) {
        // The server may be dropped inside another runtime (a test, `main`), where blocking to
        // wait for the stage's tasks is not allowed; they were cancelled already.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
