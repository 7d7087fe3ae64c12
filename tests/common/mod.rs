//! Shared helpers for integration tests: a real server on 127.0.0.1 port 0 and JSON socket clients.
#![allow(dead_code)] // Each test binary uses a different part of these helpers.

pub mod binary;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, Contest, ContestBuilder, Question};
use stagebuzz::server::Limits;
use stagebuzz::{Config, Server};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

/// How long any single expected message may take before the test fails (not a synchronisation
/// sleep: tests wait for messages, this only bounds a hang).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// The four teams of the test contest, in scoreboard order.
pub const TEAMS: [&str; 4] = ["alpha", "bravo", "charlie", "delta"];

/// A contest with four teams and one buzz-in round of three questions with `rules`.
pub fn contest(rules: BuzzInRules) -> Contest {
    ContestBuilder::new("Hội thi thử")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .buzz_in("Giành quyền trả lời", rules, 3, |i| Question {
            text: format!("Câu hỏi số {}?", i + 1),
            answer: format!("Đáp án {}", i + 1),
            notes: format!("Ghi chú {}", i + 1),
            ..Question::default()
        })
        .build()
}

/// A real server on loopback; stopped when dropped.
pub struct TestServer {
    server: Option<Server>,
}

impl TestServer {
    /// Starts a server playing `contest` on 127.0.0.1 with a free port, in memory only.
    pub async fn start(contest: Contest) -> TestServer {
        TestServer::start_in(contest, None).await
    }

    /// Like [`TestServer::start`], journaling to `data_dir` when given.
    pub async fn start_in(contest: Contest, data_dir: Option<std::path::PathBuf>) -> TestServer {
        TestServer::start_with(contest, data_dir, Limits::default()).await
    }

    /// Like [`TestServer::start`], with connection `limits` (e.g. loopback not exempt, so that
    /// other loopback addresses stand for other phones and laptops).
    pub async fn start_with_limits(contest: Contest, limits: Limits) -> TestServer {
        TestServer::start_with(contest, None, limits).await
    }

    /// Starts a server playing the contest file at `path` as the binary would (its images read
    /// from beside it), journaling to `data_dir` when given.
    pub async fn start_file(
        path: &std::path::Path,
        data_dir: Option<std::path::PathBuf>,
    ) -> TestServer {
        let contest = stagebuzz::contest_file::load(path).expect("the contest file loads");
        let folder = stagebuzz::contest_file::folder_of(path);
        let config = TestServer::config(contest, Some(folder), data_dir, Limits::default());
        TestServer::start_config(config).await
    }

    async fn start_with(
        contest: Contest,
        data_dir: Option<std::path::PathBuf>,
        limits: Limits,
    ) -> TestServer {
        TestServer::start_config(TestServer::config(contest, None, data_dir, limits)).await
    }

    /// The configuration the tests use: loopback, a free port, 3 phones a team.
    pub fn config(
        contest: Contest,
        contest_dir: Option<std::path::PathBuf>,
        data_dir: Option<std::path::PathBuf>,
        limits: Limits,
    ) -> Config {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            contest,
            contest_dir,
            control_token: None,
            data_dir,
            fresh: false,
            phones_per_team: 3,
            limits,
            public_hosts: Vec::new(),
            slow_disk: Default::default(),
        }
    }

    pub async fn start_config(config: Config) -> TestServer {
        let server = Server::start(config)
            .await
            .expect("server starts on 127.0.0.1:0");
        TestServer {
            server: Some(server),
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.server().local_addr()
    }

    /// The MC's secret.
    pub fn token(&self) -> String {
        self.server().control_token().to_string()
    }

    /// Stops the server and waits until it has let go of everything (its data directory's
    /// lock included), so that another can start on the same directory.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().expect("server present until drop")
    }

    /// A socket that has not said hello yet.
    pub async fn raw(&self) -> Client {
        raw_client(self.addr()).await
    }

    /// A team phone connected through `addr` (e.g. a delaying proxy in front of the server).
    pub async fn team_via(&self, addr: SocketAddr, team: &str) -> Client {
        let mut client = raw_client(addr).await;
        client
            .send(json!({"type": "hello", "role": "team", "team": team, "code": self.code(team)}))
            .await;
        assert_eq!(client.recv().await["type"], "welcome");
        client
    }

    /// A socket joined as `role` (`team` needs `team`, `control` gets the right token).
    pub async fn join(&self, hello: Value) -> Client {
        let mut client = self.raw().await;
        client.send(hello).await;
        let welcome = client.recv().await;
        assert_eq!(welcome["type"], "welcome", "got {welcome}");
        let state = client.state_where(|_| true).await;
        assert_eq!(state["type"], "state", "got {state}");
        client
    }

    /// The MC's control socket.
    pub async fn control(&self) -> Client {
        self.join(json!({"type": "hello", "role": "control", "token": self.token()}))
            .await
    }

    /// The join code of `team`, as the control page shows it.
    pub fn code(&self, team: &str) -> String {
        self.server().join_code(team).expect("team has a code")
    }

    /// A team phone, joined with its team's code.
    pub async fn team(&self, team: &str) -> Client {
        self.join(json!({"type": "hello", "role": "team", "team": team, "code": self.code(team)}))
            .await
    }

    /// A team phone joined with its team's code over a connection from `source`.
    pub async fn team_from(&self, source: IpAddr, team: &str) -> Client {
        let mut client = raw_client_from(self.addr(), source).await;
        client
            .send(json!({"type": "hello", "role": "team", "team": team, "code": self.code(team)}))
            .await;
        let welcome = client.recv().await;
        assert_eq!(welcome["type"], "welcome", "got {welcome}");
        client.state_where(|_| true).await;
        client
    }

    /// The projector.
    pub async fn screen(&self) -> Client {
        self.join(json!({"type": "hello", "role": "screen"})).await
    }

    /// The join code of the judge `judge`, as the control page shows it.
    pub fn judge_code(&self, judge: &str) -> String {
        self.server()
            .judge_code(judge)
            .expect("the judge has a code")
    }

    /// A judge's phone, joined with the judge's code.
    pub async fn judge(&self, judge: &str) -> Client {
        self.join(json!({"type": "hello", "role": "judge", "judge": judge,
                         "code": self.judge_code(judge)}))
            .await
    }
}

