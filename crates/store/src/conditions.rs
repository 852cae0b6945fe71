//! School conditions (办学条件) and balance monitoring (优质均衡): the all-or-nothing import of the
//! conditions sheet, its export, and the county report computed by `gongjin_balance` from the stored
//! rows, with the teacher registry's own counts beside the imported ones where they disagree.

use std::collections::{BTreeMap, HashMap};

use crate::audit::{self, Change};
use crate::import::ImportReport;
use crate::scope::Visible;
use crate::{Actor, Result, Store, StoreError};
use gongjin_balance::{BalanceRules, BalanceStage, Indicator, SchoolPart, TeacherMove};
use gongjin_sheet::{ConditionFigures, ConditionRow, RowError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

fn row_error(row: usize, column: &str, key: &str, arg: Option<String>) -> RowError {
    RowError {
        row,
        column: column.to_owned(),
        key: key.to_owned(),
        arg,
    }
}

/// Whether a school of `school_stage` has a `part` (primary / junior) part.
pub fn stage_has_part(school_stage: &str, part: &str) -> bool {
    match school_stage {
        "primary" => part == "primary",
        "junior" => part == "junior",
        _ => part == "primary" || part == "junior",
    }
}

/// One stored conditions row with its school.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionRecord {
    pub school_id: i64,
    pub school_code: String,
    pub school_name: String,
    pub school_stage: String,
    pub region_path: String,
    pub year: i32,
    pub stage: String,
    pub figures: ConditionFigures,
}

/// One school's value of one indicator of a stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceSchoolValue {
    pub school_id: i64,
    pub school_name: String,
    pub enrolment: i64,
    pub value: f64,
    /// Reaches the indicator's national threshold.
    pub met: bool,
}

/// One indicator of one stage across the county: threshold, enrolment-weighted CV, pass flag and every
/// included school's value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceIndicator {
    /// `degree_teachers_per_100`, `backbone_teachers_per_100`, …
    pub key: String,
    pub label: String,
    /// National threshold of the value for the stage.
    pub threshold: f64,
    /// CV threshold of the stage (primary 0.50, junior 0.45).
    pub cv_threshold: f64,
    /// Enrolment-weighted mean.
    pub mean: f64,
    /// Enrolment-weighted coefficient of variation (差异系数).
    pub cv: f64,
    pub pass: bool,
    pub schools: Vec<BalanceSchoolValue>,
}

/// The registry's own count of a figure, shown when it differs from the imported one. For a school with two
/// stage parts the imported figure is the sum of its parts (the registry does not split teachers by stage).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryDisagreement {
    /// `backbone_teachers` (县级以上骨干教师数) or `pe_art_teachers` (体育艺术专任教师数).
    pub figure: String,
    pub imported: i64,
    pub registry: i64,
}

/// One indicator value of one school part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalancePartValue {
    pub key: String,
    pub value: f64,
    pub threshold: f64,
    pub met: bool,
    /// value / threshold
    pub share: f64,
}

/// One school part (a school in one stage) with its seven values and its verdict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalancePart {
    pub school_id: i64,
    pub school_code: String,
    pub school_name: String,
    /// The school's own stage (`primary`, `junior`, `nine_year`, `twelve_year`).
    pub school_stage: String,
    pub enrolment: i64,
    /// False when the part has fewer students than the minimum: it counts nowhere.
    pub included: bool,
    pub values: Vec<BalancePartValue>,
    pub met_count: usize,
    /// At least `min_met` of 7 met and the rest at ≥ `floor_share` of their thresholds (national: 6 of 7, 85 %),
    /// the rules in force for the region.
    pub meets_standard: bool,
    pub registry: Vec<RegistryDisagreement>,
}

/// One stage of the county.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceStageView {
    /// `primary` or `junior`.
    pub stage: String,
    pub cv_threshold: f64,
    pub included_parts: usize,
    pub parts_meeting_standard: usize,
    /// Every indicator's CV within the threshold.
    pub all_cv_pass: bool,
    pub indicators: Vec<BalanceIndicator>,
    pub parts: Vec<BalancePart>,
}

