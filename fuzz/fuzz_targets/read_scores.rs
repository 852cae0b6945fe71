//! Any bytes uploaded as a unified test's score sheet must give rows or errors, never a panic.
#![no_main]

use gongjin_sheet::{Format, SCORE_REQUIRED, parse_score, parse_score_rows, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for f in [Format::Csv, Format::Xlsx] {
        if let Ok(table) = read_table(data, f, &SCORE_REQUIRED) {
            let _ = parse_score_rows(&table);
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(Some(v)) = parse_score(s) {
            assert!(v.is_finite());
        }
    }
});
