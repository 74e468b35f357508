//! Parsed queries, kept by their text. Parsing (pest, with its recursion guard) was a twelfth of
//! a pathway read's CPU, and clients send the same few query texts again and again; a document
//! does not depend on who sends it, so one parse serves everyone. Bounded by total query length.

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::{Arc, LazyLock};

/// Total length of the query texts kept.
const CAPACITY_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone)]
struct ByLength;

impl Weighter<Arc<str>, Arc<ExecutableDocument>> for ByLength {
    fn weight(&self, query: &Arc<str>, _: &Arc<ExecutableDocument>) -> u64 {
        query.len().max(1) as u64
    }
}

static DOCUMENTS: LazyLock<Cache<Arc<str>, Arc<ExecutableDocument>, ByLength>> =
    LazyLock::new(|| Cache::with_weighter(4_096, CAPACITY_BYTES, ByLength));

/// Gives the request its parsed document, from the cache when its text was parsed before, and
/// returns it (`None` when the text does not parse: the schema then answers with its own error).
pub fn parse(request: &mut async_graphql::Request) -> Option<Arc<ExecutableDocument>> {
    let key: &str = &request.query;
    if let Some(document) = DOCUMENTS.get(key) {
        request.set_parsed_query((*document).clone());
        return Some(document);
    }
    let document = Arc::new(request.parsed_query().ok()?.clone());
    DOCUMENTS.insert(Arc::from(request.query.as_str()), document.clone());
    Some(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parsed_once_is_served_from_the_cache() {
        let text = "query Cached { pathways(first: 3) { totalCount } }";
        let mut first = async_graphql::Request::new(text);
        let parsed = parse(&mut first).expect("parses");
        let mut second = async_graphql::Request::new(text);
        let again = parse(&mut second).expect("parses");
        assert!(Arc::ptr_eq(&parsed, &again));
        assert!(second.parsed_query().is_ok());
        assert!(parse(&mut async_graphql::Request::new("{ unclosed")).is_none());
    }
}
