//! Writing sheets: exports (xlsx, CSV) and the empty import templates.

use gongjin_domain::inputs::{SchoolFields, TeacherFields};
use gongjin_domain::{BackboneLevel, Gender, Locality, Ownership, Stage};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format as XFormat, FormatAlign, FormatBorder,
    Workbook, Worksheet, XlsxError,
};

use crate::read::{Format, SheetError, number_text};
use crate::{SCHOOL_HEADERS, SCHOOL_REQUIRED, TEACHER_HEADERS, TEACHER_REQUIRED};

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Empty,
}

impl Cell {
    /// The cell as CSV and people read it.
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => number_text(*f),
            Cell::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(i: i64) -> Cell {
        Cell::Int(i)
    }
}
impl From<f64> for Cell {
    fn from(f: f64) -> Cell {
        Cell::Float(f)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

fn write_err(e: XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

/// Columns whose text Excel would mangle if it took it for a number (leading zeros, 15-digit
/// precision, scientific notation): written as text cells in a text-formatted column.
const CODE_HEADERS: [&str; 4] = ["学校标识码", "教师编号", "手机号码", "身份证号"];

/// Whether a text value looks like a code or phone number rather than words.
fn looks_like_code(s: &str) -> bool {
    s.len() >= 5
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit())
}

/// Display width of a text in Excel column units: CJK and full-width characters count double.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// A valid worksheet name: no `[]:*?/\`, at most 31 characters, not empty.
fn sheet_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let s = s.trim_matches('\'').trim().to_owned();
    if s.is_empty() { "Sheet1".to_owned() } else { s }
}

fn header_format(required: bool) -> XFormat {
    let f = XFormat::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    if required {
        f.set_font_color(Color::Red)
    } else {
        f
    }
}

/// Fills one worksheet: the bold, frozen header row (`required` headers in red) and the rows.
fn fill_sheet(
    ws: &mut Worksheet,
    name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
    required: &[&str],
) -> Result<(), XlsxError> {
    ws.set_name(sheet_name(name))?;
    let text_format = XFormat::new().set_num_format("@");
    let columns = headers
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    for col in 0..columns {
        let c = u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)?;
        let header = headers.get(col).copied().unwrap_or("");
        ws.write_string_with_format(0, c, header, &header_format(required.contains(&header)))?;
        let is_code = CODE_HEADERS.contains(&header)
            || rows
                .iter()
                .any(|r| matches!(r.get(col), Some(Cell::Text(s)) if looks_like_code(s)));
        let mut width = display_width(header);
        for (i, row) in rows.iter().enumerate() {
            let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            let cell = row.get(col).unwrap_or(&Cell::Empty);
            match cell {
                Cell::Text(s) if is_code => {
                    ws.write_string_with_format(r, c, s, &text_format)?;
                }
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                Cell::Float(f) => {
                    ws.write_number(r, c, *f)?;
                }
                Cell::Empty => {}
            }
            width = width.max(display_width(&cell.text()));
        }
        if is_code {
            ws.set_column_format(c, &text_format)?;
        }
        ws.set_column_width(c, (width.clamp(6, 60) + 2) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// An xlsx workbook of one sheet: a bold, frozen header row, columns wide enough for Chinese text,
/// code-like text (学校标识码, 教师编号, 手机号码, digits with leading zeros) stored as text in
/// text-formatted columns so Excel keeps it as written.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    fill_sheet(book.add_worksheet(), sheet_name, headers, rows, &[]).map_err(write_err)?;
    book.save_to_buffer().map_err(write_err)
}

/// One sheet of [`write_xlsx_sheets`]: name, headers, rows.
pub type SheetPart<'a> = (&'a str, &'a [&'a str], &'a [Vec<Cell>]);

/// An xlsx workbook of several sheets, each like [`write_xlsx`]'s.
pub fn write_xlsx_sheets(sheets: &[SheetPart<'_>]) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    for (name, headers, rows) in sheets {
        fill_sheet(book.add_worksheet(), name, headers, rows, &[]).map_err(write_err)?;
    }
    book.save_to_buffer().map_err(write_err)
}

/// A CSV file: UTF-8 with a BOM (so Excel opens Chinese correctly), CRLF line ends. Text that
/// spreadsheet programs would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`,
/// which [`crate::read_table`] removes again.
pub fn write_csv(headers: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = "\u{FEFF}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        // Writing to a Vec cannot fail.
        let _ = w.write_record(headers.iter().map(|h| escape_formula(h)));
        for row in rows {
            let _ = w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => escape_formula(s),
                other => other.text(),
            }));
        }
        let _ = w.flush();
    }
    out
}

