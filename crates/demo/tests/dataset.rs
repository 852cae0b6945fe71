//! What the demo dataset promises: determinism, the 曾都区 figures of the district's report, and
//! records that the domain accepts.

use gongjin_demo::{
    DemoDataset, DemoScope, DemoSummary, Scale, ZENGDU_KEY, compatible, generate, summarize,
};
use gongjin_domain::coverage::{CoverageSchool, CoverageTarget, coverage};
use gongjin_domain::enums::{
    BackboneLevel, CouncilRole, Gender, Locality, Ownership, PRESET_COMMUNITY_KINDS, PilotLevel,
    Stage, TeacherStatus,
};
use gongjin_domain::{Phone, Role, Username};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

fn dataset(scale: Scale, seed: u64) -> DemoDataset {
    generate(scale, seed, &mut |_, _| {})
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> chrono::NaiveDate {
    date("2025-09-01")
}

fn kinds() -> Vec<String> {
    PRESET_COMMUNITY_KINDS
        .iter()
        .map(|(k, _)| k.to_string())
        .collect()
}

fn dump(d: &DemoDataset) -> String {
    serde_json::to_string(d).unwrap()
}

/// Km between two points (equirectangular; fine at county distances).
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let lat = (a.1 + b.1) / 2.0;
    let dx = (a.0 - b.0) * 111.32 * lat.to_radians().cos();
    let dy = (a.1 - b.1) * 110.57;
    (dx * dx + dy * dy).sqrt()
}

