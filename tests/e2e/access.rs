//! Access control end to end: tokens, deny by default, organisations seeing only what is theirs
//! or shared with them, the EVENTS_WRITE capability, and the audit trail.

use crate::helpers::{code, example_document, spawn_app};
use serde_json::{Value, json};

fn first_code(response: &Value) -> &str {
    code(&response["errors"][0])
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let app = spawn_app().await;
    let query = "{ organisations { nodes { odsCode } } }";
    for token in [
        None,
        Some("nonsense"),
        Some("qf_0000000000000000000000000000000000000000000000000000000000000000"),
    ] {
        let response = app.graphql_as(token, query, json!({})).await;
        assert_eq!(
            first_code(&response),
            "UNAUTHENTICATED",
            "{token:?}: {response}"
        );
        assert!(response["data"].is_null());
    }
    // HTTP says so too (RFC 6750): 401 with the Bearer challenge, naming a bad token as such.
    for (token, challenge) in [
        (None, r#"Bearer realm="qiflow""#),
        (
            Some("nonsense"),
            r#"Bearer realm="qiflow", error="invalid_token""#,
        ),
    ] {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", app.address))
            .json(&json!({"query": query}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{token:?}");
        assert_eq!(
            response.headers()["www-authenticate"].to_str().unwrap(),
            challenge
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(first_code(&body), "UNAUTHENTICATED");
    }
    // The GraphQL-over-HTTP media type when asked for; plain JSON otherwise.
    for (accept, media) in [
        (
            "application/graphql-response+json, application/json;q=0.9",
            "application/graphql-response+json",
        ),
        ("application/json", "application/json"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&app.token)
            .header("Accept", accept)
            .json(&json!({"query": query}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"].to_str().unwrap(), media);
    }
    // A bearer that is not a bearer.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("Authorization", format!("Basic {}", app.token))
        .json(&json!({"query": query}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(first_code(&response), "UNAUTHENTICATED");

    // Revoked and expired tokens.
    let revoked = app.token_for("leaver", "XQ1", "VIEWER", false).await;
    assert!(app.graphql_as(Some(&revoked), query, json!({})).await["errors"].is_null());
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let tokens = api::store::tokens::list_tokens(&db, &api::caller::Caller::Installation)
        .await
        .unwrap();
    let id = tokens.iter().find(|t| t.principal == "leaver").unwrap().id;
    api::store::tokens::revoke_token(
        &db,
        &api::context::RequestContext::command("token revoke"),
        id,
    )
    .await
    .unwrap();
    assert_eq!(
        first_code(&app.graphql_as(Some(&revoked), query, json!({})).await),
        "UNAUTHENTICATED"
    );

    let expired = app.token_for("temporary", "XQ1", "VIEWER", false).await;
    use sea_orm::{ConnectionTrait, Statement};
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "UPDATE api_token SET expires_at = $1 WHERE token_hash = $2"
            }
            _ => "UPDATE api_token SET expires_at = ? WHERE token_hash = ?",
        },
        [
            (chrono::Utc::now() - chrono::Duration::minutes(1)).into(),
            api::store::tokens::token_hash(&expired).into(),
        ],
    ))
    .await
    .unwrap();
    assert_eq!(
        first_code(&app.graphql_as(Some(&expired), query, json!({})).await),
        "UNAUTHENTICATED"
    );

    // Other routes answer 401; the health check needs no token.
    let upload = reqwest::Client::new()
        .post(format!(
            "{}/logs/{}/events",
            app.address,
            uuid::Uuid::now_v7()
        ))
        .body("case_id,activity,timestamp\n")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 401);
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn organisations_see_only_what_is_theirs_or_shared_and_change_only_with_the_role() {
    let app = spawn_app().await;
    // The administrator imports a draft owned by RX1 (created by the import: it administers it).
    let pathway = app.import(&example_document()).await;
    let id = pathway["id"].as_str().unwrap().to_string();
    let other = app
        .token_for("Other trust analyst", "RA7", "EDITOR", false)
        .await;
    let read = "query($id: ID!) { pathway(id: $id) { name version } }";
    let update = "mutation($id: ID!, $v: Int!) { updatePathway(input: {id: $id, expectedVersion: $v, name: \"Renamed\"}) { version } }";

    // Not theirs, not shared: it does not exist for them, in lists or by id or to change.
    let listed = app
        .graphql_as(Some(&other), "{ pathways { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["data"]["pathways"]["totalCount"], 0);
    assert_eq!(
        first_code(&app.graphql_as(Some(&other), read, json!({"id": id})).await),
        "NOT_FOUND"
    );
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&other), update, json!({"id": id, "v": 1}))
                .await
        ),
        "NOT_FOUND"
    );

    // Shared as VIEWER: visible, but changing it is FORBIDDEN.
    let orgs = app
        .data("{ organisations { nodes { id odsCode } } }", json!({}))
        .await;
    let org_id = |code: &str| {
        orgs["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["odsCode"] == code)
            .unwrap()["id"]
            .clone()
    };
    let share = "mutation($p: ID!, $o: ID!, $r: ShareRole!) { sharePathway(pathwayId: $p, organisationId: $o, role: $r) }";
    app.data(share, json!({"p": id, "o": org_id("RA7"), "r": "VIEWER"}))
        .await;
    let seen = app.graphql_as(Some(&other), read, json!({"id": id})).await;
    assert_eq!(seen["data"]["pathway"]["version"], 1, "{seen}");
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&other), update, json!({"id": id, "v": 1}))
                .await
        ),
        "FORBIDDEN"
    );
    // Only the owner's administrators share.
    assert_eq!(
        first_code(
            &app.graphql_as(
                Some(&other),
                share,
                json!({"p": id, "o": org_id("RA7"), "r": "EDITOR"})
            )
            .await
        ),
        "FORBIDDEN"
    );

    // Shared as EDITOR: they may change it.
    app.data(share, json!({"p": id, "o": org_id("RA7"), "r": "EDITOR"}))
        .await;
    let changed = app
        .graphql_as(Some(&other), update, json!({"id": id, "v": 1}))
        .await;
    assert_eq!(changed["data"]["updatePathway"]["version"], 2, "{changed}");

    // Issue 12: a share grants at most the receiving member's own role. An EDITOR share lets
    // RA7's VIEWERs view, not edit; and no sharee may archive the owner's pathway.
    let their_viewer = app.token_for("RA7 viewer", "RA7", "VIEWER", false).await;
    assert!(
        app.graphql_as(Some(&their_viewer), read, json!({"id": id}))
            .await["errors"]
            .is_null()
    );
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&their_viewer), update, json!({"id": id, "v": 2}))
                .await
        ),
        "FORBIDDEN"
    );
    let their_admin = app.token_for("RA7 admin", "RA7", "ADMIN", false).await;
    let archive =
        "mutation($id: ID!, $v: Int!) { archivePathway(id: $id, expectedVersion: $v) { version } }";
    for sharee in [&other, &their_admin] {
        let refused = app
            .graphql_as(Some(sharee), archive, json!({"id": id, "v": 2}))
            .await;
        assert_eq!(first_code(&refused), "FORBIDDEN", "{refused}");
    }
    let seen = app.graphql_as(Some(&other), read, json!({"id": id})).await;
    assert_eq!(seen["data"]["pathway"]["version"], 2, "{seen}");

    // Issue 13: the owner lists its shares and takes one back; the sharee then sees nothing.
    let shares = "query($id: ID!) { pathway(id: $id) { shares { nodes { odsCode role } } } }";
    let listed = app.data(shares, json!({"id": id})).await;
    assert_eq!(
        listed["pathway"]["shares"],
        json!([{"odsCode": "RA7", "role": "EDITOR"}])
    );
    let theirs = app
        .graphql_as(Some(&other), shares, json!({"id": id}))
        .await;
    assert_eq!(
        theirs["data"]["pathway"]["shares"],
        json!([]),
        "only the owner's members list them"
    );
    let revoke =
        "mutation($p: ID!, $o: ID!) { revokePathwayShare(pathwayId: $p, organisationId: $o) }";
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&other), revoke, json!({"p": id, "o": org_id("RA7")}))
                .await
        ),
        "FORBIDDEN"
    );
    app.data(revoke, json!({"p": id, "o": org_id("RA7")})).await;
    assert_eq!(
        first_code(&app.graphql_as(Some(&other), read, json!({"id": id})).await),
        "NOT_FOUND"
    );
    let again = app
        .graphql(revoke, json!({"p": id, "o": org_id("RA7")}))
        .await;
    assert_eq!(first_code(&again), "VALIDATION", "{again}");
    app.data(share, json!({"p": id, "o": org_id("RA7"), "r": "EDITOR"}))
        .await;

    // A viewer of the owner sees it but may not change it.
    let viewer = app.token_for("Owner viewer", "RX1", "VIEWER", false).await;
    assert!(app.graphql_as(Some(&viewer), read, json!({"id": id})).await["errors"].is_null());
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&viewer), update, json!({"id": id, "v": 2}))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn organisations_with_steps_in_a_published_pathway_can_view_it() {
    let app = spawn_app_with_demo().await;
    // The demo's hip fracture pathway has GP steps (X99001) but belongs to RX8.
    let gp = app.token_for("GP partner", "X99001", "EDITOR", false).await;
    let unrelated = app.token_for("Elsewhere", "ZZ999", "ADMIN", false).await;
    let query = "{ pathways { totalCount edges { node { name owner { odsCode } } } } }";
    let seen = app.graphql_as(Some(&gp), query, json!({})).await;
    let names: Vec<&str> = seen["data"]["pathways"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("Hip fracture")),
        "{seen}"
    );
    assert_eq!(
        app.graphql_as(Some(&unrelated), query, json!({})).await["data"]["pathways"]["totalCount"],
        0
    );
    // Seeing is not changing: a draft made from it would be RX8's, which needs the EDITOR role.
    let ids = app
        .graphql_as(
            Some(&gp),
            "{ pathways { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let hip = ids["data"]["pathways"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"].as_str().unwrap().starts_with("Hip"))
        .unwrap()["node"]["id"]
        .clone();
    let clone = app
        .graphql_as(
            Some(&gp),
            "mutation($id: ID!) { clonePathway(id: $id) { id } }",
            json!({"id": hip}),
        )
        .await;
    assert_eq!(first_code(&clone), "FORBIDDEN", "{clone}");
    let projects = app
        .graphql_as(
            Some(&unrelated),
            "{ projects { nodes { id } } eventLogs { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(projects["data"]["projects"], json!([]));
    assert_eq!(projects["data"]["eventLogs"], json!([]));
}

