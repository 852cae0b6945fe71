//! The storage seam's behaviour, run identically on SQLite and PostgreSQL.

use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::*;
use gongjin_domain::{RegionLevel, Role};
use gongjin_store::records::ListQuery;
use gongjin_store::scope::Visible;
use gongjin_store::{Actor, Store, StoreError, testing};

fn actor() -> Actor {
    Actor::system("test")
}

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Fixture {
    province: i64,
    county_a: i64,
    county_b: i64,
    core: i64,
    member: i64,
    other: i64,
}

async fn region(store: &Store, name: &str, level: RegionLevel, parent: Option<i64>) -> i64 {
    store
        .create_region(
            &actor(),
            &NewRegion {
                name: name.into(),
                level,
                parent_id: parent,
            },
        )
        .await
        .unwrap()
        .id
}

async fn school(
    store: &Store,
    name: &str,
    code: &str,
    region: i64,
    stage: &str,
    locality: &str,
) -> i64 {
    let f = SchoolFields {
        name: name.into(),
        code: code.into(),
        region_id: region,
        stage: stage.into(),
        locality: locality.into(),
        primary_enrolment: Some(300),
        ..Default::default()
    };
    store
        .create_school(&actor(), &f.validate().unwrap())
        .await
        .unwrap()
        .id
}

async fn fixture(store: &Store) -> Fixture {
    let province = region(store, "湖北省", RegionLevel::Province, None).await;
    let city = region(store, "随州市", RegionLevel::City, Some(province)).await;
    let county_a = region(store, "曾都区", RegionLevel::County, Some(city)).await;
    let county_b = region(store, "随县", RegionLevel::County, Some(city)).await;
    let core = school(
        store,
        "曾都区实验小学",
        "4213030001",
        county_a,
        "primary",
        "urban",
    )
    .await;
    let member = school(
        store,
        "何店镇中心小学",
        "4213030002",
        county_a,
        "小学",
        "乡村",
    )
    .await;
    let other = school(
        store,
        "随县厉山小学",
        "4213210001",
        county_b,
        "primary",
        "town",
    )
    .await;
    Fixture {
        province,
        county_a,
        county_b,
        core,
        member,
        other,
    }
}

fn teacher(staff: &str, school_id: i64) -> NewTeacher {
    TeacherFields {
        staff_number: staff.into(),
        name: "李娜".into(),
        gender: "女".into(),
        birth_year: Some(1988),
        school_id,
        subjects: vec!["语文、道德与法治".into()],
        backbone_level: Some("county".into()),
        years_at_school: Some(7),
        phone: Some("13912345678".into()),
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn community(name: &str, core: i64) -> NewCommunity {
    CommunityFields {
        name: name.into(),
        kind: "co_built".into(),
        core_school_id: core,
        batch: Some(1),
        founded_on: Some("2023-09-01".into()),
        ..Default::default()
    }
    .validate(&["co_built".to_string()], d("2025-01-01"))
    .unwrap()
}

#[tokio::test]
async fn regions_form_a_tree_with_paths() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let a = s.get_region(f.county_a).await.unwrap();
        assert!(
            a.path.starts_with(&format!("/{}/", f.province)),
            "{}: {}",
            db.label,
            a.path
        );
        assert_eq!(a.path.matches('/').count(), 4);
        // A county cannot hold a child; a province's child must be a city.
        let bad = s
            .create_region(
                &actor(),
                &NewRegion {
                    name: "x".into(),
                    level: RegionLevel::County,
                    parent_id: Some(f.province),
                },
            )
            .await;
        assert!(
            matches!(bad, Err(StoreError::Conflict { ref key, .. }) if key == "error.region_level"),
            "{}",
            db.label
        );
        let all = s.list_regions(&Visible::All, None).await.unwrap();
        assert_eq!(all.len(), 4);
        // A county admin sees its county and its ancestors, not the sibling county.
        let seen = s
            .list_regions(&Visible::RegionPrefix(a.path.clone()), None)
            .await
            .unwrap();
        let ids: Vec<i64> = seen.iter().map(|r| r.id).collect();
        assert!(
            ids.contains(&f.county_a) && ids.contains(&f.province) && !ids.contains(&f.county_b),
            "{}: {ids:?}",
            db.label
        );
        // A region with schools cannot be deleted.
        assert!(s.delete_region(&actor(), f.county_a).await.is_err());
        db.finish().await;
    }
}

