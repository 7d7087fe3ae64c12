//! A round's questions from the organisers' spreadsheet: an `.xlsx` workbook or a `.csv` file.
//!
//! Organisers keep their questions in Excel. [`load_questions`] reads one sheet into a neutral
//! list of [`SheetQuestion`]s, or refuses it with every problem found ([`SheetErrors`]), each
//! naming the file, the sheet, the row and the column as Excel shows them, e.g.
//! `questions.xlsx, sheet Kiến thức, row 7, column F (Đáp án): the answer "E" is not one of the
//! options A–D`. Nothing is half-loaded.
//!
//! # The sheet
//!
//! The first non-empty row is the header row; it names the columns, in any order. Headers are
//! matched ignoring case, accents, extra spaces and line breaks (`CAU HOI` is `Câu hỏi`), in
//! Vietnamese or English. Every row below it is a question; blank rows are skipped. A title row
//! above the headers is not skipped: the error says which row the headers seem to be in.
//!
//! | column | headers | required | what it holds |
//! |---|---|---|---|
//! | question | `Câu hỏi`, `Nội dung câu hỏi`, `Question` | yes | the question text; line breaks are kept |
//! | A, B, C, D | `A`, `Phương án A`, `Đáp án A`, `Option A` (and B, C, D) | A and B for multiple choice; none for open answers | the options, filled from A without a gap; 2 to 4 of them |
//! | answer | `Đáp án`, `Đáp án đúng`, `Answer`, `Correct answer` | yes | multiple choice: the letter of an option (`b`, ` B ` read as `B`); open answer: the expected answer |
//! | points | `Điểm`, `Số điểm`, `Points` | no | a whole number from 0 to 1,000,000; empty: the round's default |
//! | time | `Thời gian`, `Thời gian (giây)`, `Thời gian (s)`, `Time`, `Time (s)`, `Time (seconds)` | no | seconds to answer, above 0 and at most 600; a fraction may be written `7.5` or `7,5`; empty: the round's default |
//! | image | `Hình ảnh`, `Ảnh`, `Image` | no | an image file, relative to the sheet's folder (`hinh/cau1.png`; `\` is read as `/`): PNG, JPEG, GIF or WebP, at most 8 MiB (see [`crate::media`]) |
//! | notes | `Ghi chú`, `Notes`, `Note` | no | private notes for the MC |
//! | (ignored) | `STT`, `No`, `No.`, `#` | no | the row numbers organisers keep; not read |
//!
//! Any other header is refused, naming its column, and so is a column without a header that has
//! values: a typo in a header must not silently drop a column of answers.
//!
//! # Formats
//!
//! - `.xlsx`: the first worksheet, or the one named. Numbers are read as their value (`1945`, not
//!   `1945.0`; up to 15 significant digits as Excel shows them), not their display format. A date
//!   or time cell is refused wherever it appears: Excel turns `2/9/1945` typed into an answer
//!   into a date whose day and month depend on the computer's locale, so it cannot be turned back
//!   into what was typed without guessing. The fix, said in the error: format the column as Text
//!   (or type `'2/9/1945`). Cells showing an Excel error (`#N/A`) are refused too.
//! - `.csv`: UTF-8, with or without a byte-order mark, as Excel's "CSV UTF-8" writes it. The
//!   separator is `,`, `;` (Excel in a Vietnamese locale) or tab, told apart on the header line;
//!   a first line `sep=;` is obeyed as Excel does. Rows are numbered as Excel shows the file.
//!   Other encodings (Excel's plain "CSV", UTF-16 "Unicode Text") are refused with how to save.
//!
//! Question, answer, option and notes text is trimmed and put in Unicode NFC, so that a word
//! typed with combining accents (`Ðu\u{301}ng`) equals the same word typed precomposed (`Đúng`).

mod columns;
mod read;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::media;
use columns::{Field, OPTION_LETTERS, column_letter, field_of};
use read::{Cell, ReadError, Row};

/// Whether a round's questions have options A–D.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionShape {
    /// Options A–D ("trắc nghiệm"); the answer is the letter of one of them.
    MultipleChoice,
    /// No options; the answer is the expected answer, said aloud or typed.
    OpenAnswer,
}

