//! Exchanges (交流轮岗): records, the hours ledger, feedback forms, quota rules and the figures
//! the quota computation needs.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::{Sql, like_escape};
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::authz::Place;
use gongjin_domain::inputs::{NewExchange, NewFeedback, NewHours};
use gongjin_domain::quota::{QExchange, QSchool, QTeacher, QuotaRules};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Exchange {
    pub id: i64,
    pub teacher_id: i64,
    pub teacher_name: String,
    pub staff_number: String,
    pub backbone_level: String,
    pub from_school_id: i64,
    pub from_school_name: String,
    pub to_school_id: i64,
    pub to_school_name: String,
    pub kind: String,
    pub subject: String,
    pub start_on: String,
    pub end_on: String,
    pub weekly_pattern: String,
    pub status: String,
    pub note: String,
    /// Derived from the schools' localities, e.g. `urban_to_rural`.
    pub direction: String,
    /// Hours logged so far.
    pub hours: f64,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct HoursEntry {
    pub id: i64,
    pub exchange_id: i64,
    pub on_date: String,
    pub hours: f64,
    pub note: String,
    pub entered_by: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Feedback {
    pub id: i64,
    pub exchange_id: i64,
    /// `host` or `teacher`.
    pub author_role: String,
    pub rating: String,
    pub attendance: String,
    pub work_summary: String,
    pub comments: String,
    pub author: String,
    pub created_at: String,
}

/// Filters of the exchange list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExchangeQuery {
    /// Teacher name or staff number.
    pub q: Option<String>,
    /// Exchanges leaving or entering this school.
    pub school_id: Option<i64>,
    /// Exchanges leaving or entering a school of this community.
    pub community_id: Option<i64>,
    pub teacher_id: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// School year by its first calendar year (2024 = 2024–2025).
    pub year: Option<i32>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

const FROM: &str = " FROM exchanges e JOIN teachers t ON t.id = e.teacher_id \
    JOIN schools sf ON sf.id = e.from_school_id JOIN regions rf ON rf.id = sf.region_id \
    JOIN schools st ON st.id = e.to_school_id JOIN regions rt ON rt.id = st.region_id WHERE 1 = 1";

const COLUMNS: &str = "SELECT e.id, e.teacher_id, t.name AS teacher_name, t.staff_number, t.backbone_level, \
    e.from_school_id, sf.name AS from_school_name, e.to_school_id, st.name AS to_school_name, e.kind, e.subject, \
    e.start_on, e.end_on, e.weekly_pattern, e.status, e.note, sf.locality || '_to_' || st.locality AS direction, \
    CAST(COALESCE((SELECT SUM(h.hours) FROM exchange_hours h WHERE h.exchange_id = e.id), 0) AS DOUBLE PRECISION) AS hours";

fn visible(q: &mut Sql, v: &Visible) {
    match v {
        Visible::All => {}
        Visible::RegionPrefix(p) => {
            q.push(" AND (rf.path LIKE ")
                .bind(format!("{p}%"))
                .push(" OR rt.path LIKE ")
                .bind(format!("{p}%"))
                .push(")");
        }
        Visible::Community(c) => {
            q.push(" AND (e.from_school_id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
                .bind(*c)
                .push(") OR e.to_school_id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
                .bind(*c)
                .push("))");
        }
        Visible::School { school_id } => {
            q.push(" AND (e.from_school_id = ")
                .bind(*school_id)
                .push(" OR e.to_school_id = ")
                .bind(*school_id)
                .push(")");
        }
        Visible::Teacher { teacher_id, .. } => {
            q.push(" AND e.teacher_id = ").bind(*teacher_id);
        }
    }
}

fn filters(q: &mut Sql, f: &ExchangeQuery) {
    if let Some(text) =
        f.q.as_deref()
            .map(gongjin_domain::clean_text)
            .filter(|s| !s.is_empty())
    {
        let pat = format!("%{}%", like_escape(&text));
        q.push(" AND (t.name LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR t.staff_number LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    if let Some(s) = f.school_id {
        q.push(" AND (e.from_school_id = ")
            .bind(s)
            .push(" OR e.to_school_id = ")
            .bind(s)
            .push(")");
    }
    if let Some(c) = f.community_id {
        q.push(" AND (e.from_school_id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
            .bind(c)
            .push(") OR e.to_school_id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
            .bind(c)
            .push("))");
    }
    if let Some(t) = f.teacher_id {
        q.push(" AND e.teacher_id = ").bind(t);
    }
    if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND e.kind = ").bind(k);
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND e.status = ").bind(s);
    }
    if let Some(y) = f.year {
        // Overlaps the school year.
        let (start, end) = gongjin_domain::school_year_bounds(y);
        q.push(" AND e.start_on <= ")
            .bind(end.to_string())
            .push(" AND e.end_on >= ")
            .bind(start.to_string());
    }
}

/// id, name, community id, community name, role in the community.
type QuotaSchoolRow = (i64, String, Option<i64>, Option<String>, String);
impl Store {
    pub async fn list_exchanges(&self, v: &Visible, f: &ExchangeQuery) -> Result<Page<Exchange>> {
        let mut count = Sql::new("SELECT COUNT(*)");
        count.push(FROM);
        visible(&mut count, v);
        filters(&mut count, f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(COLUMNS);
        q.push(FROM);
        visible(&mut q, v);
        filters(&mut q, f);
        let per = f.per_page.unwrap_or(20).clamp(1, 5000);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY e.start_on DESC, e.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q.query_as::<Exchange>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_exchange(&self, id: i64) -> Result<Exchange> {
        let mut q = Sql::new(COLUMNS);
        q.push(FROM).push(" AND e.id = ").bind(id);
        q.query_as::<Exchange>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The two places of an exchange (its from and to schools), each carrying the teacher's id.
    pub async fn places_of_exchange(&self, id: i64) -> Result<(Place, Place)> {
        let e = self.get_exchange(id).await?;
        let mut from = self.place_of_school(e.from_school_id).await?;
        let mut to = self.place_of_school(e.to_school_id).await?;
        from.teacher_id = Some(e.teacher_id);
        to.teacher_id = Some(e.teacher_id);
        Ok((from, to))
    }

    async fn exchange_path(&self, from_school: i64) -> Result<String> {
        Ok(self.place_of_school(from_school).await?.region_path)
    }

    pub async fn create_exchange(&self, actor: &Actor, x: &NewExchange) -> Result<Exchange> {
        let path = self.exchange_path(x.from_school_id).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exchanges (teacher_id, from_school_id, to_school_id, kind, subject, start_on, end_on, weekly_pattern, status, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(x.teacher_id)
        .bind(x.from_school_id)
        .bind(x.to_school_id)
        .bind(x.kind.key())
        .bind(x.subject.clone())
        .bind(x.start_on.to_string())
        .bind(x.end_on.to_string())
        .bind(x.weekly_pattern.clone())
        .bind(x.status.key())
        .bind(x.note.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "exchange",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", x.kind.zh(), x.teacher_id),
                before: None,
                after: audit::json(x),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    pub async fn update_exchange(
        &self,
        actor: &Actor,
        id: i64,
        x: &NewExchange,
    ) -> Result<Exchange> {
        let before = self.get_exchange(id).await?;
        let path = self.exchange_path(x.from_school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE exchanges SET teacher_id = $1, from_school_id = $2, to_school_id = $3, kind = $4, subject = $5, start_on = $6, end_on = $7, \
             weekly_pattern = $8, status = $9, note = $10, updated_at = $11 WHERE id = $12",
        )
        .bind(x.teacher_id)
        .bind(x.from_school_id)
        .bind(x.to_school_id)
        .bind(x.kind.key())
        .bind(x.subject.clone())
        .bind(x.start_on.to_string())
        .bind(x.end_on.to_string())
        .bind(x.weekly_pattern.clone())
        .bind(x.status.key())
        .bind(x.note.clone())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "exchange",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", before.teacher_name, x.kind.zh()),
                before: audit::json(&before),
                after: audit::json(x),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_exchange(id).await
    }

    /// Deletes an exchange with its hours and feedback.
    pub async fn delete_exchange(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_exchange(id).await?;
        let path = self.exchange_path(before.from_school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM exchange_hours WHERE exchange_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM exchange_feedback WHERE exchange_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM exchanges WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "exchange",
                entity_id: Some(id),
                region_path: &path,
                summary: before.teacher_name.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_hours(&self, exchange_id: i64) -> Result<Vec<HoursEntry>> {
        Ok(sqlx::query_as::<_, HoursEntry>("SELECT id, exchange_id, on_date, hours, note, entered_by FROM exchange_hours WHERE exchange_id = $1 ORDER BY on_date DESC, id DESC")
            .bind(exchange_id)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn get_hours(&self, id: i64) -> Result<HoursEntry> {
        sqlx::query_as::<_, HoursEntry>("SELECT id, exchange_id, on_date, hours, note, entered_by FROM exchange_hours WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn add_hours(&self, actor: &Actor, h: &NewHours) -> Result<HoursEntry> {
        let ex = self.get_exchange(h.exchange_id).await?;
        let path = self.exchange_path(ex.from_school_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO exchange_hours (exchange_id, on_date, hours, note, entered_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(h.exchange_id)
            .bind(h.on_date.to_string())
            .bind(h.hours)
            .bind(h.note.clone())
            .bind(actor.username.clone())
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "exchange_hours",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}h", ex.teacher_name, h.hours),
                before: None,
                after: audit::json(h),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_hours(id).await
    }

    pub async fn delete_hours(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_hours(id).await?;
        let ex = self.get_exchange(before.exchange_id).await?;
        let path = self.exchange_path(ex.from_school_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM exchange_hours WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "exchange_hours",
                entity_id: Some(id),
                region_path: &path,
                summary: ex.teacher_name.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_feedback(&self, exchange_id: i64) -> Result<Vec<Feedback>> {
        Ok(sqlx::query_as::<_, Feedback>(
            "SELECT id, exchange_id, author_role, rating, attendance, work_summary, comments, author, created_at FROM exchange_feedback WHERE exchange_id = $1 ORDER BY author_role",
        )
        .bind(exchange_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Files (or replaces) one side's feedback form.
    pub async fn put_feedback(
        &self,
        actor: &Actor,
        exchange_id: i64,
        f: &NewFeedback,
    ) -> Result<Vec<Feedback>> {
        let ex = self.get_exchange(exchange_id).await?;
        let path = self.exchange_path(ex.from_school_id).await?;
        let before = self.list_feedback(exchange_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM exchange_feedback WHERE exchange_id = $1 AND author_role = $2")
            .bind(exchange_id)
            .bind(f.author_role.key())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO exchange_feedback (exchange_id, author_role, rating, attendance, work_summary, comments, author, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(exchange_id)
        .bind(f.author_role.key())
        .bind(f.rating.key())
        .bind(f.attendance.clone())
        .bind(f.work_summary.clone())
        .bind(f.comments.clone())
        .bind(actor.username.clone())
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "exchange_feedback",
                entity_id: Some(exchange_id),
                region_path: &path,
                summary: ex.teacher_name.clone(),
                before: audit::json(&before),
                after: audit::json(f),
            },
        )
        .await?;
        tx.commit().await?;
        self.list_feedback(exchange_id).await
    }

    /// The quota rules of a region: its own, the nearest ancestor's, or the texts' defaults.
    pub async fn quota_rules(&self, region_id: i64) -> Result<QuotaRules> {
        let path = self.get_region(region_id).await?.path;
        let row: Option<(i64, f64, f64, i64, f64)> = sqlx::query_as(
            "SELECT q.long_term_per_community, q.shadowing_share, q.exchanged_share, q.eligible_years, q.backbone_share FROM quota_rules q \
             JOIN regions r ON r.id = q.region_id WHERE $1 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC LIMIT 1",
        )
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((l, s, e, y, b)) => QuotaRules {
                long_term_per_community: l,
                shadowing_share: s,
                exchanged_share: e,
                eligible_years: y,
                backbone_share: b,
            },
            None => QuotaRules::default(),
        })
    }

    pub async fn set_quota_rules(
        &self,
        actor: &Actor,
        region_id: i64,
        r: &QuotaRules,
    ) -> Result<()> {
        let region = self.get_region(region_id).await?;
        let before = self.quota_rules(region_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM quota_rules WHERE region_id = $1")
            .bind(region_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO quota_rules (region_id, long_term_per_community, shadowing_share, exchanged_share, eligible_years, backbone_share) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(region_id)
            .bind(r.long_term_per_community)
            .bind(r.shadowing_share)
            .bind(r.exchanged_share)
            .bind(r.eligible_years)
            .bind(r.backbone_share)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "quota_rules",
                entity_id: Some(region_id),
                region_path: &region.path,
                summary: region.name.clone(),
                before: audit::json(&before),
                after: audit::json(r),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the quota computation needs for a scope and school year: the scope's schools, their
    /// active teachers, and the year's exchanges that are not cancelled.
    pub async fn quota_inputs(
        &self,
        scope: &Visible,
        year: i32,
    ) -> Result<(Vec<QSchool>, Vec<QTeacher>, Vec<QExchange>)> {
        match scope {
            // A region's inputs are read by several figures of one page; kept until the next write.
            Visible::RegionPrefix(path) => {
                let key = format!("quota_inputs:{path}:{year}");
                let v = self
                    .cached(&key, self.quota_inputs_fresh(scope, year))
                    .await?;
                Ok(v.as_ref().clone())
            }
            _ => self.quota_inputs_fresh(scope, year).await,
        }
    }

    async fn quota_inputs_fresh(
        &self,
        scope: &Visible,
        year: i32,
    ) -> Result<(Vec<QSchool>, Vec<QTeacher>, Vec<QExchange>)> {
        let mut q = Sql::new(
            "SELECT s.id, s.name, m.community_id, c.name AS community_name, COALESCE(m.role, '') FROM schools s JOIN regions r ON r.id = s.region_id \
             LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL LEFT JOIN communities c ON c.id = m.community_id WHERE 1 = 1",
        );
        scope.schools(&mut q);
        q.push(" ORDER BY s.id");
        let rows: Vec<QuotaSchoolRow> =
            sqlx::query_as_with(sqlx::AssertSqlSafe(q.text.clone()), q.arguments())
                .fetch_all(&self.pool)
                .await?;
        let schools: Vec<QSchool> = rows
            .into_iter()
            .map(|(id, name, c, cn, role)| QSchool {
                id,
                name,
                community: c.zip(cn),
                core: role == "core",
            })
            .collect();
        let ids: std::collections::BTreeSet<i64> = schools.iter().map(|s| s.id).collect();
        let mut tq = Sql::new(
            "SELECT t.id, t.school_id, t.years_at_school, t.backbone_level FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id WHERE t.status = 'active'",
        );
        scope.schools(&mut tq);
        let trows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as_with(sqlx::AssertSqlSafe(tq.text.clone()), tq.arguments())
                .fetch_all(&self.pool)
                .await?;
        let teachers = trows
            .into_iter()
            .map(|(id, school_id, years, b)| QTeacher {
                id,
                school_id,
                years_at_school: years,
                backbone: b != "none",
            })
            .collect();
        let (start, end) = gongjin_domain::school_year_bounds(year);
        let erows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT id, teacher_id, from_school_id, to_school_id, kind FROM exchanges WHERE status <> 'cancelled' AND start_on <= $1 AND end_on >= $2 ORDER BY id",
        )
        .bind(end.to_string())
        .bind(start.to_string())
        .fetch_all(&self.pool)
        .await?;
        let exchanges = erows
            .into_iter()
            .filter(|(_, _, f, t, _)| ids.contains(f) || ids.contains(t))
            .filter_map(|(id, teacher_id, from_school, to_school, kind)| {
                gongjin_domain::ExchangeKind::parse(&kind).map(|kind| QExchange {
                    id,
                    teacher_id,
                    from_school,
                    to_school,
                    kind,
                })
            })
            .collect();
        Ok((schools, teachers, exchanges))
    }

    /// Hours per teacher, school (sending), community and region for a school year.
    pub async fn hours_totals(&self, scope: &Visible, year: i32) -> Result<Vec<HoursTotal>> {
        let (start, end) = gongjin_domain::school_year_bounds(year);
        let mut q = Sql::new(
            "SELECT t.id AS teacher_id, t.name AS teacher_name, sf.id AS school_id, sf.name AS school_name, m.community_id, c.name AS community_name, \
             CAST(SUM(h.hours) AS DOUBLE PRECISION) AS hours FROM exchange_hours h JOIN exchanges e ON e.id = h.exchange_id JOIN teachers t ON t.id = e.teacher_id \
             JOIN schools sf ON sf.id = e.from_school_id JOIN regions rf ON rf.id = sf.region_id JOIN schools st ON st.id = e.to_school_id JOIN regions rt ON rt.id = st.region_id \
             LEFT JOIN memberships m ON m.school_id = sf.id AND m.left_on IS NULL LEFT JOIN communities c ON c.id = m.community_id WHERE h.on_date >= ",
        );
        q.bind(start.to_string())
            .push(" AND h.on_date <= ")
            .bind(end.to_string());
        visible(&mut q, scope);
        q.push(" GROUP BY t.id, t.name, sf.id, sf.name, m.community_id, c.name ORDER BY hours DESC, t.id");
        Ok(q.query_as::<HoursTotal>().fetch_all(&self.pool).await?)
    }
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct HoursTotal {
    pub teacher_id: i64,
    pub teacher_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub community_id: Option<i64>,
    pub community_name: Option<String>,
    pub hours: f64,
}
