//! The layered layout of a pathway map (Sugiyama-style, with swimlanes): steps left to right in
//! topological order of the pathway with its loops condensed (each loop's steps in consecutive
//! columns), one horizontal lane per organisation, steps sharing a lane and a column stacked and
//! ordered to cut crossings (barycentre sweeps), and every arrow routed orthogonally through the
//! gaps between boxes, so it can never pass behind a box that is not one of its ends. Each arrow's
//! label sits in a horizontal gap, in a row of its own when it would touch another, so no label
//! hides behind a box, an arrowhead or another label.
//!
//! Written here rather than taken from a crate: the layout crates on crates.io (layout-rs,
//! rust-sugiyama) place nodes but neither keeps organisations in lanes nor routes edges around
//! boxes, which are the two things this picture needs.

use crate::graph::Structure;
use crate::pathway::PathwayMap;

/// Box width, in SVG units (heights grow with the wrapped name).
pub const BOX_WIDTH: f64 = 150.0;
/// The shortest a box is.
pub const MIN_BOX_HEIGHT: f64 = 46.0;
/// One line of a step's name.
pub const LINE_HEIGHT: f64 = 14.0;
/// Characters a line of a step's name holds before it wraps.
pub const WRAP: usize = 20;
/// Most lines of a name shown (a longer name ends with "…").
pub const MAX_LINES: usize = 8;
/// The width of the lane names on the left.
pub const LANE_LABEL: f64 = 170.0;
/// Where the first lane starts (below the title).
pub const TOP: f64 = 50.0;
/// The height of an arrow's label.
pub const LABEL_HEIGHT: f64 = 15.0;
/// The height of the hotspot badge line inside a box.
pub const BADGE_HEIGHT: f64 = 18.0;
/// Space between parallel lines sharing a gap.
const TRACK: f64 = 8.0;
/// Space between a gap's edge and its first line or label.
const PAD: f64 = 12.0;
const MIN_COLUMN_GAP: f64 = 56.0;
const MIN_ROW_GAP: f64 = 28.0;
const LABEL_GAP: f64 = 6.0;

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
    /// Whether the two share any area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// How one transition is drawn: a polyline of horizontal and vertical segments from the right
/// side of its first step to the left side of its second, and where its label goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub points: Vec<(f64, f64)>,
    pub label: Rect,
    /// A transition back to an earlier column or the same one (rework), drawn dashed.
    pub back: bool,
}

/// Where each step, lane and arrow is.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Organisation codes in lane order (first appearance among the steps).
    pub lanes: Vec<String>,
    /// Top and height of each lane.
    pub lane_spans: Vec<(f64, f64)>,
    /// Per step: lane, column, slot within its lane and column.
    pub cells: Vec<(usize, usize, usize)>,
    /// Per step: its box.
    pub boxes: Vec<Rect>,
    /// Per step: its name, wrapped to the box.
    pub lines: Vec<Vec<String>>,
    /// Per transition: how it is drawn (None when an end is unknown).
    pub routes: Vec<Option<Route>>,
    pub columns: usize,
    pub width: f64,
    pub height: f64,
}

/// What the picture adds to a step and a transition: whether the step carries a hotspot badge
/// (a line more in its box), and each transition's label text.
#[derive(Debug, Clone, Default)]
pub struct Marks<'a> {
    pub badged: &'a [bool],
    pub labels: &'a [String],
}

/// `name` in lines of at most `WRAP` characters, broken between words where it can, at most
/// `MAX_LINES` lines. O(length).
pub fn wrap(name: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in name.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        // A word longer than a line is cut into line-long pieces.
        while word.len() > WRAP {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..WRAP).collect());
        }
        let word: String = word.into_iter().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > WRAP {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        let last = &mut lines[MAX_LINES - 1];
        let kept: String = last.chars().take(WRAP - 1).collect();
        *last = format!("{kept}…");
    }
    lines
}

