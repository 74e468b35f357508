//! Malformed input at every mutation (found by introspection): whatever fails, the client
//! gets a coded error and never SQL, a file path or stack text.

use crate::helpers::{code, example_document, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What no response may contain.
const FORBIDDEN_TEXT: [&str; 12] = [
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "sqlx",
    "SQLite",
    "sqlite",
    "Postgres",
    "panicked",
    "backtrace",
    ".rs:",
    "/root",
    "/work",
];

fn named(t: &Value) -> (String, bool, bool) {
    // (name, non-null, list)
    match t["kind"].as_str() {
        Some("NON_NULL") => {
            let (n, _, l) = named(&t["ofType"]);
            (n, true, l)
        }
        Some("LIST") => {
            let (n, _, _) = named(&t["ofType"]);
            (n, false, true)
        }
        _ => (
            t["name"].as_str().unwrap_or_default().to_string(),
            false,
            false,
        ),
    }
}

fn type_ref(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or_default().to_string(),
    }
}

/// A hostile but well-typed value for a type.
fn malformed(name: &str, list: bool, types: &BTreeMap<String, Value>, depth: usize) -> Value {
    let one = match name {
        "ID" => json!("' OR 1=1; -- \u{0}"),
        "String" => json!("\u{0}<script>alert(1)</script>%s%n{{}}"),
        "Int" => json!(2147483647),
        "Float" => json!(1.7976931348623157e308),
        "Boolean" => json!(true),
        "JSON" => json!({"steps": [{"key": null}], "transitions": "x"}),
        "Date" | "NaiveDate" => json!("2024-02-30"),
        "DateTime" => json!("yesterday"),
        other => match types.get(other) {
            Some(t) if t["kind"] == "ENUM" => t["enumValues"][0]["name"].clone(),
            Some(t) if t["kind"] == "INPUT_OBJECT" && depth < 4 => {
                let mut object = serde_json::Map::new();
                for f in t["inputFields"].as_array().unwrap() {
                    let (n, _, l) = named(&f["type"]);
                    object.insert(
                        f["name"].as_str().unwrap().to_string(),
                        malformed(&n, l, types, depth + 1),
                    );
                }
                Value::Object(object)
            }
            _ => json!("?"),
        },
    };
    if list { json!([one]) } else { one }
}

#[tokio::test]
async fn malformed_input_at_every_mutation_never_shows_internals() {
    let app = spawn_app().await;
    app.import(&example_document()).await;
    let schema = app
        .data(
            "{ __schema { mutationType { fields { name args { name type { ...T } } type { ...T } } }
               types { name kind enumValues { name } inputFields { name type { ...T } } } } }
             fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }",
            json!({}),
        )
        .await;
    let types: BTreeMap<String, Value> = schema["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
        .collect();
    let mutations = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap();
    assert!(mutations.len() > 25, "every mutation is walked");
    for m in mutations {
        let name = m["name"].as_str().unwrap();
        let mut definitions = Vec::new();
        let mut arguments = Vec::new();
        let mut variables = serde_json::Map::new();
        for (i, a) in m["args"].as_array().unwrap().iter().enumerate() {
            let (n, _, l) = named(&a["type"]);
            definitions.push(format!("$a{i}: {}", type_ref(&a["type"])));
            arguments.push(format!("{}: $a{i}", a["name"].as_str().unwrap()));
            variables.insert(format!("a{i}"), malformed(&n, l, &types, 0));
        }
        let (returns, _, _) = named(&m["type"]);
        let selection = match types
            .get(&returns)
            .map(|t| t["kind"].as_str().unwrap_or_default())
        {
            Some("OBJECT") => " { __typename }",
            _ => "",
        };
        let definitions = if definitions.is_empty() {
            String::new()
        } else {
            format!("({})", definitions.join(", "))
        };
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        let query = format!("mutation{definitions} {{ {name}{arguments}{selection} }}");
        let response = app.graphql(&query, Value::Object(variables)).await;
        let text = response.to_string();
        for bad in FORBIDDEN_TEXT {
            assert!(!text.contains(bad), "{name} leaked '{bad}': {text}");
        }
        if let Some(error) = response["errors"].get(0) {
            assert!(
                !code(error).is_empty(),
                "{name}: an error without a code: {text}"
            );
        }
    }
}
