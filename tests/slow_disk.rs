//! A slow disk (an fsync of hundreds of milliseconds: a hard disk, cheap eMMC, an antivirus)
//! delays the answers, never the race: a buzz is stamped when its socket read it and decided at
//! the right moment while the journal is still syncing the one before it; and nothing is
//! acknowledged or shown before it is on disk.

mod common;

use std::time::Duration;

use common::{TestServer, contest, phase};
use futures_util::SinkExt;
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;
use stagebuzz::journal::writer::SlowDisk;
use stagebuzz::server::Limits;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Each sync of the journal takes this long: far beyond the race's window.
const SYNC_DELAY: Duration = Duration::from_millis(600);
/// The race's longest wait for presses in flight.
const SETTLE_MAX_MS: u64 = 200;

/// Clock-sync samples a phone's estimate rests on before its claim counts.
fn samples(state: &Value, team: usize) -> u64 {
    state["teams"][team]["links"][0]["samples"]
        .as_u64()
        .unwrap_or(0)
}

// Two workers: the phones' sockets keep being read while the test's own task waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_buzz_read_while_the_disk_syncs_is_placed_when_it_was_read() {
    let data = tempfile::tempdir().expect("data dir");
    let rules = BuzzInRules {
        settle_max_ms: SETTLE_MAX_MS,
        ..BuzzInRules::default()
    };
    let mut config = TestServer::config(
        contest(rules),
        None,
        Some(data.path().to_path_buf()),
        Limits::default(),
    );
    config.slow_disk = SlowDisk {
        sync_delay: SYNC_DELAY,
        ..SlowDisk::default()
    };
    let server = TestServer::start_config(config).await;
    let mut control = server.control().await;
    let mut alpha = server.team("alpha").await;
    let mut bravo = server.team("bravo").await;

    // Every command waits for the slow sync before it is answered: the disk is really slow.
    let asked = Instant::now();
    control.ok(json!({"type": "show_next_question"})).await;
    assert!(
        asked.elapsed() >= SYNC_DELAY,
        "answered after {:?}, before the sync",
        asked.elapsed()
    );
    control.state_where(|s| samples(s, 1) >= 3).await;

    // A phone that says nothing more after joining (its clock not measured yet): the race
    // waits the longest it may for presses in flight, SETTLE_MAX_MS.
    let code = server.code("charlie");
    let (mut quiet, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr()))
        .await
        .expect("connect");
    quiet
        .send(Message::text(
            json!({"type": "hello", "role": "team", "team": "charlie", "code": code}).to_string(),
        ))
        .await
        .expect("hello");
    control
        .state_where(|s| {
            s["teams"][2]["links"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        })
        .await;

    control.ok(json!({"type": "open_buzzers"})).await;
    alpha.state_where(|s| phase(s) == "open").await;
    bravo.state_where(|s| phase(s) == "open").await;

    // Alpha's buzz arrives first and its sync starts; bravo's arrives just after, pressed 5 ms
    // before it was sent (a busy page): pressed before alpha's. The owner reads it during
    // alpha's sync, long before the race's window ends.
    alpha.send(json!({"type": "buzz", "id": 1})).await;
    let bravo_pressed = bravo.page_now() - 5.0;
    bravo
        .send(json!({"type": "buzz", "pressed_at": bravo_pressed, "id": 2}))
        .await;
    let alpha_answer = alpha.reply().await;
    let bravo_answer = bravo.reply().await;
    assert_eq!(alpha_answer["type"], "ack", "{alpha_answer}");
    assert_eq!(
        bravo_answer["type"], "ack",
        "bravo's buzz counted: {bravo_answer}"
    );

    let decided = control.state_where(|s| phase(s) == "floor").await;
    let buzzes = decided["buzz"]["buzzes"].as_array().expect("evidence");
    let arrived = |team: &str| {
        buzzes
            .iter()
            .find(|b| b["team"] == team)
            .and_then(|b| b["arrived_ms"].as_f64())
            .unwrap_or_else(|| panic!("{team} in the evidence: {decided}"))
    };
    // Stamped when read, not when the owner got to it after a sync.
    let gap = arrived("bravo") - arrived("alpha");
    assert!(
        gap < SYNC_DELAY.as_secs_f64() * 1000.0 / 3.0,
        "bravo's buzz stamped {gap} ms after alpha's: {decided}"
    );
    assert_eq!(
        decided["buzz"]["floor"], "bravo",
        "the earlier press wins: {decided}"
    );
}

