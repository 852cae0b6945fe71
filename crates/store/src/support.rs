//! The support menu (菜单式帮扶): a school (usually the core school) publishes offers; member
//! schools order from them; accepting an order schedules it as an activity; the order is done
//! when that activity is.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::operations::{
    ActivityMode, ActivityStatus, NewActivity, NewSupportOffer, NewSupportOrder,
};
use gongjin_domain::{FieldError, SupportOrderStatus};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct SupportOffer {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub title: String,
    pub kind: String,
    pub provider: String,
    pub description: String,
    pub times: i64,
    pub subject: String,
    /// 1 while members may order it.
    pub open: i64,
    /// Orders not declined or cancelled.
    pub ordered: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct SupportOrder {
    pub id: i64,
    pub offer_id: i64,
    pub offer_title: String,
    pub community_id: i64,
    pub offering_school_id: i64,
    pub offering_school_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub wanted_on: String,
    pub note: String,
    pub status: String,
    pub activity_id: Option<i64>,
    pub reply: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupportQuery {
    pub community_id: Option<i64>,
    /// Offering school (offers) or ordering school (orders).
    pub school_id: Option<i64>,
    /// Order status.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

const OFFER_SELECT: &str = "SELECT o.id, o.community_id, c.name AS community_name, o.school_id, s.name AS school_name, o.title, o.kind, \
    o.provider, o.description, o.times, o.subject, o.open, \
    (SELECT COUNT(*) FROM support_orders x WHERE x.offer_id = o.id AND x.status IN ('requested', 'scheduled', 'done')) AS ordered \
    FROM support_offers o JOIN communities c ON c.id = o.community_id JOIN regions r ON r.id = c.region_id \
    JOIN schools s ON s.id = o.school_id WHERE 1 = 1";

const ORDER_SELECT: &str = "SELECT x.id, x.offer_id, o.title AS offer_title, o.community_id, o.school_id AS offering_school_id, \
    os.name AS offering_school_name, x.school_id, s.name AS school_name, x.wanted_on, x.note, x.status, x.activity_id, x.reply, x.created_at \
    FROM support_orders x JOIN support_offers o ON o.id = x.offer_id JOIN communities c ON c.id = o.community_id \
    JOIN regions r ON r.id = c.region_id JOIN schools os ON os.id = o.school_id JOIN schools s ON s.id = x.school_id WHERE 1 = 1";

fn page_of(f: &SupportQuery) -> (i64, i64) {
    let per = f.per_page.unwrap_or(20).clamp(1, 1000);
    (per, (f.page.unwrap_or(1).max(1) - 1) * per)
}

impl Store {
    pub async fn list_support_offers(
        &self,
        v: &Visible,
        f: &SupportQuery,
    ) -> Result<Page<SupportOffer>> {
        let mut q = Sql::new(OFFER_SELECT);
        v.communities(&mut q);
        if let Some(c) = f.community_id {
            q.push(" AND o.community_id = ").bind(c);
        }
        if let Some(s) = f.school_id {
            q.push(" AND o.school_id = ").bind(s);
        }
        let all: Vec<SupportOffer> = {
            q.push(" ORDER BY o.open DESC, o.id DESC");
            q.query_as().fetch_all(&self.pool).await?
        };
        let (per, off) = page_of(f);
        Ok(Page {
            total: all.len() as i64,
            items: all
                .into_iter()
                .skip(off as usize)
                .take(per as usize)
                .collect(),
        })
    }

    pub async fn get_support_offer(&self, id: i64) -> Result<SupportOffer> {
        let mut q = Sql::new(OFFER_SELECT);
        q.push(" AND o.id = ").bind(id);
        q.query_as()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn list_support_orders(
        &self,
        v: &Visible,
        f: &SupportQuery,
    ) -> Result<Page<SupportOrder>> {
        let mut q = Sql::new(ORDER_SELECT);
        v.communities(&mut q);
        if let Some(c) = f.community_id {
            q.push(" AND o.community_id = ").bind(c);
        }
        if let Some(s) = f.school_id {
            q.push(" AND x.school_id = ").bind(s);
        }
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND x.status = ").bind(s);
        }
        q.push(" ORDER BY x.wanted_on DESC, x.id DESC");
        let all: Vec<SupportOrder> = q.query_as().fetch_all(&self.pool).await?;
        let (per, off) = page_of(f);
        Ok(Page {
            total: all.len() as i64,
            items: all
                .into_iter()
                .skip(off as usize)
                .take(per as usize)
                .collect(),
        })
    }

    pub async fn get_support_order(&self, id: i64) -> Result<SupportOrder> {
        let mut q = Sql::new(ORDER_SELECT);
        q.push(" AND x.id = ").bind(id);
        q.query_as()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn is_member(&self, community_id: i64, school_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND school_id = $2 AND left_on IS NULL",
        )
        .bind(community_id)
        .bind(school_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    pub async fn create_support_offer(
        &self,
        actor: &Actor,
        o: &NewSupportOffer,
    ) -> Result<SupportOffer> {
        let path = self.place_of_community(o.community_id).await?.region_path;
        if !self.is_member(o.community_id, o.school_id).await? {
            return Err(
                FieldError::with("school_id", "error.not_in_community", o.school_id).into(),
            );
        }
        if !self
            .activity_kinds(&path)
            .await?
            .iter()
            .any(|k| k.key == o.kind)
        {
            return Err(FieldError::with("kind", "error.choice", &o.kind).into());
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_offers (community_id, school_id, title, kind, provider, description, times, subject, open, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) RETURNING id",
        )
        .bind(o.community_id)
        .bind(o.school_id)
        .bind(o.title.clone())
        .bind(o.kind.clone())
        .bind(o.provider.clone())
        .bind(o.description.clone())
        .bind(o.times)
        .bind(o.subject.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "support_offer",
                entity_id: Some(id),
                region_path: &path,
                summary: o.title.clone(),
                before: None,
                after: audit::json(o),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_support_offer(id).await
    }

    /// Opens or closes an offer for ordering.
    pub async fn set_support_offer_open(
        &self,
        actor: &Actor,
        id: i64,
        open: bool,
    ) -> Result<SupportOffer> {
        let before = self.get_support_offer(id).await?;
        let path = self
            .place_of_community(before.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE support_offers SET open = $1 WHERE id = $2")
            .bind(i64::from(open))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "support_offer",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{}：{}", before.title, if open { "开放" } else { "关闭" }),
                before: audit::json(&before),
                after: Some(serde_json::json!({ "open": open })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_support_offer(id).await
    }

    /// A member school orders from an open offer that still has times left.
    pub async fn create_support_order(
        &self,
        actor: &Actor,
        o: &NewSupportOrder,
    ) -> Result<SupportOrder> {
        let offer = self.get_support_offer(o.offer_id).await?;
        let path = self
            .place_of_community(offer.community_id)
            .await?
            .region_path;
        if !self.is_member(offer.community_id, o.school_id).await? {
            return Err(
                FieldError::with("school_id", "error.not_in_community", o.school_id).into(),
            );
        }
        if o.school_id == offer.school_id {
            return Err(FieldError::new("school_id", "error.order_own_offer").into());
        }
        let mut tx = self.begin_write().await?;
        // Counted inside the transaction so two orders cannot both take the last time.
        let (open, ordered): (i64, i64) = sqlx::query_as(
            "SELECT o.open, (SELECT COUNT(*) FROM support_orders x WHERE x.offer_id = o.id AND x.status IN ('requested', 'scheduled', 'done')) FROM support_offers o WHERE o.id = $1",
        )
        .bind(o.offer_id)
        .fetch_one(&mut *tx)
        .await?;
        if open == 0 || ordered >= offer.times {
            return Err(StoreError::conflict("error.offer_full", &offer.title));
        }
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO support_orders (offer_id, school_id, wanted_on, note, status, activity_id, reply, created_at, updated_at) VALUES ($1, $2, $3, $4, 'requested', NULL, '', $5, $5) RETURNING id",
        )
        .bind(o.offer_id)
        .bind(o.school_id)
        .bind(o.wanted_on.to_string())
        .bind(o.note.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "support_order",
                entity_id: Some(id),
                region_path: &path,
                summary: offer.title.clone(),
                before: None,
                after: audit::json(o),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_support_order(id).await
    }

    /// Moves an order on. Scheduling creates the activity (planned, hosted by the ordering school,
    /// organised by the offering school, on the wanted date unless `date` says otherwise) in the
    /// same transaction; marking it done marks that activity done.
    pub async fn move_support_order(
        &self,
        actor: &Actor,
        id: i64,
        to: SupportOrderStatus,
        reply: &str,
        date: Option<chrono::NaiveDate>,
    ) -> Result<SupportOrder> {
        let before = self.get_support_order(id).await?;
        let from = SupportOrderStatus::parse(&before.status).unwrap_or(SupportOrderStatus::Done);
        if !from.next().contains(&to) {
            return Err(FieldError::with("status", "error.status_move", to.key()).into());
        }
        let offer = self.get_support_offer(before.offer_id).await?;
        let path = self
            .place_of_community(offer.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        let mut activity_id = before.activity_id;
        match to {
            SupportOrderStatus::Scheduled => {
                let held_on = date.unwrap_or_else(|| {
                    gongjin_domain::parse_date("wanted_on", &before.wanted_on).unwrap_or_default()
                });
                let a = NewActivity {
                    community_id: offer.community_id,
                    kind: offer.kind.clone(),
                    title: format!("菜单式帮扶：{}", offer.title),
                    organiser_school_id: offer.school_id,
                    organiser_studio: offer.provider.clone(),
                    host_school_id: before.school_id,
                    school_ids: vec![offer.school_id],
                    held_on,
                    start_time: None,
                    duration_minutes: 90,
                    mode: ActivityMode::OnSite,
                    subject: offer.subject.clone(),
                    student_count: 0,
                    summary: before.note.clone(),
                    stage_before: String::new(),
                    stage_during: String::new(),
                    stage_after: String::new(),
                    status: ActivityStatus::Planned,
                    invited_teacher_ids: vec![],
                    present_teacher_ids: vec![],
                };
                activity_id = Some(Self::insert_activity(&mut tx, &a, held_on, None).await?);
            }
            SupportOrderStatus::Done | SupportOrderStatus::Cancelled => {
                if let Some(a) = before.activity_id {
                    sqlx::query("UPDATE activities SET status = $1, updated_at = $2 WHERE id = $3")
                        .bind(if to == SupportOrderStatus::Done {
                            "done"
                        } else {
                            "cancelled"
                        })
                        .bind(crate::now())
                        .bind(a)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE support_orders SET status = $1, activity_id = $2, reply = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(to.key())
        .bind(activity_id)
        .bind(if reply.is_empty() {
            before.reply.clone()
        } else {
            reply.to_owned()
        })
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "support_order",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{}：{} → {}", offer.title, before.status, to.key()),
                before: audit::json(&before),
                after: Some(serde_json::json!({ "status": to.key(), "activity_id": activity_id })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_support_order(id).await
    }
}
