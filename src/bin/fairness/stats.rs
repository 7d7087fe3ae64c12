//! Tallies of race outcomes and their rendering as JSON.

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use crate::sim::RaceOutcome;

/// Team counts the benchmark plays (inclusive).
pub const TEAM_COUNTS: std::ops::RangeInclusive<usize> = 2..=8;

/// A histogram of µs values up to 10 s at 3 significant digits.
pub fn histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, 10_000_000, 3).expect("valid histogram bounds")
}

/// Rounds for display in JSON (keeps the line readable; rates keep 6 decimals).
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// `num / den`, or null without races.
pub fn rate(num: u64, den: u64) -> Value {
    if den == 0 {
        Value::Null
    } else {
        json!(round(num as f64 / den as f64, 6))
    }
}

/// A quantile of a µs histogram in ms. The histogram keeps 3 significant digits; the middle of
/// the matching bucket is reported (`value_at_quantile` alone gives its top, which would show an
/// exact 100 ms as 100.031).
pub fn quantile_ms(h: &Histogram<u32>, q: f64) -> f64 {
    h.median_equivalent(h.value_at_quantile(q)) as f64 / 1000.0
}

/// p50, p90, p99, p99.9 and max of a µs histogram, in ms (max within the histogram's precision;
/// tallies keep exact maxima where a target needs them).
pub fn percentiles_ms(h: &Histogram<u32>) -> Value {
    if h.is_empty() {
        return Value::Null;
    }
    let at = |q: f64| round(quantile_ms(h, q), 3);
    json!({
        "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "p99.9": at(0.999),
        "max": at(1.0), "n": h.len(),
    })
}

/// What one cell's races added up to.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Races played.
    pub races: u64,
    /// Floor to the true first presser.
    pub correct: u64,
    /// First arrival from the true first presser.
    pub arrival_correct: u64,
    /// Races with no floor at all.
    pub undecided: u64,
    /// True winner's buzz arrived after the verdict.
    pub lost_to_tail: u64,
    /// True winner's buzz judged a false start.
    pub winner_false_start: u64,
    /// Wrong although the winner's buzz was in the race: the press times were misordered.
    pub misordered: u64,
    /// ...of which the winner's press had been clamped to its allowance before arrival (its
    /// buzz took longer than the allowance, so its press was placed too late).
    pub misordered_clamped: u64,
    /// Verdicts flagged a close call.
    pub close: u64,
    /// Wrong verdicts flagged a close call (the MC was warned).
    pub wrong_close: u64,
    /// Per team count: races, correct, arrival correct.
    pub by_teams: [[u64; 3]; 9],
    /// Verdict delay after the first arrival (µs).
    pub verdict_delay: Histogram<u32>,
    /// Exact largest verdict delay (µs).
    pub verdict_delay_max: u64,
    /// Settle window asked for at the opening (µs).
    pub settle: Histogram<u32>,
    /// Buzz uplink delay, page to server (µs).
    pub uplink: Histogram<u32>,
    /// |true press - press the server used| of honest buzzes that entered a race (µs).
    pub press_error: Histogram<u32>,
    /// Races with a cheater.
    pub cheat_races: u64,
    /// Cheater's buzz entered the race.
    pub cheat_accepted: u64,
    /// Largest gain (µs).
    pub cheat_gain_max: Option<i64>,
    /// Positive gains (µs).
    pub cheat_gain: Histogram<u32>,
    /// Races the cheater truly lost.
    pub cheat_not_first: u64,
    /// ...and won anyway.
    pub cheat_stole: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            races: 0,
            correct: 0,
            arrival_correct: 0,
            undecided: 0,
            lost_to_tail: 0,
            winner_false_start: 0,
            misordered: 0,
            misordered_clamped: 0,
            close: 0,
            wrong_close: 0,
            by_teams: [[0; 3]; 9],
            verdict_delay: histogram(),
            verdict_delay_max: 0,
            settle: histogram(),
            uplink: histogram(),
            press_error: histogram(),
            cheat_races: 0,
            cheat_accepted: 0,
            cheat_gain_max: None,
            cheat_gain: histogram(),
            cheat_not_first: 0,
            cheat_stole: 0,
        }
    }
}

impl Tally {
    /// Adds one race.
    pub fn add(&mut self, o: &RaceOutcome) {
        self.races += 1;
        self.correct += u64::from(o.correct);
        self.arrival_correct += u64::from(o.arrival_correct);
        self.undecided += u64::from(!o.decided);
        self.lost_to_tail += u64::from(o.lost_to_tail);
        self.winner_false_start += u64::from(o.winner_false_start);
        let misordered = !o.correct && o.decided && !o.lost_to_tail && !o.winner_false_start;
        self.misordered += u64::from(misordered);
        self.misordered_clamped += u64::from(misordered && o.winner_clamped_early);
        self.close += u64::from(o.close);
        self.wrong_close += u64::from(o.close && !o.correct);
        let row = &mut self.by_teams[o.teams.min(8)];
        row[0] += 1;
        row[1] += u64::from(o.correct);
        row[2] += u64::from(o.arrival_correct);
        if let Some(delay) = o.verdict_delay_us {
            self.verdict_delay.saturating_record(delay);
            self.verdict_delay_max = self.verdict_delay_max.max(delay);
        }
        if let Some(settle) = o.settle_us {
            self.settle.saturating_record(settle);
        }
        for &up in &o.uplink_us {
            self.uplink.saturating_record(up);
        }
        // The cheater's own error is its gain, tallied below.
        if o.cheater.is_none() {
            for &error in &o.press_error_us {
                self.press_error.saturating_record(error.unsigned_abs());
            }
        }
        if let Some(c) = o.cheater {
            self.cheat_races += 1;
            if let Some(gain) = c.gain_us {
                self.cheat_accepted += 1;
                self.cheat_gain_max = Some(self.cheat_gain_max.map_or(gain, |m| m.max(gain)));
                if gain > 0 {
                    self.cheat_gain.saturating_record(gain as u64);
                }
            }
            if !c.truly_first {
                self.cheat_not_first += 1;
                self.cheat_stole += u64::from(c.won);
            }
        }
    }

