//! Hall benchmark: does a hall of ~19 000 audience sockets fit on one laptop?
//!
//! ```text
//! cargo build --release          # the bench starts the real server binary, build it first
//! cargo run --release --bin hall -- [--sockets N] [--changes K]
//! ```
//!
//! Starts the real `stagebuzz` binary (found next to this executable, i.e. `target/release/`) as a
//! child process on 127.0.0.1 with a fresh data directory and kills it at the end, also on error
//! or Ctrl-C. Then:
//!
//! 1. measures the server's memory (VmRSS) idle, then with N audience (`screen`) sockets opened
//!    from this process in batches, each read by a task of its own;
//! 2. lets a control socket make K score changes (+1 each, so the score names the change) and
//!    measures for each how long it takes from the `ack` until the last socket has a state with
//!    it (the fan-out), and per socket from the command to its state. A socket may skip to a later
//!    state by design; skips are counted. A probe socket on a thread of its own measures how long
//!    the server takes to answer one message while a fan-out runs (a team's buzz waits the same);
//! 3. connects one phone per team that answers clock-sync pings and watches the hall with no
//!    command: how many states the audience gets and what that costs;
//! 4. checks that a new screen socket still gets the latest state.
//!
//! A human summary goes to stderr and one JSON line to stdout. Everything runs on this one
//! machine: the clients compete with the server for the CPU, loopback writes charge the server
//! with the receiving side's kernel work too, and the kernel figures hold both ends. The numbers
//! are an upper bound for the server's own work, not a model of a Wi-Fi hall.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// Measures memory and state fan-out of the real server holding a hall of audience sockets.
#[derive(Parser, Debug)]
struct Cli {
    /// Audience sockets to open.
    #[arg(long, default_value_t = 19_000)]
    sockets: usize,
    /// Score changes whose fan-out is measured.
    #[arg(long, default_value_t = 20)]
    changes: u32,
    /// Sockets opened at once.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Source addresses 127.0.0.1, 127.0.0.2, … to spread the client sockets over; by default
    /// as few as the local port range needs.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=250))]
    sources: Option<u8>,
    /// Worker threads of this (client) process. One leaves the server most of a 2-core laptop,
    /// as in a real hall where the clients are phones.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Seconds to watch the hall with one phone per team connected and answering clock-sync
    /// pings, as during a show, but no command (0 skips it).
    #[arg(long, default_value_t = 10)]
    team_seconds: u64,
    /// The server binary; by default `stagebuzz` next to this executable.
    #[arg(long)]
    server: Option<PathBuf>,
}

/// How long one socket may take to connect and get its first state.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one change may take to reach every socket before it is counted as missed.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(30);
/// Quiet time between changes, so that each fan-out is measured on its own.
const PAUSE: Duration = Duration::from_millis(200);
/// File descriptors this process needs besides its sockets (runtime, pipes, control socket).
const SPARE_FDS: u64 = 64;
/// Local ports per source address left for everything else on the machine.
const SPARE_PORTS: usize = 2_000;
/// Kernel pages are assumed to be 4 KiB for `/proc/net/sockstat` (x86-64 and most ARM laptops).
const PAGE_BYTES: u64 = 4096;

const SCREEN_HELLO: &str = r#"{"type":"hello","role":"screen"}"#;

