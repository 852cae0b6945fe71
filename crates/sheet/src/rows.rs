//! Converting the rows of a [`Table`] into the domain's `*Fields`, reporting every problem of every
//! row by the sheet's row number and the column's Chinese header.

use std::collections::HashMap;

use gongjin_domain::i18n::{Locale, has, t, tf};
use gongjin_domain::inputs::{SchoolFields, TeacherFields, split_subjects};
use gongjin_domain::newtypes::{SchoolCode, clean_ascii, clean_text};
use gongjin_domain::{FieldError, ValidationErrors};
use serde::Serialize;

use crate::read::{Row, Table};

/// A problem in one row: the sheet's own row number, the column (its Chinese header text), and a
/// catalogue key with its argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
}

impl RowError {
    fn new(row: usize, column: &str, key: &str, arg: Option<String>) -> RowError {
        RowError {
            row,
            column: column.to_owned(),
            key: key.to_owned(),
            arg,
        }
    }

    /// `第5行 学校标识码：应为10位数字，实际为“123”`, or in English
    /// `Row 5, 学校标识码: must be 10 digits, got "123"` (the column keeps the sheet's header text).
    pub fn message(&self, locale: Locale) -> String {
        let reason = match &self.arg {
            Some(a) => tf(locale, &self.key, a),
            None => t(locale, &self.key).to_owned(),
        };
        let row = if has(locale, "sheet.row") {
            tf(locale, "sheet.row", &self.row.to_string())
        } else if locale == Locale::ZhCn {
            format!("第{}行", self.row)
        } else {
            format!("Row {}", self.row)
        };
        match locale {
            Locale::ZhCn => format!("{row} {}：{reason}", self.column),
            Locale::En => format!("{row}, {}: {reason}", self.column),
        }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Locale::ZhCn))
    }
}

/// A school row that converted and validated. `fields.region_id` is 0: the caller resolves
/// `region_name` (所属区域).
#[derive(Debug, Clone)]
pub struct SchoolRow {
    pub number: usize,
    pub region_name: String,
    pub fields: SchoolFields,
}

/// A teacher row that converted and validated. `fields.school_id` is 0: the caller resolves
/// `school_code` (学校标识码, ten digits).
#[derive(Debug, Clone)]
pub struct TeacherRow {
    pub number: usize,
    pub school_code: String,
    pub fields: TeacherFields,
}

/// The schools column that reports a `SchoolFields` field's errors.
pub fn school_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "学校名称",
        "code" => "学校标识码",
        "region_id" | "region" => "所属区域",
        "stage" => "学段",
        "locality" => "城乡类型",
        "ownership" => "办学性质",
        "address" => "地址",
        "longitude" => "经度",
        "latitude" => "纬度",
        "primary_enrolment" => "小学在校生数",
        "junior_enrolment" => "初中在校生数",
        "class_count" => "班级数",
        _ => return None,
    })
}

/// The teachers column that reports a `TeacherFields` field's errors.
pub fn teacher_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "staff_number" => "教师编号",
        "name" => "姓名",
        "gender" => "性别",
        "birth_year" => "出生年份",
        "school_id" | "school_code" => "学校标识码",
        "subjects" => "任教学科",
        "title" => "职称",
        "backbone_level" => "骨干级别",
        "years_at_school" => "本校任教年限",
        "phone" => "手机号码",
        "degree_above_standard" => "高于规定学历",
        _ => return None,
    })
}

/// The errors of one row being converted.
struct RowCheck<'a> {
    row: &'a Row,
    errors: Vec<RowError>,
}

impl<'a> RowCheck<'a> {
    fn new(row: &'a Row) -> Self {
        RowCheck {
            row,
            errors: vec![],
        }
    }

    fn push(&mut self, column: &str, key: &str, arg: Option<String>) {
        self.errors
            .push(RowError::new(self.row.number, column, key, arg));
    }

