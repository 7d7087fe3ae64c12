//! A contest file whose round takes its questions from an organiser's Excel sheet: played over
//! real sockets; and a broken one: the real binary refuses to start, listing every problem with
//! its file, row and column.

mod common;

use std::process::Command;

use common::{TestServer, phase};
use serde_json::json;
use stagebuzz::contest_file;

/// A workbook with a title-less sheet "Giành quyền" of two open questions.
fn write_sheet(path: &std::path::Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Giành quyền").expect("sheet name");
    let rows = [
        ["Câu hỏi", "Đáp án", "Ghi chú"],
        [
            "Bài báo “Dân vận” của Chủ tịch Hồ Chí Minh ký bút danh gì?",
            "X.Y.Z.",
            "Báo Sự Thật, 15/10/1949",
        ],
        [
            "Ủy ban Mặt trận Tổ quốc Việt Nam cấp xã có bao nhiêu Phó Chủ tịch?",
            "Theo quy định hiện hành",
            "",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, *text)
                .expect("write cell");
        }
    }
    workbook.save(path).expect("save workbook");
}

fn contest_file(dir: &std::path::Path, teams: serde_json::Value) -> std::path::PathBuf {
    let path = dir.join("hoi-thi.json");
    let contest = json!({
        "title": "Hội thi Dân vận",
        "teams": teams,
        "rounds": [{
            "kind": "buzz_in",
            "title": "Giành quyền trả lời",
            "questions_from": {"file": "cau-hoi.xlsx", "sheet": "Giành quyền"}
        }]
    });
    std::fs::write(&path, contest.to_string()).expect("contest file");
    path
}

#[tokio::test]
async fn questions_from_an_excel_sheet_are_played_word_for_word() {
    let dir = tempfile::tempdir().expect("dir");
    write_sheet(&dir.path().join("cau-hoi.xlsx"));
    let path = contest_file(
        dir.path(),
        json!([{"id": "phuoc-hai", "name": "Đội Phước Hải"}, {"id": "an-hai", "name": "Đội An Hải"}]),
    );
    let contest = contest_file::load(&path).expect("the contest loads");
    let server = TestServer::start(contest).await;
    let mut control = server.control().await;
    let mut screen = server.screen().await;
    control.ok(json!({"type": "show_next_question"})).await;
    let shown = screen.state_where(|s| phase(s) == "ready").await;
    assert_eq!(
        shown["question"]["text"],
        "Bài báo “Dân vận” của Chủ tịch Hồ Chí Minh ký bút danh gì?"
    );
    let mc = control.state_where(|s| phase(s) == "ready").await;
    assert_eq!(mc["question"]["answer"], "X.Y.Z.");
    assert_eq!(mc["question"]["notes"], "Báo Sự Thật, 15/10/1949");
}

#[test]
fn the_binary_refuses_a_broken_contest_listing_every_problem() {
    let dir = tempfile::tempdir().expect("dir");
    // The sheet's second question lost its answer; two teams have the same name.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Giành quyền").expect("sheet name");
    for (r, row) in [["Câu hỏi", "Đáp án"], ["Một?", "Một"], ["Hai?", ""]]
        .iter()
        .enumerate()
    {
        for (c, text) in row.iter().enumerate() {
            sheet
                .write_string(r as u32, c as u16, *text)
                .expect("write cell");
        }
    }
    workbook
        .save(dir.path().join("cau-hoi.xlsx"))
        .expect("save workbook");
    let path = contest_file(
        dir.path(),
        json!([{"id": "a", "name": "Đội Một"}, {"id": "b", "name": "Đội Một"}]),
    );
    let data_dir = dir.path().join("data");
    let output = Command::new(env!("CARGO_BIN_EXE_stagebuzz"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--contest"])
        .arg(&path)
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success(), "refused to start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has 2 problems"), "{stderr}");
    assert!(
        stderr.contains("cau-hoi.xlsx, sheet Giành quyền, row 3, column B (Đáp án)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("teams[1].name: duplicate team name"),
        "{stderr}"
    );
    assert!(
        !data_dir.join("journal.jsonl").exists(),
        "nothing was started: {stderr}"
    );
}

/// The complete example of `docs/CONTEST.md` loads as written (with the example's workbook
/// beside it): the documentation cannot drift from what the server takes.
#[test]
fn the_complete_example_of_the_documentation_loads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/CONTEST.md")).expect("CONTEST.md");
    let after = doc
        .split("## A complete example")
        .nth(1)
        .expect("the section");
    let json = after
        .split("```json\n")
        .nth(1)
        .and_then(|block| block.split("```").next())
        .expect("a JSON block");
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(
        root.join("examples/dan-van/cau-hoi.xlsx"),
        dir.path().join("cau-hoi.xlsx"),
    )
    .expect("workbook");
    let file = dir.path().join("hoi-thi.json");
    std::fs::write(&file, json).expect("write");
    let contest = stagebuzz::contest_file::load(&file).expect("the documented example loads");
    let kinds: Vec<&str> = contest.rounds.iter().map(|r| r.kind_name()).collect();
    assert_eq!(
        kinds,
        [
            "judged",
            "multiple_choice",
            "buzz_in",
            "olympia_finish",
            "tie_breaker"
        ]
    );
    assert_eq!(contest.judges.len(), 3);
}
