//! The judging panel over real sockets: judges join on their phones with their own codes (and
//! rejoin, and are refused, revoked and throttled like team phones); a judged round is played
//! by the MC and three judges, and no message to another judge, a team or the projector carries
//! a judge's marks before the MC reveals them; the result lands in the scores and the results;
//! a server killed mid-round resumes with the marks, the timer and the draw.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::binary::{Binary, OnDisk};
use common::{Client, STEP_TIMEOUT, TEAMS, TestServer, http_get, raw_client, raw_client_from};
use serde_json::{Value, json};
use stagebuzz::game::judged::{JudgedRules, Situation};
use stagebuzz::game::{BuzzInRules, Contest, ContestBuilder, Points, Question};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Three teams, three judges, a judged round (a 1-minute limit, 1 point a minute over it, two
/// situations to draw) and a buzz-in round after it.
fn panel_contest() -> Contest {
    let rules = JudgedRules {
        time_limit_ms: Some(60_000),
        penalty_per_minute: Points::whole(1),
        ..JudgedRules::default()
    };
    let situations = (1..=2)
        .map(|i| Situation {
            title: format!("Tình huống {i}"),
            text: format!("Nội dung tình huống số {i}."),
        })
        .collect();
    ContestBuilder::new("Hội thi thử")
        .teams(3, |i| (TEAMS[i].into(), format!("Đội {}", TEAMS[i])))
        .judge("gk-1", "Giám khảo Một")
        .judge("gk-2", "Giám khảo Hai")
        .judge("gk-3", "Giám khảo Ba")
        .judged("Xử lý tình huống", rules, situations)
        .buzz_in("Giành quyền", BuzzInRules::default(), 1, |_| {
            Question::new("Câu hỏi?", "Đáp án")
        })
        .build()
}

fn judge_hello(judge: &str, code: &str) -> Value {
    json!({"type": "hello", "role": "judge", "judge": judge, "code": code})
}

/// Says `hello` on a new socket from another loopback address each time (so that the wrong
/// codes tried on purpose are not throttled) and returns the server's first answer, with the
/// socket.
async fn hello(server: &TestServer, message: Value) -> (Client, Value) {
    static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(60);
    let source = from(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let mut client = raw_client_from(server.addr(), source).await;
    client.send(message).await;
    let answer = client.recv().await;
    (client, answer)
}

/// Skips `client`'s messages until one satisfies `wanted`, within the step timeout.
async fn recv_where(client: &mut Client, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "no such message in time");
        let message = client.recv().await;
        if wanted(&message) {
            return message;
        }
    }
}

/// Waits until the server closes `client`, and returns the close reason.
async fn closed_because(client: &mut Client) -> String {
    loop {
        match client.next_frame().await {
            Some(Message::Close(frame)) => {
                return frame.map(|f| f.reason.to_string()).unwrap_or_default();
            }
            None => return String::new(),
            Some(_) => {}
        }
    }
}

/// The performance of `team` (0-based, scoreboard order) in a state's judged block.
fn performance(state: &Value, team: usize) -> &Value {
    &state["judged"]["teams"][team]
}

/// Every number anywhere in a JSON value.
fn numbers(value: &Value, found: &mut Vec<f64>) {
    match value {
        Value::Number(n) => found.extend(n.as_f64()),
        Value::Array(items) => items.iter().for_each(|v| numbers(v, found)),
        Value::Object(map) => map.values().for_each(|v| numbers(v, found)),
        _ => {}
    }
}

fn carries(message: &Value, wanted: f64) -> bool {
    let mut found = Vec::new();
    numbers(message, &mut found);
    found.contains(&wanted)
}

