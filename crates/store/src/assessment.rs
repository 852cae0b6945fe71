//! Assessment (考核评价) from the records: a region's standard for a school year (its own, the
//! nearest ancestor's, or the preset), each automatic metric measured from the community's records
//! with the records it counted as evidence, reviewers' manual scores, and the engine's score card.

use crate::audit::{self, Change};
use crate::scope::Visible;
use crate::{Actor, Result, Store, StoreError};
use gongjin_evaluation::{
    CommunityInput, Evidence, ManualScore, MetricKey, MetricValue, ScoreCard, Standard,
};
use std::collections::BTreeSet;

fn ev(kind: &str, id: i64, label: impl Into<String>) -> Evidence {
    Evidence {
        kind: kind.to_owned(),
        id,
        label: label.into(),
    }
}

/// A member-school figure: the mean over the member schools, the evidence, and each school's value.
struct MemberFigure {
    mean: f64,
    evidence: Vec<Evidence>,
    per_school: Vec<(i64, f64)>,
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

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

impl Store {
    /// The standard that applies to a region in a school year: the region's latest version, else
    /// the nearest ancestor's, else the preset.
    pub async fn standard_for(&self, region_id: i64, year: i32) -> Result<Standard> {
        let path = self.place_of_region(region_id).await?.region_path;
        let row: Option<String> = sqlx::query_scalar(
            "SELECT s.body FROM standards s JOIN regions r ON r.id = s.region_id \
             WHERE s.year = $1 AND $2 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, s.version DESC LIMIT 1",
        )
        .bind(i64::from(year))
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(b) => serde_json::from_str(&b)
                .map_err(|e| StoreError::Config(format!("stored standard: {e}"))),
            None => Ok(Standard::preset(region_id, year)),
        }
    }

