//! Phones that drop and come back: device tokens, several phones per team, and the exports.

mod common;

use common::{TestServer, contest, http_get, phase, to_floor};
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;
use tokio_tungstenite::tungstenite::Message;

/// Joins as a new phone of `team` and returns the client and its device token.
async fn new_phone(server: &TestServer, team: &str) -> (common::Client, String) {
    let mut client = server.raw().await;
    client
        .send(json!({"type": "hello", "role": "team", "team": team, "code": server.code(team)}))
        .await;
    let welcome = client.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["team"], team);
    let token = welcome["device"]
        .as_str()
        .expect("a device token")
        .to_string();
    (client, token)
}

/// Sends a hello with `hello` and returns the first answer.
async fn hello(server: &TestServer, hello: Value) -> (common::Client, Value) {
    let mut client = server.raw().await;
    client.send(hello).await;
    let answer = client.recv().await;
    (client, answer)
}

#[tokio::test]
async fn a_dropped_phone_rejoins_as_the_same_team_and_sees_the_current_state() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let (phone, token) = new_phone(&server, "charlie").await;
    drop(phone);
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;

    // Back from sleep: only the device token, no team picked.
    let (mut phone, welcome) = hello(
        &server,
        json!({"type": "hello", "role": "team", "device": token}),
    )
    .await;
    assert_eq!(welcome["team"], "charlie", "{welcome}");
    assert_eq!(welcome["device"], token.as_str());
    let state = phone.recv().await;
    assert_eq!(phase(&state), "open", "the current state at once: {state}");
    phone.ok(json!({"type": "buzz"})).await;
    let floor = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "charlie");
}

#[tokio::test]
async fn unknown_or_foreign_device_tokens_are_refused() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let (_phone, token) = new_phone(&server, "alpha").await;
    for (attempt, code) in [
        (
            json!({"type": "hello", "role": "team", "device": "0123456789abcdef0123456789abcdef"}),
            "unknown_device",
        ),
        (
            json!({"type": "hello", "role": "team", "team": "bravo", "device": token}),
            "device_refused",
        ),
    ] {
        let (mut client, answer) = hello(&server, attempt.clone()).await;
        assert_eq!(answer["type"], "error", "{attempt} → {answer}");
        assert_eq!(answer["code"], code, "{attempt} → {answer}");
        match client.next_frame().await {
            Some(Message::Close(_)) | None => {}
            other => panic!("expected the socket closed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn two_phones_of_one_team_both_see_the_floor_and_the_limit_holds() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let (mut first, _) = new_phone(&server, "delta").await;
    let (mut second, _) = new_phone(&server, "delta").await;
    let (_third, _) = new_phone(&server, "delta").await;
    // The test server allows three phones per team.
    let (_, refused) = hello(
        &server,
        json!({"type": "hello", "role": "team", "team": "delta", "code": server.code("delta")}),
    )
    .await;
    assert_eq!(refused["code"], "team_full", "{refused}");
    // The refused phone was not registered: the MC still sees three phones for the team.
    let mut fresh_mc = server.raw().await;
    fresh_mc
        .send(json!({"type": "hello", "role": "control", "token": server.token()}))
        .await;
    let access = loop {
        let message = fresh_mc.recv().await;
        if message["type"] == "access" {
            break message;
        }
    };
    assert_eq!(
        access["teams"][3]["phones"].as_array().map(Vec::len),
        Some(3),
        "{access}"
    );

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    first.state_where(|s| phase(s) == "open").await;
    first.ok(json!({"type": "buzz"})).await;
    for phone in [&mut first, &mut second] {
        let state = phone.state_where(|s| phase(s) == "floor").await;
        assert_eq!(state["buzz"]["floor"], "delta");
    }
    // The second phone of the team that has the floor cannot buzz again for it.
    let again = second.command(json!({"type": "buzz"}), 3).await;
    assert_eq!(again["code"], "already_has_floor", "{again}");
    let mc = control.state_where(|s| s["teams"][3]["devices"] == 3).await;
    assert_eq!(mc["teams"][3]["links"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn results_and_audit_are_exported_for_the_mc_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start_in(
        contest(BuzzInRules::default()),
        Some(dir.path().to_path_buf()),
    )
    .await;
    let mut control = server.control().await;
    let (mut bravo, _) = new_phone(&server, "bravo").await;
    to_floor(&mut control, &mut bravo).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;

    let token = server.token();
    for path in ["/api/results.csv", "/api/results.json", "/api/audit.jsonl"] {
        let (head, _) = http_get(server.addr(), path).await;
        assert!(
            head.starts_with("http/1.1 403"),
            "{path} without token: {head}"
        );
        let (head, _) = http_get(server.addr(), &format!("{path}?token=wrong")).await;
        assert!(
            head.starts_with("http/1.1 403"),
            "{path} wrong token: {head}"
        );
    }

    let (head, csv) = http_get(server.addr(), &format!("/api/results.csv?token={token}")).await;
    assert!(
        head.contains("content-type: text/csv; charset=utf-8"),
        "{head}"
    );
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Hạng (Rank),Đội thi (Team),Giành quyền trả lời,\
         Giành quyền trả lời — Hạng (Rank),Tổng điểm (Total)"
    );
    assert_eq!(lines[1], "1,Đội bravo,10,1,10");
    assert_eq!(lines[2], "2,Đội alpha,0,2,0");

    let (_, json_body) = http_get(server.addr(), &format!("/api/results.json?token={token}")).await;
    let results: Value = serde_json::from_str(&json_body).expect("results JSON");
    assert_eq!(results["ranking"][0]["team"], "bravo");
    assert_eq!(results["ranking"][0]["round_points"], json!([10]));
    assert_eq!(results["ranking"][0]["round_ranks"], json!([1]));

    let (_, audit) = http_get(server.addr(), &format!("/api/audit.jsonl?token={token}")).await;
    let records: Vec<Value> = audit
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    let commands: Vec<&str> = records
        .iter()
        .filter_map(|r| r["command"]["command"].as_str())
        .collect();
    assert_eq!(
        commands,
        ["show_next_question", "open_buzzers", "buzz", "judge"]
    );
    let buzz = &records[2];
    assert_eq!(
        buzz["from"]
            .as_str()
            .map(|f| f.starts_with("team bravo (phone ")),
        Some(true),
        "{buzz}"
    );
    assert_eq!(records[0]["from"], "control");
    assert!(buzz["at"].is_u64(), "arrival time recorded: {buzz}");
    assert!(
        buzz["events"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e["event"] == "buzz_received")),
        "{buzz}"
    );
}

/// A full team's phone that drops and comes back before the server has seen its old socket go
/// is let back in — it is the same phone, not one more — while a new phone is still refused.
#[tokio::test]
async fn a_full_teams_phone_comes_back_before_its_old_socket_is_gone() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let (_first, _) = new_phone(&server, "bravo").await;
    let (_second, _) = new_phone(&server, "bravo").await;
    // The third phone's old socket stays open, as one the server has not yet seen drop.
    let (_old_socket, device) = new_phone(&server, "bravo").await;
    let (_again, welcome) = hello(
        &server,
        json!({"type": "hello", "role": "team", "device": device}),
    )
    .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["team"], "bravo");
    let (_, refused) = hello(
        &server,
        json!({"type": "hello", "role": "team", "team": "bravo", "code": server.code("bravo")}),
    )
    .await;
    assert_eq!(refused["code"], "team_full", "{refused}");
}