type Ws = WebSocketStream<TcpStream>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hall: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Ctrl-C drops `run`, and with it the guard that kills the server and removes its data.
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run(&cli) => outcome,
            _ = tokio::signal::ctrl_c() => Err("interrupted".to_string()),
        }
    });
    // Do not wait for the audience tasks: after an error they are still reading.
    runtime.shutdown_background();
    match outcome {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("hall: {error}");
            println!("{}", json!({ "sockets": cli.sockets, "error": error }));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli) -> Result<Value, String> {
    let n = cli.sockets;
    let changes = cli.changes as usize;
    let epoch = Instant::now();
    // Other work on the machine shows up as latency here; the load says how much there was.
    let load_before = load_average();

    // Plan ports before starting anything, so that an impossible N fails with a clear reason.
    let ports = local_port_count();
    let per_source = ports.saturating_sub(SPARE_PORTS).max(1);
    let sources = match cli.sources {
        Some(sources) => usize::from(sources),
        None => n.div_ceil(per_source).max(1),
    };
    if sources > 250 {
        return Err(format!(
            "{n} sockets need {sources} source addresses of {per_source} local ports each; \
             widen net.ipv4.ip_local_port_range or open fewer sockets"
        ));
    }
    if n > sources * per_source {
        return Err(format!(
            "{n} sockets need more local ports than {sources} source address(es) × {per_source} \
             usable ports (ip_local_port_range has {ports}); pass --sources {}",
            n.div_ceil(per_source)
        ));
    }

    let needed_fds = n as u64 + SPARE_FDS;
    #[cfg(unix)]
    let hard_fds = rlimit::Resource::NOFILE
        .get()
        .map_or(u64::MAX, |(_, hard)| hard);
    // No per-process hard limit on open sockets to check elsewhere.
    #[cfg(not(unix))]
    let hard_fds = u64::MAX;
    if hard_fds < needed_fds {
        return Err(format!(
            "{n} sockets need about {needed_fds} open files in the bench (and as many in the \
             server), but the hard limit is {hard_fds}; raise it (ulimit -Hn, \
             /etc/security/limits.conf) or pass --sockets {}",
            hard_fds.saturating_sub(SPARE_FDS)
        ));
    }

    // The server starts before this process raises its own limit, so that it inherits the
    // shell's limit and has to raise its own (as it does when started by hand).
    let mut server = ServerProcess::start(cli, n)?;
    let pid = server.pid();
    eprintln!(
        "server pid {pid} on 127.0.0.1:{}, open-files limit {}",
        server.port,
        nofile_of(pid).map_or("?".into(), |l| l.to_string())
    );
    let server_nofile = nofile_of(pid);
    if let Some(limit) = server_nofile
        && limit < needed_fds
    {
        eprintln!(
            "WARNING: the server may open only {limit} files but needs about {needed_fds} for \
             {n} sockets; expect refused connections"
        );
    }
    let bench_nofile = rlimit::increase_nofile_limit(u64::MAX)
        .map_err(|e| format!("cannot read or raise this process's open-files limit: {e}"))?;
    if bench_nofile < needed_fds {
        return Err(format!(
            "{n} sockets need about {needed_fds} open files in the bench, but it could raise its \
             limit only to {bench_nofile}; pass --sockets {}",
            bench_nofile.saturating_sub(SPARE_FDS)
        ));
    }

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_kb(&pid.to_string());
    let kernel_before = kernel_tcp_kb();
    let slab_before = socket_slab_kb();
    eprintln!(
        "idle server RSS {:.1} MB; opening {n} sockets from {sources} source address(es), {} at a time",
        mb(rss_before),
        cli.batch
    );

    // The control socket puts a question on stage first, so the audience's states are the size
    // they are during a show (question text and buzz state included).
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, server.port));
    let mut control = Control::connect(addr, &server.token).await?;
    let first = control.state.clone();
    let team = first["teams"][0]["id"]
        .as_str()
        .ok_or("the state names no team")?
        .to_string();
    let base = score_in(&first, &team).ok_or("the state has no score for the first team")?;
    control
        .command(json!({"type": "show_next_question"}))
        .await?;

    let shared = Arc::new(Shared::new(n, changes, &team, epoch));
    let connect_started = Instant::now();
    let mut tasks: Vec<JoinHandle<()>> = Vec::with_capacity(n);
    let mut connected_mask = vec![false; n];
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut next_report = 2_000;
    let mut start = 0;
    while start < n {
        let end = (start + cli.batch.max(1)).min(n);
        let mut ready = Vec::with_capacity(end - start);
        for index in start..end {
            let (tx, rx) = oneshot::channel();
            let source = Ipv4Addr::new(127, 0, 0, 1 + (index % sources) as u8);
            tasks.push(tokio::spawn(audience(
                index,
                addr,
                source,
                shared.clone(),
                tx,
            )));
            ready.push(rx);
        }
        let outcomes = futures_util::future::join_all(ready).await;
        let mut batch_ok = 0;
        for (offset, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(Ok(())) => {
                    connected_mask[start + offset] = true;
                    batch_ok += 1;
                }
                Ok(Err(reason)) => *errors.entry(reason).or_default() += 1,
                Err(_) => *errors.entry("task ended".into()).or_default() += 1,
            }
        }
        start = end;
        if start >= next_report || start == n {
            next_report += 2_000;
            eprintln!(
                "  {start}/{n} tried, {} connected, {:.1} s, server RSS {:.1} MB",
                connected_mask.iter().filter(|c| **c).count(),
                connect_started.elapsed().as_secs_f64(),
                mb(rss_kb(&pid.to_string()))
            );
        }
        if batch_ok == 0 {
            eprintln!("  a whole batch failed: stopping here");
            break;
        }
    }
    let connect_seconds = connect_started.elapsed().as_secs_f64();
    let connected = connected_mask.iter().filter(|c| **c).count();
    shared.connected.store(connected, Ordering::Release);
    for (reason, count) in &errors {
        eprintln!("  {count} socket(s) failed: {reason}");
    }
    if connected == 0 {
        return Err(format!("no audience socket connected: {errors:?}"));
    }

    // Let the last writes and frees settle before reading memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_with = rss_kb(&pid.to_string());
    let kernel_with = kernel_tcp_kb();
    let slab_with = socket_slab_kb();
    let bench_rss = rss_kb("self");
    let per_socket_kb = rss_with.saturating_sub(rss_before) as f64 / connected as f64;
    eprintln!(
        "{connected} sockets connected in {connect_seconds:.1} s; server RSS {:.1} → {:.1} MB \
         ({per_socket_kb:.2} KiB a socket); bench RSS {:.1} MB; kernel, both ends: TCP buffers \
         {:.1} → {:.1} MB, socket structures {} → {} MB",
        mb(rss_before),
        mb(rss_with),
        mb(bench_rss),
        mb(kernel_before),
        mb(kernel_with),
        slab_before.map_or("?".into(), |kb| format!("{:.1}", mb(kb))),
        slab_with.map_or("?".into(), |kb| format!("{:.1}", mb(kb))),
    );

    // The changes: score +1 each time, so the score tells which change a state reflects.
    let probe = Probe::start(addr, &server.token)?;
    let cpu_before = cpu_ms(pid);
    let mut sent_ns = Vec::with_capacity(changes);
    let mut acked_ns = Vec::with_capacity(changes);
    let mut probe_idle = Vec::with_capacity(changes);
    let mut probe_busy = Vec::with_capacity(changes);
    let mut incomplete = 0;
    for k in 1..=changes {
        probe_idle.push(probe.round_trip().await?);
        let sent = shared.now_ns();
        control
            .command(json!({
                "type": "adjust_score",
                "team": team,
                "delta": 1,
                "reason": format!("hall benchmark change {k}"),
            }))
            .await?;
        let acked = shared.now_ns();
        sent_ns.push(sent);
        acked_ns.push(acked);
        // The state is being fanned out now (the owner publishes before it acks).
        probe_busy.push(probe.round_trip().await?);
        if !shared.wait_all(k, FANOUT_TIMEOUT).await {
            incomplete += 1;
        }
        tokio::time::sleep(PAUSE).await;
    }
    let cpu_after = cpu_ms(pid);

    // Per change: ack → last socket; per socket: command sent → its state.
    let mut fanout = Vec::with_capacity(changes);
    let mut fanout_from_send = Vec::with_capacity(changes);
    let mut ack = Vec::with_capacity(changes);
    let mut delivery = Vec::with_capacity(connected * changes);
    let mut missed = 0u64;
    for k in 0..changes {
        let mut last = None::<u64>;
        for (socket, _) in connected_mask.iter().enumerate().filter(|(_, c)| **c) {
            match shared.arrived[socket * changes + k].load(Ordering::Acquire) {
                0 => missed += 1,
                at => {
                    last = Some(last.map_or(at, |l| l.max(at)));
                    delivery.push(ms_between(sent_ns[k], at));
                }
            }
        }
        ack.push(ms_between(sent_ns[k], acked_ns[k]));
        if let Some(last) = last {
            fanout.push(ms_between(acked_ns[k], last));
            fanout_from_send.push(ms_between(sent_ns[k], last));
        }
    }
    for (k, ms) in fanout.iter().enumerate() {
        eprintln!(
            "  change {:>2}: ack {:>6.2} ms, ack → last socket {ms:>7.1} ms",
            k + 1,
            ack[k]
        );
    }
    let skipped = shared.skipped.load(Ordering::Acquire);

    let with_teams = if cli.team_seconds > 0 {
        with_team_phones(
            addr,
            pid,
            &mut control,
            &shared,
            &probe,
            Duration::from_secs(cli.team_seconds),
        )
        .await?
    } else {
        Value::Null
    };
    let disconnected = shared.disconnected.load(Ordering::Acquire);

    // Still healthy: a new screen gets the latest state.
    let expected = base + changes as i64;
    let healthy_socket = tokio::time::timeout(Duration::from_secs(10), async {
        let mut ws = open_socket(addr, Ipv4Addr::LOCALHOST, SCREEN_HELLO).await?;
        first_state_score(&mut ws, &shared.pattern).await
    })
    .await;
    let alive = server.alive();
    let healthy_after = alive && matches!(healthy_socket, Ok(Ok((score, _))) if score == expected);
    if !healthy_after {
        eprintln!(
            "NOT healthy after the run: server alive {alive}, new socket {healthy_socket:?} (score {expected} expected)"
        );
    }
    let rss_after = rss_kb(&pid.to_string());
    let rss_peak = status_kb(&pid.to_string(), "VmHWM:");
    let bench_peak = status_kb("self", "VmHWM:");
    let server_warnings = server.log_lines.load(Ordering::Acquire);

    // Kill the server before the clients go, so their closing does not fill its log.
    drop(server);
    for task in &tasks {
        task.abort();
    }

    let changes_ms = |values: &mut [f64]| {
        values.sort_by(f64::total_cmp);
        json!({
            "p50": round(percentile(values, 50.0), 2),
            "p99": round(percentile(values, 99.0), 2),
            "max": round(values.last().copied().unwrap_or(f64::NAN), 2),
        })
    };
    // User time is the server's own code; system time is mostly the kernel's TCP work, which on
    // loopback includes delivering into the client's socket.
    let cpu_per_change = match (cpu_before, cpu_after) {
        (Some((user0, sys0)), Some((user1, sys1))) if changes > 0 => {
            let per_change = |before: u64, after: u64| {
                round(after.saturating_sub(before) as f64 / changes as f64, 1)
            };
            json!({"user": per_change(user0, user1), "system": per_change(sys0, sys1)})
        }
        _ => Value::Null,
    };
    let summary = json!({
        "sockets": n,
        "connected": connected,
        "connect_errors": errors,
        "connect_seconds": round(connect_seconds, 2),
        "sources": sources,
        "client_threads": cli.client_threads.max(1),
        "state_bytes": shared.state_bytes.load(Ordering::Acquire),
        "server_rss_mb": {
            "idle_before": round(mb(rss_before), 1),
            "with_sockets": round(mb(rss_with), 1),
            "after_changes": round(mb(rss_after), 1),
            "peak": round(mb(rss_peak), 1),
        },
        "per_socket_kb": round(per_socket_kb, 2),
        "bench_rss_mb": round(mb(bench_rss), 1),
        "bench_peak_rss_mb": round(mb(bench_peak), 1),
        "kernel_tcp_buffers_mb": {
            "before": round(mb(kernel_before), 1),
            "with_sockets": round(mb(kernel_with), 1),
        },
        "kernel_socket_slab_mb": {
            "before": slab_before.map(|kb| round(mb(kb), 1)),
            "with_sockets": slab_with.map(|kb| round(mb(kb), 1)),
        },
        "changes": changes,
        "fanout_ms": changes_ms(&mut fanout),
        "fanout_from_send_ms": changes_ms(&mut fanout_from_send),
        "ack_ms": changes_ms(&mut ack),
        "probe_ms": {
            "idle": changes_ms(&mut probe_idle),
            "during_fanout": changes_ms(&mut probe_busy),
        },
        "delivery_ms": changes_ms(&mut delivery),
        "incomplete_changes": incomplete,
        "missed_deliveries": missed,
        "skipped_states": skipped,
        "disconnected": disconnected,
        "server_cpu_ms_per_change": cpu_per_change,
        "server_nofile": server_nofile,
        "bench_nofile": bench_nofile,
        "server_log_lines": server_warnings,
        "with_team_phones": with_teams,
        "healthy_after": healthy_after,
        "cpus": std::thread::available_parallelism().map_or(0, usize::from),
        "load_avg_1m": {"before": load_before, "after": load_average()},
    });
    eprintln!(
        "fan-out to {connected} sockets (ack → last): p50 {} ms, p99 {} ms, max {} ms; \
         per-socket delivery (sent → state) p50 {} ms, p99 {} ms; skipped {skipped}, missed {missed}, \
         healthy after: {healthy_after}",
        summary["fanout_ms"]["p50"],
        summary["fanout_ms"]["p99"],
        summary["fanout_ms"]["max"],
        summary["delivery_ms"]["p50"],
        summary["delivery_ms"]["p99"],
    );
    Ok(summary)
}

