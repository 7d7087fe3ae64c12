//! The owner task: the one place the game lives.
//!
//! Sockets send [`Request`]s on an mpsc channel and get their answer on a oneshot. The task wakes
//! for the game's next deadline, and after every change publishes the new state on a `watch`
//! channel, serialised once per role and shared as bytes by every socket of that role. A slow
//! socket that misses states simply gets the latest one next.
//!
//! A command is applied at the time its socket read it, and handed to the journal's thread
//! ([`JournalWriter`]); its answer, and the state that shows it, go out once that thread says it
//! is on disk. Meanwhile the owner goes on reading and applying: a slow disk delays the answers,
//! never the stamping or the deciding of a race.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clocksync::SyncEstimate;
use crate::game::{Command, Event, Game, Rejection, TeamId, Time, judged};
use crate::journal::writer::{JournalWriter, Written};
use crate::link::settle_window_us;
use crate::media::Media;
use crate::protocol::{Audience, LinkView, StateView, has_judge_views};
use crate::results::Results;

/// A request to the owner task.
#[derive(Debug)]
pub enum Request {
    /// Apply a command; the reply says whether it was accepted.
    Command {
        /// The command.
        command: Command,
        /// Who sent it, for the log.
        from: String,
        /// When its socket read it: the game time it is applied at (not when the owner got to
        /// it), unless the game has already moved past that.
        read_at: Option<Time>,
        /// Accepted, or why not.
        reply: oneshot::Sender<Result<(), Refusal>>,
    },
    /// A team phone connected.
    LinkOpened {
        /// Connection number.
        device: u64,
        /// Its team.
        team: TeamId,
        /// The phone's registered number.
        phone: u32,
    },
    /// New clock-sync measurements of a team phone.
    LinkMeasured {
        /// Connection number.
        device: u64,
        /// The latest estimate, if any sample was taken.
        estimate: Option<SyncEstimate>,
        /// Whether it answers pings.
        online: bool,
        /// When it last answered.
        last_seen: Option<Time>,
    },
    /// A team phone disconnected.
    LinkClosed {
        /// Connection number.
        device: u64,
    },
    /// The results so far.
    Results(oneshot::Sender<Results>),
    /// The audit log (every command and expiry) as JSON lines; `None` without a journal.
    Audit(oneshot::Sender<Option<std::io::Result<Vec<String>>>>),
}

/// Why a command did not take effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The rules refuse it now.
    Rule(Rejection),
    /// It could not be written to the journal, so it was undone (nobody was told otherwise).
    Storage,
    /// The server is shutting down.
    Closed,
}

/// The latest public state (teams, screens, audience), serialised once for all of them.
#[derive(Debug)]
pub struct PublicSnapshot {
    /// The `state` message.
    pub bytes: Utf8Bytes,
    /// A question is on stage and buzzers are or may soon be open: phones should be pinged often
    /// enough to keep their radios awake.
    pub sync_fast: bool,
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

    /// This clock, moved forward if needed so that it reads at least `floor` now: game time never
    /// runs backwards, even when the laptop's wall clock was set back between two runs.
    pub fn at_least(self, floor: Time) -> Clock {
        let behind_us = floor.0.saturating_sub(self.now().0);
        Clock {
            start: self.start,
            start_ms: self.start_ms + behind_us.div_ceil(1000),
        }
    }

    /// The current time.
    pub fn now(&self) -> Time {
        Time(self.start_ms * 1000 + self.start.elapsed().as_micros() as u64)
    }

