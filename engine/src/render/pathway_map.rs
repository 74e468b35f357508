//! The cross-organisation pathway map as SVG: swimlanes, steps by kind, waits and branch
//! probabilities on the arrows, rework loops as back arrows, hotspots marked on their steps and
//! transitions (colour, a badge with minutes per patient, and a text marker `H1`...), a legend.

use super::layout::{BADGE_HEIGHT, LANE_LABEL, LINE_HEIGHT, Layout, Marks, Route, layout};
use super::{Svg, escape, minutes_label, n, shorten};
use crate::analysis::RenderedHotspot;
use crate::pathway::PathwayMap;
use crate::values::StepKind;
use std::fmt::Write as _;

/// Colour-blind-safe palette (Okabe–Ito), with shapes and text so colour is never the only cue.
const HOTSPOT: &str = "#D55E00";
const LANE_FILL: [&str; 2] = ["#F4F6F8", "#E9EEF3"];
const STEP_FILL: &str = "#FFFFFF";
const STEP_STROKE: &str = "#3B4B5C";
const ARROW: &str = "#56677A";

/// An organisation's lane label.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneLabel {
    pub ods_code: String,
    pub name: String,
    /// e.g. `ACUTE_TRUST`.
    pub kind: String,
}

/// The map of `map` as SVG, with the given hotspots (already ranked; the first is `H1`) marked.
/// O(S + T + H·(S + T)) for H hotspots shown.
pub fn pathway_svg(
    title: &str,
    map: &PathwayMap,
    organisations: &[LaneLabel],
    hotspots: &[RenderedHotspot],
) -> String {
    // Which steps and transitions each hotspot touches (by rank).
    let marks_step = |key: &str| -> Vec<usize> {
        (0..hotspots.len())
            .filter(|&h| hotspots[h].step_keys.iter().any(|k| k == key))
            .collect()
    };
    let marks_transition = |from: &str, to: &str| -> Vec<usize> {
        let label = format!("{from}->{to}");
        (0..hotspots.len())
            .filter(|&h| hotspots[h].transitions.contains(&label))
            .collect()
    };
    let ends = map.ends();
    let out_count: Vec<usize> = (0..map.steps.len())
        .map(|s| {
            ends.iter()
                .filter(|e| e.is_some_and(|(a, _)| a == s))
                .count()
        })
        .collect();
    let step_marks: Vec<Vec<usize>> = map
        .steps
        .iter()
        .map(|step| marks_step(&step.key.to_string()))
        .collect();
    let transition_marks: Vec<Vec<usize>> = map
        .transitions
        .iter()
        .map(|t| marks_transition(&t.from.to_string(), &t.to.to_string()))
        .collect();
    let labels: Vec<String> = map
        .transitions
        .iter()
        .enumerate()
        .map(|(t, transition)| {
            let mut label = minutes_label(transition.wait_minutes.get());
            if let Some((a, _)) = ends[t]
                && out_count[a] > 1
                && let Some(p) = transition.probability
            {
                label = format!("{:.0}% · {label}", p.get() * 100.0);
            }
            let hot = &transition_marks[t];
            if !hot.is_empty() {
                let marks: Vec<String> = hot.iter().map(|h| format!("H{}", h + 1)).collect();
                label = format!("{label} ⚠{}", marks.join(","));
            }
            label
        })
        .collect();
    let badged: Vec<bool> = step_marks.iter().map(|m| !m.is_empty()).collect();
    let layout = layout(
        map,
        &Marks {
            badged: &badged,
            labels: &labels,
        },
    );
    let legend_height = 30.0 + 18.0 * hotspots.len() as f64;
    let width = layout.width.max(720.0);
    let height = layout.height + legend_height + 10.0;
    let mut svg = Svg::new(width, height, title);
    svg.raw(&format!(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{ARROW}"/></marker><marker id="arrow-hot" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{HOTSPOT}"/></marker></defs>"#
    ));
    svg.text(
        16.0,
        28.0,
        title,
        r##"font-size="18" font-weight="bold" fill="#1B2631""##,
    );

    lanes(&mut svg, &layout, organisations, width);

    // Arrows first, then their labels (on top of every arrow), then the boxes.
    for (t, transition) in map.transitions.iter().enumerate() {
        let Some(route) = &layout.routes[t] else {
            continue;
        };
        // The group names its transition so the web page can open it for editing on a click.
        svg.raw(&format!(
            r#"<g data-from="{}" data-to="{}">"#,
            escape(&transition.from.to_string()),
            escape(&transition.to.to_string())
        ));
        arrow(&mut svg, route, !transition_marks[t].is_empty());
        svg.raw("</g>");
    }
    for (t, route) in layout.routes.iter().enumerate() {
        let Some(route) = route else { continue };
        label(&mut svg, route, &labels[t], !transition_marks[t].is_empty());
    }
    for (s, step) in map.steps.iter().enumerate() {
        let hot = &step_marks[s];
        let badge = hot.first().map(|&h| (h, hotspots[h].minutes_per_patient));
        draw_step(
            &mut svg,
            &layout,
            s,
            step.kind,
            &step.key.to_string(),
            badge,
            hot,
        );
    }
    legend(&mut svg, hotspots, layout.height + 10.0);
    svg.finish()
}

