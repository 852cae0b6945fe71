use super::*;
use gongjin_domain::{Locality, Stage};

/// Degrees of latitude per km along a meridian.
const DEG_PER_KM: f64 = 180.0 / (std::f64::consts::PI * geo::EARTH_RADIUS_KM);

fn school(id: i64, stage: Stage, strength: f64, km_north: f64, km_east: f64) -> SchoolInput {
    SchoolInput {
        id,
        name: format!("学校{id}"),
        stage,
        locality: Locality::Rural,
        public: true,
        // Near the equator one degree of longitude is ~ one degree of latitude.
        lon: km_east * DEG_PER_KM,
        lat: km_north * DEG_PER_KM,
        enrolment: 300,
        strength,
        may_lead: false,
        region_id: 1,
    }
}

fn lead(mut s: SchoolInput) -> SchoolInput {
    s.may_lead = true;
    s
}

fn marked() -> Rules {
    Rules {
        leaders: LeaderRule::Marked,
        ..Rules::default()
    }
}

fn members_of(p: &Proposal, core: i64) -> Vec<i64> {
    p.communities
        .iter()
        .find(|c| c.core == core)
        .map(|c| c.members.iter().map(|a| a.school).collect())
        .unwrap_or_default()
}

fn reason_of(p: &Proposal, id: i64) -> &UncoveredReason {
    &p.uncovered.iter().find(|u| u.school == id).unwrap().reason
}

#[test]
fn one_core_two_members() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 40.0, 5.0, 0.0),
        school(3, Stage::Primary, 50.0, 10.0, 0.0),
    ];
    let p = recommend(&s, &[], &marked()).unwrap();
    assert_eq!(members_of(&p, 1), vec![2, 3]);
    assert_eq!((p.covered, p.eligible), (3, 3));
    assert!(p.uncovered.is_empty());
    // (5 − 50) + (10 − 40) = −75
    assert!((p.objective - -75.0).abs() < 1e-6, "{}", p.objective);
    let a = &p.communities[0].members[0];
    assert!((a.km - 5.0).abs() < 1e-6);
    assert_eq!(a.lift, 50.0);
    assert_eq!(
        a.reason,
        "距核心校 5.0 公里（直线距离），学段相容（小学），实力差 +50.0"
    );
    assert!(!p.communities[0].existing);
}

#[test]
fn capacity_leaves_the_costliest_out() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 40.0, 5.0, 0.0),
        school(3, Stage::Primary, 50.0, 10.0, 0.0),
        school(4, Stage::Primary, 80.0, 20.0, 0.0),
    ];
    let rules = Rules {
        max_members: 2,
        ..marked()
    };
    let p = recommend(&s, &[], &rules).unwrap();
    // Costs: 2 → −45, 3 → −30, 4 → +10: keep 2 and 3.
    assert_eq!(members_of(&p, 1), vec![2, 3]);
    assert_eq!(
        reason_of(&p, 4),
        &UncoveredReason::AllNearbyCoresFull { candidates: 1 }
    );
    assert_eq!(p.covered, 3);
}

#[test]
fn coverage_beats_cost_two_cores_share_members() {
    // Both members prefer core 1 (stronger and nearer), which could take both; but giving one to
    // core 2 also covers core 2: 4 covered instead of 3.
    let s = vec![
        lead(school(1, Stage::Primary, 95.0, 0.0, 0.0)),
        lead(school(2, Stage::Primary, 60.0, 0.0, 20.0)),
        school(3, Stage::Primary, 40.0, 2.0, 0.0),
        school(4, Stage::Primary, 41.0, 3.0, 0.0),
    ];
    let p = recommend(&s, &[], &marked()).unwrap();
    assert_eq!(p.covered, 4);
    // Which member moves: the one for which moving costs least. Member 3 to core 2: km
    // ≈ 20.1, lift 20; member 4 to core 2: km ≈ 20.2, lift 19. Moving 3 costs
    // (20.1 − 20) − (2 − 55) = 53.1; moving 4 costs (20.2 − 19) − (3 − 54) = 52.2 → move 4.
    assert_eq!(members_of(&p, 1), vec![3]);
    assert_eq!(members_of(&p, 2), vec![4]);
}

#[test]
fn stage_compatibility() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Junior, 40.0, 1.0, 0.0),
        school(3, Stage::NineYear, 40.0, 2.0, 0.0),
    ];
    let p = recommend(&s, &[], &marked()).unwrap();
    assert_eq!(members_of(&p, 1), vec![3]);
    assert_eq!(
        reason_of(&p, 2),
        &UncoveredReason::NoCompatibleCoreWithinKm { nearest_km: None }
    );
    assert!(compatible(Stage::TwelveYear, Stage::Junior));
    assert!(compatible(Stage::NineYear, Stage::Primary));
    assert!(!compatible(Stage::Junior, Stage::Primary));
    assert!(compatible(Stage::Junior, Stage::Junior));
    let shared = &p.communities[0].members[0].reason;
    assert!(shared.contains("学段相容（小学）"), "{shared}");
}

