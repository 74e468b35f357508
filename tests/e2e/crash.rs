//! A server killed (SIGKILL) in the middle of concurrent writes leaves an audit entry for every
//! change it committed and none for a change it did not: the entry is written in the write's
//! own transaction. Always on an SQLite file (the embedded store), whatever the suite runs on.

use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const KILLS: usize = 5;
const WRITERS: usize = 8;

fn qiflow(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("running qiflow")
}

/// Starts `qiflow serve` on a free port and waits until it answers.
pub(crate) async fn serve(database_url: &str, key_file: &str) -> (Child, String) {
    serve_with(database_url, key_file, &[]).await
}

/// [`serve`] with more arguments.
pub(crate) async fn serve_with(
    database_url: &str,
    key_file: &str,
    more: &[&str],
) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qiflow"))
        .args([
            "serve",
            "--database-url",
            database_url,
            "--key-file",
            key_file,
        ])
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--points-per-minute", "1000000"])
        .args(more)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting qiflow serve");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{url}/healthz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().ok();
    child.wait().ok();
    panic!("qiflow serve did not start");
}

#[tokio::test]
async fn every_committed_write_has_its_audit_entry_after_kill_9() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database_url = format!("sqlite://{}", dir.path().join("q.db").display());
    let key_file = dir.path().join("qiflow.key").display().to_string();
    let created = qiflow(&[
        "token",
        "create",
        "--principal",
        "crash tester",
        "--org",
        "CRASH1",
        "--org-name",
        "Crash test trust",
        "--role",
        "ADMIN",
        "--database-url",
        &database_url,
    ]);
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let next = Arc::new(AtomicUsize::new(0));
    let mut answered_ok = 0;
    for round in 0..KILLS {
        let (mut child, url) = serve(&database_url, &key_file).await;
        let client = reqwest::Client::new();
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (client, url, token, next) =
                    (client.clone(), url.clone(), token.clone(), next.clone());
                tokio::spawn(async move {
                    let mut ok = 0;
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        let body = json!({
                            "query": "mutation($c: String!) { createOrganisation(input: {odsCode: $c, name: \"Trust\", kind: OTHER}) { id } }",
                            "variables": {"c": format!("K{n:06}")},
                        });
                        let sent = client
                            .post(format!("{url}/graphql"))
                            .bearer_auth(&token)
                            .json(&body)
                            .send()
                            .await;
                        let Ok(response) = sent else { return ok };
                        let Ok(answer) = response.json::<Value>().await else {
                            return ok;
                        };
                        if answer["data"]["createOrganisation"]["id"].is_string() {
                            ok += 1;
                        }
                    }
                })
            })
            .collect();
        // Let the writers get going, then kill the server without warning mid-write.
        tokio::time::sleep(Duration::from_millis(400 + 150 * round as u64)).await;
        child.kill().expect("SIGKILL");
        child.wait().ok();
        for writer in writers {
            answered_ok += writer.await.expect("writer task");
        }
    }
    assert!(
        answered_ok >= KILLS,
        "too few writes got through: {answered_ok}"
    );

    // Every organisation that exists (beyond the first) was committed: each must have its entry;
    // every OK entry must name an organisation that exists.
    let exported = qiflow(&["audit", "export", "--database-url", &database_url]);
    assert!(exported.status.success(), "{exported:?}");
    let entries: Vec<Value> = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .filter(|e: &Value| e["operation"] == "createOrganisation" && e["outcome"] == "OK")
        .collect();
    let audited: HashSet<String> = entries
        .iter()
        .flat_map(|e| e["objectIds"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_str().map(str::to_string))
        .collect();
    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, ods_code FROM organisation WHERE ods_code LIKE 'K%'",
        ))
        .await
        .unwrap();
    let committed: HashSet<String> = rows
        .iter()
        .map(|r| {
            let id: uuid::Uuid = r.try_get_by_index(0).unwrap();
            id.to_string()
        })
        .collect();
    assert!(committed.len() >= answered_ok, "answered OK but not stored");
    let missing: Vec<_> = committed.difference(&audited).collect();
    assert!(
        missing.is_empty(),
        "{} of {} committed organisations have no audit entry: {missing:?}",
        missing.len(),
        committed.len()
    );
    assert_eq!(
        entries.len(),
        committed.len(),
        "an OK entry for a change that was not committed"
    );
    eprintln!(
        "{KILLS} kills, {} writes committed, {} answered OK, all audited",
        committed.len(),
        answered_ok
    );
}
