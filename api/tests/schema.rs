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

/// The parsed schema's object and interface types, by name.
fn schema() -> async_graphql::parser::types::ServiceDocument {
    async_graphql::parser::parse_schema(api::schema_sdl()).expect("the schema parses")
}

/// The type a field's type names, without list and non-null wrappers; and whether it is a list.
fn named(ty: &async_graphql::parser::types::Type) -> (String, bool) {
    use async_graphql::parser::types::BaseType;
    match &ty.base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named(inner).0, true),
    }
}

/// Every list of stored records (objects that are `Node`s, data points, members, shares) is a
/// Relay connection. The exceptions are the parts of one document, which a client reads whole
/// with the document (a pathway's steps and transitions and the organisations they name, a
/// project's driver diagram as a tree), and `nodes(ids:)`, which answers the ids it is given.
#[test]
fn every_list_of_records_is_a_connection() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    const DOCUMENT_PARTS: [&str; 6] = [
        "QueryRoot.nodes",
        "Pathway.steps",
        "Pathway.transitions",
        "Pathway.organisations",
        "ImprovementProject.drivers",
        "Driver.children",
    ];
    let document = schema();
    let mut records: Vec<String> = vec![
        "DataPoint".into(),
        "OrganisationMember".into(),
        "Share".into(),
    ];
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(t) = definition
            && let TypeKind::Object(object) = &t.node.kind
            && object.implements.iter().any(|i| i.node == "Node")
        {
            records.push(t.node.name.node.to_string());
        }
    }
    let mut lists = Vec::new();
    let mut connections = 0;
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let fields = match &t.node.kind {
            TypeKind::Object(o) => &o.fields,
            TypeKind::Interface(i) => &i.fields,
            _ => continue,
        };
        for field in fields {
            let (item, list) = named(&field.node.ty.node);
            let name = format!("{}.{}", t.node.name.node, field.node.name.node);
            if item.ends_with("Connection") {
                connections += 1;
                let arguments: Vec<&str> = field
                    .node
                    .arguments
                    .iter()
                    .map(|a| a.node.name.node.as_str())
                    .collect();
                for paging in ["first", "after", "last", "before"] {
                    assert!(arguments.contains(&paging), "{name} has no `{paging}`");
                }
            }
            let in_a_page = t.node.name.node.ends_with("Connection");
            if list
                && records.contains(&item)
                && !in_a_page
                && !DOCUMENT_PARTS.contains(&name.as_str())
            {
                lists.push(name);
            }
        }
    }
    assert!(
        lists.is_empty(),
        "lists of records that are not connections: {lists:?}"
    );
    assert!(connections >= 14, "only {connections} connections");
}
/// Every type, field, argument, input field and enum value says what it is for a client
/// developer: the test reads the schema as introspection gives it (the exported SDL is printed
/// from the same registry) and lists every element without a description.
#[test]
fn every_element_of_the_schema_is_described() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = schema();
    let mut missing = Vec::new();
    let described = |d: &Option<async_graphql::Positioned<String>>| {
        d.as_ref().is_some_and(|d| !d.node.trim().is_empty())
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(t) = definition else {
            continue;
        };
        let type_name = t.node.name.node.to_string();
        if !described(&t.node.description) {
            missing.push(type_name.clone());
        }
        let mut fields = Vec::new();
        match &t.node.kind {
            TypeKind::Object(o) => fields.extend(&o.fields),
            TypeKind::Interface(i) => fields.extend(&i.fields),
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if !described(&f.node.description) {
                        missing.push(format!("{type_name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if !described(&v.node.description) {
                        missing.push(format!("{type_name}.{}", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
        for f in fields {
            let field = format!("{type_name}.{}", f.node.name.node);
            if !described(&f.node.description) {
                missing.push(field.clone());
            }
            for a in &f.node.arguments {
                if !described(&a.node.description) {
                    missing.push(format!("{field}({}:)", a.node.name.node));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema elements without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
