//! Any bytes uploaded as a periods sheet (`.csv` or `.xlsx`) must give rows or errors, never a panic.
#![no_main]

use gongjin_sheet::{Format, PERIOD_HEADERS, parse_period_rows, parse_periods, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for f in [Format::Csv, Format::Xlsx] {
        if let Ok(table) = read_table(data, f, &PERIOD_HEADERS) {
            let _ = parse_period_rows(&table);
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(p) = parse_periods(s) {
            assert!(p.iter().all(|&x| (1..=8).contains(&x)));
        }
    }
});
