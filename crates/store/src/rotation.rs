//! The annual rotation planner (交流轮岗方案) over the registry: the engine's input read from a
//! region's records, the proposal shaped for people (workbook rows, JSON), and acceptance into
//! planned exchange records. Used by `gongjin plan rotation` and the page /plan/rotation.
//!
//! How the registry maps onto the engine (see also README, “交流轮岗方案”):
//! * schools: the region subtree's public schools with coordinates (others are listed in `notes`);
//!   parts by stage (nine- and twelve-year schools have a primary and a junior part), enrolment from
//!   the registry; `strong` = the core school of a community; community = its current community.
//! * teachers: status `active` or `on_leave` of those schools; stage = the school's, or for nine- and
//!   twelve-year schools junior when the main subject is taught only in junior school (物理, 化学,
//!   生物, 历史, 地理), else primary.
//! * exemptions: the registry has no place for a coordinator's flags, so they are derived: near
//!   retirement = within 3 years of the statutory age (women 55, men 60) at 1 September of the year;
//!   leave = status `on_leave`; illness is not recorded (never set).
//! * teachers with a planned or active exchange are forbidden to move (and acceptance refuses them).
//! * subject shortages and surpluses: derived from the school's class count (split between its parts
//!   by enrolment) and its active teachers counted by main subject, with the curriculum plan's weekly
//!   periods and a standard teaching load (`gongjin_domain::staffing`): short when the need exceeds the
//!   teachers by a whole teacher (or a needed subject has none), surplus when the teachers exceed it.
//! * policy: the region's quota rules (eligible after N years, share, backbone share), term 1 year,
//!   within-community preferred.

use crate::records::{Region, School};
use crate::scope::Visible;
use crate::{Store, StoreError};
use gongjin_domain::staffing;
use gongjin_rotation::{
    BackboneLevel, CommunityRule, Exemptions, Forbid, Locality, Lock, Plan, PlanInput, Policy,
    StagePart,
};
use gongjin_sheet::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};

type Result<T> = std::result::Result<T, StoreError>;
pub use gongjin_balance::BalanceStage;

/// What one registry teacher is, for showing a plan.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeacherInfo {
    pub id: i64,
    pub name: String,
    pub school_id: i64,
    pub main_subject: String,
}

/// The engine input for a region and school year, with what is needed to show the answer.
pub struct RotationInputs {
    pub region: Region,
    pub year: i32,
    pub input: PlanInput,
    pub teachers: HashMap<i64, TeacherInfo>,
    pub schools: HashMap<i64, School>,
    /// The engine's school id of a registry school: its name (name（code） when two share a
    /// name), so the engine's reasons read as names.
    pub school_key: HashMap<i64, String>,
    pub school_by_key: HashMap<String, i64>,
    /// What was left out and why.
    pub notes: Vec<String>,
}

/// Subjects taught only in junior school.
const JUNIOR_ONLY: [&str; 5] = ["物理", "化学", "生物", "历史", "地理"];

fn parts_of(s: &School) -> Vec<StagePart> {
    let p = StagePart {
        stage: BalanceStage::Primary,
        enrolment: s.primary_enrolment.max(0) as u32,
    };
    let j = StagePart {
        stage: BalanceStage::Junior,
        enrolment: s.junior_enrolment.max(0) as u32,
    };
    match s.stage.as_str() {
        "primary" => vec![p],
        "junior" => vec![j],
        _ => vec![p, j],
    }
}

/// Near retirement: within 3 years of the statutory age (women 55, men 60) on 1 September of `year`.
pub fn near_retirement(birth_year: Option<i64>, gender: &str, year: i32) -> bool {
    let Some(b) = birth_year else { return false };
    let age = i64::from(year) - b;
    let retire = if gender == "female" { 55 } else { 60 };
    age >= retire - 3
}

type TeacherRow = (
    i64,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    String,
    String,
);