async fn spawn_app_with_demo() -> crate::helpers::TestApp {
    crate::helpers::spawn_app_with(true).await
}

#[tokio::test]
async fn writing_events_needs_the_capability_and_reads_of_aggregates_are_audited() {
    let app = spawn_app().await;
    let log = app.event_log("Feed").await;
    let append = "mutation($log: ID!, $e: [EventInput!]!) { appendEvents(logId: $log, batchKey: \"b\", events: $e) { import { events } } }";
    let events = json!([{"caseId": "c1", "activity": "A", "timestamp": "2024-01-01T00:00:00Z"}]);
    // An administrator of the organisation who is a person, not its system: no EVENTS_WRITE.
    let person = app.token_for("Data manager", "XQ1", "ADMIN", false).await;
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&person), append, json!({"log": log, "e": events}))
                .await
        ),
        "FORBIDDEN"
    );
    // Another organisation's system client cannot even see the log.
    let stranger = app.token_for("Other system", "RA7", "EDITOR", true).await;
    assert_eq!(
        first_code(
            &app.graphql_as(Some(&stranger), append, json!({"log": log, "e": events}))
                .await
        ),
        "NOT_FOUND"
    );
    // The organisation's own system client writes.
    let system = app.token_for("XQ1 feed", "XQ1", "EDITOR", true).await;
    let ok = app
        .graphql_as(Some(&system), append, json!({"log": log, "e": events}))
        .await;
    assert_eq!(ok["data"]["appendEvents"]["import"]["events"], 1, "{ok}");

    // Reading the aggregates is recorded; administrators read the trail, others may not.
    app.graphql_as(
        Some(&person),
        "query($id: ID!) { eventLog(id: $id) { discovery { events } } }",
        json!({"id": log}),
    )
    .await;
    let xq1 = app.organisation_id("XQ1").await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { operation principalName outcome objectIds } pageInfo { hasNextPage } } }",
            json!({"o": xq1}),
        )
        .await;
    let entries = trail["auditTrail"]["nodes"].as_array().unwrap();
    let find = |op: &str, who: &str, outcome: &str| {
        entries
            .iter()
            .any(|e| e["operation"] == op && e["principalName"] == who && e["outcome"] == outcome)
    };
    assert!(find("appendEvents", "Data manager", "FORBIDDEN"), "{trail}");
    assert!(find("appendEvents", "XQ1 feed", "OK"), "{trail}");
    assert!(find("eventLog.discovery", "Data manager", "OK"), "{trail}");
    assert!(
        find("createEventLog", "test administrator", "OK"),
        "{trail}"
    );
    let viewer = app.token_for("Viewer", "XQ1", "VIEWER", false).await;
    let refused = app
        .graphql_as(
            Some(&viewer),
            "query($o: ID!) { auditTrail(organisationId: $o) { nodes { id } } }",
            json!({"o": xq1}),
        )
        .await;
    assert_eq!(first_code(&refused), "FORBIDDEN");
}

