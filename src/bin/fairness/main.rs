//! Fairness benchmark: how often does stagebuzz give the floor to the team that truly *pressed*
//! first, compared with plain arrival order, over simulated phone networks?
//!
//! ```text
//! cargo run --release --bin fairness -- [--races N] [--seed S] [--realtime]
//!                                        [--profiles lan,wifi,...] [--quick]
//!                                        [--cap-ms MS] [--settle-max-ms MS]
//! ```
//!
//! By default a deterministic virtual-time simulation ([`sim`]) plays every network profile
//! ([`model::profiles`]) × press gap × team count (2-8), honest and with a cheating phone, with
//! the real `TeamLink` and `Game` on the server side. `--realtime` then also plays a sample of
//! cells against the real server over real WebSockets on 127.0.0.1 ([`realtime`]) and prints
//! them beside the simulation of the same cells. A table goes to stderr; the last line on stdout
//! is one JSON object with every number and the pass/fail of each target.

mod model;
mod realtime;
mod sim;
mod stats;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;
use stagebuzz::journal::writer::SlowDisk;

use model::{Cheat, Profile, Timing, Us};
use realtime::{RtCell, RtResult};
use sim::SessionSpec;
use stats::{TEAM_COUNTS, Tally, histogram, percentiles_ms, round};

/// Time between consecutive true presses in a race (ms).
const GAPS_MS: [f64; 7] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0];
/// The real-time sample: (profile, gap ms).
const REALTIME_CELLS: [(&str, f64); 7] = [
    ("lan", 2.0),
    ("lan", 5.0),
    ("lan", 20.0),
    ("wifi", 2.0),
    ("wifi", 5.0),
    ("wifi", 20.0),
    ("asymmetric", 5.0),
];
/// The sync of each real-time cell that `--journal-stall-ms` stalls.
const STALLED_SYNC: u64 = 100;
/// Real-time cells whose harness released frames later than this at p99 (µs) are flagged: the
/// injected network was not the modelled one (see `realtime.rs`).
const FAITHFUL_LATENESS_P99_US: u64 = 1000;
/// The verdict must come within this long of the first arrival.
const VERDICT_BOUND_MS: f64 = 100.0;

/// Command line.
#[derive(Parser, Debug)]
#[command(about = "stagebuzz fairness benchmark: press order vs arrival order")]
struct Args {
    /// Honest races per (profile, gap) cell, spread evenly over 2-8 teams [default: 2000, or
    /// 280 with --quick]. Each cheater variant plays a quarter as many.
    #[arg(long)]
    races: Option<usize>,
    /// Seed of every random choice of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also play a sample of cells against the real server over WebSockets on 127.0.0.1.
    #[arg(long)]
    realtime: bool,
    /// Races per real-time cell [default: 150, or 30 with --quick].
    #[arg(long)]
    realtime_races: Option<usize>,
    /// Real-time cells played at once (each has its own server).
    #[arg(long, default_value_t = 7)]
    realtime_parallel: usize,
    /// Profiles to run (comma-separated) [default: all].
    #[arg(long, value_delimiter = ',')]
    profiles: Option<Vec<String>>,
    /// Fewer races, for a quick look.
    #[arg(long)]
    quick: bool,
    /// Simulation threads [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// The round's `press_allowance_cap_ms` [default: the contest default], to measure the
    /// trade-off between honest slow buzzes and what a cheater gains.
    #[arg(long)]
    cap_ms: Option<u64>,
    /// The round's `settle_max_ms` [default: the contest default].
    #[arg(long)]
    settle_max_ms: Option<u64>,
    /// Real time with the journal on disk, each sync slowed down by this many milliseconds (0:
    /// the disk's own sync) [default: in memory].
    #[arg(long)]
    journal_sync_ms: Option<u64>,
    /// With --journal-sync-ms: the 100th sync of each real-time cell stalls this many
    /// milliseconds more (one stall of a few races' length in the middle of the cell).
    #[arg(long)]
    journal_stall_ms: Option<u64>,
}

/// One simulated cell: every race of one profile, variant and gap (all team counts).
struct CellSpec<'a> {
    profile: &'a Profile,
    cheat: Option<Cheat>,
    gap_ms: f64,
    timing: &'a Timing,
    races: usize,
    /// Distinguishes families of cells (grid, real-time twin) in the seeds.
    family: u64,
}

