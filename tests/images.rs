//! Question images over the real server: an image's address reaches no page before its question
//! is on stage, then the image is served at it with its type; guessed addresses are not found; a
//! contest whose image is missing does not start, naming where; a restarted show serves its images
//! again.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Client, TEAMS, TestServer, http_get_bytes, raw_client};
use serde_json::{Value, json};
use stagebuzz::game::{BuzzInRules, ContestBuilder, Question};
use stagebuzz::{Server, StartError};

/// A 1×1 PNG, committed with the sheet fixtures.
fn png() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets/hinh/ban-do.png"),
    )
    .expect("fixture")
}

/// The start of a JPEG file: all the server looks at is its signature.
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    std::fs::write(path, bytes).expect("write");
}

/// A contest file in `dir`: a buzz-in round whose second question shows `hinh/ban-do.png`, and a
/// multiple-choice round whose question shows `hinh/anh.jpg` (both written beside it).
fn contest_file(dir: &Path) -> PathBuf {
    write(dir, "hinh/ban-do.png", &png());
    write(dir, "hinh/anh.jpg", JPEG);
    let teams: Vec<Value> = TEAMS
        .iter()
        .map(|id| json!({"id": id, "name": format!("Đội {id}")}))
        .collect();
    let contest = json!({
        "title": "Hội thi thử",
        "teams": teams,
        "rounds": [
            {"kind": "buzz_in", "title": "Giành quyền", "questions": [
                {"text": "Câu không ảnh?", "answer": "Một"},
                {"text": "Tỉnh nào trên bản đồ?", "answer": "Ninh Thuận", "image": "hinh/ban-do.png"}
            ]},
            {"kind": "multiple_choice", "title": "Kiến thức", "questions": [
                {"text": "Ảnh chụp ở đâu?", "options": ["Phan Rang", "Cam Ranh"], "answer": "A",
                 "image": "hinh/anh.jpg"}
            ]}
        ]
    });
    let path = dir.join("hoi-thi.json");
    std::fs::write(&path, contest.to_string()).expect("contest file");
    path
}

/// Every image address (`/media/…` up to its closing quote) in a message.
fn addresses(text: &str) -> Vec<String> {
    text.match_indices("/media/")
        .map(|(at, _)| {
            let rest = &text[at..];
            rest[..rest.find('"').unwrap_or(rest.len())].to_string()
        })
        .collect()
}

/// The question on stage of a state: (round number, question number), if any.
fn on_stage(state: &Value) -> Option<(u64, u64)> {
    Some((
        state["round"]["number"].as_u64()?,
        state["question"]["number"].as_u64()?,
    ))
}

