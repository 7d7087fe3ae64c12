//! The laptop's server is killed (SIGKILL) mid-show and restarted on the same data directory:
//! the contest goes on from exactly where it was.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Client, TEAMS, contest, phase, ranking_lines, raw_client, to_floor};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, Contest, ContestBuilder, Question};

const TOKEN: &str = "recovery-test-control-token-0123456789";

/// The real `stagebuzz` binary on 127.0.0.1 with a free port; killed when dropped.
struct Binary {
    child: Child,
    addr: SocketAddr,
    data_dir: std::path::PathBuf,
}

impl Binary {
    fn start(data_dir: &Path, contest_file: &Path) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stagebuzz"))
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--control-token",
                TOKEN,
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--contest")
            .arg(contest_file)
            .env("RUST_LOG", "stagebuzz=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        // The binary prints its addresses once it listens; read the port from them.
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let url = line.split("http://").nth(1)?;
                let host_port = url.split('/').next()?;
                host_port.parse::<SocketAddr>().ok()
            })
            .expect("binary prints its address");
        std::thread::spawn(move || lines.for_each(drop));
        Binary {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// SIGKILL: no chance to flush or say goodbye, like a crash or a pulled plug.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    async fn control(&self) -> (Client, Value) {
        let mut client = raw_client(self.addr).await;
        client
            .send(json!({"type": "hello", "role": "control", "token": TOKEN}))
            .await;
        assert_eq!(client.recv().await["type"], "welcome");
        let state = client.state_where(|_| true).await;
        (client, state)
    }

    async fn team(&self, team: &str) -> Client {
        // The join codes live in the data directory, as the control page shows them.
        let access: Value = serde_json::from_slice(
            &std::fs::read(self.data_dir.join("access.json")).expect("access file"),
        )
        .expect("access JSON");
        let code = access["codes"][team].clone();
        let mut client = raw_client(self.addr).await;
        client
            .send(json!({"type": "hello", "role": "team", "team": team, "code": code}))
            .await;
        assert_eq!(client.recv().await["type"], "welcome");
        client
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scores(state: &Value) -> Vec<i64> {
    state["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .map(|t| t["score"].as_i64().expect("score"))
        .collect()
}

/// The test contest with some rules in a file the binary can load, and a data directory beside
/// it; both go when dropped.
struct OnDisk {
    _dir: tempfile::TempDir,
    file: PathBuf,
    data: PathBuf,
}

impl OnDisk {
    fn new(rules: BuzzInRules) -> OnDisk {
        OnDisk::with(contest(rules))
    }

    fn with(contest: Contest) -> OnDisk {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("contest.json");
        let text = serde_json::to_string_pretty(&contest).expect("contest JSON");
        std::fs::write(&file, text).expect("write contest");
        let data = dir.path().join("data");
        OnDisk {
            _dir: dir,
            file,
            data,
        }
    }
}

#[tokio::test]
async fn scores_survive_a_kill_right_after_an_acknowledged_judgement() {
    let disk = OnDisk::new(BuzzInRules::default());
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    let mut alpha = server.team(TEAMS[0]).await;
    let mut charlie = server.team(TEAMS[2]).await;

    to_floor(&mut control, &mut alpha).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    to_floor(&mut control, &mut charlie).await;
    control
        .ok(json!({"type": "adjust_score", "team": "bravo", "delta": -5, "reason": "phạm quy"}))
        .await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    // Killed the instant the MC saw the acknowledgement.
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (_control, state) = server.control().await;
    assert_eq!(scores(&state), vec![10, -5, 10, 0]);
    assert_eq!(state["question"]["number"], 2);
    assert_eq!(phase(&state), "closed");
    assert_eq!(state["buzz"]["closed_reason"], "correct");
    assert_eq!(state["can_undo"], true, "the undo history survives too");
}

#[tokio::test]
async fn an_open_buzz_window_resumes_with_its_original_deadline() {
    let disk = OnDisk::new(BuzzInRules::default());
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_buzzers"})).await;
    let open = control.state_where(|s| phase(s) == "open").await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (_control, state) = server.control().await;
    assert_eq!(phase(&state), "open", "{state}");
    assert_eq!(state["buzz"]["deadline_ms"], open["buzz"]["deadline_ms"]);
    // A team can still take the floor in the resumed window.
    let mut delta = server.team(TEAMS[3]).await;
    delta.ok(json!({"type": "buzz"})).await;
    let floor = delta.state_where(|s| phase(s) == "floor").await;
    assert_eq!(floor["buzz"]["floor"], "delta");
}

#[tokio::test]
async fn an_answer_countdown_resumes_and_expires_as_if_never_interrupted() {
    let rules = BuzzInRules {
        answer_window_ms: 1_500,
        ..BuzzInRules::default()
    };
    let disk = OnDisk::new(rules);
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    let mut bravo = server.team(TEAMS[1]).await;
    to_floor(&mut control, &mut bravo).await;
    let floor = control.state_where(|s| phase(s) == "floor").await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, state) = server.control().await;
    assert_eq!(state["buzz"]["floor"], "bravo", "{state}");
    assert_eq!(state["buzz"]["deadline_ms"], floor["buzz"]["deadline_ms"]);
    // The countdown that was running ends at its original deadline, not a fresh one.
    let time_up = if state["buzz"]["time_up"] == true {
        state.clone() // it ran out while the server was down
    } else {
        control.state_where(|s| s["buzz"]["time_up"] == true).await
    };
    assert!(time_up["now_ms"].as_u64() >= floor["buzz"]["deadline_ms"].as_u64());
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    let reopened = control.state_where(|s| phase(s) == "open").await;
    assert_eq!(reopened["buzz"]["tried"], json!(["bravo"]));
}

#[tokio::test]
async fn a_second_server_on_the_same_data_directory_is_refused_and_the_show_goes_on() {
    let disk = OnDisk::new(BuzzInRules::default());
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    let mut alpha = server.team(TEAMS[0]).await;
    to_floor(&mut control, &mut alpha).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;

    // Someone starts another one on the same directory from a second terminal, even with --new.
    // (On the same port, so that without the lock it would stop at the port, not run on: the
    // damage it did to the directory before that is what the restart below would show.)
    let port = server.addr.port().to_string();
    let second = Command::new(env!("CARGO_BIN_EXE_stagebuzz"))
        .args(["--bind", "127.0.0.1", "--port", &port, "--new"])
        .arg("--data-dir")
        .arg(&disk.data)
        .arg("--contest")
        .arg(&disk.file)
        .env("RUST_LOG", "stagebuzz=warn")
        .output()
        .expect("the second binary runs");
    assert!(!second.status.success(), "the second server must not start");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("already running"), "{said}");

    // The first one plays on; killed and restarted, it still has the contest.
    let (_, state) = server.control().await;
    assert_eq!(scores(&state), vec![10, 0, 0, 0]);
    server.kill();
    let server = Binary::start(&disk.data, &disk.file);
    let (_control, state) = server.control().await;
    assert_eq!(scores(&state), vec![10, 0, 0, 0]);
    assert_eq!(state["buzz"]["closed_reason"], "correct");
}

