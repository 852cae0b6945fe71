//! Schools of one county: drafting (name, stage, locality, place, raw size) and sizing (enrolment,
//! classes and teacher numbers scaled to a target).

use crate::DemoSchool;
use crate::names::{ROADS, cn_num, place, village};
use crate::rng::{R, chance, int, pick, pick_w, uniform};
use crate::tables::{
    CountyKind, PRIVATE_NAMES, SCHOOL_MOTTOS, SUIZHOU_ROADS, ZENGDU_AREAS, ZENGDU_COMMUNITIES,
    ZENGDU_SCHOOLS,
};
use gongjin_domain::enums::{Locality, Stage};
use gongjin_domain::inputs::SchoolFields;
use std::collections::HashSet;

/// A school before sizing.
pub(crate) struct Draft {
    pub name: String,
    pub stage: Stage,
    pub locality: Locality,
    pub private: bool,
    pub lon: f64,
    pub lat: f64,
    pub address: String,
    /// Raw enrolment (primary, junior) before scaling to the teacher target.
    pub primary: f64,
    pub junior: f64,
    /// Pupils per teacher (15–18).
    pub ratio: f64,
}

impl Draft {
    pub fn raw_teachers(&self) -> f64 {
        (self.primary + self.junior) / self.ratio
    }
}

/// What teacher and community generation need to know of a school beyond its fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SchoolMeta {
    pub stage: Stage,
    pub locality: Locality,
    pub public: bool,
    pub teachers: u32,
    pub primary: i64,
    pub junior: i64,
}

/// Raw enrolment by stage and locality: urban schools 1,000–2,400 (flagship ones 1,800–2,900;
/// both scaled by `big`), town schools a few hundred to a thousand, rural primary schools 50–400
/// with many small ones, rural junior and through-schools 120–420.
fn raw_enrolment(
    rng: &mut R,
    stage: Stage,
    locality: Locality,
    big: f64,
    flagship: bool,
) -> (f64, f64) {
    let total = match locality {
        Locality::Urban if flagship => uniform(rng, 1800.0, 2900.0) * big,
        Locality::Urban => uniform(rng, 1000.0, 2400.0) * big,
        Locality::Town => uniform(rng, 380.0, 1000.0) * big,
        Locality::Rural if stage == Stage::Primary => 50.0 + 350.0 * rng_pow(rng, 1.4),
        Locality::Rural => uniform(rng, 120.0, 420.0),
    };
    match stage {
        Stage::Primary => (total, 0.0),
        Stage::Junior => (0.0, total),
        Stage::NineYear => {
            let p = uniform(rng, 0.6, 0.72);
            (total * p, total * (1.0 - p))
        }
        Stage::TwelveYear => {
            let p = uniform(rng, 0.55, 0.65);
            (total * p, total * (1.0 - p))
        }
    }
}

fn rng_pow(rng: &mut R, e: f64) -> f64 {
    uniform(rng, 0.0, 1.0).powf(e)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// 曾都区: its 45 public schools.
pub(crate) fn draft_zengdu(rng: &mut R) -> Vec<Draft> {
    let area = |name: &str| {
        ZENGDU_AREAS
            .iter()
            .find(|a| a.name == name)
            .expect("area in table")
    };
    let mut out = Vec::new();
    let mut push = |rng: &mut R,
                    big: f64,
                    flagship: bool,
                    name: &str,
                    stage: Stage,
                    locality: Locality,
                    private: bool,
                    area_name: &str,
                    village: Option<&str>| {
        let a = area(area_name);
        let (dx, dy) = match locality {
            Locality::Urban => (0.014, 0.012),
            Locality::Town => (0.008, 0.007),
            Locality::Rural => (0.045, 0.04),
        };
        let address = match village {
            Some(v) => format!("湖北省随州市曾都区{}{v}村", a.full),
            None => format!(
                "湖北省随州市曾都区{}{}{}号",
                a.full,
                pick(rng, SUIZHOU_ROADS),
                int(rng, 1, 399)
            ),
        };
        let (primary, junior) = raw_enrolment(rng, stage, locality, big, flagship);
        out.push(Draft {
            name: name.into(),
            stage,
            locality,
            private,
            lon: round6(a.lon + uniform(rng, -dx, dx)),
            lat: round6(a.lat + uniform(rng, -dy, dy)),
            address,
            primary,
            junior,
            ratio: uniform(rng, 15.0, 18.0),
        });
    };
    for (i, s) in ZENGDU_SCHOOLS.iter().enumerate() {
        let core = ZENGDU_COMMUNITIES.iter().any(|c| c.core == i);
        push(
            rng, 1.0, core, s.name, s.stage, s.locality, false, s.area, s.village,
        );
    }
    // 曾都区 is all public: the demo district reports exactly its 45 public compulsory schools.
    out
}

/// Where a generic county is and how it is built.
pub(crate) struct CountyCtx<'a> {
    pub name: &'a str,
    pub city: &'a str,
    pub kind: CountyKind,
    pub centre: (f64, f64),
}