/// Watches the hall with one phone per team connected and answering pings, but no command:
/// how many states does the audience get, what does it cost the server, and how long does a
/// socket's message wait meanwhile?
async fn with_team_phones(
    addr: SocketAddr,
    pid: u32,
    control: &mut Control,
    shared: &Shared,
    probe: &Probe,
    window: Duration,
) -> Result<Value, String> {
    while control.access.is_null() {
        tokio::time::timeout(Duration::from_secs(10), control.read())
            .await
            .map_err(|_| "the control socket got no join codes".to_string())??;
    }
    let teams: Vec<(String, String)> = control.access["teams"]
        .as_array()
        .ok_or("the access message lists no teams")?
        .iter()
        .filter_map(|t| {
            Some((
                t["id"].as_str()?.to_string(),
                t["code"].as_str()?.to_string(),
            ))
        })
        .collect();
    let epoch = shared.epoch;
    let mut phones = Vec::new();
    for (team, code) in &teams {
        let hello = json!({"type": "hello", "role": "team", "team": team, "code": code});
        let mut ws = open_socket(addr, Ipv4Addr::LOCALHOST, &hello.to_string()).await?;
        phones.push(tokio::spawn(async move {
            // Answers every clock-sync ping at once, on a millisecond clock of its own.
            while let Some(Ok(message)) = ws.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                if !text.starts_with(r#"{"type":"sync""#) {
                    continue;
                }
                let Ok(ping) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                let now = epoch.elapsed().as_secs_f64() * 1e3;
                let reply = json!({"type": "sync_reply", "t0": ping["t0"], "t1": now, "t2": now});
                if ws.send(Message::text(reply.to_string())).await.is_err() {
                    break;
                }
            }
        }));
    }
    // Joining publishes a state per phone; measure the steady state after it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let states_before = shared.states.load(Ordering::Acquire);
    let cpu_before = cpu_ms(pid);
    let started = Instant::now();
    let mut probes = Vec::new();
    while started.elapsed() < window {
        probes.push(probe.round_trip().await?);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let states = shared.states.load(Ordering::Acquire) - states_before;
    let cpu = match (cpu_before, cpu_ms(pid)) {
        (Some((u0, s0)), Some((u1, s1))) => Some((u1 + s1).saturating_sub(u0 + s0)),
        _ => None,
    };
    for phone in &phones {
        phone.abort();
    }
    let sockets = shared.expected().max(1);
    let per_socket_per_second = states as f64 / sockets as f64 / seconds;
    let cpu_percent = cpu.map(|ms| round(ms as f64 / seconds / 10.0, 1));
    probes.sort_by(f64::total_cmp);
    eprintln!(
        "with {} team phones online and no command for {seconds:.1} s: {per_socket_per_second:.2} \
         states a second to every audience socket, server CPU {}%, a message waits p50 {:.1} ms, \
         max {:.1} ms",
        phones.len(),
        cpu_percent.map_or("?".into(), |p| p.to_string()),
        percentile(&probes, 50.0),
        probes.last().copied().unwrap_or(f64::NAN),
    );
    Ok(json!({
        "phones": phones.len(),
        "seconds": round(seconds, 1),
        "audience_states_per_second": round(per_socket_per_second, 2),
        "server_cpu_percent": cpu_percent,
        "probe_ms": {
            "p50": round(percentile(&probes, 50.0), 2),
            "p99": round(percentile(&probes, 99.0), 2),
            "max": round(probes.last().copied().unwrap_or(f64::NAN), 2),
        },
    }))
}