#[tokio::test]
async fn a_clock_set_back_between_runs_does_not_stretch_the_deadlines() {
    use stagebuzz::game::{Command, Time};
    use stagebuzz::journal::Journal;

    let dir = tempfile::tempdir().expect("tempdir");
    let show = contest(BuzzInRules::default());
    // The last run's clock read an hour later than this computer's clock does now (set back
    // since, as a laptop without internet may be): the buzzers were open then.
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let then = Time(since_epoch.as_micros() as u64 + 3_600_000_000);
    {
        let mut last_run = Journal::open(dir.path(), &show, false, then).expect("journal");
        for command in [
            Command::ShowNextQuestion,
            Command::OpenBuzzers { settle_us: 0 },
        ] {
            let events = last_run.game.apply(&command, then).expect("legal");
            last_run
                .journal
                .append(then, "control", &command, &events)
                .expect("append");
        }
    }

    let server = common::TestServer::start_in(show, Some(dir.path().to_path_buf())).await;
    let control = server.control().await;
    let state: Value =
        serde_json::from_str(control.transcript.last().expect("state on joining")).expect("JSON");
    assert_eq!(phase(&state), "open", "{state}");
    let left_ms = state["buzz"]["deadline_ms"].as_i64().expect("deadline")
        - state["now_ms"].as_i64().expect("now");
    // The window goes on with at most its own length, not an hour and ten seconds.
    assert!((1..=10_000).contains(&left_ms), "{left_ms} ms left");
}

