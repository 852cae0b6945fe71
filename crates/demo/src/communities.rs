//! Communities (教共体) of one county: a strong urban core school and stage-compatible member
//! schools, mostly rural and town ones.

use crate::names::leader;
use crate::rng::{R, chance, int, pick, pick_w, sample_weighted, uniform};
use crate::schools::SchoolMeta;
use crate::tables::{ZENGDU_COMMUNITIES, ZENGDU_SCHOOLS};
use crate::{DemoCommunity, DemoMember, DemoSchool};
use gongjin_domain::enums::{Locality, Stage};
use gongjin_domain::inputs::{CommunityFields, CouncilFields, MemberFields};

/// Whether a member of this stage fits a core of that stage: primary cores take primary and
/// nine-year schools, junior cores junior and nine-year ones, through-schools any.
pub fn compatible(core: Stage, member: Stage) -> bool {
    match core {
        Stage::Primary => member.has_primary(),
        Stage::Junior => member.has_junior(),
        Stage::NineYear | Stage::TwelveYear => true,
    }
}

struct Shape<'a> {
    name: String,
    core: usize,
    members: Vec<usize>,
    kind: &'a str,
    pilot: &'a str,
    batch: i64,
    founded_on: &'a str,
    council: bool,
}

fn member_weight(l: Locality) -> u32 {
    match l {
        Locality::Rural => 5,
        Locality::Town => 4,
        Locality::Urban => 1,
    }
}

/// Fills in the people: principals, school-level leaders, the bureau leader and a council.
fn staff(
    rng: &mut R,
    shape: Shape<'_>,
    schools: &[DemoSchool],
    bureau: &[String],
) -> DemoCommunity {
    let first = leader(rng);
    let core_leader = leader(rng);
    let second = leader(rng);
    let members: Vec<DemoMember> = shape
        .members
        .iter()
        .map(|&m| DemoMember {
            school_code: schools[m].fields.code.clone(),
            fields: MemberFields {
                school_id: 0,
                batch: Some(shape.batch),
                joined_on: Some(shape.founded_on.into()),
                school_leader: Some(leader(rng)),
            },
        })
        .collect();
    let mut council = Vec::new();
    if shape.council {
        let seat = |name: &str, role: &str| CouncilFields {
            name: name.into(),
            role: role.into(),
            school_id: None,
        };
        council.push(seat(&first, "chair"));
        council.push(seat(&second, "vice_chair"));
        if members.len() >= 3 {
            council.push(seat(&leader(rng), "vice_chair"));
        }
        council.push(seat(&core_leader, "secretary_general"));
        for m in &members {
            council.push(seat(
                m.fields.school_leader.as_deref().unwrap_or("理事"),
                "member",
            ));
        }
    }
    let bureau_leader = pick(rng, bureau).clone();
    DemoCommunity {
        region_key: schools[shape.core].region_key.clone(),
        core_school_code: schools[shape.core].fields.code.clone(),
        fields: CommunityFields {
            name: shape.name,
            kind: shape.kind.into(),
            core_school_id: 0,
            pilot_level: Some(shape.pilot.into()),
            cross_region: false,
            first_responsible: Some(first),
            second_responsible: Some(second),
            bureau_leader: Some(bureau_leader),
            founded_on: Some(shape.founded_on.into()),
            batch: Some(shape.batch),
        },
        members,
        core_leader,
        council,
    }
}

fn bureau_leaders(rng: &mut R) -> Vec<String> {
    (0..int(rng, 3, 4)).map(|_| leader(rng)).collect()
}

fn founded(batch: i64) -> &'static str {
    if batch == 1 {
        "2023-09-01"
    } else {
        "2024-03-01"
    }
}