/// What the audience tasks and the driver share.
struct Shared {
    epoch: Instant,
    changes: usize,
    /// `"id":"<team>"`, to find the measured team's score in a state without parsing it all.
    pattern: String,
    /// Nanoseconds since `epoch` (never 0) when socket `s` first had change `k`: `[s * changes + k]`.
    arrived: Vec<AtomicU64>,
    /// Sockets that have each change.
    counts: Vec<AtomicUsize>,
    /// Audience sockets that connected (set once the connect phase is over).
    connected: AtomicUsize,
    /// Audience sockets that closed since.
    disconnected: AtomicUsize,
    /// Changes a socket never saw because a later state came first.
    skipped: AtomicU64,
    /// States the audience received after their first one.
    states: AtomicU64,
    /// The size of the first state a socket received.
    state_bytes: AtomicUsize,
    /// Woken when a change may have reached every socket.
    notify: Notify,
}

impl Shared {
    fn new(sockets: usize, changes: usize, team: &str, epoch: Instant) -> Shared {
        Shared {
            epoch,
            changes,
            pattern: format!(r#""id":"{team}""#),
            arrived: (0..sockets * changes).map(|_| AtomicU64::new(0)).collect(),
            counts: (0..changes).map(|_| AtomicUsize::new(0)).collect(),
            connected: AtomicUsize::new(usize::MAX),
            disconnected: AtomicUsize::new(0),
            skipped: AtomicU64::new(0),
            states: AtomicU64::new(0),
            state_bytes: AtomicUsize::new(0),
            notify: Notify::new(),
        }
    }

    fn now_ns(&self) -> u64 {
        (self.epoch.elapsed().as_nanos() as u64).max(1)
    }

    fn expected(&self) -> usize {
        let connected = self.connected.load(Ordering::Acquire);
        connected.saturating_sub(self.disconnected.load(Ordering::Acquire))
    }

    /// Socket `socket`, whose first state had score `base` and which last saw `seen`, got a
    /// state with `score` at `now`: it now has every change up to `score - base`.
    fn record(&self, socket: usize, base: i64, seen: &mut i64, score: i64, now: u64) {
        if score <= *seen {
            return;
        }
        self.skipped
            .fetch_add((score - *seen - 1) as u64, Ordering::Relaxed);
        let first = (*seen - base) as usize + 1;
        let last = ((score - base) as usize).min(self.changes);
        for k in first..=last {
            self.arrived[socket * self.changes + k - 1].store(now, Ordering::Release);
            let have = self.counts[k - 1].fetch_add(1, Ordering::AcqRel) + 1;
            if have >= self.expected() {
                self.notify.notify_one();
            }
        }
        *seen = score;
    }

    fn lost(&self) {
        self.disconnected.fetch_add(1, Ordering::AcqRel);
        // The driver may be waiting for this socket.
        self.notify.notify_one();
    }

    /// Waits until every connected socket has change `k` (1-based); false on timeout.
    async fn wait_all(&self, k: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.counts[k - 1].load(Ordering::Acquire) >= self.expected() {
                return true;
            }
            if tokio::time::timeout_at(deadline, self.notify.notified())
                .await
                .is_err()
            {
                return self.counts[k - 1].load(Ordering::Acquire) >= self.expected();
            }
        }
    }
}

