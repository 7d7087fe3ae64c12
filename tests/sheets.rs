//! Question sheets from real files: `.xlsx` workbooks written at test time by rust_xlsxwriter
//! (as Excel writes them: shared strings, float numbers, date formats, cached formula results),
//! the committed fixtures under `tests/fixtures/sheets/`, and every check naming its place.
//!
//! `tests/fixtures/sheets/kien-thuc.xlsx` was written by the ignored test at the end:
//!
//! ```text
//! cargo test --test sheets -- --ignored write_xlsx_fixture
//! ```

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use stagebuzz::sheets::{QuestionShape, SheetErrors, SheetProblem, SheetQuestion, load_questions};
use unicode_normalization::UnicodeNormalization;

const MC: QuestionShape = QuestionShape::MultipleChoice;
const OPEN: QuestionShape = QuestionShape::OpenAnswer;

const OLYMPIA: &str = "Đường lên đỉnh Olympia";
const MAT_TRAN: &str = "Ủy ban Mặt trận Tổ quốc Việt Nam";

/// A cell to write.
#[derive(Clone)]
enum V {
    /// Nothing.
    E,
    S(&'static str),
    Owned(String),
    N(f64),
    Date(u16, u8, u8),
    Time(u16, u8, u8),
    Formula(&'static str, &'static str),
}

fn s(text: &'static str) -> V {
    V::S(text)
}

/// Writes a workbook with these sheets, each a grid of cells from A1.
fn write_xlsx(path: &Path, sheets: &[(&str, Vec<Vec<V>>)]) {
    let mut workbook = Workbook::new();
    // A fixed creation time, so that the committed fixture is the same each time it is written.
    let created = ExcelDateTime::from_ymd(2026, 11, 1).unwrap();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date = Format::new().set_num_format("d/m/yyyy");
    let time = Format::new().set_num_format("hh:mm:ss");
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    V::E => {}
                    V::S(text) => {
                        sheet.write_string(r, c, *text).unwrap();
                    }
                    V::Owned(text) => {
                        sheet.write_string(r, c, text).unwrap();
                    }
                    V::N(n) => {
                        sheet.write_number(r, c, *n).unwrap();
                    }
                    V::Date(y, m, d) => {
                        let value = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        sheet
                            .write_datetime_with_format(r, c, &value, &date)
                            .unwrap();
                    }
                    V::Time(h, m, sec) => {
                        let value = ExcelDateTime::from_hms(*h, *m, *sec).unwrap();
                        sheet
                            .write_datetime_with_format(r, c, &value, &time)
                            .unwrap();
                    }
                    V::Formula(formula, result) => {
                        let formula = Formula::new(*formula).set_result(*result);
                        sheet.write_formula(r, c, formula).unwrap();
                    }
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets")
        .join(name)
}

fn mc_header() -> Vec<V> {
    ["Câu hỏi", "A", "B", "C", "D", "Đáp án"]
        .into_iter()
        .map(V::S)
        .collect()
}

/// A problem's place and message, for comparing: (row, column letter, header, message start).
fn place_of(problem: &SheetProblem) -> (Option<usize>, String, String) {
    let (letter, header) = problem
        .column
        .as_ref()
        .map(|c| (c.letter.clone(), c.header.clone()))
        .unwrap_or_default();
    (problem.row, letter, header)
}

fn find<'a>(errors: &'a SheetErrors, row: usize, says: &str) -> &'a SheetProblem {
    errors
        .problems
        .iter()
        .find(|p| p.row == Some(row) && p.message.contains(says))
        .unwrap_or_else(|| panic!("no problem in row {row} saying {says:?} in:\n{errors}"))
}

