//! Journal replay benchmark: how fast a restarted server gets back to where it was.
//!
//! Writes a journal of a long contest (default 100 000 accepted commands: questions shown,
//! buzzers opened, buzzes with press claims, judgements, score adjustments) into a temporary
//! directory, without compaction, then times `Journal::open`, which reads and replays it.
//! Prints one JSON line: `cargo run --release --bin replay -- [--commands N]`.

#![forbid(unsafe_code)]

use std::time::Instant;

use clap::Parser;
use stagebuzz::game::{
    BuzzInRules, Command, Contest, ContestBuilder, Game, PressClaim, Question, TeamId, Time,
    Verdict,
};
use stagebuzz::journal::Journal;

/// Times the replay of a long journal.
#[derive(Parser)]
struct Cli {
    /// Accepted commands to write and replay.
    #[arg(long, default_value_t = 100_000)]
    commands: u64,
}

fn contest(questions: usize) -> Contest {
    ContestBuilder::new("Replay benchmark")
        .teams(8, |i| (format!("team-{i}"), format!("Đội số {i}")))
        .buzz_in(
            "Giành quyền trả lời",
            BuzzInRules::default(),
            questions,
            |i| {
                Question::new(
                    format!("Câu hỏi {i}: nội dung câu hỏi dài vừa phải để giống thật?"),
                    format!("Đáp án {i}"),
                )
            },
        )
        .build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    // Each question takes 6 commands below; enough questions for the asked count.
    let questions = (cli.commands / 6 + 1) as usize;
    let contest = contest(questions);
    let dir = tempfile_dir()?;
    let t0 = Time::from_millis(1_800_000_000_000);
    let recovered = Journal::open(&dir, &contest, false, t0)?;
    let (mut journal, mut game): (Journal, Game) = (recovered.journal, recovered.game);

    let write_started = Instant::now();
    let mut written = 0u64;
    let mut now = t0;
    let mut q = 0usize;
    while written < cli.commands {
        let team = TeamId(q % 8);
        let other = TeamId((q + 3) % 8);
        let claim = |pressed_ms: u64| PressClaim {
            pressed_us: (pressed_ms * 1000) as i64 + 5_000_000,
            offset_us: 5_000_000,
            error_us: 2_000,
            round_trip_us: 4_000,
            allowance_us: 20_000,
        };
        let commands = [
            Command::ShowNextQuestion,
            Command::OpenBuzzers { settle_us: 0 },
            Command::Buzz {
                team,
                claim: Some(claim(now.0 / 1000 + 3_000)),
            },
            Command::Judge {
                verdict: Verdict::Wrong,
            },
            Command::Buzz {
                team: other,
                claim: Some(claim(now.0 / 1000 + 3_400)),
            },
            Command::Judge {
                verdict: Verdict::Correct,
            },
        ];
        for (i, command) in commands.iter().enumerate() {
            now = now.after(if i == 2 || i == 4 { 3_000 } else { 400 });
            let events = game.apply(command, now)?;
            journal.append(now, "bench", command, &events)?;
            written += 1;
            if written == cli.commands {
                break;
            }
        }
        q += 1;
    }
    let write_seconds = write_started.elapsed().as_secs_f64();
    drop(journal);
    let bytes = std::fs::metadata(dir.join("journal.jsonl"))?.len();

    let replay_started = Instant::now();
    let replayed = Journal::open(&dir, &contest, false, now.after(60_000))?;
    let replay_seconds = replay_started.elapsed().as_secs_f64();
    assert_eq!(replayed.game, game, "replay must give the same game");
    std::fs::remove_dir_all(&dir)?;

    println!(
        "{}",
        serde_json::json!({
            "commands": replayed.replayed,
            "journal_bytes": bytes,
            "write_seconds_with_fsync": write_seconds,
            "writes_per_second": written as f64 / write_seconds,
            "replay_seconds": replay_seconds,
            "replayed_commands_per_second": replayed.replayed as f64 / replay_seconds,
        })
    );
    Ok(())
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "stagebuzz-replay-{}-{:x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
