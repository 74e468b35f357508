//! Process discovery: the pathway as patients actually travelled it. Semantics follow pm4py's
//! directly-follows graph (the reference open-source implementation) so results can be checked
//! against it: the wait on an edge a → b is the time between an event of a and the next event
//! of the same case, b.

use super::{DurationStats, EventLog, NO_ORGANISATION, percentile};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Choices for [`discover`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// How many of the most frequent variants to list.
    pub top_variants: usize,
    /// Treat immediate repeats (A, A, B) as one (A, B) when grouping variants.
    pub collapse_repeats: bool,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            top_variants: 20,
            collapse_repeats: false,
        }
    }
}

/// One directly-follows edge with its waits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub count: u64,
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
}

/// An activity with how many cases start or end with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityCount {
    pub activity: String,
    pub count: u64,
}

/// A sequence of activities some cases followed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    pub count: u64,
    /// Share of all cases that followed it (0..=1).
    pub share: f64,
    pub activities: Vec<String>,
}

/// An activity done more than once in some cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rework {
    pub activity: String,
    /// Cases in which the activity happens more than once.
    pub cases: u64,
    /// Repeats beyond the first, over all cases.
    pub repeats: u64,
}

/// Care passing from one organisation to another between consecutive events of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationHandoff {
    pub from: String,
    pub to: String,
    pub count: u64,
}

/// Hand-offs between organisations per case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Handoffs {
    pub total: u64,
    pub mean_per_case: f64,
    pub median_per_case: f64,
    pub max_per_case: u64,
    pub pairs: Vec<OrganisationHandoff>,
}

/// Everything discovery finds in a log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Discovery {
    pub events: u64,
    pub cases: u64,
    /// Sorted by (from, to).
    pub edges: Vec<Edge>,
    /// Sorted by activity.
    pub start_activities: Vec<ActivityCount>,
    pub end_activities: Vec<ActivityCount>,
    /// Time from a case's first to its last event.
    pub case_duration: Option<DurationStats>,
    pub variant_count: u64,
    /// Most frequent first, ties by activity sequence.
    pub top_variants: Vec<Variant>,
    /// Share of cases the listed variants cover.
    pub top_variant_coverage: f64,
    /// Most cases first.
    pub rework: Vec<Rework>,
    pub handoffs: Handoffs,
}

