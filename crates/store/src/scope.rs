//! Resolving where callers and records sit, for [`gongjin_domain::authz`] to decide on, and the
//! SQL filters that bound every list to what the caller may see.

use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use gongjin_domain::Role;
use gongjin_domain::authz::{Place, Principal};
use sqlx::Row;

/// What a list may show: derived from a [`Principal`], or everything for the program itself.
#[derive(Debug, Clone)]
pub enum Visible {
    All,
    RegionPrefix(String),
    Community(i64),
    School { school_id: i64 },
    Teacher { teacher_id: i64, school_id: i64 },
}

impl Visible {
    pub fn of(p: &Principal) -> Visible {
        match p.role {
            Role::BureauAdmin | Role::Inspector => Visible::RegionPrefix(p.region_path.clone()),
            Role::CommunityLead => Visible::Community(p.scope_id),
            Role::SchoolCoordinator => Visible::School {
                school_id: p.scope_id,
            },
            Role::Teacher => Visible::Teacher {
                teacher_id: p.scope_id,
                school_id: p.school_id.unwrap_or(0),
            },
        }
    }

    /// Restricts a query over schools aliased `s` joined to regions `r`.
    pub fn schools(&self, q: &mut Sql) {
        match self {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                q.push(" AND r.path LIKE ").bind(format!("{p}%"));
            }
            Visible::Community(c) => {
                q.push(" AND s.id IN (SELECT school_id FROM memberships WHERE left_on IS NULL AND community_id = ").bind(*c).push(")");
            }
            Visible::School { school_id } | Visible::Teacher { school_id, .. } => {
                q.push(" AND s.id = ").bind(*school_id);
            }
        }
    }

    /// Restricts a query over teachers `t` joined to schools `s` and regions `r`.
    pub fn teachers(&self, q: &mut Sql) {
        match self {
            Visible::Teacher { teacher_id, .. } => {
                q.push(" AND t.id = ").bind(*teacher_id);
            }
            other => other.schools(q),
        }
    }

    /// Restricts a query over communities `c` joined to regions `r`.
    pub fn communities(&self, q: &mut Sql) {
        match self {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                q.push(" AND r.path LIKE ").bind(format!("{p}%"));
            }
            Visible::Community(c) => {
                q.push(" AND c.id = ").bind(*c);
            }
            Visible::School { school_id } | Visible::Teacher { school_id, .. } => {
                q.push(" AND c.id IN (SELECT community_id FROM memberships WHERE left_on IS NULL AND school_id = ")
                    .bind(*school_id)
                    .push(")");
            }
        }
    }
}

/// SQL giving the region path of a user's scope (`u` is the users row).
pub const USER_SCOPE_PATH: &str = "CASE u.role \
    WHEN 'bureau_admin' THEN (SELECT path FROM regions WHERE id = u.scope_id) \
    WHEN 'inspector' THEN (SELECT path FROM regions WHERE id = u.scope_id) \
    WHEN 'community_lead' THEN (SELECT r2.path FROM communities c2 JOIN regions r2 ON r2.id = c2.region_id WHERE c2.id = u.scope_id) \
    WHEN 'school_coordinator' THEN (SELECT r2.path FROM schools s2 JOIN regions r2 ON r2.id = s2.region_id WHERE s2.id = u.scope_id) \
    WHEN 'teacher' THEN (SELECT r2.path FROM teachers t2 JOIN schools s2 ON s2.id = t2.school_id JOIN regions r2 ON r2.id = s2.region_id WHERE t2.id = u.scope_id) \
    END";

/// SQL giving the human name of a user's scope.
pub const USER_SCOPE_NAME: &str = "CASE u.role \
    WHEN 'bureau_admin' THEN (SELECT name FROM regions WHERE id = u.scope_id) \
    WHEN 'inspector' THEN (SELECT name FROM regions WHERE id = u.scope_id) \
    WHEN 'community_lead' THEN (SELECT name FROM communities WHERE id = u.scope_id) \
    WHEN 'school_coordinator' THEN (SELECT name FROM schools WHERE id = u.scope_id) \
    WHEN 'teacher' THEN (SELECT name FROM teachers WHERE id = u.scope_id) \
    END";

impl Store {
    async fn current_community_of(&self, school_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT community_id FROM memberships WHERE school_id = $1 AND left_on IS NULL",
        )
        .bind(school_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn place_of_region(&self, id: i64) -> Result<Place> {
        let path: String = sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Place {
            region_path: path,
            ..Place::default()
        })
    }

    pub async fn place_of_school(&self, id: i64) -> Result<Place> {
        let path: String = sqlx::query_scalar(
            "SELECT r.path FROM schools s JOIN regions r ON r.id = s.region_id WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Place {
            region_path: path,
            community_id: self.current_community_of(id).await?,
            school_id: Some(id),
            teacher_id: None,
        })
    }

    pub async fn place_of_teacher(&self, id: i64) -> Result<Place> {
        let school_id: i64 = sqlx::query_scalar("SELECT school_id FROM teachers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut place = self.place_of_school(school_id).await?;
        place.teacher_id = Some(id);
        Ok(place)
    }

    pub async fn place_of_community(&self, id: i64) -> Result<Place> {
        let path: String = sqlx::query_scalar(
            "SELECT r.path FROM communities c JOIN regions r ON r.id = c.region_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(Place {
            region_path: path,
            community_id: Some(id),
            school_id: None,
            teacher_id: None,
        })
    }

    /// The place a role's scope id points at; `NotFound` when it does not exist.
    pub async fn place_of_scope(&self, role: Role, scope_id: i64) -> Result<Place> {
        match role {
            // Scope 0: the whole installation (the bootstrap administrator).
            Role::BureauAdmin | Role::Inspector if scope_id == 0 => Ok(Place {
                region_path: "/".into(),
                ..Place::default()
            }),
            Role::BureauAdmin | Role::Inspector => self.place_of_region(scope_id).await,
            Role::CommunityLead => self.place_of_community(scope_id).await,
            Role::SchoolCoordinator => self.place_of_school(scope_id).await,
            Role::Teacher => self.place_of_teacher(scope_id).await,
        }
    }

    pub async fn place_of_user(&self, id: i64) -> Result<Place> {
        let row = sqlx::query("SELECT role, scope_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let role: String = row.try_get("role")?;
        let scope_id: i64 = row.try_get("scope_id")?;
        let role = Role::parse(&role).ok_or(StoreError::NotFound)?;
        self.place_of_scope(role, scope_id).await
    }

    /// The principal of an active user: their role and where their scope puts them.
    pub async fn principal(&self, user_id: i64) -> Result<Principal> {
        let row =
            sqlx::query("SELECT username, role, scope_id FROM users WHERE id = $1 AND active = 1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        let username: String = row.try_get("username")?;
        let role: String = row.try_get("role")?;
        let scope_id: i64 = row.try_get("scope_id")?;
        let role = Role::parse(&role).ok_or(StoreError::NotFound)?;
        let place = self.place_of_scope(role, scope_id).await?;
        Ok(Principal {
            user_id,
            username,
            role,
            scope_id,
            region_path: place.region_path,
            community_id: place.community_id,
            school_id: place.school_id,
            teacher_id: place.teacher_id,
        })
    }
}
