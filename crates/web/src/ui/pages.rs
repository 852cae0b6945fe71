//! Sign-in, language, the region overview and the account page.

use super::common::*;
use crate::AppState;
use crate::api::regions::coverage_of;
use crate::auth::{
    ClientAddr, LANG_COOKIE, Lang, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::charts::{Bar, coverage_bars};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use gongjin_domain::Role;
use gongjin_store::records::{ApiToken, ListQuery};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    next: String,
    username: String,
    error: Option<String>,
}

fn safe_next(next: Option<&String>) -> String {
    // Only local paths: never redirect off-site after sign-in.
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.clone(),
        _ => "/".into(),
    }
}

pub async fn login_form(
    Lang(locale): Lang,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    render(&LoginPage {
        tr: Tr(locale),
        next: safe_next(q.get("next")),
        username: String::new(),
        error: None,
    })
}

pub async fn login_submit(
    State(st): State<AppState>,
    Lang(locale): Lang,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let username = f.get("username").cloned().unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let next = safe_next(f.get("next"));
    match crate::auth::login(&st, &username, &password, &addr, locale).await {
        Ok((_, token)) => Ok((
            [(header::SET_COOKIE, session_cookie(&token))],
            Redirect::to(&next),
        )
            .into_response()),
        Err(e) => {
            let page = LoginPage {
                tr: Tr(locale),
                next,
                username,
                error: Some(e.message()),
            };
            let body = render(&page)?;
            Ok((e.status, body).into_response())
        }
    }
}

pub async fn logout(
    State(st): State<AppState>,
    Ui(c): Ui,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&token).await.or_page(&c)?;
    }
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}

pub async fn set_lang(Path(tag): Path<String>, headers: HeaderMap) -> Response {
    let locale = gongjin_domain::i18n::Locale::parse(&tag);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                locale.tag()
            ),
        )],
        Redirect::to(&safe_next(Some(&back))),
    )
        .into_response()
}

pub struct RegionRow {
    pub name: String,
    pub eligible: u32,
    pub covered: u32,
    pub share: String,
}

