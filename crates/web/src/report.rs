//! The term report package (学期工作材料) of a community: Word documents generated from the
//! records (work plan and activity schedule with its completion and photos, pairing lists,
//! participants' reflections, the work summary with its figures, the exchange teachers'
//! feedback forms) and xlsx tables, in one zip, laid out for A4.

use crate::AppState;
use crate::error::AppError;
use gongjin_domain::Term;
use gongjin_report::{Block, Document};
use gongjin_sheet::Cell;
use gongjin_store::activities::ActivityQuery;
use gongjin_store::exchanges::ExchangeQuery;
use gongjin_store::mentorships::MentorshipQuery;
use gongjin_store::scope::Visible;

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request(e.to_string())
}

/// Builds the package; returns the zip's file name and bytes.
pub async fn term_package(
    st: &AppState,
    community_id: i64,
    term: Term,
) -> Result<(String, Vec<u8>), AppError> {
    let com = st.store.get_community(community_id).await?;
    let (from, to) = term.bounds();
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let v = Visible::All;
    let tr = crate::ui::Tr(gongjin_domain::i18n::Locale::ZhCn);
    let acts = st
        .store
        .list_activities(
            &v,
            &ActivityQuery {
                community_id: Some(community_id),
                from: Some(from_s.clone()),
                to: Some(to_s.clone()),
                per_page: Some(1000),
                ..Default::default()
            },
        )
        .await?
        .items;
    let mut acts = acts;
    acts.sort_by(|a, b| a.held_on.cmp(&b.held_on));
    let label = term.zh();

    // 1. Work plan and activity schedule with its completion and photos.
    let mut plan = Document {
        title: format!("{}{}工作计划与活动安排", com.name, label),
        blocks: vec![
            Block::Heading(1, "一、工作目标".into()),
            Block::Paragraph(format!(
                "本学期{}围绕“管理共进、师资共育、资源共享、协同发展、整体提升”开展工作，按计划组织联合教研、交流轮岗、同步课堂和学生共育活动。",
                com.name
            )),
            Block::Heading(1, "二、活动安排与完成情况".into()),
            Block::Table(
                ["日期", "类型", "活动名称", "承办学校", "出勤", "状态"]
                    .map(String::from)
                    .to_vec(),
                acts.iter()
                    .map(|a| {
                        vec![
                            a.held_on.clone(),
                            a.kind_name.clone(),
                            a.title.clone(),
                            a.host_school_name.clone(),
                            format!("{}/{}", a.present, a.invited),
                            tr.label("activity_status", &a.status),
                        ]
                    })
                    .collect(),
            ),
        ],
    };
    let done = acts.iter().filter(|a| a.status == "done").count();
    plan.blocks.push(Block::Paragraph(format!(
        "共安排活动 {} 项，已开展 {} 项，完成率 {:.0}%。",
        acts.len(),
        done,
        if acts.is_empty() {
            0.0
        } else {
            done as f64 * 100.0 / acts.len() as f64
        }
    )));
    plan.blocks.push(Block::Heading(1, "三、活动照片".into()));
    let mut photos = 0;
    let mut reflections = vec![];
    for a in acts.iter().filter(|a| a.status == "done") {
        let d = st.store.get_activity(a.id).await?;
        for r in &d.reflection_list {
            reflections.push((
                a.title.clone(),
                r.teacher_name.clone(),
                r.school_name.clone(),
                r.body.clone(),
            ));
        }
        for f in d.file_list.iter().filter(|f| f.is_photo == 1).take(2) {
            if photos >= 20 {
                break;
            }
            if let Some(p) = crate::uploads::path_of(&st.uploads, &f.stored_name)
                && let Ok(bytes) = tokio::fs::read(p).await
            {
                plan.blocks
                    .push(Block::Picture(bytes, format!("{} {}", a.held_on, a.title)));
                photos += 1;
            }
        }
    }
    if photos == 0 {
        plan.blocks
            .push(Block::Paragraph("本学期尚未上传活动照片。".into()));
    }

    // 2. Pairing lists and reflections.
    let pairs = st
        .store
        .list_mentorships(
            &Visible::Community(community_id),
            &MentorshipQuery {
                per_page: Some(500),
                ..Default::default()
            },
        )
        .await?
        .items;
    let student_pairs = st
        .store
        .list_pairings(
            &v,
            &gongjin_store::students::StudentQuery {
                community_id: Some(community_id),
                per_page: Some(500),
                ..Default::default()
            },
        )
        .await?
        .items;
    let mut lists = Document {
        title: format!("{}{}结对名单与教师反思", com.name, label),
        blocks: vec![
            Block::Heading(1, "一、师徒结对名单".into()),
            Block::Table(
                [
                    "师傅",
                    "师傅学校",
                    "徒弟",
                    "徒弟学校",
                    "签约日期",
                    "任务完成",
                ]
                .map(String::from)
                .to_vec(),
                pairs
                    .iter()
                    .map(|p| {
                        vec![
                            p.mentor_name.clone(),
                            p.mentor_school.clone(),
                            p.apprentice_name.clone(),
                            p.apprentice_school.clone(),
                            p.signed_on.clone(),
                            format!("{}/{}", p.tasks_done, p.tasks),
                        ]
                    })
                    .collect(),
            ),
            Block::Heading(1, "二、学生手拉手结对名单".into()),
            Block::Table(
                [
                    "类型",
                    "学校甲",
                    "结对方甲",
                    "学校乙",
                    "结对方乙",
                    "结对日期",
                ]
                .map(String::from)
                .to_vec(),
                student_pairs
                    .iter()
                    .map(|p| {
                        vec![
                            tr.label("pairing_kind", &p.kind),
                            p.school_a_name.clone(),
                            p.party_a.clone(),
                            p.school_b_name.clone(),
                            p.party_b.clone(),
                            p.paired_on.clone(),
                        ]
                    })
                    .collect(),
            ),
            Block::Heading(1, "三、参与教师反思".into()),
        ],
    };
    if reflections.is_empty() {
        lists
            .blocks
            .push(Block::Paragraph("本学期暂无教师反思。".into()));
    }
    for (title, name, school, body) in &reflections {
        lists
            .blocks
            .push(Block::Heading(2, format!("{title}（{name}，{school}）")));
        lists.blocks.push(Block::Paragraph(body.clone()));
    }

    // 3. Work summary with its figures.
    let f = st
        .store
        .community_term_figures(community_id, &from_s, &to_s)
        .await?;
    let sync = st
        .store
        .sync_lesson_counts(
            &Visible::Community(community_id),
            Some(community_id),
            term.year,
        )
        .await?;
    let exchanges = st
        .store
        .list_exchanges(
            &v,
            &ExchangeQuery {
                community_id: Some(community_id),
                year: Some(term.year),
                per_page: Some(1000),
                ..Default::default()
            },
        )
        .await?
        .items;
    let summary = Document {
        title: format!("{}{}工作总结", com.name, label),
        blocks: vec![
            Block::Heading(1, "一、主要工作与成效".into()),
            Block::Paragraph(format!(
                "本学期{}共开展联合教研等活动 {} 项（计划 {} 项），参与教师出勤 {} 人次；在岗交流教师 {} 人，累计交流课时 {:.0} 小时；开设同步课堂 {} 节（本学年累计 {} 节、{} 个学科，目标 {} 节、{} 个学科）；结对师徒 {} 对，学生手拉手结对 {} 对。",
                com.name,
                done,
                acts.len(),
                acts.iter().map(|a| a.present).sum::<i64>(),
                f.exchanges_active,
                f.exchange_hours,
                f.sync_lessons,
                sync.first().map(|s| s.lessons).unwrap_or(0),
                sync.first().map(|s| s.subjects).unwrap_or(0),
                sync.first().map(|s| s.target.lessons_per_year).unwrap_or(20),
                sync.first().map(|s| s.target.subjects_per_year).unwrap_or(2),
                pairs.len(),
                student_pairs.len(),
            )),
            Block::Heading(1, "二、存在问题".into()),
            Block::Paragraph(format!(
                "逾期未完成的师徒任务 {} 项，逾期未落实的联席会议决定 {} 项，需在下学期初逐项跟进。",
                f.overdue_tasks.len(),
                f.overdue_decisions.len()
            )),
            Block::Heading(1, "三、下学期打算".into()),
            Block::Paragraph("继续坚持“周周有约”集体教研，扩大同步课堂学科覆盖面，落实交流轮岗指标，推动成员校教育质量整体提升。".into()),
        ],
    };

    // 4. Exchange teachers' feedback forms.
    let mut feedback = Document {
        title: format!("{}{}支教/挂职教师信息反馈表", com.name, label),
        blocks: vec![],
    };
    for x in &exchanges {
        let forms = st.store.list_feedback(x.id).await?;
        if forms.is_empty() {
            continue;
        }
        feedback.blocks.push(Block::Heading(
            2,
            format!(
                "{}（{} → {}）",
                x.teacher_name, x.from_school_name, x.to_school_name
            ),
        ));
        let mut rows = vec![
            vec!["交流形式".into(), tr.label("exchange_kind", &x.kind)],
            vec!["任教学科".into(), x.subject.clone()],
            vec!["起止日期".into(), format!("{} 至 {}", x.start_on, x.end_on)],
            vec!["累计课时".into(), format!("{:.0}", x.hours)],
        ];
        for fb in &forms {
            let who = if fb.author_role == "host" {
                "接收学校"
            } else {
                "交流教师"
            };
            rows.push(vec![format!("{who}评价"), tr.label("rating", &fb.rating)]);
            rows.push(vec![format!("{who}：出勤"), fb.attendance.clone()]);
            rows.push(vec![format!("{who}：工作小结"), fb.work_summary.clone()]);
            rows.push(vec![format!("{who}：意见"), fb.comments.clone()]);
        }
        feedback
            .blocks
            .push(Block::Table(vec!["项目".into(), "内容".into()], rows));
    }
    if feedback.blocks.is_empty() {
        feedback
            .blocks
            .push(Block::Paragraph("本学期暂无填写的反馈表。".into()));
    }

    // Tables.
    let act_rows: Vec<Vec<Cell>> = acts
        .iter()
        .map(|a| {
            vec![
                Cell::Text(a.held_on.clone()),
                Cell::Text(a.kind_name.clone()),
                Cell::Text(a.title.clone()),
                Cell::Text(a.host_school_name.clone()),
                Cell::Int(a.invited),
                Cell::Int(a.present),
                Cell::Text(tr.label("activity_status", &a.status)),
            ]
        })
        .collect();
    let acts_xlsx = gongjin_sheet::write_xlsx(
        "活动一览",
        &[
            "日期",
            "类型",
            "活动名称",
            "承办学校",
            "应到",
            "实到",
            "状态",
        ],
        &act_rows,
    )
    .map_err(err)?;
    let ex_rows: Vec<Vec<Cell>> = exchanges
        .iter()
        .map(|x| {
            vec![
                Cell::Text(x.teacher_name.clone()),
                Cell::Text(x.from_school_name.clone()),
                Cell::Text(x.to_school_name.clone()),
                Cell::Text(tr.label("exchange_kind", &x.kind)),
                Cell::Text(x.start_on.clone()),
                Cell::Text(x.end_on.clone()),
                Cell::Float(x.hours),
            ]
        })
        .collect();
    let ex_xlsx = gongjin_sheet::write_xlsx(
        "交流一览",
        &[
            "教师",
            "派出学校",
            "接收学校",
            "形式",
            "开始",
            "结束",
            "课时",
        ],
        &ex_rows,
    )
    .map_err(err)?;
    let files = vec![
        (
            "1_工作计划与活动安排.docx".to_owned(),
            gongjin_report::docx(&plan).map_err(err)?,
        ),
        (
            "2_结对名单与教师反思.docx".to_owned(),
            gongjin_report::docx(&lists).map_err(err)?,
        ),
        (
            "3_工作总结.docx".to_owned(),
            gongjin_report::docx(&summary).map_err(err)?,
        ),
        (
            "4_交流教师信息反馈表.docx".to_owned(),
            gongjin_report::docx(&feedback).map_err(err)?,
        ),
        ("5_活动一览.xlsx".to_owned(), acts_xlsx),
        ("6_交流一览.xlsx".to_owned(), ex_xlsx),
    ];
    let zip = gongjin_report::zip_files(&files).map_err(err)?;
    Ok((format!("{}_{}_学期工作材料.zip", com.name, label), zip))
}
