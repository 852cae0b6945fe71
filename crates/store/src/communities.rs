//! Communities, their membership (with history), council and documents.

use crate::audit::{self, Change};
use crate::records::{
    Community, CommunityDetail, CouncilSeat, Document, ListQuery, Membership, Page,
};
use crate::scope::Visible;
use crate::sql::{Sql, like_escape};
use crate::{Actor, Result, Store, StoreError};
use gongjin_domain::inputs::{NewCommunity, NewCouncilSeat, NewMember};
use sqlx::AnyConnection;

const SELECT: &str = "SELECT c.id, c.name, c.region_id, r.name AS region_name, c.kind, c.core_school_id, s.name AS core_school_name, c.pilot_level, \
    c.cross_region, c.first_responsible, c.second_responsible, c.bureau_leader, c.founded_on, \
    COALESCE((SELECT m.batch FROM memberships m WHERE m.community_id = c.id AND m.school_id = c.core_school_id AND m.left_on IS NULL), 1) AS batch, \
    (SELECT COUNT(*) FROM memberships m WHERE m.community_id = c.id AND m.left_on IS NULL) AS school_count \
    FROM communities c JOIN regions r ON r.id = c.region_id JOIN schools s ON s.id = c.core_school_id WHERE 1 = 1";

const MEMBERS: &str = "SELECT m.id, m.community_id, c.name AS community_name, m.school_id, s.name AS school_name, s.code AS school_code, s.stage, s.locality, \
    m.role, m.batch, m.joined_on, m.left_on, m.school_leader \
    FROM memberships m JOIN schools s ON s.id = m.school_id JOIN communities c ON c.id = m.community_id WHERE 1 = 1";

/// A community with its region's path and its current schools (core first).
#[derive(Debug, Clone)]
pub struct CommunityEntry {
    pub community: Community,
    pub region_path: String,
    pub members: Vec<Membership>,
}

