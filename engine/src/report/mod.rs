//! The project report: what a board paper needs, written from the project's data so nobody
//! re-types charts. Markdown here; self-contained HTML (charts inline, printable to A4) in
//! [`html`].

pub mod html;

use crate::pdsa::Expectation;
use crate::spc::view::ChartView;
use std::fmt::Write;

/// One measure's line of the summary ("icon table").
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureLine {
    pub name: String,
    pub kind: String,
    pub unit: String,
    pub latest: Option<(String, f64)>,
    /// The latest value and the target as people read them ([`crate::measure::Measure::shown`]):
    /// proportions as percentages.
    pub shown_latest: Option<String>,
    pub shown_target: Option<String>,
    /// The variation icon, e.g. `SPECIAL_CAUSE_IMPROVEMENT`.
    pub variation: Option<String>,
    /// The assurance icon, e.g. `INCONSISTENT`.
    pub assurance: Option<String>,
    pub target: Option<f64>,
    /// Why its chart cannot be drawn (points a P chart cannot take, say): the report says so
    /// rather than leave the measure out or call it "not enough data".
    pub chart_problem: Option<String>,
    /// Its chart as SVG, for the HTML report; `None` without points or when it cannot be drawn.
    pub picture: Option<String>,
    /// For a RUN measure, what its run chart's rules found, in words (it has no SPC icons).
    pub run_signals: Option<String>,
    /// Where its chart starts a new baseline, and why: (date, reason), in date order.
    pub rebases: Vec<(String, String)>,
}

/// One PDSA cycle as the report tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleLine {
    pub change_idea: String,
    pub objective: String,
    pub stage: String,
    pub predictions: Vec<String>,
    pub results: Vec<String>,
    pub learning: Option<String>,
    pub decision: Option<String>,
    pub rationale: Option<String>,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectReport {
    pub title: String,
    pub aim: String,
    pub owner: String,
    pub status: String,
    /// Everyone who contributed, with their role.
    pub team: Vec<(String, String)>,
    pub measures: Vec<MeasureLine>,
    /// The driver diagram as (depth, kind, text), depth 0 for primary drivers.
    pub drivers: Vec<(usize, String, String)>,
    pub cycles: Vec<CycleLine>,
}

/// A prediction as the report words it: "Hours to theatre reaches 36" or "Falls moves
/// decrease". O(name).
pub fn prediction_line(measure_name: &str, expectation: Expectation) -> String {
    match expectation {
        Expectation::Value { value } => format!("{measure_name} reaches {value}"),
        Expectation::Direction { direction } => {
            format!("{measure_name} moves {direction:?}").to_lowercase()
        }
    }
}

