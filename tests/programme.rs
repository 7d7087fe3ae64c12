//! A whole programme over real sockets: a multiple-choice round, a buzz-in round and a round the
//! MC scores by hand, played in the order the MC chooses, with a ranking between; the results
//! give each round's points and places and the totals.

mod common;

use common::{TEAMS, TestServer, http_get, phase, ranking_lines, to_floor};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, ContestBuilder, MultipleChoiceRules, Question};

#[tokio::test]
async fn a_programme_of_three_kinds_gives_per_round_and_total_results() {
    let contest = ContestBuilder::new("Hội thi Dân vận")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .multiple_choice("Kiến thức", MultipleChoiceRules::default(), 1, |_| {
            Question {
                text: "Ngày truyền thống công tác dân vận?".into(),
                answer: "C".into(),
                options: vec![
                    "03/02/1930".into(),
                    "18/11/1930".into(),
                    "15/10/1930".into(),
                ],
                ..Question::default()
            }
        })
        .buzz_in("Về đích", BuzzInRules::default(), 1, |_| {
            Question::new("Bút danh của bài báo Dân vận?", "X.Y.Z.")
        })
        .scored("Năng khiếu")
        .build();
    let server = TestServer::start(contest).await;
    let mut control = server.control().await;
    let mut teams = Vec::new();
    for id in TEAMS {
        teams.push(server.team(id).await);
    }

    // The talent round first, as the organisers decided on the day.
    control.ok(json!({"type": "start_round", "round": 3})).await;
    for (team, points) in [("alpha", 8), ("bravo", 9), ("charlie", 9)] {
        control
            .ok(json!({"type": "adjust_score", "team": team, "delta": points, "reason": "Ban giám khảo"}))
            .await;
    }
    // Then knowledge: bravo and delta right, alpha wrong.
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_answers"})).await;
    for (i, option) in [(0, "A"), (1, "C"), (3, "C")] {
        teams[i]
            .state_where(|s| s["choice"]["phase"] == "open")
            .await;
        teams[i]
            .ok(json!({"type": "choose", "option": option}))
            .await;
    }
    control.ok(json!({"type": "reveal_answer"})).await;
    control.ok(json!({"type": "show_ranking"})).await;
    let ranking = control.state_where(|s| s["stage"] == "slide").await;
    assert_eq!(
        ranking["standings"],
        Value::Null,
        "standings wait for the end"
    );
    let lines = ranking_lines(&ranking);
    assert_eq!(
        lines,
        [
            ("bravo".to_string(), 19, 1),
            ("delta".to_string(), 10, 2),
            ("charlie".to_string(), 9, 3),
            ("alpha".to_string(), 8, 4)
        ]
    );
    // The finish: charlie takes the floor and is right.
    control.ok(json!({"type": "start_round", "round": 2})).await;
    to_floor(&mut control, &mut teams[2]).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control.ok(json!({"type": "show_next_question"})).await;
    let finished = control.state_where(|s| s["stage"] == "finished").await;
    assert_eq!(phase(&finished), "");

    // The final state carries the podium and each round's prize winners: ties share a rank and
    // keep the scoreboard's order.
    let rank =
        |team: &str, points: i64, rank: u64| json!({"rank": rank, "team": team, "points": points});
    let round = |number: u64, title: &str, kind: &str| json!({"number": number, "total": 3, "title": title, "kind": kind});
    let standings = json!({
        "overall": [rank("bravo", 19, 1), rank("charlie", 19, 1), rank("delta", 10, 3), rank("alpha", 8, 4)],
        "rounds": [
            {"round": round(1, "Kiến thức", "multiple_choice"),
             "ranking": [rank("bravo", 10, 1), rank("delta", 10, 1), rank("alpha", 0, 3), rank("charlie", 0, 3)]},
            {"round": round(2, "Về đích", "buzz_in"),
             "ranking": [rank("charlie", 10, 1), rank("alpha", 0, 2), rank("bravo", 0, 2), rank("delta", 0, 2)]},
            {"round": round(3, "Năng khiếu", "scored"),
             "ranking": [rank("bravo", 9, 1), rank("charlie", 9, 1), rank("alpha", 8, 3), rank("delta", 0, 4)]},
        ],
    });
    assert_eq!(finished["standings"], standings);
    // The projector and the team phones get the same.
    let screen = server.screen().await;
    let shown: Value =
        serde_json::from_str(screen.transcript.last().expect("a state")).expect("JSON");
    assert_eq!(shown["standings"], standings);
    let team = teams[0].state_where(|s| s["stage"] == "finished").await;
    assert_eq!(team["standings"], standings);

    let token = server.token();
    let (_, body) = http_get(server.addr(), &format!("/api/results.json?token={token}")).await;
    let results: Value = serde_json::from_str(&body).expect("results JSON");
    assert_eq!(
        results["rounds"],
        json!(["Kiến thức", "Về đích", "Năng khiếu"])
    );
    let rows: Vec<(String, Value, Value, i64, u64)> = results["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|r| {
            (
                r["team"].as_str().unwrap_or_default().to_string(),
                r["round_points"].clone(),
                r["round_ranks"].clone(),
                r["total"].as_i64().unwrap_or_default(),
                r["rank"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // Tied on 19: both first, in scoreboard order (a tie-breaker is the MC's call).
            (
                "bravo".to_string(),
                json!([10, 0, 9]),
                json!([1, 2, 1]),
                19,
                1
            ),
            (
                "charlie".to_string(),
                json!([0, 10, 9]),
                json!([3, 1, 1]),
                19,
                1
            ),
            (
                "delta".to_string(),
                json!([10, 0, 0]),
                json!([1, 2, 4]),
                10,
                3
            ),
            (
                "alpha".to_string(),
                json!([0, 0, 8]),
                json!([3, 2, 3]),
                8,
                4
            )
        ]
    );
}

/// A round dropped on the day (or one nobody scored in) gives no prize: the final standings list
/// only the rounds with points, and the overall ranking still has every team.
#[tokio::test]
async fn a_round_without_points_has_no_prize_in_the_final_standings() {
    let contest = ContestBuilder::new("Hội thi")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .scored("Chào hỏi")
        .buzz_in("Về đích", BuzzInRules::default(), 1, |_| {
            Question::new("?", "!")
        })
        .build();
    let server = TestServer::start(contest).await;
    let mut control = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "adjust_score", "team": "delta", "delta": 7, "reason": "Ban giám khảo"}))
        .await;
    control.ok(json!({"type": "start_round", "round": 2})).await;
    control.ok(json!({"type": "finish_contest"})).await;
    let finished = control.state_where(|s| s["stage"] == "finished").await;
    let rounds: Vec<&Value> = finished["standings"]["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| &r["round"]["title"])
        .collect();
    assert_eq!(rounds, [&json!("Chào hỏi")]);
    assert_eq!(
        finished["standings"]["overall"][0],
        json!({"rank": 1, "team": "delta", "points": 7})
    );
    assert_eq!(
        finished["standings"]["overall"].as_array().map(Vec::len),
        Some(TEAMS.len())
    );
}
