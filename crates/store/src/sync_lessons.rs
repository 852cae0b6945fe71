//! Synchronous lessons (同步课堂/专递课堂): one teacher teaches classes at several schools over a
//! live link. The lesson design form, the before / during / after record, and the yearly count
//! per community against the region's target.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::FieldError;
use gongjin_domain::operations::{NewSyncLesson, SyncLessonTarget};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct SyncLesson {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub host_teacher_id: i64,
    pub host_teacher_name: String,
    pub host_school_id: i64,
    pub host_school_name: String,
    pub host_class: String,
    pub subject: String,
    pub held_on: String,
    pub period: i64,
    pub live_url: String,
    pub topic: String,
    pub goals: String,
    pub key_points: String,
    pub process: String,
    pub division: String,
    pub before_notes: String,
    pub during_notes: String,
    pub after_notes: String,
    pub status: String,
    /// Receiving classes, e.g. `某小学 三年级(2)班、某小学 四年级(1)班`.
    pub receivers_text: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Receiver {
    pub school_id: i64,
    pub school_name: String,
    pub class_label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncLessonDetail {
    #[serde(flatten)]
    pub lesson: SyncLesson,
    pub receivers: Vec<Receiver>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncLessonQuery {
    pub community_id: Option<i64>,
    /// Host or receiving school.
    pub school_id: Option<i64>,
    /// Host teacher.
    pub teacher_id: Option<i64>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A community's synchronous lessons in a school year against the target.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncLessonCount {
    pub community_id: i64,
    pub community_name: String,
    pub year: i32,
    /// Lessons held (status `done`) in the school year.
    pub lessons: i64,
    /// Distinct subjects among them.
    pub subjects: i64,
    /// Lessons per term: first and second.
    pub first_term: i64,
    pub second_term: i64,
    pub target: SyncLessonTarget,
    pub pass: bool,
}

const SELECT: &str = "SELECT l.id, l.community_id, c.name AS community_name, l.host_teacher_id, t.name AS host_teacher_name, \
    l.host_school_id, s.name AS host_school_name, l.host_class, l.subject, l.held_on, l.period, l.live_url, l.topic, \
    l.goals, l.key_points, l.process, l.division, l.before_notes, l.during_notes, l.after_notes, l.status, \
    COALESCE((SELECT STRING_AGG(rs.name || ' ' || x.class_label, '、') FROM sync_lesson_receivers x JOIN schools rs ON rs.id = x.school_id WHERE x.sync_lesson_id = l.id), '') AS receivers_text";

const FROM: &str = " FROM sync_lessons l JOIN communities c ON c.id = l.community_id JOIN regions r ON r.id = c.region_id \
    JOIN teachers t ON t.id = l.host_teacher_id JOIN schools s ON s.id = l.host_school_id WHERE 1 = 1";

fn select(backend: crate::Backend) -> String {
    match backend {
        // SQLite spells STRING_AGG as GROUP_CONCAT.
        crate::Backend::Sqlite => SELECT.replace("STRING_AGG(", "GROUP_CONCAT("),
        crate::Backend::Postgres => SELECT.to_owned(),
    }
}

fn filter(q: &mut Sql, v: &Visible, f: &SyncLessonQuery) {
    v.communities(q);
    if let Some(c) = f.community_id {
        q.push(" AND l.community_id = ").bind(c);
    }
    if let Some(s) = f.school_id {
        q.push(" AND (l.host_school_id = ")
            .bind(s)
            .push(
                " OR l.id IN (SELECT sync_lesson_id FROM sync_lesson_receivers WHERE school_id = ",
            )
            .bind(s)
            .push("))");
    }
    if let Some(t) = f.teacher_id {
        q.push(" AND l.host_teacher_id = ").bind(t);
    }
    if let Some(s) = f.subject.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.subject = ").bind(s);
    }
    if let Some(d) = f.from.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.held_on >= ").bind(d);
    }
    if let Some(d) = f.to.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.held_on <= ").bind(d);
    }
}

