//! Generators of pathway documents in canonical form, for property tests: what export would
//! produce, so a round trip must give back exactly the same document.

use crate::document::PathwayDocument;
use crate::pathway::{OrganisationInput, StepInput, TransitionInput};
use crate::simulation::{SessionInput, TimeInput};
use crate::values::{Handoff, OrganisationKind, StepKind, ValueClass, WasteKind};
use proptest::prelude::*;
use proptest::sample::select;

/// The organisations generated documents use. Fixed names and kinds, so that importing many
/// documents (which reuses known organisations) never changes what a document says.
pub const ORGANISATIONS: &[(&str, &str, OrganisationKind)] = &[
    (
        "RXA1",
        "Alder Acute NHS Trust",
        OrganisationKind::AcuteTrust,
    ),
    (
        "RXB2",
        "Birch Ambulance Service",
        OrganisationKind::AmbulanceTrust,
    ),
    ("Y0C03", "Cedar Surgery", OrganisationKind::PrimaryCare),
];

fn text() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{0,10}( [a-z0-9]{1,8}){0,2}"
}

fn optional<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![Just(None), s.prop_map(Some)]
}

/// A simulated time of any shape, with parameters that pass its checks.
fn time() -> impl Strategy<Value = TimeInput> {
    use crate::values::DistributionKind as K;
    let base = |kind| TimeInput {
        distribution: kind,
        ..TimeInput::fixed(0.0)
    };
    prop_oneof![
        (0.0..500.0f64).prop_map(TimeInput::fixed),
        (1.0..500.0f64).prop_map(move |m| TimeInput {
            mean_minutes: Some(m),
            ..base(K::Exponential)
        }),
        (1.0..500.0f64, 0.5..300.0f64).prop_map(move |(m, sd)| TimeInput {
            mean_minutes: Some(m),
            sd_minutes: Some(sd),
            ..base(if sd > 100.0 { K::Gamma } else { K::Lognormal })
        }),
        (0.0..100.0f64, 1.0..100.0f64).prop_map(move |(lo, width)| TimeInput {
            mean_minutes: Some(lo + width / 2.0),
            min_minutes: Some(lo),
            max_minutes: Some(lo + width),
            ..base(K::Triangular)
        }),
        proptest::collection::vec(0.0..1000.0f64, 1..5).prop_map(move |samples| TimeInput {
            mean_minutes: None,
            samples,
            ..base(K::Empirical)
        }),
    ]
}

/// A step's simulation fields: servers or a schedule (or neither), a queue capacity only with
/// one of them, and a service time.
#[allow(clippy::type_complexity)]
fn simulation() -> impl Strategy<
    Value = (
        Option<u32>,
        Option<TimeInput>,
        Vec<SessionInput>,
        Option<u32>,
    ),
> {
    let session = (
        proptest::collection::btree_set(select(crate::values::Weekday::ALL), 1..3),
        0u8..12,
        1u8..12,
        0u32..5,
    )
        .prop_map(|(days, from, length, servers)| SessionInput {
            days: days.into_iter().collect(),
            from_hour: from,
            to_hour: from + length,
            servers,
        });
    (
        0..3u8,
        1u32..40,
        session,
        optional(time()),
        optional(0u32..50),
    )
        .prop_map(|(which, servers, session, service, capacity)| match which {
            0 => (None, service, Vec::new(), None),
            1 => (Some(servers), service, Vec::new(), capacity),
            _ => (None, service, vec![session], capacity),
        })
}

fn step(key: String) -> impl Strategy<Value = StepInput> {
    (
        text(),
        select(StepKind::ALL),
        0..ORGANISATIONS.len(),
        optional(text()),
        optional("[A-Z][A-Z_]{2,9}"),
        0.0..2000.0f64,
        select(ValueClass::ALL),
        proptest::collection::btree_set(select(WasteKind::ALL), 0..3),
        proptest::collection::btree_set(text(), 0..3),
        optional(0.5..500.0f64),
        optional(0.0..=100.0f64),
        simulation(),
    )
        .prop_map(
            move |(
                name,
                kind,
                org,
                site,
                activity_code,
                touch,
                value_class,
                wastes,
                items,
                capacity,
                pca,
                (servers, service_time, schedule, queue_capacity),
            )| {
                StepInput {
                    key: key.clone(),
                    name,
                    kind,
                    organisation: ORGANISATIONS[org].0.to_string(),
                    site,
                    activity_code,
                    touch_minutes: touch,
                    value_class,
                    waste_kinds: wastes.into_iter().collect(),
                    data_items: items.into_iter().collect(),
                    capacity_per_day: capacity,
                    percent_complete_accurate: pca,
                    servers,
                    service_time,
                    schedule,
                    queue_capacity,
                }
            },
        )
}

