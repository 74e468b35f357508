//! Hotspots: one ranked list of delay, bottlenecks, rework, duplication, waste and hand-offs, all
//! scored in the same unit (minutes per patient), each explained in words a manager would use.
//!
//! Finding and ranking hotspots is numbers only: a large pathway has hundreds of thousands of
//! them. Their words (title, explanation, suggested change) are written when someone reads one,
//! by [`Analysis::render`].

use super::duplication::DuplicatePair;
use super::flow::{Flow, FlowError, Model, visits_with};
use super::{Analysis, BOTTLENECK_UTILISATION, StepFigures};
use crate::pathway::PathwayMap;
use crate::values::{OdsCode, StepKind, ValueClass};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

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

    pub fn as_str(self) -> &'static str {
        match self {
            HotspotKind::Delay => "DELAY",
            HotspotKind::Bottleneck => "BOTTLENECK",
            HotspotKind::Rework => "REWORK",
            HotspotKind::Duplication => "DUPLICATION",
            HotspotKind::Waste => "WASTE",
            HotspotKind::Handoff => "HANDOFF",
        }
    }
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

/// What a hotspot is about, by index into the analysed pathway and the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Transition(usize),
    Step(usize),
    /// An index into [`Analysis::rework_loops`].
    Loop(usize),
    /// An index into [`Analysis::duplicates`].
    Pair(usize),
    /// An index into [`Analysis::handoff_groups`].
    Organisations(usize),
}

/// A hotspot as numbers; [`Analysis::render`] gives its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Hotspot {
    pub kind: HotspotKind,
    pub subject: Subject,
    /// What the hotspot costs, averaged over every patient who enters the pathway.
    pub minutes_per_patient: f64,
    /// `minutesPerPatient / E[T]`.
    pub share_of_lead_time: f64,
    /// The probability that a patient meets the hotspot.
    pub reach_probability: f64,
    /// `demandPerDay × 365 × reachProbability`, when demand is known.
    pub patients_per_year: Option<f64>,
    /// `minutesPerPatient × demandPerDay × 365 / 60`, when demand is known.
    pub hours_per_year: Option<f64>,
}

/// A change pattern that would reduce a hotspot, in words and as a what-if change kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedChange {
    pub kind: ChangeKind,
    pub description: String,
}

/// A hotspot with its words, as the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderedHotspot {
    pub kind: HotspotKind,
    pub title: String,
    pub explanation: String,
    pub minutes_per_patient: f64,
    pub share_of_lead_time: f64,
    pub reach_probability: f64,
    pub patients_per_year: Option<f64>,
    pub hours_per_year: Option<f64>,
    pub step_keys: Vec<String>,
    /// Transitions involved, as `from->to`.
    pub transitions: Vec<String>,
    pub suggested_change: Option<SuggestedChange>,
}

/// Transitions that pass patients from one organisation to another.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffGroup {
    pub from: OdsCode,
    pub to: OdsCode,
    pub transitions: Vec<usize>,
    /// Expected hand-offs per patient along them.
    pub count: f64,
}

/// A duration for people: minutes, hours or days.
pub fn duration(minutes: f64) -> String {
    let mut out = String::new();
    write_duration(&mut out, minutes);
    out
}

fn write_duration(out: &mut String, minutes: f64) {
    // Writing into the caller's buffer saves an allocation per figure on large pathways.
    let _ = if minutes < 1.0 {
        write!(out, "{minutes:.2} min")
    } else if minutes < 120.0 {
        write!(out, "{minutes:.0} min")
    } else if minutes < 2.0 * 1440.0 {
        write!(out, "{:.1} hours", minutes / 60.0)
    } else {
        write!(out, "{:.1} days", minutes / 1440.0)
    };
}

/// A probability as a percentage for people.
pub fn percent(p: f64) -> String {
    if p >= 0.0995 || p == 0.0 {
        format!("{:.0}%", p * 100.0)
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// What finding hotspots needs from the analysis.
pub struct Context<'a> {
    pub map: &'a PathwayMap,
    pub model: &'a Model,
    pub flow: &'a Flow,
    pub steps: &'a [StepFigures],
    pub crosses: &'a [bool],
    /// A small number per organisation, for each step.
    pub organisation_of: &'a [usize],
    pub lead_time: f64,
    pub demand_per_day: Option<f64>,
}

impl Context<'_> {
    fn hotspot(&self, kind: HotspotKind, subject: Subject, minutes: f64, reach: f64) -> Hotspot {
        Hotspot {
            kind,
            subject,
            minutes_per_patient: minutes,
            share_of_lead_time: if self.lead_time > 0.0 {
                minutes / self.lead_time
            } else {
                0.0
            },
            reach_probability: reach,
            patients_per_year: self.demand_per_day.map(|d| d * DAYS_PER_YEAR * reach),
            hours_per_year: self
                .demand_per_day
                .map(|d| minutes * d * DAYS_PER_YEAR / 60.0),
        }
    }
}

