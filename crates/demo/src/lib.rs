//! Deterministic demo data for Gongjin, modelled on 湖北省 > 随州市 > 曾都区 and its six pilot
//! 教联体 (2023–2024: 30 of 45 public compulsory schools in communities).
//!
//! [`generate`] builds a whole dataset from a [`Scale`] and a seed: regions, schools, teachers,
//! communities with their members and councils, coverage targets and demo users. Records are the
//! domain's loose input structs (`SchoolFields`, `TeacherFields`, …) so the store validates and
//! inserts them like any other input; ids are 0 and the links are by key (region key, school code,
//! community name, staff number), which the importer resolves to ids as it inserts.
//!
//! Pure: no IO, no clock. The same (scale, seed) gives the identical dataset, and 曾都区 comes out the
//! same at every scale for a given seed.

mod communities;
mod conditions;
mod exchanges;
mod names;
mod rng;
mod schools;
mod tables;
mod teachers;
// Shared courses and resources; students (community operations).
mod students;

use gongjin_domain::Role;
use gongjin_domain::enums::RegionLevel;
use gongjin_domain::inputs::{
    CommunityFields, CouncilFields, MemberFields, SchoolFields, TeacherFields,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use communities::compatible;
pub use conditions::{CONDITION_YEARS, DemoCondition};
pub use exchanges::DemoExchange;
pub use students::{
    DemoCourse, DemoDelivery, DemoEvent, DemoFundMovement, DemoHelpGroup, DemoOperations,
    DemoPairing, DemoResource,
};

use rng::{sub_rng, uniform};
use schools::{CountyCtx, Draft, SchoolMeta};
use tables::{CountyKind, HUBEI_CITIES, SUIZHOU, SUIZHOU_COUNTIES};

/// The seed the CLI uses when none is given.
pub const DEFAULT_SEED: u64 = 2024;

/// How much to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 曾都区 alone (45 public schools, ~2,500 teachers, 6 communities) under 随州市 and 湖北省.
    District,
    /// 随州市 with ten county-level regions (~500 schools, ~40,000 teachers).
    City,
    /// 湖北省 with thirteen cities and 106 county-level regions (5,000 schools, ~400,000 teachers).
    Province,
}

impl Scale {
    pub const ALL: &'static [Scale] = &[Scale::District, Scale::City, Scale::Province];

    pub fn key(self) -> &'static str {
        match self {
            Scale::District => "district",
            Scale::City => "city",
            Scale::Province => "province",
        }
    }

    /// `district`, `city` or `province` (case and surrounding whitespace ignored).
    pub fn parse(s: &str) -> Option<Scale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "district" => Some(Scale::District),
            "city" => Some(Scale::City),
            "province" => Some(Scale::Province),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scale::parse(s)
            .ok_or_else(|| format!("unknown scale {s:?}: expected district, city or province"))
    }
}

/// A region of the tree; `key` is unique and children name their parent's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRegion {
    /// e.g. `hb`, `hb-sz`, `hb-sz-zd`.
    pub key: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_key: Option<String>,
}

/// A school; `fields.region_id` is 0 (the region is `region_key`) and `fields.code` is a unique
/// ten-digit code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoSchool {
    pub region_key: String,
    pub fields: SchoolFields,
}

/// A teacher; `fields.school_id` is 0 (the school is `school_code`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoTeacher {
    pub school_code: String,
    pub fields: TeacherFields,
}

/// A member school of a community; `fields.school_id` is 0 (the school is `school_code`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoMember {
    pub school_code: String,
    pub fields: MemberFields,
}

/// A community; `fields.core_school_id` is 0 (the core is `core_school_code`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCommunity {
    pub region_key: String,
    pub core_school_code: String,
    pub fields: CommunityFields,
    /// Member schools only, not the core.
    pub members: Vec<DemoMember>,
    /// The school-level leader the core school names.
    pub core_leader: String,
    /// The council (理事会) roster, empty when the community has none; `school_id` is `None`.
    pub council: Vec<CouncilFields>,
}

