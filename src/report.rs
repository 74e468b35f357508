//! The readable report of `qiflow analyse`.

use engine::Analysis;
use engine::analysis::hotspots::{duration, percent};
use std::fmt::Write;

/// Headline figures, the most probable route and the top `top` hotspots as plain text.
pub fn analysis_table(name: &str, analysis: &Analysis, top: usize) -> String {
    let mut out = String::new();
    let a = analysis;
    let _ = writeln!(out, "{name}");
    let _ = writeln!(out, "{}", "=".repeat(name.chars().count()));
    let rows = [
        (
            "Expected lead time",
            format!(
                "{} ({:.0} min) per patient",
                duration(a.expected_lead_time_minutes),
                a.expected_lead_time_minutes
            ),
        ),
        (
            "Value-added time",
            format!("{} per patient", duration(a.value_added_minutes)),
        ),
        ("Flow efficiency", percent(a.flow_efficiency)),
        (
            "Hand-offs",
            format!(
                "{:.2} per patient ({:.2} between organisations)",
                a.expected_handoffs, a.expected_cross_organisation_handoffs
            ),
        ),
        (
            "Rework",
            format!("{} per patient", duration(a.rework_minutes)),
        ),
        (
            "Rolled %C&A",
            a.rolled_percent_complete_accurate
                .map_or("not recorded".to_string(), percent),
        ),
        (
            "Demand",
            a.demand_per_day.map_or("not recorded".to_string(), |d| {
                format!("{d} patients a day")
            }),
        ),
        (
            "Most probable route",
            format!(
                "{} (p = {:.2}, {})",
                a.most_probable_route
                    .step_keys
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(" > "),
                a.most_probable_route.probability,
                duration(a.most_probable_route.minutes)
            ),
        ),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "{label:<22}{value}");
    }
    let _ = writeln!(
        out,
        "\nHotspots, largest first ({} in all; minutes per patient)",
        a.hotspots.len()
    );
    let _ = writeln!(
        out,
        "{:>3}  {:<12}{:>11}{:>8}  title",
        "#", "kind", "min", "share"
    );
    for (i, h) in a.hotspots.iter().take(top).enumerate() {
        let h = a.render(h);
        let kind = h.kind.as_str();
        let _ = writeln!(
            out,
            "{:>3}  {:<12}{:>11.1}{:>8}  {}",
            i + 1,
            kind,
            h.minutes_per_patient,
            percent(h.share_of_lead_time),
            h.title
        );
        let _ = writeln!(out, "     {}", h.explanation);
        if let Some(change) = &h.suggested_change {
            let _ = writeln!(out, "     Try: {}", change.description);
        }
    }
    if a.hotspots.len() > top {
        let _ = writeln!(
            out,
            "({} more: use --top or --format json)",
            a.hotspots.len() - top
        );
    }
    out
}
