//! A minimal XML DOM, enough for `.fet` files: elements, text, entities, comments, declarations, CDATA.

use crate::Error;

/// One element: name, attributes and children (elements or text).
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// Children with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// First child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    /// Trimmed text of the first child with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(j) = rest.find(';') else {
            out.push_str(rest);
            return out;
        };
        let ent = &rest[1..j];
        let ch = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16)
                .ok()
                .and_then(char::from_u32),
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => out.push(c),
            None => out.push_str(&rest[..=j]),
        }
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

/// Escape text for element content or attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

/// Parse a document; returns its root element.
pub fn parse(src: &str) -> Result<Element, Error> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let b = src.as_bytes();
    let mut i = 0;
    let mut stack: Vec<Element> = vec![Element::default()];
    let bad = |m: &str, at: usize| Error::Xml(format!("{m} at byte {at}"));
    while i < b.len() {
        if b[i] == b'<' {
            if src[i..].starts_with("<!--") {
                let e = src[i..]
                    .find("-->")
                    .ok_or_else(|| bad("unclosed comment", i))?;
                i += e + 3;
            } else if src[i..].starts_with("<![CDATA[") {
                let e = src[i..]
                    .find("]]>")
                    .ok_or_else(|| bad("unclosed CDATA", i))?;
                let top = stack.last_mut().ok_or_else(|| bad("stack", i))?;
                top.text.push_str(&src[i + 9..i + e]);
                i += e + 3;
            } else if src[i..].starts_with("<?") || src[i..].starts_with("<!") {
                let e = src[i..]
                    .find('>')
                    .ok_or_else(|| bad("unclosed declaration", i))?;
                i += e + 1;
            } else if src[i..].starts_with("</") {
                let e = src[i..]
                    .find('>')
                    .ok_or_else(|| bad("unclosed end tag", i))?;
                let name = src[i + 2..i + e].trim();
                let el = stack.pop().ok_or_else(|| bad("stack", i))?;
                if el.name != name || stack.is_empty() {
                    return Err(bad(&format!("mismatched </{name}>"), i));
                }
                stack
                    .last_mut()
                    .ok_or_else(|| bad("stack", i))?
                    .children
                    .push(el);
                i += e + 1;
            } else {
                let e = src[i..].find('>').ok_or_else(|| bad("unclosed tag", i))?;
                let mut inner = &src[i + 1..i + e];
                let self_closing = inner.ends_with('/');
                if self_closing {
                    inner = &inner[..inner.len() - 1];
                }
                let (name, mut rest) = match inner.find(|c: char| c.is_whitespace()) {
                    Some(k) => (&inner[..k], &inner[k..]),
                    None => (inner, ""),
                };
                let mut el = Element {
                    name: name.to_string(),
                    ..Default::default()
                };
                while let Some(eq) = rest.find('=') {
                    let key = rest[..eq].trim().to_string();
                    let after = rest[eq + 1..].trim_start();
                    let q = after.chars().next().ok_or_else(|| bad("attribute", i))?;
                    let end = after[1..].find(q).ok_or_else(|| bad("attribute", i))?;
                    el.attrs.push((key, unescape(&after[1..1 + end])));
                    rest = &after[end + 2..];
                }
                if self_closing {
                    stack
                        .last_mut()
                        .ok_or_else(|| bad("stack", i))?
                        .children
                        .push(el);
                } else {
                    stack.push(el);
                }
                i += e + 1;
            }
        } else {
            let e = src[i..].find('<').unwrap_or(src.len() - i);
            if stack.len() > 1 {
                let top = stack.last_mut().ok_or_else(|| bad("stack", i))?;
                top.text.push_str(&unescape(&src[i..i + e]));
            }
            i += e;
        }
    }
    if stack.len() != 1 {
        return Err(Error::Xml("unclosed element at end of file".into()));
    }
    let mut doc = stack.pop().unwrap_or_default();
    doc.children
        .pop()
        .ok_or_else(|| Error::Xml("no root element".into()))
}
