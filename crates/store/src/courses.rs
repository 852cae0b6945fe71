//! Shared courses and resources (课程资源共享): school-based courses and their deliveries to other
//! schools, totalled per community and over the caller's region; the teaching resource library with
//! its uploaded files and download counts.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::{Sql, like_escape};
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::Grade;
use gongjin_domain::inputs::{NewCourse, NewDelivery, NewResource};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

/// Grade keys as stored: `g7,g8`.
pub(crate) fn grades_text(g: &[Grade]) -> String {
    g.iter().map(|g| g.key()).collect::<Vec<_>>().join(",")
}

fn grades_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Clone, FromRow)]
struct CourseRow {
    id: i64,
    school_id: i64,
    school_name: String,
    community_id: Option<i64>,
    community_name: Option<String>,
    title: String,
    subject: String,
    grades: String,
    class_hours: i64,
    description: String,
    deliveries: i64,
    hours_delivered: i64,
    students_reached: i64,
}

/// A shared course with its delivery figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Course {
    pub id: i64,
    /// The offering school.
    pub school_id: i64,
    pub school_name: String,
    /// The community it was shared in (the offering school's when recorded).
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    pub title: String,
    pub subject: String,
    /// Grade keys: `g1` … `g9`.
    pub grades: Vec<String>,
    pub class_hours: i64,
    pub description: String,
    pub deliveries: i64,
    /// Class hours delivered to other schools.
    pub hours_delivered: i64,
    /// Students reached by the deliveries.
    pub students_reached: i64,
}