#[test]
fn xlsx_multiple_choice_sheet_reads_every_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hinh")).unwrap();
    std::fs::copy(fixture("hinh/ban-do.png"), dir.path().join("hinh/cau2.png")).unwrap();
    let path = dir.path().join("vong-1.xlsx");
    let header = [
        "STT",
        "Câu hỏi",
        "Phương án A",
        "Phương án B",
        "Phương án C",
        "Phương án D",
        "Đáp án",
        "Điểm",
        "Thời gian (giây)",
        "Hình ảnh",
        "Ghi chú",
    ];
    write_xlsx(
        &path,
        &[(
            "Kiến thức",
            vec![
                header.into_iter().map(V::S).collect(),
                vec![
                    V::N(1.0),
                    s("Chương trình nào của VTV3 có vòng Về đích?"),
                    s(OLYMPIA),
                    s("Rung chuông vàng"),
                    V::E,
                    V::E,
                    s(" a "),
                    V::N(10.0),
                    V::N(7.5),
                    V::E,
                    s("Ghi chú cho MC\nhai dòng"),
                ],
                vec![V::E; 4],
                vec![
                    V::N(2.0),
                    s("Cơ quan nào?"),
                    s("Quốc hội"),
                    s("Chính phủ"),
                    s(MAT_TRAN),
                    s("Tòa án"),
                    s("C"),
                    s("20"),
                    s("30"),
                    s("hinh\\cau2.png"),
                    V::E,
                ],
            ],
        )],
    );
    let questions = load_questions(&path, None, MC).unwrap();
    assert_eq!(
        questions,
        vec![
            SheetQuestion {
                text: "Chương trình nào của VTV3 có vòng Về đích?".into(),
                options: vec![OLYMPIA.into(), "Rung chuông vàng".into()],
                answer: "A".into(),
                points: Some(10),
                time_ms: Some(7_500),
                image: None,
                image_at: None,
                notes: "Ghi chú cho MC\nhai dòng".into(),
                row: 2,
            },
            SheetQuestion {
                text: "Cơ quan nào?".into(),
                options: vec![
                    "Quốc hội".into(),
                    "Chính phủ".into(),
                    MAT_TRAN.into(),
                    "Tòa án".into()
                ],
                answer: "C".into(),
                points: Some(20),
                time_ms: Some(30_000),
                image: Some("hinh/cau2.png".into()),
                image_at: Some(format!(
                    "{}, sheet Kiến thức, row 4, column J (Hình ảnh)",
                    path.display()
                )),
                notes: String::new(),
                row: 4,
            },
        ]
    );
}

#[test]
fn vietnamese_text_round_trips_from_nfc_and_nfd_cells() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("olympia.xlsx");
    let nfd = |t: &str| V::Owned(t.nfd().collect());
    let nfd_olympia: String = OLYMPIA.nfd().collect();
    assert_ne!(nfd_olympia, OLYMPIA, "the NFD input must differ in bytes");
    write_xlsx(
        &path,
        &[(
            "Khởi động",
            vec![
                vec![s("Câu hỏi"), s("Đáp án"), s("Ghi chú")],
                vec![s(OLYMPIA), s(MAT_TRAN), s(OLYMPIA)],
                vec![
                    V::Owned(format!("{} lần 2", nfd_olympia)),
                    nfd(MAT_TRAN),
                    nfd(MAT_TRAN),
                ],
            ],
        )],
    );
    let questions = load_questions(&path, Some("Khởi động"), OPEN).unwrap();
    assert_eq!(questions[0].text, OLYMPIA);
    assert_eq!(questions[0].answer, MAT_TRAN);
    assert_eq!(questions[0].notes, OLYMPIA);
    assert_eq!(questions[1].text, format!("{OLYMPIA} lần 2"));
    assert_eq!(questions[1].answer, MAT_TRAN);
    assert_eq!(questions[1].notes, MAT_TRAN);
    assert!(questions[1].answer.bytes().eq(MAT_TRAN.bytes()));

    // The same through a CSV file.
    let csv = dir.path().join("olympia.csv");
    let text = format!(
        "Câu hỏi,Đáp án\n{},{}\n{OLYMPIA} lần 2,\"{MAT_TRAN}\"\n",
        nfd_olympia,
        MAT_TRAN.nfd().collect::<String>()
    );
    std::fs::write(&csv, text).unwrap();
    let questions = load_questions(&csv, None, OPEN).unwrap();
    assert_eq!(questions[0].text, OLYMPIA);
    assert_eq!(questions[0].answer, MAT_TRAN);
    assert_eq!(questions[1].text, format!("{OLYMPIA} lần 2"));
    assert_eq!(questions[1].answer, MAT_TRAN);
}

