//! Export, templates, round trips and robustness.

use calamine::{Data, Reader, Xlsx};
use gongjin_domain::inputs::{SchoolFields, TeacherFields};
use gongjin_sheet::*;
use proptest::prelude::*;
use std::io::Cursor;

fn school(name: &str, code: &str, stage: &str) -> SchoolFields {
    SchoolFields {
        name: name.into(),
        code: code.into(),
        region_id: 3,
        stage: stage.into(),
        locality: "rural".into(),
        ownership: Some("private".into()),
        address: Some("=HYPERLINK(\"http://x\")".into()),
        longitude: Some(113.371234),
        latitude: Some(31.72),
        primary_enrolment: Some(420),
        junior_enrolment: Some(0),
        class_count: None,
    }
}

fn teacher(staff: &str, phone: Option<&str>) -> TeacherFields {
    TeacherFields {
        staff_number: staff.into(),
        name: "张 三".into(),
        gender: "female".into(),
        birth_year: Some(1985),
        school_id: 9,
        subjects: vec!["语文".into(), "道德与法治".into()],
        title: Some("一级教师".into()),
        backbone_level: Some("city".into()),
        years_at_school: Some(0),
        phone: phone.map(Into::into),
        status: None,
        degree_above_standard: Some(true),
    }
}

/// What an imported school must equal: the exported one with labels for keys and region_id 0.
fn imported_form(f: &SchoolFields) -> String {
    let cells = school_export_row("曾都区", f);
    let text = |c: &Cell| match c {
        Cell::Text(s) => Some(s.clone()),
        _ => None,
    };
    let mut g = f.clone();
    g.region_id = 0;
    g.stage = text(&cells[3]).unwrap();
    g.locality = text(&cells[4]).unwrap();
    g.ownership = text(&cells[5]);
    format!("{g:?}")
}

fn reimport_schools(bytes: &[u8], format: Format) -> Vec<SchoolRow> {
    let table = read_table(bytes, format, &SCHOOL_REQUIRED).unwrap();
    assert_eq!(table.headers, SCHOOL_HEADERS);
    let (good, bad) = parse_school_rows(&table);
    assert!(bad.is_empty(), "{bad:?}");
    good
}

#[test]
fn school_exports_reimport_cleanly() {
    let schools = [
        SchoolFields {
            primary_enrolment: Some(0),
            junior_enrolment: Some(1200),
            ..school("曾都区第一中学", "4213030001", "junior")
        },
        school("何店镇中心小学", "0213030002", "小学"),
        SchoolFields {
            ownership: None,
            address: None,
            longitude: None,
            latitude: None,
            primary_enrolment: None,
            junior_enrolment: None,
            ..school("南郊九年一贯制学校", "4213030003", "nine_year")
        },
    ];
    let rows: Vec<Vec<Cell>> = schools
        .iter()
        .map(|s| school_export_row("曾都区", s))
        .collect();
    let xlsx = write_xlsx("学校", school_export_headers(), &rows).unwrap();
    let csv = write_csv(school_export_headers(), &rows);
    for (bytes, format) in [(xlsx, Format::Xlsx), (csv, Format::Csv)] {
        let good = reimport_schools(&bytes, format);
        assert_eq!(good.len(), 3, "{format:?}");
        for (i, (row, original)) in good.iter().zip(&schools).enumerate() {
            assert_eq!(row.number, i + 2);
            assert_eq!(row.region_name, "曾都区");
            assert_eq!(format!("{:?}", row.fields), imported_form(original));
        }
        assert_eq!(good[1].fields.code, "0213030002", "leading zero kept");
        assert_eq!(good[0].fields.stage, "初中");
        assert_eq!(
            good[0].fields.address.as_deref(),
            Some("=HYPERLINK(\"http://x\")")
        );
    }
}

