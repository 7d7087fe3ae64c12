//! One team phone's link as the server sees it: the clock-sync pings it owes, the estimate they
//! give, whether the phone still answers, and the press claims built from all that.
//!
//! Pure (times are passed in) so that the fairness benchmark drives exactly this code.

use std::collections::VecDeque;

use crate::clocksync::{ClockSync, SyncEstimate, SyncSample};
use crate::game::{PressClaim, Time};

/// Ping period while a question is on stage: often enough to keep a phone's Wi-Fi radio out of
/// power save (radios doze after ~100-200 ms idle) and to keep the estimate fresh.
pub const FAST_PING_MS: u64 = 100;
/// Ping period between questions: enough to notice a phone that went away.
pub const SLOW_PING_MS: u64 = 1000;
/// Pings sent at the fast period right after a phone connects, whatever is on stage: a phone that
/// (re)joins between questions then has a settled estimate (a second of exchanges, not one or
/// two) before the next race, like the phones that were there all along.
pub const WARM_UP_PINGS: u32 = 10;
/// A phone that has not answered for this long is shown offline.
pub const OFFLINE_AFTER_MS: u64 = 3000;
/// How far before its arrival a press may be placed: this many times the phone's slowest recent
/// uplink delay, plus a margin; the round's cap bounds the result. A buzz is a single message that
/// may meet a Wi-Fi retry the pings did not: with this factor and [`SETTLE_FACTOR`] at 1 (the
/// slowest uplink alone), 1.8 % of 5 ms races on the `wifi` profile went wrong; at 2, 0.7 %
/// (`cargo run --release --bin fairness -- --profiles wifi --races 20000`).
/// What a lying phone can gain grows with it, but never past the cap.
pub const ALLOWANCE_FACTOR: f64 = 2.0;
/// See [`ALLOWANCE_FACTOR`].
pub const ALLOWANCE_MARGIN_MS: f64 = 10.0;
/// How often a phone's measurements are passed on to the owner (control page, settle window).
pub const REPORT_EVERY_MS: u64 = 1000;
/// How long to wait after a first buzz for earlier presses in flight: this many times the slowest
/// recent uplink delay of any online phone, plus a margin, within the round's `settle_max_ms`.
/// Same reasoning as [`ALLOWANCE_FACTOR`]; on a LAN the verdict still comes ~9 ms after the first
/// arrival (p99 ~10 ms, against ~6 ms at 1), on Wi-Fi it mostly waits the whole `settle_max_ms`.
pub const SETTLE_FACTOR: f64 = 2.0;
/// See [`SETTLE_FACTOR`].
pub const SETTLE_MARGIN_MS: f64 = 5.0;
/// Pings remembered while waiting for their answers; older ones are forgotten (their answers,
/// if they ever come, are ignored).
const OUTSTANDING: usize = 16;

/// The server's side of one team phone's connection.
#[derive(Clone, Debug)]
pub struct TeamLink {
    sync: ClockSync,
    outstanding: VecDeque<f64>,
    pings_sent: u32,
    opened: Time,
    last_reply: Option<Time>,
    online: bool,
    last_report: Option<Time>,
}

impl TeamLink {
    /// A link opened at `now`.
    pub fn new(now: Time) -> Self {
        TeamLink {
            sync: ClockSync::new(),
            outstanding: VecDeque::with_capacity(OUTSTANDING),
            pings_sent: 0,
            opened: now,
            last_reply: None,
            online: true,
            last_report: None,
        }
    }

    /// Records a ping sent at `now`; returns its `t0` (server ms) to put in the message.
    pub fn ping(&mut self, now: Time) -> f64 {
        let t0 = now.0 as f64 / 1000.0;
        if self.outstanding.len() == OUTSTANDING {
            self.outstanding.pop_front();
        }
        self.outstanding.push_back(t0);
        self.pings_sent = self.pings_sent.saturating_add(1);
        t0
    }