#[test]
fn xlsx_numbers_in_text_columns_read_as_excel_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("so.xlsx");
    write_xlsx(
        &path,
        &[(
            "Số",
            vec![
                vec![s("Câu hỏi"), s("Đáp án"), s("Điểm")],
                vec![s("Năm Cách mạng tháng Tám?"), V::N(1945.0), V::N(10.0)],
                vec![s("Ba phần tư viết dạng số thập phân?"), V::N(0.75), V::E],
                vec![
                    s("0,1 + 0,2?"),
                    V::Formula("=0.1+0.2", "0.30000000000000004"),
                    V::Formula("=5*2", "10"),
                ],
            ],
        )],
    );
    let questions = load_questions(&path, None, OPEN).unwrap();
    let answers: Vec<_> = questions.iter().map(|q| q.answer.as_str()).collect();
    assert_eq!(answers, ["1945", "0.75", "0.3"]);
    let points: Vec<_> = questions.iter().map(|q| q.points).collect();
    assert_eq!(points, [Some(10), None, Some(10)]);
}

#[test]
fn xlsx_sheet_is_chosen_by_name_and_the_first_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hai-phan.xlsx");
    let sheet =
        |question: &'static str| vec![vec![s("Câu hỏi"), s("Đáp án")], vec![s(question), s("x")]];
    write_xlsx(
        &path,
        &[
            ("Khởi động", sheet("Câu khởi động")),
            ("Về đích", sheet("Câu về đích")),
        ],
    );
    let first = load_questions(&path, None, OPEN).unwrap();
    assert_eq!(first[0].text, "Câu khởi động");
    let named = load_questions(&path, Some("Về đích"), OPEN).unwrap();
    assert_eq!(named[0].text, "Câu về đích");
    // Typed without accents or in another case, it is still the one sheet.
    let folded = load_questions(&path, Some("VE DICH"), OPEN).unwrap();
    assert_eq!(folded[0].text, "Câu về đích");

    let errors = load_questions(&path, Some("Tăng tốc"), OPEN).unwrap_err();
    assert_eq!(
        errors.to_string(),
        format!(
            "{}: there is no sheet \"Tăng tốc\"; the sheets are \"Khởi động\", \"Về đích\"",
            path.display()
        )
    );
}

#[test]
fn xlsx_data_may_start_anywhere_and_places_stay_excels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lech.xlsx");
    // Data from C3: rows 1-2 and columns A-B are empty.
    let pad = |mut row: Vec<V>| {
        row.splice(0..0, [V::E, V::E]);
        row
    };
    write_xlsx(
        &path,
        &[(
            "Kiến thức",
            vec![
                vec![],
                vec![],
                pad(mc_header()),
                pad(vec![s("Một?"), s("x"), s("y"), V::E, V::E, s("C")]),
            ],
        )],
    );
    let errors = load_questions(&path, None, MC).unwrap_err();
    assert_eq!(
        errors.to_string(),
        format!(
            "{}, sheet Kiến thức, row 4, column H (Đáp án): the answer \"C\" is not one of the \
             options A–B",
            path.display()
        )
    );
}

