//! What the benchmark assumes about phones, people and networks: the delay distribution of each
//! network profile, one phone's network state (per-direction ordering, radio power save, a
//! constant one-way skew), the page clock, and the rhythm of a show.
//!
//! Shared by the virtual-time simulation and the real-time mode, so both inject the very same
//! latencies. Times are microseconds ([`Us`]) since the start of a session (simulation) or of a
//! cell (real time).

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, LogNormal, Pareto};

/// Microseconds.
pub type Us = u64;

/// Microseconds in a millisecond.
pub const MS: Us = 1000;

/// Resolution of the page clock (`performance.now()` and event `timeStamp`). Chrome, which most
/// Android phones run, coarsens both to 100 µs on pages that are not cross-origin isolated.
pub const CLOCK_RESOLUTION_MS: f64 = 0.1;
/// Largest page-clock offset from the server clock, either way: a page loaded up to 10 minutes
/// before or after the server's epoch (the offset itself is what clock sync must find; its size
/// does not matter as long as it is large and different per phone).
pub const MAX_OFFSET_MS: f64 = 600_000.0;
/// Largest page-clock rate error: cheap phone crystals run up to ±50 ppm fast or slow.
pub const MAX_DRIFT: f64 = 50e-6;

/// A one-way delay distribution, the same in both directions, drawn independently per message.
#[derive(Clone, Debug)]
pub enum Delay {
    /// Uniform between the two bounds (ms).
    Uniform(f64, f64),
    /// `floor_ms` plus a log-normal part: a minimum time on the air plus a right-skewed queueing
    /// and retry delay.
    LogNormal {
        /// The minimum delay (ms).
        floor_ms: f64,
        /// The variable part (ms).
        body: LogNormal<f64>,
    },
    /// With probability `tail_p` a Pareto draw (capped at `cap_ms`), else `body`: a congested
    /// network where some frames wait behind retries and contention for a long, heavy-tailed
    /// time.
    Mixture {
        /// The usual delay.
        body: Box<Delay>,
        /// Share of messages that hit the tail.
        tail_p: f64,
        /// The tail (ms).
        tail: Pareto<f64>,
        /// Longest tail delay (ms); beyond a few seconds TCP would have given up on the phone.
        cap_ms: f64,
    },
    /// `body` below its quantile `from_p` (at `from_ms`), an exponential tail with mean excess
    /// `mean_excess_ms` above it: the lightest tail a distribution can have that still meets given
    /// high quantiles, to show how much of a result hangs on the tail beyond the measured p99.
    ExponentialTail {
        /// The delay below the tail.
        body: Box<Delay>,
        /// Share of messages below the tail.
        from_p: f64,
        /// `body`'s `from_p` quantile (ms), where the tail starts.
        from_ms: f64,
        /// Mean of the excess over `from_ms` in the tail (ms).
        mean_excess_ms: f64,
    },
}

impl Delay {
    /// Log-normal with the given median for the variable part, on top of `floor_ms`.
    fn log_normal(floor_ms: f64, median_ms: f64, sigma: f64) -> Delay {
        let body = LogNormal::new(median_ms.ln(), sigma).expect("valid log-normal parameters");
        Delay::LogNormal { floor_ms, body }
    }

    /// One draw, in ms.
    pub fn sample_ms(&self, rng: &mut StdRng) -> f64 {
        match self {
            Delay::Uniform(lo, hi) => rng.random_range(*lo..*hi),
            Delay::LogNormal { floor_ms, body } => floor_ms + body.sample(rng),
            Delay::Mixture {
                body,
                tail_p,
                tail,
                cap_ms,
            } => {
                if rng.random_bool(*tail_p) {
                    tail.sample(rng).min(*cap_ms)
                } else {
                    body.sample_ms(rng)
                }
            }
            Delay::ExponentialTail {
                body,
                from_p,
                from_ms,
                mean_excess_ms,
            } => {
                if rng.random_bool(1.0 - from_p) {
                    let tail = rand_distr::Exp::new(1.0 / mean_excess_ms)
                        .expect("valid exponential parameter");
                    from_ms + tail.sample(rng)
                } else {
                    // The body conditioned below its quantile: about 1.1 draws on average.
                    loop {
                        let drawn = body.sample_ms(rng);
                        if drawn < *from_ms {
                            break drawn;
                        }
                    }
                }
            }
        }
    }

