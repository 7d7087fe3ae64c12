//! Join-code throttling: slows down whoever guesses a team's join code, without ever locking the
//! real team out. Pure: no I/O, no runtime; time is passed in.
//!
//! A join code is 7 characters from a 25-letter alphabet (about 6·10⁹ codes). Unthrottled, one
//! laptop on the venue's Wi-Fi tries thousands a second; here:
//!
//! - **Per address**: the first [`FREE_FAILURES`] wrong codes cost nothing (a team member
//!   mistyping). After that each further wrong code makes the address wait before its next try:
//!   1 s, 2 s, 4 s … doubling up to [`MAX_WAIT`], so never more than about a guess a second, and
//!   one every 30 s under a sustained attack. An address's failures are forgotten
//!   [`FORGET_AFTER`] after its last one.
//! - **Per team**: wrong codes against one team from addresses already past their free failures
//!   draw on that team's token bucket ([`TEAM_BURST`], refilled [`TEAM_REFILL_PER_SECOND`]); when
//!   it is empty such addresses are held back for that team, so many addresses together still
//!   guess slowly. An address within its free allowance is never held back by the team's bucket:
//!   the real team joining from another phone (with the right code from its QR code) gets in
//!   while someone elsewhere hammers that team's code.
//! - A held-back attempt must be refused **without comparing the code** (a guess while throttled
//!   tells nothing); [`JoinThrottle::check`] counts it as held back.
//!
//! The MC sees the counters per team and address ([`JoinThrottle::failed_joins`]); the log gets
//! one summary every few seconds ([`JoinThrottle::take_log_summary`]) instead of a line per
//! refusal. Memory stays bounded ([`MAX_TRACKED`] entries per table, the oldest evicted) however
//! many addresses a flood comes from.
//!
//! Callers must not let two attempts of one address race between [`JoinThrottle::check`] and
//! [`JoinThrottle::failed`]: the server holds the access registry's lock across both.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong codes an address may send before it is slowed down.
pub const FREE_FAILURES: u32 = 3;
/// Wait after the first wrong code past the free ones; it doubles with each further one.
pub const FIRST_WAIT: Duration = Duration::from_secs(1);
/// Longest wait between two tries of one address.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// An address's failures (and the MC's counters) are forgotten this long after the last one.
pub const FORGET_AFTER: Duration = Duration::from_secs(10 * 60);
/// Wrong codes against one team from slowed-down addresses that may come in one burst.
pub const TEAM_BURST: f64 = 10.0;
/// Tokens a team's bucket regains per second.
pub const TEAM_REFILL_PER_SECOND: f64 = 1.0;
/// Entries kept per table (addresses, team buckets, counters): a flood from many addresses
/// evicts the oldest rather than growing without end.
pub const MAX_TRACKED: usize = 1024;
/// Team–address pairs named in one log summary; the rest are counted.
const SUMMARY_LINES: usize = 5;

/// A join attempt refused before its code was compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    /// How long the address should wait before trying again.
    pub retry_after: Duration,
}

/// The MC's counters for one team and one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedJoin {
    /// Team id the codes were tried for.
    pub team: String,
    /// Where they came from.
    pub address: IpAddr,
    /// Wrong codes compared.
    pub wrong: u64,
    /// Attempts refused without comparing the code.
    pub held_back: u64,
    /// The last of either.
    pub last: Instant,
}

/// One address's failures.
#[derive(Clone, Copy, Debug)]
struct Address {
    failures: u32,
    last_failure: Instant,
    /// Before this, the address is held back (set once it is past its free failures).
    next_attempt: Instant,
}

/// A team's token bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(now: Instant) -> Bucket {
        Bucket {
            tokens: TEAM_BURST,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * TEAM_REFILL_PER_SECOND).min(TEAM_BURST);
        self.at = self.at.max(now);
    }

    /// How long until a whole token is back.
    fn until_one(&self) -> Duration {
        Duration::from_secs_f64(((1.0 - self.tokens) / TEAM_REFILL_PER_SECOND).max(0.0))
    }
}

/// Counts of one team and address.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    wrong: u64,
    held_back: u64,
}

/// What happened since the last log summary.
#[derive(Debug, Default)]
struct Recent {
    total: Counts,
    by_pair: HashMap<(String, IpAddr), Counts>,
    first: Option<Instant>,
}

/// Per-address and per-team throttling of join codes, and the counters behind the MC's view and
/// the log.
#[derive(Debug, Default)]
pub struct JoinThrottle {
    addresses: HashMap<IpAddr, Address>,
    teams: HashMap<String, Bucket>,
    counters: HashMap<(String, IpAddr), (Counts, Instant)>,
    recent: Recent,
    last_summary: Option<Instant>,
    changed: bool,
}

