//! Project review (项目评估): a core school submits a project; bureau reviewers score it; states
//! draft → submitted → under_review → returned (back to the school, which may resubmit) or
//! approved (with a score, counted in the assessment). Every step is kept with its comment.

use crate::audit::{self, Change};
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct Project {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub school_id: i64,
    pub school_name: String,
    pub title: String,
    pub goal: String,
    pub period_from: String,
    pub period_to: String,
    /// Member schools taking part, by name, joined by 、.
    pub member_schools: String,
    pub evidence: String,
    pub claimed_improvement: String,
    /// `draft`, `submitted`, `under_review`, `returned`, `approved`.
    pub status: String,
    pub score: Option<f64>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, FromRow, ToSchema)]
pub struct ProjectReview {
    pub id: i64,
    pub action: String,
    pub score: Option<f64>,
    pub comment: String,
    pub reviewer: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub project: Project,
    pub reviews: Vec<ProjectReview>,
}

/// A project as the store accepts it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewProject {
    pub community_id: i64,
    pub school_id: i64,
    pub title: String,
    pub goal: String,
    pub period_from: String,
    pub period_to: String,
    pub member_schools: String,
    pub evidence: String,
    pub claimed_improvement: String,
}

/// The moves of the review workflow: (from, action, to). `edit` keeps the state.
pub const MOVES: &[(&str, &str, &str)] = &[
    ("draft", "submit", "submitted"),
    ("returned", "submit", "submitted"),
    ("submitted", "start_review", "under_review"),
    ("under_review", "return", "returned"),
    ("under_review", "approve", "approved"),
];

/// The state an action leads to from a state, if the workflow allows it.
pub fn next_state(from: &str, action: &str) -> Option<&'static str> {
    MOVES
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, t)| *t)
}

/// Whether the school's side moves it (submit) or the bureau's (the rest).
pub fn by_school(action: &str) -> bool {
    action == "submit"
}

const SELECT: &str = "SELECT p.id, p.community_id, c.name AS community_name, p.school_id, s.name AS school_name, p.title, p.goal, \
    p.period_from, p.period_to, p.member_schools, p.evidence, p.claimed_improvement, p.status, p.score, p.updated_at \
    FROM projects p JOIN communities c ON c.id = p.community_id JOIN regions r ON r.id = c.region_id JOIN schools s ON s.id = p.school_id WHERE 1 = 1";

impl Store {
    pub async fn list_projects(
        &self,
        v: &Visible,
        community_id: Option<i64>,
    ) -> Result<Vec<Project>> {
        let mut q = Sql::new(SELECT);
        v.communities(&mut q);
        if let Some(c) = community_id {
            q.push(" AND p.community_id = ").bind(c);
        }
        q.push(" ORDER BY p.updated_at DESC, p.id DESC LIMIT 500");
        Ok(q.query_as().fetch_all(&self.pool).await?)
    }

    pub async fn get_project(&self, id: i64) -> Result<ProjectDetail> {
        let mut q = Sql::new(SELECT);
        q.push(" AND p.id = ").bind(id);
        let project: Project = q
            .query_as()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let reviews = sqlx::query_as::<_, ProjectReview>(
            "SELECT id, action, score, comment, reviewer, at FROM project_reviews WHERE project_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ProjectDetail { project, reviews })
    }

    pub async fn create_project(&self, actor: &Actor, p: &NewProject) -> Result<ProjectDetail> {
        let path = self.place_of_community(p.community_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO projects (community_id, school_id, title, goal, period_from, period_to, member_schools, evidence, claimed_improvement, status, score, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', NULL, $10, $10) RETURNING id",
        )
        .bind(p.community_id)
        .bind(p.school_id)
        .bind(p.title.clone())
        .bind(p.goal.clone())
        .bind(p.period_from.clone())
        .bind(p.period_to.clone())
        .bind(p.member_schools.clone())
        .bind(p.evidence.clone())
        .bind(p.claimed_improvement.clone())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "project",
                entity_id: Some(id),
                region_path: &path,
                summary: p.title.clone(),
                before: None,
                after: audit::json(p),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_project(id).await
    }

    /// Edits a draft or returned project (the school's side).
    pub async fn update_project(
        &self,
        actor: &Actor,
        id: i64,
        p: &NewProject,
    ) -> Result<ProjectDetail> {
        let before = self.get_project(id).await?;
        if !matches!(before.project.status.as_str(), "draft" | "returned") {
            return Err(StoreError::conflict(
                "error.project_locked",
                &before.project.status,
            ));
        }
        let path = self
            .place_of_community(before.project.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE projects SET title = $1, goal = $2, period_from = $3, period_to = $4, member_schools = $5, evidence = $6, claimed_improvement = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(p.title.clone())
        .bind(p.goal.clone())
        .bind(p.period_from.clone())
        .bind(p.period_to.clone())
        .bind(p.member_schools.clone())
        .bind(p.evidence.clone())
        .bind(p.claimed_improvement.clone())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "project",
                entity_id: Some(id),
                region_path: &path,
                summary: p.title.clone(),
                before: audit::json(&before),
                after: audit::json(p),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_project(id).await
    }

    /// Moves a project along the workflow, recording the step (and, on approval, the score).
    /// The state is re-read inside the transaction so two reviewers cannot both move it.
    pub async fn move_project(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        score: Option<f64>,
        comment: &str,
    ) -> Result<ProjectDetail> {
        let before = self.get_project(id).await?;
        let path = self
            .place_of_community(before.project.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        let status: String = sqlx::query_scalar("SELECT status FROM projects WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let to = next_state(&status, action).ok_or_else(|| {
            StoreError::conflict("error.project_move", format!("{status} → {action}"))
        })?;
        let n = sqlx::query(
            "UPDATE projects SET status = $1, score = $2, updated_at = $3 WHERE id = $4 AND status = $5",
        )
        .bind(to)
        .bind(if to == "approved" { score } else { before.project.score })
        .bind(crate::now())
        .bind(id)
        .bind(status.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::conflict(
                "error.project_move",
                format!("{status} → {action}"),
            ));
        }
        sqlx::query(
            "INSERT INTO project_reviews (project_id, action, score, comment, reviewer, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(action.to_owned())
        .bind(score)
        .bind(comment.to_owned())
            .bind(actor.username.clone())
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "project",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{}：{status} → {to}", before.project.title),
                before: None,
                after: Some(
                    serde_json::json!({ "status": to, "score": score, "comment": comment }),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_project(id).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn workflow() {
        use super::next_state;
        assert_eq!(next_state("draft", "submit"), Some("submitted"));
        assert_eq!(next_state("under_review", "approve"), Some("approved"));
        assert_eq!(next_state("returned", "submit"), Some("submitted"));
        assert_eq!(next_state("draft", "approve"), None);
        assert_eq!(next_state("approved", "return"), None);
    }
}