impl Store {
    /// Builds the rotation planner's input for a region subtree and school year (starting
    /// 1 September `year`) from the registry. See the module documentation for the mapping.
    pub async fn rotation_inputs(&self, region_id: i64, year: i32) -> Result<RotationInputs> {
        let region = self.get_region(region_id).await?;
        let visible = Visible::RegionPrefix(region.path.clone());
        let all = self.all_schools(&visible).await?;
        let mut notes = vec![];
        let mut schools: HashMap<i64, School> = HashMap::new();
        for s in all {
            if s.ownership != "public" {
                continue;
            }
            if s.longitude.is_none() || s.latitude.is_none() {
                notes.push(format!("{}：没有经纬度，未参与", s.name));
                continue;
            }
            schools.insert(s.id, s);
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        for s in schools.values() {
            *names.entry(s.name.as_str()).or_default() += 1;
        }
        let school_key: HashMap<i64, String> = schools
            .values()
            .map(|s| {
                let k = if names[s.name.as_str()] > 1 {
                    format!("{}（{}）", s.name, s.code)
                } else {
                    s.name.clone()
                };
                (s.id, k)
            })
            .collect();
        let school_by_key: HashMap<String, i64> =
            school_key.iter().map(|(id, k)| (k.clone(), *id)).collect();
        let rules = self.quota_rules(region_id).await?;
        let rows: Vec<TeacherRow> = sqlx::query_as(
            "SELECT t.id, t.name, t.school_id, t.subjects, t.backbone_level, t.degree_above_standard, t.years_at_school, t.birth_year, t.gender, t.status \
             FROM teachers t JOIN schools s ON s.id = t.school_id JOIN regions r ON r.id = s.region_id \
             WHERE r.path LIKE $1 AND t.status IN ('active', 'on_leave') ORDER BY t.id",
        )
        .bind(format!("{}%", region.path))
        .fetch_all(&self.pool)
        .await?;
        let busy: HashSet<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT DISTINCT teacher_id FROM exchanges WHERE status IN ('planned', 'active')",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let mut teachers = vec![];
        let mut info = HashMap::new();
        let mut forbids = vec![];
        let mut staff: HashMap<(i64, BalanceStage), BTreeMap<String, u32>> = HashMap::new();
        for (id, name, school_id, subjects, backbone, degree, years, birth, gender, status) in rows
        {
            let Some(s) = schools.get(&school_id) else {
                continue;
            };
            let subjects: Vec<String> = gongjin_domain::inputs::split_subjects(&subjects);
            let main = subjects.first().cloned().unwrap_or_default();
            let stage = match s.stage.as_str() {
                "primary" => BalanceStage::Primary,
                "junior" => BalanceStage::Junior,
                _ if JUNIOR_ONLY.contains(&main.as_str()) => BalanceStage::Junior,
                _ => BalanceStage::Primary,
            };
            if status == "active" && !main.is_empty() {
                *staff
                    .entry((school_id, stage))
                    .or_default()
                    .entry(main.clone())
                    .or_default() += 1;
            }
            let backbone = match backbone.as_str() {
                "county" => BackboneLevel::County,
                "city" => BackboneLevel::City,
                "province" => BackboneLevel::Province,
                _ => BackboneLevel::None,
            };
            if busy.contains(&id) {
                forbids.push(Forbid::Teacher {
                    teacher: id.to_string(),
                });
            }
            teachers.push(gongjin_rotation::Teacher {
                id: id.to_string(),
                name: Some(name.clone()),
                school: school_key[&school_id].clone(),
                stage,
                subjects,
                backbone,
                has_higher_degree: degree != 0,
                years_at_school: years.max(0) as u32,
                birth_year: birth.unwrap_or(0) as i32,
                exemptions: Exemptions {
                    near_retirement: near_retirement(birth, &gender, year),
                    leave: status == "on_leave",
                    illness: false,
                },
            });
            info.insert(
                id,
                TeacherInfo {
                    id,
                    name,
                    school_id,
                    main_subject: main,
                },
            );
        }
        // subject shortages and surpluses from class counts (see gongjin_domain::staffing): a
        // school's classes are split between its parts by enrolment; its active teachers are
        // counted by part and main subject.
        let mut shortages: HashMap<i64, BTreeMap<String, u32>> = HashMap::new();
        let mut surpluses: HashMap<i64, BTreeMap<String, u32>> = HashMap::new();
        for s in schools.values() {
            let parts = parts_of(s);
            let pupils: u32 = parts.iter().map(|p| p.enrolment).sum();
            for part in &parts {
                let classes = if pupils == 0 {
                    0.0
                } else {
                    s.class_count.max(0) as f64 * f64::from(part.enrolment) / f64::from(pupils)
                };
                let stage = match part.stage {
                    BalanceStage::Primary => staffing::StaffingStage::Primary,
                    BalanceStage::Junior => staffing::StaffingStage::Junior,
                };
                let have = staff.remove(&(s.id, part.stage)).unwrap_or_default();
                let derived = staffing::derive(stage, classes, &have);
                for (subject, n) in derived.shortages {
                    *shortages
                        .entry(s.id)
                        .or_default()
                        .entry(subject)
                        .or_default() += n;
                }
                for (subject, n) in derived.surpluses {
                    *surpluses
                        .entry(s.id)
                        .or_default()
                        .entry(subject)
                        .or_default() += n;
                }
            }
        }
        let mut ordered: Vec<&School> = schools.values().collect();
        ordered.sort_by_key(|s| s.id);
        let school_inputs = ordered
            .iter()
            .map(|s| gongjin_rotation::School {
                id: school_key[&s.id].clone(),
                name: Some(s.name.clone()),
                parts: parts_of(s),
                locality: match s.locality.as_str() {
                    "urban" => Locality::Urban,
                    "town" => Locality::Town,
                    _ => Locality::Rural,
                },
                strong: s.membership_role.as_deref() == Some("core"),
                lat: s.latitude.unwrap_or_default(),
                lon: s.longitude.unwrap_or_default(),
                shortages: shortages.remove(&s.id).unwrap_or_default(),
                surpluses: surpluses.remove(&s.id).unwrap_or_default(),
                community: s.community_id.map(|c| c.to_string()),
            })
            .collect();
        let input = PlanInput {
            teachers,
            schools: school_inputs,
            policy: Policy {
                eligible_after_years: rules.eligible_years.max(0) as u32,
                quota_share: rules.exchanged_share,
                backbone_share: rules.backbone_share,
                term_years: 1,
                community: CommunityRule::Preferred,
                max_distance_km: None,
                max_incoming_per_school: None,
            },
            weights: Default::default(),
            locks: vec![],
            forbids,
            // The region's balance rules (its own, an ancestor's or the national ones): minimum enrolment and CV
            // thresholds of the balance objective.
            balance_rules: self.balance_rules(region_id).await?.rules.engine(),
        };
        Ok(RotationInputs {
            region,
            year,
            input,
            teachers: info,
            schools,
            school_key,
            school_by_key,
            notes,
        })
    }

    /// Turns moves `(teacher id, destination school id, term years)` into planned long-term exchanges
    /// (1 September `year` to 31 August `year + term`), all or nothing, with one audit entry. Refuses,
    /// writing nothing, when a move breaks a hard rule that concerns it (eligibility, exemption,
    /// stage, reach, a teacher moving twice, a sending school left without a subject, or the teacher
    /// already having a planned or active exchange). Quotas and the backbone share are rules of the
    /// whole plan and are reported with the proposal, not enforced here.
    pub async fn accept_rotation(
        &self,
        actor: &crate::Actor,
        region_id: i64,
        year: i32,
        moves: &[(i64, i64, u8)],
    ) -> Result<Vec<i64>> {
        let inputs = self.rotation_inputs(region_id, year).await?;
        let refuse = |why: String| StoreError::conflict("error.rotation_refused", why);
        if moves.is_empty() {
            return Err(refuse("没有交流人员".into()));
        }
        for (t, _, term) in moves {
            if !(1..=3).contains(term) {
                return Err(refuse(format!("教师{t}：任期须为1至3年")));
            }
        }
        let mut pairs: Vec<(String, String)> = vec![];
        for (t, j, _) in moves {
            let key = inputs
                .school_key
                .get(j)
                .ok_or_else(|| refuse(format!("学校{j}不在本区域的公办学校中")))?;
            pairs.push((t.to_string(), key.clone()));
        }
        let zero: BTreeMap<String, u32> = inputs
            .input
            .schools
            .iter()
            .map(|s| (s.id.clone(), 0))
            .collect();
        let eval = gongjin_rotation::evaluate_moves(&inputs.input, &pairs, Some(&zero))
            .map_err(|e| refuse(e.to_string()))?;
        let broken: Vec<String> = eval
            .violations
            .into_iter()
            .filter(|v| !v.starts_with("backbone "))
            .collect();
        if !broken.is_empty() {
            return Err(refuse(broken.join("; ")));
        }
        let start =
            chrono::NaiveDate::from_ymd_opt(year, 9, 1).ok_or_else(|| refuse(format!("{year}")))?;
        let mut tx = self.begin_write().await?;
        let mut ids = vec![];
        let now = crate::now();
        for (t, j, term) in moves {
            let busy: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM exchanges WHERE teacher_id = $1 AND status IN ('planned', 'active')",
            )
            .bind(*t)
            .fetch_one(&mut *tx)
            .await?;
            if busy > 0 {
                return Err(refuse(format!("教师{t}已有计划中或进行中的交流")));
            }
            let info = inputs.teachers.get(t).ok_or(StoreError::NotFound)?;
            let end = chrono::NaiveDate::from_ymd_opt(year + i32::from(*term), 8, 31)
                .ok_or_else(|| refuse(format!("{year}")))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO exchanges (teacher_id, from_school_id, to_school_id, kind, subject, start_on, end_on, weekly_pattern, status, note, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'long_term', $4, $5, $6, '', 'planned', $7, $8, $8) RETURNING id",
            )
            .bind(*t)
            .bind(info.school_id)
            .bind(*j)
            .bind(info.main_subject.clone())
            .bind(start.to_string())
            .bind(end.to_string())
            .bind(format!("{year}学年交流轮岗方案"))
            .bind(now.clone())
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        crate::audit::record(
            &mut tx,
            actor,
            crate::audit::Change {
                action: "accept_plan",
                entity: "rotation_plan",
                entity_id: Some(region_id),
                region_path: &inputs.region.path,
                summary: format!(
                    "{} {}学年交流轮岗方案：{} 名教师",
                    inputs.region.name,
                    year,
                    ids.len()
                ),
                before: None,
                after: Some(serde_json::json!({
                    "year": year,
                    "exchanges": ids,
                    "moves": moves.iter().map(|(t, j, term)| serde_json::json!({"teacher": t, "to": j, "term_years": term})).collect::<Vec<_>>(),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }
}

/// Adds locks `(teacher id, school id)` and forbids `(teacher id, None | Some(school id))` (registry
/// ids) to the input; schools outside the input are skipped.
pub fn constrain(
    inputs: &mut RotationInputs,
    locks: &[(i64, i64)],
    forbids: &[(i64, Option<i64>)],
) {
    for (t, j) in locks {
        if let Some(k) = inputs.school_key.get(j) {
            inputs.input.locks.push(Lock {
                teacher: t.to_string(),
                to: k.clone(),
                term_years: None,
            });
        }
    }
    for (t, j) in forbids {
        let f = match j {
            None => Forbid::Teacher {
                teacher: t.to_string(),
            },
            Some(j) => match inputs.school_key.get(j) {
                Some(k) => Forbid::Destination {
                    teacher: t.to_string(),
                    school: k.clone(),
                },
                None => continue,
            },
        };
        inputs.input.forbids.push(f);
    }
}

/// Runs the planner with a wall-clock limit; `tick` is called between passes (for a progress bar).
pub fn solve(
    input: &PlanInput,
    limit: std::time::Duration,
    tick: &mut dyn FnMut(f64),
) -> std::result::Result<Plan, StoreError> {
    let start = std::time::Instant::now();
    // Polish (more search, more dual steps) until the proven gap is ≤ 0.5 % or the limit is reached.
    let opts = gongjin_rotation::PlanOptions {
        bound_iterations: 300,
        polish_cycles: 1000,
        ..Default::default()
    };
    let mut stop = || {
        let f = start.elapsed().as_secs_f64() / limit.as_secs_f64().max(1e-3);
        tick(f.min(1.0));
        f >= 1.0
    };
    gongjin_rotation::plan_with_stop(input, &opts, &mut stop)
        .map_err(|e| StoreError::conflict("error.conflict", e.to_string()))
}

fn stage_zh(s: BalanceStage) -> &'static str {
    s.label_zh()
}

fn indicator_zh(i: gongjin_balance::Indicator) -> &'static str {
    i.label_zh()
}

fn name_of(_inputs: &RotationInputs, school: &str) -> String {
    school.to_owned()
}

fn teacher_of(inputs: &RotationInputs, t: &str) -> String {
    t.parse::<i64>()
        .ok()
        .and_then(|id| inputs.teachers.get(&id))
        .map(|t| t.name.clone())
        .unwrap_or_else(|| t.to_owned())
}

/// A workbook sheet: name, headers, rows.
pub type Sheet = (&'static str, Vec<&'static str>, Vec<Vec<Cell>>);

/// The workbook sheets of a proposal: (sheet name, headers, rows) for moves, CV and quotas.
pub fn sheets(inputs: &RotationInputs, plan: &Plan) -> Vec<Sheet> {
    let moves = plan
        .moves
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(teacher_of(inputs, &m.teacher)),
                Cell::Text(m.teacher.clone()),
                Cell::Text(name_of(inputs, &m.from)),
                Cell::Text(name_of(inputs, &m.to)),
                Cell::Text(stage_zh(m.stage).into()),
                Cell::Int(i64::from(m.term_years)),
                Cell::Float((m.distance_km * 10.0).round() / 10.0),
                Cell::Text(if m.backbone { "是" } else { "否" }.into()),
                Cell::Text(if m.higher_degree { "是" } else { "否" }.into()),
                Cell::Text(if m.locked { "是" } else { "否" }.into()),
                Cell::Text(m.reasons.join("；")),
            ]
        })
        .collect();
    let cv = plan
        .cv
        .iter()
        .map(|c| {
            vec![
                Cell::Text(stage_zh(c.stage).into()),
                Cell::Text(indicator_zh(c.indicator).into()),
                Cell::Float((c.before * 10000.0).round() / 10000.0),
                Cell::Float((c.after * 10000.0).round() / 10000.0),
                Cell::Float(c.cv_threshold),
                Cell::Text(if c.pass_after { "达标" } else { "未达标" }.into()),
            ]
        })
        .collect();
    let quotas = plan
        .quotas
        .iter()
        .map(|q| {
            vec![
                Cell::Text(name_of(inputs, &q.school)),
                Cell::Int(i64::from(q.eligible)),
                Cell::Int(i64::from(q.required)),
                Cell::Int(i64::from(q.sent)),
                Cell::Text(if q.met { "达标" } else { "未达标" }.into()),
            ]
        })
        .collect();
    vec![
        (
            "交流方案",
            vec![
                "序号",
                "教师",
                "教师ID",
                "派出学校",
                "接收学校",
                "学段",
                "任期（年）",
                "距离（公里）",
                "骨干",
                "高于规定学历",
                "锁定",
                "理由",
            ],
            moves,
        ),
        (
            "差异系数",
            vec!["学段", "指标", "交流前", "交流后", "标准", "交流后是否达标"],
            cv,
        ),
        (
            "交流比例",
            vec!["学校", "符合条件教师", "应交流", "方案交流", "是否达标"],
            quotas,
        ),
    ]
}

