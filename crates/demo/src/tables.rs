//! Fixed data: 曾都区's townships and public schools (after the district's 2024 report on its six
//! pilot 教联体), 随州市's counties, and 湖北省's cities and counties.

use gongjin_domain::enums::{Locality, Stage};

/// A 街道 or 镇 of 曾都区, with its approximate centre.
pub(crate) struct Area {
    pub name: &'static str,
    /// How addresses write it: 东城街道, 何店镇, 城南新区.
    pub full: &'static str,
    pub lon: f64,
    pub lat: f64,
}

pub(crate) const ZENGDU_CENTRE: (f64, f64) = (113.37, 31.72);

pub(crate) const ZENGDU_AREAS: &[Area] = &[
    Area {
        name: "东城",
        full: "东城街道",
        lon: 113.395,
        lat: 31.722,
    },
    Area {
        name: "西城",
        full: "西城街道",
        lon: 113.350,
        lat: 31.715,
    },
    Area {
        name: "南郊",
        full: "南郊街道",
        lon: 113.370,
        lat: 31.685,
    },
    Area {
        name: "北郊",
        full: "北郊街道",
        lon: 113.372,
        lat: 31.760,
    },
    Area {
        name: "城南新区",
        full: "城南新区",
        lon: 113.385,
        lat: 31.662,
    },
    Area {
        name: "何店",
        full: "何店镇",
        lon: 113.225,
        lat: 31.745,
    },
    Area {
        name: "洛阳",
        full: "洛阳镇",
        lon: 113.470,
        lat: 31.578,
    },
    Area {
        name: "府河",
        full: "府河镇",
        lon: 113.555,
        lat: 31.628,
    },
    Area {
        name: "万店",
        full: "万店镇",
        lon: 113.258,
        lat: 31.875,
    },
    Area {
        name: "淅河",
        full: "淅河镇",
        lon: 113.498,
        lat: 31.735,
    },
];

/// Roads of 随州 for urban addresses.
pub(crate) const SUIZHOU_ROADS: &[&str] = &[
    "烈山大道",
    "交通大道",
    "沿江大道",
    "青年路",
    "解放路",
    "舜井大道",
    "擂鼓墩大道",
    "明珠路",
    "编钟大道",
    "季梁大道",
    "汉东路",
    "文帝大道",
    "白云大道",
    "清河路",
    "龙门街",
];

pub(crate) struct ZengduSchool {
    pub name: &'static str,
    pub stage: Stage,
    pub locality: Locality,
    pub area: &'static str,
    /// The village a rural school stands in.
    pub village: Option<&'static str>,
}

const fn zs(
    name: &'static str,
    stage: Stage,
    locality: Locality,
    area: &'static str,
    village: Option<&'static str>,
) -> ZengduSchool {
    ZengduSchool {
        name,
        stage,
        locality,
        area,
        village,
    }
}

use Locality::{Rural as R, Town as T, Urban as U};
use Stage::{Junior as J, NineYear as N, Primary as P, TwelveYear as X};

