//! The "Về đích" finish over real sockets: the MC calls a team's turn and its pack, the star of
//! hope doubles a right answer, and after a wrong one the other teams' phones race to steal —
//! never the team on turn's own phone.

mod common;

use common::{TEAMS, TestServer, phase};
use serde_json::{Value, json};
use stagebuzz::game::olympia::{OlympiaRound, OlympiaRules};
use stagebuzz::game::{ContestBuilder, Question, Round};

fn contest() -> stagebuzz::game::Contest {
    let mut contest = ContestBuilder::new("Hội thi Dân vận")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .build();
    let questions = [20, 30, 20, 30, 20, 30, 20, 30]
        .iter()
        .enumerate()
        .map(|(i, value)| Question {
            points: Some(*value),
            ..Question::new(format!("Câu hỏi {} điểm số {i}", value), "đáp án")
        })
        .collect();
    contest.rounds.push(Round::OlympiaFinish(OlympiaRound {
        title: "Về đích".into(),
        rules: OlympiaRules {
            pack_size: 2,
            ..OlympiaRules::default()
        },
        questions,
    }));
    contest
}

fn scores(state: &Value) -> Vec<f64> {
    state["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["score"].as_f64().expect("score"))
        .collect()
}

#[tokio::test]
async fn a_turn_with_its_star_and_a_steal_from_another_teams_phone() {
    let server = TestServer::start(contest()).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut alpha = server.team("alpha").await;
    let mut charlie = server.team("charlie").await;

    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "start_turn", "team": "alpha"}))
        .await;
    let refused = control
        .command(json!({"type": "choose_pack", "values": [20, 25]}), 2)
        .await;
    assert_eq!(refused["code"], "invalid_pack", "{refused}");
    control
        .ok(json!({"type": "choose_pack", "values": [30, 20]}))
        .await;
    control.ok(json!({"type": "star"})).await;
    let shown = screen
        .state_where(|s| s["olympia"]["star_pending"] == true)
        .await;
    assert_eq!(shown["olympia"]["on_turn"], "alpha");
    assert_eq!(shown["olympia"]["turns"][0]["pack"], json!([30, 20]));

    // The first question: worth 30, on the star; alpha is right: 60.
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_answers"})).await;
    let question = screen
        .state_where(|s| s["olympia"]["question"]["main"] == "answering")
        .await;
    assert_eq!(
        question["olympia"]["question"],
        json!({"team": "alpha", "value": 30, "star": true, "number": 1, "main": "answering",
               "deadline_ms": question["olympia"]["question"]["deadline_ms"], "countdown_ms": 20000})
    );
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    // The second: alpha is wrong; the others may steal.
    control.ok(json!({"type": "show_next_question"})).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    control.ok(json!({"type": "open_buzzers"})).await;
    alpha.state_where(|s| phase(s) == "open").await;
    let own = alpha.command(json!({"type": "buzz"}), 7).await;
    assert_eq!(own["code"], "own_question", "{own}");
    charlie.state_where(|s| phase(s) == "open").await;
    charlie.ok(json!({"type": "buzz"})).await;
    let floor = screen.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "charlie");
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    // Charlie earns the 20 and takes them from alpha: 60 - 20 = 40.
    let after = screen
        .state_where(|s| scores(s) == [40.0, 0.0, 20.0, 0.0])
        .await;
    assert_eq!(after["olympia"]["turns"][0]["done"], true);
    assert_eq!(after["olympia"]["on_turn"], Value::Null);
    // The next question waits for the next team's turn.
    let next = control
        .command(json!({"type": "show_next_question"}), 9)
        .await;
    assert_eq!(next["code"], "no_turn", "{next}");
}