/// The hotspots and what they refer to by index.
pub struct Found {
    pub hotspots: Vec<Hotspot>,
    pub handoff_groups: Vec<HandoffGroup>,
    pub rework_loops: Vec<super::rework::ReworkLoop>,
}

/// Every hotspot with a cost (and every bottleneck), largest first; ties by kind, then subject.
/// Also returns the hand-off groups and the rework loops the HANDOFF and REWORK hotspots refer
/// to (one [`super::rework::rework_loops`] solve per back transition). O(S + T + H log H), plus one
/// [`visits_with`] per pair of organisations that hand patients to each other (cubic only in the
/// loops that pair's hand-offs run inside).
pub fn hotspots(
    cx: &Context<'_>,
    duplicates: &[DuplicatePair],
    budget: &crate::budget::Budget,
) -> Result<Found, crate::budget::Stopped> {
    let mut out = Vec::with_capacity(cx.map.transitions.len() + cx.map.steps.len() / 4);
    for (e, t) in cx.map.transitions.iter().enumerate() {
        let minutes = cx.flow.traversals[e] * t.wait_minutes.get();
        if minutes > 0.0 {
            out.push(cx.hotspot(
                HotspotKind::Delay,
                Subject::Transition(e),
                minutes,
                cx.flow.transition_reach[e],
            ));
        }
    }
    for (s, figures) in cx.steps.iter().enumerate() {
        if figures
            .utilisation
            .is_some_and(|u| u >= BOTTLENECK_UTILISATION)
        {
            out.push(cx.hotspot(
                HotspotKind::Bottleneck,
                Subject::Step(s),
                figures.expected_minutes,
                cx.flow.reach[s],
            ));
        }
        let step = &cx.map.steps[s];
        if (step.value_class == ValueClass::Waste || !step.waste_kinds.is_empty())
            && figures.expected_minutes > 0.0
        {
            out.push(cx.hotspot(
                HotspotKind::Waste,
                Subject::Step(s),
                figures.expected_minutes,
                cx.flow.reach[s],
            ));
        }
    }
    let loops = super::rework::rework_loops(cx.map, cx.model, cx.flow, cx.lead_time, budget)?;
    for (i, lp) in loops.iter().enumerate() {
        // Rounding leaves a loop that costs nothing a few ulps either side of zero.
        if lp.minutes > 1e-9 * cx.lead_time.max(1.0) {
            out.push(cx.hotspot(
                HotspotKind::Rework,
                Subject::Loop(i),
                lp.minutes,
                cx.flow.transition_reach[lp.back],
            ));
        }
    }
    for (i, pair) in duplicates.iter().enumerate() {
        if pair.minutes > 0.0 {
            out.push(cx.hotspot(
                HotspotKind::Duplication,
                Subject::Pair(i),
                pair.minutes,
                pair.probability,
            ));
        }
    }
    let groups = handoff_groups(cx);
    // One copy of the probabilities serves every group: each closes its transitions, then
    // reopens them.
    let mut closed = cx.model.probability.clone();
    for (i, group) in groups.iter().enumerate() {
        let minutes: f64 = group
            .transitions
            .iter()
            .map(|&e| cx.flow.traversals[e] * cx.map.transitions[e].wait_minutes.get())
            .sum();
        if minutes > 0.0 {
            let reach = probability_of_any(cx, &mut closed, &group.transitions, budget)?;
            out.push(cx.hotspot(
                HotspotKind::Handoff,
                Subject::Organisations(i),
                minutes,
                reach,
            ));
        }
    }
    // Unstable is deterministic here: no two hotspots share kind and subject.
    out.sort_unstable_by(|a, b| {
        b.minutes_per_patient
            .total_cmp(&a.minutes_per_patient)
            .then(a.kind.cmp(&b.kind))
            .then(a.subject.cmp(&b.subject))
    });
    Ok(Found {
        hotspots: out,
        handoff_groups: groups,
        rework_loops: loops,
    })
}

fn handoff_groups(cx: &Context<'_>) -> Vec<HandoffGroup> {
    let mut pairs: rustc_hash::FxHashMap<(usize, usize), Vec<usize>> = Default::default();
    for e in 0..cx.map.transitions.len() {
        if cx.crosses[e] {
            let (a, b) = (cx.model.from[e], cx.model.to[e]);
            pairs
                .entry((cx.organisation_of[a], cx.organisation_of[b]))
                .or_default()
                .push(e);
        }
    }
    let mut groups: Vec<HandoffGroup> = pairs
        .into_values()
        .map(|transitions| {
            let first = transitions[0];
            HandoffGroup {
                from: cx.map.steps[cx.model.from[first]].organisation.clone(),
                to: cx.map.steps[cx.model.to[first]].organisation.clone(),
                count: transitions.iter().map(|&e| cx.flow.traversals[e]).sum(),
                transitions,
            }
        })
        .collect();
    groups.sort_by(|x, y| (&x.from, &x.to).cmp(&(&y.from, &y.to)));
    groups
}

