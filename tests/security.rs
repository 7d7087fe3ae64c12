//! Hostile visitors on an open Wi-Fi: secrets stay secret, floods and oversized or foreign
//! connections are refused, and the show goes on for everyone else.

mod common;

use common::{TestServer, contest, phase};
use futures_util::future::join_all;
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Everything a team phone and the projector receive during a whole question: the answer key
/// appears only after the MC reveals it, and the MC's notes never.
#[tokio::test]
async fn the_answer_reaches_teams_and_screens_only_after_the_reveal() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut team = server.team("alpha").await;
    let mut screen = server.screen().await;
    let mut other = server.team("bravo").await;

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    team.state_where(|s| phase(s) == "open").await;
    team.ok(json!({"type": "buzz", "pressed_at": team.page_now()}))
        .await;
    control.state_where(|s| phase(s) == "floor").await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    other.state_where(|s| phase(s) == "open").await;
    other.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| s["buzz"]["floor"] == "bravo").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control.state_where(|s| phase(s) == "closed").await;
    team.state_where(|s| phase(s) == "closed").await;
    screen.state_where(|s| phase(s) == "closed").await;

    // Everything received so far, as raw text, by a phone and the projector.
    let mut before_reveal = String::new();
    for client in [&mut team, &mut screen] {
        client.drain_into_transcript();
        before_reveal.push_str(&client.transcript.concat());
    }
    assert!(
        before_reveal.contains("Câu hỏi số 1?"),
        "the question was shown"
    );
    assert!(
        !before_reveal.contains("Đáp án 1"),
        "answer leaked before the reveal"
    );
    assert!(!before_reveal.contains("Ghi chú 1"), "MC notes leaked");

    control.ok(json!({"type": "reveal_answer"})).await;
    for client in [&mut team, &mut screen] {
        let revealed = client
            .state_where(|s| s["question"]["revealed"] == true)
            .await;
        assert_eq!(revealed["question"]["answer"], "Đáp án 1");
        assert!(
            !revealed.to_string().contains("Ghi chú 1"),
            "MC notes leaked"
        );
    }
    // The public HTTP state follows the same rule.
    let (_, body) = common::http_get(server.addr(), "/api/state").await;
    assert!(!body.contains("Ghi chú"), "{body}");
}

/// A page from another site cannot open a socket with the visitor's browser.
#[tokio::test]
async fn a_websocket_from_a_foreign_origin_is_refused() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let url = format!("ws://{}/ws", server.addr());
    let mut request = url.as_str().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().expect("header"));
    let refused = connect_async(request).await;
    let status = match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status(),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    };
    assert_eq!(status.as_u16(), 403);

    // The server's own pages (same origin) connect fine.
    let mut request = url.as_str().into_client_request().expect("request");
    let own = format!("http://{}", server.addr());
    request
        .headers_mut()
        .insert("origin", own.parse().expect("header"));
    assert!(connect_async(request).await.is_ok());
}

/// A message over the size limit closes that socket with "message too big" (1009).
#[tokio::test]
async fn an_oversized_message_closes_the_socket_with_1009() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut screen = server.screen().await;
    let huge = format!(r#"{{"type":"buzz","pad":"{}"}}"#, "x".repeat(64 * 1024));
    screen.send_text(&huge).await;
    loop {
        match screen.next_frame().await {
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Size, "{frame:?}");
                break;
            }
            Some(Message::Text(_)) => continue,
            other => panic!("expected a close frame with code 1009, got {other:?}"),
        }
    }
}

/// 10 000 malformed messages from one socket: it is warned, then cut off, and the others play
/// the next question as if nothing happened.
#[tokio::test]
async fn a_flood_of_garbage_does_not_disturb_the_show() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut team = server.team("charlie").await;
    let mut screen = server.screen().await;
    let mut attacker = server.screen().await;

    for i in 0..10_000 {
        attacker.send_text(&format!("{{garbage {i}")).await;
    }
    let mut warned = false;
    let close = loop {
        match attacker.next_frame().await {
            Some(Message::Text(text)) => {
                let message: Value = serde_json::from_str(&text).expect("JSON");
                if message["code"] == "rate_limited" {
                    warned = true;
                }
            }
            Some(Message::Close(frame)) => break frame,
            None => break None,
            Some(_) => {}
        }
    };
    assert!(warned, "the flooder was warned before being cut off");
    // Cut off: with a policy close frame, or (while its own flood is still unread on the server's
    // side) by the connection being reset before the frame gets through.
    if let Some(frame) = close {
        assert_eq!(frame.code, CloseCode::Policy, "{frame:?}");
    }

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    team.state_where(|s| phase(s) == "open").await;
    team.ok(json!({"type": "buzz"})).await;
    let floor = screen.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "charlie");
}

/// A phone cannot buzz for another team, whatever it writes in the message.
#[tokio::test]
async fn a_phone_cannot_act_for_another_team() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut alpha = server.team("alpha").await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    alpha.state_where(|s| phase(s) == "open").await;
    let answer = alpha
        .command(json!({"type": "buzz", "team": "bravo"}), 9)
        .await;
    assert_eq!(answer["code"], "not_allowed", "{answer}");
    // Nothing changed: the buzzers are still open and nobody has the floor.
    let answers = join_all([alpha.command(json!({"type": "buzz"}), 10)]).await;
    assert_eq!(answers[0], json!({"type": "ack", "id": 10}));
    let floor = control.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "alpha");

    // A wrong join code does not make a phone of that team either.
    let mut intruder = server.raw().await;
    intruder
        .send(json!({"type": "hello", "role": "team", "team": "bravo", "code": "AAAAAAA"}))
        .await;
    assert_eq!(intruder.recv().await["code"], "bad_code");
}

/// A text frame that is not UTF-8 breaks the WebSocket protocol: that socket is closed with 1007
/// and nobody else notices.
#[tokio::test]
async fn invalid_utf8_closes_only_that_socket() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut rogue = server.screen().await;
    let frame = Frame::message(vec![0xC3, 0x28, 0xFF], OpCode::Data(Data::Text), true);
    rogue.send_frame(Message::Frame(frame)).await;
    loop {
        match rogue.next_frame().await {
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Invalid, "{frame:?}");
                break;
            }
            Some(Message::Text(_)) => continue,
            other => panic!("expected a close frame with code 1007, got {other:?}"),
        }
    }
    control.ok(json!({"type": "show_next_question"})).await;
}
