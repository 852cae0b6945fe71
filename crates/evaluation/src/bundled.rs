//! Bundled assessment (捆绑考核): a community is judged as one, part of its score coming from its member
//! schools' progress; and the ranking of a region's communities.

use serde::{Deserialize, Serialize};

use crate::fmt_num;
use crate::scoring::{
    CommunityInput, Evidence, MetricValue, ScoreCard, ScoreError, score_community,
};
use crate::standard::{EPS, MetricKey, ProgressScale, Standard, linear};

/// A member school's progress over the assessment period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberProgress {
    pub school_id: i64,
    pub name: String,
    /// The school's value added in the unified tests (SD units), if measured.
    pub value_added: Option<f64>,
    /// The school's balance improvement (percentage points), if measured.
    pub balance_improvement: Option<f64>,
}

/// A member school's normalised progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberProgressScore {
    pub school_id: i64,
    pub name: String,
    pub value_added: Option<f64>,
    pub balance_improvement: Option<f64>,
    /// Progress in `[0, 100]`: the weighted mean of the two normalised components (a missing one counts 0).
    pub progress: f64,
    pub explanation: String,
}

/// A community's bundled assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledResult {
    pub community_id: i64,
    pub name: String,
    /// The standard's score card (with member metrics filled in from the members when not measured).
    pub card: ScoreCard,
    /// Mean progress of the member schools, `[0, 100]` (0 when there is no member school).
    pub member_progress: f64,
    /// Share of the bundled score from member progress, as the standard says.
    pub member_share: f64,
    /// `(1 − member_share) × card.percent + member_share × member_progress`, in `[0, 100]`.
    pub score: f64,
    /// `score ≥ pass_percent` of the standard.
    pub passed: bool,
    pub members: Vec<MemberProgressScore>,
    /// How the bundled score was made, in Chinese.
    pub explanation: String,
}

fn scaled(scale: &ProgressScale, v: Option<f64>) -> f64 {
    match v {
        Some(x) if x.is_finite() => linear(x, scale.floor, scale.target),
        _ => 0.0,
    }
}

/// Score the community against the standard and weight in its member schools' progress.
///
/// When `input` does not carry [`MetricKey::MemberValueAdded`] or [`MetricKey::MemberBalanceImprovement`], they
/// are filled in with the mean over the members that have the figure (each member cited as evidence of kind
/// `school`).
pub fn bundled_assessment(
    standard: &Standard,
    input: &CommunityInput,
    members: &[MemberProgress],
) -> Result<BundledResult, ScoreError> {
    let mut input = input.clone();
    type Getter = fn(&MemberProgress) -> Option<f64>;
    let fills: [(MetricKey, Getter); 2] = [
        (MetricKey::MemberValueAdded, |m| m.value_added),
        (MetricKey::MemberBalanceImprovement, |m| {
            m.balance_improvement
        }),
    ];
    for (key, get) in fills {
        if input.metrics.iter().any(|m| m.metric == key) {
            continue;
        }
        let have: Vec<(&MemberProgress, f64)> = members
            .iter()
            .filter_map(|m| get(m).filter(|v| v.is_finite()).map(|v| (m, v)))
            .collect();
        if have.is_empty() {
            continue;
        }
        let mean = have.iter().map(|(_, v)| v).sum::<f64>() / have.len() as f64;
        input.metrics.push(MetricValue {
            metric: key.clone(),
            value: mean,
            evidence: have
                .iter()
                .map(|(m, v)| Evidence {
                    kind: "school".into(),
                    id: m.school_id,
                    label: format!("{} {}", m.name, key.format_value(*v)),
                })
                .collect(),
        });
    }
    let card = score_community(standard, &input)?;

    let rule = &standard.bundled;
    let wsum = rule.value_added.weight + rule.balance_improvement.weight;
    let scores: Vec<MemberProgressScore> = members
        .iter()
        .map(|m| {
            let va = scaled(&rule.value_added, m.value_added);
            let bi = scaled(&rule.balance_improvement, m.balance_improvement);
            let progress = if wsum > 0.0 {
                ((rule.value_added.weight * va + rule.balance_improvement.weight * bi) / wsum
                    * 100.0)
                    .clamp(0.0, 100.0)
            } else {
                0.0
            };
            let part = |label: &str, key: MetricKey, v: Option<f64>, share: f64| match v {
                Some(x) if x.is_finite() => {
                    format!(
                        "{label} {}（得分率 {}%）",
                        key.format_value(x),
                        fmt_num(share * 100.0)
                    )
                }
                _ => format!("{label}缺少数据（计 0）"),
            };
            let explanation = format!(
                "{}：{}，{}，进步得分 {}",
                m.name,
                part("增值", MetricKey::MemberValueAdded, m.value_added, va),
                part(
                    "均衡提升",
                    MetricKey::MemberBalanceImprovement,
                    m.balance_improvement,
                    bi
                ),
                fmt_num(progress)
            );
            MemberProgressScore {
                school_id: m.school_id,
                name: m.name.clone(),
                value_added: m.value_added,
                balance_improvement: m.balance_improvement,
                progress,
                explanation,
            }
        })
        .collect();
    let member_progress = if scores.is_empty() {
        0.0
    } else {
        scores.iter().map(|s| s.progress).sum::<f64>() / scores.len() as f64
    };
    let share = rule.member_share.clamp(0.0, 1.0);
    let score = ((1.0 - share) * card.percent + share * member_progress).clamp(0.0, 100.0);
    let explanation = if scores.is_empty() {
        format!(
            "标准得分率 {}%，无成员校进步数据，成员校进步（占 {}%）计 0，捆绑得分 {}",
            fmt_num(card.percent),
            fmt_num(share * 100.0),
            fmt_num(score)
        )
    } else {
        format!(
            "标准得分率 {}% × {}% + 成员校平均进步 {} × {}% = 捆绑得分 {}",
            fmt_num(card.percent),
            fmt_num((1.0 - share) * 100.0),
            fmt_num(member_progress),
            fmt_num(share * 100.0),
            fmt_num(score)
        )
    };
    Ok(BundledResult {
        community_id: input.community_id,
        name: input.name.clone(),
        passed: score >= standard.pass_percent - EPS,
        card,
        member_progress,
        member_share: share,
        score,
        members: scores,
        explanation,
    })
}

