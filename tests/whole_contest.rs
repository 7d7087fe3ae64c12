//! The example contest of `examples/dan-van/`, played from the first round to the podium over
//! real sockets by a scripted MC, five judges on their phones and six team phones: greeting
//! (judged by criteria), knowledge (multiple choice from the workbook), situation handling
//! (situations drawn by lot, the trimmed mean), talent (the mean) and the Về đích finish (packs,
//! stars, steals). The results are checked against totals computed by hand below.

mod common;

use std::path::Path;

use common::{Client, TestServer, http_get, phase};
use serde_json::{Value, json};

const TEAMS: [&str; 6] = [
    "phuoc-hai",
    "nhon-hai",
    "an-hai",
    "vinh-hai",
    "phuoc-dinh",
    "tri-hai",
];
const JUDGES: [&str; 5] = [
    "truong-ban",
    "gk-noi-vu",
    "gk-tu-phap",
    "gk-dan-van",
    "gk-tuyen-giao",
];

/// Points as whole hundredths, to compare decimals exactly.
fn hundredths(points: &Value) -> i64 {
    (points.as_f64().expect("points") * 100.0).round() as i64
}

struct Show {
    control: Client,
    teams: Vec<Client>,
    judges: Vec<Client>,
}

impl Show {
    fn team(&mut self, id: &str) -> &mut Client {
        let index = TEAMS.iter().position(|t| *t == id).expect("team");
        &mut self.teams[index]
    }

    /// A judged round's performance: `team` on stage (drawing a situation if `draw`), each judge
    /// gives its marks, the MC closes and reveals.
    async fn perform(&mut self, team: &str, draw: bool, marks: &[&[f64]]) {
        self.control
            .ok(json!({"type": "perform", "team": team}))
            .await;
        if draw {
            self.control.ok(json!({"type": "draw", "team": team})).await;
        }
        for (judge, marks) in self.judges.iter_mut().zip(marks) {
            judge
                .ok(json!({"type": "score", "team": team, "marks": marks}))
                .await;
        }
        self.control
            .ok(json!({"type": "close_scoring", "team": team}))
            .await;
        self.control
            .ok(json!({"type": "reveal_result", "team": team}))
            .await;
    }

    /// A multiple-choice question: the MC opens the answers, each team in `choices` picks at
    /// once (so every right answer earns 4 of the 5 speed points), the MC reveals.
    async fn choice_question(&mut self, choices: &[(&str, &str)]) {
        self.control.ok(json!({"type": "show_next_question"})).await;
        self.control.ok(json!({"type": "open_answers"})).await;
        for (team, option) in choices {
            let phone = self.team(team);
            phone.state_where(|s| s["choice"]["phase"] == "open").await;
            phone.ok(json!({"type": "choose", "option": option})).await;
        }
        self.control.ok(json!({"type": "reveal_answer"})).await;
    }

    /// One Về đích question of the team on turn: `right`, or wrong with an optional steal by
    /// `stealer` judged `steal_right`.
    async fn finish_question(&mut self, right: bool, steal: Option<(&str, bool)>) {
        self.control.ok(json!({"type": "show_next_question"})).await;
        self.control.ok(json!({"type": "open_answers"})).await;
        let verdict = if right { "correct" } else { "wrong" };
        self.control
            .ok(json!({"type": "judge", "verdict": verdict}))
            .await;
        if let Some((stealer, steal_right)) = steal {
            self.control.ok(json!({"type": "open_buzzers"})).await;
            let phone = self.team(stealer);
            phone.state_where(|s| phase(s) == "open").await;
            phone.ok(json!({"type": "buzz"})).await;
            self.control
                .state_where(|s| s["buzz"]["floor"] == stealer)
                .await;
            let verdict = if steal_right { "correct" } else { "wrong" };
            self.control
                .ok(json!({"type": "judge", "verdict": verdict}))
                .await;
        }
    }

    /// A team's Về đích turn with its pack, the star on question `star` (1-based), and each
    /// question's outcome.
    async fn turn(
        &mut self,
        team: &str,
        pack: [i64; 3],
        star: Option<usize>,
        questions: [(bool, Option<(&str, bool)>); 3],
    ) {
        self.control
            .ok(json!({"type": "start_turn", "team": team}))
            .await;
        self.control
            .ok(json!({"type": "choose_pack", "values": pack}))
            .await;
        for (number, (right, steal)) in questions.into_iter().enumerate() {
            if star == Some(number + 1) {
                self.control.ok(json!({"type": "star"})).await;
            }
            self.finish_question(right, steal).await;
        }
    }
}