impl CommunityEntry {
    /// Where the community sits, for scope decisions.
    pub fn place(&self) -> gongjin_domain::authz::Place {
        gongjin_domain::authz::Place {
            region_path: self.region_path.clone(),
            community_id: Some(self.community.id),
            school_id: None,
            teacher_id: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CommunityWithPath {
    #[sqlx(flatten)]
    community: Community,
    region_path: String,
}

/// A document's metadata as the web layer stored its bytes.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub kind: String,
    pub original_name: String,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

fn filters(q: &mut Sql, f: &ListQuery) {
    if let Some(text) = f.q() {
        q.push(" AND c.name LIKE ")
            .bind(format!("%{}%", like_escape(&text)))
            .push(" ESCAPE '\\'");
    }
    if let Some(rid) = f.region_id {
        q.push(" AND r.path LIKE (SELECT path FROM regions WHERE id = ")
            .bind(rid)
            .push(") || '%'");
    }
    if let Some(sid) = f.school_id {
        q.push(" AND c.id IN (SELECT community_id FROM memberships WHERE left_on IS NULL AND school_id = ").bind(sid).push(")");
    }
    if let Some(cid) = f.community_id {
        q.push(" AND c.id = ").bind(cid);
    }
}

impl Store {
    pub async fn list_communities(
        &self,
        visible: &Visible,
        f: &ListQuery,
    ) -> Result<Page<Community>> {
        let mut count = Sql::new(
            "SELECT COUNT(*) FROM communities c JOIN regions r ON r.id = c.region_id WHERE 1 = 1",
        );
        visible.communities(&mut count);
        filters(&mut count, f);
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let mut q = Sql::new(SELECT);
        visible.communities(&mut q);
        filters(&mut q, f);
        q.push(" ORDER BY c.founded_on, c.id LIMIT ")
            .bind(f.limit())
            .push(" OFFSET ")
            .bind(f.offset());
        let items = q.query_as::<Community>().fetch_all(&self.pool).await?;
        Ok(Page { items, total })
    }

    /// Every community the caller sees, each with its region path and current schools (core first),
    /// in two statements however many there are: for pickers, permission checks and planners,
    /// which must never see a page of them only.
    pub async fn communities_in(&self, visible: &Visible) -> Result<Vec<CommunityEntry>> {
        // Kept until the next write: every form of a province's administrator reads it.
        let key = format!("communities_in:{visible:?}");
        let v = self
            .cached(&key, self.communities_in_fresh(visible))
            .await?;
        Ok(v.as_ref().clone())
    }

    async fn communities_in_fresh(&self, visible: &Visible) -> Result<Vec<CommunityEntry>> {
        let mut q = Sql::new(&SELECT.replacen(
            " FROM communities c",
            ", r.path AS region_path FROM communities c",
            1,
        ));
        visible.communities(&mut q);
        q.push(" ORDER BY c.founded_on, c.id");
        let rows: Vec<CommunityWithPath> = q.query_as().fetch_all(&self.pool).await?;
        let mut m = Sql::new(MEMBERS);
        m.push(" AND m.left_on IS NULL AND m.community_id IN (SELECT c.id FROM communities c JOIN regions r ON r.id = c.region_id WHERE 1 = 1");
        visible.communities(&mut m);
        m.push(
            ") ORDER BY m.community_id, CASE m.role WHEN 'core' THEN 0 ELSE 1 END, m.batch, s.code",
        );
        let mut members: std::collections::HashMap<i64, Vec<Membership>> =
            std::collections::HashMap::new();
        for x in m.query_as::<Membership>().fetch_all(&self.pool).await? {
            members.entry(x.community_id).or_default().push(x);
        }
        Ok(rows
            .into_iter()
            .map(|r| CommunityEntry {
                members: members.remove(&r.community.id).unwrap_or_default(),
                region_path: r.region_path,
                community: r.community,
            })
            .collect())
    }

    pub async fn get_community(&self, id: i64) -> Result<Community> {
        let mut q = Sql::new(SELECT);
        q.push(" AND c.id = ").bind(id);
        q.query_as::<Community>()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn community_detail(&self, id: i64) -> Result<CommunityDetail> {
        let community = self.get_community(id).await?;
        let mut q = Sql::new(MEMBERS);
        q.push(" AND m.community_id = ").bind(id).push(" AND m.left_on IS NULL ORDER BY CASE m.role WHEN 'core' THEN 0 ELSE 1 END, m.batch, s.code");
        let members = q.query_as::<Membership>().fetch_all(&self.pool).await?;
        let mut h = Sql::new(MEMBERS);
        h.push(" AND m.community_id = ")
            .bind(id)
            .push(" AND m.left_on IS NOT NULL ORDER BY m.left_on DESC, m.id DESC");
        let history = h.query_as::<Membership>().fetch_all(&self.pool).await?;
        let council = sqlx::query_as::<_, CouncilSeat>(
            "SELECT id, community_id, name, role, school_id FROM council_seats WHERE community_id = $1 \
             ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 WHEN 'secretary_general' THEN 2 ELSE 3 END, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let documents = self.list_documents(id).await?;
        Ok(CommunityDetail {
            community,
            members,
            history,
            council,
            documents,
        })
    }

    /// The whole membership history of a school, newest first.
    pub async fn school_memberships(&self, school_id: i64) -> Result<Vec<Membership>> {
        let mut q = Sql::new(MEMBERS);
        q.push(" AND m.school_id = ")
            .bind(school_id)
            .push(" ORDER BY m.joined_on DESC, m.id DESC");
        Ok(q.query_as::<Membership>().fetch_all(&self.pool).await?)
    }

    /// Creates a community; its core school joins it as `core` with the community's batch.
    pub async fn create_community(&self, actor: &Actor, c: &NewCommunity) -> Result<Community> {
        let mut tx = self.begin_write().await?;
        let (region_id, path) = crate::teachers::school_region(&mut tx, c.core_school_id).await?;
        ensure_free(&mut tx, c.core_school_id).await?;
        let now = crate::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO communities (name, region_id, kind, core_school_id, pilot_level, cross_region, first_responsible, second_responsible, bureau_leader, founded_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
        )
        .bind(c.name.clone())
        .bind(region_id)
        .bind(c.kind.clone())
        .bind(c.core_school_id)
        .bind(c.pilot_level.key())
        .bind(i64::from(c.cross_region))
        .bind(c.first_responsible.clone())
        .bind(c.second_responsible.clone())
        .bind(c.bureau_leader.clone())
        .bind(c.founded_on.format("%Y-%m-%d").to_string())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_or(e, &c.name))?;
        insert_membership(
            &mut tx,
            id,
            c.core_school_id,
            "core",
            c.batch,
            &c.founded_on.format("%Y-%m-%d").to_string(),
            "",
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "community",
                entity_id: Some(id),
                region_path: &path,
                summary: c.name.clone(),
                before: None,
                after: audit::json(c),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_community(id).await
    }

    pub async fn update_community(
        &self,
        actor: &Actor,
        id: i64,
        c: &NewCommunity,
    ) -> Result<Community> {
        let before = self.get_community(id).await?;
        let mut tx = self.begin_write().await?;
        if c.core_school_id != before.core_school_id {
            // The new core must be free or already a member here; the old core stays as a member.
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT community_id FROM memberships WHERE school_id = $1 AND left_on IS NULL",
            )
            .bind(c.core_school_id)
            .fetch_optional(&mut *tx)
            .await?;
            match current {
                Some(cid) if cid == id => {
                    sqlx::query("UPDATE memberships SET role = 'core' WHERE school_id = $1 AND left_on IS NULL").bind(c.core_school_id).execute(&mut *tx).await?;
                }
                Some(_) => {
                    ensure_free(&mut tx, c.core_school_id).await?;
                }
                None => {
                    insert_membership(
                        &mut tx,
                        id,
                        c.core_school_id,
                        "core",
                        c.batch,
                        &crate::today().format("%Y-%m-%d").to_string(),
                        "",
                    )
                    .await?;
                }
            }
            sqlx::query("UPDATE memberships SET role = 'member' WHERE school_id = $1 AND community_id = $2 AND left_on IS NULL")
                .bind(before.core_school_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE communities SET name = $1, kind = $2, core_school_id = $3, pilot_level = $4, cross_region = $5, first_responsible = $6, \
             second_responsible = $7, bureau_leader = $8, founded_on = $9, updated_at = $10 WHERE id = $11",
        )
        .bind(c.name.clone())
        .bind(c.kind.clone())
        .bind(c.core_school_id)
        .bind(c.pilot_level.key())
        .bind(i64::from(c.cross_region))
        .bind(c.first_responsible.clone())
        .bind(c.second_responsible.clone())
        .bind(c.bureau_leader.clone())
        .bind(c.founded_on.format("%Y-%m-%d").to_string())
        .bind(crate::now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique_or(e, &c.name))?;
        sqlx::query("UPDATE memberships SET batch = $1 WHERE community_id = $2 AND school_id = $3 AND left_on IS NULL")
            .bind(c.batch)
            .bind(id)
            .bind(c.core_school_id)
            .execute(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, before.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "community",
                entity_id: Some(id),
                region_path: &path,
                summary: c.name.clone(),
                before: audit::json(&before),
                after: audit::json(c),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_community(id).await
    }

    /// Deletes a community that has no member schools left besides its core.
    pub async fn delete_community(&self, actor: &Actor, id: i64) -> Result<()> {
        let before = self.community_detail(id).await?;
        if before.members.iter().any(|m| m.role != "core") {
            return Err(StoreError::conflict(
                "error.in_use",
                format!("{} 所成员校", before.members.len() - 1),
            ));
        }
        let mut tx = self.begin_write().await?;
        for table in ["council_seats", "documents", "memberships"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE community_id = $1"
            )))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM communities WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, before.community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "community",
                entity_id: Some(id),
                region_path: &path,
                summary: before.community.name.clone(),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a member school. A school is in at most one community at a time; a school outside
    /// the community's region joins only when the community allows cross-region members.
    pub async fn add_member(
        &self,
        actor: &Actor,
        community_id: i64,
        m: &NewMember,
    ) -> Result<Membership> {
        let community = self.get_community(community_id).await?;
        let mut tx = self.begin_write().await?;
        let (school_region, _) = crate::teachers::school_region(&mut tx, m.school_id).await?;
        let community_path = crate::schools::region_path(&mut tx, community.region_id).await?;
        let school_path = crate::schools::region_path(&mut tx, school_region).await?;
        if !school_path.starts_with(&community_path) && community.cross_region == 0 {
            return Err(StoreError::conflict("error.cross_region", ""));
        }
        ensure_free(&mut tx, m.school_id).await?;
        let id = insert_membership(
            &mut tx,
            community_id,
            m.school_id,
            "member",
            m.batch,
            &m.joined_on.format("%Y-%m-%d").to_string(),
            &m.school_leader,
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "add_member",
                entity: "community",
                entity_id: Some(community_id),
                region_path: &community_path,
                summary: format!("{} + 学校#{}", community.name, m.school_id),
                before: None,
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        let mut q = Sql::new(MEMBERS);
        q.push(" AND m.id = ").bind(id);
        Ok(q.query_as::<Membership>().fetch_one(&self.pool).await?)
    }

    /// Ends a school's membership on `left_on`; the row stays as history.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        community_id: i64,
        school_id: i64,
        left_on: chrono::NaiveDate,
    ) -> Result<()> {
        let community = self.get_community(community_id).await?;
        if community.core_school_id == school_id {
            return Err(StoreError::conflict("error.school_is_core", ""));
        }
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("UPDATE memberships SET left_on = $1 WHERE community_id = $2 AND school_id = $3 AND left_on IS NULL")
            .bind(left_on.format("%Y-%m-%d").to_string())
            .bind(community_id)
            .bind(school_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "remove_member",
                entity: "community",
                entity_id: Some(community_id),
                region_path: &path,
                summary: format!("{} − 学校#{}", community.name, school_id),
                before: Some(serde_json::json!({ "school_id": school_id })),
                after: Some(serde_json::json!({ "left_on": left_on })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Names a school's leader (学校负责人) within its community.
    pub async fn set_school_leader(
        &self,
        actor: &Actor,
        community_id: i64,
        school_id: i64,
        leader: &str,
    ) -> Result<()> {
        let community = self.get_community(community_id).await?;
        let mut tx = self.begin_write().await?;
        let before: Option<String> = sqlx::query_scalar("SELECT school_leader FROM memberships WHERE community_id = $1 AND school_id = $2 AND left_on IS NULL")
            .bind(community_id)
            .bind(school_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Err(StoreError::NotFound);
        };
        sqlx::query("UPDATE memberships SET school_leader = $1 WHERE community_id = $2 AND school_id = $3 AND left_on IS NULL")
            .bind(leader.to_owned())
            .bind(community_id)
            .bind(school_id)
            .execute(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "school_leader",
                entity_id: Some(community_id),
                region_path: &path,
                summary: format!("{} 学校#{}", community.name, school_id),
                before: Some(serde_json::json!({ "school_leader": before })),
                after: Some(serde_json::json!({ "school_leader": leader })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_council_seat(
        &self,
        actor: &Actor,
        community_id: i64,
        seat: &NewCouncilSeat,
    ) -> Result<CouncilSeat> {
        let community = self.get_community(community_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO council_seats (community_id, name, role, school_id) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(community_id)
            .bind(seat.name.clone())
            .bind(seat.role.key())
            .bind(seat.school_id)
            .fetch_one(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "council_seat",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", community.name, seat.name),
                before: None,
                after: audit::json(seat),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CouncilSeat {
            id,
            community_id,
            name: seat.name.clone(),
            role: seat.role.key().into(),
            school_id: seat.school_id,
        })
    }

    pub async fn remove_council_seat(
        &self,
        actor: &Actor,
        community_id: i64,
        seat_id: i64,
    ) -> Result<()> {
        let community = self.get_community(community_id).await?;
        let mut tx = self.begin_write().await?;
        let before: Option<CouncilSeat> = sqlx::query_as("SELECT id, community_id, name, role, school_id FROM council_seats WHERE id = $1 AND community_id = $2")
            .bind(seat_id)
            .bind(community_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else {
            return Err(StoreError::NotFound);
        };
        sqlx::query("DELETE FROM council_seats WHERE id = $1")
            .bind(seat_id)
            .execute(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "council_seat",
                entity_id: Some(seat_id),
                region_path: &path,
                summary: format!("{} {}", community.name, before.name),
                before: audit::json(&before),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_documents(&self, community_id: i64) -> Result<Vec<Document>> {
        Ok(sqlx::query_as::<_, Document>(
            "SELECT id, community_id, kind, original_name, stored_name, content_type, size_bytes, uploaded_at FROM documents WHERE community_id = $1 ORDER BY id DESC",
        )
        .bind(community_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn get_document(&self, id: i64) -> Result<Document> {
        sqlx::query_as::<_, Document>("SELECT id, community_id, kind, original_name, stored_name, content_type, size_bytes, uploaded_at FROM documents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn add_document(
        &self,
        actor: &Actor,
        community_id: i64,
        d: &NewDocument,
    ) -> Result<Document> {
        let community = self.get_community(community_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (community_id, kind, original_name, stored_name, content_type, size_bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(community_id)
        .bind(d.kind.clone())
        .bind(d.original_name.clone())
        .bind(d.stored_name.clone())
        .bind(d.content_type.clone())
        .bind(d.size_bytes)
        .bind(actor.user_id)
        .bind(crate::now())
        .fetch_one(&mut *tx)
        .await?;
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(&mut tx,
            actor,
            Change {
                action: "upload",
                entity: "document",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", community.name, d.original_name),
                before: None,
                after: Some(serde_json::json!({ "kind": d.kind, "name": d.original_name, "size": d.size_bytes })),
            },
        )
        .await?;
        tx.commit().await?;
        self.get_document(id).await
    }

    pub async fn delete_document(&self, actor: &Actor, id: i64) -> Result<Document> {
        let doc = self.get_document(id).await?;
        let community = self.get_community(doc.community_id).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM documents WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let path = crate::schools::region_path(&mut tx, community.region_id).await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "delete",
                entity: "document",
                entity_id: Some(id),
                region_path: &path,
                summary: format!("{} {}", community.name, doc.original_name),
                before: audit::json(&doc),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }
}

pub(crate) async fn ensure_free(conn: &mut AnyConnection, school_id: i64) -> Result<()> {
    let current: Option<String> = sqlx::query_scalar(
        "SELECT c.name FROM memberships m JOIN communities c ON c.id = m.community_id WHERE m.school_id = $1 AND m.left_on IS NULL",
    )
    .bind(school_id)
    .fetch_optional(conn)
    .await?;
    match current {
        Some(name) => Err(StoreError::conflict("error.school_in_community", name)),
        None => Ok(()),
    }
}

pub(crate) async fn insert_membership(
    conn: &mut AnyConnection,
    community_id: i64,
    school_id: i64,
    role: &str,
    batch: i64,
    joined_on: &str,
    leader: &str,
) -> Result<i64> {
    sqlx::query_scalar("INSERT INTO memberships (community_id, school_id, role, batch, joined_on, left_on, school_leader) VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING id")
        .bind(community_id)
        .bind(school_id)
        .bind(role.to_owned())
        .bind(batch)
        .bind(joined_on.to_owned())
        .bind(leader.to_owned())
        .fetch_one(conn)
        .await
        .map_err(|e| StoreError::unique_or(e, format!("学校#{school_id}")))
}