/// One session of one cell: the unit of parallel work.
struct Job {
    cell: usize,
    teams: usize,
    races: usize,
    seed: u64,
}

/// SplitMix64: turns structured inputs into well-spread seeds.
fn mix(mut h: u64, parts: &[u64]) -> u64 {
    for &part in parts {
        h ^= part;
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h = z ^ (z >> 31);
    }
    h
}

/// FNV-1a of a name, so a profile's seeds do not depend on which other profiles run.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn cheat_code(cheat: Option<Cheat>) -> u64 {
    match cheat {
        None => 0,
        Some(Cheat::Claim) => 1,
        Some(Cheat::Forge) => 2,
    }
}

/// Splits a cell's races over the team counts and into sessions.
fn jobs(cells: &[CellSpec], seed: u64) -> Vec<Job> {
    let counts: Vec<usize> = TEAM_COUNTS.collect();
    let mut jobs = Vec::new();
    for (index, cell) in cells.iter().enumerate() {
        for (k, &teams) in counts.iter().enumerate() {
            let mut left = cell.races / counts.len() + usize::from(k < cell.races % counts.len());
            let mut session = 0u64;
            while left > 0 {
                let races = left.min(cell.timing.races_per_session);
                left -= races;
                let parts = [
                    cell.family,
                    name_hash(cell.profile.name),
                    cheat_code(cell.cheat),
                    cell.gap_ms.to_bits(),
                    teams as u64,
                    session,
                ];
                jobs.push(Job {
                    cell: index,
                    teams,
                    races,
                    seed: mix(seed, &parts),
                });
                session += 1;
            }
        }
    }
    jobs
}

/// Plays every cell's sessions on `threads` threads; one tally per cell, in order. The result
/// does not depend on the thread count: sessions are seeded individually and tallies add up in
/// any order.
fn run_cells(cells: &[CellSpec], rules: &BuzzInRules, seed: u64, threads: usize) -> Vec<Tally> {
    let jobs = jobs(cells, seed);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Tally>> = Mutex::new(cells.iter().map(|_| Tally::default()).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut mine: BTreeMap<usize, Tally> = BTreeMap::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    let cell = &cells[job.cell];
                    let spec = SessionSpec {
                        profile: cell.profile,
                        timing: cell.timing,
                        rules,
                        teams: job.teams,
                        races: job.races,
                        gap_us: (cell.gap_ms * 1000.0).round() as Us,
                        cheat: cell.cheat,
                        seed: job.seed,
                    };
                    let tally = mine.entry(job.cell).or_default();
                    for outcome in sim::run_session(spec) {
                        tally.add(&outcome);
                    }
                }
                let mut results = results.lock().expect("no thread panicked");
                for (cell, tally) in mine {
                    results[cell].merge(&tally);
                }
            });
        }
    });
    results.into_inner().expect("no thread panicked")
}

/// Empirical percentiles of a profile's one-way delay model (no ordering or power save).
fn model_percentiles(profile: &Profile, seed: u64) -> Value {
    let mut rng = StdRng::seed_from_u64(mix(seed, &[name_hash(profile.name), 77]));
    let mut h = histogram();
    for _ in 0..200_000 {
        h.saturating_record(profile.delay.sample_us(&mut rng));
    }
    percentiles_ms(&h)
}

fn gap_key(gap: f64) -> String {
    format!("{gap}")
}

/// A target's evaluation.
struct Target {
    name: String,
    value: Option<f64>,
    pass: Option<bool>,
    why: String,
}

