//! The columns of a question sheet and the headers that name them (the table is in
//! [`crate::sheets`]).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What a column of a question sheet holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// The row numbers organisers keep ("STT"); not read.
    Ordinal,
    /// The question text.
    Question,
    /// Option A (0) to D (3) of a multiple-choice question.
    Option(usize),
    /// The answer key.
    Answer,
    /// Points for a correct answer.
    Points,
    /// Time to answer, in seconds.
    Time,
    /// An image shown with the question.
    Image,
    /// The MC's private notes.
    Notes,
}

/// The letters of the options, in order.
pub(crate) const OPTION_LETTERS: [char; 4] = ['A', 'B', 'C', 'D'];

/// Recognised headers, as [`header_key`] writes them.
const HEADERS: &[(&str, Field)] = &[
    ("stt", Field::Ordinal),
    ("no", Field::Ordinal),
    ("no.", Field::Ordinal),
    ("#", Field::Ordinal),
    ("cau hoi", Field::Question),
    ("noi dung cau hoi", Field::Question),
    ("question", Field::Question),
    ("dap an", Field::Answer),
    ("dap an dung", Field::Answer),
    ("answer", Field::Answer),
    ("correct answer", Field::Answer),
    ("diem", Field::Points),
    ("so diem", Field::Points),
    ("points", Field::Points),
    // Only seconds: "Thời gian (phút)" must not be read as seconds, so it stays unknown.
    ("thoi gian", Field::Time),
    ("thoi gian (giay)", Field::Time),
    ("thoi gian (s)", Field::Time),
    ("time", Field::Time),
    ("time (s)", Field::Time),
    ("time (seconds)", Field::Time),
    ("hinh anh", Field::Image),
    ("anh", Field::Image),
    ("image", Field::Image),
    ("ghi chu", Field::Notes),
    ("notes", Field::Notes),
    ("note", Field::Notes),
];

/// Option headers before the letter: "A", "Phương án A", "Đáp án A", "Option A".
const OPTION_PREFIXES: &[&str] = &["", "phuong an ", "dap an ", "option "];

/// The field a header names, if it is one of the recognised headers.
pub(crate) fn field_of(header: &str) -> Option<Field> {
    let key = header_key(header);
    if let Some((_, field)) = HEADERS.iter().find(|(known, _)| *known == key) {
        return Some(*field);
    }
    OPTION_PREFIXES.iter().find_map(|prefix| {
        let letter = key.strip_prefix(prefix)?;
        let mut chars = letter.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return None;
        };
        OPTION_LETTERS
            .iter()
            .position(|l| l.to_ascii_lowercase() == c)
            .map(Field::Option)
    })
}

/// A header folded for matching: lowercase, accents and `đ` taken off, spaces collapsed, a
/// trailing `:` dropped, a space before `(` — so "Thời gian(giây):" matches "thoi gian (giay)".
pub(crate) fn header_key(header: &str) -> String {
    let folded: String = header
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .replace('(', " (");
    let collapsed = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches(':').trim_end().to_string()
}

/// Excel's name of the column at `index` (0-based): A … Z, AA, AB …
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        // `rem` < 26, so the byte is an ASCII capital.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_in_any_case_with_or_without_accents() {
        for header in [
            "Câu hỏi",
            "CÂU HỎI",
            "cau hoi",
            " Câu  hỏi: ",
            "Question",
            // Combining marks (NFD), as some Mac-made files have them.
            "Ca\u{302}u ho\u{309}i",
        ] {
            assert_eq!(field_of(header), Some(Field::Question), "{header:?}");
        }
        assert_eq!(field_of("Đáp án"), Some(Field::Answer));
        assert_eq!(field_of("ĐÁP ÁN ĐÚNG"), Some(Field::Answer));
        assert_eq!(field_of("Thời gian (giây)"), Some(Field::Time));
        assert_eq!(field_of("Thời gian(giây)"), Some(Field::Time));
        assert_eq!(field_of("Time (s)"), Some(Field::Time));
        assert_eq!(field_of("Điểm"), Some(Field::Points));
        assert_eq!(field_of("Hình ảnh"), Some(Field::Image));
        assert_eq!(field_of("Ghi chú"), Some(Field::Notes));
        assert_eq!(field_of("STT"), Some(Field::Ordinal));
    }

    #[test]
    fn option_headers_name_their_letter() {
        assert_eq!(field_of("A"), Some(Field::Option(0)));
        assert_eq!(field_of("b"), Some(Field::Option(1)));
        assert_eq!(field_of("Phương án C"), Some(Field::Option(2)));
        assert_eq!(field_of("Đáp án D"), Some(Field::Option(3)));
        assert_eq!(field_of("Option A"), Some(Field::Option(0)));
        assert_eq!(field_of("E"), None);
        assert_eq!(field_of("Phương án AB"), None);
    }

    #[test]
    fn near_misses_are_not_recognised() {
        // A typo, or a unit other than seconds, must be refused rather than guessed.
        assert_eq!(field_of("Đáp áp"), None);
        assert_eq!(field_of("Thời gian (phút)"), None);
        assert_eq!(field_of("Time (min)"), None);
        assert_eq!(field_of(""), None);
    }

    #[test]
    fn column_letters_are_excels() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