/// One question as read from a sheet, before it becomes a round's question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetQuestion {
    /// The question text, in NFC, line breaks kept.
    pub text: String,
    /// The options from A on (2 to 4) for multiple choice; empty for open answers.
    pub options: Vec<String>,
    /// Multiple choice: the option's letter, `A` to `D`; open answer: the answer text, in NFC.
    pub answer: String,
    /// Points for a correct answer; `None`: the round's default.
    pub points: Option<i64>,
    /// Time to answer, in milliseconds; `None`: the round's default.
    pub time_ms: Option<u64>,
    /// An image file, relative to the sheet's folder, with `/` separators. When the sheet was
    /// loaded it was inside that folder and an image that may be shown (see [`crate::media`]).
    pub image: Option<String>,
    /// Where the image was named, as problems name places (`cau-hoi.xlsx, sheet Kiến thức, row
    /// 7, column I (Hình ảnh)`), for a problem found later; `None` without an image.
    pub image_at: Option<String>,
    /// The MC's private notes (may be empty).
    pub notes: String,
    /// The question's 1-based row in the sheet, for later messages.
    pub row: usize,
}

/// A column of a sheet: Excel's letter and the header written above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetColumn {
    /// `A`, `B`, … `AA` …
    pub letter: String,
    /// The header as written (trimmed); empty when the column has none.
    pub header: String,
}

/// One problem in a sheet, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetProblem {
    /// The file, as the path was given.
    pub file: String,
    /// The worksheet, for `.xlsx` files.
    pub sheet: Option<String>,
    /// The 1-based row, when the problem is in one.
    pub row: Option<usize>,
    /// The column, when the problem is in one.
    pub column: Option<SheetColumn>,
    /// What is wrong, in English.
    pub message: String,
}

impl fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = place_text(
            &self.file,
            self.sheet.as_deref(),
            self.row,
            self.column.as_ref(),
        );
        write!(f, "{place}: {}", self.message)
    }
}

/// A place in a sheet as messages name it: `file, sheet S, row R, column C (Header)`, each part
/// only when known.
fn place_text(
    file: &str,
    sheet: Option<&str>,
    row: Option<usize>,
    column: Option<&SheetColumn>,
) -> String {
    let mut text = file.to_string();
    if let Some(sheet) = sheet {
        text.push_str(&format!(", sheet {sheet}"));
    }
    if let Some(row) = row {
        text.push_str(&format!(", row {row}"));
    }
    if let Some(column) = column {
        text.push_str(&format!(", column {}", column.letter));
        if !column.header.is_empty() {
            text.push_str(&format!(" ({})", column.header));
        }
    }
    text
}

/// Every problem found in a sheet (never empty); displayed one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetErrors {
    /// In the order found: the file, then the header, then row by row.
    pub problems: Vec<SheetProblem>,
}

impl fmt::Display for SheetErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetErrors {}

/// The most points a question may be worth, as for a round's rules: sums stay far from overflow.
pub const MAX_POINTS: i64 = 1_000_000;
/// The longest time to answer, in seconds: a typo (extra zeros) must not freeze a show.
pub const MAX_TIME_SECONDS: f64 = 600.0;

/// Reads the questions of one sheet: `path` ends in `.xlsx` or `.csv`; `sheet` names the
/// worksheet of an `.xlsx` (the first when `None`; a CSV has none). Returns every question, or
/// every problem found. The columns are described in [the module's documentation](self).
pub fn load_questions(
    path: &Path,
    sheet: Option<&str>,
    shape: QuestionShape,
) -> Result<Vec<SheetQuestion>, SheetErrors> {
    let mut place = Place {
        file: path.display().to_string(),
        sheet: None,
        problems: Vec::new(),
    };
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let read = match extension.as_deref() {
        Some("xlsx") => read::xlsx_rows(path, sheet).map(|(name, rows)| {
            place.sheet = Some(name);
            rows
        }),
        Some("csv") => match sheet {
            Some(name) => Err(ReadError {
                message: format!("a CSV file has no sheets, but sheet \"{name}\" was asked for"),
            }),
            None => read::csv_rows(path),
        },
        Some("xls") => Err(ReadError {
            message: "the old Excel format (.xls) is not read: open it in Excel and save it as \
                      an Excel Workbook (.xlsx)"
                .into(),
        }),
        _ => Err(ReadError {
            message: "questions are read from .xlsx or .csv files only".into(),
        }),
    };
    let rows = match read {
        Ok(rows) => rows,
        Err(e) => {
            place.problem(None, None, e.message);
            return Err(place.into_errors());
        }
    };
    let folder = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let questions = questions_of(&mut place, &rows, shape, &folder);
    if place.problems.is_empty() {
        Ok(questions)
    } else {
        Err(place.into_errors())
    }
}