#[test]
fn xlsx_dates_times_and_excel_errors_are_refused_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ngay.xlsx");
    write_xlsx(
        &path,
        &[(
            "Lịch sử",
            vec![
                vec![s("Câu hỏi"), s("Đáp án"), s("Thời gian"), s("Ghi chú")],
                vec![s("Ngày Quốc khánh?"), V::Date(1945, 9, 2), V::N(15.0), V::E],
                vec![s("Bao lâu?"), s("30 giây"), V::Time(0, 0, 30), V::E],
                vec![s("Tra cứu?"), s("x"), V::E, V::Formula("=NA()", "#N/A")],
            ],
        )],
    );
    let errors = load_questions(&path, None, OPEN).unwrap_err();
    assert_eq!(errors.problems.len(), 3, "{errors}");
    let date = find(&errors, 2, "a date or time cell (1945-09-02)");
    assert_eq!(place_of(date), (Some(2), "B".into(), "Đáp án".into()));
    assert!(date.message.contains("format the column as Text"));
    let time = find(&errors, 3, "a time cell (00:00:30)");
    assert_eq!(place_of(time), (Some(3), "C".into(), "Thời gian".into()));
    let na = find(&errors, 4, "the Excel error #N/A");
    assert_eq!(place_of(na), (Some(4), "D".into(), "Ghi chú".into()));
}

/// One sheet with every kind of problem, one per row: each is reported, with its place, and all
/// of them together.
#[test]
fn every_problem_is_reported_with_its_place_and_all_together() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("hinh")).unwrap();
    std::fs::copy(fixture("hinh/ban-do.png"), dir.path().join("hinh/co.png")).unwrap();
    std::fs::write(
        dir.path().join("hinh/ve.svg"),
        "<svg><script>1</script></svg>",
    )
    .unwrap();
    let path = dir.path().join("q.xlsx");
    let header = [
        "Câu hỏi",
        "A",
        "B",
        "C",
        "D",
        "Đáp án",
        "Điểm",
        "Thời gian (giây)",
        "Hình ảnh",
    ];
    let row = |q: &'static str, opts: [&'static str; 4], answer: &'static str, extra: [V; 3]| {
        let mut cells = vec![s(q)];
        cells.extend(opts.map(|o| if o.is_empty() { V::E } else { s(o) }));
        cells.push(if answer.is_empty() { V::E } else { s(answer) });
        cells.extend(extra);
        cells
    };
    let none = || [V::E, V::E, V::E];
    let abcd = ["x", "y", "z", "w"];
    write_xlsx(
        &path,
        &[(
            "Kiến thức",
            vec![
                header.into_iter().map(V::S).collect(),
                row(
                    "Đúng?",
                    abcd,
                    "A",
                    [V::N(10.0), V::N(15.0), s("hinh/co.png")],
                ), // 2: fine
                row("", abcd, "A", none()),                            // 3
                row("Trống đáp án?", abcd, "", none()),                // 4
                row("Không có E?", abcd, "E", none()),                 // 5
                row("Một phương án?", ["x", "", "", ""], "A", none()), // 6
                row("Thiếu C?", ["x", "y", "", "w"], "D", none()),     // 7
                row("Điểm lẻ?", abcd, "A", [V::N(7.5), V::E, V::E]),   // 8
                row("Không giây?", abcd, "A", [V::E, V::N(0.0), V::E]), // 9
                row("Quá lâu?", abcd, "A", [V::E, s("601"), V::E]),    // 10
                row("Ảnh đâu?", abcd, "A", [V::E, V::E, s("hinh/khong.png")]), // 11
                row("Ảnh tuyệt đối?", abcd, "A", [V::E, V::E, s("/etc/hosts")]), // 12
                row(
                    "Ảnh ra ngoài?",
                    abcd,
                    "A",
                    [V::E, V::E, s("../hinh/co.png")],
                ), // 13
                row("Đúng?", abcd, "B", none()),                       // 14
                row("Ảnh SVG?", abcd, "A", [V::E, V::E, s("hinh/ve.svg")]), // 15
            ],
        )],
    );
    let errors = load_questions(&path, None, MC).unwrap_err();
    let file = path.display().to_string();
    for problem in &errors.problems {
        assert_eq!(problem.file, file);
        assert_eq!(problem.sheet.as_deref(), Some("Kiến thức"));
    }
    let expected: [(usize, &str, &str, &str); 13] = [
        (3, "A", "Câu hỏi", "the question is empty"),
        (4, "F", "Đáp án", "the answer is empty"),
        (
            5,
            "F",
            "Đáp án",
            "the answer \"E\" is not one of the options A–D",
        ),
        (
            6,
            "C",
            "B",
            "a multiple-choice question needs at least 2 options (A and B), found 1",
        ),
        (
            7,
            "D",
            "C",
            "option C is empty but option D is filled: options go from A without a gap",
        ),
        (
            8,
            "G",
            "Điểm",
            "the points must be a whole number from 0 to 1000000, found \"7.5\"",
        ),
        (
            9,
            "H",
            "Thời gian (giây)",
            "the time must be a number of seconds above 0",
        ),
        (
            10,
            "H",
            "Thời gian (giây)",
            "at most 600 (10 minutes), found \"601\"",
        ),
        (
            11,
            "I",
            "Hình ảnh",
            "there is no image file \"hinh/khong.png\"",
        ),
        (12, "I", "Hình ảnh", "is an absolute path"),
        (13, "I", "Hình ảnh", "goes out of the sheet's folder"),
        (14, "A", "Câu hỏi", "the same question as row 2"),
        (
            15,
            "I",
            "Hình ảnh",
            "is an SVG: SVG images can carry scripts",
        ),
    ];
    for (row, letter, header, says) in expected {
        let problem = find(&errors, row, says);
        assert_eq!(
            place_of(problem),
            (Some(row), letter.to_string(), header.to_string()),
            "{problem}"
        );
    }
    assert_eq!(errors.problems.len(), expected.len(), "{errors}");
    // Displayed one per line, each with its whole place.
    let shown = errors.to_string();
    assert_eq!(shown.lines().count(), expected.len());
    assert!(
        shown.lines().any(|line| line
            == format!(
                "{file}, sheet Kiến thức, row 5, column F (Đáp án): the answer \"E\" is not one \
                 of the options A–D"
            )),
        "{shown}"
    );
}

