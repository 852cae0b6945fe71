//! The domain of Gongjin: one English identifier per concept of the glossary in `shared/DOMAIN.md`.
//!
//! Everything here is pure: values in, values out. Types validate at the edge (`parse`), so that code
//! holding a [`SchoolCode`] knows it is ten digits. User-facing text is never written here: errors carry
//! a catalogue key (see [`i18n`]) that the UI, API and CLI translate.

pub mod authz;
pub mod coverage;
pub mod enums;
pub mod error;
pub mod i18n;
pub mod inputs;
pub mod newtypes;
pub mod operations;
pub mod quota;
pub mod staffing;

pub use enums::*;
pub use error::{FieldError, ValidationErrors};
pub use newtypes::*;
pub use operations::{ActivityMode, ActivityStatus, SupportOrderStatus, Term};
