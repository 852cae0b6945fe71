//! Teachers.

use crate::audit::{self, Change};
use crate::records::{ListQuery, Page, Teacher};
use crate::scope::Visible;
use crate::sql::{Sql, like_escape};
use crate::{Actor, Backend, Result, Store, StoreError};
use gongjin_domain::inputs::NewTeacher;
use sqlx::AnyConnection;
use std::collections::HashMap;

const FROM: &str = " FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id \
    LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL WHERE 1 = 1";
const COLUMNS: &str = "SELECT t.id, t.staff_number, t.region_id, t.name, t.gender, t.birth_year, t.school_id, s.name AS school_name, s.code AS school_code, \
    t.subjects, t.title, t.backbone_level, t.years_at_school, t.phone, t.status, t.degree_above_standard";

/// Teacher lists count matches up to this many; `total` is `TOTAL_CAP + 1` when more match.
pub const TOTAL_CAP: i64 = 10_000;

/// Teacher-specific filters on top of [`ListQuery`].
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeacherFilter {
    /// Backbone level key; `any` for every backbone teacher.
    pub backbone_level: Option<String>,
    /// A subject taught, e.g. 语文.
    pub subject: Option<String>,
    pub status: Option<String>,
}

fn filters(q: &mut Sql, backend: Backend, f: &ListQuery, tf: &TeacherFilter) {
    if let Some(text) = f.q() {
        // Name or staff number, from the search index.
        crate::search::push_match(q, backend, crate::search::Searched::Teachers, &text);
    }
    if let Some(rid) = f.region_id {
        q.push(" AND r.path LIKE (SELECT path FROM regions WHERE id = ")
            .bind(rid)
            .push(") || '%'");
    }
    if let Some(sid) = f.school_id {
        q.push(" AND t.school_id = ").bind(sid);
    }
    if let Some(cid) = f.community_id {
        q.push(" AND m.community_id = ").bind(cid);
    }
    if let Some(st) = f.stage.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND s.stage = ").bind(st);
    }
    if let Some(l) = f.locality.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND s.locality = ").bind(l);
    }
    match tf.backbone_level.as_deref() {
        None | Some("") => {}
        Some("any") => {
            q.push(" AND t.backbone_level <> 'none'");
        }
        Some(b) => {
            q.push(" AND t.backbone_level = ").bind(b);
        }
    }
    if let Some(sub) = tf.subject.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND t.subjects LIKE ")
            .bind(format!("%{}%", like_escape(sub)))
            .push(" ESCAPE '\\'");
    }
    if let Some(st) = tf.status.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND t.status = ").bind(st);
    }
}

impl Store {
    pub async fn list_teachers(
        &self,
        visible: &Visible,
        f: &ListQuery,
        tf: &TeacherFilter,
    ) -> Result<Page<Teacher>> {
        // Counted up to TOTAL_CAP + 1: past that the list says "10,000+" (an exact count of a
        // province's 400,000 teachers would cost more than the page itself).
        let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1");
        count.push(FROM);
        visible.teachers(&mut count);
        filters(&mut count, self.backend(), f, tf);
        count.push(&format!(" LIMIT {}) capped", TOTAL_CAP + 1));
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(COLUMNS);
        q.push(FROM);
        visible.teachers(&mut q);
        filters(&mut q, self.backend(), f, tf);
        q.push(" ORDER BY s.code, t.staff_number LIMIT ")
            .bind(f.limit())
            .push(" OFFSET ")
            .bind(f.offset());
        let items = q.query_as::<Teacher>().fetch_all(&self.pool).await?;
        Ok(Page { items, total })
    }

    /// The exact number of teachers visible (the home page's figure), kept until the next write.
    pub async fn count_teachers(&self, visible: &Visible) -> Result<i64> {
        let key = format!("teachers_count:{visible:?}");
        let n = self
            .cached(&key, async {
                let mut q = Sql::new("SELECT COUNT(*)");
                q.push(FROM);
                visible.teachers(&mut q);
                Ok::<i64, StoreError>(q.query_scalar().fetch_one(&self.pool).await?)
            })
            .await?;
        Ok(*n)
    }

