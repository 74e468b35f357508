//! Generators of pathway documents in canonical form, for property tests: what export would
//! produce, so a round trip must give back exactly the same document.

use crate::document::PathwayDocument;
use crate::pathway::{OrganisationInput, StepInput, TransitionInput};
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
            )
                .prop_map(|(a, b, probability, wait, handoff)| TransitionInput {
                    from: format!("s{a}"),
                    to: format!("s{b}"),
                    probability,
                    wait_minutes: wait,
                    handoff,
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
                    organisations,
                    steps,
                    transitions,
                }
            },
        )
}
