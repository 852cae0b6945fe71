//! The support menu (菜单式帮扶): offers and orders.

use super::body;
use crate::AppState;
use crate::api::activities::place_at;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongjin_domain::SupportOrderStatus;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::operations::{SupportOfferFields, SupportOrderFields};
use gongjin_store::support::{SupportOffer, SupportOrder, SupportQuery};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<SupportOffer>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<SupportOrder>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/support-offers", tag = "support", params(SupportQuery), responses((status = 200, body = OfferPage)))]
pub async fn list_offers(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<SupportQuery>,
) -> Result<Json<OfferPage>, AppError> {
    let p = st.store.list_support_offers(&c.visible(), &q).await?;
    Ok(Json(OfferPage {
        items: p.items,
        total: p.total,
    }))
}

/// Publishes an offer on the menu (the offering school's coordinator or the lead).
#[utoipa::path(post, path = "/api/v1/support-offers", tag = "support", request_body = SupportOfferFields,
    responses((status = 201, body = SupportOffer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_offer(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<SupportOfferFields>, JsonRejection>,
) -> Result<(StatusCode, Json<SupportOffer>), AppError> {
    let f = body(b)?;
    let place = place_at(&st, f.community_id, f.school_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Activity, &place)?;
    let o = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_support_offer(&c.actor(), &o).await?),
    ))
}

pub(crate) async fn require_offer(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<SupportOffer, AppError> {
    let o = st.store.get_support_offer(id).await?;
    c.require(
        action,
        Resource::Activity,
        &place_at(st, o.community_id, o.school_id).await?,
    )?;
    Ok(o)
}

#[utoipa::path(get, path = "/api/v1/support-offers/{id}", tag = "support", params(("id" = i64, Path)), responses((status = 200, body = SupportOffer), (status = 403, body = ErrorBody)))]
pub async fn get_offer(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SupportOffer>, AppError> {
    Ok(Json(require_offer(&st, &c, Action::Read, id).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OfferPatch {
    /// Open or close the offer for ordering.
    pub open: bool,
}

#[utoipa::path(patch, path = "/api/v1/support-offers/{id}", tag = "support", params(("id" = i64, Path)), request_body = OfferPatch,
    responses((status = 200, body = SupportOffer), (status = 403, body = ErrorBody)))]
pub async fn patch_offer(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<OfferPatch>, JsonRejection>,
) -> Result<Json<SupportOffer>, AppError> {
    require_offer(&st, &c, Action::Write, id).await?;
    let p = body(b)?;
    Ok(Json(
        st.store
            .set_support_offer_open(&c.actor(), id, p.open)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/support-orders", tag = "support", params(SupportQuery), responses((status = 200, body = OrderPage)))]
pub async fn list_orders(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<SupportQuery>,
) -> Result<Json<OrderPage>, AppError> {
    let p = st.store.list_support_orders(&c.visible(), &q).await?;
    Ok(Json(OrderPage {
        items: p.items,
        total: p.total,
    }))
}

/// A member school orders from the menu (its coordinator or the lead).
#[utoipa::path(post, path = "/api/v1/support-orders", tag = "support", request_body = SupportOrderFields,
    responses((status = 201, body = SupportOrder), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_order(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<SupportOrderFields>, JsonRejection>,
) -> Result<(StatusCode, Json<SupportOrder>), AppError> {
    let f = body(b)?;
    let offer = st
        .store
        .get_support_offer(f.offer_id)
        .await
        .map_err(|_| AppError::field("offer_id", "error.not_found", None))?;
    // The ordering school must see the menu and act for itself.
    c.require(
        Action::Write,
        Resource::Activity,
        &place_at(&st, offer.community_id, f.school_id).await?,
    )?;
    let o = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_support_order(&c.actor(), &o).await?),
    ))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct OrderMove {
    /// `scheduled` (accept: creates the activity), `declined`, `done`, `cancelled`.
    pub status: String,
    /// The offering school's reply.
    pub reply: Option<String>,
    /// The date to schedule on (default: the date wanted).
    pub date: Option<String>,
}

/// Moves an order on. The offering side accepts (schedules), declines and marks done; the
/// ordering side may cancel.
#[utoipa::path(patch, path = "/api/v1/support-orders/{id}", tag = "support", params(("id" = i64, Path)), request_body = OrderMove,
    responses((status = 200, body = SupportOrder), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_order(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<OrderMove>, JsonRejection>,
) -> Result<Json<SupportOrder>, AppError> {
    let m = body(b)?;
    Ok(Json(apply_move(&st, &c, id, &m).await?))
}

pub(crate) async fn apply_move(
    st: &AppState,
    c: &Caller,
    id: i64,
    m: &OrderMove,
) -> Result<SupportOrder, AppError> {
    let order = st.store.get_support_order(id).await?;
    let to = SupportOrderStatus::parse(&m.status)
        .ok_or_else(|| AppError::field("status", "error.choice", Some(m.status.clone())))?;
    let offering = place_at(st, order.community_id, order.offering_school_id).await?;
    let ordering = place_at(st, order.community_id, order.school_id).await?;
    let allowed = c.may(Action::Write, Resource::Activity, &offering)
        || (to == SupportOrderStatus::Cancelled
            && c.may(Action::Write, Resource::Activity, &ordering));
    if !allowed {
        return Err(AppError::forbidden());
    }
    let date = match m.date.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(d) => Some(
            gongjin_domain::parse_date("date", d).map_err(|e| AppError::validation(e.into()))?,
        ),
        None => None,
    };
    let reply = gongjin_domain::parse_text("reply", m.reply.as_deref(), 1000)
        .map_err(|e| AppError::validation(e.into()))?;
    Ok(st
        .store
        .move_support_order(&c.actor(), id, to, &reply, date)
        .await?)
}

/// The menu and its orders as Excel (one row per order; offers without orders too).
#[utoipa::path(get, path = "/api/v1/support-orders/export", tag = "support", params(SupportQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<SupportQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(1000);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "帮扶项目",
        "提供学校",
        "提供者",
        "可预约次数",
        "预约学校",
        "期望日期",
        "状态",
        "说明",
        "回复",
    ];
    use gongjin_sheet::Cell;
    let offers = st
        .store
        .list_support_offers(
            &c.visible(),
            &SupportQuery {
                community_id: q.community_id,
                per_page: Some(1000),
                ..Default::default()
            },
        )
        .await?
        .items;
    let orders = st.store.list_support_orders(&c.visible(), &q).await?.items;
    let mut rows = vec![];
    for o in &offers {
        let mine: Vec<&SupportOrder> = orders.iter().filter(|x| x.offer_id == o.id).collect();
        let head = || {
            vec![
                Cell::Text(o.title.clone()),
                Cell::Text(o.school_name.clone()),
                Cell::Text(o.provider.clone()),
                Cell::Int(o.times),
            ]
        };
        if mine.is_empty() {
            let mut r = head();
            r.extend([
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]);
            rows.push(r);
        }
        for x in mine {
            let mut r = head();
            r.extend([
                Cell::Text(x.school_name.clone()),
                Cell::Text(x.wanted_on.clone()),
                Cell::Text(tr.label("support_order_status", &x.status)),
                Cell::Text(x.note.clone()),
                Cell::Text(x.reply.clone()),
            ]);
            rows.push(r);
        }
    }
    let bytes = gongjin_sheet::write_xlsx("菜单式帮扶", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!(
            "菜单式帮扶_{}.xlsx",
            gongjin_store::today().format("%Y%m%d")
        ),
    ))
}