#[test]
fn teacher_exports_reimport_cleanly() {
    let teachers = [
        teacher("T2024001", Some("13812345678")),
        teacher("0012", Some("0722-3456789")),
        teacher("T-3", None),
    ];
    let rows: Vec<Vec<Cell>> = teachers
        .iter()
        .map(|t| teacher_export_row("4213030001", t))
        .collect();
    let xlsx = write_xlsx("教师", teacher_export_headers(), &rows).unwrap();
    let csv = write_csv(teacher_export_headers(), &rows);
    for (bytes, format) in [(xlsx, Format::Xlsx), (csv, Format::Csv)] {
        let table = read_table(&bytes, format, &TEACHER_REQUIRED).unwrap();
        let (good, bad) = parse_teacher_rows(&table);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good.len(), 3);
        for (row, t) in good.iter().zip(&teachers) {
            assert_eq!(row.school_code, "4213030001");
            assert_eq!(row.fields.staff_number, t.staff_number);
            assert_eq!(row.fields.phone, t.phone);
            assert_eq!(row.fields.subjects, t.subjects);
            assert_eq!(row.fields.gender, "女");
            assert_eq!(row.fields.backbone_level.as_deref(), Some("市级"));
            assert_eq!(row.fields.birth_year, Some(1985));
            assert_eq!(row.fields.years_at_school, Some(0));
            assert_eq!(row.fields.name, "张 三");
        }
    }
}

#[test]
fn exported_codes_and_phones_are_text_cells() {
    let rows = vec![teacher_export_row(
        "4213030001",
        &teacher("0012", Some("13812345678")),
    )];
    let bytes = write_xlsx("教师", teacher_export_headers(), &rows).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("教师").unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("教师编号".into())));
    assert_eq!(range.get((1, 0)), Some(&Data::String("0012".into())));
    assert_eq!(range.get((1, 4)), Some(&Data::String("4213030001".into())));
    assert_eq!(range.get((1, 9)), Some(&Data::String("13812345678".into())));
    assert_eq!(range.get((1, 3)), Some(&Data::Float(1985.0)));
}

#[test]
fn csv_export_starts_with_a_bom() {
    let bytes = write_csv(school_export_headers(), &[]);
    assert!(bytes.starts_with("\u{FEFF}学校名称,学校标识码".as_bytes()));
}

#[test]
fn templates_hold_the_headers_and_the_instructions() {
    for (kind, headers, required, first_sheet) in [
        (
            TemplateKind::Schools,
            &SCHOOL_HEADERS[..],
            &SCHOOL_REQUIRED[..],
            "学校信息",
        ),
        (
            TemplateKind::Teachers,
            &TEACHER_HEADERS[..],
            &TEACHER_REQUIRED[..],
            "教师信息",
        ),
    ] {
        let bytes = template(kind, Format::Xlsx).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(book.sheet_names(), [first_sheet, "填写说明"]);
        let range = book.worksheet_range(first_sheet).unwrap();
        assert_eq!(range.height(), 1, "only the header row");
        let row: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(row, headers, "exact header text, in order");

        // Required headers are red, the others are not.
        let styles = book.worksheet_style(first_sheet).unwrap();
        for (c, h) in headers.iter().enumerate() {
            let font = styles.get((0, c as u32)).and_then(|s| s.font.clone());
            let red = font
                .and_then(|f| f.color)
                .is_some_and(|k| (k.red, k.green, k.blue) == (255, 0, 0));
            assert_eq!(red, required.contains(h), "{h}");
        }

        let notes = book.worksheet_range("填写说明").unwrap();
        let text: Vec<Vec<String>> = notes
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(text[0][..3], ["列名", "是否必填", "说明及可选值"]);
        for h in headers {
            let line = text.iter().find(|r| r[0] == *h).expect(h);
            let expect = if required.contains(h) {
                "必填"
            } else {
                "选填"
            };
            assert_eq!(line[1], expect, "{h}");
        }
        let explained = |h: &str| text.iter().find(|r| r[0] == h).unwrap()[2].clone();
        if kind == TemplateKind::Schools {
            assert_eq!(explained("学段"), "小学 / 初中 / 九年一贯制 / 十二年一贯制");
            assert_eq!(explained("城乡类型"), "城区 / 镇区 / 乡村");
            assert!(explained("办学性质").contains("公办 / 民办"));
            assert!(explained("办学性质").contains("默认为公办"));
        } else {
            assert_eq!(explained("性别"), "男 / 女");
            assert!(explained("骨干级别").starts_with("无 / 县级 / 市级 / 省级"));
            assert!(explained("任教学科").contains('、'));
        }

        // The untouched template reads as "no data", not as a broken file.
        assert_eq!(
            read_table(&bytes, Format::Xlsx, required),
            Err(SheetError::Empty)
        );
        let csv = template(kind, Format::Csv).unwrap();
        let expected = format!("\u{FEFF}{}\r\n", headers.join(","));
        assert_eq!(String::from_utf8(csv).unwrap(), expected);
    }
}