/// A programme with a round the MC scores by hand: killed while a ranking slide is up after it,
/// the show comes back with the slide, every round's points and the place in the programme.
#[tokio::test]
async fn the_programme_survives_a_kill_between_rounds() {
    let disk = OnDisk::with(
        ContestBuilder::new("Hội thi")
            .teams(TEAMS.len(), |i| {
                (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
            })
            .scored("Chào hỏi")
            .buzz_in("Kiến thức", BuzzInRules::default(), 2, |i| {
                Question::new(format!("Câu {}?", i + 1), "Đáp án")
            })
            .build(),
    );
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    let mut bravo = server.team(TEAMS[1]).await;
    control.ok(json!({"type": "start_round", "round": 2})).await;
    to_floor(&mut control, &mut bravo).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "adjust_score", "team": "alpha", "delta": 9, "reason": "Chào hỏi"}))
        .await;
    control
        .ok(json!({"type": "adjust_score", "team": "delta", "delta": 12, "reason": "Chào hỏi"}))
        .await;
    control
        .ok(json!({"type": "show_ranking", "round": 1}))
        .await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, state) = server.control().await;
    assert_eq!(state["stage"], "slide");
    assert_eq!(state["round"]["title"], "Chào hỏi");
    let ranking = ranking_lines(&state);
    assert_eq!(
        ranking,
        [
            ("delta".to_string(), 12, 1),
            ("alpha".to_string(), 9, 2),
            ("bravo".to_string(), 0, 3),
            ("charlie".to_string(), 0, 3)
        ]
    );
    assert_eq!(scores(&state), vec![9, 10, 0, 12]);
    let shown: Vec<u64> = state["programme"]
        .as_array()
        .expect("programme")
        .iter()
        .map(|round| round["shown"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(shown, [0, 1]);
    // The show goes on: the knowledge round's second question.
    control.ok(json!({"type": "show_next_question"})).await;
    let next = control.state_where(|s| s["stage"] == "question").await;
    assert_eq!(next["question"]["text"], "Câu 2?");
}

/// Killed while teams are answering a multiple-choice question: the answers given survive, each
/// team still sees its own, and the reveal scores them.
#[tokio::test]
async fn answers_to_a_multiple_choice_question_survive_a_kill() {
    let disk = OnDisk::with(
        ContestBuilder::new("Hội thi")
            .teams(TEAMS.len(), |i| {
                (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
            })
            .multiple_choice(
                "Kiến thức",
                stagebuzz::game::MultipleChoiceRules {
                    answer_time_ms: 600_000,
                    ..Default::default()
                },
                1,
                |_| Question {
                    text: "Câu trắc nghiệm?".into(),
                    answer: "C".into(),
                    options: vec!["Một".into(), "Hai".into(), "Ba".into()],
                    ..Question::default()
                },
            )
            .build(),
    );
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    let mut alpha = server.team(TEAMS[0]).await;
    let mut delta = server.team(TEAMS[3]).await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "open_answers"})).await;
    alpha.state_where(|s| s["choice"]["phase"] == "open").await;
    delta.state_where(|s| s["choice"]["phase"] == "open").await;
    alpha.ok(json!({"type": "choose", "option": "C"})).await;
    delta.ok(json!({"type": "choose", "option": "A"})).await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, state) = server.control().await;
    assert_eq!(state["choice"]["phase"], "open");
    assert_eq!(state["choice"]["answered"], json!(["alpha", "delta"]));
    let mut alpha = server.team(TEAMS[0]).await;
    alpha.state_where(|s| s["choice"]["mine"] == "C").await;
    control.ok(json!({"type": "reveal_answer"})).await;
    let revealed = control
        .state_where(|s| s["choice"]["phase"] == "revealed")
        .await;
    assert_eq!(scores(&revealed), vec![10, 0, 0, 0]);
}