impl Target {
    /// A target whose profile was not run this time.
    fn skipped(name: String) -> Target {
        Target {
            name,
            value: None,
            pass: None,
            why: "profile not run".into(),
        }
    }
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let races = args.races.unwrap_or(if args.quick { 280 } else { 2000 });
    let cheat_races = (races / 4).max(TEAM_COUNTS.count());
    let realtime_races = args
        .realtime_races
        .unwrap_or(if args.quick { 30 } else { 150 });
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2)
    });
    let all = model::profiles();
    let profiles: Vec<Profile> = match &args.profiles {
        None => all,
        Some(names) => {
            for name in names {
                if !all.iter().any(|p| p.name == name) {
                    let known: Vec<&str> = all.iter().map(|p| p.name).collect();
                    eprintln!("unknown profile {name:?}; known: {}", known.join(","));
                    std::process::exit(2);
                }
            }
            all.into_iter()
                .filter(|p| names.iter().any(|n| n == p.name))
                .collect()
        }
    };
    let mut rules = BuzzInRules::default();
    if let Some(cap_ms) = args.cap_ms {
        rules.press_allowance_cap_ms = cap_ms;
    }
    if let Some(settle_max_ms) = args.settle_max_ms {
        rules.settle_max_ms = settle_max_ms;
    }
    let show = Timing::show();

    // The grid: honest cells, then each cheater variant, for every profile and gap.
    let mut cells = Vec::new();
    for profile in &profiles {
        for cheat in [None, Some(Cheat::Claim), Some(Cheat::Forge)] {
            for gap_ms in GAPS_MS {
                cells.push(CellSpec {
                    profile,
                    cheat,
                    gap_ms,
                    timing: &show,
                    races: if cheat.is_none() { races } else { cheat_races },
                    family: 0,
                });
            }
        }
    }
    eprintln!(
        "simulating {} profiles x {} gaps: {races} honest races per cell, {cheat_races} per cheater \
         variant, teams 2-8, seed {}, {threads} threads",
        profiles.len(),
        GAPS_MS.len(),
        args.seed
    );
    let tallies = run_cells(&cells, &rules, args.seed, threads);
    let sim_elapsed = started.elapsed().as_secs_f64();
    eprintln!("simulation took {sim_elapsed:.1} s");

    let grid = Grid {
        cells: &cells,
        tallies: &tallies,
    };
    let tally_of = |name: &str, cheat: Option<Cheat>, gap: f64| grid.get(name, cheat, gap);

    let mut profiles_json = serde_json::Map::new();
    for profile in &profiles {
        let mut uplink = Tally::default();
        let mut gaps = serde_json::Map::new();
        for gap in GAPS_MS {
            let tally = tally_of(profile.name, None, gap).expect("cell ran");
            uplink.merge(tally);
            gaps.insert(gap_key(gap), tally.gap_json());
        }
        let mut cheat_json = serde_json::Map::new();
        let mut gain_max: Option<i64> = None;
        for cheat in [Cheat::Claim, Cheat::Forge] {
            let mut all = Tally::default();
            let mut per_gap = serde_json::Map::new();
            for gap in GAPS_MS {
                let tally = tally_of(profile.name, Some(cheat), gap).expect("cell ran");
                all.merge(tally);
                per_gap.insert(
                    gap_key(gap),
                    json!({
                        "stole_rate": stats::rate(tally.cheat_stole, tally.cheat_not_first),
                        "honest_correct_rate": stats::rate(tally.correct, tally.races),
                        "gain_max_ms": tally.cheat_gain_max.map(|g| round(g as f64 / 1000.0, 3)),
                    }),
                );
            }
            gain_max = gain_max.max(all.cheat_gain_max);
            let mut variant = all.cheat_json(rules.press_allowance_cap_ms);
            variant["verdict_delay_ms"] = stats::verdict_json(&all);
            variant["gaps"] = Value::Object(per_gap);
            cheat_json.insert(cheat.name().into(), variant);
        }
        profiles_json.insert(
            profile.name.into(),
            json!({
                "description": profile.description,
                "delay_percentiles_ms": {
                    "one_way_model": model_percentiles(profile, args.seed),
                    "buzz_uplink_observed": percentiles_ms(&uplink.uplink),
                },
                "gaps": gaps,
                "cheater_gain_ms": {
                    "max": gain_max.map(|g| round(g as f64 / 1000.0, 3)),
                    "cap": rules.press_allowance_cap_ms,
                    "variants": cheat_json,
                },
            }),
        );
    }
    print_table(&profiles, &profiles_json, &grid);

    // Real-time sample and its simulated twin.
    let mut realtime_json = Value::Null;
    if args.realtime {
        realtime_json = run_realtime(&profiles, realtime_races, &args, &rules, threads);
    }

    let targets = evaluate_targets(&profiles, &grid, &rules);
    eprintln!("\ntargets:");
    for target in &targets {
        let verdict = match target.pass {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "SKIP",
        };
        let value = target
            .value
            .map_or("-".to_string(), |v| format!("{}", round(v, 4)));
        eprintln!(
            "  [{verdict}] {:<44} value {value:<10} {}",
            target.name, target.why
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("\ntotal elapsed {elapsed:.1} s");
    let summary = json!({
        "seed": args.seed,
        "races_per_cell": races,
        "cheater_races_per_cell": cheat_races,
        "team_counts": "2-8",
        "gaps_ms": GAPS_MS,
        "rules": {
            "press_allowance_cap_ms": rules.press_allowance_cap_ms,
            "settle_max_ms": rules.settle_max_ms,
        },
        "elapsed_s": round(elapsed, 2),
        "sim_elapsed_s": round(sim_elapsed, 2),
        "threads": threads,
        "profiles": profiles_json,
        "realtime": realtime_json,
        "targets": targets.iter().map(|t| json!({
            "name": t.name, "value": t.value.map(|v| round(v, 6)), "pass": t.pass, "why": t.why,
        })).collect::<Vec<_>>(),
    });
    println!("{summary}");
}

/// The simulated cells with their tallies.
struct Grid<'a> {
    cells: &'a [CellSpec<'a>],
    tallies: &'a [Tally],
}