/// Every hard rule the plan breaks, checked independently of the planner by
/// [`gongjin_rotation::evaluate_moves`] with the plan's enforced quotas (empty for a good plan).
pub fn check(inputs: &RotationInputs, plan: &Plan) -> Vec<String> {
    let pairs: Vec<(String, String)> = plan
        .moves
        .iter()
        .map(|m| (m.teacher.clone(), m.to.clone()))
        .collect();
    let enforced: BTreeMap<String, u32> = plan
        .quotas
        .iter()
        .map(|q| (q.school.clone(), q.enforced))
        .collect();
    match gongjin_rotation::evaluate_moves(&inputs.input, &pairs, Some(&enforced)) {
        Ok(e) => e
            .violations
            .into_iter()
            .filter(|v| !v.starts_with("backbone ") || plan.compliance.backbone_met)
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// The `--json` document: the proposal, its objective with the bound and gap, before/after CV per
/// stage and indicator, and quota compliance.
pub fn json(inputs: &RotationInputs, plan: &Plan, seconds: f64) -> serde_json::Value {
    serde_json::json!({
        "violations": check(inputs, plan),
        "region": { "id": inputs.region.id, "name": inputs.region.name },
        "year": inputs.year,
        "policy": inputs.input.policy,
        "teachers": inputs.input.teachers.len(),
        "schools": inputs.input.schools.len(),
        "notes": inputs.notes,
        "proposal": plan.moves,
        "objective": plan.objective,
        "bound": plan.lower_bound,
        "gap": plan.gap,
        "cv": plan.cv,
        "quotas": plan.quotas,
        "compliance": plan.compliance,
        "infeasibilities": plan.infeasibilities,
        "seconds": seconds,
    })
}
