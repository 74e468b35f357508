//! An organisation's ADMINs administer its members and tokens through GraphQL: deny by default,
//! never the last ADMIN, never a secret shown twice, never a new secret for someone who also
//! belongs to an organisation the caller does not administer, every change audited.

use crate::helpers::{TestApp, code, spawn_app};
use serde_json::{Value, json};

async fn as_(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql_as(Some(token), query, variables).await
}

fn error_code(response: &Value) -> &str {
    code(&response["errors"][0])
}

#[tokio::test]
async fn an_administrator_runs_members_and_tokens_and_nobody_else_can() {
    let app = spawn_app().await;
    let admin = app.token_for("Ana Admin", "RA1", "ADMIN", false).await;
    let viewer = app.token_for("Vic Viewer", "RA1", "VIEWER", false).await;
    let outsider = app.token_for("Otto Outsider", "ZZ9", "ADMIN", false).await;
    let shared = app.token_for("Sam Shared", "ZZ9", "EDITOR", false).await;
    let org = app.organisation_id("RA1").await;
    let members =
        "query($id: ID!) { organisation(id: $id) { members { nodes { name role system } } } }";

    // Deny by default: a viewer and another organisation's administrator get FORBIDDEN.
    for token in [&viewer, &outsider] {
        let refused = as_(&app, token, members, json!({"id": org})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }
    let add = "mutation($i: AddOrganisationMemberInput!) { addOrganisationMember(input: $i) { principalId name role } }";
    let refused = as_(
        &app,
        &outsider,
        add,
        json!({"i": {"organisationId": org, "name": "Mallory", "role": "ADMIN"}}),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    // Members: add, a second time refused, a role changed.
    let ben = as_(
        &app,
        &admin,
        add,
        json!({"i": {"organisationId": org, "name": "Ben Editor", "role": "EDITOR"}}),
    )
    .await;
    assert_eq!(
        ben["data"]["addOrganisationMember"]["role"], "EDITOR",
        "{ben}"
    );
    let ben_id = ben["data"]["addOrganisationMember"]["principalId"].clone();
    let again = as_(
        &app,
        &admin,
        add,
        json!({"i": {"organisationId": org, "name": "Ben Editor", "role": "VIEWER"}}),
    )
    .await;
    assert_eq!(error_code(&again), "CONFLICT");
    let set = "mutation($o: ID!, $p: ID!, $r: OrganisationRole!) { setOrganisationMemberRole(organisationId: $o, principalId: $p, role: $r) { role } }";
    let raised = as_(
        &app,
        &admin,
        set,
        json!({"o": org, "p": ben_id, "r": "ADMIN"}),
    )
    .await;
    assert_eq!(raised["data"]["setOrganisationMemberRole"]["role"], "ADMIN");
    let listed = as_(&app, &admin, members, json!({"id": org})).await;
    assert_eq!(
        listed["data"]["organisation"]["members"],
        json!([
            {"name": "Ana Admin", "role": "ADMIN", "system": false},
            {"name": "Ben Editor", "role": "ADMIN", "system": false},
            {"name": "Vic Viewer", "role": "VIEWER", "system": false}
        ])
    );
    // Never the last ADMIN: with Ben back to EDITOR, Ana cannot step down or be removed.
    as_(
        &app,
        &admin,
        set,
        json!({"o": org, "p": ben_id, "r": "EDITOR"}),
    )
    .await;
    let me = as_(
        &app,
        &admin,
        "{ me { memberships { organisationId } } }",
        json!({}),
    )
    .await;
    assert!(me["errors"].is_null(), "{me}");
    let ana_id = as_(
        &app,
        &admin,
        "query($id: ID!) { organisation(id: $id) { members { nodes { principalId name } } } }",
        json!({"id": org}),
    )
    .await["data"]["organisation"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Ana Admin")
        .unwrap()["principalId"]
        .clone();
    let last = as_(
        &app,
        &admin,
        set,
        json!({"o": org, "p": ana_id, "r": "EDITOR"}),
    )
    .await;
    assert_eq!(error_code(&last), "VALIDATION", "{last}");
    let remove = "mutation($o: ID!, $p: ID!) { removeOrganisationMember(organisationId: $o, principalId: $p) }";
    let last = as_(&app, &admin, remove, json!({"o": org, "p": ana_id})).await;
    assert_eq!(error_code(&last), "VALIDATION");
    let removed = as_(&app, &admin, remove, json!({"o": org, "p": ben_id})).await;
    assert_eq!(removed["data"]["removeOrganisationMember"], true);

    // Tokens: issued (the secret once), listed without it, rotated with an overlap, revoked.
    let issue = "mutation($i: IssueTokenInput!) { issueToken(input: $i) { secret token { id name principal system role eventsWrite expiresAt } } }";
    let issued = as_(
        &app,
        &admin,
        issue,
        json!({"i": {"organisationId": org, "principal": "RA1 PAS feed", "system": true, "role": "EDITOR", "expiresInDays": 30}}),
    )
    .await;
    let issued = &issued["data"]["issueToken"];
    let secret = issued["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("qf_"));
    assert_eq!(
        (
            &issued["token"]["system"],
            &issued["token"]["role"],
            &issued["token"]["eventsWrite"]
        ),
        (&json!(true), &json!("EDITOR"), &json!(true))
    );
    let token_id = issued["token"]["id"].clone();
    let listed_token = |tokens: &serde_json::Value| {
        tokens["data"]["organisation"]["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == token_id)
            .cloned()
            .unwrap()
    };
    let last_used =
        "query($id: ID!) { organisation(id: $id) { tokens { nodes { id lastUsedAt } } } }";
    let unused = as_(&app, &admin, last_used, json!({"id": org})).await;
    assert_eq!(listed_token(&unused)["lastUsedAt"], json!(null), "{unused}");
    let before_use = chrono::Utc::now() - chrono::Duration::seconds(1);
    let whoami = "{ me { name memberships { role eventsWrite odsCode } } }";
    let feed = as_(&app, &secret, whoami, json!({})).await;
    let used = as_(&app, &admin, last_used, json!({"id": org})).await;
    let at: chrono::DateTime<chrono::Utc> = listed_token(&used)["lastUsedAt"]
        .as_str()
        .unwrap_or_else(|| panic!("used once, so lastUsedAt is set: {used}"))
        .parse()
        .unwrap();
    assert!(
        before_use <= at && at <= chrono::Utc::now(),
        "{at} is when it was used"
    );
    assert_eq!(feed["data"]["me"]["name"], "RA1 PAS feed", "{feed}");
    assert_eq!(
        feed["data"]["me"]["memberships"],
        json!([{"role": "EDITOR", "eventsWrite": true, "odsCode": "RA1"}])
    );
    let tokens = as_(
        &app,
        &admin,
        "query($id: ID!) { organisation(id: $id) { tokens { nodes { id name principal revokedAt } } } }",
        json!({"id": org}),
    )
    .await;
    assert!(
        !tokens.to_string().contains(&secret),
        "a secret is never listed"
    );
    assert!(
        tokens["data"]["organisation"]["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == token_id)
    );
    let rotate = "mutation($id: ID!, $h: Int!) { rotateToken(tokenId: $id, overlapHours: $h) { secret token { id } } }";
    let too_long = as_(&app, &admin, rotate, json!({"id": token_id, "h": 169})).await;
    assert_eq!(error_code(&too_long), "VALIDATION");
    let rotated = as_(&app, &admin, rotate, json!({"id": token_id, "h": 0})).await;
    let new_secret = rotated["data"]["rotateToken"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let new_id = rotated["data"]["rotateToken"]["token"]["id"].clone();
    assert_eq!(
        as_(&app, &new_secret, whoami, json!({})).await["data"]["me"]["name"],
        "RA1 PAS feed"
    );
    let old = as_(&app, &secret, whoami, json!({})).await;
    assert_eq!(error_code(&old), "UNAUTHENTICATED", "no overlap: {old}");
    let revoke = "mutation($id: ID!) { revokeToken(tokenId: $id) }";
    let foreign = as_(&app, &outsider, revoke, json!({"id": new_id})).await;
    assert_eq!(error_code(&foreign), "NOT_FOUND");
    assert_eq!(
        as_(&app, &admin, revoke, json!({"id": new_id})).await["data"]["revokeToken"],
        true
    );
    let gone = as_(&app, &new_secret, whoami, json!({})).await;
    assert_eq!(error_code(&gone), "UNAUTHENTICATED");

    // No new secret for someone who also belongs to an organisation the caller does not run.
    let escalate = as_(
        &app,
        &admin,
        issue,
        json!({"i": {"organisationId": org, "principal": "Sam Shared", "role": "VIEWER", "existing": true}}),
    )
    .await;
    assert_eq!(error_code(&escalate), "FORBIDDEN", "{escalate}");
    assert!(as_(&app, &shared, whoami, json!({})).await["errors"].is_null());

    // Each change is in the trail with before and after.
    let trail = app.audit_export();
    let entry = trail
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["operation"] == "setOrganisationMemberRole" && e["outcome"] == "OK")
        .unwrap();
    assert_eq!(
        (
            &entry["changes"][0]["before"],
            &entry["changes"][0]["after"]
        ),
        (&json!("EDITOR"), &json!("ADMIN"))
    );
    for operation in [
        "issueToken",
        "rotateToken",
        "revokeToken",
        "removeOrganisationMember",
    ] {
        assert!(
            trail.contains(&format!("\"operation\":\"{operation}\"")),
            "{operation} is audited"
        );
    }
}