#[test]
fn unknown_and_missing_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cot.xlsx");
    write_xlsx(
        &path,
        &[(
            "Kiến thức",
            vec![
                vec![s("Câu hỏi"), s("A"), s("Đáp áp"), s("Thời gian (phút)")],
                vec![s("Một?"), s("x"), s("A"), V::N(1.0)],
            ],
        )],
    );
    let errors = load_questions(&path, None, MC).unwrap_err();
    let typo = find(&errors, 1, "unknown column \"Đáp áp\"");
    assert_eq!(place_of(typo), (Some(1), "C".into(), "Đáp áp".into()));
    let minutes = find(&errors, 1, "unknown column \"Thời gian (phút)\"");
    assert_eq!(
        place_of(minutes),
        (Some(1), "D".into(), "Thời gian (phút)".into())
    );
    let answer = find(&errors, 1, "there is no answer");
    assert_eq!(place_of(answer), (Some(1), String::new(), String::new()));
    find(&errors, 1, "there is no option B");
    assert_eq!(errors.problems.len(), 4, "{errors}");
}

#[test]
fn csv_fixtures_with_and_without_bom_and_with_semicolons_read_the_same() {
    let expected = vec![
        SheetQuestion {
            text: "Chương trình \"Đường lên đỉnh Olympia\" của VTV3 phát sóng lần đầu năm nào?"
                .into(),
            options: vec!["1999".into(), "2000".into(), "2001".into(), "2002".into()],
            answer: "A".into(),
            points: Some(10),
            time_ms: Some(15_000),
            image: None,
            image_at: None,
            notes: "Nguồn: VTV3, Đài Truyền hình Việt Nam".into(),
            row: 2,
        },
        SheetQuestion {
            text: "Theo Hiến pháp năm 2013, tổ chức nào là liên minh chính trị, liên hiệp tự \
                   nguyện của các tổ chức chính trị - xã hội?"
                .into(),
            options: vec!["Quốc hội".into(), MAT_TRAN.into(), "Chính phủ".into()],
            answer: "B".into(),
            points: Some(20),
            time_ms: Some(7_500),
            image: Some("hinh/ban-do.png".into()),
            image_at: None,
            notes: "Điều 9".into(),
            row: 3,
        },
    ];
    for name in ["bom.csv", "no-bom.csv", "semicolon.csv"] {
        let mut questions =
            load_questions(&fixture(name), None, MC).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(
            questions[1].image_at.take(),
            Some(format!(
                "{}, row 3, column I (Hình ảnh)",
                fixture(name).display()
            ))
        );
        assert_eq!(questions, expected, "{name}");
    }
}