/// The width a label of `text` takes.
pub fn label_width(text: &str) -> f64 {
    7.0 * text.chars().count() as f64 + 8.0
}

/// The height of a step's box: its name's lines, its kind's word, its badge.
fn box_height(lines: usize, kind_word: bool, badged: bool) -> f64 {
    let inner = lines as f64 * LINE_HEIGHT
        + if kind_word { LINE_HEIGHT - 2.0 } else { 0.0 }
        + if badged { BADGE_HEIGHT } else { 0.0 };
    (inner + 18.0).max(MIN_BOX_HEIGHT)
}

/// How a transition travels, decided before any coordinate is known.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// Along its row, with nothing between its ends.
    Straight,
    /// Down or up the gap between two neighbouring columns (track in that gap).
    Elbow { gap: usize, track: usize },
    /// Out into the gap right of its first step, along a horizontal gap, into the gap left of
    /// its second step.
    Around {
        out: (usize, usize),
        across: (usize, usize),
        into: (usize, usize),
    },
}

/// Which way a run's end leaves it: towards lower positions across the gap (left in a vertical
/// gap, up in a horizontal one) or higher ones.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    Before,
    After,
}

/// A transition's run along a gap: from one position to another along it, each end joining a
/// segment that leaves across the gap on one side.
#[derive(Debug, Clone, Copy)]
struct Run {
    transition: usize,
    ends: [(i64, Side); 2],
}

impl Run {
    fn new(transition: usize, ends: [(i64, Side); 2]) -> Self {
        Self { transition, ends }
    }

    fn span(&self) -> (i64, i64) {
        let (a, b) = (self.ends[0].0, self.ends[1].0);
        (a.min(b), a.max(b))
    }

    /// Crossings if `self` takes the track before `other`: an end of `self` leaving towards
    /// `other` crosses it where `other`'s run passes that position, and an end of `other`
    /// leaving towards `self` likewise (meeting at an end is not crossing).
    fn cost_before(&self, other: &Run) -> usize {
        let inside = |span: (i64, i64), at: i64| span.0 < at && at < span.1;
        let mine = self
            .ends
            .iter()
            .filter(|&&(at, side)| side == Side::After && inside(other.span(), at))
            .count();
        let theirs = other
            .ends
            .iter()
            .filter(|&&(at, side)| side == Side::Before && inside(self.span(), at))
            .count();
        mine + theirs
    }
}

/// Orders the runs of one gap across it: neighbours swap while the swap crosses less, which
/// lowers the total of pairwise crossings each time, so it ends. O(k³) at worst for k runs.
fn order_runs(runs: &mut [Run]) {
    runs.sort_by_key(|r| (r.span(), r.transition));
    for _ in 0..runs.len() {
        let mut swapped = false;
        for i in 1..runs.len() {
            if runs[i].cost_before(&runs[i - 1]) < runs[i - 1].cost_before(&runs[i]) {
                runs.swap(i - 1, i);
                swapped = true;
            }
        }
        if !swapped {
            break;
        }
    }
}

/// At most this many layouts are tried for the detours' gaps, whatever the map: a bound on the
/// time a picture takes (about 30 ms here for a 12-step map that uses them all).
const SEARCH_TRIES: usize = 400;

/// How many horizontal gaps a detour may take (see `gaps_for`).
const GAP_CHOICES: u8 = 6;

/// The horizontal gaps a detour from row `ra` to row `rb` may run along, the first the one it
/// takes unless a search finds a better: the gap next to its second step on the side facing the
/// first, the other gap next to its second step, the two gaps next to its first step, and the
/// gaps above and below everything (around the outside).
fn gaps_for(ra: usize, rb: usize, rows: usize) -> [usize; GAP_CHOICES as usize] {
    let facing = match ra.cmp(&rb) {
        std::cmp::Ordering::Less => rb,
        std::cmp::Ordering::Greater => rb + 1,
        std::cmp::Ordering::Equal => ra,
    };
    let other = if facing == rb { rb + 1 } else { rb };
    [facing, other, ra, ra + 1, 0, rows]
}

