//! Property: a canonical document parses and exports back to itself, also through JSON text.

use engine::PathwayDocument;
use engine::testing::document;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_documents_round_trip(doc in document()) {
        let parsed = doc.parse().expect("generated documents are valid field by field");
        let back = PathwayDocument::from_parts(&parsed.header, &parsed.organisations, &parsed.map);
        prop_assert_eq!(&back, &doc);

        let text = serde_json::to_string(&back).unwrap();
        let reread = PathwayDocument::from_json(serde_json::from_str(&text).unwrap()).unwrap();
        prop_assert_eq!(reread, doc);
    }

    #[test]
    fn validation_never_panics_and_is_deterministic(doc in document()) {
        let parsed = doc.parse().unwrap();
        prop_assert_eq!(engine::validate(&parsed.map), engine::validate(&parsed.map));
    }
}