/// Everything every dataset must satisfy, at any scale. Returns nothing; panics with the reason.
fn check_integrity(d: &DemoDataset) {
    // Regions: unique keys, parents before children, levels one below the parent's.
    let mut seen: HashMap<&str, gongjin_domain::RegionLevel> = HashMap::new();
    for r in &d.regions {
        match &r.parent_key {
            None => assert_eq!(r.level, gongjin_domain::RegionLevel::Province),
            Some(p) => {
                let parent = seen
                    .get(p.as_str())
                    .unwrap_or_else(|| panic!("{} before its parent", r.key));
                assert_eq!(parent.child(), Some(r.level), "{}", r.key);
            }
        }
        assert!(!r.name.is_empty());
        assert!(
            seen.insert(&r.key, r.level).is_none(),
            "duplicate region key {}",
            r.key
        );
    }
    let county = |k: &str| seen.get(k) == Some(&gongjin_domain::RegionLevel::County);

    // Schools: validate, unique codes, names unique per county, in a county.
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    let mut school: HashMap<&str, &gongjin_demo::DemoSchool> = HashMap::new();
    for s in &d.schools {
        assert!(county(&s.region_key), "{} not in a county", s.fields.name);
        let mut f = s.fields.clone();
        assert_eq!(f.region_id, 0);
        f.region_id = 1;
        let v = f
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e:?}", s.fields.name));
        assert!(v.longitude.is_some() && !v.address.is_empty());
        assert!(v.class_count > 0);
        assert!(
            codes.insert(s.fields.code.clone()),
            "duplicate code {}",
            s.fields.code
        );
        assert!(
            names.insert((s.region_key.clone(), s.fields.name.clone())),
            "duplicate name {} in {}",
            s.fields.name,
            s.region_key
        );
        school.insert(&s.fields.code, s);
    }

    // Teachers: validate, unique staff numbers, at a known school.
    let mut staff = HashSet::new();
    for t in &d.teachers {
        assert!(school.contains_key(t.school_code.as_str()));
        let mut f = t.fields.clone();
        assert_eq!(f.school_id, 0);
        f.school_id = 1;
        f.validate()
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.fields.staff_number));
        assert!(
            staff.insert(t.fields.staff_number.as_str()),
            "duplicate staff {}",
            t.fields.staff_number
        );
    }
    // Every school has teachers.
    let with_teachers: HashSet<&str> = d.teachers.iter().map(|t| t.school_code.as_str()).collect();
    assert_eq!(with_teachers.len(), d.schools.len());

    // Communities: validate, stage-compatible public schools of the same county, no school twice.
    let kinds = kinds();
    let mut in_community = HashSet::new();
    let mut community_names = HashSet::new();
    for c in &d.communities {
        let mut f = c.fields.clone();
        assert_eq!(f.core_school_id, 0);
        f.core_school_id = 1;
        let v = f
            .validate(&kinds, today())
            .unwrap_or_else(|e| panic!("{}: {e:?}", c.fields.name));
        assert!(!v.cross_region);
        assert!(!v.first_responsible.is_empty() && !v.second_responsible.is_empty());
        assert!(!v.bureau_leader.is_empty() && !c.core_leader.is_empty());
        assert!(
            community_names.insert(c.fields.name.clone()),
            "duplicate community {}",
            c.fields.name
        );
        assert!(!c.members.is_empty(), "{} has no members", c.fields.name);
        let core = school[c.core_school_code.as_str()];
        assert_eq!(core.region_key, c.region_key);
        let core_stage = Stage::parse(&core.fields.stage).unwrap();
        for code in
            std::iter::once(&c.core_school_code).chain(c.members.iter().map(|m| &m.school_code))
        {
            let s = school[code.as_str()];
            assert_eq!(
                s.region_key, c.region_key,
                "{code} outside {}",
                c.fields.name
            );
            assert_eq!(s.fields.ownership.as_deref(), Some("public"));
            assert!(
                in_community.insert(code.clone()),
                "{code} in two communities"
            );
        }
        for m in &c.members {
            let s = school[m.school_code.as_str()];
            assert!(
                compatible(core_stage, Stage::parse(&s.fields.stage).unwrap()),
                "{} in {}",
                s.fields.name,
                c.fields.name
            );
            let mut f = m.fields.clone();
            assert_eq!(f.school_id, 0);
            f.school_id = 1;
            let v = f.validate(today()).unwrap();
            assert_eq!(v.batch, c.fields.batch.unwrap());
            assert_eq!(v.joined_on, date(c.fields.founded_on.as_deref().unwrap()));
            assert!(!v.school_leader.is_empty());
        }
        for seat in &c.council {
            assert!(seat.school_id.is_none());
            seat.validate().unwrap();
        }
        if !c.council.is_empty() {
            let roles: BTreeSet<CouncilRole> = c
                .council
                .iter()
                .map(|s| CouncilRole::parse(&s.role).unwrap())
                .collect();
            assert_eq!(
                roles.len(),
                4,
                "{}: chair, vice chair, secretary-general and members",
                c.fields.name
            );
        }
    }

    // Targets and users point at things that exist.
    for t in &d.targets {
        assert!(county(&t.region_key));
        assert!((0.0..=1.0).contains(&t.share));
    }
    let mut usernames = HashSet::new();
    for u in &d.users {
        Username::parse(&u.username).unwrap();
        assert!(
            u.username
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
        );
        assert!(usernames.insert(u.username.as_str()));
        assert!(!u.display_name.is_empty() && u.display_name.chars().count() <= 32);
        match (&u.role, &u.scope) {
            (Role::BureauAdmin | Role::Inspector, DemoScope::Region(k)) => {
                assert!(seen.contains_key(k.as_str()))
            }
            (Role::CommunityLead, DemoScope::Community(n)) => assert!(community_names.contains(n)),
            (Role::SchoolCoordinator, DemoScope::School(code)) => {
                assert!(school.contains_key(code.as_str()))
            }
            (Role::Teacher, DemoScope::Teacher(sn)) => assert!(staff.contains(sn.as_str())),
            other => panic!("role and scope do not match: {other:?}"),
        }
    }
}

