//! Real-time mode: the real server (`Server::start` on 127.0.0.1, port 0) with simulated phones
//! on real WebSockets, playing races in wall-clock time.
//!
//! Every phone is a WebSocket that says `hello` as its team, answers `sync` with `sync_reply` on
//! its own page clock and sends `buzz` with `pressed_at`, exactly as `join.js` does. The network
//! is injected in-process: each frame is held back by the profile's delay (the same
//! [`PhoneNet`] as the simulation, so ordering and skew are identical). All phones of a cell live
//! on one "radio" thread that holds the frames in a time-ordered queue and releases them with
//! sub-millisecond precision (a tokio timer only has 1 ms resolution): it sleeps until just
//! before the next release and spins the last 150 µs. The MC is a control socket.
//!
//! The harness is only faithful while that thread keeps time: a frame released late looks like
//! extra delay on one side only, which biases the clock estimate. Its lateness is reported with
//! every cell; on a machine busy with other work, compare with the simulation only when its p99
//! stays well under a millisecond. `FAIRNESS_DEBUG=1` prints one line per race.

use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;
use stagebuzz::journal::writer::SlowDisk;
use stagebuzz::{Config, Server};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::model::{Delay, MS, PageClock, PhoneNet, Profile, Timing, Us, uniform_us};
use crate::sim::{RaceOutcome, contest};
use crate::stats::{Tally, histogram};

/// How long any single step may take before the cell gives up (guards against a hang only).
const STEP_TIMEOUT: Duration = Duration::from_secs(20);
/// The radio thread spins instead of sleeping when a release is this close (µs).
const SPIN_US: Us = 150;
/// Teams in the real-time contest (sessions use the first 2..=8 of them).
const CONTEST_TEAMS: usize = 8;

/// One real-time cell to play.
#[derive(Clone, Debug)]
pub struct RtCell {
    /// The network.
    pub profile: Profile,
    /// Time between consecutive true presses.
    pub gap_ms: f64,
    /// Races to play.
    pub races: usize,
    /// The round's rules (`--cap-ms`, `--settle-max-ms`).
    pub rules: BuzzInRules,
    /// With a journal on disk (a fresh folder under the system's temporary one), each sync
    /// slowed down as given; `None`: in memory.
    pub journal: Option<SlowDisk>,
}

/// What a real-time cell measured.
#[derive(Debug)]
pub struct RtResult {
    /// The races, scored like the simulation's.
    pub tally: Tally,
    /// How late the radio thread released frames and presses against their due time (µs).
    pub lateness: Histogram<u32>,
    /// Wall-clock seconds the cell took.
    pub elapsed_s: f64,
}

/// What a page gets, parsed just enough.
#[derive(Clone, Debug)]
enum Frame {
    Sync { t0: f64 },
    Open { question: u64 },
    Other,
}

/// Messages to the radio thread.
enum ToRadio {
    Join {
        phone: u64,
        team: usize,
        writer: mpsc::UnboundedSender<Message>,
        net: PhoneNet,
        clock: PageClock,
    },
    Frame {
        phone: u64,
        at: Instant,
        frame: Frame,
    },
    Race {
        question: u64,
        phones: Vec<u64>,
        gap_us: Us,
        done: oneshot::Sender<RaceTruth>,
    },
    LeaveAll,
}

/// What the radio thread knows about a race once every buzz has left for the server.
#[derive(Debug)]
struct RaceTruth {
    /// True press time per team (µs since the cell epoch).
    press_us: Vec<Us>,
    /// Each buzz's injected page-to-server delay.
    uplink_us: Vec<Us>,
    /// When each team's buzz was handed to its socket (µs since the cell epoch).
    write_us: Vec<Us>,
    /// When the last buzz was handed to its socket (µs since the cell epoch).
    last_write_us: Us,
}

#[derive(Clone, Debug)]
enum Action {
    Deliver {
        phone: u64,
        frame: Frame,
    },
    SendReply {
        phone: u64,
        t0: f64,
        t1: f64,
    },
    SendBuzz {
        phone: u64,
        pressed_at: f64,
    },
    Write {
        phone: u64,
        text: String,
        buzz: bool,
    },
    Press {
        phone: u64,
    },
}

