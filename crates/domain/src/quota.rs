//! Exchange quota compliance (交流轮岗指标), per community or region and school year, with the
//! rules the texts set (each configurable per region):
//! - long-term exchanges: at least 5 per community (曾都区);
//! - short-term shadowing: at least 20% of a school's teachers (曾都区);
//! - teachers exchanged: at least 10% of eligible teachers, eligible = at least N years at the same
//!   school, N = 6 by default (national policy, 2014);
//! - backbone teachers: at least 20% of those exchanged (national policy; 博乐 reached 32.7%).
//!
//! Pure: the caller passes the school year's exchanges (cancelled ones excluded) and the teachers.

use crate::enums::ExchangeKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuotaRules {
    pub long_term_per_community: i64,
    pub shadowing_share: f64,
    pub exchanged_share: f64,
    pub eligible_years: i64,
    pub backbone_share: f64,
}

impl Default for QuotaRules {
    fn default() -> Self {
        QuotaRules {
            long_term_per_community: 5,
            shadowing_share: 0.20,
            exchanged_share: 0.10,
            eligible_years: 6,
            backbone_share: 0.20,
        }
    }
}

#[derive(Debug, Clone)]
pub struct QExchange {
    pub id: i64,
    pub teacher_id: i64,
    pub from_school: i64,
    pub to_school: i64,
    pub kind: ExchangeKind,
}

#[derive(Debug, Clone)]
pub struct QTeacher {
    pub id: i64,
    pub school_id: i64,
    pub years_at_school: i64,
    pub backbone: bool,
}

#[derive(Debug, Clone)]
pub struct QSchool {
    pub id: i64,
    pub name: String,
    pub community: Option<(i64, String)>,
    /// The core school of its community (the shadowing rule is for member schools).
    pub core: bool,
}

/// One figure: numerator / denominator against a target, and the records behind it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QuotaFigure {
    /// `long_term`, `shadowing`, `exchanged`, `backbone`.
    pub rule: String,
    /// What the figure is about: a community or school name, or the whole scope.
    pub subject: String,
    pub numerator: i64,
    pub denominator: i64,
    /// numerator / denominator for share rules; the count for `long_term`.
    pub ratio: f64,
    pub target: f64,
    pub pass: bool,
    /// Exchange ids (long_term) or teacher ids (the other rules) counted in the numerator.
    pub records: Vec<i64>,
}