/// The probability of taking at least one of `edges`: 1 minus the probability of finishing
/// without them, found by the flow of the same pathway with those transitions closed (their
/// probability mass then leaves the pathway instead of reaching an END). See [`visits_with`].
fn probability_of_any(
    cx: &Context<'_>,
    closed: &mut [f64],
    edges: &[usize],
    budget: &crate::budget::Budget,
) -> Result<f64, crate::budget::Stopped> {
    for &e in edges {
        closed[e] = 0.0;
    }
    let result = visits_with(cx.model, cx.flow, closed, budget);
    for &e in edges {
        closed[e] = cx.model.probability[e];
    }
    Ok(match result {
        Ok(visits) => {
            let finished: f64 = cx
                .map
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.kind == StepKind::End)
                .map(|(s, _)| visits[s])
                .sum();
            (1.0 - finished).clamp(0.0, 1.0)
        }
        Err(FlowError::LoopWithoutExit) => 1.0,
        Err(FlowError::Stopped) => return Err(crate::budget::Stopped),
    })
}

impl Analysis {
    /// Every hotspot with its words, largest first. O(H) strings: use [`Analysis::render`] on the
    /// few you show when the pathway is large.
    pub fn rendered_hotspots(&self) -> Vec<RenderedHotspot> {
        self.hotspots.iter().map(|h| self.render(h)).collect()
    }

    /// The keys of the steps a hotspot is about.
    pub fn hotspot_step_keys(&self, h: &Hotspot) -> Vec<String> {
        let key = |s: usize| self.map.steps[s].key.to_string();
        match h.subject {
            Subject::Transition(e) => {
                let t = &self.map.transitions[e];
                vec![t.from.to_string(), t.to.to_string()]
            }
            Subject::Step(s) => vec![key(s)],
            Subject::Loop(i) => self.rework_loops[i].steps.iter().map(|&s| key(s)).collect(),
            Subject::Pair(i) => vec![
                key(self.duplicates[i].first),
                key(self.duplicates[i].second),
            ],
            Subject::Organisations(i) => {
                let mut seen = std::collections::HashSet::new();
                let mut keys = Vec::new();
                for &e in &self.handoff_groups[i].transitions {
                    let t = &self.map.transitions[e];
                    for k in [&t.from, &t.to] {
                        if seen.insert(k.as_str()) {
                            keys.push(k.to_string());
                        }
                    }
                }
                keys
            }
        }
    }

    /// The transitions (`from->to`) a hotspot is about.
    pub fn hotspot_transitions(&self, h: &Hotspot) -> Vec<String> {
        let label = |e: usize| self.map.transitions[e].label();
        match h.subject {
            Subject::Transition(e) => vec![label(e)],
            Subject::Loop(i) => self.rework_loops[i]
                .transitions
                .iter()
                .map(|&e| label(e))
                .collect(),
            Subject::Organisations(i) => self.handoff_groups[i]
                .transitions
                .iter()
                .map(|&e| label(e))
                .collect(),
            Subject::Step(_) | Subject::Pair(_) => vec![],
        }
    }

    fn step_label(&self, s: usize) -> String {
        let step = &self.map.steps[s];
        format!("'{}' ({})", step.name, step.organisation)
    }

