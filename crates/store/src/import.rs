//! Importing the bureau's school and teacher sheets: all or nothing. Rows are resolved (region
//! names, school codes, existing records to update) and validated first; if any row is bad,
//! nothing is written and every bad row is reported. Otherwise one transaction writes them all,
//! each row audited with its before and after.

use crate::audit::{self, Change};
use crate::scope::Visible;
use crate::{Actor, Result, Store};
use gongjin_sheet::{RowError, SchoolRow, TeacherRow};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Data rows read from the sheet.
    pub rows: usize,
    /// Rows that would create (dry run) or created a record.
    pub created: usize,
    /// Rows that would update or updated an existing record (same code / staff number).
    pub updated: usize,
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<RowError>,
    pub dry_run: bool,
    /// True when the rows were written.
    pub written: bool,
}

fn row_error(row: usize, column: &str, key: &str, arg: Option<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        key: key.to_owned(),
        arg,
    }
}

fn visible_path(visible: &Visible, path: &str) -> bool {
    match visible {
        Visible::All => true,
        Visible::RegionPrefix(p) => path.starts_with(p.as_str()),
        _ => false,
    }
}

enum Plan<C, U> {
    Create(C),
    Update(i64, U),
}

impl Store {
    /// Imports school rows (see module docs). `errors` are the sheet's own row errors, which
    /// alone already prevent writing.
    pub async fn import_schools(
        &self,
        actor: &Actor,
        visible: &Visible,
        rows: Vec<SchoolRow>,
        mut errors: Vec<RowError>,
        dry_run: bool,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<ImportReport> {
        let total_rows = rows.len()
            + errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::HashSet<_>>()
                .len();
        let mut regions: HashMap<String, Vec<crate::records::Region>> = HashMap::new();
        let mut plans = vec![];
        for row in rows {
            if !regions.contains_key(&row.region_name) {
                let found = self.regions_named(&row.region_name).await?;
                regions.insert(row.region_name.clone(), found);
            }
            let found = &regions[&row.region_name];
            let usable: Vec<_> = found
                .iter()
                .filter(|r| visible_path(visible, &r.path))
                .collect();
            let region = match (found.len(), usable.len()) {
                (0, _) => {
                    errors.push(row_error(
                        row.number,
                        "所属区域",
                        "error.unknown_region",
                        Some(row.region_name.clone()),
                    ));
                    continue;
                }
                (_, 0) => {
                    errors.push(row_error(row.number, "所属区域", "error.forbidden", None));
                    continue;
                }
                (_, 1) => usable[0],
                _ => {
                    errors.push(row_error(
                        row.number,
                        "所属区域",
                        "error.ambiguous_region",
                        Some(row.region_name.clone()),
                    ));
                    continue;
                }
            };
            let mut fields = row.fields.clone();
            fields.region_id = region.id;
            let school = match fields.validate() {
                Ok(s) => s,
                Err(v) => {
                    for e in v.0 {
                        let col = gongjin_sheet::school_column(&e.field).unwrap_or("学校标识码");
                        errors.push(row_error(row.number, col, &e.key, e.arg));
                    }
                    continue;
                }
            };
            match self.school_by_code(school.code.as_str()).await? {
                Some(existing) => {
                    let path = self.get_region(existing.region_id).await?.path;
                    if !visible_path(visible, &path) {
                        errors.push(row_error(row.number, "学校标识码", "error.forbidden", None));
                        continue;
                    }
                    plans.push((
                        row.number,
                        Plan::Update(existing.id, (school, existing, region.path.clone())),
                    ));
                }
                None => plans.push((row.number, Plan::Create((school, region.path.clone())))),
            }
        }
        let created = plans
            .iter()
            .filter(|(_, p)| matches!(p, Plan::Create(_)))
            .count();
        let updated = plans.len() - created;
        errors.sort_by_key(|e| e.row);
        if !errors.is_empty() || dry_run {
            return Ok(ImportReport {
                rows: total_rows,
                created,
                updated,
                errors,
                dry_run,
                written: false,
            });
        }
        let n = plans.len() as u64;
        let mut tx = self.begin_write().await?;
        for (i, (_, plan)) in plans.into_iter().enumerate() {
            match plan {
                Plan::Create((s, path)) => {
                    let id = crate::schools::insert_school(&mut tx, &s).await?;
                    audit::record(
                        &mut tx,
                        actor,
                        Change {
                            action: "import",
                            entity: "school",
                            entity_id: Some(id),
                            region_path: &path,
                            summary: format!("{} {}", s.code, s.name),
                            before: None,
                            after: audit::json(&s),
                        },
                    )
                    .await?;
                }
                Plan::Update(id, (s, before, path)) => {
                    crate::schools::update_school_row(&mut tx, id, &s).await?;
                    sqlx::query("UPDATE teachers SET region_id = $1 WHERE school_id = $2")
                        .bind(s.region_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    audit::record(
                        &mut tx,
                        actor,
                        Change {
                            action: "import",
                            entity: "school",
                            entity_id: Some(id),
                            region_path: &path,
                            summary: format!("{} {}", s.code, s.name),
                            before: audit::json(&before),
                            after: audit::json(&s),
                        },
                    )
                    .await?;
                }
            }
            progress(i as u64 + 1, n);
        }
        tx.commit().await?;
        self.refresh_stats(&["schools"]).await?;
        Ok(ImportReport {
            rows: total_rows,
            created,
            updated,
            errors,
            dry_run,
            written: true,
        })
    }

    /// Imports teacher rows: 学校标识码 finds the school, 教师编号 within the school's region
    /// finds an existing teacher to update.
    pub async fn import_teachers(
        &self,
        actor: &Actor,
        visible: &Visible,
        rows: Vec<TeacherRow>,
        mut errors: Vec<RowError>,
        dry_run: bool,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<ImportReport> {
        let total_rows = rows.len()
            + errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::HashSet<_>>()
                .len();
        // The file's schools, one statement per 500 distinct codes.
        let mut codes: Vec<&str> = rows.iter().map(|r| r.school_code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        // Region paths are shared by every row of a school (a million rows, a few thousand paths).
        let mut schools: HashMap<String, (i64, i64, std::sync::Arc<str>)> = HashMap::new();
        for chunk in codes.chunks(500) {
            let mut q = crate::sql::Sql::new(
                "SELECT s.code, s.id, s.region_id, r.path FROM schools s JOIN regions r ON r.id = s.region_id WHERE s.code IN (",
            );
            for (i, c) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(*c);
            }
            q.push(")");
            for (code, id, region_id, path) in q
                .query_as::<(String, i64, i64, String)>()
                .fetch_all(&self.pool)
                .await?
            {
                schools.insert(code, (id, region_id, path.into()));
            }
        }
        // Every row checked on its own (no statements).
        let mut valid = vec![];
        for row in rows {
            let Some((school_id, region_id, path)) = schools.get(&row.school_code).cloned() else {
                errors.push(row_error(
                    row.number,
                    "学校标识码",
                    "error.unknown_school",
                    Some(row.school_code.clone()),
                ));
                continue;
            };
            if !visible_path(visible, &path) {
                errors.push(row_error(row.number, "学校标识码", "error.forbidden", None));
                continue;
            }
            let mut fields = row.fields;
            fields.school_id = school_id;
            match fields.validate() {
                Ok(t) => valid.push((t, region_id, path)),
                Err(v) => {
                    for e in v.0 {
                        let col = gongjin_sheet::teacher_column(&e.field).unwrap_or("教师编号");
                        errors.push(row_error(row.number, col, &e.key, e.arg));
                    }
                }
            }
        }
        // The existing teachers to update: staff number within the school's region, one statement
        // per 500 staff numbers. Within one file, a staff number moving between two schools of a
        // region is one teacher.
        let numbers: Vec<&str> = valid.iter().map(|v| v.0.staff_number.as_str()).collect();
        let mut existing: HashMap<(i64, String), crate::records::Teacher> = self
            .teachers_by_staff_numbers(&numbers)
            .await?
            .into_iter()
            .map(|t| ((t.region_id, t.staff_number.clone()), t))
            .collect();
        let mut plans = vec![];
        for (teacher, region_id, path) in valid {
            match existing.remove(&(region_id, teacher.staff_number.as_str().to_owned())) {
                Some(before) => plans.push(Plan::Update(
                    before.id,
                    (teacher, region_id, path, Some(before)),
                )),
                None => plans.push(Plan::Create((
                    teacher,
                    region_id,
                    path,
                    None::<crate::records::Teacher>,
                ))),
            }
        }
        let created = plans
            .iter()
            .filter(|p| matches!(p, Plan::Create(_)))
            .count();
        let updated = plans.len() - created;
        errors.sort_by_key(|e| e.row);
        if !errors.is_empty() || dry_run {
            return Ok(ImportReport {
                rows: total_rows,
                created,
                updated,
                errors,
                dry_run,
                written: false,
            });
        }
        let n = plans.len() as u64;
        let mut done = 0u64;
        let (mut creates, mut updates) = (vec![], vec![]);
        for p in plans {
            match p {
                Plan::Create(c) => creates.push(c),
                Plan::Update(id, u) => updates.push((id, u)),
            }
        }
        let mut tx = self.begin_write().await?;
        // New teachers 1,000 a statement, each audited (500 entries a statement).
        for chunk in creates.chunks(1000) {
            let rows: Vec<(i64, &gongjin_domain::inputs::NewTeacher)> = chunk
                .iter()
                .map(|(t, region_id, _, _)| (*region_id, t))
                .collect();
            let ids = crate::teachers::insert_teachers(&mut tx, &rows).await?;
            let changes = chunk
                .iter()
                .map(|(t, region_id, path, _)| Change {
                    action: "import",
                    entity: "teacher",
                    entity_id: ids
                        .get(&(*region_id, t.staff_number.as_str().to_owned()))
                        .copied(),
                    region_path: path,
                    summary: format!("{} {}", t.staff_number, t.name),
                    before: None,
                    after: audit::json(t),
                })
                .collect();
            audit::record_many(&mut tx, actor, changes).await?;
            done += chunk.len() as u64;
            progress(done, n);
        }
        // Updates one statement each (their rows differ), audited with before and after.
        for chunk in updates.chunks(500) {
            for (id, (t, region_id, _, _)) in chunk {
                crate::teachers::update_teacher_row(&mut tx, *id, *region_id, t).await?;
            }
            let changes = chunk
                .iter()
                .map(|(id, (t, _, path, before))| Change {
                    action: "import",
                    entity: "teacher",
                    entity_id: Some(*id),
                    region_path: path,
                    summary: format!("{} {}", t.staff_number, t.name),
                    before: before.as_ref().and_then(audit::json),
                    after: audit::json(t),
                })
                .collect();
            audit::record_many(&mut tx, actor, changes).await?;
            done += chunk.len() as u64;
            progress(done, n);
        }
        tx.commit().await?;
        self.refresh_stats(&["teachers"]).await?;
        Ok(ImportReport {
            rows: total_rows,
            created,
            updated,
            errors,
            dry_run,
            written: true,
        })
    }
}