struct Namer<'a> {
    county: &'a str,
    used: HashSet<String>,
    primary_no: u32,
    junior_no: u32,
    roads: Vec<&'static str>,
    mottos: Vec<&'static str>,
    privates: Vec<&'static str>,
}

impl Namer<'_> {
    fn take(&mut self, name: String) -> Option<String> {
        if self.used.insert(name.clone()) {
            Some(name)
        } else {
            None
        }
    }

    fn next_from(list: &mut Vec<&'static str>) -> Option<&'static str> {
        if list.is_empty() {
            None
        } else {
            Some(list.remove(0))
        }
    }

    fn urban(&mut self, rng: &mut R, stage: Stage) -> String {
        let c = self.county;
        let first = match stage {
            Stage::Primary => format!("{c}实验小学"),
            Stage::Junior => format!("{c}实验初级中学"),
            Stage::NineYear | Stage::TwelveYear => format!("{c}实验学校"),
        };
        if let Some(n) = self.take(first) {
            return n;
        }
        loop {
            let candidate = match stage {
                Stage::Primary => {
                    if chance(rng, 0.5)
                        && let Some(road) = Self::next_from(&mut self.roads)
                    {
                        format!("{c}{road}小学")
                    } else {
                        self.primary_no += 1;
                        format!("{c}第{}小学", cn_num(self.primary_no))
                    }
                }
                Stage::Junior => {
                    self.junior_no += 1;
                    format!("{c}第{}中学", cn_num(self.junior_no))
                }
                Stage::NineYear | Stage::TwelveYear => match Self::next_from(&mut self.mottos) {
                    Some(m) => format!("{c}{m}学校"),
                    None => {
                        self.primary_no += 1;
                        format!("{c}第{}实验学校", cn_num(self.primary_no))
                    }
                },
            };
            if let Some(n) = self.take(candidate) {
                return n;
            }
        }
    }

    fn town(&mut self, rng: &mut R, stage: Stage, town: &str) -> (String, Option<String>) {
        let firsts: &[&str] = match stage {
            Stage::Primary => &["中心小学", "第二小学", "第三小学"],
            Stage::Junior => &["初级中学", "第二初级中学"],
            Stage::NineYear | Stage::TwelveYear => &["九年一贯制学校", "中心学校"],
        };
        for f in firsts {
            if let Some(n) = self.take(format!("{town}{f}")) {
                return (n, None);
            }
        }
        self.rural(rng, stage, town)
    }

    fn rural(&mut self, rng: &mut R, stage: Stage, town: &str) -> (String, Option<String>) {
        let suffix = match stage {
            Stage::Primary => "小学",
            Stage::Junior => "中学",
            Stage::NineYear | Stage::TwelveYear => "学校",
        };
        for _ in 0..200 {
            let v = village(rng);
            if let Some(n) = self.take(format!("{town}{v}{suffix}")) {
                return (n, Some(v));
            }
        }
        // Practically unreachable: number the rest.
        let mut k = 1;
        loop {
            if let Some(n) = self.take(format!("{town}第{}{suffix}", cn_num(k))) {
                return (n, None);
            }
            k += 1;
        }
    }

    fn private(&mut self, rng: &mut R) -> String {
        let c = self.county;
        while let Some(p) = Self::next_from(&mut self.privates) {
            if let Some(n) = self.take(format!("{c}{p}学校")) {
                return n;
            }
        }
        let mut k = 1;
        loop {
            let candidate = format!("{c}{}民办学校", place(rng));
            if let Some(n) = self.take(candidate) {
                return n;
            }
            k += 1;
            if k > 1000 {
                return format!("{c}民办学校{k}");
            }
        }
    }
}