    /// How long to wait before the next ping: fast while a question is on stage and while the
    /// link warms up, slow otherwise.
    pub fn ping_period_ms(&self, question_on_stage: bool) -> u64 {
        if question_on_stage || self.pings_sent < WARM_UP_PINGS {
            FAST_PING_MS
        } else {
            SLOW_PING_MS
        }
    }

    /// Takes the phone's answer to a ping, received at `now`. Answers to pings never sent (or
    /// answered twice) are ignored, so a page cannot invent samples. Returns whether it counted.
    pub fn reply(&mut self, t0: f64, t1: f64, t2: f64, now: Time) -> bool {
        let Some(index) = self.outstanding.iter().position(|sent| *sent == t0) else {
            return false;
        };
        self.outstanding.remove(index);
        let sample = SyncSample {
            t0,
            t1,
            t2,
            t3: now.0 as f64 / 1000.0,
        };
        if !self.sync.add(sample) {
            return false;
        }
        self.last_reply = Some(now);
        self.online = true;
        true
    }

    /// Re-evaluates whether the phone still answers; returns true when that changed.
    pub fn check_online(&mut self, now: Time) -> bool {
        let heard = self.last_reply.unwrap_or(self.opened);
        let online = now.0.saturating_sub(heard.0) < OFFLINE_AFTER_MS * 1000;
        let changed = online != self.online;
        self.online = online;
        changed
    }

    /// Whether the measurements should be reported again (the first few samples at once, then
    /// every `REPORT_EVERY_MS`); marks them reported when it says yes.
    pub fn report_due(&mut self, now: Time) -> bool {
        let early = self.sync.len() <= 3;
        let due = self
            .last_report
            .is_none_or(|last| now.0.saturating_sub(last.0) >= REPORT_EVERY_MS * 1000);
        if early || due {
            self.last_report = Some(now);
        }
        early || due
    }

    /// Whether the phone answers pings.
    pub fn online(&self) -> bool {
        self.online
    }

    /// When it last answered.
    pub fn last_seen(&self) -> Option<Time> {
        self.last_reply
    }

    /// The current clock estimate.
    pub fn estimate(&self) -> Option<SyncEstimate> {
        self.sync.estimate()
    }

    /// The claim to attach to a buzz pressed at `pressed_at_ms` on the page's clock; `None`
    /// before the first sample (the arrival then counts as the press) or for a non-finite time.
    pub fn claim(&self, pressed_at_ms: f64) -> Option<PressClaim> {
        let estimate = self.sync.estimate()?;
        // Anything beyond ±2^53 µs is nonsense; the core clamps whatever a claim says anyway.
        const LIMIT: f64 = 9.0e15;
        let pressed_us = pressed_at_ms * 1000.0;
        if !pressed_us.is_finite() || pressed_us.abs() > LIMIT {
            return None;
        }
        let offset_us = (estimate.offset_ms * 1000.0).clamp(-LIMIT, LIMIT);
        Some(PressClaim {
            pressed_us: pressed_us.round() as i64,
            offset_us: offset_us.round() as i64,
            error_us: (estimate.error_ms * 1000.0).round() as u64,
            round_trip_us: (estimate.round_trip_ms * 1000.0).round() as u64,
            allowance_us: ((estimate.uplink_high_ms * ALLOWANCE_FACTOR + ALLOWANCE_MARGIN_MS)
                * 1000.0)
                .round() as u64,
        })
    }
}

