//! A journal written by an earlier release still replays: a show's data directory must survive an
//! upgrade of the binary between two days of a contest (or between a crash and the fix).
//!
//! `tests/fixtures/journal-2026-11/` holds the contest file and the journal that the release of
//! November 2026 (before round kinds became modules) wrote for a short scripted show. It was made
//! by the ignored test below:
//!
//! ```text
//! STAGEBUZZ_FIXTURE_OUT=tests/fixtures/journal-2026-11 cargo test --test journal_fixture -- --ignored
//! ```
//!
//! Never regenerate it to make the replay test pass: it stands for files already on laptops.

mod common;

use std::path::{Path, PathBuf};

use common::{TEAMS, TestServer, contest, phase, to_floor};
use serde_json::json;
use stagebuzz::game::{BuzzInRules, Contest, Time};
use stagebuzz::journal::Journal;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-11")
}

/// The contest of the fixture: the test contest with a penalty for wrong answers.
fn fixture_contest() -> Contest {
    contest(BuzzInRules {
        penalty: 5,
        ..BuzzInRules::default()
    })
}

/// The scripted show, played over real sockets against a server journaling to a fresh directory,
/// whose contest file and journal are then copied to `STAGEBUZZ_FIXTURE_OUT`.
#[tokio::test]
#[ignore = "writes the fixture; run by hand only, see the top of this file"]
async fn write_the_fixture() {
    let Some(out) = std::env::var_os("STAGEBUZZ_FIXTURE_OUT") else {
        panic!("set STAGEBUZZ_FIXTURE_OUT to the fixture directory");
    };
    let data_dir = tempfile::tempdir().expect("data dir");
    let server = TestServer::start_in(fixture_contest(), Some(data_dir.path().to_path_buf())).await;
    let mut control = server.control().await;
    let mut teams = Vec::new();
    for id in TEAMS {
        teams.push(server.team(id).await);
    }
    // Question 1: bravo buzzes and is wrong (−5), the buzzers reopen, charlie is right (+10).
    to_floor(&mut control, &mut teams[1]).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    // The rules reopen the buzzers after a wrong answer.
    teams[2].state_where(|s| phase(s) == "open").await;
    assert_eq!(
        teams[2].command(json!({"type": "buzz"}), 3).await["type"],
        "ack"
    );
    control.state_where(|s| phase(s) == "floor").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    // A foul noted by the MC, in Vietnamese.
    control
        .ok(json!({"type": "adjust_score", "team": "delta", "delta": -3, "reason": "Phạm quy: nhắc bài"}))
        .await;
    // Question 2: alpha is judged right, the MC undoes it, then judges it wrong (−5).
    to_floor(&mut control, &mut teams[0]).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control.ok(json!({"type": "undo"})).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    control.ok(json!({"type": "reveal_answer"})).await;
    // Question 3 is on stage, buzzers not yet open, when the day ends.
    control.ok(json!({"type": "show_next_question"})).await;
    drop(server);

    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).expect("fixture dir");
    std::fs::write(
        out.join("contest.json"),
        serde_json::to_string_pretty(&fixture_contest()).expect("contest JSON"),
    )
    .expect("write contest");
    std::fs::copy(
        data_dir.path().join("journal.jsonl"),
        out.join("journal.jsonl"),
    )
    .expect("copy journal");
}

#[test]
fn a_journal_from_the_november_2026_release_replays_with_every_score() {
    let data_dir = tempfile::tempdir().expect("data dir");
    std::fs::copy(
        fixture_dir().join("journal.jsonl"),
        data_dir.path().join("journal.jsonl"),
    )
    .expect("copy the fixture");
    let contest_text =
        std::fs::read_to_string(fixture_dir().join("contest.json")).expect("contest file");
    let contest = Contest::from_json(&contest_text).expect("the fixture's contest loads");
    let recovered = Journal::open(
        data_dir.path(),
        &contest,
        false,
        Time::from_millis(1_900_000_000_000),
    )
    .expect("the old journal opens");
    // alpha −5 (question 2, after the undo), bravo −5, charlie +10, delta −3.
    assert_eq!(recovered.game.scores(), &[-5, -5, 10, -3]);
    assert_eq!(recovered.replayed, 15, "every command of the show replayed");
    assert!(
        recovered.warnings.is_empty(),
        "nothing dropped: {:?}",
        recovered.warnings
    );
}
