//! Students (学生共育): pairings across a community's schools (手拉手), joint student events, the
//! hardship fund (帮困基金) and "两帮一" groups with dated progress notes.
//!
//! The fund keeps one balance row per community. Every movement changes that row with a guarded
//! `UPDATE … SET balance_fen = balance_fen + Δ WHERE … AND balance_fen + Δ >= 0` as the first
//! statement of its transaction, checked by the rows it touched: on PostgreSQL the row lock
//! serialises concurrent movements (the guard is re-checked on the row as the previous writer left
//! it), on SQLite the write transaction does. So the balance never goes negative, however many
//! disbursements race. Movements are never edited or deleted; a reversal is a counter-entry that
//! references the original, at most once (a unique index).

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::authz::Place;
use gongjin_domain::inputs::{
    NewFundMovement, NewHelpGroup, NewHelpNote, NewPairing, NewStudentEvent, format_yuan,
};
use gongjin_domain::{FundMovementKind, HelpGroupStatus, PairingKind};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Pairing {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    /// `student`, `class`, `grade`, `family`.
    pub kind: String,
    pub school_a_id: i64,
    pub school_a_name: String,
    pub party_a: String,
    pub school_b_id: i64,
    pub school_b_name: String,
    pub party_b: String,
    pub paired_on: String,
    pub note: String,
}

/// Filters of the students' lists (pairings, events, groups).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StudentQuery {
    pub community_id: Option<i64>,
    /// A pairing kind (`class` …), a group status (`active`, `closed`).
    pub kind: Option<String>,
    /// Records involving this school.
    pub school_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
