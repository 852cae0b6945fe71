//! Coverage: the share of a region's public compulsory-education schools that are in a community,
//! against the bureau's timeline of targets.

use crate::enums::{Ownership, Stage};
use serde::{Deserialize, Serialize};

/// One school as coverage sees it.
#[derive(Debug, Clone, Copy)]
pub struct CoverageSchool {
    pub ownership: Ownership,
    pub stage: Stage,
    pub in_community: bool,
}

/// A point of the bureau's plan: at least `share` (0–1) by `due_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoverageTarget {
    pub due_on: chrono::NaiveDate,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TargetStatus {
    pub due_on: chrono::NaiveDate,
    pub share: f64,
    /// `met`, `missed` (due and not reached), `on_track` (not due, already reached) or `pending`.
    pub state: String,
    /// Schools still to bring in to reach this target.
    pub schools_needed: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// Public compulsory-education schools in the region.
    pub eligible: u32,
    /// Of those, how many are core or member schools of a community.
    pub covered: u32,
    /// covered / eligible (0 when there are none).
    pub share: f64,
    pub targets: Vec<TargetStatus>,
}

/// Every school stage in the registry is compulsory education (twelve-year schools include it).
fn compulsory(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::Primary | Stage::Junior | Stage::NineYear | Stage::TwelveYear
    )
}

pub fn coverage(
    schools: &[CoverageSchool],
    targets: &[CoverageTarget],
    today: chrono::NaiveDate,
) -> Coverage {
    let eligible: Vec<_> = schools
        .iter()
        .filter(|s| s.ownership == Ownership::Public && compulsory(s.stage))
        .collect();
    let covered = eligible.iter().filter(|s| s.in_community).count() as u32;
    let n = eligible.len() as u32;
    let share = if n == 0 {
        0.0
    } else {
        f64::from(covered) / f64::from(n)
    };
    let mut sorted = targets.to_vec();
    sorted.sort_by_key(|t| t.due_on);
    let targets = sorted
        .into_iter()
        .map(|t| {
            // Needed schools: the smallest count reaching the share (guarding float error).
            let need_total = ((t.share * f64::from(n)) - 1e-9).ceil().max(0.0) as u32;
            let reached = covered >= need_total;
            let state = match (t.due_on < today, reached) {
                (true, true) => "met",
                (true, false) => "missed",
                (false, true) => "on_track",
                (false, false) => "pending",
            };
            TargetStatus {
                due_on: t.due_on,
                share: t.share,
                state: state.into(),
                schools_needed: need_total.saturating_sub(covered),
            }
        })
        .collect();
    Coverage {
        eligible: n,
        covered,
        share,
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn zengdu_figures() {
        // 45 public compulsory schools, 30 in communities: 66.7%.
        let mut schools = vec![];
        for i in 0..45 {
            schools.push(CoverageSchool {
                ownership: Ownership::Public,
                stage: Stage::Primary,
                in_community: i < 30,
            });
        }
        schools.push(CoverageSchool {
            ownership: Ownership::Private,
            stage: Stage::Primary,
            in_community: false,
        });
        let targets = [
            CoverageTarget {
                due_on: d(2024, 12, 31),
                share: 0.8,
            },
            CoverageTarget {
                due_on: d(2025, 12, 31),
                share: 1.0,
            },
        ];
        let c = coverage(&schools, &targets, d(2024, 9, 1));
        assert_eq!((c.eligible, c.covered), (45, 30));
        assert!((c.share - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.targets[0].state, "pending");
        assert_eq!(c.targets[0].schools_needed, 6); // 80% of 45 = 36
        assert_eq!(c.targets[1].schools_needed, 15);
        let later = coverage(&schools, &targets, d(2025, 1, 2));
        assert_eq!(later.targets[0].state, "missed");
    }

    #[test]
    fn empty_region() {
        let c = coverage(&[], &[], d(2025, 1, 1));
        assert_eq!(c.share, 0.0);
    }
}