/// The balance report of a region and school year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceView {
    pub region_id: i64,
    pub region_name: String,
    /// School year by its first calendar year (2025 = 2025–2026).
    pub year: i32,
    /// The school years with conditions in the region.
    pub years: Vec<i32>,
    /// Parts with fewer students are excluded.
    pub min_enrolment: u32,
    pub min_met: usize,
    pub floor_share: f64,
    /// The rules in force for the region (its own, an ancestor's or the national defaults) and their source.
    pub rules: RegionBalanceRules,
    pub stages: Vec<BalanceStageView>,
}

/// A proposed move for the what-if: a teacher (by staff number) to a school (and stage part when it has two).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct MoveInput {
    pub staff_number: String,
    pub to_school_id: i64,
    #[serde(default)]
    pub to_stage: Option<String>,
    /// 高于规定学历 (the registry does not record degrees; the caller says).
    #[serde(default)]
    pub higher_degree: bool,
}

/// Each indicator's CV before and after the moves, per stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhatIfIndicator {
    pub key: String,
    pub label: String,
    pub cv_threshold: f64,
    pub cv_before: f64,
    pub cv_after: f64,
    pub pass_before: bool,
    pub pass_after: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhatIfStage {
    pub stage: String,
    pub indicators: Vec<WhatIfIndicator>,
}

/// One resolved move, as applied.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhatIfMove {
    pub staff_number: String,
    pub teacher_name: String,
    pub from_school: String,
    pub to_school: String,
    pub backbone: bool,
    pub pe_art: bool,
    pub higher_degree: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WhatIfView {
    pub moves: Vec<WhatIfMove>,
    pub stages: Vec<WhatIfStage>,
}

/// Why a what-if cannot be computed (shown to the user as is).
#[derive(Debug, Clone)]
pub struct WhatIfProblem(pub String);

const BACKBONE_SQL: &str = "t.backbone_level IN ('county', 'city', 'province')";
const PE_ART_SQL: &str =
    "(t.subjects LIKE '%体育%' OR t.subjects LIKE '%音乐%' OR t.subjects LIKE '%美术%')";

pub(crate) fn part_of(r: &ConditionRecord) -> SchoolPart {
    let f = &r.figures;
    SchoolPart {
        school_id: r.school_id.to_string(),
        stage: BalanceStage::parse(&r.stage).unwrap_or(BalanceStage::Primary),
        enrolment: u32::try_from(f.enrolment.max(0)).unwrap_or(u32::MAX),
        degree_teachers: f.degree_teachers as f64,
        backbone_teachers: f.backbone_teachers as f64,
        pe_art_teachers: f.pe_art_teachers as f64,
        teaching_space_m2: f.teaching_space_m2,
        sports_space_m2: f.sports_space_m2,
        equipment_value_yuan: f.equipment_value_yuan,
        multimedia_classrooms: f.multimedia_classrooms as f64,
    }
}