impl JoinThrottle {
    /// Whether `ip` may have a code for `team` compared now. Call it before comparing; a refusal
    /// is counted as held back, and the code must then not be compared.
    pub fn check(&mut self, ip: IpAddr, team: &str, now: Instant) -> Result<(), Throttled> {
        let ip = ip.to_canonical();
        self.forget_address_if_stale(ip, now);
        let Some(address) = self.addresses.get(&ip) else {
            return Ok(());
        };
        // Within its free allowance nothing holds an address back, the team's bucket included.
        if address.failures < FREE_FAILURES {
            return Ok(());
        }
        let mut wait = address.next_attempt.saturating_duration_since(now);
        if let Some(bucket) = self.teams.get_mut(team) {
            bucket.refill(now);
            if bucket.tokens < 1.0 {
                wait = wait.max(bucket.until_one());
            }
        }
        if wait.is_zero() {
            return Ok(());
        }
        self.count(
            ip,
            team,
            now,
            Counts {
                wrong: 0,
                held_back: 1,
            },
        );
        Err(Throttled { retry_after: wait })
    }

    /// Records a wrong code from `ip` for `team` (one that [`JoinThrottle::check`] let through).
    pub fn failed(&mut self, ip: IpAddr, team: &str, now: Instant) {
        let ip = ip.to_canonical();
        self.forget_address_if_stale(ip, now);
        if !self.addresses.contains_key(&ip) {
            make_room(&mut self.addresses, |a| a.last_failure);
        }
        let address = self.addresses.entry(ip).or_insert(Address {
            failures: 0,
            last_failure: now,
            next_attempt: now,
        });
        if address.failures >= FREE_FAILURES {
            if !self.teams.contains_key(team) {
                make_room(&mut self.teams, |b| b.at);
            }
            let bucket = self
                .teams
                .entry(team.to_string())
                .or_insert_with(|| Bucket::full(now));
            bucket.refill(now);
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        }
        address.failures = address.failures.saturating_add(1);
        address.last_failure = now;
        if address.failures > FREE_FAILURES {
            address.next_attempt = now + wait_after(address.failures);
        }
        self.count(
            ip,
            team,
            now,
            Counts {
                wrong: 1,
                held_back: 0,
            },
        );
    }

    /// The MC's counters, most recent first: wrong and held-back codes per team and address,
    /// until [`FORGET_AFTER`] after the last one.
    pub fn failed_joins(&self, now: Instant) -> Vec<FailedJoin> {
        let mut list: Vec<FailedJoin> = self
            .counters
            .iter()
            .filter(|(_, (_, last))| now.saturating_duration_since(*last) < FORGET_AFTER)
            .map(|((team, address), (counts, last))| FailedJoin {
                team: team.clone(),
                address: *address,
                wrong: counts.wrong,
                held_back: counts.held_back,
                last: *last,
            })
            .collect();
        list.sort_by(|a, b| (b.last, &a.team, a.address).cmp(&(a.last, &b.team, b.address)));
        list
    }

    /// Whether the MC's counters changed since the last call (a new failure, a held-back
    /// attempt, or counters forgotten by [`JoinThrottle::prune`]).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Drops what is forgotten by now: stale addresses and counters, and team buckets that are
    /// full again.
    pub fn prune(&mut self, now: Instant) {
        self.addresses
            .retain(|_, a| now.saturating_duration_since(a.last_failure) < FORGET_AFTER);
        let before = self.counters.len();
        self.counters
            .retain(|_, (_, last)| now.saturating_duration_since(*last) < FORGET_AFTER);
        if self.counters.len() != before {
            self.changed = true;
        }
        self.teams.retain(|_, bucket| {
            bucket.refill(now);
            bucket.tokens < TEAM_BURST
        });
    }

