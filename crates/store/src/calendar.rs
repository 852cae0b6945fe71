//! Calendars: every dated item of a community, a school or a teacher (activities, synchronous
//! lessons, joint meetings and decisions due, exchanges starting and ending, mentoring tasks due),
//! iCal feed tokens (revocable), and the periods teachers teach (for common free time).

use crate::audit::{self, Change};
use crate::users::{digest, new_token};
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::operations::Slot;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

/// Whose calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum CalendarSubject {
    Community(i64),
    School(i64),
    Teacher(i64),
}

impl CalendarSubject {
    pub fn key(self) -> &'static str {
        match self {
            CalendarSubject::Community(_) => "community",
            CalendarSubject::School(_) => "school",
            CalendarSubject::Teacher(_) => "teacher",
        }
    }
    pub fn id(self) -> i64 {
        match self {
            CalendarSubject::Community(i)
            | CalendarSubject::School(i)
            | CalendarSubject::Teacher(i) => i,
        }
    }
    pub fn parse(kind: &str, id: i64) -> Option<CalendarSubject> {
        match kind {
            "community" => Some(CalendarSubject::Community(id)),
            "school" => Some(CalendarSubject::School(id)),
            "teacher" => Some(CalendarSubject::Teacher(id)),
            _ => None,
        }
    }
}

/// One dated item on a calendar.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CalendarItem {
    /// `activity`, `sync_lesson`, `meeting`, `decision_due`, `exchange_start`, `exchange_end`,
    /// `mentorship_task_due`.
    pub source: String,
    pub record_id: i64,
    pub date: String,
    pub start_time: Option<String>,
    pub duration_minutes: i64,
    pub title: String,
    /// Where (school) or with whom.
    pub place: String,
    /// The page of the record.
    pub url: String,
}