impl Store {
    /// Imports conditions rows, all or nothing: 学校标识码 finds the school (in the caller's scope), 学段 must
    /// be a part of the school's stage, and an existing (school, 学年, 学段) row is updated.
    pub async fn import_conditions(
        &self,
        actor: &Actor,
        visible: &Visible,
        rows: Vec<ConditionRow>,
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
        let mut schools: HashMap<String, Option<(i64, String, String)>> = HashMap::new();
        let mut plans: Vec<(ConditionRow, i64, String, Option<i64>)> = vec![];
        for row in rows {
            if !schools.contains_key(&row.school_code) {
                let entry = match self.school_by_code(&row.school_code).await? {
                    Some(s) => Some((
                        s.id,
                        s.stage.clone(),
                        self.get_region(s.region_id).await?.path,
                    )),
                    None => None,
                };
                schools.insert(row.school_code.clone(), entry);
            }
            let Some((school_id, school_stage, path)) = schools[&row.school_code].clone() else {
                errors.push(row_error(
                    row.number,
                    "学校标识码",
                    "error.unknown_school",
                    Some(row.school_code.clone()),
                ));
                continue;
            };
            let ok = match visible {
                Visible::All => true,
                Visible::RegionPrefix(p) => path.starts_with(p.as_str()),
                _ => false,
            };
            if !ok {
                errors.push(row_error(row.number, "学校标识码", "error.forbidden", None));
                continue;
            }
            if !stage_has_part(&school_stage, row.stage) {
                let label = gongjin_domain::Stage::parse(&school_stage)
                    .map_or(school_stage.clone(), |s| s.zh().to_owned());
                errors.push(row_error(
                    row.number,
                    "学段",
                    "error.stage_part",
                    Some(label),
                ));
                continue;
            }
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM school_conditions WHERE school_id = $1 AND year = $2 AND stage = $3",
            )
            .bind(school_id)
            .bind(i64::from(row.year))
            .bind(row.stage)
            .fetch_optional(&self.pool)
            .await?;
            plans.push((row, school_id, path, existing));
        }
        let updated = plans.iter().filter(|p| p.3.is_some()).count();
        let created = plans.len() - updated;
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
        let now = crate::now();
        let mut tx = self.begin_write().await?;
        for (i, (row, school_id, path, existing)) in plans.into_iter().enumerate() {
            let f = &row.figures;
            let before = match existing {
                Some(id) => {
                    let b = sqlx::query("SELECT enrolment, degree_teachers, backbone_teachers, pe_art_teachers, teaching_space_m2, sports_space_m2, equipment_value_yuan, multimedia_classrooms FROM school_conditions WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let before = figures_of(&b)?;
                    sqlx::query("UPDATE school_conditions SET enrolment = $1, degree_teachers = $2, backbone_teachers = $3, pe_art_teachers = $4, teaching_space_m2 = $5, sports_space_m2 = $6, equipment_value_yuan = $7, multimedia_classrooms = $8, updated_at = $9 WHERE id = $10")
                        .bind(f.enrolment)
                        .bind(f.degree_teachers)
                        .bind(f.backbone_teachers)
                        .bind(f.pe_art_teachers)
                        .bind(f.teaching_space_m2)
                        .bind(f.sports_space_m2)
                        .bind(f.equipment_value_yuan)
                        .bind(f.multimedia_classrooms)
                        .bind(now.clone())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    Some((id, before))
                }
                None => None,
            };
            let id = match &before {
                Some((id, _)) => *id,
                None => insert_condition(&mut tx, school_id, row.year, row.stage, f, &now).await?,
            };
            audit::record(
                &mut tx,
                actor,
                Change {
                    action: "import",
                    entity: "school_condition",
                    entity_id: Some(id),
                    region_path: &path,
                    summary: format!("{} {} {}", row.school_code, row.year, row.stage),
                    before: before.as_ref().and_then(|(_, b)| audit::json(b)),
                    after: audit::json(f),
                },
            )
            .await?;
            progress(i as u64 + 1, n);
        }
        tx.commit().await?;
        self.refresh_stats(&["school_conditions"]).await?;
        Ok(ImportReport {
            rows: total_rows,
            created,
            updated,
            errors,
            dry_run,
            written: true,
        })
    }

