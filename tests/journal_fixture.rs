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
//! `tests/fixtures/journal-2026-11-programme/` is a journal of format 2, written by the release
//! just before round states, points in hundredths and the judged, Về đích and tie-breaker kinds
//! (a programme of a multiple-choice round, a round scored by hand and a buzz-in round, stopped
//! with a multiple-choice question's answers open). It was made with that release's test
//! harness and a script like `write_the_fixture`.
//!
//! Never regenerate them to make the replay test pass: they stand for files already on laptops.

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

#[test]
fn a_programme_journal_of_format_2_replays_and_the_show_goes_on() {
    use stagebuzz::game::{Command, Stage};
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/journal-2026-11-programme");
    let data_dir = tempfile::tempdir().expect("data dir");
    std::fs::copy(
        dir.join("journal.jsonl"),
        data_dir.path().join("journal.jsonl"),
    )
    .expect("copy the fixture");
    let contest_text = std::fs::read_to_string(dir.join("contest.json")).expect("contest file");
    let contest = Contest::from_json(&contest_text).expect("the fixture's contest loads");
    let now = Time::from_millis(1_900_000_000_000);
    let mut recovered =
        Journal::open(data_dir.path(), &contest, false, now).expect("the format-2 journal opens");
    assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
    // Talent by hand (alpha 8, delta 9), knowledge (bravo and charlie right: 10 each), buzz-in
    // (charlie wrong −5, delta right +10).
    let game = &mut recovered.game;
    assert_eq!(game.scores(), &[8, 10, 5, 19]);
    assert_eq!(
        game.round_scores(),
        &[vec![0, 10, 10, 0], vec![8, 0, 0, 9], vec![0, 0, -5, 10]].map(|round| round
            .into_iter()
            .map(stagebuzz::game::Points::whole)
            .collect::<Vec<_>>())
    );
    let Stage::Question(stage) = game.stage() else {
        panic!("the second knowledge question is on stage");
    };
    assert_eq!((stage.round, stage.question), (0, 1));
    // The show goes on: alpha's answer (B, right) scores at the reveal.
    game.apply(&Command::RevealAnswer, now).expect("reveal");
    assert_eq!(game.scores(), &[18, 10, 5, 19]);
}
