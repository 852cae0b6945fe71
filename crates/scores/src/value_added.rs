//! Value added (增值评价) between two unified tests.
//!
//! 1. Match students by student number (trimmed) among those with a score in both tests.
//! 2. Standardise each test over the matched students: z = (x − mean) / sd (sample sd).
//! 3. Regress the later z on the earlier z by ordinary least squares (intercept + slope).
//! 4. Each student's residual = later z − predicted; a school's value added is the mean residual of its students
//!    (by their school in the later test), with a 95% interval mean ± t(0.975, n − 1) · sd / √n (sample sd of the
//!    residuals); likewise per community.
//!
//! The unit is the later test's standard deviation: +0.3 means the school's students scored 0.3 SD above what
//! their earlier scores predicted. Residuals sum to zero over everyone, so effects are relative to the cohort.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::{InputError, ScoreRow, UnifiedTest, validate};
use crate::stats::mean_sd;
use crate::tdist::t_quantile;

/// Which of the two tests an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    Earlier,
    Later,
}

/// Why value added cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ValueAddedError {
    #[error("{}：{input}", match which { Which::Earlier => "前测", Which::Later => "后测" })]
    Input { which: Which, input: InputError },
    #[error("两次检测只匹配到 {matched} 名学生，至少需要 3 名")]
    TooFewMatched { matched: usize },
    #[error("{}成绩全部相同，无法标准化", match which { Which::Earlier => "前测", Which::Later => "后测" })]
    NoVariance { which: Which },
}

/// One matched student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentResidual {
    pub student_number: String,
    pub name: String,
    /// School in the later test (the one credited).
    pub school_id: i64,
    pub earlier_z: f64,
    pub later_z: f64,
    pub predicted: f64,
    pub residual: f64,
}

/// The mean residual of a group (school or community) with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEffect {
    /// School id or community id.
    pub id: i64,
    pub n: usize,
    /// Mean residual (SD units of the later test).
    pub value_added: f64,
    /// Sample sd of the residuals; `None` for n = 1.
    pub sd: Option<f64>,
    /// t(0.975, n − 1); `None` for n = 1.
    pub t: Option<f64>,
    /// 95% interval; `None` for n = 1.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl GroupEffect {
    /// The interval lies wholly above 0 (significantly positive) / below 0.
    pub fn significance(&self) -> Option<std::cmp::Ordering> {
        let (lo, hi) = (self.lower?, self.upper?);
        Some(if lo > 0.0 {
            std::cmp::Ordering::Greater
        } else if hi < 0.0 {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        })
    }
}

/// Value added between two tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueAdded {
    /// Students with a score in both tests.
    pub matched: usize,
    /// Students with an earlier score and no later score (absent or not listed).
    pub unmatched_earlier: usize,
    /// Students with a later score and no earlier score.
    pub unmatched_later: usize,
    /// Rows without a score in the earlier / later test.
    pub absent_earlier: usize,
    pub absent_later: usize,
    /// Matched students whose school changed between the tests (credited to the later school).
    pub moved: usize,
    /// Later z = intercept + slope × earlier z (+ residual).
    pub intercept: f64,
    pub slope: f64,
    /// Share of the later z variance explained.
    pub r_squared: f64,
    /// Sample sd of all residuals.
    pub residual_sd: f64,
    pub students: Vec<StudentResidual>,
    /// By school id.
    pub schools: Vec<GroupEffect>,
    /// By community id (students of schools not in the mapping are left out).
    pub communities: Vec<GroupEffect>,
}

/// The mean of the values with its 95% t interval.
pub fn mean_interval(id: i64, values: &[f64]) -> Option<GroupEffect> {
    let (mean, sd) = mean_sd(values);
    let mean = mean?;
    let n = values.len();
    let t = sd.map(|_| t_quantile(0.975, n as f64 - 1.0));
    let half = match (sd, t) {
        (Some(s), Some(t)) => Some(t * s / (n as f64).sqrt()),
        _ => None,
    };
    Some(GroupEffect {
        id,
        n,
        value_added: mean,
        sd,
        t,
        lower: half.map(|h| mean - h),
        upper: half.map(|h| mean + h),
    })
}