fn share(n: i64, d: i64) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Computes every figure for the schools given (the scope). Exchanges count for the scope when
/// they leave or enter one of its schools; teachers count for their school.
pub fn compliance(
    schools: &[QSchool],
    teachers: &[QTeacher],
    exchanges: &[QExchange],
    rules: &QuotaRules,
    scope_name: &str,
) -> Vec<QuotaFigure> {
    let in_scope: BTreeSet<i64> = schools.iter().map(|s| s.id).collect();
    let mut out = vec![];

    // Long-term exchanges per community.
    let mut communities: BTreeMap<i64, String> = BTreeMap::new();
    for s in schools {
        if let Some((id, name)) = &s.community {
            communities.insert(*id, name.clone());
        }
    }
    let community_of: BTreeMap<i64, i64> = schools
        .iter()
        .filter_map(|s| s.community.as_ref().map(|(c, _)| (s.id, *c)))
        .collect();
    for (cid, name) in &communities {
        let records: Vec<i64> = exchanges
            .iter()
            .filter(|e| e.kind == ExchangeKind::LongTerm)
            .filter(|e| {
                community_of.get(&e.from_school) == Some(cid)
                    || community_of.get(&e.to_school) == Some(cid)
            })
            .map(|e| e.id)
            .collect();
        let n = records.len() as i64;
        out.push(QuotaFigure {
            rule: "long_term".into(),
            subject: name.clone(),
            numerator: n,
            denominator: 1,
            ratio: n as f64,
            target: rules.long_term_per_community as f64,
            pass: n >= rules.long_term_per_community,
            records,
        });
    }

    // Shadowing: per member school, distinct teachers of the school who shadowed elsewhere
    // (member-school teachers shadow at the core school; the core school has no such quota).
    let staff: BTreeMap<i64, Vec<&QTeacher>> = teachers.iter().fold(BTreeMap::new(), |mut m, t| {
        m.entry(t.school_id).or_insert_with(Vec::new).push(t);
        m
    });
    for s in schools.iter().filter(|s| s.community.is_some() && !s.core) {
        let total = staff.get(&s.id).map(Vec::len).unwrap_or(0) as i64;
        let shadowing: BTreeSet<i64> = exchanges
            .iter()
            .filter(|e| e.kind == ExchangeKind::Shadowing && e.from_school == s.id)
            .map(|e| e.teacher_id)
            .collect();
        let n = shadowing.len() as i64;
        out.push(QuotaFigure {
            rule: "shadowing".into(),
            subject: s.name.clone(),
            numerator: n,
            denominator: total,
            ratio: share(n, total),
            target: rules.shadowing_share,
            pass: total > 0 && share(n, total) + 1e-12 >= rules.shadowing_share,
            records: shadowing.into_iter().collect(),
        });
    }

    // Exchanged teachers against eligible ones, and the backbone share among them.
    let by_id: BTreeMap<i64, &QTeacher> = teachers.iter().map(|t| (t.id, t)).collect();
    let eligible = teachers
        .iter()
        .filter(|t| in_scope.contains(&t.school_id) && t.years_at_school >= rules.eligible_years)
        .count() as i64;
    let exchanged: BTreeSet<i64> = exchanges
        .iter()
        .filter(|e| in_scope.contains(&e.from_school))
        .map(|e| e.teacher_id)
        .collect();
    let n = exchanged.len() as i64;
    out.push(QuotaFigure {
        rule: "exchanged".into(),
        subject: scope_name.to_owned(),
        numerator: n,
        denominator: eligible,
        ratio: share(n, eligible),
        target: rules.exchanged_share,
        pass: eligible > 0 && share(n, eligible) + 1e-12 >= rules.exchanged_share,
        records: exchanged.iter().copied().collect(),
    });
    let backbone: Vec<i64> = exchanged
        .iter()
        .copied()
        .filter(|id| by_id.get(id).is_some_and(|t| t.backbone))
        .collect();
    let b = backbone.len() as i64;
    out.push(QuotaFigure {
        rule: "backbone".into(),
        subject: scope_name.to_owned(),
        numerator: b,
        denominator: n,
        ratio: share(b, n),
        target: rules.backbone_share,
        pass: n > 0 && share(b, n) + 1e-12 >= rules.backbone_share,
        records: backbone,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school(id: i64, c: i64) -> QSchool {
        QSchool {
            id,
            name: format!("S{id}"),
            community: Some((c, format!("C{c}"))),
            core: false,
        }
    }

    #[test]
    fn figures_follow_the_texts() {
        let mut core = school(3, 10);
        core.core = true;
        let schools = vec![school(1, 10), school(2, 10), core];
        // 10 teachers at school 1 (6 eligible, 2 backbone), 5 at school 2.
        let mut teachers = vec![];
        for i in 0..10 {
            teachers.push(QTeacher {
                id: i,
                school_id: 1,
                years_at_school: if i < 6 { 8 } else { 2 },
                backbone: i < 2,
            });
        }
        for i in 10..15 {
            teachers.push(QTeacher {
                id: i,
                school_id: 2,
                years_at_school: 1,
                backbone: false,
            });
        }
        let ex = |id, t, kind| QExchange {
            id,
            teacher_id: t,
            from_school: 1,
            to_school: 2,
            kind,
        };
        let exchanges = vec![
            ex(100, 0, ExchangeKind::LongTerm),
            ex(101, 3, ExchangeKind::Shadowing),
            ex(102, 4, ExchangeKind::Shadowing),
            ex(103, 4, ExchangeKind::Shadowing),
        ];
        let f = compliance(
            &schools,
            &teachers,
            &exchanges,
            &QuotaRules::default(),
            "全区",
        );
        let get = |rule: &str, subject: &str| {
            f.iter()
                .find(|x| x.rule == rule && x.subject == subject)
                .unwrap()
                .clone()
        };
        let lt = get("long_term", "C10");
        assert_eq!(
            (lt.numerator, lt.pass, lt.records.clone()),
            (1, false, vec![100])
        );
        let sh = get("shadowing", "S1");
        assert_eq!((sh.numerator, sh.denominator), (2, 10)); // teacher 4 counted once
        assert!(sh.pass);
        assert!(!get("shadowing", "S2").pass);
        assert!(
            f.iter()
                .all(|x| !(x.rule == "shadowing" && x.subject == "S3")),
            "no shadowing quota for the core school"
        );
        let exd = get("exchanged", "全区");
        assert_eq!((exd.numerator, exd.denominator), (3, 6));
        assert!(exd.pass);
        let bb = get("backbone", "全区");
        assert_eq!(
            (bb.numerator, bb.denominator, bb.records.clone()),
            (1, 3, vec![0])
        );
        assert!(bb.pass); // 33.3% ≥ 20%
    }

    #[test]
    fn empty_scope_fails_share_rules_without_dividing_by_zero() {
        let f = compliance(&[], &[], &[], &QuotaRules::default(), "空");
        assert!(f.iter().all(|x| !x.pass && x.ratio == 0.0));
    }
}
