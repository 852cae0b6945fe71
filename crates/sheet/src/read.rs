//! Reading a sheet: bytes of an `.xlsx` or `.csv` file into a [`Table`] of rows keyed by header.

use std::borrow::Cow;
use std::io::Cursor;
use std::sync::Arc;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx};
use gongjin_domain::i18n::{Locale, has, t, tf};
use gongjin_domain::newtypes::clean_text;

/// At most this many data rows are read (a province's teacher roster fits); a larger sheet is
/// refused ([`SheetError::TooLarge`]).
pub const MAX_ROWS: usize = 1_000_000;
/// Columns beyond this one (0-based) are ignored.
pub const MAX_COLUMNS: usize = 256;
/// The header row is looked for among this many first non-blank rows.
const HEADER_SEARCH_ROWS: usize = 20;

/// A spreadsheet file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// The format of a file by its extension (`.xlsx`, `.csv`, any case); `None` for anything else.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1;
        if ext.eq_ignore_ascii_case("xlsx") {
            Some(Format::Xlsx)
        } else if ext.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// The file extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
        }
    }

    /// The media type to serve a file of this format with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "CSV",
        })
    }
}

/// One data row: the spreadsheet's own 1-based row number and the cleaned cell text by header.
///
/// Stored compactly (a province's roster holds a million rows): the headers are shared by every
/// row of the sheet, and the row's cells are one string with the end offset of each column's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    headers: Arc<[String]>,
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Row {
    /// A row of `cells` under `headers` (same order; missing trailing cells are empty).
    pub fn new(number: usize, headers: Arc<[String]>, cells: &[&str]) -> Row {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(headers.len());
        for i in 0..headers.len() {
            text.push_str(cells.get(i).copied().unwrap_or(""));
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        Row {
            number,
            headers,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The cell under `header`; `""` when the column is absent or the cell empty.
    pub fn get(&self, header: &str) -> &str {
        match self.headers.iter().position(|h| h == header) {
            Some(i) => self.cell(i),
            None => "",
        }
    }

    fn cell(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// The non-empty cells as (header, text), in column order.
    pub fn cells(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.as_str(), self.cell(i)))
            .filter(|(_, v)| !v.is_empty())
    }
}

/// A sheet read: where its header row was (1-based), the headers in column order, and the
/// non-blank data rows below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// Why a file could not be read (or written) as a sheet.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not a readable file of that format: a bad zip, not a workbook, a broken CSV.
    #[error("cannot read the {format} file: {detail}")]
    Unreadable { format: Format, detail: String },
    /// A CSV file that is neither UTF-8 (with or without BOM, or UTF-16 with BOM) nor GBK.
    #[error("the CSV file is neither UTF-8 nor GBK encoded")]
    Encoding,
    /// The workbook holds no worksheet.
    #[error("the workbook has no worksheet")]
    NoWorksheet,
    /// No row among the first ones holds all required headers; these are the ones missing from
    /// the row that came closest.
    #[error("header(s) not found: {}", .0.join(", "))]
    MissingHeaders(Vec<String>),
    /// The header row was found but no data row follows it (or the sheet is blank).
    #[error("the sheet holds no data")]
    Empty,
    /// More than [`MAX_ROWS`] rows.
    #[error("too many rows, at most {0}")]
    TooLarge(usize),
    /// Writing a workbook failed (this is a bug or an impossible sheet, not the user's fault).
    #[error("cannot write the workbook: {0}")]
    Write(String),
}

/// `preferred` when the catalogue has it, else `fallback` (keys proposed but not yet catalogued).
fn key_or(locale: Locale, preferred: &'static str, fallback: &'static str) -> &'static str {
    if has(locale, preferred) {
        preferred
    } else {
        fallback
    }
}

impl SheetError {
    /// The message for people, from the catalogue (Chinese by default).
    pub fn message(&self, locale: Locale) -> String {
        match self {
            SheetError::Unreadable { format, detail } => {
                if has(locale, "error.unreadable_file") {
                    tf(locale, "error.unreadable_file", &format.to_string())
                } else {
                    tf(locale, "error.file_type", &format!("{format} ({detail})"))
                }
            }
            SheetError::Encoding => {
                if has(locale, "error.csv_encoding") {
                    t(locale, "error.csv_encoding").to_owned()
                } else {
                    tf(locale, "error.file_type", "CSV (UTF-8 / GBK)")
                }
            }
            SheetError::NoWorksheet | SheetError::Empty => {
                t(locale, "error.empty_sheet").to_owned()
            }
            SheetError::MissingHeaders(h) => {
                let sep = if locale == Locale::ZhCn { "、" } else { ", " };
                tf(locale, "error.missing_headers", &h.join(sep))
            }
            SheetError::TooLarge(n) => tf(
                locale,
                key_or(locale, "error.too_many_rows", "error.file_too_large"),
                &n.to_string(),
            ),
            SheetError::Write(_) => t(locale, "error.internal").to_owned(),
        }
    }
}