/// Lanes are tried in every order when there are at most this many (6! = 720 layouts of a
/// map of at most `PERMUTED_TRANSITIONS` transitions), and the drawing with the fewest
/// crossings kept; more lanes keep the order the organisations first appear in.
const PERMUTED_LANES: usize = 6;
const PERMUTED_TRANSITIONS: usize = 40;
/// Passes over the detours, each trying every one along each of its other gaps.
const FLIP_PASSES: usize = 3;
/// The lane orders that cross least, each then tried with detours on either side.
const KEPT_ORDERS: usize = 4;

/// Lays out the map, choosing the order of the lanes, then the gap each detour runs along,
/// that give the fewest crossing arrows. O((L! + 400) · (layout + T² · k²))
/// for L ≤ 6 lanes, T ≤ 40 transitions and k segments an arrow (at most 6); otherwise
/// one layout: O(S + T) for the layering, O(I · (S + T)) for I = 4 ordering sweeps,
/// O(T log T) for the tracks and label rows.
pub fn layout(map: &PathwayMap, marks: &Marks) -> Layout {
    let mut seen: Vec<String> = Vec::new();
    for step in &map.steps {
        let code = step.organisation.to_string();
        if !seen.contains(&code) {
            seen.push(code);
        }
    }
    let identity: Vec<usize> = (0..seen.len()).collect();
    let unflipped_choice = vec![0u8; map.transitions.len()];
    let unflipped = &unflipped_choice;
    if seen.len() > PERMUTED_LANES || map.transitions.len() > PERMUTED_TRANSITIONS {
        return layout_in(map, marks, &identity, unflipped).0;
    }
    // Every order of the lanes (Heap's algorithm: each from the last by one swap), keeping the
    // few that cross least.
    let mut candidates: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut keep = |order: &[usize]| {
        let count = crossings(&layout_in(map, marks, order, unflipped).0);
        candidates.push((count, order.to_vec()));
    };
    let mut order = identity;
    keep(&order);
    let mut counters = vec![0usize; order.len()];
    let mut i = 1;
    while i < order.len() {
        if counters[i] < i {
            order.swap(if i % 2 == 0 { 0 } else { counters[i] }, i);
            keep(&order);
            counters[i] += 1;
            i = 1;
        } else {
            counters[i] = 0;
            i += 1;
        }
    }
    candidates.sort_by_key(|(count, _)| *count);
    candidates.truncate(KEPT_ORDERS);
    // Then, for each, every detour tried along each of the gaps it may take (see `gaps_for`).
    let mut best: Option<(usize, Layout)> = None;
    let mut tries = SEARCH_TRIES;
    for (_, order) in candidates {
        let mut choice = unflipped_choice.clone();
        let (mut layout, mut detours) = layout_in(map, marks, &order, &choice);
        let mut fewest = crossings(&layout);
        for _ in 0..FLIP_PASSES {
            let mut improved = false;
            for e in 0..choice.len() {
                if fewest == 0 || !detours[e] {
                    continue;
                }
                let kept = choice[e];
                for other in (0..GAP_CHOICES).filter(|&c| c != kept) {
                    if tries == 0 {
                        break;
                    }
                    tries -= 1;
                    choice[e] = other;
                    let (candidate, around) = layout_in(map, marks, &order, &choice);
                    let count = crossings(&candidate);
                    if count < fewest {
                        (fewest, layout, detours) = (count, candidate, around);
                        improved = true;
                        break;
                    }
                    choice[e] = kept;
                }
            }
            if !improved {
                break;
            }
        }
        if best.as_ref().is_none_or(|(count, _)| fewest < *count) {
            best = Some((fewest, layout));
        }
        if fewest == 0 {
            break;
        }
    }
    match best {
        Some((_, layout)) => layout,
        // Not reached: there is always at least one order (the identity).
        None => layout_in(map, marks, &(0..seen.len()).collect::<Vec<_>>(), unflipped).0,
    }
}

