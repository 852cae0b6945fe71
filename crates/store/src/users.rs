//! Accounts, sessions and API tokens. Passwords are argon2id hashes; session and API tokens are
//! random and stored only as SHA-256 digests.

use crate::audit::{self, Change};
use crate::records::{ApiToken, Page, User};
use crate::scope::{USER_SCOPE_NAME, USER_SCOPE_PATH, Visible};
use crate::sql::{Sql, like_escape};
use crate::{Actor, Result, Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use gongjin_domain::Role;
use gongjin_domain::inputs::NewUser;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Session lifetime.
pub const SESSION_HOURS: i64 = 12;

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes encode as a salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id hashing with default parameters")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token (hex) and its digest as stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let digest = digest(&token);
    (token, digest)
}

pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable random password for bootstrap: 16 characters without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn select() -> String {
    format!(
        "SELECT u.id, u.username, u.role, u.scope_id, u.display_name, u.active, u.created_at, ({USER_SCOPE_NAME}) AS scope_name FROM users u WHERE 1 = 1"
    )
}

/// A change to an account; absent fields stay as they are.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    pub password: Option<String>,
    pub role: Option<String>,
    pub scope_id: Option<i64>,
    pub display_name: Option<String>,
    pub active: Option<bool>,
}

impl Store {
    pub async fn list_users(
        &self,
        visible: &Visible,
        q: Option<&str>,
        page: i64,
        per_page: i64,
    ) -> Result<Page<User>> {
        let mut cond = Sql::new("");
        match visible {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                cond.push(&format!(" AND ({USER_SCOPE_PATH}) LIKE "))
                    .bind(format!("{p}%"));
            }
            _ => {
                cond.push(" AND 1 = 0");
            }
        }
        if let Some(q) = q.filter(|s| !s.is_empty()) {
            let pat = format!("%{}%", like_escape(q));
            cond.push(" AND (u.username LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR u.display_name LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM users u WHERE 1 = 1");
        count.push(&cond.text);
        count.args = cond.args.clone();
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut sql = Sql::new(&select());
        sql.push(&cond.text);
        sql.args = cond.args;
        let per = per_page.clamp(1, 200);
        sql.push(" ORDER BY u.id LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page.max(1) - 1) * per);
        Ok(Page {
            items: sql.query_as::<User>().fetch_all(&self.pool).await?,
            total,
        })
    }

    pub async fn get_user(&self, id: i64) -> Result<User> {
        let mut sql = Sql::new(&select());
        sql.push(" AND u.id = ").bind(id);
        sql.query_as::<User>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let mut sql = Sql::new(&select());
        sql.push(" AND u.username = ").bind(username);
        Ok(sql.query_as::<User>().fetch_optional(&self.pool).await?)
    }

    /// Creates an account. The scope must exist (`scope_id` 0 is the whole installation and is
    /// reserved for bootstrap).
    pub async fn create_user(&self, actor: &Actor, u: &NewUser) -> Result<User> {
        let place = if u.scope_id == 0 {
            None
        } else {
            Some(
                self.place_of_scope(u.role, u.scope_id)
                    .await
                    .map_err(|_| StoreError::conflict("error.scope_missing", u.scope_id))?,
            )
        };
        let hash = hash_password(&u.password);
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, role, scope_id, display_name, active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(u.username.as_str().to_owned())
        .bind(hash)
        .bind(u.role.key())
        .bind(u.scope_id)
        .bind(u.display_name.clone())
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_or(e, u.username.as_str()))?;
        let path = place.map(|p| p.region_path).unwrap_or_else(|| "/".into());
        audit::record(&mut tx,
            actor,
            Change {
                action: "create",
                entity: "user",
                entity_id: Some(id),
                region_path: &path,
                summary: u.username.to_string(),
                before: None,
                after: Some(serde_json::json!({ "username": u.username, "role": u.role, "scope_id": u.scope_id, "display_name": u.display_name })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_user(id).await
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, patch: &UserPatch) -> Result<User> {
        let before = self.get_user(id).await?;
        let role = match patch.role.as_deref() {
            Some(r) => Role::parse(r).ok_or_else(|| {
                gongjin_domain::ValidationErrors::from(gongjin_domain::FieldError::with(
                    "role",
                    "error.choice",
                    r,
                ))
            })?,
            None => Role::parse(&before.role).ok_or(StoreError::NotFound)?,
        };
        let scope_id = patch.scope_id.unwrap_or(before.scope_id);
        let place = if scope_id == 0 {
            None
        } else {
            Some(
                self.place_of_scope(role, scope_id)
                    .await
                    .map_err(|_| StoreError::conflict("error.scope_missing", scope_id))?,
            )
        };
        if let Some(p) = &patch.password {
            gongjin_domain::check_password(p).map_err(gongjin_domain::ValidationErrors::from)?;
        }
        let display = match &patch.display_name {
            Some(d) => gongjin_domain::parse_text("display_name", Some(d), 32)
                .map_err(gongjin_domain::ValidationErrors::from)?,
            None => before.display_name.clone(),
        };
        let active = patch.active.map(i64::from).unwrap_or(before.active);
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET role = $1, scope_id = $2, display_name = $3, active = $4 WHERE id = $5")
            .bind(role.key())
            .bind(scope_id)
            .bind(display.clone())
            .bind(active)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(p) = &patch.password {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash_password(p))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if active == 0
            || patch.password.is_some()
            || patch.role.is_some()
            || patch.scope_id.is_some()
        {
            // Changed credentials or powers end every open session of the account.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let path = place.map(|p| p.region_path).unwrap_or_else(|| "/".into());
        audit::record(&mut tx,
            actor,
            Change {
                action: "update",
                entity: "user",
                entity_id: Some(id),
                region_path: &path,
                summary: before.username.clone(),
                before: audit::json(&before),
                after: Some(serde_json::json!({ "role": role, "scope_id": scope_id, "display_name": display, "active": active != 0, "password_changed": patch.password.is_some() })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_user(id).await
    }

    pub async fn delete_user(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_user(id).await?;
        let path = self
            .place_of_user(id)
            .await
            .map(|p| p.region_path)
            .unwrap_or_else(|_| "/".into());
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "user",
                entity_id: Some(id),
                region_path: &path,
                summary: before.username.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a username and password; the user's id when they match an active account.
    /// A hash is always computed, so timing does not reveal whether the name exists.
    pub async fn verify_login(&self, username: &str, password: &str) -> Result<Option<i64>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, password_hash FROM users WHERE username = $1 AND active = 1",
        )
        .bind(username.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((id, hash)) => Ok(verify_password(password, &hash).then_some(id)),
            None => {
                let _ = verify_password(
                    password,
                    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4kQk3Nqf3tLK7mpRRw5f5f4XlZq6qOFh0N7G6fC8P5c",
                );
                Ok(None)
            }
        }
    }

    /// Records a sign-in in the audit log.
    pub async fn audit_login(&self, user_id: i64, username: &str, ok: bool) -> Result<()> {
        // Failed sign-ins belong to no region: only the installation's administrators see them.
        let path = if ok {
            self.place_of_user(user_id)
                .await
                .map(|p| p.region_path)
                .unwrap_or_else(|_| "/".into())
        } else {
            "/".to_owned()
        };
        let mut conn = self.pool.acquire().await?;
        audit::record(
            &mut conn,
            &Actor {
                user_id: ok.then_some(user_id),
                username: username.to_owned(),
            },
            Change {
                action: if ok { "login" } else { "login_failed" },
                entity: "session",
                entity_id: None,
                region_path: &path,
                summary: username.to_owned(),
                before: None,
                after: None,
            },
        )
        .await
    }

    /// Opens a session: returns (token for the cookie, CSRF token).
    pub async fn create_session(&self, user_id: i64) -> Result<(String, String)> {
        let (token, id) = new_token();
        let (csrf, _) = new_token();
        let now = chrono::Utc::now();
        sqlx::query("INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(user_id)
            .bind(csrf.clone())
            .bind(now.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .bind((now + chrono::Duration::hours(SESSION_HOURS)).format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .execute(&self.pool)
            .await?;
        Ok((token, csrf))
    }

    /// The (user id, CSRF token) of a live session.
    pub async fn session(&self, token: &str) -> Result<Option<(i64, String)>> {
        Ok(sqlx::query_as("SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.expires_at > $2 AND u.active = 1")
            .bind(digest(token))
            .bind(crate::now())
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(digest(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token for scripts; the plain token is shown once.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
    ) -> Result<(ApiToken, String)> {
        let (token, digest) = new_token();
        let path = self
            .place_of_user(user_id)
            .await
            .map(|p| p.region_path)
            .unwrap_or_else(|_| "/".into());
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(user_id)
            .bind(name.to_owned())
            .bind(digest)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "api_token",
                entity_id: Some(id),
                region_path: &path,
                summary: name.to_owned(),
                before: None,
                after: Some(serde_json::json!({ "name": name, "user_id": user_id })),
            },
        )
        .await?;
        tx.commit().await?;
        let t = sqlx::query_as::<_, ApiToken>(
            "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok((t, token))
    }

    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(sqlx::query_as::<_, ApiToken>("SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id").bind(user_id).fetch_all(&self.pool).await?)
    }

    pub async fn delete_api_token(&self, actor: &Actor, user_id: i64, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "api_token",
                entity_id: Some(id),
                region_path: "",
                summary: String::new(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user id owning an API token.
    pub async fn api_token_user(&self, token: &str) -> Result<Option<i64>> {
        let d = digest(token);
        let id: Option<i64> = sqlx::query_scalar("SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.active = 1")
            .bind(d.clone())
            .fetch_optional(&self.pool)
            .await?;
        if id.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(crate::now())
                .bind(d)
                .execute(&self.pool)
                .await?;
        }
        Ok(id)
    }

    /// On a database without accounts, creates `admin` (bureau administrator of the whole
    /// installation) with `password`. Returns false when accounts already exist.
    pub async fn bootstrap_admin(&self, password: &str) -> Result<bool> {
        if !self.has_no_users().await? {
            return Ok(false);
        }
        gongjin_domain::check_password(password).map_err(gongjin_domain::ValidationErrors::from)?;
        let user = NewUser {
            username: gongjin_domain::Username::parse("admin")
                .map_err(gongjin_domain::ValidationErrors::from)?,
            password: password.to_owned(),
            role: Role::BureauAdmin,
            scope_id: 0,
            display_name: "系统管理员".into(),
        };
        self.create_user(&Actor::system("system"), &user).await?;
        Ok(true)
    }
}