/// The figures of 曾都区 (the same at every scale).
fn check_zengdu(d: &DemoDataset) {
    let schools: Vec<_> = d
        .schools
        .iter()
        .filter(|s| s.region_key == ZENGDU_KEY)
        .collect();
    let public: Vec<_> = schools
        .iter()
        .filter(|s| s.fields.ownership.as_deref() == Some("public"))
        .collect();
    assert_eq!(public.len(), 45);
    let private = schools.len() - public.len();
    assert_eq!(private, 0, "曾都区 is all public");

    let count =
        |f: &dyn Fn(&gongjin_demo::DemoSchool) -> bool| public.iter().filter(|s| f(s)).count();
    let stage = |s: &gongjin_demo::DemoSchool| Stage::parse(&s.fields.stage).unwrap();
    let locality = |s: &gongjin_demo::DemoSchool| Locality::parse(&s.fields.locality).unwrap();
    for st in Stage::ALL {
        assert!(count(&|s| stage(s) == *st) > 0, "no {st} school");
    }
    assert!((1..=2).contains(&count(&|s| stage(s) == Stage::TwelveYear)));
    let urban = count(&|s| locality(s) == Locality::Urban);
    let rural = count(&|s| locality(s) == Locality::Rural);
    let town = count(&|s| locality(s) == Locality::Town);
    assert!(urban > 0 && rural > 0 && town > 0);
    assert!(
        rural + town >= 2 * urban,
        "mostly rural and town: {urban}/{town}/{rural}"
    );
    let names: HashSet<&str> = public.iter().map(|s| s.fields.name.as_str()).collect();
    for n in [
        "曾都区实验小学",
        "曾都区东城第一中学",
        "何店镇中心小学",
        "洛阳镇九年一贯制学校",
        "府河镇万店小学",
    ] {
        assert!(names.contains(n), "{n}");
    }

    // Sizes: urban 1,000–3,000 pupils, rural 50–450; 40–45 a class in town centres, fewer in villages.
    for s in &public {
        let pupils =
            s.fields.primary_enrolment.unwrap_or(0) + s.fields.junior_enrolment.unwrap_or(0);
        let classes = s.fields.class_count.unwrap();
        let per_class = pupils as f64 / classes as f64;
        match locality(s) {
            Locality::Urban => {
                assert!(
                    (1000..=3000).contains(&pupils),
                    "{} {pupils}",
                    s.fields.name
                );
                assert!(
                    (35.0..=46.0).contains(&per_class),
                    "{} {per_class}",
                    s.fields.name
                );
            }
            Locality::Town => assert!(
                (300..=1200).contains(&pupils) && per_class <= 42.5,
                "{}",
                s.fields.name
            ),
            Locality::Rural => {
                assert!((45..=450).contains(&pupils), "{} {pupils}", s.fields.name);
                assert!(per_class <= 30.5, "{} {per_class}", s.fields.name);
            }
        }
        assert_eq!(s.fields.primary_enrolment.is_some(), stage(s).has_primary());
        assert_eq!(s.fields.junior_enrolment.is_some(), stage(s).has_junior());
        let pos = (s.fields.longitude.unwrap(), s.fields.latitude.unwrap());
        assert!(
            km(pos, (113.37, 31.72)) <= 30.0,
            "{} is {} km out",
            s.fields.name,
            km(pos, (113.37, 31.72))
        );
    }

    // Teachers: ~2,500 in proportion to enrolment.
    let codes: HashSet<&str> = schools.iter().map(|s| s.fields.code.as_str()).collect();
    let teachers: Vec<_> = d
        .teachers
        .iter()
        .filter(|t| codes.contains(t.school_code.as_str()))
        .collect();
    assert!(
        (2300..=2700).contains(&teachers.len()),
        "{} teachers",
        teachers.len()
    );
    let mut per_school: HashMap<&str, usize> = HashMap::new();
    for t in &teachers {
        *per_school.entry(t.school_code.as_str()).or_default() += 1;
        assert!(t.fields.staff_number.starts_with("ZD"));
    }
    for s in &public {
        let pupils =
            s.fields.primary_enrolment.unwrap_or(0) + s.fields.junior_enrolment.unwrap_or(0);
        let ratio = pupils as f64 / per_school[s.fields.code.as_str()] as f64;
        if pupils >= 300 {
            assert!(
                (14.5..=18.6).contains(&ratio),
                "{} pupils/teacher {ratio}",
                s.fields.name
            );
        }
    }
    check_teachers(&teachers, &schools);

    // Six communities, 30 of 45 schools, two batches, one provincial and one municipal pilot.
    let comms: Vec<_> = d
        .communities
        .iter()
        .filter(|c| c.region_key == ZENGDU_KEY)
        .collect();
    assert_eq!(comms.len(), 6);
    let covered: HashSet<&str> = comms
        .iter()
        .flat_map(|c| {
            std::iter::once(c.core_school_code.as_str())
                .chain(c.members.iter().map(|m| m.school_code.as_str()))
        })
        .collect();
    assert_eq!(covered.len(), 30);
    assert_eq!(comms.iter().map(|c| 1 + c.members.len()).sum::<usize>(), 30);
    let by_code: HashMap<&str, &&gongjin_demo::DemoSchool> = schools
        .iter()
        .map(|s| (s.fields.code.as_str(), s))
        .collect();
    let mut batches: BTreeMap<i64, (usize, BTreeSet<String>)> = BTreeMap::new();
    let mut pilots: BTreeMap<PilotLevel, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut member_localities = vec![];
    for c in &comms {
        assert!((2..=5).contains(&c.members.len()), "1+X: {}", c.fields.name);
        let core = by_code[c.core_school_code.as_str()];
        assert_eq!(locality(core), Locality::Urban, "{}", c.fields.name);
        let b = batches.entry(c.fields.batch.unwrap()).or_default();
        b.0 += 1;
        b.1.insert(c.fields.founded_on.clone().unwrap());
        *pilots
            .entry(PilotLevel::parse(c.fields.pilot_level.as_deref().unwrap()).unwrap())
            .or_default() += 1;
        *kinds.entry(c.fields.kind.as_str()).or_default() += 1;
        for m in &c.members {
            member_localities.push(locality(by_code[m.school_code.as_str()]));
        }
        // Core schools are strong: big, and larger than each of their rural and town members.
        let size = |s: &gongjin_demo::DemoSchool| {
            s.fields.primary_enrolment.unwrap_or(0) + s.fields.junior_enrolment.unwrap_or(0)
        };
        assert!(
            size(core) >= 1500,
            "{} core has {} pupils",
            c.fields.name,
            size(core)
        );
        for m in &c.members {
            let member = by_code[m.school_code.as_str()];
            if locality(member) != Locality::Urban {
                assert!(size(core) > size(member));
            }
        }
    }
    assert_eq!(batches.len(), 2);
    assert_eq!(batches[&1].0, 4);
    assert_eq!(batches[&1].1, BTreeSet::from(["2023-09-01".to_string()]));
    assert_eq!(batches[&2].0, 2);
    assert_eq!(batches[&2].1, BTreeSet::from(["2024-03-01".to_string()]));
    assert_eq!(pilots.get(&PilotLevel::Provincial), Some(&1));
    assert_eq!(pilots.get(&PilotLevel::Municipal), Some(&1));
    assert_eq!(pilots.get(&PilotLevel::None), Some(&4));
    assert_eq!(kinds.get("merged"), Some(&1));
    assert!(kinds.get("collaborative").copied().unwrap_or(0) >= 1);
    assert!(kinds["co_built"] > comms.len() / 2);
    let non_urban = member_localities
        .iter()
        .filter(|l| **l != Locality::Urban)
        .count();
    assert!(
        non_urban * 10 >= member_localities.len() * 9,
        "members mostly rural and town"
    );
    assert!(comms.iter().filter(|c| !c.council.is_empty()).count() >= 2);
    for c in comms.iter().filter(|c| !c.council.is_empty()) {
        let chair = c.council.iter().find(|s| s.role == "chair").unwrap();
        assert_eq!(Some(&chair.name), c.fields.first_responsible.as_ref());
    }

    // Coverage as the dashboard computes it: 30 of 45 (66.7%), 6 more needed by the end of 2024.
    let cov_schools: Vec<CoverageSchool> = schools
        .iter()
        .map(|s| CoverageSchool {
            ownership: Ownership::parse(s.fields.ownership.as_deref().unwrap()).unwrap(),
            stage: stage(s),
            in_community: covered.contains(s.fields.code.as_str()),
        })
        .collect();
    let targets: Vec<CoverageTarget> = d
        .targets
        .iter()
        .filter(|t| t.region_key == ZENGDU_KEY)
        .map(|t| CoverageTarget {
            due_on: t.due_on,
            share: t.share,
        })
        .collect();
    assert_eq!(targets.len(), 2);
    assert!(
        targets
            .iter()
            .any(|t| t.due_on == date("2024-12-31") && t.share >= 0.8)
    );
    assert!(
        targets
            .iter()
            .any(|t| t.due_on == date("2025-12-31") && t.share == 1.0)
    );
    let c = coverage(&cov_schools, &targets, date("2024-09-01"));
    assert_eq!((c.eligible, c.covered), (45, 30));
    assert_eq!(c.targets[0].schools_needed, 6);

    // Demo users.
    let user = |n: &str| {
        d.users
            .iter()
            .find(|u| u.username == n)
            .unwrap_or_else(|| panic!("no user {n}"))
    };
    assert_eq!(user("zengdu_admin").role, Role::BureauAdmin);
    assert_eq!(
        user("zengdu_admin").scope,
        DemoScope::Region(ZENGDU_KEY.into())
    );
    assert_eq!(user("zengdu_inspector").role, Role::Inspector);
    assert_eq!(
        user("zengdu_inspector").scope,
        DemoScope::Region(ZENGDU_KEY.into())
    );
    for (i, c) in comms.iter().enumerate() {
        let lead = user(&format!("lead{}", i + 1));
        assert_eq!(lead.role, Role::CommunityLead);
        assert_eq!(lead.scope, DemoScope::Community(c.fields.name.clone()));
    }
    let coord = user("coord1");
    assert_eq!(coord.role, Role::SchoolCoordinator);
    let DemoScope::School(coord_school) = &coord.scope else {
        panic!("coord1 scope")
    };
    assert!(
        comms
            .iter()
            .any(|c| c.members.iter().any(|m| &m.school_code == coord_school))
    );
    let teacher = user("teacher1");
    let DemoScope::Teacher(sn) = &teacher.scope else {
        panic!("teacher1 scope")
    };
    let t = teachers
        .iter()
        .find(|t| &t.fields.staff_number == sn)
        .unwrap();
    assert_eq!(&t.school_code, coord_school);
    assert_eq!(teacher.display_name, t.fields.name);
}