/// Where problems are being found, and those found so far.
struct Place {
    file: String,
    sheet: Option<String>,
    problems: Vec<SheetProblem>,
}

impl Place {
    fn problem(&mut self, row: Option<usize>, column: Option<&Column>, message: impl Into<String>) {
        self.problems.push(SheetProblem {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            column: column.map(Column::named),
            message: message.into(),
        });
    }

    /// A cell of this sheet as messages name it.
    fn cell_text(&self, row: usize, column: &Column) -> String {
        place_text(
            &self.file,
            self.sheet.as_deref(),
            Some(row),
            Some(&column.named()),
        )
    }

    fn into_errors(self) -> SheetErrors {
        SheetErrors {
            problems: self.problems,
        }
    }
}

/// A recognised column: where it is and what its header says.
#[derive(Clone, Debug)]
struct Column {
    index: usize,
    header: String,
}

impl Column {
    /// The column as messages name it.
    fn named(&self) -> SheetColumn {
        SheetColumn {
            letter: column_letter(self.index),
            header: self.header.clone(),
        }
    }
}

/// The recognised columns of a sheet.
#[derive(Default)]
struct Columns {
    question: Option<Column>,
    options: [Option<Column>; 4],
    answer: Option<Column>,
    points: Option<Column>,
    time: Option<Column>,
    image: Option<Column>,
    notes: Option<Column>,
}

impl Columns {
    fn slot(&mut self, field: Field) -> Option<&mut Option<Column>> {
        Some(match field {
            Field::Ordinal => return None,
            Field::Question => &mut self.question,
            Field::Option(i) => self.options.get_mut(i)?,
            Field::Answer => &mut self.answer,
            Field::Points => &mut self.points,
            Field::Time => &mut self.time,
            Field::Image => &mut self.image,
            Field::Notes => &mut self.notes,
        })
    }
}

const KNOWN_HEADERS: &str = "Câu hỏi, A, B, C, D, Đáp án, Điểm, Thời gian (giây), Hình ảnh, Ghi \
                             chú, STT (or Question, Option A…D, Answer, Points, Time, Image, Notes)";

/// Reads the header row and checks it: every header known, none twice, none missing, no values
/// under a column without a header.
fn columns_of(place: &mut Place, header: &Row, below: &[Row], shape: QuestionShape) -> Columns {
    let mut columns = Columns::default();
    let width = below
        .iter()
        .map(|r| r.cells.len())
        .chain([header.cells.len()])
        .max()
        .unwrap_or(0);
    for index in 0..width {
        let header_text = match header.cell(index) {
            Cell::Empty => None,
            // On one line: headers often break a line ("Thời gian\n(giây)"), messages must not.
            cell => Some(one_line(&display_text(cell))),
        };
        let column = Column {
            index,
            header: header_text.clone().unwrap_or_default(),
        };
        let Some(header_text) = header_text else {
            if let Some(row) = below.iter().find(|r| *r.cell(index) != Cell::Empty) {
                place.problem(
                    Some(row.number),
                    Some(&column),
                    "this column has values but no header, so they would be lost: give it one \
                     of the headers, or delete the column",
                );
            }
            continue;
        };
        let Some(field) = field_of(&header_text) else {
            place.problem(
                Some(header.number),
                Some(&column),
                format!("unknown column \"{header_text}\"; the columns are {KNOWN_HEADERS}"),
            );
            continue;
        };
        if let Field::Option(_) = field
            && shape == QuestionShape::OpenAnswer
            && below.iter().any(|r| *r.cell(index) != Cell::Empty)
        {
            place.problem(
                Some(header.number),
                Some(&column),
                "options are for multiple-choice questions, but this round's questions have \
                 open answers",
            );
            continue;
        }
        let Some(slot) = columns.slot(field) else {
            continue;
        };
        match slot {
            Some(first) => {
                let first = column_letter(first.index);
                place.problem(
                    Some(header.number),
                    Some(&column),
                    format!("a second \"{header_text}\" column (the first is column {first})"),
                );
            }
            None => *slot = Some(column),
        }
    }
    let mut required = vec![
        (
            columns.question.is_none(),
            "question (\"Câu hỏi\" or \"Question\")",
        ),
        (
            columns.answer.is_none(),
            "answer (\"Đáp án\" or \"Answer\")",
        ),
    ];
    if shape == QuestionShape::MultipleChoice {
        required.push((columns.options[0].is_none(), "option A (\"A\")"));
        required.push((columns.options[1].is_none(), "option B (\"B\")"));
    }
    for (missing, what) in required {
        if missing {
            place.problem(
                Some(header.number),
                None,
                format!("there is no {what} column in the header row"),
            );
        }
    }
    columns
}