#[test]
fn max_km_and_nearest_core() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 40.0, 40.0, 0.0),
    ];
    let p = recommend(&s, &[], &marked()).unwrap();
    assert!(p.communities.is_empty());
    match reason_of(&p, 2) {
        UncoveredReason::NoCompatibleCoreWithinKm {
            nearest_km: Some(d),
        } => {
            assert!((d - 40.0).abs() < 1e-6)
        }
        r => panic!("{r:?}"),
    }
    assert_eq!(
        reason_of(&p, 1),
        &UncoveredReason::NoCompatibleMemberWithinKm
    );
    assert!(p.uncovered[1].explanation.contains("40.0 公里外"));
    assert_eq!(p.covered, 0);
}

#[test]
fn road_table_overrides_great_circle() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 40.0, 10.0, 0.0),
    ];
    let mut rules = marked();
    rules.road_km = Some(HashMap::from([((2, 1), 35.0)]));
    let p = recommend(&s, &[], &rules).unwrap();
    assert!(p.communities.is_empty(), "road distance 35 km > 30 km");
    rules.road_km = Some(HashMap::from([((1, 2), 12.0)]));
    let p = recommend(&s, &[], &rules).unwrap();
    let a = &p.communities[0].members[0];
    assert_eq!(a.km, 12.0);
    assert!(a.reason.contains("道路距离"));
}

#[test]
fn private_schools_are_excluded() {
    let mut private = school(2, Stage::Primary, 40.0, 1.0, 0.0);
    private.public = false;
    let s = vec![lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)), private];
    let p = recommend(&s, &[], &marked()).unwrap();
    assert!(p.communities.is_empty());
    assert_eq!(reason_of(&p, 2), &UncoveredReason::Private);
    assert_eq!(p.eligible, 1);
}

#[test]
fn strongest_share_decides_leaders() {
    // 4 schools, top 25% = 1 leader (the strongest, id 3).
    let s = vec![
        school(1, Stage::Primary, 50.0, 0.0, 0.0),
        school(2, Stage::Primary, 40.0, 1.0, 0.0),
        school(3, Stage::Primary, 80.0, 2.0, 0.0),
        school(4, Stage::Primary, 30.0, 3.0, 0.0),
    ];
    let rules = Rules {
        leaders: LeaderRule::Strongest { top_share: 0.25 },
        max_members: 3,
        ..Rules::default()
    };
    let p = recommend(&s, &[], &rules).unwrap();
    assert_eq!(p.communities.len(), 1);
    assert_eq!(members_of(&p, 3), vec![1, 2, 4]);
    // Either = the strongest plus the marked.
    let mut s2 = s.clone();
    s2[0].may_lead = true;
    let rules = Rules {
        leaders: LeaderRule::Either { top_share: 0.25 },
        max_members: 1,
        ..Rules::default()
    };
    let p = recommend(&s2, &[], &rules).unwrap();
    assert_eq!(p.communities.len(), 2);
    assert_eq!(p.covered, 4);
}

#[test]
fn existing_communities_are_kept_and_filled() {
    let s = vec![
        school(1, Stage::Primary, 90.0, 0.0, 0.0),
        school(2, Stage::Primary, 40.0, 1.0, 0.0),
        school(3, Stage::Primary, 45.0, 2.0, 0.0),
        lead(school(4, Stage::Primary, 85.0, 0.0, 3.0)),
        school(5, Stage::Primary, 44.0, 0.0, 4.0),
    ];
    let kept = vec![ExistingCommunity {
        core: 1,
        members: vec![2],
    }];
    // Without filling, 3 and 5 go to the new core 4.
    let p = recommend(&s, &kept, &marked()).unwrap();
    assert!(p.communities[0].existing && p.communities[0].core == 1);
    assert_eq!(members_of(&p, 1), vec![2]);
    assert!(p.communities[0].members[0].kept);
    assert_eq!(members_of(&p, 4), vec![3, 5]);
    assert_eq!(p.covered, 5);
    // With filling, 3 is cheaper at core 1 (stronger, nearer): core 1 gets it; 5 stays with 4.
    let rules = Rules {
        fill_existing: true,
        ..marked()
    };
    let p = recommend(&s, &kept, &rules).unwrap();
    assert_eq!(members_of(&p, 1), vec![2, 3]);
    assert_eq!(members_of(&p, 4), vec![5]);
    assert!(
        p.communities[0].members[1]
            .reason
            .starts_with("补入原有共同体")
    );
    assert!(!p.communities[0].members[1].kept);
    // The objective counts new pairs only.
    let expected: f64 = p
        .communities
        .iter()
        .flat_map(|c| &c.members)
        .filter(|a| !a.kept)
        .map(|a| a.km - a.lift)
        .sum();
    assert!((p.objective - expected).abs() < 1e-9);
}

