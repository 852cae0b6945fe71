//! City scale: every region-wide figure sees every community (more than 200 of them, past any page
//! size), the grouping planner never proposes a school already in a community, a community's own
//! bundled assessment equals its entry in the region's set-based ranking, and region-wide reads run
//! a number of SQL statements that does not grow with the number of communities, schools, teachers
//! or records (the same count on the 45-school district as on the city). Both backends.

mod common;

use common::*;
use gongjin_domain::PilotLevel;
use gongjin_domain::inputs::NewCommunity;
use gongjin_store::testing::{self, TestDb};
use gongjin_store::{Actor, Store};
use gongjin_web::{AppState, app};
use std::collections::{BTreeMap, HashSet};

/// The city demo (随州市, ~500 schools) plus one-school communities on uncovered schools until the
/// city has more than 200 communities.
async fn city_env(db: TestDb) -> (Env, i64, usize) {
    let data = gongjin_demo::generate(
        gongjin_demo::Scale::City,
        gongjin_demo::DEFAULT_SEED,
        &mut |_, _| {},
    );
    assert!(db.store.bootstrap_admin(ADMIN_PASSWORD).await.unwrap());
    db.store
        .load_demo(&data, &mut NoProgress)
        .await
        .expect("load city demo");
    let store = &db.store;
    let city: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '随州市'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let free: Vec<i64> = sqlx::query_scalar(
        "SELECT s.id FROM schools s WHERE s.id NOT IN (SELECT school_id FROM memberships WHERE left_on IS NULL) \
         AND s.longitude IS NOT NULL ORDER BY s.id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let have = communities_under(store, city).await;
    let need = 210usize.saturating_sub(have);
    assert!(free.len() >= need, "{} free schools for {need}", free.len());
    let actor = Actor::system("scale-test");
    for (i, school) in free.iter().take(need).enumerate() {
        store
            .create_community(
                &actor,
                &NewCommunity {
                    name: format!("规模测试共同体{i:03}"),
                    kind: "collaborative".into(),
                    core_school_id: *school,
                    pilot_level: PilotLevel::None,
                    cross_region: false,
                    first_responsible: String::new(),
                    second_responsible: String::new(),
                    bureau_leader: String::new(),
                    founded_on: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
                    batch: 3,
                },
            )
            .await
            .expect("create community");
    }
    assert!(communities_under(store, city).await > 200);
    let dir = testing::temp_dir("gongjin_scale");
    let app = app(AppState::new(db.store.clone(), &dir));
    (Env { db, app, dir }, city, need)
}

async fn communities_under(store: &Store, region: i64) -> usize {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM communities c JOIN regions r ON r.id = c.region_id \
         WHERE r.path LIKE (SELECT path FROM regions WHERE id = $1) || '%'",
    )
    .bind(region)
    .fetch_one(store.pool())
    .await
    .unwrap();
    n as usize
}