fn score_of(state: &Value, team: &str) -> Value {
    state["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["id"] == team)
        .map(|t| t["score"].clone())
        .expect("the team is on the scoreboard")
}

#[tokio::test]
async fn a_judge_joins_with_its_code_rejoins_with_its_token_and_nothing_else_gets_in() {
    let server = TestServer::start(panel_contest()).await;
    let mut control = server.control().await;
    let code = server.judge_code("gk-1");

    // Refused: a wrong code, another judge's code, a judge that does not exist, a team's code.
    let (_, answer) = hello(&server, judge_hello("gk-1", "AAAAAAA")).await;
    assert_eq!(answer["code"], "bad_code", "{answer}");
    let (_, answer) = hello(&server, judge_hello("gk-2", &code)).await;
    assert_eq!(answer["code"], "bad_code", "{answer}");
    let (_, answer) = hello(&server, judge_hello("gk-9", &code)).await;
    assert_eq!(answer["code"], "unknown_judge", "{answer}");
    let (_, answer) = hello(&server, judge_hello("alpha", &server.code("alpha"))).await;
    assert_eq!(answer["code"], "unknown_judge", "{answer}");
    // Nor does the judge's code make a team phone.
    let team_with_judge_code =
        json!({"type": "hello", "role": "team", "team": "alpha", "code": code});
    let (_, answer) = hello(&server, team_with_judge_code).await;
    assert_eq!(answer["code"], "bad_code", "{answer}");

    // The judge's code, typed in lower case with a space, as on a phone.
    let typed = format!("{} {}", &code[..3], code[3..].to_lowercase());
    let (mut phone, welcome) = hello(&server, judge_hello("gk-1", &typed)).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["role"], "judge");
    assert_eq!(welcome["judge"], "gk-1");
    assert_eq!(welcome["name"], "Giám khảo Một");
    assert!(welcome.get("team").is_none(), "{welcome}");
    let device = welcome["device"]
        .as_str()
        .expect("a device token")
        .to_string();
    phone.state_where(|_| true).await;

    // The MC sees the judge's code, join link, phone, and that it is connected.
    let access = recv_where(&mut control, |m| {
        m["type"] == "access" && m["judges"][0]["connected"] == 1
    })
    .await;
    let entry = &access["judges"][0];
    assert_eq!(entry["id"], "gk-1");
    assert_eq!(entry["code"], code.as_str());
    assert_eq!(entry["join_path"], format!("/judge?judge=gk-1&code={code}"));
    let number = entry["phones"][0]["number"].as_u64().expect("phone number");
    assert_eq!(entry["phones"][0]["revoked"], false);
    assert_eq!(access["judges"][1]["connected"], 0);

    // Back with its token (a reload): the same judge, asked nothing.
    let (mut again, welcome) = hello(
        &server,
        json!({"type": "hello", "role": "judge", "device": device}),
    )
    .await;
    assert_eq!(welcome["judge"], "gk-1", "{welcome}");
    assert_eq!(welcome["device"], device.as_str());
    again.state_where(|_| true).await;
    // The token is this judge's only: not another judge's, nor a team's.
    let (_, answer) = hello(
        &server,
        json!({"type": "hello", "role": "judge", "judge": "gk-2", "device": device}),
    )
    .await;
    assert_eq!(answer["code"], "device_refused", "{answer}");
    let (_, answer) = hello(
        &server,
        json!({"type": "hello", "role": "team", "device": device}),
    )
    .await;
    assert_eq!(answer["code"], "unknown_device", "{answer}");

    // The MC revokes the phone: both its sockets are closed, and its token is refused.
    control
        .ok(json!({"type": "revoke_judge_phone", "judge": "gk-1", "phone": number}))
        .await;
    assert_eq!(closed_because(&mut phone).await, "device_revoked");
    assert_eq!(closed_because(&mut again).await, "device_revoked");
    let (_, answer) = hello(
        &server,
        json!({"type": "hello", "role": "judge", "device": device}),
    )
    .await;
    assert_eq!(answer["code"], "device_revoked", "{answer}");

    // A new code for judge 2: the old one is dead, the new one works.
    let old = server.judge_code("gk-2");
    control
        .ok(json!({"type": "rotate_judge_code", "judge": "gk-2"}))
        .await;
    let (_, answer) = hello(&server, judge_hello("gk-2", &old)).await;
    assert_eq!(answer["code"], "bad_code", "{answer}");
    let (_, answer) = hello(&server, judge_hello("gk-2", &server.judge_code("gk-2"))).await;
    assert_eq!(answer["type"], "welcome", "{answer}");
    let answer = control
        .command(json!({"type": "rotate_judge_code", "judge": "gk-9"}), 3)
        .await;
    assert_eq!(answer["code"], "unknown_judge", "{answer}");
}

