//! A multiple-choice question over real sockets: each team answers on its phone, sees its own
//! choice and nobody else's; the projector sees who has answered, not what; after time is up a
//! change is refused; the reveal shows every choice and scores the right ones.

mod common;

use common::{TEAMS, TestServer};
use serde_json::{Value, json};
use stagebuzz::game::{ContestBuilder, MultipleChoiceRules, Question};

fn contest() -> stagebuzz::game::Contest {
    ContestBuilder::new("Hội thi trắc nghiệm")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .multiple_choice("Kiến thức", MultipleChoiceRules::default(), 2, |i| {
            Question {
                text: format!("Câu trắc nghiệm {}?", i + 1),
                answer: "B".into(),
                options: vec![
                    "Ủy ban nhân dân".into(),
                    "Mặt trận Tổ quốc Việt Nam".into(),
                    "Hội đồng nhân dân".into(),
                    "Quốc hội".into(),
                ],
                ..Question::default()
            }
        })
        .build()
}

fn choice(state: &Value) -> &Value {
    &state["choice"]
}

#[tokio::test]
async fn a_teams_choice_is_its_own_until_the_reveal() {
    let server = TestServer::start(contest()).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut alpha = server.team("alpha").await;
    let mut bravo = server.team("bravo").await;
    let mut charlie = server.team("charlie").await;

    control.ok(json!({"type": "show_next_question"})).await;
    let shown = screen.state_where(|s| choice(s)["phase"] == "ready").await;
    assert_eq!(shown["round"]["kind"], "multiple_choice");
    assert_eq!(choice(&shown)["options"][1], "Mặt trận Tổ quốc Việt Nam");
    assert_eq!(choice(&shown)["correct"], Value::Null);
    assert_eq!(shown["question"]["answer"], Value::Null);
    // Too early: the answers are not open.
    let early = alpha
        .command(json!({"type": "choose", "option": "B"}), 1)
        .await;
    assert_eq!(early["code"], "answers_not_open", "{early}");

    control.ok(json!({"type": "open_answers"})).await;
    alpha.state_where(|s| choice(s)["phase"] == "open").await;
    bravo.state_where(|s| choice(s)["phase"] == "open").await;
    alpha.ok(json!({"type": "choose", "option": "b"})).await;
    bravo.ok(json!({"type": "choose", "option": "C"})).await;
    bravo.ok(json!({"type": "choose", "option": "A"})).await;
    let refused = bravo
        .command(json!({"type": "choose", "option": "E"}), 2)
        .await;
    assert_eq!(refused["code"], "no_such_option", "{refused}");
    let mine = alpha.state_where(|s| choice(s)["mine"] == "B").await;
    assert_eq!(choice(&mine)["choices"], Value::Null, "{mine}");
    let answered = screen
        .state_where(|s| choice(s)["answered"] == json!(["alpha", "bravo"]))
        .await;
    assert_eq!(choice(&answered)["choices"], Value::Null);
    assert!(choice(&answered).get("mine").is_none(), "{answered}");
    // The MC sees every choice as it comes.
    let mc = control
        .state_where(|s| choice(s)["choices"][1]["changes"] == 1)
        .await;
    assert_eq!(choice(&mc)["correct"], "B");
    assert_eq!(choice(&mc)["choices"][1]["option"], "A");
    assert_eq!(choice(&mc)["choices"][1]["changes"], 1);

    control.ok(json!({"type": "lock_answers"})).await;
    bravo.state_where(|s| choice(s)["phase"] == "locked").await;
    let late = bravo
        .command(json!({"type": "choose", "option": "B"}), 3)
        .await;
    assert_eq!(late["code"], "answers_closed", "{late}");

    // Everything a phone of another team and the projector received before the reveal: none
    // of it says what alpha chose, or which option is right.
    for client in [&mut bravo, &mut charlie, &mut screen] {
        client.drain_into_transcript();
        for message in &client.transcript {
            assert!(
                !message.contains("\"choices\":[") && !message.contains("\"correct\":\"B\""),
                "a choice or the answer reached another socket before the reveal: {message}"
            );
        }
    }
    for message in &bravo.transcript {
        assert!(!message.contains("\"mine\":\"B\""), "{message}");
    }

    control.ok(json!({"type": "reveal_answer"})).await;
    let revealed = screen
        .state_where(|s| choice(s)["phase"] == "revealed")
        .await;
    assert_eq!(choice(&revealed)["correct"], "B");
    let choices: Vec<(String, String, i64)> = choice(&revealed)["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| {
            (
                c["team"].as_str().unwrap_or_default().to_string(),
                c["option"].as_str().unwrap_or_default().to_string(),
                c["points"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        choices,
        [
            ("alpha".to_string(), "B".to_string(), 10),
            ("bravo".to_string(), "A".to_string(), 0)
        ]
    );
    let scores: Vec<i64> = revealed["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["score"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(scores, [10, 0, 0, 0]);
}

#[tokio::test]
async fn the_mc_cannot_move_on_while_teams_are_answering() {
    let server = TestServer::start(contest()).await;
    let mut control = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_answers"})).await;
    let refused = control
        .command(json!({"type": "show_next_question"}), 4)
        .await;
    assert_eq!(refused["code"], "answers_open", "{refused}");
    let wrong_kind = control.command(json!({"type": "open_buzzers"}), 5).await;
    assert_eq!(wrong_kind["code"], "wrong_kind", "{wrong_kind}");
    let not_a_team = control
        .command(json!({"type": "choose", "option": "A"}), 6)
        .await;
    assert_eq!(not_a_team["code"], "not_allowed", "{not_a_team}");
}