/// One community's place in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    /// Competition ranking from 1: tied communities share a rank and the next rank skips (1, 1, 3).
    pub rank: usize,
    pub community_id: i64,
    pub name: String,
    pub score: f64,
    /// Lead over the community listed next (0 when tied); `None` for the last.
    pub gap_to_next: Option<f64>,
    /// Points behind the community listed before; `None` for the first.
    pub gap_to_previous: Option<f64>,
}

/// Scores are tied when equal at this many decimals (what reports print).
pub const TIE_DECIMALS: i32 = 2;

fn tie_key(score: f64) -> i64 {
    if !score.is_finite() {
        return i64::MIN;
    }
    (score * 10f64.powi(TIE_DECIMALS)).round() as i64
}

/// Rank `(community_id, name, score)` by score, highest first. Ties (equal at [`TIE_DECIMALS`] decimals) share a
/// rank and are listed by community id, so the order is deterministic; non-finite scores rank last.
pub fn rank(items: &[(i64, String, f64)]) -> Vec<RankEntry> {
    let mut sorted: Vec<&(i64, String, f64)> = items.iter().collect();
    sorted.sort_by(|a, b| tie_key(b.2).cmp(&tie_key(a.2)).then(a.0.cmp(&b.0)));
    let mut out: Vec<RankEntry> = Vec::with_capacity(sorted.len());
    for (i, (id, name, score)) in sorted.iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if tie_key(prev.score) == tie_key(*score) => prev.rank,
            _ => i + 1,
        };
        let gap = |a: f64, b: f64| {
            if tie_key(a) == tie_key(b) { 0.0 } else { a - b }
        };
        let gap_to_previous = out.last().map(|p| gap(p.score, *score));
        if let Some(p) = out.last_mut() {
            p.gap_to_next = Some(gap(p.score, *score));
        }
        out.push(RankEntry {
            rank,
            community_id: *id,
            name: name.clone(),
            score: *score,
            gap_to_next: None,
            gap_to_previous,
        });
    }
    out
}

/// Rank bundled results by their bundled score.
pub fn rank_bundled(results: &[BundledResult]) -> Vec<RankEntry> {
    let items: Vec<(i64, String, f64)> = results
        .iter()
        .map(|r| (r.community_id, r.name.clone(), r.score))
        .collect();
    rank(&items)
}
