//! The journal: every command the game accepts is on disk (written and fsynced) before anyone is
//! told it happened, so a crash or a kill never loses an acknowledged score.
//!
//! Layout of the data directory:
//! - `journal.jsonl`: one JSON record a line. The first is a `snapshot` of the whole game; each
//!   following one a `command` with its time, its sender and the events it caused.
//! - `segments/`: older parts of the journal, moved aside when it was compacted into a fresh
//!   snapshot. With `journal.jsonl` they make the audit log of the contest.
//! - `archive/`: whole earlier contests, moved aside by `--new`.
//! - `lock`: held (an OS file lock) by the one server using the directory; the OS lets go of it
//!   when that process ends, however it ends.
//!
//! On start the snapshot is loaded and the commands replayed at their recorded times, which gives
//! exactly the game that was running (the core is deterministic). A last line cut short by a crash
//! is dropped with a warning; any other damage stops start-up with the line number.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::game::{Command, Contest, Event, Game, Time};

pub mod writer;

const JOURNAL: &str = "journal.jsonl";
const JOURNAL_TMP: &str = "journal.jsonl.tmp";
const SEGMENTS: &str = "segments";
const ARCHIVE: &str = "archive";
const LOCK: &str = "lock";
/// Commands after which the journal is compacted into a new snapshot: replay stays short while a
/// segment stays a convenient size for the audit log.
pub const COMPACT_AFTER: u64 = 5_000;

/// The journal format this release writes, in every snapshot. 1: snapshots without a
/// `version` (releases up to November 2026), whose games have no record of the questions shown
/// per round (they were played in programme order, which is how they are read). 2: the
/// programme record (rounds in any order, slides). 3: round states (judged, Về đích and
/// tie-breaker rounds and their commands), points in hundredths (written as decimals when not
/// whole) and question images; format 2 games read as rounds with fresh states. A journal of a
/// later format, written by a newer stagebuzz, is refused rather than misread.
pub const FORMAT_VERSION: u32 = 3;

fn first_version() -> u32 {
    1
}

/// One line of the journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// A record lives only between reading (or writing) a line and using it, one at a time: boxing the
// snapshot's game would save nothing worth an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// The whole game after command `seq`.
    Snapshot {
        /// The journal format ([`FORMAT_VERSION`]); absent in format 1.
        #[serde(default = "first_version")]
        version: u32,
        /// Number of the last command included.
        seq: u64,
        /// When it was taken.
        at: Time,
        /// The game.
        game: Game,
    },
    /// An accepted command.
    Command {
        /// 1, 2, 3... across the whole contest.
        seq: u64,
        /// When the server applied it.
        at: Time,
        /// Who sent it (role, team, device), for the audit log.
        from: String,
        /// The command.
        command: Command,
        /// What it caused, for the audit log (replay recomputes them).
        events: Vec<Event>,
    },
    /// Deadlines that expired on their own (for the audit log; replay recomputes them).
    Timer {
        /// When.
        at: Time,
        /// What expired.
        events: Vec<Event>,
    },
}

impl Record {
    /// When the record was written (server clock).
    pub fn at(&self) -> Time {
        match self {
            Record::Snapshot { at, .. } | Record::Command { at, .. } | Record::Timer { at, .. } => {
                *at
            }
        }
    }
}

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The file system refused.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The journal was written by a newer stagebuzz, in a format this one does not know.
    #[error(
        "{path} was written by a newer stagebuzz (journal format {found}; this one reads up to \
         {FORMAT_VERSION}). Nothing was changed; run the newer stagebuzz on it"
    )]
    NewerFormat {
        /// The journal file.
        path: PathBuf,
        /// The format found.
        found: u32,
    },
    /// A line other than a torn last one cannot be read or replayed.
    #[error(
        "{path} line {line} is damaged: {problem}. Nothing was changed; repair or move the file \
         (or start a new contest with --new, which archives it)"
    )]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// Another server already uses the directory.
    #[error(
        "another stagebuzz is already running on {dir}; stop it first (or give this one another \
         --data-dir). Nothing was changed"
    )]
    InUse {
        /// The data directory.
        dir: PathBuf,
    },
    /// The journal is of a different contest than the one asked for (more than its wording
    /// changed).
    #[error(
        "{path} holds the contest \"{found}\", not the one being started ({why}). Start with \
         --new to archive it and begin the new contest, or start with the same contest file to \
         resume (changing only the wording of questions, answers, notes, images or names is fine)"
    )]
    OtherContest {
        /// The journal file.
        path: PathBuf,
        /// Title of the contest in the journal.
        found: String,
        /// What differs beyond wording.
        why: String,
    },
}

