//! A plausible school year (2025-09 to 2026-11) of shared courses and resources and of students'
//! work for 曾都区's communities: school-based courses delivered to member schools (about 650 class
//! hours in all, as the reports count them), a resource library, pairings, joint events, a
//! hardship fund per community (donations, disbursements to named students, one reversal) whose
//! balance never goes negative, and "两帮一" groups with monthly progress notes.

use crate::names::person;
use crate::rng::{R, chance, int, pick, sub_rng};
use crate::{DemoCommunity, DemoSchool, DemoTeacher};
use chrono::{Datelike, NaiveDate};
use gongjin_domain::{Grade, PairingKind, ResourceKind, Stage};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoDelivery {
    pub on: NaiveDate,
    pub to_code: String,
    pub hours: i64,
    pub students: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoCourse {
    pub school_code: String,
    pub title: String,
    pub subject: String,
    pub grades: Vec<Grade>,
    pub class_hours: i64,
    pub description: String,
    pub deliveries: Vec<DemoDelivery>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoResource {
    pub school_code: String,
    pub title: String,
    pub kind: ResourceKind,
    pub subject: String,
    pub grades: Vec<Grade>,
    pub description: String,
    pub downloads: i64,
    pub uploaded_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoPairing {
    pub community: String,
    pub kind: PairingKind,
    pub a_code: String,
    pub party_a: String,
    pub b_code: String,
    pub party_b: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoEvent {
    pub community: String,
    pub title: String,
    pub on: NaiveDate,
    /// The host first.
    pub codes: Vec<String>,
    pub students: i64,
    pub summary: String,
}

/// A fund movement: `amount_fen` signed (+ in, − out); `reverses` the index (in this community's
/// list) of the movement a reversal undoes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoFundMovement {
    pub community: String,
    pub kind: gongjin_domain::FundMovementKind,
    pub delta_fen: i64,
    pub on: NaiveDate,
    pub donor: String,
    pub student: String,
    pub school_code: Option<String>,
    pub note: String,
    pub reverses: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoHelpGroup {
    pub school_code: String,
    pub student: String,
    pub staff_number: String,
    pub helper: String,
    pub grade: Grade,
    pub subject: String,
    pub started_on: NaiveDate,
    pub goals: String,
    pub closed: bool,
    pub notes: Vec<(NaiveDate, String)>,
}

/// Everything above, for 曾都区.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoOperations {
    pub courses: Vec<DemoCourse>,
    pub resources: Vec<DemoResource>,
    pub pairings: Vec<DemoPairing>,
    pub events: Vec<DemoEvent>,
    /// Per community in date order; the running balance never goes below zero.
    pub fund: Vec<DemoFundMovement>,
    pub groups: Vec<DemoHelpGroup>,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// A school day in the school year 2025-09 … 2026-11 (not July, August or a weekend).
fn school_day(rng: &mut R) -> NaiveDate {
    loop {
        let months = [
            (2025, 9),
            (2025, 10),
            (2025, 11),
            (2025, 12),
            (2026, 3),
            (2026, 4),
            (2026, 5),
            (2026, 6),
            (2026, 9),
            (2026, 10),
            (2026, 11),
        ];
        let (y, m) = *pick(rng, &months);
        let day = d(
            y,
            m,
            int(rng, 1, if m == 11 && y == 2026 { 18 } else { 28 }) as u32,
        );
        if day.weekday().number_from_monday() <= 5 {
            return day;
        }
    }
}

/// A student's name, a girl's or a boy's.
fn someone(rng: &mut R) -> String {
    let female = chance(rng, 0.5);
    person(rng, female)
}

fn stage_of(schools: &[DemoSchool], code: &str) -> Stage {
    schools
        .iter()
        .find(|s| s.fields.code == code)
        .and_then(|s| Stage::parse(&s.fields.stage))
        .unwrap_or(Stage::Primary)
}

fn grades_for(rng: &mut R, stage: Stage) -> Vec<Grade> {
    let (lo, hi) = match stage {
        Stage::Primary => (1, 6),
        Stage::Junior => (7, 9),
        _ => (1, 9),
    };
    let a = int(rng, lo, hi);
    let b = (a + int(rng, 0, 1)).min(hi);
    (a..=b)
        .filter_map(|g| Grade::ALL.get(g as usize - 1).copied())
        .collect()
}

const COURSES: &[(&str, &str, &str)] = &[
    (
        "编程与机器人",
        "信息科技",
        "从图形化编程到机器人搭建，每周一次走校授课",
    ),
    (
        "楚文化与随州编钟",
        "综合实践",
        "结合曾侯乙编钟讲本地历史与音律",
    ),
    ("校园足球", "体育", "基本技术与小场地比赛"),
    ("书法入门", "书法", "硬笔到毛笔，逐步临帖"),
    ("科学实验探究", "科学", "用身边材料做实验，记录与交流"),
    ("英语绘本阅读", "英语", "分级绘本共读与表演"),
    ("茶园劳动实践", "劳动", "采茶、制茶与农事体验"),
    ("合唱与童声", "音乐", "发声训练与合唱排练"),
    ("数学思维训练", "数学", "一题多解与数学游戏"),
    ("心理健康课", "心理健康", "情绪认识与同伴相处"),
    ("创意美术", "美术", "剪纸、版画与乡土写生"),
    ("整本书阅读", "语文", "师生共读一本书，撰写读书笔记"),
];

const RESOURCES: &[(&str, ResourceKind, &str)] = &[
    ("分数的初步认识导学单", ResourceKind::GuideSheet, "数学"),
    ("《背影》教学设计", ResourceKind::LessonDesign, "语文"),
    ("光的折射课件", ResourceKind::Slides, "物理"),
    ("一元一次方程课堂练习", ResourceKind::Exercises, "数学"),
    ("期中质量检测试卷", ResourceKind::TestPaper, "语文"),
    ("Unit 3 阅读课导学单", ResourceKind::GuideSheet, "英语"),
    ("植物的一生教学设计", ResourceKind::LessonDesign, "科学"),
    ("古诗词鉴赏课件", ResourceKind::Slides, "语文"),
    ("有理数运算分层练习", ResourceKind::Exercises, "数学"),
    ("单元测试卷（统一命题）", ResourceKind::TestPaper, "数学"),
    ("化学方程式课件", ResourceKind::Slides, "化学"),
    ("长方体的认识导学单", ResourceKind::GuideSheet, "数学"),
];

const EVENTS: &[(&str, &str)] = &[
    (
        "共读一本书·互通一封信",
        "两校学生共读同一本书并互写书信，交流读书体会",
    ),
    (
        "校园社团节",
        "各校社团同台展示，成员校学生到核心校参加社团体验",
    ),
    (
        "教共体校园篮球联赛",
        "分小学组、初中组循环赛，成员校学生全程参赛",
    ),
    ("研学旅行·走进编钟故里", "组织各校学生赴随州博物馆研学"),
    ("科技节作品联展", "学生科技小制作、小发明联合展评"),
    ("六一文艺汇演", "各校学生同台演出，家长代表观摩"),
];

const DONORS: &[&str] = &[
    "曾都区慈善总会",
    "随州市爱心企业联合会",
    "核心校教职工捐款",
    "校友会",
    "曾都区教育基金会",
    "本地爱心企业",
];

const REASONS: &[&str] = &[
    "学期学习用品补助",
    "冬衣补助",
    "寄宿生活补助",
    "家庭突发困难临时救助",
    "交通费补助",
    "营养午餐补助",
];

const NOTES: &[&str] = &[
    "按时完成作业，课堂上开始主动举手",
    "计算准确率提高，仍需巩固应用题",
    "帮扶学生每周两次讲解错题，效果明显",
    "单元测验较上次提高十余分",
    "与家长电话沟通一次，家长配合督促",
    "阅读兴趣增强，能完整复述课文",
    "本月请假较多，下月补上进度",
];

pub(crate) fn generate(
    seed: u64,
    communities: &[&DemoCommunity],
    schools: &[DemoSchool],
    teachers: &[DemoTeacher],
) -> DemoOperations {
    let mut out = DemoOperations::default();
    for c in communities {
        let name = c.fields.name.clone();
        let mut rng = sub_rng(seed, &format!("students-{name}"), 11);
        let core = c.core_school_code.clone();
        let members: Vec<String> = c.members.iter().map(|m| m.school_code.clone()).collect();
        if members.is_empty() {
            continue;
        }
        let all: Vec<String> = std::iter::once(core.clone())
            .chain(members.iter().cloned())
            .collect();
        // Courses: four from the core school, one from a member school, each delivered to the
        // member schools a few times; about 110 class hours per community.
        for i in 0..5 {
            let (title, subject, desc) = COURSES[rng.random_index(COURSES.len())];
            let from = if i < 4 {
                core.clone()
            } else {
                pick(&mut rng, &members).clone()
            };
            if out
                .courses
                .iter()
                .any(|x| x.title == title && x.school_code == from)
            {
                continue;
            }
            let targets: Vec<String> = all.iter().filter(|s| **s != from).cloned().collect();
            let n = int(&mut rng, 4, 8);
            let mut deliveries: Vec<DemoDelivery> = (0..n)
                .map(|_| DemoDelivery {
                    on: school_day(&mut rng),
                    to_code: pick(&mut rng, &targets).clone(),
                    hours: int(&mut rng, 2, 6),
                    students: int(&mut rng, 12, 28),
                })
                .collect();
            deliveries.sort_by_key(|x| x.on);
            out.courses.push(DemoCourse {
                grades: grades_for(&mut rng, stage_of(schools, &from)),
                school_code: from,
                title: title.into(),
                subject: subject.into(),
                class_hours: int(&mut rng, 12, 36),
                description: desc.into(),
                deliveries,
            });
        }
        // Resources.
        for _ in 0..int(&mut rng, 5, 8) {
            let (title, kind, subject) = RESOURCES[rng.random_index(RESOURCES.len())];
            let from = if chance(&mut rng, 0.7) {
                core.clone()
            } else {
                pick(&mut rng, &members).clone()
            };
            if out
                .resources
                .iter()
                .any(|x| x.title == title && x.school_code == from)
            {
                continue;
            }
            out.resources.push(DemoResource {
                grades: grades_for(&mut rng, stage_of(schools, &from)),
                school_code: from,
                title: title.into(),
                kind,
                subject: subject.into(),
                description: "教共体集体备课成果，成员校可直接使用".into(),
                downloads: int(&mut rng, 3, 60),
                uploaded_on: school_day(&mut rng),
            });
        }
        // Pairings: per member school a class, a grade, a family and a few students.
        for m in &members {
            let g = grades_for(&mut rng, stage_of(schools, m))[0];
            let label = g.zh();
            let class_a = int(&mut rng, 1, 6);
            let class_b = int(&mut rng, 1, 3);
            let on = d(2025, 9, int(&mut rng, 10, 26) as u32);
            let mut add = |kind, a: String, b: String, on| {
                out.pairings.push(DemoPairing {
                    community: name.clone(),
                    kind,
                    a_code: core.clone(),
                    party_a: a,
                    b_code: m.clone(),
                    party_b: b,
                    on,
                });
            };
            add(
                PairingKind::Class,
                format!("{label}{class_a}班"),
                format!("{label}{class_b}班"),
                on,
            );
            add(PairingKind::Grade, label.to_owned(), label.to_owned(), on);
            let fa = format!("{}家庭", person(&mut rng, false));
            let fb = format!("{}家庭", person(&mut rng, false));
            add(PairingKind::Family, fa, fb, on);
            for _ in 0..int(&mut rng, 2, 4) {
                let a = someone(&mut rng);
                let b = someone(&mut rng);
                add(PairingKind::Student, a, b, on);
            }
        }
        // Joint events.
        let mut titles: Vec<usize> = (0..EVENTS.len()).collect();
        for _ in 0..int(&mut rng, 3, 5) {
            let k = titles.remove(rng.random_index(titles.len()));
            let (title, summary) = EVENTS[k];
            out.events.push(DemoEvent {
                community: name.clone(),
                title: title.into(),
                on: school_day(&mut rng),
                codes: all.clone(),
                students: int(&mut rng, 80, 420),
                summary: summary.into(),
            });
        }
        // The hardship fund: donations first, then disbursements that fit, one reversal.
        let mut moves: Vec<(NaiveDate, DemoFundMovement)> = vec![];
        for _ in 0..int(&mut rng, 2, 4) {
            let on = school_day(&mut rng);
            moves.push((
                on,
                DemoFundMovement {
                    community: name.clone(),
                    kind: gongjin_domain::FundMovementKind::Donation,
                    delta_fen: int(&mut rng, 10, 60) * 50_000,
                    on,
                    donor: pick(&mut rng, DONORS).to_string(),
                    student: String::new(),
                    school_code: None,
                    note: "帮困助学".into(),
                    reverses: None,
                },
            ));
        }
        for _ in 0..int(&mut rng, 10, 18) {
            let on = school_day(&mut rng);
            moves.push((
                on,
                DemoFundMovement {
                    community: name.clone(),
                    kind: gongjin_domain::FundMovementKind::Disbursement,
                    delta_fen: -int(&mut rng, 5, 20) * 10_000,
                    on,
                    donor: String::new(),
                    student: someone(&mut rng),
                    school_code: Some(pick(&mut rng, &members).clone()),
                    note: pick(&mut rng, REASONS).to_string(),
                    reverses: None,
                },
            ));
        }
        moves.sort_by_key(|m| m.0);
        let mut balance = 0i64;
        let mut kept: Vec<DemoFundMovement> = vec![];
        for (_, m) in moves {
            if balance + m.delta_fen >= 0 {
                balance += m.delta_fen;
                kept.push(m);
            }
        }
        // One disbursement entered twice by mistake and reversed the next day.
        if let Some(pos) = kept.iter().rposition(|m| m.delta_fen < 0)
            && balance + kept[pos].delta_fen >= 0
        {
            let mut twice = kept[pos].clone();
            twice.note = format!("{}（重复录入）", twice.note);
            balance += twice.delta_fen;
            let on = twice.on + chrono::Duration::days(1);
            kept.push(twice.clone());
            let idx = kept.len() - 1;
            balance -= twice.delta_fen;
            kept.push(DemoFundMovement {
                kind: gongjin_domain::FundMovementKind::Reversal,
                delta_fen: -twice.delta_fen,
                on,
                note: "重复录入，冲正".into(),
                reverses: Some(idx),
                ..twice
            });
        }
        let _ = balance;
        out.fund.extend(kept);
        // "两帮一" groups at each member school, helped by its own teachers.
        for m in &members {
            let staff: Vec<&DemoTeacher> = teachers
                .iter()
                .filter(|t| t.school_code == *m && t.fields.status.as_deref() != Some("retired"))
                .collect();
            if staff.is_empty() {
                continue;
            }
            for _ in 0..int(&mut rng, 2, 4) {
                let t = *pick(&mut rng, &staff);
                let started_on = d(2025, 9, int(&mut rng, 8, 30) as u32);
                let mut notes = vec![];
                let mut on = started_on;
                for _ in 0..int(&mut rng, 3, 8) {
                    on += chrono::Duration::days(int(&mut rng, 20, 40));
                    if matches!(on.month(), 7 | 8) {
                        on = d(2026, 9, 10);
                    }
                    if on > d(2026, 11, 18) {
                        break;
                    }
                    notes.push((on, pick(&mut rng, NOTES).to_string()));
                }
                out.groups.push(DemoHelpGroup {
                    school_code: m.clone(),
                    student: someone(&mut rng),
                    staff_number: t.fields.staff_number.clone(),
                    helper: someone(&mut rng),
                    grade: grades_for(&mut rng, stage_of(schools, m))[0],
                    subject: t.fields.subjects.first().cloned().unwrap_or_default(),
                    started_on,
                    goals: "补齐基础，期末达到合格".into(),
                    closed: chance(&mut rng, 0.2),
                    notes,
                });
            }
        }
    }
    out
}

trait Index {
    fn random_index(&mut self, n: usize) -> usize;
}

impl Index for R {
    fn random_index(&mut self, n: usize) -> usize {
        int(self, 0, n as i64 - 1) as usize
    }
}

#[cfg(test)]
mod tests {
    use crate::{DEFAULT_SEED, Scale, generate};
    use std::collections::HashMap;

    #[test]
    fn a_plausible_year_of_sharing_and_students() {
        let data = generate(Scale::District, DEFAULT_SEED, &mut |_, _| {});
        let ops = &data.operations;
        let codes: std::collections::HashSet<&str> = data
            .schools
            .iter()
            .map(|s| s.fields.code.as_str())
            .collect();
        let hours: i64 = ops
            .courses
            .iter()
            .flat_map(|c| &c.deliveries)
            .map(|d| d.hours)
            .sum();
        let students: i64 = ops
            .courses
            .iter()
            .flat_map(|c| &c.deliveries)
            .map(|d| d.students)
            .sum();
        // The reports' order of magnitude: "655 class hours, about 3,000 students".
        assert!((450..=900).contains(&hours), "{hours}");
        assert!((2000..=4500).contains(&students), "{students}");
        assert!(ops.courses.iter().all(|c| {
            codes.contains(c.school_code.as_str())
                && c.deliveries
                    .iter()
                    .all(|d| codes.contains(d.to_code.as_str()) && d.to_code != c.school_code)
        }));
        assert!(ops.resources.len() >= 20 && ops.pairings.len() >= 30 && ops.events.len() >= 15);
        assert!(
            ops.groups.len() >= 20
                && ops.groups.iter().filter(|g| !g.notes.is_empty()).count() * 2
                    >= ops.groups.len()
        );
        // The fund never goes below zero; each reversal undoes an earlier disbursement.
        let mut per: HashMap<&str, Vec<&super::DemoFundMovement>> = HashMap::new();
        for m in &ops.fund {
            per.entry(m.community.as_str()).or_default().push(m);
        }
        assert_eq!(per.len(), 6);
        for (c, moves) in per {
            let mut balance = 0;
            for m in &moves {
                balance += m.delta_fen;
                assert!(balance >= 0, "{c}");
                if let Some(i) = m.reverses {
                    assert_eq!(moves[i].delta_fen, -m.delta_fen);
                }
            }
        }
        // Deterministic.
        assert_eq!(
            generate(Scale::District, DEFAULT_SEED, &mut |_, _| {}).operations,
            *ops
        );
    }
}