struct Item {
    at: Us,
    seq: u64,
    action: Action,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    /// Reversed: the max-heap pops the earliest release first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

struct RadioPhone {
    team: usize,
    writer: mpsc::UnboundedSender<Message>,
    net: PhoneNet,
    clock: PageClock,
}

struct RadioRace {
    question: u64,
    phones: Vec<u64>,
    gap_us: Us,
    shown: HashMap<u64, Us>,
    press_us: Vec<Us>,
    uplink_us: Vec<Us>,
    write_us: Vec<Us>,
    sent_at: HashMap<u64, Us>,
    written: usize,
    done: Option<oneshot::Sender<RaceTruth>>,
}

/// The phones of one cell and the network between them and the server.
struct Radio {
    epoch: Instant,
    rng: StdRng,
    delay: Delay,
    timing: Timing,
    phones: HashMap<u64, RadioPhone>,
    queue: BinaryHeap<Item>,
    seq: u64,
    race: Option<RadioRace>,
    lateness: Histogram<u32>,
}

impl Radio {
    fn now(&self) -> Us {
        self.epoch.elapsed().as_micros() as Us
    }

    fn push(&mut self, at: Us, action: Action) {
        self.seq += 1;
        self.queue.push(Item {
            at,
            seq: self.seq,
            action,
        });
    }

