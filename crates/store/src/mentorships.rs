//! Mentoring (师徒结对): pairs, tasks with due dates and completion, staged evaluations by the
//! mentor and by the school.

use crate::audit::{self, Change};
use crate::records::Page;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::authz::Place;
use gongjin_domain::inputs::{NewEvaluation, NewMentorship, NewTask};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Mentorship {
    pub id: i64,
    pub mentor_id: i64,
    pub mentor_name: String,
    pub mentor_school: String,
    pub apprentice_id: i64,
    pub apprentice_name: String,
    pub apprentice_school: String,
    pub signed_on: String,
    pub goals: String,
    pub status: String,
    pub tasks: i64,
    pub tasks_done: i64,
    /// Tasks past their due date and not done.
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Task {
    pub id: i64,
    pub mentorship_id: i64,
    pub title: String,
    pub due_on: Option<String>,
    pub done_on: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct Evaluation {
    pub id: i64,
    pub mentorship_id: i64,
    pub stage: String,
    /// `mentor` or `school`.
    pub evaluator_role: String,
    pub score: f64,
    pub comment: String,
    pub evaluated_on: String,
    pub author: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MentorshipDetail {
    #[serde(flatten)]
    pub mentorship: Mentorship,
    pub task_list: Vec<Task>,
    pub evaluations: Vec<Evaluation>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MentorshipQuery {
    /// Pairs where this teacher is mentor or apprentice.
    pub teacher_id: Option<i64>,
    /// Only pairs with overdue tasks.
    pub overdue: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

const FROM: &str = " FROM mentorships p JOIN teachers tm ON tm.id = p.mentor_id JOIN schools sm ON sm.id = tm.school_id JOIN regions rm ON rm.id = sm.region_id \
    JOIN teachers ta ON ta.id = p.apprentice_id JOIN schools sa ON sa.id = ta.school_id JOIN regions ra ON ra.id = sa.region_id WHERE 1 = 1";

fn columns(today: &str) -> Sql {
    let mut q = Sql::new(
        "SELECT p.id, p.mentor_id, tm.name AS mentor_name, sm.name AS mentor_school, p.apprentice_id, ta.name AS apprentice_name, sa.name AS apprentice_school, \
         p.signed_on, p.goals, p.status, (SELECT COUNT(*) FROM mentorship_tasks k WHERE k.mentorship_id = p.id) AS tasks, \
         (SELECT COUNT(*) FROM mentorship_tasks k WHERE k.mentorship_id = p.id AND k.done_on IS NOT NULL) AS tasks_done, \
         (SELECT COUNT(*) FROM mentorship_tasks k WHERE k.mentorship_id = p.id AND k.done_on IS NULL AND k.due_on < ",
    );
    q.bind(today.to_owned()).push(") AS overdue");
    q
}

fn visible(q: &mut Sql, v: &Visible) {
    match v {
        Visible::All => {}
        Visible::RegionPrefix(p) => {
            q.push(" AND (rm.path LIKE ")
                .bind(format!("{p}%"))
                .push(" OR ra.path LIKE ")
                .bind(format!("{p}%"))
                .push(")");
        }
        Visible::Community(c) => {
            q.push(" AND (sm.id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
                .bind(*c)
                .push(") OR sa.id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ")
                .bind(*c)
                .push("))");
        }
        Visible::School { school_id } => {
            q.push(" AND (sm.id = ")
                .bind(*school_id)
                .push(" OR sa.id = ")
                .bind(*school_id)
                .push(")");
        }
        Visible::Teacher { teacher_id, .. } => {
            q.push(" AND (p.mentor_id = ")
                .bind(*teacher_id)
                .push(" OR p.apprentice_id = ")
                .bind(*teacher_id)
                .push(")");
        }
    }
}

impl Store {
    pub async fn list_mentorships(
        &self,
        v: &Visible,
        f: &MentorshipQuery,
    ) -> Result<Page<Mentorship>> {
        let today = crate::today().to_string();
        let mut q = columns(&today);
        q.push(FROM);
        visible(&mut q, v);
        if let Some(t) = f.teacher_id {
            q.push(" AND (p.mentor_id = ")
                .bind(t)
                .push(" OR p.apprentice_id = ")
                .bind(t)
                .push(")");
        }
        if f.overdue == Some(true) {
            q.push(" AND EXISTS (SELECT 1 FROM mentorship_tasks k WHERE k.mentorship_id = p.id AND k.done_on IS NULL AND k.due_on < ").bind(today).push(")");
        }
        // Count over the same filters: wrap the query.
        let mut count = Sql::new("SELECT COUNT(*) FROM (");
        count.push(&q.text).push(") x");
        count.args = q.args.clone();
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let per = f.per_page.unwrap_or(20).clamp(1, 500);
        let page = f.page.unwrap_or(1).max(1);
        q.push(" ORDER BY p.signed_on DESC, p.id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        Ok(Page {
            items: q.query_as::<Mentorship>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_mentorship(&self, id: i64) -> Result<MentorshipDetail> {
        let mut q = columns(&crate::today().to_string());
        q.push(FROM).push(" AND p.id = ").bind(id);
        let mentorship = q
            .query_as::<Mentorship>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let task_list = sqlx::query_as::<_, Task>("SELECT id, mentorship_id, title, due_on, done_on, note FROM mentorship_tasks WHERE mentorship_id = $1 ORDER BY due_on, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let evaluations = sqlx::query_as::<_, Evaluation>(
            "SELECT id, mentorship_id, stage, evaluator_role, score, comment, evaluated_on, author FROM mentorship_evaluations WHERE mentorship_id = $1 ORDER BY evaluated_on, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(MentorshipDetail {
            mentorship,
            task_list,
            evaluations,
        })
    }

    /// The two places of a pair: the mentor's school (with the mentor's id) and the apprentice's.
    pub async fn places_of_mentorship(&self, id: i64) -> Result<(Place, Place)> {
        let (m, a): (i64, i64) =
            sqlx::query_as("SELECT mentor_id, apprentice_id FROM mentorships WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok((
            self.place_of_teacher(m).await?,
            self.place_of_teacher(a).await?,
        ))
    }

    async fn mentorship_path(&self, id: i64) -> Result<String> {
        Ok(self.places_of_mentorship(id).await?.1.region_path)
    }

    pub async fn create_mentorship(
        &self,
        actor: &Actor,
        m: &NewMentorship,
    ) -> Result<MentorshipDetail> {
        let path = self.place_of_teacher(m.apprentice_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar("INSERT INTO mentorships (mentor_id, apprentice_id, signed_on, goals, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
            .bind(m.mentor_id)
            .bind(m.apprentice_id)
            .bind(m.signed_on.to_string())
            .bind(m.goals.clone())
            .bind(m.status.key())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "mentorship",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} → {}", m.mentor_id, m.apprentice_id),
                before: None,
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_mentorship(id).await
    }

    pub async fn set_mentorship_status(
        &self,
        actor: &Actor,
        id: i64,
        status: gongjin_domain::MentorshipStatus,
        goals: &str,
    ) -> Result<MentorshipDetail> {
        let before = self.get_mentorship(id).await?;
        let path = self.mentorship_path(id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE mentorships SET status = $1, goals = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(status.key())
        .bind(goals.to_owned())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "mentorship",
                entity_id: Some(id),
                region_path: &path,
                summary: status.zh().into(),
                before: audit::json(&before.mentorship),
                after: Some(serde_json::json!({ "status": status, "goals": goals })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_mentorship(id).await
    }

    pub async fn delete_mentorship(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_mentorship(id).await?;
        let path = self.mentorship_path(id).await?;
        let mut tx = self.begin_write().await?;
        for table in ["mentorship_tasks", "mentorship_evaluations"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE mentorship_id = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM mentorships WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "mentorship",
                entity_id: Some(id),
                region_path: &path,
                summary: before.mentorship.apprentice_name.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_task(&self, id: i64) -> Result<Task> {
        sqlx::query_as::<_, Task>("SELECT id, mentorship_id, title, due_on, done_on, note FROM mentorship_tasks WHERE id = $1").bind(id).fetch_optional(&self.pool).await?.ok_or(StoreError::NotFound)
    }

    /// Adds a task, or (with `id`) replaces one.
    pub async fn put_task(
        &self,
        actor: &Actor,
        mentorship_id: i64,
        id: Option<i64>,
        t: &NewTask,
    ) -> Result<Task> {
        let path = self.mentorship_path(mentorship_id).await?;
        let before = match id {
            Some(i) => Some(self.get_task(i).await?),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        let tid: i64 = match id {
            Some(i) => {
                sqlx::query("UPDATE mentorship_tasks SET title = $1, due_on = $2, done_on = $3, note = $4 WHERE id = $5")
                    .bind(t.title.clone())
                    .bind(t.due_on.map(|d| d.to_string()))
                    .bind(t.done_on.map(|d| d.to_string()))
                    .bind(t.note.clone())
                    .bind(i)
                    .execute(&mut *tx)
                    .await?;
                i
            }
            None => sqlx::query_scalar("INSERT INTO mentorship_tasks (mentorship_id, title, due_on, done_on, note) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(mentorship_id)
                .bind(t.title.clone())
                .bind(t.due_on.map(|d| d.to_string()))
                .bind(t.done_on.map(|d| d.to_string()))
                .bind(t.note.clone())
                .fetch_one(&mut *tx)
                .await?,
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: if id.is_some() { "update" } else { "create" },
                entity: "mentorship_task",
                entity_id: Some(tid),
                region_path: &path,
                summary: t.title.chars().take(40).collect(),
                before: before.as_ref().and_then(audit::json),
                after: audit::json(t),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_task(tid).await
    }

    pub async fn add_evaluation(
        &self,
        actor: &Actor,
        mentorship_id: i64,
        ev: &NewEvaluation,
    ) -> Result<Evaluation> {
        let path = self.mentorship_path(mentorship_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO mentorship_evaluations (mentorship_id, stage, evaluator_role, score, comment, evaluated_on, author) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(mentorship_id)
        .bind(ev.stage.clone())
        .bind(ev.evaluator_role.key())
        .bind(ev.score)
        .bind(ev.comment.clone())
        .bind(ev.evaluated_on.to_string())
        .bind(actor.username.clone())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "mentorship_evaluation",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", ev.stage, ev.score),
                before: None,
                after: audit::json(ev),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_as::<_, Evaluation>("SELECT id, mentorship_id, stage, evaluator_role, score, comment, evaluated_on, author FROM mentorship_evaluations WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }
}
