//! Hotspots: one ranked list of delay, bottlenecks, rework, duplication, waste and hand-offs, all
//! scored in the same unit (minutes per patient), each explained in words a manager would use.

use super::BOTTLENECK_UTILISATION;
use super::StepFigures;
use super::duplication::DuplicatePair;
use super::flow::{Flow, Model, flow};
use crate::pathway::PathwayMap;
use crate::values::{StepKind, ValueClass};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days in the year used for yearly figures.
pub const DAYS_PER_YEAR: f64 = 365.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HotspotKind {
    /// A transition's expected wait.
    Delay,
    /// A step at or above 85% utilisation.
    Bottleneck,
    /// Second and later visits round a loop.
    Rework,
    /// A step repeating the work or information of an earlier one.
    Duplication,
    /// Time at steps classed as waste or carrying lean waste kinds.
    Waste,
    /// Waiting on the way from one organisation to another.
    Handoff,
}

impl HotspotKind {
    pub const ALL: &'static [HotspotKind] = &[
        HotspotKind::Delay,
        HotspotKind::Bottleneck,
        HotspotKind::Rework,
        HotspotKind::Duplication,
        HotspotKind::Waste,
        HotspotKind::Handoff,
    ];
}

/// The kinds of change a what-if can apply (and a hotspot can suggest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    RemoveStep,
    SetTouchMinutes,
    SetWaitMinutes,
    SetProbabilities,
    SetCapacity,
    MoveStep,
    MergeDuplicate,
}

/// A change pattern that would reduce a hotspot, in words and as a what-if change kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedChange {
    pub kind: ChangeKind,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hotspot {
    pub kind: HotspotKind,
    pub title: String,
    pub explanation: String,
    /// What the hotspot costs, averaged over every patient who enters the pathway.
    pub minutes_per_patient: f64,
    /// `minutesPerPatient / E[T]`.
    pub share_of_lead_time: f64,
    /// The probability that a patient meets the hotspot (see each kind in the README).
    pub reach_probability: f64,
    /// `demandPerDay × 365 × reachProbability`, when demand is known.
    pub patients_per_year: Option<f64>,
    /// `minutesPerPatient × demandPerDay × 365 / 60`, when demand is known.
    pub hours_per_year: Option<f64>,
    pub step_keys: Vec<String>,
    /// Transitions involved, as `from->to`.
    pub transitions: Vec<String>,
    pub suggested_change: Option<SuggestedChange>,
}

/// What hotspot finding needs from the analysis.
pub struct Context<'a> {
    pub map: &'a PathwayMap,
    pub model: &'a Model,
    pub flow: &'a Flow,
    pub steps: &'a [StepFigures],
    pub crosses: &'a [bool],
    pub lead_time: f64,
    pub demand_per_day: Option<f64>,
}

impl Context<'_> {
    fn step_label(&self, s: usize) -> String {
        let step = &self.map.steps[s];
        format!("'{}' ({})", step.name, step.organisation)
    }

    fn transition_label(&self, e: usize) -> String {
        self.map.transitions[e].label()
    }

    // One argument per hotspot field the finder decides; the rest is derived here.
    #[allow(clippy::too_many_arguments)]
    fn make(
        &self,
        kind: HotspotKind,
        title: String,
        explanation: String,
        minutes: f64,
        reach: f64,
        step_keys: Vec<String>,
        transitions: Vec<String>,
        suggested_change: Option<SuggestedChange>,
    ) -> Hotspot {
        let share = if self.lead_time > 0.0 {
            minutes / self.lead_time
        } else {
            0.0
        };
        let share_text = format!(" ({} of the lead time)", percent(share));
        Hotspot {
            kind,
            title,
            explanation: explanation.replace("{share}", &share_text),
            minutes_per_patient: minutes,
            share_of_lead_time: share,
            reach_probability: reach,
            patients_per_year: self.demand_per_day.map(|d| d * DAYS_PER_YEAR * reach),
            hours_per_year: self
                .demand_per_day
                .map(|d| minutes * d * DAYS_PER_YEAR / 60.0),
            step_keys,
            transitions,
            suggested_change,
        }
    }
}

/// A duration for people: minutes, hours or days.
pub fn duration(minutes: f64) -> String {
    if minutes < 1.0 {
        format!("{minutes:.2} min")
    } else if minutes < 120.0 {
        format!("{minutes:.0} min")
    } else if minutes < 2.0 * 1440.0 {
        format!("{:.1} hours", minutes / 60.0)
    } else {
        format!("{:.1} days", minutes / 1440.0)
    }
}