#[test]
fn csv_quoted_line_breaks_stay_in_their_cell_and_rows_count_as_excel_shows() {
    let questions = load_questions(&fixture("quoted-newlines.csv"), None, OPEN).unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(
        questions[0].text,
        "Đọc to khẩu hiệu:\n\"Không có gì quý hơn\nđộc lập, tự do\""
    );
    assert_eq!(questions[0].answer, "Chủ tịch Hồ Chí Minh, 1966");
    assert_eq!(
        questions[0].notes,
        "Chấp nhận: Bác Hồ\nKhông chấp nhận: Hồ Chủ tịch nói năm 1945"
    );
    assert_eq!(questions[0].row, 2);
    // The record above spans four lines and a blank row follows: Excel shows this as row 4.
    assert_eq!(questions[1].row, 4);
    assert_eq!(
        questions[1].answer, "2/9/1945",
        "CSV text is never turned into a date"
    );
}

#[test]
fn csv_problems_name_file_row_and_column_without_a_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vong-2.csv");
    std::fs::write(
        &path,
        "Câu hỏi;Đáp án;Điểm\r\n\"Hai\r\ndòng?\";x;10\r\n\r\nBa?;;mười\r\n",
    )
    .unwrap();
    let errors = load_questions(&path, None, OPEN).unwrap_err();
    let file = path.display();
    assert_eq!(
        errors.to_string(),
        format!(
            "{file}, row 4, column B (Đáp án): the answer is empty\n\
             {file}, row 4, column C (Điểm): the points must be a whole number from 0 to \
             1000000, found \"mười\""
        )
    );
    assert!(errors.problems.iter().all(|p| p.sheet.is_none()));
}

#[test]
fn csv_in_another_encoding_is_refused_with_how_to_save_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp1258.csv");
    // "Câu hỏi" as Windows-1258 bytes: Excel's plain "CSV (Comma delimited)".
    std::fs::write(&path, b"C\xe2u h\xf2i,\xd0\xe1p \xe1n\r\n").unwrap();
    let errors = load_questions(&path, None, OPEN).unwrap_err();
    assert_eq!(errors.problems.len(), 1);
    let message = &errors.problems[0].message;
    assert!(message.starts_with("line 1 is not UTF-8 text"), "{message}");
    assert!(message.contains("CSV UTF-8 (Comma delimited)"), "{message}");
}

#[test]
fn files_that_cannot_be_sheets_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, says) in [
        ("cau-hoi.xls", "save it as an Excel Workbook (.xlsx)"),
        ("cau-hoi.ods", "from .xlsx or .csv files only"),
        ("cau-hoi.txt", "from .xlsx or .csv files only"),
        ("cau-hoi", "from .xlsx or .csv files only"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, "Câu hỏi,Đáp án\nMột?,x\n").unwrap();
        let errors = load_questions(&path, None, OPEN).unwrap_err();
        assert!(errors.to_string().contains(says), "{name}: {errors}");
    }
    let missing = load_questions(&dir.path().join("khong-co.csv"), None, OPEN).unwrap_err();
    assert!(
        missing.to_string().contains("cannot read the file"),
        "{missing}"
    );
    let not_zip = dir.path().join("doi-ten.xlsx");
    std::fs::write(&not_zip, "Câu hỏi,Đáp án\n").unwrap();
    let errors = load_questions(&not_zip, None, OPEN).unwrap_err();
    assert!(
        errors
            .to_string()
            .contains("cannot read the file as an Excel workbook"),
        "{errors}"
    );
    let errors = load_questions(&fixture("bom.csv"), Some("Kiến thức"), MC).unwrap_err();
    assert!(
        errors.to_string().contains("a CSV file has no sheets"),
        "{errors}"
    );
}