const SUBJECTS: &[&str] = &[
    "语文",
    "数学",
    "英语",
    "道德与法治",
    "科学",
    "物理",
    "化学",
    "生物",
    "历史",
    "地理",
    "音乐",
    "体育",
    "美术",
    "信息技术",
    "心理健康",
];
const TITLES: &[&str] = &["三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"];

fn check_teachers(teachers: &[&gongjin_demo::DemoTeacher], schools: &[&gongjin_demo::DemoSchool]) {
    let school: HashMap<&str, &&gongjin_demo::DemoSchool> = schools
        .iter()
        .map(|s| (s.fields.code.as_str(), s))
        .collect();
    let n = teachers.len() as f64;
    let mut primary = (0, 0);
    let mut backbone: BTreeMap<BackboneLevel, usize> = BTreeMap::new();
    let mut backbone_by_locality: HashMap<Locality, (usize, usize)> = HashMap::new();
    let (mut two_subjects, mut long_service, mut active) = (0, 0, 0);
    for t in teachers {
        let f = &t.fields;
        let s = school[t.school_code.as_str()];
        let loc = Locality::parse(&s.fields.locality).unwrap();
        let gender = Gender::parse(&f.gender).unwrap();
        if s.fields.stage == "primary" {
            primary.0 += 1;
            if gender == Gender::Female {
                primary.1 += 1;
            }
            if f.subjects.len() == 2 {
                two_subjects += 1;
            }
        }
        assert!((1965..=2001).contains(&f.birth_year.unwrap()));
        assert!(
            f.subjects.iter().all(|s| SUBJECTS.contains(&s.as_str())),
            "{:?}",
            f.subjects
        );
        assert!(TITLES.contains(&f.title.as_deref().unwrap()));
        let level = BackboneLevel::parse(f.backbone_level.as_deref().unwrap()).unwrap();
        *backbone.entry(level).or_default() += 1;
        let e = backbone_by_locality.entry(loc).or_default();
        e.0 += 1;
        if level.is_backbone() {
            e.1 += 1;
        }
        let years = f.years_at_school.unwrap();
        assert!((0..=30).contains(&years));
        assert!(years <= 2024 - f.birth_year.unwrap() - 22 || years == 0);
        if years >= 6 {
            long_service += 1;
        }
        if let Some(p) = &f.phone {
            Phone::parse(p).unwrap();
            assert_eq!(p.len(), 11);
            assert!(["13", "15", "17", "18", "19"].contains(&&p[..2]), "{p}");
        }
        if TeacherStatus::parse(f.status.as_deref().unwrap()).unwrap() == TeacherStatus::Active {
            active += 1;
        }
    }
    let female_primary = primary.1 as f64 / primary.0 as f64;
    assert!(
        (0.62..=0.78).contains(&female_primary),
        "female share in primary {female_primary}"
    );
    assert!(two_subjects as f64 > 0.15 * primary.0 as f64);
    let bb = (n as usize - backbone[&BackboneLevel::None]) as f64 / n;
    assert!((0.09..=0.17).contains(&bb), "backbone share {bb}");
    let county = backbone[&BackboneLevel::County];
    let city = backbone[&BackboneLevel::City];
    let province = backbone.get(&BackboneLevel::Province).copied().unwrap_or(0);
    assert!(county > city && city > province && province > 0);
    let rate = |l: Locality| {
        let (all, bb) = backbone_by_locality[&l];
        bb as f64 / all as f64
    };
    assert!(rate(Locality::Urban) > rate(Locality::Rural));
    assert!(long_service as f64 > 0.3 * n);
    assert!(active as f64 > 0.9 * n);
}