fn shuffled<T: Copy>(rng: &mut R, xs: &[T]) -> Vec<T> {
    let mut v = xs.to_vec();
    for i in (1..v.len()).rev() {
        let j = int(rng, 0, i as i64) as usize;
        v.swap(i, j);
    }
    v
}

/// `n` schools of an ordinary county: localities and stages drawn by county kind, names unique.
pub(crate) fn draft_generic(rng: &mut R, ctx: &CountyCtx<'_>, n: usize) -> Vec<Draft> {
    let mut namer = Namer {
        county: ctx.name,
        used: HashSet::new(),
        primary_no: 0,
        junior_no: 0,
        roads: shuffled(rng, ROADS),
        mottos: shuffled(rng, SCHOOL_MOTTOS),
        privates: shuffled(rng, PRIVATE_NAMES),
    };
    // Townships with their centres.
    let n_towns = (n / 5).clamp(3, 14);
    let mut towns: Vec<(String, f64, f64)> = Vec::new();
    let mut town_names = HashSet::new();
    while towns.len() < n_towns {
        let p = place(rng);
        let suffix = match ctx.kind {
            CountyKind::Central => "街道",
            _ if chance(rng, 0.2) => "乡",
            _ => "镇",
        };
        let name = format!("{p}{suffix}");
        if ctx.name.starts_with(&p) || !town_names.insert(p) {
            continue;
        }
        let lon = ctx.centre.0 + uniform(rng, -0.25, 0.25);
        let lat = ctx.centre.1 + uniform(rng, -0.22, 0.22);
        towns.push((name, lon, lat));
    }
    let (urban_w, town_w, rural_w) = match ctx.kind {
        CountyKind::Central => (100, 0, 0),
        CountyKind::District => (55, 30, 15),
        CountyKind::County => (28, 40, 32),
    };
    let private_n = ((n as f64) * uniform(rng, 0.0, 0.06)).round() as usize;
    let big = if ctx.kind == CountyKind::Central {
        1.1
    } else {
        1.2
    };
    let mut twelve = 0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let private = i >= n.saturating_sub(private_n);
        let locality = if private {
            Locality::Urban
        } else {
            pick_w(
                rng,
                &[
                    (Locality::Urban, urban_w),
                    (Locality::Town, town_w),
                    (Locality::Rural, rural_w),
                ],
            )
        };
        let mut stage = match locality {
            Locality::Urban => pick_w(
                rng,
                &[
                    (Stage::Primary, 55),
                    (Stage::Junior, 30),
                    (Stage::NineYear, 12),
                    (Stage::TwelveYear, 3),
                ],
            ),
            Locality::Town => pick_w(
                rng,
                &[
                    (Stage::Primary, 55),
                    (Stage::Junior, 27),
                    (Stage::NineYear, 18),
                ],
            ),
            Locality::Rural => pick_w(
                rng,
                &[
                    (Stage::Primary, 72),
                    (Stage::Junior, 10),
                    (Stage::NineYear, 18),
                ],
            ),
        };
        if stage == Stage::TwelveYear {
            twelve += 1;
            if twelve > 2 {
                stage = Stage::NineYear;
            }
        }
        let t = int(rng, 0, towns.len() as i64 - 1) as usize;
        let (town, tlon, tlat) = towns[t].clone();
        let (name, village) = if private {
            (namer.private(rng), None)
        } else {
            match locality {
                Locality::Urban => (namer.urban(rng, stage), None),
                Locality::Town => namer.town(rng, stage, &town),
                Locality::Rural => namer.rural(rng, stage, &town),
            }
        };
        let (lon, lat, address) = match locality {
            Locality::Urban => {
                // A school named after its road stands on it.
                let road = match ROADS.iter().find(|r| name.contains(*r)) {
                    Some(r) => *r,
                    None => *pick(rng, ROADS),
                };
                (
                    ctx.centre.0 + uniform(rng, -0.03, 0.03),
                    ctx.centre.1 + uniform(rng, -0.025, 0.025),
                    format!("湖北省{}{}{road}{}号", ctx.city, ctx.name, int(rng, 1, 399)),
                )
            }
            Locality::Town => (
                tlon + uniform(rng, -0.01, 0.01),
                tlat + uniform(rng, -0.01, 0.01),
                format!(
                    "湖北省{}{}{town}{}{}号",
                    ctx.city,
                    ctx.name,
                    pick(rng, ROADS),
                    int(rng, 1, 199)
                ),
            ),
            Locality::Rural => (
                tlon + uniform(rng, -0.05, 0.05),
                tlat + uniform(rng, -0.045, 0.045),
                format!(
                    "湖北省{}{}{town}{}村",
                    ctx.city,
                    ctx.name,
                    village.clone().unwrap_or_else(|| place(rng))
                ),
            ),
        };
        let scale = if private { big * 0.6 } else { big };
        let (primary, junior) = raw_enrolment(rng, stage, locality, scale, false);
        out.push(Draft {
            name,
            stage,
            locality,
            private,
            lon: round6(lon),
            lat: round6(lat),
            address,
            primary,
            junior,
            ratio: uniform(rng, 15.0, 18.0),
        });
    }
    out
}