struct EventRow {
    id: i64,
    community_id: i64,
    community_name: String,
    host_school_id: i64,
    title: String,
    held_on: String,
    students: i64,
    summary: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StudentEvent {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub host_school_id: i64,
    pub title: String,
    pub held_on: String,
    pub students: i64,
    pub summary: String,
    pub school_ids: Vec<i64>,
    pub school_names: Vec<String>,
}

/// A community's hardship fund: balance and totals, in fen and as yuan text.
#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct FundSummary {
    pub community_id: i64,
    pub community_name: String,
    pub balance_fen: i64,
    /// Donations in (net of reversed donations).
    pub donations_fen: i64,
    /// Disbursements out (net of reversed disbursements).
    pub disbursements_fen: i64,
    pub movements: i64,
    #[sqlx(skip)]
    /// The balance in yuan, two decimals.
    pub balance: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct FundMovement {
    pub id: i64,
    pub community_id: i64,
    /// `donation`, `disbursement`, `reversal`.
    pub kind: String,
    /// Signed: + into the fund, − out of it.
    pub delta_fen: i64,
    pub on_date: String,
    pub donor: String,
    pub student_name: String,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
    /// The reason of a disbursement, the note of a donation or a reversal.
    pub note: String,
    /// The movement this one reverses.
    pub reverses_id: Option<i64>,
    /// The reversal of this movement, if any.
    pub reversed_by: Option<i64>,
    pub balance_after_fen: i64,
    pub entered_by: String,
    pub created_at: String,
    #[sqlx(skip)]
    /// `delta_fen` in yuan, two decimals.
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundDetail {
    #[serde(flatten)]
    pub fund: FundSummary,
    pub movement_list: Vec<FundMovement>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct HelpGroup {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub student_name: String,
    pub teacher_id: i64,
    pub teacher_name: String,
    pub helper_student: String,
    /// `g1` … `g9`.
    pub grade: String,
    pub subject: String,
    pub started_on: String,
    pub goals: String,
    /// `active` or `closed`.
    pub status: String,
    pub notes: i64,
    pub last_note_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct HelpNote {
    pub id: i64,
    pub group_id: i64,
    pub noted_on: String,
    pub note: String,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HelpGroupDetail {
    #[serde(flatten)]
    pub group: HelpGroup,
    pub note_list: Vec<HelpNote>,
}

fn paging(q: &mut Sql, page: Option<i64>, per_page: Option<i64>) {
    let per = per_page.unwrap_or(20).clamp(1, 500);
    let page = page.unwrap_or(1).max(1);
    q.push(" LIMIT ")
        .bind(per)
        .push(" OFFSET ")
        .bind((page - 1) * per);
}

const PAIRING_SELECT: &str = "SELECT p.id, p.community_id, c.name AS community_name, p.kind, p.school_a_id, sa.name AS school_a_name, p.party_a, \
    p.school_b_id, sb.name AS school_b_name, p.party_b, p.paired_on, p.note";
const PAIRING_FROM: &str = " FROM student_pairings p JOIN communities c ON c.id = p.community_id JOIN regions r ON r.id = c.region_id \
    JOIN schools sa ON sa.id = p.school_a_id JOIN schools sb ON sb.id = p.school_b_id WHERE 1 = 1";

const EVENT_SELECT: &str = "SELECT e.id, e.community_id, c.name AS community_name, e.host_school_id, e.title, e.held_on, e.students, e.summary";
const EVENT_FROM: &str = " FROM student_events e JOIN communities c ON c.id = e.community_id JOIN regions r ON r.id = c.region_id WHERE 1 = 1";

const GROUP_SELECT: &str = "SELECT g.id, g.community_id, c.name AS community_name, g.school_id, s.name AS school_name, g.student_name, g.teacher_id, t.name AS teacher_name, \
    g.helper_student, g.grade, g.subject, g.started_on, g.goals, g.status, \
    (SELECT COUNT(*) FROM help_group_notes n WHERE n.group_id = g.id) AS notes, \
    (SELECT MAX(n.noted_on) FROM help_group_notes n WHERE n.group_id = g.id) AS last_note_on";
const GROUP_FROM: &str = " FROM help_groups g JOIN communities c ON c.id = g.community_id JOIN regions r ON r.id = c.region_id \
    JOIN schools s ON s.id = g.school_id JOIN teachers t ON t.id = g.teacher_id WHERE 1 = 1";

const MOVEMENT_SELECT: &str = "SELECT m.id, f.community_id, m.kind, m.delta_fen, m.on_date, m.donor, m.student_name, m.school_id, s.name AS school_name, m.note, \
    m.reverses_id, (SELECT x.id FROM fund_movements x WHERE x.reverses_id = m.id) AS reversed_by, m.balance_after_fen, m.entered_by, m.created_at \
    FROM fund_movements m JOIN hardship_funds f ON f.id = m.fund_id LEFT JOIN schools s ON s.id = m.school_id";

const FUND_SELECT: &str = "SELECT c.id AS community_id, c.name AS community_name, COALESCE(f.balance_fen, 0) AS balance_fen, \
    CAST(COALESCE((SELECT SUM(m.delta_fen) FROM fund_movements m WHERE m.fund_id = f.id AND (m.kind = 'donation' OR (m.kind = 'reversal' AND m.delta_fen < 0 AND (SELECT o.kind FROM fund_movements o WHERE o.id = m.reverses_id) = 'donation'))), 0) AS BIGINT) AS donations_fen, \
    CAST(-COALESCE((SELECT SUM(m.delta_fen) FROM fund_movements m WHERE m.fund_id = f.id AND (m.kind = 'disbursement' OR (m.kind = 'reversal' AND m.delta_fen > 0 AND (SELECT o.kind FROM fund_movements o WHERE o.id = m.reverses_id) = 'disbursement'))), 0) AS BIGINT) AS disbursements_fen, \
    (SELECT COUNT(*) FROM fund_movements m WHERE m.fund_id = f.id) AS movements \
    FROM communities c JOIN regions r ON r.id = c.region_id LEFT JOIN hardship_funds f ON f.community_id = c.id WHERE 1 = 1";

fn with_yuan(mut f: FundSummary) -> FundSummary {
    f.balance = format_yuan(f.balance_fen);
    f
}

fn movement_yuan(mut m: FundMovement) -> FundMovement {
    m.amount = format_yuan(m.delta_fen);
    m
}

impl Store {
    /// The place of a community's record concerning `school_id` (and the helping `teacher_id`).
    pub async fn place_in_community(
        &self,
        community_id: i64,
        school_id: Option<i64>,
        teacher_id: Option<i64>,
    ) -> Result<Place> {
        let mut p = self.place_of_community(community_id).await?;
        p.school_id = school_id;
        p.teacher_id = teacher_id;
        Ok(p)
    }

    /// Refuses a school that is not a current member (or the core) of the community.
    async fn ensure_member(&self, community_id: i64, school_id: i64) -> Result<()> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT s.id, s.name FROM schools s WHERE s.id = $1")
                .bind(school_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((_, name)) = row else {
            return Err(StoreError::NotFound);
        };
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND school_id = $2 AND left_on IS NULL",
        )
        .bind(community_id)
        .bind(school_id)
        .fetch_one(&self.pool)
        .await?;
        if n == 0 {
            return Err(StoreError::conflict("error.not_in_community", name));
        }
        Ok(())
    }

    // --- pairings ---

    fn student_filter(q: &mut Sql, v: &Visible, f: &StudentQuery, alias: &str) {
        v.communities(q);
        if let Some(c) = f.community_id {
            q.push(" AND c.id = ").bind(c);
        }
        // `kind`: a pairing's kind, a group's status (events have none).
        if let Some(k) = f.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match alias {
                "p" => {
                    let k = PairingKind::parse(k).map_or(k, |x| x.key());
                    q.push(" AND p.kind = ").bind(k);
                }
                "g" => {
                    let k = HelpGroupStatus::parse(k).map_or(k, |x| x.key());
                    q.push(" AND g.status = ").bind(k);
                }
                _ => {}
            }
        }
        if let Some(s) = f.school_id {
            match alias {
                "p" => {
                    q.push(" AND (p.school_a_id = ")
                        .bind(s)
                        .push(" OR p.school_b_id = ")
                        .bind(s)
                        .push(")");
                }
                "e" => {
                    q.push(" AND e.id IN (SELECT event_id FROM student_event_schools WHERE school_id = ")
                        .bind(s)
                        .push(")");
                }
                _ => {
                    q.push(" AND g.school_id = ").bind(s);
                }
            }
        }
    }

    pub async fn list_pairings(&self, v: &Visible, f: &StudentQuery) -> Result<Page<Pairing>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){PAIRING_FROM}"));
        Self::student_filter(&mut count, v, f, "p");
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{PAIRING_SELECT}{PAIRING_FROM}"));
        Self::student_filter(&mut q, v, f, "p");
        q.push(" ORDER BY p.paired_on DESC, p.id DESC");
        paging(&mut q, f.page, f.per_page);
        Ok(Page {
            items: q.query_as::<Pairing>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_pairing(&self, id: i64) -> Result<Pairing> {
        let mut q = Sql::new(&format!("{PAIRING_SELECT}{PAIRING_FROM}"));
        q.push(" AND p.id = ").bind(id);
        q.query_as::<Pairing>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_pairing(&self, actor: &Actor, n: &NewPairing) -> Result<Pairing> {
        let place = self.place_of_community(n.community_id).await?;
        self.ensure_member(n.community_id, n.school_a_id).await?;
        self.ensure_member(n.community_id, n.school_b_id).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO student_pairings (community_id, kind, school_a_id, party_a, school_b_id, party_b, paired_on, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(n.community_id)
        .bind(n.kind.key())
        .bind(n.school_a_id)
        .bind(n.party_a.clone())
        .bind(n.school_b_id)
        .bind(n.party_b.clone())
        .bind(n.paired_on.to_string())
        .bind(n.note.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "student_pairing",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} ↔ {}", n.party_a, n.party_b),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_pairing(id).await
    }

    pub async fn update_pairing(&self, actor: &Actor, id: i64, n: &NewPairing) -> Result<Pairing> {
        let before = self.get_pairing(id).await?;
        let place = self.place_of_community(before.community_id).await?;
        self.ensure_member(before.community_id, n.school_a_id)
            .await?;
        self.ensure_member(before.community_id, n.school_b_id)
            .await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE student_pairings SET kind = $1, school_a_id = $2, party_a = $3, school_b_id = $4, party_b = $5, paired_on = $6, note = $7, updated_at = $8 WHERE id = $9")
            .bind(n.kind.key())
            .bind(n.school_a_id)
            .bind(n.party_a.clone())
            .bind(n.school_b_id)
            .bind(n.party_b.clone())
            .bind(n.paired_on.to_string())
            .bind(n.note.clone())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "student_pairing",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} ↔ {}", n.party_a, n.party_b),
                before: audit::json(&before),
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_pairing(id).await
    }

    pub async fn delete_pairing(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_pairing(id).await?;
        let place = self.place_of_community(before.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM student_pairings WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "student_pairing",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} ↔ {}", before.party_a, before.party_b),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- joint student events ---

    async fn event_schools(&self, event_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.name FROM student_event_schools x JOIN schools s ON s.id = x.school_id WHERE x.event_id = $1 ORDER BY s.id",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn event_of(&self, r: EventRow) -> Result<StudentEvent> {
        let schools = self.event_schools(r.id).await?;
        Ok(StudentEvent {
            id: r.id,
            community_id: r.community_id,
            community_name: r.community_name,
            host_school_id: r.host_school_id,
            title: r.title,
            held_on: r.held_on,
            students: r.students,
            summary: r.summary,
            school_ids: schools.iter().map(|s| s.0).collect(),
            school_names: schools.into_iter().map(|s| s.1).collect(),
        })
    }

    pub async fn list_student_events(
        &self,
        v: &Visible,
        f: &StudentQuery,
    ) -> Result<Page<StudentEvent>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){EVENT_FROM}"));
        Self::student_filter(&mut count, v, f, "e");
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{EVENT_SELECT}{EVENT_FROM}"));
        Self::student_filter(&mut q, v, f, "e");
        q.push(" ORDER BY e.held_on DESC, e.id DESC");
        paging(&mut q, f.page, f.per_page);
        let mut items = vec![];
        for r in q.query_as::<EventRow>().fetch_all(&self.pool).await? {
            items.push(self.event_of(r).await?);
        }
        Ok(Page { items, total })
    }

    pub async fn get_student_event(&self, id: i64) -> Result<StudentEvent> {
        let mut q = Sql::new(&format!("{EVENT_SELECT}{EVENT_FROM}"));
        q.push(" AND e.id = ").bind(id);
        let r = q
            .query_as::<EventRow>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.event_of(r).await
    }

    pub async fn create_student_event(
        &self,
        actor: &Actor,
        n: &NewStudentEvent,
    ) -> Result<StudentEvent> {
        let place = self.place_of_community(n.community_id).await?;
        for s in &n.school_ids {
            self.ensure_member(n.community_id, *s).await?;
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO student_events (community_id, host_school_id, title, held_on, students, summary, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(n.community_id)
        .bind(n.school_ids[0])
        .bind(n.title.clone())
        .bind(n.held_on.to_string())
        .bind(n.students)
        .bind(n.summary.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        for s in &n.school_ids {
            sqlx::query("INSERT INTO student_event_schools (event_id, school_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*s)
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "student_event",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: n.title.clone(),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_student_event(id).await
    }

    pub async fn delete_student_event(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_student_event(id).await?;
        let place = self.place_of_community(before.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM student_event_schools WHERE event_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM student_events WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "student_event",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: before.title.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- the hardship fund ---

    /// The funds of the communities the caller sees (a community without a fund shows 0).
    pub async fn list_funds(&self, v: &Visible) -> Result<Vec<FundSummary>> {
        let mut q = Sql::new(FUND_SELECT);
        v.communities(&mut q);
        q.push(" ORDER BY c.id");
        Ok(q.query_as::<FundSummary>()
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(with_yuan)
            .collect())
    }

    pub async fn fund_summary(&self, community_id: i64) -> Result<FundSummary> {
        let mut q = Sql::new(FUND_SELECT);
        q.push(" AND c.id = ").bind(community_id);
        q.query_as::<FundSummary>()
            .fetch_optional(&self.pool)
            .await?
            .map(with_yuan)
            .ok_or(StoreError::NotFound)
    }

    pub async fn fund(&self, community_id: i64) -> Result<FundDetail> {
        let fund = self.fund_summary(community_id).await?;
        let movement_list = sqlx::query_as::<_, FundMovement>(sqlx::AssertSqlSafe(format!(
            "{MOVEMENT_SELECT} WHERE f.community_id = $1 ORDER BY m.id DESC"
        )))
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(movement_yuan)
        .collect();
        Ok(FundDetail {
            fund,
            movement_list,
        })
    }

    pub async fn get_movement(&self, id: i64) -> Result<FundMovement> {
        sqlx::query_as::<_, FundMovement>(sqlx::AssertSqlSafe(format!(
            "{MOVEMENT_SELECT} WHERE m.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(movement_yuan)
        .ok_or(StoreError::NotFound)
    }

    /// Applies `delta` to the community's balance inside `tx`, refusing to go below zero. Must be
    /// the transaction's first write (SQLite takes the write lock there). Returns (fund id, new
    /// balance).
    async fn move_balance(
        tx: &mut sqlx::AnyConnection,
        community_id: i64,
        delta: i64,
    ) -> Result<Option<(i64, i64)>> {
        let now = crate::now();
        if delta > 0 {
            sqlx::query("INSERT INTO hardship_funds (community_id, balance_fen, updated_at) VALUES ($1, 0, $2) ON CONFLICT (community_id) DO NOTHING")
                .bind(community_id)
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("UPDATE hardship_funds SET balance_fen = balance_fen + $1, updated_at = $2 WHERE community_id = $3 AND balance_fen + $1 >= 0")
            .bind(delta)
            .bind(now)
            .bind(community_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row: (i64, i64) =
            sqlx::query_as("SELECT id, balance_fen FROM hardship_funds WHERE community_id = $1")
                .bind(community_id)
                .fetch_one(&mut *tx)
                .await?;
        Ok(Some(row))
    }

    async fn insufficient(&self, community_id: i64) -> StoreError {
        let balance = self
            .fund_summary(community_id)
            .await
            .map(|f| f.balance)
            .unwrap_or_else(|_| "0.00".into());
        StoreError::conflict("error.fund_insufficient", balance)
    }

    /// Records a donation or a disbursement, atomically with the balance and the audit entry.
    pub async fn record_fund_movement(
        &self,
        actor: &Actor,
        n: &NewFundMovement,
    ) -> Result<FundMovement> {
        let place = self.place_of_community(n.community_id).await?;
        let delta = match n.kind {
            FundMovementKind::Donation => n.amount_fen,
            FundMovementKind::Disbursement => -n.amount_fen,
            FundMovementKind::Reversal => {
                return Err(StoreError::conflict("error.choice", "reversal"));
            }
        };
        if let Some(s) = n.school_id {
            self.ensure_member(n.community_id, s).await?;
        }
        let mut tx = self.begin_write().await?;
        let Some((fund_id, balance)) = Self::move_balance(&mut tx, n.community_id, delta).await?
        else {
            drop(tx);
            return Err(self.insufficient(n.community_id).await);
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fund_movements (fund_id, kind, delta_fen, on_date, donor, student_name, school_id, note, reverses_id, balance_after_fen, entered_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11) RETURNING id",
        )
        .bind(fund_id)
        .bind(n.kind.key())
        .bind(delta)
        .bind(n.on_date.to_string())
        .bind(n.donor.clone())
        .bind(n.student_name.clone())
        .bind(n.school_id)
        .bind(n.note.clone())
        .bind(balance)
        .bind(actor.username.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        let who = if n.kind == FundMovementKind::Donation {
            &n.donor
        } else {
            &n.student_name
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "fund_movement",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("{} {} 元 · {who}", n.kind.zh(), format_yuan(n.amount_fen)),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_movement(id).await
    }

    /// Reverses a donation or disbursement with a counter-entry referencing it (once).
    pub async fn reverse_fund_movement(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
        on_date: chrono::NaiveDate,
    ) -> Result<FundMovement> {
        let orig = self.get_movement(id).await?;
        if orig.kind == FundMovementKind::Reversal.key() {
            return Err(StoreError::conflict("error.reverse_reversal", id));
        }
        if orig.reversed_by.is_some() {
            return Err(StoreError::conflict("error.already_reversed", id));
        }
        let place = self.place_of_community(orig.community_id).await?;
        let delta = -orig.delta_fen;
        let mut tx = self.begin_write().await?;
        let Some((fund_id, balance)) =
            Self::move_balance(&mut tx, orig.community_id, delta).await?
        else {
            drop(tx);
            return Err(self.insufficient(orig.community_id).await);
        };
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO fund_movements (fund_id, kind, delta_fen, on_date, donor, student_name, school_id, note, reverses_id, balance_after_fen, entered_by, created_at) \
             VALUES ($1, 'reversal', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(fund_id)
        .bind(delta)
        .bind(on_date.to_string())
        .bind(orig.donor.clone())
        .bind(orig.student_name.clone())
        .bind(orig.school_id)
        .bind(note.to_owned())
        .bind(id)
        .bind(balance)
        .bind(actor.username.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await;
        let new_id = match inserted {
            Ok(v) => v,
            Err(sqlx::Error::Database(d))
                if d.is_unique_violation()
                    || d.message().contains("UNIQUE")
                    || d.code().as_deref() == Some("23505") =>
            {
                return Err(StoreError::conflict("error.already_reversed", id));
            }
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "reverse",
                entity: "fund_movement",
                entity_id: Some(new_id),
                region_path: &place.region_path,
                summary: format!("冲正 #{id} {} 元", format_yuan(delta)),
                before: audit::json(&orig),
                after: Some(
                    serde_json::json!({"reverses_id": id, "delta_fen": delta, "note": note}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_movement(new_id).await
    }

    // --- "两帮一" groups ---

    pub async fn list_help_groups(&self, v: &Visible, f: &StudentQuery) -> Result<Page<HelpGroup>> {
        let mut count = Sql::new(&format!("SELECT COUNT(*){GROUP_FROM}"));
        Self::student_filter(&mut count, v, f, "g");
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(&format!("{GROUP_SELECT}{GROUP_FROM}"));
        Self::student_filter(&mut q, v, f, "g");
        q.push(" ORDER BY g.started_on DESC, g.id DESC");
        paging(&mut q, f.page, f.per_page);
        Ok(Page {
            items: q.query_as::<HelpGroup>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_help_group(&self, id: i64) -> Result<HelpGroupDetail> {
        let mut q = Sql::new(&format!("{GROUP_SELECT}{GROUP_FROM}"));
        q.push(" AND g.id = ").bind(id);
        let group = q
            .query_as::<HelpGroup>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let note_list = sqlx::query_as::<_, HelpNote>(
            "SELECT id, group_id, noted_on, note, author, created_at FROM help_group_notes WHERE group_id = $1 ORDER BY noted_on DESC, id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(HelpGroupDetail { group, note_list })
    }

    /// The community a group belongs to: the student's school's, with the teacher in it too.
    pub async fn help_group_community(&self, school_id: i64, teacher_id: i64) -> Result<i64> {
        let place = self.place_of_school(school_id).await?;
        let community = place
            .community_id
            .ok_or_else(|| StoreError::conflict("error.not_in_community", school_id.to_string()))?;
        let teacher_school: i64 =
            sqlx::query_scalar("SELECT school_id FROM teachers WHERE id = $1")
                .bind(teacher_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        self.ensure_member(community, teacher_school).await?;
        Ok(community)
    }

    pub async fn create_help_group(
        &self,
        actor: &Actor,
        n: &NewHelpGroup,
    ) -> Result<HelpGroupDetail> {
        let community = self.help_group_community(n.school_id, n.teacher_id).await?;
        let place = self.place_of_community(community).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO help_groups (community_id, school_id, student_name, teacher_id, helper_student, grade, subject, started_on, goals, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(community)
        .bind(n.school_id)
        .bind(n.student_name.clone())
        .bind(n.teacher_id)
        .bind(n.helper_student.clone())
        .bind(n.grade.key())
        .bind(n.subject.clone())
        .bind(n.started_on.to_string())
        .bind(n.goals.clone())
        .bind(n.status.key())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "help_group",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("两帮一 {}", n.student_name),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_help_group(id).await
    }

    pub async fn update_help_group(
        &self,
        actor: &Actor,
        id: i64,
        n: &NewHelpGroup,
    ) -> Result<HelpGroupDetail> {
        let before = self.get_help_group(id).await?;
        let community = self.help_group_community(n.school_id, n.teacher_id).await?;
        if community != before.group.community_id {
            return Err(StoreError::conflict(
                "error.not_in_community",
                &before.group.community_name,
            ));
        }
        let place = self.place_of_community(community).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE help_groups SET school_id = $1, student_name = $2, teacher_id = $3, helper_student = $4, grade = $5, subject = $6, started_on = $7, goals = $8, status = $9, updated_at = $10 WHERE id = $11")
            .bind(n.school_id)
            .bind(n.student_name.clone())
            .bind(n.teacher_id)
            .bind(n.helper_student.clone())
            .bind(n.grade.key())
            .bind(n.subject.clone())
            .bind(n.started_on.to_string())
            .bind(n.goals.clone())
            .bind(n.status.key())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "help_group",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("两帮一 {}", n.student_name),
                before: audit::json(&before.group),
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_help_group(id).await
    }

    pub async fn delete_help_group(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_help_group(id).await?;
        let place = self.place_of_community(before.group.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM help_group_notes WHERE group_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM help_groups WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "help_group",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("两帮一 {}", before.group.student_name),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_help_note(
        &self,
        actor: &Actor,
        group_id: i64,
        n: &NewHelpNote,
    ) -> Result<HelpNote> {
        let g = self.get_help_group(group_id).await?;
        let place = self.place_of_community(g.group.community_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO help_group_notes (group_id, noted_on, note, author, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(group_id)
        .bind(n.noted_on.to_string())
        .bind(n.note.clone())
        .bind(actor.username.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "help_group_note",
                entity_id: Some(id),
                region_path: &place.region_path,
                summary: format!("两帮一 {} {}", g.group.student_name, n.noted_on),
                before: None,
                after: audit::json(n),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_as::<_, HelpNote>(
            "SELECT id, group_id, noted_on, note, author, created_at FROM help_group_notes WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The current schools of the communities the caller sees: (community id, community name,
    /// school id, school name), for the forms' choices.
    pub async fn community_schools(&self, v: &Visible) -> Result<Vec<(i64, String, i64, String)>> {
        let mut q = Sql::new(
            "SELECT c.id, c.name, s.id, s.name FROM memberships m JOIN communities c ON c.id = m.community_id JOIN regions r ON r.id = c.region_id \
             JOIN schools s ON s.id = m.school_id WHERE m.left_on IS NULL",
        );
        v.communities(&mut q);
        q.push(" ORDER BY c.id, m.role, s.name");
        Ok(q.query_as::<(i64, String, i64, String)>()
            .fetch_all(&self.pool)
            .await?)
    }

    /// A teacher of one of the community's current schools, by staff number.
    pub async fn community_teacher(
        &self,
        community_id: i64,
        staff_number: &str,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT t.id FROM teachers t JOIN memberships m ON m.school_id = t.school_id AND m.left_on IS NULL \
             WHERE m.community_id = $1 AND t.staff_number = $2 ORDER BY t.id LIMIT 1",
        )
        .bind(community_id)
        .bind(staff_number.to_owned())
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// Loads the demo's shared courses and resources and students' work (inside the demo loader's
/// transaction). `school_ids` maps school codes to (id, region id), `community_ids` names to ids.
/// Returns how many records were written.
pub(crate) async fn load_demo_operations(
    tx: &mut sqlx::AnyConnection,
    ops: &gongjin_demo::DemoOperations,
    school_ids: &std::collections::HashMap<String, (i64, i64)>,
    community_ids: &std::collections::HashMap<String, i64>,
) -> Result<usize> {
    use std::collections::HashMap;
    let now = crate::now();
    let mut n = 0;
    let current: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT school_id, community_id FROM memberships WHERE left_on IS NULL",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let staff: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT staff_number, id FROM teachers")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let school = |code: &str| school_ids.get(code).map(|s| s.0);
    for c in &ops.courses {
        let Some(sid) = school(&c.school_code) else {
            continue;
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO courses (school_id, community_id, title, subject, grades, class_hours, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(sid)
        .bind(current.get(&sid).copied())
        .bind(c.title.clone())
        .bind(c.subject.clone())
        .bind(crate::courses::grades_text(&c.grades))
        .bind(c.class_hours)
        .bind(c.description.clone())
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        n += 1;
        for d in &c.deliveries {
            let Some(to) = school(&d.to_code) else {
                continue;
            };
            sqlx::query("INSERT INTO course_deliveries (course_id, delivered_on, to_school_id, hours, students, note, created_at) VALUES ($1, $2, $3, $4, $5, '', $6)")
                .bind(id)
                .bind(d.on.to_string())
                .bind(to)
                .bind(d.hours)
                .bind(d.students)
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
    }
    for (i, r) in ops.resources.iter().enumerate() {
        let Some(sid) = school(&r.school_code) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO resources (school_id, community_id, title, kind, subject, grades, description, original_name, stored_name, content_type, size_bytes, downloads, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'application/pdf', $10, $11, 'demo', $12)",
        )
        .bind(sid)
        .bind(current.get(&sid).copied())
        .bind(r.title.clone())
        .bind(r.kind.key())
        .bind(r.subject.clone())
        .bind(crate::courses::grades_text(&r.grades))
        .bind(r.description.clone())
        .bind(format!("{}.pdf", r.title))
        .bind(DEMO_FILE.replace("{}", &format!("{i:08x}")))
        .bind(DEMO_PDF_SIZE)
        .bind(r.downloads)
        .bind(format!("{}T02:00:00Z", r.uploaded_on))
        .execute(&mut *tx)
        .await?;
        n += 1;
    }
    for p in &ops.pairings {
        let (Some(cid), Some(a), Some(b)) = (
            community_ids.get(&p.community),
            school(&p.a_code),
            school(&p.b_code),
        ) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO student_pairings (community_id, kind, school_a_id, party_a, school_b_id, party_b, paired_on, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8)",
        )
        .bind(*cid)
        .bind(p.kind.key())
        .bind(a)
        .bind(p.party_a.clone())
        .bind(b)
        .bind(p.party_b.clone())
        .bind(p.on.to_string())
        .bind(now.clone())
        .execute(&mut *tx)
        .await?;
        n += 1;
    }
    for e in &ops.events {
        let Some(cid) = community_ids.get(&e.community) else {
            continue;
        };
        let ids: Vec<i64> = e.codes.iter().filter_map(|c| school(c)).collect();
        let Some(host) = ids.first() else { continue };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO student_events (community_id, host_school_id, title, held_on, students, summary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(*cid)
        .bind(*host)
        .bind(e.title.clone())
        .bind(e.on.to_string())
        .bind(e.students)
        .bind(e.summary.clone())
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        for s in &ids {
            sqlx::query("INSERT INTO student_event_schools (event_id, school_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*s)
                .execute(&mut *tx)
                .await?;
        }
        n += 1;
    }
    // The fund: per community, movements in order with the running balance; the generator keeps
    // it at or above zero, and so does the CHECK on the balance row.
    let mut funds: HashMap<String, (i64, i64, Vec<i64>)> = HashMap::new();
    for m in &ops.fund {
        let Some(cid) = community_ids.get(&m.community) else {
            continue;
        };
        if !funds.contains_key(&m.community) {
            let fid: i64 = sqlx::query_scalar("INSERT INTO hardship_funds (community_id, balance_fen, updated_at) VALUES ($1, 0, $2) RETURNING id")
                .bind(*cid)
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
            funds.insert(m.community.clone(), (fid, 0, vec![]));
        }
        let Some((fid, balance, ids)) = funds.get_mut(&m.community) else {
            continue;
        };
        *balance += m.delta_fen;
        let reverses = m.reverses.and_then(|i| ids.get(i).copied());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fund_movements (fund_id, kind, delta_fen, on_date, donor, student_name, school_id, note, reverses_id, balance_after_fen, entered_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'demo', $11) RETURNING id",
        )
        .bind(*fid)
        .bind(m.kind.key())
        .bind(m.delta_fen)
        .bind(m.on.to_string())
        .bind(m.donor.clone())
        .bind(m.student.clone())
        .bind(m.school_code.as_deref().and_then(school))
        .bind(m.note.clone())
        .bind(reverses)
        .bind(*balance)
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
        sqlx::query("UPDATE hardship_funds SET balance_fen = $1 WHERE id = $2")
            .bind(*balance)
            .bind(*fid)
            .execute(&mut *tx)
            .await?;
        n += 1;
    }
    for g in &ops.groups {
        let (Some(sid), Some(tid)) = (school(&g.school_code), staff.get(&g.staff_number)) else {
            continue;
        };
        let Some(cid) = current.get(&sid) else {
            continue;
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO help_groups (community_id, school_id, student_name, teacher_id, helper_student, grade, subject, started_on, goals, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(*cid)
        .bind(sid)
        .bind(g.student.clone())
        .bind(*tid)
        .bind(g.helper.clone())
        .bind(g.grade.key())
        .bind(g.subject.clone())
        .bind(g.started_on.to_string())
        .bind(g.goals.clone())
        .bind(if g.closed { "closed" } else { "active" })
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        for (on, note) in &g.notes {
            sqlx::query("INSERT INTO help_group_notes (group_id, noted_on, note, author, created_at) VALUES ($1, $2, $3, 'demo', $4)")
                .bind(id)
                .bind(on.to_string())
                .bind(note.clone())
                .bind(now.clone())
                .execute(&mut *tx)
                .await?;
        }
        n += 1;
    }
    Ok(n)
}

/// Demo library files are not on disk: their stored names follow this pattern (32 hex digits), and
/// the web layer serves [`demo_pdf`] for them.
const DEMO_FILE: &str = "de300000000000000000000{}0.bin";
const DEMO_PDF_SIZE: i64 = 420;

/// Whether a library entry is a demo record (its file is generated, not stored).
pub fn is_demo_file(stored_name: &str, uploaded_by: &str) -> bool {
    uploaded_by == "demo" && stored_name.starts_with("de300000000000000000000")
}

/// A one-page PDF standing in for a demo resource's file.
pub fn demo_pdf(id: i64) -> Vec<u8> {
    let text = format!("BT /F1 20 Tf 72 760 Td (Gongjin demo resource #{id}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n\
         4 0 obj<</Length {}>>stream\n{text}\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n\
         trailer<</Root 1 0 R>>\n%%EOF\n",
        text.len()
    )
    .into_bytes()
}
