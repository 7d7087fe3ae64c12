//! Lockout benchmark: can one device in the hall lock the others out?
//!
//! ```text
//! cargo build --release          # the bench starts the real server binary, build it first
//! cargo run --release --bin lockout -- [--held N] [--guess-seconds S]
//! ```
//!
//! Starts the real `stagebuzz` binary (next to this executable, or `--server-bin`) on 127.0.0.1
//! with a fresh data directory and the per-address limits applied to loopback too, so that each
//! 127.x.y.z address stands for one device. Then:
//!
//! 1. four phones join and buzz with nothing else connected (the baseline);
//! 2. N connections are held open from 127.1.x.1 addresses (each its whole per-address share):
//!    half send nothing, half drip a request head one byte every 100 ms. Meanwhile four more phones
//!    join, a page is loaded and the phones buzz; then it measures when the server closed each
//!    held connection;
//! 3. one address guesses join codes as fast as it can, on one socket after another, then on 16
//!    at once: how many guesses the server compares (`bad_code`) per second and how many it holds
//!    back unread (`throttled`); during the second, four phones join, a page loads and a buzz is
//!    decided.
//!
//! A human summary goes to stderr and one JSON line to stdout. Loopback only.

#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{WebSocketStream, client_async};

/// Measures whether idle, slow and guessing devices can lock a hall out of the real server.
#[derive(Parser, Debug)]
struct Cli {
    /// Connections held open from other addresses (half silent, half slow).
    #[arg(long, default_value_t = 2_000)]
    held: usize,
    /// Seconds of join-code guessing from one address (per mode).
    #[arg(long, default_value_t = 10)]
    guess_seconds: u64,
    /// The server binary to measure (default: `stagebuzz` next to this program).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// The server binary predates `--limit-loopback` (a build from before the limits).
    #[arg(long)]
    old_server: bool,
}

/// Connections one address may hold (the server's default `--max-connections-per-ip`).
const PER_ADDRESS: usize = 32;
/// How long a held connection may stay open before the bench stops waiting for its close.
const HELD_LIMIT: Duration = Duration::from_secs(60);
/// Bound on any single expected answer.
const STEP: Duration = Duration::from_secs(20);

type Socket = WebSocketStream<TcpStream>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("cannot raise the open-files limit: {error}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("lockout: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("lockout: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The server child process; killed when dropped.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn start_server(cli: &Cli) -> Result<ServerProcess, String> {
    let bin = match &cli.server_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("stagebuzz"),
    };
    let data_dir = std::env::temp_dir().join(format!("stagebuzz-lockout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut command = Command::new(&bin);
    command
        .args(["--bind", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(&data_dir)
        .env("RUST_LOG", "stagebuzz=error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if !cli.old_server {
        command.arg("--limit-loopback");
    }
    let mut child = command.spawn().map_err(|e| {
        format!(
            "cannot start {}: {e} (cargo build --release first)",
            bin.display()
        )
    })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            let url = line.split("http://").nth(1)?;
            url.split('/').next()?.parse::<SocketAddr>().ok()
        })
        .ok_or("the server printed no address")?;
    std::thread::spawn(move || lines.for_each(drop));
    if !addr.ip().is_loopback() {
        return Err("the benchmark only talks to loopback".into());
    }
    Ok(ServerProcess {
        child,
        addr,
        data_dir,
    })
}

fn loopback(b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, b, c, d))
}