/// Scales the drafts' enrolment by `factor` (keeping urban schools within 1,000–`urban_max` and
/// rural ones within 50–450 pupils), then derives teachers (enrolment / ratio, at least
/// four) and classes (by a locality's class size), and numbers the codes `{admin}{0001…}`.
pub(crate) fn size(
    rng: &mut R,
    drafts: Vec<Draft>,
    factor: f64,
    urban_max: f64,
    admin: &str,
    region_key: &str,
) -> (Vec<DemoSchool>, Vec<SchoolMeta>) {
    let mut schools = Vec::with_capacity(drafts.len());
    let mut meta = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.into_iter().enumerate() {
        // Keep the locality's size band after scaling: urban 1,000–`urban_max`, rural 50–450.
        let raw = (d.primary + d.junior) * factor;
        let bounded = match d.locality {
            Locality::Urban if !d.private => raw.clamp(1000.0, urban_max),
            Locality::Rural => raw.clamp(50.0, 450.0),
            _ => raw,
        };
        let k = factor * bounded / raw;
        let p = (d.primary * k).round() as i64;
        let j = (d.junior * k).round() as i64;
        let min_teachers = match d.stage {
            Stage::Primary | Stage::Junior => 4,
            Stage::NineYear | Stage::TwelveYear => 6,
        };
        let teachers = (((p + j) as f64 / d.ratio).round() as u32).max(min_teachers);
        let class_size = match d.locality {
            Locality::Urban => uniform(rng, 40.0, 45.5),
            Locality::Town => uniform(rng, 34.0, 42.0),
            Locality::Rural => uniform(rng, 16.0, 30.0),
        };
        let part = |pupils: i64, grades: i64| -> i64 {
            if pupils == 0 {
                return 0;
            }
            let by_size = (pupils as f64 / class_size).ceil() as i64;
            // Tiny rural schools run fewer, mixed-grade classes; the rest have one per grade at least.
            let floor = grades.min((pupils + 9) / 10);
            by_size.max(floor)
        };
        let classes = part(p, 6) + part(j, 3);
        let fields = SchoolFields {
            name: d.name,
            code: format!("{admin}{:04}", i + 1),
            region_id: 0,
            stage: d.stage.key().into(),
            locality: d.locality.key().into(),
            ownership: Some(if d.private { "private" } else { "public" }.into()),
            address: Some(d.address),
            longitude: Some(d.lon),
            latitude: Some(d.lat),
            primary_enrolment: d.stage.has_primary().then_some(p),
            junior_enrolment: d.stage.has_junior().then_some(j),
            class_count: Some(classes),
        };
        meta.push(SchoolMeta {
            stage: d.stage,
            locality: d.locality,
            public: !d.private,
            teachers,
            primary: p,
            junior: j,
        });
        schools.push(DemoSchool {
            region_key: region_key.into(),
            fields,
        });
    }
    (schools, meta)
}
