//! What the assessment reads, for one community or every community of a region at once.
//!
//! [`Store::assessment_facts`] reads every row the standard's automatic metrics count, keyed by
//! community, in a fixed number of statements (about twenty, however many communities, schools,
//! teachers or records there are); [`Facts::metrics`] then measures a community's metrics by pure
//! aggregation. The single community's score card and the region's ranking, dashboard and
//! development index go through the same two functions, so they cannot disagree.

use crate::communities::CommunityEntry;
use crate::conditions::{BalanceRuleSettings, ConditionRecord};
use crate::scope::Visible;
use crate::{Result, Store, StoreError};
use gongjin_domain::quota::{QExchange, QSchool, QTeacher, QuotaFigure, QuotaRules};
use gongjin_evaluation::{Evidence, ManualScore, MetricKey, MetricValue, Standard};
use gongjin_scores::ScoreRow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which communities a set-based figure covers.
#[derive(Debug, Clone)]
pub enum Communities {
    One(i64),
    /// Every community whose region is in this subtree (a region path).
    InRegion(String),
}

impl Communities {
    fn visible(&self) -> Visible {
        match self {
            Communities::One(id) => Visible::Community(*id),
            Communities::InRegion(p) => Visible::RegionPrefix(p.clone()),
        }
    }

    /// The SQL restricting a community id column, with `$3` its parameter.
    fn fragment(&self) -> &'static str {
        match self {
            Communities::One(_) => "= $3",
            Communities::InRegion(_) => {
                "IN (SELECT cx.id FROM communities cx JOIN regions rx ON rx.id = cx.region_id WHERE rx.path LIKE $3)"
            }
        }
    }
}

pub(crate) fn ev(kind: &str, id: i64, label: impl Into<String>) -> Evidence {
    Evidence {
        kind: kind.to_owned(),
        id,
        label: label.into(),
    }
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// A member-school figure: the mean over the member schools, the evidence, and each school's value.
#[derive(Debug, Clone)]
pub(crate) struct MemberFigure {
    pub mean: f64,
    pub evidence: Vec<Evidence>,
    pub per_school: Vec<(i64, f64)>,
}

impl MemberFigure {
    fn of(per_school: Vec<(i64, f64)>, evidence: Vec<Evidence>) -> MemberFigure {
        MemberFigure {
            mean: per_school.iter().map(|x| x.1).sum::<f64>() / per_school.len().max(1) as f64,
            evidence,
            per_school,
        }
    }
}

type Rows<T> = HashMap<i64, Vec<T>>;

fn group<T>(rows: Vec<(i64, T)>) -> Rows<T> {
    let mut out: Rows<T> = HashMap::new();
    for (k, v) in rows {
        out.entry(k).or_default().push(v);
    }
    out
}

/// The most specific row for a region path among rows keyed by region path: the longest path that
/// is a prefix of `path` (the region itself, else its nearest ancestor).
fn nearest<'a, T>(rows: &'a [(String, T)], path: &str) -> Option<&'a T> {
    rows.iter()
        .filter(|(p, _)| path.starts_with(p.as_str()))
        .max_by_key(|(p, _)| p.len())
        .map(|(_, t)| t)
}

/// Everything the assessment of a set of communities reads for one school year.
pub struct Facts {
    pub year: i32,
    /// The communities covered, each with its current schools.
    pub communities: Vec<CommunityEntry>,
    standards: HashMap<i64, Standard>,
    manual: Rows<ManualScore>,
    quota: HashMap<i64, Vec<QuotaFigure>>,
    teacher_names: HashMap<i64, String>,
    exchange_hours: Rows<(i64, i64, f64)>,
    activities: Rows<(i64, String, String, String)>,
    sync_lessons: Rows<(i64, String, String)>,
    deliveries: Rows<(i64, String, i64, i64)>,
    events: Rows<(i64, String, i64)>,
    tasks: Rows<(i64, String, String, Option<String>)>,
    decisions: Rows<(i64, String, String)>,
    projects: Rows<(i64, String, Option<f64>)>,
    value_added: HashMap<i64, MemberFigure>,
    balance_improvement: HashMap<i64, MemberFigure>,
}

