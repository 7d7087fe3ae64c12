//! The per-socket message limit: a token bucket. Bursts are fine, a sustained flood is warned
//! once, then dropped, then disconnected.

use tokio::time::Instant;

/// Messages a socket may send per second on average; a phone answers 10 pings a second and a
/// mashed buzzer rarely passes 15 presses.
const RATE_PER_SECOND: f64 = 40.0;
/// Messages a socket may send in one burst.
const RATE_BURST: f64 = 80.0;
/// Messages dropped over the limit before the socket is closed.
const FLOOD_TOLERANCE: u32 = 200;

/// A token bucket for one socket.
pub(super) struct RateLimit {
    tokens: f64,
    last: Instant,
    warned: bool,
    dropped: u32,
}

/// What to do with one incoming message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    Yes,
    Warn,
    Drop,
    Disconnect,
}

impl RateLimit {
    pub(super) fn new(now: Instant) -> Self {
        RateLimit {
            tokens: RATE_BURST,
            last: now,
            warned: false,
            dropped: 0,
        }
    }

    pub(super) fn admit(&mut self, now: Instant) -> Admit {
        let refill = now.duration_since(self.last).as_secs_f64() * RATE_PER_SECOND;
        self.tokens = (self.tokens + refill).min(RATE_BURST);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            if self.tokens >= RATE_BURST / 2.0 {
                // Calm again: a later flood gets a fresh warning.
                self.warned = false;
                self.dropped = 0;
            }
            return Admit::Yes;
        }
        self.dropped += 1;
        if self.dropped > FLOOD_TOLERANCE {
            Admit::Disconnect
        } else if !self.warned {
            self.warned = true;
            Admit::Warn
        } else {
            Admit::Drop
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn admit_all(rate: &mut RateLimit, at: Instant, count: usize) -> Vec<Admit> {
        (0..count).map(|_| rate.admit(at)).collect()
    }

    #[test]
    fn a_burst_passes_then_one_warning_then_drops() {
        let start = Instant::now();
        let mut rate = RateLimit::new(start);
        let burst = RATE_BURST as usize;
        assert!(
            admit_all(&mut rate, start, burst)
                .iter()
                .all(|a| *a == Admit::Yes)
        );
        assert_eq!(rate.admit(start), Admit::Warn);
        assert_eq!(rate.admit(start), Admit::Drop);
    }

    #[test]
    fn a_busy_phone_is_never_held_back() {
        // 10 clock-sync replies and 15 mashed presses a second, for ten minutes.
        let start = Instant::now();
        let mut rate = RateLimit::new(start);
        for tick in 0..(600 * 25) {
            let at = start + Duration::from_millis(tick * 40);
            assert_eq!(rate.admit(at), Admit::Yes, "message {tick}");
        }
    }

    #[test]
    fn a_sustained_flood_is_disconnected_after_the_tolerance() {
        let start = Instant::now();
        let mut rate = RateLimit::new(start);
        let burst = RATE_BURST as usize;
        admit_all(&mut rate, start, burst);
        let outcomes = admit_all(&mut rate, start, FLOOD_TOLERANCE as usize + 1);
        assert_eq!(outcomes[0], Admit::Warn);
        assert!(
            outcomes[1..FLOOD_TOLERANCE as usize]
                .iter()
                .all(|a| *a == Admit::Drop)
        );
        assert_eq!(outcomes[FLOOD_TOLERANCE as usize], Admit::Disconnect);
    }

    #[test]
    fn a_socket_that_calms_down_is_forgiven() {
        let start = Instant::now();
        let mut rate = RateLimit::new(start);
        let burst = RATE_BURST as usize;
        admit_all(&mut rate, start, burst);
        assert_eq!(rate.admit(start), Admit::Warn);
        admit_all(&mut rate, start, 150);
        // Two quiet seconds refill the bucket: the next flood starts over with a warning.
        let later = start + Duration::from_secs(2);
        assert!(
            admit_all(&mut rate, later, burst)
                .iter()
                .all(|a| *a == Admit::Yes)
        );
        assert_eq!(rate.admit(later), Admit::Warn);
        let outcomes = admit_all(&mut rate, later, FLOOD_TOLERANCE as usize - 1);
        assert!(
            outcomes.iter().all(|a| *a == Admit::Drop),
            "not disconnected early"
        );
    }
}
