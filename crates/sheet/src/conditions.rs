//! The school conditions sheet (办学条件) for balance monitoring (优质均衡): one row per school,
//! school year and stage part.

use std::collections::HashMap;

use gongjin_domain::newtypes::{SchoolCode, clean_ascii, clean_text};
use serde::Serialize;

use crate::read::{Row, Table};
use crate::rows::RowError;

/// The columns of a conditions sheet, in template and export order. All are required.
pub const CONDITION_HEADERS: [&str; 11] = [
    "学校标识码",
    "学年",
    "学段",
    "在校生数",
    "高于规定学历教师数",
    "县级以上骨干教师数",
    "体育艺术专任教师数",
    "教学及辅助用房面积",
    "体育运动场馆面积",
    "教学仪器设备值",
    "网络多媒体教室数",
];

/// The columns a conditions sheet must have (all of them).
pub const CONDITION_REQUIRED: [&str; 11] = CONDITION_HEADERS;

/// The figures of one school part in one school year. Counts are whole numbers, areas and values decimals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionFigures {
    pub enrolment: i64,
    pub degree_teachers: i64,
    pub backbone_teachers: i64,
    pub pe_art_teachers: i64,
    pub teaching_space_m2: f64,
    pub sports_space_m2: f64,
    pub equipment_value_yuan: f64,
    pub multimedia_classrooms: i64,
}

/// A conditions row that converted: the caller resolves `school_code` and checks the stage against the school.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionRow {
    pub number: usize,
    pub school_code: String,
    /// School year by its first calendar year (2025 = 2025–2026).
    pub year: i32,
    /// `primary` or `junior`.
    pub stage: &'static str,
    pub figures: ConditionFigures,
}

/// `2025`, `2025-2026`, `2025–2026`, `2025/2026`, `2025学年`, `2025-2026学年` → 2025. The second year, when
/// given, must follow the first.
pub fn parse_school_year(raw: &str) -> Option<i32> {
    let s = clean_ascii(raw);
    let s = s.trim_end_matches("学年").trim_end_matches('年').trim();
    let s = s.strip_suffix(".0").unwrap_or(s);
    let (first, second) = match s.find(['-', '–', '—', '/', '~']) {
        Some(i) => {
            let sep_len = s[i..].chars().next().map_or(1, char::len_utf8);
            (&s[..i], Some(s[i + sep_len..].trim()))
        }
        None => (s, None),
    };
    let first = first.trim();
    if first.len() != 4 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = first.parse().ok()?;
    if !(2000..=2100).contains(&y) {
        return None;
    }
    if let Some(sec) = second {
        let next: i32 = sec.trim_end_matches('年').parse().ok()?;
        if next != y + 1 {
            return None;
        }
    }
    Some(y)
}

/// 小学 / 初中 / primary / junior → the stage key.
pub fn parse_balance_stage(raw: &str) -> Option<&'static str> {
    match clean_text(raw).to_ascii_lowercase().as_str() {
        "小学" | "primary" | "小学部" => Some("primary"),
        "初中" | "junior" | "初中部" => Some("junior"),
        _ => None,
    }
}

fn number(row: &Row, column: &str, errors: &mut Vec<RowError>, whole: bool) -> Option<f64> {
    let raw = row.get(column);
    let text = clean_text(raw);
    if text.is_empty() {
        errors.push(err(row.number, column, "error.required", None));
        return None;
    }
    let parsed = if whole {
        crate::rows::parse_int(raw).ok().flatten().map(|i| i as f64)
    } else {
        crate::rows::parse_float(raw).ok().flatten()
    };
    match parsed {
        None => {
            let key = if whole {
                "error.integer"
            } else {
                "error.number"
            };
            errors.push(err(row.number, column, key, Some(text)));
            None
        }
        Some(v) if !(0.0..=1.0e12).contains(&v) => {
            errors.push(err(row.number, column, "error.range", Some(text)));
            None
        }
        Some(v) => Some(v),
    }
}

fn err(row: usize, column: &str, key: &str, arg: Option<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        key: key.to_owned(),
        arg,
    }
}

