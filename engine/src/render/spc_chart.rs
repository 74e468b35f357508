//! SPC charts in the Making Data Count style: points coloured by type (grey common cause, blue
//! improvement, orange concern, purple neutral), mean and process limits per group (breaks at
//! rebases), the target, PDSA cycle windows as labelled bands, and the variation and assurance
//! icons drawn in SVG.

use super::{Svg, n, shorten};
use crate::spc::view::ChartView;
use crate::spc::{Assurance, PointType};
use chrono::NaiveDate;

/// A PDSA cycle's window to shade.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 64.0;

/// The colour of a point type (Making Data Count).
pub fn colour(t: PointType) -> &'static str {
    match t {
        PointType::CommonCause => "#7B7D7D",
        PointType::SpecialCauseImprovement => "#289DE0",
        PointType::SpecialCauseConcern => "#FAB428",
        PointType::SpecialCauseNeutralHigh | PointType::SpecialCauseNeutralLow => "#361475",
    }
}

fn words(t: PointType) -> &'static str {
    match t {
        PointType::CommonCause => "common cause variation",
        PointType::SpecialCauseImprovement => "special cause: improvement",
        PointType::SpecialCauseConcern => "special cause: concern",
        PointType::SpecialCauseNeutralHigh => "special cause: neutral (high)",
        PointType::SpecialCauseNeutralLow => "special cause: neutral (low)",
    }
}

