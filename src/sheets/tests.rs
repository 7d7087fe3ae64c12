//! Unit tests of the checks on rows already read (files are covered by `tests/sheets.rs`).

use super::*;

fn text_row(number: usize, cells: &[&str]) -> Row {
    Row {
        number,
        cells: cells
            .iter()
            .map(|c| {
                if c.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(c.to_string())
                }
            })
            .collect(),
    }
}

fn check(rows: &[Row], shape: QuestionShape) -> Result<Vec<SheetQuestion>, SheetErrors> {
    let mut place = Place {
        file: "q.xlsx".into(),
        sheet: Some("Kiến thức".into()),
        problems: Vec::new(),
    };
    let questions = questions_of(&mut place, rows, shape, Path::new("."));
    if place.problems.is_empty() {
        Ok(questions)
    } else {
        Err(place.into_errors())
    }
}

fn lines(errors: &SheetErrors) -> Vec<String> {
    errors.problems.iter().map(ToString::to_string).collect()
}

const MC_HEADER: [&str; 6] = ["Câu hỏi", "A", "B", "C", "D", "Đáp án"];

#[test]
fn a_multiple_choice_sheet_reads_into_questions() {
    let rows = [
        text_row(1, &MC_HEADER),
        text_row(2, &["Thủ đô?", "Huế", "Hà Nội", "", "", " b "]),
        text_row(3, &["", "", "", "", "", ""]),
        text_row(4, &["Năm?", "1945", "1954", "1975", "1986", "a"]),
    ];
    let questions = check(&rows, QuestionShape::MultipleChoice).unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(questions[0].options, vec!["Huế", "Hà Nội"]);
    assert_eq!(questions[0].answer, "B");
    assert_eq!(questions[0].row, 2);
    assert_eq!(questions[1].answer, "A");
    assert_eq!(questions[1].row, 4);
    assert_eq!(questions[1].options.len(), 4);
}

#[test]
fn problems_name_file_sheet_row_and_column() {
    let rows = [
        text_row(1, &MC_HEADER),
        text_row(7, &["Câu?", "x", "y", "z", "w", "E"]),
    ];
    let errors = check(&rows, QuestionShape::MultipleChoice).unwrap_err();
    assert_eq!(
        lines(&errors),
        vec![
            "q.xlsx, sheet Kiến thức, row 7, column F (Đáp án): the answer \"E\" is not one of \
             the options A–D"
        ]
    );
}

#[test]
fn option_gaps_and_counts_are_problems() {
    let rows = [
        text_row(1, &MC_HEADER),
        text_row(2, &["Gap?", "x", "y", "", "w", "D"]),
        text_row(3, &["One?", "x", "", "", "", "A"]),
        text_row(4, &["Late?", "", "", "", "w", "D"]),
        text_row(5, &["No such?", "x", "y", "z", "", "D"]),
    ];
    let errors = check(&rows, QuestionShape::MultipleChoice).unwrap_err();
    assert_eq!(
        lines(&errors),
        vec![
            "q.xlsx, sheet Kiến thức, row 2, column D (C): option C is empty but option D is \
             filled: options go from A without a gap",
            "q.xlsx, sheet Kiến thức, row 3, column C (B): a multiple-choice question needs at \
             least 2 options (A and B), found 1",
            "q.xlsx, sheet Kiến thức, row 4, column B (A): options A, B and C are empty but \
             option D is filled: options go from A without a gap",
            "q.xlsx, sheet Kiến thức, row 4, column B (A): a multiple-choice question needs at \
             least 2 options (A and B), found 1",
            "q.xlsx, sheet Kiến thức, row 5, column F (Đáp án): the answer \"D\" is not one of \
             the options A–C",
        ]
    );
}

#[test]
fn header_problems_are_all_reported() {
    let rows = [
        text_row(2, &["", "", ""]),
        text_row(3, &["Câu hỏi", "Dap an dung?", "Câu hỏi", "", "STT"]),
        text_row(4, &["Một?", "x", "y", "lost", "1"]),
    ];
    let errors = check(&rows, QuestionShape::OpenAnswer).unwrap_err();
    let lines = lines(&errors);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(lines[0].starts_with(
        "q.xlsx, sheet Kiến thức, row 3, column B (Dap an dung?): unknown column \"Dap an dung?\""
    ));
    assert_eq!(
        lines[1],
        "q.xlsx, sheet Kiến thức, row 3, column C (Câu hỏi): a second \"Câu hỏi\" column (the \
         first is column A)"
    );
    assert_eq!(
        lines[2],
        "q.xlsx, sheet Kiến thức, row 4, column D: this column has values but no header, so they \
         would be lost: give it one of the headers, or delete the column"
    );
    assert_eq!(
        lines[3],
        "q.xlsx, sheet Kiến thức, row 3: there is no answer (\"Đáp án\" or \"Answer\") column in \
         the header row"
    );
}

