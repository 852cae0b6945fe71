//! Students' scores of a unified test as schools send them: `学籍号 | 姓名 | 学校 | 班级 | 成绩`
//! (学校 by name or 学校标识码; 成绩 empty or 缺考 for an absent student).

use crate::read::Table;
use crate::rows::RowError;

/// The template's headers (学籍号, 学校 and 成绩 are required columns).
pub const SCORE_HEADERS: [&str; 5] = ["学籍号", "姓名", "学校", "班级", "成绩"];
pub const SCORE_REQUIRED: [&str; 3] = ["学籍号", "学校", "成绩"];

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSheetRow {
    pub row: usize,
    pub student_number: String,
    pub name: String,
    /// As written: a school name or code, resolved by the store.
    pub school: String,
    pub class_label: String,
    /// None when absent.
    pub score: Option<f64>,
}

/// A score cell: a number (full-width digits allowed), or empty / 缺考 / 缺 for absent.
#[allow(clippy::result_unit_err)] // the caller names the row and column; nothing else to say
pub fn parse_score(s: &str) -> Result<Option<f64>, ()> {
    let t = gongjin_domain::clean_ascii(s);
    if t.is_empty() || matches!(s.trim(), "缺考" | "缺" | "缺席" | "-" | "—") {
        return Ok(None);
    }
    t.trim_end_matches('分')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or(())
}

pub fn parse_score_rows(table: &Table) -> (Vec<ScoreSheetRow>, Vec<RowError>) {
    let mut rows = vec![];
    let mut errors = vec![];
    for r in &table.rows {
        let student = gongjin_domain::clean_ascii(r.get("学籍号"));
        let school = gongjin_domain::clean_text(r.get("学校"));
        let mut ok = true;
        for (col, v) in [("学籍号", &student), ("学校", &school)] {
            if v.is_empty() {
                errors.push(RowError {
                    row: r.number,
                    column: col.into(),
                    key: "error.required".into(),
                    arg: None,
                });
                ok = false;
            }
        }
        let score = match parse_score(r.get("成绩")) {
            Ok(s) => s,
            Err(()) => {
                errors.push(RowError {
                    row: r.number,
                    column: "成绩".into(),
                    key: "error.number".into(),
                    arg: Some(r.get("成绩").to_owned()),
                });
                ok = false;
                None
            }
        };
        if ok {
            rows.push(ScoreSheetRow {
                row: r.number,
                student_number: student,
                name: gongjin_domain::clean_text(r.get("姓名")),
                school,
                class_label: gongjin_domain::clean_text(r.get("班级")),
                score,
            });
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_absences() {
        assert_eq!(parse_score("87.5"), Ok(Some(87.5)));
        assert_eq!(parse_score("９０"), Ok(Some(90.0)));
        assert_eq!(parse_score("缺考"), Ok(None));
        assert_eq!(parse_score(""), Ok(None));
        assert_eq!(parse_score("八十"), Err(()));
        let csv = "学籍号,姓名,学校,班级,成绩\nS1,甲,某小学,5(1)班,88\nS2,乙,,5(1)班,abc\n";
        let t = crate::read_table(csv.as_bytes(), crate::Format::Csv, &SCORE_REQUIRED).unwrap();
        let (rows, errors) = parse_score_rows(&t);
        assert_eq!(rows.len(), 1);
        let cols: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(cols, vec![(3, "学校"), (3, "成绩")]);
    }
}