#[tokio::test]
async fn schools_are_unique_by_code_and_scoped() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let dup = SchoolFields {
            name: "重复".into(),
            code: "4213030001".into(),
            region_id: f.county_a,
            stage: "primary".into(),
            locality: "urban".into(),
            ..Default::default()
        };
        let err = s
            .create_school(&actor(), &dup.validate().unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { ref key, .. } if key == "error.duplicate"),
            "{}: {err:?}",
            db.label
        );

        let a_path = s.get_region(f.county_a).await.unwrap().path;
        let page = s
            .list_schools(&Visible::RegionPrefix(a_path), &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(page.total, 2, "{}", db.label);
        let q = ListQuery {
            q: Some("何店".into()),
            ..Default::default()
        };
        let page = s.list_schools(&Visible::All, &q).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, f.member);
        let q = ListQuery {
            locality: Some("town".into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_schools(&Visible::All, &q).await.unwrap().items[0].id,
            f.other
        );
        let q = ListQuery {
            region_id: Some(f.county_b),
            ..Default::default()
        };
        assert_eq!(s.list_schools(&Visible::All, &q).await.unwrap().total, 1);
        // paging
        let q = ListQuery {
            per_page: Some(2),
            page: Some(2),
            ..Default::default()
        };
        let p2 = s.list_schools(&Visible::All, &q).await.unwrap();
        assert_eq!((p2.total, p2.items.len()), (3, 1));

        let mut fields = s.get_school(f.member).await.unwrap().fields();
        fields.class_count = Some(12);
        let updated = s
            .update_school(&actor(), f.member, &fields.validate().unwrap())
            .await
            .unwrap();
        assert_eq!(updated.class_count, 12);
        db.finish().await;
    }
}