#[test]
fn a_title_above_the_headers_is_pointed_out() {
    let rows = [
        text_row(1, &["BỘ CÂU HỎI PHẦN THI KIẾN THỨC"]),
        text_row(3, &["STT", "Câu hỏi", "Đáp án"]),
        text_row(4, &["1", "Một?", "x"]),
    ];
    let errors = check(&rows, QuestionShape::OpenAnswer).unwrap_err();
    assert_eq!(
        lines(&errors),
        vec![
            "q.xlsx, sheet Kiến thức, row 1: the first non-empty row is read as the header row, \
             but it names no known column; the headers seem to be in row 3: delete the rows \
             above them"
        ]
    );
}

#[test]
fn headers_on_two_lines_are_read_and_shown_on_one() {
    let rows = [
        text_row(
            1,
            &["Câu hỏi", "Đáp án", "Thời gian\n(giây)", "Điểm\n(tối đa)"],
        ),
        text_row(2, &["Một?", "x", "15", "10"]),
    ];
    let errors = check(&rows, QuestionShape::OpenAnswer).unwrap_err();
    assert_eq!(errors.problems.len(), 1, "{errors}");
    let column = errors.problems[0].column.as_ref().unwrap();
    assert_eq!(column.letter, "D");
    assert_eq!(column.header, "Điểm (tối đa)");
}

#[test]
fn missing_option_columns_are_reported_for_multiple_choice_only() {
    let rows = [
        text_row(1, &["Câu hỏi", "Đáp án"]),
        text_row(2, &["Một?", "x"]),
    ];
    let errors = check(&rows, QuestionShape::MultipleChoice).unwrap_err();
    let messages: Vec<_> = errors.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages.contains(&"there is no option A (\"A\") column in the header row"));
    assert!(messages.contains(&"there is no option B (\"B\") column in the header row"));
    assert!(check(&rows, QuestionShape::OpenAnswer).is_ok());
}

#[test]
fn options_with_values_are_refused_in_an_open_answer_sheet() {
    let with_values = [
        text_row(1, &["Câu hỏi", "A", "B", "Đáp án"]),
        text_row(2, &["Một?", "x", "", "y"]),
    ];
    let errors = check(&with_values, QuestionShape::OpenAnswer).unwrap_err();
    assert_eq!(errors.problems.len(), 1);
    assert_eq!(errors.problems[0].row, Some(1));
    assert_eq!(
        errors.problems[0]
            .column
            .as_ref()
            .map(|c| c.letter.as_str()),
        Some("B")
    );
    // Empty option columns left in a template are harmless.
    let empty = [
        text_row(1, &["Câu hỏi", "A", "B", "Đáp án"]),
        text_row(2, &["Một?", "", "", "y"]),
    ];
    assert!(check(&empty, QuestionShape::OpenAnswer).is_ok());
}

#[test]
fn duplicates_ignore_case_and_spacing_but_not_accents() {
    let rows = [
        text_row(1, &["Câu hỏi", "Đáp án"]),
        text_row(2, &["Thủ đô của Việt Nam?", "Hà Nội"]),
        text_row(3, &["thủ  đô của việt nam?", "Hà Nội"]),
        text_row(4, &["Bắc?", "x"]),
        text_row(5, &["Bác?", "x"]),
    ];
    let errors = check(&rows, QuestionShape::OpenAnswer).unwrap_err();
    assert_eq!(
        lines(&errors),
        vec!["q.xlsx, sheet Kiến thức, row 3, column A (Câu hỏi): the same question as row 2"]
    );
}

#[test]
fn an_empty_sheet_and_a_header_alone_are_problems() {
    let errors = check(&[], QuestionShape::OpenAnswer).unwrap_err();
    assert!(errors.problems[0].message.starts_with("the sheet is empty"));
    let errors = check(
        &[text_row(1, &["Câu hỏi", "Đáp án"])],
        QuestionShape::OpenAnswer,
    )
    .unwrap_err();
    assert_eq!(
        lines(&errors),
        vec!["q.xlsx, sheet Kiến thức, row 1: there are no questions below the header row"]
    );
}

#[test]
fn numbers_read_as_excel_shows_them() {
    assert_eq!(number_text(1945.0), "1945");
    assert_eq!(number_text(-0.0), "0");
    assert_eq!(number_text(0.75), "0.75");
    assert_eq!(number_text(0.1 + 0.2), "0.3");
    assert_eq!(number_text(2.5e-7), "0.00000025");
    assert_eq!(number_text(123456.789), "123456.789");
    assert_eq!(
        text_of(&Cell::Number(1945.0)).as_deref(),
        Ok("1945"),
        "an answer typed as a number"
    );
    assert!(text_of(&Cell::Date("1945-09-02".into())).is_err());
    assert!(text_of(&Cell::Error("#N/A".into())).is_err());
}

