use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gongjin_domain::Role;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::UserFields;
use gongjin_store::records::{ApiToken, User};
use gongjin_store::users::UserPatch;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Accounts within the caller's region (bureau administrators and inspectors).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<UserQuery>,
) -> Result<Json<UserPage>, AppError> {
    if c.principal.region_prefix().is_none() {
        return Err(AppError::forbidden());
    }
    let page = q.page.unwrap_or(1).max(1);
    let per = q.per_page.unwrap_or(20).clamp(1, 200);
    let p = st
        .store
        .list_users(&c.visible(), q.q.as_deref(), page, per)
        .await?;
    Ok(Json(UserPage {
        items: p.items,
        total: p.total,
        page,
        per_page: per,
    }))
}

/// Creates an account within the caller's region. `role` is one of `bureau_admin`,
/// `community_lead`, `school_coordinator`, `teacher`, `inspector`; `scope_id` the id of its
/// region, community, school or teacher.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserFields,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<UserFields>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let f = body(b)?;
    let u = f.validate()?;
    let place = st
        .store
        .place_of_scope(u.role, u.scope_id)
        .await
        .map_err(|_| AppError::field("scope_id", "error.scope_missing", None))?;
    c.require(Action::Write, Resource::User, &place)?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_user(&c.actor(), &u).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<User>, AppError> {
    if id != c.principal.user_id {
        c.require(
            Action::Read,
            Resource::User,
            &st.store.place_of_user(id).await?,
        )?;
    }
    Ok(Json(st.store.get_user(id).await?))
}

/// Changes an account (role, scope, name, active, password). Callers may change their own password.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<UserPatch>, JsonRejection>,
) -> Result<Json<User>, AppError> {
    let p = body(b)?;
    let own_password_only =
        id == c.principal.user_id && p.role.is_none() && p.scope_id.is_none() && p.active.is_none();
    if !own_password_only {
        c.require(
            Action::Write,
            Resource::User,
            &st.store.place_of_user(id).await?,
        )?;
        if p.role.is_some() || p.scope_id.is_some() {
            let before = st.store.get_user(id).await?;
            let role = p.role.as_deref().unwrap_or(&before.role);
            let role = Role::parse(role)
                .ok_or_else(|| AppError::field("role", "error.choice", Some(role.to_owned())))?;
            let scope = p.scope_id.unwrap_or(before.scope_id);
            let place = st
                .store
                .place_of_scope(role, scope)
                .await
                .map_err(|_| AppError::field("scope_id", "error.scope_missing", None))?;
            c.require(Action::Write, Resource::User, &place)?;
        }
    }
    Ok(Json(st.store.update_user(&c.actor(), id, &p).await?))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if id == c.principal.user_id {
        return Err(AppError::forbidden());
    }
    c.require(
        Action::Write,
        Resource::User,
        &st.store.place_of_user(id).await?,
    )?;
    st.store.delete_user(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's own API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "users", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(
    State(st): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(st.store.list_api_tokens(c.principal.user_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// The token itself, shown only now: send it as `Authorization: Bearer <token>`.
    pub secret: String,
}

/// Creates an API token for scripts acting as the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "users", request_body = TokenBody, responses((status = 201, body = NewToken)))]
pub async fn create_token(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<TokenBody>, JsonRejection>,
) -> Result<(StatusCode, Json<NewToken>), AppError> {
    let name = gongjin_domain::parse_name("name", &body(b)?.name)
        .map_err(gongjin_domain::ValidationErrors::from)?;
    let (token, secret) = st
        .store
        .create_api_token(&c.actor(), c.principal.user_id, &name)
        .await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, secret })))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    st.store
        .delete_api_token(&c.actor(), c.principal.user_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
