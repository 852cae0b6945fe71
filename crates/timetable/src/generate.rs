//! Joint instances: a core school and 2–4 member schools per community, each with its own bell schedule,
//! synchronous links (同步课堂), travelling teachers (走教) with travel minutes, and one research half-day
//! (周周有约) per subject group.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::model::{
    Activity, Class, Idx, Model, Period, Rule, RuleKind, School, Target, Teacher, Travel, Window,
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JointSpec {
    pub seed: u64,
    pub communities: usize,
    /// Classes per school.
    pub classes_per_school: usize,
    pub sync_links: usize,
    pub travelling_teachers: usize,
}

impl Default for JointSpec {
    fn default() -> Self {
        JointSpec {
            seed: 1,
            communities: 5,
            classes_per_school: 3,
            sync_links: 60,
            travelling_teachers: 10,
        }
    }
}

const SUBJECTS: &[(&str, u16)] = &[
    ("语文", 6),
    ("数学", 5),
    ("英语", 4),
    ("科学", 3),
    ("体育", 3),
    ("音乐", 2),
    ("美术", 2),
];

fn bells(start: u32, len: u32, brk: u32, long_after: usize) -> Vec<Period> {
    let mut v = Vec::new();
    let mut t = start;
    for p in 0..7 {
        if p == 4 {
            t = 13 * 60 + 30 + (start % 60) / 2; // afternoon
        }
        v.push(Period {
            name: format!("第{}节", p + 1),
            start: t,
            end: t + len,
        });
        t += len + if p + 1 == long_after { 25 } else { brk };
    }
    v
}

