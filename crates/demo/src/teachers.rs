//! Teachers: names, gender, age, subjects, titles and backbone levels with realistic skews.

use crate::names::{mobile, person};
use crate::rng::{R, chance, int, pick, pick_w};
use crate::schools::SchoolMeta;
use gongjin_domain::enums::{Locality, Stage};
use gongjin_domain::inputs::TeacherFields;

/// The year ages and service are counted from.
const NOW: i64 = 2024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Primary,
    Junior,
}

const PRIMARY_SUBJECTS: &[(&str, u32)] = &[
    ("语文", 30),
    ("数学", 25),
    ("英语", 10),
    ("科学", 6),
    ("道德与法治", 5),
    ("音乐", 5),
    ("体育", 7),
    ("美术", 5),
    ("信息技术", 4),
    ("心理健康", 3),
];

const JUNIOR_SUBJECTS: &[(&str, u32)] = &[
    ("语文", 15),
    ("数学", 15),
    ("英语", 13),
    ("物理", 7),
    ("化学", 5),
    ("生物", 5),
    ("历史", 6),
    ("地理", 5),
    ("道德与法治", 7),
    ("体育", 8),
    ("音乐", 3),
    ("美术", 3),
    ("信息技术", 4),
    ("心理健康", 4),
];

/// What a primary teacher of a main subject often also teaches.
fn second_subject(rng: &mut R, first: &str) -> &'static str {
    let options: &[&'static str] = match first {
        "语文" => &["道德与法治", "心理健康", "美术", "音乐"],
        "数学" => &["科学", "信息技术", "体育"],
        "英语" => &["音乐", "美术"],
        "科学" => &["信息技术", "数学"],
        "音乐" => &["美术", "道德与法治"],
        "体育" => &["科学", "心理健康"],
        _ => &["道德与法治", "科学"],
    };
    pick::<&str>(rng, options)
}

fn title(rng: &mut R, age: i64) -> &'static str {
    let table: &[(&'static str, u32)] = match age {
        ..=25 => &[("三级教师", 45), ("二级教师", 55)],
        26..=30 => &[("二级教师", 70), ("一级教师", 30)],
        31..=38 => &[("二级教师", 25), ("一级教师", 60), ("高级教师", 15)],
        39..=48 => &[("一级教师", 100), ("高级教师", 99), ("正高级教师", 1)],
        _ => &[("一级教师", 80), ("高级教师", 118), ("正高级教师", 2)],
    };
    pick_w(rng, table)
}

fn birth_year(rng: &mut R, locality: Locality) -> i64 {
    // Rural staff rooms are older.
    let buckets: &[((i64, i64), u32)] = match locality {
        Locality::Rural => &[
            ((1965, 1974), 30),
            ((1975, 1984), 25),
            ((1985, 1994), 22),
            ((1995, 2001), 23),
        ],
        _ => &[
            ((1965, 1974), 18),
            ((1975, 1984), 26),
            ((1985, 1994), 32),
            ((1995, 2001), 24),
        ],
    };
    let (lo, hi) = pick_w(rng, buckets);
    int(rng, lo, hi)
}

/// One teacher of a school.
pub(crate) fn teacher(rng: &mut R, staff_number: String, school: &SchoolMeta) -> TeacherFields {
    let section = match school.stage {
        Stage::Primary => Section::Primary,
        Stage::Junior => Section::Junior,
        Stage::NineYear | Stage::TwelveYear => {
            let total = (school.primary + school.junior).max(1) as f64;
            if chance(rng, school.primary as f64 / total) {
                Section::Primary
            } else {
                Section::Junior
            }
        }
    };
    let first = match section {
        Section::Primary => pick_w(rng, PRIMARY_SUBJECTS),
        Section::Junior => pick_w(rng, JUNIOR_SUBJECTS),
    };
    let mut subjects = vec![first.to_string()];
    let two = match section {
        Section::Primary => 0.3,
        Section::Junior if school.locality == Locality::Rural => 0.15,
        Section::Junior => 0.03,
    };
    if chance(rng, two) {
        let s = if section == Section::Primary {
            second_subject(rng, first)
        } else {
            pick(rng, &["道德与法治", "心理健康", "信息技术", "地理"])
        };
        if s != first {
            subjects.push(s.to_string());
        }
    }
    let mut female = match section {
        Section::Primary => 0.72,
        Section::Junior => 0.56,
    };
    female += match first {
        "体育" => -0.4,
        "物理" | "信息技术" => -0.18,
        "化学" => -0.08,
        "英语" | "音乐" | "心理健康" => 0.15,
        _ => 0.0,
    };
    if school.locality == Locality::Rural {
        female -= 0.08;
    }
    let is_female = chance(rng, female);
    let name = person(rng, is_female);
    let by = birth_year(rng, school.locality);
    let age = NOW - by;
    let title = title(rng, age);
    let mut backbone_p = match school.locality {
        Locality::Urban => 0.15,
        Locality::Town => 0.08,
        Locality::Rural => 0.04,
    };
    backbone_p *= match title {
        "高级教师" | "正高级教师" => 1.7,
        "一级教师" => 1.2,
        _ => 0.4,
    };
    if age < 27 {
        backbone_p = 0.0;
    }
    let backbone = if chance(rng, backbone_p) {
        pick_w(rng, &[("county", 62), ("city", 30), ("province", 8)])
    } else {
        "none"
    };
    let max_years = (age - 22).clamp(0, 30);
    let years = int(rng, 0, max_years);
    let phone = chance(rng, 0.95).then(|| mobile(rng));
    let status = if age >= 57 && chance(rng, 0.15) {
        "retired"
    } else {
        pick_w(rng, &[("active", 950), ("on_leave", 30), ("left", 20)])
    };
    // 高于规定学历: urban schools more, younger teachers more. Drawn from a hash of the staff number,
    // not the generator, so every other figure of the demo stays as it was.
    let mut degree_p = match school.locality {
        Locality::Urban => 0.55,
        Locality::Town => 0.35,
        Locality::Rural => 0.2,
    };
    if age < 40 {
        degree_p += 0.15;
    }
    let degree = unit_hash(&staff_number) < degree_p;
    TeacherFields {
        staff_number,
        name,
        gender: if is_female { "female" } else { "male" }.into(),
        birth_year: Some(by),
        school_id: 0,
        subjects,
        title: Some(title.into()),
        backbone_level: Some(backbone.into()),
        years_at_school: Some(years),
        phone,
        status: Some(status.into()),
        degree_above_standard: Some(degree),
    }
}

/// A number in [0, 1) fixed by the text (FNV-1a), independent of the demo's random stream.
fn unit_hash(s: &str) -> f64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}