/// A coverage target of a region: at least `share` of its public schools in communities by `due_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoTarget {
    pub region_key: String,
    pub due_on: chrono::NaiveDate,
    pub share: f64,
}

/// What a demo user's scope points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DemoScope {
    /// A region key.
    Region(String),
    /// A community name.
    Community(String),
    /// A school code.
    School(String),
    /// A teacher's staff number.
    Teacher(String),
}

/// A demo account (the CLI gives them a known password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub scope: DemoScope,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoDataset {
    /// Parents before children.
    pub regions: Vec<DemoRegion>,
    pub schools: Vec<DemoSchool>,
    pub teachers: Vec<DemoTeacher>,
    pub communities: Vec<DemoCommunity>,
    pub targets: Vec<DemoTarget>,
    pub users: Vec<DemoUser>,
    /// 曾都区's exchanges over two school years, with their hours ledgers.
    pub exchanges: Vec<DemoExchange>,
    /// 曾都区's shared courses and resources and students' work over a school year.
    #[serde(default)]
    pub operations: DemoOperations,
    /// 曾都区's school conditions over two school years (balance monitoring).
    #[serde(default)]
    pub conditions: Vec<DemoCondition>,
}

/// Counts of a dataset, computed without generating the teachers (cheap even at province scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSummary {
    pub regions: usize,
    /// County-level regions.
    pub counties: usize,
    pub schools: usize,
    pub public_schools: usize,
    pub communities: usize,
    /// Schools that are the core or a member of a community.
    pub covered_schools: usize,
    pub teachers: u64,
}

/// The key of 曾都区 at every scale.
pub const ZENGDU_KEY: &str = "hb-sz-zd";

/// Targets every county gets: ≥80% by the end of 2024, all by the end of 2025 (曾都区's plan).
const TARGETS: &[(i32, u32, u32, f64)] = &[(2024, 12, 31, 0.8), (2025, 12, 31, 1.0)];

struct CountyPlan {
    key: String,
    staff_prefix: String,
    schools: std::ops::Range<usize>,
}

struct Plan {
    regions: Vec<DemoRegion>,
    schools: Vec<DemoSchool>,
    meta: Vec<SchoolMeta>,
    counties: Vec<CountyPlan>,
    communities: Vec<DemoCommunity>,
    targets: Vec<DemoTarget>,
}

struct CountySpec {
    key: String,
    name: String,
    city: &'static str,
    admin: String,
    staff_prefix: String,
    kind: CountyKind,
    centre: (f64, f64),
    weight: f64,
}

/// The county-level regions of a city at this scale.
fn county_specs(seed: u64, scale: Scale, city_index: usize) -> Vec<CountySpec> {
    let city = &HUBEI_CITIES[city_index];
    let city_key = format!("hb-{}", city.abbr);
    if city_index == SUIZHOU {
        let list = match scale {
            Scale::District => &SUIZHOU_COUNTIES[..1],
            _ => SUIZHOU_COUNTIES,
        };
        return list
            .iter()
            .map(|c| {
                let abbr = c.abbr.expect("随州 counties have abbreviations");
                CountySpec {
                    key: format!("{city_key}-{abbr}"),
                    name: c.name.into(),
                    city: city.name,
                    admin: c.code.expect("随州 counties have codes").into(),
                    staff_prefix: abbr.to_ascii_uppercase(),
                    kind: if c.name.ends_with('区') {
                        CountyKind::District
                    } else {
                        CountyKind::County
                    },
                    centre: c.centre.expect("随州 counties have centres"),
                    weight: c.weight,
                }
            })
            .collect();
    }
    let (mut district_no, mut county_no, mut city_no) = (2, 21, 81);
    city.counties
        .split(',')
        .map(|raw| {
            let central = raw.ends_with('*');
            let name = raw.trim_end_matches('*');
            let (kind, no) = if name.ends_with('区') {
                district_no += 1;
                let kind = if central {
                    CountyKind::Central
                } else {
                    CountyKind::District
                };
                (kind, district_no - 1)
            } else if name.ends_with('县') {
                county_no += 1;
                (CountyKind::County, county_no - 1)
            } else {
                city_no += 1;
                (CountyKind::County, city_no - 1)
            };
            let admin = format!("42{}{no:02}", city.code);
            let key = format!("{city_key}-{admin}");
            let mut r = sub_rng(seed, &key, 0);
            let centre = if central {
                (
                    city.lon + uniform(&mut r, -0.04, 0.04),
                    city.lat + uniform(&mut r, -0.04, 0.04),
                )
            } else {
                (
                    city.lon + uniform(&mut r, -0.45, 0.45),
                    city.lat + uniform(&mut r, -0.4, 0.4),
                )
            };
            CountySpec {
                staff_prefix: format!("{admin}-"),
                key,
                name: name.into(),
                city: city.name,
                admin,
                kind,
                centre,
                weight: if central { 0.8 } else { 1.0 },
            }
        })
        .collect()
}