/// Discovers the directly-follows graph with waits, start and end activities, case durations,
/// variants, rework and organisation hand-offs in one pass over the log plus sorting each
/// edge's waits: O(n log n) for n events, memory O(n) for the waits.
pub fn discover(log: &EventLog, options: &DiscoveryOptions) -> Discovery {
    let names = log.activities();
    let a = names.len();
    let mut edge_index: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    let mut edge_waits: Vec<Vec<i64>> = Vec::new();
    let mut starts = vec![0u64; a];
    let mut ends = vec![0u64; a];
    let mut durations = Vec::with_capacity(log.case_count());
    let mut variants: FxHashMap<Vec<u32>, u64> = FxHashMap::default();
    let mut exact_variants: FxHashMap<&[u32], u64> = FxHashMap::default();
    let mut rework_cases = vec![0u64; a];
    let mut rework_repeats = vec![0u64; a];
    let mut seen_in_case = vec![u32::MAX; a];
    let mut count_in_case = vec![0u32; a];
    let mut handoff_pairs: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut handoffs_per_case: Vec<f64> = Vec::with_capacity(log.case_count());
    let mut collapsed = Vec::new();

    for (c, case) in log.cases().enumerate() {
        let n = case.len();
        if n == 0 {
            continue;
        }
        starts[case.activity[0] as usize] += 1;
        ends[case.activity[n - 1] as usize] += 1;
        durations.push(case.time_ms[n - 1] - case.time_ms[0]);
        for i in 1..n {
            let key = (case.activity[i - 1], case.activity[i]);
            let next = edge_waits.len();
            let e = *edge_index.entry(key).or_insert(next);
            if e == next {
                edge_waits.push(Vec::new());
            }
            edge_waits[e].push(case.time_ms[i] - case.time_ms[i - 1]);
        }
        if options.collapse_repeats {
            collapsed.clear();
            collapsed.extend(case.activity.iter().copied());
            collapsed.dedup();
            if let Some(v) = variants.get_mut(collapsed.as_slice()) {
                *v += 1;
            } else {
                variants.insert(collapsed.clone(), 1);
            }
        } else {
            *exact_variants.entry(case.activity).or_insert(0) += 1;
        }
        // Rework: count each activity's occurrences in this case.
        let stamp = c as u32;
        for &act in case.activity {
            let i = act as usize;
            if seen_in_case[i] != stamp {
                seen_in_case[i] = stamp;
                count_in_case[i] = 0;
            }
            count_in_case[i] += 1;
            if count_in_case[i] == 2 {
                rework_cases[i] += 1;
            }
            if count_in_case[i] >= 2 {
                rework_repeats[i] += 1;
            }
        }
        let mut case_handoffs = 0u64;
        for w in case.organisation.windows(2) {
            if w[0] != w[1] && w[0] != NO_ORGANISATION && w[1] != NO_ORGANISATION {
                case_handoffs += 1;
                *handoff_pairs.entry((w[0], w[1])).or_insert(0) += 1;
            }
        }
        handoffs_per_case.push(case_handoffs as f64);
    }

    let cases = log.case_count() as u64;
    let mut edges: Vec<Edge> = edge_index
        .into_iter()
        .filter_map(|((from, to), e)| {
            let stats = DurationStats::from_millis(&mut edge_waits[e])?;
            Some(Edge {
                from: names.name(from).to_string(),
                to: names.name(to).to_string(),
                count: stats.count,
                mean_seconds: stats.mean_seconds,
                median_seconds: stats.median_seconds,
                p90_seconds: stats.p90_seconds,
                min_seconds: stats.min_seconds,
                max_seconds: stats.max_seconds,
            })
        })
        .collect();
    edges.sort_by(|x, y| (&x.from, &x.to).cmp(&(&y.from, &y.to)));

    let counted = |counts: &[u64]| {
        let mut out: Vec<ActivityCount> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| ActivityCount {
                activity: names.name(i as u32).to_string(),
                count: *n,
            })
            .collect();
        out.sort_by(|x, y| x.activity.cmp(&y.activity));
        out
    };

    let all_variants: Vec<(u64, Vec<&str>)> = if options.collapse_repeats {
        variants
            .iter()
            .map(|(seq, n)| (*n, seq.iter().map(|&i| names.name(i)).collect()))
            .collect()
    } else {
        exact_variants
            .iter()
            .map(|(seq, n)| (*n, seq.iter().map(|&i| names.name(i)).collect()))
            .collect()
    };
    let variant_count = all_variants.len() as u64;
    let (top_variants, top_variant_coverage) =
        rank_variants(all_variants, cases, options.top_variants);

    let mut rework: Vec<Rework> = (0..a)
        .filter(|&i| rework_cases[i] > 0)
        .map(|i| Rework {
            activity: names.name(i as u32).to_string(),
            cases: rework_cases[i],
            repeats: rework_repeats[i],
        })
        .collect();
    rework.sort_by(|x, y| {
        y.cases
            .cmp(&x.cases)
            .then_with(|| x.activity.cmp(&y.activity))
    });

    let orgs = log.organisations();
    let mut pairs: Vec<OrganisationHandoff> = handoff_pairs
        .into_iter()
        .map(|((f, t), n)| OrganisationHandoff {
            from: orgs.name(f).to_string(),
            to: orgs.name(t).to_string(),
            count: n,
        })
        .collect();
    pairs.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    let total: f64 = handoffs_per_case.iter().sum();
    handoffs_per_case.sort_by(f64::total_cmp);
    let handoffs = Handoffs {
        total: total as u64,
        mean_per_case: if cases == 0 {
            0.0
        } else {
            total / cases as f64
        },
        median_per_case: percentile(&handoffs_per_case, 0.5).unwrap_or(0.0),
        max_per_case: handoffs_per_case.last().copied().unwrap_or(0.0) as u64,
        pairs,
    };

    Discovery {
        events: log.event_count() as u64,
        cases,
        edges,
        start_activities: counted(&starts),
        end_activities: counted(&ends),
        case_duration: DurationStats::from_millis(&mut durations),
        variant_count,
        top_variants,
        top_variant_coverage,
        rework,
        handoffs,
    }
}

