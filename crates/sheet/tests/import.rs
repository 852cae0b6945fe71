//! Import: fixtures are built here with rust_xlsxwriter, as bureaus' sheets come: clean, messy, wrong.

use gongjin_domain::i18n::Locale;
use gongjin_sheet::*;
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};

/// A cell of a fixture: `N` is written as an Excel number, `D` as a date, `S` as text.
#[derive(Clone, Copy)]
enum F<'a> {
    S(&'a str),
    N(f64),
    D(u16, u8, u8),
    Blank,
}
use F::*;

/// An xlsx of one sheet whose rows are written from the top (row 1).
fn xlsx(rows: &[Vec<F>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let date = XFormat::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match *cell {
                S(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                N(n) => {
                    ws.write_number(r, c, n).unwrap();
                }
                D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                    ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                Blank => {}
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn headers() -> Vec<F<'static>> {
    SCHOOL_HEADERS.iter().map(|h| S(h)).collect()
}

fn schools(bytes: &[u8], format: Format) -> (Table, Vec<SchoolRow>, Vec<RowError>) {
    let table = read_table(bytes, format, &SCHOOL_REQUIRED).unwrap();
    let (good, bad) = parse_school_rows(&table);
    (table, good, bad)
}

/// (row, column, key, arg) of each error, for compact assertions.
fn summary(errors: &[RowError]) -> Vec<(usize, &str, &str, Option<&str>)> {
    errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.key.as_str(), e.arg.as_deref()))
        .collect()
}

#[test]
fn a_good_file_imports_every_row() {
    let bytes = xlsx(&[
        headers(),
        vec![
            S("曾都区第一中学"),
            N(4213030001.0),
            S("曾都区"),
            S("初中"),
            S("城区"),
            S("公办"),
            S("白云大道1号"),
            N(113.37),
            N(31.72),
            N(0.0),
            N(1200.0),
            N(24.0),
        ],
        vec![
            S("何店镇中心小学"),
            S("4213030002"),
            S("曾都区"),
            S("小学"),
            S("乡村"),
            Blank,
            Blank,
            Blank,
            Blank,
            N(356.0),
            Blank,
            N(12.0),
        ],
    ]);
    let (table, good, bad) = schools(&bytes, Format::Xlsx);
    assert_eq!(table.header_row, 1);
    assert_eq!(table.headers, SCHOOL_HEADERS);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(good.len(), 2);
    let a = &good[0];
    assert_eq!(a.number, 2);
    assert_eq!(a.region_name, "曾都区");
    assert_eq!(a.fields.region_id, 0);
    assert_eq!(a.fields.name, "曾都区第一中学");
    assert_eq!(a.fields.code, "4213030001");
    assert_eq!(a.fields.stage, "初中");
    assert_eq!(a.fields.ownership.as_deref(), Some("公办"));
    assert_eq!(a.fields.longitude, Some(113.37));
    assert_eq!(a.fields.latitude, Some(31.72));
    assert_eq!(a.fields.primary_enrolment, Some(0));
    assert_eq!(a.fields.junior_enrolment, Some(1200));
    assert_eq!(a.fields.class_count, Some(24));
    let b = &good[1];
    assert_eq!(b.number, 3);
    assert_eq!(b.fields.code, "4213030002");
    assert_eq!(b.fields.ownership, None);
    assert_eq!(b.fields.address, None);
    assert_eq!(b.fields.longitude, None);
    assert_eq!(b.fields.junior_enrolment, None);
    // And the domain accepts them once the caller has resolved the region.
    let mut f = b.fields.clone();
    f.region_id = 7;
    let school = f.validate().unwrap();
    assert_eq!(school.primary_enrolment, 356);
}

#[test]
fn a_messy_but_valid_file_imports() {
    // Title row, a blank row, the header with reordered and extra columns, stray marks and spaces
    // in headers, blank rows between data rows, full-width spaces around values, numbers as text.
    let bytes = xlsx(&[
        vec![S("曾都区学校信息表（2024年秋季）")],
        vec![],
        vec![
            S("序号"),
            S("学校标识码"),
            S(" 学校名称*"),
            S("学段"),
            S("城乡\u{3000}类型"),
            S("所属区域（必填）"),
            S("备注"),
            S("班级数"),
            S("小学在校生数"),
            S("初中在校生数"),
            S("经度"),
            S("纬度"),
            S("建校日期"),
        ],
        vec![
            N(1.0),
            N(4213030001.0),
            S("\u{3000}曾都区第一中学 "),
            S(" 九年一贯制\u{00A0}"),
            S("城区"),
            S("曾都区\u{200B}"),
            S("百年老校"),
            S("36"),
            S("1,200"),
            S("800.0"),
            S("113.37"),
            N(31.72),
            D(1952, 9, 1),
        ],
        vec![],
        vec![Blank, S("\u{3000}"), S(" ")],
        vec![
            N(2.0),
            S("４２１３０３０００２"),
            S("何店镇中心小学"),
            S("小学"),
            S("乡村"),
            S("曾都区"),
            Blank,
            N(12.0),
            S("356"),
        ],
    ]);
    let (table, good, bad) = schools(&bytes, Format::Xlsx);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(table.header_row, 3);
    assert!(table.headers.contains(&"备注".to_owned()));
    assert!(table.headers.contains(&"城乡类型".to_owned()));
    assert_eq!(table.rows.len(), 2, "blank rows are skipped");
    assert_eq!(table.rows[0].get("备注"), "百年老校");
    assert_eq!(table.rows[0].get("建校日期"), "1952-09-01");
    assert_eq!(table.rows[0].get("序号"), "1");
    assert_eq!(table.rows[0].get("没有这一列"), "");
    assert_eq!(good.len(), 2);
    let a = &good[0];
    assert_eq!(a.number, 4);
    assert_eq!(a.fields.name, "曾都区第一中学");
    assert_eq!(a.fields.code, "4213030001");
    assert_eq!(a.fields.stage, "九年一贯制");
    assert_eq!(a.region_name, "曾都区");
    assert_eq!(a.fields.primary_enrolment, Some(1200));
    assert_eq!(a.fields.junior_enrolment, Some(800));
    assert_eq!(a.fields.class_count, Some(36));
    assert_eq!(a.fields.longitude, Some(113.37));
    assert_eq!(a.fields.latitude, Some(31.72));
    let b = &good[1];
    assert_eq!(b.number, 7);
    assert_eq!(b.fields.code, "4213030002");
    assert_eq!(b.fields.primary_enrolment, Some(356));
}

#[test]
fn a_bad_file_reports_every_bad_row_by_sheet_row_and_column() {
    let ok = |name, code| {
        vec![
            S(name),
            S(code),
            S("曾都区"),
            S("小学"),
            S("乡村"),
            Blank,
            Blank,
            N(113.1),
            N(31.1),
        ]
    };
    let row = |i: usize, col: usize, v: F<'static>| {
        let mut r = ok("学校", "4213030010");
        r[1] = S(["4213030011", "4213030012", "4213030013", "4213030014"][i]);
        if col < r.len() {
            r[col] = v;
        } else {
            r.resize(col + 1, Blank);
            r[col] = v;
        }
        r
    };
    let bytes = xlsx(&[
        vec![S("曾都区学校信息表")],
        headers(),
        ok("甲小学", "4213030001"), // row 3: good
        ok("乙小学", "123"),        // row 4: bad code
        row(0, 3, S("高中")),       // row 5: unknown stage
        row(1, 7, S("11a3.5")),     // row 6: letters in 经度
        ok("丙小学", "4213030001"), // row 7: duplicate of row 3
        {
            // row 8: several problems at once
            let mut r = row(2, 11, S("abc"));
            r[0] = Blank;
            r[2] = S("　");
            r
        },
        row(3, 10, N(50.0)), // row 9: a primary school with junior pupils
    ]);
    let (table, good, bad) = schools(&bytes, Format::Xlsx);
    assert_eq!(table.header_row, 2);
    assert_eq!(good.iter().map(|r| r.number).collect::<Vec<_>>(), [3]);
    assert_eq!(
        summary(&bad),
        [
            (4, "学校标识码", "error.school_code", Some("123")),
            (5, "学段", "error.choice", Some("高中")),
            (6, "经度", "error.number", Some("11a3.5")),
            (7, "学校标识码", "error.duplicate_in_file", Some("3")),
            (8, "所属区域", "error.required", None),
            (8, "班级数", "error.integer", Some("abc")),
            (8, "学校名称", "error.required", None),
            (9, "初中在校生数", "error.stage_enrolment", Some("小学")),
        ]
    );
    assert_eq!(
        bad[0].to_string(),
        "第4行 学校标识码：应为10位数字，实际为“123”"
    );
    assert_eq!(
        bad[3].message(Locale::En),
        "Row 7, 学校标识码: duplicates row 3"
    );
}