impl Grid<'_> {
    /// The tally of one cell.
    fn get(&self, name: &str, cheat: Option<Cheat>, gap: f64) -> Option<&Tally> {
        self.cells
            .iter()
            .position(|c| c.profile.name == name && c.cheat == cheat && c.gap_ms == gap)
            .map(|i| &self.tallies[i])
    }
}

/// The human-readable table, one block per profile.
fn print_table(profiles: &[Profile], json: &serde_json::Map<String, Value>, grid: &Grid) {
    let tally_of = |name: &str, cheat: Option<Cheat>, gap: f64| grid.get(name, cheat, gap);
    let pct = |x: f64| format!("{:>7.2}", x * 100.0);
    for profile in profiles {
        let p = &json[profile.name];
        let model = &p["delay_percentiles_ms"]["one_way_model"];
        let seen = &p["delay_percentiles_ms"]["buzz_uplink_observed"];
        eprintln!("\n== {}: {}", profile.name, profile.description);
        eprintln!(
            "   one-way model p50/p90/p99/p99.9: {}/{}/{}/{} ms; buzz uplink seen p50/p90/p99/max: {}/{}/{}/{} ms",
            model["p50"],
            model["p90"],
            model["p99"],
            model["p99.9"],
            seen["p50"],
            seen["p90"],
            seen["p99"],
            seen["max"]
        );
        let tallies: Vec<&Tally> = GAPS_MS
            .iter()
            .map(|&g| tally_of(profile.name, None, g).expect("cell ran"))
            .collect();
        let header: String = GAPS_MS.iter().map(|g| format!("{g:>7}")).collect();
        eprintln!("   {:<22}{header}", "gap (ms)");
        let row = |label: &str, f: &dyn Fn(&Tally) -> String| {
            let cells: String = tallies.iter().map(|t| f(t)).collect();
            eprintln!("   {label:<22}{cells}");
        };
        row("stagebuzz correct %", &|t| pct(t.correct_rate()));
        row("arrival order %", &|t| pct(t.arrival_rate()));
        row("lost to tail %", &|t| {
            pct(t.lost_to_tail as f64 / t.races.max(1) as f64)
        });
        row("misordered %", &|t| {
            pct(t.misordered as f64 / t.races.max(1) as f64)
        });
        row("  of which clamped %", &|t| {
            pct(t.misordered_clamped as f64 / t.races.max(1) as f64)
        });
        row("wrong but flagged %", &|t| {
            pct(t.wrong_close as f64 / t.races.max(1) as f64)
        });
        row("verdict p50 ms", &|t| format!("{:>7.1}", t.verdict_ms(0.5)));
        row("verdict p99 ms", &|t| {
            format!("{:>7.1}", t.verdict_ms(0.99))
        });
        row("settle p50 ms", &|t| {
            format!("{:>7.1}", stats::quantile_ms(&t.settle, 0.5))
        });
        for cheat in [Cheat::Claim, Cheat::Forge] {
            let v = &p["cheater_gain_ms"]["variants"][cheat.name()];
            eprintln!(
                "   cheater {:<6} gain max {} ms (cap {}), p50 {} ms; stole {} of the races it truly lost",
                cheat.name(),
                v["gain_max_ms"],
                v["cap_ms"],
                v["gain_ms"]["p50"],
                v["stole_rate"]
            );
        }
    }
}