async fn connect_from(server: SocketAddr, source: IpAddr) -> Result<TcpStream, String> {
    let socket = TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(SocketAddr::new(source, 0))
        .map_err(|e| e.to_string())?;
    let stream = tokio::time::timeout(STEP, socket.connect(server))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

async fn websocket_from(server: SocketAddr, source: IpAddr) -> Result<Socket, String> {
    let stream = connect_from(server, source).await?;
    let (socket, _) = tokio::time::timeout(STEP, client_async(format!("ws://{server}/ws"), stream))
        .await
        .map_err(|_| "upgrade timed out".to_string())?
        .map_err(|e| e.to_string())?;
    Ok(socket)
}

/// The next JSON message that is not a clock ping (answered) or a broadcast.
async fn reply(socket: &mut Socket) -> Result<Value, String> {
    loop {
        let frame = tokio::time::timeout(STEP, socket.next())
            .await
            .map_err(|_| "no answer in time".to_string())?;
        let Some(Ok(Message::Text(text))) = frame else {
            return Err(format!("socket ended: {frame:?}"));
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        match value["type"].as_str() {
            Some("sync") => {
                let answer = json!({"type": "sync_reply", "t0": value["t0"], "t1": 0.0, "t2": 0.0});
                let _ = socket.send(Message::text(answer.to_string())).await;
            }
            Some("state" | "access") => {}
            _ => return Ok(value),
        }
    }
}

/// The first `state` satisfying `wanted`.
async fn state_where(
    socket: &mut Socket,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Value, String> {
    loop {
        let frame = tokio::time::timeout(STEP, socket.next())
            .await
            .map_err(|_| "no state in time".to_string())?;
        let Some(Ok(Message::Text(text))) = frame else {
            return Err(format!("socket ended: {frame:?}"));
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if value["type"] == "sync" {
            let answer = json!({"type": "sync_reply", "t0": value["t0"], "t1": 0.0, "t2": 0.0});
            let _ = socket.send(Message::text(answer.to_string())).await;
        } else if value["type"] == "state" && wanted(&value) {
            return Ok(value);
        }
    }
}

async fn send(socket: &mut Socket, message: Value) -> Result<(), String> {
    socket
        .send(Message::text(message.to_string()))
        .await
        .map_err(|e| e.to_string())
}

/// The MC's socket, and the join codes it is shown.
async fn control(server: &ServerProcess) -> Result<(Socket, Vec<(String, String)>), String> {
    let token = std::fs::read_to_string(server.data_dir.join("control-token"))
        .map_err(|e| format!("control token: {e}"))?;
    let mut socket = websocket_from(server.addr, loopback(0, 0, 1)).await?;
    send(
        &mut socket,
        json!({"type": "hello", "role": "control", "token": token.trim()}),
    )
    .await?;
    loop {
        let frame = tokio::time::timeout(STEP, socket.next())
            .await
            .map_err(|_| "no access view".to_string())?;
        let Some(Ok(Message::Text(text))) = frame else {
            return Err("control socket ended".into());
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if value["type"] == "access" {
            let codes = value["teams"]
                .as_array()
                .ok_or("no teams")?
                .iter()
                .map(|t| {
                    (
                        t["id"].as_str().unwrap_or_default().to_string(),
                        t["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            return Ok((socket, codes));
        }
    }
}

/// Joins a phone per team from `first_source..`: (sockets, slowest join in ms).
async fn join_phones(
    server: SocketAddr,
    codes: &[(String, String)],
    first: u8,
) -> Result<(Vec<Socket>, f64), String> {
    let mut phones = Vec::new();
    let mut slowest = 0f64;
    for (n, (team, code)) in codes.iter().enumerate() {
        let start = Instant::now();
        let mut phone = websocket_from(server, loopback(0, 0, first + n as u8)).await?;
        send(
            &mut phone,
            json!({"type": "hello", "role": "team", "team": team, "code": code}),
        )
        .await?;
        let welcome = reply(&mut phone).await?;
        if welcome["type"] != "welcome" {
            return Err(format!("phone refused: {welcome}"));
        }
        slowest = slowest.max(ms(start.elapsed()));
        phones.push(phone);
    }
    Ok((phones, slowest))
}

/// One buzz-in question: show, open, every phone buzzes; ms from the buzzes to the floor on the MC.
async fn buzz_round(mc: &mut Socket, phones: &mut [Socket]) -> Result<f64, String> {
    for command in ["show_next_question", "open_buzzers"] {
        send(mc, json!({"type": command, "id": 1})).await?;
        let answer = reply(mc).await?;
        if answer["type"] != "ack" {
            return Err(format!("{command}: {answer}"));
        }
    }
    for phone in phones.iter_mut() {
        state_where(phone, |s| s["buzz"]["phase"] == "open").await?;
    }
    let start = Instant::now();
    for phone in phones.iter_mut() {
        send(phone, json!({"type": "buzz", "id": 2})).await?;
    }
    state_where(mc, |s| s["buzz"]["phase"] == "floor").await?;
    let took = ms(start.elapsed());
    // Close the question for the next round.
    send(mc, json!({"type": "judge", "verdict": "correct", "id": 3})).await?;
    let answer = reply(mc).await?;
    if answer["type"] != "ack" {
        return Err(format!("judge: {answer}"));
    }
    Ok(took)
}

/// A GET from `source`: (status line, ms).
async fn page_load(server: SocketAddr, source: IpAddr) -> Result<(String, f64), String> {
    let start = Instant::now();
    let mut stream = connect_from(server, source).await?;
    let request = format!("GET / HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    tokio::time::timeout(STEP, stream.read_to_end(&mut response))
        .await
        .map_err(|_| "page load timed out".to_string())?
        .map_err(|e| e.to_string())?;
    let status = String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    Ok((status, ms(start.elapsed())))
}

/// Holds `stream` until the server closes it; the time from `since` (`None`: still open).
async fn until_closed(mut stream: TcpStream, since: Instant, drip: bool) -> Option<f64> {
    let (mut read, mut write) = stream.split();
    let mut buf = [0u8; 512];
    let closed = async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    let dripping = async {
        if !drip {
            return std::future::pending::<()>().await;
        }
        let head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ";
        for byte in head.iter().chain(std::iter::repeat(&b'b')) {
            if write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let ended = async {
        tokio::pin!(closed);
        tokio::select! {
            () = dripping => closed.await,
            () = &mut closed => {}
        }
    };
    tokio::time::timeout(HELD_LIMIT, ended)
        .await
        .ok()
        .map(|()| ms(since.elapsed()))
}

/// Wrong-code `hello`s from one address for `seconds`, on `parallel` sockets at a time:
/// (compared per second, held back per second, other outcomes).
async fn guess(server: SocketAddr, team: String, parallel: usize, seconds: u64) -> (f64, f64, u64) {
    let compared = Arc::new(AtomicU64::new(0));
    let held_back = Arc::new(AtomicU64::new(0));
    let other = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let source = loopback(0, 9, 9);
    let tasks: Vec<_> = (0..parallel)
        .map(|n| {
            let (compared, held_back, other) = (compared.clone(), held_back.clone(), other.clone());
            let team = team.clone();
            tokio::spawn(async move {
                let mut guess = n as u64;
                while Instant::now() < deadline {
                    guess += parallel as u64;
                    let outcome = async {
                        let mut socket = websocket_from(server, source).await?;
                        let code = format!("{:07}", guess % 10_000_000)
                            .replace(['0', '1', '2', '5', '8'], "A");
                        send(
                            &mut socket,
                            json!({"type": "hello", "role": "team", "team": team, "code": code}),
                        )
                        .await?;
                        reply(&mut socket).await
                    };
                    match outcome.await {
                        Ok(answer) if answer["code"] == "bad_code" => {
                            compared.fetch_add(1, Ordering::Relaxed)
                        }
                        Ok(answer) if answer["code"] == "throttled" => {
                            held_back.fetch_add(1, Ordering::Relaxed)
                        }
                        _ => other.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let seconds = seconds as f64;
    (
        compared.load(Ordering::Relaxed) as f64 / seconds,
        held_back.load(Ordering::Relaxed) as f64 / seconds,
        other.load(Ordering::Relaxed),
    )
}

fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e4).round() / 10.0
}

async fn run(cli: Cli) -> Result<String, String> {
    let server = start_server(&cli)?;
    let addr = server.addr;
    let (mut mc, codes) = control(&server).await?;
    eprintln!("server on {addr}, {} teams", codes.len());

    // 1. Baseline.
    let (mut phones, join_baseline) = join_phones(addr, &codes, 10).await?;
    let buzz_baseline = buzz_round(&mut mc, &mut phones).await?;
    let (_, page_baseline) = page_load(addr, loopback(0, 0, 30)).await?;
    eprintln!(
        "baseline: join {join_baseline} ms, buzz to floor {buzz_baseline} ms, page {page_baseline} ms"
    );

    // 2. Held connections.
    let opened = Instant::now();
    let mut held = Vec::new();
    let mut refused = 0usize;
    for n in 0..cli.held {
        let source = loopback(
            1,
            (n / PER_ADDRESS) as u8,
            1 + (n / (PER_ADDRESS * 256)) as u8,
        );
        match connect_from(addr, source).await {
            Ok(stream) => held.push(tokio::spawn(until_closed(stream, opened, n % 2 == 1))),
            Err(_) => refused += 1,
        }
    }
    eprintln!(
        "{} connections held from {} addresses ({refused} not connected)",
        held.len(),
        cli.held.div_ceil(PER_ADDRESS)
    );
    drop(phones);
    let (mut phones, join_held) = join_phones(addr, &codes, 40).await?;
    let (status, page_held) = page_load(addr, loopback(0, 0, 31)).await?;
    let buzz_held = buzz_round(&mut mc, &mut phones).await?;
    eprintln!(
        "while held: join {join_held} ms, page {page_held} ms ({status}), buzz to floor {buzz_held} ms"
    );
    let (mut silent, mut slow, mut open) = (Vec::new(), Vec::new(), 0);
    for (n, task) in held.into_iter().enumerate() {
        match task.await.ok().flatten() {
            Some(closed) if n % 2 == 0 => silent.push(closed),
            Some(closed) => slow.push(closed),
            None => open += 1,
        }
    }
    let range = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (
            v.first().copied().unwrap_or(f64::NAN),
            v.last().copied().unwrap_or(f64::NAN),
        )
    };
    let (silent_first, silent_last) = range(&mut silent);
    let (slow_first, slow_last) = range(&mut slow);
    eprintln!(
        "closed by the server: silent {silent_first}–{silent_last} ms, slow {slow_first}–{slow_last} ms after opening; {open} still open after {} s",
        HELD_LIMIT.as_secs()
    );

    // 3. Guessing.
    let team = codes
        .first()
        .map(|(team, _)| team.clone())
        .unwrap_or_default();
    let (compared_1, held_back_1, other_1) = guess(addr, team.clone(), 1, cli.guess_seconds).await;
    eprintln!(
        "guessing on 1 socket at a time: {compared_1:.2} compared/s, {held_back_1:.1} held back/s ({other_1} other)"
    );
    // The hall meanwhile: new phones join, a page loads, a buzz is decided.
    let guessing = tokio::spawn(guess(addr, team, 16, cli.guess_seconds));
    tokio::time::sleep(Duration::from_secs(cli.guess_seconds) / 2).await;
    drop(phones);
    let (mut phones, join_guessing) = join_phones(addr, &codes, 60).await?;
    let (_, page_guessing) = page_load(addr, loopback(0, 0, 32)).await?;
    let buzz_guessing = buzz_round(&mut mc, &mut phones).await?;
    let (compared_16, held_back_16, other_16) = guessing.await.map_err(|e| e.to_string())?;
    eprintln!(
        "guessing on 16 sockets: {compared_16:.2} compared/s, {held_back_16:.1} held back/s ({other_16} other)"
    );
    eprintln!(
        "while guessing: join {join_guessing} ms, page {page_guessing} ms, buzz to floor {buzz_guessing} ms"
    );

    Ok(json!({
        "bench": "lockout",
        "held": cli.held,
        "baseline": {"join_ms": join_baseline, "buzz_to_floor_ms": buzz_baseline, "page_ms": page_baseline},
        "while_held": {"join_ms": join_held, "buzz_to_floor_ms": buzz_held, "page_ms": page_held, "page_status": status},
        "closed_after_ms": {"silent": [silent_first, silent_last], "slow": [slow_first, slow_last], "still_open": open},
        "guesses_per_second_one_address": {
            "one_socket": {"compared": compared_1, "held_back": held_back_1},
            "sixteen_sockets": {"compared": compared_16, "held_back": held_back_16},
        },
        "while_guessing": {"join_ms": join_guessing, "buzz_to_floor_ms": buzz_guessing, "page_ms": page_guessing},
    })
    .to_string())
}