/// 曾都区's six pilot communities. `schools` are the county's schools in [`ZENGDU_SCHOOLS`] order.
pub(crate) fn zengdu(
    rng: &mut R,
    schools: &[DemoSchool],
    meta: &[SchoolMeta],
) -> Vec<DemoCommunity> {
    let n = ZENGDU_SCHOOLS.len();
    let mut free = vec![true; n];
    for c in ZENGDU_COMMUNITIES {
        free[c.core] = false;
        for &a in c.anchors {
            free[a] = false;
        }
    }
    // Junior cores draw first: their pool (junior and nine-year schools) is the smaller one.
    let mut order: Vec<usize> = (0..ZENGDU_COMMUNITIES.len()).collect();
    order.sort_by_key(|&i| match meta[ZENGDU_COMMUNITIES[i].core].stage {
        Stage::Junior => 0,
        Stage::Primary => 1,
        _ => 2,
    });
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ZENGDU_COMMUNITIES.len()];
    for &ci in &order {
        let c = &ZENGDU_COMMUNITIES[ci];
        let core_stage = meta[c.core].stage;
        let pool: Vec<(usize, u32)> = (0..n)
            .filter(|&s| free[s] && meta[s].locality != Locality::Urban)
            .filter(|&s| compatible(core_stage, meta[s].stage))
            .map(|s| (s, member_weight(meta[s].locality)))
            .collect();
        let drawn = sample_weighted(rng, &pool, c.members - c.anchors.len());
        for &s in &drawn {
            free[s] = false;
        }
        let mut all = c.anchors.to_vec();
        all.extend(drawn);
        members[ci] = all;
    }
    let bureau = bureau_leaders(rng);
    ZENGDU_COMMUNITIES
        .iter()
        .zip(members)
        .enumerate()
        .map(|(i, (c, m))| {
            let shape = Shape {
                name: c.name.into(),
                core: c.core,
                members: m,
                kind: c.kind,
                pilot: c.pilot,
                batch: c.batch,
                founded_on: founded(c.batch),
                council: c.council,
            };
            let mut community = staff(rng, shape, schools, &bureau);
            // 局领导包靠: spread the bureau's leaders over the communities.
            community.fields.bureau_leader = Some(bureau[i % bureau.len()].clone());
            community
        })
        .collect()
}

/// Communities of an ordinary county covering 60–80% of its public schools.
pub(crate) fn generic(
    rng: &mut R,
    county: &str,
    schools: &[DemoSchool],
    meta: &[SchoolMeta],
) -> Vec<DemoCommunity> {
    let public: Vec<usize> = (0..schools.len()).filter(|&i| meta[i].public).collect();
    if public.len() < 2 {
        return Vec::new();
    }
    let goal = ((public.len() as f64) * uniform(rng, 0.6, 0.8)).round() as usize;
    let size = |i: usize| meta[i].primary + meta[i].junior;
    let mut cores: Vec<usize> = public.clone();
    // Strongest first: urban before town before rural, then by enrolment.
    cores.sort_by_key(|&i| {
        let rank = match meta[i].locality {
            Locality::Urban => 0,
            Locality::Town => 1,
            Locality::Rural => 2,
        };
        (rank, std::cmp::Reverse(size(i)), i)
    });
    let mut free = vec![false; schools.len()];
    for &i in &public {
        free[i] = true;
    }
    let mut covered = 0;
    let mut shapes: Vec<(usize, Vec<usize>)> = Vec::new();
    for &core in &cores {
        if covered + 2 > goal {
            break;
        }
        if !free[core] || meta[core].locality == Locality::Rural {
            continue;
        }
        let want = (int(rng, 2, 5) as usize).min(goal - covered - 1);
        let pool: Vec<(usize, u32)> = public
            .iter()
            .copied()
            .filter(|&s| s != core && free[s] && compatible(meta[core].stage, meta[s].stage))
            .map(|s| (s, member_weight(meta[s].locality)))
            .collect();
        let drawn = sample_weighted(rng, &pool, want);
        if drawn.is_empty() {
            continue;
        }
        free[core] = false;
        for &s in &drawn {
            free[s] = false;
        }
        covered += 1 + drawn.len();
        shapes.push((core, drawn));
    }
    let bureau = bureau_leaders(rng);
    let first_batch = shapes.len().div_ceil(5).max((shapes.len() * 3).div_ceil(5));
    let mut provincial_left = chance(rng, 0.15);
    let mut municipal_left = int(rng, 0, 2);
    shapes
        .into_iter()
        .enumerate()
        .map(|(i, (core, members))| {
            let batch = if i < first_batch { 1 } else { 2 };
            let pilot = if batch == 1 && provincial_left {
                provincial_left = false;
                "provincial"
            } else if batch == 1 && municipal_left > 0 {
                municipal_left -= 1;
                "municipal"
            } else {
                "none"
            };
            let kind = pick_w(
                rng,
                &[
                    ("co_built", 60),
                    ("collaborative", 20),
                    ("merged", 8),
                    ("tight", 7),
                    ("assisted", 5),
                ],
            );
            let suffix = pick_w(rng, &[("教联体", 6), ("教育共同体", 3), ("教育集团", 1)]);
            // Community names are unique province-wide: urban core names start with the county's.
            let core_name = &schools[core].fields.name;
            let name = if core_name.starts_with(county) {
                format!("{core_name}{suffix}")
            } else {
                format!("{county}{core_name}{suffix}")
            };
            let shape = Shape {
                name,
                core,
                members,
                kind,
                pilot,
                batch,
                founded_on: founded(batch),
                council: chance(rng, 0.35),
            };
            staff(rng, shape, schools, &bureau)
        })
        .collect()
}