    /// One line for the log about the refusals since the last call, or `None` if there were
    /// none: totals, then the busiest team–address pairs, e.g. "join codes refused in the last
    /// 10 s: 57 wrong, 40 held back; alpha ← 192.168.1.37: 40 wrong, 30 held back".
    pub fn take_log_summary(&mut self, now: Instant) -> Option<String> {
        let recent = std::mem::take(&mut self.recent);
        let since = self.last_summary.replace(now).or(recent.first)?;
        if recent.total.wrong == 0 && recent.total.held_back == 0 {
            return None;
        }
        let seconds = now
            .saturating_duration_since(since)
            .as_secs_f64()
            .round()
            .max(1.0);
        let mut line = format!(
            "join codes refused in the last {seconds} s: {} wrong, {} held back",
            recent.total.wrong, recent.total.held_back
        );
        let mut pairs: Vec<_> = recent.by_pair.into_iter().collect();
        pairs.sort_by(|((team_a, ip_a), a), ((team_b, ip_b), b)| {
            (b.wrong + b.held_back, team_a, ip_a).cmp(&(a.wrong + a.held_back, team_b, ip_b))
        });
        for ((team, ip), counts) in pairs.iter().take(SUMMARY_LINES) {
            let _ = write!(
                line,
                "; {team} ← {ip}: {} wrong, {} held back",
                counts.wrong, counts.held_back
            );
        }
        if pairs.len() > SUMMARY_LINES {
            let _ = write!(line, "; and {} more", pairs.len() - SUMMARY_LINES);
        }
        Some(line)
    }

    fn forget_address_if_stale(&mut self, ip: IpAddr, now: Instant) {
        if self
            .addresses
            .get(&ip)
            .is_some_and(|a| now.saturating_duration_since(a.last_failure) >= FORGET_AFTER)
        {
            self.addresses.remove(&ip);
        }
    }

    fn count(&mut self, ip: IpAddr, team: &str, now: Instant, add: Counts) {
        let key = (team.to_string(), ip);
        if !self.counters.contains_key(&key) {
            make_room(&mut self.counters, |(_, last)| *last);
        }
        let (counts, last) = self
            .counters
            .entry(key.clone())
            .or_insert((Counts::default(), now));
        counts.wrong += add.wrong;
        counts.held_back += add.held_back;
        *last = now;
        self.changed = true;

        self.recent.total.wrong += add.wrong;
        self.recent.total.held_back += add.held_back;
        self.recent.first.get_or_insert(now);
        // Past the cap a pair still counts in the totals, and the summary says "and N more" only
        // for the pairs it kept.
        if self.recent.by_pair.len() < MAX_TRACKED || self.recent.by_pair.contains_key(&key) {
            let pair = self.recent.by_pair.entry(key).or_default();
            pair.wrong += add.wrong;
            pair.held_back += add.held_back;
        }
    }
}

/// The wait after an address's `failures`-th wrong code (past the free ones): 1 s, 2 s, 4 s …
/// up to [`MAX_WAIT`].
fn wait_after(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(FREE_FAILURES + 1);
    let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
    FIRST_WAIT.saturating_mul(factor).min(MAX_WAIT)
}