/// A WebSocket client of the server at `addr` that has not said hello yet.
pub async fn raw_client(addr: SocketAddr) -> Client {
    let url = format!("ws://{addr}/ws");
    // Without Nagle, as browsers do: a clock-sync reply must not wait behind an unacknowledged
    // frame.
    let connecting = connect_async_with_config(url, None, true);
    let (socket, _) = tokio::time::timeout(STEP_TIMEOUT, connecting)
        .await
        .expect("connect in time")
        .expect("websocket connects");
    Client::spawn(socket)
}

/// A WebSocket client of the server at `addr` whose connection comes from `source` (another
/// loopback address such as 127.0.0.37: a different phone or laptop to the server's limits).
pub async fn raw_client_from(addr: SocketAddr, source: IpAddr) -> Client {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(source, 0))
        .expect("bind to the source address");
    let stream = tokio::time::timeout(STEP_TIMEOUT, socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("tcp connects");
    stream.set_nodelay(true).expect("nodelay");
    let url = format!("ws://{addr}/ws");
    let (socket, _) = tokio::time::timeout(
        STEP_TIMEOUT,
        tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)),
    )
    .await
    .expect("handshake in time")
    .expect("websocket connects");
    Client::spawn(socket)
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // The server's tasks end by themselves once cancelled; Drop cannot wait for them.
            server.cancel_token().cancel();
        }
    }
}

/// A JSON-speaking WebSocket client that behaves like a page: a background task answers the
/// server's clock-sync pings at once on its own "page clock" (milliseconds since the client was
/// made, like `performance.now()`), and hands every other frame to the test.
pub struct Client {
    outgoing: mpsc::UnboundedSender<Message>,
    inbox: mpsc::UnboundedReceiver<Message>,
    page_clock: Instant,
    /// Every text message handed to the test so far, in order.
    pub transcript: Vec<String>,
}

