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