/// An iCal feed a user made (the token itself is shown once, at creation).
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CalendarFeed {
    pub id: i64,
    pub user_id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Store {
    /// Every dated item of the subject between `from` and `to` (inclusive, `YYYY-MM-DD`), by date.
    pub async fn calendar_items(
        &self,
        subject: CalendarSubject,
        from: &str,
        to: &str,
    ) -> Result<Vec<CalendarItem>> {
        // Each source restricted to the subject; `$1` is the subject id, `$2`/`$3` the dates.
        let (act, sync, meet, exch, task) = match subject {
            CalendarSubject::Community(_) => (
                "a.community_id = $1",
                "l.community_id = $1",
                "m.community_id = $1",
                "(e.from_school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL) OR e.to_school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL))",
                "(mt.school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL) OR ap.school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL))",
            ),
            CalendarSubject::School(_) => (
                "(a.host_school_id = $1 OR a.id IN (SELECT activity_id FROM activity_schools WHERE school_id = $1))",
                "(l.host_school_id = $1 OR l.id IN (SELECT sync_lesson_id FROM sync_lesson_receivers WHERE school_id = $1))",
                "m.community_id IN (SELECT community_id FROM memberships WHERE school_id = $1 AND left_on IS NULL)",
                "(e.from_school_id = $1 OR e.to_school_id = $1)",
                "(mt.school_id = $1 OR ap.school_id = $1)",
            ),
            CalendarSubject::Teacher(_) => (
                "a.id IN (SELECT activity_id FROM activity_participants WHERE teacher_id = $1)",
                "l.host_teacher_id = $1",
                "1 = 0 AND m.id = $1",
                "e.teacher_id = $1",
                "(ms.mentor_id = $1 OR ms.apprentice_id = $1)",
            ),
        };
        let sql = format!(
            "SELECT 'activity' AS source, a.id AS record_id, a.held_on AS date, a.start_time, a.duration_minutes, \
                a.title AS title, s.name AS place, '/activities/' || CAST(a.id AS TEXT) AS url \
                FROM activities a JOIN schools s ON s.id = a.host_school_id \
                WHERE a.status <> 'cancelled' AND a.held_on >= $2 AND a.held_on <= $3 AND {act} \
             UNION ALL SELECT 'sync_lesson', l.id, l.held_on, NULL, 40, '同步课堂：' || l.subject || ' ' || l.topic, s.name, \
                '/sync-lessons/' || CAST(l.id AS TEXT) \
                FROM sync_lessons l JOIN schools s ON s.id = l.host_school_id \
                WHERE l.status <> 'cancelled' AND l.held_on >= $2 AND l.held_on <= $3 AND {sync} \
             UNION ALL SELECT 'meeting', m.id, m.held_on, NULL, 0, '联席会议：' || m.topic, m.location, \
                '/meetings/' || CAST(m.id AS TEXT) \
                FROM meetings m WHERE m.held_on >= $2 AND m.held_on <= $3 AND {meet} \
             UNION ALL SELECT 'decision_due', d.id, d.due_on, NULL, 0, '决定事项到期：' || d.content, d.owner, \
                '/meetings/' || CAST(m.id AS TEXT) \
                FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id \
                WHERE d.status IN ('open', 'in_progress') AND d.due_on >= $2 AND d.due_on <= $3 AND {meet} \
             UNION ALL SELECT 'exchange_start', e.id, e.start_on, NULL, 0, '交流开始：' || t.name, s.name, \
                '/exchanges/' || CAST(e.id AS TEXT) \
                FROM exchanges e JOIN teachers t ON t.id = e.teacher_id JOIN schools s ON s.id = e.to_school_id \
                WHERE e.status <> 'cancelled' AND e.start_on >= $2 AND e.start_on <= $3 AND {exch} \
             UNION ALL SELECT 'exchange_end', e.id, e.end_on, NULL, 0, '交流结束：' || t.name, s.name, \
                '/exchanges/' || CAST(e.id AS TEXT) \
                FROM exchanges e JOIN teachers t ON t.id = e.teacher_id JOIN schools s ON s.id = e.to_school_id \
                WHERE e.status <> 'cancelled' AND e.end_on >= $2 AND e.end_on <= $3 AND {exch} \
             UNION ALL SELECT 'mentorship_task_due', k.id, k.due_on, NULL, 0, '师徒任务到期：' || k.title, ap.name, \
                '/mentorships/' || CAST(ms.id AS TEXT) \
                FROM mentorship_tasks k JOIN mentorships ms ON ms.id = k.mentorship_id \
                JOIN teachers mt ON mt.id = ms.mentor_id JOIN teachers ap ON ap.id = ms.apprentice_id \
                WHERE k.done_on IS NULL AND k.due_on >= $2 AND k.due_on <= $3 AND {task} \
             ORDER BY date, start_time, source, record_id"
        );
        Ok(sqlx::query_as::<_, CalendarItem>(sqlx::AssertSqlSafe(sql))
            .bind(subject.id())
            .bind(from.to_owned())
            .bind(to.to_owned())
            .fetch_all(&self.pool)
            .await?)
    }

    /// The display name of a calendar's subject.
    pub async fn calendar_name(&self, subject: CalendarSubject) -> Result<String> {
        let table = match subject {
            CalendarSubject::Community(_) => "communities",
            CalendarSubject::School(_) => "schools",
            CalendarSubject::Teacher(_) => "teachers",
        };
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM {table} WHERE id = $1"
        )))
        .bind(subject.id())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Makes a feed for the user; returns it with the token (shown once).
    pub async fn create_calendar_feed(
        &self,
        actor: &Actor,
        user_id: i64,
        subject: CalendarSubject,
        region_path: &str,
    ) -> Result<(CalendarFeed, String)> {
        let (token, hash) = new_token();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO calendar_feeds (user_id, subject_kind, subject_id, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL) RETURNING id",
        )
        .bind(user_id)
        .bind(subject.key())
        .bind(subject.id())
        .bind(hash)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "calendar_feed",
                entity_id: Some(id),
                region_path,
                summary: format!("{} {}", subject.key(), subject.id()),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok((self.get_calendar_feed(id).await?, token))
    }

    pub async fn get_calendar_feed(&self, id: i64) -> Result<CalendarFeed> {
        sqlx::query_as::<_, CalendarFeed>(
            "SELECT id, user_id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn list_calendar_feeds(&self, user_id: i64) -> Result<Vec<CalendarFeed>> {
        Ok(sqlx::query_as::<_, CalendarFeed>(
            "SELECT id, user_id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn revoke_calendar_feed(
        &self,
        actor: &Actor,
        id: i64,
        region_path: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "calendar_feed",
                entity_id: Some(id),
                region_path,
                summary: "revoked".into(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live feed a token opens (none when unknown or revoked).
    pub async fn calendar_feed_by_token(&self, token: &str) -> Result<Option<CalendarFeed>> {
        Ok(sqlx::query_as::<_, CalendarFeed>(
            "SELECT id, user_id, subject_kind, subject_id, created_at, revoked_at FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(digest(token))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The periods a teacher teaches each week.
    pub async fn teacher_periods(&self, teacher_id: i64) -> Result<Vec<Slot>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT weekday, period FROM teacher_periods WHERE teacher_id = $1 ORDER BY weekday, period",
        )
        .bind(teacher_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(w, p)| Slot {
                weekday: w as u8,
                period: p as u8,
            })
            .collect())
    }

    /// Replaces a teacher's weekly teaching periods.
    pub async fn set_teacher_periods(
        &self,
        actor: &Actor,
        teacher_id: i64,
        slots: &[Slot],
    ) -> Result<Vec<Slot>> {
        let place = self.place_of_teacher(teacher_id).await?;
        let before = self.teacher_periods(teacher_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM teacher_periods WHERE teacher_id = $1")
            .bind(teacher_id)
            .execute(&mut *tx)
            .await?;
        let mut v: Vec<Slot> = slots.to_vec();
        v.sort();
        v.dedup();
        for s in &v {
            sqlx::query(
                "INSERT INTO teacher_periods (teacher_id, weekday, period) VALUES ($1, $2, $3)",
            )
            .bind(teacher_id)
            .bind(i64::from(s.weekday))
            .bind(i64::from(s.period))
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "teacher_periods",
                entity_id: Some(teacher_id),
                region_path: &place.region_path,
                summary: format!("{} 节", v.len()),
                before: audit::json(&before),
                after: audit::json(&v),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The figures of a community's term for its lead's dashboard.
    pub async fn community_term_figures(
        &self,
        community_id: i64,
        from: &str,
        to: &str,
    ) -> Result<TermFigures> {
        let activities: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT a.kind, COALESCE((SELECT k.name_zh FROM activity_kinds k WHERE k.key = a.kind), a.kind), a.status, COUNT(*) \
             FROM activities a WHERE a.community_id = $1 AND a.held_on >= $2 AND a.held_on <= $3 GROUP BY a.kind, a.status ORDER BY a.kind",
        )
        .bind(community_id)
        .bind(from.to_owned())
        .bind(to.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let within = crate::dashboard::Within::Community(community_id);
        let by_month = self.activities_by_month(within, from, to).await?;
        const MEMBERS: &str =
            "(SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL)";
        let exchanges_active: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM exchanges e WHERE e.status <> 'cancelled' AND e.start_on <= $3 AND e.end_on >= $2 \
             AND (e.from_school_id IN {MEMBERS} OR e.to_school_id IN {MEMBERS})"
        )))
        .bind(community_id)
        .bind(from.to_owned())
        .bind(to.to_owned())
        .fetch_one(&self.pool)
        .await?;
        let exchange_hours = self.exchange_hours_total(within, from, to).await?;
        let sync_lessons: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sync_lessons WHERE community_id = $1 AND held_on >= $2 AND held_on <= $3 AND status = 'done'",
        )
        .bind(community_id)
        .bind(from.to_owned())
        .bind(to.to_owned())
        .fetch_one(&self.pool)
        .await?;
        let today = crate::today().to_string();
        let overdue_tasks: Vec<(String, String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT k.title, k.due_on, mt.name || ' → ' || ap.name, '/mentorships/' || CAST(ms.id AS TEXT) \
             FROM mentorship_tasks k JOIN mentorships ms ON ms.id = k.mentorship_id \
             JOIN teachers mt ON mt.id = ms.mentor_id JOIN teachers ap ON ap.id = ms.apprentice_id \
             WHERE k.done_on IS NULL AND k.due_on < $2 AND ms.status = 'active' \
             AND (mt.school_id IN {MEMBERS} OR ap.school_id IN {MEMBERS}) ORDER BY k.due_on LIMIT 50"
        )))
        .bind(community_id)
        .bind(today.clone())
        .fetch_all(&self.pool)
        .await?;
        let overdue_decisions: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT d.content, d.due_on, d.owner, '/meetings/' || CAST(m.id AS TEXT) FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id \
             WHERE m.community_id = $1 AND d.due_on < $2 AND d.status IN ('open', 'in_progress') ORDER BY d.due_on LIMIT 50",
        )
        .bind(community_id)
        .bind(today)
        .fetch_all(&self.pool)
        .await?;
        Ok(TermFigures {
            activities,
            by_month,
            exchanges_active,
            exchange_hours,
            sync_lessons,
            overdue_tasks,
            overdue_decisions,
        })
    }
}