async fn region_named(store: &Store, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM regions WHERE name = $1")
        .bind(name)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The school year the figures are asked for (the demo's records are in 2025–2026).
const YEAR: i32 = 2025;

/// Region-wide reads of a bureau administrator; `{r}` is the region id.
const READS: &[&str] = &[
    "/",
    "/?year=2025",
    "/api/v1/regions/{r}/dashboard?year=2025",
    "/api/v1/assessments/ranking?region_id={r}&year=2025",
    "/api/v1/development-index?region_id={r}&year=2025",
    "/api/v1/quotas?region_id={r}&year=2025",
    "/api/v1/coverage?region_id={r}",
    "/api/v1/balance?region_id={r}&year=2025",
    "/api/v1/schools",
    "/api/v1/teachers",
    "/api/v1/teachers?q=王",
    "/api/v1/communities",
    "/api/v1/exchanges",
    "/api/v1/activities",
    "/api/v1/sync-lessons",
    "/api/v1/mentorships",
    "/api/v1/meetings",
    "/api/v1/unified-tests",
    "/api/v1/projects",
    "/api/v1/audit",
    "/schools",
    "/teachers",
    "/teachers?q=王",
    "/communities",
    "/exchanges",
    "/exchanges/new",
    "/quotas",
    "/mentorships",
    "/mentorships/new",
    "/meetings",
    "/meetings/new",
    "/activities",
    "/activities/new",
    "/sync-lessons",
    "/sync-lessons/new",
    "/support",
    "/free-time",
    "/courses",
    "/resources",
    "/pairings",
    "/student-events",
    "/help-groups",
    "/hardship-fund",
    "/unified-tests",
    "/projects",
    "/assessment",
    "/assessment/ranking?region_id={r}&year=2025",
    "/balance",
    "/plan/communities",
    "/import",
    "/users",
    "/users/new",
    "/audit",
    "/map",
    "/account",
];

/// Statements each read runs, in order of `READS`.
/// Counted cold: the figures cache is cleared first, so the count is that of computing the figures.
async fn statement_counts(client: &Client, store: &Store, region: i64) -> Vec<(String, u64, u16)> {
    let mut out = vec![];
    for r in READS {
        let uri = r.replace("{r}", &region.to_string());
        client.get(&uri).await;
        store.clear_cache();
        let before = gongjin_store::stats::statements();
        let resp = client.get(&uri).await;
        let n = gongjin_store::stats::statements() - before;
        out.push((uri, n, resp.status.as_u16()));
    }
    out
}

#[tokio::test]
async fn city_scale_figures_are_complete_and_set_based() {
    assert!(
        gongjin_store::stats::install(),
        "the statement counter must be the only global subscriber"
    );
    for (district_db, city_db) in testing::all().await.into_iter().zip(testing::all().await) {
        let backend = format!("{:?}", district_db.store.backend());

        // The district: 6 communities.
        let district = env(district_db).await;
        let zengdu = region_named(&district.db.store, "曾都区").await;
        let small = Client::login(&district.app, "zengdu_admin", "gongjin-demo").await;
        let small_counts = statement_counts(&small, &district.db.store, zengdu).await;

        // The city: more than 200.
        let (city, city_id, added) = city_env(city_db).await;
        let store = city.db.store.clone();
        let n = communities_under(&store, city_id).await;
        let big = Client::login(&city.app, "suizhou_admin", "gongjin-demo").await;

        // Every figure sees every community.
        let ranking = big
            .get(&format!(
                "/api/v1/assessments/ranking?region_id={city_id}&year={YEAR}"
            ))
            .await;
        assert_eq!(ranking.status, 200, "{backend} {}", ranking.text());
        let ranking = ranking.json();
        assert_eq!(ranking["entries"].as_array().unwrap().len(), n, "{backend}");
        assert_eq!(ranking["bundled"].as_array().unwrap().len(), n, "{backend}");
        let dash = big
            .get(&format!("/api/v1/regions/{city_id}/dashboard?year={YEAR}"))
            .await
            .json();
        assert_eq!(dash["assessment"].as_array().unwrap().len(), n, "{backend}");
        assert_eq!(
            dash["quota"]["communities"].as_array().unwrap().len(),
            n,
            "{backend}"
        );
        // The meeting form offers every community the administrator may write for.
        let form = big.get("/meetings/new").await.text();
        let offered = form.matches("规模测试共同体").count();
        assert_eq!(
            offered, added,
            "{backend}: every added community is offered"
        );

        // Teacher lists count up to 10,000 ("10,000+" past it); the home page keeps the exact figure.
        let list = big.get("/api/v1/teachers").await.json();
        assert_eq!(list["total"], 10_001, "{backend}");
        assert_eq!(list["total_exact"], false, "{backend}");
        assert!(
            big.get("/teachers").await.text().contains("10,000+"),
            "{backend}"
        );
        let small_list = small.get("/api/v1/teachers").await.json();
        assert_eq!(small_list["total_exact"], true, "{backend}");
        assert!(small_list["total"].as_i64().unwrap() > 2000, "{backend}");

        // A community's own bundled assessment is its entry in the region's set-based ranking.
        let region_wide = store.region_bundled(city_id, YEAR).await.unwrap();
        assert_eq!(region_wide.len(), n, "{backend}");
        let by_id: BTreeMap<i64, serde_json::Value> = region_wide
            .iter()
            .map(|b| (b.community_id, serde_json::to_value(b).unwrap()))
            .collect();
        let ids: Vec<i64> = by_id.keys().copied().collect();
        // Every demo community (the ones with records) and a sample of the added ones.
        for id in ids.iter().copied().filter(|id| *id <= 90 || id % 17 == 0) {
            let own = serde_json::to_value(store.bundled(id, YEAR).await.unwrap()).unwrap();
            assert_eq!(own, by_id[&id], "{backend}: community {id}");
        }
        let demo_scored = by_id
            .values()
            .filter(|b| b["card"]["total"].as_f64().unwrap_or(0.0) > 0.0)
            .count();
        assert!(
            demo_scored >= 6,
            "{backend}: {demo_scored} communities score"
        );

        // The grouping planner keeps every existing community and proposes none of their schools.
        let region = store.get_region(city_id).await.unwrap();
        let run = gongjin_store::planning::communities(
            &store,
            region,
            &gongjin_grouping::Rules::default(),
        )
        .await
        .unwrap();
        let inside: HashSet<i64> =
            sqlx::query_scalar::<_, i64>("SELECT school_id FROM memberships WHERE left_on IS NULL")
                .fetch_all(store.pool())
                .await
                .unwrap()
                .into_iter()
                .collect();
        for c in run.proposal.communities.iter().filter(|c| !c.existing) {
            assert!(
                !inside.contains(&c.core),
                "{backend}: core {} is taken",
                c.core
            );
            for m in &c.members {
                assert!(
                    !inside.contains(&m.school),
                    "{backend}: member {} is taken",
                    m.school
                );
            }
        }
        let kept = run
            .proposal
            .communities
            .iter()
            .filter(|c| c.existing)
            .count();
        assert!(kept >= n - 5, "{backend}: kept {kept} of {n}");

        // Statement counts do not grow with the data.
        let big_counts = statement_counts(&big, &store, city_id).await;
        let mut report = String::new();
        for ((uri, a, sa), (_, b, sb)) in small_counts.iter().zip(&big_counts) {
            report.push_str(&format!(
                "{backend} {uri}: district {a} ({sa}), city {b} ({sb})\n"
            ));
        }
        eprintln!("{report}");
        let grown: Vec<String> = small_counts
            .iter()
            .zip(&big_counts)
            // A read may run a statement or two more where the city has data in a year the district
            // has none (an earlier year's balance report); what it may not do is grow with the
            // number of communities, schools, teachers or records (30× here).
            .filter(|((_, a, sa), (_, b, sb))| *sa != 200 || *sb != 200 || *a == 0 || *b > a + 3)
            .map(|((uri, a, sa), (_, b, sb))| format!("{uri}: {a} ({sa}) → {b} ({sb})"))
            .collect();
        assert!(
            grown.is_empty(),
            "{backend}: statements grow with the data, or a read failed:\n{}",
            grown.join("\n")
        );
        district.db.finish().await;
        city.db.finish().await;
    }
}
