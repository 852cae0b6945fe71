//! Timetable engine (排课) for education communities: one joint timetable (一张表) across schools.
//!
//! - [`model`]: schools with their own bell schedules (clock minutes), classes, teachers across schools, rooms,
//!   activities, and FET-style weighted rules, including synchronous links, travel and joint blocks. JSON via serde.
//! - [`check`]: the evaluator, written apart from the solver: hard violations and soft cost by constraint.
//! - [`solve`]: greedy construction and late-acceptance hill climbing; deterministic for a seed and budget.
//! - [`repair`]: fewest changed lessons from an existing timetable after a change.
//! - [`fet`]: read and write FET `.fet` files.
//! - [`generate`]: joint multi-school instances.
//!
//! Pure: no IO, no clock, no threads. Time limits are the caller's, through `should_stop`.
#![allow(
    clippy::needless_range_loop,
    clippy::too_many_arguments,
    clippy::type_complexity
)]

pub mod eval;
pub mod fet;
pub mod generate;
pub mod model;
pub mod repair;
pub mod solve;
mod xml;

pub use eval::{Report, evaluate as check};
pub use model::{Model, Timetable};
pub use repair::{Change, RepairResult, repair};
pub use solve::{Options, Solution, solve, solve_with_stop};

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("XML: {0}")]
    Xml(String),
    #[error("invalid model: {0}")]
    Invalid(String),
    #[error("FET file not readable: {0}")]
    Fet(String),
    /// The file uses constraints we do not support (never silently relaxed).
    #[error("unsupported FET constraints: {}", .0.join(", "))]
    Unsupported(Vec<String>),
}