/// One audience socket: connects, reports its first state on `ready`, then records every state.
async fn audience(
    index: usize,
    server: SocketAddr,
    source: Ipv4Addr,
    shared: Arc<Shared>,
    ready: oneshot::Sender<Result<(), String>>,
) {
    let joined = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let mut ws = open_socket(server, source, SCREEN_HELLO).await?;
        let (base, bytes) = first_state_score(&mut ws, &shared.pattern).await?;
        Ok::<_, String>((ws, base, bytes))
    })
    .await;
    let (mut ws, base, bytes) = match joined {
        Ok(Ok(joined)) => joined,
        Ok(Err(reason)) => {
            let _ = ready.send(Err(reason));
            return;
        }
        Err(_) => {
            let _ = ready.send(Err("timed out before the first state".into()));
            return;
        }
    };
    shared.state_bytes.fetch_max(bytes, Ordering::AcqRel);
    let _ = ready.send(Ok(()));
    let mut seen = base;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                let now = shared.now_ns();
                if let Some(score) = state_score(&text, &shared.pattern) {
                    shared.states.fetch_add(1, Ordering::Relaxed);
                    shared.record(index, base, &mut seen, score, now);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => {
                shared.lost();
                return;
            }
        }
    }
}

/// A TCP connection from `source`, the WebSocket handshake and `hello`.
async fn open_socket(server: SocketAddr, source: Ipv4Addr, hello: &str) -> Result<Ws, String> {
    let socket = TcpSocket::new_v4().map_err(io_reason)?;
    if source != Ipv4Addr::LOCALHOST {
        socket
            .bind(SocketAddr::from((source, 0)))
            .map_err(io_reason)?;
    }
    let stream = socket.connect(server).await.map_err(io_reason)?;
    stream.set_nodelay(true).map_err(io_reason)?;
    // Small buffers: tungstenite's defaults (128 KiB) would make the bench itself the memory hog.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut ws, _) = client_async_with_config(format!("ws://{server}/ws"), stream, Some(config))
        .await
        .map_err(|error| match error {
            tokio_tungstenite::tungstenite::Error::Io(io) => io_reason(io),
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                format!("handshake refused: HTTP {}", response.status())
            }
            other => format!("handshake failed: {other}"),
        })?;
    ws.send(Message::text(hello))
        .await
        .map_err(|e| format!("hello failed: {e}"))?;
    Ok(ws)
}

