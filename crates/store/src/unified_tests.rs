//! Unified tests (统一检测): a community's tests and the students' scores, imported all or
//! nothing; the statistics and value added come from `gongjin-scores`.

use crate::audit::{self, Change};
use crate::import::ImportReport;
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_scores::{ScoreRow, UnifiedTest};
use gongjin_sheet::{RowError, ScoreSheetRow};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, FromRow, ToSchema)]
pub struct TestRecord {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub title: String,
    pub subject: String,
    pub grade: String,
    pub held_on: String,
    pub full_marks: f64,
    pub pass_line: f64,
    pub excellent_line: f64,
    pub low_line: Option<f64>,
    /// Score rows imported.
    pub students: i64,
}

impl TestRecord {
    pub fn engine(&self) -> UnifiedTest {
        UnifiedTest {
            subject: self.subject.clone(),
            grade: self.grade.clone(),
            date: chrono::NaiveDate::parse_from_str(&self.held_on, "%Y-%m-%d").unwrap_or_default(),
            full_marks: self.full_marks,
            pass_line: self.pass_line,
            excellent_line: self.excellent_line,
            low_score_line: self.low_line,
        }
    }
}

/// A test as the store accepts it (checked by the caller with `UnifiedTest::validate`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewTest {
    pub community_id: i64,
    pub title: String,
    pub subject: String,
    pub grade: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    pub full_marks: f64,
    pub pass_line: f64,
    pub excellent_line: f64,
    pub low_line: Option<f64>,
}

pub(crate) const SELECT: &str = "SELECT t.id, t.community_id, c.name AS community_name, t.title, t.subject, t.grade, t.held_on, \
    t.full_marks, t.pass_line, t.excellent_line, t.low_line, \
    (SELECT COUNT(*) FROM test_scores x WHERE x.test_id = t.id) AS students \
    FROM unified_tests t JOIN communities c ON c.id = t.community_id JOIN regions r ON r.id = c.region_id WHERE 1 = 1";

impl Store {
    pub async fn list_tests(
        &self,
        v: &Visible,
        community_id: Option<i64>,
    ) -> Result<Vec<TestRecord>> {
        let mut q = Sql::new(SELECT);
        v.communities(&mut q);
        if let Some(c) = community_id {
            q.push(" AND t.community_id = ").bind(c);
        }
        q.push(" ORDER BY t.held_on DESC, t.id DESC LIMIT 500");
        Ok(q.query_as().fetch_all(&self.pool).await?)
    }

    pub async fn get_test(&self, id: i64) -> Result<TestRecord> {
        let mut q = Sql::new(SELECT);
        q.push(" AND t.id = ").bind(id);
        q.query_as()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_test(&self, actor: &Actor, t: &NewTest) -> Result<TestRecord> {
        let path = self.place_of_community(t.community_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unified_tests (community_id, title, subject, grade, held_on, full_marks, pass_line, excellent_line, low_line, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(t.community_id)
        .bind(t.title.clone())
        .bind(t.subject.clone())
        .bind(t.grade.clone())
        .bind(t.held_on.clone())
        .bind(t.full_marks)
        .bind(t.pass_line)
        .bind(t.excellent_line)
        .bind(t.low_line.unwrap_or(t.full_marks * gongjin_scores::DEFAULT_LOW_SHARE))
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "unified_test",
                entity_id: Some(id),
                region_path: &path,
                summary: t.title.clone(),
                before: None,
                after: audit::json(t),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_test(id).await
    }

    pub async fn delete_test(&self, actor: &Actor, id: i64) -> Result<()> {
        let t = self.get_test(id).await?;
        let path = self.place_of_community(t.community_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM test_scores WHERE test_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM unified_tests WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "unified_test",
                entity_id: Some(id),
                region_path: &path,
                summary: t.title.clone(),
                before: audit::json(&t),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn test_scores(&self, test_id: i64) -> Result<Vec<ScoreRow>> {
        let rows: Vec<(String, String, i64, String, Option<f64>)> = sqlx::query_as(
            "SELECT student_number, name, school_id, class_label, score FROM test_scores WHERE test_id = $1 ORDER BY id",
        )
        .bind(test_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(student_number, name, school_id, class_label, score)| ScoreRow {
                    student_number,
                    name,
                    school_id,
                    class_label,
                    score,
                },
            )
            .collect())
    }

    /// Replaces a test's scores with a sheet's rows, all or nothing. Schools resolve by name or
    /// code among the community's current members; impossible scores and repeated student
    /// numbers are errors of their rows.
    pub async fn import_scores(
        &self,
        actor: &Actor,
        test_id: i64,
        rows: Vec<ScoreSheetRow>,
        mut errors: Vec<RowError>,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let test = self.get_test(test_id).await?;
        let members: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT s.id, s.name, s.code FROM memberships m JOIN schools s ON s.id = m.school_id WHERE m.community_id = $1 AND m.left_on IS NULL",
        )
        .bind(test.community_id)
        .fetch_all(&self.pool)
        .await?;
        let total = rows.len()
            + errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
        let mut resolved: Vec<(usize, ScoreRow)> = vec![];
        for r in rows {
            match members
                .iter()
                .find(|(_, name, code)| *name == r.school || *code == r.school)
            {
                Some((id, _, _)) => resolved.push((
                    r.row,
                    ScoreRow {
                        student_number: r.student_number,
                        name: r.name,
                        school_id: *id,
                        class_label: r.class_label,
                        score: r.score,
                    },
                )),
                None => errors.push(RowError {
                    row: r.row,
                    column: "学校".into(),
                    key: "error.not_in_community".into(),
                    arg: Some(r.school),
                }),
            }
        }
        let engine_rows: Vec<ScoreRow> = resolved.iter().map(|(_, r)| r.clone()).collect();
        if let Err(es) = gongjin_scores::validate_rows(&test.engine(), &engine_rows) {
            for e in es {
                // The engine counts rows from 1 over the rows it was given.
                let row = resolved
                    .get(e.row.saturating_sub(1))
                    .map(|r| r.0)
                    .unwrap_or(e.row);
                let column = match e.kind {
                    gongjin_scores::RowErrorKind::MissingStudentNumber
                    | gongjin_scores::RowErrorKind::DuplicateStudentNumber { .. } => "学籍号",
                    _ => "成绩",
                };
                errors.push(RowError {
                    row,
                    column: column.into(),
                    key: "error.score_row".into(),
                    arg: Some(e.kind.to_string()),
                });
            }
        }
        errors.sort_by_key(|e| e.row);
        let mut report = ImportReport {
            rows: total,
            created: engine_rows.len(),
            updated: 0,
            errors,
            dry_run,
            written: false,
        };
        if !report.errors.is_empty() || dry_run {
            return Ok(report);
        }
        let path = self
            .place_of_community(test.community_id)
            .await?
            .region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM test_scores WHERE test_id = $1")
            .bind(test_id)
            .execute(&mut *tx)
            .await?;
        for r in &engine_rows {
            sqlx::query(
                "INSERT INTO test_scores (test_id, student_number, name, school_id, class_label, score) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(test_id)
            .bind(r.student_number.clone())
            .bind(r.name.clone())
            .bind(r.school_id)
            .bind(r.class_label.clone())
            .bind(r.score)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "import",
                entity: "test_scores",
                entity_id: Some(test_id),
                region_path: &path,
                summary: format!("{}：{} 名学生成绩", test.title, engine_rows.len()),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        self.refresh_stats(&["test_scores"]).await?;
        report.written = true;
        Ok(report)
    }
}
