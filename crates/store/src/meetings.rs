//! Joint meetings (联席会议): date, attendees, agenda, minutes, and decisions with an owner, a due
//! date and their follow-up.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::inputs::{NewDecision, NewMeeting};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub held_on: String,
    pub topic: String,
    pub location: String,
    /// Names joined by 、.
    pub attendees: String,
    pub agenda: String,
    pub minutes: String,
    pub decisions: i64,
    /// Decisions past their due date and neither done nor dropped.
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Decision {
    pub id: i64,
    pub meeting_id: i64,
    pub content: String,
    pub owner: String,
    pub due_on: Option<String>,
    pub status: String,
    pub follow_up: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub decision_list: Vec<Decision>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub community_id: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn select(today: &str) -> Sql {
    let mut q = Sql::new(
        "SELECT m.id, m.community_id, c.name AS community_name, m.held_on, m.topic, m.location, m.attendees, m.agenda, m.minutes, \
         (SELECT COUNT(*) FROM meeting_decisions d WHERE d.meeting_id = m.id) AS decisions, \
         (SELECT COUNT(*) FROM meeting_decisions d WHERE d.meeting_id = m.id AND d.due_on < ",
    );
    q.bind(today.to_owned()).push(
        " AND d.status IN ('open', 'in_progress')) AS overdue \
         FROM meetings m JOIN communities c ON c.id = m.community_id JOIN regions r ON r.id = c.region_id WHERE 1 = 1",
    );
    q
}

impl Store {
    pub async fn list_meetings(&self, v: &Visible, f: &MeetingQuery) -> Result<Page<Meeting>> {
        let today = crate::today().to_string();
        let mut cond = Sql::new("");
        v.communities(&mut cond);
        if let Some(c) = f.community_id {
            cond.push(" AND c.id = ").bind(c);
        }
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM meetings m JOIN communities c ON c.id = m.community_id JOIN regions r ON r.id = c.region_id WHERE 1 = 1",
        );
        count.push(&cond.text);
        count.args = cond.args.clone();
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = select(&today);
        // Renumber the condition's placeholders after the select's own.
        let offset = q.args.len();
        q.push(&renumber(&cond.text, offset));
        q.args.extend(cond.args);
        let per = f.per_page.unwrap_or(20).clamp(1, 500);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY m.held_on DESC, m.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q.query_as::<Meeting>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_meeting(&self, id: i64) -> Result<MeetingDetail> {
        let mut q = select(&crate::today().to_string());
        q.push(" AND m.id = ").bind(id);
        let meeting = q
            .query_as::<Meeting>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let decision_list = sqlx::query_as::<_, Decision>("SELECT id, meeting_id, content, owner, due_on, status, follow_up FROM meeting_decisions WHERE meeting_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(MeetingDetail {
            meeting,
            decision_list,
        })
    }

    pub async fn get_decision(&self, id: i64) -> Result<Decision> {
        sqlx::query_as::<_, Decision>("SELECT id, meeting_id, content, owner, due_on, status, follow_up FROM meeting_decisions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn meeting_path(&self, community_id: i64) -> Result<String> {
        Ok(self.place_of_community(community_id).await?.region_path)
    }

    pub async fn create_meeting(&self, actor: &Actor, m: &NewMeeting) -> Result<MeetingDetail> {
        let path = self.meeting_path(m.community_id).await?;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO meetings (community_id, held_on, topic, location, attendees, agenda, minutes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(m.community_id)
        .bind(m.held_on.to_string())
        .bind(m.topic.clone())
        .bind(m.location.clone())
        .bind(m.attendees.join("、"))
        .bind(m.agenda.clone())
        .bind(m.minutes.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "meeting",
                entity_id: Some(id),
                region_path: &path,
                summary: m.topic.clone(),
                before: None,
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_meeting(id).await
    }

    pub async fn update_meeting(
        &self,
        actor: &Actor,
        id: i64,
        m: &NewMeeting,
    ) -> Result<MeetingDetail> {
        let before = self.get_meeting(id).await?;
        let path = self.meeting_path(before.meeting.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE meetings SET held_on = $1, topic = $2, location = $3, attendees = $4, agenda = $5, minutes = $6, updated_at = $7 WHERE id = $8")
            .bind(m.held_on.to_string())
            .bind(m.topic.clone())
            .bind(m.location.clone())
            .bind(m.attendees.join("、"))
            .bind(m.agenda.clone())
            .bind(m.minutes.clone())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "meeting",
                entity_id: Some(id),
                region_path: &path,
                summary: m.topic.clone(),
                before: audit::json(&before),
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_meeting(id).await
    }

    pub async fn delete_meeting(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_meeting(id).await?;
        let path = self.meeting_path(before.meeting.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM meeting_decisions WHERE meeting_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM meetings WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "meeting",
                entity_id: Some(id),
                region_path: &path,
                summary: before.meeting.topic.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_decision(
        &self,
        actor: &Actor,
        meeting_id: i64,
        d: &NewDecision,
    ) -> Result<Decision> {
        let m = self.get_meeting(meeting_id).await?;
        let path = self.meeting_path(m.meeting.community_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO meeting_decisions (meeting_id, content, owner, due_on, status, follow_up, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(meeting_id)
            .bind(d.content.clone())
            .bind(d.owner.clone())
            .bind(d.due_on.map(|x| x.to_string()))
            .bind(d.status.key())
            .bind(d.follow_up.clone())
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "meeting_decision",
                entity_id: Some(id),
                region_path: &path,
                summary: d.content.chars().take(40).collect(),
                before: None,
                after: audit::json(d),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_decision(id).await
    }

    pub async fn update_decision(
        &self,
        actor: &Actor,
        id: i64,
        d: &NewDecision,
    ) -> Result<Decision> {
        let before = self.get_decision(id).await?;
        let m = self.get_meeting(before.meeting_id).await?;
        let path = self.meeting_path(m.meeting.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE meeting_decisions SET content = $1, owner = $2, due_on = $3, status = $4, follow_up = $5, updated_at = $6 WHERE id = $7")
            .bind(d.content.clone())
            .bind(d.owner.clone())
            .bind(d.due_on.map(|x| x.to_string()))
            .bind(d.status.key())
            .bind(d.follow_up.clone())
            .bind(crate::now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "meeting_decision",
                entity_id: Some(id),
                region_path: &path,
                summary: d.content.chars().take(40).collect(),
                before: audit::json(&before),
                after: audit::json(d),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_decision(id).await
    }

    pub async fn delete_decision(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_decision(id).await?;
        let m = self.get_meeting(before.meeting_id).await?;
        let path = self.meeting_path(m.meeting.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM meeting_decisions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "meeting_decision",
                entity_id: Some(id),
                region_path: &path,
                summary: before.content.chars().take(40).collect(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Shifts `$N` placeholders in a SQL fragment by `by`.
fn renumber(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            let mut n = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            out.push('$');
            out.push_str(&(n.parse::<usize>().unwrap_or(0) + by).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_shift() {
        assert_eq!(
            super::renumber(" AND c.id = $1 AND x = $12", 3),
            " AND c.id = $4 AND x = $15"
        );
    }
}