#[test]
fn points_are_whole_numbers_in_range() {
    assert_eq!(points_of(&Cell::Empty), Ok(None));
    assert_eq!(points_of(&Cell::Number(10.0)), Ok(Some(10)));
    assert_eq!(points_of(&Cell::Int(20)), Ok(Some(20)));
    assert_eq!(points_of(&Cell::Text(" 30 ".into())), Ok(Some(30)));
    assert_eq!(points_of(&Cell::Text("+5".into())), Ok(Some(5)));
    for bad in [
        Cell::Number(7.5),
        Cell::Text("7.5".into()),
        Cell::Text("10.0".into()),
        Cell::Text("mười".into()),
        Cell::Text("-5".into()),
        Cell::Int(MAX_POINTS + 1),
        Cell::Number(1e300),
        Cell::Bool(true),
    ] {
        let err = points_of(&bad).unwrap_err();
        assert!(
            err.starts_with("the points must be a whole number"),
            "{err}"
        );
    }
}

#[test]
fn times_are_positive_seconds_up_to_ten_minutes() {
    assert_eq!(time_ms_of(&Cell::Empty), Ok(None));
    assert_eq!(time_ms_of(&Cell::Number(15.0)), Ok(Some(15_000)));
    assert_eq!(time_ms_of(&Cell::Int(600)), Ok(Some(600_000)));
    assert_eq!(time_ms_of(&Cell::Text("7.5".into())), Ok(Some(7_500)));
    assert_eq!(time_ms_of(&Cell::Text("7,5".into())), Ok(Some(7_500)));
    assert_eq!(time_ms_of(&Cell::Number(0.25)), Ok(Some(250)));
    for bad in [
        Cell::Number(0.0),
        Cell::Number(0.0004),
        Cell::Int(-5),
        Cell::Number(600.5),
        Cell::Number(f64::NAN),
        Cell::Text("inf".into()),
        Cell::Text("1e3".into()),
        Cell::Text("-3".into()),
        Cell::Text("30s".into()),
        Cell::Text("1.000,5".into()),
    ] {
        let err = time_ms_of(&bad).unwrap_err();
        assert!(
            err.starts_with("the time must be a number of seconds"),
            "{err}"
        );
    }
    let err = time_ms_of(&Cell::Date("00:00:30".into())).unwrap_err();
    assert!(err.contains("type the number of seconds"), "{err}");
}

#[test]
fn images_stay_inside_the_sheets_folder_and_exist() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hinh")).unwrap();
    // A PNG's signature is all the check reads of its content.
    std::fs::write(
        dir.path().join("hinh").join("bản đồ.png"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
    )
    .unwrap();
    std::fs::write(dir.path().join("hinh").join("chu.png"), b"text").unwrap();
    let folder = dir.path();
    assert_eq!(
        image_of(" hinh/bản đồ.png ", folder).as_deref(),
        Ok("hinh/bản đồ.png")
    );
    assert_eq!(
        image_of("hinh\\bản đồ.png", folder).as_deref(),
        Ok("hinh/bản đồ.png")
    );
    // Typed with combining marks, stored precomposed on disk.
    let nfd: String = "hinh/bản đồ.png".nfd().collect();
    assert_eq!(image_of(&nfd, folder).as_deref(), Ok("hinh/bản đồ.png"));
    for (bad, says) in [
        ("hinh/khong-co.png", "there is no image file"),
        ("hinh", "is a folder"),
        ("/etc/passwd", "absolute path"),
        ("C:\\Anh\\cau1.png", "absolute path"),
        ("../bí mật.png", "goes out of the sheet's folder"),
        ("hinh/../../x.png", "goes out of the sheet's folder"),
        ("https://example.com/a.png", "web address"),
        ("hinh/chu.png", "is named .png but is not a PNG image"),
    ] {
        let err = image_of(bad, folder).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
}

#[test]
fn text_is_trimmed_and_put_in_nfc() {
    let nfd = "Ủy ban Mặt trận Tổ quốc Việt Nam".nfd().collect::<String>();
    assert_ne!(nfd, "Ủy ban Mặt trận Tổ quốc Việt Nam");
    assert_eq!(
        text_of(&Cell::Text(format!("  {nfd}\n"))).as_deref(),
        Ok("Ủy ban Mặt trận Tổ quốc Việt Nam")
    );
}

#[test]
fn errors_display_one_per_line() {
    let problem = |row, message: &str| SheetProblem {
        file: "q.csv".into(),
        sheet: None,
        row: Some(row),
        column: Some(SheetColumn {
            letter: "B".into(),
            header: String::new(),
        }),
        message: message.into(),
    };
    let errors = SheetErrors {
        problems: vec![problem(2, "one"), problem(3, "two")],
    };
    assert_eq!(
        errors.to_string(),
        "q.csv, row 2, column B: one\nq.csv, row 3, column B: two"
    );
}
