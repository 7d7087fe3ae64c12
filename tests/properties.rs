//! Property tests: whatever commands arrive, in whatever order, the contest's invariants hold;
//! whatever text a socket sends, the real server answers as documented, changes nothing it
//! should not, and the socket keeps working.

mod common;

use std::cell::RefCell;

use common::{Client, TEAMS, TestServer, http_get, without_times};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use stagebuzz::game::{
    BuzzInRules, Command, Contest, ContestBuilder, Event, FalseStartRule, Game, MAX_ADJUSTMENT,
    MAX_REASON_CHARS, Phase, Play, Points, PressClaim, Question, Stage, TeamId, Time, Verdict,
};
use stagebuzz::protocol::{Audience, ClientEnvelope, ClientMessage, StateView};

/// Four teams and two buzz-in rounds of three questions, played with `rules`.
fn contest(rules: BuzzInRules) -> Contest {
    (0..2)
        .fold(
            ContestBuilder::new("Property").teams(4, |i| (format!("t{i}"), format!("Đội {i}"))),
            |builder, r| {
                builder.buzz_in(format!("Vòng {r}"), rules.clone(), 3, |q| {
                    Question::new(format!("Q{r}.{q}"), format!("A{r}.{q}"))
                })
            },
        )
        .build()
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
        // In hundredths: half points and judges' means are adjusted by hand too.
        1 => (0usize..6, -200_000_000i64..200_000_000, "[ a-zđ]{0,5}")
            .prop_map(|(team, delta, reason)| Command::AdjustScore { team: TeamId(team), delta: Points::from_hundredths(delta), reason }),
        1 => Just(Command::Undo),
    ]
}

