//! Balance monitoring (优质均衡) page: per stage the seven indicators' weighted CV against the threshold (table
//! and chart), the per-school table coloured against the thresholds with the ≥6-of-7 verdict and registry
//! disagreements, its xlsx export, the what-if of teacher moves, and the region's balance rules (shown as text;
//! a form for those who may write the region's settings). Bureau administrators and inspectors of the region;
//! other roles get 403.

use super::common::*;
use crate::AppState;
use crate::api::balance::resolve;
use crate::auth::Caller;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_sheet::{Cell, Format};
use gongjin_store::conditions::{
    BalanceRuleSettings, BalanceView, MoveInput, RegionBalanceRules, WhatIfView,
};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/balance", get(page))
        .route("/balance/export", get(export))
        .route("/balance/what-if", post(what_if))
        .route("/balance/rules", post(save_rules))
}

#[derive(Deserialize, Default)]
pub struct BalanceParams {
    pub region_id: Option<i64>,
    pub year: Option<i32>,
    pub notice: Option<String>,
}

/// One coloured cell of the per-school table.
pub struct ValueCell {
    pub text: String,
    /// `ok` (met), `near` (≥ 85 % of the threshold), `low`.
    pub class: &'static str,
}

pub struct PartRow {
    pub school_id: i64,
    pub name: String,
    pub code: String,
    pub enrolment: i64,
    pub included: bool,
    pub cells: Vec<ValueCell>,
    pub met_count: usize,
    pub meets: bool,
    /// Registry disagreements, as text.
    pub registry: Vec<String>,
}

pub struct IndicatorRow {
    pub key: String,
    pub label: String,
    pub threshold: String,
    pub mean: String,
    pub cv: String,
    pub pass: bool,
}

pub struct StageBlock {
    pub stage: String,
    pub label: String,
    pub cv_threshold: String,
    pub included: usize,
    pub meeting: usize,
    pub all_pass: bool,
    pub indicators: Vec<IndicatorRow>,
    pub chart: String,
    pub parts: Vec<PartRow>,
}

pub struct WhatIfRow {
    pub label: String,
    pub cv_threshold: String,
    pub before: String,
    pub after: String,
    pub pass_before: bool,
    pub pass_after: bool,
}

pub struct WhatIfBlock {
    pub moves: Vec<String>,
    pub stages: Vec<(String, Vec<WhatIfRow>)>,
}

#[derive(Template)]
#[template(path = "balance.html")]
struct BalancePage {
    shell: Shell,
    region_id: i64,
    region_name: String,
    year: i32,
    years: Vec<i32>,
    regions: Vec<Opt>,
    /// The rules in force as a sentence, and where they come from.
    rules_text: String,
    rules_source: String,
    /// The rules form: shown to callers who may write the region's settings.
    can_edit_rules: bool,
    rules: RuleFields,
    rule_errors: FormErrors,
    headers: Vec<String>,
    stages: Vec<StageBlock>,
    moves_text: String,
    planned: bool,
    higher_degree: bool,
    what_if: Option<WhatIfBlock>,
    what_if_error: Option<String>,
}

/// The rules form's values as entered (kept on an error so the user can fix them).
pub struct RuleFields {
    pub min_met: String,
    pub floor_share: String,
    pub min_enrolment: String,
    pub cv_threshold_primary: String,
    pub cv_threshold_junior: String,
}

impl RuleFields {
    fn of(r: &BalanceRuleSettings) -> Self {
        RuleFields {
            min_met: r.min_met.to_string(),
            floor_share: r.floor_share.to_string(),
            min_enrolment: r.min_enrolment.to_string(),
            cv_threshold_primary: r.cv_threshold_primary.to_string(),
            cv_threshold_junior: r.cv_threshold_junior.to_string(),
        }
    }
}

/// Fills a catalogue text's `{}` markers in order.
fn fill(text: &str, args: &[String]) -> String {
    args.iter()
        .fold(text.to_owned(), |t, a| t.replacen("{}", a, 1))
}

/// The rules in force as a sentence, and their source.
fn rules_text(tr: Tr, r: &RegionBalanceRules) -> (String, String) {
    let x = &r.rules;
    let text = fill(
        tr.t("balance.rules_in_force"),
        &[
            x.min_met.to_string(),
            gongjin_evaluation::fmt_num(x.floor_share * 100.0),
            x.min_enrolment.to_string(),
            format!("{:.2}", x.cv_threshold_primary),
            format!("{:.2}", x.cv_threshold_junior),
        ],
    );
    let source = match r.source.as_str() {
        "own" => tr.t("balance.rules_source_own").to_owned(),
        "inherited" => tr.tf(
            "balance.rules_source_inherited",
            &r.source_region_name.clone().unwrap_or_default(),
        ),
        _ => tr.t("balance.rules_source_national").to_owned(),
    };
    (text, source)
}

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