/// A document in canonical form with 1 to 8 steps and up to 12 transitions between them. The
/// graph need not be structurally valid (drafts may be invalid); every field is.
pub fn document() -> impl Strategy<Value = PathwayDocument> {
    (1usize..=8)
        .prop_flat_map(|n| {
            let steps: Vec<_> = (0..n).map(|i| step(format!("s{i}"))).collect();
            let transition = (
                0..n,
                0..n,
                optional(0.01..=1.0f64),
                0.0..20_000.0f64,
                select(Handoff::ALL),
                optional(time()),
            )
                .prop_map(|(a, b, probability, wait, handoff, delay)| {
                    TransitionInput {
                        from: format!("s{a}"),
                        to: format!("s{b}"),
                        probability,
                        wait_minutes: wait,
                        handoff,
                        delay,
                    }
                });
            (
                text(),
                prop_oneof![Just(String::new()), text()],
                prop_oneof![Just(String::new()), text()],
                0..ORGANISATIONS.len(),
                optional(0.1..100.0f64),
                steps,
                proptest::collection::vec(transition, 0..12),
            )
        })
        .prop_map(
            |(name, description, condition, owner, demand, steps, transitions)| {
                let owner = ORGANISATIONS[owner].0;
                let mut involved = vec![owner];
                for s in &steps {
                    if !involved.contains(&s.organisation.as_str()) {
                        involved.push(
                            ORGANISATIONS
                                .iter()
                                .find(|o| o.0 == s.organisation)
                                .map(|o| o.0)
                                .unwrap_or(owner),
                        );
                    }
                }
                let organisations = involved
                    .into_iter()
                    .filter_map(|code| ORGANISATIONS.iter().find(|o| o.0 == code))
                    .map(|(code, name, kind)| OrganisationInput {
                        ods_code: code.to_string(),
                        name: name.to_string(),
                        kind: *kind,
                    })
                    .collect();
                PathwayDocument {
                    name,
                    description,
                    condition,
                    owner: owner.to_string(),
                    demand_per_day: demand,
                    target_lead_time_minutes: None,
                    organisations,
                    steps,
                    transitions,
                    external_id: None,
                }
            },
        )
}

/// A small deterministic pseudo-random generator (SplitMix64), so generated pathways depend only
/// on their seed.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// How [`generated_pathway`] shapes a pathway.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub steps: usize,
    /// Extra forward transitions per step, on average (besides the one to the next step).
    pub extra_forward: f64,
    /// Share of steps with a transition back (a rework loop).
    pub loop_share: f64,
    /// How far back a loop may go, in steps.
    pub loop_span: usize,
    /// Steps draw activity codes and data items from the codes of a block of this many steps
    /// around them (small: more duplication; repeats stay near each other, as in real pathways).
    pub vocabulary: usize,
}

impl Shape {
    /// The benchmark's shape: about 3 transitions per step, 5% of steps with a loop.
    pub fn benchmark(steps: usize) -> Self {
        Self {
            steps,
            extra_forward: 1.95,
            loop_share: 0.05,
            loop_span: 4,
            vocabulary: 50,
        }
    }

    /// Dense loops with repeated codes: about 5 transitions per step, nine steps in ten with a
    /// transition back anywhere upstream (so most of the pathway is one strongly connected loop),
    /// and codes and data items drawn from blocks of 20 steps. The shape that made duplication
    /// super-linear (issue 12).
    pub fn dense_loops(steps: usize) -> Self {
        Self {
            steps,
            extra_forward: 3.1,
            loop_share: 0.9,
            loop_span: steps,
            vocabulary: 20,
        }
    }
}

