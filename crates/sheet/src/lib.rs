//! Spreadsheets in and out: what bureaus send and receive as Excel (`.xlsx`) or CSV.
//!
//! Pure: bytes in, values out. Reading finds the header row by name (title rows above it, reordered
//! and extra columns, blank rows and stray full-width spaces are all tolerated), converts rows into the
//! domain's loose `*Fields`, and reports every problem of every row with the sheet's own row number and
//! the column's Chinese header. Writing produces exports that re-import cleanly and the empty import
//! templates. Messages come from the domain's catalogue (`gongjin_domain::i18n`).

mod conditions;
mod periods;
mod read;
mod rows;
mod scores;
mod write;

pub use conditions::{
    CONDITION_HEADERS, CONDITION_REQUIRED, ConditionFigures, ConditionRow, condition_export_row,
    parse_balance_stage, parse_condition_rows, parse_school_year,
};
pub use periods::{PERIOD_HEADERS, PeriodRow, parse_period_rows, parse_periods, parse_weekday};
pub use read::{
    Format, MAX_COLUMNS, MAX_ROWS, Row, SheetError, Table, TableHead, read_rows, read_table,
};
pub use rows::{
    RowError, SchoolRow, TeacherRow, TeacherRows, parse_school_rows, parse_teacher_rows,
    read_teacher_rows, school_column, teacher_column,
};
pub use scores::{SCORE_HEADERS, SCORE_REQUIRED, ScoreSheetRow, parse_score, parse_score_rows};
pub use write::{
    Cell, SheetPart, TemplateKind, school_export_headers, school_export_row,
    teacher_export_headers, teacher_export_row, template, write_csv, write_xlsx, write_xlsx_sheets,
};

/// The columns of a schools sheet, in template and export order.
pub const SCHOOL_HEADERS: [&str; 12] = [
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
];

/// The columns a schools sheet must have; the header row is the first row holding all of them.
pub const SCHOOL_REQUIRED: [&str; 5] = ["学校名称", "学校标识码", "所属区域", "学段", "城乡类型"];

/// The columns of a teachers sheet, in template and export order.
pub const TEACHER_HEADERS: [&str; 11] = [
    "教师编号",
    "姓名",
    "性别",
    "出生年份",
    "学校标识码",
    "任教学科",
    "职称",
    "骨干级别",
    "本校任教年限",
    "手机号码",
    "高于规定学历",
];

/// The columns a teachers sheet must have.
pub const TEACHER_REQUIRED: [&str; 5] = ["教师编号", "姓名", "性别", "学校标识码", "任教学科"];