fn check_district(d: &DemoDataset) {
    assert_eq!(d.regions.len(), 3);
    assert_eq!(
        d.regions
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["湖北省", "随州市", "曾都区"]
    );
    assert!(d.schools.iter().all(|s| s.region_key == ZENGDU_KEY));
    check_integrity(d);
    check_zengdu(d);
    let names: Vec<&str> = d.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names.len(), 2 + 6 + 2);
}

#[test]
fn district_default_seed() {
    let d = dataset(Scale::District, gongjin_demo::DEFAULT_SEED);
    check_district(&d);
    let s = summarize(Scale::District, gongjin_demo::DEFAULT_SEED);
    assert_eq!(
        s,
        DemoSummary {
            regions: 3,
            counties: 1,
            schools: d.schools.len(),
            public_schools: 45,
            communities: 6,
            covered_schools: 30,
            teachers: d.teachers.len() as u64,
        }
    );
}

#[test]
fn same_seed_same_dataset_other_seed_other_dataset() {
    let a = dump(&dataset(Scale::District, 7));
    let b = dump(&dataset(Scale::District, 7));
    assert_eq!(a, b);
    let c = dump(&dataset(Scale::District, 8));
    assert_ne!(a, c);
}

#[test]
fn progress_is_bounded_and_ends_at_total() {
    let mut calls = vec![];
    let d = generate(Scale::District, 1, &mut |done, total| {
        calls.push((done, total))
    });
    let total = d.teachers.len() as u64;
    assert!(calls.len() <= 1002, "{} calls", calls.len());
    assert_eq!(calls.first(), Some(&(0, total)));
    assert_eq!(calls.last(), Some(&(total, total)));
    assert!(calls.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 == total));
}

