//! `gongjin`: serve the web application, import and export the bureau's sheets, load demo data.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use gongjin_domain::i18n::Locale;
use gongjin_sheet::{Format, TemplateKind};
use gongjin_store::planning as plan;
use gongjin_store::rotation;
use gongjin_store::scope::Visible;
use gongjin_store::{Actor, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gongjin",
    version,
    about = "共进 · 教共体管理平台 (Gongjin: education community platform)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// 数据目录：SQLite 数据库与上传文件 / Data directory (SQLite file, uploads)
    #[arg(long, default_value = "./gongjin-data")]
    data_dir: PathBuf,
    /// PostgreSQL 连接串（postgres://…），不填则用数据目录中的 SQLite / PostgreSQL URL; SQLite in the data directory when absent
    #[arg(long, env = "GONGJIN_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// 启动网站 / Serve the web application
    Serve {
        /// 监听地址 / Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// 空数据库时载入演示区县 / Load the demo district into an empty database
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: Db,
    },
    /// 生成演示数据 / Fill the database with demo data
    Demo {
        /// 规模 / Scale
        #[arg(long, value_enum, default_value_t = ScaleArg::District)]
        scale: ScaleArg,
        /// 随机种子（相同种子生成相同数据）/ Seed (same seed, same data)
        #[arg(long, default_value_t = gongjin_demo::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        db: Db,
    },
    /// 导入学校、教师名单或办学条件（.xlsx/.csv）；有错误行时不写入任何数据 / Import a sheet; nothing is written when any row is bad
    Import {
        kind: KindArg,
        file: PathBuf,
        /// 仅检查，不写入 / Check only, write nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: Db,
    },
    /// 导出学校、教师名单或办学条件 / Export schools, teachers or school conditions
    Export {
        kind: KindArg,
        file: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// 生成空白导入模板 / Write the empty import template
    Template { kind: KindArg, file: PathBuf },
    /// 规划：组建教共体 / Planning engines
    Plan {
        #[command(subcommand)]
        what: PlanCommand,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// 推荐教共体组建方案（1+X，最短距离、最大帮扶力度，精确求解）/ Recommend community grouping (exact)
    Communities {
        /// 区域名称或编号 / Region name or id
        #[arg(long)]
        region: String,
        /// 每个核心校最多几所成员校（1+X 中的 X）/ X in 1+X
        #[arg(long, default_value_t = 2)]
        max_members: usize,
        /// 核心校与成员校的最远距离（公里）/ Greatest distance, km
        #[arg(long, default_value_t = 30.0)]
        max_km: f64,
        /// 现有教共体未满时可接收新成员 / Let kept communities take new members
        #[arg(long)]
        fill_existing: bool,
        /// 输出 JSON 文档 / Print the JSON document
        #[arg(long)]
        json: bool,
        /// 方案表格 / Proposal workbook
        #[arg(long, default_value = "教共体组建方案.xlsx")]
        out: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// 年度交流轮岗方案（硬性规则、证明的最优性差距）/ Annual teacher rotation plan (proven gap)
    Rotation {
        /// 区域名称或编号 / Region name or id
        #[arg(long)]
        region: String,
        /// 学年（9月1日开始）/ School year starting 1 September
        #[arg(long)]
        year: i32,
        /// 求解时间上限（秒）/ Time limit, seconds
        #[arg(long, default_value_t = 30.0)]
        time_limit: f64,
        /// 输出 JSON 文档 / Print the JSON document
        #[arg(long)]
        json: bool,
        /// 方案表格 / Proposal workbook
        #[arg(long, default_value = "交流轮岗方案.xlsx")]
        out: PathBuf,
        /// 另存求解输入（JSON，供基准测试复现）/ Also write the engine's input as JSON (to reproduce benchmarks)
        #[arg(long)]
        dump_input: Option<PathBuf>,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Schools,
    Teachers,
    /// 办学条件（优质均衡）/ School conditions (balance monitoring)
    Conditions,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScaleArg {
    District,
    City,
    Province,
}

fn format_of(path: &Path) -> Result<Format> {
    Format::from_path(&path.to_string_lossy())
        .with_context(|| format!("文件须为 .xlsx 或 .csv：{}", path.display()))
}

/// Opens the store (migrating it) and makes sure an administrator exists.
async fn open(db: &Db) -> Result<Store> {
    let url = match &db.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&db.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", db.data_dir.display()))?;
            gongjin_store::sqlite_url(&db.data_dir)
        }
    };
    let store = Store::open(&url)
        .await
        .with_context(|| "无法打开数据库".to_string())?;
    if store.has_no_users().await? {
        let (password, generated) = match std::env::var("GONGJIN_ADMIN_PASSWORD") {
            Ok(p) if !p.is_empty() => (p, false),
            _ => (gongjin_store::users::generate_password(), true),
        };
        store
            .bootstrap_admin(&password)
            .await
            .map_err(|e| anyhow::anyhow!("无法创建管理员账号：{e}"))?;
        if generated {
            println!("已创建管理员账号 admin，初始密码（只显示这一次，请妥善保存）：{password}");
            println!("Created administrator `admin`; initial password (shown once): {password}");
        } else {
            println!("已创建管理员账号 admin（密码取自 GONGJIN_ADMIN_PASSWORD）");
        }
    }
    Ok(store)
}

fn bar(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:8} [{bar:40.cyan/blue}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_owned());
    pb
}

struct DemoBar(Option<ProgressBar>);

impl gongjin_store::demo::DemoProgress for DemoBar {
    fn phase(&mut self, name: &str, total: u64) {
        if let Some(b) = self.0.take() {
            b.finish();
        }
        let label = match name {
            "regions" => "区域",
            "schools" => "学校",
            "teachers" => "教师",
            "communities" => "教共体",
            "exchanges" => "交流",
            "users" => "账号",
            other => other,
        };
        self.0 = Some(bar(total, label));
    }
    fn inc(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

async fn load_demo(store: &Store, scale: gongjin_demo::Scale, seed: u64) -> Result<()> {
    if !store.has_no_schools().await? {
        bail!("数据库中已有学校，演示数据只能载入空数据库 / the database already holds schools");
    }
    let gen_bar = bar(0, "生成");
    let data = gongjin_demo::generate(scale, seed, &mut |done, total| {
        gen_bar.set_length(total);
        gen_bar.set_position(done);
    });
    gen_bar.finish();
    let mut progress = DemoBar(None);
    let loaded = store.load_demo(&data, &mut progress).await?;
    if let Some(b) = progress.0.take() {
        b.finish();
    }
    println!(
        "演示数据已载入：{} 个区域，{} 所学校，{} 名教师，{} 个教共体，{} 条交流记录。",
        loaded.regions, loaded.schools, loaded.teachers, loaded.communities, loaded.exchanges
    );
    println!(
        "演示账号（密码均为 {}）：{}",
        gongjin_store::demo::DEMO_PASSWORD,
        loaded.users.join("、")
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Serve { addr, demo, db } => {
            let store = open(&db).await?;
            if demo {
                if store.has_no_schools().await? {
                    load_demo(
                        &store,
                        gongjin_demo::Scale::District,
                        gongjin_demo::DEFAULT_SEED,
                    )
                    .await?;
                } else {
                    println!("数据库中已有数据，跳过演示数据载入。");
                }
            }
            let state = gongjin_web::AppState::new(store, &db.data_dir);
            println!("共进已启动：http://{addr}/  （Ctrl-C 停止）");
            gongjin_web::serve(state, addr)
                .await
                .with_context(|| format!("无法监听 {addr}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { scale, seed, db } => {
            let store = open(&db).await?;
            let scale = match scale {
                ScaleArg::District => gongjin_demo::Scale::District,
                ScaleArg::City => gongjin_demo::Scale::City,
                ScaleArg::Province => gongjin_demo::Scale::Province,
            };
            load_demo(&store, scale, seed).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            what:
                PlanCommand::Communities {
                    region,
                    max_members,
                    max_km,
                    fill_existing,
                    json,
                    out,
                    db,
                },
        } => {
            if !((1..=10).contains(&max_members) && max_km > 0.0 && max_km <= 500.0) {
                bail!("--max-members 应在 1–10 之间，--max-km 应在 0–500 公里之间");
            }
            let store = open(&db).await?;
            let rules = plan::default_rules(max_members, max_km, fill_existing);
            let spinner = ProgressBar::new_spinner();
            spinner.set_message("正在求解…");
            spinner.enable_steady_tick(std::time::Duration::from_millis(100));
            let started = std::time::Instant::now();
            let region = plan::region(&store, &region).await.map_err(|e| match e {
                gongjin_store::StoreError::Conflict { key, arg } => {
                    anyhow::anyhow!(gongjin_domain::i18n::tf(Locale::ZhCn, &key, &arg))
                }
                gongjin_store::StoreError::NotFound => {
                    anyhow::anyhow!("没有编号为 {region} 的区域")
                }
                other => other.into(),
            })?;
            let run = plan::communities(&store, region, &rules).await?;
            spinner.finish_and_clear();
            let (headers, rows) = plan::rows(&run);
            let bytes = gongjin_sheet::write_xlsx("组建方案", &headers, &rows)
                .map_err(|e| anyhow::anyhow!(e.message(Locale::ZhCn)))?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&plan::json(&run, &rules))?
                );
            } else {
                let p = &run.proposal;
                let new = p.communities.iter().filter(|c| !c.existing).count();
                let pct = |n: usize| {
                    if p.eligible == 0 {
                        0.0
                    } else {
                        n as f64 * 100.0 / p.eligible as f64
                    }
                };
                println!(
                    "{}：公办学校 {} 所，现有覆盖 {} 所（{:.1}%）",
                    run.region.name,
                    p.eligible,
                    run.covered_before,
                    pct(run.covered_before)
                );
                println!(
                    "方案：新组建 {new} 个教共体，覆盖 {} 所（{:.1}%），目标值 {:.1}（精确最优，差距 0%），用时 {:.2} 秒",
                    p.covered,
                    pct(p.covered),
                    p.objective,
                    started.elapsed().as_secs_f64()
                );
                for u in &p.uncovered {
                    let name = run
                        .schools
                        .iter()
                        .find(|s| s.id == u.school)
                        .map(|s| s.name.as_str())
                        .unwrap_or("");
                    println!("  未覆盖：{name}：{}", u.explanation);
                }
                println!("方案明细已写入 {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            what:
                PlanCommand::Rotation {
                    region,
                    year,
                    time_limit,
                    json,
                    out,
                    dump_input,
                    db,
                },
        } => {
            if !((2000..=2100).contains(&year) && time_limit > 0.0 && time_limit <= 3600.0) {
                bail!("--year 应为 2000–2100 的学年，--time-limit 应在 0–3600 秒之间");
            }
            let store = open(&db).await?;
            let region = plan::region(&store, &region).await.map_err(|e| match e {
                gongjin_store::StoreError::Conflict { key, arg } => {
                    anyhow::anyhow!(gongjin_domain::i18n::tf(Locale::ZhCn, &key, &arg))
                }
                gongjin_store::StoreError::NotFound => {
                    anyhow::anyhow!("没有编号为 {region} 的区域")
                }
                other => other.into(),
            })?;
            let inputs = store.rotation_inputs(region.id, year).await?;
            if let Some(path) = &dump_input {
                std::fs::write(path, serde_json::to_vec_pretty(&inputs.input)?)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
            }
            let bar = ProgressBar::new(1000);
            if json {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {elapsed_precise}")
                    .expect("progress template")
                    .progress_chars("=> "),
            );
            bar.set_message(format!(
                "正在求解（{} 名教师，{} 所学校）",
                inputs.input.teachers.len(),
                inputs.input.schools.len()
            ));
            let started = std::time::Instant::now();
            let limit = std::time::Duration::from_secs_f64(time_limit);
            let p = rotation::solve(&inputs.input, limit, &mut |f| {
                bar.set_position((f * 1000.0) as u64)
            })
            .map_err(|e| match e {
                gongjin_store::StoreError::Conflict { arg, .. } => anyhow::anyhow!(arg),
                other => other.into(),
            })?;
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            let sheets = rotation::sheets(&inputs, &p);
            let parts: Vec<gongjin_sheet::SheetPart> = sheets
                .iter()
                .map(|(n, h, r)| (*n, h.as_slice(), r.as_slice()))
                .collect();
            let bytes = gongjin_sheet::write_xlsx_sheets(&parts)
                .map_err(|e| anyhow::anyhow!(e.message(Locale::ZhCn)))?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rotation::json(&inputs, &p, seconds))?
                );
            } else {
                let c = &p.compliance;
                println!(
                    "{} {}学年：教师 {} 名（符合交流条件 {} 名），学校 {} 所",
                    inputs.region.name,
                    year,
                    inputs.input.teachers.len(),
                    c.eligible_total,
                    inputs.input.schools.len()
                );
                println!(
                    "方案：交流 {} 名（{:.1}%），其中骨干 {} 名（{:.1}%）；{}",
                    c.moved,
                    c.moved_share * 100.0,
                    c.backbone_moved,
                    c.backbone_share * 100.0,
                    c.summary
                );
                for cv in &p.cv {
                    println!(
                        "  {} {}：差异系数 {:.4} → {:.4}",
                        cv.stage.label_zh(),
                        cv.indicator.label_zh(),
                        cv.before,
                        cv.after
                    );
                }
                println!(
                    "目标值 {:.6}，下界 {:.6}，差距 {:.2}%，用时 {:.2} 秒",
                    p.objective.total,
                    p.lower_bound,
                    p.gap * 100.0,
                    seconds
                );
                for i in &p.infeasibilities {
                    println!("  无法满足：{i}");
                }
                for n in &inputs.notes {
                    println!("  说明：{n}");
                }
                println!("方案明细已写入 {}", out.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Template { kind, file } => {
            let format = format_of(&file)?;
            let t = match kind {
                KindArg::Schools => TemplateKind::Schools,
                KindArg::Teachers => TemplateKind::Teachers,
                KindArg::Conditions => TemplateKind::Conditions,
            };
            let bytes = gongjin_sheet::template(t, format)
                .map_err(|e| anyhow::anyhow!(e.message(Locale::ZhCn)))?;
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            println!("已生成导入模板：{}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { kind, file, db } => {
            let format = format_of(&file)?;
            let store = open(&db).await?;
            let (headers, rows) = match kind {
                KindArg::Schools => {
                    let all = store.all_schools(&Visible::All).await?;
                    let pb = bar(all.len() as u64, "导出");
                    let rows = all.iter().map(|s| {
                        pb.inc(1);
                        gongjin_sheet::school_export_row(&s.region_name, &s.fields())
                    });
                    let rows: Vec<_> = rows.collect();
                    pb.finish();
                    (gongjin_sheet::school_export_headers(), rows)
                }
                KindArg::Teachers => {
                    let all = store.all_teachers(&Visible::All).await?;
                    let pb = bar(all.len() as u64, "导出");
                    let rows: Vec<_> = all
                        .iter()
                        .map(|t| {
                            pb.inc(1);
                            gongjin_sheet::teacher_export_row(&t.school_code, &t.fields())
                        })
                        .collect();
                    pb.finish();
                    (gongjin_sheet::teacher_export_headers(), rows)
                }
                KindArg::Conditions => {
                    let all = store.conditions(&Visible::All, None).await?;
                    let rows: Vec<_> = all
                        .iter()
                        .map(|r| {
                            gongjin_sheet::condition_export_row(
                                &r.school_code,
                                r.year,
                                &r.stage,
                                &r.figures,
                            )
                        })
                        .collect();
                    (&gongjin_sheet::CONDITION_HEADERS[..], rows)
                }
            };
            let sheet = match kind {
                KindArg::Schools => "学校名单",
                KindArg::Teachers => "教师名单",
                KindArg::Conditions => "办学条件",
            };
            let bytes = match format {
                Format::Xlsx => gongjin_sheet::write_xlsx(sheet, headers, &rows)
                    .map_err(|e| anyhow::anyhow!(e.message(Locale::ZhCn)))?,
                Format::Csv => gongjin_sheet::write_csv(headers, &rows),
            };
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            println!("已导出 {} 行到 {}", rows.len(), file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            kind,
            file,
            dry_run,
            db,
        } => {
            let format = format_of(&file)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let store = open(&db).await?;
            let actor = Actor::system("cli");
            let unreadable = |e: gongjin_sheet::SheetError| {
                eprintln!("{}：{}", file.display(), e.message(Locale::ZhCn));
                ExitCode::from(2)
            };
            // The bar's length is set by the import once it knows the rows to write.
            let pb = bar(0, if dry_run { "检查" } else { "导入" });
            let mut progress = |done: u64, total: u64| {
                pb.set_length(total);
                pb.set_position(done);
            };
            let report = match kind {
                KindArg::Schools => {
                    let table = match gongjin_sheet::read_table(
                        &bytes,
                        format,
                        &gongjin_sheet::SCHOOL_REQUIRED,
                    ) {
                        Ok(t) => t,
                        Err(e) => return Ok(unreadable(e)),
                    };
                    let (rows, errors) = gongjin_sheet::parse_school_rows(&table);
                    drop(table);
                    store
                        .import_schools(&actor, &Visible::All, rows, errors, dry_run, &mut progress)
                        .await?
                }
                KindArg::Teachers => {
                    // Read and converted row by row: a million-row roster never sits in memory
                    // as a table.
                    let reading = ProgressBar::new_spinner();
                    reading.set_style(
                        ProgressStyle::with_template("{msg:8} {spinner} 已读 {pos} 行 {elapsed}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    reading.set_message("读取");
                    let mut parser = gongjin_sheet::TeacherRows::default();
                    let mut read = 0u64;
                    let head = gongjin_sheet::read_rows(
                        &bytes,
                        format,
                        &gongjin_sheet::TEACHER_REQUIRED,
                        |row| {
                            parser.push(&row);
                            read += 1;
                            if read.is_multiple_of(10_000) {
                                reading.set_position(read);
                            }
                        },
                    );
                    reading.finish_and_clear();
                    if let Err(e) = head {
                        return Ok(unreadable(e));
                    }
                    drop(bytes);
                    let (rows, errors) = parser.finish();
                    store
                        .import_teachers(
                            &actor,
                            &Visible::All,
                            rows,
                            errors,
                            dry_run,
                            &mut progress,
                        )
                        .await?
                }
                KindArg::Conditions => {
                    let table = match gongjin_sheet::read_table(
                        &bytes,
                        format,
                        &gongjin_sheet::CONDITION_REQUIRED,
                    ) {
                        Ok(t) => t,
                        Err(e) => return Ok(unreadable(e)),
                    };
                    let (rows, errors) = gongjin_sheet::parse_condition_rows(&table);
                    drop(table);
                    store
                        .import_conditions(
                            &actor,
                            &Visible::All,
                            rows,
                            errors,
                            dry_run,
                            &mut progress,
                        )
                        .await?
                }
            };
            pb.finish_and_clear();
            if !report.errors.is_empty() {
                for e in &report.errors {
                    eprintln!("{}", e.message(Locale::ZhCn));
                }
                let bad_rows: std::collections::BTreeSet<usize> =
                    report.errors.iter().map(|e| e.row).collect();
                eprintln!(
                    "共 {} 行有错误，未写入任何数据。请改正后重新导入。",
                    bad_rows.len()
                );
                return Ok(ExitCode::from(1));
            }
            if dry_run {
                println!(
                    "检查通过：共 {} 行，将新增 {} 条、更新 {} 条（未写入）。",
                    report.rows, report.created, report.updated
                );
            } else {
                println!(
                    "导入完成：共 {} 行，新增 {} 条，更新 {} 条。",
                    report.rows, report.created, report.updated
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGJIN_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}