/// Every question below the header, checking each; problems go to `place`.
fn questions_of(
    place: &mut Place,
    rows: &[Row],
    shape: QuestionShape,
    folder: &Path,
) -> Vec<SheetQuestion> {
    let Some(header_at) = rows.iter().position(|r| !r.is_blank()) else {
        place.problem(
            None,
            None,
            format!("the sheet is empty; it needs a header row ({KNOWN_HEADERS}) and questions"),
        );
        return Vec::new();
    };
    let header = &rows[header_at];
    let below = &rows[header_at + 1..];
    if let Some(headers) = headers_below_a_title(header, below) {
        place.problem(
            Some(header.number),
            None,
            format!(
                "the first non-empty row is read as the header row, but it names no known \
                 column; the headers seem to be in row {headers}: delete the rows above them"
            ),
        );
        return Vec::new();
    }
    let columns = columns_of(place, header, below, shape);
    let mut questions = Vec::new();
    // Folded question text → the row where it first appeared.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in below.iter().filter(|r| !r.is_blank()) {
        let question = question_of(place, &columns, row, shape, folder);
        if let Some(column) = &columns.question
            && !question.text.is_empty()
        {
            let key = duplicate_key(&question.text);
            match seen.get(&key) {
                Some(first) => place.problem(
                    Some(row.number),
                    Some(column),
                    format!("the same question as row {first}"),
                ),
                None => {
                    seen.insert(key, row.number);
                }
            }
        }
        questions.push(question);
    }
    if questions.is_empty() {
        place.problem(
            Some(header.number),
            None,
            "there are no questions below the header row",
        );
    }
    questions
}

/// The row of the real headers when the first non-empty row is a title above them ("BỘ CÂU HỎI
/// PHẦN THI KIẾN THỨC"): it names no known column while a row close below names two or more. The
/// title is not skipped silently, which could also skip a header row full of typos.
fn headers_below_a_title(first: &Row, below: &[Row]) -> Option<usize> {
    let known = |row: &Row| {
        row.cells
            .iter()
            .filter(|cell| field_of(&display_text(cell)).is_some())
            .count()
    };
    if known(first) > 0 {
        return None;
    }
    below
        .iter()
        .take(10)
        .find(|row| known(row) >= 2)
        .map(|row| row.number)
}

/// One row read into a question; every problem in it goes to `place`.
fn question_of(
    place: &mut Place,
    columns: &Columns,
    row: &Row,
    shape: QuestionShape,
    folder: &Path,
) -> SheetQuestion {
    let text_at = |place: &mut Place, column: &Option<Column>| -> String {
        let Some(column) = column else {
            return String::new();
        };
        match text_of(row.cell(column.index)) {
            Ok(text) => text,
            Err(message) => {
                place.problem(Some(row.number), Some(column), message);
                String::new()
            }
        }
    };
    let text = text_at(place, &columns.question);
    let raw_answer = text_at(place, &columns.answer);
    let notes = text_at(place, &columns.notes);
    let option_texts: Vec<String> = columns
        .options
        .iter()
        .map(|column| text_at(place, column))
        .collect();
    if let Some(column) = &columns.question
        && text.is_empty()
        && matches!(row.cell(column.index), Cell::Empty)
    {
        place.problem(Some(row.number), Some(column), "the question is empty");
    }
    let answer_empty = raw_answer.is_empty()
        && columns
            .answer
            .as_ref()
            .is_some_and(|c| *row.cell(c.index) == Cell::Empty);
    if answer_empty && let Some(column) = &columns.answer {
        place.problem(Some(row.number), Some(column), "the answer is empty");
    }
    let (options, answer) = match shape {
        QuestionShape::OpenAnswer => (Vec::new(), raw_answer),
        QuestionShape::MultipleChoice => {
            let filled = check_options(place, columns, row, &option_texts);
            let answer = match &columns.answer {
                Some(column) if !raw_answer.is_empty() => {
                    check_answer_letter(place, row, column, &raw_answer, &filled)
                }
                _ => raw_answer,
            };
            let options = option_texts.into_iter().filter(|t| !t.is_empty()).collect();
            (options, answer)
        }
    };
    let points = columns.points.as_ref().and_then(|column| {
        points_of(row.cell(column.index))
            .map_err(|message| place.problem(Some(row.number), Some(column), message))
            .ok()
            .flatten()
    });
    let time_ms = columns.time.as_ref().and_then(|column| {
        time_ms_of(row.cell(column.index))
            .map_err(|message| place.problem(Some(row.number), Some(column), message))
            .ok()
            .flatten()
    });
    let image = columns.image.as_ref().and_then(|column| {
        let cell = row.cell(column.index);
        if *cell == Cell::Empty {
            return None;
        }
        text_of(cell)
            .and_then(|raw| image_of(&raw, folder))
            .map(|image| (image, place.cell_text(row.number, column)))
            .map_err(|message| place.problem(Some(row.number), Some(column), message))
            .ok()
    });
    let (image, image_at) = image.unzip();
    SheetQuestion {
        text,
        options,
        answer,
        points,
        time_ms,
        image,
        image_at,
        notes,
        row: row.number,
    }
}