pub struct TargetRow {
    pub due_on: String,
    pub share: String,
    pub state: String,
    pub state_class: &'static str,
    pub needed: u32,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    shell: Shell,
    heading: String,
    schools: i64,
    teachers: i64,
    communities: i64,
    covered: String,
    chart: Option<String>,
    targets: Vec<TargetRow>,
    children: Vec<RegionRow>,
    show_coverage: bool,
    region_id: i64,
    can_set_targets: bool,
    targets_text: String,
    targets_error: Option<String>,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub async fn dashboard(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let tr = Tr(c.locale);
    let visible = c.visible();
    let all = ListQuery {
        per_page: Some(1),
        ..Default::default()
    };
    let schools = st
        .store
        .list_schools(&visible, &all)
        .await
        .or_page(&c)?
        .total;
    let teachers = st
        .store
        .list_teachers(&visible, &all, &Default::default())
        .await
        .or_page(&c)?
        .total;
    let communities = st
        .store
        .list_communities(&visible, &all)
        .await
        .or_page(&c)?
        .total;
    let mut page = Dashboard {
        shell: Shell::new(&c, "home").with_notice(q.get("notice").map(String::as_str)),
        heading: tr.t("page.dashboard").to_owned(),
        schools,
        teachers,
        communities,
        covered: "-".into(),
        chart: None,
        targets: vec![],
        children: vec![],
        show_coverage: false,
        region_id: 0,
        can_set_targets: false,
        targets_text: String::new(),
        targets_error: q
            .get("targets_error")
            .map(|e| tr.tf("coverage.bad_line", e)),
    };
    if matches!(c.principal.role, Role::BureauAdmin | Role::Inspector) {
        // The region to report on: the caller's own, or for the whole installation the first
        // region that has coverage targets (else the first top-level region).
        let region_id = if c.principal.scope_id > 0 {
            Some(c.principal.scope_id)
        } else {
            let regions = st.store.list_regions(&visible, None).await.or_page(&c)?;
            let mut with_targets = None;
            for r in &regions {
                if !st
                    .store
                    .coverage_targets(r.id)
                    .await
                    .or_page(&c)?
                    .is_empty()
                {
                    with_targets = Some(r.id);
                    break;
                }
            }
            with_targets.or_else(|| regions.first().map(|r| r.id))
        };
        if let Some(rid) = region_id {
            let cov = coverage_of(&st, rid).await.or_page(&c)?;
            page.region_id = rid;
            let place = st.store.place_of_region(rid).await.or_page(&c)?;
            page.can_set_targets = c.may(
                gongjin_domain::authz::Action::Write,
                gongjin_domain::authz::Resource::RegionSettings,
                &place,
            );
            page.targets_text = cov
                .coverage
                .targets
                .iter()
                .map(|t| format!("{} {}%", t.due_on, (t.share * 100.0).round()))
                .collect::<Vec<_>>()
                .join("\n");
            page.heading = format!("{} · {}", cov.region_name, tr.t("page.dashboard"));
            page.show_coverage = true;
            page.covered = format!(
                "{}/{} · {}",
                cov.coverage.covered,
                cov.coverage.eligible,
                pct(cov.coverage.share)
            );
            let mut bars = vec![Bar {
                label: cov.region_name.clone(),
                value: cov.coverage.share,
                caption: format!(
                    "{}/{} {}",
                    cov.coverage.covered,
                    cov.coverage.eligible,
                    pct(cov.coverage.share)
                ),
            }];
            for ch in &cov.children {
                bars.push(Bar {
                    label: ch.region_name.clone(),
                    value: ch.share,
                    caption: format!("{}/{} {}", ch.covered, ch.eligible, pct(ch.share)),
                });
                page.children.push(RegionRow {
                    name: ch.region_name.clone(),
                    eligible: ch.eligible,
                    covered: ch.covered,
                    share: pct(ch.share),
                });
            }
            let marks: Vec<(f64, String)> = cov
                .coverage
                .targets
                .iter()
                .map(|t| (t.share, format!("{} ≥{}", t.due_on, pct(t.share))))
                .collect();
            page.chart = Some(coverage_bars(&bars, &marks));
            page.targets = cov
                .coverage
                .targets
                .iter()
                .map(|t| TargetRow {
                    due_on: t.due_on.to_string(),
                    share: pct(t.share),
                    state: tr.t(&format!("target.{}", t.state)).to_owned(),
                    state_class: match t.state.as_str() {
                        "met" | "on_track" => "green",
                        "missed" => "red",
                        _ => "orange",
                    },
                    needed: t.schools_needed,
                })
                .collect();
        }
    }
    render(&page)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    username: String,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    errors: FormErrors,
}

async fn account_page(
    st: &AppState,
    c: &crate::auth::Caller,
    notice: Option<&str>,
    new_secret: Option<String>,
    errors: FormErrors,
) -> PageResult {
    let tokens = st
        .store
        .list_api_tokens(c.principal.user_id)
        .await
        .or_page(c)?;
    render(&AccountPage {
        shell: Shell::new(c, "account").with_notice(notice),
        username: c.principal.username.clone(),
        tokens,
        new_secret,
        errors,
    })
}

pub async fn account(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    account_page(
        &st,
        &c,
        q.get("notice").map(String::as_str),
        None,
        FormErrors::default(),
    )
    .await
}

/// Changes the caller's own password.
pub async fn account_submit(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let current = f.get("current").cloned().unwrap_or_default();
    let new = f.get("password").cloned().unwrap_or_default();
    if st
        .store
        .verify_login(&c.principal.username, &current)
        .await
        .or_page(&c)?
        .is_none()
    {
        let e = crate::error::AppError::field("current", "error.bad_credentials", None);
        return account_page(&st, &c, None, None, FormErrors::from_error(&e, c.locale)).await;
    }
    let patch = gongjin_store::users::UserPatch {
        password: Some(new),
        ..Default::default()
    };
    match st
        .store
        .update_user(&c.actor(), c.principal.user_id, &patch)
        .await
    {
        Ok(_) => Ok(Redirect::to("/login").into_response()),
        Err(e) => {
            account_page(
                &st,
                &c,
                None,
                None,
                FormErrors::from_error(&e.into(), c.locale),
            )
            .await
        }
    }
}

pub async fn token_create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let name =
        match gongjin_domain::parse_name("name", f.get("name").map(String::as_str).unwrap_or("")) {
            Ok(n) => n,
            Err(e) => {
                return account_page(
                    &st,
                    &c,
                    None,
                    None,
                    FormErrors::from_error(
                        &gongjin_domain::ValidationErrors::from(e).into(),
                        c.locale,
                    ),
                )
                .await;
            }
        };
    let (_, secret) = st
        .store
        .create_api_token(&c.actor(), c.principal.user_id, &name)
        .await
        .or_page(&c)?;
    account_page(
        &st,
        &c,
        Some("notice.token_created"),
        Some(secret),
        FormErrors::default(),
    )
    .await
}

