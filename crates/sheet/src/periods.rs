//! Teachers' weekly teaching periods as bureaus keep them: one row per teacher and weekday, with
//! the periods taught that day (`教师编号 | 星期 | 节次`, e.g. `ZD00012 | 星期二 | 1、3、5`).

use crate::read::Table;
use crate::rows::RowError;

/// The template's headers.
pub const PERIOD_HEADERS: [&str; 3] = ["教师编号", "星期", "节次"];

/// One parsed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    /// The sheet's own row number.
    pub row: usize,
    pub staff_number: String,
    /// 1 = Monday … 5 = Friday.
    pub weekday: u8,
    /// Periods 1–8, sorted, without repeats.
    pub periods: Vec<u8>,
}

fn err(row: usize, column: &str, key: &str, arg: &str) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        key: key.to_owned(),
        arg: Some(arg.to_owned()),
    }
}

/// `一`, `周一`, `星期一`, `1`, `Mon` … for Monday to Friday.
pub fn parse_weekday(s: &str) -> Option<u8> {
    let t = s.trim().trim_start_matches("星期").trim_start_matches('周');
    let t = t.to_ascii_lowercase();
    Some(match t.as_str() {
        "一" | "1" | "mon" | "monday" => 1,
        "二" | "2" | "tue" | "tuesday" => 2,
        "三" | "3" | "wed" | "wednesday" => 3,
        "四" | "4" | "thu" | "thursday" => 4,
        "五" | "5" | "fri" | "friday" => 5,
        _ => return None,
    })
}

/// `1、3、5`, `1,3,5`, `1-3` (a range), `第2节` … within 1–8.
pub fn parse_periods(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![];
    for part in s
        .split(['、', ',', '，', ' ', ';', '；'])
        .map(|p| p.trim().trim_start_matches('第').trim_end_matches('节'))
        .filter(|p| !p.is_empty())
    {
        let (a, b) = match part.split_once(['-', '–', '~', '至']) {
            Some((a, b)) => (a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?),
            None => {
                let n = part.parse::<u8>().ok()?;
                (n, n)
            }
        };
        if a == 0 || b > 8 || a > b {
            return None;
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// Parses every row, reporting every bad cell with its row number.
pub fn parse_period_rows(table: &Table) -> (Vec<PeriodRow>, Vec<RowError>) {
    let mut rows = vec![];
    let mut errors = vec![];
    for r in &table.rows {
        let staff = gongjin_domain::clean_ascii(r.get("教师编号"));
        let day = r.get("星期");
        let periods = r.get("节次");
        let mut ok = true;
        if staff.is_empty() {
            errors.push(RowError {
                row: r.number,
                column: "教师编号".into(),
                key: "error.required".into(),
                arg: None,
            });
            ok = false;
        }
        let weekday = parse_weekday(day);
        if weekday.is_none() {
            errors.push(err(r.number, "星期", "error.weekday", day));
            ok = false;
        }
        let p = parse_periods(periods);
        if p.is_none() {
            errors.push(err(r.number, "节次", "error.periods", periods));
            ok = false;
        }
        if ok {
            rows.push(PeriodRow {
                row: r.number,
                staff_number: staff,
                weekday: weekday.unwrap_or(1),
                periods: p.unwrap_or_default(),
            });
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_periods() {
        assert_eq!(parse_weekday("星期三"), Some(3));
        assert_eq!(parse_weekday("周五"), Some(5));
        assert_eq!(parse_weekday("Mon"), Some(1));
        assert_eq!(parse_weekday("星期六"), None);
        assert_eq!(parse_periods("1、3、5"), Some(vec![1, 3, 5]));
        assert_eq!(parse_periods("第2节,2-4"), Some(vec![2, 3, 4]));
        assert_eq!(parse_periods("9"), None);
        assert_eq!(parse_periods(""), None);
        assert_eq!(parse_periods("3-1"), None);
    }

    #[test]
    fn rows_report_every_bad_cell() {
        let csv = "教师编号,星期,节次\nZD00001,星期一,1、2\n,星期八,x\nZD00002,2,1-3\n";
        let t = crate::read_table(csv.as_bytes(), crate::Format::Csv, &PERIOD_HEADERS).unwrap();
        let (rows, errors) = parse_period_rows(&t);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].periods, vec![1, 2, 3]);
        let cols: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(cols, vec![(3, "教师编号"), (3, "星期"), (3, "节次")]);
    }
}