/// A non-blank row of the sheet before the header is known: its 1-based number and cleaned
/// cells by 0-based column.
struct RawRow {
    number: usize,
    cells: Vec<String>,
}

/// Reads the first worksheet (xlsx) or the CSV file, finds the header row (the first among the
/// first 20 non-blank rows whose cells hold every `required` header; title rows above it are
/// skipped) and returns the non-blank rows below it keyed by header.
///
/// Headers are matched after cleaning, ignoring spaces inside them, `*` marks and a `（必填）`/`（选填）`
/// suffix. Cells are cleaned with [`clean_text`]. Integral xlsx numbers render without `.0` or
/// exponent (`4213030001`), others with up to 15 significant digits (`113.37`); xlsx dates render as
/// `YYYY-MM-DD`. CSV may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK; a tab-separated
/// file is recognised too.
pub fn read_table(bytes: &[u8], format: Format, required: &[&str]) -> Result<Table, SheetError> {
    let mut rows = vec![];
    let head = read_rows(bytes, format, required, |row| rows.push(row))?;
    Ok(Table {
        header_row: head.header_row,
        headers: head.headers.to_vec(),
        rows,
    })
}

/// Where a sheet's header row was (1-based) and its headers in column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableHead {
    pub header_row: usize,
    pub headers: Arc<[String]>,
}

/// Reads a sheet like [`read_table`], but hands each data row to `on_row` as soon as it is read
/// instead of collecting them: a million-row roster never sits in memory as a table.
pub fn read_rows(
    bytes: &[u8],
    format: Format,
    required: &[&str],
    on_row: impl FnMut(Row),
) -> Result<TableHead, SheetError> {
    let mut assembler = Assembler::new(required, on_row);
    match format {
        Format::Xlsx => read_xlsx(bytes, &mut assembler)?,
        Format::Csv => read_csv(bytes, &mut assembler)?,
    }
    assembler.finish()
}

/// The header once found: which raw column feeds which header.
struct Head {
    header_row: usize,
    headers: Arc<[String]>,
    /// (0-based raw column, header index), the first of two same-named columns winning.
    columns: Vec<(usize, usize)>,
}

/// Turns raw rows, as the file yields them, into [`Row`]s below the header row.
struct Assembler<F> {
    required: Vec<String>,
    on_row: F,
    head: Option<Head>,
    /// Non-blank rows seen while looking for the header.
    searched: usize,
    /// The closest header candidate so far: (matched count, its normalised cells).
    best: Option<(usize, Vec<String>)>,
    rows: usize,
}

impl<F: FnMut(Row)> Assembler<F> {
    fn new(required: &[&str], on_row: F) -> Self {
        Assembler {
            required: required.iter().map(|h| normalise_header(h)).collect(),
            on_row,
            head: None,
            searched: 0,
            best: None,
            rows: 0,
        }
    }

    fn missing_headers(&self) -> SheetError {
        let names: &[String] = match &self.best {
            Some((m, names)) if *m > 0 => names,
            _ => &[],
        };
        SheetError::MissingHeaders(
            self.required
                .iter()
                .filter(|r| !names.contains(r))
                .cloned()
                .collect(),
        )
    }

