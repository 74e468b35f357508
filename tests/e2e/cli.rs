//! The command line: `validate` and `schema`.

use crate::helpers::example_document;
use serde_json::json;
use std::process::Command;

fn qiflow(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .output()
        .expect("running qiflow");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn write(doc: &serde_json::Value) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("qiflow-doc-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

#[test]
fn validate_passes_a_good_document_and_lists_every_problem_of_a_bad_one() {
    let good = write(&example_document());
    let (status, out) = qiflow(&["validate", good.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("no problems (4 steps, 4 transitions)"), "{out}");

    let mut broken = example_document();
    broken["transitions"][3]["probability"] = json!(0.5);
    broken["steps"][3]["kind"] = json!("ACTIVITY");
    let bad = write(&broken);
    let (status, out) = qiflow(&["validate", bad.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("MISSING_END"), "{out}");
    assert!(out.contains("PROBABILITY_SUM"), "{out}");
    assert!(out.contains("DEAD_END"), "{out}");

    let mut invalid = example_document();
    invalid["transitions"][0]["probability"] = json!(1.5);
    let invalid = write(&invalid);
    let (status, out) = qiflow(&["validate", invalid.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("transitions[0].probability"), "{out}");
    for path in [good, bad, invalid] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn the_demo_documents_validate() {
    for name in ["hip_fracture.json", "urgent_lung_cancer.json"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src/demo").join(name);
        let (status, out) = qiflow(&["validate", path.to_str().unwrap()]);
        assert_eq!(status, 0, "{out}");
    }
}

#[test]
fn schema_prints_the_exported_schema() {
    let (status, out) = qiflow(&["schema"]);
    assert_eq!(status, 0);
    let exported = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api/schema.graphql"),
    )
    .unwrap();
    assert_eq!(out, exported);
}