/// Makes room for one more entry in `map`: evicts the entry with the oldest time when full.
fn make_room<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    time: impl Fn(&V) -> Instant,
) {
    if map.len() < MAX_TRACKED {
        return;
    }
    let oldest = map
        .iter()
        .min_by_key(|(_, value)| time(value))
        .map(|(key, _)| key.clone());
    if let Some(key) = oldest {
        map.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, last))
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// One guess as the server makes it: checked first, compared (always wrong here) only if
    /// let through.
    fn guess(throttle: &mut JoinThrottle, from: IpAddr, team: &str, now: Instant) -> bool {
        match throttle.check(from, team, now) {
            Ok(()) => {
                throttle.failed(from, team, now);
                true
            }
            Err(_) => false,
        }
    }

    #[test]
    fn the_first_three_wrong_codes_are_free_and_the_fourth_still_goes_through() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES + 1 {
            assert_eq!(throttle.check(ip(37), "alpha", t0), Ok(()));
            throttle.failed(ip(37), "alpha", t0);
        }
        assert_eq!(
            throttle.check(ip(37), "alpha", t0),
            Err(Throttled {
                retry_after: secs(1.0)
            }),
            "after the fourth wrong code the address waits a second"
        );
    }

    #[test]
    fn the_wait_doubles_with_each_wrong_code_up_to_thirty_seconds() {
        let mut throttle = JoinThrottle::default();
        let mut now = Instant::now();
        for _ in 0..FREE_FAILURES {
            throttle.failed(ip(37), "alpha", now);
        }
        let mut waits = Vec::new();
        for _ in 0..8 {
            assert_eq!(throttle.check(ip(37), "alpha", now), Ok(()));
            throttle.failed(ip(37), "alpha", now);
            let Err(Throttled { retry_after }) = throttle.check(ip(37), "alpha", now) else {
                panic!("held back after a wrong code past the free ones");
            };
            waits.push(retry_after.as_secs());
            // Just before the wait ends it still holds; at its end the address may try again.
            let almost = now + retry_after - secs(0.001);
            assert!(throttle.check(ip(37), "alpha", almost).is_err());
            now += retry_after;
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn held_back_attempts_are_counted_but_never_lengthen_the_wait() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES + 1 {
            throttle.failed(ip(37), "alpha", t0);
        }
        // A page hammering during its one-second wait: every try is held back, none compared.
        for ms in 0..1000 {
            let at = t0 + Duration::from_millis(ms);
            assert!(throttle.check(ip(37), "alpha", at).is_err());
        }
        let at = t0 + secs(1.0);
        assert_eq!(throttle.check(ip(37), "alpha", at), Ok(()));
        throttle.failed(ip(37), "alpha", at);
        assert_eq!(
            throttle.check(ip(37), "alpha", at),
            Err(Throttled {
                retry_after: secs(2.0)
            }),
            "the fifth wrong code waits 2 s, as if the held-back tries never happened"
        );
        let counters = throttle.failed_joins(at);
        assert_eq!(counters.len(), 1);
        assert_eq!((counters[0].wrong, counters[0].held_back), (5, 1001));
    }

    #[test]
    fn an_address_is_forgiven_ten_minutes_after_its_last_wrong_code() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        for _ in 0..10 {
            throttle.failed(ip(37), "alpha", t0);
        }
        let before = t0 + FORGET_AFTER - secs(1.0);
        assert_eq!(
            throttle.check(ip(37), "alpha", before),
            Ok(()),
            "its 30 s are over"
        );
        throttle.failed(ip(37), "alpha", before);
        assert_eq!(
            throttle
                .check(ip(37), "alpha", before)
                .map_err(|t| t.retry_after),
            Err(MAX_WAIT),
            "not forgotten yet: the next wrong code waits the longest"
        );
        let later = before + FORGET_AFTER;
        for _ in 0..FREE_FAILURES + 1 {
            assert_eq!(throttle.check(ip(37), "alpha", later), Ok(()));
            throttle.failed(ip(37), "alpha", later);
        }
        assert_eq!(
            throttle
                .check(ip(37), "alpha", later)
                .map_err(|t| t.retry_after),
            Err(FIRST_WAIT),
            "forgotten: three free again, then one second"
        );
        assert!(throttle.failed_joins(later + FORGET_AFTER).is_empty());
        // Forgotten also means free of the team's bucket, even while others empty it.
        let much_later = later + FORGET_AFTER;
        for from in (100..=112).map(ip) {
            for _ in 0..FREE_FAILURES + 1 {
                guess(&mut throttle, from, "alpha", much_later);
            }
        }
        assert!(throttle.check(ip(112), "alpha", much_later).is_err());
        assert_eq!(throttle.check(ip(37), "alpha", much_later), Ok(()));
    }

    #[test]
    fn many_slowed_addresses_share_one_team_bucket_of_ten_then_one_a_second() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        let attackers: Vec<IpAddr> = (100..=130).map(ip).collect();
        // Each attacker uses up its free wrong codes on the team.
        for &from in &attackers {
            for _ in 0..FREE_FAILURES {
                assert!(guess(&mut throttle, from, "alpha", t0));
            }
        }
        // Past their free ones, all together get the burst of ten, no more.
        let compared = attackers
            .iter()
            .filter(|&&from| guess(&mut throttle, from, "alpha", t0))
            .count();
        assert_eq!(compared, 10);
        let held = attackers[10];
        assert_eq!(
            throttle.check(held, "alpha", t0),
            Err(Throttled {
                retry_after: secs(1.0)
            })
        );
        // A second later the bucket has one token: exactly one more guess gets compared.
        let later = t0 + secs(1.0);
        let compared = attackers[10..]
            .iter()
            .filter(|&&from| guess(&mut throttle, from, "alpha", later))
            .count();
        assert_eq!(compared, 1);
        // Another team's bucket is untouched.
        assert_eq!(throttle.check(attackers[20], "bravo", later), Ok(()));
    }

    #[test]
    fn the_real_team_joins_from_another_address_while_its_code_is_hammered() {
        let mut throttle = JoinThrottle::default();
        let mut now = Instant::now();
        let attackers: Vec<IpAddr> = (100..=140).map(ip).collect();
        // A minute of guessing from forty addresses: the team's bucket stays empty.
        for _ in 0..600 {
            for &from in &attackers {
                guess(&mut throttle, from, "alpha", now);
            }
            now += secs(0.1);
        }
        assert!(throttle.check(attackers[0], "alpha", now).is_err());
        // The team's phone mistypes twice, then gets it right: never held back.
        let phone = ip(20);
        for _ in 0..2 {
            assert_eq!(throttle.check(phone, "alpha", now), Ok(()));
            throttle.failed(phone, "alpha", now);
        }
        assert_eq!(throttle.check(phone, "alpha", now), Ok(()));
    }

    #[test]
    fn ipv4_mapped_ipv6_is_the_same_address() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 168, 1, 37).to_ipv6_mapped());
        for _ in 0..FREE_FAILURES + 1 {
            throttle.failed(mapped, "alpha", t0);
        }
        assert!(throttle.check(ip(37), "alpha", t0).is_err());
        assert_eq!(throttle.failed_joins(t0)[0].address, ip(37));
        assert_eq!(
            throttle.check(IpAddr::V6(Ipv6Addr::LOCALHOST), "alpha", t0),
            Ok(())
        );
    }

    #[test]
    fn a_flood_of_addresses_keeps_memory_bounded() {
        let mut throttle = JoinThrottle::default();
        let mut now = Instant::now();
        for n in 0..5000u32 {
            let from = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
            for _ in 0..FREE_FAILURES + 2 {
                guess(&mut throttle, from, &format!("team-{}", n % 2000), now);
            }
            now += Duration::from_millis(1);
        }
        assert!(throttle.addresses.len() <= MAX_TRACKED);
        assert!(throttle.teams.len() <= MAX_TRACKED);
        assert!(throttle.counters.len() <= MAX_TRACKED);
        assert!(throttle.recent.by_pair.len() <= MAX_TRACKED);
        // The newest are kept: the last address is still slowed down.
        assert!(
            throttle
                .check(
                    IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + 4999)),
                    "team-999",
                    now
                )
                .is_err()
        );
        throttle.prune(now + FORGET_AFTER);
        assert!(throttle.addresses.is_empty() && throttle.counters.is_empty());
        assert!(throttle.teams.is_empty());
    }

    #[test]
    fn the_mc_sees_each_team_and_address_most_recent_first() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        assert!(!throttle.take_changed());
        for _ in 0..12 {
            guess(&mut throttle, ip(37), "alpha", t0);
        }
        guess(&mut throttle, ip(20), "bravo", t0 + secs(2.0));
        assert!(throttle.take_changed());
        assert!(!throttle.take_changed());
        let list = throttle.failed_joins(t0 + secs(3.0));
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].team.as_str(), list[0].address, list[0].wrong),
            ("bravo", ip(20), 1)
        );
        assert_eq!(
            (
                list[1].team.as_str(),
                list[1].address,
                list[1].wrong,
                list[1].held_back
            ),
            ("alpha", ip(37), 4, 8)
        );
        // Forgetting them is a change the MC must see.
        throttle.prune(t0 + secs(1.0) + FORGET_AFTER);
        assert!(throttle.take_changed());
        assert_eq!(
            throttle.failed_joins(t0 + secs(1.0) + FORGET_AFTER).len(),
            1
        );
    }

    #[test]
    fn the_log_gets_one_summary_per_period_not_a_line_per_refusal() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        assert_eq!(throttle.take_log_summary(t0), None);
        for _ in 0..50 {
            guess(&mut throttle, ip(37), "alpha", t0 + secs(1.0));
        }
        for _ in 0..2 {
            guess(&mut throttle, ip(40), "bravo", t0 + secs(2.0));
        }
        assert_eq!(
            throttle.take_log_summary(t0 + secs(10.0)).as_deref(),
            Some(
                "join codes refused in the last 10 s: 6 wrong, 46 held back; \
                 alpha ← 192.168.1.37: 4 wrong, 46 held back; \
                 bravo ← 192.168.1.40: 2 wrong, 0 held back"
            )
        );
        assert_eq!(throttle.take_log_summary(t0 + secs(20.0)), None);
        guess(&mut throttle, ip(40), "bravo", t0 + secs(25.0));
        assert_eq!(
            throttle.take_log_summary(t0 + secs(30.0)).as_deref(),
            Some(
                "join codes refused in the last 10 s: 1 wrong, 0 held back; \
                 bravo ← 192.168.1.40: 1 wrong, 0 held back"
            )
        );
    }

    #[test]
    fn a_summary_names_the_busiest_pairs_and_counts_the_rest() {
        let mut throttle = JoinThrottle::default();
        let t0 = Instant::now();
        for n in 1..=8u8 {
            for _ in 0..n {
                throttle.failed(ip(n), "alpha", t0);
            }
        }
        let line = throttle.take_log_summary(t0 + secs(10.0)).expect("summary");
        assert!(
            line.starts_with("join codes refused in the last 10 s: 36 wrong"),
            "{line}"
        );
        assert!(line.contains("; alpha ← 192.168.1.8: 8 wrong"), "{line}");
        assert!(!line.contains("192.168.1.3:"), "{line}");
        assert!(line.ends_with("; and 3 more"), "{line}");
    }
}
