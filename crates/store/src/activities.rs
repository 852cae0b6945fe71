//! Joint teaching research and activities (教研活动): the records, recurring series ("周周有约")
//! that generate their occurrences, attendance, materials and photos, participants' reflections,
//! and the configurable list of kinds.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::{Sql, like_escape};
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::FieldError;
use gongjin_domain::operations::{NewActivity, NewSeries};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, FromRow};
use utoipa::ToSchema;

/// An activity kind: a preset or one a region added.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct ActivityKind {
    pub id: i64,
    pub region_id: Option<i64>,
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub active: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct Activity {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub series_id: Option<i64>,
    pub kind: String,
    /// The kind's Chinese name.
    pub kind_name: String,
    pub title: String,
    pub organiser_school_id: i64,
    pub organiser_school_name: String,
    pub organiser_studio: String,
    pub host_school_id: i64,
    pub host_school_name: String,
    pub held_on: String,
    pub start_time: Option<String>,
    pub duration_minutes: i64,
    pub mode: String,
    pub subject: String,
    pub student_count: i64,
    pub summary: String,
    pub stage_before: String,
    pub stage_during: String,
    pub stage_after: String,
    pub status: String,
    pub invited: i64,
    pub present: i64,
    pub files: i64,
    pub photos: i64,
    pub reflections: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct NamedSchool {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Participant {
    pub teacher_id: i64,
    pub name: String,
    pub school_id: i64,
    pub school_name: String,
    /// 1 when present, 0 when only invited.
    pub present: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct ActivityFile {
    pub id: i64,
    pub activity_id: i64,
    pub original_name: String,
    #[serde(skip)]
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub is_photo: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Reflection {
    pub id: i64,
    pub activity_id: i64,
    pub teacher_id: i64,
    pub teacher_name: String,
    pub school_name: String,
    pub body: String,
    pub written_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: Activity,
    /// Participating schools besides the host.
    pub schools: Vec<NamedSchool>,
    pub participants: Vec<Participant>,
    pub file_list: Vec<ActivityFile>,
    pub reflection_list: Vec<Reflection>,
}

/// A file to attach, already checked and stored by the web layer.
#[derive(Debug, Clone, Serialize)]
pub struct NewActivityFile {
    pub original_name: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    pub community_id: Option<i64>,
    /// Host or participating school.
    pub school_id: Option<i64>,
    /// Invited or present teacher.
    pub teacher_id: Option<i64>,
    /// Kind key.
    pub kind: Option<String>,
    /// `planned`, `done`, `cancelled`.
    pub status: Option<String>,
    /// From this date (`YYYY-MM-DD`, inclusive).
    pub from: Option<String>,
    /// Up to this date (inclusive).
    pub to: Option<String>,
    /// Search in the title and subject.
    pub q: Option<String>,
    pub series_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.community_id, c.name AS community_name, a.series_id, a.kind, \
    COALESCE((SELECT k.name_zh FROM activity_kinds k WHERE k.key = a.kind), a.kind) AS kind_name, \
    a.title, a.organiser_school_id, os.name AS organiser_school_name, a.organiser_studio, \
    a.host_school_id, hs.name AS host_school_name, a.held_on, a.start_time, a.duration_minutes, a.mode, \
    a.subject, a.student_count, a.summary, a.stage_before, a.stage_during, a.stage_after, a.status, \
    (SELECT COUNT(*) FROM activity_participants p WHERE p.activity_id = a.id) AS invited, \
    (SELECT COUNT(*) FROM activity_participants p WHERE p.activity_id = a.id AND p.present = 1) AS present, \
    (SELECT COUNT(*) FROM activity_files f WHERE f.activity_id = a.id) AS files, \
    (SELECT COUNT(*) FROM activity_files f WHERE f.activity_id = a.id AND f.is_photo = 1) AS photos, \
    (SELECT COUNT(*) FROM activity_reflections x WHERE x.activity_id = a.id) AS reflections";

const FROM: &str = " FROM activities a JOIN communities c ON c.id = a.community_id \
    JOIN regions r ON r.id = c.region_id JOIN schools hs ON hs.id = a.host_school_id \
    JOIN schools os ON os.id = a.organiser_school_id WHERE 1 = 1";

fn filter(q: &mut Sql, v: &Visible, f: &ActivityQuery) {
    v.communities(q);
    if let Some(c) = f.community_id {
        q.push(" AND a.community_id = ").bind(c);
    }
    if let Some(s) = f.school_id {
        q.push(" AND (a.host_school_id = ")
            .bind(s)
            .push(" OR a.id IN (SELECT activity_id FROM activity_schools WHERE school_id = ")
            .bind(s)
            .push("))");
    }
    if let Some(t) = f.teacher_id {
        q.push(" AND a.id IN (SELECT activity_id FROM activity_participants WHERE teacher_id = ")
            .bind(t)
            .push(")");
    }
    if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND a.kind = ").bind(k);
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND a.status = ").bind(s);
    }
    if let Some(d) = f.from.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND a.held_on >= ").bind(d);
    }
    if let Some(d) = f.to.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND a.held_on <= ").bind(d);
    }
    if let Some(s) = f.series_id {
        q.push(" AND a.series_id = ").bind(s);
    }
    if let Some(t) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let p = format!("%{}%", like_escape(t));
        q.push(" AND (a.title LIKE ")
            .bind(p.clone())
            .push(" ESCAPE '\\' OR a.subject LIKE ")
            .bind(p)
            .push(" ESCAPE '\\')");
    }
}

impl Store {
    /// The kinds offered in a region: the presets and those added by the region or its ancestors.
    pub async fn activity_kinds(&self, region_path: &str) -> Result<Vec<ActivityKind>> {
        Ok(sqlx::query_as::<_, ActivityKind>(
            "SELECT id, region_id, key, name_zh, name_en, active FROM activity_kinds \
             WHERE region_id IS NULL OR region_id IN (SELECT id FROM regions WHERE $1 LIKE path || '%') \
             ORDER BY sort, id",
        )
        .bind(region_path.to_owned())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds a kind for a region (and its subregions).
    pub async fn add_activity_kind(
        &self,
        actor: &Actor,
        region_id: i64,
        key: &str,
        name_zh: &str,
        name_en: &str,
    ) -> Result<ActivityKind> {
        let path = self.place_of_region(region_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activity_kinds (region_id, key, name_zh, name_en, active, sort) VALUES ($1, $2, $3, $4, 1, 1000) RETURNING id",
        )
        .bind(region_id)
        .bind(key.to_owned())
        .bind(name_zh.to_owned())
        .bind(name_en.to_owned())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_or(e, key))?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "activity_kind",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{key} {name_zh}"),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_as::<_, ActivityKind>(
            "SELECT id, region_id, key, name_zh, name_en, active FROM activity_kinds WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn list_activities(&self, v: &Visible, f: &ActivityQuery) -> Result<Page<Activity>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){FROM}"));
        filter(&mut count, v, f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{SELECT}{FROM}"));
        filter(&mut q, v, f);
        let per = f.per_page.unwrap_or(20).clamp(1, 1000);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY a.held_on DESC, a.start_time DESC, a.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q.query_as::<Activity>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_activity(&self, id: i64) -> Result<ActivityDetail> {
        let mut q = Sql::new(&format!("{SELECT}{FROM}"));
        q.push(" AND a.id = ").bind(id);
        let activity = q
            .query_as::<Activity>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let schools = sqlx::query_as::<_, NamedSchool>(
            "SELECT s.id, s.name FROM activity_schools x JOIN schools s ON s.id = x.school_id WHERE x.activity_id = $1 ORDER BY s.name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let participants = sqlx::query_as::<_, Participant>(
            "SELECT t.id AS teacher_id, t.name, s.id AS school_id, s.name AS school_name, p.present \
             FROM activity_participants p JOIN teachers t ON t.id = p.teacher_id JOIN schools s ON s.id = t.school_id \
             WHERE p.activity_id = $1 ORDER BY s.name, t.name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let file_list = sqlx::query_as::<_, ActivityFile>(
            "SELECT id, activity_id, original_name, stored_name, content_type, size_bytes, is_photo, uploaded_by, uploaded_at \
             FROM activity_files WHERE activity_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let reflection_list = sqlx::query_as::<_, Reflection>(
            "SELECT x.id, x.activity_id, x.teacher_id, t.name AS teacher_name, s.name AS school_name, x.body, x.written_at \
             FROM activity_reflections x JOIN teachers t ON t.id = x.teacher_id JOIN schools s ON s.id = t.school_id \
             WHERE x.activity_id = $1 ORDER BY x.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ActivityDetail {
            activity,
            schools,
            participants,
            file_list,
            reflection_list,
        })
    }

    /// Checks what an activity names against the registry: the kind exists for the region,
    /// the host, organiser and participating schools are current members of the community,
    /// and the teachers teach at one of those schools.
    async fn check_activity(&self, a: &NewActivity) -> Result<String> {
        let path = self.place_of_community(a.community_id).await?.region_path;
        let kinds = self.activity_kinds(&path).await?;
        let mut errs = gongjin_domain::ValidationErrors::default();
        if !kinds.iter().any(|k| k.key == a.kind && k.active == 1) {
            errs.push(FieldError::with("kind", "error.choice", &a.kind));
        }
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL",
        )
        .bind(a.community_id)
        .fetch_all(&self.pool)
        .await?;
        for (field, id) in std::iter::once(("host_school_id", a.host_school_id))
            .chain(std::iter::once((
                "organiser_school_id",
                a.organiser_school_id,
            )))
            .chain(a.school_ids.iter().map(|&s| ("school_ids", s)))
        {
            if !members.contains(&id) {
                errs.push(FieldError::with(field, "error.not_in_community", id));
            }
        }
        let mut schools: Vec<i64> = a.school_ids.clone();
        schools.push(a.host_school_id);
        schools.push(a.organiser_school_id);
        for &t in &a.invited_teacher_ids {
            let s: Option<i64> = sqlx::query_scalar("SELECT school_id FROM teachers WHERE id = $1")
                .bind(t)
                .fetch_optional(&self.pool)
                .await?;
            if !s.is_some_and(|s| schools.contains(&s)) {
                errs.push(FieldError::with(
                    "invited_teacher_ids",
                    "error.teacher_not_taking_part",
                    t,
                ));
            }
        }
        if errs.is_empty() {
            Ok(path)
        } else {
            Err(errs.into())
        }
    }

    pub(crate) async fn insert_activity(
        tx: &mut AnyConnection,
        a: &NewActivity,
        held_on: chrono::NaiveDate,
        series_id: Option<i64>,
    ) -> Result<i64> {
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activities (community_id, series_id, kind, title, organiser_school_id, organiser_studio, host_school_id, held_on, start_time, duration_minutes, mode, subject, student_count, summary, stage_before, stage_during, stage_after, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id",
        )
        .bind(a.community_id)
        .bind(series_id)
        .bind(a.kind.clone())
        .bind(a.title.clone())
        .bind(a.organiser_school_id)
        .bind(a.organiser_studio.clone())
        .bind(a.host_school_id)
        .bind(held_on.to_string())
        .bind(a.start_time.clone())
        .bind(a.duration_minutes)
        .bind(a.mode.key())
        .bind(a.subject.clone())
        .bind(a.student_count)
        .bind(a.summary.clone())
        .bind(a.stage_before.clone())
        .bind(a.stage_during.clone())
        .bind(a.stage_after.clone())
        .bind(a.status.key())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::write_links(tx, id, a).await?;
        Ok(id)
    }

    async fn write_links(tx: &mut AnyConnection, id: i64, a: &NewActivity) -> Result<()> {
        sqlx::query("DELETE FROM activity_schools WHERE activity_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for s in &a.school_ids {
            sqlx::query("INSERT INTO activity_schools (activity_id, school_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*s)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM activity_participants WHERE activity_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for t in &a.invited_teacher_ids {
            sqlx::query(
                "INSERT INTO activity_participants (activity_id, teacher_id, present) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(*t)
            .bind(i64::from(a.present_teacher_ids.contains(t)))
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    pub async fn create_activity(&self, actor: &Actor, a: &NewActivity) -> Result<ActivityDetail> {
        let path = self.check_activity(a).await?;
        let mut tx = self.begin_write().await?;
        let id = Self::insert_activity(&mut tx, a, a.held_on, None).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "activity",
                entity_id: Some(id),
                region_path: &path,
                summary: a.title.clone(),
                before: None,
                after: audit::json(a),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_activity(id).await
    }

    /// Creates a series and all its occurrences in one transaction; returns the series id and
    /// the number of activities created.
    pub async fn create_series(&self, actor: &Actor, s: &NewSeries) -> Result<(i64, usize)> {
        let a = &s.activity;
        let path = self.check_activity(a).await?;
        let mut tx = self.begin_write().await?;
        let series_id: i64 = sqlx::query_scalar(
            "INSERT INTO activity_series (community_id, title, kind, weekday, start_time, first_date, last_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(a.community_id)
        .bind(a.title.clone())
        .bind(a.kind.clone())
        .bind(i64::from(s.weekday))
        .bind(a.start_time.clone())
        .bind(s.first_date.to_string())
        .bind(s.last_date.to_string())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        for d in &s.dates {
            Self::insert_activity(&mut tx, a, *d, Some(series_id)).await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "activity_series",
                entity_id: Some(series_id),
                region_path: &path,
                summary: format!("{}（{} 次）", a.title, s.dates.len()),
                before: None,
                after: audit::json(s),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((series_id, s.dates.len()))
    }

    pub async fn update_activity(
        &self,
        actor: &Actor,
        id: i64,
        a: &NewActivity,
    ) -> Result<ActivityDetail> {
        let before = self.get_activity(id).await?;
        let path = self.check_activity(a).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE activities SET kind = $1, title = $2, organiser_school_id = $3, organiser_studio = $4, host_school_id = $5, held_on = $6, start_time = $7, duration_minutes = $8, mode = $9, subject = $10, student_count = $11, summary = $12, stage_before = $13, stage_during = $14, stage_after = $15, status = $16, updated_at = $17 WHERE id = $18",
        )
        .bind(a.kind.clone())
        .bind(a.title.clone())
        .bind(a.organiser_school_id)
        .bind(a.organiser_studio.clone())
        .bind(a.host_school_id)
        .bind(a.held_on.to_string())
        .bind(a.start_time.clone())
        .bind(a.duration_minutes)
        .bind(a.mode.key())
        .bind(a.subject.clone())
        .bind(a.student_count)
        .bind(a.summary.clone())
        .bind(a.stage_before.clone())
        .bind(a.stage_during.clone())
        .bind(a.stage_after.clone())
        .bind(a.status.key())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::write_links(&mut tx, id, a).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "activity",
                entity_id: Some(id),
                region_path: &path,
                summary: a.title.clone(),
                before: audit::json(&before),
                after: audit::json(a),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_activity(id).await
    }

    /// Deletes an activity with its links, file records and reflections; returns the stored
    /// names of its files so the caller can remove them from disk.
    pub async fn delete_activity(&self, actor: &Actor, id: i64) -> Result<Vec<String>> {
        let before = self.get_activity(id).await?;
        let path = self
            .place_of_community(before.activity.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE support_orders SET activity_id = NULL, status = 'cancelled' WHERE activity_id = $1 AND status = 'scheduled'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE support_orders SET activity_id = NULL WHERE activity_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for t in [
            "activity_schools",
            "activity_participants",
            "activity_files",
            "activity_reflections",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {t} WHERE activity_id = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM activities WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "activity",
                entity_id: Some(id),
                region_path: &path,
                summary: before.activity.title.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(before
            .file_list
            .into_iter()
            .map(|f| f.stored_name)
            .collect())
    }

    pub async fn add_activity_file(
        &self,
        actor: &Actor,
        activity_id: i64,
        f: &NewActivityFile,
    ) -> Result<ActivityFile> {
        let a = self.get_activity(activity_id).await?;
        let path = self
            .place_of_community(a.activity.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO activity_files (activity_id, original_name, stored_name, content_type, size_bytes, is_photo, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(activity_id)
        .bind(f.original_name.clone())
        .bind(f.stored_name.clone())
        .bind(f.content_type.clone())
        .bind(f.size_bytes)
        .bind(i64::from(f.content_type.starts_with("image/")))
        .bind(actor.username.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "activity_file",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{}：{}", a.activity.title, f.original_name),
                before: None,
                after: audit::json(f),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_activity_file(id).await
    }

    pub async fn get_activity_file(&self, id: i64) -> Result<ActivityFile> {
        sqlx::query_as::<_, ActivityFile>(
            "SELECT id, activity_id, original_name, stored_name, content_type, size_bytes, is_photo, uploaded_by, uploaded_at FROM activity_files WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn delete_activity_file(&self, actor: &Actor, id: i64) -> Result<ActivityFile> {
        let f = self.get_activity_file(id).await?;
        let a = self.get_activity(f.activity_id).await?;
        let path = self
            .place_of_community(a.activity.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM activity_files WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "activity_file",
                entity_id: Some(id),
                region_path: &path,
                summary: f.original_name.clone(),
                before: audit::json(&f),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// Writes (or rewrites) a participant's reflection. The teacher must be invited or present,
    /// or teach at a school taking part.
    pub async fn save_reflection(
        &self,
        actor: &Actor,
        activity_id: i64,
        teacher_id: i64,
        body: &str,
    ) -> Result<Reflection> {
        let a = self.get_activity(activity_id).await?;
        let school: Option<i64> =
            sqlx::query_scalar("SELECT school_id FROM teachers WHERE id = $1")
                .bind(teacher_id)
                .fetch_optional(&self.pool)
                .await?;
        let taking_part = a.participants.iter().any(|p| p.teacher_id == teacher_id)
            || school.is_some_and(|s| {
                s == a.activity.host_school_id || a.schools.iter().any(|x| x.id == s)
            });
        if !taking_part {
            return Err(FieldError::with(
                "teacher_id",
                "error.teacher_not_taking_part",
                teacher_id,
            )
            .into());
        }
        let path = self
            .place_of_community(a.activity.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM activity_reflections WHERE activity_id = $1 AND teacher_id = $2",
        )
        .bind(activity_id)
        .bind(teacher_id)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match existing {
            Some(id) => {
                sqlx::query("UPDATE activity_reflections SET body = $1, written_at = $2 WHERE id = $3")
                    .bind(body.to_owned())
                    .bind(crate::now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO activity_reflections (activity_id, teacher_id, body, written_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(activity_id)
            .bind(teacher_id)
            .bind(body.to_owned())
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?,
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: if existing.is_some() {
                    "update"
                } else {
                    "create"
                },
                entity: "activity_reflection",
                entity_id: Some(id),
                region_path: &path,
                summary: a.activity.title.clone(),
                before: None,
                after: Some(serde_json::json!({ "teacher_id": teacher_id, "body": body })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_as::<_, Reflection>(
            "SELECT x.id, x.activity_id, x.teacher_id, t.name AS teacher_name, s.name AS school_name, x.body, x.written_at \
             FROM activity_reflections x JOIN teachers t ON t.id = x.teacher_id JOIN schools s ON s.id = t.school_id WHERE x.id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }
}