/// The chart as SVG. `target` draws a dashed line; `windows` shade the cycles. A `unit` of `%`
/// means the values are proportions, labelled as percentages. O(points).
pub fn chart_svg(
    title: &str,
    unit: &str,
    chart: &ChartView,
    target: Option<f64>,
    windows: &[Window],
) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    svg.text(
        16.0,
        26.0,
        &shorten(title, 90),
        r##"font-size="16" font-weight="bold" fill="#1B2631""##,
    );
    let points = &chart.points;
    if points.is_empty() {
        svg.text(LEFT, TOP + 40.0, "No data yet", r##"fill="#4A5A6A""##);
        return svg.finish();
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in points {
        for v in [p.value, p.lower_limit, p.upper_limit] {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if let Some(t) = target.filter(|t| t.is_finite()) {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    if hi - lo < 1e-9 {
        hi += 1.0;
        lo -= 1.0;
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let count = points.len();
    let x = |i: usize| {
        LEFT + if count == 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (count - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (hi - v) / (hi - lo);

    // Cycle windows behind everything.
    for (k, w) in windows.iter().enumerate() {
        let first = points.iter().position(|p| p.date >= w.start);
        let last = points.iter().rposition(|p| p.date <= w.end);
        if let (Some(a), Some(b)) = (first, last)
            && a <= b
        {
            let (xa, xb) = (x(a) - 4.0, x(b) + 4.0);
            svg.rect(
                xa,
                TOP,
                xb - xa,
                plot_h,
                r##"fill="#2E7D32" fill-opacity="0.10""##,
            );
            // Alternate rows so labels of neighbouring cycles do not overprint.
            svg.text(
                xa + 3.0,
                TOP + 12.0 + 12.0 * (k % 2) as f64,
                &shorten(&w.label, 30),
                r##"font-size="10" fill="#2E7D32""##,
            );
        }
    }
    // Axes and value ticks.
    svg.line(
        LEFT,
        TOP + plot_h,
        LEFT + plot_w,
        TOP + plot_h,
        r##"stroke="#9AA5B1""##,
    );
    svg.line(LEFT, TOP, LEFT, TOP + plot_h, r##"stroke="#9AA5B1""##);
    let percent = unit.trim() == "%";
    let label = |v: f64| {
        if percent {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.1}")
        }
    };
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        svg.text(
            LEFT - 6.0,
            y(v) + 4.0,
            &label(v),
            r##"font-size="10" text-anchor="end" fill="#4A5A6A""##,
        );
    }
    svg.text(
        14.0,
        TOP + plot_h / 2.0,
        unit,
        &format!(
            r##"font-size="11" fill="#4A5A6A" transform="rotate(-90 14 {})""##,
            n(TOP + plot_h / 2.0)
        ),
    );
    let step = (count / 8).max(1);
    for i in (0..count).step_by(step) {
        svg.text(
            x(i),
            TOP + plot_h + 16.0,
            &points[i].date.format("%d %b %y").to_string(),
            r##"font-size="10" text-anchor="middle" fill="#4A5A6A""##,
        );
    }
    // Mean and limits per group (P and U charts: limits per point).
    for g in &chart.groups {
        let a = g.first_index;
        let b = (g.first_index + g.n).saturating_sub(1).min(count - 1);
        svg.line(
            x(a),
            y(g.mean),
            x(b),
            y(g.mean),
            r##"stroke="#1B2631" stroke-width="1.5""##,
        );
        match (g.lower_limit, g.upper_limit) {
            (Some(l), Some(u)) => {
                svg.line(
                    x(a),
                    y(l),
                    x(b),
                    y(l),
                    r##"stroke="#56677A" stroke-dasharray="5 4""##,
                );
                svg.line(
                    x(a),
                    y(u),
                    x(b),
                    y(u),
                    r##"stroke="#56677A" stroke-dasharray="5 4""##,
                );
            }
            // A run chart has no limits: its points carry none.
            _ if !points[a].lower_limit.is_finite() => {}
            _ => {
                for i in a..b {
                    let (p, q) = (&points[i], &points[i + 1]);
                    svg.line(
                        x(i),
                        y(p.lower_limit),
                        x(i + 1),
                        y(q.lower_limit),
                        r##"stroke="#56677A" stroke-dasharray="5 4""##,
                    );
                    svg.line(
                        x(i),
                        y(p.upper_limit),
                        x(i + 1),
                        y(q.upper_limit),
                        r##"stroke="#56677A" stroke-dasharray="5 4""##,
                    );
                }
            }
        }
    }
    if let Some(t) = target.filter(|t| t.is_finite()) {
        svg.line(
            LEFT,
            y(t),
            LEFT + plot_w,
            y(t),
            r##"stroke="#C0392B" stroke-width="1.5" stroke-dasharray="2 3""##,
        );
        svg.text(
            LEFT + plot_w + 4.0,
            y(t) + 4.0,
            &format!("target {}", if percent { label(t) } else { t.to_string() }),
            r##"font-size="10" fill="#C0392B""##,
        );
    }
    // The line through the points, then the points.
    let path: Vec<String> = (0..count)
        .map(|i| format!("{},{}", n(x(i)), n(y(points[i].value))))
        .collect();
    svg.raw(&format!(
        r##"<polyline points="{}" fill="none" stroke="#9AA5B1" stroke-width="1.2"/>"##,
        path.join(" ")
    ));
    for (i, p) in points.iter().enumerate() {
        // The date lets the page act on a point picked on the chart (annotate it, rebase there).
        svg.raw(&format!(
            r#"<g data-point-type="{}" data-date="{}">"#,
            p.point_type.reference_name(),
            p.date
        ));
        svg.circle(
            x(i),
            y(p.value),
            4.5,
            &format!(
                r##"fill="{}" stroke="#FFFFFF" stroke-width="1""##,
                colour(p.point_type)
            ),
        );
        svg.raw(&format!(
            "<title>{} {:.2} ({})</title></g>",
            p.date,
            p.value,
            words(p.point_type)
        ));
    }
    icons(&mut svg, chart);
    svg.finish()
}

/// The variation and assurance icons, drawn: a coloured ring with a letter and a caption.
fn icons(svg: &mut Svg, chart: &ChartView) {
    let x = WIDTH - 60.0;
    if let Some(v) = chart.variation {
        let letter = match v {
            PointType::CommonCause => "~",
            PointType::SpecialCauseImprovement | PointType::SpecialCauseConcern => {
                let last = chart.points.last();
                let high =
                    last.is_some_and(|p| chart.groups.last().is_some_and(|g| p.value > g.mean));
                if high { "H" } else { "L" }
            }
            PointType::SpecialCauseNeutralHigh => "H",
            PointType::SpecialCauseNeutralLow => "L",
        };
        svg.raw(r#"<g data-icon="variation">"#);
        svg.circle(
            x,
            TOP + 30.0,
            24.0,
            &format!(
                r##"fill="#FFFFFF" stroke="{}" stroke-width="4""##,
                colour(v)
            ),
        );
        svg.text(
            x,
            TOP + 37.0,
            letter,
            &format!(
                r#"font-size="20" font-weight="bold" text-anchor="middle" fill="{}""#,
                colour(v)
            ),
        );
        svg.text(
            x,
            TOP + 70.0,
            "variation",
            r##"font-size="10" text-anchor="middle" fill="#4A5A6A""##,
        );
        let caption = match v {
            PointType::CommonCause => "common cause",
            PointType::SpecialCauseImprovement => "improvement",
            PointType::SpecialCauseConcern => "concern",
            _ => "neutral",
        };
        svg.text(
            x,
            TOP + 82.0,
            caption,
            r##"font-size="10" text-anchor="middle" fill="#4A5A6A""##,
        );
        svg.raw("</g>");
    }
    if let Some(a) = chart.assurance {
        let (letter, fill, caption) = match a {
            Assurance::ConsistentPass => ("P", "#289DE0", "will consistently pass"),
            Assurance::ConsistentFail => ("F", "#FAB428", "will consistently fail"),
            Assurance::Inconsistent => ("?", "#7B7D7D", "hit and miss"),
        };
        svg.raw(r#"<g data-icon="assurance">"#);
        svg.circle(
            x,
            TOP + 130.0,
            24.0,
            &format!(r##"fill="#FFFFFF" stroke="{fill}" stroke-width="4""##),
        );
        svg.text(
            x,
            TOP + 137.0,
            letter,
            &format!(r#"font-size="20" font-weight="bold" text-anchor="middle" fill="{fill}""#),
        );
        svg.text(
            x,
            TOP + 170.0,
            "assurance",
            r##"font-size="10" text-anchor="middle" fill="#4A5A6A""##,
        );
        svg.text(
            x,
            TOP + 182.0,
            caption,
            r##"font-size="9" text-anchor="middle" fill="#4A5A6A""##,
        );
        svg.raw("</g>");
    }
}