/// Which options are filled; a gap, or fewer than two, is a problem.
fn check_options(place: &mut Place, columns: &Columns, row: &Row, texts: &[String]) -> Vec<bool> {
    let filled: Vec<bool> = texts.iter().map(|t| !t.is_empty()).collect();
    if columns.options[..2].iter().any(Option::is_none) {
        // Already reported once for the header; a problem in every row would bury it.
        return filled;
    }
    if let Some(last) = filled.iter().rposition(|f| *f) {
        let gaps: Vec<usize> = (0..last).filter(|i| !filled[*i]).collect();
        if let Some(first_gap) = gaps.first() {
            // Point at the first empty option where it can be typed, else at the filled one.
            let at = columns.options[*first_gap]
                .as_ref()
                .or(columns.options[last].as_ref());
            let (noun, verb) = match gaps.len() {
                1 => ("option", "is"),
                _ => ("options", "are"),
            };
            place.problem(
                Some(row.number),
                at,
                format!(
                    "{noun} {} {verb} empty but option {} is filled: options go from A without \
                     a gap",
                    letters(&gaps),
                    OPTION_LETTERS[last]
                ),
            );
        }
    }
    let count = filled.iter().filter(|f| **f).count();
    if count < 2 {
        let first_empty = filled.iter().position(|f| !*f).unwrap_or(0);
        place.problem(
            Some(row.number),
            columns.options[first_empty].as_ref(),
            format!("a multiple-choice question needs at least 2 options (A and B), found {count}"),
        );
    }
    filled
}

/// The answer of a multiple-choice question as its option's letter (`b` → `B`); it must name a
/// filled option.
fn check_answer_letter(
    place: &mut Place,
    row: &Row,
    column: &Column,
    raw: &str,
    filled: &[bool],
) -> String {
    let letter = raw.to_uppercase();
    let present: Vec<usize> = (0..filled.len()).filter(|i| filled[*i]).collect();
    let known = present
        .iter()
        .any(|i| OPTION_LETTERS[*i].to_string() == letter);
    if !known {
        let options = match present.as_slice() {
            [] => "(there are none)".to_string(),
            // Contiguous from A, as they should be: "A–D".
            [0, .., last] if present.len() == last + 1 => format!("A–{}", OPTION_LETTERS[*last]),
            _ => letters(&present),
        };
        place.problem(
            Some(row.number),
            Some(column),
            format!(
                "the answer \"{}\" is not one of the options {options}",
                short(raw)
            ),
        );
    }
    letter
}

/// Text for the text columns: trimmed, one kind of line break, NFC. Numbers as Excel shows them.
fn text_of(cell: &Cell) -> Result<String, String> {
    match cell {
        Cell::Date(date) => Err(format!(
            "a date or time cell ({date}): Excel turned what was typed into a date; format the \
             column as Text, or type an apostrophe first ('2/9/1945), so that it reads as typed"
        )),
        Cell::Error(error) => Err(format!(
            "the cell shows the Excel error {error}: fix its formula or type the value"
        )),
        cell => Ok(display_text(cell).nfc().collect()),
    }
}

/// What a cell shows, trimmed.
fn display_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.trim().to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Number(f) => number_text(*f),
        Cell::Bool(true) => "TRUE".into(),
        Cell::Bool(false) => "FALSE".into(),
        Cell::Date(s) | Cell::Error(s) => s.clone(),
    }
}

