//! Statistics of a test per school and per class, and the gap of each member school to the core school.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::model::{InputError, ScoreRow, UnifiedTest, validate};

/// How scores are grouped into bands (分数段).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "bands", rename_all = "snake_case")]
pub enum Bands {
    /// `count` equal bands of full marks (default 10: 0–10%, 10–20%, …, 90–100%).
    Equal { count: usize },
    /// Explicit edges e₀ < e₁ < … < eₖ: bands [e₀, e₁), …, [eₖ₋₁, eₖ]. A score below e₀ falls in the first band, one
    /// above eₖ in the last.
    Edges { edges: Vec<f64> },
}

impl Default for Bands {
    fn default() -> Self {
        Bands::Equal { count: 10 }
    }
}

impl Bands {
    /// The edges for a test's full marks; `None` when the spec is unusable (no band, edges not increasing).
    pub fn edges(&self, full_marks: f64) -> Option<Vec<f64>> {
        match self {
            Bands::Equal { count } => {
                if *count == 0 {
                    return None;
                }
                Some(
                    (0..=*count)
                        .map(|i| full_marks * i as f64 / *count as f64)
                        .collect(),
                )
            }
            Bands::Edges { edges } => {
                let ok = edges.len() >= 2
                    && edges.iter().all(|e| e.is_finite())
                    && edges.windows(2).all(|w| w[0] < w[1]);
                ok.then(|| edges.clone())
            }
        }
    }
}

/// A score band: scores in `[lower, upper)` (the last band also includes `upper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
}

/// Statistics of a group of students (a school, a class, everyone). Rates are over the students with a score;
/// the standard deviation is the **sample** standard deviation (divisor n − 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Rows in the group (参考 + 缺考).
    pub enrolled: usize,
    /// Students with a score (实考).
    pub count: usize,
    /// Students without a score (缺考).
    pub absent: usize,
    /// `None` when no student has a score.
    pub mean: Option<f64>,
    /// Sample standard deviation; `None` with fewer than 2 scores.
    pub sd: Option<f64>,
    /// Share with score ≥ pass line.
    pub pass_rate: Option<f64>,
    /// Share with score ≥ excellent line.
    pub excellent_rate: Option<f64>,
    /// Share with score < low-score line.
    pub low_score_rate: Option<f64>,
    pub max: Option<f64>,
    pub min: Option<f64>,
    /// Counts per band; they sum to `count`.
    pub bands: Vec<Band>,
}

/// Mean and sample standard deviation (`None` for n < 2) of the values.
pub fn mean_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = values.len();
    if n == 0 {
        return (None, None);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (Some(mean), None);
    }
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    (Some(mean), Some((ss / (n as f64 - 1.0)).sqrt()))
}

fn band_index(edges: &[f64], score: f64) -> usize {
    let k = edges.len() - 1;
    // The number of inner edges at or below the score (with a little slack for rounding).
    edges[1..k]
        .iter()
        .take_while(|&&e| score >= e - 1e-9 * e.abs().max(1.0))
        .count()
}

/// Statistics of one group's rows.
pub fn group_stats(test: &UnifiedTest, rows: &[&ScoreRow], edges: &[f64]) -> GroupStats {
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
    let n = scores.len();
    let (mean, sd) = mean_sd(&scores);
    let rate = |pred: &dyn Fn(f64) -> bool| {
        (n > 0).then(|| scores.iter().filter(|&&s| pred(s)).count() as f64 / n as f64)
    };
    let low = test.low_line();
    let mut bands: Vec<Band> = edges
        .windows(2)
        .map(|w| Band {
            lower: w[0],
            upper: w[1],
            count: 0,
        })
        .collect();
    for &s in &scores {
        bands[band_index(edges, s)].count += 1;
    }
    GroupStats {
        enrolled: rows.len(),
        count: n,
        absent: rows.len() - n,
        mean,
        sd,
        pass_rate: rate(&|s| s >= test.pass_line),
        excellent_rate: rate(&|s| s >= test.excellent_line),
        low_score_rate: rate(&|s| s < low),
        max: scores.iter().copied().reduce(f64::max),
        min: scores.iter().copied().reduce(f64::min),
        bands,
    }
}

