//! The support menu page (菜单式帮扶): the offers of the caller's communities with an order form,
//! the orders with the moves each side may make, and publishing a new offer.

use super::common::*;
use crate::AppState;
use crate::api::activities::place_at;
use crate::api::support::{OrderMove, apply_move};
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::SupportOrderStatus;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::operations::{SupportOfferFields, SupportOrderFields};
use gongjin_store::support::{SupportOffer, SupportOrder, SupportQuery};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/support", get(page))
        .route("/support/offers", post(create_offer))
        .route("/support/orders", post(create_order))
        .route("/support/orders/{id}", post(move_order))
}

pub struct OrderRow {
    pub o: SupportOrder,
    pub status: String,
    /// Moves the caller may make: (status key, label).
    pub moves: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "support.html")]
struct SupportPage {
    shell: Shell,
    offers: Vec<SupportOffer>,
    orders: Vec<OrderRow>,
    hosts: Vec<Opt>,
    kinds: Vec<Opt>,
    errors: FormErrors,
}

async fn render_page(
    st: &AppState,
    c: &crate::auth::Caller,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let q = SupportQuery {
        per_page: Some(200),
        ..Default::default()
    };
    let offers = st
        .store
        .list_support_offers(&c.visible(), &q)
        .await
        .or_page(c)?
        .items;
    let tr = Tr(c.locale);
    // Each order's places (offering and ordering school) from one read of the communities.
    let places: HashMap<i64, gongjin_domain::authz::Place> = st
        .store
        .communities_in(&c.visible())
        .await
        .or_page(c)?
        .iter()
        .map(|e| (e.community.id, e.place()))
        .collect();
    let place_of = |community_id: i64, school_id: i64| {
        let mut p = places.get(&community_id).cloned().unwrap_or_default();
        p.school_id = Some(school_id);
        p
    };
    let mut orders = vec![];
    for o in st
        .store
        .list_support_orders(&c.visible(), &q)
        .await
        .or_page(c)?
        .items
    {
        let offering = place_of(o.community_id, o.offering_school_id);
        let ordering = place_of(o.community_id, o.school_id);
        let from = SupportOrderStatus::parse(&o.status).unwrap_or(SupportOrderStatus::Done);
        let moves = from
            .next()
            .iter()
            .filter(|to| {
                c.may(Action::Write, Resource::Activity, &offering)
                    || (**to == SupportOrderStatus::Cancelled
                        && c.may(Action::Write, Resource::Activity, &ordering))
            })
            .map(|to| {
                (
                    to.key().to_owned(),
                    tr.t(&format!("support.move_{}", to.key())).to_owned(),
                )
            })
            .collect();
        orders.push(OrderRow {
            status: tr.label("support_order_status", &o.status),
            moves,
            o,
        });
    }
    let (hosts, _) = super::activities::hosts(st, c).await.or_page(c)?;
    render(&SupportPage {
        shell: Shell::new(c, "support").with_notice(notice),
        offers,
        orders,
        hosts: opts(hosts.into_iter().map(|h| (h.value, h.label)), ""),
        kinds: super::activities::kind_opts(st, c, "open_class")
            .await
            .or_page(c)?,
        errors,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    render_page(
        &st,
        &c,
        raw.get("notice").map(String::as_str),
        FormErrors::default(),
    )
    .await
}

fn pair(v: &str) -> (i64, i64) {
    let mut it = v.split(':').map(|x| x.parse::<i64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

pub async fn create_offer(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let (community_id, school_id) = pair(f.get("host").map(String::as_str).unwrap_or(""));
    let result = async {
        c.require(
            Action::Write,
            Resource::Activity,
            &place_at(&st, community_id, school_id).await?,
        )?;
        let o = SupportOfferFields {
            community_id,
            school_id,
            title: f.get("title").cloned().unwrap_or_default(),
            kind: opt_text(&f, "kind"),
            provider: opt_text(&f, "provider"),
            description: opt_text(&f, "description"),
            times: opt_i64(&f, "times").map_err(|e| AppError::validation(e.into()))?,
            subject: opt_text(&f, "subject"),
        }
        .validate()?;
        Ok::<_, AppError>(st.store.create_support_offer(&c.actor(), &o).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/support", "notice.created")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => render_page(&st, &c, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn create_order(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let (_, school_id) = pair(f.get("host").map(String::as_str).unwrap_or(""));
    let offer_id: i64 = f.get("offer_id").and_then(|v| v.parse().ok()).unwrap_or(0);
    let result = async {
        let offer = st.store.get_support_offer(offer_id).await?;
        c.require(
            Action::Write,
            Resource::Activity,
            &place_at(&st, offer.community_id, school_id).await?,
        )?;
        let o = SupportOrderFields {
            offer_id,
            school_id,
            wanted_on: f.get("wanted_on").cloned().unwrap_or_default(),
            note: opt_text(&f, "note"),
        }
        .validate()?;
        Ok::<_, AppError>(st.store.create_support_order(&c.actor(), &o).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/support", "notice.created")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => render_page(&st, &c, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn move_order(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let m = OrderMove {
        status: f.get("status").cloned().unwrap_or_default(),
        reply: opt_text(&f, "reply"),
        date: opt_text(&f, "date"),
    };
    match apply_move(&st, &c, id, &m).await {
        Ok(_) => Ok(see_other("/support", "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => render_page(&st, &c, None, FormErrors::from_error(&e, c.locale)).await,
    }
}
