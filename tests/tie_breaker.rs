//! The tie-breaker over real sockets: two teams tied on their totals; the MC breaks the tie with
//! an extra buzz question among just them; the ranking, the slide and the results record it.

mod common;

use common::{TEAMS, TestServer, http_get, phase, ranking_lines};
use serde_json::{Value, json};
use stagebuzz::game::tie_breaker::TieBreakerRound;
use stagebuzz::game::{BuzzInRules, ContestBuilder, Question, Round};

#[tokio::test]
async fn a_tie_is_broken_among_the_tied_teams_and_recorded() {
    let mut contest = ContestBuilder::new("Hội thi Dân vận")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .scored("Năng khiếu")
        .build();
    contest.rounds.push(Round::TieBreaker(TieBreakerRound {
        title: "Câu hỏi phụ".into(),
        rules: BuzzInRules::default(),
        questions: vec![Question::new("Câu hỏi phụ 1?", "đáp án")],
    }));
    let server = TestServer::start(contest).await;
    let mut control = server.control().await;
    let mut bravo = server.team("bravo").await;
    let mut charlie = server.team("charlie").await;

    control.ok(json!({"type": "start_round", "round": 1})).await;
    for (team, points) in [("alpha", 9), ("bravo", 9), ("charlie", 7)] {
        control
            .ok(json!({"type": "adjust_score", "team": team, "delta": points, "reason": "Ban giám khảo"}))
            .await;
    }
    control.ok(json!({"type": "start_round", "round": 2})).await;
    let refused = control
        .command(
            json!({"type": "break_tie", "teams": ["alpha", "charlie"]}),
            2,
        )
        .await;
    assert_eq!(refused["code"], "not_tied", "{refused}");
    control
        .ok(json!({"type": "break_tie", "teams": ["alpha", "bravo"]}))
        .await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    charlie.state_where(|s| phase(s) == "open").await;
    let outside = charlie.command(json!({"type": "buzz"}), 3).await;
    assert_eq!(outside["code"], "already_tried", "{outside}");
    bravo.state_where(|s| phase(s) == "open").await;
    bravo.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| phase(s) == "floor").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    let broken = control
        .state_where(|s| s["tie_break"][0]["resolved"] == true)
        .await;
    assert_eq!(broken["tie_break"][0]["order"], json!(["bravo", "alpha"]));
    control.ok(json!({"type": "show_ranking"})).await;
    let slide = control.state_where(|s| s["stage"] == "slide").await;
    assert_eq!(
        ranking_lines(&slide),
        [
            ("bravo".to_string(), 9, 1),
            ("alpha".to_string(), 9, 2),
            ("charlie".to_string(), 7, 3),
            ("delta".to_string(), 0, 4)
        ]
    );
    let token = server.token();
    let (_, body) = http_get(server.addr(), &format!("/api/results.json?token={token}")).await;
    let results: Value = serde_json::from_str(&body).expect("results JSON");
    assert_eq!(results["ranking"][0]["team"], "bravo");
    assert_eq!(results["ranking"][1]["rank"], 2);
    assert_eq!(
        results["tie_breaks"],
        json!([{"round": null, "order": ["bravo", "alpha"], "teams": ["alpha", "bravo"], "questions": 1}])
    );
}