/// A class of a school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassStats {
    pub class_label: String,
    pub stats: GroupStats,
}

/// A school and its classes (in natural order: 2班 before 10班).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolStats {
    pub school_id: i64,
    pub stats: GroupStats,
    pub classes: Vec<ClassStats>,
}

/// The analysis of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestReport {
    pub test: UnifiedTest,
    /// Everyone.
    pub overall: GroupStats,
    /// By school id.
    pub schools: Vec<SchoolStats>,
}

/// Why a test cannot be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AnalyseError {
    #[error("{0}")]
    Input(InputError),
    #[error("分数段设置无效")]
    Bands,
}

/// Validate and analyse a test: overall, per school, per class.
pub fn analyse(
    test: &UnifiedTest,
    rows: &[ScoreRow],
    bands: &Bands,
) -> Result<TestReport, AnalyseError> {
    validate(test, rows).map_err(AnalyseError::Input)?;
    let edges = bands.edges(test.full_marks).ok_or(AnalyseError::Bands)?;
    let all: Vec<&ScoreRow> = rows.iter().collect();
    let mut by_school: BTreeMap<i64, Vec<&ScoreRow>> = BTreeMap::new();
    for r in rows {
        by_school.entry(r.school_id).or_default().push(r);
    }
    let schools = by_school
        .into_iter()
        .map(|(school_id, rs)| {
            let mut by_class: BTreeMap<&str, Vec<&ScoreRow>> = BTreeMap::new();
            for r in &rs {
                by_class.entry(r.class_label.trim()).or_default().push(r);
            }
            let mut classes: Vec<ClassStats> = by_class
                .into_iter()
                .map(|(label, crs)| ClassStats {
                    class_label: label.to_string(),
                    stats: group_stats(test, &crs, &edges),
                })
                .collect();
            classes.sort_by(|a, b| natural_cmp(&a.class_label, &b.class_label));
            SchoolStats {
                school_id,
                stats: group_stats(test, &rs, &edges),
                classes,
            }
        })
        .collect();
    Ok(TestReport {
        test: test.clone(),
        overall: group_stats(test, &all, &edges),
        schools,
    })
}

/// Compare labels with their digit runs as numbers: 五(2)班 < 五(10)班.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((ld, buf)) if *ld == d => buf.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for ((da, sa), (db, sb)) in ca.iter().zip(&cb) {
        let ord = if *da && *db {
            let (ta, tb) = (sa.trim_start_matches('0'), sb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

/// A member school's gap to the core school: member − core (negative = behind the core).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoreGap {
    pub school_id: i64,
    pub mean_diff: Option<f64>,
    /// Member mean / core mean (`None` when either is missing or the core mean is 0).
    pub mean_ratio: Option<f64>,
    pub pass_rate_diff: Option<f64>,
    pub excellent_rate_diff: Option<f64>,
    pub low_score_rate_diff: Option<f64>,
}

/// Each non-core school's gap to the core school, in school order. `None` when the core school sat no student.
pub fn core_member_gaps(report: &TestReport, core_school_id: i64) -> Option<Vec<CoreGap>> {
    let core = &report
        .schools
        .iter()
        .find(|s| s.school_id == core_school_id)?
        .stats;
    let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
    Some(
        report
            .schools
            .iter()
            .filter(|s| s.school_id != core_school_id)
            .map(|s| CoreGap {
                school_id: s.school_id,
                mean_diff: diff(s.stats.mean, core.mean),
                mean_ratio: match (s.stats.mean, core.mean) {
                    (Some(m), Some(c)) if c != 0.0 => Some(m / c),
                    _ => None,
                },
                pass_rate_diff: diff(s.stats.pass_rate, core.pass_rate),
                excellent_rate_diff: diff(s.stats.excellent_rate, core.excellent_rate),
                low_score_rate_diff: diff(s.stats.low_score_rate, core.low_score_rate),
            })
            .collect(),
    )
}