#[test]
fn cross_region_mode() {
    let mut s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 70.0, 1.0, 0.0), // region A, may not lead
        lead(school(3, Stage::Primary, 80.0, 2.0, 0.0)), // region B: member only
        school(4, Stage::Primary, 30.0, 3.0, 0.0), // region B
        school(5, Stage::Primary, 30.0, 4.0, 0.0), // region 9: outside
    ];
    for x in &mut s[2..4] {
        x.region_id = 2;
    }
    s[4].region_id = 9;
    let rules = Rules {
        cross_region: Some((1, 2)),
        ..marked()
    };
    let p = recommend(&s, &[], &rules).unwrap();
    assert_eq!(members_of(&p, 1), vec![3, 4]);
    assert_eq!(p.communities.len(), 1);
    assert_eq!(reason_of(&p, 2), &UncoveredReason::CannotLeadInCrossRegion);
    assert_eq!(reason_of(&p, 5), &UncoveredReason::OutsideCrossRegion);
    assert_eq!((p.covered, p.eligible), (3, 4));
}

#[test]
fn result_does_not_depend_on_input_order() {
    let mut s: Vec<SchoolInput> = (0..30)
        .map(|i| {
            let st = [Stage::Primary, Stage::Junior, Stage::NineYear][i % 3];
            let mut x = school(
                i as i64 + 1,
                st,
                (i * 37 % 100) as f64,
                (i * 7 % 25) as f64,
                (i * 11 % 23) as f64,
            );
            x.may_lead = i % 4 == 0;
            x
        })
        .collect();
    let p1 = recommend(&s, &[], &Rules::default()).unwrap();
    s.reverse();
    s.swap(3, 17);
    let p2 = recommend(&s, &[], &Rules::default()).unwrap();
    assert_eq!(p1, p2);
}

#[test]
fn validation_errors() {
    let a = school(1, Stage::Primary, 90.0, 0.0, 0.0);
    let r = Rules::default();
    assert_eq!(
        recommend(&[a.clone(), a.clone()], &[], &r),
        Err(GroupingError::DuplicateSchool(1))
    );
    let mut nan = a.clone();
    nan.lat = f64::NAN;
    assert!(matches!(
        recommend(&[nan], &[], &r),
        Err(GroupingError::InvalidCoordinates { id: 1, .. })
    ));
    let mut strong = a.clone();
    strong.strength = 101.0;
    assert!(matches!(
        recommend(&[strong], &[], &r),
        Err(GroupingError::InvalidStrength { id: 1, .. })
    ));
    let kept = [ExistingCommunity {
        core: 1,
        members: vec![7],
    }];
    let e = recommend(std::slice::from_ref(&a), &kept, &r).unwrap_err();
    assert_eq!(e, GroupingError::UnknownSchool { core: 1, id: 7 });
    assert!(e.to_string().contains("unknown school id 7"));
    let b = school(2, Stage::Primary, 50.0, 1.0, 0.0);
    let twice = [
        ExistingCommunity {
            core: 1,
            members: vec![2],
        },
        ExistingCommunity {
            core: 2,
            members: vec![],
        },
    ];
    assert_eq!(
        recommend(&[a.clone(), b], &twice, &r),
        Err(GroupingError::SchoolInTwoCommunities(2))
    );
    for bad in [
        Rules {
            max_members: 0,
            ..Rules::default()
        },
        Rules {
            max_km: f64::NAN,
            ..Rules::default()
        },
        Rules {
            weight_km: -1.0,
            ..Rules::default()
        },
        Rules {
            leaders: LeaderRule::Strongest { top_share: 1.5 },
            ..Rules::default()
        },
        Rules {
            cross_region: Some((3, 3)),
            ..Rules::default()
        },
        Rules {
            road_km: Some(HashMap::from([((1, 2), f64::INFINITY)])),
            ..Rules::default()
        },
    ] {
        assert!(
            matches!(
                recommend(std::slice::from_ref(&a), &[], &bad),
                Err(GroupingError::InvalidRules(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn proposal_serialises() {
    let s = vec![
        lead(school(1, Stage::Primary, 90.0, 0.0, 0.0)),
        school(2, Stage::Primary, 40.0, 5.0, 0.0),
        school(3, Stage::Junior, 40.0, 5.0, 0.0),
    ];
    let p = recommend(&s, &[], &marked()).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(
        json["uncovered"][0]["reason"]["kind"],
        "no_compatible_core_within_km"
    );
    assert_eq!(json["communities"][0]["members"][0]["school"], 2);
}
