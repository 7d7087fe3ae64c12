//! The `stagebuzz` command: parses the command line and runs the server.

#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use stagebuzz::game::Contest;
use stagebuzz::server::Limits;
use stagebuzz::{Config, Server, contest_file, urls};

/// Run a live quiz contest from this laptop: teams buzz from their phones, the MC drives the show
/// from a control page, the projector shows the scoreboard.
///
/// With no arguments it runs the built-in demo contest on port 8080 of every network interface
/// and prints the addresses to open. Logging is controlled with RUST_LOG (e.g. RUST_LOG=debug).
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Cli {
    /// Port to listen on.
    #[arg(long, default_value_t = 8080, env = "STAGEBUZZ_PORT")]
    port: u16,
    /// Address to listen on; 0.0.0.0 serves the whole LAN, 127.0.0.1 only this laptop.
    #[arg(long, default_value = "0.0.0.0", env = "STAGEBUZZ_BIND")]
    bind: IpAddr,
    /// Contest file (JSON) to play instead of the built-in demo contest.
    #[arg(long, value_name = "FILE")]
    contest: Option<PathBuf>,
    /// The MC's secret token (16+ characters); by default one is made at the first start and kept
    /// in the data directory.
    #[arg(long, env = "STAGEBUZZ_CONTROL_TOKEN", hide_env_values = true)]
    control_token: Option<String>,
    /// Where the contest is journaled; a restart resumes the contest found there.
    #[arg(long, default_value = "stagebuzz-data", env = "STAGEBUZZ_DATA_DIR")]
    data_dir: PathBuf,
    /// Archive the contest in the data directory and start a fresh one.
    #[arg(long)]
    new: bool,
    /// Most connections at once (teams, screens and audience together, pages and live sockets).
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections)]
    max_connections: usize,
    /// Most connections at once from one address (loopback, i.e. pages opened at 127.0.0.1 on
    /// this laptop, is exempt; a page opened through the laptop's LAN address counts).
    /// Raise it when phones reach the server through one NAT router, which gives them all one
    /// address: about 2 per phone.
    #[arg(long, default_value_t = Limits::DEFAULT.max_connections_per_ip)]
    max_connections_per_ip: u32,
    /// A host name the pages may be opened by, besides IP addresses, localhost and this machine's
    /// name (e.g. a name the venue's router gives the laptop). Repeat for several.
    #[arg(long = "public-host", value_name = "NAME")]
    public_hosts: Vec<String>,
    /// Apply the per-address limits to loopback too (tests: other 127.x addresses stand for
    /// other devices).
    #[arg(long, hide = true)]
    limit_loopback: bool,
    /// How many phones of one team (or of one judge) may be connected at the same time.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    phones_per_team: u32,
}

/// Libraries whose detailed logs carry message contents; held at `info`.
const WIRE_DUMPS: [&str; 5] = [
    "tungstenite=info",
    "tokio_tungstenite=info",
    "hyper=info",
    "hyper_util=info",
    "axum=info",
];

#[tokio::main]
async fn main() -> ExitCode {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "stagebuzz=info".into());
    // The WebSocket and HTTP libraries dump whole messages and requests at their detailed levels:
    // hellos with join codes and tokens, export addresses with the control token. Whoever sees the
    // terminal (often mirrored on the projector) must not see those, whatever RUST_LOG asks for.
    for wire_dump in WIRE_DUMPS {
        if let Ok(directive) = wire_dump.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt().with_env_filter(filter).init();
    // One file descriptor per socket: a hall of ~19k audience phones needs far more than the
    // usual soft limit (often 1024), and the hard limit is ours to take.
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!(%error, "cannot raise the open-files limit; a large hall may be refused");
    }
    let cli = Cli::parse();
    let contest = match &cli.contest {
        None => Contest::demo(),
        Some(path) => match contest_file::load(path) {
            Ok(contest) => contest,
            Err(error) => {
                eprintln!("stagebuzz: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    let judges = !contest.judges.is_empty();
    let config = Config {
        bind: cli.bind,
        port: cli.port,
        contest,
        contest_dir: cli.contest.as_deref().map(contest_file::folder_of),
        control_token: cli.control_token,
        data_dir: Some(cli.data_dir),
        fresh: cli.new,
        phones_per_team: cli.phones_per_team,
        limits: Limits {
            max_connections: cli.max_connections,
            max_connections_per_ip: cli.max_connections_per_ip,
            exempt_loopback: !cli.limit_loopback,
            ..Limits::DEFAULT
        },
        public_hosts: cli.public_hosts,
        slow_disk: Default::default(),
    };
    let server = match Server::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("stagebuzz: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_addresses(&server, cli.bind, judges);

    let cancel = server.cancel_token();
    tokio::spawn(async move {
        wait_for_stop_signal().await;
        eprintln!("stagebuzz: stopping…");
        cancel.cancel();
    });
    server.stopped().await;
    ExitCode::SUCCESS
}

fn print_addresses(server: &Server, bind: IpAddr, judges: bool) {
    let port = server.local_addr().port();
    let hosts = urls::hosts_for(bind);
    println!();
    println!("stagebuzz is running. Open these addresses / Mở các địa chỉ sau:");
    for host in &hosts {
        let base = urls::base_url(*host, port);
        println!();
        println!("  Teams / Đội thi (phones):   {base}/");
        println!("  Projector / Màn hình chiếu: {base}/screen");
        if judges {
            println!("  Judges / Giám khảo:         {base}/judge");
        }
        println!(
            "  MC / Điều khiển (secret):   {base}/control#token={}",
            server.control_token()
        );
    }
    if let Some(first) = hosts.first() {
        let control = format!(
            "{}/control#token={}",
            urls::base_url(*first, port),
            server.control_token()
        );
        if let Some(qr) = urls::terminal_qr(&control) {
            println!();
            println!(
                "MC: scan to open the control page — keep it private / Quét để mở trang điều khiển — giữ bí mật:"
            );
            println!("{qr}");
        }
    }
    println!("Teams join with the codes and QR codes on the control page.");
    println!("Các đội tham gia bằng mã và mã QR trên trang điều khiển.");
    println!("Press Ctrl-C to stop / Nhấn Ctrl-C để dừng.");
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