/// A structurally valid pathway: step 0 is START, the last step END; every other step goes on to
/// the next one (so all are reachable and every loop has a way out), sometimes further forward and
/// sometimes back (rework). Organisations, times, capacities, codes and data items are drawn from
/// the seed. O(steps).
pub fn generated_pathway(shape: Shape, seed: u64) -> crate::PathwayMap {
    let mut rng = SplitMix::new(seed);
    let n = shape.steps.max(2);
    let steps: Vec<StepInput> = (0..n)
        .map(|i| {
            let kind = if i == 0 {
                StepKind::Start
            } else if i == n - 1 {
                StepKind::End
            } else if rng.unit() < 0.2 {
                StepKind::Decision
            } else {
                StepKind::Activity
            };
            let vocabulary = shape.vocabulary.max(1);
            let block = i / vocabulary * vocabulary;
            StepInput {
                key: format!("s{i}"),
                name: format!("Step {i}"),
                kind,
                organisation: ORGANISATIONS[rng.below(ORGANISATIONS.len())].0.to_string(),
                site: None,
                activity_code: (rng.unit() < 0.7)
                    .then(|| format!("CODE{}", block + rng.below(vocabulary))),
                touch_minutes: (rng.unit() * 60.0).round(),
                value_class: ValueClass::ALL[rng.below(ValueClass::ALL.len())],
                waste_kinds: if rng.unit() < 0.2 {
                    vec![WasteKind::Waiting]
                } else {
                    vec![]
                },
                data_items: if rng.unit() < 0.5 {
                    vec![format!("item {}", block + rng.below(vocabulary))]
                } else {
                    vec![]
                },
                capacity_per_day: (rng.unit() < 0.3).then(|| 1.0 + (rng.unit() * 50.0).round()),
                percent_complete_accurate: (rng.unit() < 0.3)
                    .then(|| 50.0 + (rng.unit() * 50.0).round()),
                servers: None,
                service_time: None,
                schedule: Vec::new(),
                queue_capacity: None,
            }
        })
        .collect();
    let mut transitions: Vec<TransitionInput> = Vec::new();
    for i in 0..n - 1 {
        let mut targets = vec![i + 1];
        let mut extra = shape.extra_forward;
        while extra > 0.0 {
            if rng.unit() < extra.min(1.0) && i + 2 < n {
                let j = i + 2 + rng.below(n - i - 2);
                if !targets.contains(&j) {
                    targets.push(j);
                }
            }
            extra -= 1.0;
        }
        if i > 0 && rng.unit() < shape.loop_share {
            let span = shape.loop_span.max(1).min(i);
            let j = i - rng.below(span);
            if !targets.contains(&j) {
                targets.push(j);
            }
        }
        let weights: Vec<f64> = targets.iter().map(|_| 0.1 + rng.unit()).collect();
        let total: f64 = weights.iter().sum();
        for (t, w) in targets.iter().zip(&weights) {
            transitions.push(TransitionInput {
                from: format!("s{i}"),
                to: format!("s{t}"),
                probability: Some(w / total),
                wait_minutes: (rng.unit() * 240.0).round(),
                handoff: Handoff::ALL[rng.below(Handoff::ALL.len())],
                delay: None,
            });
        }
    }
    // The last probability of each step absorbs rounding, so each step's sum is exactly 1.
    let mut by_step: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, t) in transitions.iter().enumerate() {
        by_step.entry(t.from.clone()).or_default().push(i);
    }
    for indexes in by_step.values() {
        let (last, rest) = indexes.split_last().expect("every step has a way out");
        let sum: f64 = rest
            .iter()
            .filter_map(|&i| transitions[i].probability)
            .sum();
        transitions[*last].probability = Some(1.0 - sum);
    }
    let steps = steps
        .iter()
        .map(|s| s.parse().expect("generated steps are valid"))
        .collect();
    let transitions = transitions
        .iter()
        .map(|t| t.parse().expect("generated transitions are valid"))
        .collect();
    crate::PathwayMap::new(steps, transitions).expect("generated keys are consistent")
}

/// Generated valid pathways of 3 to `max_steps` steps, for property tests.
pub fn valid_pathway(max_steps: usize, loops: bool) -> impl Strategy<Value = crate::PathwayMap> {
    (3..=max_steps.max(3), any::<u64>()).prop_map(move |(steps, seed)| {
        generated_pathway(
            Shape {
                steps,
                extra_forward: 0.8,
                loop_share: if loops { 0.3 } else { 0.0 },
                loop_span: 3,
                vocabulary: 4,
            },
            seed,
        )
    })
}