fn check_city(d: &DemoDataset) {
    check_integrity(d);
    check_zengdu(d);
    assert!(
        (450..=550).contains(&d.schools.len()),
        "{} schools",
        d.schools.len()
    );
    let counties: Vec<_> = d
        .regions
        .iter()
        .filter(|r| r.parent_key.as_deref() == Some("hb-sz"))
        .collect();
    assert_eq!(counties.len(), 10);
    for n in ["曾都区", "随县", "广水市"] {
        assert!(counties.iter().any(|c| c.name == n), "{n}");
    }
    let per_school = d.teachers.len() as f64 / d.schools.len() as f64;
    assert!(
        (72.0..=88.0).contains(&per_school),
        "{per_school} teachers per school"
    );
    // Communities cover roughly 60–80% of each county's public schools.
    let mut public: HashMap<&str, usize> = HashMap::new();
    for s in &d.schools {
        if s.fields.ownership.as_deref() == Some("public") {
            *public.entry(s.region_key.as_str()).or_default() += 1;
        }
    }
    let mut covered: HashMap<&str, usize> = HashMap::new();
    for c in &d.communities {
        *covered.entry(c.region_key.as_str()).or_default() += 1 + c.members.len();
    }
    for c in &counties {
        let share = covered[c.key.as_str()] as f64 / public[c.key.as_str()] as f64;
        assert!((0.5..=0.85).contains(&share), "{} covers {share}", c.name);
        assert!(public[c.key.as_str()] >= 8);
    }
    let users: HashSet<&str> = d.users.iter().map(|u| u.username.as_str()).collect();
    assert!(
        users.contains("suizhou_admin")
            && users.contains("zengdu_admin")
            && users.contains("teacher1")
    );
}

