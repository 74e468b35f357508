//! The project report as one self-contained HTML page: styles inline, each measure's chart as
//! inline SVG, no script and nothing fetched, laid out to print on A4, with the team credited by
//! role. A manager can send it to a board as it is.

use super::{ProjectReport, words};
use crate::render::{escape, without_bidi_controls};
use std::fmt::Write;

/// Print and screen styles: NHS blue headings, tables that do not split a row across pages,
/// charts that shrink to the page.
const STYLE: &str = "@page{size:A4;margin:16mm}\
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;max-width:180mm;margin:0 auto;line-height:1.4}\
h1,h2,h3{color:#005eb8}h1{font-size:22pt;margin-bottom:4pt}h2{border-bottom:2px solid #005eb8;padding-bottom:2pt;margin-top:18pt}\
table{border-collapse:collapse;width:100%;font-size:10pt}th,td{border:1px solid #d8dde0;padding:3pt 5pt;text-align:left;vertical-align:top}\
th{background:#f0f4f5}tr,figure,section.cycle{break-inside:avoid}figure{margin:8pt 0}\
figure svg{max-width:100%;height:auto}figcaption{font-size:9pt;color:#4c6272}\
.muted{color:#4c6272}.result{background:#f0f4f5;border-left:4px solid #005eb8;padding:4pt 8pt;margin:4pt 0}\
ul.drivers{padding-left:14pt}";

/// Writes the report as HTML, every user-written text escaped and without bidirectional control
/// characters; charts are the engine's own SVG. O(size of the report).
pub fn html(r: &ProjectReport) -> String {
    let t = |s: &str| escape(&without_bidi_controls(s));
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        t(&r.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", t(&r.title));
    let _ = writeln!(out, "<p><strong>Aim:</strong> {}</p>", t(&r.aim));
    let _ = writeln!(
        out,
        "<p class=\"muted\">Owner: {} · Status: {}</p>",
        t(&r.owner),
        t(&words(&r.status))
    );
    team(&mut out, r, &t);
    measures(&mut out, r, &t);
    let _ = writeln!(out, "<h2>Driver diagram</h2>");
    if r.drivers.is_empty() {
        let _ = writeln!(out, "<p>No drivers yet.</p>");
    } else {
        // Nested lists from (depth, kind, text) in reading order: a child's list opens inside
        // its parent's item.
        out.push_str("<ul class=\"drivers\">");
        let mut previous: Option<usize> = None;
        for (depth, kind, text) in &r.drivers {
            match previous {
                Some(p) if *depth > p => {
                    out.push_str(&"<ul class=\"drivers\">".repeat(depth - p));
                }
                Some(p) => {
                    out.push_str("</li>");
                    out.push_str(&"</ul></li>".repeat(p - depth));
                }
                None => {}
            }
            let _ = write!(out, "<li><strong>{}:</strong> {}", t(&words(kind)), t(text));
            previous = Some(*depth);
        }
        if let Some(p) = previous {
            out.push_str("</li>");
            out.push_str(&"</ul></li>".repeat(p));
        }
        out.push_str("</ul>\n");
    }
    cycles(&mut out, r, &t);
    out.push_str("</body></html>\n");
    out
}

fn team(out: &mut String, r: &ProjectReport, t: &dyn Fn(&str) -> String) {
    let _ = writeln!(out, "<h2>Team</h2>");
    if r.team.is_empty() {
        let _ = writeln!(out, "<p>No team recorded.</p>");
        return;
    }
    let _ = writeln!(out, "<table><tr><th>Role</th><th>Who</th></tr>");
    // One row per role, in the order roles first appear.
    let mut roles: Vec<&str> = Vec::new();
    for (_, role) in &r.team {
        if !roles.contains(&role.as_str()) {
            roles.push(role);
        }
    }
    for role in roles {
        let names: Vec<String> = r
            .team
            .iter()
            .filter(|(_, r)| r == role)
            .map(|(name, _)| t(name))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            t(&words(role)),
            names.join(", ")
        );
    }
    let _ = writeln!(out, "</table>");
}