/// Killed in the middle of a "Về đích" turn, with its star used and a steal open: the turn, the
/// star, the points and the open steal survive, and the steal is won after the restart.
#[tokio::test]
async fn a_ve_dich_turn_and_its_open_steal_survive_a_kill() {
    use stagebuzz::game::Round;
    use stagebuzz::game::olympia::{OlympiaRound, OlympiaRules};
    let mut contest = ContestBuilder::new("Hội thi")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .build();
    contest.rounds.push(Round::OlympiaFinish(OlympiaRound {
        title: "Về đích".into(),
        rules: OlympiaRules {
            pack_size: 2,
            // Long enough that the steal is still open after the restart.
            steal_window_ms: 600_000,
            ..OlympiaRules::default()
        },
        questions: [20, 30, 20, 30]
            .iter()
            .map(|value| Question {
                points: Some(*value),
                ..Question::new(format!("Câu {value} điểm?"), "đáp án")
            })
            .collect(),
    }));
    let disk = OnDisk::with(contest);
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    control.ok(json!({"type": "start_round", "round": 1})).await;
    control
        .ok(json!({"type": "start_turn", "team": "bravo"}))
        .await;
    control
        .ok(json!({"type": "choose_pack", "values": [20, 30]}))
        .await;
    control.ok(json!({"type": "star"})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    control.ok(json!({"type": "show_next_question"})).await;
    control
        .ok(json!({"type": "judge", "verdict": "wrong"}))
        .await;
    control.ok(json!({"type": "open_buzzers"})).await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, state) = server.control().await;
    assert_eq!(scores(&state), vec![0, 40, 0, 0]);
    assert_eq!(phase(&state), "open");
    assert_eq!(
        state["olympia"]["turns"],
        json!([{"team": "bravo", "pack": [20, 30], "asked": 2, "star": 1, "done": true,
                "outcomes": [{"main": "correct", "stealer": null, "steal": null},
                             {"main": "wrong", "stealer": null, "steal": null}]}])
    );
    assert_eq!(state["olympia"]["question"]["main"], "wrong");
    let mut delta = server.team(TEAMS[3]).await;
    delta.state_where(|s| phase(s) == "open").await;
    delta.ok(json!({"type": "buzz"})).await;
    control.state_where(|s| phase(s) == "floor").await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    let stolen = control
        .state_where(|s| scores(s) == vec![0, 10, 0, 30])
        .await;
    assert_eq!(stolen["buzz"]["floor"], Value::Null);
    assert_eq!(
        stolen["olympia"]["turns"][0]["outcomes"][1],
        json!({"main": "wrong", "stealer": "delta", "steal": "correct"})
    );
}

/// Killed while a three-way tie is being broken, one place taken: the place and the tie survive,
/// and the tie is finished after the restart.
#[tokio::test]
async fn a_tie_being_broken_survives_a_kill() {
    use stagebuzz::game::Round;
    use stagebuzz::game::tie_breaker::TieBreakerRound;
    let mut contest = ContestBuilder::new("Hội thi")
        .teams(TEAMS.len(), |i| {
            (TEAMS[i].into(), format!("Đội {}", TEAMS[i]))
        })
        .scored("Năng khiếu")
        .build();
    contest.rounds.push(Round::TieBreaker(TieBreakerRound {
        title: "Câu hỏi phụ".into(),
        rules: BuzzInRules::default(),
        questions: vec![Question::new("Phụ 1?", "x"), Question::new("Phụ 2?", "y")],
    }));
    let disk = OnDisk::with(contest);
    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, _) = server.control().await;
    control.ok(json!({"type": "start_round", "round": 2})).await;
    control
        .ok(json!({"type": "break_tie", "teams": ["alpha", "bravo", "charlie"]}))
        .await;
    let mut charlie = server.team(TEAMS[2]).await;
    to_floor(&mut control, &mut charlie).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    server.kill();

    let server = Binary::start(&disk.data, &disk.file);
    let (mut control, state) = server.control().await;
    assert_eq!(
        state["tie_break"],
        json!([{"round": null, "teams": ["alpha", "bravo", "charlie"], "order": ["charlie"], "resolved": false}])
    );
    let mut alpha = server.team(TEAMS[0]).await;
    to_floor(&mut control, &mut alpha).await;
    control
        .ok(json!({"type": "judge", "verdict": "correct"}))
        .await;
    let broken = control
        .state_where(|s| s["tie_break"][0]["resolved"] == true)
        .await;
    assert_eq!(
        broken["tie_break"][0]["order"],
        json!(["charlie", "alpha", "bravo"])
    );
}
