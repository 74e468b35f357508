//! The exported schema (`api/schema.graphql`) must match the code. Run with `UPDATE_SCHEMA=1` to
//! rewrite it after changing the schema on purpose.

#[test]
fn exported_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = api::schema_sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).expect("writing api/schema.graphql");
        return;
    }
    let exported = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        exported == sdl,
        "api/schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p api --test schema` and commit it"
    );
}

/// Every object type with an `id` implements `Node`, so `node(id:)` can fetch it again (Relay's
/// object identification), and `node`/`nodes` are on the query root.
#[test]
fn every_object_with_an_id_is_a_node() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = api::schema_sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the schema parses");
    let mut missing = Vec::new();
    let mut roots = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let TypeKind::Object(object) = &t.node.kind else {
            continue;
        };
        let name = t.node.name.node.as_str();
        let has_id = object
            .fields
            .iter()
            .any(|f| f.node.name.node == "id" && f.node.ty.node.to_string() == "ID!");
        let is_node = object.implements.iter().any(|i| i.node == "Node");
        if has_id && !is_node {
            missing.push(name.to_string());
        }
        if name == "QueryRoot" {
            roots = object
                .fields
                .iter()
                .map(|f| f.node.name.node.to_string())
                .collect();
        }
    }
    assert!(
        missing.is_empty(),
        "objects with an id that are not a Node: {missing:?}"
    );
    assert!(roots.contains(&"node".to_string()) && roots.contains(&"nodes".to_string()));
}
