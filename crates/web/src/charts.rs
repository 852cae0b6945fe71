//! Small SVG charts drawn as markup: the browser renders the Chinese labels with the page's own
//! fonts, which a raster or font-embedding chart library would have to ship.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar of a coverage chart.
pub struct Bar {
    pub label: String,
    /// 0–1
    pub value: f64,
    pub caption: String,
}

/// Horizontal bars (0–100%) with vertical target lines, e.g. coverage per county against 80% and 100%.
pub fn coverage_bars(bars: &[Bar], targets: &[(f64, String)]) -> String {
    let row_h = 34.0;
    let left = 150.0;
    let width = 640.0;
    let plot_w = width - left - 70.0;
    // Room below the bars for the target labels, one line each so they never overlap.
    let labels_h = 16.0 * targets.len() as f64 + 8.0;
    let plot_bottom = 26.0 + row_h * bars.len().max(1) as f64;
    let height = plot_bottom + labels_h;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="13">"#
    );
    for pct in [0, 25, 50, 75, 100] {
        let x = left + plot_w * f64::from(pct) / 100.0;
        s.push_str(&format!(r##"<line x1="{x:.1}" y1="20" x2="{x:.1}" y2="{plot_bottom:.1}" stroke="#eee"/><text x="{x:.1}" y="14" text-anchor="middle" fill="#999">{pct}%</text>"##));
    }
    for (i, b) in bars.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        let w = plot_w * b.value.clamp(0.0, 1.0);
        let color = if targets.iter().all(|(t, _)| b.value + 1e-9 >= *t) {
            "#52c41a"
        } else {
            "#1677ff"
        };
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text><rect x="{left}" y="{y:.1}" width="{w:.1}" height="20" rx="3" fill="{color}"/><text x="{:.1}" y="{:.1}" fill="#333">{}</text>"##,
            left - 8.0,
            y + 15.0,
            esc(&b.label),
            left + w + 6.0,
            y + 15.0,
            esc(&b.caption)
        ));
    }
    for (i, (t, label)) in targets.iter().enumerate() {
        let x = left + plot_w * t.clamp(0.0, 1.0);
        let y = plot_bottom + 16.0 * (i as f64 + 1.0);
        s.push_str(&format!(
            r##"<line x1="{x:.1}" y1="20" x2="{x:.1}" y2="{:.1}" stroke="#fa541c" stroke-dasharray="4 3"/><text x="{:.1}" y="{y:.1}" text-anchor="end" fill="#fa541c">{} ┘</text>"##,
            y - 11.0,
            x + 4.0,
            esc(label)
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_targets_are_drawn_and_escaped() {
        let svg = coverage_bars(
            &[Bar {
                label: "曾都区<".into(),
                value: 30.0 / 45.0,
                caption: "30/45 66.7%".into(),
            }],
            &[(0.8, "2024-12-31 ≥80%".into())],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("曾都区&lt;"));
        assert!(svg.contains("66.7%"));
        assert!(svg.contains("stroke-dasharray"));
        assert_eq!(svg.matches("<rect").count(), 1);
    }
}

/// Horizontal stacked bars of counts, e.g. activities per kind: done (solid) and planned (light).
pub fn count_bars(rows: &[(String, i64, i64)], legend: (&str, &str)) -> String {
    let row_h = 28.0;
    let left = 130.0;
    let width = 640.0;
    let plot_w = width - left - 60.0;
    let max = rows.iter().map(|r| r.1 + r.2).max().unwrap_or(0).max(1) as f64;
    let height = 30.0 + row_h * rows.len().max(1) as f64;
    let mut s = format!(
        r##"<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="13"><rect x="{left}" y="4" width="12" height="12" fill="#1677ff"/><text x="{:.1}" y="15" fill="#555">{}</text><rect x="{:.1}" y="4" width="12" height="12" fill="#bae0ff"/><text x="{:.1}" y="15" fill="#555">{}</text>"##,
        left + 16.0,
        esc(legend.0),
        left + 100.0,
        left + 116.0,
        esc(legend.1)
    );
    if rows.is_empty() {
        s.push_str(r##"<text x="320" y="45" text-anchor="middle" fill="#999">—</text>"##);
    }
    for (i, (label, done, planned)) in rows.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        let w1 = plot_w * *done as f64 / max;
        let w2 = plot_w * *planned as f64 / max;
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text><rect x="{left}" y="{y:.1}" width="{w1:.1}" height="18" rx="2" fill="#1677ff"/><rect x="{:.1}" y="{y:.1}" width="{w2:.1}" height="18" rx="2" fill="#bae0ff"/><text x="{:.1}" y="{:.1}" fill="#333">{}</text>"##,
            left - 8.0,
            y + 14.0,
            esc(label),
            left + w1,
            left + w1 + w2 + 6.0,
            y + 14.0,
            done + planned
        ));
    }
    s.push_str("</svg>");
    s
}

/// Vertical columns of counts by a label, e.g. activities per month.
pub fn columns(rows: &[(String, i64)]) -> String {
    let width = 640.0;
    let height = 220.0;
    let bottom = 190.0;
    let top = 20.0;
    let left = 30.0;
    let n = rows.len().max(1) as f64;
    let slot = (width - left - 10.0) / n;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut s = format!(
        r##"<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="12"><line x1="{left}" y1="{bottom}" x2="{:.1}" y2="{bottom}" stroke="#ccc"/>"##,
        width - 10.0
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let h = (bottom - top) * *v as f64 / max;
        let x = left + slot * i as f64 + slot * 0.2;
        let w = slot * 0.6;
        s.push_str(&format!(
            r##"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{h:.1}" rx="2" fill="#1677ff"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{v}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#666">{}</text>"##,
            bottom - h,
            x + w / 2.0,
            bottom - h - 4.0,
            x + w / 2.0,
            bottom + 16.0,
            esc(label)
        ));
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars of coefficients of variation with the stage's threshold as a dashed line: a bar within the
/// threshold is green, above it red. The axis runs to the larger of 1.0 and the largest value.
pub fn cv_bars(rows: &[(String, f64)], threshold: f64, threshold_label: &str) -> String {
    let row_h = 28.0;
    let left = 230.0;
    let width = 700.0;
    let plot_w = width - left - 60.0;
    let max = rows
        .iter()
        .map(|r| r.1)
        .fold(1.0_f64, f64::max)
        .max(threshold * 1.2);
    let plot_bottom = 24.0 + row_h * rows.len().max(1) as f64;
    let height = plot_bottom + 22.0;
    let mut s = format!(
        r#"<svg class="chart cv-chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="13">"#
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 22.0 + row_h * i as f64;
        let w = plot_w * (v.max(0.0) / max);
        let color = if *v <= threshold + 1e-12 {
            "#52c41a"
        } else {
            "#f5222d"
        };
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text><rect x="{left}" y="{y:.1}" width="{w:.1}" height="18" rx="2" fill="{color}"/><text x="{:.1}" y="{:.1}" fill="#333">{:.3}</text>"##,
            left - 8.0,
            y + 14.0,
            esc(label),
            left + w + 6.0,
            y + 14.0,
            v
        ));
    }
    let x = left + plot_w * (threshold / max);
    s.push_str(&format!(
        r##"<line class="cv-threshold" x1="{x:.1}" y1="14" x2="{x:.1}" y2="{plot_bottom:.1}" stroke="#fa541c" stroke-dasharray="4 3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#fa541c">{}</text>"##,
        plot_bottom + 16.0,
        esc(threshold_label)
    ));
    s.push_str("</svg>");
    s
}