#[test]
fn city_scale() {
    let mut calls = 0;
    let d = generate(Scale::City, 3, &mut |_, _| calls += 1);
    assert!(calls <= 1002);
    check_city(&d);
    // Same seed, same city; and 曾都区 is the district-scale 曾都区.
    assert_eq!(dump(&d), dump(&dataset(Scale::City, 3)));
    let district = dataset(Scale::District, 3);
    let zd = |d: &DemoDataset| {
        let schools: Vec<_> = d
            .schools
            .iter()
            .filter(|s| s.region_key == ZENGDU_KEY)
            .collect();
        let codes: HashSet<&str> = schools.iter().map(|s| s.fields.code.as_str()).collect();
        let teachers: Vec<_> = d
            .teachers
            .iter()
            .filter(|t| codes.contains(t.school_code.as_str()))
            .collect();
        let comms: Vec<_> = d
            .communities
            .iter()
            .filter(|c| c.region_key == ZENGDU_KEY)
            .collect();
        serde_json::to_string(&(schools, teachers, comms)).unwrap()
    };
    assert_eq!(zd(&d), zd(&district));
}

#[test]
fn province_counts_without_teachers() {
    let s = summarize(Scale::Province, gongjin_demo::DEFAULT_SEED);
    assert_eq!(s.schools, 5_000);
    assert_eq!(s.counties, 106);
    assert_eq!(s.regions, 1 + 13 + 106);
    assert!(
        s.teachers.abs_diff(400_000) <= 4_000,
        "{} teachers",
        s.teachers
    );
    let share = s.covered_schools as f64 / s.public_schools as f64;
    assert!((0.6..=0.8).contains(&share), "{share}");
    assert_eq!(s, summarize(Scale::Province, gongjin_demo::DEFAULT_SEED));
}