fn escape_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// Which import template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    Schools,
    Teachers,
    /// School conditions for balance monitoring (办学条件).
    Conditions,
}

/// One line of the 填写说明 sheet: column, required, explanation, example.
struct Help {
    header: &'static str,
    explanation: String,
    example: &'static str,
}

fn choices<T: Copy>(all: &[T], zh: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| zh(*v)).collect()
}

fn condition_help() -> Vec<Help> {
    let h = |header, explanation: &str, example| Help {
        header,
        explanation: explanation.to_owned(),
        example,
    };
    vec![
        h(
            "学校标识码",
            "10位数字的全国学校标识码（学校须已在系统中）",
            "4213030001",
        ),
        h(
            "学年",
            "如 2025、2025-2026 或 2025学年（均指2025—2026学年）",
            "2025-2026",
        ),
        h(
            "学段",
            "小学 或 初中；九年一贯制、十二年一贯制学校按小学部、初中部各填一行",
            "小学",
        ),
        h("在校生数", "该学段在校生人数（整数）", "620"),
        h(
            "高于规定学历教师数",
            "该学段高于规定学历的专任教师数（整数）",
            "31",
        ),
        h("县级以上骨干教师数", "县级及以上骨干教师数（整数）", "7"),
        h(
            "体育艺术专任教师数",
            "体育、音乐、美术专任教师数（整数）",
            "6",
        ),
        h("教学及辅助用房面积", "平方米，可有小数", "3100.5"),
        h("体育运动场馆面积", "平方米，可有小数", "5200"),
        h("教学仪器设备值", "元，可有小数", "1350000"),
        h("网络多媒体教室数", "间（整数）", "15"),
    ]
}

fn school_help() -> Vec<Help> {
    let h = |header, explanation: String, example| Help {
        header,
        explanation,
        example,
    };
    vec![
        h(
            "学校名称",
            "学校全称，不超过64个字".into(),
            "曾都区第一中学",
        ),
        h(
            "学校标识码",
            "10位数字的全国学校标识码，在文件中不能重复".into(),
            "4213030001",
        ),
        h(
            "所属区域",
            "区域名称，须与系统中已建立的区域名称一致".into(),
            "曾都区",
        ),
        h(
            "学段",
            choices(Stage::ALL, Stage::zh).join(" / "),
            "九年一贯制",
        ),
        h(
            "城乡类型",
            choices(Locality::ALL, Locality::zh).join(" / "),
            "乡村",
        ),
        h(
            "办学性质",
            format!(
                "{}（不填默认为公办）",
                choices(Ownership::ALL, Ownership::zh).join(" / ")
            ),
            "公办",
        ),
        h("地址", "不超过200个字".into(), "曾都区白云大道1号"),
        h(
            "经度",
            "73至136之间的小数，须与纬度同时填写".into(),
            "113.37",
        ),
        h("纬度", "3至54之间的小数，须与经度同时填写".into(), "31.72"),
        h(
            "小学在校生数",
            "0至20000的整数；初中学校不填或填0".into(),
            "420",
        ),
        h(
            "初中在校生数",
            "0至20000的整数；小学不填或填0".into(),
            "380",
        ),
        h("班级数", "0至500的整数".into(), "18"),
    ]
}