/// Raw figures of a community's term (see [`Store::community_term_figures`]).
#[derive(Debug, Clone, Default)]
pub struct TermFigures {
    /// (kind, kind name, status, count)
    pub activities: Vec<(String, String, String, i64)>,
    pub by_month: Vec<(String, i64)>,
    pub exchanges_active: i64,
    pub exchange_hours: f64,
    pub sync_lessons: i64,
    /// (title, due, who, url)
    pub overdue_tasks: Vec<(String, String, String, String)>,
    pub overdue_decisions: Vec<(String, String, String, String)>,
}

impl Store {
    /// Teachers of a community's current member schools who have entered their periods:
    /// (id, name, school name).
    pub async fn teachers_with_periods(
        &self,
        community_id: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.name, s.name FROM teachers t JOIN schools s ON s.id = t.school_id \
             WHERE t.school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL) \
             AND t.id IN (SELECT DISTINCT teacher_id FROM teacher_periods) ORDER BY s.name, t.name LIMIT 500",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// Imports teachers' weekly periods (one row per teacher and weekday): every listed teacher's
    /// periods are replaced by those in the sheet, all or nothing. Staff numbers resolve among the
    /// teachers `visible` shows; an unknown one is an error of its row.
    pub async fn import_teacher_periods(
        &self,
        actor: &Actor,
        visible: &crate::scope::Visible,
        rows: Vec<gongjin_sheet::PeriodRow>,
        mut errors: Vec<gongjin_sheet::RowError>,
        dry_run: bool,
    ) -> Result<crate::import::ImportReport> {
        let total = rows.len()
            + errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
        let mut by_teacher: std::collections::BTreeMap<i64, Vec<Slot>> = Default::default();
        let mut cache: std::collections::HashMap<String, Option<i64>> = Default::default();
        for r in &rows {
            let id = match cache.get(&r.staff_number) {
                Some(x) => *x,
                None => {
                    let mut q = crate::sql::Sql::new(
                        "SELECT t.id FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id WHERE t.staff_number = ",
                    );
                    q.bind(r.staff_number.clone());
                    visible.teachers(&mut q);
                    let x: Option<i64> = q.query_scalar().fetch_optional(&self.pool).await?;
                    cache.insert(r.staff_number.clone(), x);
                    x
                }
            };
            match id {
                Some(t) => by_teacher
                    .entry(t)
                    .or_default()
                    .extend(r.periods.iter().map(|&p| Slot {
                        weekday: r.weekday,
                        period: p,
                    })),
                None => errors.push(gongjin_sheet::RowError {
                    row: r.row,
                    column: "教师编号".into(),
                    key: "error.staff_unknown".into(),
                    arg: Some(r.staff_number.clone()),
                }),
            }
        }
        errors.sort_by_key(|e| e.row);
        let mut report = crate::import::ImportReport {
            rows: total,
            created: by_teacher.len(),
            updated: 0,
            errors,
            dry_run,
            written: false,
        };
        if !report.errors.is_empty() || dry_run || by_teacher.is_empty() {
            return Ok(report);
        }
        let first = *by_teacher.keys().next().unwrap_or(&0);
        let path = self.place_of_teacher(first).await?.region_path;
        let mut tx = self.begin_write().await?;
        for (t, slots) in &mut by_teacher {
            slots.sort();
            slots.dedup();
            sqlx::query("DELETE FROM teacher_periods WHERE teacher_id = $1")
                .bind(*t)
                .execute(&mut *tx)
                .await?;
            for s in slots.iter() {
                sqlx::query(
                    "INSERT INTO teacher_periods (teacher_id, weekday, period) VALUES ($1, $2, $3)",
                )
                .bind(*t)
                .bind(i64::from(s.weekday))
                .bind(i64::from(s.period))
                .execute(&mut *tx)
                .await?;
            }
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "import",
                entity: "teacher_periods",
                entity_id: None,
                region_path: &path,
                summary: format!("{} 名教师的任课节次", by_teacher.len()),
                before: None,
                after: Some(serde_json::json!({ "teachers": by_teacher.len() })),
            },
        )
        .await?;
        tx.commit().await?;
        self.refresh_stats(&["teacher_periods"]).await?;
        report.written = true;
        Ok(report)
    }
}