    /// Adds another tally (order does not matter: every field is a sum, a max or a histogram).
    pub fn merge(&mut self, other: &Tally) {
        self.races += other.races;
        self.correct += other.correct;
        self.arrival_correct += other.arrival_correct;
        self.undecided += other.undecided;
        self.lost_to_tail += other.lost_to_tail;
        self.winner_false_start += other.winner_false_start;
        self.misordered += other.misordered;
        self.misordered_clamped += other.misordered_clamped;
        self.close += other.close;
        self.wrong_close += other.wrong_close;
        for (mine, theirs) in self.by_teams.iter_mut().zip(other.by_teams.iter()) {
            for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                *a += b;
            }
        }
        self.verdict_delay
            .add(&other.verdict_delay)
            .expect("same bounds");
        self.verdict_delay_max = self.verdict_delay_max.max(other.verdict_delay_max);
        self.settle.add(&other.settle).expect("same bounds");
        self.uplink.add(&other.uplink).expect("same bounds");
        self.press_error
            .add(&other.press_error)
            .expect("same bounds");
        self.cheat_races += other.cheat_races;
        self.cheat_accepted += other.cheat_accepted;
        self.cheat_gain_max = match (self.cheat_gain_max, other.cheat_gain_max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.cheat_gain.add(&other.cheat_gain).expect("same bounds");
        self.cheat_not_first += other.cheat_not_first;
        self.cheat_stole += other.cheat_stole;
    }

    /// Share of races the floor went to the true first presser.
    pub fn correct_rate(&self) -> f64 {
        self.correct as f64 / self.races.max(1) as f64
    }

    /// Share of races the first arrival came from the true first presser.
    pub fn arrival_rate(&self) -> f64 {
        self.arrival_correct as f64 / self.races.max(1) as f64
    }

    /// A verdict-delay quantile in ms.
    pub fn verdict_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.verdict_delay, q)
    }

    /// The 95% Wilson interval of the correct rate.
    pub fn correct_ci(&self) -> (f64, f64) {
        wilson(self.correct, self.races)
    }

    /// The 95% Wilson interval of the arrival-order rate.
    pub fn arrival_ci(&self) -> (f64, f64) {
        wilson(self.arrival_correct, self.races)
    }

    /// The per-gap JSON object.
    pub fn gap_json(&self) -> Value {
        let by_teams: serde_json::Map<String, Value> = TEAM_COUNTS
            .filter(|&n| self.by_teams[n][0] > 0)
            .map(|n| {
                let [races, correct, arrival] = self.by_teams[n];
                (
                    n.to_string(),
                    json!({"races": races, "stagebuzz": rate(correct, races),
                           "arrival": rate(arrival, races)}),
                )
            })
            .collect();
        let (lo, hi) = self.correct_ci();
        json!({
            "races": self.races,
            "teams": "2-8",
            "stagebuzz": {
                "correct_rate": rate(self.correct, self.races),
                "ci95": [round(lo, 6), round(hi, 6)],
                "wrong": self.races - self.correct,
                "lost_to_tail": self.lost_to_tail,
                "misordered": self.misordered,
                "misordered_winner_clamped_early": self.misordered_clamped,
                "winner_false_start": self.winner_false_start,
                "undecided": self.undecided,
                "close_flagged": self.close,
                "wrong_close_flagged": self.wrong_close,
            },
            "arrival": {"correct_rate": rate(self.arrival_correct, self.races)},
            "verdict_delay_ms": verdict_json(self),
            "settle_window_ms": percentiles_ms(&self.settle),
            "press_error_abs_ms": percentiles_ms(&self.press_error),
            "by_teams": by_teams,
        })
    }

    /// The cheater JSON object.
    pub fn cheat_json(&self, cap_ms: u64) -> Value {
        json!({
            "races": self.cheat_races,
            "buzz_entered_race": self.cheat_accepted,
            "gain_max_ms": self.cheat_gain_max.map(|g| round(g as f64 / 1000.0, 3)),
            "gain_ms": percentiles_ms(&self.cheat_gain),
            "cap_ms": cap_ms,
            "stole_rate": rate(self.cheat_stole, self.cheat_not_first),
            "honest_correct_rate": rate(self.correct, self.races),
        })
    }
}

/// The 95% Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_964f64;
    let n = n as f64;
    let p = k as f64 / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Verdict-delay percentiles with the exact maximum.
pub fn verdict_json(tally: &Tally) -> Value {
    let mut value = percentiles_ms(&tally.verdict_delay);
    if value.is_object() {
        value["max"] = json!(round(tally.verdict_delay_max as f64 / 1000.0, 3));
    }
    value
}