    /// One draw, in µs.
    pub fn sample_us(&self, rng: &mut StdRng) -> Us {
        (self.sample_ms(rng) * 1000.0).round().max(0.0) as Us
    }
}

/// Radio power save: a phone whose radio has been idle for `idle_us` dozes, and the next packet
/// either way waits for it to wake up.
#[derive(Clone, Copy, Debug)]
pub struct PowerSave {
    /// Idle time after which the radio dozes.
    pub idle_us: Us,
    /// Wake-up stall, uniform between these bounds.
    pub stall_us: (Us, Us),
}

/// Which way a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Phone to server.
    Up,
    /// Server to phone.
    Down,
}

/// A constant extra delay on one team's link in one direction (a phone behind a slow repeater,
/// or with a sluggish driver on transmit): the case NTP-style sync cannot see.
#[derive(Clone, Copy, Debug)]
pub struct Skew {
    /// The direction that is slower.
    pub direction: Direction,
    /// How much slower, always.
    pub extra_us: Us,
}

/// A network and server behaviour to benchmark.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Name on the command line and in the output.
    pub name: &'static str,
    /// The model in words, for the output.
    pub description: &'static str,
    /// One-way delay, each direction, each message.
    pub delay: Delay,
    /// Radio power save, if the phones doze.
    pub power_save: Option<PowerSave>,
    /// The server pings every `SLOW_PING_MS` even while a question is on stage (what the fast
    /// pings are for, shown by contrast).
    pub slow_ping_in_question: bool,
    /// One team per session (chosen at random) has this constant extra delay.
    pub skew: Option<Skew>,
}

/// Awake Wi-Fi: 1 ms on the air plus a log-normal with median 4 ms and σ = 1.15, giving a one-way
/// median ~5 ms, p90 ~18.5 ms, p99 ~59 ms (checked empirically and printed by the benchmark).
fn wifi_delay() -> Delay {
    Delay::log_normal(1.0, 4.0, 1.15)
}

/// `wifi` with the same median, p90 and p99 but the lightest natural tail above its p90: an
/// exponential one (p99.9 ~100 ms instead of ~138 ms). Not a target profile: it shows how much of
/// the `wifi` result depends on the unmeasured tail beyond p99.
fn wifi_light_tail_delay() -> Delay {
    // Quantiles of 1 ms + lognormal(median 4 ms, σ 1.15): z(0.90) = 1.2816, z(0.99) = 2.3263.
    let quantile = |z: f64| 1.0 + 4.0 * (1.15 * z).exp();
    let (p90, p99) = (quantile(1.2816), quantile(2.3263));
    Delay::ExponentialTail {
        body: Box::new(wifi_delay()),
        from_p: 0.90,
        from_ms: p90,
        // An exponential excess passes one decade of probability every mean·ln 10.
        mean_excess_ms: (p99 - p90) / std::f64::consts::LN_10,
    }
}

/// Every profile, in output order.
pub fn profiles() -> Vec<Profile> {
    let power_save = PowerSave {
        idle_us: 200 * MS,
        stall_us: (50 * MS, 150 * MS),
    };
    vec![
        Profile {
            name: "lan",
            description: "one-way uniform 1-3 ms each way",
            delay: Delay::Uniform(1.0, 3.0),
            power_save: None,
            slow_ping_in_question: false,
            skew: None,
        },
        Profile {
            name: "wifi",
            description: "awake Wi-Fi: one-way 1 ms + lognormal(median 4 ms, sigma 1.15)",
            delay: wifi_delay(),
            power_save: None,
            slow_ping_in_question: false,
            skew: None,
        },
        Profile {
            name: "wifi_light_tail",
            description: "wifi below its p90 (18.5 ms), exponential above it with the same p99 \
                          (59 ms): the lightest tail the measured quantiles allow",
            delay: wifi_light_tail_delay(),
            power_save: None,
            slow_ping_in_question: false,
            skew: None,
        },
        Profile {
            name: "wifi_tail",
            description: "busy campus Wi-Fi: 88% 1 ms + lognormal(median 5 ms, sigma 0.9), \
                          12% Pareto(scale 30 ms, shape 1.17) capped at 3 s",
            delay: Delay::Mixture {
                body: Box::new(Delay::log_normal(1.0, 5.0, 0.9)),
                tail_p: 0.12,
                tail: Pareto::new(30.0, 1.17).expect("valid Pareto parameters"),
                cap_ms: 3000.0,
            },
            power_save: None,
            slow_ping_in_question: false,
            skew: None,
        },
        Profile {
            name: "wifi_powersave",
            description: "wifi + 50-150 ms uniform wake-up stall on a packet (either way) after \
                          the phone's radio was idle >= 200 ms",
            delay: wifi_delay(),
            power_save: Some(power_save),
            slow_ping_in_question: false,
            skew: None,
        },
        Profile {
            name: "wifi_powersave_slowping",
            description: "wifi_powersave, but the server pings every SLOW_PING_MS even during \
                          questions",
            delay: wifi_delay(),
            power_save: Some(power_save),
            slow_ping_in_question: true,
            skew: None,
        },
        Profile {
            name: "asymmetric",
            description: "wifi, one random team per session has +40 ms on its uplink, always",
            delay: wifi_delay(),
            power_save: None,
            slow_ping_in_question: false,
            skew: Some(Skew {
                direction: Direction::Up,
                extra_us: 40 * MS,
            }),
        },
        Profile {
            name: "asymmetric_down",
            description: "wifi, one random team per session has +40 ms on its downlink, always",
            delay: wifi_delay(),
            power_save: None,
            slow_ping_in_question: false,
            skew: Some(Skew {
                direction: Direction::Down,
                extra_us: 40 * MS,
            }),
        },
    ]
}

