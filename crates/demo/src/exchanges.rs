//! A plausible two school years of exchanges (交流轮岗) for 曾都区's communities: 2025–2026
//! (finished) and 2026–2027 (under way), with the hours ledger. Shaped so that some quota
//! figures pass and some do not, as in the reports.

use crate::rng::{R, sub_rng};
use crate::{DemoCommunity, DemoTeacher};
use chrono::NaiveDate;
use gongjin_domain::{ExchangeKind, ExchangeStatus};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoExchange {
    pub staff_number: String,
    pub from_code: String,
    pub to_code: String,
    pub kind: ExchangeKind,
    pub subject: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub weekly_pattern: String,
    pub status: ExchangeStatus,
    /// Hours-ledger entries: date and hours.
    pub hours: Vec<(NaiveDate, f64)>,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// Monthly hours entries between two dates (at most up to `until`).
fn ledger(
    rng: &mut R,
    start: NaiveDate,
    end: NaiveDate,
    until: NaiveDate,
    per_month: (f64, f64),
) -> Vec<(NaiveDate, f64)> {
    use chrono::Datelike;
    let mut out = vec![];
    let mut cur = start;
    let stop = end.min(until);
    while cur <= stop {
        // Skip July and August (summer holiday).
        if !matches!(cur.month(), 7 | 8) {
            let h = (rng.random_range(per_month.0..per_month.1) * 2.0).round() / 2.0;
            let day = rng.random_range(20..=28);
            let on = d(cur.year(), cur.month(), day).min(stop);
            out.push((on, h));
        }
        cur = if cur.month() == 12 {
            d(cur.year() + 1, 1, 1)
        } else {
            d(cur.year(), cur.month() + 1, 1)
        };
    }
    out
}

pub(crate) fn generate(
    seed: u64,
    communities: &[&DemoCommunity],
    teachers: &[DemoTeacher],
) -> Vec<DemoExchange> {
    let mut out = vec![];
    let until = d(2026, 11, 20);
    for (ci, c) in communities.iter().enumerate() {
        let mut rng = sub_rng(seed, &format!("exchanges-{}", c.fields.name), 7);
        let core = c.core_school_code.clone();
        let members: Vec<String> = c.members.iter().map(|m| m.school_code.clone()).collect();
        if members.is_empty() {
            continue;
        }
        let staff_of = |code: &str| -> Vec<&DemoTeacher> {
            teachers
                .iter()
                .filter(|t| t.school_code == code && t.fields.status.as_deref() != Some("retired"))
                .collect()
        };
        let mut core_staff = staff_of(&core);
        core_staff.shuffle(&mut rng);
        let mut used = std::collections::BTreeSet::new();
        let mut take = |pool: &mut Vec<&DemoTeacher>,
                        prefer_backbone: bool,
                        rng: &mut R|
         -> Option<DemoTeacher> {
            let pos = pool
                .iter()
                .position(|t| {
                    !used.contains(&t.fields.staff_number)
                        && t.fields.years_at_school.unwrap_or(0) >= 6
                        && (!prefer_backbone
                            || t.fields
                                .backbone_level
                                .as_deref()
                                .is_some_and(|b| b != "none" && b != "无"))
                })
                .or_else(|| {
                    pool.iter()
                        .position(|t| !used.contains(&t.fields.staff_number))
                })?;
            let _ = rng;
            let t = pool.remove(pos);
            used.insert(t.fields.staff_number.clone());
            Some(t.clone())
        };
        for (year, status) in [
            (2025, ExchangeStatus::Finished),
            (2026, ExchangeStatus::Active),
        ] {
            let (start, end) = (d(year, 9, 1), d(year + 1, 8, 31));
            // Long-term exchanges: the strongest communities reach 5, others fall short.
            let long_term = if ci % 3 == 2 {
                3
            } else {
                5 + rng.random_range(0..2)
            };
            for i in 0..long_term {
                let to = members[i % members.len()].clone();
                let prefer_backbone = i % 3 == 0;
                if let Some(t) = take(&mut core_staff, prefer_backbone, &mut rng) {
                    let subject = t.fields.subjects.first().cloned().unwrap_or_default();
                    out.push(DemoExchange {
                        staff_number: t.fields.staff_number.clone(),
                        from_code: core.clone(),
                        to_code: to,
                        kind: ExchangeKind::LongTerm,
                        subject,
                        start_on: start,
                        end_on: end,
                        weekly_pattern: "每周一至周五".into(),
                        status,
                        hours: ledger(&mut rng, start, end, until, (48.0, 72.0)),
                    });
                }
            }
            // A part-time vice principal stationed one day a week.
            if let Some(t) = take(&mut core_staff, true, &mut rng) {
                let to = members[rng.random_range(0..members.len())].clone();
                out.push(DemoExchange {
                    staff_number: t.fields.staff_number.clone(),
                    from_code: core.clone(),
                    to_code: to,
                    kind: ExchangeKind::PartTimeVicePrincipal,
                    subject: String::new(),
                    start_on: start,
                    end_on: end,
                    weekly_pattern: ["每周二", "每周三", "每周四"][rng.random_range(0..3)].into(),
                    status,
                    hours: ledger(&mut rng, start, end, until, (28.0, 36.0)),
                });
            }
            // Sending lessons: a few one-week visits.
            for _ in 0..2 {
                if let Some(t) = take(&mut core_staff, false, &mut rng) {
                    let to = members[rng.random_range(0..members.len())].clone();
                    let s = d(year, 10 + rng.random_range(0..3), 6);
                    out.push(DemoExchange {
                        staff_number: t.fields.staff_number.clone(),
                        from_code: core.clone(),
                        to_code: to,
                        kind: ExchangeKind::SendingLessons,
                        subject: t.fields.subjects.first().cloned().unwrap_or_default(),
                        start_on: s,
                        end_on: s + chrono::Duration::days(4),
                        weekly_pattern: String::new(),
                        status: if s > until {
                            ExchangeStatus::Planned
                        } else {
                            ExchangeStatus::Finished
                        },
                        hours: if s <= until {
                            vec![(s + chrono::Duration::days(4), 8.0)]
                        } else {
                            vec![]
                        },
                    });
                }
            }
            // Shadowing: member-school teachers spend two weeks at the core school; about a
            // fifth of a member school's staff, a little more or less.
            for m in &members {
                let mut staff = staff_of(m);
                staff.shuffle(&mut rng);
                let share = [0.12, 0.18, 0.22, 0.26][rng.random_range(0..4)];
                let n = ((staff.len() as f64) * share).round() as usize;
                for t in staff.into_iter().take(n) {
                    let s = d(
                        year,
                        10 + rng.random_range(0..2),
                        12 + rng.random_range(0..6),
                    );
                    let e = s + chrono::Duration::days(13);
                    out.push(DemoExchange {
                        staff_number: t.fields.staff_number.clone(),
                        from_code: m.clone(),
                        to_code: core.clone(),
                        kind: ExchangeKind::Shadowing,
                        subject: t.fields.subjects.first().cloned().unwrap_or_default(),
                        start_on: s,
                        end_on: e,
                        weekly_pattern: String::new(),
                        status: if year == 2026 && e > until {
                            ExchangeStatus::Active
                        } else {
                            ExchangeStatus::Finished
                        },
                        hours: if s <= until {
                            vec![(e.min(until), 40.0)]
                        } else {
                            vec![]
                        },
                    });
                }
            }
        }
    }
    out
}