    /// A hotspot with its title, explanation (with the numbers) and suggested change.
    pub fn render(&self, h: &Hotspot) -> RenderedHotspot {
        let share = format!(" ({} of the lead time)", percent(h.share_of_lead_time));
        let cost = duration(h.minutes_per_patient);
        let (title, explanation, change, description) = match (h.kind, h.subject) {
            (HotspotKind::Delay, Subject::Transition(e)) => {
                let t = &self.map.transitions[e];
                let times = self.transitions[e].expected_traversals;
                let between = if self.transitions[e].crosses_organisations {
                    "; this is a hand-off between organisations"
                } else {
                    ""
                };
                let how_often = if (times - 1.0).abs() < 1e-9 {
                    "Every patient waits".to_string()
                } else {
                    format!("A patient waits {times:.2} times on average")
                };
                let (a, b) = self.ends[e];
                (
                    format!("Wait from '{}' to '{}'", t.from, t.to),
                    format!(
                        "Patients wait {} between {} and {}{between}. {how_often}, costing {cost} per patient{share}.",
                        duration(t.wait_minutes.get()),
                        self.step_label(a),
                        self.step_label(b),
                    ),
                    ChangeKind::SetWaitMinutes,
                    format!("Shorten the wait from '{}' to '{}'", t.from, t.to),
                )
            }
            (HotspotKind::Bottleneck, Subject::Step(s)) => {
                let step = &self.map.steps[s];
                let utilisation = self.steps[s].utilisation.unwrap_or(0.0);
                let capacity = step.capacity_per_day.map_or(0.0, |c| c.get());
                let consequence = if utilisation >= 1.0 {
                    "Demand exceeds capacity, so the queue grows without limit"
                } else {
                    "Above 85% utilisation queues build quickly and waits become unpredictable"
                };
                (
                    format!("Bottleneck at '{}'", step.key),
                    format!(
                        "{} runs at {} of its capacity: {:.1} patients a day arrive for {:.1} places. {consequence}. The step takes {cost} per patient{share}.",
                        self.step_label(s),
                        percent(utilisation),
                        utilisation * capacity,
                        capacity,
                    ),
                    ChangeKind::SetCapacity,
                    format!(
                        "Add capacity at '{}' (or reduce the demand reaching it)",
                        step.key
                    ),
                )
            }
            (HotspotKind::Waste, Subject::Step(s)) => {
                let step = &self.map.steps[s];
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
                (
                    format!("Waste at '{}'", step.key),
                    format!(
                        "{} {class}{kinds_text}. It takes {cost} per patient{share}.",
                        self.step_label(s)
                    ),
                    change,
                    description,
                )
            }
            (HotspotKind::Rework, Subject::Loop(i)) => {
                let keys = self.hotspot_step_keys(h);
                let quoted = keys
                    .iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let lp = &self.rework_loops[i];
                let back = &self.map.transitions[lp.back];
                let mut decisions = lp
                    .exits
                    .iter()
                    .map(|&e| format!("'{}'", self.map.transitions[e].from))
                    .collect::<Vec<_>>();
                decisions.dedup();
                let at = decisions.join(" and ");
                (
                    format!("Rework loop through {quoted}"),
                    format!(
                        "{} of patients go back from '{}' to '{}' at least once. Were no patient sent round this loop at {at}, the pathway would take {cost} less per patient{share}.",
                        percent(h.reach_probability),
                        back.from,
                        back.to,
                    ),
                    ChangeKind::SetProbabilities,
                    format!("Fix the cause of the repeat so fewer patients are sent back at {at}"),
                )
            }
            (HotspotKind::Duplication, Subject::Pair(i)) => {
                let pair = &self.duplicates[i];
                let (a, b) = (&self.map.steps[pair.first], &self.map.steps[pair.second]);
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
                (
                    format!("'{}' repeats '{}'", b.key, a.key),
                    format!(
                        "{} repeats {} already done at {}{across}. {} of patients go through both, costing {cost} per patient{share}.",
                        self.step_label(pair.second),
                        what.join(" and "),
                        self.step_label(pair.first),
                        percent(pair.probability),
                    ),
                    ChangeKind::MergeDuplicate,
                    format!(
                        "Remove the repeat: reuse what '{}' captured instead of doing it again at '{}'",
                        a.key, b.key
                    ),
                )
            }
            (_, Subject::Organisations(i)) => {
                let group = &self.handoff_groups[i];
                let (a, b) = (&group.from, &group.to);
                (
                    format!("Hand-offs from {a} to {b}"),
                    format!(
                        "{} of patients are handed from {a} to {b} ({:.2} hand-offs per patient on average). The waits on these hand-offs cost {cost} per patient{share}.",
                        percent(h.reach_probability),
                        group.count,
                    ),
                    ChangeKind::SetWaitMinutes,
                    format!(
                        "Shorten the waits when {a} hands patients to {b} (a shared booking or direct referral)"
                    ),
                )
            }
            // Kinds and subjects always come in the pairs above.
            _ => (
                h.kind.as_str().to_string(),
                String::new(),
                ChangeKind::SetWaitMinutes,
                String::new(),
            ),
        };
        RenderedHotspot {
            kind: h.kind,
            title,
            explanation,
            minutes_per_patient: h.minutes_per_patient,
            share_of_lead_time: h.share_of_lead_time,
            reach_probability: h.reach_probability,
            patients_per_year: h.patients_per_year,
            hours_per_year: h.hours_per_year,
            step_keys: self.hotspot_step_keys(h),
            transitions: self.hotspot_transitions(h),
            suggested_change: (!description.is_empty()).then_some(SuggestedChange {
                kind: change,
                description,
            }),
        }
    }
}