/// Reads until the first `state`; returns the measured team's score in it and its size.
async fn first_state_score(ws: &mut Ws, pattern: &str) -> Result<(i64, usize), String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                if let Some(score) = state_score(&text, pattern) {
                    return Ok((score, text.len()));
                }
                if text.contains(r#""type":"error""#) {
                    return Err(format!("refused: {}", text.as_str()));
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(format!("closed before the first state: {frame:?}"));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("read failed: {e}")),
            None => return Err("closed before the first state".into()),
        }
    }
}

/// The score of the team whose `"id":"…"` is `pattern` in a `state` message. The server writes
/// `type` first and each team's `score` after its `id`; a substring search keeps 19 000 readers
/// from competing with the server for the CPU as a full JSON parse would.
fn state_score(text: &str, pattern: &str) -> Option<i64> {
    if !text.starts_with(r#"{"type":"state""#) {
        return None;
    }
    let team = text.find(pattern)?;
    let rest = &text[team..];
    let at = rest.find(r#""score":"#)? + r#""score":"#.len();
    let digits = rest[at..]
        .find(|c: char| c != '-' && !c.is_ascii_digit())
        .map_or(&rest[at..], |end| &rest[at..at + end]);
    digits.parse().ok()
}

fn score_in(state: &Value, team: &str) -> Option<i64> {
    state["teams"]
        .as_array()?
        .iter()
        .find(|t| t["id"] == team)?["score"]
        .as_i64()
}

/// Why a connection failed, in words that say what to change.
fn io_reason(error: std::io::Error) -> String {
    match error.raw_os_error() {
        Some(24) => "out of file descriptors in the bench (EMFILE): raise ulimit -n".into(),
        Some(99) => "out of local ports (EADDRNOTAVAIL): use --sources".into(),
        Some(111) => "connection refused (server gone or backlog full)".into(),
        _ => format!("connect failed: {error}"),
    }
}

/// A control socket on a thread and runtime of its own, so that its timing is not held up by this
/// process's thousands of readers: how long does the server take to answer a command that goes
/// through the owner task (an `undo` with nothing to undo, refused) while it fans a state out to
/// the hall? A team's buzz takes the same path.
struct Probe {
    requests: mpsc::UnboundedSender<oneshot::Sender<Result<f64, String>>>,
}

impl Probe {
    fn start(server: SocketAddr, token: &str) -> Result<Probe, String> {
        let hello = json!({"type": "hello", "role": "control", "token": token}).to_string();
        let (requests, mut incoming) =
            mpsc::unbounded_channel::<oneshot::Sender<Result<f64, String>>>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(format!("probe runtime: {error}")));
                    return;
                }
            };
            runtime.block_on(async move {
                let mut ws = match open_socket(server, Ipv4Addr::LOCALHOST, &hello).await {
                    Ok(ws) => ws,
                    Err(error) => {
                        let _ = ready_tx.send(Err(format!("probe socket: {error}")));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                loop {
                    tokio::select! {
                        request = incoming.recv() => {
                            let Some(reply) = request else { return };
                            let _ = reply.send(Probe::once(&mut ws).await);
                        }
                        // States keep coming; read them so they do not pile up before a probe.
                        message = ws.next() => if !matches!(message, Some(Ok(_))) { return },
                    }
                }
            });
        });
        ready_rx
            .recv_timeout(CONNECT_TIMEOUT)
            .map_err(|_| "the probe socket did not connect".to_string())??;
        Ok(Probe { requests })
    }

    /// Sends a message the server answers at once from the socket's own task (a screen may not
    /// buzz) and returns the round trip in ms.
    async fn once(ws: &mut Ws) -> Result<f64, String> {
        let started = Instant::now();
        ws.send(Message::text(r#"{"type":"undo"}"#))
            .await
            .map_err(|e| format!("probe send: {e}"))?;
        let answered = tokio::time::timeout(FANOUT_TIMEOUT, async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) if text.starts_with(r#"{"type":"rejected""#) => {
                        return Ok(());
                    }
                    Some(Ok(_)) => {}
                    other => return Err(format!("probe socket closed: {other:?}")),
                }
            }
        })
        .await;
        match answered {
            Ok(Ok(())) => Ok(started.elapsed().as_secs_f64() * 1e3),
            Ok(Err(error)) => Err(error),
            Err(_) => Err("the probe got no answer".into()),
        }
    }

    async fn round_trip(&self) -> Result<f64, String> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(reply)
            .map_err(|_| "the probe thread stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the probe thread stopped".to_string())?
    }
}