/// Takes the data directory's lock, or says that another server holds it. A file system that
/// cannot lock at all (some network shares) gets a warning, not a refusal: the show matters more.
fn lock_dir(dir: &Path, warnings: &mut Vec<String>) -> Result<File, JournalError> {
    let path = dir.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_error(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(JournalError::InUse {
            dir: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(error)) => {
            warnings.push(format!(
                "cannot lock {}: {error}; make sure no other stagebuzz uses this data directory",
                path.display()
            ));
            Ok(file)
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The open journal of the running contest.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// Holds the directory's lock for as long as the journal is open.
    _lock: File,
    /// Sequence number of the last command written.
    last_seq: u64,
    /// Sequence number the current file's snapshot covers.
    snapshot_seq: u64,
    /// The file's length, and the last command in it, at the last sync: what a failed sync
    /// goes back to.
    synced: (u64, u64),
    /// The file's length now.
    len: u64,
}

/// The game as recovered at start-up.
#[derive(Debug)]
pub struct Recovered {
    /// The open journal, ready for appends.
    pub journal: Journal,
    /// The game exactly as it was after the last written command.
    pub game: Game,
    /// Commands replayed.
    pub replayed: u64,
    /// Time of the latest record (the start time for a new journal): the game's clock must not
    /// run behind it.
    pub last_at: Time,
    /// Things worth telling the operator (a torn last line dropped, an archive made).
    pub warnings: Vec<String>,
}

impl Journal {
    /// Opens the journal in `dir` for `contest`: resumes the contest found there, or starts it.
    /// With `fresh`, an existing journal is archived first and the contest starts anew.
    pub fn open(
        dir: &Path,
        contest: &Contest,
        fresh: bool,
        now: Time,
    ) -> Result<Recovered, JournalError> {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        // Before anything else: a second server on the same directory (another terminal,
        // `--new` by mistake) must not archive or append to the journal of a running show.
        let mut warnings = Vec::new();
        let lock = lock_dir(dir, &mut warnings)?;
        let path = dir.join(JOURNAL);
        let tmp = dir.join(JOURNAL_TMP);
        if !path.exists() && tmp.exists() {
            // A compaction was cut between its two renames: the new snapshot is complete.
            fs::rename(&tmp, &path).map_err(io_error(&tmp))?;
        }
        if fresh && path.exists() {
            let archived = archive(dir, now)?;
            warnings.push(format!(
                "the previous contest was archived in {}",
                archived.display()
            ));
        }
        if !path.exists() {
            let game = Game::new(contest.clone());
            write_snapshot_file(dir, &path, 0, now, &game)?;
            let file = open_append(&path)?;
            let len = file_len(&file, &path)?;
            let journal = Journal {
                dir: dir.to_path_buf(),
                file,
                _lock: lock,
                last_seq: 0,
                snapshot_seq: 0,
                synced: (len, 0),
                len,
            };
            return Ok(Recovered {
                journal,
                game,
                replayed: 0,
                last_at: now,
                warnings,
            });
        }
        let Replayed {
            mut game,
            snapshot_seq,
            last_seq,
            replayed,
            last_at,
        } = replay(&path, &mut warnings)?;
        let amended = game.contest() != contest;
        if amended {
            let found = game.contest().title.clone();
            game.amend(contest.clone())
                .map_err(|why| JournalError::OtherContest {
                    path: path.clone(),
                    found,
                    why,
                })?;
        }
        let file = open_append(&path)?;
        let len = file_len(&file, &path)?;
        let mut journal = Journal {
            dir: dir.to_path_buf(),
            file,
            _lock: lock,
            last_seq,
            snapshot_seq,
            synced: (len, last_seq),
            len,
        };
        if amended {
            // A fresh snapshot carries the new wording, so the next start needs no amending and
            // the audit log keeps the old wording in the segment before it.
            journal
                .compact(&game, now.max(last_at))
                .map_err(io_error(&path))?;
            warnings.push(format!(
                "the contest file changed only in wording (questions, answers, notes, images or \
                 names); the contest in {} goes on with the new wording",
                dir.display()
            ));
        }
        Ok(Recovered {
            journal,
            game,
            replayed,
            last_at,
            warnings,
        })
    }

    /// Writes an accepted command and waits until it is on disk.
    pub fn append(
        &mut self,
        at: Time,
        from: &str,
        command: &Command,
        events: &[Event],
    ) -> io::Result<()> {
        self.write_command(at, from, command, events)?;
        self.sync()
    }

    /// Writes an accepted command, not yet synced (see [`Journal::sync`]).
    pub fn write_command(
        &mut self,
        at: Time,
        from: &str,
        command: &Command,
        events: &[Event],
    ) -> io::Result<()> {
        let record = Record::Command {
            seq: self.last_seq + 1,
            at,
            from: from.to_string(),
            command: command.clone(),
            events: events.to_vec(),
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write per record, so a crash can only tear the last line.
        self.write_line(&line)?;
        self.last_seq += 1;
        Ok(())
    }

    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let written = self.file.write_all(line);
        // Counted even when cut short: a rollback cuts it off.
        self.len += line.len() as u64;
        written
    }

    /// Waits until everything written is on disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()?;
        self.synced = (self.len, self.last_seq);
        Ok(())
    }

    /// After a failed write or sync: cuts the file back to its last sync, so that no command the
    /// owner undid (and refused) is replayed at the next start.
    pub fn roll_back(&mut self) -> io::Result<()> {
        let (len, seq) = self.synced;
        self.len = len;
        self.last_seq = seq;
        self.file.set_len(len)?;
        self.file.sync_data()
    }

    /// Records deadlines that expired by themselves. Not synced: replay derives them anyway.
    pub fn note_timer(&mut self, at: Time, events: &[Event]) -> io::Result<()> {
        let record = Record::Timer {
            at,
            events: events.to_vec(),
        };
        let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.write_line(&line)
    }

    /// Whether the journal has grown enough to be compacted.
    pub fn wants_compaction(&self) -> bool {
        self.last_seq - self.snapshot_seq >= COMPACT_AFTER
    }

    /// Replaces the journal by a snapshot of `game` (which must include every written command);
    /// the old file moves to `segments/` for the audit log.
    pub fn compact(&mut self, game: &Game, at: Time) -> io::Result<()> {
        let path = self.dir.join(JOURNAL);
        let tmp = self.dir.join(JOURNAL_TMP);
        write_snapshot(&tmp, self.last_seq, at, game)?;
        let segments = self.dir.join(SEGMENTS);
        fs::create_dir_all(&segments)?;
        let segment = segments.join(format!("{:012}.jsonl", self.snapshot_seq));
        fs::rename(&path, &segment)?;
        fs::rename(&tmp, &path)?;
        sync_dir(&self.dir)?;
        self.file = OpenOptions::new().append(true).open(&path)?;
        self.len = self.file.metadata()?.len();
        self.synced = (self.len, self.last_seq);
        self.snapshot_seq = self.last_seq;
        Ok(())
    }

    /// Every command and timer record of the contest, oldest first, as JSON lines (the audit log).
    pub fn audit_lines(&self) -> io::Result<Vec<String>> {
        let mut files = Vec::new();
        let segments = self.dir.join(SEGMENTS);
        if segments.exists() {
            for entry in fs::read_dir(&segments)? {
                files.push(entry?.path());
            }
        }
        files.sort();
        files.push(self.dir.join(JOURNAL));
        let mut lines = Vec::new();
        for file in files {
            for line in BufReader::new(File::open(&file)?).lines() {
                let line = line?;
                if !line.starts_with(r#"{"type":"snapshot""#) {
                    lines.push(line);
                }
            }
        }
        Ok(lines)
    }
}

/// What replaying a journal file gives.
struct Replayed {
    game: Game,
    /// The command the file's snapshot covers.
    snapshot_seq: u64,
    /// The last command in the file.
    last_seq: u64,
    /// Commands replayed.
    replayed: u64,
    /// Time of the latest record.
    last_at: Time,
}

/// Reads and replays the journal at `path`.
fn replay(path: &Path, warnings: &mut Vec<String>) -> Result<Replayed, JournalError> {
    let bytes = fs::read(path).map_err(io_error(path))?;
    let corrupt = |line: usize, problem: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let mut game: Option<Game> = None;
    let (mut snapshot_seq, mut last_seq, mut replayed) = (0, 0, 0);
    let mut last_at = Time(0);
    let mut valid_len = 0;
    let mut rest: &[u8] = &bytes;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let (line, complete) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        let consumed = line.len() + usize::from(complete);
        let parsed = std::str::from_utf8(line)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Record>(text).map_err(|e| e.to_string()));
        if let Some(found) = newer_format(line) {
            return Err(JournalError::NewerFormat {
                path: path.to_path_buf(),
                found,
            });
        }
        let record = match parsed {
            Ok(record) => record,
            Err(_) if !complete => {
                warnings.push(format!(
                    "{} line {number} was cut short by a crash and is dropped",
                    path.display()
                ));
                break;
            }
            Err(problem) => return Err(corrupt(number, problem)),
        };
        last_at = last_at.max(record.at());
        match (record, game.as_mut()) {
            (
                Record::Snapshot {
                    seq, game: loaded, ..
                },
                None,
            ) => {
                loaded
                    .validate()
                    .map_err(|problem| corrupt(number, format!("bad snapshot: {problem}")))?;
                snapshot_seq = seq;
                last_seq = seq;
                game = Some(loaded);
            }
            (Record::Timer { .. }, _) => {}
            (Record::Snapshot { .. }, Some(_)) => {
                return Err(corrupt(number, "a second snapshot".into()));
            }
            (Record::Command { .. }, None) => {
                return Err(corrupt(number, "a command before the snapshot".into()));
            }
            (
                Record::Command {
                    seq, at, command, ..
                },
                Some(current),
            ) => {
                if seq != last_seq + 1 {
                    return Err(corrupt(
                        number,
                        format!("command {seq} follows command {last_seq}"),
                    ));
                }
                current.apply(&command, at).map_err(|rejection| {
                    corrupt(
                        number,
                        format!("the command is refused on replay: {rejection}"),
                    )
                })?;
                last_seq = seq;
                replayed += 1;
            }
        }
        valid_len += consumed;
        rest = &rest[consumed..];
    }
    let Some(game) = game else {
        return Err(corrupt(1, "no snapshot".into()));
    };
    if valid_len < bytes.len() {
        // Cut the torn tail off so that the next record starts on a line of its own.
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_error(path))?;
        file.set_len(valid_len as u64).map_err(io_error(path))?;
        file.sync_all().map_err(io_error(path))?;
    }
    Ok(Replayed {
        game,
        snapshot_seq,
        last_seq,
        replayed,
        last_at,
    })
}