#[tokio::test]
async fn an_image_reaches_no_page_before_its_question_and_is_served_once_shown() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_file(&contest_file(dir.path()), None).await;
    let addr = server.addr();
    let host = addr.to_string();
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    let mut alpha = server.team("alpha").await;
    let mut bravo = server.team("bravo").await;
    let (_, before) = http_get_bytes(addr, "/api/state", &host).await;
    assert!(addresses(&String::from_utf8_lossy(&before)).is_empty());

    // A question without an image: `image` is there, and null.
    control.ok(json!({"type": "show_next_question"})).await;
    let first = screen.state_where(|s| on_stage(s) == Some((1, 1))).await;
    assert_eq!(first["question"]["image"], Value::Null, "{first}");

    // The question with the picture: every page gets its address at once.
    control.ok(json!({"type": "show_next_question"})).await;
    let mut map_url = None;
    for client in [&mut control, &mut screen, &mut alpha, &mut bravo] {
        let state = client.state_where(|s| on_stage(s) == Some((1, 2))).await;
        let url = state["question"]["image"]
            .as_str()
            .expect("an image")
            .to_string();
        assert_eq!(
            map_url.get_or_insert_with(|| url.clone()),
            &url,
            "one address for all"
        );
    }
    let map_url = map_url.expect("the address");
    let name = map_url.strip_prefix("/media/").expect("under /media/");
    assert!(
        name.len() == 36
            && name.ends_with(".png")
            && name[..32].bytes().all(|b| b.is_ascii_hexdigit()),
        "{map_url}"
    );
    assert!(
        !map_url.contains("ban-do"),
        "the file name is not given away"
    );
    let (head, body) = http_get_bytes(addr, &map_url, &host).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("\r\ncontent-type: image/png\r\n"), "{head}");
    assert!(
        head.contains("\r\nx-content-type-options: nosniff\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\ncache-control: public, max-age=31536000, immutable\r\n"),
        "{head}"
    );
    assert_eq!(body, png(), "the file's exact bytes");
    let (_, state) = http_get_bytes(addr, "/api/state", &host).await;
    assert_eq!(
        addresses(&String::from_utf8_lossy(&state)),
        std::slice::from_ref(&map_url)
    );

    // The next round's title, then its multiple-choice question: each team's own view too.
    control.ok(json!({"type": "start_round", "round": 2})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    let mut photo_url = None;
    for client in [&mut control, &mut screen, &mut alpha, &mut bravo] {
        let state = client.state_where(|s| on_stage(s) == Some((2, 1))).await;
        let url = state["question"]["image"]
            .as_str()
            .expect("an image")
            .to_string();
        assert_eq!(photo_url.get_or_insert_with(|| url.clone()), &url);
    }
    let photo_url = photo_url.expect("the address");
    assert!(photo_url.ends_with(".jpg"), "{photo_url}");
    let (head, body) = http_get_bytes(addr, &photo_url, &host).await;
    assert!(head.contains("\r\ncontent-type: image/jpeg\r\n"), "{head}");
    assert_eq!(body, JPEG);

    // Every message every page got, in order: an address only in the states of its question.
    for client in [&mut control, &mut screen, &mut alpha, &mut bravo] {
        client.drain_into_transcript();
        for text in &client.transcript {
            let message: Value = serde_json::from_str(text).expect("JSON");
            let expected = match on_stage(&message) {
                Some((1, 2)) => vec![map_url.clone()],
                Some((2, 1)) => vec![photo_url.clone()],
                _ => Vec::new(),
            };
            assert_eq!(addresses(text), expected, "{text}");
        }
    }

    // Addresses that were not given out are not found, however close to a real one.
    let hash = &name[..32];
    let zeros = "0".repeat(32);
    for guess in [
        format!("/media/{zeros}.png"),
        format!("/media/{hash}.jpg"),
        format!("/media/{hash}"),
        format!("/media/{}.png", &hash[..31]),
        "/media/ban-do.png".to_string(),
        "/media/hinh/ban-do.png".to_string(),
        "/media/..%2fhoi-thi.json".to_string(),
        "/hinh/ban-do.png".to_string(),
    ] {
        let (head, _) = http_get_bytes(addr, &guess, &host).await;
        assert!(head.starts_with("http/1.1 404"), "{guess}: {head}");
    }
    // The host check of every page holds for images too (DNS rebinding).
    let (head, _) = http_get_bytes(addr, &map_url, "quiz.example.com").await;
    assert!(head.starts_with("http/1.1 421"), "{head}");
}