/// How long to wait after a first buzz for earlier presses still in flight, given each connected
/// phone's (online, estimate): from the slowest online phone's uplink delay (see
/// [`SETTLE_FACTOR`]). A phone not measured yet asks for as long as the round allows (the core bounds it);
/// with no phone online there is nothing to wait for.
pub fn settle_window_us(links: impl IntoIterator<Item = (bool, Option<SyncEstimate>)>) -> u64 {
    links
        .into_iter()
        .filter(|(online, _)| *online)
        .map(|(_, estimate)| match estimate {
            Some(estimate) => {
                ((estimate.uplink_high_ms * SETTLE_FACTOR + SETTLE_MARGIN_MS) * 1000.0) as u64
            }
            None => u64::MAX,
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Time = Time::from_millis(1_800_000_000_000);

    fn estimate(uplink_high_ms: f64) -> SyncEstimate {
        SyncEstimate {
            offset_ms: 0.0,
            round_trip_ms: 4.0,
            error_ms: 2.0,
            uplink_high_ms,
            samples: 10,
        }
    }

    #[test]
    fn settle_window_follows_the_slowest_online_phone() {
        assert_eq!(settle_window_us([]), 0);
        let links = [
            (true, Some(estimate(12.0))),
            (true, Some(estimate(30.0))),
            (false, Some(estimate(200.0))),
        ];
        assert_eq!(settle_window_us(links), 65_000);
        assert_eq!(settle_window_us([(true, None)]), u64::MAX);
    }

    #[test]
    fn a_new_link_warms_up_at_the_fast_period_then_idles_until_a_question() {
        let mut link = TeamLink::new(T0);
        let mut now = T0;
        for _ in 0..WARM_UP_PINGS {
            assert_eq!(link.ping_period_ms(false), FAST_PING_MS);
            link.ping(now);
            now = now.after(FAST_PING_MS * 1000);
        }
        assert_eq!(link.ping_period_ms(false), SLOW_PING_MS);
        assert_eq!(link.ping_period_ms(true), FAST_PING_MS);
    }

    #[test]
    fn answers_to_unknown_pings_are_ignored() {
        let mut link = TeamLink::new(T0);
        assert!(!link.reply(12.0, 1.0, 1.0, T0.after(5)));
        let t0 = link.ping(T0);
        assert!(link.reply(t0, 500.0, 500.1, T0.after(4)));
        // The same answer twice counts once.
        assert!(!link.reply(t0, 500.0, 500.1, T0.after(6)));
        assert_eq!(link.estimate().map(|e| e.samples), Some(1));
    }

    #[test]
    fn claim_converts_the_page_clock_to_server_time() {
        let mut link = TeamLink::new(T0);
        let server_ms = T0.0 as f64 / 1000.0;
        // The page clock reads 1000 when the server reads T0; 2 ms each way.
        let t0 = link.ping(T0);
        link.reply(t0, 1002.0, 1002.0, T0.after(4));
        let claim = link.claim(1500.0).expect("claim after one sample");
        let press_server_ms = (claim.pressed_us - claim.offset_us) as f64 / 1000.0;
        assert!((press_server_ms - (server_ms + 500.0)).abs() < 0.01);
        assert_eq!(claim.round_trip_us, 4000);
        assert_eq!(claim.error_us, 2000);
    }

    #[test]
    fn no_claim_before_any_sample_or_for_nonsense_times() {
        let mut link = TeamLink::new(T0);
        assert_eq!(link.claim(10.0), None);
        let t0 = link.ping(T0);
        link.reply(t0, 5.0, 5.0, T0.after(2));
        assert_eq!(link.claim(f64::NAN), None);
        assert_eq!(link.claim(f64::INFINITY), None);
        assert_eq!(link.claim(1e300), None);
        assert!(link.claim(7.0).is_some());
    }

    #[test]
    fn measurements_are_reported_every_second_for_as_long_as_the_phone_answers() {
        let mut link = TeamLink::new(T0);
        let mut reports = 0;
        // A minute of pings every 100 ms: far more than the sample window holds.
        for i in 0..600u64 {
            let now = T0.after(i * 100);
            let t0 = link.ping(now);
            link.reply(t0, 1.0, 1.0, now.after(3));
            if link.report_due(now.after(3)) {
                reports += 1;
            }
        }
        assert!((60..=64).contains(&reports), "{reports} reports in 60 s");
    }

    #[test]
    fn a_silent_phone_goes_offline_and_comes_back() {
        let mut link = TeamLink::new(T0);
        assert!(!link.check_online(T0.after(2_999)));
        assert!(link.check_online(T0.after(3_000)));
        assert!(!link.online());
        let t0 = link.ping(T0.after(3_100));
        link.reply(t0, 1.0, 1.0, T0.after(3_110));
        assert!(link.online());
        assert!(!link.check_online(T0.after(3_200)));
    }
}
