//! Text exports of a pathway for pasting into documents: Mermaid and Graphviz DOT, one
//! cluster per organisation.

use crate::pathway::PathwayMap;
use std::fmt::Write as _;

fn node_id(i: usize) -> String {
    format!("s{i}")
}

fn transition_label(map: &PathwayMap, t: usize, branches: bool) -> String {
    let tr = &map.transitions[t];
    let wait = super::minutes_label(tr.wait_minutes.get());
    match tr.probability {
        Some(p) if branches => format!("{:.0}% · {wait}", p.get() * 100.0),
        _ => wait,
    }
}

fn organisations(map: &PathwayMap) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in &map.steps {
        let code = s.organisation.to_string();
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

/// Mermaid `flowchart LR`. Labels are quoted, with `#`, `"`, `<` and `>` as Mermaid entity
/// codes. O(S + T).
pub fn mermaid(map: &PathwayMap) -> String {
    // Mermaid entity codes: no quote ends a label and no tag reaches an HTML label.
    let quote = |s: &str| {
        super::without_bidi_controls(s)
            .replace('#', "#35;")
            .replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
            .replace(['\n', '\r'], " ")
    };
    let ends = map.ends();
    let mut out = String::from("flowchart LR\n");
    for org in organisations(map) {
        let _ = writeln!(out, "  subgraph {org}[\"{}\"]", quote(&org));
        for (i, s) in map
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.organisation.as_str() == org)
        {
            let label = quote(&s.name);
            let shape = match s.kind {
                crate::values::StepKind::Start | crate::values::StepKind::End => {
                    format!("([\"{label}\"])")
                }
                crate::values::StepKind::Decision => format!("{{\"{label}\"}}"),
                crate::values::StepKind::Activity => format!("[\"{label}\"]"),
            };
            let _ = writeln!(out, "    {}{shape}", node_id(i));
        }
        out.push_str("  end\n");
    }
    for (t, e) in ends.iter().enumerate() {
        let Some((a, b)) = e else { continue };
        let branches = ends
            .iter()
            .filter(|x| x.is_some_and(|(f, _)| f == *a))
            .count()
            > 1;
        let _ = writeln!(
            out,
            "  {} -->|\"{}\"| {}",
            node_id(*a),
            quote(&transition_label(map, t, branches)),
            node_id(*b)
        );
    }
    out
}

/// Graphviz DOT with one cluster per organisation. Labels are escaped for DOT. O(S + T).
pub fn dot(map: &PathwayMap) -> String {
    let quote = |s: &str| {
        super::without_bidi_controls(s)
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace(['\n', '\r'], " ")
    };
    let ends = map.ends();
    let mut out = String::from(
        "digraph pathway {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Arial\"];\n",
    );
    for (k, org) in organisations(map).iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_{k} {{\n    label=\"{}\";",
            quote(org)
        );
        for (i, s) in map
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.organisation.as_str() == org)
        {
            let shape = match s.kind {
                crate::values::StepKind::Decision => ", shape=diamond",
                crate::values::StepKind::Start | crate::values::StepKind::End => ", shape=oval",
                crate::values::StepKind::Activity => "",
            };
            let _ = writeln!(
                out,
                "    {} [label=\"{}\"{shape}];",
                node_id(i),
                quote(&s.name)
            );
        }
        out.push_str("  }\n");
    }
    for (t, e) in ends.iter().enumerate() {
        let Some((a, b)) = e else { continue };
        let branches = ends
            .iter()
            .filter(|x| x.is_some_and(|(f, _)| f == *a))
            .count()
            > 1;
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\"];",
            node_id(*a),
            node_id(*b),
            quote(&transition_label(map, t, branches))
        );
    }
    out.push_str("}\n");
    out
}