/// Distributes `total` over `weights` by largest remainder, at least `min` each.
fn apportion(total: usize, weights: &[f64], min: usize) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let spare = total.saturating_sub(min * weights.len()) as f64;
    let exact: Vec<f64> = weights.iter().map(|w| spare * w / sum).collect();
    let mut out: Vec<usize> = exact.iter().map(|x| min + x.floor() as usize).collect();
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Everything but the teachers.
fn plan(scale: Scale, seed: u64) -> Plan {
    let mut top = ChaCha8Rng::seed_from_u64(seed);
    let mut regions = vec![DemoRegion {
        key: "hb".into(),
        name: "湖北省".into(),
        level: RegionLevel::Province,
        parent_key: None,
    }];
    let city_indices: Vec<usize> = match scale {
        Scale::District | Scale::City => vec![SUIZHOU],
        Scale::Province => (0..HUBEI_CITIES.len()).collect(),
    };
    let mut specs: Vec<CountySpec> = Vec::new();
    for &ci in &city_indices {
        let city = &HUBEI_CITIES[ci];
        let city_key = format!("hb-{}", city.abbr);
        regions.push(DemoRegion {
            key: city_key.clone(),
            name: city.name.into(),
            level: RegionLevel::City,
            parent_key: Some("hb".into()),
        });
        for spec in county_specs(seed, scale, ci) {
            regions.push(DemoRegion {
                key: spec.key.clone(),
                name: spec.name.clone(),
                level: RegionLevel::County,
                parent_key: Some(city_key.clone()),
            });
            specs.push(spec);
        }
    }

    // Draft every county with its own generator; 曾都区 from its table.
    let (school_total, teacher_total) = match scale {
        Scale::District => (0, 0),
        Scale::City => (500, 40_000),
        Scale::Province => (5_000, 400_000),
    };
    let mut rngs: Vec<rng::R> = specs.iter().map(|s| sub_rng(seed, &s.key, 1)).collect();
    let zd = specs
        .iter()
        .position(|s| s.key == ZENGDU_KEY)
        .expect("曾都区 at every scale");
    let mut drafts: Vec<Vec<Draft>> = specs.iter().map(|_| Vec::new()).collect();
    drafts[zd] = schools::draft_zengdu(&mut rngs[zd]);
    let zd_factor = 2_500.0 / drafts[zd].iter().map(Draft::raw_teachers).sum::<f64>();
    let others: Vec<usize> = (0..specs.len()).filter(|&i| i != zd).collect();
    if !others.is_empty() {
        let weights: Vec<f64> = others
            .iter()
            .map(|&i| specs[i].weight * uniform(&mut top, 0.85, 1.15))
            .collect();
        let counts = apportion(school_total - drafts[zd].len(), &weights, 8);
        for (&i, &n) in others.iter().zip(&counts) {
            let s = &specs[i];
            let ctx = CountyCtx {
                name: &s.name,
                city: s.city,
                kind: s.kind,
                centre: s.centre,
            };
            drafts[i] = schools::draft_generic(&mut rngs[i], &ctx, n);
        }
    }
    // One factor for all ordinary counties so that bigger (central) districts stay bigger.
    let zd_teachers: f64 = drafts[zd].iter().map(Draft::raw_teachers).sum::<f64>() * zd_factor;
    let raw_others: f64 = others
        .iter()
        .flat_map(|&i| drafts[i].iter())
        .map(Draft::raw_teachers)
        .sum();
    let other_factor = if raw_others > 0.0 {
        ((teacher_total as f64 - zd_teachers) / raw_others).clamp(0.5, 2.0)
    } else {
        1.0
    };

    let mut all_schools = Vec::new();
    let mut all_meta = Vec::new();
    let mut counties = Vec::new();
    let mut all_communities = Vec::new();
    let mut targets = Vec::new();
    for (i, (spec, d)) in specs.iter().zip(drafts).enumerate() {
        let rng = &mut rngs[i];
        let (factor, urban_max) = if i == zd {
            (zd_factor, 3_000.0)
        } else {
            (other_factor, 6_000.0)
        };
        let (schools, meta) = schools::size(rng, d, factor, urban_max, &spec.admin, &spec.key);
        let communities = if i == zd {
            communities::zengdu(rng, &schools, &meta)
        } else {
            communities::generic(rng, &spec.name, &schools, &meta)
        };
        let start = all_schools.len();
        counties.push(CountyPlan {
            key: spec.key.clone(),
            staff_prefix: spec.staff_prefix.clone(),
            schools: start..start + schools.len(),
        });
        all_schools.extend(schools);
        all_meta.extend(meta);
        all_communities.extend(communities);
        for &(y, m, day, share) in TARGETS {
            targets.push(DemoTarget {
                region_key: spec.key.clone(),
                due_on: chrono::NaiveDate::from_ymd_opt(y, m, day).expect("valid date"),
                share,
            });
        }
    }
    Plan {
        regions,
        schools: all_schools,
        meta: all_meta,
        counties,
        communities: all_communities,
        targets,
    }
}