/// Plays the real-time sample, then the simulation of the same cells with the same show rhythm,
/// and prints them side by side.
fn run_realtime(
    profiles: &[Profile],
    races: usize,
    args: &Args,
    rules: &BuzzInRules,
    threads: usize,
) -> Value {
    let cells: Vec<RtCell> = REALTIME_CELLS
        .iter()
        .filter_map(|&(name, gap_ms)| {
            let profile = profiles.iter().find(|p| p.name == name)?.clone();
            Some(RtCell {
                profile,
                gap_ms,
                races,
                rules: rules.clone(),
                journal: args.journal_sync_ms.map(|ms| SlowDisk {
                    sync_delay: Duration::from_millis(ms),
                    stall: args
                        .journal_stall_ms
                        .map(|stall| (STALLED_SYNC, Duration::from_millis(stall))),
                    ..SlowDisk::default()
                }),
            })
        })
        .collect();
    if cells.is_empty() {
        eprintln!("no real-time cell among the selected profiles");
        return Value::Null;
    }
    eprintln!(
        "\nreal time: {} cells x {races} races against the real server on 127.0.0.1, {} at once",
        cells.len(),
        args.realtime_parallel
    );
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let results: Vec<Result<RtResult, String>> = runtime.block_on(async {
        use futures_util::StreamExt;
        let seed = args.seed;
        let mut indexed: Vec<(usize, Result<RtResult, String>)> =
            futures_util::stream::iter(cells.iter().cloned().enumerate())
                .map(|(i, cell)| async move {
                    let cell_seed = mix(seed, &[name_hash(cell.profile.name), i as u64, 99]);
                    (i, realtime::run_cell(cell, cell_seed).await)
                })
                .buffer_unordered(args.realtime_parallel.max(1))
                .collect()
                .await;
        indexed.sort_by_key(|(i, _)| *i);
        indexed.into_iter().map(|(_, r)| r).collect()
    });
    let realtime_elapsed = started.elapsed().as_secs_f64();

    // The twin: same cells, same compressed show rhythm and session length, many more races.
    let per_session = races.div_ceil(TEAM_COUNTS.count()).max(1);
    let timing = Timing::compressed(per_session);
    let twin_races = (races * 10).max(2000);
    let twin_cells: Vec<CellSpec> = cells
        .iter()
        .map(|cell| CellSpec {
            profile: &cell.profile,
            cheat: None,
            gap_ms: cell.gap_ms,
            timing: &timing,
            races: twin_races,
            family: 1,
        })
        .collect();
    let twins = run_cells(&twin_cells, rules, args.seed, threads);

    eprintln!(
        "\nreal time vs simulation (same show rhythm; sim {twin_races} races per cell), took {realtime_elapsed:.1} s"
    );
    eprintln!(
        "   {:<11}{:>4} | {:>22} {:>8} {:>12} {:>11} | {:>7} {:>8} {:>12} {:>11} | {:>8}",
        "profile",
        "gap",
        "real stagebuzz % [95%]",
        "arrival%",
        "verdict50/99",
        "err50/99",
        "sim sb%",
        "arrival%",
        "verdict50/99",
        "err50/99",
        "late p99"
    );
    let mut out = Vec::new();
    for ((cell, result), twin) in cells.iter().zip(&results).zip(&twins) {
        match result {
            Ok(rt) => {
                let t = &rt.tally;
                let (lo, hi) = t.correct_ci();
                let late_p99 = rt.lateness.value_at_quantile(0.99);
                let err = |t: &Tally, q: f64| stats::quantile_ms(&t.press_error, q);
                eprintln!(
                    "   {:<11}{:>4} | {:>7.2} [{:>5.1}-{:>5.1}] {:>8.2} {:>5.1}/{:>6.1} {:>5.2}/{:>5.2} | {:>7.2} {:>8.2} {:>5.1}/{:>6.1} {:>5.2}/{:>5.2} | {:>5} us",
                    cell.profile.name,
                    cell.gap_ms,
                    t.correct_rate() * 100.0,
                    lo * 100.0,
                    hi * 100.0,
                    t.arrival_rate() * 100.0,
                    t.verdict_ms(0.5),
                    t.verdict_ms(0.99),
                    err(t, 0.5),
                    err(t, 0.99),
                    twin.correct_rate() * 100.0,
                    twin.arrival_rate() * 100.0,
                    twin.verdict_ms(0.5),
                    twin.verdict_ms(0.99),
                    err(twin, 0.5),
                    err(twin, 0.99),
                    late_p99
                );
                let faithful = late_p99 <= FAITHFUL_LATENESS_P99_US;
                if !faithful {
                    eprintln!(
                        "   ^ harness fell behind (release lateness p99 {late_p99} us > {FAITHFUL_LATENESS_P99_US} us): \
                         this cell measured the machine's load, not the profile"
                    );
                }
                let (alo, ahi) = t.arrival_ci();
                out.push(json!({
                    "harness_faithful": faithful,
                    "profile": cell.profile.name,
                    "gap_ms": cell.gap_ms,
                    "realtime": {
                        "races": t.races,
                        "stagebuzz": {"correct_rate": stats::rate(t.correct, t.races),
                                      "ci95": [round(lo, 4), round(hi, 4)],
                                      "lost_to_tail": t.lost_to_tail},
                        "arrival": {"correct_rate": stats::rate(t.arrival_correct, t.races),
                                    "ci95": [round(alo, 4), round(ahi, 4)]},
                        "verdict_delay_ms": stats::verdict_json(t),
                        "press_error_abs_ms": percentiles_ms(&t.press_error),
                        "release_lateness_us": {
                            "p50": rt.lateness.value_at_quantile(0.5),
                            "p99": late_p99,
                            "max": rt.lateness.max(),
                        },
                        "elapsed_s": round(rt.elapsed_s, 1),
                    },
                    "sim": {
                        "races": twin.races,
                        "stagebuzz": {"correct_rate": stats::rate(twin.correct, twin.races)},
                        "arrival": {"correct_rate": stats::rate(twin.arrival_correct, twin.races)},
                        "verdict_delay_ms": stats::verdict_json(twin),
                        "press_error_abs_ms": percentiles_ms(&twin.press_error),
                    },
                    "sim_in_realtime_ci95": {
                        "stagebuzz": (lo..=hi).contains(&twin.correct_rate()),
                        "arrival": (alo..=ahi).contains(&twin.arrival_rate()),
                    },
                }));
            }
            Err(error) => {
                eprintln!(
                    "   {:<12}{:>5} | failed: {error}",
                    cell.profile.name, cell.gap_ms
                );
                out.push(
                    json!({"profile": cell.profile.name, "gap_ms": cell.gap_ms, "error": error}),
                );
            }
        }
    }
    json!({
        "races_per_cell": races,
        "sim_races_per_cell": twin_races,
        "elapsed_s": round(realtime_elapsed, 1),
        "parallel_cells": args.realtime_parallel,
        "journal_sync_ms": args.journal_sync_ms,
        "journal_stall_ms": args.journal_stall_ms,
        "cells": out,
    })
}