/// A valid school: stage and enrolments agree, coordinates come in pairs with few decimals.
fn valid_school() -> impl Strategy<Value = SchoolFields> {
    (
        "[\u{4e00}-\u{9fa5}]{2,20}(小学|中学)",
        "[0-9]{10}",
        prop::sample::select(vec![
            "primary",
            "junior",
            "nine_year",
            "小学",
            "十二年一贯制",
        ]),
        prop::sample::select(vec!["urban", "town", "rural", "乡村"]),
        prop::option::of(prop::sample::select(vec!["public", "private", "民办"])),
        prop::option::of("[a-zA-Z0-9\u{4e00}-\u{9fa5}]{1,30}"),
        prop::option::of((73_000_000i64..=136_000_000, 3_000_000i64..=54_000_000)),
        prop::option::of(0i64..=20_000),
        prop::option::of(0i64..=500),
    )
        .prop_map(
            |(name, code, stage, locality, ownership, address, coords, n, classes)| {
                let primary = !matches!(stage, "junior");
                let junior = !matches!(stage, "primary" | "小学");
                SchoolFields {
                    name,
                    code,
                    region_id: 1,
                    stage: stage.into(),
                    locality: locality.into(),
                    ownership: ownership.map(Into::into),
                    address,
                    longitude: coords.map(|(x, _)| x as f64 / 1e6),
                    latitude: coords.map(|(_, y)| y as f64 / 1e6),
                    primary_enrolment: n.filter(|_| primary),
                    junior_enrolment: n.filter(|_| junior),
                    class_count: classes,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn valid_tables_round_trip(schools in prop::collection::vec(valid_school(), 1..8)) {
        // Codes must be unique within a file.
        let mut schools = schools;
        for (i, s) in schools.iter_mut().enumerate() {
            s.code = format!("{:08}{:02}", &s.code[..8].parse::<u64>().unwrap(), i);
        }
        let rows: Vec<Vec<Cell>> = schools.iter().map(|s| school_export_row("曾都区", s)).collect();
        let xlsx = write_xlsx("学校", &SCHOOL_HEADERS, &rows).unwrap();
        let csv = write_csv(&SCHOOL_HEADERS, &rows);
        for (bytes, format) in [(xlsx, Format::Xlsx), (csv, Format::Csv)] {
            let good = reimport_schools(&bytes, format);
            prop_assert_eq!(good.len(), schools.len());
            for (row, original) in good.iter().zip(&schools) {
                prop_assert_eq!(format!("{:?}", row.fields), imported_form(original));
                prop_assert!(row.fields.clone().validate().is_err(), "region_id 0 is for the caller");
                let mut f = row.fields.clone();
                f.region_id = 1;
                prop_assert!(f.validate().is_ok());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for format in [Format::Xlsx, Format::Csv] {
            for required in [&SCHOOL_REQUIRED[..], &TEACHER_REQUIRED[..]] {
                if let Ok(table) = read_table(&bytes, format, required) {
                    let _ = parse_school_rows(&table);
                    let _ = parse_teacher_rows(&table);
                }
            }
        }
    }

    #[test]
    fn reading_arbitrary_text_as_csv_never_panics(
        text in "[学校名称标识码所属区域段城乡类型\u{3000}0-9a-z,\"\n\t ]{0,400}"
    ) {
        let text = format!("学校名称,学校标识码,所属区域,学段,城乡类型\n{text}");
        if let Ok(table) = read_table(text.as_bytes(), Format::Csv, &SCHOOL_REQUIRED) {
            let (good, bad) = parse_school_rows(&table);
            prop_assert!(good.len() + bad.len() >= table.rows.len().min(1));
        }
    }
}

/// A real workbook with bytes flipped: the zip and XML layers must fail softly.
#[test]
fn corrupted_workbooks_never_panic() {
    let rows = vec![school_export_row(
        "曾都区",
        &school("甲小学", "4213030001", "小学"),
    )];
    let good = write_xlsx("学校", &SCHOOL_HEADERS, &rows).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(200));
    runner
        .run(
            &prop::collection::vec((0..good.len(), any::<u8>()), 1..16),
            |flips| {
                let mut bytes = good.clone();
                for (i, b) in flips {
                    bytes[i] = b;
                }
                if let Ok(table) = read_table(&bytes, Format::Xlsx, &SCHOOL_REQUIRED) {
                    let _ = parse_school_rows(&table);
                }
                // Truncations too.
                let cut = bytes.len() / 2;
                let _ = read_table(&bytes[..cut], Format::Xlsx, &SCHOOL_REQUIRED);
                Ok(())
            },
        )
        .unwrap();
}
