use crate::AppState;
use crate::auth::{
    Caller, ClientAddr, Lang, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// `bureau_admin`, `community_lead`, `school_coordinator`, `teacher`, `inspector`.
    pub role: String,
    pub scope_id: i64,
    pub community_id: Option<i64>,
    pub school_id: Option<i64>,
    pub teacher_id: Option<i64>,
    /// The CSRF token of this session (send it as `X-CSRF-Token` with multipart uploads).
    pub csrf_token: Option<String>,
}

fn me_of(c: &Caller) -> Me {
    Me {
        user_id: c.principal.user_id,
        username: c.principal.username.clone(),
        display_name: c.display_name.clone(),
        role: c.principal.role.key().into(),
        scope_id: c.principal.scope_id,
        community_id: c.principal.community_id,
        school_id: c.principal.school_id,
        teacher_id: c.principal.teacher_id,
        csrf_token: c.csrf.clone(),
    }
}

/// Signs in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    Lang(locale): Lang,
    ClientAddr(addr): ClientAddr,
    b: Result<Json<LoginBody>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let b = super::body(b).map_err(|e| e.in_locale(locale))?;
    let (_, token) = crate::auth::login(&st, &b.username, &b.password, &addr, locale).await?;
    let mut h = HeaderMap::new();
    h.insert(
        header::COOKIE,
        format!("{SESSION_COOKIE}={token}")
            .parse()
            .map_err(|_| AppError::bad_request("cookie"))?,
    );
    let caller = crate::auth::resolve(&st, &h)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&token))],
        Json(me_of(&caller)),
    ))
}

/// Signs out: ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie())],
    ))
}

/// The signed-in caller.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(me_of(&caller))
}
