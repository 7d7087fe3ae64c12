//! The journal's own thread: the disk off the owner task's path.
//!
//! The owner applies a command in memory and hands its record here; this thread writes it and
//! says when it is on disk. Records that queue up while a sync runs are written together and
//! synced once (group commit): a slow disk (an fsync of 10–30 ms on a hard disk, cheap eMMC or
//! with an antivirus) delays the acknowledgements, never the reading and stamping of buzzes. The
//! owner acknowledges a command, and publishes what it changed, only once this thread says it is
//! durable (see `owner.rs`).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::Journal;
use crate::game::{Command, Event, Game, Time};

/// Work for the journal's thread, done in the order given.
#[derive(Debug)]
enum Job {
    /// An accepted command: written, then synced with whatever else is queued.
    Command {
        /// The owner's number for it, reported back once durable.
        id: u64,
        /// Commands of an earlier epoch are dropped: they were undone after a failed write.
        epoch: u64,
        at: Time,
        from: String,
        command: Command,
        events: Vec<Event>,
    },
    /// Deadlines that expired by themselves: written, not synced (replay derives them).
    Timer { at: Time, events: Vec<Event> },
    /// A snapshot of the game after every command queued before it.
    Compact { game: Box<Game>, at: Time },
    /// The audit log, read here so that a big export never stalls the owner.
    Audit(oneshot::Sender<io::Result<Vec<String>>>),
}

/// What the journal's thread tells the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Every command up to and including `id` is on disk.
    Durable {
        /// The owner's number of the last command synced.
        id: u64,
    },
    /// The commands from `id` on could not be written (nor any queued after them): the owner
    /// undoes them.
    Failed {
        /// The owner's number of the first command lost.
        id: u64,
    },
}

/// The owner's end of the journal's thread.
#[derive(Debug)]
pub struct JournalWriter {
    jobs: std_mpsc::Sender<Job>,
    wants_compaction: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

/// A slow or failing disk simulated on a good one, to measure and test what the owner does
/// then. The default simulates nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct SlowDisk {
    /// Added before every sync.
    pub sync_delay: Duration,
    /// Every sync from this one on (counting from 1) fails, as on a full or unplugged disk.
    pub fail_from_sync: Option<u64>,
}

impl JournalWriter {
    /// Starts the thread that owns `journal`; what it has written comes back on the receiver.
    pub fn start(
        journal: Journal,
        slow: SlowDisk,
    ) -> io::Result<(JournalWriter, mpsc::UnboundedReceiver<Written>)> {
        let (jobs, queue) = std_mpsc::channel();
        let (written, written_rx) = mpsc::unbounded_channel();
        let wants_compaction = Arc::new(AtomicBool::new(journal.wants_compaction()));
        let flag = wants_compaction.clone();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || run(journal, &queue, &written, &flag, slow))?;
        Ok((
            JournalWriter {
                jobs,
                wants_compaction,
                thread,
            },
            written_rx,
        ))
    }

    /// Writes and syncs what is queued, closes the journal (letting go of the directory's lock)
    /// and ends the thread. Blocks until then.
    pub fn close(self) {
        drop(self.jobs);
        if self.thread.join().is_err() {
            tracing::error!("the journal's thread panicked");
        }
    }

    /// Queues an accepted command; [`Written::Durable`] with `id` comes back once it is synced.
    pub fn command(
        &self,
        id: u64,
        epoch: u64,
        at: Time,
        from: &str,
        command: &Command,
        events: &[Event],
    ) {
        self.send(Job::Command {
            id,
            epoch,
            at,
            from: from.to_string(),
            command: command.clone(),
            events: events.to_vec(),
        });
    }

    /// Queues deadlines that expired by themselves.
    pub fn timer(&self, at: Time, events: &[Event]) {
        self.send(Job::Timer {
            at,
            events: events.to_vec(),
        });
    }

    /// Whether the journal has grown enough to be compacted (asked once per compaction).
    pub fn take_compaction_wish(&self) -> bool {
        self.wants_compaction.swap(false, Ordering::Relaxed)
    }

    /// Queues a compaction into a snapshot of `game`, which includes every command queued so far.
    pub fn compact(&self, game: &Game, at: Time) {
        self.send(Job::Compact {
            game: Box::new(game.clone()),
            at,
        });
    }

    /// The audit log, read on the journal's thread.
    pub fn audit(&self, reply: oneshot::Sender<io::Result<Vec<String>>>) {
        self.send(Job::Audit(reply));
    }

    fn send(&self, job: Job) {
        // The thread only ends when this sender is dropped, or by a panic already logged.
        if self.jobs.send(job).is_err() {
            tracing::error!("the journal's thread is gone; nothing more is written");
        }
    }
}