    /// Saves a new version of a region's standard for a year (validated by the caller).
    pub async fn save_standard(&self, actor: &Actor, s: &Standard) -> Result<Standard> {
        let path = self.place_of_region(s.region_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM standards WHERE region_id = $1 AND year = $2",
        )
        .bind(s.region_id)
        .bind(i64::from(s.year))
        .fetch_one(&mut *tx)
        .await?;
        let mut s = s.clone();
        s.version = version as u32;
        sqlx::query(
            "INSERT INTO standards (region_id, year, version, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.region_id)
        .bind(i64::from(s.year))
        .bind(version)
        .bind(serde_json::to_string(&s).unwrap_or_default())
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "standard",
                entity_id: Some(version),
                region_path: &path,
                summary: format!("{} 学年考核标准 第{}版", s.year, version),
                before: None,
                after: audit::json(&s),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Records (or replaces) a reviewer's score of a manual indicator.
    pub async fn put_manual_score(
        &self,
        actor: &Actor,
        community_id: i64,
        year: i32,
        m: &ManualScore,
    ) -> Result<()> {
        let path = self.place_of_community(community_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM manual_scores WHERE community_id = $1 AND year = $2 AND indicator = $3",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .bind(m.indicator.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO manual_scores (community_id, year, indicator, score, comment, reviewer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .bind(m.indicator.clone())
        .bind(m.score)
        .bind(m.comment.clone())
        .bind(m.reviewer.clone())
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "manual_score",
                entity_id: Some(community_id),
                region_path: &path,
                summary: format!("{} {}：{}", year, m.indicator, m.score),
                before: None,
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn manual_scores(&self, community_id: i64, year: i32) -> Result<Vec<ManualScore>> {
        let rows: Vec<(String, f64, String, String)> = sqlx::query_as(
            "SELECT indicator, score, comment, reviewer FROM manual_scores WHERE community_id = $1 AND year = $2 ORDER BY indicator",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(indicator, score, comment, reviewer)| ManualScore {
                indicator,
                score,
                comment,
                reviewer,
                attachments: vec![],
            })
            .collect())
    }

    /// Measures every automatic metric the standard uses for a community in a school year, each
    /// with the records it counted. Metrics the records cannot give yet (member schools' value
    /// added and balance improvement) are left out, so the score card lists them as missing.
    pub async fn community_metrics(
        &self,
        community_id: i64,
        year: i32,
        wanted: &[MetricKey],
    ) -> Result<Vec<MetricValue>> {
        let com = self.get_community(community_id).await?;
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let (from, to) = (from.to_string(), to.to_string());
        let rules = self.quota_rules(com.region_id).await?;
        let (schools, teachers, exchanges) = self
            .quota_inputs(&Visible::Community(community_id), year)
            .await?;
        let figures =
            gongjin_domain::quota::compliance(&schools, &teachers, &exchanges, &rules, &com.name);
        let names: std::collections::HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
            "SELECT id, name FROM teachers WHERE school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL)",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let teacher_name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let figure = |rule: &'static str| figures.iter().filter(move |f| f.rule == rule);
        let mut out = vec![];
        for m in wanted {
            let value = match m {
                MetricKey::ExchangeRatio | MetricKey::BackboneShare => {
                    let rule = if *m == MetricKey::ExchangeRatio {
                        "exchanged"
                    } else {
                        "backbone"
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
                MetricKey::ShadowingShare => {
                    let (mut n, mut d, mut evidence) = (0, 0, vec![]);
                    for f in figure("shadowing") {
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
                    let rows: Vec<(i64, i64, f64)> = self
                        .member_query(
                            "SELECT e.id, e.teacher_id, COALESCE((SELECT SUM(h.hours) FROM exchange_hours h WHERE h.exchange_id = e.id AND h.on_date >= $2 AND h.on_date <= $3), 0.0) \
                             FROM exchanges e WHERE e.status <> 'cancelled' AND e.start_on <= $3 AND e.end_on >= $2 \
                             AND (e.from_school_id IN {M} OR e.to_school_id IN {M})",
                            community_id,
                            &from,
                            &to,
                        )
                        .await?;
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
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, title, kind FROM activities WHERE community_id = $1 AND status = 'done' AND held_on >= $2 AND held_on <= $3 ORDER BY held_on",
                    )
                    .bind(community_id)
                    .bind(from.clone())
                    .bind(to.clone())
                    .fetch_all(&self.pool)
                    .await?;
                    let picked: Vec<&(i64, String, String)> = rows
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
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, title, held_on FROM activities WHERE community_id = $1 AND status = 'done' AND held_on >= $2 AND held_on <= $3 \
                         AND kind NOT IN ('student_activity', 'culture', 'visit') ORDER BY held_on",
                    )
                    .bind(community_id)
                    .bind(from.clone())
                    .bind(to.clone())
                    .fetch_all(&self.pool)
                    .await?;
                    let mut weeks = BTreeSet::new();
                    let mut evidence = vec![];
                    for (id, title, on) in &rows {
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
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT id, subject, topic FROM sync_lessons WHERE community_id = $1 AND status = 'done' AND held_on >= $2 AND held_on <= $3 ORDER BY held_on",
                    )
                    .bind(community_id)
                    .bind(from.clone())
                    .bind(to.clone())
                    .fetch_all(&self.pool)
                    .await?;
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
                    let rows: Vec<(i64, String, i64, i64)> = self
                        .member_query(
                            "SELECT c.id, c.title, d.hours, d.students FROM course_deliveries d JOIN courses c ON c.id = d.course_id \
                             WHERE d.delivered_on >= $2 AND d.delivered_on <= $3 AND c.school_id IN {M}",
                            community_id,
                            &from,
                            &to,
                        )
                        .await?;
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
                    for r in &rows {
                        if !evidence.iter().any(|e| e.id == r.0) {
                            evidence.push(ev("course", r.0, r.1.clone()));
                        }
                    }
                    if *m == MetricKey::StudentsReached {
                        let events: Vec<(i64, String, i64)> = sqlx::query_as(
                            "SELECT id, title, students FROM student_events WHERE community_id = $1 AND held_on >= $2 AND held_on <= $3",
                        )
                        .bind(community_id)
                        .bind(from.clone())
                        .bind(to.clone())
                        .fetch_all(&self.pool)
                        .await?;
                        v += events.iter().map(|e| e.2 as f64).sum::<f64>();
                        evidence
                            .extend(events.iter().map(|e| ev("student_event", e.0, e.1.clone())));
                    }
                    Some((v, evidence))
                }
                MetricKey::MentoringTasksCompleted => {
                    let rows: Vec<(i64, String, String, Option<String>)> = self
                        .member_query(
                            "SELECT ms.id, k.title, k.due_on, k.done_on FROM mentorship_tasks k JOIN mentorships ms ON ms.id = k.mentorship_id \
                             JOIN teachers mt ON mt.id = ms.mentor_id JOIN teachers ap ON ap.id = ms.apprentice_id \
                             WHERE k.due_on >= $2 AND k.due_on <= $3 AND (mt.school_id IN {M} OR ap.school_id IN {M})",
                            community_id,
                            &from,
                            &to,
                        )
                        .await?;
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
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT m.id, d.content, d.status FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id \
                         WHERE m.community_id = $1 AND m.held_on >= $2 AND m.held_on <= $3 AND d.status <> 'dropped'",
                    )
                    .bind(community_id)
                    .bind(from.clone())
                    .bind(to.clone())
                    .fetch_all(&self.pool)
                    .await?;
                    let done: Vec<_> = rows.iter().filter(|r| r.2 == "done").collect();
                    Some((
                        ratio(done.len(), rows.len()),
                        done.iter()
                            .map(|r| ev("meeting", r.0, r.1.clone()))
                            .collect(),
                    ))
                }
                MetricKey::MemberValueAdded => self
                    .member_value_added(community_id, &from, &to)
                    .await?
                    .map(|f| (f.mean, f.evidence)),
                MetricKey::MemberBalanceImprovement => self
                    .member_balance_improvement(community_id, com.region_id, year)
                    .await?
                    .map(|f| (f.mean, f.evidence)),
                MetricKey::ApprovedProjectScore => {
                    // Approved projects whose period ends in the school year; the score the reviewers
                    // gave on approval. None approved: 0, with no evidence.
                    let rows: Vec<(i64, String, Option<f64>)> = sqlx::query_as(
                        "SELECT id, title, score FROM projects WHERE community_id = $1 AND status = 'approved' \
                         AND period_to >= $2 AND period_to <= $3 ORDER BY period_to, id",
                    )
                    .bind(community_id)
                    .bind(from.clone())
                    .bind(to.clone())
                    .fetch_all(&self.pool)
                    .await?;
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
        Ok(out)
    }

    /// Runs a query whose `{M}` stands for the community's current member schools, with `$1` the
    /// community and `$2`/`$3` the year's first and last day.
    async fn member_query<T>(
        &self,
        sql: &str,
        community_id: i64,
        from: &str,
        to: &str,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let sql = sql.replace(
            "{M}",
            "(SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL)",
        );
        Ok(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
            .bind(community_id)
            .bind(from.to_owned())
            .bind(to.to_owned())
            .fetch_all(&self.pool)
            .await?)
    }

    /// The community's score card for a school year under its region's standard.
    pub async fn assess_community(&self, community_id: i64, year: i32) -> Result<ScoreCard> {
        let com = self.get_community(community_id).await?;
        let standard = self.standard_for(com.region_id, year).await?;
        let wanted = standard.metrics();
        let metrics = self.community_metrics(community_id, year, &wanted).await?;
        let manual = self.manual_scores(community_id, year).await?;
        let input = CommunityInput {
            community_id,
            name: com.name.clone(),
            metrics,
            manual,
        };
        gongjin_evaluation::score_community(&standard, &input)
            .map_err(|e| StoreError::Config(e.to_string()))
    }

    /// Member schools' mean value added between the community's last two unified tests of the
    /// same subject and grade in the year (none when there is no such pair).
    async fn member_value_added(
        &self,
        community_id: i64,
        from: &str,
        to: &str,
    ) -> Result<Option<MemberFigure>> {
        let tests: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, subject, grade FROM unified_tests WHERE community_id = $1 AND held_on >= $2 AND held_on <= $3 ORDER BY held_on DESC, id DESC",
        )
        .bind(community_id)
        .bind(from.to_owned())
        .bind(to.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let Some(later) = tests.first() else {
            return Ok(None);
        };
        let Some(earlier) = tests
            .iter()
            .skip(1)
            .find(|t| t.1 == later.1 && t.2 == later.2)
        else {
            return Ok(None);
        };
        let (lt, et) = (
            self.get_test(later.0).await?,
            self.get_test(earlier.0).await?,
        );
        let (lr, er) = (
            self.test_scores(lt.id).await?,
            self.test_scores(et.id).await?,
        );
        let community_of = lr
            .iter()
            .chain(er.iter())
            .map(|r| (r.school_id, community_id))
            .collect();
        let Ok(va) =
            gongjin_scores::value_added((&et.engine(), &er), (&lt.engine(), &lr), &community_of)
        else {
            return Ok(None);
        };
        let members: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT s.id, s.name, m.role FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.community_id = $1 AND m.left_on IS NULL",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?;
        let mut values = vec![];
        let mut evidence = vec![];
        for g in &va.schools {
            if let Some((id, name, role)) = members.iter().find(|m| m.0 == g.id)
                && role != "core"
            {
                values.push((*id, g.value_added));
                evidence.push(ev(
                    "school",
                    *id,
                    format!("{name} 增值 {:+.2}", g.value_added),
                ));
            }
        }
        if values.is_empty() {
            return Ok(None);
        }
        evidence.push(ev(
            "unified_test",
            lt.id,
            format!("{} ← {}", lt.title, et.title),
        ));
        Ok(Some(MemberFigure::of(values, evidence)))
    }

    /// Member schools' mean change in balance attainment from last school year to this one, in
    /// percentage points: a part's attainment is the mean over the seven indicators of
    /// value / threshold capped at 1. Schools without conditions in both years are left out, and so
    /// are parts the region's balance rules exclude (fewer students than their minimum enrolment).
    async fn member_balance_improvement(
        &self,
        community_id: i64,
        region_id: i64,
        year: i32,
    ) -> Result<Option<MemberFigure>> {
        let years = self.condition_years(region_id).await?;
        if !years.contains(&year) || !years.contains(&(year - 1)) {
            return Ok(None);
        }
        let (now, before) = (
            self.balance(region_id, year).await?,
            self.balance(region_id, year - 1).await?,
        );
        let attainment = |v: &crate::conditions::BalanceView, school: i64| -> Option<f64> {
            let parts: Vec<f64> = v
                .stages
                .iter()
                .flat_map(|s| s.parts.iter())
                .filter(|p| p.school_id == school && p.included && !p.values.is_empty())
                .map(|p| {
                    p.values.iter().map(|x| x.share.min(1.0)).sum::<f64>() / p.values.len() as f64
                })
                .collect();
            (!parts.is_empty()).then(|| parts.iter().sum::<f64>() / parts.len() as f64)
        };
        let members: Vec<(i64, String)> = sqlx::query_as(
            "SELECT s.id, s.name FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.community_id = $1 AND m.left_on IS NULL AND m.role <> 'core'",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?;
        let mut changes = vec![];
        let mut evidence = vec![];
        for (id, name) in members {
            if let (Some(a), Some(b)) = (attainment(&now, id), attainment(&before, id)) {
                let pp = (a - b) * 100.0;
                changes.push((id, pp));
                evidence.push(ev("school", id, format!("{name} {:+.1} 个百分点", pp)));
            }
        }
        if changes.is_empty() {
            return Ok(None);
        }
        Ok(Some(MemberFigure::of(changes, evidence)))
    }

    /// Each member school's value added (the community's last two comparable tests in the year)
    /// and balance improvement (percentage points since last year), where known.
    pub async fn member_progress(
        &self,
        community_id: i64,
        year: i32,
    ) -> Result<Vec<gongjin_evaluation::MemberProgress>> {
        let com = self.get_community(community_id).await?;
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let va = self
            .member_value_added(community_id, &from.to_string(), &to.to_string())
            .await?
            .map(|f| f.per_school)
            .unwrap_or_default();
        let bi = self
            .member_balance_improvement(community_id, com.region_id, year)
            .await?
            .map(|f| f.per_school)
            .unwrap_or_default();
        let members: Vec<(i64, String)> = sqlx::query_as(
            "SELECT s.id, s.name FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.community_id = $1 AND m.left_on IS NULL AND m.role <> 'core' ORDER BY s.id",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?;
        let of = |v: &[(i64, f64)], id: i64| v.iter().find(|x| x.0 == id).map(|x| x.1);
        Ok(members
            .into_iter()
            .map(|(id, name)| gongjin_evaluation::MemberProgress {
                school_id: id,
                value_added: of(&va, id),
                balance_improvement: of(&bi, id),
                name,
            })
            .collect())
    }

    /// The bundled assessment (捆绑考核) of a community: its score card with the member schools'
    /// progress weighted in as its region's standard says.
    pub async fn bundled(
        &self,
        community_id: i64,
        year: i32,
    ) -> Result<gongjin_evaluation::BundledResult> {
        let com = self.get_community(community_id).await?;
        let standard = self.standard_for(com.region_id, year).await?;
        let metrics = self
            .community_metrics(community_id, year, &standard.metrics())
            .await?;
        let input = CommunityInput {
            community_id,
            name: com.name.clone(),
            metrics,
            manual: self.manual_scores(community_id, year).await?,
        };
        let members = self.member_progress(community_id, year).await?;
        gongjin_evaluation::bundled_assessment(&standard, &input, &members)
            .map_err(|e| StoreError::Config(e.to_string()))
    }

    /// Every community of a region, assessed bundled.
    pub async fn region_bundled(
        &self,
        region_id: i64,
        year: i32,
    ) -> Result<Vec<gongjin_evaluation::BundledResult>> {
        let path = self.place_of_region(region_id).await?.region_path;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM communities c JOIN regions r ON r.id = c.region_id WHERE r.path LIKE $1 ORDER BY c.id",
        )
        .bind(format!("{path}%"))
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        for id in ids {
            out.push(self.bundled(id, year).await?);
        }
        Ok(out)
    }

    /// The region's development index for a school year from the preset formula: coverage,
    /// communities passing the standard, mean bundled score, balance CVs passing, member value
    /// added and the exchange ratio.
    pub async fn development_index(
        &self,
        region_id: i64,
        year: i32,
    ) -> Result<gongjin_evaluation::DevelopmentIndex> {
        let results = self.region_bundled(region_id, year).await?;
        let mut figures = gongjin_evaluation::figures_from_bundled(&results);
        let schools = self.coverage_schools(region_id).await?;
        let cov = gongjin_domain::coverage::coverage(&schools, &[], crate::today());
        figures.insert(gongjin_evaluation::COVERAGE_RATE.into(), cov.share);
        if self.condition_years(region_id).await?.contains(&year) {
            let b = self.balance(region_id, year).await?;
            let all: Vec<bool> = b
                .stages
                .iter()
                .flat_map(|s| s.indicators.iter().map(|i| i.pass))
                .collect();
            if !all.is_empty() {
                figures.insert(
                    gongjin_evaluation::BALANCE_CV_PASS_SHARE.into(),
                    all.iter().filter(|p| **p).count() as f64 / all.len() as f64,
                );
            }
        }
        let vas: Vec<f64> = results
            .iter()
            .flat_map(|r| r.members.iter().filter_map(|m| m.value_added))
            .collect();
        if !vas.is_empty() {
            figures.insert(
                gongjin_evaluation::MEAN_VALUE_ADDED.into(),
                vas.iter().sum::<f64>() / vas.len() as f64,
            );
        }
        let path = self.place_of_region(region_id).await?.region_path;
        let rules = self.quota_rules(region_id).await?;
        let (qs, qt, qe) = self
            .quota_inputs(&Visible::RegionPrefix(path), year)
            .await?;
        let figs = gongjin_domain::quota::compliance(&qs, &qt, &qe, &rules, "");
        if let Some(f) = figs
            .iter()
            .find(|f| f.rule == "exchanged" && f.denominator > 0)
        {
            figures.insert(gongjin_evaluation::EXCHANGE_RATIO.into(), f.ratio);
        }
        gongjin_evaluation::development_index(
            &gongjin_evaluation::IndexFormula::preset(),
            region_id,
            year,
            &figures,
        )
        .map_err(|e| StoreError::Config(e.to_string()))
    }
}
