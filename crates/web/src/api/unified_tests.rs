//! Unified tests (统一检测): tests of a community, score import, statistics per school and class
//! with the core–member gap, value added between two tests, and the xlsx export.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gongjin_domain::authz::{Action, Resource};
use gongjin_scores::{Bands, CoreGap, TestReport, ValueAdded};
use gongjin_store::unified_tests::{NewTest, TestRecord};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

pub(crate) async fn require_test(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<TestRecord, AppError> {
    let t = st.store.get_test(id).await?;
    c.require(
        action,
        Resource::Community,
        &st.store.place_of_community(t.community_id).await?,
    )?;
    Ok(t)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TestQuery {
    pub community_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/unified-tests", tag = "unified-tests", params(TestQuery), responses((status = 200, body = Vec<TestRecord>)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<TestQuery>,
) -> Result<Json<Vec<TestRecord>>, AppError> {
    Ok(Json(
        st.store.list_tests(&c.visible(), q.community_id).await?,
    ))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct TestFields {
    pub community_id: i64,
    pub title: String,
    pub subject: String,
    /// e.g. 五年级
    pub grade: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    pub full_marks: f64,
    pub pass_line: f64,
    pub excellent_line: f64,
    /// Default 40% of full marks.
    pub low_line: Option<f64>,
}

pub(crate) fn validate(f: &TestFields) -> Result<NewTest, AppError> {
    let mut e = gongjin_domain::ValidationErrors::default();
    let title = e.take(gongjin_domain::parse_name("test_title", &f.title));
    let subject = e.take(gongjin_domain::parse_name("subject", &f.subject));
    let grade = e.take(gongjin_domain::parse_name("grade", &f.grade));
    let held = e.take(gongjin_domain::parse_date("held_on", &f.held_on));
    let engine = gongjin_scores::UnifiedTest {
        subject: f.subject.clone(),
        grade: f.grade.clone(),
        date: held.unwrap_or_default(),
        full_marks: f.full_marks,
        pass_line: f.pass_line,
        excellent_line: f.excellent_line,
        low_score_line: f.low_line,
    };
    if let Err(x) = engine.validate() {
        e.push(gongjin_domain::FieldError::with(
            "full_marks",
            "error.test_lines",
            x.to_string(),
        ));
    }
    if !e.is_empty() {
        return Err(AppError::validation(e));
    }
    Ok(NewTest {
        community_id: f.community_id,
        title: title.unwrap_or_default(),
        subject: subject.unwrap_or_default(),
        grade: grade.unwrap_or_default(),
        held_on: held.map(|d| d.to_string()).unwrap_or_default(),
        full_marks: f.full_marks,
        pass_line: f.pass_line,
        excellent_line: f.excellent_line,
        low_line: f.low_line,
    })
}

/// Sets up a test for the community's schools (its lead or the bureau).
#[utoipa::path(post, path = "/api/v1/unified-tests", tag = "unified-tests", request_body = TestFields,
    responses((status = 201, body = TestRecord), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<TestFields>, JsonRejection>,
) -> Result<(StatusCode, Json<TestRecord>), AppError> {
    let f = body(b)?;
    let place = st
        .store
        .place_of_community(f.community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Community, &place)?;
    let t = validate(&f)?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_test(&c.actor(), &t).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct TestAnalysis {
    pub test: TestRecord,
    /// Overall, per school (with classes): count, mean, sample sd, rates, bands.
    #[schema(value_type = Object)]
    pub report: Option<TestReport>,
    /// Each member school against the core school.
    #[schema(value_type = Vec<Object>)]
    pub core_gaps: Vec<CoreGap>,
    pub school_names: HashMap<i64, String>,
    pub core_school_id: Option<i64>,
}

pub(crate) async fn analysis(st: &AppState, c: &Caller, id: i64) -> Result<TestAnalysis, AppError> {
    let test = require_test(st, c, Action::Read, id).await?;
    let rows = st.store.test_scores(id).await?;
    let detail = st.store.community_detail(test.community_id).await?;
    let core = detail
        .members
        .iter()
        .find(|m| m.role == "core")
        .map(|m| m.school_id);
    let school_names = detail
        .members
        .iter()
        .map(|m| (m.school_id, m.school_name.clone()))
        .collect();
    let report = if rows.is_empty() {
        None
    } else {
        gongjin_scores::analyse(&test.engine(), &rows, &Bands::default()).ok()
    };
    let core_gaps = match (&report, core) {
        (Some(r), Some(cid)) => gongjin_scores::core_member_gaps(r, cid).unwrap_or_default(),
        _ => vec![],
    };
    Ok(TestAnalysis {
        test,
        report,
        core_gaps,
        school_names,
        core_school_id: core,
    })
}

#[utoipa::path(get, path = "/api/v1/unified-tests/{id}", tag = "unified-tests", params(("id" = i64, Path)),
    responses((status = 200, body = TestAnalysis), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<TestAnalysis>, AppError> {
    Ok(Json(analysis(&st, &c, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/unified-tests/{id}", tag = "unified-tests", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_test(&st, &c, Action::Write, id).await?;
    st.store.delete_test(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    pub dry_run: Option<bool>,
}

pub(crate) async fn import_report(
    st: &AppState,
    c: &Caller,
    id: i64,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<gongjin_store::import::ImportReport, AppError> {
    require_test(st, c, Action::Write, id).await?;
    if bytes.is_empty() {
        return Err(AppError::field("file", "error.required", None));
    }
    let format = gongjin_sheet::Format::from_path(name)
        .ok_or_else(|| AppError::field("file", "error.file_type", Some(name.to_owned())))?;
    let table = gongjin_sheet::read_table(bytes, format, &gongjin_sheet::SCORE_REQUIRED)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    let (rows, errors) = gongjin_sheet::parse_score_rows(&table);
    Ok(st
        .store
        .import_scores(&c.actor(), id, rows, errors, dry_run)
        .await?)
}

/// Imports the students' scores (`学籍号 | 姓名 | 学校 | 班级 | 成绩`; 学校 by name or code; empty or
/// 缺考 for absent): replaces the test's scores, all or nothing; bad rows come back with 422 as
/// `第N行 列：原因`. Multipart field `file`.
#[utoipa::path(post, path = "/api/v1/unified-tests/{id}/scores", tag = "unified-tests", params(("id" = i64, Path), ImportQuery),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = Object)))]
pub async fn import_scores(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let (name, bytes, csrf) = crate::transfer::read_upload(mp).await?;
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(csrf)
        .unwrap_or_default();
    c.check_csrf(&token)?;
    let report = import_report(&st, &c, id, &name, &bytes, q.dry_run.unwrap_or(false)).await?;
    Ok(crate::transfer::report_response(report, c.locale))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueAddedQuery {
    /// The earlier test.
    pub earlier: i64,
    /// The later test.
    pub later: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ValueAddedReport {
    pub earlier: TestRecord,
    pub later: TestRecord,
    #[schema(value_type = Object)]
    pub value_added: ValueAdded,
    pub school_names: HashMap<i64, String>,
}

pub(crate) async fn value_added_of(
    st: &AppState,
    c: &Caller,
    earlier: i64,
    later: i64,
) -> Result<ValueAddedReport, AppError> {
    let e = require_test(st, c, Action::Read, earlier).await?;
    let l = require_test(st, c, Action::Read, later).await?;
    let (er, lr) = (
        st.store.test_scores(earlier).await?,
        st.store.test_scores(later).await?,
    );
    let detail = st.store.community_detail(l.community_id).await?;
    let community_of: BTreeMap<i64, i64> = er
        .iter()
        .chain(lr.iter())
        .map(|r| (r.school_id, l.community_id))
        .collect();
    let va = gongjin_scores::value_added((&e.engine(), &er), (&l.engine(), &lr), &community_of)
        .map_err(|x| AppError::field("later", "error.value_added", Some(x.to_string())))?;
    Ok(ValueAddedReport {
        earlier: e,
        later: l,
        value_added: va,
        school_names: detail
            .members
            .iter()
            .map(|m| (m.school_id, m.school_name.clone()))
            .collect(),
    })
}

/// Value added between two tests: standardise, match students, regress the later on the
/// earlier, average the residuals per school and community with a 95% interval.
#[utoipa::path(get, path = "/api/v1/unified-tests/value-added", tag = "unified-tests", params(ValueAddedQuery),
    responses((status = 200, body = ValueAddedReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn value_added(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ValueAddedQuery>,
) -> Result<Json<ValueAddedReport>, AppError> {
    Ok(Json(value_added_of(&st, &c, q.earlier, q.later).await?))
}

/// A test's statistics per school and class as Excel.
#[utoipa::path(get, path = "/api/v1/unified-tests/{id}/export", tag = "unified-tests", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = analysis(&st, &c, id).await?;
    use gongjin_sheet::Cell;
    let headers = [
        "学校",
        "班级",
        "参考人数",
        "缺考",
        "平均分",
        "标准差",
        "及格率",
        "优秀率",
        "低分率",
        "最高分",
        "最低分",
    ];
    let mut rows = vec![];
    let num = |v: Option<f64>| v.map(Cell::Float).unwrap_or(Cell::Empty);
    if let Some(r) = &a.report {
        for s in &r.schools {
            let name = a
                .school_names
                .get(&s.school_id)
                .cloned()
                .unwrap_or_default();
            let line = |class: &str, g: &gongjin_scores::GroupStats| {
                vec![
                    Cell::Text(name.clone()),
                    Cell::Text(class.to_owned()),
                    Cell::Int(g.count as i64),
                    Cell::Int(g.absent as i64),
                    num(g.mean),
                    num(g.sd),
                    num(g.pass_rate),
                    num(g.excellent_rate),
                    num(g.low_score_rate),
                    num(g.max),
                    num(g.min),
                ]
            };
            rows.push(line("全校", &s.stats));
            for cl in &s.classes {
                rows.push(line(&cl.class_label, &cl.stats));
            }
        }
    }
    let bytes = gongjin_sheet::write_xlsx("统一检测", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("{}_统计.xlsx", a.test.title),
    ))
}
