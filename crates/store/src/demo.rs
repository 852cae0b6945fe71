//! Loading a generated demo dataset ([`gongjin_demo`]) into an empty database, in bulk: multi-row
//! inserts inside one transaction, so even the province scale (400,000 teachers) loads in minutes.

use crate::audit::{self, Change};
use crate::{Actor, Result, Store, StoreError};
use gongjin_demo::{DemoDataset, DemoScope};
use gongjin_domain::inputs::{NewSchool, NewTeacher};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The password every demo account gets (printed by the CLI and the README).
pub const DEMO_PASSWORD: &str = "gongjin-demo";

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoLoaded {
    pub regions: usize,
    pub schools: usize,
    pub teachers: usize,
    pub communities: usize,
    pub exchanges: usize,
    pub users: Vec<String>,
}

/// Progress phases reported to the caller's bar.
pub trait DemoProgress: Send {
    fn phase(&mut self, name: &str, total: u64);
    fn inc(&mut self, n: u64);
}

impl Store {
    pub async fn load_demo(
        &self,
        data: &DemoDataset,
        progress: &mut dyn DemoProgress,
    ) -> Result<DemoLoaded> {
        if !self.has_no_schools().await? {
            return Err(StoreError::conflict(
                "error.conflict",
                "database is not empty",
            ));
        }
        let today = crate::today();
        // Validate everything first: a demo that does not validate is a bug, reported as such.
        let mut schools: Vec<(String, NewSchool)> = Vec::with_capacity(data.schools.len());
        for s in &data.schools {
            let mut f = s.fields.clone();
            f.region_id = 1; // placeholder, replaced once regions exist
            schools.push((s.region_key.clone(), f.validate()?));
        }
        let mut tx = self.begin_write().await?;
        progress.phase("regions", data.regions.len() as u64);
        let mut region_ids: HashMap<String, (i64, String)> = HashMap::new();
        for r in &data.regions {
            let (parent_id, parent_path) = match &r.parent_key {
                Some(k) => {
                    let (id, p) = region_ids.get(k).cloned().ok_or_else(|| {
                        StoreError::Config(format!("demo region parent {k} missing"))
                    })?;
                    (Some(id), p)
                }
                None => (None, "/".to_owned()),
            };
            let id: i64 = sqlx::query_scalar("INSERT INTO regions (name, level, parent_id, path, created_at) VALUES ($1, $2, $3, '', $4) RETURNING id")
                .bind(r.name.clone())
                .bind(r.level.key())
                .bind(parent_id)
                .bind(crate::now())
                .fetch_one(&mut *tx)
                .await?;
            let path = format!("{parent_path}{id}/");
            sqlx::query("UPDATE regions SET path = $1 WHERE id = $2")
                .bind(path.clone())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            region_ids.insert(r.key.clone(), (id, path));
            progress.inc(1);
        }

        progress.phase("schools", schools.len() as u64);
        for chunk in schools.chunks(400) {
            let mut q = crate::sql::Sql::new(
                "INSERT INTO schools (name, code, region_id, stage, locality, ownership, address, longitude, latitude, primary_enrolment, junior_enrolment, class_count, created_at, updated_at, search_text) VALUES ",
            );
            let now = crate::now();
            for (i, (key, s)) in chunk.iter().enumerate() {
                let rid = region_ids
                    .get(key)
                    .map(|r| r.0)
                    .ok_or_else(|| StoreError::Config(format!("demo region {key} missing")))?;
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(s.name.clone())
                    .push(", ")
                    .bind(s.code.as_str())
                    .push(", ")
                    .bind(rid)
                    .push(", ")
                    .bind(s.stage.key());
                q.push(", ")
                    .bind(s.locality.key())
                    .push(", ")
                    .bind(s.ownership.key())
                    .push(", ")
                    .bind(s.address.clone());
                q.push(", ")
                    .bind(s.longitude)
                    .push(", ")
                    .bind(s.latitude)
                    .push(", ")
                    .bind(s.primary_enrolment);
                q.push(", ")
                    .bind(s.junior_enrolment)
                    .push(", ")
                    .bind(s.class_count)
                    .push(", ")
                    .bind(now.clone())
                    .push(", ")
                    .bind(now.clone())
                    .push(", ")
                    .bind(crate::search::spaced(&[&s.name, s.code.as_str()]))
                    .push(")");
            }
            q.query().execute(&mut *tx).await?;
            progress.inc(chunk.len() as u64);
        }
        let school_ids: HashMap<String, (i64, i64)> =
            sqlx::query_as::<_, (String, i64, i64)>("SELECT code, id, region_id FROM schools")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|(c, id, r)| (c, (id, r)))
                .collect();