/// Converts every conditions row. Returns the good rows and one [`RowError`] per bad cell of every bad row; a
/// (学校标识码, 学年, 学段) twice in the file is reported on the second row, naming the first.
pub fn parse_condition_rows(table: &Table) -> (Vec<ConditionRow>, Vec<RowError>) {
    let mut good = vec![];
    let mut errors = vec![];
    let mut seen: HashMap<(String, i32, &'static str), usize> = HashMap::new();
    for row in &table.rows {
        let mut e = vec![];
        let school_code = match SchoolCode::parse(row.get("学校标识码")) {
            Ok(c) => Some(c.as_str().to_owned()),
            Err(x) => {
                e.push(err(row.number, "学校标识码", &x.key, x.arg));
                None
            }
        };
        let year_text = clean_text(row.get("学年"));
        let year = if year_text.is_empty() {
            e.push(err(row.number, "学年", "error.required", None));
            None
        } else {
            let y = parse_school_year(&year_text);
            if y.is_none() {
                e.push(err(
                    row.number,
                    "学年",
                    "error.school_year",
                    Some(year_text),
                ));
            }
            y
        };
        let stage_text = clean_text(row.get("学段"));
        let stage = if stage_text.is_empty() {
            e.push(err(row.number, "学段", "error.required", None));
            None
        } else {
            let s = parse_balance_stage(&stage_text);
            if s.is_none() {
                e.push(err(
                    row.number,
                    "学段",
                    "error.balance_stage",
                    Some(stage_text),
                ));
            }
            s
        };
        let enrolment = number(row, "在校生数", &mut e, true);
        let degree = number(row, "高于规定学历教师数", &mut e, true);
        let backbone = number(row, "县级以上骨干教师数", &mut e, true);
        let pe_art = number(row, "体育艺术专任教师数", &mut e, true);
        let teaching = number(row, "教学及辅助用房面积", &mut e, false);
        let sports = number(row, "体育运动场馆面积", &mut e, false);
        let equipment = number(row, "教学仪器设备值", &mut e, false);
        let multimedia = number(row, "网络多媒体教室数", &mut e, true);
        if let Some(p) = enrolment.filter(|p| *p > 100_000.0) {
            e.push(err(
                row.number,
                "在校生数",
                "error.range",
                Some(p.to_string()),
            ));
        }
        if let (Some(code), Some(y), Some(s)) = (&school_code, year, stage) {
            let key = (code.clone(), y, s);
            if let Some(first) = seen.get(&key) {
                e.push(err(
                    row.number,
                    "学校标识码",
                    "error.duplicate_in_file",
                    Some(first.to_string()),
                ));
            } else {
                seen.insert(key, row.number);
            }
        }
        if !e.is_empty() {
            errors.append(&mut e);
            continue;
        }
        // Every value is Some when no error was pushed.
        let (
            Some(school_code),
            Some(year),
            Some(stage),
            Some(enrolment),
            Some(degree),
            Some(backbone),
            Some(pe_art),
            Some(teaching),
            Some(sports),
            Some(equipment),
            Some(multimedia),
        ) = (
            school_code,
            year,
            stage,
            enrolment,
            degree,
            backbone,
            pe_art,
            teaching,
            sports,
            equipment,
            multimedia,
        )
        else {
            continue;
        };
        good.push(ConditionRow {
            number: row.number,
            school_code,
            year,
            stage,
            figures: ConditionFigures {
                enrolment: enrolment as i64,
                degree_teachers: degree as i64,
                backbone_teachers: backbone as i64,
                pe_art_teachers: pe_art as i64,
                teaching_space_m2: teaching,
                sports_space_m2: sports,
                equipment_value_yuan: equipment,
                multimedia_classrooms: multimedia as i64,
            },
        });
    }
    (good, errors)
}

/// One export row in [`CONDITION_HEADERS`] order (学年 written as `2025-2026`, 学段 as 小学 / 初中).
pub fn condition_export_row(
    school_code: &str,
    year: i32,
    stage: &str,
    f: &ConditionFigures,
) -> Vec<crate::Cell> {
    use crate::Cell;
    vec![
        Cell::Text(school_code.to_owned()),
        Cell::Text(format!("{}-{}", year, year + 1)),
        Cell::Text(
            if stage == "junior" {
                "初中"
            } else {
                "小学"
            }
            .to_owned(),
        ),
        Cell::Int(f.enrolment),
        Cell::Int(f.degree_teachers),
        Cell::Int(f.backbone_teachers),
        Cell::Int(f.pe_art_teachers),
        Cell::Float(f.teaching_space_m2),
        Cell::Float(f.sports_space_m2),
        Cell::Float(f.equipment_value_yuan),
        Cell::Int(f.multimedia_classrooms),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, read_table};

    #[test]
    fn school_years() {
        assert_eq!(parse_school_year("2025"), Some(2025));
        assert_eq!(parse_school_year("2025-2026"), Some(2025));
        assert_eq!(parse_school_year("2025–2026学年"), Some(2025));
        assert_eq!(parse_school_year("2025学年"), Some(2025));
        assert_eq!(parse_school_year("2025.0"), Some(2025));
        assert_eq!(parse_school_year("2025-2027"), None);
        assert_eq!(parse_school_year("25"), None);
        assert_eq!(parse_school_year("abc"), None);
    }

    #[test]
    fn rows_and_errors() {
        let csv = "学校标识码,学年,学段,在校生数,高于规定学历教师数,县级以上骨干教师数,体育艺术专任教师数,教学及辅助用房面积,体育运动场馆面积,教学仪器设备值,网络多媒体教室数\n\
                   4213030001,2025-2026,小学,600,30,7,6,3000,5000,1300000,15\n\
                   4213030001,2025,小学,600,30,7,6,3000,5000,1300000,15\n\
                   42130300,2025,高中,-1,x,7,6,3000,5000,1300000,1.5\n";
        let t = read_table(csv.as_bytes(), Format::Csv, &CONDITION_REQUIRED).unwrap();
        let (good, errors) = parse_condition_rows(&t);
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].year, 2025);
        assert_eq!(good[0].stage, "primary");
        assert_eq!(good[0].figures.enrolment, 600);
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            msgs.iter().any(|m| m.starts_with("第3行 学校标识码")),
            "{msgs:?}"
        );
        for col in [
            "学校标识码",
            "学段",
            "在校生数",
            "高于规定学历教师数",
            "网络多媒体教室数",
        ] {
            assert!(
                msgs.iter()
                    .any(|m| m.starts_with(&format!("第4行 {col}："))),
                "{col} {msgs:?}"
            );
        }
    }
}
