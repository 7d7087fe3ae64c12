//! The example contest in `examples/dan-van/` loads as the organisers would start it, with every
//! question of its workbook, and its workbook is the one its CSV sources make.

use std::path::{Path, PathBuf};

use stagebuzz::contest_file;
use stagebuzz::game::Round;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dan-van")
}

/// The rows of a source CSV (header first).
fn rows(name: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(example().join(name))
        .expect("source CSV");
    reader
        .records()
        .map(|record| {
            record
                .expect("CSV row")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn the_example_contest_loads_with_every_question_of_its_sources() {
    let contest = contest_file::load(&example().join("hoi-thi.json")).expect("the example loads");
    assert_eq!(contest.teams.len(), 6);
    let kinds: Vec<(&str, &str)> = contest
        .rounds
        .iter()
        .map(|round| (round.title(), round.kind_name()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Chào hỏi", "judged"),
            ("Kiến thức", "multiple_choice"),
            ("Xử lý tình huống", "judged"),
            ("Năng khiếu", "judged"),
            ("Về đích", "olympia_finish"),
            ("Câu hỏi phụ", "tie_breaker")
        ]
    );
    // The workbook holds exactly what the CSV sources say.
    let Round::MultipleChoice(knowledge) = &contest.rounds[1] else {
        panic!("a multiple-choice round");
    };
    let source = rows("kien-thuc.csv");
    assert_eq!(knowledge.questions.len(), source.len() - 1);
    for (question, row) in knowledge.questions.iter().zip(&source[1..]) {
        assert_eq!(
            (&question.text, &question.answer, &question.notes),
            (&row[1], &row[6], &row[7])
        );
        assert_eq!(question.options, row[2..6].to_vec());
    }
    let Round::OlympiaFinish(finish) = &contest.rounds[4] else {
        panic!("a Về đích round");
    };
    let source = rows("ve-dich.csv");
    assert_eq!(finish.questions.len(), source.len() - 1);
    for (question, row) in finish.questions.iter().zip(&source[1..]) {
        assert_eq!(
            (&question.text, &question.answer, &question.notes),
            (&row[1], &row[2], &row[4])
        );
        assert_eq!(
            question.points.map(|p| p.to_string()).as_ref(),
            Some(&row[3])
        );
    }
    // One situation for each team to draw.
    let Round::Judged(situations) = &contest.rounds[2] else {
        panic!("a judged round");
    };
    assert_eq!(situations.situations.len(), contest.teams.len());
    assert_eq!(contest.judges.len(), 5);
}

/// Writes `examples/dan-van/cau-hoi.xlsx` from the two CSV sources; see the example's README.
#[test]
#[ignore = "writes the example's workbook"]
fn write_the_example_workbook() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    // A fixed creation time, so that writing it again gives the same file.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2019, 5, 9).expect("date");
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let header = rust_xlsxwriter::Format::new().set_bold();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    for (name, source) in [("Kiến thức", "kien-thuc.csv"), ("Về đích", "ve-dich.csv")] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).expect("sheet name");
        for column in 0..8 {
            let width = match column {
                0 => 5.0,
                1 => 70.0,
                _ => 30.0,
            };
            sheet.set_column_width(column, width).expect("width");
        }
        for (r, row) in rows(source).iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let format = if r == 0 { &header } else { &wrap };
                let (r, c) = (r as u32, c as u16);
                match text.parse::<f64>() {
                    // The row numbers and the values, as Excel users type them.
                    Ok(number) if (c == 0 || (source == "ve-dich.csv" && c == 3)) && r > 0 => {
                        sheet.write_number(r, c, number).expect("cell");
                    }
                    _ => {
                        sheet
                            .write_string_with_format(r, c, text, format)
                            .expect("cell");
                    }
                }
            }
        }
    }
    workbook
        .save(example().join("cau-hoi.xlsx"))
        .expect("save the workbook");
}
