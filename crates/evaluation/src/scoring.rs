//! Scoring one community against a standard: every indicator's score with a Chinese explanation and the
//! records behind it, dimension totals and the overall total.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::fmt_num;
use crate::standard::{EPS, IndicatorKind, MetricKey, ScoringRule, Standard, StandardError};

/// A record an automatic score counted, so the score drills down to it: e.g. `{kind: "exchange", id: 42,
/// label: "张三 实验小学→洛阳高小 长期交流"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Record kind as the store names it: `exchange`, `activity`, `sync_lesson`, `meeting_decision`, …
    pub kind: String,
    pub id: i64,
    pub label: String,
}

/// A metric as measured for a community, with the records counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    pub metric: MetricKey,
    pub value: f64,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// A reviewer's score of a manual indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualScore {
    /// Key of the indicator.
    pub indicator: String,
    /// In `[0, max_points]` of the indicator.
    pub score: f64,
    #[serde(default)]
    pub comment: String,
    pub reviewer: String,
    /// Ids of the evidence attachments the reviewer relied on.
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// What is known about one community for one assessment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CommunityInput {
    pub community_id: i64,
    pub name: String,
    #[serde(default)]
    pub metrics: Vec<MetricValue>,
    #[serde(default)]
    pub manual: Vec<ManualScore>,
}

/// How an indicator's score came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    /// Computed from a measured metric.
    Measured,
    /// Scored by a reviewer.
    Reviewed,
    /// The metric was not measured: 0 points.
    MissingMetric,
    /// No reviewer score yet: 0 points.
    NotReviewed,
}

/// The score of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub dimension: String,
    pub key: String,
    pub name: String,
    pub status: ScoreStatus,
    /// The metric of an automatic indicator.
    pub metric: Option<MetricKey>,
    /// The measured value of an automatic indicator.
    pub value: Option<f64>,
    /// In `[0, max_points]`.
    pub score: f64,
    pub max_points: f64,
    pub weight: f64,
    /// `score × weight`: what the indicator adds to the totals.
    pub weighted_score: f64,
    pub weighted_max: f64,
    /// Why this score, in Chinese: e.g. 长期交流 6 人，目标 5 人，得满分 8 分.
    pub explanation: String,
    /// The records counted (automatic indicators).
    pub evidence: Vec<Evidence>,
    /// Reviewer, comment and attachments (manual indicators).
    pub reviewer: Option<String>,
    pub comment: Option<String>,
    pub attachments: Vec<i64>,
}

/// A dimension's total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionScore {
    pub key: String,
    pub name: String,
    /// Σ weighted scores of its indicators.
    pub score: f64,
    /// Σ weighted maxima of its indicators.
    pub max: f64,
    pub indicators: Vec<IndicatorScore>,
}

/// A community's score against a standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    pub region_id: i64,
    pub year: i32,
    pub version: u32,
    pub community_id: i64,
    pub name: String,
    pub dimensions: Vec<DimensionScore>,
    /// Σ dimension scores.
    pub total: f64,
    /// Σ dimension maxima.
    pub max_total: f64,
    /// `total / max_total × 100`, in `[0, 100]`.
    pub percent: f64,
    /// `percent ≥ pass_percent` of the standard.
    pub passed: bool,
    /// Keys of indicators scored 0 for want of data or review.
    pub incomplete: Vec<String>,
}

/// Why a community cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ScoreError {
    #[error("invalid standard: {0}")]
    Standard(StandardError),
    #[error("manual score for unknown indicator `{indicator}`")]
    UnknownIndicator { indicator: String },
    #[error("indicator `{indicator}` is automatic and cannot be scored by hand")]
    NotManual { indicator: String },
    #[error("indicator `{indicator}`: score {score} outside 0–{max}")]
    ManualOutOfRange {
        indicator: String,
        score: f64,
        max: f64,
    },
    #[error("indicator `{indicator}` scored twice")]
    DuplicateManual { indicator: String },
    #[error("metric `{metric}` given twice")]
    DuplicateMetric { metric: MetricKey },
}