/// One phone's side of the network: delays drawn from the profile, in-order delivery per
/// direction (one TCP connection: a later message cannot overtake an earlier one), the radio's
/// power-save state, and any constant skew.
#[derive(Clone, Debug)]
pub struct PhoneNet {
    power_save: Option<PowerSave>,
    extra_up: Us,
    extra_down: Us,
    last_up: Us,
    last_down: Us,
    /// Last moment the radio sent or received anything.
    radio_active: Option<Us>,
}

impl PhoneNet {
    /// A phone on `profile`'s network; `skewed` says whether it is the team with the skew.
    pub fn new(profile: &Profile, skewed: bool) -> PhoneNet {
        let (mut extra_up, mut extra_down) = (0, 0);
        if let (true, Some(skew)) = (skewed, profile.skew) {
            match skew.direction {
                Direction::Up => extra_up = skew.extra_us,
                Direction::Down => extra_down = skew.extra_us,
            }
        }
        PhoneNet {
            power_save: profile.power_save,
            extra_up,
            extra_down,
            last_up: 0,
            last_down: 0,
            radio_active: None,
        }
    }

    /// The wake-up stall for radio activity at `at`, if the radio was dozing.
    fn stall(&self, at: Us, rng: &mut StdRng) -> Us {
        match (self.power_save, self.radio_active) {
            (Some(ps), Some(active)) if at.saturating_sub(active) >= ps.idle_us => {
                rng.random_range(ps.stall_us.0..=ps.stall_us.1)
            }
            _ => 0,
        }
    }

    /// A message the server sends at `sent`: when the page gets it.
    pub fn down(&mut self, delay: &Delay, rng: &mut StdRng, sent: Us) -> Us {
        let reaches_radio = sent + delay.sample_us(rng) + self.extra_down;
        // The access point holds frames for a dozing phone until it wakes.
        let delivered = (reaches_radio + self.stall(reaches_radio, rng)).max(self.last_down);
        self.last_down = delivered;
        self.radio_active = Some(self.radio_active.map_or(delivered, |a| a.max(delivered)));
        delivered
    }

    /// A message the page sends at `sent`: when the server gets it.
    pub fn up(&mut self, delay: &Delay, rng: &mut StdRng, sent: Us) -> Us {
        // A dozing radio must wake (and re-associate its power state) before it can transmit.
        let on_air = sent + self.stall(sent, rng);
        self.radio_active = Some(self.radio_active.map_or(on_air, |a| a.max(on_air)));
        let delivered = (on_air + delay.sample_us(rng) + self.extra_up).max(self.last_up);
        self.last_up = delivered;
        delivered
    }
}

/// A page's `performance.now()` clock: its own origin, a small rate error, coarse resolution.
#[derive(Clone, Copy, Debug)]
pub struct PageClock {
    /// Page clock at time 0.
    pub offset_ms: f64,
    /// Rate error (1e-6 = 1 ppm fast).
    pub drift: f64,
}