/// A school on the community map.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct MapPoint {
    pub school_id: i64,
    pub name: String,
    pub longitude: f64,
    pub latitude: f64,
    pub locality: String,
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    /// `core`, `member`, or empty when the school is in no community.
    pub role: String,
}

impl Store {
    /// The visible schools that have coordinates, with their current community and role.
    pub async fn map_points(
        &self,
        v: &crate::scope::Visible,
        region_id: Option<i64>,
    ) -> Result<Vec<MapPoint>> {
        let mut q = crate::sql::Sql::new(
            "SELECT s.id AS school_id, s.name, s.longitude, s.latitude, s.locality, m.community_id, c.name AS community_name, COALESCE(m.role, '') AS role \
             FROM schools s JOIN regions r ON r.id = s.region_id LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL \
             LEFT JOIN communities c ON c.id = m.community_id WHERE s.longitude IS NOT NULL AND s.latitude IS NOT NULL",
        );
        v.schools(&mut q);
        if let Some(r) = region_id {
            let path = self.place_of_region(r).await?.region_path;
            q.push(" AND r.path LIKE ").bind(format!("{path}%"));
        }
        q.push(" ORDER BY s.id LIMIT 20000");
        Ok(q.query_as().fetch_all(&self.pool).await?)
    }
}