fn from(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// A judge hello from `source` with a wrong code: `true` when the code was read (`bad_code`),
/// `false` when held back unread (`throttled`).
async fn wrong_guess(server: &TestServer, source: IpAddr, judge: &str) -> bool {
    let mut client = raw_client_from(server.addr(), source).await;
    client.send(judge_hello(judge, "AAAAAAA")).await;
    let answer = client.recv().await;
    match answer["code"].as_str() {
        Some("bad_code") => true,
        Some("throttled") => false,
        _ => panic!("a wrong code is refused, got {answer}"),
    }
}

#[tokio::test]
async fn judge_codes_are_throttled_per_address_and_per_judge_and_the_mc_sees_it() {
    let server = TestServer::start(panel_contest()).await;
    let mut control = server.control().await;
    // One address: three free wrong codes and a fourth, then held back, even with the right
    // code (unread).
    let guesser = from(50);
    for _ in 0..4 {
        assert!(wrong_guess(&server, guesser, "gk-2").await);
    }
    let mut client = raw_client_from(server.addr(), guesser).await;
    client
        .send(judge_hello("gk-2", &server.judge_code("gk-2")))
        .await;
    let answer = client.recv().await;
    assert_eq!(answer["code"], "throttled", "{answer}");
    assert!(answer["retry_after_ms"].as_u64() > Some(0), "{answer}");
    let access = recv_where(&mut control, |m| {
        m["type"] == "access" && m["failed_joins"][0]["held_back"] == 1
    })
    .await;
    let entry = &access["failed_joins"][0];
    assert_eq!(entry["judge"], "gk-2", "{access}");
    assert!(entry.get("team").is_none(), "{access}");
    assert_eq!(entry["address"], "127.0.0.50");
    assert_eq!(entry["wrong"], 4);

    // Many addresses past their free codes share judge 3's bucket: some are held back for it.
    for last in 100..116 {
        for _ in 0..3 {
            assert!(wrong_guess(&server, from(last), "gk-3").await);
        }
    }
    let mut held_for_the_judge = 0;
    for last in 100..116 {
        if !wrong_guess(&server, from(last), "gk-3").await {
            held_for_the_judge += 1;
        }
    }
    assert!(held_for_the_judge >= 3, "held back: {held_for_the_judge}");
    // The judge, from its own phone, still gets in.
    let mut phone = raw_client_from(server.addr(), from(20)).await;
    phone
        .send(judge_hello("gk-3", &server.judge_code("gk-3")))
        .await;
    let answer = phone.recv().await;
    assert_eq!(answer["type"], "welcome", "{answer}");
}

#[tokio::test]
async fn a_judged_round_is_played_and_no_one_sees_another_judges_marks_before_the_reveal() {
    let server = TestServer::start(panel_contest()).await;
    let mut control = server.control().await;
    let mut first = server.judge("gk-1").await;
    let mut second = server.judge("gk-2").await;
    let mut third = server.judge("gk-3").await;
    let mut team = server.team("bravo").await;
    let mut screen = server.screen().await;

    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "perform", "team": "alpha"}))
        .await;
    control.ok(json!({"type": "start_timer"})).await;
    // The judges see the stage timer; the projector only once the MC shows it.
    second
        .state_where(|s| s["judged"]["timer"]["running"] == true)
        .await;
    let state = screen
        .state_where(|s| s["judged"]["on_stage"] == "alpha")
        .await;
    assert_eq!(state["judged"]["timer"], Value::Null);
    control
        .ok(json!({"type": "show_timer", "shown": true}))
        .await;
    let state = screen
        .state_where(|s| s["judged"]["timer"]["running"] == true)
        .await;
    assert_eq!(state["judged"]["timer"]["limit_ms"], 60_000);

    // Alpha draws its situation by lot: the projector shows it; nobody draws it again.
    control.ok(json!({"type": "draw", "team": "alpha"})).await;
    let drawn = |s: &Value, n: usize| {
        s["judged"]["situations"]["drawn"].as_array().map(Vec::len) == Some(n)
    };
    let state = screen.state_where(|s| drawn(s, 1)).await;
    let alphas = state["judged"]["situations"]["drawn"][0].clone();
    assert_eq!(alphas["team"], "alpha");
    let number = alphas["number"].as_u64().expect("number");
    assert_eq!(alphas["title"], format!("Tình huống {number}"));
    assert_eq!(alphas["text"], format!("Nội dung tình huống số {number}."));
    let answer = control
        .command(json!({"type": "draw", "team": "alpha"}), 2)
        .await;
    assert_eq!(answer["code"], "already_drawn", "{answer}");
    control.ok(json!({"type": "draw", "team": "bravo"})).await;
    let state = screen.state_where(|s| drawn(s, 2)).await;
    let bravos = &state["judged"]["situations"]["drawn"][1];
    assert_eq!(bravos["team"], "bravo");
    assert_eq!(bravos["number"], 3 - number, "the other situation");
    assert_eq!(state["judged"]["situations"]["left"], 0);
    let answer = control
        .command(json!({"type": "draw", "team": "charlie"}), 3)
        .await;
    assert_eq!(answer["code"], "nothing_to_draw", "{answer}");

    // The judges score alpha; judge 2 changes its mind. 9.5 is judge 1's alone.
    first
        .ok(json!({"type": "score", "team": "alpha", "marks": [9.5]}))
        .await;
    second
        .ok(json!({"type": "score", "team": "alpha", "marks": [7]}))
        .await;
    second
        .ok(json!({"type": "score", "team": "alpha", "marks": [8.5]}))
        .await;
    // Judge 2 sees its own marks only.
    let state = second
        .state_where(|s| performance(s, 0)["mine"] == json!([8.5]))
        .await;
    assert_eq!(performance(&state, 0)["marks"], Value::Null);
    assert_eq!(performance(&state, 1)["mine"], Value::Null);
    // A judge's phone scores as its own judge only: naming another is refused, its own is fine.
    let answer = second
        .command(
            json!({"type": "score", "team": "alpha", "marks": [1], "judge": "gk-1"}),
            4,
        )
        .await;
    assert_eq!(answer["code"], "not_allowed", "{answer}");
    third
        .ok(json!({"type": "score", "team": "alpha", "marks": [8], "judge": "gk-3"}))
        .await;
    let answer = third
        .command(
            json!({"type": "score", "team": "alpha", "marks": [8.25]}),
            5,
        )
        .await;
    assert_eq!(answer["code"], "invalid_mark", "{answer}");
    // Judges and teams cannot run the round; nobody but a judge scores.
    let answer = first
        .command(json!({"type": "close_scoring", "team": "alpha"}), 6)
        .await;
    assert_eq!(answer["code"], "not_allowed", "{answer}");
    let answer = team
        .command(json!({"type": "score", "team": "bravo", "marks": [10]}), 7)
        .await;
    assert_eq!(answer["code"], "not_allowed", "{answer}");
    let answer = control
        .command(json!({"type": "score", "team": "bravo", "marks": [10]}), 8)
        .await;
    assert_eq!(answer["code"], "not_allowed", "{answer}");

    // The MC sees every judge's marks (judge 1's unchanged by judge 2's attempt), and who has
    // not scored bravo yet.
    let state = control
        .state_where(|s| performance(s, 0)["marks"][2]["marks"] == json!([8]))
        .await;
    let marks: Vec<Value> = performance(&state, 0)["marks"]
        .as_array()
        .expect("marks")
        .iter()
        .map(|m| m["marks"].clone())
        .collect();
    assert_eq!(marks, [json!([9.5]), json!([8.5]), json!([8])]);
    assert!(
        performance(&state, 1)["marks"]
            .as_array()
            .expect("marks")
            .iter()
            .all(|m| m["marks"].is_null())
    );
    // The MC reminds judge 3 to score bravo: a banner on judge 3's phone only.
    control
        .ok(json!({"type": "remind_judge", "judge": "gk-3", "team": "bravo"}))
        .await;
    let reminder = recv_where(&mut third, |m| m["type"] == "reminder").await;
    assert_eq!(reminder, json!({"type": "reminder", "team": "bravo"}));

    // Over time: a penalty with its reason; then the secretary closes alpha's scoring.
    control
        .ok(json!({"type": "penalty", "team": "alpha", "points": 1, "reason": "quá giờ 30 giây"}))
        .await;
    control
        .ok(json!({"type": "close_scoring", "team": "alpha"}))
        .await;
    let answer = first
        .command(json!({"type": "score", "team": "alpha", "marks": [10]}), 9)
        .await;
    assert_eq!(answer["code"], "scoring_closed", "{answer}");
    // (9.5 + 8.5 + 8) / 3 = 8.666… → 8.67, less the penalty.
    let state = control
        .state_where(|s| performance(s, 0)["closed"] == true)
        .await;
    assert_eq!(performance(&state, 0)["result"], json!(8.67));
    assert_eq!(score_of(&state, "alpha"), json!(7.67));
    assert_eq!(
        performance(&state, 0)["penalties"],
        json!([{"points": 1, "reason": "quá giờ 30 giây"}])
    );
    // The hall's scoreboard keeps the result until the reveal (the penalty is public).
    let state = screen
        .state_where(|s| performance(s, 0)["closed"] == true)
        .await;
    assert_eq!(score_of(&state, "alpha"), json!(-1));
    assert_eq!(performance(&state, 0)["result"], Value::Null);
    team.state_where(|s| performance(s, 0)["closed"] == true)
        .await;
    second
        .state_where(|s| performance(s, 0)["closed"] == true)
        .await;

    // The reveal, judge by judge with names, then the result; the scoreboard catches up.
    control
        .ok(json!({"type": "reveal_result", "team": "alpha"}))
        .await;
    let state = screen
        .state_where(|s| performance(s, 0)["revealed"] == true)
        .await;
    let revealed = performance(&state, 0);
    assert_eq!(
        revealed["marks"][0],
        json!({"judge": "gk-1", "name": "Giám khảo Một", "marks": [9.5], "total": 9.5})
    );
    assert_eq!(revealed["marks"][1]["name"], "Giám khảo Hai");
    assert_eq!(revealed["marks"][1]["total"], json!(8.5));
    assert_eq!(revealed["result"], json!(8.67));
    assert_eq!(state["judged"]["revealed"], json!(["alpha"]));
    assert_eq!(score_of(&state, "alpha"), json!(7.67));
    second
        .state_where(|s| performance(s, 0)["revealed"] == true)
        .await;
    team.state_where(|s| performance(s, 0)["revealed"] == true)
        .await;

    // Nothing sent to judge 2, the team or the projector before the reveal carried 9.5.
    for (who, client) in [
        ("judge 2", &mut second),
        ("a team", &mut team),
        ("the projector", &mut screen),
    ] {
        client.drain_into_transcript();
        let messages: Vec<Value> = client
            .transcript
            .iter()
            .map(|text| serde_json::from_str(text).expect("JSON"))
            .collect();
        let reveal = messages
            .iter()
            .position(|m| performance(m, 0)["revealed"] == true)
            .expect("the reveal was received");
        assert!(
            messages[..reveal]
                .iter()
                .any(|m| performance(m, 0)["closed"] == true),
            "{who} followed the round before the reveal"
        );
        for message in &messages[..reveal] {
            assert!(
                !carries(message, 9.5),
                "{who} was sent judge 1's mark: {message}"
            );
            assert!(
                !carries(message, 8.67),
                "{who} was sent the result: {message}"
            );
            assert_ne!(message["type"], "reminder", "{who} got judge 3's reminder");
        }
        assert!(carries(&messages[reveal], 9.5), "{who} sees the reveal");
    }

    // The result is in the per-round results.
    let path = format!("/api/results.json?token={}", server.token());
    let (_, body) = http_get(server.addr(), &path).await;
    let results: Value = serde_json::from_str(&body).expect("results JSON");
    let alpha = results["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .find(|line| line["team"] == "alpha")
        .expect("alpha");
    assert_eq!(alpha["round_points"], json!([7.67, 0]));
    assert_eq!(alpha["total"], json!(7.67));

    // A reminder to a judge with no phone connected is refused: nobody would see it.
    drop(first);
    let mut answer = control
        .command(json!({"type": "remind_judge", "judge": "gk-1"}), 10)
        .await;
    // The server may not have noticed the closed socket yet: ask until it has.
    let deadline = Instant::now() + STEP_TIMEOUT;
    while answer["type"] == "ack" && Instant::now() < deadline {
        recv_where(&mut control, |m| {
            m["type"] == "access" && m["judges"][0]["connected"] == 0
        })
        .await;
        answer = control
            .command(json!({"type": "remind_judge", "judge": "gk-1"}), 11)
            .await;
    }
    assert_eq!(answer["code"], "judge_offline", "{answer}");
}