async fn default_region(st: &AppState, c: &Caller) -> Result<i64, crate::error::AppError> {
    if c.principal.scope_id > 0 && c.principal.region_prefix().is_some() {
        return Ok(c.principal.scope_id);
    }
    // The installation's administrator: the first county it can see.
    let regions = st.store.list_regions(&c.visible(), None).await?;
    Ok(regions
        .iter()
        .find(|r| r.level == "county")
        .or(regions.first())
        .map_or(0, |r| r.id))
}

fn blocks(tr: Tr, v: &BalanceView) -> Vec<StageBlock> {
    let stage_label = |s: &str| tr.label("stage", s);
    v.stages
        .iter()
        .map(|s| StageBlock {
            stage: s.stage.clone(),
            label: stage_label(&s.stage),
            cv_threshold: format!("{:.2}", s.cv_threshold),
            included: s.included_parts,
            meeting: s.parts_meeting_standard,
            all_pass: s.all_cv_pass,
            indicators: s
                .indicators
                .iter()
                .map(|i| IndicatorRow {
                    key: i.key.clone(),
                    label: tr.t(&format!("balance.ind_{}", i.key)).to_owned(),
                    threshold: fmt(i.threshold),
                    mean: fmt(i.mean),
                    cv: format!("{:.3}", i.cv),
                    pass: i.pass,
                })
                .collect(),
            chart: crate::charts::cv_bars(
                &s.indicators
                    .iter()
                    .map(|i| (tr.t(&format!("balance.ind_{}", i.key)).to_owned(), i.cv))
                    .collect::<Vec<_>>(),
                s.cv_threshold,
                &format!("≤{:.2}", s.cv_threshold),
            ),
            parts: s
                .parts
                .iter()
                .map(|p| PartRow {
                    school_id: p.school_id,
                    name: p.school_name.clone(),
                    code: p.school_code.clone(),
                    enrolment: p.enrolment,
                    included: p.included,
                    cells: p
                        .values
                        .iter()
                        .map(|x| ValueCell {
                            text: fmt(x.value),
                            class: if x.met {
                                "ok"
                            } else if x.share >= v.floor_share - 1e-9 {
                                "near"
                            } else {
                                "low"
                            },
                        })
                        .collect(),
                    met_count: p.met_count,
                    meets: p.meets_standard,
                    registry: p
                        .registry
                        .iter()
                        .map(|d| {
                            format!(
                                "{}：{} {} / {} {}",
                                tr.t(&format!("balance.fig_{}", d.figure)),
                                tr.t("balance.imported"),
                                d.imported,
                                tr.t("balance.registry"),
                                d.registry
                            )
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn headers(tr: Tr) -> Vec<String> {
    gongjin_store::conditions::indicator_keys()
        .iter()
        .map(|k| tr.t(&format!("balance.ind_{k}")).to_owned())
        .collect()
}

async fn build(
    st: &AppState,
    c: &Caller,
    q: &BalanceParams,
) -> Result<BalancePage, crate::error::AppError> {
    let region_id = match q.region_id {
        Some(r) => r,
        None => default_region(st, c).await?,
    };
    let year = resolve(st, c, region_id, q.year).await?;
    let v = st.store.balance(region_id, year).await?;
    let tr = Tr(c.locale);
    let (rules_text, rules_source) = rules_text(tr, &v.rules);
    let can_edit_rules = c.may(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(region_id).await?,
    );
    let mut years = v.years.clone();
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(BalancePage {
        shell: Shell::new(c, "balance").with_notice(q.notice.as_deref()),
        region_id,
        region_name: v.region_name.clone(),
        year,
        years,
        regions: region_opts(st, c, &region_id.to_string()).await?,
        rules_text,
        rules_source,
        can_edit_rules,
        rules: RuleFields::of(&v.rules.rules),
        rule_errors: FormErrors::default(),
        headers: headers(tr),
        stages: blocks(tr, &v),
        moves_text: String::new(),
        planned: false,
        higher_degree: true,
        what_if: None,
        what_if_error: None,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<BalanceParams>,
) -> PageResult {
    render(&build(&st, &c, &q).await.or_page(&c)?)
}

/// The per-school table of every stage as one xlsx sheet.
pub async fn export(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<BalanceParams>,
) -> PageResult {
    let region_id = match q.region_id {
        Some(r) => r,
        None => default_region(&st, &c).await.or_page(&c)?,
    };
    let year = resolve(&st, &c, region_id, q.year).await.or_page(&c)?;
    let v = st.store.balance(region_id, year).await.or_page(&c)?;
    let tr = Tr(c.locale);
    let mut head: Vec<String> = ["学段", "学校名称", "学校标识码", "在校生数"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    head.extend(headers(tr));
    head.extend(
        ["达标项数", "是否达标", "纳入计算", "与教师库不一致"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    let mut rows = vec![];
    for s in &blocks(tr, &v) {
        for p in &s.parts {
            let mut r: Vec<Cell> = vec![
                s.label.clone().into(),
                p.name.clone().into(),
                p.code.clone().into(),
                Cell::Int(p.enrolment),
            ];
            let part = v
                .stages
                .iter()
                .find(|x| x.stage == s.stage)
                .and_then(|x| x.parts.iter().find(|y| y.school_id == p.school_id));
            if let Some(part) = part {
                r.extend(
                    part.values
                        .iter()
                        .map(|x| Cell::Float((x.value * 100.0).round() / 100.0)),
                );
            }
            r.push(Cell::Int(p.met_count as i64));
            r.push(if p.meets { "达标" } else { "未达标" }.into());
            r.push(
                if p.included {
                    "是"
                } else {
                    "否（人数不足）"
                }
                .into(),
            );
            r.push(p.registry.join("；").into());
            rows.push(r);
        }
    }
    let refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let bytes = gongjin_sheet::write_xlsx("优质均衡", &refs, &rows)
        .map_err(|e| crate::error::AppError {
            message_override: Some(e.message(c.locale)),
            ..crate::error::AppError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "error.internal",
            )
        })
        .or_page(&c)?;
    Ok(crate::uploads::attachment(
        bytes,
        Format::Xlsx.content_type(),
        &format!("{}_{}学年_优质均衡.xlsx", v.region_name, year),
    ))
}

/// Parses the hand-entered moves: one per line, `教师编号 学校标识码 [小学|初中]`.
async fn parse_moves(
    st: &AppState,
    text: &str,
    higher_degree: bool,
) -> Result<Vec<MoveInput>, String> {
    let mut out = vec![];
    for (i, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '→')
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            continue;
        }
        if parts.len() < 2 {
            return Err(format!(
                "第{}行：应为“教师编号 学校标识码 [小学|初中]”",
                i + 1
            ));
        }
        let school = st
            .store
            .school_by_code(parts[1])
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("第{}行：没有学校标识码为“{}”的学校", i + 1, parts[1]))?;
        let to_stage = match parts.get(2) {
            None => None,
            Some(s) => Some(
                gongjin_sheet::parse_balance_stage(s)
                    .ok_or_else(|| format!("第{}行：学段应为 小学 或 初中", i + 1))?
                    .to_owned(),
            ),
        };
        out.push(MoveInput {
            staff_number: parts[0].to_owned(),
            to_school_id: school.id,
            to_stage,
            higher_degree,
        });
    }
    Ok(out)
}

fn what_if_block(tr: Tr, w: &WhatIfView) -> WhatIfBlock {
    WhatIfBlock {
        moves: w
            .moves
            .iter()
            .map(|m| {
                let mut flags = vec![];
                if m.backbone {
                    flags.push(tr.t("balance.fig_backbone_teachers"));
                }
                if m.pe_art {
                    flags.push(tr.t("balance.fig_pe_art_teachers"));
                }
                if m.higher_degree {
                    flags.push(tr.t("balance.higher_degree"));
                }
                format!(
                    "{} {}：{} → {}（{}）",
                    m.staff_number,
                    m.teacher_name,
                    m.from_school,
                    m.to_school,
                    flags.join("、")
                )
            })
            .collect(),
        stages: w
            .stages
            .iter()
            .map(|s| {
                (
                    tr.label("stage", &s.stage),
                    s.indicators
                        .iter()
                        .map(|i| WhatIfRow {
                            label: tr.t(&format!("balance.ind_{}", i.key)).to_owned(),
                            cv_threshold: format!("{:.2}", i.cv_threshold),
                            before: format!("{:.3}", i.cv_before),
                            after: format!("{:.3}", i.cv_after),
                            pass_before: i.pass_before,
                            pass_after: i.pass_after,
                        })
                        .collect(),
                )
            })
            .collect(),
    }
}

/// The what-if form: computes only, writes nothing (a CSRF token is still required, as for every form).
pub async fn what_if(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let q = BalanceParams {
        region_id: f.get("region_id").and_then(|s| s.trim().parse().ok()),
        year: f.get("year").and_then(|s| s.trim().parse().ok()),
        notice: None,
    };
    let mut page = build(&st, &c, &q).await.or_page(&c)?;
    page.moves_text = f.get("moves").cloned().unwrap_or_default();
    page.planned = f.contains_key("planned");
    page.higher_degree = f.contains_key("higher_degree");
    let tr = Tr(c.locale);
    match parse_moves(&st, &page.moves_text, page.higher_degree).await {
        Err(m) => page.what_if_error = Some(m),
        Ok(mut moves) => {
            if page.planned {
                moves.extend(
                    st.store
                        .planned_moves(page.region_id, page.year)
                        .await
                        .or_page(&c)?,
                );
            }
            match st
                .store
                .balance_what_if(page.region_id, page.year, &moves)
                .await
                .or_page(&c)?
            {
                Ok(w) => page.what_if = Some(what_if_block(tr, &w)),
                Err(p) => page.what_if_error = Some(p.0),
            }
        }
    }
    render(&page)
}

/// Reads the rules form: every field is required and must be a number; the ranges are checked by
/// [`BalanceRuleSettings::validate`].
fn parse_rules(
    f: &HashMap<String, String>,
) -> Result<BalanceRuleSettings, Vec<gongjin_domain::FieldError>> {
    let mut errs = vec![];
    let mut int = |k: &str| match opt_i64(f, k) {
        Ok(Some(v)) => v,
        Ok(None) => {
            errs.push(gongjin_domain::FieldError::new(k, "error.required"));
            0
        }
        Err(e) => {
            errs.push(e);
            0
        }
    };
    let min_met = int("min_met");
    let min_enrolment = int("min_enrolment");
    let mut num = |k: &str| match opt_f64(f, k) {
        Ok(Some(v)) => v,
        Ok(None) => {
            errs.push(gongjin_domain::FieldError::new(k, "error.required"));
            0.0
        }
        Err(e) => {
            errs.push(e);
            0.0
        }
    };
    let r = BalanceRuleSettings {
        min_met,
        floor_share: num("floor_share"),
        min_enrolment,
        cv_threshold_primary: num("cv_threshold_primary"),
        cv_threshold_junior: num("cv_threshold_junior"),
    };
    if let Err(v) = r.validate() {
        for e in v.0 {
            if !errs.iter().any(|x| x.field == e.field) {
                errs.push(e);
            }
        }
    }
    if errs.is_empty() { Ok(r) } else { Err(errs) }
}

/// Saves the region's balance rules (bureau administrators with the region's settings right), then shows the
/// page computed with them. Bad values are shown on the form, field by field, and nothing is saved.
pub async fn save_rules(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let q = BalanceParams {
        region_id: f.get("region_id").and_then(|s| s.trim().parse().ok()),
        year: f.get("year").and_then(|s| s.trim().parse().ok()),
        notice: None,
    };
    let Some(region_id) = q.region_id else {
        return Err(error_page(&crate::error::AppError::not_found(), c.locale));
    };
    let place = st.store.place_of_region(region_id).await.or_page(&c)?;
    c.require(Action::Write, Resource::RegionSettings, &place)
        .or_page(&c)?;
    match parse_rules(&f) {
        Ok(r) => {
            st.store
                .set_balance_rules(&c.actor(), region_id, &r)
                .await
                .or_page(&c)?;
            let year = q.year.map(|y| format!("&year={y}")).unwrap_or_default();
            Ok(see_other(
                &format!("/balance?region_id={region_id}{year}#balance-rules"),
                "notice.balance_rules_saved",
            ))
        }
        Err(errs) => {
            let mut page = build(&st, &c, &q).await.or_page(&c)?;
            let e = crate::error::AppError::validation(gongjin_domain::ValidationErrors(errs));
            page.rule_errors = FormErrors::from_error(&e, c.locale);
            let v = |k: &str| f.get(k).cloned().unwrap_or_default();
            page.rules = RuleFields {
                min_met: v("min_met"),
                floor_share: v("floor_share"),
                min_enrolment: v("min_enrolment"),
                cv_threshold_primary: v("cv_threshold_primary"),
                cv_threshold_junior: v("cv_threshold_junior"),
            };
            let mut resp = render(&page)?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}
