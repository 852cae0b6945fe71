//! The server-rendered UI (Simplified Chinese by default, English selectable). Pages share one
//! layout ([`Shell`]); text comes from the catalogue through [`Tr`]; forms carry a CSRF token.

pub mod activities;
pub mod assessment;
pub mod audit;
pub mod calendar;
pub mod common;
pub mod communities;
pub mod exchanges;
pub mod import;
pub mod meetings;
pub mod mentorships;
pub mod pages;
pub mod planning;
pub mod projects;
pub mod rotation;
pub mod schools;
pub mod support;
pub mod sync_lessons;
pub mod teachers;
pub mod unified_tests;
pub mod users;
// Shared courses and resources; students.
pub mod courses;
pub mod students;
// Balance monitoring (优质均衡).
pub mod balance;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub use common::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(pages::login_form).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/lang/{tag}", get(pages::set_lang))
        .route("/", get(pages::dashboard))
        .route("/coverage-targets", post(pages::set_targets))
        .route("/account", get(pages::account).post(pages::account_submit))
        .route("/account/tokens", post(pages::token_create))
        .route("/account/tokens/{id}/delete", post(pages::token_delete))
        .route("/schools", get(schools::list))
        .route("/schools/new", get(schools::new_form).post(schools::create))
        .route("/schools/{id}", get(schools::detail))
        .route(
            "/schools/{id}/edit",
            get(schools::edit_form).post(schools::update),
        )
        .route("/schools/{id}/delete", post(schools::delete))
        .merge(teachers::router())
        .merge(communities::router())
        .merge(users::router())
        .merge(exchanges::router())
        .merge(planning::router())
        .merge(rotation::router())
        .merge(meetings::router())
        .merge(activities::router())
        .merge(projects::router())
        .merge(unified_tests::router())
        .merge(assessment::router())
        .merge(calendar::router())
        .merge(support::router())
        .merge(sync_lessons::router())
        .merge(mentorships::router())
        .merge(audit::router())
        .merge(import::router())
        .merge(courses::router())
        .merge(students::router())
        .merge(balance::router())
}