impl Facts {
    /// The standard that applies to a community (its region's, the nearest ancestor's, or the preset).
    pub fn standard(&self, community_id: i64) -> Option<&Standard> {
        self.standards.get(&community_id)
    }

    pub fn manual(&self, community_id: i64) -> Vec<ManualScore> {
        self.manual.get(&community_id).cloned().unwrap_or_default()
    }

    /// The community's quota figures (long-term, shadowing per member school, exchanged, backbone).
    pub fn quota(&self, community_id: i64) -> &[QuotaFigure] {
        self.quota.get(&community_id).map_or(&[], Vec::as_slice)
    }

    /// Each member school's value added and balance improvement, where known.
    pub fn member_progress(&self, community_id: i64) -> Vec<gongjin_evaluation::MemberProgress> {
        let Some(c) = self
            .communities
            .iter()
            .find(|c| c.community.id == community_id)
        else {
            return vec![];
        };
        let of = |m: Option<&MemberFigure>, id: i64| {
            m.and_then(|f| f.per_school.iter().find(|x| x.0 == id).map(|x| x.1))
        };
        let mut members: Vec<_> = c.members.iter().filter(|m| m.role != "core").collect();
        members.sort_by_key(|m| m.school_id);
        members
            .into_iter()
            .map(|m| gongjin_evaluation::MemberProgress {
                school_id: m.school_id,
                name: m.school_name.clone(),
                value_added: of(self.value_added.get(&community_id), m.school_id),
                balance_improvement: of(self.balance_improvement.get(&community_id), m.school_id),
            })
            .collect()
    }

