//! Schools.

use crate::audit::{self, Change};
use crate::records::{ListQuery, Page, School};
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Backend, Result, Store, StoreError};
use gongjin_domain::inputs::NewSchool;
use sqlx::AnyConnection;

pub(crate) const SELECT: &str = "SELECT s.id, s.name, s.code, s.region_id, r.name AS region_name, s.stage, s.locality, s.ownership, s.address, \
    s.longitude, s.latitude, s.primary_enrolment, s.junior_enrolment, s.class_count, \
    m.community_id, c.name AS community_name, m.role AS membership_role, \
    (SELECT COUNT(*) FROM teachers t WHERE t.school_id = s.id) AS teacher_count \
    FROM schools s JOIN regions r ON r.id = s.region_id \
    LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL \
    LEFT JOIN communities c ON c.id = m.community_id WHERE 1 = 1";

fn filters(q: &mut Sql, backend: Backend, f: &ListQuery) {
    if let Some(text) = f.q() {
        // Name or school code, from the search index.
        crate::search::push_match(q, backend, crate::search::Searched::Schools, &text);
    }
    if let Some(rid) = f.region_id {
        q.push(" AND r.path LIKE (SELECT path FROM regions WHERE id = ")
            .bind(rid)
            .push(") || '%'");
    }
    if let Some(cid) = f.community_id {
        q.push(" AND m.community_id = ").bind(cid);
    }
    if let Some(sid) = f.school_id {
        q.push(" AND s.id = ").bind(sid);
    }
    if let Some(st) = f.stage.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND s.stage = ").bind(st);
    }
    if let Some(l) = f.locality.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND s.locality = ").bind(l);
    }
}

/// A school as pickers and scope checks need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SchoolEntry {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub region_path: String,
    pub community_id: Option<i64>,
    pub membership_role: Option<String>,
}

impl SchoolEntry {
    /// Where the school sits, for scope decisions (as `Store::place_of_school`).
    pub fn place(&self) -> gongjin_domain::authz::Place {
        gongjin_domain::authz::Place {
            region_path: self.region_path.clone(),
            community_id: self.community_id,
            school_id: Some(self.id),
            teacher_id: None,
        }
    }
}

impl Store {
    pub async fn list_schools(&self, visible: &Visible, f: &ListQuery) -> Result<Page<School>> {
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM schools s JOIN regions r ON r.id = s.region_id LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL WHERE 1 = 1",
        );
        visible.schools(&mut count);
        filters(&mut count, self.backend(), f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(SELECT);
        visible.schools(&mut q);
        filters(&mut q, self.backend(), f);
        q.push(" ORDER BY r.path, s.stage, s.code LIMIT ")
            .bind(f.limit())
            .push(" OFFSET ")
            .bind(f.offset());
        let items = q.query_as::<School>().fetch_all(&self.pool).await?;
        Ok(Page { items, total })
    }

    /// Every school the caller sees, lightly (name, code, where it sits), in one statement: for
    /// pickers and permission checks over many schools.
    pub async fn school_index(&self, visible: &Visible) -> Result<Vec<SchoolEntry>> {
        let key = format!("school_index:{visible:?}");
        let v = self.cached(&key, self.school_index_fresh(visible)).await?;
        Ok(v.as_ref().clone())
    }

    async fn school_index_fresh(&self, visible: &Visible) -> Result<Vec<SchoolEntry>> {
        let mut q = Sql::new(
            "SELECT s.id, s.name, s.code, r.path AS region_path, m.community_id, m.role AS membership_role \
             FROM schools s JOIN regions r ON r.id = s.region_id \
             LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL WHERE 1 = 1",
        );
        visible.schools(&mut q);
        q.push(" ORDER BY r.path, s.stage, s.code");
        Ok(q.query_as::<SchoolEntry>().fetch_all(&self.pool).await?)
    }

    /// Every school visible, unpaged (exports).
    pub async fn all_schools(&self, visible: &Visible) -> Result<Vec<School>> {
        let mut q = Sql::new(SELECT);
        visible.schools(&mut q);
        q.push(" ORDER BY r.path, s.stage, s.code");
        Ok(q.query_as::<School>().fetch_all(&self.pool).await?)
    }

