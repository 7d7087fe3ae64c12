//! The buzzer race, shared by every round kind that lets teams buzz: a buzz-in question, a steal
//! in the Olympia finish, a tie-breaker. One race is one opening of the buzzers.
//!
//! Who pressed first is decided by *press* time, not arrival: each buzz may carry the phone's
//! claimed press time with its connection's clock estimate ([`PressClaim`]). [`place`] turns the
//! claim into server time and clamps it to what the connection's delays make plausible (never
//! more than the round's cap before arrival, never before the buzzers opened); a plausible claim
//! from before the opening is a false start ([`false_start`] applies the round's rule). After the
//! first buzz arrives, [`settle_until`] says how long to wait for earlier presses still in flight;
//! then [`decide`] gives the race to the earliest press and marks the close calls. A kind keeps
//! the race's buzzes and false starts in its own state and calls these; they hold no state.

use serde::{Deserialize, Serialize};

use super::{Rejection, TeamId, Time};
use crate::game::contest::FalseStartRule;

/// What a phone says about when it was pressed, with its connection's clock estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PressClaim {
    /// The press on the phone's own clock, in microseconds.
    pub pressed_us: i64,
    /// Phone clock minus server clock, in microseconds.
    pub offset_us: i64,
    /// How wrong `offset_us` may be (half the best round trip).
    pub error_us: u64,
    /// The connection's best round trip.
    pub round_trip_us: u64,
    /// How long before its arrival a press from this connection may plausibly have happened
    /// (a high percentile of its observed delays plus a margin), before the round's cap.
    pub allowance_us: u64,
}

/// How a claimed press time was corrected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clamp {
    /// Claimed earlier than the connection's delays allow: moved to the earliest plausible time.
    Early,
    /// Claimed after it arrived: moved to the arrival.
    Late,
    /// Claimed before the buzzers opened: moved to the opening.
    BeforeOpen,
}

/// One buzz that entered a race, with the evidence for the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buzz {
    /// Who buzzed.
    pub team: TeamId,
    /// Which opening of the buzzers (1 for the first, 2 after a wrong answer reopened them...).
    pub race: u32,
    /// When the server received it.
    pub arrived: Time,
    /// The press time used for the verdict (server clock, after correction and clamping).
    pub press: Time,
    /// What the phone claimed, if it sent a press time.
    pub claim: Option<PressClaim>,
    /// How the claim was corrected, if it was.
    pub clamp: Option<Clamp>,
    /// Within the measurement error of the winner of its race: a close call.
    pub close: bool,
}

/// A buzz before the buzzers opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FalseStart {
    /// Who pressed early.
    pub team: TeamId,
    /// When the server saw it.
    pub at: Time,
    /// The team cannot buzz before this moment (the `lockout` rule).
    pub locked_until: Option<Time>,
    /// The team lost the right to answer this question (the `lose_question` rule).
    pub lost_question: bool,
}

/// Where a buzz lands in its race.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// In the race, at `press` on the server clock, moved by `clamp` when the claim was not
    /// plausible.
    Press {
        /// The press time the verdict uses.
        press: Time,
        /// How the claim was corrected, if it was.
        clamp: Option<Clamp>,
    },
    /// A plausible claim from before the opening: the player anticipated. Under every false-start
    /// rule (`ignore` included) such a press does not count.
    BeforeOpen,
}

/// Places a buzz that arrived at `now` in a race opened at `opened_at`; `cap_ms` is the round's
/// `press_allowance_cap_ms`. Without a claim the arrival is the press.
pub fn place(claim: Option<&PressClaim>, cap_ms: u64, opened_at: Time, now: Time) -> Placement {
    let Some(claim) = claim else {
        return Placement::Press {
            press: now,
            clamp: None,
        };
    };
    let corrected = claim_in_server_time(claim);
    let cap_us = cap_ms.saturating_mul(1000);
    let earliest_plausible = now.0.saturating_sub(claim.allowance_us.min(cap_us));
    let pressed_before_open =
        corrected.saturating_add(i128::from(claim.error_us)) < i128::from(opened_at.0);
    if pressed_before_open && corrected >= i128::from(earliest_plausible) {
        return Placement::BeforeOpen;
    }
    let (press, clamp) = clamp_press(corrected, earliest_plausible, opened_at, now);
    Placement::Press { press, clamp }
}

