//! A whole show played while the phones misbehave: they mash the buzzer, drop and rejoin, send
//! garbage, claim absurd press times and try the MC's commands. The MC plays on with random
//! verdicts, undos and score adjustments. At the end every score is exactly what the MC's
//! actions add up to, on the control page, in a fresh projector, in the results export and in
//! the audit log, and no phone ever saw something it should not.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::{Client, TEAMS, TestServer, contest, http_get, phase, raw_client};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, Question, Round};
use tokio_util::sync::CancellationToken;

/// Questions the MC plays.
const QUESTIONS: usize = 10;
/// Seed of the MC's choices; each phone has its own.
const SEED: u64 = 2026;

/// What a team phone may receive; anything else is a protocol bug.
const TEAM_MESSAGES: [&str; 5] = ["welcome", "state", "ack", "rejected", "error"];

/// Checks what a phone received since the last look, then forgets it.
fn check_received(client: &mut Client, team: &str) {
    client.drain_into_transcript();
    for text in client.transcript.drain(..) {
        let message: Value = serde_json::from_str(&text).expect("every message is JSON");
        let kind = message["type"].as_str().unwrap_or("");
        assert!(TEAM_MESSAGES.contains(&kind), "{team} got {message}");
        if kind == "state" && !message["question"].is_null() {
            let revealed = message["question"]["revealed"] == true;
            assert!(
                revealed || message["question"]["answer"].is_null(),
                "{team} saw the answer before the reveal: {message}"
            );
            assert!(message["question"]["notes"].is_null(), "{team} saw notes");
        }
    }
}

/// Joins `team` as a new phone and returns it with its device token.
async fn join(addr: SocketAddr, team: &str, code: &str) -> (Client, String) {
    let mut client = raw_client(addr).await;
    client
        .send(json!({"type": "hello", "role": "team", "team": team, "code": code}))
        .await;
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let device = welcome["device"]
        .as_str()
        .expect("device token")
        .to_string();
    (client, device)
}

/// One phone until `stop`: a person mashing and fumbling, or a hostile page. Only phone 0 of a
/// team drops and rejoins, so a team never needs more phones than the server allows.
async fn phone(
    addr: SocketAddr,
    team: &'static str,
    code: String,
    index: u64,
    stop: CancellationToken,
) {
    let mut rng = StdRng::seed_from_u64(SEED ^ (index + 1).wrapping_mul(0x9e37_79b9));
    let (mut client, device) = join(addr, team, &code).await;
    loop {
        // A person's pace between taps; not synchronisation, the MC never waits for it.
        let pause = Duration::from_millis(rng.random_range(5..60));
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(pause) => {}
        }
        check_received(&mut client, team);
        match rng.random_range(0..100) {
            0..60 => {
                let pressed_at = client.page_now();
                client
                    .send(json!({"type": "buzz", "pressed_at": pressed_at}))
                    .await;
            }
            60..68 if index.is_multiple_of(2) => {
                drop(client);
                client = raw_client(addr).await;
                client
                    .send(json!({"type": "hello", "role": "team", "device": device}))
                    .await;
                let welcome = client.recv().await;
                assert_eq!(
                    welcome["team"], team,
                    "rejoined as the same team: {welcome}"
                );
            }
            68..74 => client.send_text("{\"type\": \"buzz\", ").await,
            74..78 => {
                client
                    .send(json!({"type": "judge", "verdict": "correct"}))
                    .await;
            }
            78..82 => {
                let other = TEAMS[rng.random_range(0..TEAMS.len())];
                client.send(json!({"type": "buzz", "team": other})).await;
            }
            82..86 => {
                client
                    .send(json!({"type": "buzz", "pressed_at": -1e300}))
                    .await;
            }
            _ => {}
        }
    }
    check_received(&mut client, team);
}