    /// Every teacher visible, unpaged (exports).
    pub async fn all_teachers(&self, visible: &Visible) -> Result<Vec<Teacher>> {
        let mut q = Sql::new(COLUMNS);
        q.push(FROM);
        visible.teachers(&mut q);
        q.push(" ORDER BY s.code, t.staff_number");
        Ok(q.query_as::<Teacher>().fetch_all(&self.pool).await?)
    }

    pub async fn get_teacher(&self, id: i64) -> Result<Teacher> {
        let mut q = Sql::new(COLUMNS);
        q.push(FROM).push(" AND t.id = ").bind(id);
        q.query_as::<Teacher>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// "staff number name" of each of these teachers, in one statement.
    pub async fn teacher_labels(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        // Ids are integers: safe to inline.
        let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, staff_number, name FROM teachers WHERE id IN ({})",
            list.join(", ")
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n, name)| (id, format!("{n} {name}")))
            .collect())
    }

    /// The teachers the caller sees with exactly this staff number (one per region at most).
    pub async fn visible_by_staff_number(
        &self,
        visible: &Visible,
        staff_number: &str,
    ) -> Result<Vec<Teacher>> {
        let mut q = Sql::new(COLUMNS);
        q.push(FROM)
            .push(" AND t.staff_number = ")
            .bind(staff_number);
        visible.teachers(&mut q);
        q.push(" ORDER BY t.id");
        Ok(q.query_as::<Teacher>().fetch_all(&self.pool).await?)
    }

    /// Every teacher with one of these staff numbers (any region): one statement per 500 numbers.
    pub async fn teachers_by_staff_numbers(&self, numbers: &[&str]) -> Result<Vec<Teacher>> {
        let mut out = vec![];
        for chunk in numbers.chunks(500) {
            let mut q = Sql::new(COLUMNS);
            q.push(FROM).push(" AND t.staff_number IN (");
            for (i, n) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(*n);
            }
            q.push(")");
            out.extend(q.query_as::<Teacher>().fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    /// The teacher with this staff number in the region of `school_id` (import's update key).
    pub async fn teacher_by_staff_number(
        &self,
        region_id: i64,
        staff_number: &str,
    ) -> Result<Option<Teacher>> {
        let mut q = Sql::new(COLUMNS);
        q.push(FROM)
            .push(" AND t.region_id = ")
            .bind(region_id)
            .push(" AND t.staff_number = ")
            .bind(staff_number);
        Ok(q.query_as::<Teacher>().fetch_optional(&self.pool).await?)
    }

    pub async fn create_teacher(&self, actor: &Actor, t: &NewTeacher) -> Result<Teacher> {
        let mut tx = self.begin_write().await?;
        let (region_id, path) = school_region(&mut tx, t.school_id).await?;
        let id = insert_teacher(&mut tx, region_id, t).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "teacher",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", t.staff_number, t.name),
                before: None,
                after: audit::json(t),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_teacher(id).await
    }

    pub async fn update_teacher(&self, actor: &Actor, id: i64, t: &NewTeacher) -> Result<Teacher> {
        let before = self.get_teacher(id).await?;
        let mut tx = self.begin_write().await?;
        let (region_id, path) = school_region(&mut tx, t.school_id).await?;
        update_teacher_row(&mut tx, id, region_id, t).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "teacher",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", t.staff_number, t.name),
                before: audit::json(&before),
                after: audit::json(t),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_teacher(id).await
    }

    pub async fn delete_teacher(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_teacher(id).await?;
        let mut tx = self.begin_write().await?;
        let (_, path) = school_region(&mut tx, before.school_id).await?;
        sqlx::query("DELETE FROM teachers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "teacher",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", before.staff_number, before.name),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn school_region(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<(i64, String)> {
    let row: Option<(i64, String)> = sqlx::query_as("SELECT s.region_id, r.path FROM schools s JOIN regions r ON r.id = s.region_id WHERE s.id = $1")
        .bind(school_id)
        .fetch_optional(conn)
        .await?;
    row.ok_or_else(|| StoreError::conflict("error.scope_missing", school_id))
}

pub(crate) async fn insert_teacher(
    conn: &mut AnyConnection,
    region_id: i64,
    t: &NewTeacher,
) -> Result<i64> {
    let now = crate::now();
    sqlx::query_scalar(
        "INSERT INTO teachers (staff_number, region_id, name, gender, birth_year, school_id, subjects, title, backbone_level, years_at_school, phone, status, created_at, updated_at, degree_above_standard, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15) RETURNING id",
    )
    .bind(t.staff_number.as_str().to_owned())
    .bind(region_id)
    .bind(t.name.clone())
    .bind(t.gender.key())
    .bind(t.birth_year)
    .bind(t.school_id)
    .bind(t.subjects.join("、"))
    .bind(t.title.clone())
    .bind(t.backbone_level.key())
    .bind(t.years_at_school)
    .bind(t.phone.as_ref().map(|p| p.as_str().to_owned()))
    .bind(t.status.key())
    .bind(now)
    .bind(i64::from(t.degree_above_standard.unwrap_or(false)))
    .bind(crate::search::spaced(&[&t.name, t.staff_number.as_str()]))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_or(e, format!("教师编号 {}", t.staff_number)))
}

/// Inserts many teachers (each with its region) in one statement, returning their ids by
/// (region, staff number). At most 1,000 rows a call (16 parameters each).
pub(crate) async fn insert_teachers(
    conn: &mut AnyConnection,
    rows: &[(i64, &NewTeacher)],
) -> Result<HashMap<(i64, String), i64>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let now = crate::now();
    let mut q = Sql::new(
        "INSERT INTO teachers (staff_number, region_id, name, gender, birth_year, school_id, subjects, title, backbone_level, years_at_school, phone, status, created_at, updated_at, degree_above_standard, search_text) VALUES ",
    );
    for (i, (region_id, t)) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .bind(t.staff_number.as_str())
            .push(", ")
            .bind(*region_id)
            .push(", ")
            .bind(t.name.clone())
            .push(", ")
            .bind(t.gender.key());
        q.push(", ")
            .bind(t.birth_year)
            .push(", ")
            .bind(t.school_id)
            .push(", ")
            .bind(t.subjects.join("、"))
            .push(", ")
            .bind(t.title.clone());
        q.push(", ")
            .bind(t.backbone_level.key())
            .push(", ")
            .bind(t.years_at_school)
            .push(", ")
            .bind(t.phone.as_ref().map(|p| p.as_str().to_owned()))
            .push(", ")
            .bind(t.status.key());
        q.push(", ")
            .bind(now.clone())
            .push(", ")
            .bind(now.clone())
            .push(", ")
            .bind(i64::from(t.degree_above_standard.unwrap_or(false)))
            .push(", ")
            .bind(crate::search::spaced(&[&t.name, t.staff_number.as_str()]))
            .push(")");
    }
    q.query()
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::unique_or(e, "教师编号"))?;
    let mut back =
        Sql::new("SELECT id, region_id, staff_number FROM teachers WHERE staff_number IN (");
    for (i, (_, t)) in rows.iter().enumerate() {
        if i > 0 {
            back.push(", ");
        }
        back.bind(t.staff_number.as_str());
    }
    back.push(")");
    let found: Vec<(i64, i64, String)> = back.query_as().fetch_all(&mut *conn).await?;
    Ok(found
        .into_iter()
        .map(|(id, region, number)| ((region, number), id))
        .collect())
}

