//! A buzz-in question played end to end over real sockets: four phones, the MC and the projector.

mod common;

use common::{TEAMS, TestServer, contest, phase, without_times};
use futures_util::future::join_all;
use serde_json::{Value, json};
use stagebuzz::game::BuzzInRules;

/// Show → open → four buzzes at once → exactly one floor holder → wrong → reopen → correct;
/// every socket sees the same floor and the same scores.
#[tokio::test]
async fn full_question_with_simultaneous_buzzes() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut teams = Vec::new();
    for id in TEAMS {
        teams.push(server.team(id).await);
    }

    control.ok(json!({"type": "show_next_question"})).await;
    let shown = screen.state_where(|s| phase(s) == "ready").await;
    assert_eq!(shown["question"]["text"], "Câu hỏi số 1?");
    assert_eq!(shown["question"]["answer"], Value::Null, "answer hidden");
    let mc_view = control.state_where(|s| phase(s) == "ready").await;
    assert_eq!(mc_view["question"]["answer"], "Đáp án 1");
    assert_eq!(mc_view["question"]["notes"], "Ghi chú 1");

    control.ok(json!({"type": "open_buzzers"})).await;
    for team in &mut teams {
        team.state_where(|s| phase(s) == "open").await;
    }

    // All four phones press in the same instant: all four enter the race, exactly one wins it.
    let answers = join_all(
        teams
            .iter_mut()
            .map(|team| team.command(json!({"type": "buzz"}), 5)),
    )
    .await;
    for answer in &answers {
        assert_eq!(answer, &json!({"type": "ack", "id": 5}));
    }
    let decided = control.state_where(|s| phase(s) == "floor").await;
    let winner_id = decided["buzz"]["floor"]
        .as_str()
        .expect("a floor holder")
        .to_string();
    let winner = TEAMS
        .iter()
        .position(|t| *t == winner_id)
        .expect("known team");
    let ranks: Vec<(String, u64)> = decided["buzz"]["buzzes"]
        .as_array()
        .expect("buzzes")
        .iter()
        .map(|b| {
            (
                b["team"].as_str().unwrap_or("").to_string(),
                b["rank"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        ranks.len(),
        4,
        "all four presses are in the evidence: {ranks:?}"
    );
    assert_eq!(ranks[0], (winner_id.clone(), 1));
    let evidence = &decided["buzz"]["buzzes"][0];
    for timing in ["press_ms", "arrived_ms"] {
        assert!(
            evidence[timing].is_number(),
            "the MC sees {timing}: {evidence}"
        );
    }
    // Every phone and the projector agree on the one floor holder; a late buzz is refused.
    // They get the order and the gaps, not the MC's evidence: nothing a hall's screens show.
    for client in teams.iter_mut().chain([&mut screen]) {
        let state = client.state_where(|s| phase(s) == "floor").await;
        assert_eq!(state["buzz"]["floor"], winner_id.as_str());
        let first = &state["buzz"]["buzzes"][0];
        let mut fields: Vec<&str> = first
            .as_object()
            .expect("a buzz record")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["clamp", "close", "gap_ms", "race", "rank", "team"],
            "{first}"
        );
        assert_eq!(first["team"], winner_id.as_str());
    }
    let late = teams[(winner + 1) % 4]
        .command(json!({"type": "buzz"}), 6)
        .await;
    assert_eq!(late["code"], "floor_taken", "{late}");

    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    // Buzzers reopen for the three teams that have not tried; the screen shows the exact state.
    let reopened = screen.state_where(|s| phase(s) == "open").await;
    let team_view = |id: &str, score: i64| json!({"id": id, "name": format!("Đội {id}"), "score": score, "rank": 1, "devices": 1, "online": 1});
    assert_eq!(
        without_times(reopened),
        json!({
            "type": "state",
            "now_ms": "<now>",
            "title": "Hội thi thử",
            "teams": TEAMS.iter().map(|id| team_view(id, 0)).collect::<Vec<_>>(),
            "stage": "question",
            "round": {"number": 1, "total": 1, "title": "Giành quyền trả lời", "kind": "buzz_in"},
            "question": {"number": 1, "total": 3, "text": "Câu hỏi số 1?", "image": null, "answer": null, "revealed": false},
            "buzz": {
                "phase": "open",
                "deadline_ms": "<deadline>",
                "countdown_ms": 10000,
                "floor": null,
                "time_up": false,
                "tried": [winner_id.as_str()],
                "closed_reason": null,
                "judgements": [{"team": winner_id.as_str(), "verdict": "wrong"}],
                "race": 2,
                "buzzes": "<evidence>",
                "false_starts": []
            }
        })
    );

    // The team that answered wrong cannot buzz again; another one takes the floor.
    let again = teams[winner].command(json!({"type": "buzz"}), 7).await;
    assert_eq!(again["code"], "already_tried", "{again}");
    let second = (winner + 1) % 4;
    teams[second].ok(json!({"type": "buzz"})).await;
    let second_race = control
        .state_where(|s| s["buzz"]["floor"] == TEAMS[second])
        .await;
    let race_two: Vec<&Value> = second_race["buzz"]["buzzes"]
        .as_array()
        .expect("buzzes")
        .iter()
        .filter(|b| b["race"] == 2)
        .collect();
    assert_eq!(race_two.len(), 1);
    assert_eq!(race_two[0]["team"], TEAMS[second]);
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;

    for client in teams.iter_mut().chain([&mut screen, &mut control]) {
        let state = client.state_where(|s| phase(s) == "closed").await;
        assert_eq!(state["buzz"]["closed_reason"], "correct");
        let scores: Vec<i64> = state["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .map(|t| t["score"].as_i64().expect("score"))
            .collect();
        let mut expected = vec![0; 4];
        expected[second] = 10;
        assert_eq!(scores, expected);
    }

    // Reveal: now the answer reaches teams and the screen.
    control.ok(json!({"type": "reveal_answer"})).await;
    let revealed = teams[0]
        .state_where(|s| s["question"]["revealed"] == true)
        .await;
    assert_eq!(revealed["question"]["answer"], "Đáp án 1");
}

/// With nobody buzzing, the buzz window closes by itself; with nobody answering, time runs out.
#[tokio::test]
async fn timers_close_the_window_and_end_the_answer_time() {
    let rules = BuzzInRules {
        buzz_window_ms: 300,
        answer_window_ms: 300,
        ..BuzzInRules::default()
    };
    let server = TestServer::start(contest(rules)).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut team = server.team("bravo").await;

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    let closed = screen.state_where(|s| phase(s) == "closed").await;
    assert_eq!(closed["buzz"]["closed_reason"], "no_buzz");
    assert_eq!(closed["buzz"]["deadline_ms"], Value::Null);
    // A buzz after the window closed is refused.
    let late = team.command(json!({"type": "buzz"}), 2).await;
    assert_eq!(late["code"], "buzzers_closed", "{late}");

    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    team.state_where(|s| phase(s) == "open").await;
    team.ok(json!({"type": "buzz"})).await;
    let time_up = screen.state_where(|s| s["buzz"]["time_up"] == true).await;
    assert_eq!(phase(&time_up), "floor");
    assert_eq!(time_up["buzz"]["floor"], "bravo");
    // The MC still judges after time is up.
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    let judged = screen.state_where(|s| phase(s) == "closed").await;
    assert_eq!(judged["teams"][1]["score"], 10);
}

/// Undo over the wire restores the score and gives the floor back to the team.
#[tokio::test]
async fn undo_reverts_a_judgement_for_everyone() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut team = server.team("charlie").await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    team.state_where(|s| phase(s) == "open").await;
    team.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| phase(s) == "floor").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    screen.state_where(|s| s["teams"][2]["score"] == 10).await;
    let mc = control.state_where(|s| phase(s) == "closed").await;
    assert_eq!(mc["can_undo"], true);

    control.ok(json!({"type": "undo"})).await;
    let undone = screen.state_where(|s| phase(s) == "floor").await;
    assert_eq!(undone["teams"][2]["score"], 0);
    assert_eq!(undone["buzz"]["floor"], "charlie");
    assert_eq!(undone["buzz"]["judgements"], json!([]));
}

/// Phones joining and leaving show up as device counts on every page.
#[tokio::test]
async fn team_presence_is_shown() {
    let server = TestServer::start(contest(BuzzInRules::default())).await;
    let mut screen = server.screen().await;
    let phone = server.team("delta").await;
    screen.state_where(|s| s["teams"][3]["devices"] == 1).await;
    drop(phone);
    screen.state_where(|s| s["teams"][3]["devices"] == 0).await;
}