fn teacher_help() -> Vec<Help> {
    let h = |header, explanation: String, example| Help {
        header,
        explanation,
        example,
    };
    vec![
        h(
            "教师编号",
            "字母、数字、短横线，不超过32位，在区域内唯一，在文件中不能重复".into(),
            "T2024001",
        ),
        h("姓名", "不超过64个字".into(), "张三"),
        h("性别", choices(Gender::ALL, Gender::zh).join(" / "), "女"),
        h("出生年份", "四位年份，1940至2010".into(), "1985"),
        h(
            "学校标识码",
            "所在学校的10位学校标识码（学校须已导入）".into(),
            "4213030001",
        ),
        h(
            "任教学科",
            "可填多个学科，用“、”或“,”分隔".into(),
            "语文、道德与法治",
        ),
        h("职称", "不超过32个字".into(), "一级教师"),
        h(
            "骨干级别",
            format!(
                "{}（不填默认为无）",
                choices(BackboneLevel::ALL, BackboneLevel::zh).join(" / ")
            ),
            "县级",
        ),
        h("本校任教年限", "0至50的整数".into(), "6"),
        h(
            "手机号码",
            "11位手机号码或带区号的固定电话".into(),
            "13812345678",
        ),
        h(
            "高于规定学历",
            "是 / 否（学历高于所在学段规定学历，可不填，不填默认为否）".into(),
            "是",
        ),
    ]
}

/// Drop-down lists of the template's vocabulary columns (a warning, not a block, on other values).
fn add_lists(ws: &mut Worksheet, headers: &[&str]) -> Result<(), XlsxError> {
    for (col, header) in headers.iter().enumerate() {
        let list = match *header {
            "学段" => choices(Stage::ALL, Stage::zh),
            "城乡类型" => choices(Locality::ALL, Locality::zh),
            "办学性质" => choices(Ownership::ALL, Ownership::zh),
            "性别" => choices(Gender::ALL, Gender::zh),
            "骨干级别" => choices(BackboneLevel::ALL, BackboneLevel::zh),
            "高于规定学历" => vec!["是", "否"],
            _ => continue,
        };
        let list = if *header == "学段" && headers.contains(&"在校生数") {
            vec!["小学", "初中"]
        } else {
            list
        };
        let v = DataValidation::new()
            .allow_list_strings(&list)?
            .set_error_style(DataValidationErrorStyle::Warning);
        let c = col as u16;
        ws.add_data_validation(1, c, 1_048_575, c, &v)?;
    }
    Ok(())
}

/// The empty import template. Sheet 1 holds just the header row (exactly [`SCHOOL_HEADERS`] or
/// [`TEACHER_HEADERS`], required ones in red, drop-downs on vocabulary columns); sheet 2 `填写说明`
/// lists each column, whether it is required, its allowed values and an example. As CSV: the header
/// row alone (UTF-8 with BOM).
pub fn template(kind: TemplateKind, format: Format) -> Result<Vec<u8>, SheetError> {
    let (name, headers, required, help): (_, &[&str], &[&str], _) = match kind {
        TemplateKind::Schools => ("学校信息", &SCHOOL_HEADERS, &SCHOOL_REQUIRED, school_help()),
        TemplateKind::Teachers => (
            "教师信息",
            &TEACHER_HEADERS,
            &TEACHER_REQUIRED,
            teacher_help(),
        ),
        TemplateKind::Conditions => (
            "办学条件",
            &crate::CONDITION_HEADERS,
            &crate::CONDITION_REQUIRED,
            condition_help(),
        ),
    };
    if format == Format::Csv {
        return Ok(write_csv(headers, &[]));
    }
    let mut book = Workbook::new();
    let build = |book: &mut Workbook| -> Result<(), XlsxError> {
        let ws = book.add_worksheet();
        fill_sheet(ws, name, headers, &[], required)?;
        add_lists(ws, headers)?;
        let rows: Vec<Vec<Cell>> = help
            .iter()
            .map(|h| {
                let req = if required.contains(&h.header) {
                    "必填"
                } else {
                    "选填"
                };
                vec![
                    h.header.into(),
                    req.into(),
                    h.explanation.clone().into(),
                    h.example.into(),
                ]
            })
            .collect();
        let notes = book.add_worksheet();
        fill_sheet(
            notes,
            "填写说明",
            &["列名", "是否必填", "说明及可选值", "示例"],
            &rows,
            &[],
        )?;
        let red = XFormat::new().set_font_color(Color::Red);
        for (i, h) in help.iter().enumerate() {
            if required.contains(&h.header) {
                notes.write_string_with_format(i as u32 + 1, 1, "必填", &red)?;
            }
        }
        let last = help.len() as u32 + 2;
        notes.write_string(
            last,
            0,
            format!(
                "说明：红色表头为必填列；请勿修改表头文字；从“{name}”表第2行起每行填写一条记录。"
            ),
        )?;
        Ok(())
    };
    build(&mut book).map_err(write_err)?;
    book.save_to_buffer().map_err(write_err)
}

