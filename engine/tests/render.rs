//! Pictures: snapshots pin the SVG of the demo pathway and of SPC charts (XmR with a shift and a
//! rebase, P chart); invariants hold on generated pathways of up to 60 steps; user text is
//! escaped everywhere.

use chrono::NaiveDate;
use engine::render::layout::{BOX_HEIGHT, BOX_WIDTH, layout};
use engine::render::pathway_map::{LaneLabel, pathway_svg};
use engine::render::spc_chart::{Window, chart_svg};
use engine::render::text::{dot, mermaid};
use engine::spc::attribute::{AttributeKind, attribute_chart};
use engine::spc::view::{attribute_view, xmr_view};
use engine::spc::{Direction, XmrOptions, xmr};
use engine::testing::{Shape, generated_pathway};
use engine::{PathwayDocument, analyse};

fn demo() -> engine::ParsedDocument {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../api/src/demo/hip_fracture.json"
    ))
    .unwrap();
    PathwayDocument::from_json(serde_json::from_str(&text).unwrap())
        .unwrap()
        .parse()
        .unwrap()
}

fn lanes(doc: &engine::ParsedDocument) -> Vec<LaneLabel> {
    doc.organisations
        .iter()
        .map(|o| LaneLabel {
            ods_code: o.ods_code.to_string(),
            name: o.name.clone(),
            kind: o.kind.as_str().to_string(),
        })
        .collect()
}

#[test]
fn the_demo_pathway_map() {
    let doc = demo();
    let analysis = analyse(&doc.map, doc.header.demand_per_day.map(|d| d.get())).unwrap();
    let hotspots: Vec<_> = analysis.rendered_hotspots().into_iter().take(5).collect();
    let svg = pathway_svg(&doc.header.name, &doc.map, &lanes(&doc), &hotspots);
    assert!(
        svg.contains("data-hotspot=\"H1\""),
        "the top hotspot is marked"
    );
    insta::assert_snapshot!("demo_pathway_map", svg);
}

#[test]
fn the_demo_pathway_as_mermaid_and_dot() {
    let doc = demo();
    insta::assert_snapshot!("demo_pathway_mermaid", mermaid(&doc.map));
    insta::assert_snapshot!("demo_pathway_dot", dot(&doc.map));
}

fn weeks(n: usize) -> Vec<NaiveDate> {
    (0..n)
        .map(|i| NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Duration::weeks(i as i64))
        .collect()
}

#[test]
fn an_xmr_chart_with_a_shift_a_rebase_a_target_and_a_cycle() {
    let values: Vec<f64> = (0..40)
        .map(|i| (if i < 22 { 41.0 } else { 33.0 }) + ((i as f64) * 1.7).sin() * 2.0)
        .collect();
    let mut options = XmrOptions::plot_the_dots(Direction::Decrease);
    options.target = Some(36.0);
    let chart = xmr(&values, &options).unwrap();
    let view = xmr_view(&weeks(40), &chart, &options);
    let windows = [Window {
        label: "PDSA 1: trauma list".into(),
        start: weeks(40)[22],
        end: weeks(40)[27],
    }];
    insta::assert_snapshot!(
        "xmr_shift",
        chart_svg("Hours to theatre", "hours", &view, Some(36.0), &windows)
    );
    options.rebase_at = vec![22];
    let rebased = xmr(&values, &options).unwrap();
    let view = xmr_view(&weeks(40), &rebased, &options);
    insta::assert_snapshot!(
        "xmr_rebased",
        chart_svg(
            "Hours to theatre (rebased)",
            "hours",
            &view,
            Some(36.0),
            &[]
        )
    );
}

#[test]
fn a_p_chart() {
    let numerators: Vec<f64> = (0..24).map(|i| 40.0 + ((i * 7) % 11) as f64).collect();
    let denominators: Vec<f64> = (0..24).map(|i| 100.0 + ((i * 13) % 17) as f64).collect();
    let options = XmrOptions::plot_the_dots(Direction::Increase);
    let chart = attribute_chart(AttributeKind::P, &numerators, &denominators, &options).unwrap();
    let view = attribute_view(&weeks(24), &chart, &options);
    insta::assert_snapshot!(
        "p_chart",
        chart_svg("Share seen within 4 hours", "proportion", &view, None, &[])
    );
}

#[test]
fn no_two_step_boxes_overlap_on_generated_pathways_up_to_60_steps() {
    for steps in [2, 5, 12, 30, 45, 60] {
        for seed in 0..25 {
            let map = generated_pathway(
                Shape {
                    loop_share: 0.15,
                    ..Shape::benchmark(steps)
                },
                seed,
            );
            let l = layout(&map);
            for a in 0..map.steps.len() {
                for b in a + 1..map.steps.len() {
                    let (ax, ay) = l.boxes[a];
                    let (bx, by) = l.boxes[b];
                    let apart = ax + BOX_WIDTH <= bx
                        || bx + BOX_WIDTH <= ax
                        || ay + BOX_HEIGHT <= by
                        || by + BOX_HEIGHT <= ay;
                    assert!(
                        apart,
                        "{steps} steps, seed {seed}: boxes {a} and {b} overlap"
                    );
                }
                // Every box lies in its organisation's lane and inside the picture.
                let (lane, _, _) = l.cells[a];
                let (top, height) = l.lane_spans[lane];
                assert!(l.boxes[a].1 >= top && l.boxes[a].1 + BOX_HEIGHT <= top + height);
                assert!(l.boxes[a].0 + BOX_WIDTH <= l.width);
            }
            // Two steps joined by a transition never share a column (self-loops aside), and
            // the start comes first.
            for (a, b) in map.ends().into_iter().flatten().filter(|(a, b)| a != b) {
                let (_, ca, _) = l.cells[a];
                let (_, cb, _) = l.cells[b];
                assert!(ca != cb, "{steps}/{seed}: a transition within one column");
            }
            assert_eq!(l.cells[0].1, 0, "the START step is in the first column");
            assert!(l.lanes.len() <= 8);
        }
    }
}

#[test]
fn user_text_is_escaped_in_every_picture_and_export() {
    let mut doc = demo();
    doc.map.steps[1].name = "<script>alert(1)</script>".into();
    let hostile = "\"><script>alert(2)</script>";
    let svg = pathway_svg(hostile, &doc.map, &[], &[]);
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(svg.contains("&lt;script&gt;alert(1)"));
    let mermaid = mermaid(&doc.map);
    assert!(!mermaid.contains("\"<script"));
    let dot = dot(&doc.map);
    assert!(
        dot.contains("<script>alert(1)</script>"),
        "DOT keeps the text, quoted"
    );
    let values = [1.0, 2.0, 3.0];
    let options = XmrOptions::plot_the_dots(Direction::Neutral);
    let view = xmr_view(&weeks(3), &xmr(&values, &options).unwrap(), &options);
    let chart = chart_svg(
        hostile,
        "<b>",
        &view,
        None,
        &[Window {
            label: hostile.into(),
            start: weeks(3)[0],
            end: weeks(3)[1],
        }],
    );
    assert!(
        !chart.contains("<script>") && !chart.contains("<b>"),
        "{chart}"
    );
}
