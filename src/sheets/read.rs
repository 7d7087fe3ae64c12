//! Reading an `.xlsx` worksheet or a `.csv` file into rows of cells, numbered as Excel shows them.

use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::columns::header_key;

/// One cell's value, whatever the format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// Nothing, or only spaces.
    Empty,
    /// Text as typed (line breaks as `\n`).
    Text(String),
    /// A whole number cell.
    Int(i64),
    /// A number cell (Excel keeps every number as a float: 10 comes as 10.0).
    Number(f64),
    /// A TRUE / FALSE cell.
    Bool(bool),
    /// A date or time cell, written for people (`1945-09-02`, `00:00:30`).
    Date(String),
    /// A cell showing an Excel error such as `#N/A`.
    Error(String),
}

impl Cell {
    fn text(s: &str) -> Cell {
        if s.trim().is_empty() {
            Cell::Empty
        } else {
            // One kind of line break, whichever program wrote the file.
            Cell::Text(s.replace("\r\n", "\n").replace('\r', "\n"))
        }
    }
}

/// A row of the sheet: its 1-based number as Excel shows it, and its cells from column A.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    /// 1-based.
    pub(crate) number: usize,
    /// From column A on; rows may differ in length.
    pub(crate) cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| *c == Cell::Empty)
    }

    pub(crate) fn cell(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }
}

/// Why a file could not be read at all.
#[derive(Debug, PartialEq)]
pub(crate) struct ReadError {
    pub(crate) message: String,
}

fn fail(message: impl Into<String>) -> ReadError {
    ReadError {
        message: message.into(),
    }
}

const SAVE_AS_CSV_UTF8: &str = "in Excel choose Save As, \"CSV UTF-8 (Comma delimited) (*.csv)\"";

/// Reads a CSV file: UTF-8 with or without a BOM, separated by `,`, `;` (as Excel writes in a
/// Vietnamese locale) or tabs, told apart on the header line; a first line `sep=;` is obeyed as
/// Excel does.
pub(crate) fn csv_rows(path: &Path) -> Result<Vec<Row>, ReadError> {
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    csv_rows_from_bytes(&bytes)
}

pub(crate) fn csv_rows_from_bytes(bytes: &[u8]) -> Result<Vec<Row>, ReadError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(fail(format!(
            "the file is UTF-16 text (Excel's \"Unicode Text\"), not CSV: {SAVE_AS_CSV_UTF8}"
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        ReadError {
            // Excel's plain "CSV (Comma delimited)" writes the Windows code page, which cannot
            // hold every Vietnamese letter: the one fix is to save as UTF-8.
            message: format!(
                "line {line} is not UTF-8 text (Excel's plain \"CSV\" loses Vietnamese letters): \
                 {SAVE_AS_CSV_UTF8}"
            ),
        }
    })?;
    let (text, delimiter) = match sep_line(text) {
        Some((rest, delimiter)) => (rest, delimiter),
        None => (text, guess_delimiter(text)),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The csv crate skips blank lines and a record may span lines (a quoted line break), while
    // Excel shows each blank line as a row and each record as one: count rows as Excel does.
    let mut line_breaks_before = 0; // '\n' before the record's start
    let mut inside_records = 0; // '\n' inside the fields of the records read so far
    let mut next_start = 0; // where the csv reader stopped
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| fail(format!("cannot read the CSV: {e}")))?;
        if !more {
            break;
        }
        // The record starts after the line breaks of any blank lines the reader skipped.
        let rest = text.get(next_start..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
        let start = next_start + skipped;
        line_breaks_before += text
            .get(next_start..start)
            .unwrap_or("")
            .matches('\n')
            .count();
        let number = 1 + line_breaks_before - inside_records;
        let inside: usize = record.iter().map(|f| f.matches('\n').count()).sum();
        inside_records += inside;
        next_start = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        line_breaks_before += text
            .get(start..next_start)
            .unwrap_or("")
            .matches('\n')
            .count();
        rows.push(Row {
            number,
            cells: record.iter().map(Cell::text).collect(),
        });
    }
    Ok(rows)
}

/// Excel's `sep=;` first line: the text after it and the separator it names.
fn sep_line(text: &str) -> Option<(&str, u8)> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let sep = first.trim_end_matches('\r').strip_prefix("sep=")?;
    match sep.as_bytes() {
        [b] => Some((rest, *b)),
        _ => None,
    }
}

/// The separator of the header line (the first non-blank one): whichever of `;`, tab and `,`
/// appears most outside quotes; `,` when none does.
fn guess_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(count) = counts.iter_mut().find(|(d, _)| *d == b) {
            count.1 += 1;
        }
    }
    // Ties go to the comma, the first listed.
    counts
        .iter()
        .fold((b',', 0), |best, c| if c.1 > best.1 { *c } else { best })
        .0
}