    /// The current time as fractional milliseconds, for clock-sync pings.
    pub fn now_ms(&self) -> f64 {
        self.now().0 as f64 / 1000.0
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
    /// The latest public state; changes only when what it shows changes, so that a hall of
    /// audience phones is not woken by the MC's link statistics.
    pub public: watch::Receiver<Arc<PublicSnapshot>>,
    /// The latest state as the MC sees it.
    pub control: watch::Receiver<Utf8Bytes>,
    /// The latest state as each team's phones see it (indexed like the teams): the public one,
    /// shared, except while a question gives each team something of its own (its choice).
    pub teams: Vec<watch::Receiver<Arc<PublicSnapshot>>>,
    /// The latest state as each judge's phones see it (indexed like the judges): the public
    /// one, shared, except while a judged round is played (each judge's own marks).
    pub judges: Vec<watch::Receiver<Arc<PublicSnapshot>>>,
}

impl OwnerHandle {
    /// Applies a command read at `read_at` and waits until it is applied and on disk, or
    /// refused.
    pub async fn command(
        &self,
        command: Command,
        from: String,
        read_at: Option<Time>,
    ) -> Result<(), Refusal> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Command {
                command,
                from,
                read_at,
                reply,
            })
            .await
            .map_err(|_| Refusal::Closed)?;
        answer.await.map_err(|_| Refusal::Closed)?
    }

    /// The results so far; `None` when the server is shutting down.
    pub async fn results(&self) -> Option<Results> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request::Results(reply)).await.ok()?;
        answer.await.ok()
    }

    /// The audit log; `None` without a journal or when shutting down.
    pub async fn audit(&self) -> Option<std::io::Result<Vec<String>>> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(Request::Audit(reply)).await.ok()?;
        answer.await.ok().flatten()
    }

    /// Tells the owner about a team phone's link; dropped silently at shutdown.
    pub async fn link(&self, request: Request) {
        let _ = self.requests.send(request).await;
    }
}

/// What the owner knows of one team phone's connection.
#[derive(Clone, Debug)]
struct Link {
    team: TeamId,
    phone: u32,
    estimate: Option<SyncEstimate>,
    online: bool,
    last_seen: Option<Time>,
}

/// Link measurements alone re-publish the state at most this often (they only feed the control
/// page's link table); a phone going offline or online is published at once.
const LINK_PUBLISH_INTERVAL: Duration = Duration::from_secs(1);

/// A command applied in memory whose record is not on disk yet.
struct Unwritten {
    /// The owner's number for it, as the journal's thread reports it.
    id: u64,
    /// The game before it, to undo it (and every command after it) if it cannot be written.
    before: Game,
    /// Its sender's answer, sent once it is on disk.
    reply: oneshot::Sender<Result<(), Refusal>>,
}

/// Owns the game until `cancel` fires.
pub struct Owner {
    game: Game,
    /// The contest's images, whose addresses go into the views.
    media: Arc<Media>,
    journal: Option<JournalWriter>,
    /// What the journal's thread has written.
    written: Option<mpsc::UnboundedReceiver<Written>>,
    /// Commands applied but not yet on disk, oldest first.
    unwritten: VecDeque<Unwritten>,
    /// The number of the next command handed to the journal.
    next_id: u64,
    /// Moves on when commands are undone after a failed write: the journal's thread drops the
    /// rest of theirs.
    epoch: u64,
    /// A change waits to be published until what caused it is on disk.
    publish_due: bool,
    /// The latest game time anything was applied at: game time never runs backwards.
    last_now: Time,
    links: BTreeMap<u64, Link>,
    last_publish: Instant,
    clock: Clock,
    requests: mpsc::Receiver<Request>,
    public: watch::Sender<Arc<PublicSnapshot>>,
    /// The public view last published, with its clock zeroed, to tell whether anything changed.
    last_public: StateView,
    control: watch::Sender<Utf8Bytes>,
    /// Each team's phones' view.
    teams: OwnViews,
    /// Each judge's phones' view.
    judges: OwnViews,
}

/// The views of one kind of audience whose members may each see something of their own (each
/// team's phones, each judge's): the public view, shared, except while the game gives each its
/// own.
struct OwnViews {
    senders: Vec<watch::Sender<Arc<PublicSnapshot>>>,
    /// Each one's own view last published (clock zeroed); `None` while it shares the public one.
    last: Vec<Option<StateView>>,
}

impl OwnViews {
    /// `count` audiences sharing `public` for now, and the receivers their sockets follow.
    fn new(
        count: usize,
        public: &Arc<PublicSnapshot>,
    ) -> (OwnViews, Vec<watch::Receiver<Arc<PublicSnapshot>>>) {
        let (senders, receivers) = (0..count).map(|_| watch::channel(public.clone())).unzip();
        let views = OwnViews {
            senders,
            last: vec![None; count],
        };
        (views, receivers)
    }