    pub async fn get_school(&self, id: i64) -> Result<School> {
        let mut q = Sql::new(SELECT);
        q.push(" AND s.id = ").bind(id);
        q.query_as::<School>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn school_by_code(&self, code: &str) -> Result<Option<School>> {
        let mut q = Sql::new(SELECT);
        q.push(" AND s.code = ").bind(code);
        Ok(q.query_as::<School>().fetch_optional(&self.pool).await?)
    }

    pub async fn create_school(&self, actor: &Actor, s: &NewSchool) -> Result<School> {
        let mut tx = self.begin_write().await?;
        let id = insert_school(&mut tx, s).await?;
        let path = region_path(&mut tx, s.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "school",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", s.code, s.name),
                before: None,
                after: audit::json(s),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_school(id).await
    }

    pub async fn update_school(&self, actor: &Actor, id: i64, s: &NewSchool) -> Result<School> {
        let before = self.get_school(id).await?;
        let mut tx = self.begin_write().await?;
        update_school_row(&mut tx, id, s).await?;
        let path = region_path(&mut tx, s.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "school",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", s.code, s.name),
                before: audit::json(&before),
                after: audit::json(s),
            },
        )
        .await?;
        // Teachers follow their school's region (staff numbers are unique per region).
        sqlx::query("UPDATE teachers SET region_id = $1 WHERE school_id = $2")
            .bind(s.region_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique_or(e, "教师编号"))?;
        tx.commit().await?;
        self.get_school(id).await
    }

    pub async fn delete_school(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_school(id).await?;
        if before.teacher_count > 0 {
            return Err(StoreError::conflict(
                "error.in_use",
                format!("{} 名教师", before.teacher_count),
            ));
        }
        let mut tx = self.begin_write().await?;
        let in_use: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE school_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let cores: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM communities WHERE core_school_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if in_use + cores > 0 {
            return Err(StoreError::conflict(
                "error.in_use",
                before
                    .community_name
                    .clone()
                    .unwrap_or_else(|| "共同体".into()),
            ));
        }
        let path = region_path(&mut tx, before.region_id).await?;
        sqlx::query("DELETE FROM schools WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "school",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", before.code, before.name),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Per school of a region subtree: (teachers in post, backbone teachers among them).
    pub async fn school_staff_counts(
        &self,
        region_path: &str,
    ) -> Result<std::collections::HashMap<i64, (i64, i64)>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT t.school_id, COUNT(*), CAST(SUM(CASE WHEN t.backbone_level <> 'none' THEN 1 ELSE 0 END) AS BIGINT) FROM teachers t \
             JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id WHERE t.status = 'active' AND r.path LIKE $1 GROUP BY t.school_id",
        )
        .bind(format!("{region_path}%"))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s, n, b)| (s, (n, b))).collect())
    }
}

pub(crate) async fn region_path(conn: &mut AnyConnection, region_id: i64) -> Result<String> {
    sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
        .bind(region_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::conflict("error.scope_missing", region_id))
}

pub(crate) async fn insert_school(conn: &mut AnyConnection, s: &NewSchool) -> Result<i64> {
    let now = crate::now();
    sqlx::query_scalar(
        "INSERT INTO schools (name, code, region_id, stage, locality, ownership, address, longitude, latitude, primary_enrolment, junior_enrolment, class_count, created_at, updated_at, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14) RETURNING id",
    )
    .bind(s.name.clone())
    .bind(s.code.as_str().to_owned())
    .bind(s.region_id)
    .bind(s.stage.key())
    .bind(s.locality.key())
    .bind(s.ownership.key())
    .bind(s.address.clone())
    .bind(s.longitude)
    .bind(s.latitude)
    .bind(s.primary_enrolment)
    .bind(s.junior_enrolment)
    .bind(s.class_count)
    .bind(now)
    .bind(crate::search::spaced(&[&s.name, s.code.as_str()]))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_or(e, format!("学校标识码 {}", s.code)))
}

pub(crate) async fn update_school_row(
    conn: &mut AnyConnection,
    id: i64,
    s: &NewSchool,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE schools SET name = $1, code = $2, region_id = $3, stage = $4, locality = $5, ownership = $6, address = $7, longitude = $8, latitude = $9, \
         primary_enrolment = $10, junior_enrolment = $11, class_count = $12, updated_at = $13, search_text = $15 WHERE id = $14",
    )
    .bind(s.name.clone())
    .bind(s.code.as_str().to_owned())
    .bind(s.region_id)
    .bind(s.stage.key())
    .bind(s.locality.key())
    .bind(s.ownership.key())
    .bind(s.address.clone())
    .bind(s.longitude)
    .bind(s.latitude)
    .bind(s.primary_enrolment)
    .bind(s.junior_enrolment)
    .bind(s.class_count)
    .bind(crate::now())
    .bind(id)
    .bind(crate::search::spaced(&[&s.name, s.code.as_str()]))
    .execute(conn)
    .await
    .map_err(|e| StoreError::unique_or(e, format!("学校标识码 {}", s.code)))?
    .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
