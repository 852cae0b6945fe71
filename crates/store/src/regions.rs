//! Regions: a tree (province > city > county/district) with materialised paths.

use crate::audit::{self, Change};
use crate::records::{CommunityKind, Region};
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::RegionLevel;
use gongjin_domain::coverage::{CoverageSchool, CoverageTarget};
use gongjin_domain::inputs::NewRegion;
use sqlx::Row;

const SELECT: &str = "SELECT id, name, level, parent_id, path FROM regions r WHERE 1 = 1";

impl Store {
    pub async fn list_regions(&self, visible: &Visible, q: Option<&str>) -> Result<Vec<Region>> {
        let mut sql = Sql::new(SELECT);
        match visible {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                // The caller's own region, everything below, and the ancestors (to name them).
                sql.push(" AND (r.path LIKE ")
                    .bind(format!("{p}%"))
                    .push(" OR ")
                    .bind(p.clone())
                    .push(" LIKE r.path || '%')");
            }
            _ => {
                let home = self.home_path(visible).await?;
                sql.push(" AND ").bind(home).push(" LIKE r.path || '%'");
            }
        }
        if let Some(q) = q.filter(|s| !s.is_empty()) {
            sql.push(" AND r.name LIKE ")
                .bind(format!("%{}%", crate::sql::like_escape(q)))
                .push(" ESCAPE '\\'");
        }
        sql.push(" ORDER BY r.path");
        Ok(sql.query_as::<Region>().fetch_all(&self.pool).await?)
    }

    async fn home_path(&self, visible: &Visible) -> Result<String> {
        Ok(match visible {
            Visible::All => "/".into(),
            Visible::RegionPrefix(p) => p.clone(),
            Visible::Community(c) => self.place_of_community(*c).await?.region_path,
            Visible::School { school_id } | Visible::Teacher { school_id, .. } => {
                self.place_of_school(*school_id).await?.region_path
            }
        })
    }

    pub async fn get_region(&self, id: i64) -> Result<Region> {
        let mut sql = Sql::new(SELECT);
        sql.push(" AND r.id = ").bind(id);
        sql.query_as::<Region>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Regions whose name equals `name` (import resolves 所属区域 by name).
    pub async fn regions_named(&self, name: &str) -> Result<Vec<Region>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" AND r.name = ").bind(name);
        Ok(sql.query_as::<Region>().fetch_all(&self.pool).await?)
    }

    pub async fn create_region(&self, actor: &Actor, r: &NewRegion) -> Result<Region> {
        let mut tx = self.begin_write().await?;
        let parent_path = match r.parent_id {
            None => "/".to_owned(),
            Some(pid) => {
                let row = sqlx::query("SELECT path, level FROM regions WHERE id = $1")
                    .bind(pid)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::conflict("error.not_found", pid))?;
                let level: String = row.try_get("level")?;
                let expected = RegionLevel::parse(&level).and_then(RegionLevel::child);
                if expected != Some(r.level) {
                    return Err(StoreError::conflict(
                        "error.region_level",
                        expected.map(|l| l.zh()).unwrap_or("-"),
                    ));
                }
                row.try_get("path")?
            }
        };
        let id: i64 = sqlx::query_scalar("INSERT INTO regions (name, level, parent_id, path, created_at) VALUES ($1, $2, $3, '', $4) RETURNING id")
            .bind(r.name.clone())
            .bind(r.level.key())
            .bind(r.parent_id)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await?;
        let path = format!("{parent_path}{id}/");
        sqlx::query("UPDATE regions SET path = $1 WHERE id = $2")
            .bind(path.clone())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let region = Region {
            id,
            name: r.name.clone(),
            level: r.level.key().into(),
            parent_id: r.parent_id,
            path: path.clone(),
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "region",
                entity_id: Some(id),
                region_path: &path,
                summary: r.name.clone(),
                before: None,
                after: audit::json(&region),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(region)
    }

    pub async fn rename_region(&self, actor: &Actor, id: i64, name: &str) -> Result<Region> {
        let before = self.get_region(id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE regions SET name = $1 WHERE id = $2")
            .bind(name.to_owned())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = Region {
            name: name.to_owned(),
            ..before.clone()
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "region",
                entity_id: Some(id),
                region_path: &before.path,
                summary: name.to_owned(),
                before: audit::json(&before),
                after: audit::json(&after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_region(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.get_region(id).await?;
        let mut tx = self.begin_write().await?;
        let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE parent_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let schools: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schools WHERE region_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let communities: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM communities WHERE region_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if children + schools + communities > 0 {
            return Err(StoreError::conflict("error.region_not_empty", &before.name));
        }
        sqlx::query("DELETE FROM coverage_targets WHERE region_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM community_kinds WHERE region_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM balance_rules WHERE region_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM regions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "region",
                entity_id: Some(id),
                region_path: &before.path,
                summary: before.name.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The community kinds a region may use: its own list, or the preset when it has none.
    pub async fn community_kinds(&self, region_id: i64) -> Result<Vec<CommunityKind>> {
        let path = self.get_region(region_id).await?.path;
        // The nearest region on the path (itself, then ancestors) that configured its own list.
        let own: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT k.region_id, k.key, k.name FROM community_kinds k JOIN regions r ON r.id = k.region_id WHERE $1 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, k.id",
        )
        .bind(path)
        .fetch_all(&self.pool)
        .await?;
        if let Some((nearest, _, _)) = own.first() {
            let nearest = *nearest;
            return Ok(own
                .into_iter()
                .filter(|(r, _, _)| *r == nearest)
                .map(|(_, key, name)| CommunityKind { key, name })
                .collect());
        }
        Ok(sqlx::query_as::<_, CommunityKind>(
            "SELECT key, name FROM community_kinds WHERE region_id IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// [`Store::community_kinds`] of several regions at once, in two statements.
    pub async fn community_kinds_of(
        &self,
        region_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<CommunityKind>>> {
        let mut out = std::collections::HashMap::new();
        if region_ids.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = region_ids.iter().map(i64::to_string).collect();
        // Ids are integers: safe to inline, one statement for any number of regions.
        let paths: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, path FROM regions WHERE id IN ({})",
            ids.join(", ")
        )))
        .fetch_all(&self.pool)
        .await?;
        let rows: Vec<(Option<String>, String, String)> = sqlx::query_as(
            "SELECT r.path, k.key, k.name FROM community_kinds k LEFT JOIN regions r ON r.id = k.region_id ORDER BY k.id",
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, path) in paths {
            // The nearest region on the path that configured its own list, else the preset.
            let nearest = rows
                .iter()
                .filter_map(|(p, _, _)| p.as_deref())
                .filter(|p| path.starts_with(p))
                .max_by_key(|p| p.len());
            let list = rows
                .iter()
                .filter(|(p, _, _)| p.as_deref() == nearest)
                .map(|(_, key, name)| CommunityKind {
                    key: key.clone(),
                    name: name.clone(),
                })
                .collect();
            out.insert(id, list);
        }
        Ok(out)
    }

    /// Replaces a region's list of community kinds.
    pub async fn set_community_kinds(
        &self,
        actor: &Actor,
        region_id: i64,
        kinds: &[(String, String)],
    ) -> Result<()> {
        let region = self.get_region(region_id).await?;
        let before = self.community_kinds(region_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM community_kinds WHERE region_id = $1")
            .bind(region_id)
            .execute(&mut *tx)
            .await?;
        for (k, n) in kinds {
            sqlx::query("INSERT INTO community_kinds (region_id, key, name) VALUES ($1, $2, $3)")
                .bind(region_id)
                .bind(k.clone())
                .bind(n.clone())
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "community_kinds",
                entity_id: Some(region_id),
                region_path: &region.path,
                summary: region.name.clone(),
                before: audit::json(&before),
                after: audit::json(&kinds),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn coverage_targets(&self, region_id: i64) -> Result<Vec<CoverageTarget>> {
        let rows = sqlx::query(
            "SELECT due_on, share FROM coverage_targets WHERE region_id = $1 ORDER BY due_on",
        )
        .bind(region_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = vec![];
        for r in rows {
            let due: String = r.try_get("due_on")?;
            if let Ok(d) = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d") {
                out.push(CoverageTarget {
                    due_on: d,
                    share: r.try_get("share")?,
                });
            }
        }
        Ok(out)
    }

    pub async fn set_coverage_targets(
        &self,
        actor: &Actor,
        region_id: i64,
        targets: &[CoverageTarget],
    ) -> Result<()> {
        let region = self.get_region(region_id).await?;
        let before = self.coverage_targets(region_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM coverage_targets WHERE region_id = $1")
            .bind(region_id)
            .execute(&mut *tx)
            .await?;
        for t in targets {
            sqlx::query(
                "INSERT INTO coverage_targets (region_id, due_on, share) VALUES ($1, $2, $3)",
            )
            .bind(region_id)
            .bind(t.due_on.format("%Y-%m-%d").to_string())
            .bind(t.share)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "coverage_targets",
                entity_id: Some(region_id),
                region_path: &region.path,
                summary: region.name.clone(),
                before: audit::json(&before),
                after: audit::json(&targets),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The schools of a region's subtree as coverage counts them.
    pub async fn coverage_schools(&self, region_id: i64) -> Result<Vec<CoverageSchool>> {
        Ok(self
            .coverage_schools_at(region_id)
            .await?
            .into_iter()
            .map(|(_, s)| s)
            .collect())
    }

    /// [`Store::coverage_schools`] with each school's region path, in one statement (the
    /// per-county breakdown of a city or province filters it by path).
    pub async fn coverage_schools_at(
        &self,
        region_id: i64,
    ) -> Result<Vec<(String, CoverageSchool)>> {
        let path = self.get_region(region_id).await?.path;
        let rows = sqlx::query(
            "SELECT r.path, s.ownership, s.stage, CASE WHEN m.school_id IS NULL THEN 0 ELSE 1 END AS inside \
             FROM schools s JOIN regions r ON r.id = s.region_id \
             LEFT JOIN memberships m ON m.school_id = s.id AND m.left_on IS NULL WHERE r.path LIKE $1",
        )
        .bind(format!("{path}%"))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let path: String = r.try_get("path")?;
            let ownership: String = r.try_get("ownership")?;
            let stage: String = r.try_get("stage")?;
            let inside: i64 = r.try_get("inside")?;
            if let (Some(ownership), Some(stage)) = (
                gongjin_domain::Ownership::parse(&ownership),
                gongjin_domain::Stage::parse(&stage),
            ) {
                out.push((
                    path,
                    CoverageSchool {
                        ownership,
                        stage,
                        in_community: inside > 0,
                    },
                ));
            }
        }
        Ok(out)
    }

    /// The child regions of `region_id` (for per-county coverage at city level).
    pub async fn child_regions(&self, region_id: i64) -> Result<Vec<Region>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" AND r.parent_id = ")
            .bind(region_id)
            .push(" ORDER BY r.id");
        Ok(sql.query_as::<Region>().fetch_all(&self.pool).await?)
    }
}
