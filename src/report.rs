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

/// A comparison of two versions as plain text: what changed in the map, then each headline
/// figure before and after with the difference, then every hotspot of either version.
pub fn comparison_table(
    before_name: &str,
    after_name: &str,
    c: &engine::compare::Comparison,
) -> String {
    let mut out = String::new();
    let title = format!("{before_name} (before) against {after_name} (after)");
    let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()));
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let fields = |changes: &[engine::compare::FieldChange]| {
        changes
            .iter()
            .map(|f| format!("{} {} -> {}", f.field, f.before, f.after))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let ends = |t: &[engine::compare::TransitionRef]| {
        list(t.iter().map(|t| format!("{}->{}", t.from, t.to)).collect())
    };
    let m = &c.map;
    let _ = writeln!(out, "Steps added:         {}", list(m.steps_added.clone()));
    let _ = writeln!(
        out,
        "Steps removed:       {}",
        list(m.steps_removed.clone())
    );
    let _ = writeln!(out, "Transitions added:   {}", ends(&m.transitions_added));
    let _ = writeln!(out, "Transitions removed: {}", ends(&m.transitions_removed));
    for s in &m.steps_changed {
        let _ = writeln!(out, "Step {} changed: {}", s.key, fields(&s.changes));
    }
    for t in &m.transitions_changed {
        let _ = writeln!(
            out,
            "Transition {}->{} changed: {}",
            t.from,
            t.to,
            fields(&t.changes)
        );
    }
    let (b, a, d) = (&c.before, &c.after, &c.differences);
    let _ = writeln!(
        out,
        "\n{:<34} {:>12} {:>12} {:>12}",
        "Per patient", "before", "after", "difference"
    );
    for (name, before, after, difference) in [
        (
            "Expected lead time (minutes)",
            b.expected_lead_time_minutes,
            a.expected_lead_time_minutes,
            d.expected_lead_time_minutes,
        ),
        (
            "Value-added time (minutes)",
            b.value_added_minutes,
            a.value_added_minutes,
            d.value_added_minutes,
        ),
        (
            "Flow efficiency (%)",
            b.flow_efficiency * 100.0,
            a.flow_efficiency * 100.0,
            d.flow_efficiency * 100.0,
        ),
        (
            "Hand-offs",
            b.expected_handoffs,
            a.expected_handoffs,
            d.expected_handoffs,
        ),
        (
            "Hand-offs between organisations",
            b.expected_cross_organisation_handoffs,
            a.expected_cross_organisation_handoffs,
            d.expected_cross_organisation_handoffs,
        ),
        (
            "Rework (minutes)",
            b.rework_minutes,
            a.rework_minutes,
            d.rework_minutes,
        ),
    ] {
        let _ = writeln!(
            out,
            "{name:<34} {before:>12.2} {after:>12.2} {difference:>+12.2}"
        );
    }
    let _ = writeln!(out, "\nHotspots that moved (minutes per patient)");
    let unchanged = d
        .hotspots
        .iter()
        .filter(|h| h.change == engine::whatif::HotspotChange::Unchanged)
        .count();
    for h in d
        .hotspots
        .iter()
        .filter(|h| h.change != engine::whatif::HotspotChange::Unchanged)
    {
        let minutes = |m: Option<f64>| m.map_or("-".to_string(), |m| format!("{m:.1}"));
        let _ = writeln!(
            out,
            "  {:<11} {} ({} -> {})",
            format!("{:?}", h.change).to_uppercase(),
            h.title,
            minutes(h.minutes_before),
            minutes(h.minutes_after)
        );
    }
    let _ = writeln!(
        out,
        "  and {unchanged} unchanged (all are listed with --format json)"
    );
    out
}
