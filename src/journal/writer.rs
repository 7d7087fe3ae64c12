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
    /// One sync (counting from 1) stalls this long more, as when an antivirus scans the file.
    pub stall: Option<(u64, Duration)>,
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
            .spawn(move || run(journal, &queue, written, &flag, slow))?;
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

/// The journal's thread: the journal and what it has written since its last sync.
struct Thread {
    journal: Journal,
    written: mpsc::UnboundedSender<Written>,
    slow: SlowDisk,
    unsynced: Unsynced,
    /// Commands of this epoch and earlier are dropped: a write of theirs failed and the owner
    /// undoes them (it moves to the next epoch for what it sends after).
    failed_epoch: Option<u64>,
    /// Syncs so far.
    syncs: u64,
}

fn run(
    journal: Journal,
    queue: &std_mpsc::Receiver<Job>,
    written: mpsc::UnboundedSender<Written>,
    wants_compaction: &AtomicBool,
    slow: SlowDisk,
) {
    let mut thread = Thread {
        journal,
        written,
        slow,
        unsynced: Unsynced::default(),
        failed_epoch: None,
        syncs: 0,
    };
    while let Ok(first) = queue.recv() {
        // Everything queued meanwhile goes into the same sync.
        let mut next = Some(first);
        while let Some(job) = next {
            thread.take(job);
            next = queue.try_recv().ok();
        }
        thread.sync();
        if thread.journal.wants_compaction() {
            wants_compaction.store(true, Ordering::Relaxed);
        }
    }
}

impl Thread {
    /// Does one job; a command is written, and synced later with the others queued with it.
    fn take(&mut self, job: Job) {
        match job {
            Job::Command {
                id,
                epoch,
                at,
                from,
                command,
                events,
            } => {
                if self.failed_epoch.is_some_and(|failed| epoch <= failed) {
                    return;
                }
                match self.journal.write_command(at, &from, &command, &events) {
                    Ok(()) => {
                        self.unsynced.first.get_or_insert(id);
                        self.unsynced.last = Some(id);
                        self.unsynced.epoch = epoch;
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot write the journal; commands undone");
                        let first = self.unsynced.first.unwrap_or(id);
                        self.unsynced = Unsynced::default();
                        self.lose(first, epoch);
                    }
                }
            }
            Job::Timer { at, events } => {
                if let Err(error) = self.journal.note_timer(at, &events) {
                    tracing::warn!(%error, "cannot note expired deadlines in the journal");
                }
            }
            Job::Compact { game, at } => {
                self.sync();
                if let Err(error) = self.journal.compact(&game, at) {
                    tracing::error!(%error, "journal compaction failed; the journal keeps growing");
                }
            }
            Job::Audit(reply) => {
                self.sync();
                let _ = reply.send(self.journal.audit_lines());
            }
        }
    }

    /// Syncs what was written and tells the owner; a failed sync loses those commands.
    fn sync(&mut self) {
        let unsynced = std::mem::take(&mut self.unsynced);
        let (Some(first), Some(last)) = (unsynced.first, unsynced.last) else {
            return;
        };
        self.syncs += 1;
        let stall = match self.slow.stall {
            Some((at, stall)) if at == self.syncs => stall,
            _ => Duration::ZERO,
        };
        let delay = self.slow.sync_delay + stall;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let result = match self.slow.fail_from_sync {
            Some(from) if self.syncs >= from => Err(io::Error::other("simulated disk failure")),
            _ => self.journal.sync(),
        };
        match result {
            Ok(()) => {
                let _ = self.written.send(Written::Durable { id: last });
            }
            Err(error) => {
                tracing::error!(%error, "cannot sync the journal; commands undone");
                self.lose(first, unsynced.epoch);
            }
        }
    }

    /// The commands from `first` on (of `epoch`) are lost: the file goes back to its last sync,
    /// the owner undoes them, and the rest of that epoch still queued is dropped.
    fn lose(&mut self, first: u64, epoch: u64) {
        if let Err(error) = self.journal.roll_back() {
            tracing::error!(%error, "cannot cut the journal back to its last sync; a restart may replay commands that were refused");
        }
        let _ = self.written.send(Written::Failed { id: first });
        self.failed_epoch = Some(epoch);
    }
}