/// The columns of a schools export, the same as the import template.
pub fn school_export_headers() -> &'static [&'static str] {
    &SCHOOL_HEADERS
}

/// The columns of a teachers export, the same as the import template.
pub fn teacher_export_headers() -> &'static [&'static str] {
    &TEACHER_HEADERS
}

/// The Chinese label of a vocabulary value given by key or label; the value itself otherwise.
fn label<T: Copy>(s: &str, parse: fn(&str) -> Option<T>, zh: fn(T) -> &'static str) -> String {
    parse(s).map_or_else(|| s.to_owned(), |v| zh(v).to_owned())
}

/// One export row for a school, in [`school_export_headers`] order; vocabulary values are written
/// as their Chinese labels so the export re-imports as is.
pub fn school_export_row(region_name: &str, f: &SchoolFields) -> Vec<Cell> {
    vec![
        f.name.as_str().into(),
        f.code.as_str().into(),
        region_name.into(),
        label(&f.stage, Stage::parse, Stage::zh).into(),
        label(&f.locality, Locality::parse, Locality::zh).into(),
        f.ownership
            .as_deref()
            .map(|o| label(o, Ownership::parse, Ownership::zh))
            .into(),
        f.address.clone().into(),
        f.longitude.into(),
        f.latitude.into(),
        f.primary_enrolment.into(),
        f.junior_enrolment.into(),
        f.class_count.into(),
    ]
}

/// One export row for a teacher, in [`teacher_export_headers`] order; subjects joined by `、`.
pub fn teacher_export_row(school_code: &str, f: &TeacherFields) -> Vec<Cell> {
    vec![
        f.staff_number.as_str().into(),
        f.name.as_str().into(),
        label(&f.gender, Gender::parse, Gender::zh).into(),
        f.birth_year.into(),
        school_code.into(),
        f.subjects.join("、").into(),
        f.title.clone().into(),
        f.backbone_level
            .as_deref()
            .map(|b| label(b, BackboneLevel::parse, BackboneLevel::zh))
            .into(),
        f.years_at_school.into(),
        f.phone.clone().into(),
        f.degree_above_standard
            .map(|d| if d { "是" } else { "否" })
            .into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_like_text() {
        assert!(looks_like_code("4213030001"));
        assert!(looks_like_code("0722-3456789"));
        assert!(looks_like_code("T2024001"));
        assert!(looks_like_code("007"));
        assert!(!looks_like_code("曾都区"));
        assert!(!looks_like_code("12"));
        assert!(!looks_like_code("abcdef"));
    }

    #[test]
    fn widths_and_names() {
        assert_eq!(display_width("学校abc"), 7);
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn csv_has_bom_and_escapes_formulas() {
        let out = write_csv(
            &["名称", "数"],
            &[vec!["=HYPERLINK(\"x\")".into(), Cell::Int(3)]],
        );
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with('\u{FEFF}'));
        assert_eq!(s, "\u{FEFF}名称,数\r\n\"'=HYPERLINK(\"\"x\"\")\",3\r\n");
    }
}
