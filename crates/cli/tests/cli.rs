//! The command line as a bureau uses it: templates, imports (good, bad, messy), exports, demo
//! data; on SQLite and, when reachable, PostgreSQL.

use rust_xlsxwriter::Workbook;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Target {
    label: &'static str,
    args: Vec<String>,
    dir: PathBuf,
}

fn gongjin(t: &Target, args: &[&str]) -> Output {
    run(args, &t.args)
}

fn run(args: &[&str], db_args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongjin"))
        .args(args)
        .args(db_args)
        .env("GONGJIN_ADMIN_PASSWORD", "admin-pass-1")
        .env_remove("GONGJIN_DATABASE_URL")
        .output()
        .expect("run gongjin")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes an xlsx whose rows are given cell by cell (strings; "#n" writes the number n).
fn xlsx(path: &Path, rows: &[Vec<&str>]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if let Some(n) = cell.strip_prefix('#') {
                ws.write_number(r as u32, c as u16, n.parse::<f64>().unwrap())
                    .unwrap();
            } else if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

async fn targets() -> (Vec<Target>, Vec<gongjin_store::testing::TestDb>) {
    let dir = gongjin_store::testing::temp_dir("gongjin_cli");
    let mut v = vec![Target {
        label: "sqlite",
        args: vec!["--data-dir".into(), dir.join("data").display().to_string()],
        dir,
    }];
    let mut dbs = vec![];
    if let Some(pg) = gongjin_store::testing::postgres().await {
        let dir = gongjin_store::testing::temp_dir("gongjin_cli_pg");
        v.push(Target {
            label: "postgres",
            args: vec![
                "--data-dir".into(),
                dir.join("data").display().to_string(),
                "--database-url".into(),
                pg.url.clone(),
            ],
            dir,
        });
        dbs.push(pg);
    }
    (v, dbs)
}

fn export_csv(t: &Target, kind: &str) -> String {
    let file = t.dir.join(format!("{kind}-export.csv"));
    let o = gongjin(t, &["export", kind, file.to_str().unwrap()]);
    assert!(o.status.success(), "{}: {}", t.label, stderr(&o));
    std::fs::read_to_string(file).unwrap()
}

#[tokio::test]
async fn bureau_sheets_round_trip_through_the_command_line() {
    let (targets, dbs) = targets().await;
    for t in &targets {
        let label = t.label;
        // The template has exactly the documented headers.
        let tpl = t.dir.join("schools-template.xlsx");
        let o = run(&["template", "schools", tpl.to_str().unwrap()], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        use calamine::{Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(&tpl).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let headers: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            headers,
            [
                "学校名称",
                "学校标识码",
                "所属区域",
                "学段",
                "城乡类型",
                "办学性质",
                "地址",
                "经度",
                "纬度",
                "小学在校生数",
                "初中在校生数",
                "班级数"
            ]
        );

        // The demo district gives the regions the sheets refer to.
        let o = gongjin(t, &["demo", "--scale", "district"]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        assert!(stdout(&o).contains("45 所学校"), "{}", stdout(&o));

        // A good file imports.
        let good = t.dir.join("good.xlsx");
        xlsx(
            &good,
            &[
                vec![
                    "学校名称",
                    "学校标识码",
                    "所属区域",
                    "学段",
                    "城乡类型",
                    "办学性质",
                    "地址",
                    "经度",
                    "纬度",
                    "小学在校生数",
                    "初中在校生数",
                    "班级数",
                ],
                vec![
                    "曾都区新建第一小学",
                    "4213039001",
                    "曾都区",
                    "小学",
                    "城区",
                    "公办",
                    "随州市曾都区",
                    "#113.38",
                    "#31.71",
                    "#900",
                    "#0",
                    "#20",
                ],
                vec![
                    "曾都区新建第二小学",
                    "4213039002",
                    "曾都区",
                    "小学",
                    "乡村",
                    "公办",
                    "",
                    "",
                    "",
                    "#120",
                    "",
                    "#6",
                ],
            ],
        );
        let o = gongjin(t, &["import", "schools", good.to_str().unwrap()]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        assert!(stdout(&o).contains("新增 2 条"), "{}", stdout(&o));
        let after_good = export_csv(t, "schools");
        assert!(after_good.contains("4213039001") && after_good.contains("曾都区新建第二小学"));

        // A bad file: every bad row named by the sheet's own row number and column; nothing written.
        let bad = t.dir.join("bad.xlsx");
        xlsx(
            &bad,
            &[
                vec!["学校名称", "学校标识码", "所属区域", "学段", "城乡类型"],
                vec!["好学校", "4213039003", "曾都区", "小学", "城区"],
                vec!["坏标识码", "42130", "曾都区", "小学", "城区"],
                vec!["坏学段", "4213039004", "曾都区", "高中", "城区"],
                vec!["坏区域", "4213039005", "火星区", "小学", "城区"],
                vec!["重复", "4213039003", "曾都区", "小学", "乡村"],
            ],
        );
        let o = gongjin(t, &["import", "schools", bad.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{label}");
        let err = stderr(&o);
        for expected in [
            "第3行 学校标识码",
            "第4行 学段",
            "第5行 所属区域",
            "第6行 学校标识码",
        ] {
            assert!(
                err.contains(expected),
                "{label}: missing {expected} in\n{err}"
            );
        }
        assert!(!err.contains("第2行 "), "row 2 is good: {err}");
        assert!(err.contains("未写入任何数据"));
        assert_eq!(
            export_csv(t, "schools"),
            after_good,
            "{label}: a bad file changed nothing"
        );

        // A messy but valid sheet: a title row, reordered and extra columns, blank rows,
        // full-width spaces, numbers stored as text, a numeric code cell.
        let messy = t.dir.join("messy.xlsx");
        xlsx(
            &messy,
            &[
                vec!["曾都区2025年学校信息统计表"],
                vec![],
                vec![
                    "序号",
                    "城乡类型",
                    "学校名称",
                    "备注",
                    "所属区域",
                    "学段",
                    "学校标识码",
                    "班级数",
                    "小学在校生数",
                ],
                vec![
                    "1",
                    "乡村",
                    "　曾都区新建第三小学　",
                    "新建",
                    "曾都区 ",
                    "小学",
                    "4213039006",
                    "8",
                    "260",
                ],
                vec![],
                vec![
                    "2",
                    " 镇区",
                    "曾都区新建第一小学",
                    "",
                    "曾都区",
                    "小学",
                    "#4213039001",
                    "#21",
                    "#950",
                ],
                vec!["", "", "", "", "", "", "", "", ""],
            ],
        );
        let o = gongjin(
            t,
            &["import", "schools", messy.to_str().unwrap(), "--dry-run"],
        );
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("将新增 1 条、更新 1 条"),
            "{}",
            stdout(&o)
        );
        assert_eq!(
            export_csv(t, "schools"),
            after_good,
            "dry run writes nothing"
        );
        let o = gongjin(t, &["import", "schools", messy.to_str().unwrap()]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        let after_messy = export_csv(t, "schools");
        assert!(
            after_messy.contains("曾都区新建第三小学,4213039006"),
            "cleaned name: {after_messy}"
        );
        let updated = after_messy
            .lines()
            .find(|l| l.contains("4213039001"))
            .unwrap()
            .to_owned();
        assert!(
            updated.contains("镇区") && updated.contains(",950,"),
            "{updated}"
        );

        // Teachers, by school code; re-import updates by staff number.
        let teachers = t.dir.join("teachers.csv");
        std::fs::write(
            &teachers,
            "教师编号,姓名,性别,出生年份,学校标识码,任教学科,职称,骨干级别,本校任教年限,手机号码\nXJ0001,林晓,女,1990,4213039001,语文、道德与法治,一级教师,县级,3,13800001111\nXJ0002,高峰,男,1985,4213039006,数学,二级教师,无,8,\n",
        )
        .unwrap();
        let o = gongjin(t, &["import", "teachers", teachers.to_str().unwrap()]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        std::fs::write(&teachers, "教师编号,姓名,性别,学校标识码,任教学科,骨干级别\nXJ0001,林晓,女,4213039001,语文,市级\nXJ0003,错,未知,9999999999,数学,无\n").unwrap();
        let o = gongjin(t, &["import", "teachers", teachers.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains("第3行 性别"), "{err}");
        assert!(!err.contains("第2行 "), "row 2 is good: {err}");
        let t_export = export_csv(t, "teachers");
        assert!(
            t_export.contains("XJ0001,林晓,女,1990,4213039001,语文、道德与法治,一级教师,县级"),
            "unchanged after the bad file"
        );

        // An unreadable file is a clear error, not a crash.
        let junk = t.dir.join("junk.xlsx");
        std::fs::write(&junk, b"not a spreadsheet").unwrap();
        let o = gongjin(t, &["import", "schools", junk.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(!stderr(&o).is_empty());
    }
    for db in dbs {
        db.finish().await;
    }
}

#[tokio::test]
async fn school_conditions_through_the_command_line() {
    let (targets, dbs) = targets().await;
    for t in &targets {
        let label = t.label;
        let tpl = t.dir.join("conditions-template.xlsx");
        let o = run(&["template", "conditions", tpl.to_str().unwrap()], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        use calamine::{Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(&tpl).unwrap();
        let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
        let headers: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            headers,
            [
                "学校标识码",
                "学年",
                "学段",
                "在校生数",
                "高于规定学历教师数",
                "县级以上骨干教师数",
                "体育艺术专任教师数",
                "教学及辅助用房面积",
                "体育运动场馆面积",
                "教学仪器设备值",
                "网络多媒体教室数"
            ]
        );
        let o = gongjin(t, &["demo", "--scale", "district"]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        // The demo's two school years are exported.
        let before = export_csv(t, "conditions");
        assert!(
            before.contains("2025-2026") && before.contains("2026-2027"),
            "{label}"
        );
        let schools = export_csv(t, "schools");
        let code_of = |stage: &str| -> String {
            schools
                .lines()
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|c| c.len() > 3 && c[3] == stage)
                .map(|c| c[1].to_owned())
                .unwrap()
        };
        let (p, j) = (code_of("小学"), code_of("初中"));
        let header = "学校标识码,学年,学段,在校生数,高于规定学历教师数,县级以上骨干教师数,体育艺术专任教师数,教学及辅助用房面积,体育运动场馆面积,教学仪器设备值,网络多媒体教室数";
        let good = t.dir.join("conditions-good.csv");
        std::fs::write(
            &good,
            format!("{header}\n{p},2032学年,小学,500,25,6,5,2500,4000,1100000,12\n"),
        )
        .unwrap();
        let o = gongjin(
            t,
            &["import", "conditions", good.to_str().unwrap(), "--dry-run"],
        );
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        assert_eq!(
            export_csv(t, "conditions"),
            before,
            "{label}: a dry run writes nothing"
        );
        let o = gongjin(t, &["import", "conditions", good.to_str().unwrap()]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        let after_good = export_csv(t, "conditions");
        assert!(
            after_good.contains(&format!("{p},2032-2033,小学,500,")),
            "{label}"
        );
        // A bad file: every bad row reported, nothing written.
        let bad = t.dir.join("conditions-bad.csv");
        std::fs::write(
            &bad,
            format!(
                "{header}\n{j},2033,初中,500,25,6,5,2500,4000,1100000,12\n{p},2033,初中,500,25,6,5,2500,4000,1100000,12\n{j},2033,高中,五百,25,6,5,2500,4000,1100000,12\n"
            ),
        )
        .unwrap();
        let o = gongjin(t, &["import", "conditions", bad.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{label}");
        let err = stderr(&o);
        for expected in ["第3行 学段", "第4行 学段", "第4行 在校生数"] {
            assert!(
                err.contains(expected),
                "{label}: missing {expected} in\n{err}"
            );
        }
        assert!(!err.contains("第2行 "), "row 2 is good: {err}");
        assert!(err.contains("未写入任何数据"));
        assert_eq!(
            export_csv(t, "conditions"),
            after_good,
            "{label}: nothing written"
        );
        // Re-import updates.
        std::fs::write(
            &good,
            format!("{header}\n{p},2032-2033,primary,520,25,6,5,2500,4000,1100000,12\n"),
        )
        .unwrap();
        let o = gongjin(t, &["import", "conditions", good.to_str().unwrap()]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
        assert!(stdout(&o).contains("更新 1 条"), "{}", stdout(&o));
        assert!(export_csv(t, "conditions").contains(&format!("{p},2032-2033,小学,520,")));
    }
    for db in dbs {
        db.finish().await;
    }
}

#[tokio::test]
async fn plan_communities_proposes_within_the_rules() {
    let (targets, dbs) = targets().await;
    for t in &targets {
        let o = gongjin(t, &["demo"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = t.dir.join("plan.xlsx");
        let o = gongjin(
            t,
            &[
                "plan",
                "communities",
                "--region",
                "曾都区",
                "--max-members",
                "2",
                "--max-km",
                "30",
                "--json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}: {}", t.label, stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(doc["gap"], 0.0);
        assert_eq!(doc["bound"], doc["objective"]);
        let cov = &doc["coverage"];
        assert_eq!(cov["eligible"], 45);
        assert_eq!(cov["covered_before"], 30);
        assert!(cov["covered_after"].as_i64().unwrap() > 30, "{cov}");
        let mut seen = std::collections::HashSet::new();
        for c in doc["proposal"]["communities"].as_array().unwrap() {
            assert!(
                seen.insert(c["core"].as_i64().unwrap()),
                "a school in two communities"
            );
            let members = c["members"].as_array().unwrap();
            if c["existing"] == false {
                assert!((1..=2).contains(&members.len()), "1+X with X ≤ 2: {c}");
            }
            for m in members {
                assert!(
                    seen.insert(m["school"].as_i64().unwrap()),
                    "a school in two communities"
                );
                if m["kept"] == false {
                    assert!(m["km"].as_f64().unwrap() <= 30.0 + 1e-9, "{m}");
                    assert!(m["reason"].as_str().unwrap().contains("公里"));
                }
            }
        }
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
        // A human summary without --json.
        let o = gongjin(
            t,
            &[
                "plan",
                "communities",
                "--region",
                "曾都区",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(stdout(&o).contains("精确最优"), "{}", stdout(&o));
        let o = gongjin(
            t,
            &[
                "plan",
                "communities",
                "--region",
                "火星区",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("没有名为“火星区”的区域"));
    }
    for db in dbs {
        db.finish().await;
    }
}

#[tokio::test]
async fn plan_rotation_obeys_the_rules_and_reports_its_gap() {
    let (targets, dbs) = targets().await;
    for t in &targets {
        let o = gongjin(t, &["demo"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = t.dir.join("rotation.xlsx");
        let o = gongjin(
            t,
            &[
                "plan",
                "rotation",
                "--region",
                "曾都区",
                "--year",
                "2026",
                "--time-limit",
                "3",
                "--json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}: {}", t.label, stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let label = t.label;
        assert_eq!(doc["violations"], serde_json::json!([]), "{label}: {doc}");
        let total = doc["objective"]["total"].as_f64().unwrap();
        let bound = doc["bound"].as_f64().unwrap();
        let gap = doc["gap"].as_f64().unwrap();
        assert!(
            bound <= total + 1e-9 && (0.0..=1.0).contains(&gap),
            "{label}: {total} {bound} {gap}"
        );
        let moves = doc["proposal"].as_array().unwrap();
        assert!(!moves.is_empty(), "{label}");
        let mut seen = std::collections::HashSet::new();
        for m in moves {
            assert!(
                seen.insert(m["teacher"].as_str().unwrap().to_owned()),
                "moves once"
            );
            assert_ne!(m["from"], m["to"]);
            assert!(!m["reasons"].as_array().unwrap().is_empty(), "{m}");
        }
        let comp = &doc["compliance"];
        assert_eq!(comp["moved"].as_u64().unwrap() as usize, moves.len());
        // before/after CV per stage and indicator
        let cv = doc["cv"].as_array().unwrap();
        assert!(cv.len() >= 2, "{label}: {cv:?}");
        for c in cv {
            assert!(c["before"].is_f64() && c["after"].is_f64(), "{c}");
        }
        assert!(doc["quotas"].as_array().is_some());
        assert!(std::fs::metadata(&out).unwrap().len() > 0);
        // A human summary without --json.
        let o = gongjin(
            t,
            &[
                "plan",
                "rotation",
                "--region",
                "曾都区",
                "--year",
                "2026",
                "--time-limit",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("差距"), "{}", stdout(&o));
    }
    for db in dbs {
        db.finish().await;
    }
}
