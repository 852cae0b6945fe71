//! Small SVG charts drawn as markup: the browser renders the Chinese labels with the page's own
//! fonts, which a raster or font-embedding chart library would have to ship.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The width a label takes at 13px: wide (CJK) characters a full em, others a little over half.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 7.5 } else { 13.0 })
        .sum()
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
    let width = 640.0;
    // Room for the longest label on the left and the longest caption on the right.
    let left = bars
        .iter()
        .map(|b| text_width(&b.label) + 16.0)
        .fold(150.0, f64::max)
        .min(260.0);
    let right = bars
        .iter()
        .map(|b| text_width(&b.caption) + 12.0)
        .fold(70.0, f64::max)
        .min(220.0);
    let plot_w = width - left - right;
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
        // Green when every target is reached; plain blue when there is no target to reach.
        let color = if !targets.is_empty() && targets.iter().all(|(t, _)| b.value + 1e-9 >= *t) {
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
    let left = rows
        .iter()
        .map(|r| text_width(&r.0) + 16.0)
        .fold(130.0, f64::max)
        .min(260.0);
    let width = 640.0;
    let plot_w = width - left - 60.0;
    let max = rows.iter().map(|r| r.1 + r.2).max().unwrap_or(0).max(1) as f64;
    let height = 30.0 + row_h * rows.len().max(1) as f64;
    let mut s = format!(
        r##"<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="13"><rect x="{left}" y="4" width="12" height="12" fill="#1677ff"/><text x="{:.1}" y="15" fill="#555">{}</text><rect x="{:.1}" y="4" width="12" height="12" fill="#bae0ff"/><text x="{:.1}" y="15" fill="#555">{}</text>"##,
        left + 16.0,
        esc(legend.0),
        left + 100.0_f64.max(text_width(legend.0) + 32.0),
        left + 116.0_f64.max(text_width(legend.0) + 48.0),
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

/// A school placed on the offline community map.
pub struct MapSchool {
    pub id: i64,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Index into the community palette; `None` when the school is in no community.
    pub community: Option<usize>,
    pub core: bool,
    /// The core school's index in the list, for members (the line drawn to it).
    pub core_of: Option<usize>,
}

const PALETTE: &[&str] = &[
    "#1677ff", "#fa541c", "#52c41a", "#722ed1", "#eb2f96", "#13c2c2", "#faad14", "#2f54eb",
    "#a0d911", "#f5222d", "#08979c", "#d46b08",
];

/// The colour of community `i` on the map.
pub fn palette(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// An offline map: schools by longitude and latitude (equirectangular, scaled by the cosine of
/// the mean latitude), coloured by community, each member linked to its core school (a square);
/// schools in no community are hollow grey. No map tiles.
pub fn community_map(schools: &[MapSchool]) -> String {
    let (w, h, pad) = (900.0, 620.0, 30.0);
    if schools.is_empty() {
        return format!(
            r##"<svg class="chart" viewBox="0 0 {w} 120" width="100%" xmlns="http://www.w3.org/2000/svg"><text x="{}" y="60" text-anchor="middle" fill="#999">—</text></svg>"##,
            w / 2.0
        );
    }
    let lat0 = schools.iter().map(|s| s.lat).sum::<f64>() / schools.len() as f64;
    let k = lat0.to_radians().cos().max(0.1);
    let xs: Vec<f64> = schools.iter().map(|s| s.lon * k).collect();
    let ys: Vec<f64> = schools.iter().map(|s| s.lat).collect();
    let (x0, x1) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |a, &x| (a.0.min(x), a.1.max(x)));
    let (y0, y1) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |a, &y| (a.0.min(y), a.1.max(y)));
    let span = ((x1 - x0).max(y1 - y0)).max(1e-6);
    let scale = ((w - 2.0 * pad) / span).min((h - 2.0 * pad) / span);
    let px = |i: usize| pad + (xs[i] - x0) * scale;
    let py = |i: usize| h - pad - (ys[i] - y0) * scale;
    let mut s = format!(
        r##"<svg class="chart map" viewBox="0 0 {w} {h}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="11"><rect x="0" y="0" width="{w}" height="{h}" fill="#f7f9fc"/>"##
    );
    for (i, sc) in schools.iter().enumerate() {
        if let (Some(c), Some(j)) = (sc.community, sc.core_of) {
            s.push_str(&format!(
                r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-opacity="0.55" stroke-width="1.5"/>"##,
                px(i), py(i), px(j), py(j), palette(c)
            ));
        }
    }
    for (i, sc) in schools.iter().enumerate() {
        let (x, y) = (px(i), py(i));
        let title = format!("<title>{}</title>", esc(&sc.name));
        match (sc.community, sc.core) {
            (Some(c), true) => s.push_str(&format!(
                r##"<g><rect x="{:.1}" y="{:.1}" width="12" height="12" fill="{}" stroke="#fff"/>{title}</g><text x="{:.1}" y="{:.1}" fill="#333">{}</text>"##,
                x - 6.0, y - 6.0, palette(c), x + 8.0, y + 4.0, esc(&sc.name)
            )),
            (Some(c), false) => s.push_str(&format!(
                r##"<g><circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{}" stroke="#fff"/>{title}</g>"##,
                palette(c)
            )),
            (None, _) => s.push_str(&format!(
                r##"<g><circle cx="{x:.1}" cy="{y:.1}" r="4.5" fill="#fff" stroke="#999"/>{title}</g>"##
            )),
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod map_tests {
    use super::*;

    #[test]
    fn members_link_to_their_core_and_outsiders_are_hollow() {
        let p = |id, lon, lat, community, core, core_of| MapSchool {
            id,
            name: format!("校{id}"),
            lon,
            lat,
            community,
            core,
            core_of,
        };
        let svg = community_map(&[
            p(1, 113.3, 31.7, Some(0), true, None),
            p(2, 113.4, 31.8, Some(0), false, Some(0)),
            p(3, 113.2, 31.6, None, false, None),
        ]);
        assert_eq!(svg.matches("<line").count(), 1);
        assert_eq!(
            svg.matches("<rect x=").count(),
            2,
            "background and one core"
        );
        assert!(svg.contains(r##"stroke="#999""##));
        assert!(svg.contains("<title>校3</title>"));
    }
}
/// Horizontal bars of coefficients of variation with the stage's threshold as a dashed line: a bar within the
/// threshold is green, above it red. The axis runs to the larger of 1.0 and the largest value.
pub fn cv_bars(rows: &[(String, f64)], threshold: f64, threshold_label: &str) -> String {
    let row_h = 28.0;
    let left = rows
        .iter()
        .map(|r| text_width(&r.0) + 16.0)
        .fold(230.0, f64::max)
        .min(340.0);
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

/// One row of a stacked bar chart: a label, one value per series, and a caption after the bar.
pub struct StackRow {
    pub label: String,
    pub values: Vec<f64>,
    pub caption: String,
}

/// Horizontal stacked bars on a common axis `0..max`, one colour per series with a legend on top,
/// e.g. each community's assessment score split by dimension (max = the standard's full marks).
pub fn stacked_bars(rows: &[StackRow], series: &[String], max: f64) -> String {
    let row_h = 28.0;
    let left = rows
        .iter()
        .map(|r| text_width(&r.label) + 16.0)
        .fold(150.0, f64::max)
        .min(260.0);
    let width = 700.0;
    let right = rows
        .iter()
        .map(|r| text_width(&r.caption) + 12.0)
        .fold(90.0, f64::max)
        .min(200.0);
    let plot_w = width - left - right;
    let max = rows
        .iter()
        .map(|r| r.values.iter().map(|v| v.max(0.0)).sum::<f64>())
        .fold(max, f64::max)
        .max(1e-9);
    // The legend wraps: at most four series a line.
    let legend_lines = series.len().div_ceil(4).max(1);
    let top = 8.0 + 18.0 * legend_lines as f64;
    let plot_bottom = top + row_h * rows.len().max(1) as f64;
    let height = plot_bottom + 22.0;
    let mut s = format!(
        r#"<svg class="chart stacked-chart" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg" font-size="13">"#
    );
    for (i, name) in series.iter().enumerate() {
        let x = 10.0 + 170.0 * (i % 4) as f64;
        let y = 4.0 + 18.0 * (i / 4) as f64;
        s.push_str(&format!(
            r##"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" fill="#555">{}</text>"##,
            palette(i),
            x + 16.0,
            y + 11.0,
            esc(name)
        ));
    }
    for pct in [0, 25, 50, 75, 100] {
        let x = left + plot_w * f64::from(pct) / 100.0;
        s.push_str(&format!(
            r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{plot_bottom:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#999">{}</text>"##,
            plot_bottom + 16.0,
            fmt_axis(max * f64::from(pct) / 100.0)
        ));
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + 4.0 + row_h * i as f64;
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text>"##,
            left - 8.0,
            y + 14.0,
            esc(&r.label)
        ));
        let mut x = left;
        for (j, v) in r.values.iter().enumerate() {
            let w = plot_w * v.max(0.0) / max;
            let name = series.get(j).map_or("", String::as_str);
            s.push_str(&format!(
                r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="18" fill="{}"><title>{} {}</title></rect>"##,
                palette(j),
                esc(name),
                fmt_axis(*v)
            ));
            x += w;
        }
        s.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" fill="#333">{}</text>"##,
            x + 6.0,
            y + 14.0,
            esc(&r.caption)
        ));
    }
    s.push_str("</svg>");
    s
}

fn fmt_axis(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod stacked_tests {
    use super::*;

    #[test]
    fn segments_follow_the_series_and_are_escaped() {
        let svg = stacked_bars(
            &[
                StackRow {
                    label: "一<共同体".into(),
                    values: vec![10.0, 20.0],
                    caption: "30".into(),
                },
                StackRow {
                    label: "二".into(),
                    values: vec![0.0, 5.0],
                    caption: "5".into(),
                },
            ],
            &["管理共进".into(), "师资共育".into()],
            100.0,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("一&lt;共同体"));
        // Two legend swatches and two segments per row.
        assert_eq!(svg.matches("<rect").count(), 2 + 4);
        assert!(svg.contains("<title>师资共育 20</title>"));
    }

    #[test]
    fn long_labels_get_room_and_bars_without_a_target_are_blue() {
        let svg = coverage_bars(
            &[Bar {
                label: "曾都区实验初级中学教联体".into(),
                value: 0.5,
                caption: "1/2 50.0%".into(),
            }],
            &[],
        );
        // Twelve wide characters: the bar starts right of them.
        assert!(svg.contains(r#"<rect x="172""#), "{svg}");
        assert!(svg.contains("#1677ff") && !svg.contains("#52c41a"));
    }
}