    /// Publishes `own(i)` to the `i`th (serialised once each, and only when it changed) when
    /// given, else the `public` snapshot (re-sent when it changed, or when an own view ends).
    fn publish(
        &mut self,
        own: Option<&dyn Fn(usize) -> StateView>,
        public: &Arc<PublicSnapshot>,
        public_changed: bool,
        sync_fast: bool,
    ) {
        for (index, sender) in self.senders.iter().enumerate() {
            let last = &mut self.last[index];
            if let Some(own) = own {
                let mut view = own(index);
                let now_ms = std::mem::take(&mut view.now_ms);
                if last.as_ref() != Some(&view) {
                    view.now_ms = now_ms;
                    sender.send_replace(Arc::new(PublicSnapshot {
                        bytes: view.to_json().into(),
                        sync_fast,
                    }));
                    view.now_ms = 0;
                    *last = Some(view);
                }
            } else if public_changed || last.is_some() {
                sender.send_replace(public.clone());
                *last = None;
            }
        }
    }
}

/// Commands waiting at most this many at once; senders wait when it is full.
const REQUEST_QUEUE: usize = 1024;

impl Owner {
    /// Creates the owner of `game` (fresh or recovered from `journal`, which then records every
    /// accepted command) and the handle sockets use to reach it; `media` holds the contest's
    /// images.
    pub fn new(
        game: Game,
        journal: Option<(JournalWriter, mpsc::UnboundedReceiver<Written>)>,
        clock: Clock,
        media: Arc<Media>,
    ) -> (Owner, OwnerHandle) {
        let (journal, written) = journal.unzip();
        let links = BTreeMap::new();
        let (request_tx, requests) = mpsc::channel(REQUEST_QUEUE);
        let now = clock.now();
        let per_team = links_per_team(&game, &links);
        let mut public_view = view_of(&game, &media, &per_team, now, Audience::Public);
        let first_public = PublicSnapshot {
            bytes: public_view.to_json().into(),
            sync_fast: game.wants_fast_sync(),
        };
        public_view.now_ms = 0;
        let first_public = Arc::new(first_public);
        let (teams, teams_rx) = OwnViews::new(game.contest().teams.len(), &first_public);
        let (judges, judges_rx) = OwnViews::new(game.contest().judges.len(), &first_public);
        let (public, public_rx) = watch::channel(first_public);
        let control_json = view_of(&game, &media, &per_team, now, Audience::Control).to_json();
        let (control, control_rx) = watch::channel(control_json.into());
        let mut owner = Owner {
            game,
            media,
            journal,
            written,
            unwritten: VecDeque::new(),
            next_id: 1,
            epoch: 0,
            publish_due: false,
            last_now: now,
            links,
            last_publish: Instant::now(),
            clock,
            requests,
            public,
            last_public: public_view,
            control,
            teams,
            judges,
        };
        let handle = OwnerHandle {
            requests: request_tx,
            public: public_rx,
            control: control_rx,
            teams: teams_rx,
            judges: judges_rx,
        };
        // A game recovered in the middle of a multiple-choice question: each team's own view;
        // in the middle of a judged round: each judge's.
        owner.publish_own_views(now, &per_team, false);
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
                // Requests first: one read before a deadline is applied before it, at the time
                // it was read, even when the owner gets to both late.
                biased;
                () = cancel.cancelled() => break,
                request = self.requests.recv() => match request {
                    Some(request) => {
                        self.handle(request);
                        self.tick_due();
                    }
                    None => break,
                },
                Some(written) = next_written(&mut self.written) => self.on_written(written),
                () = sleep_until(wake) => self.tick_due(),
            }
        }
        if let Some(journal) = self.journal.take() {
            // Whatever is queued is written before the directory's lock is let go.
            let _ = tokio::task::spawn_blocking(move || journal.close()).await;
        }
        tracing::info!("owner task stopped");
    }

    /// Fires the deadlines that are due now.
    fn tick_due(&mut self) {
        let now = self.clock.now().max(self.last_now);
        if self.game.next_deadline().is_none_or(|at| at > now) {
            return;
        }
        self.last_now = now;
        let events = self.game.tick(now);
        self.note_timer(now, &events);
        if !events.is_empty() {
            self.publish();
        }
    }

    /// The journal's thread wrote commands (their answers and state go out), or could not (they
    /// are undone, with everything applied after them).
    fn on_written(&mut self, written: Written) {
        match written {
            Written::Durable { id } => {
                let mut done = Vec::new();
                while self.unwritten.front().is_some_and(|u| u.id <= id) {
                    done.extend(self.unwritten.pop_front().map(|u| u.reply));
                }
                if self.unwritten.is_empty() && self.publish_due {
                    self.publish();
                }
                for reply in done {
                    let _ = reply.send(Ok(()));
                }
            }
            Written::Failed { id } => {
                let Some(first) = self.unwritten.iter().position(|u| u.id >= id) else {
                    return;
                };
                let lost: Vec<Unwritten> = self.unwritten.drain(first..).collect();
                if let Some(oldest) = lost.first() {
                    self.game = oldest.before.clone();
                }
                self.epoch += 1;
                tracing::error!(
                    commands = lost.len(),
                    "journal write failed; commands undone"
                );
                // What was shown before them stands; publish the game without them.
                self.publish_due = true;
                if self.unwritten.is_empty() {
                    self.publish();
                }
                for lost in lost {
                    let _ = lost.reply.send(Err(Refusal::Storage));
                }
            }
        }
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Command {
                mut command,
                from,
                read_at,
                reply,
            } => {
                if let Command::OpenBuzzers { settle_us } = &mut command {
                    *settle_us = self.settle_us();
                }
                // The lot is drawn here, from the operating system's randomness, and recorded
                // with the command: a replay draws the same, and no client chooses it.
                if let Command::Judged(judged::Action::Draw { pick, .. }) = &mut command {
                    *pick = rand::random();
                }
                // The time it was read, not the time the owner got to it (a busy moment must
                // not move a buzz later), but never before what was applied already.
                let now = read_at
                    .unwrap_or_else(|| self.clock.now())
                    .max(self.last_now);
                self.last_now = now;
                // Publish deadlines that expired just before this command even if it is refused.
                let expired = self.game.tick(now);
                self.note_timer(now, &expired);
                let answer = self.apply(&command, &from, now);
                if answer.is_ok() || !expired.is_empty() {
                    self.publish();
                }
                match (answer, &self.journal) {
                    // Answered (and shown) once it is on disk.
                    (Ok(Some(before)), Some(_)) => self.unwritten.push_back(Unwritten {
                        id: self.next_id - 1,
                        before,
                        reply,
                    }),
                    // The sender may have gone away meanwhile; the change stands regardless.
                    (answer, _) => {
                        let _ = reply.send(answer.map(drop));
                    }
                }
            }
            Request::LinkOpened {
                device,
                team,
                phone,
            } => {
                let link = Link {
                    team,
                    phone,
                    estimate: None,
                    online: true,
                    last_seen: None,
                };
                self.links.insert(device, link);
                self.publish();
            }
            Request::LinkMeasured {
                device,
                estimate,
                online,
                last_seen,
            } => {
                let Some(link) = self.links.get_mut(&device) else {
                    return;
                };
                let status_changed = link.online != online;
                link.estimate = estimate;
                link.online = online;
                link.last_seen = last_seen;
                if status_changed || self.last_publish.elapsed() >= LINK_PUBLISH_INTERVAL {
                    self.publish();
                }
            }
            Request::LinkClosed { device } => {
                if self.links.remove(&device).is_some() {
                    self.publish();
                }
            }
            Request::Results(reply) => {
                let _ = reply.send(Results::of(&self.game));
            }
            Request::Audit(reply) => match &self.journal {
                Some(journal) => {
                    let (lines, answer) = oneshot::channel();
                    journal.audit(lines);
                    // Read on the journal's thread; the owner goes on meanwhile.
                    tokio::spawn(async move {
                        let _ = reply.send(answer.await.ok());
                    });
                }
                None => {
                    let _ = reply.send(None);
                }
            },
        }
    }

    /// Applies a command and hands it to the journal's thread; returns the game as it was
    /// before (to undo it should the write fail), with a journal.
    fn apply(&mut self, command: &Command, from: &str, now: Time) -> Result<Option<Game>, Refusal> {
        let before = self.journal.is_some().then(|| self.game.clone());
        let events = match self.game.apply(command, now) {
            Ok(events) => events,
            Err(rejection) => {
                tracing::debug!(%from, ?command, %rejection, "rejected");
                return Err(Refusal::Rule(rejection));
            }
        };
        if let Some(journal) = &self.journal {
            journal.command(self.next_id, self.epoch, now, from, command, &events);
            self.next_id += 1;
            if journal.take_compaction_wish() {
                journal.compact(&self.game, now);
            }
        }
        tracing::info!(%from, ?command, "applied");
        log_events(from, &events);
        Ok(before)
    }

    fn note_timer(&mut self, now: Time, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        log_events("timer", events);
        if let Some(journal) = &self.journal {
            journal.timer(now, events);
        }
    }

    /// The settle window for the phones connected now.
    fn settle_us(&self) -> u64 {
        settle_window_us(self.links.values().map(|link| (link.online, link.estimate)))
    }

    /// Publishes the MC's view, and the public view if anything it shows changed; while a
    /// change is not on disk yet, once it is.
    fn publish(&mut self) {
        if !self.unwritten.is_empty() {
            self.publish_due = true;
            return;
        }
        self.publish_due = false;
        let now = self.clock.now();
        let per_team = links_per_team(&self.game, &self.links);
        let mut public = view_of(&self.game, &self.media, &per_team, now, Audience::Public);
        // Compared without its clock, which differs every time.
        let now_ms = std::mem::take(&mut public.now_ms);
        let public_changed = public != self.last_public;
        if public_changed {
            public.now_ms = now_ms;
            self.public.send_replace(Arc::new(PublicSnapshot {
                bytes: public.to_json().into(),
                sync_fast: self.game.wants_fast_sync(),
            }));
            public.now_ms = 0;
            self.last_public = public;
        }
        self.publish_own_views(now, &per_team, public_changed);
        let control = view_of(&self.game, &self.media, &per_team, now, Audience::Control);
        self.control.send_replace(control.to_json().into());
        self.last_publish = Instant::now();
    }
}