impl Store {
    pub async fn list_sync_lessons(
        &self,
        v: &Visible,
        f: &SyncLessonQuery,
    ) -> Result<Page<SyncLesson>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){FROM}"));
        filter(&mut count, v, f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{}{FROM}", select(self.backend())));
        filter(&mut q, v, f);
        let per = f.per_page.unwrap_or(20).clamp(1, 1000);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY l.held_on DESC, l.period, l.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q.query_as::<SyncLesson>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_sync_lesson(&self, id: i64) -> Result<SyncLessonDetail> {
        let mut q = Sql::new(&format!("{}{FROM}", select(self.backend())));
        q.push(" AND l.id = ").bind(id);
        let lesson = q
            .query_as::<SyncLesson>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let receivers = sqlx::query_as::<_, Receiver>(
            "SELECT x.school_id, s.name AS school_name, x.class_label FROM sync_lesson_receivers x JOIN schools s ON s.id = x.school_id WHERE x.sync_lesson_id = $1 ORDER BY x.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(SyncLessonDetail { lesson, receivers })
    }

    /// The host teacher's school, after checking it and every receiving school belong to the
    /// community. Returns (host school, region path).
    async fn check_sync_lesson(&self, l: &NewSyncLesson) -> Result<(i64, String)> {
        let path = self.place_of_community(l.community_id).await?.region_path;
        let mut errs = gongjin_domain::ValidationErrors::default();
        let host: Option<i64> = sqlx::query_scalar("SELECT school_id FROM teachers WHERE id = $1")
            .bind(l.host_teacher_id)
            .fetch_optional(&self.pool)
            .await?;
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL",
        )
        .bind(l.community_id)
        .fetch_all(&self.pool)
        .await?;
        match host {
            None => errs.push(FieldError::new("host_teacher_id", "error.not_found")),
            Some(s) if !members.contains(&s) => errs.push(FieldError::with(
                "host_teacher_id",
                "error.not_in_community",
                l.host_teacher_id,
            )),
            _ => {}
        }
        for r in &l.receivers {
            if !members.contains(&r.school_id) {
                errs.push(FieldError::with(
                    "receivers",
                    "error.not_in_community",
                    r.school_id,
                ));
            }
        }
        if errs.is_empty() {
            Ok((host.unwrap_or_default(), path))
        } else {
            Err(errs.into())
        }
    }

    async fn write_receivers(tx: &mut AnyConnection, id: i64, l: &NewSyncLesson) -> Result<()> {
        sqlx::query("DELETE FROM sync_lesson_receivers WHERE sync_lesson_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for r in &l.receivers {
            sqlx::query(
                "INSERT INTO sync_lesson_receivers (sync_lesson_id, school_id, class_label) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(r.school_id)
            .bind(r.class_label.clone())
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    pub async fn create_sync_lesson(
        &self,
        actor: &Actor,
        l: &NewSyncLesson,
    ) -> Result<SyncLessonDetail> {
        let (host, path) = self.check_sync_lesson(l).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sync_lessons (community_id, host_teacher_id, host_school_id, host_class, subject, held_on, period, live_url, topic, goals, key_points, process, division, before_notes, during_notes, after_notes, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id",
        )
        .bind(l.community_id)
        .bind(l.host_teacher_id)
        .bind(host)
        .bind(l.host_class.clone())
        .bind(l.subject.clone())
        .bind(l.held_on.to_string())
        .bind(l.period)
        .bind(l.live_url.clone())
        .bind(l.topic.clone())
        .bind(l.goals.clone())
        .bind(l.key_points.clone())
        .bind(l.process.clone())
        .bind(l.division.clone())
        .bind(l.before_notes.clone())
        .bind(l.during_notes.clone())
        .bind(l.after_notes.clone())
        .bind(l.status.key())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::write_receivers(&mut tx, id, l).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "sync_lesson",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", l.subject, l.topic),
                before: None,
                after: audit::json(l),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_sync_lesson(id).await
    }

    pub async fn update_sync_lesson(
        &self,
        actor: &Actor,
        id: i64,
        l: &NewSyncLesson,
    ) -> Result<SyncLessonDetail> {
        let before = self.get_sync_lesson(id).await?;
        let (host, path) = self.check_sync_lesson(l).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE sync_lessons SET host_teacher_id = $1, host_school_id = $2, host_class = $3, subject = $4, held_on = $5, period = $6, live_url = $7, topic = $8, goals = $9, key_points = $10, process = $11, division = $12, before_notes = $13, during_notes = $14, after_notes = $15, status = $16, updated_at = $17 WHERE id = $18",
        )
        .bind(l.host_teacher_id)
        .bind(host)
        .bind(l.host_class.clone())
        .bind(l.subject.clone())
        .bind(l.held_on.to_string())
        .bind(l.period)
        .bind(l.live_url.clone())
        .bind(l.topic.clone())
        .bind(l.goals.clone())
        .bind(l.key_points.clone())
        .bind(l.process.clone())
        .bind(l.division.clone())
        .bind(l.before_notes.clone())
        .bind(l.during_notes.clone())
        .bind(l.after_notes.clone())
        .bind(l.status.key())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::write_receivers(&mut tx, id, l).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "sync_lesson",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", l.subject, l.topic),
                before: audit::json(&before),
                after: audit::json(l),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_sync_lesson(id).await
    }

    pub async fn delete_sync_lesson(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_sync_lesson(id).await?;
        let path = self
            .place_of_community(before.lesson.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sync_lesson_receivers WHERE sync_lesson_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_lessons WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "sync_lesson",
                entity_id: Some(id),
                region_path: &path,
                summary: before.lesson.topic.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The region's target for synchronous lessons (the nearest region up the tree with quota
    /// rules, else the preset).
    pub async fn sync_lesson_target(&self, region_path: &str) -> Result<SyncLessonTarget> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT q.sync_lessons_per_year, q.sync_subjects_per_year FROM quota_rules q JOIN regions r ON r.id = q.region_id \
             WHERE $1 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC LIMIT 1",
        )
        .bind(region_path.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|(l, s)| SyncLessonTarget {
                lessons_per_year: l,
                subjects_per_year: s,
            })
            .unwrap_or_default())
    }

    /// Held synchronous lessons of each visible community in a school year, against the target.
    pub async fn sync_lesson_counts(
        &self,
        v: &Visible,
        community_id: Option<i64>,
        year: i32,
    ) -> Result<Vec<SyncLessonCount>> {
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let mid = chrono::NaiveDate::from_ymd_opt(year + 1, 2, 1).unwrap_or(to);
        let mut q = Sql::new(
            "SELECT c.id, c.name, r.path FROM communities c JOIN regions r ON r.id = c.region_id WHERE 1 = 1",
        );
        v.communities(&mut q);
        if let Some(c) = community_id {
            q.push(" AND c.id = ").bind(c);
        }
        q.push(" ORDER BY c.name");
        let coms: Vec<(i64, String, String)> = q.query_as().fetch_all(&self.pool).await?;
        // The held lessons of all those communities and every region's target, in two statements.
        let mut l = Sql::new(
            "SELECT x.community_id, x.held_on, x.subject FROM sync_lessons x JOIN communities c ON c.id = x.community_id \
             JOIN regions r ON r.id = c.region_id WHERE x.status = 'done' AND x.held_on >= ",
        );
        l.bind(from.to_string())
            .push(" AND x.held_on <= ")
            .bind(to.to_string());
        v.communities(&mut l);
        if let Some(c) = community_id {
            l.push(" AND c.id = ").bind(c);
        }
        let mut held: std::collections::HashMap<i64, Vec<(String, String)>> =
            std::collections::HashMap::new();
        for (cid, on, subject) in l
            .query_as::<(i64, String, String)>()
            .fetch_all(&self.pool)
            .await?
        {
            held.entry(cid).or_default().push((on, subject));
        }
        let targets: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT r.path, q.sync_lessons_per_year, q.sync_subjects_per_year FROM quota_rules q JOIN regions r ON r.id = q.region_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let target_of = |path: &str| {
            targets
                .iter()
                .filter(|(p, _, _)| path.starts_with(p.as_str()))
                .max_by_key(|(p, _, _)| p.len())
                .map(|(_, l, s)| SyncLessonTarget {
                    lessons_per_year: *l,
                    subjects_per_year: *s,
                })
                .unwrap_or_default()
        };
        let mut out = vec![];
        for (id, name, path) in coms {
            let rows = held.remove(&id).unwrap_or_default();
            let mid = mid.to_string();
            let subjects: std::collections::BTreeSet<&str> =
                rows.iter().map(|(_, s)| s.as_str()).collect();
            let first = rows
                .iter()
                .filter(|(d, _)| d.as_str() < mid.as_str())
                .count() as i64;
            let target = target_of(&path);
            let lessons = rows.len() as i64;
            out.push(SyncLessonCount {
                community_id: id,
                community_name: name,
                year,
                lessons,
                subjects: subjects.len() as i64,
                first_term: first,
                second_term: lessons - first,
                pass: lessons >= target.lessons_per_year
                    && subjects.len() as i64 >= target.subjects_per_year,
                target,
            });
        }
        Ok(out)
    }
}
