//! Reading a contest file from disk: the JSON, and the spreadsheets its rounds take their
//! questions from (`questions_from`), all checked before anything is used. A broken file or sheet
//! is refused with every problem found, each naming its file and place; nothing is half-loaded.
//!
//! The game core never sees a spreadsheet: the questions read here are put into the round as if
//! they had been written in the file, so the journal keeps the whole contest and a restart does
//! not need the sheets. Question images are checked here too (in the file or a sheet), but stay
//! files: the server reads them at start from the contest file's folder ([`crate::media`]).

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::game::{Contest, ContestError, Question};
use crate::media;
use crate::sheets::{self, QuestionShape, SheetQuestion};

/// Why a contest file cannot be used.
#[derive(Debug)]
pub enum ContestFileError {
    /// The file cannot be read.
    Read {
        /// The contest file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a contest: not JSON, or not the expected shape (serde's message says
    /// where).
    Parse {
        /// The contest file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// Every problem found in the file and its sheets, one per entry, each naming its place.
    Problems {
        /// The contest file.
        path: PathBuf,
        /// The problems, in the order of the file.
        problems: Vec<String>,
    },
}

impl fmt::Display for ContestFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContestFileError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ContestFileError::Parse { path, message } => {
                write!(
                    f,
                    "{} is not a valid contest file: {message}",
                    path.display()
                )
            }
            ContestFileError::Problems { path, problems } => {
                let count = problems.len();
                let noun = if count == 1 { "problem" } else { "problems" };
                write!(f, "{} has {count} {noun}:", path.display())?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ContestFileError {}

/// Where a round's questions come from instead of its `questions` list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionSource {
    /// An `.xlsx` or `.csv` file, relative to the contest file.
    file: String,
    /// The worksheet of an `.xlsx`; the first when absent.
    #[serde(default)]
    sheet: Option<String>,
}

/// Reads, completes and checks the contest file at `path`.
pub fn load(path: &Path) -> Result<Contest, ContestFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ContestFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parse_error = |message: String| ContestFileError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let mut value: Value = serde_json::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
    let base = folder_of(path);
    let base = base.as_path();
    let mut problems = Vec::new();
    // Rounds whose sheet could not be read: their empty question list is no news.
    let mut unread = Vec::new();
    // Rounds whose questions (and images) came from a sheet, checked there with their cells.
    let mut from_sheet = Vec::new();
    if let Some(rounds) = value.get_mut("rounds").and_then(Value::as_array_mut) {
        for (index, round) in rounds.iter_mut().enumerate() {
            let Some(round) = round.as_object_mut() else {
                continue;
            };
            if round.contains_key("questions_from") {
                from_sheet.push(index);
            }
            if !fill_from_sheet(round, index, base, &mut problems) {
                // Still check the rest of the file, without a second message for this round.
                round.entry("questions").or_insert_with(|| json!([]));
                unread.push(format!("rounds[{index}].questions"));
            }
        }
    }
    let contest: Contest = serde_json::from_value(value).map_err(|e| parse_error(e.to_string()))?;
    match contest.validate() {
        Ok(()) => {}
        Err(ContestError::Invalid(found)) => problems.extend(
            found
                .into_iter()
                .filter(|problem| !unread.contains(&problem.at))
                .map(|problem| problem.to_string()),
        ),
        Err(ContestError::Parse(message)) => return Err(parse_error(message)),
    }
    for (index, round) in contest.rounds.iter().enumerate() {
        if !from_sheet.contains(&index) {
            check_images(round.questions(), index, base, &mut problems);
        }
    }
    if problems.is_empty() {
        Ok(contest)
    } else {
        Err(ContestFileError::Problems {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// The folder a contest file's sheets and images are relative to: the file's own.
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks the `image` of each question of round `index` written in the contest file: a file
/// inside `base` that may be shown (see [`crate::media`]).
fn check_images(questions: &[Question], index: usize, base: &Path, problems: &mut Vec<String>) {
    for (q, question) in questions.iter().enumerate() {
        if let Some(image) = &question.image
            && let Err(problem) = media::open(base, image, "the contest file's folder")
        {
            problems.push(format!("rounds[{index}].questions[{q}].image: {problem}"));
        }
    }
}

/// The folder of a sheet named `file` in the contest file, relative to the contest file's folder
/// with `/` between folders (`""` beside it); `None` when the sheet is not inside that folder.
fn folder_in_contest(file: &str) -> Option<String> {
    let mut parts = Vec::new();
    for component in Path::new(file).parent()?.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// Replaces a round's `questions_from` with the questions of its sheet. Returns `false` when the
/// sheet could not be used (its problems are added).
fn fill_from_sheet(
    round: &mut Map<String, Value>,
    index: usize,
    base: &Path,
    problems: &mut Vec<String>,
) -> bool {
    let Some(source) = round.remove("questions_from") else {
        return true;
    };
    let at = format!("rounds[{index}].questions_from");
    let source: QuestionSource = match serde_json::from_value(source) {
        Ok(source) => source,
        Err(error) => {
            problems.push(format!("{at}: {error}"));
            return false;
        }
    };
    if round
        .get("questions")
        .and_then(Value::as_array)
        .is_some_and(|questions| !questions.is_empty())
    {
        problems.push(format!(
            "{at}: the round also lists questions; give either questions or questions_from"
        ));
        return false;
    }
    let kind = match round.get("kind").and_then(Value::as_str) {
        Some("buzz_in") => SheetKind::BuzzIn,
        Some("tie_breaker") => SheetKind::TieBreaker,
        Some("multiple_choice") => SheetKind::MultipleChoice,
        Some("olympia_finish") => SheetKind::Olympia,
        // serde names the unknown kind when the contest is read (a judged or scored round has
        // no questions to take).
        _ => return true,
    };
    let shape = kind.shape();
    let file = base.join(&source.file);
    let questions = match sheets::load_questions(&file, source.sheet.as_deref(), shape) {
        Ok(questions) => questions,
        Err(errors) => {
            problems.extend(errors.problems.iter().map(|p| format!("{at}: {p}")));
            return false;
        }
    };
    let mut usable = true;
    for question in &questions {
        for unused in unused_columns(question, kind) {
            usable = false;
            problems.push(format!(
                "{at}: {}, row {}: {unused}",
                source.file, question.row
            ));
        }
    }
    // Images are relative to the sheet's folder; the contest's are relative to its own.
    let sheet_folder = folder_in_contest(&source.file);
    if sheet_folder.is_none() {
        for question in &questions {
            if let (Some(image), Some(image_at)) = (&question.image, &question.image_at) {
                usable = false;
                problems.push(format!(
                    "{at}: {image_at}: the image \"{image}\" is outside the contest file's folder, \
                     since the sheet is: keep the sheet and its images in the contest file's \
                     folder or below it"
                ));
            }
        }
    }
    if !usable {
        return false;
    }
    let questions = questions
        .into_iter()
        .map(|q| {
            let mut question = json!({"text": q.text, "answer": q.answer, "notes": q.notes});
            if let (Some(image), Some(folder)) = (&q.image, &sheet_folder) {
                question["image"] = match folder.as_str() {
                    "" => json!(image),
                    folder => json!(format!("{folder}/{image}")),
                };
            }
            if shape == QuestionShape::MultipleChoice {
                question["options"] = json!(q.options);
            }
            if kind.takes_points() {
                if let Some(points) = q.points {
                    question["points"] = json!(points);
                }
                if let Some(time_ms) = q.time_ms {
                    question["time_ms"] = json!(time_ms);
                }
            }
            question
        })
        .collect();
    round.insert("questions".into(), Value::Array(questions));
    true
}

/// The kinds of round that take their questions from a sheet, and which columns each uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SheetKind {
    BuzzIn,
    TieBreaker,
    MultipleChoice,
    Olympia,
}

impl SheetKind {
    fn shape(self) -> QuestionShape {
        match self {
            SheetKind::MultipleChoice => QuestionShape::MultipleChoice,
            SheetKind::BuzzIn | SheetKind::TieBreaker | SheetKind::Olympia => {
                QuestionShape::OpenAnswer
            }
        }
    }

    /// Whether a question may set its own points and time.
    fn takes_points(self) -> bool {
        matches!(self, SheetKind::MultipleChoice | SheetKind::Olympia)
    }
}

/// What a round cannot take from a sheet's row (or must): refused rather than dropped, so that
/// nobody believes a question is worth 20 points when it is not.
fn unused_columns(question: &SheetQuestion, kind: SheetKind) -> Vec<&'static str> {
    let mut unused = Vec::new();
    if !kind.takes_points() && question.points.is_some() {
        unused.push("a buzz-in or tie-breaker round takes its points from its rules, not per question (leave the points column empty)");
    }
    if !kind.takes_points() && question.time_ms.is_some() {
        unused.push("a buzz-in or tie-breaker round takes its times from its rules, not per question (leave the time column empty)");
    }
    if kind == SheetKind::Olympia && question.points.is_none() {
        unused.push("a Về đích question needs its value in the points column (e.g. 20 or 30)");
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    fn contest_json(round: Value) -> String {
        json!({
            "title": "Hội thi thử",
            "teams": [{"id": "a", "name": "Đội A"}, {"id": "b", "name": "Đội B"}],
            "rounds": [round],
        })
        .to_string()
    }

    /// A contest file whose one buzz-in round reads `cau-hoi.csv` (holding `csv`), beside it in
    /// `dir`; `change` edits the contest first. Returns the contest file.
    fn with_csv_round(dir: &Path, csv: &str, change: impl FnOnce(&mut Value)) -> PathBuf {
        write(dir, "cau-hoi.csv", csv);
        let mut contest: Value = serde_json::from_str(&contest_json(json!({
            "kind": "buzz_in", "title": "Giành quyền trả lời",
            "questions_from": {"file": "cau-hoi.csv"}
        })))
        .expect("json");
        change(&mut contest);
        write(dir, "contest.json", &contest.to_string())
    }

    #[test]
    fn a_round_takes_its_questions_from_a_csv_beside_the_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = with_csv_round(
            dir.path(),
            "\u{feff}Câu hỏi,Đáp án,Ghi chú\n\"Ngày 15/10/1949, báo Sự Thật đăng bài gì?\",Dân vận,Bút danh X.Y.Z.\nThủ đô của Việt Nam?,Hà Nội,\n",
            |_| {},
        );
        let contest = load(&path).expect("loads");
        let questions = contest.rounds[0].questions();
        assert_eq!(questions.len(), 2);
        assert_eq!(
            questions[0].text,
            "Ngày 15/10/1949, báo Sự Thật đăng bài gì?"
        );
        assert_eq!(questions[0].answer, "Dân vận");
        assert_eq!(questions[0].notes, "Bút danh X.Y.Z.");
        assert_eq!(questions[1].answer, "Hà Nội");
    }

    #[test]
    fn a_ve_dich_round_takes_each_questions_value_from_the_sheet() {
        let dir = tempfile::tempdir().expect("dir");
        let with_kind = |contest: &mut Value| {
            contest["rounds"][0]["kind"] = "olympia_finish".into();
            contest["rounds"][0]["title"] = "Về đích".into();
        };
        let path = with_csv_round(
            dir.path(),
            "Câu hỏi,Đáp án,Điểm,Thời gian\nCâu 20 điểm?,Một,20,\nCâu 30 điểm?,Hai,30,25\n",
            with_kind,
        );
        let contest = load(&path).expect("loads");
        let questions = contest.rounds[0].questions();
        assert_eq!(questions[0].points, Some(20));
        assert_eq!(
            (questions[1].points, questions[1].time_ms),
            (Some(30), Some(25_000))
        );
        let path = with_csv_round(
            dir.path(),
            "Câu hỏi,Đáp án,Điểm\nCâu thiếu điểm?,Một,\n",
            with_kind,
        );
        let Err(ContestFileError::Problems { problems, .. }) = load(&path) else {
            panic!("refused");
        };
        assert_eq!(
            problems,
            [
                "rounds[0].questions_from: cau-hoi.csv, row 2: a Về đích question needs its value \
              in the points column (e.g. 20 or 30)"
            ]
        );
    }

    #[test]
    fn every_problem_of_the_file_and_its_sheet_is_listed_with_its_place() {
        let dir = tempfile::tempdir().expect("dir");
        let path = with_csv_round(
            dir.path(),
            "Câu hỏi,Đáp án,Điểm\nCâu một?,,\nCâu hai?,Hai,20\n",
            |contest| contest["teams"][1]["name"] = "Đội A".into(),
        );
        let Err(ContestFileError::Problems { problems, .. }) = load(&path) else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("rounds[0].questions_from: ")
                && problems[0].contains("cau-hoi.csv")
                && problems[0].contains("row 2")
                && problems[0].contains("column B"),
            "{problems:#?}"
        );
        assert!(
            problems[1].starts_with("teams[1].name: duplicate team name"),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_column_a_buzz_in_round_cannot_use_is_refused_not_dropped() {
        let dir = tempfile::tempdir().expect("dir");
        let path = with_csv_round(
            dir.path(),
            "Câu hỏi,Đáp án,Điểm,Thời gian (giây)\nMột?,Một,,\nHai?,Hai,20,\nBa?,Ba,,15\n",
            |_| {},
        );
        let Err(ContestFileError::Problems { problems, .. }) = load(&path) else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].contains("cau-hoi.csv, row 3") && problems[0].contains("points"),
            "{problems:#?}"
        );
        assert!(
            problems[1].contains("cau-hoi.csv, row 4") && problems[1].contains("time"),
            "{problems:#?}"
        );
    }

    #[test]
    fn a_missing_sheet_or_both_sources_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = write(
            dir.path(),
            "contest.json",
            &contest_json(json!({
                "kind": "buzz_in", "title": "Giành quyền trả lời",
                "questions_from": {"file": "khong-co.xlsx", "sheet": "Vòng 1"}
            })),
        );
        let error = load(&path).expect_err("refused").to_string();
        assert!(
            error.contains("rounds[0].questions_from: ") && error.contains("khong-co.xlsx"),
            "{error}"
        );
        assert!(
            !error.contains("at least one question"),
            "no echo of the unread sheet: {error}"
        );

        write(dir.path(), "cau-hoi.csv", "Câu hỏi,Đáp án\nMột?,Một\n");
        let path = write(
            dir.path(),
            "contest.json",
            &contest_json(json!({
                "kind": "buzz_in", "title": "Giành quyền trả lời",
                "questions": [{"text": "Hai?", "answer": "Hai"}],
                "questions_from": {"file": "cau-hoi.csv", "colour": "red"}
            })),
        );
        let error = load(&path).expect_err("refused").to_string();
        assert!(error.contains("unknown field `colour`"), "{error}");
    }

    #[test]
    fn a_multiple_choice_round_takes_options_points_and_times_from_its_sheet() {
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            "trac-nghiem.csv",
            "Câu hỏi;A;B;C;D;Đáp án;Điểm;Thời gian (giây)\nHiến pháp hiện hành ban hành năm nào?;1992;2013;2001;;b;20;15\nThủ đô?;Huế;Hà Nội;;;B;;\n",
        );
        let path = write(
            dir.path(),
            "contest.json",
            &contest_json(json!({
                "kind": "multiple_choice", "title": "Kiến thức",
                "questions_from": {"file": "trac-nghiem.csv"}
            })),
        );
        let contest = load(&path).expect("loads");
        let questions = contest.rounds[0].questions();
        assert_eq!(questions[0].options, ["1992", "2013", "2001"]);
        assert_eq!(questions[0].answer, "B");
        assert_eq!(
            (questions[0].points, questions[0].time_ms),
            (Some(20), Some(15_000))
        );
        assert_eq!(questions[1].options, ["Huế", "Hà Nội"]);
        assert_eq!((questions[1].points, questions[1].time_ms), (None, None));
        assert_eq!(questions[1].answer_option(), Some(1));
    }

    /// A 1×1 PNG, committed with the sheet fixtures.
    fn png() -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets/hinh/ban-do.png"),
        )
        .expect("fixture")
    }

    fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(path, bytes).expect("write");
    }

    #[test]
    fn a_question_in_the_file_shows_an_image_beside_it() {
        let dir = tempfile::tempdir().expect("dir");
        write_bytes(dir.path(), "hinh/ban-do.png", &png());
        let path = write(
            dir.path(),
            "contest.json",
            &contest_json(json!({
                "kind": "buzz_in", "title": "Giành quyền trả lời",
                "questions": [
                    {"text": "Tỉnh nào?", "answer": "Ninh Thuận", "image": "hinh/ban-do.png"},
                    {"text": "Không ảnh?", "answer": "Đúng"}
                ]
            })),
        );
        let contest = load(&path).expect("loads");
        let questions = contest.rounds[0].questions();
        assert_eq!(questions[0].image.as_deref(), Some("hinh/ban-do.png"));
        assert_eq!(questions[1].image, None);
    }

    #[test]
    fn every_image_of_the_file_that_cannot_be_shown_is_named_by_its_question() {
        let dir = tempfile::tempdir().expect("dir");
        write_bytes(dir.path(), "hinh/ve.svg", b"<svg><script>1</script></svg>");
        write_bytes(dir.path(), "hinh/anh.png", b"\xff\xd8\xff\xe0 a JPEG");
        let outside = tempfile::tempdir().expect("another dir");
        write_bytes(outside.path(), "bi-mat.png", &png());
        let questions: Vec<Value> = [
            "hinh/khong-co.png",
            "hinh/ve.svg",
            "hinh/anh.png",
            "../bi-mat.png",
            &outside.path().join("bi-mat.png").display().to_string(),
            "https://example.com/anh.png",
        ]
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"text": format!("Câu {i}?"), "answer": "!", "image": image}))
        .collect();
        let path = write(
            dir.path(),
            "contest.json",
            &contest_json(json!({
                "kind": "buzz_in", "title": "Giành quyền trả lời", "questions": questions
            })),
        );
        let Err(ContestFileError::Problems { problems, .. }) = load(&path) else {
            panic!("refused");
        };
        let expected = [
            "there is no image file \"hinh/khong-co.png\" in the contest file's folder",
            "is an SVG: SVG images can carry scripts",
            "is named .png but holds a JPEG image: rename it to .jpg",
            "goes out of the contest file's folder (..)",
            "is an absolute path",
            "is a web address",
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (q, (problem, says)) in problems.iter().zip(expected).enumerate() {
            assert!(
                problem.starts_with(&format!("rounds[0].questions[{q}].image: "))
                    && problem.contains(says),
                "{problem}"
            );
        }
    }

    /// A contest file whose one multiple-choice round reads the CSV `sheet` (a path, holding one
    /// question with `image`) from `dir`.
    fn with_image_sheet(dir: &Path, sheet: &str, image: &str) -> PathBuf {
        write(
            dir,
            "contest.json",
            &contest_json(json!({
                "kind": "multiple_choice", "title": "Kiến thức",
                "questions_from": {"file": sheet}
            })),
        );
        let csv =
            format!("Câu hỏi,A,B,Đáp án,Hình ảnh\nTỉnh nào?,Ninh Thuận,Bình Thuận,A,{image}\n");
        write_bytes(dir, sheet, csv.as_bytes());
        dir.join("contest.json")
    }

    #[test]
    fn an_image_in_a_sheet_becomes_a_path_from_the_contest_file() {
        let dir = tempfile::tempdir().expect("dir");
        write_bytes(dir.path(), "hinh/a.png", &png());
        write_bytes(dir.path(), "de-thi/hinh/a.png", &png());
        // Beside the contest file, and in a folder of it: the image is relative to the sheet.
        for (sheet, image) in [
            ("cau-hoi.csv", "hinh/a.png"),
            ("de-thi/cau-hoi.csv", "de-thi/hinh/a.png"),
            ("./de-thi/cau-hoi.csv", "de-thi/hinh/a.png"),
        ] {
            let path = with_image_sheet(dir.path(), sheet, "hinh\\a.png");
            let contest = load(&path).unwrap_or_else(|e| panic!("{sheet}: {e}"));
            assert_eq!(
                contest.rounds[0].questions()[0].image.as_deref(),
                Some(image),
                "{sheet}"
            );
        }
    }

    #[test]
    fn an_image_problem_in_a_sheet_names_its_file_row_and_column() {
        let dir = tempfile::tempdir().expect("dir");
        let path = with_image_sheet(dir.path(), "cau-hoi.csv", "hinh/khong-co.png");
        let error = load(&path).expect_err("refused").to_string();
        assert!(
            error.contains(
                "rounds[0].questions_from: {}, row 2, column E (Hình ảnh): there is no image \
                 file \"hinh/khong-co.png\""
                    .replace("{}", &dir.path().join("cau-hoi.csv").display().to_string())
                    .as_str()
            ),
            "{error}"
        );
        assert!(!error.contains("at least one question"), "{error}");

        // A sheet outside the contest file's folder takes its images out with it.
        let inner = dir.path().join("hoi-thi");
        std::fs::create_dir(&inner).expect("folder");
        write_bytes(dir.path(), "khac/hinh/a.png", &png());
        let path = with_image_sheet(&inner, "../khac/cau-hoi.csv", "hinh/a.png");
        let Err(ContestFileError::Problems { problems, .. }) = load(&path) else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("rounds[0].questions_from: ")
                && problems[0].contains("khac/cau-hoi.csv, row 2, column E (Hình ảnh): the image \"hinh/a.png\" is outside the contest file's folder"),
            "{problems:#?}"
        );
        // The same sheet without images may stay where it is.
        let path = with_image_sheet(&inner, "../khac/cau-hoi.csv", "");
        assert_eq!(
            load(&path).expect("loads").rounds[0].questions()[0].image,
            None
        );
    }

    #[test]
    fn a_file_that_is_not_json_says_where() {
        let dir = tempfile::tempdir().expect("dir");
        let path = write(
            dir.path(),
            "contest.json",
            "{\"title\": \"x\",\n  \"teams\": [,]}",
        );
        let error = load(&path).expect_err("refused").to_string();
        assert!(error.contains("line 2"), "{error}");
    }
}