/// The counts of the dataset [`generate`] would build, without generating teachers.
pub fn summarize(scale: Scale, seed: u64) -> DemoSummary {
    let p = plan(scale, seed);
    DemoSummary {
        regions: p.regions.len(),
        counties: p.counties.len(),
        schools: p.schools.len(),
        public_schools: p.meta.iter().filter(|m| m.public).count(),
        communities: p.communities.len(),
        covered_schools: p.communities.iter().map(|c| 1 + c.members.len()).sum(),
        teachers: p.meta.iter().map(|m| u64::from(m.teachers)).sum(),
    }
}

/// Deterministic: the same (scale, seed) gives the identical dataset. `progress` is called with
/// (done, total) as teachers are generated, at most about 1,000 times, last with (total, total).
pub fn generate(scale: Scale, seed: u64, progress: &mut dyn FnMut(u64, u64)) -> DemoDataset {
    let plan = plan(scale, seed);
    let total: u64 = plan.meta.iter().map(|m| u64::from(m.teachers)).sum();
    let step = total.div_ceil(1000).max(1);
    let mut teachers = Vec::with_capacity(total as usize);
    let mut done = 0u64;
    progress(0, total);
    for county in &plan.counties {
        let mut rng = sub_rng(seed, &county.key, 2);
        let mut serial = 0u32;
        for s in county.schools.clone() {
            let meta = &plan.meta[s];
            let code = &plan.schools[s].fields.code;
            for _ in 0..meta.teachers {
                serial += 1;
                let staff = format!("{}{serial:05}", county.staff_prefix);
                teachers.push(DemoTeacher {
                    school_code: code.clone(),
                    fields: teachers::teacher(&mut rng, staff, meta),
                });
                done += 1;
                if done.is_multiple_of(step) && done != total {
                    progress(done, total);
                }
            }
        }
    }
    progress(total, total);
    let users = users(scale, &plan, &teachers);
    let zengdu: Vec<&DemoCommunity> = plan
        .communities
        .iter()
        .filter(|c| c.region_key == ZENGDU_KEY)
        .collect();
    let exchanges = exchanges::generate(seed, &zengdu, &teachers);
    let operations = students::generate(seed, &zengdu, &plan.schools, &teachers);
    let zengdu_schools: Vec<&DemoSchool> = plan
        .schools
        .iter()
        .filter(|s| {
            s.region_key == ZENGDU_KEY
                && s.fields.ownership.as_deref().unwrap_or("public") == "public"
        })
        .collect();
    let conditions = conditions::generate(seed, &zengdu_schools, &teachers);
    DemoDataset {
        regions: plan.regions,
        schools: plan.schools,
        teachers,
        communities: plan.communities,
        targets: plan.targets,
        users,
        exchanges,
        operations,
        conditions,
    }
}

