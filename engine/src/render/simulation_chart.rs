//! A simulation's two charts: the lead-time distribution as bars, and queue lengths over the
//! measured time as lines (one per step with servers).

use super::{Svg, minutes_label, n, shorten};

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 46.0;
const BOTTOM: f64 = 56.0;
/// Most steps drawn on the queue chart (the longest queues on average).
pub const MAX_LINES: usize = 8;
const LINE_COLOURS: [&str; MAX_LINES] = [
    "#005EB8", "#DA291C", "#007F3B", "#7C2855", "#ED8B00", "#00A499", "#330072", "#425563",
];

/// One bar: lead times from `from_minutes` to `to_minutes` and the share of patients (0 to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub from_minutes: f64,
    pub to_minutes: f64,
    pub share: f64,
}

fn frame(svg: &mut Svg, title: &str, y_label: &str, x_label: &str) {
    svg.text(
        16.0,
        26.0,
        &shorten(title, 90),
        r##"font-size="16" font-weight="bold" fill="#1B2631""##,
    );
    svg.line(
        LEFT,
        HEIGHT - BOTTOM,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM,
        r##"stroke="#425563""##,
    );
    svg.line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, r##"stroke="#425563""##);
    svg.text(
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 14.0,
        x_label,
        r##"text-anchor="middle" fill="#425563""##,
    );
    svg.text(16.0, TOP - 8.0, y_label, r##"fill="#425563""##);
}

/// Five labels on each axis: minutes from 0 to `end` along the bottom, values from 0 to `top`
/// (placed by `y`, written by `label`) up the left.
fn ticks(svg: &mut Svg, end: f64, top: f64, y: &dyn Fn(f64) -> f64, label: impl Fn(f64) -> String) {
    let plot_w = WIDTH - RIGHT - LEFT;
    for i in 0..=4 {
        let minutes = end * i as f64 / 4.0;
        svg.text(
            LEFT + plot_w * i as f64 / 4.0,
            HEIGHT - BOTTOM + 16.0,
            &minutes_label(minutes),
            r##"text-anchor="middle" fill="#425563""##,
        );
        let v = top * i as f64 / 4.0;
        svg.text(
            LEFT - 6.0,
            y(v) + 4.0,
            &label(v),
            r##"text-anchor="end" fill="#425563""##,
        );
    }
}

/// The lead-time distribution as bars, with the mean and the 90th percentile marked. O(bars).
pub fn lead_time_svg(title: &str, bars: &[Bar], mean: f64, p90: f64) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    frame(&mut svg, title, "share of patients", "lead time");
    let top_share = bars.iter().map(|b| b.share).fold(0.0, f64::max);
    let end = bars.last().map_or(0.0, |b| b.to_minutes);
    if bars.is_empty() || top_share <= 0.0 || end <= 0.0 || !end.is_finite() {
        svg.text(
            LEFT + 20.0,
            TOP + 40.0,
            "no patients finished",
            r##"fill="#425563""##,
        );
        return svg.finish();
    }
    let (plot_w, plot_h) = (WIDTH - RIGHT - LEFT, HEIGHT - BOTTOM - TOP);
    let x = |minutes: f64| LEFT + plot_w * (minutes / end).clamp(0.0, 1.0);
    let y = |share: f64| HEIGHT - BOTTOM - plot_h * share / top_share;
    for b in bars {
        let (x0, x1) = (x(b.from_minutes), x(b.to_minutes));
        svg.rect(
            x0,
            y(b.share),
            (x1 - x0 - 1.0).max(0.5),
            HEIGHT - BOTTOM - y(b.share),
            r##"fill="#005EB8" class="bar""##,
        );
    }
    for (label, value, colour) in [("mean", mean, "#DA291C"), ("p90", p90, "#ED8B00")] {
        if value.is_finite() && value > 0.0 {
            let at = x(value);
            svg.line(
                at,
                TOP,
                at,
                HEIGHT - BOTTOM,
                &format!(r##"stroke="{colour}" stroke-dasharray="5 3""##),
            );
            svg.text(
                at + 4.0,
                TOP + if label == "mean" { 12.0 } else { 26.0 },
                &format!("{label} {}", minutes_label(value)),
                &format!(r##"fill="{colour}""##),
            );
        }
    }
    ticks(&mut svg, end, top_share, &y, |share| {
        format!("{:.0}%", share * 100.0)
    });
    svg.finish()
}

/// Queue length over time, one line per step (at most [`MAX_LINES`], the longest queues on
/// average), `interval_minutes` apart from the end of the warm-up. O(steps · points).
pub fn queue_length_svg(title: &str, interval_minutes: f64, series: &[(&str, &[f64])]) -> String {
    let mut svg = Svg::new(WIDTH, HEIGHT, title);
    frame(
        &mut svg,
        title,
        "patients waiting",
        "time after the warm-up",
    );
    let mut lines: Vec<(&str, &[f64], f64)> = series
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, *v, v.iter().sum::<f64>() / v.len() as f64))
        .collect();
    lines.sort_by(|a, b| b.2.total_cmp(&a.2));
    lines.truncate(MAX_LINES);
    let points = lines.iter().map(|l| l.1.len()).max().unwrap_or(0);
    let top = lines
        .iter()
        .flat_map(|l| l.1.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1.0);
    if points < 2 || interval_minutes.is_nan() || interval_minutes <= 0.0 {
        svg.text(
            LEFT + 20.0,
            TOP + 40.0,
            "no queues to draw",
            r##"fill="#425563""##,
        );
        return svg.finish();
    }
    let end = interval_minutes * (points - 1) as f64;
    let (plot_w, plot_h) = (WIDTH - RIGHT - LEFT, HEIGHT - BOTTOM - TOP);
    let x = |i: usize| LEFT + plot_w * (i as f64 * interval_minutes / end);
    let y = |v: f64| HEIGHT - BOTTOM - plot_h * (v.max(0.0) / top).min(1.0);
    for (i, (key, values, _)) in lines.iter().enumerate() {
        let colour = LINE_COLOURS[i % MAX_LINES];
        let path: Vec<String> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(j, v)| format!("{},{}", n(x(j)), n(y(*v))))
            .collect();
        svg.raw(&format!(
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.6" class="queue"/>"##,
            path.join(" ")
        ));
        svg.rect(
            WIDTH - RIGHT + 14.0,
            TOP + 18.0 * i as f64,
            10.0,
            10.0,
            &format!(r##"fill="{colour}""##),
        );
        svg.text(
            WIDTH - RIGHT + 30.0,
            TOP + 18.0 * i as f64 + 9.0,
            &shorten(key, 20),
            r##"fill="#1B2631""##,
        );
    }
    ticks(&mut svg, end, top, &y, |v| format!("{v:.1}"));
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heights(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .filter(|r| r.contains(r#"class="bar""#))
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn bars_are_as_tall_as_their_shares() {
        let bars = [
            Bar {
                from_minutes: 0.0,
                to_minutes: 60.0,
                share: 0.5,
            },
            Bar {
                from_minutes: 60.0,
                to_minutes: 120.0,
                share: 0.25,
            },
            Bar {
                from_minutes: 120.0,
                to_minutes: 180.0,
                share: 0.25,
            },
        ];
        let svg = lead_time_svg("Lead <time>", &bars, 80.0, 150.0);
        let h = heights(&svg);
        assert_eq!(h.len(), 3);
        assert!(
            (h[0] - 2.0 * h[1]).abs() < 0.1 && (h[1] - h[2]).abs() < 0.1,
            "{h:?}"
        );
        assert!(svg.contains("Lead &lt;time&gt;") && svg.contains("mean 1.3 h"));
        assert!(!svg.contains("NaN"));
        let empty = lead_time_svg("Nothing", &[], f64::NAN, f64::NAN);
        assert!(empty.contains("no patients finished") && !empty.contains("NaN"));
    }

    #[test]
    fn the_longest_queues_are_drawn_and_nothing_is_not_a_number() {
        let long = [4.0, 6.0, 8.0];
        let short = [0.0, 1.0, 0.0];
        let svg = queue_length_svg("Queues", 60.0, &[("short", &short), ("long", &long)]);
        assert_eq!(svg.matches(r#"class="queue""#).count(), 2);
        assert!(svg.find(">long<").unwrap() < svg.find(">short<").unwrap());
        assert!(!svg.contains("NaN"));
        let nothing = queue_length_svg("Queues", 0.0, &[]);
        assert!(nothing.contains("no queues to draw"));
    }
}