/// A probability as a percentage for people.
pub fn percent(p: f64) -> String {
    if p >= 0.0995 || p == 0.0 {
        format!("{:.0}%", p * 100.0)
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

fn suggest(kind: ChangeKind, description: String) -> Option<SuggestedChange> {
    Some(SuggestedChange { kind, description })
}

/// Every hotspot with a cost, largest first (ties: kind, then title). O(S + T + H log H) plus one
/// flow computation per pair of organisations that hand patients to each other.
pub fn hotspots(cx: &Context<'_>, duplicates: &[DuplicatePair]) -> Vec<Hotspot> {
    let mut out = Vec::new();
    delays(cx, &mut out);
    bottlenecks(cx, &mut out);
    rework(cx, &mut out);
    duplication(cx, duplicates, &mut out);
    waste(cx, &mut out);
    handoffs(cx, &mut out);
    out.retain(|h| h.minutes_per_patient > 0.0 || h.kind == HotspotKind::Bottleneck);
    out.sort_by(|a, b| {
        b.minutes_per_patient
            .total_cmp(&a.minutes_per_patient)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.title.cmp(&b.title))
    });
    out
}

fn delays(cx: &Context<'_>, out: &mut Vec<Hotspot>) {
    for (e, t) in cx.map.transitions.iter().enumerate() {
        let minutes = cx.flow.traversals[e] * t.wait_minutes.get();
        if minutes <= 0.0 {
            continue;
        }
        let (a, b) = (cx.model.from[e], cx.model.to[e]);
        let between = if cx.crosses[e] {
            "; this is a hand-off between organisations"
        } else {
            ""
        };
        let times = cx.flow.traversals[e];
        let how_often = if (times - 1.0).abs() < 1e-9 {
            "Every patient waits".to_string()
        } else {
            format!("A patient waits {times:.2} times on average")
        };
        out.push(cx.make(
            HotspotKind::Delay,
            format!("Wait from '{}' to '{}'", t.from, t.to),
            format!(
                "Patients wait {} between {} and {}{between}. {how_often}, costing {} per patient{{share}}.",
                duration(t.wait_minutes.get()),
                cx.step_label(a),
                cx.step_label(b),
                duration(minutes),
            ),
            minutes,
            cx.flow.transition_reach[e],
            vec![t.from.to_string(), t.to.to_string()],
            vec![cx.transition_label(e)],
            suggest(
                ChangeKind::SetWaitMinutes,
                format!("Shorten the wait from '{}' to '{}'", t.from, t.to),
            ),
        ));
    }
}

fn bottlenecks(cx: &Context<'_>, out: &mut Vec<Hotspot>) {
    for (s, figures) in cx.steps.iter().enumerate() {
        let Some(utilisation) = figures.utilisation else {
            continue;
        };
        if utilisation < BOTTLENECK_UTILISATION {
            continue;
        }
        let step = &cx.map.steps[s];
        let capacity = step.capacity_per_day.map_or(0.0, |c| c.get());
        let consequence = if utilisation >= 1.0 {
            "Demand exceeds capacity, so the queue grows without limit"
        } else {
            "Above 85% utilisation queues build quickly and waits become unpredictable"
        };
        out.push(cx.make(
            HotspotKind::Bottleneck,
            format!("Bottleneck at '{}'", step.key),
            format!(
                "{} runs at {} of its capacity: {:.1} patients a day arrive for {:.1} places. {consequence}. The step takes {} per patient{{share}}.",
                cx.step_label(s),
                percent(utilisation),
                utilisation * capacity,
                capacity,
                duration(figures.expected_minutes),
            ),
            figures.expected_minutes,
            cx.flow.reach[s],
            vec![step.key.to_string()],
            vec![],
            suggest(
                ChangeKind::SetCapacity,
                format!("Add capacity at '{}' (or reduce the demand reaching it)", step.key),
            ),
        ));
    }
}

fn rework(cx: &Context<'_>, out: &mut Vec<Hotspot>) {
    for lp in &cx.flow.loops {
        let minutes: f64 = lp
            .steps
            .iter()
            .map(|&s| (cx.flow.visits[s] - cx.flow.reach[s]) * cx.map.steps[s].touch_minutes.get())
            .sum::<f64>()
            + lp.transitions
                .iter()
                .map(|&e| {
                    (cx.flow.traversals[e] - cx.flow.transition_reach[e])
                        * cx.map.transitions[e].wait_minutes.get()
                })
                .sum::<f64>();
        let chance = lp
            .steps
            .iter()
            .zip(&lp.return_probability)
            .map(|(&s, f)| cx.flow.reach[s] * f)
            .fold(0.0, f64::max);
        let keys: Vec<String> = lp
            .steps
            .iter()
            .map(|&s| cx.map.steps[s].key.to_string())
            .collect();
        let quoted = keys
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(cx.make(
            HotspotKind::Rework,
            format!("Rework loop through {quoted}"),
            format!(
                "{} of patients come back round the loop through {quoted}. Second and later visits cost {} per patient{{share}}.",
                percent(chance),
                duration(minutes),
            ),
            minutes,
            chance,
            keys,
            lp.transitions.iter().map(|&e| cx.transition_label(e)).collect(),
            suggest(
                ChangeKind::SetProbabilities,
                "Fix the cause of the repeat so fewer patients go round the loop".to_string(),
            ),
        ));
    }
}

fn duplication(cx: &Context<'_>, duplicates: &[DuplicatePair], out: &mut Vec<Hotspot>) {
    for pair in duplicates {
        let (a, b) = (&cx.map.steps[pair.first], &cx.map.steps[pair.second]);
        let mut what = Vec::new();
        if pair.same_activity_code {
            what.push(format!(
                "the same activity ({})",
                b.activity_code.as_deref().unwrap_or_default()
            ));
        }
        if !pair.repeated_items.is_empty() {
            what.push(pair.repeated_items.join(", "));
        }
        let across = if a.organisation != b.organisation {
            ", in another organisation"
        } else {
            ""
        };
        out.push(cx.make(
            HotspotKind::Duplication,
            format!("'{}' repeats '{}'", b.key, a.key),
            format!(
                "{} repeats {} already done at {}{across}. {} of patients go through both, costing {} per patient{{share}}.",
                cx.step_label(pair.second),
                what.join(" and "),
                cx.step_label(pair.first),
                percent(pair.probability),
                duration(pair.minutes),
            ),
            pair.minutes,
            pair.probability,
            vec![a.key.to_string(), b.key.to_string()],
            vec![],
            suggest(
                ChangeKind::MergeDuplicate,
                format!("Remove the repeat: reuse what '{}' captured instead of doing it again at '{}'", a.key, b.key),
            ),
        ));
    }
}

fn waste(cx: &Context<'_>, out: &mut Vec<Hotspot>) {
    for (s, step) in cx.map.steps.iter().enumerate() {
        if step.value_class != ValueClass::Waste && step.waste_kinds.is_empty() {
            continue;
        }
        let minutes = cx.steps[s].expected_minutes;
        let kinds = step
            .waste_kinds
            .iter()
            .map(|w| w.as_str().to_lowercase().replace('_', "-"))
            .collect::<Vec<_>>()
            .join(", ");
        let class = if step.value_class == ValueClass::Waste {
            "is classed as waste".to_string()
        } else {
            format!(
                "is {}",
                step.value_class.as_str().to_lowercase().replace('_', "-")
            )
        };
        let kinds_text = if kinds.is_empty() {
            String::new()
        } else {
            format!(" with lean waste ({kinds})")
        };
        let (change, description) =
            if step.value_class == ValueClass::Waste && step.kind == StepKind::Activity {
                (
                    ChangeKind::RemoveStep,
                    format!("Remove '{}' if nothing downstream needs it", step.key),
                )
            } else {
                (
                    ChangeKind::SetTouchMinutes,
                    format!("Take the waste out of '{}' to cut its time", step.key),
                )
            };
        out.push(cx.make(
            HotspotKind::Waste,
            format!("Waste at '{}'", step.key),
            format!(
                "{} {class}{kinds_text}. It takes {} per patient{{share}}.",
                cx.step_label(s),
                duration(minutes),
            ),
            minutes,
            cx.flow.reach[s],
            vec![step.key.to_string()],
            vec![],
            suggest(change, description),
        ));
    }
}

fn handoffs(cx: &Context<'_>, out: &mut Vec<Hotspot>) {
    let mut pairs: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for e in 0..cx.map.transitions.len() {
        if cx.crosses[e] {
            let a = cx.map.steps[cx.model.from[e]].organisation.to_string();
            let b = cx.map.steps[cx.model.to[e]].organisation.to_string();
            pairs.entry((a, b)).or_default().push(e);
        }
    }
    for ((a, b), edges) in pairs {
        let minutes: f64 = edges
            .iter()
            .map(|&e| cx.flow.traversals[e] * cx.map.transitions[e].wait_minutes.get())
            .sum();
        let count: f64 = edges.iter().map(|&e| cx.flow.traversals[e]).sum();
        let reach = probability_of_any(cx, &edges);
        let mut keys: Vec<String> = Vec::new();
        for &e in &edges {
            for key in [&cx.map.transitions[e].from, &cx.map.transitions[e].to] {
                if !keys.iter().any(|k| k == key.as_str()) {
                    keys.push(key.to_string());
                }
            }
        }
        out.push(cx.make(
            HotspotKind::Handoff,
            format!("Hand-offs from {a} to {b}"),
            format!(
                "{} of patients are handed from {a} to {b} ({count:.2} hand-offs per patient on average). The waits on these hand-offs cost {} per patient{{share}}.",
                percent(reach),
                duration(minutes),
            ),
            minutes,
            reach,
            keys,
            edges.iter().map(|&e| cx.transition_label(e)).collect(),
            suggest(
                ChangeKind::SetWaitMinutes,
                format!("Shorten the waits when {a} hands patients to {b} (a shared booking or direct referral)"),
            ),
        ));
    }
}

/// The probability of taking at least one of `edges`: 1 minus the probability of finishing
/// without them, found by the flow of the same pathway with those transitions closed (their
/// probability mass then leaves the pathway instead of reaching an END). O(S + T + Σ k³).
fn probability_of_any(cx: &Context<'_>, edges: &[usize]) -> f64 {
    let mut closed = cx.model.clone();
    for &e in edges {
        closed.probability[e] = 0.0;
    }
    match flow(&closed) {
        Some(f) => {
            let finished: f64 = cx
                .map
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == StepKind::End)
                .map(|(s, _)| f.visits[s])
                .sum();
            (1.0 - finished).clamp(0.0, 1.0)
        }
        None => 1.0,
    }
}
