//! The owner task: the one place the game lives.
//!
//! Sockets send [`Request`]s on an mpsc channel and get their answer on a oneshot. The task wakes
//! for the game's next deadline, and after every change publishes the new state on a `watch`
//! channel, serialised once per role and shared as bytes by every socket of that role. A slow
//! socket that misses states simply gets the latest one next.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::game::{Command, Contest, Event, Game, Rejection, TeamId, Time};
use crate::protocol::{Audience, StateView};

/// A request to the owner task.
#[derive(Debug)]
pub enum Request {
    /// Apply a command; the reply says whether it was accepted.
    Command {
        /// The command.
        command: Command,
        /// Who sent it, for the log.
        from: String,
        /// Accepted, or why not.
        reply: oneshot::Sender<Result<(), Rejection>>,
    },
    /// A phone of this team connected.
    TeamConnected(TeamId),
    /// A phone of this team disconnected.
    TeamDisconnected(TeamId),
}

/// The latest state, serialised once for each audience.
#[derive(Debug)]
pub struct Snapshots {
    /// For team and screen sockets.
    pub public: Utf8Bytes,
    /// For the control socket.
    pub control: Utf8Bytes,
}

/// The server's clock: wall-clock milliseconds at start, advanced by a monotonic clock so that
/// deadlines never jump when the system clock is adjusted during a show.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
    start_ms: u64,
}

impl Clock {
    /// Starts the clock now.
    pub fn start() -> Clock {
        let start_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock {
            start: Instant::now(),
            start_ms,
        }
    }

    /// The current time.
    pub fn now(&self) -> Time {
        Time(self.start_ms * 1000 + self.start.elapsed().as_micros() as u64)
    }

    /// The tokio instant of a game moment, for sleeping until it.
    fn instant_of(&self, at: Time) -> Instant {
        self.start + Duration::from_micros(at.0.saturating_sub(self.start_ms * 1000))
    }
}

/// What sockets hold to talk to the owner task.
#[derive(Clone, Debug)]
pub struct OwnerHandle {
    /// Where requests go.
    pub requests: mpsc::Sender<Request>,
    /// The latest state.
    pub snapshots: watch::Receiver<Arc<Snapshots>>,
}

impl OwnerHandle {
    /// Applies a command and waits for the verdict. `Err(None)` means the server is shutting down.
    pub async fn command(&self, command: Command, from: String) -> Result<(), Option<Rejection>> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Command {
                command,
                from,
                reply,
            })
            .await
            .map_err(|_| None)?;
        answer.await.map_err(|_| None)?.map_err(Some)
    }

    /// Tells the owner about a team phone joining or leaving; dropped silently at shutdown.
    pub async fn presence(&self, request: Request) {
        let _ = self.requests.send(request).await;
    }
}

/// Owns the game until `cancel` fires.
pub struct Owner {
    game: Game,
    devices: Vec<u32>,
    clock: Clock,
    requests: mpsc::Receiver<Request>,
    snapshots: watch::Sender<Arc<Snapshots>>,
}

/// Commands waiting at most this many at once; senders wait when it is full.
const REQUEST_QUEUE: usize = 1024;

impl Owner {
    /// Creates the owner and the handle sockets use to reach it.
    pub fn new(contest: Contest, clock: Clock) -> (Owner, OwnerHandle) {
        let game = Game::new(contest);
        let devices = vec![0; game.contest().teams.len()];
        let (request_tx, requests) = mpsc::channel(REQUEST_QUEUE);
        let first = snapshots_of(&game, &devices, clock.now());
        let (snapshots, snapshot_rx) = watch::channel(Arc::new(first));
        let owner = Owner {
            game,
            devices,
            clock,
            requests,
            snapshots,
        };
        let handle = OwnerHandle {
            requests: request_tx,
            snapshots: snapshot_rx,
        };
        (owner, handle)
    }

    /// Runs until cancelled or every handle is gone.
    pub async fn run(mut self, cancel: CancellationToken) {
        loop {
            let wake = self
                .game
                .next_deadline()
                .map(|at| self.clock.instant_of(at));
            tokio::select! {
                request = self.requests.recv() => match request {
                    Some(request) => self.handle(request),
                    None => break,
                },
                () = sleep_until(wake) => {
                    let events = self.game.tick(self.clock.now());
                    log_events("timer", &events);
                    if !events.is_empty() {
                        self.publish();
                    }
                }
                () = cancel.cancelled() => break,
            }
        }
        tracing::info!("owner task stopped");
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Command {
                command,
                from,
                reply,
            } => {
                let now = self.clock.now();
                // Publish deadlines that expired just before this command even if it is refused.
                let expired = self.game.tick(now);
                log_events("timer", &expired);
                let result = self.game.apply(&command, now);
                let answer = match result {
                    Ok(events) => {
                        tracing::info!(%from, ?command, "applied");
                        log_events(&from, &events);
                        self.publish();
                        Ok(())
                    }
                    Err(rejection) => {
                        tracing::debug!(%from, ?command, %rejection, "rejected");
                        if !expired.is_empty() {
                            self.publish();
                        }
                        Err(rejection)
                    }
                };
                // The sender may have gone away meanwhile; the change stands regardless.
                let _ = reply.send(answer);
            }
            Request::TeamConnected(team) => {
                if let Some(count) = self.devices.get_mut(team.0) {
                    *count += 1;
                    self.publish();
                }
            }
            Request::TeamDisconnected(team) => {
                if let Some(count) = self.devices.get_mut(team.0) {
                    *count = count.saturating_sub(1);
                    self.publish();
                }
            }
        }
    }

    fn publish(&self) {
        let snapshots = snapshots_of(&self.game, &self.devices, self.clock.now());
        self.snapshots.send_replace(Arc::new(snapshots));
    }
}

fn snapshots_of(game: &Game, devices: &[u32], now: Time) -> Snapshots {
    Snapshots {
        public: StateView::of(game, devices, now, Audience::Public)
            .to_json()
            .into(),
        control: StateView::of(game, devices, now, Audience::Control)
            .to_json()
            .into(),
    }
}

fn log_events(from: &str, events: &[Event]) {
    for event in events {
        tracing::info!(%from, ?event, "event");
    }
}

async fn sleep_until(wake: Option<Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
