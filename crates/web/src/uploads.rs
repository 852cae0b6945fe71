//! Uploaded files: checked by size, extension and content, stored under a random name in the
//! data directory's `uploads/` (never at a path the user chose), served as attachments.

use crate::error::AppError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::RngCore;
use std::path::{Path, PathBuf};

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// Allowed document kinds: extension, content type, and a check of the first bytes.
const KINDS: &[(&str, &str, &[u8])] = &[
    ("pdf", "application/pdf", b"%PDF"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        b"PK\x03\x04",
    ),
    ("doc", "application/msword", b"\xD0\xCF\x11\xE0"),
    ("xls", "application/vnd.ms-excel", b"\xD0\xCF\x11\xE0"),
    ("png", "image/png", b"\x89PNG"),
    ("jpg", "image/jpeg", b"\xFF\xD8\xFF"),
    ("jpeg", "image/jpeg", b"\xFF\xD8\xFF"),
];

/// A multipart form: its text fields and its one `file` field.
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    /// The file's name, reduced to its last component.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn field(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart form, refusing a file larger than `limit` bytes (`limit_label` names it).
pub async fn read_multipart(
    mut mp: axum::extract::Multipart,
    limit: usize,
    limit_label: &str,
) -> Result<Upload, AppError> {
    let too_large =
        || AppError::field("file", "error.file_too_large", Some(limit_label.to_owned()));
    let mut up = Upload {
        fields: Default::default(),
        file_name: String::new(),
        bytes: vec![],
    };
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            up.file_name = clean_name(field.file_name().unwrap_or(""));
            up.bytes = field.bytes().await.map_err(|_| too_large())?.to_vec();
            if up.bytes.len() > limit {
                return Err(too_large());
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| AppError::bad_request(e.body_text()))?;
            up.fields.insert(name, text);
        }
    }
    Ok(up)
}

/// Returns the content type for an accepted file, or a clear refusal.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<&'static str, AppError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::field(
            "file",
            "error.file_too_large",
            Some("20 MB".into()),
        ));
    }
    if bytes.is_empty() {
        return Err(AppError::field("file", "error.required", None));
    }
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match KINDS.iter().find(|(e, _, _)| *e == ext) {
        Some((_, ct, magic)) if bytes.starts_with(magic) => Ok(ct),
        _ => Err(AppError::field(
            "file",
            "error.file_type",
            Some(if ext.is_empty() {
                file_name.to_owned()
            } else {
                ext
            }),
        )),
    }
}

/// Only the final component of a client-supplied name, without control characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if s.trim().is_empty() {
        "file".into()
    } else {
        s
    }
}

/// Writes the bytes under a fresh random name in `dir`; returns the stored name.
pub async fn store(dir: &Path, bytes: &[u8]) -> Result<String, AppError> {
    let mut r = [0u8; 16];
    rand::rng().fill_bytes(&mut r);
    let name = format!("{}.bin", hex::encode(r));
    tokio::fs::create_dir_all(dir).await.map_err(internal)?;
    tokio::fs::write(dir.join(&name), bytes)
        .await
        .map_err(internal)?;
    Ok(name)
}

pub fn path_of(dir: &Path, stored_name: &str) -> Option<PathBuf> {
    // Stored names are ours (hex + .bin); anything else is refused.
    let ok = stored_name.len() == 36
        && stored_name.ends_with(".bin")
        && stored_name[..32].bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| dir.join(stored_name))
}

fn internal(e: std::io::Error) -> AppError {
    tracing::error!("upload storage: {e}");
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "error.internal",
    )
}

/// A download response: attachment, our content type, no sniffing.
pub fn attachment(bytes: Vec<u8>, content_type: &str, file_name: &str) -> Response {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"download\"; filename*=UTF-8''{encoded}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_type_by_content() {
        assert_eq!(
            check("协议.pdf", b"%PDF-1.7 ...").unwrap(),
            "application/pdf"
        );
        assert!(check("协议.pdf", b"<html>").is_err());
        assert!(check("run.exe", b"MZ....").is_err());
        assert!(check("empty.pdf", b"").is_err());
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\x\\章程.docx"), "章程.docx");
        assert!(path_of(Path::new("/d"), "../x").is_none());
    }
}