/// Points each event moved, per team.
fn points_of(events: &[Event], totals: &mut [Points]) {
    for event in events {
        match event {
            Event::Judged { team, delta, .. } | Event::ScoreAdjusted { team, delta, .. } => {
                totals[team.0] += *delta;
            }
            Event::Undone { team, delta } => totals[team.0] = totals[team.0] - *delta,
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
        let mut totals = vec![Points::ZERO; 4];
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
            let per_round: Vec<Points> = (0..4)
                .map(|t| game.round_scores().iter().map(|r| r[t]).sum())
                .collect();
            prop_assert_eq!(game.scores(), per_round.as_slice());
            if let Stage::Question(stage) = game.stage() {
                let Play::BuzzIn(play) = &stage.play else {
                    panic!("a buzz-in question");
                };
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
}

/// What the server must answer to one text on one socket.
#[derive(Clone, Debug, PartialEq)]
enum Answer {
    /// Nothing at all (an answer to a ping the server never sent).
    Silence,
    /// `{"type":"error","code":…,"message":…}`.
    Error(&'static str),
    /// `{"type":"rejected","id":…,"code":…,"message":…}`.
    Rejected(Option<u64>, &'static str),
    /// `{"type":"ack","id":…}`.
    Ack(Option<u64>),
}

/// The socket a text is sent on.
#[derive(Clone, Copy, Debug)]
enum Socket {
    /// A phone of this team.
    Phone(&'static str),
    /// The MC's control page.
    Control,
}

/// What docs/PROTOCOL.md says the server answers to `text` on `socket` in the scene of
/// [`Hall::open`] (question 1 on stage, buzzers not open, false starts ignored, no judgement
/// yet). Whether the text is a message at all is what the protocol's own type says; the rest is
/// the documented behaviour. `None` for a valid command that would change the show (open the
/// buzzers, award points…), which these properties leave to the other tests.
fn documented_answer(text: &str, socket: Socket) -> Option<Answer> {
    let Ok(ClientEnvelope { id, message }) = serde_json::from_str::<ClientEnvelope>(text) else {
        return Some(Answer::Error("bad_message"));
    };
    let known = |team: &str| TEAMS.contains(&team);
    if let ClientMessage::Hello { .. } = message {
        return Some(Answer::Error("already_joined"));
    }
    match socket {
        Socket::Phone(_) if message.is_control_command() => Some(Answer::Error("not_allowed")),
        Socket::Phone(own) => match message {
            // The `t0` of a ping the server never sent: ignored, unanswered.
            ClientMessage::SyncReply { .. } => Some(Answer::Silence),
            ClientMessage::Buzz {
                team: Some(team), ..
            } if team != own => Some(Answer::Error("not_allowed")),
            // A buzz before the buzzers open, with false starts ignored.
            ClientMessage::Buzz { .. } => Some(Answer::Rejected(id, "buzzers_closed")),
            _ => None,
        },
        Socket::Control => match message {
            ClientMessage::Buzz { .. } | ClientMessage::SyncReply { .. } => {
                Some(Answer::Error("not_allowed"))
            }
            ClientMessage::Judge { .. } => Some(Answer::Rejected(id, "no_floor")),
            ClientMessage::Undo => Some(Answer::Rejected(id, "nothing_to_undo")),
            ClientMessage::AdjustScore { team, .. } if !known(&team) => {
                Some(Answer::Rejected(id, "unknown_team"))
            }
            ClientMessage::AdjustScore { delta, reason, .. } => {
                let reason = reason.trim();
                let invalid = delta == Points::ZERO
                    || delta.hundredths().unsigned_abs()
                        > MAX_ADJUSTMENT.hundredths().unsigned_abs()
                    || reason.is_empty()
                    || reason.chars().count() > MAX_REASON_CHARS;
                invalid.then_some(Answer::Rejected(id, "invalid_adjustment"))
            }
            ClientMessage::RotateCode { team } if known(&team) => Some(Answer::Ack(id)),
            ClientMessage::RotateCode { .. } => Some(Answer::Rejected(id, "unknown_team")),
            ClientMessage::RevokePhone { team, .. } if !known(&team) => {
                Some(Answer::Rejected(id, "unknown_team"))
            }
            _ => None,
        },
    }
}

/// Whether `reply` is `answer`: the documented type, code and id, and an explanation.
fn is_answer(reply: &Value, answer: &Answer) -> bool {
    let explained = reply["message"].as_str().is_some_and(|m| !m.is_empty());
    match answer {
        Answer::Silence => false,
        Answer::Error(code) => reply["type"] == "error" && reply["code"] == *code && explained,
        Answer::Rejected(id, code) => {
            reply["type"] == "rejected"
                && reply["id"] == json!(id)
                && reply["code"] == *code
                && explained
        }
        Answer::Ack(id) => *reply == json!({"type": "ack", "id": id}),
    }
}

/// A running server with a question on stage and every socket it answers on joined: three phones
/// of each team (as many as a team may have) and eight control pages. Texts are dealt to them in
/// turn, so that no socket comes near the message rate limit.
struct Hall {
    server: TestServer,
    phones: Vec<(&'static str, Client)>,
    controls: Vec<Client>,
    /// The public state (times left out) that no text may change.
    scene: Value,
    /// Each team's join code, which only an accepted `rotate_code` may change.
    codes: Vec<String>,
    turn: usize,
    next_probe: u64,
}

/// The public state as `/api/state` serves it, times left out.
async fn public_state(server: &TestServer) -> Value {
    let (head, body) = http_get(server.addr(), "/api/state").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    without_times(serde_json::from_str(&body).expect("state is JSON"))
}

impl Hall {
    async fn open() -> Hall {
        let rules = BuzzInRules {
            false_start: FalseStartRule::Ignore,
            ..BuzzInRules::default()
        };
        let server = TestServer::start(common::contest(rules)).await;
        let mut control = server.control().await;
        // Scores that a stray change would show.
        for (team, delta) in [("alpha", 10), ("charlie", -3)] {
            control
                .ok(json!({"type": "adjust_score", "team": team, "delta": delta, "reason": "warm-up"}))
                .await;
        }
        control.ok(json!({"type": "show_next_question"})).await;
        let mut phones = Vec::new();
        for team in TEAMS {
            for _ in 0..3 {
                phones.push((team, server.team(team).await));
            }
        }
        control
            .state_where(|s| {
                (0..TEAMS.len())
                    .all(|t| s["teams"][t]["devices"] == 3 && s["teams"][t]["online"] == 3)
            })
            .await;
        let mut controls = vec![control];
        for _ in 0..7 {
            controls.push(server.control().await);
        }
        let scene = public_state(&server).await;
        assert_eq!(scene["buzz"]["phase"], "ready", "{scene}");
        let codes = TEAMS.iter().map(|team| server.code(team)).collect();
        Hall {
            server,
            phones,
            controls,
            scene,
            codes,
            turn: 0,
            next_probe: 1_000_000,
        }
    }

    /// Sends `text` on the next phone and the next control page; checks each answers as
    /// documented, that a valid command sent right after gets its own answer, and that neither
    /// the show nor the join codes changed (beyond an accepted `rotate_code`).
    async fn check(&mut self, text: &str) -> Result<(), TestCaseError> {
        let turn = self.turn;
        self.turn += 1;
        let (team, _) = self.phones[turn % self.phones.len()];
        let (Some(on_phone), Some(on_control)) = (
            documented_answer(text, Socket::Phone(team)),
            documented_answer(text, Socket::Control),
        ) else {
            return Err(TestCaseError::reject(
                "a valid command that changes the show",
            ));
        };
        let probe = self.next_probe;
        self.next_probe += 2;
        let phones = self.phones.len();
        let controls = self.controls.len();
        exchange(
            &mut self.phones[turn % phones].1,
            text,
            &on_phone,
            json!({"type": "buzz", "id": probe}),
            &Answer::Rejected(Some(probe), "buzzers_closed"),
        )
        .await
        .map_err(|e| TestCaseError::fail(format!("on a phone of {team}: {e}")))?;
        exchange(
            &mut self.controls[turn % controls],
            text,
            &on_control,
            json!({"type": "undo", "id": probe + 1}),
            &Answer::Rejected(Some(probe + 1), "nothing_to_undo"),
        )
        .await
        .map_err(|e| TestCaseError::fail(format!("on the control page: {e}")))?;

        let state = public_state(&self.server).await;
        prop_assert_eq!(&state, &self.scene, "{:?} changed the show", text);
        let rotated = match serde_json::from_str::<ClientEnvelope>(text) {
            Ok(ClientEnvelope {
                message: ClientMessage::RotateCode { team },
                ..
            }) if matches!(on_control, Answer::Ack(_)) => Some(team),
            _ => None,
        };
        for (index, team) in TEAMS.iter().enumerate() {
            let code = self.server.code(team);
            if rotated.as_deref() == Some(*team) {
                prop_assert_ne!(
                    &code,
                    &self.codes[index],
                    "rotate_code kept {}'s code",
                    team
                );
                self.codes[index] = code;
            } else {
                prop_assert_eq!(
                    &code,
                    &self.codes[index],
                    "{:?} changed {}'s code",
                    text,
                    team
                );
            }
        }
        Ok(())
    }
}

/// Sends `text` then `probe` on `client`; the answers must be `expected` (none for silence) and
/// then `probe_answer`, in that order. Reads up to the probe's answer even after a wrong one, so
/// that the socket stays in step for the next case.
async fn exchange(
    client: &mut Client,
    text: &str,
    expected: &Answer,
    probe: Value,
    probe_answer: &Answer,
) -> Result<(), String> {
    client.send_text(text).await;
    client.send(probe.clone()).await;
    let mut replies = Vec::new();
    while replies.len() < 3 {
        let reply = client.reply().await;
        let answers_probe = is_answer(&reply, probe_answer);
        replies.push(reply);
        if answers_probe {
            break;
        }
    }
    let fine = match (expected, replies.as_slice()) {
        (Answer::Silence, [_probe]) => true,
        (expected, [reply, _probe]) => is_answer(reply, expected),
        _ => false,
    };
    let probe_answered = replies.last().is_some_and(|r| is_answer(r, probe_answer));
    if fine && probe_answered {
        Ok(())
    } else {
        Err(format!(
            "{text:?}: expected {expected:?}, then {probe_answer:?} to {probe}; got {}",
            replies
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Runs `cases` texts from `texts` through one hall.
fn against_the_server(cases: u32, texts: impl Strategy<Value = String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let hall = RefCell::new(runtime.block_on(Hall::open()));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        // Every step of a failing case against a server that stopped answering takes the step
        // timeout: shrink for a while, not for hours.
        max_shrink_time: 30_000,
        ..Config::default()
    });
    let outcome = runner.run(&texts, |text| {
        runtime.block_on(hall.borrow_mut().check(&text))
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// Valid messages of every kind, each answered without changing the show on both sockets.
const TEMPLATES: [&str; 10] = [
    r#"{"type":"buzz","id":7,"pressed_at":1234.5}"#,
    r#"{"type":"buzz","team":"alpha","pressed_at":-3}"#,
    r#"{"type":"sync_reply","t0":1764243000000.123,"t1":5.5,"t2":5.6}"#,
    r#"{"type":"hello","role":"team","team":"alpha","code":"ACDEFGH"}"#,
    r#"{"type":"judge","verdict":"wrong","id":3}"#,
    r#"{"type":"undo"}"#,
    r#"{"type":"adjust_score","team":"nobody","delta":5,"reason":"x","id":4}"#,
    r#"{"type":"adjust_score","team":"bravo","delta":0,"reason":"typo","id":8}"#,
    r#"{"type":"rotate_code","team":"zulu","id":5}"#,
    r#"{"type":"revoke_phone","team":"zulu","phone":1,"id":6}"#,
];

/// A template with up to three edits (cut, insert, replace, delete a character): mostly broken
/// JSON, sometimes a message with a changed type, field or value.
fn mangled_message() -> impl Strategy<Value = String> {
    let character = prop_oneof![
        prop::sample::select(vec![
            '"', '{', '}', '[', ']', ',', ':', ' ', '0', '9', '-', '.', 'e', '\\'
        ]),
        any::<char>(),
    ];
    let edits = prop::collection::vec((0u8..4, any::<Index>(), character), 0..=3);
    (prop::sample::select(TEMPLATES.to_vec()), edits).prop_map(|(template, edits)| {
        let mut chars: Vec<char> = template.chars().collect();
        for (kind, at, character) in edits {
            let at = at.index(chars.len() + 1);
            match kind {
                0 => chars.truncate(at),
                1 => chars.insert(at, character),
                2 if at < chars.len() => chars[at] = character,
                _ if at < chars.len() => {
                    chars.remove(at);
                }
                _ => {}
            }
        }
        chars.into_iter().collect()
    })
}

/// Any text on a team phone or the control page (random text or a mangled message): a text
/// that is no message gets `bad_message`, a message gets the documented answer for its socket
/// (`already_joined`, `not_allowed`, a refusal naming the rule, or silence for a stray ping
/// answer); the show and the join codes stay as they were, and a command sent right after gets
/// its own answer.
#[test]
fn any_text_gets_the_documented_answer_and_changes_nothing() {
    against_the_server(128, prop_oneof![1 => ".{0,200}", 3 => mangled_message()]);
}

/// Messages of every type whose fields each hold a hostile value (huge, negative, a string, null,
/// an array, an object where a number belongs; any text, or a team id, verdict or role where text
/// belongs) or an ordinary one: each is refused as documented or, when it is a valid command,
/// answered as that command, and the socket keeps working.
#[test]
fn hostile_field_values_are_refused_cleanly() {
    let number = || {
        prop_oneof![
            Just(json!(1e308)),
            Just(json!(-1e308)),
            Just(json!(u64::MAX)),
            Just(json!(i64::MIN)),
            Just(json!("12")),
            Just(json!(null)),
            Just(json!([1])),
            Just(json!({"a": 1})),
            Just(json!(0)),
            Just(json!(1)),
            Just(json!(-1)),
            Just(json!(0.5)),
        ]
    };
    let text = || {
        prop_oneof![
            ".{0,40}".prop_map(Value::from),
            Just(json!("")),
            Just(json!("alpha")),
            Just(json!("correct")),
            Just(json!("team")),
            Just(json!(null)),
            Just(json!(7)),
        ]
    };
    let kind = prop::sample::select(vec![
        "buzz",
        "hello",
        "adjust_score",
        "judge",
        "sync_reply",
        "rotate_code",
        "revoke_phone",
        "undo",
        "nope",
    ]);
    let id = prop_oneof![
        Just(json!(null)),
        any::<u64>().prop_map(Value::from),
        number()
    ];
    let numbers = (
        number(),
        number(),
        number(),
        number(),
        number(),
        number(),
        number(),
    );
    let texts = (text(), text(), text(), text(), text(), text());
    let messages = (kind, id, numbers, texts).prop_map(|(kind, id, numbers, texts)| {
        let (pressed_at, t0, t1, t2, delta, phone, device) = numbers;
        let (team, reason, verdict, role, token, code) = texts;
        json!({
            "type": kind, "id": id, "pressed_at": pressed_at, "t0": t0, "t1": t1, "t2": t2,
            "delta": delta, "phone": phone, "team": team, "reason": reason, "verdict": verdict,
            "role": role, "token": token, "code": code, "device": device,
        })
        .to_string()
    });
    against_the_server(128, messages);
}