#[tokio::test]
async fn teachers_unique_per_region() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let t = s
            .create_teacher(&actor(), &teacher("ZD0001", f.core))
            .await
            .unwrap();
        assert_eq!(t.subjects.0, vec!["语文", "道德与法治"]);
        assert_eq!(t.phone.as_deref(), Some("13912345678"));
        assert_eq!(t.clone().mask_phone().phone.as_deref(), Some("139****5678"));
        // The same staff number again in the same county: refused.
        let err = s
            .create_teacher(&actor(), &teacher("ZD0001", f.member))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{}", db.label);
        // In another county it is a different teacher.
        s.create_teacher(&actor(), &teacher("ZD0001", f.other))
            .await
            .unwrap();
        let found = s
            .teacher_by_staff_number(t.region_id, "ZD0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, t.id);
        // Deleting a school with teachers is refused.
        assert!(s.delete_school(&actor(), f.core).await.is_err());
        let page = s
            .list_teachers(
                &Visible::School { school_id: f.core },
                &ListQuery::default(),
                &Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        let page = s
            .list_teachers(
                &Visible::Teacher {
                    teacher_id: t.id,
                    school_id: f.core,
                },
                &ListQuery::default(),
                &Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_degree_flag_is_kept_when_a_sheet_does_not_say() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let mut n = teacher("ZD0101", f.core);
        n.degree_above_standard = Some(true);
        let t = s.create_teacher(&actor(), &n).await.unwrap();
        assert_eq!(t.degree_above_standard, 1, "{}", db.label);
        // A sheet without the 高于规定学历 column (None) leaves it as it was.
        let mut n2 = teacher("ZD0101", f.core);
        n2.degree_above_standard = None;
        let t = s.update_teacher(&actor(), t.id, &n2).await.unwrap();
        assert_eq!(t.degree_above_standard, 1, "{}", db.label);
        n2.degree_above_standard = Some(false);
        let t = s.update_teacher(&actor(), t.id, &n2).await.unwrap();
        assert_eq!(t.degree_above_standard, 0, "{}", db.label);
        // A new teacher from such a sheet has no degree above the standard.
        let t = s
            .create_teacher(&actor(), &teacher("ZD0102", f.core))
            .await
            .unwrap();
        assert_eq!(t.degree_above_standard, 0, "{}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_school_is_in_one_community_at_a_time_and_history_is_kept() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let c = s
            .create_community(&actor(), &community("曾都区实验小学教联体", f.core))
            .await
            .unwrap();
        assert_eq!(c.school_count, 1);
        let m = MemberFields {
            school_id: f.member,
            batch: Some(1),
            joined_on: Some("2023-09-01".into()),
            school_leader: Some("王强".into()),
        };
        s.add_member(&actor(), c.id, &m.validate(d("2025-01-01")).unwrap())
            .await
            .unwrap();
        // The member cannot also lead a second community.
        let err = s
            .create_community(&actor(), &community("另一个", f.member))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { ref key, .. } if key == "error.school_in_community"),
            "{}",
            db.label
        );
        // A school of another county needs cross-region permission.
        let m2 = MemberFields {
            school_id: f.other,
            ..Default::default()
        }
        .validate(d("2025-01-01"))
        .unwrap();
        let err = s.add_member(&actor(), c.id, &m2).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { ref key, .. } if key == "error.cross_region"),
            "{}",
            db.label
        );
        // The core school cannot leave.
        assert!(
            s.remove_member(&actor(), c.id, f.core, d("2025-01-01"))
                .await
                .is_err()
        );
        s.remove_member(&actor(), c.id, f.member, d("2025-02-01"))
            .await
            .unwrap();
        let detail = s.community_detail(c.id).await.unwrap();
        assert_eq!(detail.members.len(), 1);
        assert_eq!(detail.history.len(), 1);
        assert_eq!(detail.history[0].left_on.as_deref(), Some("2025-02-01"));
        // Now it is free to join another.
        let c2 = s
            .create_community(&actor(), &community("何店教联体", f.member))
            .await
            .unwrap();
        assert_eq!(s.school_memberships(f.member).await.unwrap().len(), 2);
        assert_eq!(
            s.get_school(f.member).await.unwrap().community_id,
            Some(c2.id)
        );
        // council
        let seat = CouncilFields {
            name: "张校长".into(),
            role: "chair".into(),
            school_id: Some(f.core),
        }
        .validate()
        .unwrap();
        s.add_council_seat(&actor(), c.id, &seat).await.unwrap();
        assert_eq!(s.community_detail(c.id).await.unwrap().council.len(), 1);
        // coverage: 3 public schools, 2 in communities
        let cov = s.coverage_schools(f.province).await.unwrap();
        assert_eq!(cov.len(), 3);
        assert_eq!(cov.iter().filter(|c| c.in_community).count(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn accounts_sessions_tokens_and_principals() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        assert!(s.bootstrap_admin("correct-horse-1").await.unwrap());
        assert!(!s.bootstrap_admin("another-pass-2").await.unwrap());
        let admin = s
            .verify_login("admin", "correct-horse-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            s.verify_login("admin", "wrong-password").await.unwrap(),
            None
        );
        assert_eq!(
            s.verify_login("nobody", "correct-horse-1").await.unwrap(),
            None
        );
        let p = s.principal(admin).await.unwrap();
        assert_eq!(p.region_path, "/");

        let t = s
            .create_teacher(&actor(), &teacher("ZD0002", f.member))
            .await
            .unwrap();
        let c = s
            .create_community(&actor(), &community("教联体", f.core))
            .await
            .unwrap();
        s.add_member(
            &actor(),
            c.id,
            &MemberFields {
                school_id: f.member,
                ..Default::default()
            }
            .validate(d("2025-01-01"))
            .unwrap(),
        )
        .await
        .unwrap();
        let u = UserFields {
            username: "teacher1".into(),
            password: "teacher-pass".into(),
            role: "teacher".into(),
            scope_id: t.id,
            display_name: None,
        }
        .validate()
        .unwrap();
        let user = s.create_user(&actor(), &u).await.unwrap();
        let p = s.principal(user.id).await.unwrap();
        assert_eq!(p.role, Role::Teacher);
        assert_eq!(p.school_id, Some(f.member));
        assert_eq!(p.community_id, Some(c.id));
        assert_eq!(p.teacher_id, Some(t.id));
        let own = s.place_of_teacher(t.id).await.unwrap();
        assert!(p.may(Action::Read, Resource::Teacher, &own));
        assert!(!p.may(Action::Write, Resource::Teacher, &own));
        // A scope that does not exist is refused.
        let bad = UserFields {
            username: "ghost".into(),
            password: "ghost-pass".into(),
            role: "school_coordinator".into(),
            scope_id: 99999,
            display_name: None,
        }
        .validate()
        .unwrap();
        assert!(s.create_user(&actor(), &bad).await.is_err());

        let (token, csrf) = s.create_session(user.id).await.unwrap();
        assert_eq!(s.session(&token).await.unwrap(), Some((user.id, csrf)));
        assert_eq!(s.session("not-a-token").await.unwrap(), None);
        s.end_session(&token).await.unwrap();
        assert_eq!(s.session(&token).await.unwrap(), None);

        let (_, api) = s.create_api_token(&actor(), user.id, "脚本").await.unwrap();
        assert_eq!(s.api_token_user(&api).await.unwrap(), Some(user.id));
        // Deactivating the account stops its token and sessions.
        let (token, _) = s.create_session(user.id).await.unwrap();
        s.update_user(
            &actor(),
            user.id,
            &gongjin_store::users::UserPatch {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(s.api_token_user(&api).await.unwrap(), None);
        assert_eq!(s.session(&token).await.unwrap(), None);

        // Users are listed within a region prefix.
        let a_path = s.get_region(f.county_a).await.unwrap().path;
        let b_path = s.get_region(f.county_b).await.unwrap().path;
        assert_eq!(
            s.list_users(&Visible::RegionPrefix(a_path), None, 1, 50)
                .await
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            s.list_users(&Visible::RegionPrefix(b_path), None, 1, 50)
                .await
                .unwrap()
                .total,
            0
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn every_write_is_audited_within_scope() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let a_path = s.get_region(f.county_a).await.unwrap().path;
        let b_path = s.get_region(f.county_b).await.unwrap().path;
        let mut fields = s.get_school(f.member).await.unwrap().fields();
        fields.name = "何店镇中心学校".into();
        s.update_school(
            &Actor {
                user_id: None,
                username: "zhang".into(),
            },
            f.member,
            &fields.validate().unwrap(),
        )
        .await
        .unwrap();
        let log = s
            .list_audit(&Visible::RegionPrefix(a_path), &Default::default())
            .await
            .unwrap();
        let upd = log
            .items
            .iter()
            .find(|e| e.action == "update" && e.entity == "school")
            .expect("update audited");
        assert_eq!(upd.username, "zhang");
        assert!(
            upd.before_json
                .as_deref()
                .unwrap()
                .contains("何店镇中心小学")
        );
        assert!(
            upd.after_json
                .as_deref()
                .unwrap()
                .contains("何店镇中心学校")
        );
        // The other county's log does not show it.
        let other = s
            .list_audit(&Visible::RegionPrefix(b_path), &Default::default())
            .await
            .unwrap();
        assert!(
            other
                .items
                .iter()
                .all(|e| e.entity_id != Some(f.member) || e.entity != "school")
        );
        // A failed write leaves neither change nor entry.
        let before = s
            .list_audit(&Visible::All, &Default::default())
            .await
            .unwrap()
            .total;
        let dup = SchoolFields {
            name: "x".into(),
            code: "4213030001".into(),
            region_id: f.county_a,
            stage: "primary".into(),
            locality: "urban".into(),
            ..Default::default()
        };
        assert!(
            s.create_school(&actor(), &dup.validate().unwrap())
                .await
                .is_err()
        );
        assert_eq!(
            s.list_audit(&Visible::All, &Default::default())
                .await
                .unwrap()
                .total,
            before
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn community_kinds_and_targets_are_configurable() {
    for db in testing::all().await {
        let s = &db.store;
        let f = fixture(s).await;
        let preset = s.community_kinds(f.county_a).await.unwrap();
        assert_eq!(preset.len(), 5);
        assert_eq!(preset[1].name, "共建型");
        s.set_community_kinds(
            &actor(),
            f.province,
            &[
                ("tight".into(), "紧密型".into()),
                ("assisted".into(), "帮扶型".into()),
            ],
        )
        .await
        .unwrap();
        // A county inherits its province's list.
        let kinds = s.community_kinds(f.county_a).await.unwrap();
        assert_eq!(
            kinds.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
            vec!["tight", "assisted"]
        );
        let targets = vec![
            gongjin_domain::coverage::CoverageTarget {
                due_on: d("2024-12-31"),
                share: 0.8,
            },
            gongjin_domain::coverage::CoverageTarget {
                due_on: d("2025-12-31"),
                share: 1.0,
            },
        ];
        s.set_coverage_targets(&actor(), f.county_a, &targets)
            .await
            .unwrap();
        assert_eq!(s.coverage_targets(f.county_a).await.unwrap(), targets);
        db.finish().await;
    }
}

/// The same tables and columns on both backends (the full-text index tables are SQLite's own: FTS5
/// on SQLite, a GIN index on PostgreSQL).
#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let sqlite = testing::sqlite().await;
    let Some(pg) = testing::postgres().await else {
        return;
    };
    use sqlx::Row;
    let mut a: Vec<String> = vec![];
    for row in sqlx::query("SELECT m.name || '.' || p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
         AND m.name NOT IN ('teacher_search', 'school_search') AND m.name NOT LIKE 'teacher_search_%' AND m.name NOT LIKE 'school_search_%'")
        .fetch_all(sqlite.store.pool())
        .await
        .unwrap()
    {
        a.push(row.try_get("c").unwrap());
    }
    let mut b: Vec<String> = vec![];
    for row in sqlx::query("SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'")
        .fetch_all(pg.store.pool())
        .await
        .unwrap()
    {
        b.push(row.try_get("c").unwrap());
    }
    a.sort();
    b.sort();
    assert_eq!(a, b);
    sqlite.finish().await;
    pg.finish().await;
}

/// The rotation planner's shortages and surpluses come from class counts: 12 primary classes need
/// 12 × 7 ÷ 14 = 6 teachers of 语文 and 12 × 4.3 ÷ 14 ≈ 3.7 of 数学 (curriculum plan, standard load).
#[tokio::test]
async fn rotation_shortages_and_surpluses_come_from_class_counts() {
    for db in testing::all().await {
        let s = &db.store;
        let label = db.label;
        let county = region(s, "曾都区", RegionLevel::County, None).await;
        let mut f = SchoolFields {
            name: "曾都区实验小学".into(),
            code: "4213030001".into(),
            region_id: county,
            stage: "primary".into(),
            locality: "urban".into(),
            primary_enrolment: Some(540),
            class_count: Some(12),
            longitude: Some(113.37),
            latitude: Some(31.72),
            ..Default::default()
        };
        let school = s
            .create_school(&actor(), &f.validate().unwrap())
            .await
            .unwrap()
            .id;
        f.code = "4213030002".into();
        f.name = "何店镇中心小学".into();
        f.class_count = Some(0);
        s.create_school(&actor(), &f.validate().unwrap())
            .await
            .unwrap();
        // 4 of 语文, 6 of 数学; one more of 数学 on leave does not count.
        let mut n = 0;
        for (subject, count, status) in [
            ("语文", 4, gongjin_domain::TeacherStatus::Active),
            ("数学", 6, gongjin_domain::TeacherStatus::Active),
            ("数学", 1, gongjin_domain::TeacherStatus::OnLeave),
        ] {
            for _ in 0..count {
                n += 1;
                let mut t = teacher(&format!("ZD{n:04}"), school);
                t.subjects = vec![subject.to_owned()];
                t.status = status;
                s.create_teacher(&actor(), &t).await.unwrap();
            }
        }
        let inputs = s.rotation_inputs(county, 2026).await.unwrap();
        let key = &inputs.school_key[&school];
        let sch = inputs.input.schools.iter().find(|x| &x.id == key).unwrap();
        assert_eq!(sch.shortages.get("语文"), Some(&2), "{label}");
        assert_eq!(sch.surpluses.get("数学"), Some(&2), "{label}");
        // subjects with none and a need of at least half a teacher are short by one
        assert_eq!(sch.shortages.get("体育"), Some(&3), "{label}");
        assert_eq!(sch.shortages.get("心理健康"), None, "{label}");
        // a school without classes has no derived need
        let other = inputs.input.schools.iter().find(|x| &x.id != key).unwrap();
        assert!(
            other.shortages.is_empty() && other.surpluses.is_empty(),
            "{label}"
        );
        db.finish().await;
    }
}