/// The `top` most frequent variants (ties by activity sequence) with each one's share of
/// `cases`, and the share all of them cover. O(v + top log top) for v variants.
pub fn rank_variants<S: AsRef<str> + Ord>(
    mut variants: Vec<(u64, Vec<S>)>,
    cases: u64,
    top: usize,
) -> (Vec<Variant>, f64) {
    let k = top.min(variants.len());
    let by_count = |x: &(u64, Vec<S>), y: &(u64, Vec<S>)| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1));
    if k > 0 && k < variants.len() {
        variants.select_nth_unstable_by(k - 1, by_count);
    }
    variants.truncate(k);
    variants.sort_by(by_count);
    let share = |n: u64| {
        if cases == 0 {
            0.0
        } else {
            n as f64 / cases as f64
        }
    };
    let ranked: Vec<Variant> = variants
        .into_iter()
        .map(|(count, seq)| Variant {
            count,
            share: share(count),
            activities: seq.iter().map(|a| a.as_ref().to_string()).collect(),
        })
        .collect();
    let coverage = share(ranked.iter().map(|v| v.count).sum());
    (ranked, coverage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Lifecycle, LogBuilder};

    /// Three cases worked by hand:
    ///   c1: A(0s, X) B(60s, X) C(180s, Y)
    ///   c2: A(0s, X) B(120s, Y) B(150s, Y) C(300s, Z)
    ///   c3: A(0s, X) C(600s, Y)
    fn small_log() -> EventLog {
        let mut b = LogBuilder::new();
        for (case, act, s, org) in [
            ("c1", "A", 0, "X"),
            ("c1", "B", 60, "X"),
            ("c1", "C", 180, "Y"),
            ("c2", "A", 0, "X"),
            ("c2", "B", 120, "Y"),
            ("c2", "B", 150, "Y"),
            ("c2", "C", 300, "Z"),
            ("c3", "A", 0, "X"),
            ("c3", "C", 600, "Y"),
        ] {
            b.push(case, act, s * 1000, Some(org), Lifecycle::Unspecified);
        }
        b.build()
    }

    #[test]
    fn a_small_log_worked_by_hand() {
        let d = discover(&small_log(), &DiscoveryOptions::default());
        assert_eq!((d.events, d.cases), (9, 3));
        let edge = |f: &str, t: &str| d.edges.iter().find(|e| e.from == f && e.to == t).unwrap();
        // A→B waits 60 and 120: mean = median = 90, p90 = 60 + 0.9 * 60 = 114.
        let ab = edge("A", "B");
        assert_eq!(ab.count, 2);
        assert_eq!(
            (
                ab.mean_seconds,
                ab.median_seconds,
                ab.min_seconds,
                ab.max_seconds
            ),
            (90.0, 90.0, 60.0, 120.0)
        );
        assert!((ab.p90_seconds - 114.0).abs() < 1e-9);
        // B→C waits 120 (c1) and 150 (c2); B→B 30; A→C 600.
        assert_eq!(edge("B", "C").count, 2);
        assert_eq!(edge("B", "C").mean_seconds, 135.0);
        assert_eq!(edge("B", "B").median_seconds, 30.0);
        assert_eq!(edge("A", "C").max_seconds, 600.0);
        assert_eq!(d.edges.len(), 4);
        assert_eq!(
            d.start_activities,
            [ActivityCount {
                activity: "A".into(),
                count: 3
            }]
        );
        assert_eq!(
            d.end_activities,
            [ActivityCount {
                activity: "C".into(),
                count: 3
            }]
        );
        // Durations 180, 300, 600: median 300, p90 = 300 + 0.8 * 300 = 540.
        let dur = d.case_duration.unwrap();
        assert_eq!(dur.median_seconds, 300.0);
        assert!((dur.p90_seconds - 540.0).abs() < 1e-9);
        assert_eq!(d.variant_count, 3);
        assert_eq!(
            d.rework,
            [Rework {
                activity: "B".into(),
                cases: 1,
                repeats: 1
            }]
        );
        // Hand-offs: c1 X→Y (1); c2 X→Y, Y→Z (2); c3 X→Y (1): total 4, mean 4/3, median 1.
        assert_eq!(d.handoffs.total, 4);
        assert_eq!(d.handoffs.median_per_case, 1.0);
        assert_eq!(d.handoffs.max_per_case, 2);
        assert_eq!(
            d.handoffs.pairs[0],
            OrganisationHandoff {
                from: "X".into(),
                to: "Y".into(),
                count: 3
            }
        );
    }

    #[test]
    fn collapsing_repeats_merges_variants_and_top_k_covers_a_share() {
        let log = small_log();
        let collapsed = discover(
            &log,
            &DiscoveryOptions {
                top_variants: 1,
                collapse_repeats: true,
            },
        );
        // c1 and c2 both become A, B, C.
        assert_eq!(collapsed.variant_count, 2);
        assert_eq!(collapsed.top_variants[0].count, 2);
        assert_eq!(collapsed.top_variants[0].activities, ["A", "B", "C"]);
        assert!((collapsed.top_variant_coverage - 2.0 / 3.0).abs() < 1e-12);
        let exact = discover(
            &log,
            &DiscoveryOptions {
                top_variants: 2,
                collapse_repeats: false,
            },
        );
        assert_eq!(exact.top_variants.len(), 2);
        // All counts are 1: ties are ordered by the activity sequence.
        assert_eq!(exact.top_variants[0].activities, ["A", "B", "B", "C"]);
    }
}