    fn text(&self, column: &str) -> String {
        clean_text(self.row.get(column))
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.text(column)).filter(|s| !s.is_empty())
    }

    /// A decimal cell; `Err` (reported) when it is not a number.
    fn float(&mut self, column: &str) -> Result<Option<f64>, ()> {
        let raw = self.row.get(column);
        match parse_float(raw) {
            Ok(v) => Ok(v),
            Err(()) => {
                self.push(column, "error.number", Some(clean_text(raw)));
                Err(())
            }
        }
    }

    /// A whole-number cell; `None` (reported) when it is not one.
    fn int(&mut self, column: &str) -> Option<i64> {
        let raw = self.row.get(column);
        match parse_int(raw) {
            Ok(v) => v,
            Err(()) => {
                self.push(column, "error.integer", Some(clean_text(raw)));
                None
            }
        }
    }

    /// Reports the validation errors, skipping fields the caller fills in (`skip`) and those
    /// `also_skip` says are consequences of a cell already reported.
    fn validation(
        &mut self,
        result: Result<(), ValidationErrors>,
        column: fn(&str) -> Option<&'static str>,
        skip: &str,
        also_skip: impl Fn(&FieldError) -> bool,
    ) {
        if let Err(v) = result {
            for e in v.0 {
                if e.field == skip || also_skip(&e) {
                    continue;
                }
                let col = column(&e.field).map_or(e.field.clone(), str::to_owned);
                self.push(&col, &e.key, e.arg);
            }
        }
    }

    /// Reports a second occurrence of `key` in `column` (a code or staff number) in the file.
    fn unique(&mut self, seen: &mut HashMap<String, usize>, column: &str, key: String) {
        if key.is_empty() {
            return;
        }
        match seen.get(&key) {
            Some(first) => {
                let first = first.to_string();
                self.push(column, "error.duplicate_in_file", Some(first));
            }
            None => {
                seen.insert(key, self.row.number);
            }
        }
    }
}

/// `"1200"`, `"1200.0"`, `"1,200"`, `"１２００"` are 1200; empty is `None`.
pub(crate) fn parse_int(raw: &str) -> Result<Option<i64>, ()> {
    let Some(f) = parse_float(raw)? else {
        return Ok(None);
    };
    if f.fract() == 0.0 && f.abs() <= 9.0e15 {
        Ok(Some(f as i64))
    } else {
        Err(())
    }
}

/// A finite decimal; thousands separators (`1,200.5`) and full-width digits accepted.
pub(crate) fn parse_float(raw: &str) -> Result<Option<f64>, ()> {
    let s = clean_ascii(raw);
    if s.is_empty() {
        return Ok(None);
    }
    let s = strip_thousands(&s).ok_or(())?;
    // Only plain decimal notation (with an optional exponent): Rust would also take "inf", "NaN".
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(());
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Some(f)),
        _ => Err(()),
    }
}

/// Removes thousands separators when they are in the right places (`1,234,567.8`); `None` when a
/// comma is somewhere else (`12,34`).
fn strip_thousands(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_owned());
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut groups = int.split(',');
    let head = groups.next()?;
    let digits = head.trim_start_matches(['-', '+']);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = head.to_owned();
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(g);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// Converts every school row. Returns the good rows and one [`RowError`] per bad cell of every bad
/// row. Also reports a 学校标识码 that appears twice in the file (naming the first row).
pub fn parse_school_rows(table: &Table) -> (Vec<SchoolRow>, Vec<RowError>) {
    let mut good = vec![];
    let mut errors = vec![];
    let mut seen = HashMap::new();
    for row in &table.rows {
        let mut c = RowCheck::new(row);
        let region_name = c.text("所属区域");
        if region_name.is_empty() {
            c.push("所属区域", "error.required", None);
        }
        let longitude = c.float("经度");
        let latitude = c.float("纬度");
        let coordinates_reported = longitude.is_err() || latitude.is_err();
        let fields = SchoolFields {
            name: c.text("学校名称"),
            code: clean_ascii(row.get("学校标识码")),
            region_id: 0,
            stage: c.text("学段"),
            locality: c.text("城乡类型"),
            ownership: c.optional("办学性质"),
            address: c.optional("地址"),
            longitude: longitude.unwrap_or(None),
            latitude: latitude.unwrap_or(None),
            primary_enrolment: c.int("小学在校生数"),
            junior_enrolment: c.int("初中在校生数"),
            class_count: c.int("班级数"),
        };
        c.validation(
            fields.validate().map(drop),
            school_column,
            "region_id",
            |e| coordinates_reported && e.key == "error.coordinates_pair",
        );
        c.unique(&mut seen, "学校标识码", fields.code.clone());
        if c.errors.is_empty() {
            good.push(SchoolRow {
                number: row.number,
                region_name,
                fields,
            });
        } else {
            errors.append(&mut c.errors);
        }
    }
    (good, errors)
}

/// Converts every teacher row, like [`parse_school_rows`]; a 教师编号 twice in the file is
/// reported. 学校标识码 must be present and ten digits (the caller resolves it to a school).
pub fn parse_teacher_rows(table: &Table) -> (Vec<TeacherRow>, Vec<RowError>) {
    let mut parser = TeacherRows::default();
    for row in &table.rows {
        parser.push(row);
    }
    parser.finish()
}

