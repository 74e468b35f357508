//! Reading a pathway document's JSON with every mistake reported at once, in the words of the
//! people who write documents (service managers, not programmers): `steps[3].kind: 'Activity'
//! is not a step kind; use one of START, ACTIVITY, DECISION, END`, not serde's "unknown variant".

use crate::error::{FieldError, InputErrors};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The longest piece of a user's value quoted back in a message.
const QUOTED: usize = 40;

/// Reads `value` as a `T`, naming the field of a mistake (`touchMinutes`) in plain words.
pub(crate) fn read<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        let message = e.into_inner().to_string();
        // serde names a missing field in the message, at the path of its parent.
        if let Some(missing) = between(&message, "missing field `", "`") {
            let field = if field.is_empty() {
                missing.to_string()
            } else {
                format!("{field}.{missing}")
            };
            return FieldError::new(field, "is required");
        }
        let words = in_words(&field, &message);
        FieldError::new(field, words)
    })
}

/// Reads each element of the array at `key` of `object` as a `T`, collecting every mistake as
/// `key[i].field`; a value that is not an array is one mistake. Elements that read are kept.
pub(crate) fn read_each<T: DeserializeOwned>(
    object: &mut serde_json::Map<String, Value>,
    key: &str,
    what: &str,
    errors: &mut InputErrors,
) -> Vec<T> {
    match object.remove(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| match read::<T>(item) {
                Ok(t) => Some(t),
                Err(e) => {
                    errors.0.push(e.within(&format!("{key}[{i}]")));
                    None
                }
            })
            .collect(),
        Some(other) => {
            errors.push(
                key,
                format!("expected a list of {what}, got {}", describe(&other)),
            );
            Vec::new()
        }
    }
}

/// What a JSON value is, in words, quoting at most a short piece of it.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text \"{}\"", shorten(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= QUOTED {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(QUOTED).collect::<String>())
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The name users know a field's values by.
fn kind_of_value(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    let last = last.split('[').next().unwrap_or(last);
    match last {
        "kind" if field.starts_with("organisations") => "kind of organisation",
        "kind" => "step kind",
        "valueClass" => "value class",
        "wasteKinds" => "kind of waste",
        "handoff" => "kind of hand-off",
        _ => "value this field takes",
    }
}

/// What serde's message says would have been accepted, without its backticks.
fn choices(message: &str) -> String {
    message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))
        .unwrap_or_default()
        .replace('`', "")
}

/// serde's message about `field` in plain words.
fn in_words(field: &str, message: &str) -> String {
    // `unknown variant `Activity`, expected one of `START`, `ACTIVITY`, ...`
    if let Some(given) = between(message, "unknown variant `", "`") {
        let choices = choices(message);
        return format!(
            "'{}' is not a {}; use one of {choices}",
            shorten(given),
            kind_of_value(field)
        );
    }
    // `unknown field `touchMinuts`, expected one of `key`, `name`, ...`
    if let Some(given) = between(message, "unknown field `", "`") {
        let choices = choices(message);
        return format!(
            "'{}' is not a field here; the fields are {choices}",
            shorten(given)
        );
    }
    // `invalid type: string "15", expected f64`
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let got = if let Some(text) = got.strip_prefix("string ") {
            format!("the text \"{}\"", shorten(text.trim_matches('"')))
        } else if let Some(n) = got
            .strip_prefix("integer `")
            .or_else(|| got.strip_prefix("floating point `"))
        {
            format!("the number {}", n.trim_end_matches('`'))
        } else if got == "null" {
            "nothing (null)".into()
        } else if got == "map" {
            "an object".into()
        } else if got == "sequence" {
            "a list".into()
        } else {
            got.replace('`', "")
        };
        let expected = match expected {
            "f64" | "f32" if field.ends_with("Minutes") => "a number of minutes".into(),
            "f64" | "f32" => "a number".into(),
            e if e.starts_with('u') || e.starts_with('i') && e.len() <= 5 => {
                "a whole number".into()
            }
            "a string" => "text".into(),
            "a boolean" => "true or false".into(),
            "a sequence" => "a list".into(),
            e if e.starts_with("struct ") || e == "a map" => "an object".into(),
            e => e.replace('`', ""),
        };
        return format!("expected {expected}, got {got}");
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_words_naming_what_would_be_accepted() {
        assert_eq!(
            in_words(
                "steps[3].kind",
                "unknown variant `Activity`, expected one of `START`, `ACTIVITY`, `DECISION`, `END`"
            ),
            "'Activity' is not a step kind; use one of START, ACTIVITY, DECISION, END"
        );
        assert_eq!(
            in_words(
                "transitions[2].waitMinutes",
                "invalid type: string \"15\", expected f64"
            ),
            "expected a number of minutes, got the text \"15\""
        );
        assert_eq!(
            in_words("name", "invalid type: integer `3`, expected a string"),
            "expected text, got the number 3"
        );
        let long = format!("invalid type: string \"{}\", expected f64", "x".repeat(500));
        assert!(in_words("demandPerDay", &long).len() < 100);
    }
}
