//! Demo records for activities ("周周有约" series and assorted research), synchronous lessons, the
//! support menu and teachers' weekly periods: a plausible current school year for the first
//! communities, deterministic (a small LCG seeded by the community id), written inside the demo
//! loader's transaction.

use crate::Result;
use chrono::{Datelike, NaiveDate};
use sqlx::AnyConnection;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const KINDS: &[(&str, &str)] = &[
    ("same_topic", "同课异构：{}"),
    ("observation", "听课评课：{}"),
    ("open_class", "示范课：{}"),
    ("lecture", "专题讲座：{}"),
    ("lesson_explaining", "说课比赛：{}"),
    ("test_item", "单元试题研制：{}"),
    ("online_research", "网络教研：{}"),
    ("student_activity", "手拉手读书节"),
    ("culture", "党建共建活动"),
];
const SUBJECTS: &[&str] = &["语文", "数学", "英语", "科学", "道德与法治"];
/// Lesson topics that fit each subject.
fn topics(subject: &str) -> &'static [&'static str] {
    match subject {
        "语文" => &[
            "《观潮》朗读指导",
            "习作：我的拿手好戏",
            "整本书阅读《草房子》",
        ],
        "数学" => &["分数的意义", "图形的运动", "鸡兔同笼"],
        "英语" => &["一般现在时", "Unit 3 My weekend plan", "字母组合发音"],
        "科学" => &["简单电路", "植物的一生"],
        _ => &["我们的班规我们订", "家乡的变化"],
    }
}