/// Reads and converts a teachers sheet in one pass, row by row as the file is read (a million-row
/// roster never sits in memory as a table): the same rows and errors as [`crate::read_table`]
/// followed by [`parse_teacher_rows`].
pub fn read_teacher_rows(
    bytes: &[u8],
    format: crate::Format,
) -> Result<(Vec<TeacherRow>, Vec<RowError>), crate::SheetError> {
    let mut parser = TeacherRows::default();
    crate::read::read_rows(bytes, format, &crate::TEACHER_REQUIRED, |row| {
        parser.push(&row)
    })?;
    Ok(parser.finish())
}

/// Teacher rows converted one at a time.
#[derive(Debug, Default)]
pub struct TeacherRows {
    good: Vec<TeacherRow>,
    errors: Vec<RowError>,
    seen: HashMap<String, usize>,
}

impl TeacherRows {
    /// Converts one row, keeping it or its errors.
    pub fn push(&mut self, row: &Row) {
        let mut c = RowCheck::new(row);
        let school_code = match SchoolCode::parse(row.get("学校标识码")) {
            Ok(code) => code.as_str().to_owned(),
            Err(e) => {
                c.push("学校标识码", &e.key, e.arg);
                String::new()
            }
        };
        let birth = row.get("出生年份").trim_end_matches('年').to_owned();
        let birth_year = match parse_int(&birth) {
            Ok(v) => v,
            Err(()) => {
                c.push(
                    "出生年份",
                    "error.integer",
                    Some(clean_text(row.get("出生年份"))),
                );
                None
            }
        };
        // optional column: sheets without it import as before (no)
        let degree = match clean_text(row.get("高于规定学历")).as_str() {
            "" => None,
            d => match gongjin_domain::inputs::parse_yes_no(d) {
                Some(b) => Some(b),
                None => {
                    c.push("高于规定学历", "error.choice", Some(d.to_owned()));
                    None
                }
            },
        };
        let fields = TeacherFields {
            staff_number: clean_ascii(row.get("教师编号")),
            name: c.text("姓名"),
            gender: c.text("性别"),
            birth_year,
            school_id: 0,
            subjects: split_subjects(row.get("任教学科")),
            title: c.optional("职称"),
            backbone_level: c.optional("骨干级别"),
            years_at_school: c.int("本校任教年限"),
            phone: c.optional("手机号码"),
            status: None,
            degree_above_standard: degree,
        };
        c.validation(
            fields.validate().map(drop),
            teacher_column,
            "school_id",
            |_| false,
        );
        c.unique(&mut self.seen, "教师编号", fields.staff_number.clone());
        if c.errors.is_empty() {
            self.good.push(TeacherRow {
                number: row.number,
                school_code,
                fields,
            });
        } else {
            self.errors.append(&mut c.errors);
        }
    }

    /// The good rows and the errors of the bad ones.
    pub fn finish(self) -> (Vec<TeacherRow>, Vec<RowError>) {
        (self.good, self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_spreadsheet_spellings() {
        assert_eq!(parse_int("1200"), Ok(Some(1200)));
        assert_eq!(parse_int("1200.0"), Ok(Some(1200)));
        assert_eq!(parse_int("1,200"), Ok(Some(1200)));
        assert_eq!(parse_int(" １２００　"), Ok(Some(1200)));
        assert_eq!(parse_int(""), Ok(None));
        assert_eq!(parse_int("12.5"), Err(()));
        assert_eq!(parse_int("abc"), Err(()));
        assert_eq!(parse_int("12,00"), Err(()));
        assert_eq!(parse_int("inf"), Err(()));
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_float("113.37"), Ok(Some(113.37)));
        assert_eq!(parse_float("1,234.5"), Ok(Some(1234.5)));
        assert_eq!(parse_float("-3"), Ok(Some(-3.0)));
        assert_eq!(parse_float("NaN"), Err(()));
        assert_eq!(parse_float("11a"), Err(()));
        assert_eq!(parse_float("1e999"), Err(()));
    }

    #[test]
    fn row_error_messages() {
        let e = RowError::new(5, "学校标识码", "error.school_code", Some("123".into()));
        assert_eq!(
            e.message(Locale::ZhCn),
            "第5行 学校标识码：应为10位数字，实际为“123”"
        );
        assert_eq!(
            e.message(Locale::En),
            "Row 5, 学校标识码: must be 10 digits, got \"123\""
        );
        assert_eq!(e.to_string(), e.message(Locale::ZhCn));
        let e = RowError::new(7, "所属区域", "error.required", None);
        assert_eq!(e.to_string(), "第7行 所属区域：必填");
    }
}