impl PageClock {
    /// A random clock: offset within ±[`MAX_OFFSET_MS`], drift within ±[`MAX_DRIFT`].
    pub fn random(rng: &mut StdRng) -> PageClock {
        PageClock {
            offset_ms: rng.random_range(-MAX_OFFSET_MS..MAX_OFFSET_MS),
            drift: rng.random_range(-MAX_DRIFT..MAX_DRIFT),
        }
    }

    /// What the page clock reads at `at`, rounded down to its resolution.
    pub fn read(&self, at: Us) -> f64 {
        let exact = self.offset_ms + at as f64 / 1000.0 * (1.0 + self.drift);
        (exact / CLOCK_RESOLUTION_MS).floor() * CLOCK_RESOLUTION_MS
    }
}

/// How a phone lies, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cheat {
    /// Claims `pressed_at` [`CHEAT_CLAIM_MS`] before its real press, and holds each sync reply
    /// [`CHEAT_HOLD_MS`] before sending it while stamping `t2 = t1` (so the wait looks like
    /// network delay and inflates its measured uplink, hence its allowance).
    Claim,
    /// Presses honestly but forges `t1 = t2 =` its clock + [`CHEAT_FORGE_MS`] in every sync
    /// reply (the server then believes its clock runs ahead, so every honest stamp converts to
    /// an earlier server time), and holds the replies [`CHEAT_HOLD_MS`] too.
    Forge,
}

impl Cheat {
    /// Name in the output.
    pub fn name(self) -> &'static str {
        match self {
            Cheat::Claim => "claim",
            Cheat::Forge => "forge",
        }
    }
}

/// How much earlier than its real press the `Claim` cheater says it pressed.
pub const CHEAT_CLAIM_MS: f64 = 1000.0;
/// How long a cheater holds each sync reply before sending it.
pub const CHEAT_HOLD_MS: f64 = 60.0;
/// How far the `Forge` cheater shifts its reported ping timestamps.
pub const CHEAT_FORGE_MS: f64 = 1000.0;

/// The rhythm of a show: when the MC acts and how fast people react (all ranges uniform, ms).
#[derive(Clone, Debug)]
pub struct Timing {
    /// Phones join within this long of the session start.
    pub connect_spread_ms: f64,
    /// The first question is shown this long after the session start (slow pings until then).
    pub lobby_ms: f64,
    /// The question is read out, phones pinged fast, before the MC opens the buzzers.
    pub reading_ms: (f64, f64),
    /// From the moment the last phone shows "open" to the first press.
    pub reaction_ms: (f64, f64),
    /// From the floor verdict (and the last buzz's arrival) to the MC's judgement.
    pub answer_ms: (f64, f64),
    /// From the judgement (question closed, slow pings) to the next question.
    pub break_ms: (f64, f64),
    /// The page's time to answer a sync ping (`t2 - t1`).
    pub sync_process_ms: (f64, f64),
    /// From the press (`pointerdown`) to the buzz leaving the page.
    pub press_send_ms: (f64, f64),
    /// Races per session (per set of connected phones) at most.
    pub races_per_session: usize,
}

impl Timing {
    /// A staged show: ~5 s of lobby, 3-6 s of reading per question, 1-3 s of answering.
    pub fn show() -> Timing {
        Timing {
            connect_spread_ms: 1000.0,
            lobby_ms: 5000.0,
            reading_ms: (3000.0, 6000.0),
            reaction_ms: (150.0, 400.0),
            answer_ms: (1000.0, 3000.0),
            break_ms: (500.0, 1500.0),
            sync_process_ms: (0.05, 0.3),
            press_send_ms: (0.1, 0.5),
            races_per_session: 40,
        }
    }

    /// A compressed show for the real-time mode (which runs in wall-clock time): shorter
    /// lobby, reading and answering, the same reactions and delays. The reading still gives
    /// 15-25 fast pings, so the estimate has a window's worth of samples to filter, as in a show.
    pub fn compressed(races_per_session: usize) -> Timing {
        Timing {
            connect_spread_ms: 50.0,
            lobby_ms: 2000.0,
            reading_ms: (1500.0, 2500.0),
            reaction_ms: (150.0, 400.0),
            answer_ms: (30.0, 60.0),
            break_ms: (100.0, 200.0),
            races_per_session,
            ..Timing::show()
        }
    }
}

/// A uniform draw from an inclusive-exclusive range of ms, in µs.
pub fn uniform_us(rng: &mut StdRng, (lo, hi): (f64, f64)) -> Us {
    let ms = if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    };
    (ms * 1000.0).round() as Us
}