impl Client {
    fn spawn(socket: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut to_send) = mpsc::unbounded_channel::<Message>();
        let (deliver, inbox) = mpsc::unbounded_channel();
        let page_clock = Instant::now();
        tokio::spawn(async move {
            while let Some(message) = to_send.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let replies = outgoing.clone();
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    message = stream.next() => message,
                    // The test dropped the client: hang up, as a closed page would.
                    () = deliver.closed() => break,
                };
                let Some(Ok(message)) = message else { break };
                if let Message::Text(text) = &message
                    && let Ok(value) = serde_json::from_str::<Value>(text)
                    && value["type"] == "sync"
                {
                    let now = page_clock.elapsed().as_secs_f64() * 1000.0;
                    let reply =
                        json!({"type": "sync_reply", "t0": value["t0"], "t1": now, "t2": now});
                    let _ = replies.send(Message::text(reply.to_string()));
                    continue;
                }
                if deliver.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            outgoing,
            inbox,
            page_clock,
            transcript: Vec::new(),
        }
    }

    /// Milliseconds on this client's page clock, as `performance.now()` would say.
    pub fn page_now(&self) -> f64 {
        self.page_clock.elapsed().as_secs_f64() * 1000.0
    }

    /// Sends one JSON message.
    pub async fn send(&mut self, message: Value) {
        self.send_frame(Message::text(message.to_string())).await;
    }

    /// Sends raw text, e.g. malformed JSON.
    pub async fn send_text(&mut self, text: &str) {
        self.send_frame(Message::text(text)).await;
    }

    /// Sends a raw frame.
    pub async fn send_frame(&mut self, message: Message) {
        self.outgoing.send(message).expect("socket writer alive");
    }

    /// The next JSON text message.
    pub async fn recv(&mut self) -> Value {
        loop {
            match self.next_frame().await {
                Some(Message::Text(text)) => {
                    return serde_json::from_str(&text).expect("server sends JSON");
                }
                Some(Message::Ping(_) | Message::Pong(_)) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// Moves every message already received into the transcript, without waiting.
    pub fn drain_into_transcript(&mut self) {
        while let Ok(message) = self.inbox.try_recv() {
            if let Message::Text(text) = message {
                self.transcript.push(text.to_string());
            }
        }
    }

    /// The next frame, or `None` when the server closed the connection.
    pub async fn next_frame(&mut self) -> Option<Message> {
        match tokio::time::timeout(STEP_TIMEOUT, self.inbox.recv()).await {
            Ok(message) => {
                if let Some(Message::Text(text)) = &message {
                    self.transcript.push(text.to_string());
                }
                message
            }
            Err(_) => panic!("no message within {STEP_TIMEOUT:?}"),
        }
    }

    /// The next message that is not a broadcast (`state`, or `access` for the MC): an answer or
    /// an error.
    pub async fn reply(&mut self) -> Value {
        loop {
            let message = self.recv().await;
            if message["type"] != "state" && message["type"] != "access" {
                return message;
            }
        }
    }

    /// Sends a command with `id` and returns the server's answer to it (`ack`, `rejected`, `error`),
    /// skipping the states that may arrive before it.
    pub async fn command(&mut self, mut message: Value, id: u64) -> Value {
        message["id"] = json!(id);
        self.send(message).await;
        self.reply().await
    }

    /// Sends a command and asserts it was acknowledged.
    pub async fn ok(&mut self, message: Value) {
        let reply = self.command(message.clone(), 1).await;
        assert_eq!(reply, json!({"type": "ack", "id": 1}), "command {message}");
    }

    /// Skips states until one satisfies `wanted`, and returns it. Fails on any message other
    /// than a state (or the MC's `access` view).
    pub async fn state_where(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = self.recv().await;
            if message["type"] == "access" {
                continue;
            }
            assert_eq!(message["type"], "state", "unexpected message {message}");
            if wanted(&message) {
                return message;
            }
        }
    }
}

/// The MC shows the next question and opens the buzzers; `team` buzzes and takes the floor.
pub async fn to_floor(control: &mut Client, team: &mut Client) {
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    team.state_where(|s| phase(s) == "open").await;
    team.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| phase(s) == "floor").await;
}

/// A ranking slide's lines as (team id, points, rank), best first.
pub fn ranking_lines(state: &Value) -> Vec<(String, i64, u64)> {
    state["slide"]["ranking"]
        .as_array()
        .expect("a ranking slide")
        .iter()
        .map(|line| {
            (
                line["team"].as_str().unwrap_or_default().to_string(),
                line["points"].as_i64().unwrap_or_default(),
                line["rank"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Replaces the clock-dependent numbers of a state so it can be compared exactly.
pub fn without_times(mut state: Value) -> Value {
    state["now_ms"] = json!("<now>");
    if let Some(buzz) = state.get_mut("buzz").filter(|b| !b.is_null()) {
        if !buzz["deadline_ms"].is_null() {
            buzz["deadline_ms"] = json!("<deadline>");
        }
        // The press evidence is all timings; tests that care look at it directly.
        buzz["buzzes"] = json!("<evidence>");
    }
    state
}

/// The phase of a state's buzz-in question.
pub fn phase(state: &Value) -> &str {
    state["buzz"]["phase"].as_str().unwrap_or("")
}

/// A plain HTTP/1.1 GET over a TCP socket (tests need no HTTP client crate): (head, body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(STEP_TIMEOUT, stream.read_to_string(&mut response))
        .await
        .expect("response in time")
        .expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_ascii_lowercase(), body.to_string())
}

/// A plain HTTP/1.1 GET of `path` with `Host: host`, for binary bodies: (head in lower case,
/// body bytes).
pub async fn http_get_bytes(addr: SocketAddr, path: &str, host: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(STEP_TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read");
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
    (head, response[end + 4..].to_vec())
}
