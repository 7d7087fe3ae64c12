//! Property tests: whatever arrives, in whatever order, nothing panics and the contest's
//! invariants hold.

use proptest::prelude::*;
use serde_json::json;
use stagebuzz::game::{
    BuzzInRound, BuzzInRules, Command, Contest, Event, FalseStartRule, Game, Phase, Play,
    PressClaim, Question, Round, Stage, Team, TeamId, Time, Verdict,
};
use stagebuzz::protocol::{Audience, ClientEnvelope, StateView};

fn contest(rules: BuzzInRules) -> Contest {
    Contest {
        title: "Property".into(),
        teams: (0..4)
            .map(|i| Team {
                id: format!("t{i}"),
                name: format!("Đội {i}"),
            })
            .collect(),
        rounds: (0..2)
            .map(|r| {
                Round::BuzzIn(BuzzInRound {
                    title: format!("Vòng {r}"),
                    rules: rules.clone(),
                    questions: (0..3)
                        .map(|q| Question {
                            text: format!("Q{r}.{q}"),
                            answer: format!("A{r}.{q}"),
                            notes: String::new(),
                        })
                        .collect(),
                })
            })
            .collect(),
    }
}

fn rules() -> impl Strategy<Value = BuzzInRules> {
    (
        1u64..3_000,
        1u64..3_000,
        0i64..50,
        0i64..50,
        any::<bool>(),
        any::<bool>(),
        0u64..=250,
        0u64..=250,
        prop_oneof![
            Just(FalseStartRule::Ignore),
            Just(FalseStartRule::Lockout),
            Just(FalseStartRule::LoseQuestion)
        ],
        0u64..1_000,
    )
        .prop_map(
            |(buzz, answer, points, penalty, reopen, floor, cap, settle, false_start, lockout)| {
                BuzzInRules {
                    buzz_window_ms: buzz,
                    answer_window_ms: answer,
                    points,
                    penalty,
                    reopen_after_wrong: reopen,
                    floor_at_zero: floor,
                    press_allowance_cap_ms: cap,
                    settle_max_ms: settle,
                    false_start,
                    false_start_lockout_ms: lockout,
                }
            },
        )
}

fn claim() -> impl Strategy<Value = Option<PressClaim>> {
    prop_oneof![
        Just(None),
        (
            any::<i64>(),
            any::<i64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u64>()
        )
            .prop_map(
                |(pressed_us, offset_us, error_us, round_trip_us, allowance_us)| Some(PressClaim {
                    pressed_us,
                    offset_us,
                    error_us,
                    round_trip_us,
                    allowance_us,
                })
            ),
        // Plausible claims near the server clock.
        (-200_000i64..50_000, 0u64..5_000, 0u64..100_000).prop_map(|(skew, error, allowance)| {
            Some(PressClaim {
                pressed_us: 1_800_000_000_000_000 + skew,
                offset_us: 0,
                error_us: error,
                round_trip_us: error * 2,
                allowance_us: allowance,
            })
        }),
    ]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        2 => Just(Command::ShowNextQuestion),
        2 => (0u64..200_000).prop_map(|settle_us| Command::OpenBuzzers { settle_us }),
        1 => Just(Command::LockBuzzers),
        6 => (0usize..6, claim()).prop_map(|(team, claim)| Command::Buzz { team: TeamId(team), claim }),
        3 => prop_oneof![Just(Verdict::Correct), Just(Verdict::Wrong)].prop_map(|verdict| Command::Judge { verdict }),
        1 => Just(Command::RevealAnswer),
        1 => (0usize..6, -2_000_000i64..2_000_000, "[ a-zđ]{0,5}")
            .prop_map(|(team, delta, reason)| Command::AdjustScore { team: TeamId(team), delta, reason }),
        1 => Just(Command::Undo),
    ]
}