#[tokio::test]
async fn the_example_contest_is_played_to_the_podium_with_the_totals_computed_by_hand() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dan-van/hoi-thi.json");
    let server = TestServer::start_file(&file, None).await;
    let mut show = Show {
        control: server.control().await,
        teams: Vec::new(),
        judges: Vec::new(),
    };
    for team in TEAMS {
        show.teams.push(server.team(team).await);
    }
    for judge in JUDGES {
        show.judges.push(server.judge(judge).await);
    }

    // 1. Chào hỏi: content (5) + presentation (3) + creativity (2) per judge, the mean.
    show.control
        .ok(json!({"type": "start_round", "round": 1}))
        .await;
    let same = |marks: &'static [f64]| [marks; 5];
    show.perform("phuoc-hai", false, &same(&[4.5, 2.5, 2.0]))
        .await; // 9
    show.perform(
        "nhon-hai",
        false,
        &[
            &[4.0, 2.0, 1.5],
            &[4.5, 2.5, 1.5],
            &[4.0, 3.0, 2.0],
            &[4.0, 2.5, 1.5],
            &[3.5, 2.5, 1.5],
        ],
    )
    .await; // (7.5 + 8.5 + 9 + 8 + 7.5) / 5 = 8.1
    show.perform("an-hai", false, &same(&[4.0, 2.0, 2.0])).await; // 8
    show.perform(
        "vinh-hai",
        false,
        &[
            &[5.0, 3.0, 2.0],
            &[5.0, 3.0, 2.0],
            &[4.0, 2.0, 1.0],
            &[4.0, 2.0, 1.0],
            &[4.0, 2.0, 1.0],
        ],
    )
    .await; // (10 + 10 + 7 + 7 + 7) / 5 = 8.2
    show.perform("phuoc-dinh", false, &same(&[3.0, 2.0, 1.0]))
        .await; // 6
    show.perform(
        "tri-hai",
        false,
        &[
            &[4.0, 2.0, 1.5],
            &[4.0, 2.0, 1.5],
            &[4.0, 2.0, 1.5],
            &[4.0, 2.0, 1.5],
            &[4.5, 2.5, 1.5],
        ],
    )
    .await; // (7.5 × 4 + 8.5) / 5 = 7.7
    show.control
        .ok(json!({"type": "penalty", "team": "tri-hai", "points": 1, "reason": "Quá giờ 1 phút"}))
        .await; // 6.7

    // 2. Kiến thức: answers B C B A C D; a right answer given at once earns 10 + 4.
    show.control
        .ok(json!({"type": "start_round", "round": 2}))
        .await;
    show.choice_question(&[("phuoc-hai", "B"), ("nhon-hai", "B"), ("an-hai", "A")])
        .await;
    show.choice_question(&[("phuoc-hai", "C"), ("vinh-hai", "C")])
        .await;
    show.choice_question(&[("nhon-hai", "B"), ("an-hai", "B"), ("tri-hai", "D")])
        .await;
    show.choice_question(&[("phuoc-dinh", "A"), ("tri-hai", "A")])
        .await;
    show.choice_question(&[("vinh-hai", "C"), ("phuoc-hai", "A")])
        .await;
    show.choice_question(&[("an-hai", "D"), ("nhon-hai", "D"), ("phuoc-dinh", "B")])
        .await;

    // 3. Xử lý tình huống: each team draws its situation; out of 20, without the highest and
    // the lowest mark.
    show.control
        .ok(json!({"type": "start_round", "round": 3}))
        .await;
    let one = |marks: [f64; 5]| marks.map(|m| vec![m]);
    for (team, marks) in [
        ("phuoc-hai", one([18.0, 17.0, 16.0, 19.0, 15.0])), // 17
        ("nhon-hai", one([16.0; 5])),                       // 16
        ("an-hai", one([15.0, 14.5, 18.0, 12.0, 15.0])),    // 44.5 / 3 = 14.83
        ("vinh-hai", one([17.0, 17.5, 18.0, 17.0, 16.0])),  // 51.5 / 3 = 17.17
        ("phuoc-dinh", one([12.0, 13.0, 14.0, 15.0, 16.0])), // 14
        ("tri-hai", one([19.0, 19.0, 19.0, 20.0, 10.0])),   // 19
    ] {
        let marks: Vec<&[f64]> = marks.iter().map(Vec::as_slice).collect();
        show.perform(team, true, &marks).await;
    }
    let drawn = show
        .control
        .state_where(|s| s["judged"]["situations"]["left"] == 0)
        .await;
    let mut situations: Vec<Value> = drawn["judged"]["situations"]["drawn"]
        .as_array()
        .expect("drawn")
        .iter()
        .map(|d| d["number"].clone())
        .collect();
    situations.sort_by_key(|n| n.as_u64());
    assert_eq!(situations, (1..=6).map(|n| json!(n)).collect::<Vec<_>>());

    // 4. Năng khiếu: the mean.
    show.control
        .ok(json!({"type": "start_round", "round": 4}))
        .await;
    for (team, marks) in [
        ("phuoc-hai", [8.0; 5]),
        ("nhon-hai", [9.0; 5]),
        ("an-hai", [9.5, 9.5, 9.0, 9.0, 9.0]), // 9.2
        ("vinh-hai", [7.0; 5]),
        ("phuoc-dinh", [8.5; 5]),
        ("tri-hai", [8.0; 5]),
    ] {
        let marks: Vec<Vec<f64>> = marks.iter().map(|m| vec![*m]).collect();
        let marks: Vec<&[f64]> = marks.iter().map(Vec::as_slice).collect();
        show.perform(team, false, &marks).await;
    }

    // 5. Về đích: packs of three, stars, steals (a right steal takes the value from the team on
    // turn; a wrong one costs half).
    show.control
        .ok(json!({"type": "start_round", "round": 5}))
        .await;
    // phuoc-hai: ★ right +40; wrong, nhon-hai steals right (+20, phuoc-hai −20); right +20.
    show.turn(
        "phuoc-hai",
        [20, 20, 20],
        Some(1),
        [
            (true, None),
            (false, Some(("nhon-hai", true))),
            (true, None),
        ],
    )
    .await;
    // nhon-hai: +30, +30, wrong without a steal.
    show.turn(
        "nhon-hai",
        [30, 30, 30],
        None,
        [(true, None), (true, None), (false, None)],
    )
    .await;
    // an-hai: wrong, vinh-hai steals wrong (−10); +30; +20.
    show.turn(
        "an-hai",
        [20, 30, 20],
        None,
        [
            (false, Some(("vinh-hai", false))),
            (true, None),
            (true, None),
        ],
    )
    .await;
    // vinh-hai: +30, +20, ★ wrong −30.
    show.turn(
        "vinh-hai",
        [30, 20, 30],
        Some(3),
        [(true, None), (true, None), (false, None)],
    )
    .await;
    // phuoc-dinh: +20, +20, +30.
    show.turn(
        "phuoc-dinh",
        [20, 20, 30],
        None,
        [(true, None), (true, None), (true, None)],
    )
    .await;
    // tri-hai: wrong, +20, +20.
    show.turn(
        "tri-hai",
        [30, 20, 20],
        None,
        [(false, None), (true, None), (true, None)],
    )
    .await;
    show.control.ok(json!({"type": "finish_contest"})).await;
    let finished = show.control.state_where(|s| s["stage"] == "finished").await;

    // By hand, round by round: greeting, knowledge, situation, talent, Về đích.
    let expected: [(&str, [i64; 5], i64, u64); 6] = [
        ("nhon-hai", [810, 4200, 1600, 900, 8000], 15510, 1),
        ("phuoc-dinh", [600, 1400, 1400, 850, 7000], 11250, 2),
        ("an-hai", [800, 2800, 1483, 920, 5000], 11003, 3),
        ("phuoc-hai", [900, 2800, 1700, 800, 4000], 10200, 4),
        ("tri-hai", [670, 1400, 1900, 800, 4000], 8770, 5),
        ("vinh-hai", [820, 2800, 1717, 700, 1000], 7037, 6),
    ];
    let token = server.token();
    let (_, body) = http_get(server.addr(), &format!("/api/results.json?token={token}")).await;
    let results: Value = serde_json::from_str(&body).expect("results JSON");
    let rows: Vec<(String, Vec<i64>, i64, u64)> = results["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|row| {
            (
                row["team"].as_str().expect("id").to_string(),
                row["round_points"]
                    .as_array()
                    .expect("round points")
                    .iter()
                    .map(hundredths)
                    .collect(),
                hundredths(&row["total"]),
                row["rank"].as_u64().expect("rank"),
            )
        })
        .collect();
    let want: Vec<(String, Vec<i64>, i64, u64)> = expected
        .iter()
        .map(|(team, rounds, total, rank)| {
            // The tie-breaker round scored nothing.
            let mut rounds = rounds.to_vec();
            rounds.push(0);
            (team.to_string(), rounds, *total, *rank)
        })
        .collect();
    assert_eq!(rows, want);
    // The podium says the same.
    let podium: Vec<(String, i64)> = finished["standings"]["overall"]
        .as_array()
        .expect("standings")
        .iter()
        .map(|line| {
            (
                line["team"].as_str().expect("id").to_string(),
                hundredths(&line["points"]),
            )
        })
        .collect();
    assert_eq!(
        podium,
        expected
            .iter()
            .map(|(team, _, total, _)| (team.to_string(), *total))
            .collect::<Vec<_>>()
    );
}