/// Generate a joint instance. Up to 4 members per community; every school has 5 days × 7 periods.
pub fn joint(spec: &JointSpec) -> Model {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut m = Model {
        subjects: SUBJECTS.iter().map(|s| s.0.to_string()).collect(),
        ..Default::default()
    };
    let days: Vec<String> = ["周一", "周二", "周三", "周四", "周五"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut community_of: Vec<usize> = Vec::new();
    // teacher per (school, subject): one teacher covers a subject at a school (≤ 3 classes × 6 = 18 lessons).
    let mut teacher_of: Vec<Vec<Idx>> = Vec::new();
    for c in 0..spec.communities {
        let members = 2 + (c % 3);
        for k in 0..=members {
            let si = m.schools.len() as Idx;
            let start = 7 * 60 + 40 + rng.random_range(0..5) * 5;
            let len = if k == 0 {
                40
            } else {
                [40, 45][rng.random_range(0..2)]
            };
            let periods = bells(start, len, 10, 2);
            m.schools.push(School {
                name: format!(
                    "C{c}-{}",
                    if k == 0 {
                        "core".to_string()
                    } else {
                        format!("m{k}")
                    }
                ),
                days: days.clone(),
                periods,
                alt_schedules: Vec::new(),
                terms: 0,
                half_days: false,
            });
            community_of.push(c);
            for x in 0..spec.classes_per_school {
                m.classes.push(Class {
                    name: format!("{}-{}班", m.schools[si as usize].name, x + 1),
                    school: si,
                    students: 40,
                });
            }
            let mut ts = Vec::new();
            for (sj, s) in SUBJECTS.iter().enumerate() {
                let _ = sj;
                m.teachers.push(Teacher {
                    name: format!("{}-{}", m.schools[si as usize].name, s.0),
                });
                ts.push(m.teachers.len() as Idx - 1);
            }
            teacher_of.push(ts);
        }
    }
    let ns = m.schools.len();
    // Lessons.
    for s in 0..ns {
        let classes: Vec<Idx> = (0..m.classes.len() as Idx)
            .filter(|&c| m.classes[c as usize].school == s as Idx)
            .collect();
        for &c in &classes {
            for (sj, &(_, count)) in SUBJECTS.iter().enumerate() {
                let group = m.activities.len() as u32 + 1;
                let first = m.activities.len() as Idx;
                for _ in 0..count {
                    m.activities.push(Activity {
                        id: m.activities.len() as u32 + 1,
                        school: s as Idx,
                        subject: sj as Idx,
                        teachers: vec![teacher_of[s][sj]],
                        classes: vec![c],
                        tags: Vec::new(),
                        duration: 1,
                        group,
                        rooms: Vec::new(),
                        fixed: None,
                        fixed_room: None,
                    });
                }
                let acts: Vec<Idx> = (first..m.activities.len() as Idx).collect();
                m.rules.push(Rule {
                    weight: 95.0,
                    kind: RuleKind::MinDaysBetween {
                        activities: acts,
                        min_days: 1,
                        consecutive_if_same_day: true,
                    },
                });
            }
            m.rules.push(Rule {
                weight: 100.0,
                kind: RuleKind::MaxGapsWeek {
                    target: Target::Class(c),
                    max: 0,
                },
            });
        }
    }
    for t in 0..m.teachers.len() as Idx {
        m.rules.push(Rule {
            weight: 50.0,
            kind: RuleKind::MaxGapsWeek {
                target: Target::Teacher(t),
                max: 3,
            },
        });
    }
    // Travel within each community: 15–40 minutes.
    for a in 0..ns {
        for b in a + 1..ns {
            if community_of[a] == community_of[b] {
                m.travel.push(Travel {
                    a: a as Idx,
                    b: b as Idx,
                    minutes: 15 + 5 * rng.random_range(0..6),
                });
            }
        }
    }
    // Travelling teachers: a member school's music / art lessons taught by the core school's teacher.
    let cores: Vec<usize> = (0..ns)
        .filter(|&s| m.schools[s].name.ends_with("core"))
        .collect();
    let mut moved = 0;
    'tt: for &core in &cores {
        for member in core + 1..ns {
            if community_of[member] != community_of[core] {
                break;
            }
            if moved >= spec.travelling_teachers {
                break 'tt;
            }
            let sj = 5 + moved % 2;
            let t = teacher_of[core][sj];
            for a in m.activities.iter_mut() {
                if a.school == member as Idx && a.subject == sj as Idx {
                    a.teachers = vec![t];
                }
            }
            moved += 1;
        }
    }
    // Synchronous links: a core lesson streamed to one lesson of the same subject at a member school.
    let mut used = vec![false; m.activities.len()];
    let mut links = 0;
    let mut tries = 0;
    while links < spec.sync_links && tries < 10_000 {
        tries += 1;
        let core = cores[rng.random_range(0..cores.len())];
        let members: Vec<usize> = (0..ns)
            .filter(|&s| s != core && community_of[s] == community_of[core])
            .collect();
        let member = members[rng.random_range(0..members.len())];
        let sj = rng.random_range(1..4) as Idx; // 数学, 英语, 科学
        let pick =
            |school: usize, used: &Vec<bool>, rng: &mut ChaCha8Rng, m: &Model| -> Option<Idx> {
                let c: Vec<Idx> = (0..m.activities.len() as Idx)
                    .filter(|&a| {
                        m.activities[a as usize].school == school as Idx
                            && m.activities[a as usize].subject == sj
                            && !used[a as usize]
                    })
                    .collect();
                (!c.is_empty()).then(|| c[rng.random_range(0..c.len())])
            };
        let (Some(x), Some(y)) = (
            pick(core, &used, &mut rng, &m),
            pick(member, &used, &mut rng, &m),
        ) else {
            continue;
        };
        used[x as usize] = true;
        used[y as usize] = true;
        m.rules.push(Rule {
            weight: 100.0,
            kind: RuleKind::Sync {
                activities: vec![x, y],
                tolerance: 10,
            },
        });
        links += 1;
    }
    // Research half-day per subject group (语文, 数学, 英语) per community: afternoon, engine chooses the day.
    for c in 0..spec.communities {
        for sj in 0..3 {
            let teachers: Vec<Idx> = (0..ns)
                .filter(|&s| community_of[s] == c)
                .map(|s| teacher_of[s][sj])
                .collect();
            let candidates = (0..5)
                .map(|d| Window {
                    day: d,
                    start: 13 * 60 + 30,
                    end: 17 * 60 + 30,
                })
                .collect();
            m.rules.push(Rule {
                weight: 100.0,
                kind: RuleKind::JointBlock {
                    name: format!("C{c}-{}教研", SUBJECTS[sj].0),
                    teachers,
                    candidates,
                },
            });
        }
    }
    m
}