/// How many pairs of arrows cross (properly: touching or running along one another does not
/// count). O(T² · k²) for T arrows of at most k segments.
pub fn crossings(layout: &Layout) -> usize {
    let side = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        let v = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        if v.abs() < 1e-9 { 0.0 } else { v.signum() }
    };
    let cross = |p: (f64, f64), q: (f64, f64), r: (f64, f64), s: (f64, f64)| {
        side(p, q, r) * side(p, q, s) < 0.0 && side(r, s, p) * side(r, s, q) < 0.0
    };
    let routes: Vec<&Route> = layout.routes.iter().flatten().collect();
    let mut count = 0;
    for (i, a) in routes.iter().enumerate() {
        for b in &routes[i + 1..] {
            let met = a
                .points
                .windows(2)
                .any(|x| b.points.windows(2).any(|y| cross(x[0], x[1], y[0], y[1])));
            count += usize::from(met);
        }
    }
    count
}

/// One layout with the lanes in the given order (`order[k]` is the k-th lane by first
/// appearance of its organisation) and each detour along the gap `choice` picks for it (see
/// `gaps_for`); also says which transitions are detours.
fn layout_in(
    map: &PathwayMap,
    marks: &Marks,
    order: &[usize],
    choice: &[u8],
) -> (Layout, Vec<bool>) {
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

    let mut seen: Vec<String> = Vec::new();
    let mut lane_of = vec![0usize; n];
    for (s, step) in map.steps.iter().enumerate() {
        let code = step.organisation.to_string();
        lane_of[s] = match seen.iter().position(|l| *l == code) {
            Some(i) => i,
            None => {
                seen.push(code);
                seen.len() - 1
            }
        };
    }
    // Lane k shows the organisation `order[k]`.
    let mut position = vec![0usize; seen.len()];
    for (k, &o) in order.iter().enumerate() {
        position[o] = k;
    }
    for lane in &mut lane_of {
        *lane = position[*lane];
    }
    let lanes: Vec<String> = order.iter().map(|&o| seen[o].clone()).collect();

    // Cells: the steps of each (lane, column), in an order the sweeps below improve.
    let mut cells: rustc_hash::FxHashMap<(usize, usize), Vec<usize>> =
        rustc_hash::FxHashMap::default();
    for s in 0..n {
        cells.entry((lane_of[s], column[s])).or_default().push(s);
    }
    let mut rows_per_lane = vec![1usize; lanes.len()];
    for (&(lane, _), members) in &cells {
        rows_per_lane[lane] = rows_per_lane[lane].max(members.len());
    }
    let lane_first_row: Vec<usize> = rows_per_lane
        .iter()
        .scan(0, |next, &r| {
            let first = *next;
            *next += r;
            Some(first)
        })
        .collect();
    let rows: usize = rows_per_lane.iter().sum();
    let mut slot = vec![0usize; n];
    let place = |cells: &rustc_hash::FxHashMap<(usize, usize), Vec<usize>>, slot: &mut [usize]| {
        for members in cells.values() {
            for (i, &s) in members.iter().enumerate() {
                slot[s] = i;
            }
        }
    };
    place(&cells, &mut slot);
    // Barycentre sweeps: within a cell, a step goes where its neighbours are on average.
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in ends.iter().flatten() {
        if a != b {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    for _ in 0..4 {
        let row_of = |s: usize, slot: &[usize]| (lane_first_row[lane_of[s]] + slot[s]) as f64;
        let mut keys: Vec<f64> = vec![0.0; n];
        for s in 0..n {
            keys[s] = if neighbours[s].is_empty() {
                row_of(s, &slot)
            } else {
                neighbours[s].iter().map(|&t| row_of(t, &slot)).sum::<f64>()
                    / neighbours[s].len() as f64
            };
        }
        for members in cells.values_mut() {
            members.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
        }
        place(&cells, &mut slot);
    }
    let row: Vec<usize> = (0..n)
        .map(|s| lane_first_row[lane_of[s]] + slot[s])
        .collect();

    // Boxes' sizes from their wrapped names.
    let lines: Vec<Vec<String>> = map.steps.iter().map(|s| wrap(&s.name)).collect();
    let heights: Vec<f64> = (0..n)
        .map(|s| {
            let kind_word = !matches!(map.steps[s].kind, crate::values::StepKind::Activity);
            let badged = marks.badged.get(s).copied().unwrap_or(false);
            box_height(lines[s].len(), kind_word, badged)
        })
        .collect();
    let mut row_height = vec![MIN_BOX_HEIGHT; rows];
    for s in 0..n {
        row_height[row[s]] = row_height[row[s]].max(heights[s]);
    }
    let mut occupied = vec![vec![false; columns]; rows];
    for s in 0..n {
        occupied[row[s]][column[s]] = true;
    }

    // How each transition travels. Vertical gaps are numbered 0..=columns (gap c is left of
    // column c), horizontal gaps 0..=rows (gap r is above row r). Each run along a gap gets a
    // track of its own, in the order that crosses least (see `order_runs`). Positions along a
    // vertical gap are in half-rows: 2r + 1 is row r's middle, 2r is gap r.
    let middle = |r: usize| 2 * r as i64 + 1;
    let mut vertical: Vec<Vec<Run>> = vec![Vec::new(); columns + 1];
    let mut horizontal: Vec<(usize, usize)> = Vec::new();
    let mut label_gap = vec![0usize; ends.len()];
    let mut paths: Vec<Option<Path>> = vec![None; ends.len()];
    for (e, end) in ends.iter().enumerate() {
        let Some((a, b)) = *end else { continue };
        let (ra, rb, ca, cb) = (row[a], row[b], column[a], column[b]);
        if ra == rb && ca < cb && (ca + 1..cb).all(|c| !occupied[ra][c]) {
            paths[e] = Some(Path::Straight);
            label_gap[e] = ra;
        } else if cb == ca + 1 {
            // In from the left at the first step's height, out to the right at the second's.
            vertical[cb].push(Run::new(
                e,
                [(middle(ra), Side::Before), (middle(rb), Side::After)],
            ));
            paths[e] = Some(Path::Elbow { gap: cb, track: 0 });
            label_gap[e] = if ra < rb { rb } else { rb + 1 };
        } else {
            let across = gaps_for(ra, rb, rows)[usize::from(choice.get(e).copied().unwrap_or(0))];
            let at = 2 * across as i64;
            let back = if cb > ca { Side::After } else { Side::Before };
            vertical[ca + 1].push(Run::new(e, [(middle(ra), Side::Before), (at, back)]));
            let from = if cb > ca { Side::Before } else { Side::After };
            vertical[cb].push(Run::new(e, [(at, from), (middle(rb), Side::After)]));
            horizontal.push((e, across));
            paths[e] = Some(Path::Around {
                out: (ca + 1, 0),
                across: (across, 0),
                into: (cb, 0),
            });
            label_gap[e] = across;
        }
    }
    // An `Around` transition's two vertical runs are in different gaps (its second step is not
    // in the column after its first: that would be `Elbow`), so a gap holds at most one run of
    // each transition, and its place there is its track.
    let mut vertical_tracks = vec![0usize; columns + 1];
    for (gap, runs) in vertical.iter_mut().enumerate() {
        order_runs(runs);
        vertical_tracks[gap] = runs.len();
        for (t, run) in runs.iter().enumerate() {
            match paths[run.transition].as_mut() {
                Some(Path::Elbow { track, .. }) => *track = t,
                Some(Path::Around { out, .. }) if out.0 == gap => out.1 = t,
                Some(Path::Around { into, .. }) => into.1 = t,
                _ => {}
            }
        }
    }
    // Along a horizontal gap, positions are a vertical gap's number and the track in it.
    let mut by_gap: Vec<Vec<Run>> = vec![Vec::new(); rows + 1];
    for &(e, across) in &horizontal {
        let Some(Path::Around { out, into, .. }) = paths[e] else {
            continue;
        };
        let Some((a, b)) = ends[e] else { continue };
        let x = |(gap, track): (usize, usize)| (gap * 1000 + track) as i64;
        let side = |r: usize| {
            if r < across {
                Side::Before
            } else {
                Side::After
            }
        };
        by_gap[across].push(Run::new(
            e,
            [(x(out), side(row[a])), (x(into), side(row[b]))],
        ));
    }
    let mut horizontal_tracks = vec![0usize; rows + 1];
    for (gap, runs) in by_gap.iter_mut().enumerate() {
        order_runs(runs);
        horizontal_tracks[gap] = runs.len();
        for (t, run) in runs.iter().enumerate() {
            if let Some(Path::Around { across, .. }) = paths[run.transition].as_mut() {
                across.1 = t;
            }
        }
    }

    // Columns' x from the gaps' widths.
    let gap_width: Vec<f64> = vertical_tracks
        .iter()
        .map(|&t| (2.0 * PAD + t.saturating_sub(1) as f64 * TRACK).max(MIN_COLUMN_GAP))
        .collect();
    let mut column_x = vec![0.0; columns];
    let mut x = LANE_LABEL + gap_width[0];
    for c in 0..columns {
        column_x[c] = x;
        x += BOX_WIDTH + gap_width[c + 1];
    }
    let width = x + 10.0;
    let gap_left = |g: usize| {
        if g == 0 {
            LANE_LABEL
        } else {
            column_x[g - 1] + BOX_WIDTH
        }
    };
    let track_x = |g: usize, t: usize| gap_left(g) + PAD + t as f64 * TRACK;

    // Labels: where along their horizontal gap, and in which row of it.
    let label_text = |e: usize| marks.labels.get(e).map_or("", String::as_str);
    let mut label_x = vec![0.0; ends.len()];
    for (e, path) in paths.iter().enumerate() {
        let Some(path) = path else { continue };
        let Some((a, b)) = ends[e] else { continue };
        let centre = match *path {
            Path::Straight => (column_x[column[a]] + BOX_WIDTH + column_x[column[b]]) / 2.0,
            Path::Elbow { gap, track } => track_x(gap, track),
            Path::Around { out, into, .. } => {
                (track_x(out.0, out.1) + track_x(into.0, into.1)) / 2.0
            }
        };
        let w = label_width(label_text(e));
        label_x[e] = (centre - w / 2.0).clamp(LANE_LABEL + 2.0, (width - w - 2.0).max(LANE_LABEL));
    }
    let mut label_row = vec![0usize; ends.len()];
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); rows + 1];
    for e in (0..ends.len()).filter(|&e| paths[e].is_some()) {
        members_of[label_gap[e]].push(e);
    }
    let label_rows: Vec<usize> = members_of
        .into_iter()
        .map(|mut members| {
            members.sort_by(|&a, &b| label_x[a].total_cmp(&label_x[b]).then(a.cmp(&b)));
            let mut row_ends: Vec<f64> = Vec::new();
            for e in members {
                let left = label_x[e];
                let right = left + label_width(label_text(e));
                match row_ends.iter().position(|&r| r + LABEL_GAP <= left) {
                    Some(r) => {
                        row_ends[r] = right;
                        label_row[e] = r;
                    }
                    None => {
                        row_ends.push(right);
                        label_row[e] = row_ends.len() - 1;
                    }
                }
            }
            row_ends.len()
        })
        .collect();

    // Rows' y from the gaps' heights: tracks at the top of a gap, labels at its foot.
    let gap_height: Vec<f64> = (0..=rows)
        .map(|g| {
            (PAD + horizontal_tracks[g] as f64 * TRACK
                + label_rows[g] as f64 * (LABEL_HEIGHT + 3.0)
                + PAD / 2.0)
                .max(MIN_ROW_GAP)
        })
        .collect();
    let mut gap_top = vec![0.0; rows + 1];
    let mut row_top = vec![0.0; rows];
    let mut y = TOP;
    for r in 0..rows {
        gap_top[r] = y;
        y += gap_height[r];
        row_top[r] = y;
        y += row_height[r];
    }
    gap_top[rows] = y;
    y += gap_height[rows];
    let height = y + 10.0;

    let boxes: Vec<Rect> = (0..n)
        .map(|s| Rect {
            x: column_x[column[s]],
            y: row_top[row[s]] + (row_height[row[s]] - heights[s]) / 2.0,
            width: BOX_WIDTH,
            height: heights[s],
        })
        .collect();
    let middle_y = |s: usize| row_top[row[s]] + row_height[row[s]] / 2.0;
    let routes = paths
        .iter()
        .enumerate()
        .map(|(e, path)| {
            let path = (*path)?;
            let (a, b) = ends[e]?;
            let start = (boxes[a].right(), middle_y(a));
            let end = (boxes[b].x, middle_y(b));
            let points = match path {
                Path::Straight => vec![start, end],
                Path::Elbow { gap, track } => {
                    let x = track_x(gap, track);
                    vec![start, (x, start.1), (x, end.1), end]
                }
                Path::Around { out, across, into } => {
                    let x1 = track_x(out.0, out.1);
                    let x2 = track_x(into.0, into.1);
                    let y = gap_top[across.0] + PAD / 2.0 + across.1 as f64 * TRACK;
                    vec![start, (x1, start.1), (x1, y), (x2, y), (x2, end.1), end]
                }
            };
            let g = label_gap[e];
            let label = Rect {
                x: label_x[e],
                y: gap_top[g] + gap_height[g]
                    - PAD / 2.0
                    - (label_row[e] + 1) as f64 * (LABEL_HEIGHT + 3.0)
                    + 3.0,
                width: label_width(label_text(e)),
                height: LABEL_HEIGHT,
            };
            Some(Route {
                points,
                label,
                back: column[b] <= column[a],
            })
        })
        .collect();

    let lane_spans = (0..lanes.len())
        .map(|l| {
            let top = gap_top[lane_first_row[l]];
            let bottom = if l + 1 < lanes.len() {
                gap_top[lane_first_row[l + 1]]
            } else {
                y
            };
            (top, bottom - top)
        })
        .collect();
    let detours = paths
        .iter()
        .map(|p| matches!(p, Some(Path::Around { .. })))
        .collect();
    (
        Layout {
            lanes,
            lane_spans,
            cells: (0..n).map(|s| (lane_of[s], column[s], slot[s])).collect(),
            boxes,
            lines,
            routes,
            columns,
            width,
            height,
        },
        detours,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_wrap_between_words_and_long_words_are_cut() {
        assert_eq!(wrap("CT head scan"), ["CT head scan"]);
        assert_eq!(
            wrap("Stroke unit care and early supported discharge"),
            ["Stroke unit care and", "early supported", "discharge"]
        );
        assert_eq!(
            wrap("Pneumonoultramicroscopicsilicovolcanoconiosis"),
            ["Pneumonoultramicrosc", "opicsilicovolcanocon", "iosis"]
        );
        assert_eq!(wrap(""), [""]);
        let long = "word ".repeat(100);
        let lines = wrap(&long);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines[MAX_LINES - 1].ends_with('…'));
    }
}