/// Demo accounts: 曾都区's bureau admin and inspector, a lead per 曾都区 community, a coordinator of
/// the first community's first member school and a teacher there; at city and province scale also
/// the city's (and province's) admin and inspector.
fn users(scale: Scale, plan: &Plan, teachers: &[DemoTeacher]) -> Vec<DemoUser> {
    let user = |username: &str, role: Role, scope: DemoScope, display: &str| DemoUser {
        username: username.into(),
        role,
        scope,
        display_name: display.into(),
    };
    let region = |k: &str| DemoScope::Region(k.into());
    let mut out = Vec::new();
    if scale == Scale::Province {
        out.push(user(
            "hubei_admin",
            Role::BureauAdmin,
            region("hb"),
            "湖北省教育厅管理员",
        ));
        out.push(user(
            "hubei_inspector",
            Role::Inspector,
            region("hb"),
            "湖北省教育督导",
        ));
    }
    if scale != Scale::District {
        out.push(user(
            "suizhou_admin",
            Role::BureauAdmin,
            region("hb-sz"),
            "随州市教育局管理员",
        ));
        out.push(user(
            "suizhou_inspector",
            Role::Inspector,
            region("hb-sz"),
            "随州市教育督导",
        ));
    }
    out.push(user(
        "zengdu_admin",
        Role::BureauAdmin,
        region(ZENGDU_KEY),
        "曾都区教育局管理员",
    ));
    out.push(user(
        "zengdu_inspector",
        Role::Inspector,
        region(ZENGDU_KEY),
        "曾都区教育督导室",
    ));
    let zengdu: Vec<&DemoCommunity> = plan
        .communities
        .iter()
        .filter(|c| c.region_key == ZENGDU_KEY)
        .collect();
    for (i, c) in zengdu.iter().enumerate() {
        out.push(user(
            &format!("lead{}", i + 1),
            Role::CommunityLead,
            DemoScope::Community(c.fields.name.clone()),
            c.fields
                .first_responsible
                .as_deref()
                .unwrap_or("共同体负责人"),
        ));
    }
    if let Some(member) = zengdu.first().and_then(|c| c.members.first()) {
        out.push(user(
            "coord1",
            Role::SchoolCoordinator,
            DemoScope::School(member.school_code.clone()),
            member
                .fields
                .school_leader
                .as_deref()
                .unwrap_or("学校联络员"),
        ));
        if let Some(t) = teachers.iter().find(|t| {
            t.school_code == member.school_code && t.fields.status.as_deref() == Some("active")
        }) {
            out.push(user(
                "teacher1",
                Role::Teacher,
                DemoScope::Teacher(t.fields.staff_number.clone()),
                &t.fields.name,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        let v = apportion(100, &[1.0, 2.0, 1.5], 5);
        assert_eq!(v.iter().sum::<usize>(), 100);
        assert!(v.iter().all(|&n| n >= 5));
        assert!(v[1] > v[0]);
    }

    #[test]
    fn scale_parses() {
        assert_eq!("City".parse::<Scale>(), Ok(Scale::City));
        assert_eq!(Scale::parse(" province "), Some(Scale::Province));
        assert!("county".parse::<Scale>().is_err());
        for s in Scale::ALL {
            assert_eq!(Scale::parse(s.key()), Some(*s));
        }
    }
}