fn standardise(values: &[f64]) -> Option<Vec<f64>> {
    let (mean, sd) = mean_sd(values);
    let (mean, sd) = (mean?, sd?);
    if sd <= 1e-12 * mean.abs().max(1.0) {
        return None;
    }
    Some(values.iter().map(|v| (v - mean) / sd).collect())
}

/// Compute value added from an earlier and a later test. `community_of` maps school id → community id.
pub fn value_added(
    earlier: (&UnifiedTest, &[ScoreRow]),
    later: (&UnifiedTest, &[ScoreRow]),
    community_of: &BTreeMap<i64, i64>,
) -> Result<ValueAdded, ValueAddedError> {
    validate(earlier.0, earlier.1).map_err(|input| ValueAddedError::Input {
        which: Which::Earlier,
        input,
    })?;
    validate(later.0, later.1).map_err(|input| ValueAddedError::Input {
        which: Which::Later,
        input,
    })?;
    let scored = |rows: &[ScoreRow]| -> BTreeMap<String, (f64, usize)> {
        rows.iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.score
                    .map(|s| (r.student_number.trim().to_string(), (s, i)))
            })
            .collect()
    };
    let (e_rows, l_rows) = (earlier.1, later.1);
    let e = scored(e_rows);
    let l = scored(l_rows);
    // Matched in later-test row order, so the output follows the later sheet.
    let mut pairs: Vec<(&str, f64, usize, f64, usize)> = l
        .iter()
        .filter_map(|(num, &(ls, li))| e.get(num).map(|&(es, ei)| (num.as_str(), es, ei, ls, li)))
        .collect();
    pairs.sort_by_key(|p| p.4);
    let matched = pairs.len();
    if matched < 3 {
        return Err(ValueAddedError::TooFewMatched { matched });
    }
    let ex: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let lx: Vec<f64> = pairs.iter().map(|p| p.3).collect();
    let ez = standardise(&ex).ok_or(ValueAddedError::NoVariance {
        which: Which::Earlier,
    })?;
    let lz = standardise(&lx).ok_or(ValueAddedError::NoVariance {
        which: Which::Later,
    })?;

    // OLS of lz on ez.
    let n = matched as f64;
    let (mx, my) = (ez.iter().sum::<f64>() / n, lz.iter().sum::<f64>() / n);
    let sxx: f64 = ez.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = ez.iter().zip(&lz).map(|(x, y)| (x - mx) * (y - my)).sum();
    let syy: f64 = lz.iter().map(|y| (y - my) * (y - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let students: Vec<StudentResidual> = pairs
        .iter()
        .zip(ez.iter().zip(&lz))
        .map(|(p, (&x, &y))| {
            let row = &l_rows[p.4];
            let predicted = intercept + slope * x;
            StudentResidual {
                student_number: p.0.to_string(),
                name: row.name.clone(),
                school_id: row.school_id,
                earlier_z: x,
                later_z: y,
                predicted,
                residual: y - predicted,
            }
        })
        .collect();
    let residuals: Vec<f64> = students.iter().map(|s| s.residual).collect();
    let rss: f64 = residuals.iter().map(|r| r * r).sum();
    let r_squared = if syy > 0.0 {
        (1.0 - rss / syy).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let residual_sd = mean_sd(&residuals).1.unwrap_or(0.0);
    let moved = pairs
        .iter()
        .filter(|p| e_rows[p.2].school_id != l_rows[p.4].school_id)
        .count();

    let mut by_school: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    let mut by_community: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for s in &students {
        by_school.entry(s.school_id).or_default().push(s.residual);
        if let Some(&c) = community_of.get(&s.school_id) {
            by_community.entry(c).or_default().push(s.residual);
        }
    }
    let effects = |m: BTreeMap<i64, Vec<f64>>| -> Vec<GroupEffect> {
        m.into_iter()
            .filter_map(|(id, v)| mean_interval(id, &v))
            .collect()
    };
    let absent = |rows: &[ScoreRow]| rows.iter().filter(|r| r.score.is_none()).count();
    Ok(ValueAdded {
        matched,
        unmatched_earlier: e.len() - matched,
        unmatched_later: l.len() - matched,
        absent_earlier: absent(e_rows),
        absent_later: absent(l_rows),
        moved,
        intercept,
        slope,
        r_squared,
        residual_sd,
        students,
        schools: effects(by_school),
        communities: effects(by_community),
    })
}