/// Reads one worksheet of an `.xlsx` workbook (the first when `sheet` is `None`), returning its
/// name and rows. An unknown sheet name is refused with the names present.
pub(crate) fn xlsx_rows(path: &Path, sheet: Option<&str>) -> Result<(String, Vec<Row>), ReadError> {
    let mut workbook: Xlsx<_> = calamine::open_workbook(path).map_err(|e| {
        fail(format!(
            "cannot read the file as an Excel workbook (.xlsx): {e}"
        ))
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("the workbook has no worksheet"))?,
        Some(wanted) => find_sheet(&names, wanted)?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| fail(format!("cannot read sheet {name}: {e}")))?;
    let Some((first_row, first_column)) = range.start() else {
        return Ok((name, Vec::new()));
    };
    // Positions are absolute, so a sheet whose data starts at C3 still names C3.
    let (first_row, first_column) = (first_row as usize, first_column as usize);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            number: first_row + i + 1,
            cells: std::iter::repeat_n(Cell::Empty, first_column)
                .chain(cells.iter().map(cell_of))
                .collect(),
        })
        .collect();
    Ok((name, rows))
}

/// The sheet named `wanted`: exactly, or else the one sheet whose name matches ignoring case,
/// accents and spaces (a contest file typed on another keyboard).
fn find_sheet(names: &[String], wanted: &str) -> Result<String, ReadError> {
    if let Some(name) = names.iter().find(|n| n.as_str() == wanted) {
        return Ok(name.clone());
    }
    let key = header_key(wanted);
    let near: Vec<_> = names.iter().filter(|n| header_key(n) == key).collect();
    if let [name] = near.as_slice() {
        return Ok((*name).clone());
    }
    let listed = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Err(fail(format!(
        "there is no sheet \"{wanted}\"; the sheets are {listed}"
    )))
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            Cell::Date(if dt.as_f64().abs() < 1.0 || dt.is_duration() {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            })
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Date(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row]) -> Vec<(usize, Vec<String>)> {
        rows.iter()
            .map(|r| {
                let cells = r
                    .cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(s) => s.clone(),
                        Cell::Empty => String::new(),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (r.number, cells)
            })
            .collect()
    }

    fn row(number: usize, cells: &[&str]) -> (usize, Vec<String>) {
        (number, cells.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn rows_are_numbered_as_excel_shows_them() {
        // Blank lines are rows too; a quoted line break stays inside its row.
        let csv = "Câu hỏi,Đáp án\n\nMột,\"hai\nba\"\r\n\r\nBốn,năm\n";
        let rows = csv_rows_from_bytes(csv.as_bytes()).unwrap();
        assert_eq!(
            texts(&rows),
            vec![
                row(1, &["Câu hỏi", "Đáp án"]),
                row(3, &["Một", "hai\nba"]),
                row(5, &["Bốn", "năm"]),
            ]
        );
    }

    #[test]
    fn quoted_crlf_becomes_one_line_break_and_keeps_row_numbers() {
        let csv = "q,a\r\n\"x\r\ny\r\nz\",1\r\nw,2\r\n";
        let rows = csv_rows_from_bytes(csv.as_bytes()).unwrap();
        assert_eq!(
            texts(&rows),
            vec![
                row(1, &["q", "a"]),
                row(2, &["x\ny\nz", "1"]),
                row(3, &["w", "2"])
            ]
        );
    }

    #[test]
    fn separator_is_told_from_the_header_line() {
        assert_eq!(guess_delimiter("Câu hỏi;Đáp án;Điểm\n1,5;2,5;3"), b';');
        assert_eq!(guess_delimiter("\n\nCâu hỏi,Đáp án\n"), b',');
        assert_eq!(guess_delimiter("\"a;b\",c\n"), b',');
        assert_eq!(guess_delimiter("a\tb\tc"), b'\t');
        assert_eq!(guess_delimiter("Câu hỏi"), b',');
        let rows = csv_rows_from_bytes("sep=;\nq;a\nx,y;z\n".as_bytes()).unwrap();
        assert_eq!(
            texts(&rows),
            vec![row(1, &["q", "a"]), row(2, &["x,y", "z"])]
        );
    }

    #[test]
    fn a_bom_is_dropped_and_other_encodings_are_refused() {
        let rows = csv_rows_from_bytes("\u{feff}Câu hỏi,Đáp án\n".as_bytes()).unwrap();
        assert_eq!(texts(&rows), vec![row(1, &["Câu hỏi", "Đáp án"])]);

        // "Câu" in Windows-1258, as Excel's plain CSV writes it, on line 2.
        let err = csv_rows_from_bytes(b"q,a\nC\xe2u,1\n").unwrap_err();
        assert!(
            err.message.starts_with("line 2 is not UTF-8"),
            "{}",
            err.message
        );
        assert!(err.message.contains("CSV UTF-8"), "{}", err.message);

        let err = csv_rows_from_bytes(b"\xff\xfeq\x00").unwrap_err();
        assert!(err.message.contains("UTF-16"), "{}", err.message);
    }

    #[test]
    fn sheets_are_found_by_exact_or_folded_name() {
        let names = vec!["Kiến thức".to_string(), "Tình huống".to_string()];
        assert_eq!(find_sheet(&names, "Kiến thức").unwrap(), "Kiến thức");
        assert_eq!(find_sheet(&names, "kien thuc").unwrap(), "Kiến thức");
        let err = find_sheet(&names, "Khởi động").unwrap_err();
        assert_eq!(
            err.message,
            "there is no sheet \"Khởi động\"; the sheets are \"Kiến thức\", \"Tình huống\""
        );
    }
}