    /// Stored conditions rows visible to the caller (a region prefix or everything), optionally of one year.
    pub async fn conditions(
        &self,
        visible: &Visible,
        year: Option<i32>,
    ) -> Result<Vec<ConditionRecord>> {
        let mut q = crate::sql::Sql::new(
            "SELECT c.school_id, s.code, s.name, s.stage AS school_stage, r.path, c.year, c.stage, c.enrolment, c.degree_teachers, c.backbone_teachers, c.pe_art_teachers, c.teaching_space_m2, c.sports_space_m2, c.equipment_value_yuan, c.multimedia_classrooms \
             FROM school_conditions c JOIN schools s ON s.id = c.school_id JOIN regions r ON r.id = s.region_id WHERE 1 = 1",
        );
        match visible {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                q.push(" AND r.path LIKE ").bind(format!("{p}%"));
            }
            // Conditions are a bureau's figures: nobody else lists them.
            _ => {
                q.push(" AND 1 = 0");
            }
        }
        if let Some(y) = year {
            q.push(" AND c.year = ").bind(i64::from(y));
        }
        q.push(" ORDER BY c.year, s.code, c.stage");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ConditionRecord {
                    school_id: r.try_get("school_id")?,
                    school_code: r.try_get("code")?,
                    school_name: r.try_get("name")?,
                    school_stage: r.try_get("school_stage")?,
                    region_path: r.try_get("path")?,
                    year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
                    stage: r.try_get("stage")?,
                    figures: figures_of(r)?,
                })
            })
            .collect()
    }

    /// The registry's counts per school in a region subtree: (backbone of county level or above, PE and art).
    async fn registry_counts(&self, path: &str) -> Result<HashMap<i64, (i64, i64)>> {
        let sql = format!(
            "SELECT t.school_id, CAST(SUM(CASE WHEN {BACKBONE_SQL} THEN 1 ELSE 0 END) AS BIGINT) AS backbone, CAST(SUM(CASE WHEN {PE_ART_SQL} THEN 1 ELSE 0 END) AS BIGINT) AS pe_art \
             FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id \
             WHERE t.status = 'active' AND r.path LIKE $1 GROUP BY t.school_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("{path}%"))
            .fetch_all(&self.pool)
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            let id: i64 = r.try_get("school_id")?;
            let b: i64 = r.try_get("backbone")?;
            let p: i64 = r.try_get("pe_art")?;
            out.insert(id, (b, p));
        }
        Ok(out)
    }

    /// School years with conditions in a region subtree, newest first.
    pub async fn condition_years(&self, region_id: i64) -> Result<Vec<i32>> {
        let path = self.get_region(region_id).await?.path;
        let ys: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT c.year FROM school_conditions c JOIN schools s ON s.id = c.school_id JOIN regions r ON r.id = s.region_id WHERE r.path LIKE $1 ORDER BY c.year DESC",
        )
        .bind(format!("{path}%"))
        .fetch_all(&self.pool)
        .await?;
        Ok(ys
            .into_iter()
            .filter_map(|y| i32::try_from(y).ok())
            .collect())
    }

    /// The balance report of a region (its whole subtree) for a school year, with the rules in force for the
    /// region ([`Store::balance_rules`]).
    pub async fn balance(&self, region_id: i64, year: i32) -> Result<BalanceView> {
        let key = format!("balance:{region_id}:{year}");
        let view = self
            .cached(&key, self.balance_fresh(region_id, year))
            .await?;
        Ok(view.as_ref().clone())
    }

    /// [`Store::balance`] computed now, without the cache.
    pub async fn balance_fresh(&self, region_id: i64, year: i32) -> Result<BalanceView> {
        let region = self.get_region(region_id).await?;
        let records = self
            .conditions(&Visible::RegionPrefix(region.path.clone()), Some(year))
            .await?;
        let registry = self.registry_counts(&region.path).await?;
        let in_force = self.balance_rules(region_id).await?;
        let rules = in_force.rules.engine();
        let parts: Vec<SchoolPart> = records.iter().map(part_of).collect();
        let report = gongjin_balance::evaluate(&parts, &rules);
        let by_id: HashMap<String, &ConditionRecord> = records
            .iter()
            .map(|r| (r.school_id.to_string(), r))
            .collect();
        // Imported sums per school (over its parts) for the registry comparison.
        let mut sums: HashMap<i64, (i64, i64)> = HashMap::new();
        for r in &records {
            let e = sums.entry(r.school_id).or_default();
            e.0 += r.figures.backbone_teachers;
            e.1 += r.figures.pe_art_teachers;
        }
        let name_of = |id: &str| {
            by_id
                .get(id)
                .map_or(String::new(), |r| r.school_name.clone())
        };
        let mut stages = vec![];
        for st in &report.stages {
            let indicators = st
                .indicators
                .iter()
                .map(|c| BalanceIndicator {
                    key: c.indicator.key().to_owned(),
                    label: c.indicator.label_zh().to_owned(),
                    threshold: c.threshold,
                    cv_threshold: c.cv_threshold,
                    mean: c.mean,
                    cv: c.cv,
                    pass: c.pass,
                    schools: c
                        .schools
                        .iter()
                        .map(|s| BalanceSchoolValue {
                            school_id: s.school_id.parse().unwrap_or(0),
                            school_name: name_of(&s.school_id),
                            enrolment: i64::from(s.enrolment),
                            value: s.value,
                            met: s.value >= c.threshold - 1e-9,
                        })
                        .collect(),
                })
                .collect();
            let parts = report
                .parts
                .iter()
                .filter(|p| p.stage == st.stage)
                .map(|p| {
                    let rec = by_id.get(&p.school_id);
                    let id: i64 = p.school_id.parse().unwrap_or(0);
                    let mut disagreements = vec![];
                    if let (Some((ib, ip)), Some((rb, rp))) = (sums.get(&id), registry.get(&id)) {
                        if ib != rb {
                            disagreements.push(RegistryDisagreement {
                                figure: "backbone_teachers".into(),
                                imported: *ib,
                                registry: *rb,
                            });
                        }
                        if ip != rp {
                            disagreements.push(RegistryDisagreement {
                                figure: "pe_art_teachers".into(),
                                imported: *ip,
                                registry: *rp,
                            });
                        }
                    }
                    BalancePart {
                        school_id: id,
                        school_code: rec.map_or(String::new(), |r| r.school_code.clone()),
                        school_name: rec.map_or(String::new(), |r| r.school_name.clone()),
                        school_stage: rec.map_or(String::new(), |r| r.school_stage.clone()),
                        enrolment: i64::from(p.enrolment),
                        included: p.included,
                        values: p
                            .indicators
                            .iter()
                            .map(|v| BalancePartValue {
                                key: v.indicator.key().to_owned(),
                                value: v.value,
                                threshold: v.threshold,
                                met: v.met,
                                share: v.share,
                            })
                            .collect(),
                        met_count: p.met_count,
                        meets_standard: p.meets_standard,
                        registry: disagreements,
                    }
                })
                .collect();
            stages.push(BalanceStageView {
                stage: st.stage.key().to_owned(),
                cv_threshold: rules.cv_threshold(st.stage),
                included_parts: st.included_parts,
                parts_meeting_standard: st.parts_meeting_standard,
                all_cv_pass: st.all_cv_pass,
                indicators,
                parts,
            });
        }
        Ok(BalanceView {
            region_id,
            region_name: region.name,
            year,
            years: self.condition_years(region_id).await?,
            min_enrolment: rules.min_enrolment,
            min_met: rules.school_rule.min_met,
            floor_share: rules.school_rule.floor_share,
            rules: in_force,
            stages,
        })
    }

    /// Planned long-term and support-teaching exchanges of a school year within a region, as moves.
    pub async fn planned_moves(&self, region_id: i64, year: i32) -> Result<Vec<MoveInput>> {
        let path = self.get_region(region_id).await?.path;
        let (start, end) = gongjin_domain::school_year_bounds(year);
        let rows = sqlx::query(
            "SELECT t.staff_number, e.to_school_id FROM exchanges e JOIN teachers t ON t.id = e.teacher_id JOIN schools s ON s.id = e.to_school_id JOIN regions r ON r.id = s.region_id \
             WHERE e.status = 'planned' AND e.kind IN ('long_term', 'support_teaching') AND e.start_on >= $1 AND e.start_on <= $2 AND r.path LIKE $3 ORDER BY e.id",
        )
        .bind(start.to_string())
        .bind(end.to_string())
        .bind(format!("{path}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MoveInput {
                    staff_number: r.try_get("staff_number")?,
                    to_school_id: r.try_get("to_school_id")?,
                    to_stage: None,
                    higher_degree: true,
                })
            })
            .collect()
    }

    /// What-if: the region's CVs of a school year before and after moving the given teachers. A teacher's
    /// backbone (county level or above) and PE/art flags come from the registry. A school with two parts
    /// sends from (and, unless `to_stage` says, receives into) its larger part.
    pub async fn balance_what_if(
        &self,
        region_id: i64,
        year: i32,
        moves: &[MoveInput],
    ) -> Result<std::result::Result<WhatIfView, WhatIfProblem>> {
        let region = self.get_region(region_id).await?;
        let records = self
            .conditions(&Visible::RegionPrefix(region.path.clone()), Some(year))
            .await?;
        let parts: Vec<SchoolPart> = records.iter().map(part_of).collect();
        let larger = |school: i64| -> Option<BalanceStage> {
            let mine: Vec<&SchoolPart> = parts
                .iter()
                .filter(|p| p.school_id == school.to_string())
                .collect();
            if mine.len() < 2 {
                return None;
            }
            mine.iter().max_by_key(|p| p.enrolment).map(|p| p.stage)
        };
        let mut tm = vec![];
        let mut shown = vec![];
        for (i, m) in moves.iter().enumerate() {
            let sql = format!(
                "SELECT t.name, t.school_id, s.name AS school_name, CAST(CASE WHEN {BACKBONE_SQL} THEN 1 ELSE 0 END AS BIGINT) AS backbone, CAST(CASE WHEN {PE_ART_SQL} THEN 1 ELSE 0 END AS BIGINT) AS pe_art \
                 FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id WHERE t.staff_number = $1 AND r.path LIKE $2"
            );
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(m.staff_number.trim())
                .bind(format!("{}%", region.path))
                .fetch_optional(&self.pool)
                .await?
            else {
                return Ok(Err(WhatIfProblem(format!(
                    "第{}条调动：本区域没有教师编号“{}”",
                    i + 1,
                    m.staff_number
                ))));
            };
            let from: i64 = row.try_get("school_id")?;
            let to_name: Option<String> = sqlx::query_scalar(
                "SELECT s.name FROM schools s JOIN regions r ON r.id = s.region_id WHERE s.id = $1 AND r.path LIKE $2",
            )
            .bind(m.to_school_id)
            .bind(format!("{}%", region.path))
            .fetch_optional(&self.pool)
            .await?;
            let Some(to_name) = to_name else {
                return Ok(Err(WhatIfProblem(format!(
                    "第{}条调动：调入学校不在本区域",
                    i + 1
                ))));
            };
            let backbone = row.try_get::<i64, _>("backbone")? == 1;
            let pe_art = row.try_get::<i64, _>("pe_art")? == 1;
            let to_stage = match m.to_stage.as_deref().filter(|s| !s.is_empty()) {
                Some(s) => Some(BalanceStage::parse(s).ok_or(StoreError::NotFound)?),
                None => larger(m.to_school_id),
            };
            tm.push(TeacherMove {
                teacher: Some(m.staff_number.clone()),
                from: from.to_string(),
                from_stage: larger(from),
                to: m.to_school_id.to_string(),
                to_stage,
                backbone,
                higher_degree: m.higher_degree,
                pe_art,
            });
            shown.push(WhatIfMove {
                staff_number: m.staff_number.clone(),
                teacher_name: row.try_get("name")?,
                from_school: row.try_get("school_name")?,
                to_school: to_name,
                backbone,
                pe_art,
                higher_degree: m.higher_degree,
            });
        }
        let rules = self.balance_rules(region_id).await?.rules.engine();
        let w = match gongjin_balance::what_if(&parts, &tm, &rules) {
            Ok(w) => w,
            Err(e) => return Ok(Err(WhatIfProblem(e.to_string()))),
        };
        Ok(Ok(WhatIfView {
            moves: shown,
            stages: w
                .stages
                .iter()
                .map(|s| WhatIfStage {
                    stage: s.stage.key().to_owned(),
                    indicators: s
                        .indicators
                        .iter()
                        .map(|c| WhatIfIndicator {
                            key: c.indicator.key().to_owned(),
                            label: c.indicator.label_zh().to_owned(),
                            cv_threshold: c.cv_threshold,
                            cv_before: c.cv_before,
                            cv_after: c.cv_after,
                            pass_before: c.pass_before,
                            pass_after: c.pass_after,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }
}

fn figures_of(r: &sqlx::any::AnyRow) -> Result<ConditionFigures> {
    Ok(ConditionFigures {
        enrolment: r.try_get("enrolment")?,
        degree_teachers: r.try_get("degree_teachers")?,
        backbone_teachers: r.try_get("backbone_teachers")?,
        pe_art_teachers: r.try_get("pe_art_teachers")?,
        teaching_space_m2: r.try_get("teaching_space_m2")?,
        sports_space_m2: r.try_get("sports_space_m2")?,
        equipment_value_yuan: r.try_get("equipment_value_yuan")?,
        multimedia_classrooms: r.try_get("multimedia_classrooms")?,
    })
}

/// Inserts one conditions row (import and the demo loader).
pub(crate) async fn insert_condition(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    school_id: i64,
    year: i32,
    stage: &str,
    f: &ConditionFigures,
    now: &str,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO school_conditions (school_id, year, stage, enrolment, degree_teachers, backbone_teachers, pe_art_teachers, teaching_space_m2, sports_space_m2, equipment_value_yuan, multimedia_classrooms, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(school_id)
    .bind(i64::from(year))
    .bind(stage.to_owned())
    .bind(f.enrolment)
    .bind(f.degree_teachers)
    .bind(f.backbone_teachers)
    .bind(f.pe_art_teachers)
    .bind(f.teaching_space_m2)
    .bind(f.sports_space_m2)
    .bind(f.equipment_value_yuan)
    .bind(f.multimedia_classrooms)
    .bind(now.to_owned())
    .fetch_one(&mut **tx)
    .await?)
}

/// Groups records by (school, stage) for callers that need them keyed.
pub fn by_part(records: &[ConditionRecord]) -> BTreeMap<(i64, String), &ConditionRecord> {
    records
        .iter()
        .map(|r| (r.school_id, r.stage.clone()))
        .zip(records.iter())
        .collect()
}

/// The indicator keys in the order of the national standard.
pub fn indicator_keys() -> Vec<&'static str> {
    Indicator::ALL.iter().map(|i| i.key()).collect()
}

/// A region's balance rules (优质均衡认定规则) as stored, edited and sent over the API. Numbers are signed so
/// that a bad value reaches [`BalanceRuleSettings::validate`] and gets a message naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BalanceRuleSettings {
    /// A school part meets the standard when at least this many of the seven indicators reach the national
    /// threshold (0–7; national rule 6).
    pub min_met: i64,
    /// … and every other indicator reaches at least this share of its threshold (0 < share ≤ 1; national 0.85).
    pub floor_share: f64,
    /// Parts with fewer students are excluded from the school rule and the CVs (≥ 0; national 50).
    pub min_enrolment: i64,
    /// Highest CV of an indicator across the primary parts (> 0; national 0.50).
    pub cv_threshold_primary: f64,
    /// Highest CV of an indicator across the junior parts (> 0; national 0.45).
    pub cv_threshold_junior: f64,
}

/// The largest accepted minimum enrolment.
pub const MAX_MIN_ENROLMENT: i64 = 100_000;

impl BalanceRuleSettings {
    /// The national rules: 6 of 7, the rest at 85 %, parts under 50 students excluded, CV ≤ 0.50 / 0.45.
    pub fn national() -> Self {
        Self::of(&BalanceRules::default())
    }

    pub fn of(r: &BalanceRules) -> Self {
        BalanceRuleSettings {
            min_met: r.school_rule.min_met as i64,
            floor_share: r.school_rule.floor_share,
            min_enrolment: i64::from(r.min_enrolment),
            cv_threshold_primary: r.cv_threshold_primary,
            cv_threshold_junior: r.cv_threshold_junior,
        }
    }

    /// Every bad field, each with a catalogue key naming the allowed range and the value given.
    pub fn validate(&self) -> std::result::Result<(), gongjin_domain::ValidationErrors> {
        use gongjin_domain::FieldError;
        let mut errs = vec![];
        if !(0..=7).contains(&self.min_met) {
            errs.push(FieldError::with("min_met", "error.min_met", self.min_met));
        }
        if !(self.floor_share.is_finite() && self.floor_share > 0.0 && self.floor_share <= 1.0) {
            errs.push(FieldError::with(
                "floor_share",
                "error.floor_share",
                self.floor_share,
            ));
        }
        if !(0..=MAX_MIN_ENROLMENT).contains(&self.min_enrolment) {
            errs.push(FieldError::with(
                "min_enrolment",
                "error.min_enrolment",
                self.min_enrolment,
            ));
        }
        for (field, v) in [
            ("cv_threshold_primary", self.cv_threshold_primary),
            ("cv_threshold_junior", self.cv_threshold_junior),
        ] {
            if !(v.is_finite() && v > 0.0) {
                errs.push(FieldError::with(field, "error.cv_threshold", v));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(gongjin_domain::ValidationErrors(errs))
        }
    }

    /// The engine's rules (assumes [`Self::validate`] passed; out-of-range values are clamped).
    pub fn engine(&self) -> BalanceRules {
        BalanceRules {
            school_rule: gongjin_balance::SchoolRule {
                min_met: self.min_met.clamp(0, 7) as usize,
                floor_share: self.floor_share,
            },
            min_enrolment: u32::try_from(self.min_enrolment.max(0)).unwrap_or(u32::MAX),
            cv_threshold_primary: self.cv_threshold_primary,
            cv_threshold_junior: self.cv_threshold_junior,
        }
    }
}

/// The balance rules in force for a region and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RegionBalanceRules {
    pub region_id: i64,
    /// `own` (set for this region), `inherited` (set for an ancestor region) or `national` (nothing set: the
    /// national defaults).
    pub source: String,
    /// The region whose rules apply, when `own` or `inherited`.
    pub source_region_id: Option<i64>,
    pub source_region_name: Option<String>,
    pub rules: BalanceRuleSettings,
}

impl Store {
    /// The balance rules in force for a region: its own, the nearest ancestor's, or the national defaults.
    pub async fn balance_rules(&self, region_id: i64) -> Result<RegionBalanceRules> {
        let path = self.get_region(region_id).await?.path;
        let row: Option<(i64, String, i64, f64, i64, f64, f64)> = sqlx::query_as(
            "SELECT r.id, r.name, b.min_met, b.floor_share, b.min_enrolment, b.cv_threshold_primary, b.cv_threshold_junior \
             FROM balance_rules b JOIN regions r ON r.id = b.region_id WHERE $1 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC LIMIT 1",
        )
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((id, name, min_met, floor_share, min_enrolment, p, j)) => RegionBalanceRules {
                region_id,
                source: if id == region_id { "own" } else { "inherited" }.into(),
                source_region_id: Some(id),
                source_region_name: Some(name),
                rules: BalanceRuleSettings {
                    min_met,
                    floor_share,
                    min_enrolment,
                    cv_threshold_primary: p,
                    cv_threshold_junior: j,
                },
            },
            None => RegionBalanceRules {
                region_id,
                source: "national".into(),
                source_region_id: None,
                source_region_name: None,
                rules: BalanceRuleSettings::national(),
            },
        })
    }

    /// Sets a region's balance rules (inherited by the regions below it), in one transaction with its audit
    /// entry. Refuses invalid rules, writing nothing.
    pub async fn set_balance_rules(
        &self,
        actor: &Actor,
        region_id: i64,
        r: &BalanceRuleSettings,
    ) -> Result<RegionBalanceRules> {
        r.validate()?;
        let region = self.get_region(region_id).await?;
        let before = self.balance_rules(region_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM balance_rules WHERE region_id = $1")
            .bind(region_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO balance_rules (region_id, min_met, floor_share, min_enrolment, cv_threshold_primary, cv_threshold_junior, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(region_id)
        .bind(r.min_met)
        .bind(r.floor_share)
        .bind(r.min_enrolment)
        .bind(r.cv_threshold_primary)
        .bind(r.cv_threshold_junior)
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "balance_rules",
                entity_id: Some(region_id),
                region_path: &region.path,
                summary: region.name.clone(),
                before: audit::json(&before.rules),
                after: audit::json(r),
            },
        )
        .await?;
        tx.commit().await?;
        self.balance_rules(region_id).await
    }
}