/// When a race whose first buzz, pressed at `press`, arrived at `now` is decided: after the
/// press plus the slowest expected delay (`settle_us`, from the phones' measured links), within
/// the round's bound `settle_max_ms` after the arrival. `now` itself means at once.
pub fn settle_until(press: Time, settle_us: u64, settle_max_ms: u64, now: Time) -> Time {
    let bound = now.after(settle_max_ms);
    Time(press.0.saturating_add(settle_us)).clamp(now, bound)
}

/// The buzzes of race `race`, in the order the verdict ranks them: earliest press first, then
/// earliest arrival, then the team's place on the scoreboard.
pub fn order(buzzes: &[Buzz], race: u32) -> Vec<Buzz> {
    let mut order: Vec<Buzz> = buzzes.iter().filter(|b| b.race == race).copied().collect();
    order.sort_by_key(|b| (b.press, b.arrived, b.team));
    order
}

/// Decides race `race`: the team with the earliest press, and whether another press was within
/// the two presses' measurement errors (both are then marked `close`). `None` without a buzz.
pub fn decide(buzzes: &mut [Buzz], race: u32) -> Option<(TeamId, bool)> {
    let winner = order(buzzes, race).first().copied()?;
    let winner_error = claim_error(&winner);
    let mut close = false;
    for buzz in buzzes.iter_mut().filter(|b| b.race == race) {
        if buzz.team != winner.team {
            let gap = buzz.press.0.saturating_sub(winner.press.0);
            if gap <= winner_error.saturating_add(claim_error(buzz)) {
                buzz.close = true;
                close = true;
            }
        }
    }
    if close && let Some(w) = buzzes.iter_mut().find(|b| **b == winner) {
        w.close = true;
    }
    Some((winner.team, close))
}

/// The record of `team`'s false start at `now` under `rule`, or why nothing is recorded: the
/// `ignore` rule (`BuzzersClosed`), or a team still locked out (`FalseStartLockout`: mashing
/// while locked changes nothing).
pub fn false_start(
    rule: FalseStartRule,
    lockout_ms: u64,
    team: TeamId,
    now: Time,
    locked_now: bool,
) -> Result<FalseStart, Rejection> {
    match rule {
        FalseStartRule::Ignore => Err(Rejection::BuzzersClosed),
        FalseStartRule::Lockout if locked_now => Err(Rejection::FalseStartLockout),
        FalseStartRule::Lockout => Ok(FalseStart {
            team,
            at: now,
            locked_until: Some(now.after(lockout_ms)),
            lost_question: false,
        }),
        FalseStartRule::LoseQuestion => Ok(FalseStart {
            team,
            at: now,
            locked_until: None,
            lost_question: true,
        }),
    }
}

/// The claimed press on the server's clock, in microseconds (wide, so no claim can overflow).
pub fn claim_in_server_time(claim: &PressClaim) -> i128 {
    i128::from(claim.pressed_us) - i128::from(claim.offset_us)
}

/// Puts a corrected claim inside `[max(earliest_plausible, opened_at), arrived]`.
fn clamp_press(
    corrected: i128,
    earliest_plausible: u64,
    opened_at: Time,
    arrived: Time,
) -> (Time, Option<Clamp>) {
    if corrected > i128::from(arrived.0) {
        return (arrived, Some(Clamp::Late));
    }
    let floor = earliest_plausible.max(opened_at.0).min(arrived.0);
    if corrected < i128::from(floor) {
        let clamp = if earliest_plausible >= opened_at.0 {
            Clamp::Early
        } else {
            Clamp::BeforeOpen
        };
        return (Time(floor), Some(clamp));
    }
    // In range, so it fits in u64.
    (Time(u64::try_from(corrected).unwrap_or(floor)), None)
}