/// A driver diagram in reading order: each node followed by its children (in the order given),
/// as (index into `nodes`, depth). `nodes` are (id, parent); a node whose parent is missing is
/// read as a top-level one; a loop (which the store never writes) is cut where it closes.
/// O(nodes).
pub fn driver_outline<K: Eq + Copy + std::hash::Hash>(
    nodes: &[(K, Option<K>)],
) -> Vec<(usize, usize)> {
    let ids: std::collections::HashSet<K> = nodes.iter().map(|(id, _)| *id).collect();
    let mut children: std::collections::HashMap<K, Vec<usize>> = Default::default();
    let mut roots = Vec::new();
    for (i, (_, parent)) in nodes.iter().enumerate() {
        match parent.filter(|p| ids.contains(p)) {
            Some(p) => children.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut seen = vec![false; nodes.len()];
    // Nodes only a loop leads to are read from where the loop is entered, so none is lost.
    for root in roots.into_iter().chain(0..nodes.len()) {
        let mut walk = vec![(root, 0)];
        while let Some((i, depth)) = walk.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            out.push((i, depth));
            if let Some(kids) = children.get(&nodes[i].0) {
                walk.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            }
        }
    }
    out
}

/// The icon table's variation and assurance of a chart, in the words the API uses
/// (`SPECIAL_CAUSE_IMPROVEMENT`, `CONSISTENT_PASS`). O(1).
pub fn icons(chart: &ChartView) -> (Option<String>, Option<String>) {
    (
        chart.variation.map(|v| v.reference_name().to_uppercase()),
        chart.assurance.map(|a| a.reference_name().to_uppercase()),
    )
}

/// The report's variation column: why the chart cannot be drawn, a run chart's signals, the
/// variation icon, or "not enough data".
pub(crate) fn variation_words(m: &MeasureLine) -> String {
    match (&m.chart_problem, &m.run_signals, &m.variation) {
        (Some(why), _, _) => format!("could not draw: {why}"),
        (None, Some(run), _) => run.clone(),
        (None, None, Some(v)) => words(v),
        (None, None, None) => "not enough data".to_string(),
    }
}

/// Each new baseline of the report's measures in a sentence, so a board sees why the limits
/// moved: "Hours to theatre: new baseline from 2025-03-31 (trauma list adopted)". O(rebases).
pub(crate) fn rebase_sentences(r: &ProjectReport) -> Vec<String> {
    r.measures
        .iter()
        .flat_map(|m| {
            m.rebases
                .iter()
                .map(move |(date, why)| format!("{}: new baseline from {date} ({why})", m.name))
        })
        .collect()
}

/// An API code in words: `SPECIAL_CAUSE_IMPROVEMENT` → "Special cause improvement".
pub(crate) fn words(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn the_outline_puts_each_node_under_its_own_parent() {
        // Issue 15: added kind by kind (both secondaries, then both change ideas), the report
        // nested both ideas under the last secondary driver.
        let nodes = [
            ("P", None),
            ("S1", Some("P")),
            ("S2", Some("P")),
            ("C1", Some("S1")),
            ("C2", Some("S2")),
            ("orphan", Some("gone")),
        ];
        let outline: Vec<(&str, usize)> = driver_outline(&nodes)
            .into_iter()
            .map(|(i, depth)| (nodes[i].0, depth))
            .collect();
        assert_eq!(
            outline,
            [
                ("P", 0),
                ("S1", 1),
                ("C1", 2),
                ("S2", 1),
                ("C2", 2),
                ("orphan", 0)
            ]
        );
        // A loop is cut where it closes: every node once.
        let looped = [(1, Some(2)), (2, Some(1)), (3, None)];
        assert_eq!(driver_outline(&looped), [(2, 0), (0, 0), (1, 1)]);
    }

    #[test]
    fn predictions_are_worded() {
        assert_eq!(
            prediction_line("Falls", Expectation::Value { value: 3.0 }),
            "Falls reaches 3"
        );
    }
}

/// Writes the report as Markdown, without bidirectional control characters (which could make
/// it read differently from what is stored). O(size of the report).
pub fn markdown(r: &ProjectReport) -> String {
    crate::render::without_bidi_controls(&markdown_text(r))
}

fn markdown_text(r: &ProjectReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", r.title);
    let _ = writeln!(out, "**Aim:** {}\n", r.aim);
    let _ = writeln!(out, "Owner: {} · Status: {}\n", r.owner, words(&r.status));
    let _ = writeln!(out, "## Measures\n");
    if r.measures.is_empty() {
        let _ = writeln!(out, "No measures yet.\n");
    } else {
        let _ = writeln!(
            out,
            "| Measure | Kind | Latest | Target | Variation | Assurance |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
        for m in &r.measures {
            let latest = match (&m.latest, &m.shown_latest) {
                (Some((d, _)), Some(shown)) => format!("{shown} ({d})"),
                _ => "no data".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                m.name,
                words(&m.kind),
                latest.trim(),
                m.shown_target.clone().unwrap_or_else(|| "none".to_string()),
                variation_words(m),
                m.assurance
                    .as_deref()
                    .map_or("no target".to_string(), words),
            );
        }
        let _ = writeln!(out);
        for sentence in rebase_sentences(r) {
            let _ = writeln!(out, "- {sentence}");
        }
        if r.measures.iter().any(|m| !m.rebases.is_empty()) {
            let _ = writeln!(out);
        }
    }
    let _ = writeln!(out, "## Driver diagram\n");
    if r.drivers.is_empty() {
        let _ = writeln!(out, "No drivers yet.\n");
    } else {
        for (depth, kind, text) in &r.drivers {
            let _ = writeln!(out, "{}- {}: {}", "  ".repeat(*depth), words(kind), text);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## PDSA cycles\n");
    if r.cycles.is_empty() {
        let _ = writeln!(out, "No cycles yet.\n");
    }
    for (i, c) in r.cycles.iter().enumerate() {
        let _ = writeln!(
            out,
            "### Cycle {}: {} ({})\n",
            i + 1,
            c.change_idea,
            words(&c.stage)
        );
        let _ = writeln!(out, "- Objective: {}", c.objective);
        for p in &c.predictions {
            let _ = writeln!(out, "- Prediction: {p}");
        }
        for result in &c.results {
            let _ = writeln!(out, "- Result: {result}");
        }
        if let Some(l) = &c.learning {
            let _ = writeln!(out, "- Learning: {l}");
        }
        if let Some(d) = &c.decision {
            let _ = writeln!(
                out,
                "- Decision: {} ({})",
                words(d),
                c.rationale.as_deref().unwrap_or("no reason given")
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Team\n");
    for (name, role) in &r.team {
        let _ = writeln!(out, "- {name}, {}", words(role).to_lowercase());
    }
    out
}

/// A report with every part filled, for the renderers' tests.
#[cfg(test)]
pub(crate) fn sample() -> ProjectReport {
    ProjectReport {
        title: "Faster <hip> surgery".into(),
        aim: "Surgery within 36 hours for 90% by March".into(),
        owner: "North Hospital (RX8)".into(),
        status: "ACTIVE".into(),
        team: vec![
            ("Dr A Patel".into(), "LEAD".into()),
            ("J Smith".into(), "MANAGER".into()),
            ("K Jones".into(), "LEAD".into()),
        ],
        measures: vec![MeasureLine {
            name: "Hours to theatre".into(),
            kind: "OUTCOME".into(),
            unit: "hours".into(),
            latest: Some(("2025-12-29".into(), 31.5)),
            shown_latest: Some("31.5 hours".into()),
            shown_target: Some("36 hours".into()),
            variation: Some("SPECIAL_CAUSE_IMPROVEMENT".into()),
            assurance: Some("INCONSISTENT".into()),
            target: Some(36.0),
            chart_problem: None,
            run_signals: None,
            picture: Some("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".into()),
            rebases: vec![("2025-06-02".into(), "trauma list adopted".into())],
        }],
        drivers: vec![
            (0, "PRIMARY_DRIVER".into(), "Theatre flow".into()),
            (1, "SECONDARY_DRIVER".into(), "List planning".into()),
            (2, "CHANGE_IDEA".into(), "Shared list".into()),
            (1, "SECONDARY_DRIVER".into(), "Fitness".into()),
        ],
        cycles: vec![CycleLine {
            change_idea: "Shared list".into(),
            objective: "Test".into(),
            stage: "CLOSED".into(),
            predictions: vec!["Hours to theatre moves decrease".into()],
            results: vec!["Hours to theatre: Prediction met: a fall was predicted".into()],
            learning: Some("It helps".into()),
            decision: Some("ADOPT".into()),
            rationale: Some("Sustained".into()),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_team_and_the_icons() {
        let report = sample();
        let md = markdown(&report);
        assert!(md.contains("| Hours to theatre | Outcome | 31.5 hours (2025-12-29) | 36 hours | Special cause improvement | Inconsistent |"), "{md}");
        let mut broken = report.clone();
        broken.measures[0].variation = None;
        broken.measures[0].assurance = None;
        broken.measures[0].chart_problem = Some(
            "points[0].numerator: 2025-01-06: a P chart needs a numerator and a denominator".into(),
        );
        let md = markdown(&broken);
        assert!(md.contains("| could not draw: points[0].numerator: 2025-01-06: a P chart needs a numerator and a denominator |"), "{md}");
        assert!(md.contains("- J Smith, manager"), "{md}");
        assert!(md.contains("  - Change idea: Shared list"), "{md}");
        assert!(md.contains("- Decision: Adopt (Sustained)"), "{md}");
        assert!(
            md.contains("- Hours to theatre: new baseline from 2025-06-02 (trauma list adopted)"),
            "{md}"
        );
        let page = html::html(&report);
        assert!(
            page.contains(
                "<li>Hours to theatre: new baseline from 2025-06-02 (trauma list adopted)</li>"
            ),
            "{page}"
        );
    }
}