#[test]
fn committed_xlsx_fixture_reads() {
    let path = fixture("kien-thuc.xlsx");
    let knowledge = load_questions(&path, None, MC).unwrap();
    assert_eq!(knowledge.len(), 3);
    assert_eq!(
        knowledge[0].text,
        format!("Chương trình \"{OLYMPIA}\" thuộc kênh nào?")
    );
    assert_eq!(knowledge[0].options, ["VTV1", "VTV3", "VTV6"]);
    assert_eq!(knowledge[0].answer, "B");
    assert_eq!(knowledge[0].points, Some(10));
    assert_eq!(
        knowledge[1].options[2], MAT_TRAN,
        "written in NFD, read in NFC"
    );
    assert_eq!(knowledge[1].time_ms, Some(7_500));
    assert_eq!(knowledge[2].image.as_deref(), Some("hinh/ban-do.png"));
    let warm_up = load_questions(&path, Some("Khởi động"), OPEN).unwrap();
    assert_eq!(warm_up.len(), 2);
    assert_eq!(warm_up[0].answer, "1945");
    assert_eq!(warm_up[1].answer, "Hà Nội");
}

/// Writes `tests/fixtures/sheets/kien-thuc.xlsx`; see the top of this file.
#[test]
#[ignore = "writes the committed fixture"]
fn write_xlsx_fixture() {
    let mat_tran_nfd: String = MAT_TRAN.nfd().collect();
    write_xlsx(
        &fixture("kien-thuc.xlsx"),
        &[
            (
                "Kiến thức",
                vec![
                    [
                        "STT",
                        "Câu hỏi",
                        "Phương án A",
                        "Phương án B",
                        "Phương án C",
                        "Phương án D",
                        "Đáp án",
                        "Điểm",
                        "Thời gian (giây)",
                        "Hình ảnh",
                        "Ghi chú",
                    ]
                    .into_iter()
                    .map(V::S)
                    .collect(),
                    vec![
                        V::N(1.0),
                        s("Chương trình \"Đường lên đỉnh Olympia\" thuộc kênh nào?"),
                        s("VTV1"),
                        s("VTV3"),
                        s("VTV6"),
                        V::E,
                        s("b"),
                        V::N(10.0),
                        V::N(15.0),
                        V::E,
                        s("Đài Truyền hình Việt Nam"),
                    ],
                    vec![
                        V::N(2.0),
                        s(
                            "Theo Hiến pháp năm 2013, tổ chức nào là liên minh chính trị của \
                           các tổ chức chính trị - xã hội?",
                        ),
                        s("Quốc hội"),
                        s("Chính phủ"),
                        V::Owned(mat_tran_nfd),
                        s("Tòa án nhân dân tối cao"),
                        s("C"),
                        V::N(20.0),
                        V::N(7.5),
                        V::E,
                        s("Điều 9"),
                    ],
                    vec![
                        V::N(3.0),
                        s("Thủ đô của Việt Nam nằm ở đâu trên bản đồ?"),
                        s("Miền Bắc"),
                        s("Miền Trung"),
                        s("Miền Nam"),
                        V::E,
                        s("A"),
                        V::E,
                        V::E,
                        s("hinh/ban-do.png"),
                        V::E,
                    ],
                ],
            ),
            (
                "Khởi động",
                vec![
                    vec![s("Câu hỏi"), s("Đáp án")],
                    vec![s("Năm Cách mạng tháng Tám thành công?"), V::N(1945.0)],
                    vec![s("Thủ đô của Việt Nam?"), s("Hà Nội")],
                ],
            ),
        ],
    );
}