pub(crate) async fn update_teacher_row(
    conn: &mut AnyConnection,
    id: i64,
    region_id: i64,
    t: &NewTeacher,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE teachers SET staff_number = $1, region_id = $2, name = $3, gender = $4, birth_year = $5, school_id = $6, subjects = $7, title = $8, \
         backbone_level = $9, years_at_school = $10, phone = $11, status = $12, updated_at = $13, degree_above_standard = COALESCE($15, degree_above_standard), search_text = $16 WHERE id = $14",
    )
    .bind(t.staff_number.as_str().to_owned())
    .bind(region_id)
    .bind(t.name.clone())
    .bind(t.gender.key())
    .bind(t.birth_year)
    .bind(t.school_id)
    .bind(t.subjects.join("、"))
    .bind(t.title.clone())
    .bind(t.backbone_level.key())
    .bind(t.years_at_school)
    .bind(t.phone.as_ref().map(|p| p.as_str().to_owned()))
    .bind(t.status.key())
    .bind(crate::now())
    .bind(id)
    .bind(t.degree_above_standard.map(i64::from))
    .bind(crate::search::spaced(&[&t.name, t.staff_number.as_str()]))
    .execute(conn)
    .await
    .map_err(|e| StoreError::unique_or(e, format!("教师编号 {}", t.staff_number)))?
    .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
