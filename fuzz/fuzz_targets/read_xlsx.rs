//! Any bytes uploaded as an `.xlsx` must give a table or a `SheetError`, never a panic.
#![no_main]

use gongjin_sheet::{
    Format, SCHOOL_REQUIRED, TEACHER_REQUIRED, parse_school_rows, parse_teacher_rows, read_table,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = read_table(data, Format::Xlsx, &SCHOOL_REQUIRED) {
        let _ = parse_school_rows(&table);
    }
    if let Ok(table) = read_table(data, Format::Xlsx, &TEACHER_REQUIRED) {
        let _ = parse_teacher_rows(&table);
    }
});
