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

/// DNS rebinding: a site on the internet points its own name at the laptop. Its pages and
/// sockets carry that name in `Host` (and `Origin`): both are refused, naming the flag that would
/// let a real name in; the server's own names pass.
#[tokio::test]
async fn a_foreign_host_name_is_refused_for_pages_and_sockets() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let port = server.addr().port();
    let evil = format!("rebind.evil.example:{port}");
    let (head, body) = http_get_with_host(server.addr(), "/", &evil).await;
    assert!(head.starts_with("http/1.1 421"), "{head}");
    assert!(body.contains("--public-host"), "{body}");
    assert!(!body.contains("<html"), "no page: {body}");
    for path in ["/control", "/assets/join.js", "/api/state"] {
        let (head, _) = http_get_with_host(server.addr(), path, &evil).await;
        assert!(head.starts_with("http/1.1 421"), "{path}: {head}");
    }

    let url = format!("ws://{}/ws", server.addr());
    let mut request = url.as_str().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("host", evil.parse().expect("header"));
    request
        .headers_mut()
        .insert("origin", format!("http://{evil}").parse().expect("header"));
    match connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 421)
        }
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }

    for own in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let (head, _) = http_get_with_host(server.addr(), "/", &own).await;
        assert!(head.starts_with("http/1.1 200"), "{own}: {head}");
    }
}

/// The MC's page and the token-guarded exports are never stored by a browser or proxy.
#[tokio::test]
async fn the_control_page_and_the_exports_are_not_stored() {
    let data_dir = tempfile::tempdir().expect("data dir");
    let server = TestServer::start_in(
        contest(BuzzInRules::default()),
        Some(data_dir.path().to_path_buf()),
    )
    .await;
    let token = server.token();
    for path in [
        "/control".to_string(),
        format!("/api/results.json?token={token}"),
        format!("/api/results.csv?token={token}"),
        format!("/api/audit.jsonl?token={token}"),
        format!("/api/join-qr/alpha?token={token}"),
    ] {
        let (head, _) = common::http_get(server.addr(), &path).await;
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(head.contains("cache-control: no-store"), "{path}: {head}");
    }
}

/// A first message that breaks the WebSocket rules gets the documented close code, as a later one
/// would: too big (1009), text that is not UTF-8 (1007).
#[tokio::test]
async fn a_bad_first_message_gets_a_close_frame_with_its_code() {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let oversized = Message::text(format!(
        r#"{{"type":"hello","role":"screen","pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    ));
    let not_utf8 = Message::Frame(Frame::message(
        vec![0xC3, 0x28, 0xFF],
        OpCode::Data(Data::Text),
        true,
    ));
    for (first, code) in [(oversized, CloseCode::Size), (not_utf8, CloseCode::Invalid)] {
        let mut socket = server.raw().await;
        socket.send_frame(first).await;
        match socket.next_frame().await {
            Some(Message::Close(Some(frame))) => assert_eq!(frame.code, code, "{frame:?}"),
            other => panic!("expected a close frame with {code:?}, got {other:?}"),
        }
    }
}

/// A GET with a chosen `Host` header: (lower-cased head, body).
async fn http_get_with_host(
    addr: std::net::SocketAddr,
    path: &str,
    host: &str,
) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(common::STEP_TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read");
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_ascii_lowercase(), body.to_string())
}

/// Whoever sees the server's terminal (often mirrored on the projector) or its log file must not
/// learn a secret: after the start banner, which prints the MC's address, neither the control
/// token, nor a phone's device token, nor any join code appears, even at the most detailed log
/// level; phones are named by team and number instead.
#[tokio::test]
async fn no_secret_reaches_the_log() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    let data_dir = tempfile::tempdir().expect("data dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stagebuzz"))
        .args(["--bind", "127.0.0.1", "--port", "0"])
        .arg("--data-dir")
        .arg(data_dir.path())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (banner_tx, banner_rx) = std::sync::mpsc::channel::<String>();
    let mut readers = Vec::new();
    for (pipe, banner) in [
        (
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Some(banner_tx),
        ),
        (Box::new(child.stderr.take().expect("stderr")), None),
    ] {
        let output = output.clone();
        readers.push(std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(banner) = &banner
                    && line.contains("/control#token=")
                {
                    let _ = banner.send(line.clone());
                }
                let mut output = output.lock().expect("output");
                output.push_str(&line);
                output.push('\n');
            }
        }));
    }
    let mc_line = banner_rx
        .recv_timeout(common::STEP_TIMEOUT)
        .expect("the banner prints the MC's address");
    let url = mc_line.split("http://").nth(1).expect("an address");
    let (host_port, token) = url.split_once("/control#token=").expect("a token");
    let addr: std::net::SocketAddr = host_port.parse().expect("address");
    let token = token.trim().to_string();

    // The MC, a phone joining with its code and rejoining with its device token, a wrong code,
    // a wrong control token, and a rotated code.
    let mut control = common::raw_client(addr).await;
    control
        .send(json!({"type": "hello", "role": "control", "token": token}))
        .await;
    assert_eq!(control.recv().await["type"], "welcome");
    let access = loop {
        let message = control.recv().await;
        if message["type"] == "access" {
            break message;
        }
    };
    let team = access["teams"][0]["id"].as_str().expect("team").to_string();
    let code = access["teams"][0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    let mut secrets: Vec<String> = access["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["code"].as_str().expect("code").to_string())
        .collect();
    let mut phone = common::raw_client(addr).await;
    phone
        .send(json!({"type": "hello", "role": "team", "team": team, "code": code}))
        .await;
    let welcome = phone.recv().await;
    let device = welcome["device"]
        .as_str()
        .expect("device token")
        .to_string();
    drop(phone);
    let mut again = common::raw_client(addr).await;
    again
        .send(json!({"type": "hello", "role": "team", "device": device}))
        .await;
    assert_eq!(again.recv().await["type"], "welcome");
    let near_miss = format!("{}x", &token[..token.len() - 1]);
    for hello in [
        json!({"type": "hello", "role": "team", "team": team, "code": "WRONG77"}),
        json!({"type": "hello", "role": "control", "token": near_miss}),
    ] {
        let mut intruder = common::raw_client(addr).await;
        intruder.send(hello).await;
        assert_eq!(intruder.recv().await["type"], "error");
    }
    assert_eq!(
        control
            .command(json!({"type": "rotate_code", "team": team}), 7)
            .await["type"],
        "ack"
    );
    let rotated = loop {
        let message = control.recv().await;
        if message["type"] == "access" {
            break message;
        }
    };
    secrets.push(
        rotated["teams"][0]["code"]
            .as_str()
            .expect("code")
            .to_string(),
    );
    secrets.extend([token.clone(), device, near_miss, "WRONG77".to_string()]);

    let (head, _) = common::http_get(addr, &format!("/api/results.json?token={token}")).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");

    // Everything the binary printed up to now, then stopped.
    again.send(json!({"type": "buzz"})).await;
    let _ = child.kill();
    let _ = child.wait();
    for reader in readers {
        reader.join().expect("reader");
    }
    let output = output.lock().expect("output").clone();
    let log: String = output
        .lines()
        .filter(|line| !line.contains("/control#token="))
        .map(|line| format!("{}\n", without_colours(line)))
        .collect();
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret ({secret}) is in the log:\n{log}"
        );
    }
    assert!(
        log.contains(&format!("team=\"{team}\" phone=1")),
        "phones are named by team and number in the log:\n{log}"
    );
}

/// A terminal log line without its colour codes (`ESC [ … m`).
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('\u{1b}') {
        plain.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
    }
    plain.push_str(rest);
    plain
}
