//! Newtypes that validate at the edge. Constructing one is the only way to get one.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Normalises what spreadsheets and forms put around values: ideographic (full-width) and
/// non-breaking spaces, zero-width characters, and surrounding whitespace.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'))
        .map(|c| {
            if matches!(c, '\u{3000}' | '\u{00A0}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Like [`clean_text`], and full-width ASCII forms (０-９, Ａ-Ｚ, －) become ASCII. For codes and numbers.
pub fn clean_ascii(s: &str) -> String {
    clean_text(s)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str { &self.0 }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(&self.0) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.0 }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> { $name::parse(&s).map_err(|e| e.key) }
        }
    };
}

string_newtype! {
    /// 学校标识码: the ten-digit national school code.
    SchoolCode
}
impl SchoolCode {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = clean_ascii(s);
        if s.is_empty() {
            return Err(FieldError::new("code", "error.required"));
        }
        if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(SchoolCode(s))
        } else {
            Err(FieldError::with("code", "error.school_code", s))
        }
    }
}

string_newtype! {
    /// 教师编号: unique within a region.
    StaffNumber
}
impl StaffNumber {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = clean_ascii(s);
        if s.is_empty() {
            return Err(FieldError::new("staff_number", "error.required"));
        }
        if s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(StaffNumber(s))
        } else {
            Err(FieldError::with("staff_number", "error.staff_number", s))
        }
    }
}

string_newtype! {
    /// 手机号码 (11 digits starting with 1) or a landline with area code (0722-1234567).
    Phone
}
impl Phone {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = clean_ascii(s);
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let mobile = digits.len() == 11 && digits.starts_with('1');
        let landline = s.starts_with('0') && (10..=12).contains(&digits.len());
        if digits.bytes().all(|b| b.is_ascii_digit()) && (mobile || landline) {
            Ok(Phone(s))
        } else {
            Err(FieldError::with("phone", "error.phone", s))
        }
    }
    /// The number as lists show it: `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks the middle of a phone number for lists: keeps the first 3 and last 4 characters.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

string_newtype! {
    /// A login name: 3–32 of letters, digits, `_`, `.`, `-`.
    Username
}
impl Username {
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let s = clean_text(s);
        if (3..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            Ok(Username(s))
        } else {
            Err(FieldError::with("username", "error.username", s))
        }
    }
}

/// Checks a new password: at least 8 characters, not all digits.
pub fn check_password(p: &str) -> Result<(), FieldError> {
    if p.chars().count() < 8 {
        return Err(FieldError::with("password", "error.password_short", 8));
    }
    if p.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldError::new("password", "error.password_digits"));
    }
    Ok(())
}

/// A required display name (person, school, community, region): 1–64 characters after cleaning.
pub fn parse_name(field: &str, s: &str) -> Result<String, FieldError> {
    let s = clean_text(s);
    if s.is_empty() {
        Err(FieldError::new(field, "error.required"))
    } else if s.chars().count() > 64 {
        Err(FieldError::with(field, "error.too_long", 64))
    } else {
        Ok(s)
    }
}

/// An optional free text of at most `max` characters.
pub fn parse_text(field: &str, s: Option<&str>, max: usize) -> Result<String, FieldError> {
    let s = s.map(clean_text).unwrap_or_default();
    if s.chars().count() > max {
        Err(FieldError::with(field, "error.too_long", max))
    } else {
        Ok(s)
    }
}

/// A non-negative count (enrolment, classes) up to `max`.
pub fn parse_count(field: &str, v: Option<i64>, max: i64) -> Result<i64, FieldError> {
    match v {
        None => Ok(0),
        Some(n) if (0..=max).contains(&n) => Ok(n),
        Some(n) => Err(FieldError::with(
            field,
            "error.range",
            format!("0–{max} ({n})"),
        )),
    }
}

/// Longitude within China's extent (73°E–136°E).
pub fn parse_longitude(v: Option<f64>) -> Result<Option<f64>, FieldError> {
    match v {
        Some(x) if !(73.0..=136.0).contains(&x) || x.is_nan() => {
            Err(FieldError::with("longitude", "error.longitude", x))
        }
        other => Ok(other),
    }
}

/// Latitude within China's extent (3°N–54°N).
pub fn parse_latitude(v: Option<f64>) -> Result<Option<f64>, FieldError> {
    match v {
        Some(y) if !(3.0..=54.0).contains(&y) || y.is_nan() => {
            Err(FieldError::with("latitude", "error.latitude", y))
        }
        other => Ok(other),
    }
}

/// A calendar date as `YYYY-MM-DD`; also accepts `2024/9/1`, `2024.9.1` and `2024年9月1日`.
pub fn parse_date(field: &str, s: &str) -> Result<chrono::NaiveDate, FieldError> {
    let c = clean_ascii(s);
    let unified: String = c
        .replace(['/', '.', '年', '月'], "-")
        .trim_end_matches('日')
        .to_owned();
    let mut parts = unified.split('-');
    let parsed = (|| {
        let y: i32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        chrono::NaiveDate::from_ymd_opt(y, m, d)
    })();
    parsed.ok_or_else(|| FieldError::with(field, "error.date", c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn school_code_cleans_and_validates() {
        assert_eq!(
            SchoolCode::parse(" 4213030001　").unwrap().as_str(),
            "4213030001"
        );
        assert_eq!(
            SchoolCode::parse("４２１３０３０００１").unwrap().as_str(),
            "4213030001"
        );
        assert_eq!(
            SchoolCode::parse("421303000").unwrap_err().key,
            "error.school_code"
        );
        assert_eq!(
            SchoolCode::parse("42130300011").unwrap_err().key,
            "error.school_code"
        );
        assert_eq!(SchoolCode::parse("").unwrap_err().key, "error.required");
    }

    #[test]
    fn phones_mask_and_validate() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert!(Phone::parse("0722-3456789").is_ok());
        assert!(Phone::parse("23812345678").is_err());
        assert!(Phone::parse("1381234567x").is_err());
    }

    #[test]
    fn dates_in_bureau_spellings() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 9, 1).unwrap();
        for s in [
            "2024-09-01",
            "2024/9/1",
            "2024.9.1",
            "2024年9月1日",
            " 2024-9-1 ",
        ] {
            assert_eq!(parse_date("joined_on", s).unwrap(), d, "{s}");
        }
        assert!(parse_date("joined_on", "2024-02-30").is_err());
        assert!(parse_date("joined_on", "明天").is_err());
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(
            parse_name("name", "\u{3000}曾都区第一中学 ").unwrap(),
            "曾都区第一中学"
        );
        assert_eq!(parse_name("name", "　").unwrap_err().key, "error.required");
    }

    proptest! {
        #[test]
        fn any_ten_digits_is_a_code(s in "[0-9]{10}") {
            let code = SchoolCode::parse(&s).unwrap();
            prop_assert_eq!(code.as_str(), s.as_str());
        }

        #[test]
        fn masking_never_reveals_the_middle(s in "1[0-9]{10}") {
            let m = mask_phone(&s);
            prop_assert_eq!(m.chars().count(), 11);
            prop_assert_eq!(&m[3..7], "****");
        }

        #[test]
        fn clean_text_never_panics_and_is_trimmed(s in "\\PC*") {
            let c = clean_text(&s);
            prop_assert_eq!(c.trim(), c.as_str());
        }
    }
}