impl Owner {
    /// Gives each team's phones their view: their own while the game has something only that
    /// team may see (its choice); and each judge's, their own while a judged round is played
    /// (their marks). Else both share the public view.
    fn publish_own_views(&mut self, now: Time, per_team: &[Vec<LinkView>], public_changed: bool) {
        let Owner {
            game,
            media,
            public,
            teams,
            judges,
            ..
        } = self;
        let sync_fast = game.wants_fast_sync();
        let public = public.borrow().clone();
        let team_view = |i: usize| view_of(game, media, per_team, now, Audience::Team(TeamId(i)));
        let judge_view = |i: usize| view_of(game, media, per_team, now, Audience::Judge(i));
        let team_views: Option<&dyn Fn(usize) -> StateView> =
            game.has_team_views().then_some(&team_view);
        let judge_views: Option<&dyn Fn(usize) -> StateView> =
            has_judge_views(game).then_some(&judge_view);
        teams.publish(team_views, &public, public_changed, sync_fast);
        judges.publish(judge_views, &public, public_changed, sync_fast);
    }
}

/// The view of `game` for `audience`, with the address of the image on stage.
fn view_of(
    game: &Game,
    media: &Media,
    per_team: &[Vec<LinkView>],
    now: Time,
    audience: Audience,
) -> StateView {
    StateView::of(game, per_team, now, audience).with_images(game, media)
}

/// Each team's phone links as the views show them.
fn links_per_team(game: &Game, links: &BTreeMap<u64, Link>) -> Vec<Vec<LinkView>> {
    let mut per_team: Vec<Vec<LinkView>> = vec![Vec::new(); game.contest().teams.len()];
    for (device, link) in links {
        if let Some(team_links) = per_team.get_mut(link.team.0) {
            team_links.push(LinkView {
                device: *device,
                phone: link.phone,
                online: link.online,
                offset_ms: link.estimate.map(|e| e.offset_ms),
                round_trip_ms: link.estimate.map(|e| e.round_trip_ms),
                uplink_ms: link.estimate.map(|e| e.uplink_high_ms),
                samples: link.estimate.map(|e| e.samples),
                last_seen_ms: link.last_seen.map(Time::as_millis),
            });
        }
    }
    per_team
}

fn log_events(from: &str, events: &[Event]) {
    for event in events {
        tracing::info!(%from, ?event, "event");
    }
}

/// The next report of the journal's thread; never, without a journal.
async fn next_written(written: &mut Option<mpsc::UnboundedReceiver<Written>>) -> Option<Written> {
    match written {
        Some(written) => written.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(wake: Option<Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
