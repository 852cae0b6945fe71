//! The regional development index (总发展指数, 0–100): a weighted combination of normalised regional figures.
//! The formula is data (component key, weight, normalisation floor and target) so a region can follow its
//! province's method; [`IndexFormula::preset`] is a sensible default. Also the trend across years.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::bundled::BundledResult;
use crate::fmt_num;
use crate::standard::{EPS, linear};

/// Share of the region's public compulsory schools in a community (0–1).
pub const COVERAGE_RATE: &str = "coverage_rate";
/// Share of the region's communities whose standard score passes (0–1).
pub const STANDARD_PASS_SHARE: &str = "standard_pass_share";
/// Mean bundled score of the region's communities (0–100).
pub const MEAN_BUNDLED_SCORE: &str = "mean_bundled_score";
/// Share of the region's stage × indicator balance CVs within their thresholds (0–1).
pub const BALANCE_CV_PASS_SHARE: &str = "balance_cv_pass_share";
/// Mean value added of the member schools (SD units).
pub const MEAN_VALUE_ADDED: &str = "mean_value_added";
/// Teachers exchanged / eligible teachers in the region (0–1).
pub const EXCHANGE_RATIO: &str = "exchange_ratio";

/// Chinese label of a known component key (unknown keys are shown as they are).
pub fn component_label_zh(key: &str) -> String {
    match key {
        COVERAGE_RATE => "教共体覆盖率",
        STANDARD_PASS_SHARE => "考核合格教共体占比",
        MEAN_BUNDLED_SCORE => "教共体捆绑考核平均分",
        BALANCE_CV_PASS_SHARE => "差异系数达标占比",
        MEAN_VALUE_ADDED => "成员校平均增值",
        EXCHANGE_RATIO => "交流轮岗比例",
        other => other,
    }
    .to_string()
}

/// Whether a known component is a ratio in `[0, 1]` (shown as a percentage).
fn is_ratio(key: &str) -> bool {
    matches!(
        key,
        COVERAGE_RATE | STANDARD_PASS_SHARE | BALANCE_CV_PASS_SHARE | EXCHANGE_RATIO
    )
}

fn show(key: &str, v: f64) -> String {
    if is_ratio(key) {
        format!("{}%", fmt_num(v * 100.0))
    } else {
        fmt_num(v)
    }
}

/// One term of the formula: the figure `key`, normalised to `[0, 1]` linearly between `floor` (0) and `target`
/// (1; `target < floor` means lower is better), weighted by `weight`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexComponent {
    pub key: String,
    pub weight: f64,
    pub floor: f64,
    pub target: f64,
}

/// The development index formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexFormula {
    pub components: Vec<IndexComponent>,
}

/// Why a formula is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum IndexError {
    #[error("the formula has no component with positive weight")]
    Empty,
    #[error("component `{key}` appears twice")]
    Duplicate { key: String },
    #[error(
        "component `{key}`: weight must be finite and ≥ 0, floor and target finite and distinct"
    )]
    BadComponent { key: String },
}

impl IndexFormula {
    /// The preset: coverage 20% (50% → 0, 100% → full; Zengdu's target is 100% by end of 2025), communities passing
    /// the standard 20%, mean bundled score 25% (40 → 0, 90 → full), balance CVs within threshold 20% (50% → 0,
    /// all → full), member schools' mean value added 15% (−0.1 SD → 0, +0.2 SD → full).
    pub fn preset() -> Self {
        let c = |key: &str, weight, floor, target| IndexComponent {
            key: key.into(),
            weight,
            floor,
            target,
        };
        IndexFormula {
            components: vec![
                c(COVERAGE_RATE, 0.20, 0.5, 1.0),
                c(STANDARD_PASS_SHARE, 0.20, 0.0, 1.0),
                c(MEAN_BUNDLED_SCORE, 0.25, 40.0, 90.0),
                c(BALANCE_CV_PASS_SHARE, 0.20, 0.5, 1.0),
                c(MEAN_VALUE_ADDED, 0.15, -0.1, 0.2),
            ],
        }
    }