fn file_len(file: &File, path: &Path) -> Result<u64, JournalError> {
    Ok(file.metadata().map_err(io_error(path))?.len())
}

fn open_append(path: &Path) -> Result<File, JournalError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io_error(path))
}

/// Writes a one-snapshot journal at `path` (through a temporary file, so it appears whole).
fn write_snapshot_file(
    dir: &Path,
    path: &Path,
    seq: u64,
    at: Time,
    game: &Game,
) -> Result<(), JournalError> {
    let tmp = dir.join(JOURNAL_TMP);
    write_snapshot(&tmp, seq, at, game).map_err(io_error(&tmp))?;
    fs::rename(&tmp, path).map_err(io_error(path))?;
    sync_dir(dir).map_err(io_error(dir))
}

/// The format of a snapshot line written by a newer stagebuzz, whatever else it holds.
fn newer_format(line: &[u8]) -> Option<u32> {
    #[derive(Deserialize)]
    struct Header {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        version: u64,
    }
    // Only a snapshot says its format, and this release writes `type` first: a replay of
    // thousands of commands should not parse each line twice.
    let head = &line[..line.len().min(64)];
    if !head.windows(10).any(|w| w == b"\"snapshot\"") {
        return None;
    }
    let header: Header = serde_json::from_slice(line).ok()?;
    let found = u32::try_from(header.version).unwrap_or(u32::MAX);
    (header.kind == "snapshot" && found > FORMAT_VERSION).then_some(found)
}

