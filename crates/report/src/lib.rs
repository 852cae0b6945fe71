//! Word documents (.docx, WordprocessingML) laid out for A4 in Chinese, and zip packages of
//! several files: what the term report package (学期工作材料) is made of. Pure: values in, bytes
//! out. Only what the report needs: headings, paragraphs, tables and pictures (PNG, JPEG).

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1 or 2.
    Heading(u8, String),
    Paragraph(String),
    /// Header row, then rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A picture (PNG or JPEG bytes) with its caption.
    Picture(Vec<u8>, String),
}

/// A document: a title and its blocks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {}
            c => o.push(c),
        }
    }
    o
}

fn run(text: &str, bold: bool, size_half_points: u32) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<w:r><w:br/></w:r>");
        }
        out.push_str(&format!(
            r#"<w:r><w:rPr>{}<w:sz w:val="{size_half_points}"/><w:szCs w:val="{size_half_points}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
            if bold { "<w:b/>" } else { "" },
            esc(line)
        ));
    }
    out
}

fn paragraph(text: &str, bold: bool, size: u32, centered: bool) -> String {
    format!(
        r#"<w:p><w:pPr>{}<w:spacing w:after="120"/></w:pPr>{}</w:p>"#,
        if centered {
            r#"<w:jc w:val="center"/>"#
        } else {
            ""
        },
        run(text, bold, size)
    )
}

/// Pixel size of a PNG or JPEG, when the header says.
pub fn image_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() >= 24 {
        let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
        let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
        return (w > 0 && h > 0).then_some((w, h));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 9 < b.len() {
            if b[i] != 0xFF {
                i += 1;
                continue;
            }
            let marker = b[i + 1];
            let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
            if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as u32;
                let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as u32;
                return (w > 0 && h > 0).then_some((w, h));
            }
            i += 2 + len;
        }
    }
    None
}

fn picture_xml(rel: &str, n: usize, w: u32, h: u32) -> String {
    // At most 14 cm wide and 9 cm high, keeping the aspect (1 cm = 360000 EMU).
    let (max_w, max_h) = (14.0 * 360000.0, 9.0 * 360000.0);
    let scale = (max_w / w as f64).min(max_h / h as f64);
    let (cx, cy) = ((w as f64 * scale) as u64, (h as f64 * scale) as u64);
    format!(
        r#"<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="图片{n}"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="{n}" name="图片{n}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{rel}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    )
}

fn table_xml(header: &[String], rows: &[Vec<String>]) -> String {
    let cols = header.len().max(1);
    let width = 9026 / cols;
    let cell = |t: &str, bold: bool| {
        format!(
            r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{}</w:tc>"#,
            paragraph(t, bold, 21, false)
        )
    };
    let mut s = String::from(
        r#"<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders><w:top w:val="single" w:sz="4" w:color="999999"/><w:left w:val="single" w:sz="4" w:color="999999"/><w:bottom w:val="single" w:sz="4" w:color="999999"/><w:right w:val="single" w:sz="4" w:color="999999"/><w:insideH w:val="single" w:sz="4" w:color="999999"/><w:insideV w:val="single" w:sz="4" w:color="999999"/></w:tblBorders></w:tblPr><w:tblGrid>"#,
    );
    for _ in 0..cols {
        s.push_str(&format!(r#"<w:gridCol w:w="{width}"/>"#));
    }
    s.push_str("</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>");
    for h in header {
        s.push_str(&cell(h, true));
    }
    s.push_str("</w:tr>");
    for r in rows {
        s.push_str("<w:tr>");
        for i in 0..cols {
            s.push_str(&cell(r.get(i).map(String::as_str).unwrap_or(""), false));
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    s.push_str(&paragraph("", false, 21, false));
    s
}

/// Why a file could not be written.
#[derive(Debug)]
pub struct ReportError(pub String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn zerr(e: impl std::fmt::Display) -> ReportError {
    ReportError(e.to_string())
}

/// The document as a .docx file (A4, 2.54 cm margins, 宋体 / Noto Serif CJK for Chinese).
pub fn docx(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let mut body = String::new();
    let mut media: Vec<(String, String, Vec<u8>)> = vec![];
    body.push_str(&paragraph(&doc.title, true, 36, true));
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => body.push_str(&paragraph(
                t,
                true,
                if *level <= 1 { 30 } else { 26 },
                false,
            )),
            Block::Paragraph(t) => body.push_str(&paragraph(t, false, 24, false)),
            Block::Table(h, rows) => body.push_str(&table_xml(h, rows)),
            Block::Picture(bytes, caption) => {
                let Some((w, h)) = image_size(bytes) else {
                    body.push_str(&paragraph(
                        &format!("（图片无法读取：{caption}）"),
                        false,
                        21,
                        true,
                    ));
                    continue;
                };
                let n = media.len() + 1;
                let ext = if bytes.starts_with(b"\x89PNG") {
                    "png"
                } else {
                    "jpeg"
                };
                let rel = format!("rIdImg{n}");
                media.push((rel.clone(), format!("image{n}.{ext}"), bytes.clone()));
                body.push_str(&picture_xml(&rel, n, w, h));
                body.push_str(&paragraph(caption, false, 21, true));
            }
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let styles = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体" w:cs="Times New Roman"/><w:lang w:val="zh-CN" w:eastAsia="zh-CN"/><w:sz w:val="24"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults></w:styles>"#;
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    );
    for (rel, name, _) in &media {
        rels.push_str(&format!(
            r#"<Relationship Id="{rel}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/{name}"/>"#
        ));
    }
    rels.push_str("</Relationships>");
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            content_types.as_bytes().to_vec(),
        ),
        ("_rels/.rels".into(), root_rels.as_bytes().to_vec()),
        ("word/document.xml".into(), document.into_bytes()),
        ("word/styles.xml".into(), styles.as_bytes().to_vec()),
        ("word/_rels/document.xml.rels".into(), rels.into_bytes()),
    ];
    for (_, name, bytes) in media {
        files.push((format!("word/media/{name}"), bytes));
    }
    zip_files(&files)
}

/// A zip of named files (names may be Chinese; stored as UTF-8).
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ReportError> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(zerr)?;
        w.write_all(bytes).map_err(zerr)?;
    }
    Ok(w.finish().map_err(zerr)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn image_sizes() {
        assert_eq!(image_size(PNG), Some((2, 1)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0, 30, 0, 40, 3, 0, 0, 0, 0,
        ];
        assert_eq!(image_size(&jpeg), Some((40, 30)));
        assert_eq!(image_size(b"nope"), None);
    }

    #[test]
    fn a_docx_has_its_parts_and_text_escaped() {
        let d = Document {
            title: "学期工作总结".into(),
            blocks: vec![
                Block::Heading(1, "一、活动".into()),
                Block::Paragraph("A & B <c>".into()),
                Block::Table(
                    vec!["日期".into(), "活动".into()],
                    vec![vec!["2026-10-01".into(), "集体备课".into()]],
                ),
                Block::Picture(PNG.to_vec(), "现场照片".into()),
            ],
        };
        let bytes = docx(&d).unwrap();
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut doc = String::new();
        std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut doc)
            .unwrap();
        assert!(doc.contains("A &amp; B &lt;c&gt;"));
        assert!(doc.contains("集体备课") && doc.contains("w:pgSz w:w=\"11906\""));
        assert!(z.by_name("word/media/image1.png").is_ok());
        assert!(z.by_name("[Content_Types].xml").is_ok());
    }
}