fn lanes(svg: &mut Svg, layout: &Layout, organisations: &[LaneLabel], width: f64) {
    for (i, code) in layout.lanes.iter().enumerate() {
        let (top, height) = layout.lane_spans[i];
        svg.rect(
            0.0,
            top,
            width,
            height,
            &format!(r##"fill="{}" stroke="#C9D1D9""##, LANE_FILL[i % 2]),
        );
        let (name, kind) = organisations
            .iter()
            .find(|o| o.ods_code == *code)
            .map_or((code.as_str(), ""), |o| (o.name.as_str(), o.kind.as_str()));
        svg.text(
            10.0,
            top + 22.0,
            &shorten(name, 24),
            r##"font-weight="bold" fill="#1B2631""##,
        );
        let kind_words = kind.replace('_', " ").to_lowercase();
        svg.text(
            10.0,
            top + 38.0,
            &format!("{code} · {kind_words}"),
            r##"font-size="11" fill="#4A5A6A""##,
        );
        svg.line(
            LANE_LABEL,
            top,
            LANE_LABEL,
            top + height,
            r##"stroke="#C9D1D9""##,
        );
    }
}

fn arrow(svg: &mut Svg, route: &Route, hot: bool) {
    let colour = if hot { HOTSPOT } else { ARROW };
    let marker = if hot { "arrow-hot" } else { "arrow" };
    let width = if hot { 2.5 } else { 1.4 };
    let mut path = String::new();
    for (i, &(x, y)) in route.points.iter().enumerate() {
        let _ = write!(path, "{}{},{}", if i == 0 { "M" } else { " L" }, n(x), n(y));
    }
    let mut element = String::new();
    let _ = write!(
        element,
        r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"{} marker-end="url(#{marker})"/>"#,
        if route.back {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        }
    );
    svg.raw(&element);
}

fn label(svg: &mut Svg, route: &Route, text: &str, hot: bool) {
    let colour = if hot { HOTSPOT } else { ARROW };
    let r = route.label;
    svg.rect(
        r.x,
        r.y,
        r.width,
        r.height,
        r##"fill="#FFFFFF" fill-opacity="0.9" rx="3""##,
    );
    let weight = if hot { r#" font-weight="bold""# } else { "" };
    svg.text(
        r.x + r.width / 2.0,
        r.y + r.height - 4.0,
        text,
        &format!(r#"font-size="11" text-anchor="middle" fill="{colour}"{weight}"#),
    );
}

fn draw_step(
    svg: &mut Svg,
    layout: &Layout,
    s: usize,
    kind: StepKind,
    key: &str,
    badge: Option<(usize, f64)>,
    hot: &[usize],
) {
    let b = layout.boxes[s];
    let stroke = if hot.is_empty() { STEP_STROKE } else { HOTSPOT };
    let stroke_width = if hot.is_empty() { 1.5 } else { 3.0 };
    let style = format!(r#"fill="{STEP_FILL}" stroke="{stroke}" stroke-width="{stroke_width}""#);
    let (cx, cy) = b.centre();
    // The box and its words are one group naming the step, so a click anywhere on it selects it.
    svg.raw(&format!(r#"<g data-step="{}">"#, escape(key)));
    match kind {
        StepKind::Start | StepKind::End => {
            svg.rect(b.x, b.y, b.width, b.height, &format!(r#"{style} rx="23""#));
        }
        StepKind::Decision => {
            // A six-sided "decision" box: a diamond would not hold a wrapped name.
            let inset = 14.0;
            let points = format!(
                "{},{} {},{} {},{} {},{} {},{} {},{}",
                n(b.x),
                n(cy),
                n(b.x + inset),
                n(b.y),
                n(b.right() - inset),
                n(b.y),
                n(b.right()),
                n(cy),
                n(b.right() - inset),
                n(b.bottom()),
                n(b.x + inset),
                n(b.bottom())
            );
            svg.raw(&format!(r#"<polygon points="{points}" {style}/>"#));
        }
        StepKind::Activity => svg.rect(b.x, b.y, b.width, b.height, &format!(r#"{style} rx="4""#)),
    }
    let kind_word = match kind {
        StepKind::Start => "start",
        StepKind::End => "end",
        StepKind::Decision => "decision",
        StepKind::Activity => "",
    };
    let lines = &layout.lines[s];
    let text_height = lines.len() as f64 * LINE_HEIGHT
        + if kind_word.is_empty() {
            0.0
        } else {
            LINE_HEIGHT - 2.0
        }
        + if badge.is_some() { BADGE_HEIGHT } else { 0.0 };
    let mut y = cy - text_height / 2.0 + LINE_HEIGHT - 3.0;
    for line in lines {
        svg.text(cx, y, line, r##"text-anchor="middle" fill="#1B2631""##);
        y += LINE_HEIGHT;
    }
    if !kind_word.is_empty() {
        svg.text(
            cx,
            y - 2.0,
            kind_word,
            r##"font-size="10" text-anchor="middle" fill="#4A5A6A""##,
        );
        y += LINE_HEIGHT - 2.0;
    }
    svg.raw("</g>");
    if let Some((h, minutes)) = badge {
        let marks: Vec<String> = hot.iter().map(|h| format!("H{}", h + 1)).collect();
        let text = format!("⚠ {} · {}", marks.join(","), minutes_label(minutes));
        svg.raw(&format!(r#"<g data-hotspot="H{}">"#, h + 1));
        svg.text(
            cx,
            y + 2.0,
            &text,
            &format!(r#"font-size="11" text-anchor="middle" fill="{HOTSPOT}" font-weight="bold""#),
        );
        svg.raw("</g>");
    }
}

fn legend(svg: &mut Svg, hotspots: &[RenderedHotspot], top: f64) {
    svg.text(
        16.0,
        top + 14.0,
        "Hotspots (minutes per patient entering the pathway)",
        r##"font-weight="bold" fill="#1B2631""##,
    );
    if hotspots.is_empty() {
        svg.text(16.0, top + 32.0, "none found", r##"fill="#4A5A6A""##);
        return;
    }
    for (i, h) in hotspots.iter().enumerate() {
        let y = top + 32.0 + 18.0 * i as f64;
        svg.rect(16.0, y - 10.0, 12.0, 12.0, &format!(r#"fill="{HOTSPOT}""#));
        svg.text(
            34.0,
            y,
            &format!(
                "H{} {} · {}",
                i + 1,
                shorten(&h.title, 90),
                minutes_label(h.minutes_per_patient)
            ),
            r##"fill="#1B2631""##,
        );
    }
}
