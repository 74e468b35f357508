//! Fuzzing the GraphQL pre-checks with proptest (issue 12): whatever text arrives, parsing, the
//! shape check (fields after fragment expansion, directives), the NUL screen and the audit's
//! reading of mutation fields never panic, and the shape check's count stays bounded. The case
//! count comes from `QIFLOW_FUZZ_CASES` (256 by default); `.ci/run` runs a longer round.

use api::limits::{Limits, check_shape, nul_in};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("QIFLOW_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

const QUERIES: &[&str] = &[
    "query($id: ID!) { pathway(id: $id) { name steps { key ...S } } } fragment S on Step { name kind }",
    "mutation { a: archivePathway(id: \"0190a8b2-0000-7000-8000-000000000000\", expectedVersion: 1) { id } }",
    "{ ...F0 } fragment F0 on QueryRoot { ...F1 ...F1 } fragment F1 on QueryRoot { ...F2 ...F2 } fragment F2 on QueryRoot { organisations { nodes { id } } }",
    "{ organisations @skip(if: false) { id @include(if: true) } }",
    "mutation($i: CreateOrganisationInput!) { createOrganisation(input: $i) { id } }",
];

/// A valid query with up to 12 characters overwritten, inserted or removed.
fn query() -> impl Strategy<Value = String> {
    let spliced = (
        0..QUERIES.len(),
        prop::collection::vec((any::<usize>(), any::<char>(), 0u8..3), 0..12),
    )
        .prop_map(|(which, edits)| {
            let mut chars: Vec<char> = QUERIES[which].chars().collect();
            for (at, c, kind) in edits {
                let at = at % (chars.len() + 1);
                match kind {
                    0 if at < chars.len() => chars[at] = c,
                    1 => chars.insert(at, c),
                    _ if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => {}
                }
            }
            chars.into_iter().collect()
        });
    prop_oneof![any::<String>(), spliced]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn the_pre_checks_never_panic(text in query(), variable in any::<String>()) {
        let limits = Limits::default();
        let request = async_graphql::Request::new(text.clone()).variables(
            async_graphql::Variables::from_json(serde_json::json!({ "i": variable, "id": variable })),
        );
        let _ = nul_in(&request);
        if let Ok(document) = async_graphql::parser::parse_query(&text) {
            let _ = check_shape(&document, &limits);
            let fields = api::audit::mutation_fields(&document, None, &request.variables);
            prop_assert!(fields.len() <= text.len());
        }
    }
}
