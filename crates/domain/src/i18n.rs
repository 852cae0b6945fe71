//! The message catalogue: every string the UI, API and CLI show, in Simplified Chinese (default)
//! and English. Keys are glossary identifiers (`stage.primary`, `error.school_code`, `nav.schools`).
//! The catalogues are JSON files compiled into the binary (`crates/domain/locales/`).

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn parse(s: &str) -> Locale {
        if s.trim().to_ascii_lowercase().starts_with("en") {
            Locale::En
        } else {
            Locale::ZhCn
        }
    }
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }
}

/// The catalogue files, one set per locale: `core` (vocabularies, fields, errors), `ui` (layout,
/// navigation, shared page text), `pages` (the pages' own text).
const ZH: &[&str] = &[
    include_str!("../locales/zh-CN/core.json"),
    include_str!("../locales/zh-CN/ui.json"),
    include_str!("../locales/zh-CN/pages.json"),
];
const EN: &[&str] = &[
    include_str!("../locales/en/core.json"),
    include_str!("../locales/en/ui.json"),
    include_str!("../locales/en/pages.json"),
];

fn load(sources: &[&str]) -> HashMap<String, String> {
    // The catalogues are part of the build; a malformed one is caught by the unit tests.
    let mut map = HashMap::new();
    for src in sources {
        let part: HashMap<String, String> = serde_json::from_str(src).unwrap_or_default();
        map.extend(part);
    }
    map
}

fn catalogue(locale: Locale) -> &'static HashMap<String, String> {
    static ZH_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_MAP: OnceLock<HashMap<String, String>> = OnceLock::new();
    match locale {
        Locale::ZhCn => ZH_MAP.get_or_init(|| load(ZH)),
        Locale::En => EN_MAP.get_or_init(|| load(EN)),
    }
}

/// The message for `key`; falls back to Chinese, then to the key itself (which a test forbids).
pub fn t(locale: Locale, key: &str) -> &'static str {
    if let Some(s) = catalogue(locale).get(key) {
        return s.as_str();
    }
    if let Some(s) = catalogue(Locale::ZhCn).get(key) {
        return s.as_str();
    }
    // Leak-free fallback: a static marker; missing keys are caught by tests.
    "⟨?⟩"
}

/// The message for `key` with `{}` replaced by `arg`.
pub fn tf(locale: Locale, key: &str, arg: &str) -> String {
    t(locale, key).replacen("{}", arg, 1)
}

/// Whether `key` exists in the catalogue of `locale`.
pub fn has(locale: Locale, key: &str) -> bool {
    catalogue(locale).contains_key(key)
}

/// All keys of a locale (for tests and tools).
pub fn keys(locale: Locale) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = catalogue(locale).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// A field error rendered for people: "学校标识码：应为10位数字（123）".
pub fn field_error(locale: Locale, e: &crate::FieldError) -> String {
    let field_key = format!("field.{}", e.field);
    let field = if has(locale, &field_key) {
        t(locale, &field_key).to_owned()
    } else {
        e.field.clone()
    };
    let reason = match &e.arg {
        Some(a) => tf(locale, &e.key, a),
        None => t(locale, &e.key).to_owned(),
    };
    let sep = if locale == Locale::ZhCn { "：" } else { ": " };
    format!("{field}{sep}{reason}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::*;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        for files in [ZH, EN] {
            let mut seen = std::collections::HashSet::new();
            for src in files {
                let part: HashMap<String, String> =
                    serde_json::from_str(src).expect("catalogue file is valid JSON");
                for k in part.keys() {
                    assert!(seen.insert(k.clone()), "key {k} is in two catalogue files");
                }
            }
        }
        let zh = load(ZH);
        let en = load(EN);
        let mut only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        only_zh.sort();
        only_en.sort();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh: {only_zh:?}; only in en: {only_en:?}"
        );
        assert!(zh.values().all(|v| !v.is_empty()));
    }

    #[test]
    fn every_vocabulary_label_is_catalogued() {
        let mut keys = vec![];
        keys.extend(Stage::ALL.iter().map(|v| v.label_key()));
        keys.extend(Locality::ALL.iter().map(|v| v.label_key()));
        keys.extend(Ownership::ALL.iter().map(|v| v.label_key()));
        keys.extend(Gender::ALL.iter().map(|v| v.label_key()));
        keys.extend(BackboneLevel::ALL.iter().map(|v| v.label_key()));
        keys.extend(TeacherStatus::ALL.iter().map(|v| v.label_key()));
        keys.extend(PilotLevel::ALL.iter().map(|v| v.label_key()));
        keys.extend(RegionLevel::ALL.iter().map(|v| v.label_key()));
        keys.extend(Role::ALL.iter().map(|v| v.label_key()));
        keys.extend(CouncilRole::ALL.iter().map(|v| v.label_key()));
        keys.extend(DocumentKind::ALL.iter().map(|v| v.label_key()));
        keys.extend(MembershipRole::ALL.iter().map(|v| v.label_key()));
        keys.extend(ExchangeKind::ALL.iter().map(|v| v.label_key()));
        keys.extend(ExchangeStatus::ALL.iter().map(|v| v.label_key()));
        keys.extend(FeedbackRole::ALL.iter().map(|v| v.label_key()));
        keys.extend(Rating::ALL.iter().map(|v| v.label_key()));
        keys.extend(DecisionStatus::ALL.iter().map(|v| v.label_key()));
        keys.extend(MentorshipStatus::ALL.iter().map(|v| v.label_key()));
        keys.extend(EvaluatorRole::ALL.iter().map(|v| v.label_key()));
        for a in Locality::ALL {
            for b in Locality::ALL {
                keys.push(format!("direction.{}", exchange_direction(*a, *b)));
            }
        }
        keys.extend(
            PRESET_COMMUNITY_KINDS
                .iter()
                .map(|(k, _)| format!("community_kind.{k}")),
        );
        for k in keys {
            assert!(has(Locale::ZhCn, &k), "missing {k}");
        }
        // Chinese labels in the catalogue match the vocabulary's own.
        for s in Stage::ALL {
            assert_eq!(t(Locale::ZhCn, &s.label_key()), s.zh());
        }
    }

    #[test]
    fn field_errors_read_well() {
        let e = crate::FieldError::with("code", "error.school_code", "123");
        assert_eq!(
            field_error(Locale::ZhCn, &e),
            "学校标识码：应为10位数字，实际为“123”"
        );
        assert_eq!(
            field_error(Locale::En, &e),
            "School code: must be 10 digits, got \"123\""
        );
    }
}