/// The measurement error of a buzz's press time.
pub fn claim_error(buzz: &Buzz) -> u64 {
    buzz.claim.map_or(0, |c| c.error_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENED: Time = Time(1_000_000_000);

    fn ms(n: u64) -> Time {
        OPENED.after(n)
    }

    /// A claim whose press, converted, is `press` on the server clock, within `error_us`.
    fn claim(press: Time, error_us: u64, allowance_us: u64) -> PressClaim {
        PressClaim {
            pressed_us: press.0 as i64 + 5_000_000,
            offset_us: 5_000_000,
            error_us,
            round_trip_us: 2 * error_us,
            allowance_us,
        }
    }

    fn buzz(team: usize, press: Time, arrived: Time, error_us: u64) -> Buzz {
        Buzz {
            team: TeamId(team),
            race: 1,
            arrived,
            press,
            claim: Some(claim(press, error_us, 50_000)),
            clamp: None,
            close: false,
        }
    }

    #[test]
    fn a_press_is_placed_at_its_claim_within_what_the_link_allows() {
        let arrived = ms(100);
        let press = |c: Option<&PressClaim>| place(c, 80, OPENED, arrived);
        assert_eq!(
            press(None),
            Placement::Press {
                press: arrived,
                clamp: None
            }
        );
        assert_eq!(
            press(Some(&claim(ms(70), 1_000, 50_000))),
            Placement::Press {
                press: ms(70),
                clamp: None
            }
        );
        // Claimed 90 ms before arrival on a link that allows 50: placed 50 ms before.
        assert_eq!(
            press(Some(&claim(ms(10), 1_000, 50_000))),
            Placement::Press {
                press: ms(50),
                clamp: Some(Clamp::Early)
            }
        );
        // The round's cap bounds a link's allowance.
        assert_eq!(
            place(Some(&claim(ms(0), 1_000, 500_000)), 80, Time(0), arrived),
            Placement::Press {
                press: ms(20),
                clamp: Some(Clamp::Early)
            }
        );
        assert_eq!(
            press(Some(&claim(ms(150), 1_000, 50_000))),
            Placement::Press {
                press: arrived,
                clamp: Some(Clamp::Late)
            }
        );
        // Plausibly pressed before the buzzers opened: a false start, not a buzz.
        let early = place(Some(&claim(ms(0), 1_000, 50_000)), 80, ms(30), ms(40));
        assert_eq!(early, Placement::BeforeOpen);
    }

    #[test]
    fn the_wait_for_presses_in_flight_stays_within_the_rounds_bound() {
        let arrived = ms(100);
        assert_eq!(settle_until(ms(90), 30_000, 100, arrived), ms(120));
        assert_eq!(settle_until(ms(90), 500_000, 100, arrived), ms(200));
        assert_eq!(settle_until(ms(90), 0, 100, arrived), arrived, "at once");
        assert_eq!(settle_until(ms(90), 30_000, 0, arrived), arrived, "no wait");
    }

    #[test]
    fn the_earliest_press_wins_and_presses_within_the_errors_are_close() {
        let mut buzzes = vec![
            buzz(0, ms(50), ms(52), 1_000),
            buzz(1, ms(48), ms(80), 1_000),
            buzz(2, ms(49), ms(60), 500),
        ];
        assert_eq!(decide(&mut buzzes, 1), Some((TeamId(1), true)));
        let close: Vec<bool> = buzzes.iter().map(|b| b.close).collect();
        // 2 ms behind (errors 1 + 1 ms): close; 1 ms behind (1 + 0.5 ms): close too.
        assert_eq!(close, [true, true, true]);
        let mut apart = vec![
            buzz(0, ms(50), ms(52), 1_000),
            buzz(1, ms(40), ms(80), 1_000),
        ];
        assert_eq!(decide(&mut apart, 1), Some((TeamId(1), false)));
        assert!(apart.iter().all(|b| !b.close));
        assert_eq!(decide(&mut Vec::new(), 1), None);
        // Equal presses: the earlier arrival first, then the scoreboard's order.
        let tied = [buzz(3, ms(5), ms(9), 0), buzz(2, ms(5), ms(7), 0)];
        let teams: Vec<usize> = order(&tied, 1).iter().map(|b| b.team.0).collect();
        assert_eq!(teams, [2, 3]);
    }

    #[test]
    fn each_false_start_rule_records_what_it_costs() {
        let team = TeamId(2);
        assert_eq!(
            false_start(FalseStartRule::Ignore, 250, team, ms(0), false),
            Err(Rejection::BuzzersClosed)
        );
        assert_eq!(
            false_start(FalseStartRule::Lockout, 250, team, ms(0), false),
            Ok(FalseStart {
                team,
                at: ms(0),
                locked_until: Some(ms(250)),
                lost_question: false
            })
        );
        assert_eq!(
            false_start(FalseStartRule::Lockout, 250, team, ms(10), true),
            Err(Rejection::FalseStartLockout)
        );
        assert_eq!(
            false_start(FalseStartRule::LoseQuestion, 250, team, ms(0), false),
            Ok(FalseStart {
                team,
                at: ms(0),
                locked_until: None,
                lost_question: true
            })
        );
    }
}