#[tokio::test]
async fn a_contest_with_images_but_no_contest_file_is_refused_at_start_touching_nothing() {
    let contest = ContestBuilder::new("Hội thi thử")
        .team("alpha", "Đội alpha")
        .buzz_in("Giành quyền", BuzzInRules::default(), 2, |i| Question {
            image: (i == 1).then(|| "hinh/ban-do.png".to_string()),
            ..Question::new(format!("Câu {}?", i + 1), "!")
        })
        .build();
    let data = tempfile::tempdir().expect("dir");
    let config = TestServer::config(
        contest,
        None,
        Some(data.path().to_path_buf()),
        Default::default(),
    );
    let error = Server::start(config).await.expect_err("refused");
    assert!(matches!(error, StartError::Media(_)), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(
            "rounds[0].questions[1].image: the image \"hinh/ban-do.png\" cannot be shown"
        ) && message.contains("--contest"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_dir(data.path()).expect("data dir").count(),
        0,
        "nothing written: {message}"
    );
}

const TOKEN: &str = "images-test-control-token-0123456789";

/// The real binary on 127.0.0.1 with a free port; killed when dropped.
struct Binary {
    child: Child,
    addr: SocketAddr,
}

impl Binary {
    fn command(contest: &Path, data: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_stagebuzz"));
        command
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--control-token",
                TOKEN,
            ])
            .arg("--data-dir")
            .arg(data)
            .arg("--contest")
            .arg(contest)
            .env("RUST_LOG", "stagebuzz=warn");
        command
    }

    fn start(contest: &Path, data: &Path) -> Binary {
        let mut child = Binary::command(contest, data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("binary starts");
        // It prints its addresses once it listens.
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                let url = line.split("http://").nth(1)?;
                url.split('/').next()?.parse::<SocketAddr>().ok()
            })
            .expect("binary prints its address");
        std::thread::spawn(move || lines.for_each(drop));
        Binary { child, addr }
    }

    /// SIGKILL, like a crash.
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

    /// The image of the question on stage, fetched: (its address, its bytes).
    async fn image_on_stage(&self, state: &Value) -> (String, Vec<u8>) {
        let url = state["question"]["image"]
            .as_str()
            .unwrap_or_else(|| panic!("an image on stage: {state}"))
            .to_string();
        let (head, body) = http_get_bytes(self.addr, &url, &self.addr.to_string()).await;
        assert!(head.starts_with("http/1.1 200"), "{url}: {head}");
        (url, body)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_restarted_show_serves_its_images_again_and_refuses_to_start_without_them() {
    let dir = tempfile::tempdir().expect("dir");
    let contest = contest_file(dir.path());
    let data = dir.path().join("data");

    let binary = Binary::start(&contest, &data);
    let (mut control, _) = binary.control().await;
    control.ok(json!({"type": "show_next_question"})).await;
    control.ok(json!({"type": "show_next_question"})).await;
    let state = control.state_where(|s| on_stage(s) == Some((1, 2))).await;
    let (before, bytes) = binary.image_on_stage(&state).await;
    assert_eq!(bytes, png());
    binary.kill();

    // Resumed from the journal with the same contest file: the same picture, at this run's
    // address; the last run's is gone.
    let binary = Binary::start(&contest, &data);
    let (_control, state) = binary.control().await;
    assert_eq!(on_stage(&state), Some((1, 2)), "{state}");
    let (after, bytes) = binary.image_on_stage(&state).await;
    assert_eq!(bytes, png());
    assert_ne!(after, before);
    let (head, _) = http_get_bytes(binary.addr, &before, &binary.addr.to_string()).await;
    assert!(head.starts_with("http/1.1 404"), "{head}");
    binary.kill();

    // The wrong picture was found on stage: the fixed file resumes the show with the new one.
    let mut fixed: Value =
        serde_json::from_slice(&std::fs::read(&contest).expect("read")).expect("JSON");
    fixed["rounds"][0]["questions"][1]["image"] = json!("hinh/anh.jpg");
    std::fs::write(&contest, fixed.to_string()).expect("write");
    let binary = Binary::start(&contest, &data);
    let (_control, state) = binary.control().await;
    assert_eq!(on_stage(&state), Some((1, 2)), "{state}");
    assert_eq!(binary.image_on_stage(&state).await.1, JPEG);
    binary.kill();

    // The picture is lost from the laptop: the show does not start, and says which and where.
    let journal = std::fs::read(data.join("journal.jsonl")).expect("journal");
    std::fs::remove_file(dir.path().join("hinh/anh.jpg")).expect("remove");
    let output = Binary::command(&contest, &data)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success(), "refused to start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has 2 problems"), "{stderr}");
    for q in [(0, 1), (1, 0)] {
        assert!(
            stderr.contains(&format!(
                "rounds[{}].questions[{}].image: there is no image file \"hinh/anh.jpg\" in the contest file's folder",
                q.0, q.1
            )),
            "{stderr}"
        );
    }
    assert_eq!(
        std::fs::read(data.join("journal.jsonl")).expect("journal"),
        journal,
        "the show's journal is untouched"
    );
}