    /// Measures every automatic metric in `wanted` for a community, each with the records it
    /// counted. Metrics the records cannot give (no pair of comparable tests, no conditions in both
    /// years) are left out, so the score card lists them as missing.
    pub fn metrics(&self, community_id: i64, wanted: &[MetricKey]) -> Vec<MetricValue> {
        let empty_q: Vec<QuotaFigure> = vec![];
        let figures = self.quota.get(&community_id).unwrap_or(&empty_q);
        let teacher_name = |id: i64| {
            self.teacher_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}"))
        };
        let figure = |rule: &'static str| figures.iter().filter(move |f| f.rule == rule);
        let mut out = vec![];
        for m in wanted {
            let value = match m {
                MetricKey::ExchangeRatio | MetricKey::BackboneShare | MetricKey::ShadowingShare => {
                    let rule = match m {
                        MetricKey::ExchangeRatio => "exchanged",
                        MetricKey::BackboneShare => "backbone",
                        _ => "shadowing",
                    };
                    let (mut n, mut d, mut evidence) = (0, 0, vec![]);
                    for f in figure(rule) {
                        n += f.numerator as usize;
                        d += f.denominator as usize;
                        evidence
                            .extend(f.records.iter().map(|&t| ev("teacher", t, teacher_name(t))));
                    }
                    Some((ratio(n, d), evidence))
                }
                MetricKey::LongTermExchanges => {
                    let f = figure("long_term").next();
                    let evidence = f
                        .map(|f| {
                            f.records
                                .iter()
                                .map(|&x| ev("exchange", x, format!("交流记录 #{x}")))
                                .collect()
                        })
                        .unwrap_or_default();
                    Some((f.map(|f| f.numerator as f64).unwrap_or(0.0), evidence))
                }
                MetricKey::HoursPerExchangedTeacher => {
                    let rows = rows_of(&self.exchange_hours, community_id);
                    let teachers: BTreeSet<i64> = rows.iter().map(|r| r.1).collect();
                    let hours: f64 = rows.iter().map(|r| r.2).sum();
                    Some((
                        if teachers.is_empty() {
                            0.0
                        } else {
                            hours / teachers.len() as f64
                        },
                        rows.iter()
                            .filter(|r| r.2 > 0.0)
                            .map(|r| ev("exchange", r.0, format!("{} 课时", r.2)))
                            .collect(),
                    ))
                }
                MetricKey::ActivitiesPerTerm { kind } => {
                    let picked: Vec<_> = rows_of(&self.activities, community_id)
                        .iter()
                        .filter(|r| kind.as_ref().is_none_or(|k| &r.2 == k))
                        .collect();
                    Some((
                        picked.len() as f64 / 2.0,
                        picked
                            .iter()
                            .map(|r| ev("activity", r.0, r.1.clone()))
                            .collect(),
                    ))
                }
                MetricKey::JointResearchWeeks => {
                    let mut weeks = BTreeSet::new();
                    let mut evidence = vec![];
                    for (id, title, kind, on) in rows_of(&self.activities, community_id) {
                        if matches!(kind.as_str(), "student_activity" | "culture" | "visit") {
                            continue;
                        }
                        if let Ok(d) = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d") {
                            use chrono::Datelike;
                            let w = d.iso_week();
                            if weeks.insert((w.year(), w.week())) {
                                evidence.push(ev("activity", *id, title.clone()));
                            }
                        }
                    }
                    Some((weeks.len() as f64, evidence))
                }
                MetricKey::SyncLessons | MetricKey::SyncLessonSubjects => {
                    let rows = rows_of(&self.sync_lessons, community_id);
                    let subjects: BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
                    let v = if *m == MetricKey::SyncLessons {
                        rows.len() as f64
                    } else {
                        subjects.len() as f64
                    };
                    Some((
                        v,
                        rows.iter()
                            .map(|r| ev("sync_lesson", r.0, format!("{} {}", r.1, r.2)))
                            .collect(),
                    ))
                }
                MetricKey::CourseHoursShared | MetricKey::StudentsReached => {
                    let rows = rows_of(&self.deliveries, community_id);
                    let mut v: f64 = rows
                        .iter()
                        .map(|r| {
                            if *m == MetricKey::CourseHoursShared {
                                r.2 as f64
                            } else {
                                r.3 as f64
                            }
                        })
                        .sum();
                    let mut evidence: Vec<Evidence> = vec![];
                    for r in rows {
                        if !evidence.iter().any(|e| e.id == r.0) {
                            evidence.push(ev("course", r.0, r.1.clone()));
                        }
                    }
                    if *m == MetricKey::StudentsReached {
                        let events = rows_of(&self.events, community_id);
                        v += events.iter().map(|e| e.2 as f64).sum::<f64>();
                        evidence
                            .extend(events.iter().map(|e| ev("student_event", e.0, e.1.clone())));
                    }
                    Some((v, evidence))
                }
                MetricKey::MentoringTasksCompleted => {
                    let rows = rows_of(&self.tasks, community_id);
                    let done: Vec<_> = rows
                        .iter()
                        .filter(|r| r.3.as_deref().is_some_and(|d| d <= r.2.as_str()))
                        .collect();
                    Some((
                        ratio(done.len(), rows.len()),
                        done.iter()
                            .map(|r| ev("mentorship", r.0, r.1.clone()))
                            .collect(),
                    ))
                }
                MetricKey::MeetingDecisionsDone => {
                    let rows = rows_of(&self.decisions, community_id);
                    let done: Vec<_> = rows.iter().filter(|r| r.2 == "done").collect();
                    Some((
                        ratio(done.len(), rows.len()),
                        done.iter()
                            .map(|r| ev("meeting", r.0, r.1.clone()))
                            .collect(),
                    ))
                }
                MetricKey::MemberValueAdded => self
                    .value_added
                    .get(&community_id)
                    .map(|f| (f.mean, f.evidence.clone())),
                MetricKey::MemberBalanceImprovement => self
                    .balance_improvement
                    .get(&community_id)
                    .map(|f| (f.mean, f.evidence.clone())),
                MetricKey::ApprovedProjectScore => {
                    // Approved projects whose period ends in the school year; the score the reviewers
                    // gave on approval. None approved: 0, with no evidence.
                    let rows = rows_of(&self.projects, community_id);
                    let scores: Vec<f64> = rows.iter().map(|r| r.2.unwrap_or(0.0)).collect();
                    Some((
                        if scores.is_empty() {
                            0.0
                        } else {
                            scores.iter().sum::<f64>() / scores.len() as f64
                        },
                        rows.iter()
                            .map(|r| {
                                ev(
                                    "project",
                                    r.0,
                                    format!(
                                        "{} 评审得分 {}",
                                        r.1,
                                        gongjin_evaluation::fmt_num(r.2.unwrap_or(0.0))
                                    ),
                                )
                            })
                            .collect(),
                    ))
                }
            };
            if let Some((value, evidence)) = value {
                out.push(MetricValue {
                    metric: m.clone(),
                    value,
                    evidence,
                });
            }
        }
        out
    }
}