fn measures(out: &mut String, r: &ProjectReport, t: &dyn Fn(&str) -> String) {
    let _ = writeln!(out, "<h2>Measures</h2>");
    if r.measures.is_empty() {
        let _ = writeln!(out, "<p>No measures yet.</p>");
        return;
    }
    let _ = writeln!(
        out,
        "<table><tr><th>Measure</th><th>Kind</th><th>Latest</th><th>Target</th><th>Variation</th><th>Assurance</th></tr>"
    );
    for m in &r.measures {
        let latest = match (&m.latest, &m.shown_latest) {
            (Some((d, _)), Some(shown)) => format!("{shown} ({d})"),
            _ => "no data".to_string(),
        };
        let variation = super::variation_words(m);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t(&m.name),
            t(&words(&m.kind)),
            t(latest.trim()),
            t(m.shown_target.as_deref().unwrap_or("none")),
            t(&variation),
            t(&m.assurance
                .as_deref()
                .map_or("no target".to_string(), words)),
        );
    }
    let _ = writeln!(out, "</table>");
    let sentences = super::rebase_sentences(r);
    if !sentences.is_empty() {
        let _ = writeln!(out, "<ul>");
        for sentence in sentences {
            let _ = writeln!(out, "<li>{}</li>", t(&sentence));
        }
        let _ = writeln!(out, "</ul>");
    }
    for m in &r.measures {
        if let Some(svg) = &m.picture {
            let _ = writeln!(
                out,
                "<figure>{svg}<figcaption>{}: Making Data Count chart (PDSA cycles shaded).</figcaption></figure>",
                t(&m.name)
            );
        }
    }
}

fn cycles(out: &mut String, r: &ProjectReport, t: &dyn Fn(&str) -> String) {
    let _ = writeln!(out, "<h2>PDSA cycles</h2>");
    if r.cycles.is_empty() {
        let _ = writeln!(out, "<p>No cycles yet.</p>");
    }
    for (i, c) in r.cycles.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"cycle\"><h3>Cycle {}: {} ({})</h3>",
            i + 1,
            t(&c.change_idea),
            t(&words(&c.stage))
        );
        let _ = writeln!(
            out,
            "<p><strong>Objective:</strong> {}</p>",
            t(&c.objective)
        );
        for p in &c.predictions {
            let _ = writeln!(out, "<p><strong>Prediction:</strong> {}</p>", t(p));
        }
        for result in &c.results {
            let _ = writeln!(out, "<p class=\"result\">{}</p>", t(result));
        }
        if let Some(l) = &c.learning {
            let _ = writeln!(out, "<p><strong>Learning:</strong> {}</p>", t(l));
        }
        if let Some(d) = &c.decision {
            let _ = writeln!(
                out,
                "<p><strong>Decision:</strong> {} ({})</p>",
                t(&words(d)),
                t(c.rationale.as_deref().unwrap_or("no reason given"))
            );
        }
        let _ = writeln!(out, "</section>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_self_contained_escaped_and_credits_the_team_by_role() {
        let page = html(&super::super::sample());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("@page{size:A4"), "printable to A4");
        assert!(!page.contains("<script"));
        assert_eq!(
            page.matches("http").count(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
            "no address but the SVG namespace"
        );
        assert!(
            !page.contains("src=") && !page.contains("href="),
            "nothing fetched"
        );
        assert!(page.contains("<title>Faster &lt;hip&gt; surgery</title>"));
        assert!(
            page.contains("<tr><td>Lead</td><td>Dr A Patel, K Jones</td></tr>"),
            "{page}"
        );
        assert!(page.contains("<tr><td>Manager</td><td>J Smith</td></tr>"));
        assert!(page.contains("<figure><svg"), "charts inline");
        assert!(page.contains("<p class=\"result\">Hours to theatre: Prediction met"));
        // The diagram nests as stored: the change idea under its secondary driver.
        assert!(
            page.contains("<ul class=\"drivers\"><li><strong>Primary driver:</strong> Theatre flow<ul class=\"drivers\"><li><strong>Secondary driver:</strong> List planning<ul class=\"drivers\"><li><strong>Change idea:</strong> Shared list</li></ul></li><li><strong>Secondary driver:</strong> Fitness</li></ul></li></ul>"),
            "{page}"
        );
    }
}
