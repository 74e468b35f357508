//! The discovered process map of an event log: the directly-follows graph, edge thickness by
//! count, labels with the median wait, rare edges hidden below a threshold.

use super::{Svg, escape, minutes_label, n, shorten};
use crate::events::discovery::Discovery;
use std::collections::BTreeMap;

const BOX_W: f64 = 170.0;
const BOX_H: f64 = 40.0;
const COL: f64 = 250.0;
const ROW: f64 = 70.0;

/// The map as SVG, keeping edges taken at least `min_count` times. Activities are placed in
/// columns by their shortest distance (in kept edges) from a start activity. O(A + E log E).
pub fn log_map_svg(title: &str, d: &Discovery, min_count: u64) -> String {
    let edges: Vec<_> = d
        .edges
        .iter()
        .filter(|e| e.count >= min_count.max(1))
        .collect();
    let mut activities: BTreeMap<&str, Option<usize>> = BTreeMap::new();
    for a in &d.start_activities {
        activities.insert(a.activity.as_str(), Some(0));
    }
    for e in &edges {
        activities.entry(e.from.as_str()).or_insert(None);
        activities.entry(e.to.as_str()).or_insert(None);
    }
    // Breadth-first distance from the starts over kept edges.
    let mut frontier: Vec<&str> = d
        .start_activities
        .iter()
        .map(|a| a.activity.as_str())
        .collect();
    let mut depth = 0;
    while !frontier.is_empty() {
        depth += 1;
        let mut next = Vec::new();
        for e in &edges {
            if frontier.contains(&e.from.as_str())
                && activities.get(e.to.as_str()).is_some_and(|c| c.is_none())
            {
                activities.insert(e.to.as_str(), Some(depth));
                next.push(e.to.as_str());
            }
        }
        frontier = next;
    }
    let unreached = activities
        .values()
        .filter_map(|c| *c)
        .max()
        .map_or(0, |m| m + 1);
    let mut columns: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for (a, c) in &activities {
        columns.entry(c.unwrap_or(unreached)).or_default().push(a);
    }
    let mut place: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut max_rows = 1;
    for (c, names) in &columns {
        max_rows = max_rows.max(names.len());
        for (r, a) in names.iter().enumerate() {
            place.insert(a, (30.0 + *c as f64 * COL, 60.0 + r as f64 * ROW));
        }
    }
    let width = 60.0 + columns.len().max(1) as f64 * COL;
    let height = 100.0 + max_rows as f64 * ROW;
    let mut svg = Svg::new(width, height, title);
    svg.raw(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#0072B2"/></marker></defs>"##);
    svg.text(
        16.0,
        28.0,
        &format!("{title} (edges taken at least {min_count} times)"),
        r##"font-size="16" font-weight="bold" fill="#1B2631""##,
    );
    let top = edges.iter().map(|e| e.count).max().unwrap_or(1) as f64;
    for e in &edges {
        let (Some(&(ax, ay)), Some(&(bx, by))) =
            (place.get(e.from.as_str()), place.get(e.to.as_str()))
        else {
            continue;
        };
        let thickness = 1.0 + 7.0 * (e.count as f64).ln_1p() / top.ln_1p();
        let (x1, y1, x2, y2) = if bx > ax {
            (ax + BOX_W, ay + BOX_H / 2.0, bx, by + BOX_H / 2.0)
        } else {
            (ax + BOX_W / 2.0, ay + BOX_H, bx + BOX_W / 2.0, by + BOX_H)
        };
        let bend = if bx > ax { 0.0 } else { 40.0 };
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0 + bend);
        svg.raw(&format!(
            r##"<path d="M{},{} Q{},{} {},{}" fill="none" stroke="#0072B2" stroke-opacity="0.7" stroke-width="{}" marker-end="url(#arrow)"><title>{} → {}: {} times, median {}</title></path>"##,
            n(x1), n(y1), n(mx), n(my), n(x2), n(y2), n(thickness),
            escape(&e.from), escape(&e.to), e.count, minutes_label(e.median_seconds / 60.0)
        ));
        svg.text(
            mx,
            my - 3.0,
            &format!("{} · {}", e.count, minutes_label(e.median_seconds / 60.0)),
            r##"font-size="10" text-anchor="middle" fill="#1B2631""##,
        );
    }
    for (a, (x, y)) in &place {
        svg.rect(
            *x,
            *y,
            BOX_W,
            BOX_H,
            r##"fill="#FFFFFF" stroke="#3B4B5C" rx="6""##,
        );
        svg.text(
            x + BOX_W / 2.0,
            y + 24.0,
            &shorten(a, 24),
            r##"text-anchor="middle" fill="#1B2631""##,
        );
    }
    svg.finish()
}
