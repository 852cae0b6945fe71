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
        let mut schools: HashMap<String, Option<(i64, i64, String)>> = HashMap::new();
        let mut plans = vec![];
        // Within one file, a staff number moving between two schools of a region is one teacher.
        for row in rows {
            if !schools.contains_key(&row.school_code) {
                let s = self.school_by_code(&row.school_code).await?;
                let entry = match s {
                    Some(s) => Some((s.id, s.region_id, self.get_region(s.region_id).await?.path)),
                    None => None,
                };
                schools.insert(row.school_code.clone(), entry);
            }
            let Some((school_id, region_id, path)) = schools[&row.school_code].clone() else {
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
            let mut fields = row.fields.clone();
            fields.school_id = school_id;
            let teacher = match fields.validate() {
                Ok(t) => t,
                Err(v) => {
                    for e in v.0 {
                        let col = gongjin_sheet::teacher_column(&e.field).unwrap_or("教师编号");
                        errors.push(row_error(row.number, col, &e.key, e.arg));
                    }
                    continue;
                }
            };
            match self
                .teacher_by_staff_number(region_id, teacher.staff_number.as_str())
                .await?
            {
                Some(existing) => plans.push(Plan::Update(
                    existing.id,
                    (teacher, region_id, path, Some(existing)),
                )),
                None => plans.push(Plan::Create((teacher, region_id, path, None))),
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
        let mut tx = self.begin_write().await?;
        for (i, plan) in plans.into_iter().enumerate() {
            let (id, t, path, before) = match plan {
                Plan::Create((t, region_id, path, before)) => (
                    crate::teachers::insert_teacher(&mut tx, region_id, &t).await?,
                    t,
                    path,
                    before,
                ),
                Plan::Update(id, (t, region_id, path, before)) => {
                    crate::teachers::update_teacher_row(&mut tx, id, region_id, &t).await?;
                    (id, t, path, before)
                }
            };
            audit::record(
                &mut tx,
                actor,
                Change {
                    action: "import",
                    entity: "teacher",
                    entity_id: Some(id),
                    region_path: &path,
                    summary: format!("{} {}", t.staff_number, t.name),
                    before: before.as_ref().and_then(audit::json),
                    after: audit::json(&t),
                },
            )
            .await?;
            progress(i as u64 + 1, n);
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
