//! The layered layout of a pathway map: steps left to right in topological order of the pathway
//! with its loops condensed (each loop's steps in consecutive columns), one horizontal lane per
//! organisation, and steps sharing a lane and a column stacked. No two boxes can overlap: each
//! box has its own (lane, column, slot).

use crate::graph::Structure;
use crate::pathway::PathwayMap;

/// Box size and spacing, in SVG units.
pub const BOX_WIDTH: f64 = 150.0;
pub const BOX_HEIGHT: f64 = 46.0;
pub const COLUMN_GAP: f64 = 70.0;
pub const SLOT_GAP: f64 = 34.0;
pub const LANE_LABEL: f64 = 170.0;
pub const LANE_PADDING: f64 = 30.0;
pub const TOP: f64 = 50.0;

/// Where each step and lane is.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Organisation codes in lane order (first appearance among the steps).
    pub lanes: Vec<String>,
    /// Top and height of each lane.
    pub lane_spans: Vec<(f64, f64)>,
    /// Per step: lane, column, slot within its lane and column.
    pub cells: Vec<(usize, usize, usize)>,
    /// Per step: the top-left corner of its box.
    pub boxes: Vec<(f64, f64)>,
    pub columns: usize,
    pub width: f64,
    pub height: f64,
}

impl Layout {
    /// The centre of a step's box.
    pub fn centre(&self, step: usize) -> (f64, f64) {
        let (x, y) = self.boxes[step];
        (x + BOX_WIDTH / 2.0, y + BOX_HEIGHT / 2.0)
    }
}

/// Lays out the map: O(S + T) plus sorting the lanes' cells, O(S log S).
pub fn layout(map: &PathwayMap) -> Layout {
    let n = map.steps.len();
    let ends = map.ends();
    let structure = Structure::new(n, &ends);
    // Column of each component: after every component that leads into it.
    let comps = &structure.components;
    let mut comp_start = vec![0usize; comps.len()];
    for (c, members) in comps.iter().enumerate() {
        let end = comp_start[c] + members.len();
        for &s in members {
            for &e in &structure.outgoing[s] {
                let Some((_, t)) = ends[e] else { continue };
                let d = structure.component_of[t];
                if d != c {
                    comp_start[d] = comp_start[d].max(end);
                }
            }
        }
    }
    let mut column = vec![0usize; n];
    for (c, members) in comps.iter().enumerate() {
        for (i, &s) in members.iter().enumerate() {
            column[s] = comp_start[c] + i;
        }
    }
    let columns = column.iter().copied().max().map_or(0, |m| m + 1);

    let mut lanes: Vec<String> = Vec::new();
    let mut lane_of = vec![0usize; n];
    for (s, step) in map.steps.iter().enumerate() {
        let code = step.organisation.to_string();
        lane_of[s] = match lanes.iter().position(|l| *l == code) {
            Some(i) => i,
            None => {
                lanes.push(code);
                lanes.len() - 1
            }
        };
    }
    // Slots: the order of steps within a (lane, column) cell.
    let mut slot = vec![0usize; n];
    let mut slots_per_lane = vec![1usize; lanes.len()];
    let mut used: rustc_hash::FxHashMap<(usize, usize), usize> = rustc_hash::FxHashMap::default();
    for s in 0..n {
        let next = used.entry((lane_of[s], column[s])).or_insert(0);
        slot[s] = *next;
        *next += 1;
        slots_per_lane[lane_of[s]] = slots_per_lane[lane_of[s]].max(*next);
    }
    let mut lane_spans = Vec::with_capacity(lanes.len());
    let mut y = TOP;
    for &slots in &slots_per_lane {
        let height = 2.0 * LANE_PADDING + slots as f64 * BOX_HEIGHT + (slots - 1) as f64 * SLOT_GAP;
        lane_spans.push((y, height));
        y += height;
    }
    let boxes = (0..n)
        .map(|s| {
            let x = LANE_LABEL + 20.0 + column[s] as f64 * (BOX_WIDTH + COLUMN_GAP);
            let y =
                lane_spans[lane_of[s]].0 + LANE_PADDING + slot[s] as f64 * (BOX_HEIGHT + SLOT_GAP);
            (x, y)
        })
        .collect();
    Layout {
        lanes,
        lane_spans,
        cells: (0..n).map(|s| (lane_of[s], column[s], slot[s])).collect(),
        boxes,
        columns,
        width: LANE_LABEL + 40.0 + columns as f64 * (BOX_WIDTH + COLUMN_GAP),
        height: y + 20.0,
    }
}