/// Evaluates the benchmark's targets on the simulated grid.
fn evaluate_targets(profiles: &[Profile], grid: &Grid, rules: &BuzzInRules) -> Vec<Target> {
    let (cells, tallies) = (grid.cells, grid.tallies);
    let tally_of = |name: &str, cheat: Option<Cheat>, gap: f64| grid.get(name, cheat, gap);
    let has = |name: &str| profiles.iter().any(|p| p.name == name);
    let mut targets = Vec::new();
    // The worst gap at or above `from` must reach `bound`.
    let mut rate_target = |name: &str, from: f64, bound: f64| {
        let label = format!("{name} >={from}ms >={}%", bound * 100.0);
        if !has(name) {
            targets.push(Target::skipped(label));
            return;
        }
        let (gap, worst) = GAPS_MS
            .iter()
            .filter(|&&g| g >= from)
            .map(|&g| (g, tally_of(name, None, g).expect("cell ran")))
            .min_by(|a, b| a.1.correct_rate().total_cmp(&b.1.correct_rate()))
            .expect("a gap at or above the bound");
        let (lo, hi) = worst.correct_ci();
        targets.push(Target {
            name: label,
            value: Some(worst.correct_rate()),
            pass: Some(worst.correct_rate() >= bound),
            why: format!(
                "worst gap {gap} ms: {}/{} correct (95% CI {:.4}-{:.4}); {} lost to tail, {} misordered ({} with the winner clamped)",
                worst.correct,
                worst.races,
                lo,
                hi,
                worst.lost_to_tail,
                worst.misordered,
                worst.misordered_clamped
            ),
        });
    };
    rate_target("lan", 1.0, 0.999);
    rate_target("wifi", 5.0, 0.999);
    rate_target("wifi", 2.0, 0.99);
    rate_target("asymmetric", 5.0, 0.999);

    for name in ["wifi_tail", "wifi_powersave"] {
        let label = format!("{name} beats arrival order at every gap >=2ms");
        if !has(name) {
            targets.push(Target::skipped(label));
            continue;
        }
        // Margin in percentage points; a gap where both are perfect counts as not worse.
        let margins: Vec<(f64, f64, bool)> = GAPS_MS
            .iter()
            .filter(|&&g| g >= 2.0)
            .map(|&g| {
                let t = tally_of(name, None, g).expect("cell ran");
                let both_perfect = t.correct == t.races && t.arrival_correct == t.races;
                (g, t.correct_rate() - t.arrival_rate(), both_perfect)
            })
            .collect();
        let (gap, worst, _) = margins
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("gaps >= 2");
        let pass = margins.iter().all(|&(_, m, perfect)| m > 0.0 || perfect);
        targets.push(Target {
            name: label,
            value: Some(worst),
            pass: Some(pass),
            why: format!(
                "smallest margin (stagebuzz - arrival) {:.2} pp at {gap} ms",
                worst * 100.0
            ),
        });
    }

    let cap = rules.press_allowance_cap_ms as f64;
    let gain = cells
        .iter()
        .zip(tallies)
        .filter(|(c, _)| c.cheat.is_some())
        .filter_map(|(c, t)| t.cheat_gain_max.map(|g| (g as f64 / 1000.0, c)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    targets.push(match gain {
        Some((gain, cell)) => Target {
            name: format!("cheater gain <= cap ({cap} ms)"),
            value: Some(gain),
            pass: Some(gain <= cap),
            why: format!(
                "largest gain {gain:.3} ms: {} cheater on {} at {} ms",
                cell.cheat.map_or("", Cheat::name),
                cell.profile.name,
                cell.gap_ms
            ),
        },
        None => Target {
            name: format!("cheater gain <= cap ({cap} ms)"),
            value: None,
            pass: None,
            why: "no cheater buzz entered a race".into(),
        },
    });

    let mut delays = histogram();
    let mut delay_max = 0;
    for tally in tallies {
        delays.add(&tally.verdict_delay).expect("same bounds");
        delay_max = delay_max.max(tally.verdict_delay_max);
    }
    let worst_p99 = cells
        .iter()
        .zip(tallies)
        .map(|(c, t)| (t.verdict_ms(0.99), c))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((p99, cell)) = worst_p99 {
        targets.push(Target {
            name: format!("verdict <= {VERDICT_BOUND_MS}ms after first arrival (p99)"),
            value: Some(p99),
            pass: Some(p99 <= VERDICT_BOUND_MS),
            why: format!(
                "worst cell p99 {p99:.1} ms ({} {} at {} ms); all races pooled p99 {:.1} ms",
                cell.profile.name,
                cell.cheat.map_or("honest", Cheat::name),
                cell.gap_ms,
                stats::quantile_ms(&delays, 0.99)
            ),
        });
        let max = delay_max as f64 / 1000.0;
        targets.push(Target {
            name: format!("verdict <= {VERDICT_BOUND_MS}ms after first arrival (max)"),
            value: Some(max),
            pass: Some(max <= VERDICT_BOUND_MS),
            why: format!("over {} races, cheater races included", delays.len()),
        });
    }
    targets
}