    fn push(&mut self, raw: RawRow) -> Result<(), SheetError> {
        let Some(head) = &self.head else {
            let names: Vec<String> = raw.cells.iter().map(|c| normalise_header(c)).collect();
            let matched = self.required.iter().filter(|r| names.contains(r)).count();
            if matched == self.required.len() {
                let mut headers: Vec<String> = vec![];
                let mut columns = vec![];
                for (c, name) in names.into_iter().enumerate() {
                    if !name.is_empty() && !headers.contains(&name) {
                        columns.push((c, headers.len()));
                        headers.push(name);
                    }
                }
                self.head = Some(Head {
                    header_row: raw.number,
                    headers: headers.into(),
                    columns,
                });
                return Ok(());
            }
            if self.best.as_ref().is_none_or(|(m, _)| matched > *m) {
                self.best = Some((matched, names));
            }
            self.searched += 1;
            if self.searched >= HEADER_SEARCH_ROWS {
                return Err(self.missing_headers());
            }
            return Ok(());
        };
        let mut text = String::new();
        let mut ends = vec![0u32; head.headers.len()];
        let mut any = false;
        // Header indexes follow raw column order, so the text is appended in header order.
        for &(c, i) in &head.columns {
            if let Some(v) = raw.cells.get(c) {
                any |= !v.is_empty();
                text.push_str(v);
            }
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        if !any {
            return Ok(());
        }
        if self.rows >= MAX_ROWS {
            return Err(SheetError::TooLarge(MAX_ROWS));
        }
        self.rows += 1;
        (self.on_row)(Row {
            number: raw.number,
            headers: head.headers.clone(),
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        });
        Ok(())
    }

    fn finish(self) -> Result<TableHead, SheetError> {
        match self.head {
            None if self.searched == 0 => Err(SheetError::Empty),
            None => Err(self.missing_headers()),
            Some(_) if self.rows == 0 => Err(SheetError::Empty),
            Some(head) => Ok(TableHead {
                header_row: head.header_row,
                headers: head.headers,
            }),
        }
    }
}

/// A header as matched: cleaned, no spaces inside, no `*` marks, no `（必填）` suffix.
fn normalise_header(s: &str) -> String {
    let mut h: String = clean_text(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect();
    for suffix in ["（必填）", "(必填)", "（选填）", "(选填)"] {
        if let Some(stripped) = h.strip_suffix(suffix) {
            h = stripped.to_owned();
        }
    }
    h
}

fn unreadable(format: Format, e: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable {
        format,
        detail: e.to_string(),
    }
}

fn read_xlsx<F: FnMut(Row)>(bytes: &[u8], out: &mut Assembler<F>) -> Result<(), SheetError> {
    let err = |e: calamine::XlsxError| unreadable(Format::Xlsx, e);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(err)?;
    let name = book
        .sheets_metadata()
        .iter()
        .find(|s| matches!(s.typ, SheetType::WorkSheet))
        .map(|s| s.name.clone())
        .ok_or(SheetError::NoWorksheet)?;
    // Streams the cells rather than building calamine's dense range: a sheet declaring a cell at
    // XFD1048576 must not allocate seventeen billion cells. A worksheet lists its rows in order,
    // so each row is handed on when the next one starts.
    let mut reader = book.worksheet_cells_reader(&name).map_err(err)?;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = reader.next_cell().map_err(err)? {
        let (r, c) = cell.get_position();
        let c = c as usize;
        if c >= MAX_COLUMNS {
            continue;
        }
        let text = clean_text(&render(cell.get_value()));
        if text.is_empty() {
            continue;
        }
        if current.as_ref().is_some_and(|(cr, _)| *cr != r) {
            let (cr, cells) = current.take().unwrap_or_default();
            out.push(RawRow {
                number: cr as usize + 1,
                cells,
            })?;
        }
        let (_, row) = current.get_or_insert_with(|| (r, vec![]));
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    if let Some((r, cells)) = current {
        out.push(RawRow {
            number: r as usize + 1,
            cells,
        })?;
    }
    Ok(())
}

/// The text of an xlsx cell as people see it.
fn render(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => date_text(d),
        DataRef::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s.as_str()).to_owned(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// An integral number without `.0` or exponent (`4213030001`); others with at most 15 significant
/// digits, as Excel shows them (`0.1+0.2` is `0.3`, not `0.30000000000000004`).
pub(crate) fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

fn date_text(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        return number_text(d.as_f64());
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else if d.as_f64() < 1.0 {
        format!("{h:02}:{min:02}:{s:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

/// Decodes a CSV file: a BOM decides (UTF-8, UTF-16); else UTF-8 if valid; else GBK.
fn decode_csv(bytes: &[u8]) -> Result<Cow<'_, str>, SheetError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(unreadable(Format::Csv, "this is a zip (xlsx?) file"));
    }
    let text = if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (s, bad) = enc.decode_without_bom_handling(&bytes[bom..]);
        if bad {
            return Err(SheetError::Encoding);
        }
        Cow::Owned(s.into_owned())
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        Cow::Borrowed(s)
    } else {
        let (s, bad) = encoding_rs::GBK.decode_without_bom_handling(bytes);
        if bad {
            return Err(SheetError::Encoding);
        }
        Cow::Owned(s.into_owned())
    };
    if text.contains('\0') {
        return Err(unreadable(Format::Csv, "binary content"));
    }
    Ok(text)
}

fn read_csv<F: FnMut(Row)>(bytes: &[u8], out: &mut Assembler<F>) -> Result<(), SheetError> {
    let text = decode_csv(bytes)?;
    // Tab-separated when the first lines hold more tabs than commas (Excel's "Unicode text").
    let head = text.lines().take(HEADER_SEARCH_ROWS);
    let (tabs, commas) = head.fold((0, 0), |(t, c), l| {
        (t + l.matches('\t').count(), c + l.matches(',').count())
    });
    let delimiter = if tabs > commas { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // A record's row number as a spreadsheet program shows it: its physical line (the csv reader
    // skips blank lines, and its own line count is off after them) less the extra lines taken by
    // quoted multi-line cells before it.
    let bytes = text.as_bytes();
    let (mut cursor, mut line) = (0usize, 1usize);
    let mut extra_lines = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(Format::Csv, e))?;
        let mut start = record.position().map_or(cursor, |p| p.byte() as usize);
        start = start.clamp(cursor, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[cursor..start].iter().filter(|b| **b == b'\n').count();
        cursor = start;
        let number = line.saturating_sub(extra_lines).max(1);
        extra_lines += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();
        let cells: Vec<String> = record
            .iter()
            .take(MAX_COLUMNS)
            .map(|f| clean_text(unescape_formula(f)))
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        out.push(RawRow { number, cells })?;
    }
    Ok(())
}

/// Undoes the apostrophe [`crate::write_csv`] puts before text that spreadsheet programs would take
/// for a formula (`'=1+1` reads back as `=1+1`).
fn unescape_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension() {
        assert_eq!(Format::from_path("学校.xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::from_path("/tmp/a.b/学校.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_path("teachers.Csv"), Some(Format::Csv));
        assert_eq!(Format::from_path("old.xls"), None);
        assert_eq!(Format::from_path("xlsx"), None);
        assert_eq!(Format::from_path("dir.xlsx/file"), None);
    }

    #[test]
    fn numbers_render_as_people_write_them() {
        assert_eq!(number_text(4213030001.0), "4213030001");
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(113.37), "113.37");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-5.0), "-5");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    #[test]
    fn headers_normalise() {
        assert_eq!(normalise_header(" 学校 名称*"), "学校名称");
        assert_eq!(normalise_header("＊学校标识码（必填）"), "学校标识码");
        assert_eq!(normalise_header("\u{3000}所属区域\u{200B}"), "所属区域");
    }

    #[test]
    fn csv_encodings() {
        assert_eq!(decode_csv("\u{FEFF}学校".as_bytes()).unwrap(), "学校");
        let (gbk, _, _) = encoding_rs::GBK.encode("学校名称,学段");
        assert_eq!(decode_csv(&gbk).unwrap(), "学校名称,学段");
        assert_eq!(
            decode_csv(&[0xFF, 0xFF, 0xFF]).unwrap_err(),
            SheetError::Encoding
        );
        assert!(matches!(
            decode_csv(b"PK\x03\x04rest"),
            Err(SheetError::Unreadable { .. })
        ));
    }

    #[test]
    fn formula_escape_is_undone() {
        assert_eq!(unescape_formula("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unescape_formula("'abc"), "'abc");
        assert_eq!(unescape_formula("-"), "-");
    }

    #[test]
    fn error_messages_come_from_the_catalogue() {
        let e = SheetError::MissingHeaders(vec!["学段".into(), "城乡类型".into()]);
        assert_eq!(e.message(Locale::ZhCn), "找不到表头：学段、城乡类型");
        assert_eq!(e.message(Locale::En), "header(s) not found: 学段, 城乡类型");
        assert_eq!(SheetError::Empty.message(Locale::ZhCn), "表格中没有数据");
        for e in [
            SheetError::Unreadable {
                format: Format::Xlsx,
                detail: "bad zip".into(),
            },
            SheetError::Encoding,
            SheetError::NoWorksheet,
            SheetError::TooLarge(MAX_ROWS),
            SheetError::Write("x".into()),
        ] {
            for l in [Locale::ZhCn, Locale::En] {
                let m = e.message(l);
                assert!(
                    !m.is_empty() && !m.contains("⟨?⟩") && !m.contains("{}"),
                    "{m}"
                );
            }
        }
    }
}