    pub fn validate(&self) -> Result<(), IndexError> {
        let mut seen = BTreeSet::new();
        for c in &self.components {
            if !seen.insert(c.key.as_str()) {
                return Err(IndexError::Duplicate { key: c.key.clone() });
            }
            if !(c.weight.is_finite()
                && c.weight >= 0.0
                && c.floor.is_finite()
                && c.target.is_finite()
                && (c.target - c.floor).abs() > EPS)
            {
                return Err(IndexError::BadComponent { key: c.key.clone() });
            }
        }
        if self.components.iter().map(|c| c.weight).sum::<f64>() <= 0.0 {
            return Err(IndexError::Empty);
        }
        Ok(())
    }
}

/// One component's part of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentResult {
    pub key: String,
    pub name: String,
    /// The figure, `None` when not supplied.
    pub value: Option<f64>,
    /// The figure normalised to `[0, 1]` (0 when missing).
    pub normalised: f64,
    /// Weight / Σ weights.
    pub share: f64,
    /// Points of the 100 this component contributes: `normalised × share × 100`.
    pub points: f64,
    pub explanation: String,
}

/// A region's development index for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevelopmentIndex {
    pub region_id: i64,
    pub year: i32,
    /// `Σ points`, in `[0, 100]`.
    pub index: f64,
    pub components: Vec<ComponentResult>,
    /// Keys of components with no figure (counted as 0).
    pub missing: Vec<String>,
}

/// Compute the index from the region's figures (`key → value`). A missing or non-finite figure counts 0 and is
/// listed in [`DevelopmentIndex::missing`]; figures the formula does not use are ignored.
pub fn development_index(
    formula: &IndexFormula,
    region_id: i64,
    year: i32,
    figures: &BTreeMap<String, f64>,
) -> Result<DevelopmentIndex, IndexError> {
    formula.validate()?;
    let wsum: f64 = formula.components.iter().map(|c| c.weight).sum();
    let mut missing = Vec::new();
    let components: Vec<ComponentResult> = formula
        .components
        .iter()
        .map(|c| {
            let name = component_label_zh(&c.key);
            let share = c.weight / wsum;
            let value = figures.get(&c.key).copied().filter(|v| v.is_finite());
            let normalised = value.map_or(0.0, |v| linear(v, c.floor, c.target));
            let points = normalised * share * 100.0;
            let explanation = match value {
                Some(v) => format!(
                    "{name} {}（起评 {}，目标 {}），达成 {}%，权重 {}%，计 {} 分",
                    show(&c.key, v),
                    show(&c.key, c.floor),
                    show(&c.key, c.target),
                    fmt_num(normalised * 100.0),
                    fmt_num(share * 100.0),
                    fmt_num(points)
                ),
                None => {
                    missing.push(c.key.clone());
                    format!(
                        "{name}缺少数据，计 0 分（权重 {}%）",
                        fmt_num(share * 100.0)
                    )
                }
            };
            ComponentResult {
                key: c.key.clone(),
                name,
                value,
                normalised,
                share,
                points,
                explanation,
            }
        })
        .collect();
    let index = components
        .iter()
        .map(|c| c.points)
        .sum::<f64>()
        .clamp(0.0, 100.0);
    Ok(DevelopmentIndex {
        region_id,
        year,
        index,
        components,
        missing,
    })
}

/// The figures that come from the region's bundled assessments: [`STANDARD_PASS_SHARE`] (share of communities
/// whose standard score card passed) and [`MEAN_BUNDLED_SCORE`]. Nothing when there is no community. Add the
/// others (coverage, balance, value added) from their own engines.
pub fn figures_from_bundled(results: &[BundledResult]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if results.is_empty() {
        return out;
    }
    let n = results.len() as f64;
    out.insert(
        STANDARD_PASS_SHARE.to_string(),
        results.iter().filter(|r| r.card.passed).count() as f64 / n,
    );
    out.insert(
        MEAN_BUNDLED_SCORE.to_string(),
        results.iter().map(|r| r.score).sum::<f64>() / n,
    );
    out
}

/// One year of an index trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub year: i32,
    pub index: f64,
    /// Change from the previous year listed; `None` for the first.
    pub change: Option<f64>,
}

/// The trend of `(year, index)` pairs, sorted by year. A year given twice keeps the last value given.
pub fn trend(points: &[(i32, f64)]) -> Vec<TrendPoint> {
    let by_year: BTreeMap<i32, f64> = points.iter().copied().collect();
    let mut out: Vec<TrendPoint> = Vec::with_capacity(by_year.len());
    for (year, index) in by_year {
        let change = out.last().map(|p| index - p.index);
        out.push(TrendPoint {
            year,
            index,
            change,
        });
    }
    out
}