    /// Runs until the harness drops its sender; returns the release lateness.
    fn run(mut self, inbox: std_mpsc::Receiver<ToRadio>) -> Histogram<u32> {
        loop {
            let now = self.now();
            let due = self.queue.peek().map(|item| item.at);
            match due {
                Some(at) if at <= now => {
                    let item = self.queue.pop().expect("peeked");
                    self.lateness.saturating_record(now - item.at);
                    self.act(item.action, now);
                }
                Some(at) if at - now <= SPIN_US => match inbox.try_recv() {
                    Ok(message) => self.receive(message),
                    Err(std_mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
                    Err(std_mpsc::TryRecvError::Disconnected) => break,
                },
                Some(at) => {
                    let wait = Duration::from_micros(at - now - SPIN_US);
                    match inbox.recv_timeout(wait) {
                        Ok(message) => self.receive(message),
                        Err(std_mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
                None => match inbox.recv() {
                    Ok(message) => self.receive(message),
                    Err(_) => break,
                },
            }
        }
        self.lateness
    }

    fn receive(&mut self, message: ToRadio) {
        match message {
            ToRadio::Join {
                phone,
                team,
                writer,
                net,
                clock,
            } => {
                let entry = RadioPhone {
                    team,
                    writer,
                    net,
                    clock,
                };
                self.phones.insert(phone, entry);
            }
            ToRadio::Frame { phone, at, frame } => {
                let sent = at.saturating_duration_since(self.epoch).as_micros() as Us;
                let Some(p) = self.phones.get_mut(&phone) else {
                    return;
                };
                let delivered = p.net.down(&self.delay, &mut self.rng, sent);
                self.push(delivered, Action::Deliver { phone, frame });
            }
            ToRadio::Race {
                question,
                phones,
                gap_us,
                done,
            } => {
                let teams = phones.len();
                self.race = Some(RadioRace {
                    question,
                    phones,
                    gap_us,
                    shown: HashMap::new(),
                    press_us: vec![0; teams],
                    uplink_us: Vec::with_capacity(teams),
                    write_us: vec![0; teams],
                    sent_at: HashMap::new(),
                    written: 0,
                    done: Some(done),
                });
            }
            // Dropping the writers closes the sockets; frames still queued for them are dropped.
            ToRadio::LeaveAll => self.phones.clear(),
        }
    }

    fn act(&mut self, action: Action, now: Us) {
        match action {
            Action::Deliver { phone, frame } => match frame {
                Frame::Sync { t0 } => {
                    let Some(p) = self.phones.get(&phone) else {
                        return;
                    };
                    let t1 = p.clock.read(now);
                    let at = now + uniform_us(&mut self.rng, self.timing.sync_process_ms);
                    self.push(at, Action::SendReply { phone, t0, t1 });
                }
                Frame::Open { question } => self.shown(phone, question, now),
                Frame::Other => {}
            },
            Action::SendReply { phone, t0, t1 } => {
                let Some(p) = self.phones.get_mut(&phone) else {
                    return;
                };
                let t2 = p.clock.read(now);
                let text = json!({"type": "sync_reply", "t0": t0, "t1": t1, "t2": t2}).to_string();
                let delivered = p.net.up(&self.delay, &mut self.rng, now);
                let write = Action::Write {
                    phone,
                    text,
                    buzz: false,
                };
                self.push(delivered, write);
            }
            Action::Press { phone } => {
                let Some(p) = self.phones.get(&phone) else {
                    return;
                };
                // The truth is the moment the page stamps, whatever the scheduling jitter.
                let pressed_at = p.clock.read(now);
                let team = p.team;
                if let Some(race) = self.race.as_mut() {
                    race.press_us[team] = now;
                }
                let at = now + uniform_us(&mut self.rng, self.timing.press_send_ms);
                self.push(at, Action::SendBuzz { phone, pressed_at });
            }
            Action::SendBuzz { phone, pressed_at } => {
                let Some(p) = self.phones.get_mut(&phone) else {
                    return;
                };
                let text = json!({"type": "buzz", "pressed_at": pressed_at}).to_string();
                let delivered = p.net.up(&self.delay, &mut self.rng, now);
                if let Some(race) = self.race.as_mut() {
                    race.sent_at.insert(phone, now);
                }
                let write = Action::Write {
                    phone,
                    text,
                    buzz: true,
                };
                self.push(delivered, write);
            }
            Action::Write { phone, text, buzz } => {
                let Some(p) = self.phones.get(&phone) else {
                    return;
                };
                let _ = p.writer.send(Message::text(text));
                if buzz {
                    self.buzz_written(phone, now);
                }
            }
        }
    }

    /// A page shows the buzzers open; once every page does, the presses are scheduled.
    fn shown(&mut self, phone: u64, question: u64, now: Us) {
        let Some(race) = self.race.as_mut() else {
            return;
        };
        if race.question != question || !race.phones.contains(&phone) {
            return;
        }
        race.shown.entry(phone).or_insert(now);
        if race.shown.len() != race.phones.len() {
            return;
        }
        let last = race.shown.values().copied().max().unwrap_or(now);
        let first = last + uniform_us(&mut self.rng, self.timing.reaction_ms);
        let mut order = race.phones.clone();
        order.shuffle(&mut self.rng);
        let gap = race.gap_us;
        for (k, phone) in order.into_iter().enumerate() {
            self.push(first + k as Us * gap, Action::Press { phone });
        }
    }

    fn buzz_written(&mut self, phone: u64, now: Us) {
        let team = self.phones.get(&phone).map(|p| p.team);
        let Some(race) = self.race.as_mut() else {
            return;
        };
        if let (Some(team), Some(sent)) = (team, race.sent_at.get(&phone)) {
            race.uplink_us.push(now - sent);
            race.write_us[team] = now;
        }
        race.written += 1;
        if race.written == race.phones.len()
            && let Some(done) = race.done.take()
        {
            let truth = RaceTruth {
                press_us: race.press_us.clone(),
                uplink_us: race.uplink_us.clone(),
                write_us: race.write_us.clone(),
                last_write_us: now,
            };
            let _ = done.send(truth);
        }
    }
}

/// Parses what a page needs from a server frame.
fn parse_frame(text: &str) -> Frame {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Frame::Other;
    };
    match value["type"].as_str() {
        Some("sync") => value["t0"]
            .as_f64()
            .map_or(Frame::Other, |t0| Frame::Sync { t0 }),
        Some("state") if value["buzz"]["phase"] == "open" => value["question"]["number"]
            .as_u64()
            .map_or(Frame::Other, |question| Frame::Open { question }),
        _ => Frame::Other,
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The MC's control socket.
struct Mc {
    socket: Socket,
    next_id: u64,
}

impl Mc {
    async fn connect(addr: SocketAddr, token: &str) -> Result<Mc, String> {
        let (socket, _) = connect_async_with_config(format!("ws://{addr}/ws"), None, true)
            .await
            .map_err(|e| format!("control socket: {e}"))?;
        let mut mc = Mc { socket, next_id: 0 };
        mc.send(json!({"type": "hello", "role": "control", "token": token}))
            .await?;
        let welcome = mc.next_json().await?;
        if welcome["type"] != "welcome" {
            return Err(format!("control hello refused: {welcome}"));
        }
        Ok(mc)
    }

    async fn send(&mut self, message: Value) -> Result<(), String> {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .map_err(|e| format!("control send: {e}"))
    }

    async fn next_json(&mut self) -> Result<Value, String> {
        loop {
            let message = tokio::time::timeout(STEP_TIMEOUT, self.socket.next())
                .await
                .map_err(|_| "control socket silent".to_string())?
                .ok_or("control socket closed")?
                .map_err(|e| format!("control socket: {e}"))?;
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).map_err(|e| e.to_string());
            }
        }
    }

    /// Sends a command and waits for its `ack`; returns the latest `state` seen meanwhile.
    async fn command(&mut self, mut message: Value) -> Result<(), String> {
        self.next_id += 1;
        let id = self.next_id;
        message["id"] = json!(id);
        let text = message.to_string();
        self.send(message).await?;
        loop {
            let answer = self.next_json().await?;
            match answer["type"].as_str() {
                Some("ack") if answer["id"] == id => return Ok(()),
                Some("rejected") if answer["id"] == id => {
                    return Err(format!("{text} rejected: {answer}"));
                }
                _ => {}
            }
        }
    }

    /// Waits for a `state` that `done` accepts.
    async fn state_where(&mut self, done: impl Fn(&Value) -> bool) -> Result<Value, String> {
        loop {
            let message = self.next_json().await?;
            if message["type"] == "state" && done(&message) {
                return Ok(message);
            }
        }
    }
}

/// Team index of a `team-N` id.
fn team_index(id: &Value) -> Option<usize> {
    id.as_str()?
        .strip_prefix("team-")?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

/// Plays one cell against a fresh server.
pub async fn run_cell(cell: RtCell, seed: u64) -> Result<RtResult, String> {
    let rules = cell.rules.clone();
    let answer_window_ms = rules.answer_window_ms as f64;
    let data_dir = cell.journal.map(|_| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::env::temp_dir().join(format!(
            "stagebuzz-fairness-{}-{seed}-{nanos}",
            std::process::id()
        ))
    });
    let result = play_cell(cell, seed, rules, answer_window_ms, data_dir.clone()).await;
    if let Some(dir) = data_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// [`run_cell`] with its rules, journaling to `data_dir` when given.
async fn play_cell(
    cell: RtCell,
    seed: u64,
    rules: BuzzInRules,
    answer_window_ms: f64,
    data_dir: Option<std::path::PathBuf>,
) -> Result<RtResult, String> {
    let started = Instant::now();
    let questions = cell.races.max(1000) + 10;
    let server = Server::start(Config {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        contest: contest(CONTEST_TEAMS, questions, &rules),
        contest_dir: None,
        control_token: None,
        // In memory unless the cell measures a journal (and then a fresh folder).
        data_dir,
        fresh: false,
        // Room for a session's phones while the previous session's are still closing.
        phones_per_team: 4,
        // Loopback is exempt from the per-address cap; the defaults are fine.
        limits: Default::default(),
        public_hosts: Vec::new(),
        slow_disk: cell.journal.unwrap_or_default(),
    })
    .await
    .map_err(|e| format!("server start: {e}"))?;
    let addr = server.local_addr();
    assert!(
        addr.ip().is_loopback(),
        "the benchmark only talks to 127.0.0.1"
    );
    let mut mc = Mc::connect(addr, server.control_token()).await?;

    let team_counts = crate::stats::TEAM_COUNTS.count();
    let per_session = cell.races.div_ceil(team_counts).max(1);
    let timing = Timing::compressed(per_session);
    let epoch = Instant::now();
    // The server's clock is the wall clock at its start (whole ms) advanced by the same
    // monotonic clock as `epoch`, so a cell time maps onto it within a millisecond: true press
    // times can be compared with the press times the server used.
    let epoch_wall_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let (to_radio, inbox) = std_mpsc::channel();
    let radio = Radio {
        epoch,
        rng: StdRng::seed_from_u64(seed ^ 0x5ad1_0000),
        delay: cell.profile.delay.clone(),
        timing: timing.clone(),
        phones: HashMap::new(),
        queue: BinaryHeap::new(),
        seq: 0,
        race: None,
        lateness: histogram(),
    };
    let radio_thread = std::thread::spawn(move || radio.run(inbox));

    let mut rng = StdRng::seed_from_u64(seed);
    let gap_us = (cell.gap_ms * 1000.0).round() as Us;
    let mut tally = Tally::default();
    let mut next_phone = 0u64;
    let mut question = 0u64;
    let mut session = 0usize;
    let result: Result<(), String> = async {
        while (tally.races as usize) < cell.races {
            let teams = 2 + session % team_counts;
            session += 1;
            let races = per_session.min(cell.races - tally.races as usize);
            let skewed = rng.random_range(0..teams);
            let mut phones = Vec::with_capacity(teams);
            let mut tasks = Vec::new();
            for team in 0..teams {
                let phone = next_phone;
                next_phone += 1;
                let (socket, _) = connect_async_with_config(format!("ws://{addr}/ws"), None, true)
                    .await
                    .map_err(|e| format!("team socket: {e}"))?;
                let (mut sink, mut stream) = socket.split();
                let team_id = format!("team-{}", team + 1);
                let code = server.join_code(&team_id).unwrap_or_default();
                let hello = json!({"type": "hello", "role": "team", "team": team_id, "code": code});
                sink.send(Message::text(hello.to_string()))
                    .await
                    .map_err(|e| format!("team hello: {e}"))?;
                let (writer, mut outgoing) = mpsc::unbounded_channel::<Message>();
                let join = ToRadio::Join {
                    phone,
                    team,
                    writer,
                    net: PhoneNet::new(&cell.profile, team == skewed),
                    clock: PageClock::random(&mut rng),
                };
                to_radio.send(join).map_err(|_| "radio thread gone")?;
                tasks.push(tokio::spawn(async move {
                    while let Some(message) = outgoing.recv().await {
                        if sink.send(message).await.is_err() {
                            break;
                        }
                    }
                    let _ = sink.close().await;
                }));
                let frames = to_radio.clone();
                tasks.push(tokio::spawn(async move {
                    while let Some(Ok(message)) = stream.next().await {
                        let at = Instant::now();
                        if let Message::Text(text) = message {
                            let frame = parse_frame(text.as_str());
                            if frames.send(ToRadio::Frame { phone, at, frame }).is_err() {
                                break;
                            }
                        }
                    }
                }));
                phones.push(phone);
            }
            tokio::time::sleep(Duration::from_secs_f64(timing.lobby_ms / 1000.0)).await;

            for _ in 0..races {
                question += 1;
                mc.command(json!({"type": "show_next_question"})).await?;
                let reading = uniform_us(&mut rng, timing.reading_ms);
                tokio::time::sleep(Duration::from_micros(reading)).await;
                let (done, truth) = oneshot::channel();
                let race = ToRadio::Race {
                    question,
                    phones: phones.clone(),
                    gap_us,
                    done,
                };
                to_radio.send(race).map_err(|_| "radio thread gone")?;
                mc.command(json!({"type": "open_buzzers"})).await?;
                let decided = tokio::time::timeout(
                    STEP_TIMEOUT,
                    mc.state_where(|s| {
                        s["question"]["number"] == question
                            && matches!(s["buzz"]["phase"].as_str(), Some("floor" | "closed"))
                    }),
                )
                .await
                .map_err(|_| "no verdict in time".to_string())??;
                let truth = tokio::time::timeout(STEP_TIMEOUT, truth)
                    .await
                    .map_err(|_| "presses not done in time".to_string())?
                    .map_err(|_| "radio thread dropped the race")?;
                // Every buzz has reached the server (loopback takes well under 30 ms).
                let settled = epoch + Duration::from_micros(truth.last_write_us + 30 * MS);
                tokio::time::sleep_until(settled.into()).await;
                tally.add(&score(&decided, &truth, answer_window_ms, epoch_wall_ms));

                let answer = uniform_us(&mut rng, timing.answer_ms);
                tokio::time::sleep(Duration::from_micros(answer)).await;
                match decided["buzz"]["phase"].as_str() {
                    Some("floor") => {
                        mc.command(json!({"type": "judge", "verdict": "correct"}))
                            .await?;
                    }
                    _ => {
                        let _ = mc.command(json!({"type": "lock_buzzers"})).await;
                        let _ = mc.command(json!({"type": "reveal_answer"})).await;
                    }
                }
                let pause = uniform_us(&mut rng, timing.break_ms);
                tokio::time::sleep(Duration::from_micros(pause)).await;
            }
            to_radio
                .send(ToRadio::LeaveAll)
                .map_err(|_| "radio thread gone")?;
            for task in tasks {
                let _ = tokio::time::timeout(STEP_TIMEOUT, task).await;
            }
        }
        Ok(())
    }
    .await;
    drop(to_radio);
    let lateness = radio_thread
        .join()
        .map_err(|_| "radio thread panicked".to_string())?;
    server.shutdown().await;
    result?;
    Ok(RtResult {
        tally,
        lateness,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}

/// Scores one real-time race from the control page's verdict state and the radio's truth.
fn score(
    decided: &Value,
    truth: &RaceTruth,
    answer_window_ms: f64,
    epoch_wall_ms: f64,
) -> RaceOutcome {
    let buzz = &decided["buzz"];
    let race = buzz["race"].as_u64();
    // (team, arrived_ms, close, clamped early, press_ms)
    let records: Vec<(usize, f64, bool, bool, f64)> = buzz["buzzes"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|b| b["race"].as_u64() == race)
                .filter_map(|b| {
                    let team = team_index(&b["team"])?;
                    let arrived = b["arrived_ms"].as_f64()?;
                    let press = b["press_ms"].as_f64()?;
                    Some((
                        team,
                        arrived,
                        b["close"] == true,
                        b["clamp"] == "early",
                        press,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let winner = (0..truth.press_us.len())
        .min_by_key(|&i| (truth.press_us[i], i))
        .expect("at least one team");
    let floor = team_index(&buzz["floor"]);
    // The first arrival always enters the race (the buzzers are open), so it is in the records.
    let first = records
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|r| (r.0, r.1));
    // `deadline_ms` is whole ms: the award is within the ms before it (+0.5 ms on average).
    let award_ms = buzz["deadline_ms"]
        .as_f64()
        .filter(|_| floor.is_some())
        .map(|deadline| deadline - answer_window_ms + 0.5);
    let false_start = buzz["false_starts"]
        .as_array()
        .is_some_and(|all| all.iter().any(|f| team_index(&f["team"]) == Some(winner)));
    // How far each press was placed from the truth, on the server's clock (within the
    // ±0.5 ms of the server clock's whole-ms start).
    let server_ms = |cell_us: Us| epoch_wall_ms + cell_us as f64 / 1000.0 - 0.5;
    let press_error_us: Vec<i64> = records
        .iter()
        .filter(|r| r.0 < truth.press_us.len())
        .map(|r| ((server_ms(truth.press_us[r.0]) - r.4) * 1000.0).round() as i64)
        .collect();
    if std::env::var_os("FAIRNESS_DEBUG").is_some() {
        // One line per race, to see where a wrong verdict came from: each buzz's press error, how
        // long the server took to see it after the harness handed it over (≈ 0 ± the 0.5 ms of
        // the clock mapping), and the best round trip and clamp of its claim.
        let arrival_lag: Vec<f64> = records
            .iter()
            .map(|r| r.1 - server_ms(truth.write_us[r.0]))
            .collect();
        let claims: Vec<String> = buzz["buzzes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["race"].as_u64() == race)
            .map(|b| format!("{}:rtt {}:{}", b["team"], b["round_trip_ms"], b["clamp"]))
            .collect();
        eprintln!(
            "race: winner {winner} floor {floor:?} press errors {press_error_us:?} us, \
             arrival lag {arrival_lag:?} ms, claims {claims:?}"
        );
    }
    RaceOutcome {
        teams: truth.press_us.len(),
        correct: floor == Some(winner),
        press_error_us,
        arrival_correct: first.is_some_and(|(team, _)| team == winner),
        decided: floor.is_some(),
        verdict_delay_us: award_ms
            .zip(first)
            .map(|(award, (_, arrived))| ((award - arrived).max(0.0) * 1000.0) as u64),
        lost_to_tail: floor.is_some() && !false_start && !records.iter().any(|r| r.0 == winner),
        winner_false_start: false_start,
        winner_clamped_early: records.iter().any(|r| r.0 == winner && r.3),
        close: records.iter().any(|r| r.2),
        settle_us: None,
        uplink_us: truth.uplink_us.clone(),
        cheater: None,
    }
}