        progress.phase("teachers", data.teachers.len() as u64);
        for chunk in data.teachers.chunks(1000) {
            let mut q = crate::sql::Sql::new(
                "INSERT INTO teachers (staff_number, region_id, name, gender, birth_year, school_id, subjects, title, backbone_level, years_at_school, phone, status, created_at, updated_at, degree_above_standard, search_text) VALUES ",
            );
            let now = crate::now();
            for (i, t) in chunk.iter().enumerate() {
                let (sid, rid) = *school_ids.get(&t.school_code).ok_or_else(|| {
                    StoreError::Config(format!("demo school {} missing", t.school_code))
                })?;
                let mut f = t.fields.clone();
                f.school_id = sid;
                let n: NewTeacher = f.validate()?;
                let search = crate::search::spaced(&[&n.name, n.staff_number.as_str()]);
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(n.staff_number.as_str())
                    .push(", ")
                    .bind(rid)
                    .push(", ")
                    .bind(n.name)
                    .push(", ")
                    .bind(n.gender.key());
                q.push(", ")
                    .bind(n.birth_year)
                    .push(", ")
                    .bind(sid)
                    .push(", ")
                    .bind(n.subjects.join("、"))
                    .push(", ")
                    .bind(n.title);
                q.push(", ")
                    .bind(n.backbone_level.key())
                    .push(", ")
                    .bind(n.years_at_school)
                    .push(", ")
                    .bind(n.phone.map(String::from));
                q.push(", ")
                    .bind(n.status.key())
                    .push(", ")
                    .bind(now.clone())
                    .push(", ")
                    .bind(now.clone())
                    .push(", ")
                    .bind(i64::from(n.degree_above_standard.unwrap_or(false)))
                    .push(", ")
                    .bind(search)
                    .push(")");
            }
            q.query().execute(&mut *tx).await?;
            progress.inc(chunk.len() as u64);
        }

        progress.phase("communities", data.communities.len() as u64);
        let mut community_ids: HashMap<String, i64> = HashMap::new();
        let kinds: Vec<String> = gongjin_domain::PRESET_COMMUNITY_KINDS
            .iter()
            .map(|(k, _)| (*k).to_owned())
            .collect();
        for c in &data.communities {
            let (core_id, _) = *school_ids.get(&c.core_school_code).ok_or_else(|| {
                StoreError::Config(format!("demo core {} missing", c.core_school_code))
            })?;
            let (rid, _) = region_ids.get(&c.region_key).cloned().ok_or_else(|| {
                StoreError::Config(format!("demo region {} missing", c.region_key))
            })?;
            let mut f = c.fields.clone();
            f.core_school_id = core_id;
            let n = f.validate(&kinds, today)?;
            let now = crate::now();
            let founded = n.founded_on.format("%Y-%m-%d").to_string();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO communities (name, region_id, kind, core_school_id, pilot_level, cross_region, first_responsible, second_responsible, bureau_leader, founded_on, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            )
            .bind(n.name.clone())
            .bind(rid)
            .bind(n.kind.clone())
            .bind(core_id)
            .bind(n.pilot_level.key())
            .bind(i64::from(n.cross_region))
            .bind(n.first_responsible.clone())
            .bind(n.second_responsible.clone())
            .bind(n.bureau_leader.clone())
            .bind(founded.clone())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            crate::communities::insert_membership(
                &mut tx,
                id,
                core_id,
                "core",
                n.batch,
                &founded,
                &c.core_leader,
            )
            .await?;
            for m in &c.members {
                let (sid, _) = *school_ids.get(&m.school_code).ok_or_else(|| {
                    StoreError::Config(format!("demo member {} missing", m.school_code))
                })?;
                let mut mf = m.fields.clone();
                mf.school_id = sid;
                let nm = mf.validate(today)?;
                crate::communities::insert_membership(
                    &mut tx,
                    id,
                    sid,
                    "member",
                    nm.batch,
                    &nm.joined_on.format("%Y-%m-%d").to_string(),
                    &nm.school_leader,
                )
                .await?;
            }
            for seat in &c.council {
                let s = seat.validate()?;
                sqlx::query("INSERT INTO council_seats (community_id, name, role, school_id) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(s.name)
                    .bind(s.role.key())
                    .bind(s.school_id)
                    .execute(&mut *tx)
                    .await?;
            }
            community_ids.insert(n.name.clone(), id);
            progress.inc(1);
        }

        for t in &data.targets {
            if let Some((rid, _)) = region_ids.get(&t.region_key) {
                sqlx::query(
                    "INSERT INTO coverage_targets (region_id, due_on, share) VALUES ($1, $2, $3)",
                )
                .bind(*rid)
                .bind(t.due_on.format("%Y-%m-%d").to_string())
                .bind(t.share)
                .execute(&mut *tx)
                .await?;
            }
        }

        progress.phase("exchanges", data.exchanges.len() as u64);
        if !data.exchanges.is_empty() {
            let staff: HashMap<String, i64> =
                sqlx::query_as::<_, (String, i64)>("SELECT staff_number, id FROM teachers")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
            for x in &data.exchanges {
                let (Some(tid), Some((from, _)), Some((to, _))) = (
                    staff.get(&x.staff_number),
                    school_ids.get(&x.from_code),
                    school_ids.get(&x.to_code),
                ) else {
                    continue;
                };
                let now = crate::now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO exchanges (teacher_id, from_school_id, to_school_id, kind, subject, start_on, end_on, weekly_pattern, status, note, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $10) RETURNING id",
                )
                .bind(*tid)
                .bind(*from)
                .bind(*to)
                .bind(x.kind.key())
                .bind(x.subject.clone())
                .bind(x.start_on.to_string())
                .bind(x.end_on.to_string())
                .bind(x.weekly_pattern.clone())
                .bind(x.status.key())
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
                for (on, h) in &x.hours {
                    sqlx::query("INSERT INTO exchange_hours (exchange_id, on_date, hours, note, entered_by, created_at) VALUES ($1, $2, $3, '', 'demo', $4)")
                        .bind(id)
                        .bind(on.to_string())
                        .bind(*h)
                        .bind(now.clone())
                        .execute(&mut *tx)
                        .await?;
                }
                progress.inc(1);
            }
        }