/// The MC's socket, which makes the changes.
struct Control {
    ws: Ws,
    next_id: u64,
    /// The latest state it received.
    state: Value,
    /// The latest join codes and phones it received.
    access: Value,
}

impl Control {
    async fn connect(server: SocketAddr, token: &str) -> Result<Control, String> {
        let stream = TcpStream::connect(server)
            .await
            .map_err(|e| format!("control socket: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("control socket: {e}"))?;
        let (mut ws, _) = client_async_with_config(format!("ws://{server}/ws"), stream, None)
            .await
            .map_err(|e| format!("control socket: {e}"))?;
        let hello = json!({"type": "hello", "role": "control", "token": token});
        ws.send(Message::text(hello.to_string()))
            .await
            .map_err(|e| format!("control hello: {e}"))?;
        let mut control = Control {
            ws,
            next_id: 0,
            state: Value::Null,
            access: Value::Null,
        };
        while control.state.is_null() {
            control.read().await?;
        }
        Ok(control)
    }

    /// Reads one message; keeps states, returns the others.
    async fn read(&mut self) -> Result<Value, String> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text)
                        .map_err(|e| format!("control socket got bad JSON: {e}"))?;
                    match message["type"].as_str() {
                        Some("state") => {
                            self.state = message;
                            return Ok(Value::Null);
                        }
                        Some("access") => {
                            self.access = message;
                            return Ok(Value::Null);
                        }
                        Some("error") => return Err(format!("control socket refused: {message}")),
                        _ => return Ok(message),
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("control socket: {e}")),
                None => return Err("control socket closed".into()),
            }
        }
    }

    /// Sends a command and waits for its `ack`.
    async fn command(&mut self, mut command: Value) -> Result<(), String> {
        self.next_id += 1;
        let id = self.next_id;
        command["id"] = id.into();
        self.ws
            .send(Message::text(command.to_string()))
            .await
            .map_err(|e| format!("control socket: {e}"))?;
        loop {
            let message = self.read().await?;
            if message["id"] != id {
                continue;
            }
            return match message["type"].as_str() {
                Some("ack") => Ok(()),
                _ => Err(format!("command {command} refused: {message}")),
            };
        }
    }
}

/// The server child process; killed (and its data removed) when dropped, also on error.
struct ServerProcess {
    child: Child,
    data_dir: PathBuf,
    port: u16,
    token: String,
    /// Lines the server logged on stderr (warnings and errors only, with `RUST_LOG=stagebuzz=warn`).
    log_lines: Arc<AtomicUsize>,
}

impl ServerProcess {
    fn start(cli: &Cli, sockets: usize) -> Result<ServerProcess, String> {
        let exe = match &cli.server {
            Some(path) => path.clone(),
            None => std::env::current_exe()
                .map_err(|e| format!("cannot find this executable: {e}"))?
                .with_file_name(format!("stagebuzz{}", std::env::consts::EXE_SUFFIX)),
        };
        if !exe.is_file() {
            return Err(format!(
                "no server binary at {}: run `cargo build --release` first",
                exe.display()
            ));
        }
        let data_dir = std::env::temp_dir().join(format!(
            "stagebuzz-hall-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
        let token: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let spawned = Command::new(&exe)
            .args(["--bind", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(&data_dir)
            .args(["--control-token", &token, "--max-connections"])
            .arg((sockets + 100).to_string())
            .env("RUST_LOG", "stagebuzz=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&data_dir);
                return Err(format!("cannot start {}: {error}", exe.display()));
            }
        };
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            // Keeps draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(port) = port_in(&line) {
                        let _ = port_tx.send(port);
                    }
                }
            });
        }
        let log_lines = Arc::new(AtomicUsize::new(0));
        if let Some(stderr) = child.stderr.take() {
            let count = log_lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    // The first lines tell what went wrong; thousands of them would bury it.
                    if count.fetch_add(1, Ordering::AcqRel) < 20 {
                        eprintln!("[server] {line}");
                    }
                }
            });
        }
        let mut server = ServerProcess {
            child,
            data_dir,
            port: 0,
            token,
            log_lines,
        };
        server.port = port_rx.recv_timeout(Duration::from_secs(15)).map_err(|_| {
            "the server printed no http://127.0.0.1:PORT/ address in 15 s".to_string()
        })?;
        Ok(server)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// The port in a line like `  Projector: http://127.0.0.1:8080/screen`.
