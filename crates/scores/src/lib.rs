//! Unified tests (统一检测): same paper, same time, same marking across a community's schools.
//!
//! * [`analyse`]: per test, overall / per school / per class count, mean, **sample** standard deviation (divisor
//!   n − 1), pass, excellent and low-score rates, score bands, max and min; [`core_member_gaps`] compares each
//!   member school with the core school.
//! * [`value_added`]: between two tests, standardise, match students by student number, regress the later z on
//!   the earlier z (OLS) and average residuals per school and per community with a 95% t interval
//!   ([`t_quantile`]).
//! * [`validate_rows`]: typed errors with the row number (第N行) for impossible scores.
//!
//! Pure: no IO, no clock.

mod model;
mod stats;
mod tdist;
mod value_added;

pub use model::{
    DEFAULT_LOW_SHARE, InputError, RowError, RowErrorKind, ScoreRow, TestError, UnifiedTest,
    validate, validate_rows,
};
pub use stats::{
    AnalyseError, Band, Bands, ClassStats, CoreGap, GroupStats, SchoolStats, TestReport, analyse,
    core_member_gaps, group_stats, mean_sd, natural_cmp,
};
pub use tdist::{incomplete_beta, ln_gamma, t_cdf, t_quantile};
pub use value_added::{
    GroupEffect, StudentResidual, ValueAdded, ValueAddedError, Which, mean_interval, value_added,
};

#[cfg(test)]
mod tests;
