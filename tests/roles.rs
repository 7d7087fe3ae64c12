//! Who may do what: only the MC drives the show; bad messages change nothing.

mod common;

use common::{TestServer, contest, http_get, phase};
use serde_json::json;
use stagebuzz::game::BuzzInRules;
use tokio_tungstenite::tungstenite::Message;

const CONTROL_COMMANDS: [&str; 6] = [
    r#"{"type":"show_next_question"}"#,
    r#"{"type":"open_buzzers"}"#,
    r#"{"type":"lock_buzzers"}"#,
    r#"{"type":"judge","verdict":"correct"}"#,
    r#"{"type":"reveal_answer"}"#,
    r#"{"type":"undo"}"#,
];

/// Team and screen sockets get `not_allowed` for every MC command, and nothing changes.
#[tokio::test]
async fn control_commands_from_team_or_screen_are_refused() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut team = server.team("alpha").await;
    let mut screen = server.screen().await;
    let mut commands: Vec<String> = CONTROL_COMMANDS.iter().map(|c| c.to_string()).collect();
    commands.push(r#"{"type":"adjust_score","team":"alpha","delta":50,"reason":"x"}"#.into());
    for client in [&mut team, &mut screen] {
        for command in &commands {
            client.send_text(command).await;
            let reply = client.reply().await;
            assert_eq!(reply["type"], "error", "{command} → {reply}");
            assert_eq!(reply["code"], "not_allowed", "{command} → {reply}");
        }
    }
    let (_, body) = http_get(server.addr(), "/api/state").await;
    let state: serde_json::Value = serde_json::from_str(&body).expect("state JSON");
    assert_eq!(state["stage"], "not_started");
    assert_eq!(state["teams"][0]["score"], 0);
}

/// A control hello with a wrong or missing token is refused and the socket closed.
#[tokio::test]
async fn wrong_control_token_is_refused() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    for hello in [
        json!({"type": "hello", "role": "control", "token": "not-the-token"}),
        json!({"type": "hello", "role": "control"}),
    ] {
        let mut client = server.raw().await;
        client.send(hello).await;
        let reply = client.recv().await;
        assert_eq!(reply["code"], "bad_token", "{reply}");
        match client.next_frame().await {
            Some(Message::Close(_)) | None => {}
            other => panic!("expected close, got {other:?}"),
        }
    }
}

/// A screen may not buzz; an unknown team cannot join; malformed input gets a clear error.
#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;

    let mut screen = server.screen().await;
    screen.send(json!({"type": "buzz"})).await;
    assert_eq!(screen.reply().await["code"], "not_allowed");

    let mut stranger = server.raw().await;
    stranger
        .send(json!({"type": "hello", "role": "team", "team": "nobody"}))
        .await;
    assert_eq!(stranger.recv().await["code"], "unknown_team");

    for bad in [
        "not json",
        r#"{"type":"no_such_thing"}"#,
        r#"{"type":"judge","verdict":"maybe"}"#,
        r#"{"type":"adjust_score","team":"alpha","delta":"ten","reason":"x"}"#,
        r#"{"type":"hello","role":"screen"}"#,
    ] {
        control.send_text(bad).await;
        let reply = control.reply().await;
        assert_eq!(reply["type"], "error", "{bad} → {reply}");
    }
    control.send_frame(Message::binary(vec![1, 2, 3])).await;
    assert_eq!(control.reply().await["code"], "binary_not_supported");

    // The show goes on: buzzers are still open and a team can take the floor.
    let mut team = server.team("bravo").await;
    team.ok(json!({"type": "buzz"})).await;
    let state = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(state["buzz"]["floor"], "bravo");
}