#[test]
fn a_missing_required_header_is_named() {
    let mut h = headers();
    h.retain(|c| !matches!(c, S("城乡类型") | S("学段")));
    let bytes = xlsx(&[vec![S("学校信息")], h, vec![S("甲小学"), S("4213030001")]]);
    let err = read_table(&bytes, Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(
        err,
        SheetError::MissingHeaders(vec!["学段".into(), "城乡类型".into()])
    );
    assert_eq!(err.message(Locale::ZhCn), "找不到表头：学段、城乡类型");

    // A sheet of something else entirely: every required header is missing.
    let bytes = xlsx(&[vec![S("姓名"), S("电话")], vec![S("张三"), S("138")]]);
    let err = read_table(&bytes, Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(
        err,
        SheetError::MissingHeaders(SCHOOL_REQUIRED.iter().map(|s| s.to_string()).collect())
    );
}

#[test]
fn header_only_and_blank_sheets_are_empty() {
    let err = read_table(&xlsx(&[headers()]), Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(err, SheetError::Empty);
    let err = read_table(&xlsx(&[]), Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(err, SheetError::Empty);
    assert_eq!(err.message(Locale::ZhCn), "表格中没有数据");
    let err = read_table(b"", Format::Csv, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(err, SheetError::Empty);
}

const CSV: &str = "曾都区学校信息表\n\
学校名称,学校标识码,所属区域,学段,城乡类型,小学在校生数\n\
曾都区第一中学,4213030001,曾都区,九年一贯制,城区,24\n\
\n\
\"何店镇\n中心小学\",4213030002,曾都区,小学,乡村,\"1,200\"\n\
坏学校,42130,曾都区,小学,乡村,12\n";

fn check_csv(bytes: &[u8]) {
    let table = read_table(bytes, Format::Csv, &SCHOOL_REQUIRED).unwrap();
    assert_eq!(table.header_row, 2, "{table:?}");
    let (good, bad) = parse_school_rows(&table);
    assert_eq!(good.len(), 2, "{bad:?}");
    assert_eq!(good[0].number, 3);
    assert_eq!(good[0].fields.primary_enrolment, Some(24));
    assert_eq!(good[1].number, 5, "the blank line counts as a row");
    assert_eq!(good[1].fields.name, "何店镇\n中心小学");
    assert_eq!(good[1].fields.primary_enrolment, Some(1200));
    assert_eq!(
        summary(&bad),
        [(6, "学校标识码", "error.school_code", Some("42130"))]
    );
}

#[test]
fn csv_with_and_without_bom_and_in_gbk() {
    check_csv(CSV.as_bytes());
    let mut with_bom = "\u{FEFF}".as_bytes().to_vec();
    with_bom.extend_from_slice(CSV.as_bytes());
    check_csv(&with_bom);
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV);
    assert!(!unmappable);
    check_csv(&gbk);
    let tabs = CSV
        .replace(",24", "\t24")
        .replace(',', "\t")
        .replace("1\t200", "1,200");
    check_csv(tabs.as_bytes());
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    for bytes in [&garbage[..], b"PK\x03\x04not really a zip", b"\xFF\xFE\x00"] {
        let err = read_table(bytes, Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
        assert!(matches!(err, SheetError::Unreadable { .. }), "{err:?}");
        assert!(!err.message(Locale::ZhCn).is_empty());
    }
    let err = read_table(&garbage, Format::Csv, &SCHOOL_REQUIRED).unwrap_err();
    assert!(
        matches!(err, SheetError::Encoding | SheetError::Unreadable { .. }),
        "{err:?}"
    );
    // An xlsx uploaded with a .csv name.
    let err = read_table(&xlsx(&[headers()]), Format::Csv, &SCHOOL_REQUIRED).unwrap_err();
    assert!(matches!(err, SheetError::Unreadable { .. }), "{err:?}");
    // A CSV uploaded with an .xlsx name.
    let err = read_table(CSV.as_bytes(), Format::Xlsx, &SCHOOL_REQUIRED).unwrap_err();
    assert!(matches!(err, SheetError::Unreadable { .. }), "{err:?}");
}

#[test]
fn teachers_import_with_every_problem_reported() {
    let h: Vec<F> = TEACHER_HEADERS.iter().map(|h| S(h)).collect();
    let bytes = xlsx(&[
        vec![S("曾都区教师信息表")],
        h,
        vec![
            S("T2024001"),
            S("张三"),
            S("男"),
            N(1985.0),
            N(4213030001.0),
            S("语文、道德与法治"),
            S("一级教师"),
            S("县级"),
            N(6.0),
            N(13812345678.0),
        ],
        vec![
            S("T2024002"),
            S("李四"),
            S("女"),
            S("1990年"),
            S("4213030002"),
            S("数学,科学"),
            Blank,
            Blank,
            Blank,
            S("0722-3456789"),
        ],
        vec![
            S("T2024001"),
            S("王五"),
            S("男士"),
            S("八五年"),
            Blank,
            Blank,
            Blank,
            S("国家级"),
            S("abc"),
            S("12345"),
        ],
    ]);
    let table = read_table(&bytes, Format::Xlsx, &TEACHER_REQUIRED).unwrap();
    let (good, bad) = parse_teacher_rows(&table);
    assert_eq!(good.len(), 2);
    let a = &good[0];
    assert_eq!((a.number, a.school_code.as_str()), (3, "4213030001"));
    assert_eq!(a.fields.staff_number, "T2024001");
    assert_eq!(a.fields.birth_year, Some(1985));
    assert_eq!(a.fields.subjects, ["语文", "道德与法治"]);
    assert_eq!(a.fields.phone.as_deref(), Some("13812345678"));
    assert_eq!(a.fields.backbone_level.as_deref(), Some("县级"));
    assert_eq!(a.fields.years_at_school, Some(6));
    assert_eq!(a.fields.school_id, 0);
    let b = &good[1];
    assert_eq!(b.fields.birth_year, Some(1990));
    assert_eq!(b.fields.subjects, ["数学", "科学"]);
    assert_eq!(b.fields.title, None);
    assert_eq!(
        summary(&bad),
        [
            (5, "学校标识码", "error.required", None),
            (5, "出生年份", "error.integer", Some("八五年")),
            (5, "本校任教年限", "error.integer", Some("abc")),
            (5, "性别", "error.choice", Some("男士")),
            (5, "骨干级别", "error.choice", Some("国家级")),
            (5, "手机号码", "error.phone", Some("12345")),
            (5, "任教学科", "error.required", None),
            (5, "教师编号", "error.duplicate_in_file", Some("3")),
        ]
    );
}

#[test]
fn teachers_import_with_and_without_the_degree_column() {
    // An older sheet without 高于规定学历 imports as before: no degree above the standard.
    let old: Vec<F> = TEACHER_HEADERS[..10].iter().map(|h| S(h)).collect();
    let row = |staff| {
        vec![
            S(staff),
            S("张三"),
            S("男"),
            N(1985.0),
            S("4213030001"),
            S("语文"),
            Blank,
            Blank,
            N(6.0),
            Blank,
        ]
    };
    let bytes = xlsx(&[old, row("T1")]);
    let table = read_table(&bytes, Format::Xlsx, &TEACHER_REQUIRED).unwrap();
    let (good, bad) = parse_teacher_rows(&table);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(good[0].fields.degree_above_standard, None);
    let placed = |f: &gongjin_domain::inputs::TeacherFields| {
        let mut f = f.clone();
        f.school_id = 1;
        f.validate().unwrap().degree_above_standard
    };
    assert_eq!(placed(&good[0].fields), None);
    // With the column: 是 / 否 / blank, and anything else reported in its column.
    let new: Vec<F> = TEACHER_HEADERS.iter().map(|h| S(h)).collect();
    let with = |staff, d| {
        let mut r = row(staff);
        r.push(d);
        r
    };
    let bytes = xlsx(&[
        new,
        with("T1", S("是")),
        with("T2", S("否")),
        with("T3", Blank),
        with("T4", S("博士")),
    ]);
    let table = read_table(&bytes, Format::Xlsx, &TEACHER_REQUIRED).unwrap();
    let (good, bad) = parse_teacher_rows(&table);
    let d: Vec<Option<bool>> = good
        .iter()
        .map(|g| g.fields.degree_above_standard)
        .collect();
    assert_eq!(d, [Some(true), Some(false), None]);
    assert_eq!(placed(&good[0].fields), Some(true));
    assert_eq!(
        summary(&bad),
        [(5, "高于规定学历", "error.choice", Some("博士"))]
    );
}

#[test]
fn a_cell_in_the_far_corner_does_not_blow_up_memory() {
    // A sheet whose used range is A1:XFD1048576 would be 17 billion cells if read densely.
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in SCHOOL_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["甲小学", "4213030001", "曾都区", "小学", "乡村"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "远处").unwrap();
    ws.write_string(5, 300, "超出列数上限").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let (table, good, bad) = schools(&bytes, Format::Xlsx);
    assert_eq!(good.len(), 1);
    assert!(bad.is_empty(), "{bad:?}");
    // The far cell is in an unnamed column: its row is blank as far as the table goes.
    assert_eq!(table.rows.len(), 1);
}

#[test]
fn too_many_rows_is_refused() {
    let mut csv = String::from("学校名称,学校标识码,所属区域,学段,城乡类型\n");
    for i in 0..MAX_ROWS + 1 {
        csv.push_str(&format!("学校{i},{:010},曾都区,小学,乡村\n", i));
    }
    let err = read_table(csv.as_bytes(), Format::Csv, &SCHOOL_REQUIRED).unwrap_err();
    assert_eq!(err, SheetError::TooLarge(MAX_ROWS));
    assert!(err.message(Locale::ZhCn).contains("1000000"));
}

#[test]
fn streaming_read_gives_the_table_row_by_row() {
    // Title row, header, data, a blank row, a bad row and a duplicate: the streaming reader and
    // the table reader see the same rows, and the one-pass teacher reader the same results.
    let header: Vec<F> = TEACHER_HEADERS.iter().map(|h| S(h)).collect();
    let row = |staff, code| {
        vec![
            S(staff),
            S("张三"),
            S("男"),
            N(1985.0),
            S(code),
            S("语文"),
            Blank,
            Blank,
            N(6.0),
            Blank,
            Blank,
        ]
    };
    let bytes = xlsx(&[
        vec![S("2026年教师名册")],
        header,
        row("T1", "4213030001"),
        vec![],
        row("T2", "123"),
        row("T1", "4213030002"),
        row("T3", "4213030003"),
    ]);
    let table = read_table(&bytes, Format::Xlsx, &TEACHER_REQUIRED).unwrap();
    let mut streamed = vec![];
    let head = read_rows(&bytes, Format::Xlsx, &TEACHER_REQUIRED, |r| {
        streamed.push(r)
    })
    .unwrap();
    assert_eq!(head.header_row, 2);
    assert_eq!(&*head.headers, table.headers.as_slice());
    assert_eq!(streamed, table.rows);
    let numbers: Vec<usize> = streamed.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [3, 5, 6, 7]);
    assert_eq!(streamed[0].get("教师编号"), "T1");
    assert_eq!(streamed[0].get("出生年份"), "1985");
    assert_eq!(streamed[0].get("职称"), "");
    assert_eq!(streamed[0].get("没有这一列"), "");
    let cells: Vec<(&str, &str)> = streamed[0].cells().collect();
    assert_eq!(cells.len(), 7, "{cells:?}");
    assert_eq!(cells[0], ("教师编号", "T1"));

    let (good, bad) = read_teacher_rows(&bytes, Format::Xlsx).unwrap();
    let (good2, bad2) = parse_teacher_rows(&table);
    assert_eq!(good.len(), 2);
    assert_eq!(good.len(), good2.len());
    assert_eq!(
        good.iter().map(|g| g.number).collect::<Vec<_>>(),
        good2.iter().map(|g| g.number).collect::<Vec<_>>()
    );
    assert_eq!(bad, bad2);
    assert_eq!(
        summary(&bad),
        [
            (5, "学校标识码", "error.school_code", Some("123")),
            (6, "教师编号", "error.duplicate_in_file", Some("3")),
        ]
    );
    // Errors of the file itself come out of the one-pass reader too.
    assert_eq!(
        read_teacher_rows(b"a,b\n1,2\n", Format::Csv).unwrap_err(),
        SheetError::MissingHeaders(TEACHER_REQUIRED.iter().map(|h| h.to_string()).collect())
    );
}

#[test]
fn rows_built_by_hand_read_back() {
    let headers: std::sync::Arc<[String]> =
        vec!["甲".to_owned(), "乙".to_owned(), "丙".to_owned()].into();
    let r = Row::new(9, headers, &["一", "", "三三"]);
    assert_eq!(
        (r.number, r.get("甲"), r.get("乙"), r.get("丙")),
        (9, "一", "", "三三")
    );
    assert_eq!(
        r.cells().collect::<Vec<_>>(),
        [("甲", "一"), ("丙", "三三")]
    );
}