/// The whole province: 5,000 schools and 400,000 teachers, all valid (a few seconds in debug).
#[test]
fn province_scale() {
    let started = std::time::Instant::now();
    let d = dataset(Scale::Province, 11);
    eprintln!("province generated in {:?}", started.elapsed());
    assert_eq!(d.schools.len(), 5_000);
    assert!(
        d.teachers.len().abs_diff(400_000) <= 4_000,
        "{}",
        d.teachers.len()
    );
    assert_eq!(
        d.regions
            .iter()
            .filter(|r| r.level == gongjin_domain::RegionLevel::City)
            .count(),
        13
    );
    let counties = d
        .regions
        .iter()
        .filter(|r| r.level == gongjin_domain::RegionLevel::County)
        .count();
    assert!((95..=110).contains(&counties));
    check_integrity(&d);
    check_zengdu(&d);
    eprintln!("province checked in {:?}", started.elapsed());
}

/// One more city seed by default; `DEMO_SEEDS=50 cargo test --release -p gongjin-demo many_seeds`
/// checks many city seeds and every tenth a province.
#[test]
fn many_seeds() {
    let n: u64 = std::env::var("DEMO_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for seed in 0..n {
        check_city(&dataset(Scale::City, seed * 7919 + 1));
        if seed % 10 == 9 {
            let d = dataset(Scale::Province, seed);
            assert_eq!(d.schools.len(), 5_000);
            assert!(d.teachers.len().abs_diff(400_000) <= 4_000);
            check_integrity(&d);
        }
    }
}

proptest! {
    // DEMO_CASES=500 for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("DEMO_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(8),
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn district_invariants_hold_for_any_seed(seed in any::<u64>()) {
        check_district(&dataset(Scale::District, seed));
    }
}

#[test]
fn demo_exchanges_are_plausible_and_valid() {
    let data = gongjin_demo::generate(
        gongjin_demo::Scale::District,
        gongjin_demo::DEFAULT_SEED,
        &mut |_, _| {},
    );
    assert!(data.exchanges.len() > 100, "{}", data.exchanges.len());
    let staff: std::collections::HashMap<&str, &str> = data
        .teachers
        .iter()
        .map(|t| (t.fields.staff_number.as_str(), t.school_code.as_str()))
        .collect();
    let community_of: std::collections::HashMap<&str, &str> = data
        .communities
        .iter()
        .flat_map(|c| {
            std::iter::once((c.core_school_code.as_str(), c.fields.name.as_str())).chain(
                c.members
                    .iter()
                    .map(move |m| (m.school_code.as_str(), c.fields.name.as_str())),
            )
        })
        .collect();
    for x in &data.exchanges {
        assert_eq!(
            staff.get(x.staff_number.as_str()),
            Some(&x.from_code.as_str()),
            "teacher leaves the own school"
        );
        assert_eq!(
            community_of.get(x.from_code.as_str()),
            community_of.get(x.to_code.as_str()),
            "within one community"
        );
        let f = gongjin_domain::inputs::ExchangeFields {
            teacher_id: 1,
            from_school_id: Some(1),
            to_school_id: 2,
            kind: x.kind.key().into(),
            subject: Some(x.subject.clone()),
            start_on: x.start_on.to_string(),
            end_on: x.end_on.to_string(),
            weekly_pattern: Some(x.weekly_pattern.clone()),
            status: Some(x.status.key().into()),
            note: None,
        };
        f.validate(1).unwrap_or_else(|e| panic!("{x:?}: {e:?}"));
        assert!(
            x.hours
                .iter()
                .all(|(d, h)| *d >= x.start_on && *d <= x.end_on && *h > 0.0 && *h <= 300.0)
        );
    }
    // Some communities meet the long-term quota of 5 a year, some do not.
    let mut per: std::collections::HashMap<(&str, i32), usize> = Default::default();
    for x in data
        .exchanges
        .iter()
        .filter(|x| x.kind == gongjin_domain::ExchangeKind::LongTerm)
    {
        *per.entry((
            community_of[x.from_code.as_str()],
            gongjin_domain::school_year_of(x.start_on),
        ))
        .or_default() += 1;
    }
    assert!(
        per.values().any(|n| *n >= 5) && per.values().any(|n| *n < 5),
        "{per:?}"
    );
}