/// A school's figures for a school year (its dashboard on the school page).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SchoolFigures {
    /// Activities hosted or joined, per month (`YYYY-MM`, count).
    pub activities_by_month: Vec<(String, i64)>,
    pub exchanges_out: i64,
    pub exchanges_in: i64,
    pub exchange_hours: f64,
    /// Synchronous lessons taught or received (held).
    pub sync_lessons: i64,
    /// The latest unified test with this school's and everyone's mean.
    pub latest_test: Option<(String, f64, f64)>,
}

impl Store {
    pub async fn school_figures(&self, school_id: i64, year: i32) -> Result<SchoolFigures> {
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let (from, to) = (from.to_string(), to.to_string());
        let activities_by_month: Vec<(String, i64)> = sqlx::query_as(
            "SELECT SUBSTR(held_on, 1, 7) AS m, COUNT(*) FROM activities a WHERE a.status <> 'cancelled' AND a.held_on >= $2 AND a.held_on <= $3 \
             AND (a.host_school_id = $1 OR a.id IN (SELECT activity_id FROM activity_schools WHERE school_id = $1)) GROUP BY SUBSTR(held_on, 1, 7) ORDER BY m",
        )
        .bind(school_id)
        .bind(from.clone())
        .bind(to.clone())
        .fetch_all(&self.pool)
        .await?;
        let count = |sql: &'static str| {
            let (from, to) = (from.clone(), to.clone());
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .bind(school_id)
                    .bind(from)
                    .bind(to)
                    .fetch_one(&self.pool)
                    .await
            }
        };
        let exchanges_out = count("SELECT COUNT(*) FROM exchanges WHERE from_school_id = $1 AND status <> 'cancelled' AND start_on <= $3 AND end_on >= $2").await?;
        let exchanges_in = count("SELECT COUNT(*) FROM exchanges WHERE to_school_id = $1 AND status <> 'cancelled' AND start_on <= $3 AND end_on >= $2").await?;
        let sync_lessons = count(
            "SELECT COUNT(*) FROM sync_lessons l WHERE l.status = 'done' AND l.held_on >= $2 AND l.held_on <= $3 \
             AND (l.host_school_id = $1 OR l.id IN (SELECT sync_lesson_id FROM sync_lesson_receivers WHERE school_id = $1))",
        )
        .await?;
        let exchange_hours: f64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(h.hours), 0.0) FROM exchange_hours h JOIN exchanges e ON e.id = h.exchange_id \
             WHERE (e.from_school_id = $1 OR e.to_school_id = $1) AND h.on_date >= $2 AND h.on_date <= $3",
        )
        .bind(school_id)
        .bind(from.clone())
        .bind(to.clone())
        .fetch_one(&self.pool)
        .await?;
        let latest: Option<(i64, String)> = sqlx::query_as(
            "SELECT t.id, t.title FROM unified_tests t WHERE t.id IN (SELECT test_id FROM test_scores WHERE school_id = $1) ORDER BY t.held_on DESC, t.id DESC LIMIT 1",
        )
        .bind(school_id)
        .fetch_optional(&self.pool)
        .await?;
        let latest_test = match latest {
            Some((tid, title)) => {
                let (mine, all): (Option<f64>, Option<f64>) = sqlx::query_as(
                    "SELECT (SELECT AVG(score) FROM test_scores WHERE test_id = $1 AND school_id = $2), (SELECT AVG(score) FROM test_scores WHERE test_id = $1)",
                )
                .bind(tid)
                .bind(school_id)
                .fetch_one(&self.pool)
                .await?;
                mine.zip(all).map(|(m, a)| (title, m, a))
            }
            None => None,
        };
        Ok(SchoolFigures {
            activities_by_month,
            exchanges_out,
            exchanges_in,
            exchange_hours,
            sync_lessons,
            latest_test,
        })
    }
}