/// The MC's state once the `judged`-th judgement of this question has landed and the round has
/// settled on a floor holder or closed the question.
async fn settled(control: &mut Client, question: u64, judged: usize) -> Value {
    control
        .state_where(|s| {
            s["question"]["number"] == question
                && s["buzz"]["judgements"].as_array().map(Vec::len) == Some(judged)
                && matches!(phase(s), "floor" | "closed")
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_show_with_misbehaving_phones_keeps_every_score_exact() {
    let rules = BuzzInRules {
        penalty: 5,
        ..BuzzInRules::default()
    };
    let (points, penalty) = (rules.points, rules.penalty);
    let mut show = contest(rules);
    let Round::BuzzIn(round) = &mut show.rounds[0] else {
        panic!("a buzz-in round");
    };
    round.questions = (1..=QUESTIONS)
        .map(|n| Question {
            text: format!("Câu hỏi số {n}?"),
            answer: format!("Đáp án {n}"),
            notes: format!("Ghi chú {n}"),
            ..Question::default()
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(show, Some(dir.path().to_path_buf())).await;
    let addr = server.addr();
    let stop = CancellationToken::new();
    let mut phones = Vec::new();
    for (t, team) in TEAMS.iter().enumerate() {
        for p in 0..2 {
            let index = (t * 2 + p) as u64;
            phones.push(tokio::spawn(phone(
                addr,
                team,
                server.code(team),
                index,
                stop.clone(),
            )));
        }
    }

    let mut rng = StdRng::seed_from_u64(SEED);
    let mut control = server.control().await;
    let mut expected: BTreeMap<String, i64> = TEAMS.iter().map(|t| (t.to_string(), 0)).collect();
    let mut judgements = 0;
    let mut id = 100;
    let mut command = async |control: &mut Client, message: Value| {
        id += 1;
        let reply = control.command(message.clone(), id).await;
        assert_eq!(reply, json!({"type": "ack", "id": id}), "{message}");
    };

    for question in 1..=QUESTIONS as u64 {
        command(&mut control, json!({"type": "show_next_question"})).await;
        command(&mut control, json!({"type": "open_buzzers"})).await;
        // This question's point changes, oldest first, for undo.
        let mut changes: Vec<(String, i64)> = Vec::new();
        let mut state = settled(&mut control, question, 0).await;
        while phase(&state) == "floor" {
            let team = state["buzz"]["floor"].as_str().expect("floor").to_string();
            let correct = rng.random_bool(0.4);
            let verdict = if correct { "correct" } else { "wrong" };
            command(&mut control, json!({"type": "judge", "verdict": verdict})).await;
            let delta = if correct { points } else { -penalty };
            *expected.get_mut(&team).expect("team") += delta;
            changes.push((team, delta));
            judgements += 1;
            if rng.random_bool(0.25) {
                command(&mut control, json!({"type": "undo"})).await;
                let (team, delta) = changes.pop().expect("a judgement to undo");
                *expected.get_mut(&team).expect("team") -= delta;
                judgements -= 1;
            }
            state = settled(&mut control, question, changes.len()).await;
        }
        if rng.random_bool(0.5) {
            command(&mut control, json!({"type": "reveal_answer"})).await;
        }
        if rng.random_bool(0.3) {
            let team = TEAMS[rng.random_range(0..TEAMS.len())];
            let delta = rng.random_range(-3..=7);
            command(
                &mut control,
                json!({"type": "adjust_score", "team": team, "delta": delta, "reason": "hỗn loạn"}),
            )
            .await;
            *expected.get_mut(team).expect("team") += delta;
        }
    }
    stop.cancel();
    for phone in phones {
        phone.await.expect("every phone's checks held");
    }

    // The MC, a projector that opens now, and the exports all agree with the MC's own sums.
    let scores = |state: &Value| -> BTreeMap<String, i64> {
        state["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .map(|t| {
                (
                    t["id"].as_str().unwrap_or("").to_string(),
                    t["score"].as_i64().unwrap_or(i64::MIN),
                )
            })
            .collect()
    };
    // Sockets opened now get the state as of the last acknowledged command.
    let joined_state = |client: &Client| -> Value {
        let text = client.transcript.last().expect("a state on joining");
        serde_json::from_str(text).expect("JSON")
    };
    let mc_now = server.control().await;
    assert_eq!(scores(&joined_state(&mc_now)), expected, "control page");
    let screen = server.screen().await;
    assert_eq!(scores(&joined_state(&screen)), expected, "projector");

    let token = server.token();
    let (_, body) = http_get(addr, &format!("/api/results.json?token={token}")).await;
    let results: Value = serde_json::from_str(&body).expect("results JSON");
    let exported: BTreeMap<String, i64> = results["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|r| {
            (
                r["team"].as_str().unwrap_or("").to_string(),
                r["total"].as_i64().unwrap_or(i64::MIN),
            )
        })
        .collect();
    assert_eq!(exported, expected);

    // The audit log has every judgement the MC made, undone ones included, and every undo.
    let (_, audit) = http_get(addr, &format!("/api/audit.jsonl?token={token}")).await;
    let commands: Vec<String> = audit
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("audit line is JSON");
            record["command"]["command"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let count = |kind: &str| commands.iter().filter(|c| *c == kind).count();
    assert_eq!(
        count("judge") - count("undo"),
        judgements,
        "judgements in the audit log"
    );
}