/// A number as Excel shows it in a General cell: whole numbers without `.0`, at most 15
/// significant digits (so a formula's 0.30000000000000004 reads 0.3).
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole and within i64: `as` is exact here; `+ 0.0` drops the sign of -0.
        return format!("{}", (f + 0.0) as i64);
    }
    if !f.is_finite() {
        return f.to_string();
    }
    let whole_digits = if f.abs() >= 1.0 {
        f.abs().log10().floor() as i32 + 1
    } else {
        0
    };
    let decimals = usize::try_from((15 - whole_digits).max(0)).unwrap_or(0);
    let text = format!("{f:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Points: empty, or a whole number from 0 to [`MAX_POINTS`].
fn points_of(cell: &Cell) -> Result<Option<i64>, String> {
    let wrong = |shown: String| {
        format!(
            "the points must be a whole number from 0 to {MAX_POINTS}, found \"{}\"",
            short(&shown)
        )
    };
    let points = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(i) => *i,
        // Excel keeps every number as a float: 10 comes as 10.0.
        Cell::Number(f) if f.fract() == 0.0 && f.abs() <= MAX_POINTS as f64 => *f as i64,
        Cell::Text(s) => {
            let s = s.trim();
            let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong(s.to_string()));
            }
            s.parse::<i64>().map_err(|_| wrong(s.to_string()))?
        }
        other => return Err(wrong(display_text(other))),
    };
    if (0..=MAX_POINTS).contains(&points) {
        Ok(Some(points))
    } else {
        Err(wrong(points.to_string()))
    }
}

/// Time: empty, or seconds above 0 and at most [`MAX_TIME_SECONDS`], in milliseconds.
fn time_ms_of(cell: &Cell) -> Result<Option<u64>, String> {
    let wrong = |shown: &str| {
        format!(
            "the time must be a number of seconds above 0 and at most {MAX_TIME_SECONDS} (10 \
             minutes), found \"{}\"",
            short(shown)
        )
    };
    let seconds = match cell {
        Cell::Empty => return Ok(None),
        Cell::Int(i) => *i as f64,
        Cell::Number(f) => *f,
        Cell::Text(s) => decimal(s.trim()).ok_or_else(|| wrong(s.trim()))?,
        Cell::Date(shown) => {
            return Err(format!(
                "a time cell ({shown}): type the number of seconds instead, e.g. 30"
            ));
        }
        other => return Err(wrong(&display_text(other))),
    };
    let ms = (seconds * 1000.0).round();
    if seconds.is_finite() && ms >= 1.0 && seconds <= MAX_TIME_SECONDS {
        // Within 1..=600_000, so the conversion is exact.
        Ok(Some(ms as u64))
    } else {
        Err(wrong(&display_text(cell)))
    }
}

/// A plain decimal number: digits, with one `.` or `,` (the Vietnamese decimal mark) between
/// digits; no sign, exponent or grouping, which `str::parse` would take (`inf`, `1e3`).
fn decimal(s: &str) -> Option<f64> {
    let (whole, fraction) = match s.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (s, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !fraction.is_none_or(digits) {
        return None;
    }
    match fraction {
        Some(fraction) => format!("{whole}.{fraction}").parse().ok(),
        None => whole.parse().ok(),
    }
}

/// An image path: relative, inside the sheet's folder, and an image file there that may be shown
/// (see [`crate::media`]). Returns the path with `/` between folders, spelt as it names the file.
fn image_of(raw: &str, folder: &Path) -> Result<String, String> {
    // Organisers on Windows type `hinh\cau1.png`.
    let path = raw.trim().replace('\\', "/");
    let found = media::open(folder, &path, "the sheet's folder")?;
    Ok(found.spelling)
}

/// Question text folded for finding duplicates: case and spacing ignored, accents kept ("Bắc"
/// and "Bác" are different questions).
fn duplicate_key(text: &str) -> String {
    one_line(text).to_lowercase()
}

/// `A, B and C` for option indexes.
fn letters(indexes: &[usize]) -> String {
    let names: Vec<String> = indexes
        .iter()
        .filter_map(|i| OPTION_LETTERS.get(*i).map(char::to_string))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Text with every run of spaces and line breaks made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value quoted in a message: on one line, and cut after 60 characters.
fn short(value: &str) -> String {
    let line = one_line(value);
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(57).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests;