/// Issue 12: a `# <id>` comment in a refused mutation planted an entry in another organisation's
/// trail. The ids of an entry come from the operation's own arguments.
#[tokio::test]
async fn a_comment_cannot_plant_an_entry_in_another_organisations_trail() {
    let app = spawn_app().await;
    let log = app.event_log("Feed").await;
    let planter = app.token_for("Planter", "RA7", "ADMIN", false).await;
    let bogus = uuid::Uuid::now_v7();
    let refused = app
        .graphql_as(
            Some(&planter),
            &format!(
                "mutation {{ archivePathway(id: \"{bogus}\", expectedVersion: 1) {{ id }} }} # {log}"
            ),
            json!({}),
        )
        .await;
    assert_eq!(first_code(&refused), "NOT_FOUND", "{refused}");
    let xq1 = app.organisation_id("XQ1").await;
    let trail = app
        .data(
            "query($o: ID!) { auditTrail(organisationId: $o, first: 100) { nodes { principalName } } }",
            json!({"o": xq1}),
        )
        .await;
    assert!(!trail.to_string().contains("Planter"), "{trail}");
}

fn qiflow(args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .output()
        .expect("running qiflow");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_first_administrator_is_made_on_the_command_line_and_audited() {
    let app = spawn_app().await;
    let url = app.database_url.as_str();
    let (status, out, err) = qiflow(&[
        "token",
        "create",
        "--principal",
        "Jo Bloggs",
        "--org",
        "NEW1",
        "--org-name",
        "New Trust",
        "--role",
        "ADMIN",
        "--database-url",
        url,
    ]);
    assert_eq!(status, 0, "{err}");
    // The token alone on standard output, so scripts can capture it.
    let token = out.trim();
    assert!(
        token.starts_with("qf_") && token.len() == 67 && !out.trim_end().contains('\n'),
        "{out}"
    );
    let me = app
        .graphql_as(
            Some(token),
            "{ me { name memberships { role } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["name"], "Jo Bloggs", "{me}");
    assert_eq!(me["data"]["me"]["memberships"][0]["role"], "ADMIN");

    let (_, list, _) = qiflow(&["token", "list", "--database-url", url]);
    assert!(
        list.contains("Jo Bloggs") && !list.contains(token),
        "{list}"
    );
    let line = list.lines().find(|l| l.contains("Jo Bloggs")).unwrap();
    assert!(
        line.contains("person")
            && line.contains("ADMIN in NEW1")
            && line.contains("expires ")
            && line.contains("last used "),
        "role, organisation, kind, expiry and last use (it signed in above): {line}"
    );
    let (status, _, err) = qiflow(&[
        "token",
        "create",
        "--principal",
        "x",
        "--org",
        "NOPE1",
        "--role",
        "ADMIN",
        "--database-url",
        url,
    ]);
    assert_ne!(status, 0);
    assert!(err.contains("--org-name"), "{err}");

    let (status, export, err) =
        qiflow(&["audit", "export", "--org", "NEW1", "--database-url", url]);
    assert_eq!(status, 0, "{err}");
    let entries: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        entries
            .iter()
            .any(|e| e["operation"] == "token create" && e["principalName"] == "installation"),
        "{export}"
    );
}

/// Issue 12: `token create --principal NAME` for a principal of another organisation silently
/// gave it a membership (and a token) there; `--system` on an existing person made it a system.
#[tokio::test]
async fn token_create_refuses_to_reuse_another_organisations_principal_unless_told() {
    let app = spawn_app().await;
    let url = app.database_url.as_str();
    let create = |principal: &str, org: &str, extra: &[&str]| {
        let mut args = vec![
            "token",
            "create",
            "--principal",
            principal,
            "--org",
            org,
            "--org-name",
            "Trust",
            "--role",
            "EDITOR",
            "--database-url",
            url,
        ];
        args.extend_from_slice(extra);
        qiflow(&args)
    };
    let (status, _, err) = create("Sam Analyst", "RA1", &[]);
    assert_eq!(status, 0, "{err}");
    let (status, out, err) = create("Sam Analyst", "RB2", &[]);
    assert_ne!(status, 0, "{out}");
    assert!(
        err.contains("EDITOR in RA1") && err.contains("--existing"),
        "{err}"
    );
    let (status, _, err) = create("Sam Analyst", "RB2", &["--existing"]);
    assert_eq!(status, 0, "{err}");
    // Another token in the principal's own organisation needs no flag.
    let (status, _, err) = create("Sam Analyst", "RA1", &[]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = create("Sam Analyst", "RA1", &["--system", "--existing"]);
    assert_ne!(status, 0);
    assert!(err.contains("is a person"), "{err}");
}

#[tokio::test]
async fn an_administrator_lists_the_tokens_of_its_own_organisations_only() {
    let app = spawn_app().await;
    let admin = app.token_for("XQ1 admin", "XQ1", "ADMIN", false).await;
    app.token_for("XQ1 viewer", "XQ1", "VIEWER", false).await;
    app.token_for("Other admin", "RA7", "ADMIN", false).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let caller = api::store::tokens::authenticate_token(&db, &admin)
        .await
        .unwrap();
    let names: Vec<String> = api::store::tokens::list_tokens(&db, &caller)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.principal)
        .collect();
    assert!(names.contains(&"XQ1 viewer".to_string()), "{names:?}");
    assert!(names.contains(&"XQ1 admin".to_string()), "{names:?}");
    assert!(!names.contains(&"Other admin".to_string()), "{names:?}");
    let everyone = api::store::tokens::list_tokens(&db, &api::caller::Caller::Installation)
        .await
        .unwrap();
    assert!(everyone.iter().any(|t| t.principal == "Other admin"));
}