/// The 45 public compulsory-education schools of 曾都区. Indices are used by [`ZENGDU_COMMUNITIES`].
pub(crate) const ZENGDU_SCHOOLS: &[ZengduSchool] = &[
    // 城区 (15)
    zs("曾都区实验小学", P, U, "西城", None),         // 0
    zs("曾都区东关小学", P, U, "东城", None),         // 1
    zs("曾都区白云湖小学", P, U, "西城", None),       // 2
    zs("曾都区西城小学", P, U, "西城", None),         // 3
    zs("曾都区南郊小学", P, U, "南郊", None),         // 4
    zs("曾都区北郊小学", P, U, "北郊", None),         // 5
    zs("曾都区擂鼓墩小学", P, U, "西城", None),       // 6
    zs("曾都区烈山小学", P, U, "东城", None),         // 7
    zs("曾都区实验初级中学", J, U, "西城", None),     // 8
    zs("曾都区东城第一中学", J, U, "东城", None),     // 9
    zs("曾都区西城中学", J, U, "西城", None),         // 10
    zs("曾都区北郊中学", J, U, "北郊", None),         // 11
    zs("曾都区五丰学校", N, U, "南郊", None),         // 12
    zs("曾都区季梁学校", N, U, "东城", None),         // 13
    zs("曾都区城南实验学校", X, U, "城南新区", None), // 14
    // 镇区 (12)
    zs("何店镇中心小学", P, T, "何店", None),       // 15
    zs("何店镇初级中学", J, T, "何店", None),       // 16
    zs("何店镇第二小学", P, T, "何店", None),       // 17
    zs("洛阳镇中心小学", P, T, "洛阳", None),       // 18
    zs("洛阳镇九年一贯制学校", N, T, "洛阳", None), // 19
    zs("府河镇中心小学", P, T, "府河", None),       // 20
    zs("府河镇初级中学", J, T, "府河", None),       // 21
    zs("府河镇九年一贯制学校", N, T, "府河", None), // 22
    zs("万店镇中心小学", P, T, "万店", None),       // 23
    zs("万店镇初级中学", J, T, "万店", None),       // 24
    zs("淅河镇中心小学", P, T, "淅河", None),       // 25
    zs("淅河镇初级中学", J, T, "淅河", None),       // 26
    // 乡村 (18)
    zs("何店镇双寺小学", P, R, "何店", Some("双寺")), // 27
    zs("何店镇大堰坡小学", P, R, "何店", Some("大堰坡")), // 28
    zs("何店镇檀树岗学校", N, R, "何店", Some("檀树岗")), // 29
    zs("洛阳镇胡家河小学", P, R, "洛阳", Some("胡家河")), // 30
    zs("洛阳镇永兴小学", P, R, "洛阳", Some("永兴")), // 31
    zs("洛阳镇九口堰中学", J, R, "洛阳", Some("九口堰")), // 32
    zs("府河镇万店小学", P, R, "府河", Some("万店")), // 33
    zs("府河镇马鞍山小学", P, R, "府河", Some("马鞍山")), // 34
    zs("府河镇蔡家畈中学", J, R, "府河", Some("蔡家畈")), // 35
    zs("万店镇桃园小学", P, R, "万店", Some("桃园")), // 36
    zs("万店镇金屯小学", P, R, "万店", Some("金屯")), // 37
    zs("万店镇翁家湾学校", N, R, "万店", Some("翁家湾")), // 38
    zs("淅河镇孙家畈小学", P, R, "淅河", Some("孙家畈")), // 39
    zs("淅河镇蒋家岗小学", P, R, "淅河", Some("蒋家岗")), // 40
    zs("淅河镇油坊岭学校", N, R, "淅河", Some("油坊岭")), // 41
    zs("南郊街道周家寨小学", P, R, "南郊", Some("周家寨")), // 42
    zs("北郊街道马家榨小学", P, R, "北郊", Some("马家榨")), // 43
    zs("东城街道两水小学", P, R, "东城", Some("两水")), // 44
];

pub(crate) struct ZengduCommunity {
    pub name: &'static str,
    pub core: usize,
    /// Member schools fixed by the report (e.g. 实验小学 and 洛阳高小 exchange teachers); the rest are drawn.
    pub anchors: &'static [usize],
    pub members: usize,
    pub kind: &'static str,
    pub pilot: &'static str,
    pub batch: i64,
    pub council: bool,
}