fn port_in(line: &str) -> Option<u16> {
    let rest = &line[line.find("http://127.0.0.1:")? + "http://127.0.0.1:".len()..];
    rest[..rest.find('/')?].parse().ok()
}

/// How many ports `connect` may pick from (`net.ipv4.ip_local_port_range`).
fn local_port_count() -> usize {
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut bounds = range
        .split_whitespace()
        .filter_map(|n| n.parse::<usize>().ok());
    match (bounds.next(), bounds.next()) {
        (Some(low), Some(high)) if high >= low => high - low + 1,
        // Linux's default range.
        _ => 60_999 - 32_768 + 1,
    }
}

/// A `kB` field of `/proc/<pid>/status` (`pid` may be `self`); 0 when unknown.
fn status_kb(pid: &str, key: &str) -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid).join("status"));
    status
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(key))?;
            line[key.len()..].split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

fn rss_kb(pid: &str) -> u64 {
    status_kb(pid, "VmRSS:")
}

/// The soft open-files limit of a process.
fn nofile_of(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time (user, system) a process has used, in ms (clock ticks assumed 100 a second).
fn cpu_ms(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime * 10, stime * 10))
}

/// Memory of every TCP socket on the machine (kernel buffers, not in any process's RSS), in kB.
fn kernel_tcp_kb() -> u64 {
    let sockstat = std::fs::read_to_string("/proc/net/sockstat").unwrap_or_default();
    sockstat
        .lines()
        .find(|l| l.starts_with("TCP:"))
        .and_then(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| *w == "mem")?;
            words.get(at + 1)?.parse::<u64>().ok()
        })
        .map_or(0, |pages| pages * PAGE_BYTES / 1024)
}

/// The machine's 1-minute load average.
fn load_average() -> Option<f64> {
    let load = std::fs::read_to_string("/proc/loadavg").ok()?;
    load.split_whitespace().next()?.parse().ok()
}

/// Kernel memory of the TCP socket structures themselves (`TCP` and `sock_inode_cache` slabs,
/// every socket on the machine), in kB; `None` when `/proc/slabinfo` is not readable (not root).
fn socket_slab_kb() -> Option<u64> {
    let slabinfo = std::fs::read_to_string("/proc/slabinfo").ok()?;
    let bytes: u64 = slabinfo
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            if !matches!(words.first(), Some(&"TCP" | &"sock_inode_cache")) {
                return None;
            }
            let objects: u64 = words.get(1)?.parse().ok()?;
            let size: u64 = words.get(3)?.parse().ok()?;
            Some(objects * size)
        })
        .sum();
    Some(bytes / 1024)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn ms_between(from_ns: u64, to_ns: u64) -> f64 {
    (to_ns as f64 - from_ns as f64) / 1e6
}

/// Nearest-rank percentile of sorted values; NaN when empty.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_score_of_one_team() {
        let state = r#"{"type":"state","now_ms":1,"teams":[{"id":"a","name":"A","score":7},{"id":"b","name":"B","score":-3,"devices":0}],"stage":"not_started"}"#;
        assert_eq!(state_score(state, r#""id":"a""#), Some(7));
        assert_eq!(state_score(state, r#""id":"b""#), Some(-3));
        assert_eq!(state_score(state, r#""id":"c""#), None);
        assert_eq!(state_score(r#"{"type":"ack","id":1}"#, r#""id":"a""#), None);
    }

    #[test]
    fn reads_the_port_from_the_printed_addresses() {
        assert_eq!(
            port_in("  Projector / Màn hình chiếu: http://127.0.0.1:43749/screen"),
            Some(43749)
        );
        assert_eq!(port_in("Press Ctrl-C to stop"), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&values[..1], 99.0), 1.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn a_late_socket_skipping_ahead_has_every_change_it_skipped() {
        let shared = Shared::new(2, 3, "a", Instant::now());
        shared.connected.store(2, Ordering::Release);
        let mut seen = 10;
        shared.record(1, 10, &mut seen, 13, 5);
        assert_eq!(seen, 13);
        assert_eq!(shared.skipped.load(Ordering::Acquire), 2);
        let arrived: Vec<u64> = (3..6)
            .map(|i| shared.arrived[i].load(Ordering::Acquire))
            .collect();
        assert_eq!(arrived, [5, 5, 5]);
        assert_eq!(shared.counts[2].load(Ordering::Acquire), 1);
    }
}