fn write_snapshot(path: &Path, seq: u64, at: Time, game: &Game) -> io::Result<()> {
    let record = Record::Snapshot {
        version: FORMAT_VERSION,
        seq,
        at,
        game: game.clone(),
    };
    let mut line = serde_json::to_vec(&record).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = File::create(path)?;
    file.write_all(&line)?;
    file.sync_all()
}

/// Moves the journal and its segments into `archive/<time>/`.
fn archive(dir: &Path, now: Time) -> Result<PathBuf, JournalError> {
    let target = dir.join(ARCHIVE).join(format!("{}", now.as_millis()));
    fs::create_dir_all(&target).map_err(io_error(&target))?;
    // The phones registered for the old contest go with it: the new one may have other teams.
    for name in [JOURNAL, SEGMENTS, crate::access::ACCESS_FILE] {
        let from = dir.join(name);
        if from.exists() {
            fs::rename(&from, target.join(name)).map_err(io_error(&from))?;
        }
    }
    sync_dir(dir).map_err(io_error(dir))?;
    Ok(target)
}

/// Makes renames in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Round, TeamId, Verdict};

    const T0: Time = Time::from_millis(1_800_000_000_000);

    #[test]
    fn a_journal_says_its_format_and_one_from_a_newer_release_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let recovered = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        drop(recovered);
        let path = dir.path().join(JOURNAL);
        let text = fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with(&format!(
                "{{\"type\":\"snapshot\",\"version\":{FORMAT_VERSION},"
            )),
            "{text}"
        );
        // The same journal as a newer release would write it: refused, and left as it was.
        let newer = text.replacen(
            &format!("\"version\":{FORMAT_VERSION}"),
            "\"version\":99,\"future\":true",
            1,
        );
        fs::write(&path, &newer).expect("write");
        let error = Journal::open(dir.path(), &contest(), false, T0).expect_err("refused");
        assert!(
            matches!(error, JournalError::NewerFormat { found: 99, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer stagebuzz"), "{error}");
        assert_eq!(fs::read_to_string(&path).expect("read"), newer);
    }

    fn contest() -> Contest {
        Contest::demo()
    }

    /// Plays `questions` questions, each won by team (i % 4); returns the game after them.
    fn play(journal: &mut Journal, game: &mut Game, questions: usize, start_ms: u64) -> u64 {
        let mut at = start_ms;
        for i in 0..questions {
            let commands = [
                Command::ShowNextQuestion,
                Command::OpenBuzzers { settle_us: 0 },
                Command::Buzz {
                    team: TeamId(i % 4),
                    claim: None,
                },
                Command::Judge {
                    verdict: Verdict::Correct,
                },
            ];
            for command in commands {
                at += 100;
                let now = T0.after(at);
                let events = game.apply(&command, now).expect("legal command");
                journal
                    .append(now, "test", &command, &events)
                    .expect("append");
            }
        }
        at
    }

    /// A data directory whose journal holds `questions` played questions, closed again; and the
    /// game they gave.
    fn journal_after(questions: usize) -> (tempfile::TempDir, Game) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut recovered = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        let mut game = recovered.game.clone();
        play(&mut recovered.journal, &mut game, questions, 0);
        (dir, game)
    }

    fn reopen(dir: &Path) -> Result<Recovered, JournalError> {
        Journal::open(dir, &contest(), false, T0.after(1_000_000))
    }

    #[test]
    fn a_second_server_on_the_same_directory_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut running = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        let mut game = running.game.clone();
        play(&mut running.journal, &mut game, 2, 0);
        let journal_before = fs::read(dir.path().join(JOURNAL)).expect("read");

        // Resuming, or starting afresh with --new, while the show runs.
        for fresh in [false, true] {
            let error = Journal::open(dir.path(), &contest(), fresh, T0.after(5))
                .expect_err("the directory is in use");
            assert!(matches!(error, JournalError::InUse { .. }), "{error}");
        }
        assert_eq!(
            fs::read(dir.path().join(JOURNAL)).expect("read"),
            journal_before
        );
        assert!(!dir.path().join(ARCHIVE).exists(), "nothing archived");

        // Once the running server is gone, the next one resumes its contest.
        drop(running);
        assert_eq!(reopen(dir.path()).expect("reopen").game, game);
    }

    #[test]
    fn a_contest_file_with_only_its_wording_fixed_resumes_the_show() {
        let (dir, game) = journal_after(2);
        let before = fs::read(dir.path().join(JOURNAL)).expect("read");
        // On stage, a wrong answer key and a misspelt team name are found; the file is fixed.
        let mut fixed = contest();
        let Round::BuzzIn(round) = &mut fixed.rounds[0] else {
            panic!("a buzz-in round");
        };
        round.questions[1].answer = "Đáp án đã sửa".into();
        round.questions[2].text = "Câu hỏi đã sửa?".into();
        fixed.teams[3].name = "Đội xã Vĩnh Hải (sửa)".into();

        let resumed = Journal::open(dir.path(), &fixed, false, T0.after(10_000)).expect("resume");
        assert_eq!(resumed.game.scores(), game.scores(), "scores untouched");
        assert_eq!(
            resumed.game.stage(),
            game.stage(),
            "same question, same floor"
        );
        assert_eq!(resumed.game.contest(), &fixed);
        assert_eq!(resumed.warnings.len(), 1, "{:?}", resumed.warnings);
        // The old wording stays in the audit log; the next start needs no amending.
        assert_eq!(resumed.journal.audit_lines().expect("audit").len(), 8);
        drop(resumed);
        let segment = fs::read_dir(dir.path().join(SEGMENTS))
            .expect("segments")
            .next()
            .expect("a segment")
            .expect("entry");
        assert_eq!(fs::read(segment.path()).expect("read"), before);
        let again = Journal::open(dir.path(), &fixed, false, T0.after(20_000)).expect("again");
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
        assert_eq!(again.game.scores(), game.scores());
        drop(again);

        // Anything beyond wording still needs --new.
        let mut more_points = fixed.clone();
        let Round::BuzzIn(round) = &mut more_points.rounds[0] else {
            panic!("a buzz-in round");
        };
        round.rules.points = 20;
        let error = Journal::open(dir.path(), &more_points, false, T0.after(30_000))
            .expect_err("rules changed");
        assert!(
            matches!(&error, JournalError::OtherContest { why, .. } if why == "the rules of round 1 changed"),
            "{error}"
        );
    }

    #[test]
    fn a_reopened_journal_gives_the_same_game() {
        let (dir, game) = journal_after(5);
        let again = reopen(dir.path()).expect("reopen");
        assert_eq!(again.game, game);
        assert_eq!(again.replayed, 20);
        assert!(again.warnings.is_empty());
        assert_eq!(again.game.scores(), &[20, 10, 10, 10]);
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_warning() {
        let (dir, game) = journal_after(2);
        let path = dir.path().join(JOURNAL);
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(br#"{"type":"command","seq":9,"at":18000"#)
            .expect("write torn line");
        drop(file);

        let again = reopen(dir.path()).expect("a torn tail is not fatal");
        assert_eq!(again.game, game);
        assert_eq!(again.warnings.len(), 1, "{:?}", again.warnings);
        assert!(
            again.warnings[0].contains("line 10"),
            "{:?}",
            again.warnings
        );
        // The tail was cut, so the next append starts on its own line and replays.
        let mut journal = again.journal;
        let mut game = again.game;
        play(&mut journal, &mut game, 1, 10_000);
        drop(journal);
        assert_eq!(reopen(dir.path()).expect("reopen").game, game);
    }

    #[test]
    fn a_damaged_middle_line_stops_start_up_naming_it() {
        let (dir, _) = journal_after(2);
        let path = dir.path().join(JOURNAL);
        let text = fs::read_to_string(&path).expect("read");
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[3] = lines[3].replace("\"seq\":3", "\"seq\":3,,");
        fs::write(&path, lines.join("\n") + "\n").expect("write");
        let before = fs::read(&path).expect("read");

        let error = reopen(dir.path()).expect_err("corruption is fatal");
        assert!(
            matches!(error, JournalError::Corrupt { line: 4, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("line 4"), "{error}");
        assert_eq!(
            fs::read(&path).expect("read"),
            before,
            "nothing was changed"
        );
    }

    #[test]
    fn a_command_the_rules_refuse_on_replay_is_corruption() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut recovered = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        // Judging with nobody on the floor: the game never accepted this.
        let bogus = Command::Judge {
            verdict: Verdict::Correct,
        };
        recovered
            .journal
            .append(T0.after(5), "test", &bogus, &[])
            .expect("append");
        drop(recovered);
        let error = reopen(dir.path()).expect_err("refused on replay");
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn another_contest_is_refused_and_new_archives_it() {
        let (dir, _) = journal_after(1);
        let mut other = contest();
        other.title = "Another contest".into();
        other.teams[0].id = "another-team".into();
        let error = Journal::open(dir.path(), &other, false, T0).expect_err("other contest");
        assert!(
            matches!(&error, JournalError::OtherContest { why, .. } if why == "the teams are not the same"),
            "{error}"
        );

        let fresh = Journal::open(dir.path(), &other, true, T0.after(1)).expect("--new");
        assert_eq!(fresh.game, Game::new(other.clone()));
        assert_eq!(fresh.warnings.len(), 1);
        let archived = fs::read_dir(dir.path().join(ARCHIVE))
            .expect("archive dir")
            .count();
        assert_eq!(archived, 1);
    }

    #[test]
    fn compaction_keeps_the_game_and_the_audit_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut recovered = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        let mut journal = recovered.journal;
        let mut game = recovered.game.clone();
        let at = play(&mut journal, &mut game, 3, 0);
        journal.compact(&game, T0.after(at)).expect("compact");
        play(&mut journal, &mut game, 2, at);
        assert_eq!(journal.audit_lines().expect("audit").len(), 20);
        drop(journal);
        recovered = reopen(dir.path()).expect("reopen after compaction");
        assert_eq!(recovered.game, game);
        assert_eq!(
            recovered.replayed, 8,
            "only the commands after the snapshot"
        );
    }

    #[test]
    fn an_interrupted_compaction_is_completed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let recovered = Journal::open(dir.path(), &contest(), false, T0).expect("open");
        let mut journal = recovered.journal;
        let mut game = recovered.game.clone();
        play(&mut journal, &mut game, 2, 0);
        drop(journal);
        // Crash after the new snapshot was written and the old journal moved aside.
        write_snapshot(&dir.path().join(JOURNAL_TMP), 8, T0, &game).expect("snapshot");
        fs::create_dir_all(dir.path().join(SEGMENTS)).expect("segments");
        fs::rename(
            dir.path().join(JOURNAL),
            dir.path().join(SEGMENTS).join("000000000000.jsonl"),
        )
        .expect("move");
        assert_eq!(reopen(dir.path()).expect("reopen").game, game);
    }
}