        // School conditions for balance monitoring (两个学年).
        {
            let now = crate::now();
            for c in &data.conditions {
                let Some((sid, _)) = school_ids.get(&c.school_code) else {
                    continue;
                };
                let f = gongjin_sheet::ConditionFigures {
                    enrolment: c.enrolment,
                    degree_teachers: c.degree_teachers,
                    backbone_teachers: c.backbone_teachers,
                    pe_art_teachers: c.pe_art_teachers,
                    teaching_space_m2: c.teaching_space_m2,
                    sports_space_m2: c.sports_space_m2,
                    equipment_value_yuan: c.equipment_value_yuan,
                    multimedia_classrooms: c.multimedia_classrooms,
                };
                crate::conditions::insert_condition(&mut tx, *sid, c.year, &c.stage, &f, &now)
                    .await?;
            }
        }

        // Shared courses and resources, students' work (community operations, parts 6 and 8).
        crate::students::load_demo_operations(
            &mut tx,
            &data.operations,
            &school_ids,
            &community_ids,
        )
        .await?;

        // Activities, synchronous lessons, the support menu and teachers' periods.
        let ids: Vec<i64> = community_ids.values().copied().collect();
        crate::demo_ops::load(&mut tx, &ids, crate::today(), 12).await?;

        progress.phase("users", data.users.len() as u64);
        let hash = crate::users::hash_password(DEMO_PASSWORD);
        let mut users = vec![];
        for u in &data.users {
            let scope_id = match &u.scope {
                DemoScope::Region(k) => region_ids.get(k).map(|r| r.0),
                DemoScope::Community(name) => community_ids.get(name).copied(),
                DemoScope::School(code) => school_ids.get(code).map(|s| s.0),
                DemoScope::Teacher(staff) => teacher_id(&mut tx, staff).await?,
            };
            let Some(scope_id) = scope_id else { continue };
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
                .bind(u.username.clone())
                .fetch_one(&mut *tx)
                .await?;
            if exists > 0 {
                continue;
            }
            sqlx::query("INSERT INTO users (username, password_hash, role, scope_id, display_name, active, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6)")
                .bind(u.username.clone())
                .bind(hash.clone())
                .bind(u.role.key())
                .bind(scope_id)
                .bind(u.display_name.clone())
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
            users.push(u.username.clone());
            progress.inc(1);
        }
        let loaded = DemoLoaded {
            regions: data.regions.len(),
            schools: schools.len(),
            teachers: data.teachers.len(),
            communities: data.communities.len(),
            exchanges: data.exchanges.len(),
            users,
        };
        audit::record(
            &mut tx,
            &Actor::system("demo"),
            Change {
                action: "demo",
                entity: "registry",
                entity_id: None,
                region_path: "/",
                summary: "演示数据".into(),
                before: None,
                after: audit::json(&loaded),
            },
        )
        .await?;
        tx.commit().await?;
        self.analyze().await?;
        Ok(loaded)
    }
}

async fn teacher_id(conn: &mut AnyConnection, staff: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM teachers WHERE staff_number = $1 ORDER BY id LIMIT 1")
            .bind(staff.to_owned())
            .fetch_optional(conn)
            .await?,
    )
}