impl From<CourseRow> for Course {
    fn from(r: CourseRow) -> Course {
        Course {
            id: r.id,
            school_id: r.school_id,
            school_name: r.school_name,
            community_id: r.community_id,
            community_name: r.community_name,
            title: r.title,
            subject: r.subject,
            grades: grades_list(&r.grades),
            class_hours: r.class_hours,
            description: r.description,
            deliveries: r.deliveries,
            hours_delivered: r.hours_delivered,
            students_reached: r.students_reached,
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub course_id: i64,
    pub delivered_on: String,
    pub to_school_id: i64,
    pub to_school_name: String,
    pub hours: i64,
    pub students: i64,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    pub delivery_list: Vec<Delivery>,
}

/// Delivery totals of one community.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct CommunityTotal {
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    pub courses: i64,
    pub deliveries: i64,
    pub hours: i64,
    pub students: i64,
}

/// Totals of the listed courses (the caller's scope and filters): "655 class hours, about 3,000
/// students", and the same per community.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SharingTotals {
    pub courses: i64,
    pub deliveries: i64,
    pub hours: i64,
    pub students: i64,
    pub by_community: Vec<CommunityTotal>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseQuery {
    /// Text in the title.
    pub q: Option<String>,
    pub subject: Option<String>,
    /// A grade key (`g7`).
    pub grade: Option<String>,
    pub school_id: Option<i64>,
    pub community_id: Option<i64>,
    /// Only schools in this region (and below).
    pub region_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct LibraryResource {
    pub id: i64,
    pub school_id: i64,
    pub school_name: String,
    pub title: String,
    /// `guide_sheet`, `lesson_design`, `slides`, `exercises`, `test_paper`.
    pub kind: String,
    pub subject: String,
    /// Grade keys joined by commas: `g7,g8`.
    pub grades: String,
    pub description: String,
    pub original_name: String,
    #[serde(skip)]
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub downloads: i64,
    pub uploaded_by: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// Text in the title or description.
    pub q: Option<String>,
    /// `guide_sheet`, `lesson_design`, `slides`, `exercises`, `test_paper`.
    pub kind: Option<String>,
    pub subject: Option<String>,
    /// A grade key (`g7`).
    pub grade: Option<String>,
    pub school_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A new library file as stored by the web layer.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    pub original_name: String,
    #[serde(skip)]
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// Bounds a query over schools `s` and regions `r` to what is shared with the caller: the region
/// for region roles; the schools of the community for a lead; the own school and the schools of
/// its community for a coordinator or teacher.
pub(crate) fn visible_shared(q: &mut Sql, v: &Visible) {
    match v {
        Visible::All => {}
        Visible::RegionPrefix(p) => {
            q.push(" AND r.path LIKE ").bind(format!("{p}%"));
        }
        Visible::Community(c) => {
            q.push(" AND s.id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
                .bind(*c)
                .push(")");
        }
        Visible::School { school_id } | Visible::Teacher { school_id, .. } => {
            q.push(" AND (s.id = ")
                .bind(*school_id)
                .push(" OR s.id IN (SELECT m2.school_id FROM memberships m2 WHERE m2.left_on IS NULL AND m2.community_id IN (SELECT m3.community_id FROM memberships m3 WHERE m3.left_on IS NULL AND m3.school_id = ")
                .bind(*school_id)
                .push(")))");
        }
    }
}

const COURSE_FROM: &str = " FROM courses c JOIN schools s ON s.id = c.school_id JOIN regions r ON r.id = s.region_id LEFT JOIN communities cm ON cm.id = c.community_id WHERE 1 = 1";

const COURSE_COLUMNS: &str = "SELECT c.id, c.school_id, s.name AS school_name, c.community_id, cm.name AS community_name, c.title, c.subject, c.grades, c.class_hours, c.description, \
     (SELECT COUNT(*) FROM course_deliveries d WHERE d.course_id = c.id) AS deliveries, \
     CAST((SELECT COALESCE(SUM(d.hours), 0) FROM course_deliveries d WHERE d.course_id = c.id) AS BIGINT) AS hours_delivered, \
     CAST((SELECT COALESCE(SUM(d.students), 0) FROM course_deliveries d WHERE d.course_id = c.id) AS BIGINT) AS students_reached";

fn pattern(s: &str) -> String {
    format!("%{}%", like_escape(s.trim()))
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Store {
    async fn region_path_of(&self, region_id: i64) -> Result<String> {
        Ok(self.place_of_region(region_id).await?.region_path)
    }

    async fn course_filter(&self, q: &mut Sql, v: &Visible, f: &CourseQuery) -> Result<()> {
        visible_shared(q, v);
        if let Some(t) = nonempty(&f.q) {
            q.push(" AND c.title LIKE ")
                .bind(pattern(t))
                .push(" ESCAPE '\\'");
        }
        if let Some(s) = nonempty(&f.subject) {
            q.push(" AND c.subject = ").bind(s);
        }
        if let Some(g) = nonempty(&f.grade) {
            q.push(" AND c.grades LIKE ")
                .bind(pattern(g))
                .push(" ESCAPE '\\'");
        }
        if let Some(id) = f.school_id {
            q.push(" AND c.school_id = ").bind(id);
        }
        if let Some(id) = f.community_id {
            q.push(" AND c.community_id = ").bind(id);
        }
        if let Some(id) = f.region_id {
            let p = self.region_path_of(id).await.unwrap_or_else(|_| "-".into());
            q.push(" AND r.path LIKE ").bind(format!("{p}%"));
        }
        Ok(())
    }

    pub async fn list_courses(&self, v: &Visible, f: &CourseQuery) -> Result<Page<Course>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){COURSE_FROM}"));
        self.course_filter(&mut count, v, f).await?;
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{COURSE_COLUMNS}{COURSE_FROM}"));
        self.course_filter(&mut q, v, f).await?;
        let per = f.per_page.unwrap_or(20).clamp(1, 500);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY c.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        let rows = q.query_as::<CourseRow>().fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows.into_iter().map(Course::from).collect(),
            total,
        })
    }

    /// Courses, deliveries, class hours delivered and students reached, overall and per
    /// community, for the courses the caller sees under the filters (paging ignored).
    pub async fn course_totals(&self, v: &Visible, f: &CourseQuery) -> Result<SharingTotals> {
        let mut q = Sql::new(
            "SELECT c.community_id, cm.name AS community_name, COUNT(DISTINCT c.id) AS courses, COUNT(d.id) AS deliveries, \
             CAST(COALESCE(SUM(d.hours), 0) AS BIGINT) AS hours, CAST(COALESCE(SUM(d.students), 0) AS BIGINT) AS students \
             FROM courses c JOIN schools s ON s.id = c.school_id JOIN regions r ON r.id = s.region_id LEFT JOIN communities cm ON cm.id = c.community_id \
             LEFT JOIN course_deliveries d ON d.course_id = c.id WHERE 1 = 1",
        );
        self.course_filter(&mut q, v, f).await?;
        q.push(" GROUP BY c.community_id, cm.name ORDER BY hours DESC, cm.name");
        let by_community = q.query_as::<CommunityTotal>().fetch_all(&self.pool).await?;
        let mut t = SharingTotals::default();
        for c in &by_community {
            t.courses += c.courses;
            t.deliveries += c.deliveries;
            t.hours += c.hours;
            t.students += c.students;
        }
        t.by_community = by_community;
        Ok(t)
    }

    pub async fn get_course(&self, id: i64) -> Result<CourseDetail> {
        let mut q = Sql::new(&format!("{COURSE_COLUMNS}{COURSE_FROM}"));
        q.push(" AND c.id = ").bind(id);
        let course: Course = q
            .query_as::<CourseRow>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        let delivery_list = self.list_deliveries(id).await?;
        Ok(CourseDetail {
            course,
            delivery_list,
        })
    }

    pub async fn list_deliveries(&self, course_id: i64) -> Result<Vec<Delivery>> {
        Ok(sqlx::query_as::<_, Delivery>(
            "SELECT d.id, d.course_id, d.delivered_on, d.to_school_id, s.name AS to_school_name, d.hours, d.students, d.note \
             FROM course_deliveries d JOIN schools s ON s.id = d.to_school_id WHERE d.course_id = $1 ORDER BY d.delivered_on DESC, d.id DESC",
        )
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn get_delivery(&self, id: i64) -> Result<Delivery> {
        sqlx::query_as::<_, Delivery>(
            "SELECT d.id, d.course_id, d.delivered_on, d.to_school_id, s.name AS to_school_name, d.hours, d.students, d.note \
             FROM course_deliveries d JOIN schools s ON s.id = d.to_school_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn create_course(&self, actor: &Actor, n: &NewCourse) -> Result<CourseDetail> {
        let place = self.place_of_school(n.school_id).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO courses (school_id, community_id, title, subject, grades, class_hours, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(n.school_id)
        .bind(place.community_id)
        .bind(n.title.clone())
        .bind(n.subject.clone())
        .bind(grades_text(&n.grades))
        .bind(n.class_hours)
        .bind(n.description.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "course",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: n.title.clone(),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_course(id).await
    }

    pub async fn update_course(
        &self,
        actor: &Actor,
        id: i64,
        n: &NewCourse,
    ) -> Result<CourseDetail> {
        let before = self.get_course(id).await?;
        let place = self.place_of_school(n.school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE courses SET school_id = $1, title = $2, subject = $3, grades = $4, class_hours = $5, description = $6, updated_at = $7 WHERE id = $8")
            .bind(n.school_id)
            .bind(n.title.clone())
            .bind(n.subject.clone())
            .bind(grades_text(&n.grades))
            .bind(n.class_hours)
            .bind(n.description.clone())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "course",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: n.title.clone(),
                before: audit::json(&before),
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_course(id).await
    }

    pub async fn delete_course(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_course(id).await?;
        let place = self.place_of_school(before.course.school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM course_deliveries WHERE course_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM courses WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "course",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: before.course.title.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_delivery(
        &self,
        actor: &Actor,
        course_id: i64,
        n: &NewDelivery,
    ) -> Result<Delivery> {
        let course = self.get_course(course_id).await?;
        if n.to_school_id == course.course.school_id {
            return Err(StoreError::conflict(
                "error.same_school",
                &course.course.school_name,
            ));
        }
        self.place_of_school(n.to_school_id).await?;
        let place = self.place_of_school(course.course.school_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO course_deliveries (course_id, delivered_on, to_school_id, hours, students, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(course_id)
        .bind(n.delivered_on.to_string())
        .bind(n.to_school_id)
        .bind(n.hours)
        .bind(n.students)
        .bind(n.note.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "course_delivery",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} {}", course.course.title, n.delivered_on),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_delivery(id).await
    }

    pub async fn delete_delivery(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_delivery(id).await?;
        let course = self.get_course(before.course_id).await?;
        let place = self.place_of_school(course.course.school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM course_deliveries WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "course_delivery",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} {}", course.course.title, before.delivered_on),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn resource_filter(q: &mut Sql, v: &Visible, f: &ResourceQuery) {
        visible_shared(q, v);
        if let Some(t) = nonempty(&f.q) {
            q.push(" AND (x.title LIKE ")
                .bind(pattern(t))
                .push(" ESCAPE '\\' OR x.description LIKE ")
                .bind(pattern(t))
                .push(" ESCAPE '\\')");
        }
        if let Some(k) = nonempty(&f.kind) {
            let k = gongjin_domain::ResourceKind::parse(k).map_or(k, |x| x.key());
            q.push(" AND x.kind = ").bind(k);
        }
        if let Some(s) = nonempty(&f.subject) {
            q.push(" AND x.subject = ").bind(s);
        }
        if let Some(g) = nonempty(&f.grade) {
            let g = Grade::parse(g).map_or(g, |x| x.key());
            q.push(" AND x.grades LIKE ")
                .bind(pattern(g))
                .push(" ESCAPE '\\'");
        }
        if let Some(id) = f.school_id {
            q.push(" AND x.school_id = ").bind(id);
        }
    }

    pub async fn list_resources(
        &self,
        v: &Visible,
        f: &ResourceQuery,
    ) -> Result<Page<LibraryResource>> {
        const FROM: &str = " FROM resources x JOIN schools s ON s.id = x.school_id JOIN regions r ON r.id = s.region_id WHERE 1 = 1";
        let mut count = Sql::new(&format!("SELECT COUNT(*){FROM}"));
        Self::resource_filter(&mut count, v, f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{RESOURCE_COLUMNS}{FROM}"));
        Self::resource_filter(&mut q, v, f);
        let per = f.per_page.unwrap_or(20).clamp(1, 500);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY x.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q
                .query_as::<LibraryResource>()
                .fetch_all(&self.pool)
                .await?,
            total,
        })
    }

    pub async fn get_resource(&self, id: i64) -> Result<LibraryResource> {
        sqlx::query_as::<_, LibraryResource>(sqlx::AssertSqlSafe(format!(
            "{RESOURCE_COLUMNS} FROM resources x JOIN schools s ON s.id = x.school_id WHERE x.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn create_resource(
        &self,
        actor: &Actor,
        n: &NewResource,
        file: &StoredFile,
    ) -> Result<LibraryResource> {
        let place = self.place_of_school(n.school_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO resources (school_id, community_id, title, kind, subject, grades, description, original_name, stored_name, content_type, size_bytes, downloads, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13) RETURNING id",
        )
        .bind(n.school_id)
        .bind(place.community_id)
        .bind(n.title.clone())
        .bind(n.kind.key())
        .bind(n.subject.clone())
        .bind(grades_text(&n.grades))
        .bind(n.description.clone())
        .bind(file.original_name.clone())
        .bind(file.stored_name.clone())
        .bind(file.content_type.clone())
        .bind(file.size_bytes)
        .bind(actor.username.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "resource",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: n.title.clone(),
                before: None,
                after: audit::json(&(n, file)),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_resource(id).await
    }

    /// Deletes a library entry; returns it so the caller can remove the stored file.
    pub async fn delete_resource(&self, actor: &Actor, id: i64) -> Result<LibraryResource> {
        let before = self.get_resource(id).await?;
        let place = self.place_of_school(before.school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM resources WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "resource",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: before.title.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(before)
    }

    /// Counts one download (an atomic increment, so concurrent downloads all count).
    pub async fn count_download(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE resources SET downloads = downloads + 1 WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

const RESOURCE_COLUMNS: &str = "SELECT x.id, x.school_id, s.name AS school_name, x.title, x.kind, x.subject, x.grades, x.description, x.original_name, x.stored_name, x.content_type, x.size_bytes, x.downloads, x.uploaded_by, x.created_at";