/// Points each event moved, per team.
fn points_of(events: &[Event], totals: &mut [i64]) {
    for event in events {
        match event {
            Event::Judged { team, delta, .. } | Event::ScoreAdjusted { team, delta, .. } => {
                totals[team.0] += delta;
            }
            Event::Undone { team, delta } => totals[team.0] -= delta,
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any command sequence at any (non-decreasing) times: no panic; a refused command changes
    /// nothing; at most one team holds the floor; scores equal the sum of the judged and adjusted
    /// points; per-round points add up to the totals; replaying the accepted commands gives the
    /// same game; the game survives a snapshot round trip; every view serialises.
    #[test]
    fn the_core_keeps_its_invariants(
        rules in rules(),
        steps in prop::collection::vec((command(), 0u64..4_000, any::<bool>()), 1..120),
    ) {
        let contest = contest(rules);
        let mut game = Game::new(contest.clone());
        let mut now = Time::from_millis(1_800_000_000_000);
        let mut accepted = Vec::new();
        let mut totals = vec![0i64; 4];
        for (command, advance_ms, tick_first) in steps {
            now = now.after(advance_ms);
            if tick_first {
                let events = game.tick(now);
                points_of(&events, &mut totals);
            }
            let before = game.clone();
            match game.apply(&command, now) {
                Ok(events) => {
                    points_of(&events, &mut totals);
                    accepted.push((command, now));
                }
                Err(_) => prop_assert_eq!(&game, &before, "a refused command changed the game"),
            }
            prop_assert_eq!(game.scores(), totals.as_slice());
            let per_round: Vec<i64> = (0..4)
                .map(|t| game.round_scores().iter().map(|r| r[t]).sum())
                .collect();
            prop_assert_eq!(game.scores(), per_round.as_slice());
            if let Stage::Question(stage) = game.stage() {
                let Play::BuzzIn(play) = &stage.play;
                if let Phase::Floor { team, .. } = play.phase {
                    prop_assert!(team.0 < 4);
                    prop_assert!(!play.tried.contains(&team), "a team that tried holds the floor");
                }
                for buzz in &play.buzzes {
                    let arrived = buzz.arrived;
                    prop_assert!(buzz.press <= arrived, "a press after its arrival");
                }
            }
            prop_assert!(game.validate().is_ok());
            for audience in [Audience::Public, Audience::Control] {
                let view = StateView::of(&game, &[], now, audience);
                prop_assert!(serde_json::to_string(&view).is_ok());
            }
        }
        let mut replayed = Game::new(contest);
        for (command, at) in &accepted {
            replayed.apply(command, *at).expect("an accepted command replays");
        }
        replayed.tick(now);
        let mut live = game.clone();
        live.tick(now);
        prop_assert_eq!(&replayed, &live);
        let snapshot = serde_json::to_string(&game).expect("serialise");
        let restored: Game = serde_json::from_str(&snapshot).expect("deserialise");
        prop_assert_eq!(restored, game);
    }

    /// Any text at all decodes to a message or an error, never a panic; valid commands with
    /// hostile field values decode or fail cleanly too.
    #[test]
    fn decoding_never_panics(text in ".{0,200}") {
        let _ = serde_json::from_str::<ClientEnvelope>(&text);
    }

    #[test]
    fn hostile_field_values_decode_or_fail_cleanly(
        kind in prop_oneof![
            Just("buzz"), Just("hello"), Just("adjust_score"), Just("judge"), Just("sync_reply"),
            Just("rotate_code"), Just("revoke_phone"), Just("nope")
        ],
        number in prop_oneof![
            Just(json!(1e308)), Just(json!(-1e308)), Just(json!(u64::MAX)), Just(json!(i64::MIN)),
            Just(json!("12")), Just(json!(null)), Just(json!([1])), Just(json!({"a": 1})),
        ],
        text in ".{0,40}",
    ) {
        let message = json!({
            "type": kind, "id": number, "pressed_at": number, "t0": number, "t1": number,
            "t2": number, "delta": number, "phone": number, "team": text, "reason": text,
            "verdict": text, "role": text, "token": text, "code": text, "device": number,
        });
        let _ = serde_json::from_str::<ClientEnvelope>(&message.to_string());
    }
}