/// A contest journaled to `data` on a simulated `disk`.
async fn server_on(data: &std::path::Path, disk: SlowDisk) -> TestServer {
    let mut config = TestServer::config(
        contest(BuzzInRules::default()),
        None,
        Some(data.to_path_buf()),
        Limits::default(),
    );
    config.slow_disk = disk;
    TestServer::start_config(config).await
}

/// The state a projector opened now is shown first.
async fn first_state(server: &TestServer) -> Value {
    let mut screen = server.raw().await;
    screen
        .send(json!({"type": "hello", "role": "screen"}))
        .await;
    assert_eq!(screen.recv().await["type"], "welcome");
    screen.state_where(|_| true).await
}

/// Alpha's score as `state` shows it.
fn alpha_score(state: &Value) -> i64 {
    state["teams"][0]["score"].as_i64().expect("a whole score")
}

/// Commands that come in from several phones while the disk syncs are synced together: four
/// teams' buzzes are all answered after two syncs, not four one after the other.
#[tokio::test]
async fn commands_queued_during_a_sync_share_the_next_one() {
    let data = tempfile::tempdir().expect("data dir");
    let server = server_on(
        data.path(),
        SlowDisk {
            sync_delay: SYNC_DELAY,
            ..SlowDisk::default()
        },
    )
    .await;
    let mut control = server.control().await;
    let mut phones = Vec::new();
    for team in common::TEAMS {
        phones.push(server.team(team).await);
    }
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    for phone in &mut phones {
        phone.state_where(|s| phase(s) == "open").await;
    }
    let started = Instant::now();
    for phone in &mut phones {
        phone.send(json!({"type": "buzz", "id": 1})).await;
    }
    for phone in &mut phones {
        let answer = phone.reply().await;
        assert_eq!(answer["type"], "ack", "{answer}");
    }
    let took = started.elapsed();
    assert!(
        took < SYNC_DELAY * 3,
        "four buzzes took {took:?}: each waited for a sync of its own"
    );
}

/// A disk that fails: the command it could not keep is refused, the scores shown go back to
/// what is on disk, later commands are refused too, and a restart finds exactly what was
/// acknowledged.
#[tokio::test]
async fn a_command_the_disk_cannot_keep_is_refused_and_undone() {
    let data = tempfile::tempdir().expect("data dir");
    {
        let server = server_on(
            data.path(),
            SlowDisk {
                fail_from_sync: Some(2),
                ..SlowDisk::default()
            },
        )
        .await;
        let mut control = server.control().await;
        control
            .ok(json!({"type": "adjust_score", "team": "alpha", "delta": 10, "reason": "một"}))
            .await;
        for (id, delta) in [(1, 5), (2, 7)] {
            control
                .send(json!({"type": "adjust_score", "team": "alpha", "delta": delta, "reason": "hai", "id": id}))
                .await;
            let answer = control.reply().await;
            assert_eq!(answer["type"], "rejected", "{answer}");
            assert_eq!(answer["code"], "storage_failed", "{answer}");
        }
        // (The refused changes were never shown: a page opened now sees the same.)
        let state = first_state(&server).await;
        assert_eq!(alpha_score(&state), 10, "only what is on disk: {state}");
        server.shutdown().await;
    }
    let server = server_on(data.path(), SlowDisk::default()).await;
    let state = first_state(&server).await;
    assert_eq!(alpha_score(&state), 10, "after a restart: {state}");
}
