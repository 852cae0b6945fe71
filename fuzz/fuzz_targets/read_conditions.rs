//! Any bytes uploaded as a conditions sheet (`.csv`, or `.xlsx`) must give rows and `第N行` errors or a
//! `SheetError`, never a panic; a school-year cell of any text parses or is refused.
#![no_main]

use gongjin_sheet::{CONDITION_REQUIRED, Format, parse_condition_rows, parse_school_year, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in [Format::Csv, Format::Xlsx] {
        if let Ok(table) = read_table(data, format, &CONDITION_REQUIRED) {
            let (rows, errors) = parse_condition_rows(&table);
            for r in &rows {
                assert!(r.figures.enrolment >= 0);
            }
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_school_year(s);
    }
});