fn rows_of<T>(m: &Rows<T>, id: i64) -> &[T] {
    m.get(&id).map_or(&[], Vec::as_slice)
}

/// The scope parameter of [`Communities::fragment`].
enum Param {
    Id(i64),
    Prefix(String),
}

impl Store {
    /// Runs `sql` with `$1`/`$2` the school year's first and last day and `{IN}` restricting a
    /// community id column to the communities covered (`$3`).
    async fn scoped<T>(
        &self,
        scope: &Communities,
        sql: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let sql = sql.replace("{IN}", scope.fragment());
        let param = match scope {
            Communities::One(id) => Param::Id(*id),
            Communities::InRegion(p) => Param::Prefix(format!("{p}%")),
        };
        let q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
            .bind(from.to_owned())
            .bind(to.to_owned());
        let q = match param {
            Param::Id(id) => q.bind(id),
            Param::Prefix(p) => q.bind(p),
        };
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// The facts of every community in a region's subtree for a school year, kept until the next
    /// write ([`Store::cached`]).
    pub async fn region_facts(&self, path: &str, year: i32) -> Result<std::sync::Arc<Facts>> {
        let scope = Communities::InRegion(path.to_owned());
        self.cached(
            &format!("facts:{path}:{year}"),
            self.assessment_facts(&scope, year),
        )
        .await
    }

    /// Reads everything the assessment of `scope` counts in school year `year` (see the module
    /// head): a fixed number of statements, whatever the number of communities and records.
    pub async fn assessment_facts(&self, scope: &Communities, year: i32) -> Result<Facts> {
        let communities = self.communities_in(&scope.visible()).await?;
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let (from, to) = (from.to_string(), to.to_string());
        let (from, to) = (from.as_str(), to.as_str());
        const MEMBER_SCHOOLS: &str =
            "(SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id {IN})";

        // Standards, quota rules and balance rules: every stored row (a handful per region),
        // resolved per community by the nearest region up the tree.
        let standard_rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT r.path, s.version, s.body FROM standards s JOIN regions r ON r.id = s.region_id WHERE s.year = $1 ORDER BY LENGTH(r.path), s.version",
        )
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        let mut parsed: Vec<(String, Standard)> = vec![];
        for (path, _, body) in standard_rows {
            let s: Standard = serde_json::from_str(&body)
                .map_err(|e| StoreError::Config(format!("stored standard: {e}")))?;
            // Later (higher) versions of the same region replace earlier ones.
            parsed.retain(|(p, _)| *p != path);
            parsed.push((path, s));
        }
        let standards = communities
            .iter()
            .map(|c| {
                let s = nearest(&parsed, &c.region_path)
                    .cloned()
                    .unwrap_or_else(|| Standard::preset(c.community.region_id, year));
                (c.community.id, s)
            })
            .collect();
        let quota_rows: Vec<(String, i64, f64, f64, i64, f64)> = sqlx::query_as(
            "SELECT r.path, q.long_term_per_community, q.shadowing_share, q.exchanged_share, q.eligible_years, q.backbone_share FROM quota_rules q JOIN regions r ON r.id = q.region_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let quota_rules: Vec<(String, QuotaRules)> = quota_rows
            .into_iter()
            .map(|(p, l, s, e, y, b)| {
                (
                    p,
                    QuotaRules {
                        long_term_per_community: l,
                        shadowing_share: s,
                        exchanged_share: e,
                        eligible_years: y,
                        backbone_share: b,
                    },
                )
            })
            .collect();

        let manual = group(
            self.scoped::<(i64, String, f64, String, String)>(
                scope,
                "SELECT community_id, indicator, score, comment, reviewer FROM manual_scores WHERE year = CAST(SUBSTR($1, 1, 4) AS BIGINT) AND $2 <> '' AND community_id {IN} ORDER BY community_id, indicator",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, indicator, score, comment, reviewer)| {
                (
                    c,
                    ManualScore {
                        indicator,
                        score,
                        comment,
                        reviewer,
                        attachments: vec![],
                    },
                )
            })
            .collect(),
        );

        // Quotas: the member schools, their active teachers and the exchanges touching them, read
        // once and split by community.
        let teachers: Vec<(i64, i64, i64, String)> = self
            .scoped(
                scope,
                &format!(
                    "SELECT t.id, t.school_id, t.years_at_school, t.backbone_level FROM teachers t WHERE t.status = 'active' AND $1 <> $2 AND t.school_id IN {MEMBER_SCHOOLS}"
                ),
                from,
                to,
            )
            .await?;
        let exchange_where = format!(
            "e.status <> 'cancelled' AND e.start_on <= $2 AND e.end_on >= $1 AND (e.from_school_id IN {MEMBER_SCHOOLS} OR e.to_school_id IN {MEMBER_SCHOOLS})"
        );
        let exchanges: Vec<(i64, i64, i64, i64, String)> = self
            .scoped(
                scope,
                &format!("SELECT e.id, e.teacher_id, e.from_school_id, e.to_school_id, e.kind FROM exchanges e WHERE {exchange_where} ORDER BY e.id"),
                from,
                to,
            )
            .await?;
        let teacher_names: HashMap<i64, String> = self
            .scoped::<(i64, String)>(
                scope,
                &format!("SELECT t.id, t.name FROM teachers t WHERE t.id IN (SELECT e.teacher_id FROM exchanges e WHERE {exchange_where})"),
                from,
                to,
            )
            .await?
            .into_iter()
            .collect();
        let community_of: HashMap<i64, (i64, String, bool)> = communities
            .iter()
            .flat_map(|c| {
                c.members.iter().map(|m| {
                    (
                        m.school_id,
                        (c.community.id, c.community.name.clone(), m.role == "core"),
                    )
                })
            })
            .collect();
        let mut q_schools: Rows<QSchool> = HashMap::new();
        for c in &communities {
            for m in &c.members {
                q_schools.entry(c.community.id).or_default().push(QSchool {
                    id: m.school_id,
                    name: m.school_name.clone(),
                    community: Some((c.community.id, c.community.name.clone())),
                    core: m.role == "core",
                });
            }
        }
        for v in q_schools.values_mut() {
            v.sort_by_key(|s| s.id);
        }
        let mut q_teachers: Rows<QTeacher> = HashMap::new();
        for (id, school_id, years, b) in teachers {
            if let Some((cid, _, _)) = community_of.get(&school_id) {
                q_teachers.entry(*cid).or_default().push(QTeacher {
                    id,
                    school_id,
                    years_at_school: years,
                    backbone: b != "none",
                });
            }
        }
        let mut q_exchanges: Rows<QExchange> = HashMap::new();
        for (id, teacher_id, from_school, to_school, kind) in exchanges {
            let Some(kind) = gongjin_domain::ExchangeKind::parse(&kind) else {
                continue;
            };
            let mut cids: Vec<i64> = [from_school, to_school]
                .iter()
                .filter_map(|s| community_of.get(s).map(|x| x.0))
                .collect();
            cids.dedup();
            for cid in cids {
                q_exchanges.entry(cid).or_default().push(QExchange {
                    id,
                    teacher_id,
                    from_school,
                    to_school,
                    kind,
                });
            }
        }
        let quota = communities
            .iter()
            .map(|c| {
                let id = c.community.id;
                let rules = nearest(&quota_rules, &c.region_path)
                    .cloned()
                    .unwrap_or_default();
                let figures = gongjin_domain::quota::compliance(
                    q_schools.get(&id).map_or(&[], Vec::as_slice),
                    q_teachers.get(&id).map_or(&[], Vec::as_slice),
                    q_exchanges.get(&id).map_or(&[], Vec::as_slice),
                    &rules,
                    &c.community.name,
                );
                (id, figures)
            })
            .collect();

        // Exchanges touching the member schools with the hours logged in the year.
        let exchange_hours = group(
            self.scoped::<(i64, i64, i64, f64)>(
                scope,
                "SELECT x.community_id, e.id, e.teacher_id, CAST(COALESCE(h.hours, 0) AS DOUBLE PRECISION) FROM (\
                 SELECT m.community_id, e.id AS exchange_id FROM exchanges e JOIN memberships m ON m.school_id = e.from_school_id AND m.left_on IS NULL \
                 WHERE e.status <> 'cancelled' AND e.start_on <= $2 AND e.end_on >= $1 AND m.community_id {IN} \
                 UNION SELECT m.community_id, e.id AS exchange_id FROM exchanges e JOIN memberships m ON m.school_id = e.to_school_id AND m.left_on IS NULL \
                 WHERE e.status <> 'cancelled' AND e.start_on <= $2 AND e.end_on >= $1 AND m.community_id {IN}) x \
                 JOIN exchanges e ON e.id = x.exchange_id \
                 LEFT JOIN (SELECT exchange_id, SUM(hours) AS hours FROM exchange_hours WHERE on_date >= $1 AND on_date <= $2 GROUP BY exchange_id) h ON h.exchange_id = e.id \
                 ORDER BY x.community_id, e.id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, id, t, h)| (c, (id, t, h)))
            .collect(),
        );
        let activities = group(
            self.scoped::<(i64, i64, String, String, String)>(
                scope,
                "SELECT community_id, id, title, kind, held_on FROM activities WHERE status = 'done' AND held_on >= $1 AND held_on <= $2 AND community_id {IN} ORDER BY community_id, held_on, id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, id, title, kind, on)| (c, (id, title, kind, on)))
            .collect(),
        );
        let sync_lessons = group(
            self.scoped::<(i64, i64, String, String)>(
                scope,
                "SELECT community_id, id, subject, topic FROM sync_lessons WHERE status = 'done' AND held_on >= $1 AND held_on <= $2 AND community_id {IN} ORDER BY community_id, held_on, id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, id, s, t)| (c, (id, s, t)))
            .collect(),
        );
        let deliveries = group(
            self.scoped::<(i64, i64, i64, String, i64, i64)>(
                scope,
                "SELECT m.community_id, d.id, c.id, c.title, d.hours, d.students FROM course_deliveries d JOIN courses c ON c.id = d.course_id \
                 JOIN memberships m ON m.school_id = c.school_id AND m.left_on IS NULL \
                 WHERE d.delivered_on >= $1 AND d.delivered_on <= $2 AND m.community_id {IN} ORDER BY m.community_id, d.id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(cm, _, id, title, h, s)| (cm, (id, title, h, s)))
            .collect(),
        );
        let events = group(
            self.scoped::<(i64, i64, String, i64)>(
                scope,
                "SELECT community_id, id, title, students FROM student_events WHERE held_on >= $1 AND held_on <= $2 AND community_id {IN} ORDER BY community_id, id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, id, t, s)| (c, (id, t, s)))
            .collect(),
        );
        let tasks = group(
            self.scoped::<(i64, i64, i64, String, String, Option<String>)>(
                scope,
                "SELECT x.community_id, k.id, ms.id, k.title, k.due_on, k.done_on FROM (\
                 SELECT m.community_id, k.id AS task_id FROM mentorship_tasks k JOIN mentorships ms ON ms.id = k.mentorship_id JOIN teachers t ON t.id = ms.mentor_id \
                 JOIN memberships m ON m.school_id = t.school_id AND m.left_on IS NULL WHERE k.due_on >= $1 AND k.due_on <= $2 AND m.community_id {IN} \
                 UNION SELECT m.community_id, k.id AS task_id FROM mentorship_tasks k JOIN mentorships ms ON ms.id = k.mentorship_id JOIN teachers t ON t.id = ms.apprentice_id \
                 JOIN memberships m ON m.school_id = t.school_id AND m.left_on IS NULL WHERE k.due_on >= $1 AND k.due_on <= $2 AND m.community_id {IN}) x \
                 JOIN mentorship_tasks k ON k.id = x.task_id JOIN mentorships ms ON ms.id = k.mentorship_id ORDER BY x.community_id, k.id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, _, ms, title, due, done)| (c, (ms, title, due, done)))
            .collect(),
        );
        let decisions = group(
            self.scoped::<(i64, i64, i64, String, String)>(
                scope,
                "SELECT m.community_id, d.id, m.id, d.content, d.status FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id \
                 WHERE m.held_on >= $1 AND m.held_on <= $2 AND d.status <> 'dropped' AND m.community_id {IN} ORDER BY m.community_id, d.id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, _, id, content, status)| (c, (id, content, status)))
            .collect(),
        );
        let projects = group(
            self.scoped::<(i64, i64, String, Option<f64>)>(
                scope,
                "SELECT community_id, id, title, score FROM projects WHERE status = 'approved' AND period_to >= $1 AND period_to <= $2 AND community_id {IN} ORDER BY community_id, period_to, id",
                from,
                to,
            )
            .await?
            .into_iter()
            .map(|(c, id, t, s)| (c, (id, t, s)))
            .collect(),
        );

        let value_added = self
            .members_value_added(scope, &communities, from, to)
            .await?;
        let balance_improvement = self
            .members_balance_improvement(scope, &communities, year)
            .await?;

        Ok(Facts {
            year,
            communities,
            standards,
            manual,
            quota,
            teacher_names,
            exchange_hours,
            activities,
            sync_lessons,
            deliveries,
            events,
            tasks,
            decisions,
            projects,
            value_added,
            balance_improvement,
        })
    }

    /// Member schools' mean value added between each community's last two unified tests of the
    /// same subject and grade in the year (none when there is no such pair): two statements.
    async fn members_value_added(
        &self,
        scope: &Communities,
        communities: &[CommunityEntry],
        from: &str,
        to: &str,
    ) -> Result<HashMap<i64, MemberFigure>> {
        let sql = format!(
            "{} AND t.held_on >= $1 AND t.held_on <= $2 AND t.community_id {{IN}} ORDER BY t.community_id, t.held_on DESC, t.id DESC",
            crate::unified_tests::SELECT
        );
        let tests: Vec<crate::unified_tests::TestRecord> =
            self.scoped(scope, &sql, from, to).await?;
        let by_community = group(tests.into_iter().map(|t| (t.community_id, t)).collect());
        let mut pairs = vec![];
        for (cid, tests) in &by_community {
            let Some(later) = tests.first() else { continue };
            if let Some(earlier) = tests
                .iter()
                .skip(1)
                .find(|t| t.subject == later.subject && t.grade == later.grade)
            {
                pairs.push((*cid, later, earlier));
            }
        }
        if pairs.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = pairs
            .iter()
            .flat_map(|(_, l, e)| [l.id.to_string(), e.id.to_string()])
            .collect();
        // Ids are integers read from the database: safe to inline, one statement for all tests.
        let rows: Vec<(i64, String, String, i64, String, Option<f64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT test_id, student_number, name, school_id, class_label, score FROM test_scores WHERE test_id IN ({}) ORDER BY test_id, id",
            ids.join(", ")
        )))
        .fetch_all(&self.pool)
        .await?;
        let scores = group(
            rows.into_iter()
                .map(|(t, student_number, name, school_id, class_label, score)| {
                    (
                        t,
                        ScoreRow {
                            student_number,
                            name,
                            school_id,
                            class_label,
                            score,
                        },
                    )
                })
                .collect(),
        );
        let mut out = HashMap::new();
        for (cid, lt, et) in pairs {
            let (lr, er) = (rows_of(&scores, lt.id), rows_of(&scores, et.id));
            let community_of: BTreeMap<i64, i64> = lr
                .iter()
                .chain(er.iter())
                .map(|r| (r.school_id, cid))
                .collect();
            let Ok(va) =
                gongjin_scores::value_added((&et.engine(), er), (&lt.engine(), lr), &community_of)
            else {
                continue;
            };
            let Some(c) = communities.iter().find(|c| c.community.id == cid) else {
                continue;
            };
            let mut values = vec![];
            let mut evidence = vec![];
            for g in &va.schools {
                if let Some(m) = c.members.iter().find(|m| m.school_id == g.id)
                    && m.role != "core"
                {
                    values.push((m.school_id, g.value_added));
                    evidence.push(ev(
                        "school",
                        m.school_id,
                        format!("{} 增值 {:+.2}", m.school_name, g.value_added),
                    ));
                }
            }
            if values.is_empty() {
                continue;
            }
            evidence.push(ev(
                "unified_test",
                lt.id,
                format!("{} ← {}", lt.title, et.title),
            ));
            out.insert(cid, MemberFigure::of(values, evidence));
        }
        Ok(out)
    }

    /// Member schools' mean change in balance attainment from last school year to this one, in
    /// percentage points: a part's attainment is the mean over the seven indicators of
    /// value / threshold capped at 1, under the balance rules in force for the community's region.
    /// A community's region needs conditions in both years; schools without conditions in both
    /// years are left out, and so are parts the rules exclude (fewer students than the minimum).
    /// Three statements for any number of communities.
    async fn members_balance_improvement(
        &self,
        scope: &Communities,
        communities: &[CommunityEntry],
        year: i32,
    ) -> Result<HashMap<i64, MemberFigure>> {
        let prefix = match scope {
            Communities::InRegion(p) => p.clone(),
            Communities::One(_) => match communities.first() {
                Some(c) => c.region_path.clone(),
                None => return Ok(HashMap::new()),
            },
        };
        let visible = Visible::RegionPrefix(prefix);
        let now = self.conditions(&visible, Some(year)).await?;
        let before = self.conditions(&visible, Some(year - 1)).await?;
        let rule_rows: Vec<(String, i64, f64, i64, f64, f64)> = sqlx::query_as(
            "SELECT r.path, b.min_met, b.floor_share, b.min_enrolment, b.cv_threshold_primary, b.cv_threshold_junior FROM balance_rules b JOIN regions r ON r.id = b.region_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let rules: Vec<(String, BalanceRuleSettings)> = rule_rows
            .into_iter()
            .map(|(p, min_met, floor_share, min_enrolment, a, b)| {
                (
                    p,
                    BalanceRuleSettings {
                        min_met,
                        floor_share,
                        min_enrolment,
                        cv_threshold_primary: a,
                        cv_threshold_junior: b,
                    },
                )
            })
            .collect();
        let by_school = |records: &[ConditionRecord]| -> HashMap<i64, Vec<ConditionRecord>> {
            group(records.iter().map(|r| (r.school_id, r.clone())).collect())
        };
        let (now_by, before_by) = (by_school(&now), by_school(&before));
        let mut out = HashMap::new();
        for c in communities {
            let path = c.region_path.as_str();
            let has = |rs: &[ConditionRecord]| rs.iter().any(|r| r.region_path.starts_with(path));
            if !has(&now) || !has(&before) {
                continue;
            }
            let engine = nearest(&rules, path)
                .cloned()
                .unwrap_or_else(BalanceRuleSettings::national)
                .engine();
            let attainment =
                |by: &HashMap<i64, Vec<ConditionRecord>>, school: i64| -> Option<f64> {
                    let parts: Vec<f64> = by
                        .get(&school)?
                        .iter()
                        .filter(|r| r.region_path.starts_with(path))
                        .map(|r| {
                            gongjin_balance::evaluate_part(&crate::conditions::part_of(r), &engine)
                        })
                        .filter(|p| p.included && !p.indicators.is_empty())
                        .map(|p| {
                            p.indicators.iter().map(|x| x.share.min(1.0)).sum::<f64>()
                                / p.indicators.len() as f64
                        })
                        .collect();
                    (!parts.is_empty()).then(|| parts.iter().sum::<f64>() / parts.len() as f64)
                };
            let mut changes = vec![];
            let mut evidence = vec![];
            let mut members: Vec<_> = c.members.iter().filter(|m| m.role != "core").collect();
            members.sort_by_key(|m| m.school_id);
            for m in members {
                if let (Some(a), Some(b)) = (
                    attainment(&now_by, m.school_id),
                    attainment(&before_by, m.school_id),
                ) {
                    let pp = (a - b) * 100.0;
                    changes.push((m.school_id, pp));
                    evidence.push(ev(
                        "school",
                        m.school_id,
                        format!("{} {:+.1} 个百分点", m.school_name, pp),
                    ));
                }
            }
            if !changes.is_empty() {
                out.insert(c.community.id, MemberFigure::of(changes, evidence));
            }
        }
        Ok(out)
    }
}