pub async fn token_delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    st.store
        .delete_api_token(&c.actor(), c.principal.user_id, id)
        .await
        .or_page(&c)?;
    Ok(see_other("/account", "notice.deleted"))
}

/// Parses one target per line: `2024-12-31 80%` (or `80`, or `0.8`).
pub fn parse_targets(text: &str) -> Result<Vec<gongjin_domain::coverage::CoverageTarget>, String> {
    let mut out = vec![];
    for line in text
        .lines()
        .map(gongjin_domain::clean_text)
        .filter(|l| !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let (Some(date), Some(share), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(line);
        };
        let due_on = gongjin_domain::parse_date("due_on", date).map_err(|_| line.clone())?;
        let n: f64 = gongjin_domain::clean_ascii(share)
            .trim_end_matches(['%', '％'])
            .parse()
            .map_err(|_| line.clone())?;
        let share = if n > 1.0 { n / 100.0 } else { n };
        if !(0.0..=1.0).contains(&share) {
            return Err(line);
        }
        out.push(gongjin_domain::coverage::CoverageTarget { due_on, share });
    }
    Ok(out)
}

/// Saves the region's coverage timeline from the overview page.
pub async fn set_targets(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let region_id: i64 = f.get("region_id").and_then(|s| s.parse().ok()).unwrap_or(0);
    let place = st.store.place_of_region(region_id).await.or_page(&c)?;
    c.require(
        gongjin_domain::authz::Action::Write,
        gongjin_domain::authz::Resource::RegionSettings,
        &place,
    )
    .or_page(&c)?;
    match parse_targets(f.get("targets").map(String::as_str).unwrap_or("")) {
        Ok(targets) => {
            st.store
                .set_coverage_targets(&c.actor(), region_id, &targets)
                .await
                .or_page(&c)?;
            Ok(see_other("/", "notice.saved"))
        }
        Err(line) => Ok(Redirect::to(&format!(
            "/?{}",
            serde_urlencoded::to_string([("targets_error", line)]).unwrap_or_default()
        ))
        .into_response()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_parse_in_bureau_spellings() {
        let t = super::parse_targets("2024-12-31 80%\n\n2025/12/31 100\n").unwrap();
        assert_eq!(t.len(), 2);
        assert!((t[0].share - 0.8).abs() < 1e-9);
        assert!((t[1].share - 1.0).abs() < 1e-9);
        assert_eq!(
            super::parse_targets("2024-12-31 0.8").unwrap()[0].share,
            0.8
        );
        assert!(super::parse_targets("明年 80%").is_err());
        assert!(super::parse_targets("2024-12-31 180%").is_err());
    }
}