/// Records written but not synced yet: the owner's numbers of the first and last, and their
/// epoch.
#[derive(Default)]
struct Unsynced {
    first: Option<u64>,
    last: Option<u64>,
    epoch: u64,
}

fn run(
    mut journal: Journal,
    queue: &std_mpsc::Receiver<Job>,
    written: &mpsc::UnboundedSender<Written>,
    wants_compaction: &AtomicBool,
    slow: SlowDisk,
) {
    // Commands of this epoch and earlier are dropped: a write of theirs failed and the owner
    // undoes them (it moves to the next epoch for what it sends after).
    let mut failed_epoch: Option<u64> = None;
    let mut syncs = 0;
    while let Ok(first) = queue.recv() {
        let mut unsynced = Unsynced::default();
        let mut next = Some(first);
        // Everything queued meanwhile goes into the same sync.
        while let Some(job) = next {
            match job {
                Job::Command {
                    id,
                    epoch,
                    at,
                    from,
                    command,
                    events,
                } => {
                    if failed_epoch.is_some_and(|failed| epoch <= failed) {
                        next = queue.try_recv().ok();
                        continue;
                    }
                    match journal.write_command(at, &from, &command, &events) {
                        Ok(()) => {
                            unsynced.first.get_or_insert(id);
                            unsynced.last = Some(id);
                            unsynced.epoch = epoch;
                        }
                        Err(error) => {
                            tracing::error!(%error, "cannot write the journal; commands undone");
                            roll_back(&mut journal);
                            let first = unsynced.first.unwrap_or(id);
                            let _ = written.send(Written::Failed { id: first });
                            unsynced = Unsynced::default();
                            failed_epoch = Some(epoch);
                        }
                    }
                }
                Job::Timer { at, events } => {
                    if let Err(error) = journal.note_timer(at, &events) {
                        tracing::warn!(%error, "cannot note expired deadlines in the journal");
                    }
                }
                Job::Compact { game, at } => {
                    sync(
                        &mut journal,
                        &mut unsynced,
                        written,
                        slow,
                        &mut failed_epoch,
                        &mut syncs,
                    );
                    if let Err(error) = journal.compact(&game, at) {
                        tracing::error!(%error, "journal compaction failed; the journal keeps growing");
                    }
                }
                Job::Audit(reply) => {
                    sync(
                        &mut journal,
                        &mut unsynced,
                        written,
                        slow,
                        &mut failed_epoch,
                        &mut syncs,
                    );
                    let _ = reply.send(journal.audit_lines());
                }
            }
            next = queue.try_recv().ok();
        }
        sync(
            &mut journal,
            &mut unsynced,
            written,
            slow,
            &mut failed_epoch,
            &mut syncs,
        );
        if journal.wants_compaction() {
            wants_compaction.store(true, Ordering::Relaxed);
        }
    }
}

/// Syncs what was written and tells the owner; a failed sync loses those commands. `syncs`
/// counts the syncs so far.
fn sync(
    journal: &mut Journal,
    unsynced: &mut Unsynced,
    written: &mpsc::UnboundedSender<Written>,
    slow: SlowDisk,
    failed_epoch: &mut Option<u64>,
    syncs: &mut u64,
) {
    let (Some(first), Some(last)) = (unsynced.first, unsynced.last) else {
        return;
    };
    let unsynced_epoch = unsynced.epoch;
    *unsynced = Unsynced::default();
    if !slow.sync_delay.is_zero() {
        std::thread::sleep(slow.sync_delay);
    }
    *syncs += 1;
    let result = match slow.fail_from_sync {
        Some(from) if *syncs >= from => Err(io::Error::other("simulated disk failure")),
        _ => journal.sync(),
    };
    match result {
        Ok(()) => {
            let _ = written.send(Written::Durable { id: last });
        }
        Err(error) => {
            tracing::error!(%error, "cannot sync the journal; commands undone");
            roll_back(journal);
            let _ = written.send(Written::Failed { id: first });
            // The owner undoes everything from `first`, including what is queued now: drop the
            // rest of that epoch until it moves on.
            *failed_epoch = Some(unsynced_epoch);
        }
    }
}

/// Cuts the journal back to its last sync (see [`Journal::roll_back`]).
fn roll_back(journal: &mut Journal) {
    if let Err(error) = journal.roll_back() {
        tracing::error!(%error, "cannot cut the journal back to its last sync; a restart may replay commands that were refused");
    }
}
