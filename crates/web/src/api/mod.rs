//! The JSON API under `/api/v1`. Every handler: parse, resolve the record's place, check the
//! caller's scope, call the store. The OpenAPI document is collected from the same routes.

pub(crate) mod activities;
pub(crate) mod assessment;
pub(crate) mod auth;
pub(crate) mod calendar;
pub(crate) mod communities;
pub(crate) mod dashboard;
pub(crate) mod exchanges;
pub(crate) mod meetings;
pub(crate) mod mentorships;
pub(crate) mod misc;
pub(crate) mod projects;
pub(crate) mod regions;
pub(crate) mod schools;
pub(crate) mod support;
pub(crate) mod sync_lessons;
pub(crate) mod teachers;
pub(crate) mod unified_tests;
pub(crate) mod users;
// Shared courses and resources; students.
pub(crate) mod courses;
pub(crate) mod students;
// Balance monitoring (优质均衡).
pub(crate) mod balance;

use crate::AppState;
use crate::error::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Gongjin 共进 API", description = "教共体管理平台 JSON API. Sign in with POST /api/v1/auth/login (session cookie) or send `Authorization: Bearer <token>`."),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(regions::list, regions::create))
        .routes(routes!(regions::get, regions::patch, regions::delete))
        .routes(routes!(regions::coverage))
        .routes(routes!(dashboard::region_dashboard))
        .routes(routes!(regions::get_targets, regions::put_targets))
        .routes(routes!(regions::get_kinds, regions::put_kinds))
        .routes(routes!(schools::list, schools::create))
        .routes(routes!(schools::get, schools::patch, schools::delete))
        .routes(routes!(teachers::list, teachers::create))
        .routes(routes!(teachers::get, teachers::patch, teachers::delete))
        .routes(routes!(communities::list, communities::create))
        .routes(routes!(
            communities::get,
            communities::patch,
            communities::delete
        ))
        .routes(routes!(communities::add_member))
        .routes(routes!(
            communities::patch_member,
            communities::remove_member
        ))
        .routes(routes!(communities::add_seat))
        .routes(routes!(communities::remove_seat))
        .routes(routes!(
            communities::list_documents,
            communities::upload_document
        ))
        .routes(routes!(
            communities::download_document,
            communities::delete_document
        ))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::patch, users::delete))
        .routes(routes!(users::list_tokens, users::create_token))
        .routes(routes!(users::delete_token))
        .routes(routes!(misc::audit))
        .routes(routes!(misc::export))
        .routes(routes!(misc::template))
        .routes(routes!(misc::import))
        .routes(routes!(exchanges::list, exchanges::create))
        .routes(routes!(exchanges::export))
        .routes(routes!(exchanges::get, exchanges::patch, exchanges::delete))
        .routes(routes!(exchanges::put_feedback))
        .routes(routes!(exchanges::hours, exchanges::add_hours))
        .routes(routes!(exchanges::delete_hours))
        .routes(routes!(exchanges::quotas))
        .routes(routes!(exchanges::get_rules, exchanges::put_rules))
        .routes(routes!(meetings::list, meetings::create))
        .routes(routes!(meetings::export))
        .routes(routes!(meetings::get, meetings::patch, meetings::delete))
        .routes(routes!(meetings::add_decision))
        .routes(routes!(meetings::patch_decision, meetings::delete_decision))
        .routes(routes!(mentorships::list, mentorships::create))
        .routes(routes!(mentorships::export))
        .routes(routes!(
            mentorships::get,
            mentorships::patch,
            mentorships::delete
        ))
        .routes(routes!(mentorships::add_task))
        .routes(routes!(mentorships::patch_task))
        .routes(routes!(mentorships::add_evaluation))
        .routes(routes!(activities::list, activities::create))
        .routes(routes!(activities::export))
        .routes(routes!(activities::create_series))
        .routes(routes!(
            activities::get,
            activities::patch,
            activities::delete
        ))
        .routes(routes!(activities::upload_file))
        .routes(routes!(activities::download_file, activities::delete_file))
        .routes(routes!(activities::add_reflection))
        .routes(routes!(activities::kinds, activities::add_kind))
        .routes(routes!(sync_lessons::list, sync_lessons::create))
        .routes(routes!(sync_lessons::export))
        .routes(routes!(sync_lessons::counts))
        .routes(routes!(
            sync_lessons::get,
            sync_lessons::patch,
            sync_lessons::delete
        ))
        .routes(routes!(support::list_offers, support::create_offer))
        .routes(routes!(support::get_offer, support::patch_offer))
        .routes(routes!(support::list_orders, support::create_order))
        .routes(routes!(support::export))
        .routes(routes!(support::move_order))
        .routes(routes!(calendar::calendar))
        .routes(routes!(calendar::export))
        .routes(routes!(calendar::list_feeds, calendar::create_feed))
        .routes(routes!(calendar::revoke_feed))
        .routes(routes!(calendar::get_periods, calendar::put_periods))
        .routes(routes!(calendar::free_time))
        .routes(routes!(calendar::import_periods))
        .routes(routes!(calendar::periods_template))
        .routes(routes!(calendar::dashboard))
        .routes(routes!(calendar::term_report))
        // Shared courses and resources; students (community operations, parts 6 and 8).
        .routes(routes!(courses::list, courses::create))
        .routes(routes!(courses::totals))
        .routes(routes!(courses::export))
        .routes(routes!(courses::get, courses::patch, courses::delete))
        .routes(routes!(courses::deliveries, courses::add_delivery))
        .routes(routes!(courses::delete_delivery))
        .routes(routes!(courses::list_resources, courses::upload_resource))
        .routes(routes!(courses::export_resources))
        .routes(routes!(courses::get_resource, courses::delete_resource))
        .routes(routes!(courses::download_resource))
        .routes(routes!(students::list_pairings, students::create_pairing))
        .routes(routes!(students::export_pairings))
        .routes(routes!(
            students::get_pairing,
            students::patch_pairing,
            students::delete_pairing
        ))
        .routes(routes!(students::list_events, students::create_event))
        .routes(routes!(students::export_events))
        .routes(routes!(students::get_event, students::delete_event))
        .routes(routes!(students::list_groups, students::create_group))
        .routes(routes!(students::export_groups))
        .routes(routes!(
            students::get_group,
            students::patch_group,
            students::delete_group
        ))
        .routes(routes!(students::add_note))
        .routes(routes!(students::get_fund))
        .routes(routes!(students::list_funds))
        .routes(routes!(students::donate))
        .routes(routes!(students::disburse))
        .routes(routes!(students::reverse))
        .routes(routes!(students::export_fund))
        .routes(routes!(assessment::assessment))
        .routes(routes!(assessment::ranking))
        .routes(routes!(assessment::development_index))
        .routes(routes!(assessment::get_standard, assessment::put_standard))
        .routes(routes!(assessment::put_manual))
        .routes(routes!(unified_tests::list, unified_tests::create))
        .routes(routes!(unified_tests::value_added))
        .routes(routes!(unified_tests::get, unified_tests::delete))
        .routes(routes!(unified_tests::import_scores))
        .routes(routes!(unified_tests::export))
        // Balance monitoring (优质均衡).
        .routes(routes!(balance::get))
        .routes(routes!(balance::what_if))
        .routes(routes!(balance::get_rules, balance::put_rules))
        .routes(routes!(projects::list, projects::create))
        .routes(routes!(projects::get, projects::patch))
        .routes(routes!(projects::move_project))
        .routes(routes!(misc::healthz))
        .routes(routes!(misc::openapi))
        .split_for_parts()
}

/// Reads a JSON body, turning a malformed one into a 400 in the caller's language.
pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(v)| v)
        .map_err(|e| AppError::bad_request(e.body_text()))
}

/// Applies a JSON merge patch to `base` and reads the result as `T`.
pub(crate) fn merge<T: serde::Serialize + DeserializeOwned>(
    base: &T,
    patch: serde_json::Value,
) -> Result<T, AppError> {
    let mut v = serde_json::to_value(base).map_err(AppError::bad_request)?;
    let serde_json::Value::Object(p) = patch else {
        return Err(AppError::bad_request("expected a JSON object"));
    };
    if let serde_json::Value::Object(m) = &mut v {
        for (k, val) in p {
            if !m.contains_key(&k) {
                return Err(AppError::bad_request(format!("unknown field `{k}`")));
            }
            m.insert(k, val);
        }
    }
    serde_json::from_value(v).map_err(AppError::bad_request)
}
