//! Who is calling: a session cookie (UI and API) or an API token (`Authorization: Bearer …`).
//! Also the login rate limiter and the CSRF check for forms.

use crate::AppState;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use gongjin_domain::authz::{Action, Place, Principal, Resource};
use gongjin_domain::i18n::Locale;
use gongjin_store::Actor;
use gongjin_store::scope::Visible;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "gongjin_session";
pub const LANG_COOKIE: &str = "gongjin_lang";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The session's CSRF token; None for API-token callers (no cookie, so no CSRF risk).
    pub csrf: Option<String>,
    pub locale: Locale,
    pub display_name: String,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.principal.user_id),
            username: self.principal.username.clone(),
        }
    }
    pub fn visible(&self) -> Visible {
        Visible::of(&self.principal)
    }
    /// Refuses with 403 unless the caller may do `action` on `res` at `place`.
    pub fn require(&self, action: Action, res: Resource, place: &Place) -> Result<(), AppError> {
        if self.principal.may(action, res, place) {
            Ok(())
        } else {
            Err(AppError::forbidden().in_locale(self.locale))
        }
    }
    pub fn may(&self, action: Action, res: Resource, place: &Place) -> bool {
        self.principal.may(action, res, place)
    }
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected.as_bytes(), token.as_bytes()) => Ok(()),
            Some(_) => Err(
                AppError::new(axum::http::StatusCode::FORBIDDEN, "csrf", "error.csrf")
                    .in_locale(self.locale),
            ),
            None => Ok(()),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The caller's language: Simplified Chinese unless the caller chose English (the language
/// cookie set by the switch in the page header). Browsers' Accept-Language is not consulted: a
/// bureau PC with an English system must still open in Chinese.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    cookie(headers, LANG_COOKIE)
        .map(|l| Locale::parse(&l))
        .unwrap_or_default()
}

pub fn session_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        gongjin_store::users::SESSION_HOURS * 3600
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// Resolves the caller of a request, if any.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Caller>, AppError> {
    let locale = locale_of(headers);
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let (user_id, csrf) = if let Some(token) = bearer {
        match state.store.api_token_user(token).await? {
            Some(id) => (id, None),
            None => return Ok(None),
        }
    } else if let Some(token) = cookie(headers, SESSION_COOKIE) {
        match state.store.session(&token).await? {
            Some((id, csrf)) => (id, Some(csrf)),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let principal = match state.store.principal(user_id).await {
        Ok(p) => p,
        Err(gongjin_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let display_name = state
        .store
        .get_user(user_id)
        .await
        .map(|u| {
            if u.display_name.is_empty() {
                u.username
            } else {
                u.display_name
            }
        })
        .unwrap_or_default();
    Ok(Some(Caller {
        principal,
        csrf,
        locale,
        display_name,
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        let locale = locale_of(&parts.headers);
        resolve(state, &parts.headers)
            .await?
            .ok_or_else(|| AppError::unauthorized().in_locale(locale))
    }
}

/// The client's address as the listener saw it (`ConnectInfo`); forwarded headers are not
/// trusted, so a client cannot dodge the per-address login limit by inventing one.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ClientAddr, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "local".into());
        Ok(ClientAddr(addr))
    }
}

/// The caller's language, for handlers that work signed out too.
pub struct Lang(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang(locale_of(&parts.headers)))
    }
}

/// Failed sign-ins per key (username, and client address) within a window.
pub struct RateLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    pub max_failures: usize,
    pub window: Duration,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            failures: Mutex::new(HashMap::new()),
            max_failures: 5,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl RateLimiter {
    /// Minutes until `key` may try again, when it is locked out.
    pub fn locked(&self, key: &str) -> Option<u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let list = map.get_mut(key)?;
        list.retain(|t| now.duration_since(*t) < self.window);
        if list.is_empty() {
            map.remove(key);
            return None;
        }
        if list.len() >= self.max_failures {
            let oldest = list[0];
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            Some(wait.as_secs().div_ceil(60).max(1))
        } else {
            None
        }
    }
    pub fn fail(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Forget keys whose failures are all older than the window, so that guessing many
        // names cannot grow the map without bound.
        if map.len() > 10_000 {
            map.retain(|_, list| {
                list.last()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        map.entry(key.to_owned()).or_default().push(now);
    }
    /// Keys currently remembered (for tests).
    pub fn len(&self) -> usize {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(key);
    }
}

/// Signs in: checks the rate limit, the password, opens a session. Shared by the API and the form.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
    locale: Locale,
) -> Result<(i64, String), AppError> {
    let name = gongjin_domain::clean_text(username);
    let keys = [
        format!("user:{}", name.to_lowercase()),
        format!("addr:{client}"),
    ];
    for k in &keys {
        if let Some(minutes) = state.limiter.locked(k) {
            return Err(AppError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "error.rate_limited",
            )
            .with_arg(minutes)
            .in_locale(locale));
        }
    }
    match state.store.verify_login(&name, password).await? {
        Some(user_id) => {
            for k in &keys {
                state.limiter.clear(k);
            }
            state.store.audit_login(user_id, &name, true).await?;
            let (token, _csrf) = state.store.create_session(user_id).await?;
            Ok((user_id, token))
        }
        None => {
            for k in &keys {
                state.limiter.fail(k);
            }
            state.store.audit_login(0, &name, false).await?;
            Err(AppError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "unauthorized",
                "error.bad_credentials",
            )
            .in_locale(locale))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_locks_after_failures() {
        let l = RateLimiter {
            max_failures: 3,
            ..Default::default()
        };
        assert!(l.locked("k").is_none());
        for _ in 0..3 {
            l.fail("k");
        }
        assert_eq!(l.locked("k"), Some(15));
        assert!(l.locked("other").is_none());
        l.clear("k");
        assert!(l.locked("k").is_none());
        assert!(l.is_empty());
        // Expired failures are forgotten.
        let short = RateLimiter {
            window: Duration::from_millis(1),
            ..Default::default()
        };
        short.fail("x");
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.locked("x").is_none());
        assert_eq!(short.len(), 0);
    }

    #[test]
    fn cookies_are_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; gongjin_session=abc; gongjin_lang=en".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(locale_of(&h), Locale::En);
    }
}