#[allow(clippy::too_many_arguments)]
async fn activity(
    tx: &mut AnyConnection,
    community: i64,
    series: Option<i64>,
    kind: &str,
    title: &str,
    organiser: i64,
    host: i64,
    on: NaiveDate,
    time: &str,
    mode: &str,
    subject: &str,
    done: bool,
    schools: &[i64],
    teachers: &[(i64, bool)],
    now: &str,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (community_id, series_id, kind, title, organiser_school_id, organiser_studio, host_school_id, held_on, start_time, duration_minutes, mode, subject, student_count, summary, stage_before, stage_during, stage_after, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, 120, $9, $10, 0, $11, '', '', '', $12, $13, $13) RETURNING id",
    )
    .bind(community)
    .bind(series)
    .bind(kind.to_owned())
    .bind(title.to_owned())
    .bind(organiser)
    .bind(host)
    .bind(on.to_string())
    .bind(time.to_owned())
    .bind(mode.to_owned())
    .bind(subject.to_owned())
    .bind(if done {
        "活动按计划开展，参与教师围绕课堂教学展开研讨，形成改进意见。"
    } else {
        ""
    })
    .bind(if done { "done" } else { "planned" })
    .bind(now.to_owned())
    .fetch_one(&mut *tx)
    .await?;
    for s in schools.iter().filter(|&&s| s != host) {
        sqlx::query("INSERT INTO activity_schools (activity_id, school_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*s)
            .execute(&mut *tx)
            .await?;
    }
    for (t, present) in teachers {
        sqlx::query(
            "INSERT INTO activity_participants (activity_id, teacher_id, present) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*t)
        .bind(i64::from(*present && done))
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

/// Loads the records for up to `limit` communities (by id).
pub(crate) async fn load(
    tx: &mut AnyConnection,
    community_ids: &[i64],
    today: NaiveDate,
    limit: usize,
) -> Result<()> {
    let year = gongjin_domain::school_year_of(today);
    let (start, _) = gongjin_domain::school_year_bounds(year);
    let end = NaiveDate::from_ymd_opt(year + 1, 6, 30).unwrap_or(start);
    let now = crate::now();
    let mut ids = community_ids.to_vec();
    ids.sort_unstable();
    for &cid in ids.iter().take(limit) {
        let mut r = Lcg(cid as u64 * 7919 + 17);
        let members: Vec<(i64, String)> = sqlx::query_as(
            "SELECT school_id, role FROM memberships WHERE community_id = $1 AND left_on IS NULL ORDER BY school_id",
        )
        .bind(cid)
        .fetch_all(&mut *tx)
        .await?;
        let Some(core) = members.iter().find(|m| m.1 == "core").map(|m| m.0) else {
            continue;
        };
        let schools: Vec<i64> = members.iter().map(|m| m.0).collect();
        let mut staff: Vec<(i64, Vec<i64>)> = vec![];
        for &s in &schools {
            let t: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM teachers WHERE school_id = $1 AND status = 'active' ORDER BY id LIMIT 6",
            )
            .bind(s)
            .fetch_all(&mut *tx)
            .await?;
            staff.push((s, t));
        }
        let invite = |r: &mut Lcg, n: usize| -> Vec<(i64, bool)> {
            let mut v = vec![];
            for (_, ts) in &staff {
                for t in ts.iter().take(n) {
                    v.push((*t, r.below(10) < 9));
                }
            }
            v
        };
        // "周周有约": every Wednesday afternoon, at the core school, outside the holidays.
        let series: i64 = sqlx::query_scalar(
            "INSERT INTO activity_series (community_id, title, kind, weekday, start_time, first_date, last_date, created_at) VALUES ($1, '周周有约·集体教研', 'lesson_prep', 3, '14:30', $2, $3, $4) RETURNING id",
        )
        .bind(cid)
        .bind(start.to_string())
        .bind(end.to_string())
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        for d in gongjin_domain::operations::series_dates(start, end, 3) {
            let holiday = (d.month() == 1 && d.day() > 20) || d.month() == 2 && d.day() < 20;
            if holiday {
                continue;
            }
            let subject = SUBJECTS[r.below(3)];
            let t = invite(&mut r, 1);
            activity(
                tx,
                cid,
                Some(series),
                "lesson_prep",
                &format!("周周有约·{subject}集体备课"),
                core,
                core,
                d,
                "14:30",
                "on_site",
                subject,
                d < today,
                &schools,
                &t,
                &now,
            )
            .await?;
        }
        // Assorted research across the year, hosted in turn by every school.
        for k in 0..14 {
            let d = start + chrono::Duration::days((k * 21 + r.below(10)) as i64);
            if d > end {
                break;
            }
            let (kind, title) = KINDS[r.below(KINDS.len())];
            let subject = SUBJECTS[r.below(SUBJECTS.len())];
            let host = schools[k % schools.len()];
            let t = invite(&mut r, 2);
            let mode = if kind == "online_research" {
                "online"
            } else {
                "on_site"
            };
            activity(
                tx,
                cid,
                None,
                kind,
                &title.replace(
                    "{}",
                    &format!(
                        "{subject}·{}",
                        topics(subject)[r.below(topics(subject).len())]
                    ),
                ),
                core,
                host,
                d,
                "09:00",
                mode,
                subject,
                d < today,
                &schools,
                &t,
                &now,
            )
            .await?;
        }
        // Synchronous lessons: the core school's teachers to the members' classes, twice a month.
        let members_only: Vec<i64> = schools.iter().copied().filter(|&s| s != core).collect();
        let core_teachers = staff
            .iter()
            .find(|(s, _)| *s == core)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        if !members_only.is_empty() && !core_teachers.is_empty() {
            for k in 0..22 {
                let d = start + chrono::Duration::days(10 + k * 13);
                if d > end || d.weekday().number_from_monday() > 5 {
                    continue;
                }
                let subject = SUBJECTS[k as usize % 3];
                let grade = ["三", "四", "五", "六"][r.below(4)];
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO sync_lessons (community_id, host_teacher_id, host_school_id, host_class, subject, held_on, period, live_url, topic, goals, key_points, process, division, before_notes, during_notes, after_notes, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, '理解并运用本课重点', '重点与难点见教学设计', '导入—新授—练习—小结', '主讲教师授课，接收端教师组织课堂与辅导', '两校教师共同备课', $9, $10, $11, $12, $12) RETURNING id",
                )
                .bind(cid)
                .bind(core_teachers[r.below(core_teachers.len())])
                .bind(core)
                .bind(format!("{grade}年级(1)班"))
                .bind(subject)
                .bind(d.to_string())
                .bind((r.below(6) + 1) as i64)
                .bind(topics(subject)[r.below(topics(subject).len())])
                .bind(if d < today { "双师协同，学生参与度高" } else { "" })
                .bind(if d < today { "课后同评：节奏适中，互动可加强" } else { "" })
                .bind(if d < today { "done" } else { "planned" })
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
                let to = members_only[k as usize % members_only.len()];
                sqlx::query("INSERT INTO sync_lesson_receivers (sync_lesson_id, school_id, class_label) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(to)
                    .bind(format!("{grade}年级(2)班"))
                    .execute(&mut *tx)
                    .await?;
            }
            // The support menu: three offers; members order; past orders done, the next scheduled.
            for (n, (title, kind, subject)) in [
                ("送教下乡：毕业班数学复习课", "open_class", "数学"),
                ("名师讲座：大单元教学设计", "lecture", "语文"),
                ("课堂诊断：推门听课与评课", "observation", ""),
            ]
            .iter()
            .enumerate()
            {
                let offer: i64 = sqlx::query_scalar(
                    "INSERT INTO support_offers (community_id, school_id, title, kind, provider, description, times, subject, open, created_at) VALUES ($1, $2, $3, $4, '名师工作室', '成员校按需预约，核心校派骨干教师上门', 3, $5, 1, $6) RETURNING id",
                )
                .bind(cid)
                .bind(core)
                .bind(*title)
                .bind(*kind)
                .bind(*subject)
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
                for (j, &m) in members_only.iter().take(2).enumerate() {
                    let d = start + chrono::Duration::days((40 + n * 50 + j * 70) as i64);
                    let (status, act) = if d < today {
                        ("done", true)
                    } else if j == 0 {
                        ("scheduled", true)
                    } else {
                        ("requested", false)
                    };
                    let activity_id = if act {
                        Some(
                            activity(
                                tx,
                                cid,
                                None,
                                kind,
                                &format!("菜单式帮扶：{title}"),
                                core,
                                m,
                                d,
                                "09:00",
                                "on_site",
                                subject,
                                status == "done",
                                &[core, m],
                                &[],
                                &now,
                            )
                            .await?,
                        )
                    } else {
                        None
                    };
                    sqlx::query("INSERT INTO support_orders (offer_id, school_id, wanted_on, note, status, activity_id, reply, created_at, updated_at) VALUES ($1, $2, $3, '希望结合本校学情', $4, $5, $6, $7, $7)")
                        .bind(offer)
                        .bind(m)
                        .bind(d.to_string())
                        .bind(status)
                        .bind(activity_id)
                        .bind(if act { "已安排骨干教师" } else { "" })
                        .bind(now.clone())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        // Two unified tests (开学摸底 and 期中) of grade 5 maths for the first two communities, with
        // each school's own progress planted so that value added has something to find.
        if cid <= ids.iter().take(2).copied().max().unwrap_or(0) && !members_only.is_empty() {
            let gauss = |r: &mut Lcg| {
                let u1 = (r.next() as f64 + 1.0) / (u32::MAX as f64 + 2.0);
                let u2 = (r.next() as f64 + 1.0) / (u32::MAX as f64 + 2.0);
                (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
            };
            let mut tests = vec![];
            for (title, day) in [
                ("五年级数学开学摸底统一检测", 75),
                ("五年级数学期中统一检测", 10),
            ] {
                let on = today - chrono::Duration::days(day);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO unified_tests (community_id, title, subject, grade, held_on, full_marks, pass_line, excellent_line, low_line, created_at) VALUES ($1, $2, '数学', '五年级', $3, 100, 60, 85, NULL, $4) RETURNING id",
                )
                .bind(cid)
                .bind(title)
                .bind(on.to_string())
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
                tests.push(id);
            }
            for (k, &school) in schools.iter().enumerate() {
                // The core school starts ahead; members differ in how much they gain.
                let level = if school == core {
                    8.0
                } else {
                    -4.0 * (k % 3) as f64
                };
                let effect = [0.25, 0.0, -0.2][k % 3];
                for n in 0..40 {
                    let ability = gauss(&mut r);
                    let noise = gauss(&mut r);
                    let first = (74.0 + level + 12.0 * ability + 4.0 * gauss(&mut r))
                        .clamp(0.0, 100.0)
                        .round();
                    let second = (72.0 + level + 12.0 * (0.85 * ability + 0.3 * noise + effect))
                        .clamp(0.0, 100.0)
                        .round();
                    let number = format!("G{cid:03}{school:04}{n:02}");
                    let class = format!("五年级({})班", n % 2 + 1);
                    for (t, score) in tests.iter().zip([first, second]) {
                        let absent = r.below(40) == 0;
                        sqlx::query("INSERT INTO test_scores (test_id, student_number, name, school_id, class_label, score) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(*t)
                            .bind(number.clone())
                            .bind(format!("学生{n:02}"))
                            .bind(school)
                            .bind(class.clone())
                            .bind((!absent).then_some(score))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
        }
        // Monthly joint meetings (first Saturday) with decisions, and mentoring pairs with tasks.
        for (n, month) in [9u32, 10, 11, 12, 3, 4, 5].iter().enumerate() {
            let y = if *month >= 9 { year } else { year + 1 };
            let Some(first) = NaiveDate::from_ymd_opt(y, *month, 1) else {
                continue;
            };
            let on = gongjin_domain::operations::series_dates(
                first,
                first + chrono::Duration::days(6),
                6,
            )
            .first()
            .copied()
            .unwrap_or(first);
            if on > today {
                break;
            }
            let meeting: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (community_id, held_on, topic, location, attendees, agenda, minutes, created_at, updated_at) VALUES ($1, $2, $3, '核心校会议室', '各校校长、教学副校长', '一、上月工作回顾；二、本月教研与交流安排；三、需协调事项', '会议听取了各成员校工作汇报，研究部署了本月重点工作。', $4, $4) RETURNING id",
            )
            .bind(cid)
            .bind(on.to_string())
            .bind(format!("第{}次联席会议", n + 1))
            .bind(now.clone())
            .fetch_one(&mut *tx)
            .await?;
            for (k, content) in [
                "落实本月跟岗教师名单",
                "筹备同课异构展示活动",
                "上报交流教师课时台账",
            ]
            .iter()
            .enumerate()
            {
                let due = on + chrono::Duration::days(14 + 7 * k as i64);
                let status = if due < today && r.below(4) > 0 {
                    "done"
                } else if due < today {
                    "in_progress"
                } else {
                    "open"
                };
                sqlx::query("INSERT INTO meeting_decisions (meeting_id, content, owner, due_on, status, follow_up, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(meeting)
                    .bind(*content)
                    .bind(["教务处", "教研组长", "办公室"][k])
                    .bind(due.to_string())
                    .bind(status)
                    .bind(if status == "done" { "已按期完成" } else { "" })
                    .bind(now.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some((_, mentors)) = staff.iter().find(|(s, _)| *s == core) {
            let apprentices: Vec<i64> = staff
                .iter()
                .filter(|(s, _)| *s != core)
                .flat_map(|(_, t)| t.iter().skip(3).take(1).copied())
                .collect();
            for (m, a) in mentors.iter().zip(apprentices.iter()) {
                let pair: i64 = sqlx::query_scalar(
                    "INSERT INTO mentorships (mentor_id, apprentice_id, signed_on, goals, status, created_at, updated_at) VALUES ($1, $2, $3, '一年内独立上好校级公开课，形成个人教学风格', 'active', $4, $4) RETURNING id",
                )
                .bind(*m)
                .bind(*a)
                .bind((start + chrono::Duration::days(9)).to_string())
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await?;
                for (k, title) in [
                    "听师傅课10节并写听课记录",
                    "在师傅指导下上一节汇报课",
                    "完成一份单元教学设计",
                    "撰写一篇教学反思",
                ]
                .iter()
                .enumerate()
                {
                    let due = start + chrono::Duration::days(40 + 45 * k as i64);
                    let done = (due < today && r.below(5) > 0)
                        .then(|| (due - chrono::Duration::days(2)).to_string());
                    sqlx::query("INSERT INTO mentorship_tasks (mentorship_id, title, due_on, done_on, note) VALUES ($1, $2, $3, $4, '')")
                        .bind(pair)
                        .bind(*title)
                        .bind(due.to_string())
                        .bind(done)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        // Weekly periods of the invited teachers (for common free time).
        for (_, ts) in &staff {
            for t in ts {
                let mut slots = std::collections::BTreeSet::new();
                let n = 10 + r.below(7);
                while slots.len() < n {
                    slots.insert(((r.below(5) + 1) as i64, (r.below(7) + 1) as i64));
                }
                for (w, p) in slots {
                    sqlx::query("INSERT INTO teacher_periods (teacher_id, weekday, period) VALUES ($1, $2, $3)")
                        .bind(*t)
                        .bind(w)
                        .bind(p)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
    }
    Ok(())
}