/// The six pilot communities: four in the first batch (2023-09-01), two in the second (2024-03-01);
/// 1+X sizes 6, 5, 5, 5, 5, 4 = 30 schools.
pub(crate) const ZENGDU_COMMUNITIES: &[ZengduCommunity] = &[
    ZengduCommunity {
        name: "曾都区实验初级中学教联体",
        core: 8,
        anchors: &[12],
        members: 5,
        kind: "co_built",
        pilot: "provincial",
        batch: 1,
        council: true,
    },
    ZengduCommunity {
        name: "曾都区实验小学教联体",
        core: 0,
        anchors: &[18],
        members: 4,
        kind: "co_built",
        pilot: "none",
        batch: 1,
        council: true,
    },
    ZengduCommunity {
        name: "曾都区东关小学教联体",
        core: 1,
        anchors: &[],
        members: 4,
        kind: "co_built",
        pilot: "municipal",
        batch: 1,
        council: false,
    },
    ZengduCommunity {
        name: "曾都区白云湖小学教联体",
        core: 2,
        anchors: &[],
        members: 4,
        kind: "collaborative",
        pilot: "none",
        batch: 1,
        council: false,
    },
    ZengduCommunity {
        name: "曾都一中教育共同体",
        core: 9,
        anchors: &[],
        members: 4,
        kind: "co_built",
        pilot: "none",
        batch: 2,
        council: true,
    },
    ZengduCommunity {
        name: "曾都区季梁学校教联体",
        core: 13,
        anchors: &[],
        members: 3,
        kind: "merged",
        pilot: "none",
        batch: 2,
        council: false,
    },
];

/// How a county-level region is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CountyKind {
    /// The central district of a large city: urban schools only.
    Central,
    /// A 区 (urban core with towns around it).
    District,
    /// A 县 or county-level 市: a county town and many townships.
    County,
}

pub(crate) struct County {
    pub name: &'static str,
    /// Region key suffix and staff-number prefix (upper-cased), when the county has one.
    pub abbr: Option<&'static str>,
    /// Six-digit administrative code, when fixed.
    pub code: Option<&'static str>,
    /// Relative number of schools.
    pub weight: f64,
    /// Centre, when fixed (otherwise placed around the city).
    pub centre: Option<(f64, f64)>,
}

/// 随州市 as the city scale builds it: its three real county-level regions, the two functional
/// zones, and five invented ones so that the city has ten.
pub(crate) const SUIZHOU_COUNTIES: &[County] = &[
    County {
        name: "曾都区",
        abbr: Some("zd"),
        code: Some("421303"),
        weight: 1.0,
        centre: Some(ZENGDU_CENTRE),
    },
    County {
        name: "随县",
        abbr: Some("sx"),
        code: Some("421321"),
        weight: 1.3,
        centre: Some((113.30, 31.62)),
    },
    County {
        name: "广水市",
        abbr: Some("gs"),
        code: Some("421381"),
        weight: 1.4,
        centre: Some((113.83, 31.62)),
    },
    County {
        name: "随州高新区",
        abbr: Some("gx"),
        code: Some("421371"),
        weight: 0.5,
        centre: Some((113.45, 31.69)),
    },
    County {
        name: "大洪山风景名胜区",
        abbr: Some("dhs"),
        code: Some("421372"),
        weight: 0.25,
        centre: Some((112.98, 31.48)),
    },
    County {
        name: "季梁区",
        abbr: Some("jl"),
        code: Some("421304"),
        weight: 0.9,
        centre: Some((113.42, 31.80)),
    },
    County {
        name: "神农区",
        abbr: Some("sn"),
        code: Some("421305"),
        weight: 0.9,
        centre: Some((113.22, 31.66)),
    },
    County {
        name: "涢水县",
        abbr: Some("ys"),
        code: Some("421322"),
        weight: 1.1,
        centre: Some((113.55, 31.95)),
    },
    County {
        name: "安居县",
        abbr: Some("aj"),
        code: Some("421323"),
        weight: 1.0,
        centre: Some((113.18, 31.52)),
    },
    County {
        name: "淮河县",
        abbr: Some("hh"),
        code: Some("421324"),
        weight: 1.0,
        centre: Some((113.62, 32.08)),
    },
];

pub(crate) struct City {
    pub name: &'static str,
    pub abbr: &'static str,
    /// Two-digit city part of the administrative code (42xx).
    pub code: &'static str,
    pub lon: f64,
    pub lat: f64,
    /// Comma-separated county-level regions; `*` marks a central district.
    pub counties: &'static str,
}

