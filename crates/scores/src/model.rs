//! A unified test (统一检测), its score rows and their validation.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One unified test: same paper, same time, same marking across a community's schools.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnifiedTest {
    /// e.g. 数学
    pub subject: String,
    /// e.g. 五年级
    pub grade: String,
    pub date: chrono::NaiveDate,
    /// 满分, > 0.
    pub full_marks: f64,
    /// 及格线: a score at or above it passes.
    pub pass_line: f64,
    /// 优秀线: a score at or above it is excellent.
    pub excellent_line: f64,
    /// 低分线: a score below it is low. Default 40% of full marks.
    #[serde(default)]
    pub low_score_line: Option<f64>,
}

/// Share of full marks below which a score is low when the test sets no low-score line.
pub const DEFAULT_LOW_SHARE: f64 = 0.4;

impl UnifiedTest {
    /// The low-score line: as set, or 40% of full marks.
    pub fn low_line(&self) -> f64 {
        self.low_score_line
            .unwrap_or(self.full_marks * DEFAULT_LOW_SHARE)
    }

    /// Check the lines: full marks > 0, each line within `[0, full marks]`, excellent ≥ pass.
    pub fn validate(&self) -> Result<(), TestError> {
        if !(self.full_marks.is_finite() && self.full_marks > 0.0) {
            return Err(TestError::FullMarks {
                full_marks: self.full_marks,
            });
        }
        let lines = [
            ("pass_line", self.pass_line),
            ("excellent_line", self.excellent_line),
            ("low_score_line", self.low_line()),
        ];
        for (line, value) in lines {
            if !(value.is_finite() && (0.0..=self.full_marks).contains(&value)) {
                return Err(TestError::LineOutOfRange {
                    line: line.into(),
                    value,
                    full_marks: self.full_marks,
                });
            }
        }
        if self.excellent_line < self.pass_line {
            return Err(TestError::ExcellentBelowPass {
                excellent_line: self.excellent_line,
                pass_line: self.pass_line,
            });
        }
        Ok(())
    }
}

/// What is wrong with a test's definition.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum TestError {
    #[error("满分 {full_marks} 无效，须大于 0")]
    FullMarks { full_marks: f64 },
    #[error("{} {value} 超出 0–{full_marks} 的范围", line_zh(line))]
    LineOutOfRange {
        line: String,
        value: f64,
        full_marks: f64,
    },
    #[error("优秀线 {excellent_line} 低于及格线 {pass_line}")]
    ExcellentBelowPass { excellent_line: f64, pass_line: f64 },
}

fn line_zh(line: &str) -> &str {
    match line {
        "pass_line" => "及格线",
        "excellent_line" => "优秀线",
        "low_score_line" => "低分线",
        other => other,
    }
}

/// One student's score in a test (a row of the import sheet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// 学籍号 / 考号: the key that matches a student across tests.
    pub student_number: String,
    pub name: String,
    pub school_id: i64,
    /// e.g. 五(2)班
    pub class_label: String,
    /// `None` when absent (缺考).
    pub score: Option<f64>,
}

/// Why a row cannot be used. Row numbers count the rows given from 1; an import layer with a header line adds
/// its offset (e.g. `row + 1`) before saying 第N行.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("第{row}行：{kind}")]
pub struct RowError {
    pub row: usize,
    pub kind: RowErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum RowErrorKind {
    #[error("成绩 {score} 超过满分 {full_marks}")]
    AboveFullMarks { score: f64, full_marks: f64 },
    #[error("成绩 {score} 为负数")]
    Negative { score: f64 },
    #[error("成绩不是有效数字")]
    NotFinite,
    #[error("缺少学籍号")]
    MissingStudentNumber,
    #[error("学籍号 {student_number} 与第{first_row}行重复")]
    DuplicateStudentNumber {
        student_number: String,
        first_row: usize,
    },
}

/// Every problem of the rows against the test: scores outside `[0, full marks]`, non-finite scores, missing or
/// duplicate student numbers (compared after trimming).
pub fn validate_rows(test: &UnifiedTest, rows: &[ScoreRow]) -> Result<(), Vec<RowError>> {
    let mut errs = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let row = i + 1;
        let mut push = |kind| errs.push(RowError { row, kind });
        let num = r.student_number.trim();
        if num.is_empty() {
            push(RowErrorKind::MissingStudentNumber);
        } else if let Some(&first_row) = seen.get(num) {
            push(RowErrorKind::DuplicateStudentNumber {
                student_number: num.to_string(),
                first_row,
            });
        } else {
            seen.insert(num, row);
        }
        if let Some(s) = r.score {
            if !s.is_finite() {
                push(RowErrorKind::NotFinite);
            } else if s < 0.0 {
                push(RowErrorKind::Negative { score: s });
            } else if s > test.full_marks {
                push(RowErrorKind::AboveFullMarks {
                    score: s,
                    full_marks: test.full_marks,
                });
            }
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// A test or its rows are unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum InputError {
    #[error("{0}")]
    Test(TestError),
    #[error("{} 处错误，首个：{}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Rows(Vec<RowError>),
}

/// Validate the test and its rows together.
pub fn validate(test: &UnifiedTest, rows: &[ScoreRow]) -> Result<(), InputError> {
    test.validate().map_err(InputError::Test)?;
    validate_rows(test, rows).map_err(InputError::Rows)
}