#[tokio::test]
async fn a_server_killed_mid_round_resumes_with_the_marks_the_timer_and_the_draw() {
    let disk = OnDisk::with(&panel_contest());
    let binary = Binary::start(&disk);
    let (mut control, _) = binary.control().await;
    let codes = binary.access()["judges"]["codes"].clone();
    let code = |judge: &str| codes[judge].as_str().expect("a judge code").to_string();
    let (mut first, welcome, _) = binary.join(judge_hello("gk-1", &code("gk-1"))).await;
    let device = welcome["device"].as_str().expect("device").to_string();
    let (mut second, _, _) = binary.join(judge_hello("gk-2", &code("gk-2"))).await;

    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "perform", "team": "charlie"}))
        .await;
    control.ok(json!({"type": "start_timer"})).await;
    control.ok(json!({"type": "draw", "team": "charlie"})).await;
    first
        .ok(json!({"type": "score", "team": "charlie", "marks": [9]}))
        .await;
    second
        .ok(json!({"type": "score", "team": "charlie", "marks": [7.5]}))
        .await;
    let before = control
        .state_where(|s| performance(s, 2)["marks"][1]["marks"] == json!([7.5]))
        .await;

    binary.kill();
    let binary = Binary::start(&disk);
    let (mut control, after) = binary.control().await;
    assert_eq!(after["stage"], "round_intro");
    for part in ["on_stage", "timer", "situations", "teams"] {
        assert_eq!(after["judged"][part], before["judged"][part], "{part}");
    }
    assert_eq!(after["judged"]["timer"]["running"], true);
    assert_eq!(after["judged"]["situations"]["drawn"][0]["team"], "charlie");

    // Judge 1's phone comes back with its token and finds its marks.
    let (_first, welcome, state) = binary
        .join(json!({"type": "hello", "role": "judge", "device": device}))
        .await;
    assert_eq!(welcome["judge"], "gk-1");
    assert_eq!(performance(&state, 2)["mine"], json!([9]));
    // The round goes on: (9 + 7.5) / 2 = 8.25.
    control
        .ok(json!({"type": "close_scoring", "team": "charlie"}))
        .await;
    let state = control
        .state_where(|s| performance(s, 2)["closed"] == true)
        .await;
    assert_eq!(performance(&state, 2)["result"], json!(8.25));
    assert_eq!(score_of(&state, "charlie"), json!(8.25));
}
/// The judge page, the panel's names (for its list) and the MC's QR code of a judge's join link
/// are served; a socket must still say `hello` before scoring.
#[tokio::test]
async fn the_judge_page_and_the_panel_list_are_served() {
    let server = TestServer::start(panel_contest()).await;
    let (head, body) = http_get(server.addr(), "/judge").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(body.contains("/assets/judge.js"), "{body}");
    let (head, body) = http_get(server.addr(), "/api/judges").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let list: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        list["judges"][2],
        json!({"id": "gk-3", "name": "Giám khảo Ba"})
    );
    // The MC's QR code of a judge's join link.
    let path = format!("/api/join-qr/gk-2?token={}", server.token());
    let (head, body) = http_get(server.addr(), &path).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(body.contains("<svg"), "{body}");
    // A socket saying nothing but a score is asked for its hello.
    let mut client = raw_client(server.addr()).await;
    client
        .send(json!({"type": "score", "team": "alpha", "marks": [5]}))
        .await;
    assert_eq!(client.recv().await["code"], "hello_first");
}