/// Score a community. Missing metrics and unreviewed manual indicators score 0 and are listed in
/// [`ScoreCard::incomplete`]; a metric the standard does not use is ignored.
pub fn score_community(
    standard: &Standard,
    input: &CommunityInput,
) -> Result<ScoreCard, ScoreError> {
    if let Some(e) = standard.validate().into_iter().next() {
        return Err(ScoreError::Standard(e));
    }
    let mut metrics: BTreeMap<&MetricKey, &MetricValue> = BTreeMap::new();
    for m in &input.metrics {
        if metrics.insert(&m.metric, m).is_some() {
            return Err(ScoreError::DuplicateMetric {
                metric: m.metric.clone(),
            });
        }
    }
    let mut manual: BTreeMap<&str, &ManualScore> = BTreeMap::new();
    for m in &input.manual {
        let Some(ind) = standard.indicator(&m.indicator) else {
            return Err(ScoreError::UnknownIndicator {
                indicator: m.indicator.clone(),
            });
        };
        if !matches!(ind.kind, IndicatorKind::Manual { .. }) {
            return Err(ScoreError::NotManual {
                indicator: m.indicator.clone(),
            });
        }
        if !(m.score.is_finite() && m.score >= 0.0 && m.score <= ind.max_points + EPS) {
            return Err(ScoreError::ManualOutOfRange {
                indicator: m.indicator.clone(),
                score: m.score,
                max: ind.max_points,
            });
        }
        if manual.insert(m.indicator.as_str(), m).is_some() {
            return Err(ScoreError::DuplicateManual {
                indicator: m.indicator.clone(),
            });
        }
    }

    let mut incomplete = Vec::new();
    let mut dimensions = Vec::with_capacity(standard.dimensions.len());
    for dim in &standard.dimensions {
        let mut scores = Vec::with_capacity(dim.indicators.len());
        for ind in &dim.indicators {
            let max = ind.max_points;
            let mut s = IndicatorScore {
                dimension: dim.key.clone(),
                key: ind.key.clone(),
                name: ind.name.clone(),
                status: ScoreStatus::Measured,
                metric: None,
                value: None,
                score: 0.0,
                max_points: max,
                weight: ind.weight,
                weighted_score: 0.0,
                weighted_max: ind.weighted_max(),
                explanation: String::new(),
                evidence: Vec::new(),
                reviewer: None,
                comment: None,
                attachments: Vec::new(),
            };
            match &ind.kind {
                IndicatorKind::Automatic { metric, rule } => {
                    s.metric = Some(metric.clone());
                    match metrics.get(metric) {
                        Some(mv) => {
                            let score = (rule.fraction(mv.value) * max).clamp(0.0, max);
                            s.value = Some(mv.value);
                            s.score = score;
                            s.evidence = mv.evidence.clone();
                            s.explanation = explain(metric, rule, mv.value, score, max);
                        }
                        None => {
                            s.status = ScoreStatus::MissingMetric;
                            s.explanation = format!(
                                "缺少{}数据，计 0 分（满分 {} 分）",
                                metric.label_zh(),
                                fmt_num(max)
                            );
                            incomplete.push(ind.key.clone());
                        }
                    }
                }
                IndicatorKind::Manual { .. } => match manual.get(ind.key.as_str()) {
                    Some(m) => {
                        let score = m.score.clamp(0.0, max);
                        s.status = ScoreStatus::Reviewed;
                        s.score = score;
                        s.reviewer = Some(m.reviewer.clone());
                        s.comment = Some(m.comment.clone());
                        s.attachments = m.attachments.clone();
                        let mut e = format!(
                            "{}评分 {} 分（满分 {} 分）",
                            m.reviewer,
                            fmt_num(score),
                            fmt_num(max)
                        );
                        if !m.comment.trim().is_empty() {
                            e.push('：');
                            e.push_str(m.comment.trim());
                        }
                        s.explanation = e;
                    }
                    None => {
                        s.status = ScoreStatus::NotReviewed;
                        s.explanation = format!("尚未评分，计 0 分（满分 {} 分）", fmt_num(max));
                        incomplete.push(ind.key.clone());
                    }
                },
            }
            s.weighted_score = s.score * ind.weight;
            if (ind.weight - 1.0).abs() > EPS {
                s.explanation.push_str(&format!(
                    "；权重 {}，计 {} 分",
                    fmt_num(ind.weight),
                    fmt_num(s.weighted_score)
                ));
            }
            scores.push(s);
        }
        dimensions.push(DimensionScore {
            key: dim.key.clone(),
            name: dim.name.clone(),
            score: scores.iter().map(|s| s.weighted_score).sum(),
            max: scores.iter().map(|s| s.weighted_max).sum(),
            indicators: scores,
        });
    }
    let total: f64 = dimensions.iter().map(|d| d.score).sum();
    let max_total: f64 = dimensions.iter().map(|d| d.max).sum();
    let percent = if max_total > 0.0 {
        (total / max_total * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    Ok(ScoreCard {
        region_id: standard.region_id,
        year: standard.year,
        version: standard.version,
        community_id: input.community_id,
        name: input.name.clone(),
        dimensions,
        total,
        max_total,
        percent,
        passed: percent >= standard.pass_percent - EPS,
        incomplete,
    })
}

/// The Chinese explanation of an automatic score.
fn explain(metric: &MetricKey, rule: &ScoringRule, value: f64, score: f64, max: f64) -> String {
    let label = metric.label_zh();
    let v = metric.format_value(value);
    let f = |x: f64| metric.format_value(x);
    let full = score >= max - EPS;
    let tail = if full {
        format!("得满分 {} 分", fmt_num(max))
    } else {
        format!("得 {} 分（满分 {} 分）", fmt_num(score), fmt_num(max))
    };
    if !value.is_finite() {
        return format!("{label}数据无效，计 0 分（满分 {} 分）", fmt_num(max));
    }
    match rule {
        ScoringRule::Linear { floor, target } => {
            let lower_better = target < floor;
            if full {
                format!("{label} {v}，目标 {}，{tail}", f(*target))
            } else if score <= EPS {
                let cmp = if lower_better {
                    "未低于"
                } else {
                    "未超过"
                };
                format!("{label} {v}，{cmp}起评线 {}，{tail}", f(*floor))
            } else {
                format!(
                    "{label} {v}，起评线 {}、目标 {}，按比例{tail}",
                    f(*floor),
                    f(*target)
                )
            }
        }
        ScoringRule::Steps { steps } => {
            let reached = steps
                .iter()
                .filter(|s| value >= s.at_least - EPS)
                .max_by(|a, b| a.at_least.total_cmp(&b.at_least));
            match reached {
                Some(s) if full => format!("{label} {v}，达到“{}”档，{tail}", f(s.at_least)),
                Some(s) => format!(
                    "{label} {v}，达到“{}”档（得分 {}%），{tail}",
                    f(s.at_least),
                    fmt_num(s.fraction * 100.0)
                ),
                None => {
                    let lowest = steps.iter().map(|s| s.at_least).min_by(f64::total_cmp);
                    match lowest {
                        Some(l) => format!("{label} {v}，未达到最低档“{}”，{tail}", f(l)),
                        None => format!("{label} {v}，{tail}"),
                    }
                }
            }
        }
        ScoringRule::PassFail { threshold } => {
            if full {
                format!("{label} {v}，达到 {}的要求，{tail}", f(*threshold))
            } else {
                format!("{label} {v}，未达到 {}的要求，{tail}", f(*threshold))
            }
        }
    }
}
