//! Evaluation (考核评价) of education communities.
//!
//! * [`Standard`]: a region's quantified standard for a year (dimensions → indicators, each automatic — a
//!   measured [`MetricKey`] and a [`ScoringRule`] — or manual), stored as JSON. [`Standard::preset`] gives
//!   Zengdu's five dimensions (管理共进, 师资共育, 资源共享, 协同发展, 整体提升) with 100 points.
//! * [`score_community`]: each indicator's score with a Chinese explanation and the records it counted,
//!   dimension totals and the total.
//! * [`bundled_assessment`] (捆绑考核): the community judged as one, a configurable share coming from its member
//!   schools' progress; [`rank`] / [`rank_bundled`] order a region's communities.
//! * [`development_index`]: the regional development index (0–100) from a formula that is data, and [`trend`].
//!
//! Pure: no IO, no database, no clock.

mod bundled;
mod index;
mod scoring;
mod standard;

pub use bundled::{
    BundledResult, MemberProgress, MemberProgressScore, RankEntry, TIE_DECIMALS,
    bundled_assessment, rank, rank_bundled,
};
pub use index::{
    BALANCE_CV_PASS_SHARE, COVERAGE_RATE, ComponentResult, DevelopmentIndex, EXCHANGE_RATIO,
    IndexComponent, IndexError, IndexFormula, MEAN_BUNDLED_SCORE, MEAN_VALUE_ADDED,
    STANDARD_PASS_SHARE, TrendPoint, component_label_zh, development_index, figures_from_bundled,
    trend,
};
pub use scoring::{
    CommunityInput, DimensionScore, Evidence, IndicatorScore, ManualScore, MetricValue, ScoreCard,
    ScoreError, ScoreStatus, score_community,
};
pub use standard::{
    BundledRule, Dimension, Indicator, IndicatorKind, MetricKey, PresetDimension, ProgressScale,
    ScoringRule, Standard, StandardError, Step, activity_kind_zh,
};

/// A number as explanations print it: at most two decimals, no trailing zeros (`8`, `6.5`, `0.33`).
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let r = (v * 100.0).round() / 100.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests;