/// The thirteen prefecture-level divisions of 湖北省 (the four province-administered county-level
/// units are left out: the region tree is province > city > county).
pub(crate) const HUBEI_CITIES: &[City] = &[
    City {
        name: "武汉市",
        abbr: "wh",
        code: "01",
        lon: 114.305,
        lat: 30.593,
        counties: "江岸区*,江汉区*,硚口区*,汉阳区*,武昌区*,青山区*,洪山区*,东西湖区,汉南区,蔡甸区,江夏区,黄陂区,新洲区",
    },
    City {
        name: "黄石市",
        abbr: "hs",
        code: "02",
        lon: 115.039,
        lat: 30.200,
        counties: "黄石港区*,西塞山区,下陆区,铁山区,阳新县,大冶市",
    },
    City {
        name: "十堰市",
        abbr: "sy",
        code: "03",
        lon: 110.798,
        lat: 32.629,
        counties: "茅箭区,张湾区,郧阳区,郧西县,竹山县,竹溪县,房县,丹江口市",
    },
    City {
        name: "宜昌市",
        abbr: "yc",
        code: "05",
        lon: 111.286,
        lat: 30.692,
        counties: "西陵区*,伍家岗区,点军区,猇亭区,夷陵区,远安县,兴山县,秭归县,长阳土家族自治县,五峰土家族自治县,宜都市,当阳市,枝江市",
    },
    City {
        name: "襄阳市",
        abbr: "xy",
        code: "06",
        lon: 112.122,
        lat: 32.009,
        counties: "襄城区,樊城区*,襄州区,南漳县,谷城县,保康县,老河口市,枣阳市,宜城市",
    },
    City {
        name: "鄂州市",
        abbr: "ez",
        code: "07",
        lon: 114.895,
        lat: 30.391,
        counties: "梁子湖区,华容区,鄂城区",
    },
    City {
        name: "荆门市",
        abbr: "jm",
        code: "08",
        lon: 112.199,
        lat: 31.035,
        counties: "东宝区,掇刀区,沙洋县,钟祥市,京山市",
    },
    City {
        name: "孝感市",
        abbr: "xg",
        code: "09",
        lon: 113.917,
        lat: 30.925,
        counties: "孝南区,孝昌县,大悟县,云梦县,应城市,安陆市,汉川市",
    },
    City {
        name: "荆州市",
        abbr: "jz",
        code: "10",
        lon: 112.239,
        lat: 30.335,
        counties: "沙市区*,荆州区,公安县,江陵县,石首市,洪湖市,松滋市,监利市",
    },
    City {
        name: "黄冈市",
        abbr: "hg",
        code: "11",
        lon: 114.872,
        lat: 30.453,
        counties: "黄州区,团风县,红安县,罗田县,英山县,浠水县,蕲春县,黄梅县,麻城市,武穴市",
    },
    City {
        name: "咸宁市",
        abbr: "xn",
        code: "12",
        lon: 114.322,
        lat: 29.841,
        counties: "咸安区,嘉鱼县,通城县,崇阳县,通山县,赤壁市",
    },
    City {
        name: "随州市",
        abbr: "sz",
        code: "13",
        lon: 113.383,
        lat: 31.690,
        counties: "",
    },
    City {
        name: "恩施土家族苗族自治州",
        abbr: "es",
        code: "28",
        lon: 109.488,
        lat: 30.272,
        counties: "恩施市,利川市,建始县,巴东县,宣恩县,咸丰县,来凤县,鹤峰县",
    },
];

pub(crate) const SUIZHOU: usize = 11;

/// Featured names for urban nine-year and twelve-year schools: {county}{name}学校.
pub(crate) const SCHOOL_MOTTOS: &[&str] = &[
    "育才",
    "外国语",
    "明德",
    "文昌",
    "博雅",
    "启明",
    "光华",
    "崇文",
    "尚德",
    "求实",
    "新华",
    "城北",
    "城东",
    "城西",
    "滨江",
    "书院",
    "致远",
    "勤学",
];

/// Names of private schools: {county}{name}学校.
pub(crate) const PRIVATE_NAMES: &[&str] = &[
    "博文", "育英", "英才", "德才", "精英", "新星", "北辰", "弘毅", "启航", "卓越",
];
