//! The web page in a real browser (Debian's chromium and chromium-driver, over WebDriver):
//! sign in with the demo token, open the demo pathway, check the map marks the hotspots the API
//! reports, run a what-if, open the project and check its charts and icon table. Screenshots go
//! to `target/screenshots/`. Without a browser the test says it skipped; under CI
//! (`CI=true`) that is a failure.

use crate::helpers::spawn_app_with;
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but chromium-driver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: no chromedriver (install Debian's chromium and chromium-driver)");
    }
    found
}

pub(crate) async fn wait_for(
    client: &fantoccini::Client,
    css: &str,
) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

/// Waits for the element at `xpath` and clicks it. When the page redraws between finding the
/// element and clicking it (a chart's SVG is replaced whole when the page reloads its data), the
/// element found is stale: it is found again, within the same 20 seconds. When a section drawn
/// above it moves it between WebDriver scrolling to it and clicking (CI saw a log's imports table
/// pushed down as its discovery arrived), the click lands on another element: it is tried again.
pub(crate) async fn click(client: &fantoccini::Client, xpath: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let found = client
            .wait()
            .at_most(left)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"));
        match found.click().await {
            Ok(_) => return,
            Err(fantoccini::error::CmdError::Standard(e))
                if matches!(
                    e.error,
                    fantoccini::error::ErrorStatus::StaleElementReference
                        | fantoccini::error::ErrorStatus::ElementClickIntercepted
                ) && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("clicking {xpath}: {e}"),
        }
    }
}

/// Saves a screenshot to `target/screenshots/`, and to `docs/screenshots/` (the README's) when
/// `UPDATE_SCREENSHOTS=1`.
pub(crate) async fn screenshot(client: &fantoccini::Client, name: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let png = client.screenshot().await.unwrap();
    let mut dirs = vec![root.join("target/screenshots")];
    if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        dirs.push(root.join("docs/screenshots"));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    }
}

/// What the page cost to load (bytes over the wire, compressed, headers included; and the
/// milliseconds from navigation to the first page drawn and working), printed for the README
/// and the closing note; not asserted (speed is measured, not tested).
async fn page_weight(client: &fantoccini::Client, what: &str) {
    let figures = client
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0];
             const resources = performance.getEntriesByType('resource');
             const mark = performance.getEntriesByName('qiflow:interactive')[0];
             return { files: resources.length + 1,
               transfer: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
               body: nav.decodedBodySize + resources.reduce((s, r) => s + r.decodedBodySize, 0),
               interactive: mark ? Math.round(mark.startTime) : null };",
            vec![],
        )
        .await
        .unwrap();
    eprintln!("page weight, {what}: {figures}");
}

/// A headless Chromium driven over WebDriver, or None (skipped) without one outside CI. The
/// driver process stops when the first value drops.
pub(crate) async fn open_browser() -> Option<(Driver, fantoccini::Client)> {
    let driver_path = chromedriver()?;
    // Two TLS back ends are linked into the tests; pick one (only localhost is spoken to).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1280,800",
            // No network but this machine: every other address goes to a proxy that is not
            // there (Chromium never proxies loopback), so the page and GraphiQL must work offline.
            "--proxy-server=http://127.0.0.1:9"
        ]}),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Some((driver, client.expect("connecting to chromedriver")))
}

/// Makes the page record its downloads (and the files they would save) instead of saving them.
pub(crate) async fn record_downloads(client: &fantoccini::Client) {
    client
        .execute(
            "window.downloads = [];
             window.blobs = new Map();
             const make = URL.createObjectURL;
             URL.createObjectURL = (blob) => { const url = make(blob); window.blobs.set(url, blob); return url; };
             HTMLAnchorElement.prototype.click = function () { window.downloads.push({ name: this.download, href: this.href }); };",
            vec![],
        )
        .await
        .unwrap();
}

/// The first `count` downloads recorded since `record_downloads`: each file's name, first 8
/// bytes, size and (for text) its text. Waits up to 5 s for them.
pub(crate) async fn downloads(client: &fantoccini::Client, count: usize) -> serde_json::Value {
    client
        .execute_async(
            "const [count, done] = [arguments[0], arguments[arguments.length - 1]];
             const started = Date.now();
             const wait = () => window.downloads.length >= count ? read()
               : Date.now() - started > 5000 ? done({ failed: document.getElementById('status').textContent, downloads: window.downloads })
               : setTimeout(wait, 50);
             // (The page's policy allows no fetch of blob: addresses; the Blob is read itself.)
             const read = async () => done(await Promise.all(window.downloads.map(async (d) => {
               const blob = window.blobs.get(d.href);
               const bytes = new Uint8Array(await blob.arrayBuffer());
               return { name: d.name, head: Array.from(bytes.slice(0, 8)), size: bytes.length,
                 text: blob.type.startsWith('image/png') ? null : await blob.text() };
             })));
             wait();",
            vec![json!(count)],
        )
        .await
        .unwrap()
}

/// The download among `files` (from [`downloads`]) whose name ends with `ending`: downloads
/// fetched on their own finish in either order.
pub(crate) fn download_named<'a>(
    files: &'a serde_json::Value,
    ending: &str,
) -> &'a serde_json::Value {
    files
        .as_array()
        .unwrap_or_else(|| panic!("no downloads: {files}"))
        .iter()
        .find(|f| f["name"].as_str().is_some_and(|n| n.ends_with(ending)))
        .unwrap_or_else(|| panic!("no {ending} download: {files}"))
}

/// Runs axe-core (WCAG 2.0, 2.1 and 2.2 A and AA rules) on the page as it is now and fails,
/// listing them, on any violation.
pub(crate) async fn assert_accessible(client: &fantoccini::Client, page: &str) {
    let axe = include_str!("vendor/axe.min.js");
    client
        .execute(&format!("{axe}\nreturn true;"), vec![])
        .await
        .expect("loading axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
               .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))))
               .catch((e) => done([{ id: 'axe-failed', help: String(e) }]));",
            vec![],
        )
        .await
        .expect("running axe-core");
    assert_eq!(
        found.as_array().map_or(0, Vec::len),
        0,
        "axe-core on {page}: {found:#}"
    );
}

#[tokio::test]
async fn the_web_page_shows_the_demo_pathway_hotspots_what_if_and_project() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;

    // Sign in with the demo token.
    client.goto(&format!("{}/", app.address)).await.unwrap();
    wait_for(&client, "#token")
        .await
        .send_keys(&app.token)
        .await
        .unwrap();
    screenshot(&client, "sign-in").await;
    page_weight(&client, "first visit (sign-in page, every module loaded)").await;
    assert_accessible(&client, "sign-in").await;
    client
        .find(Locator::Css("#signin-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let link = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//a[starts-with(., 'Hip fracture')]"))
        .await
        .expect("the demo pathway is listed");
    screenshot(&client, "pathways").await;
    assert_accessible(&client, "pathways").await;
    link.click().await.unwrap();

    // The map marks the hotspots the API reports.
    wait_for(&client, "#map svg").await;
    wait_for(&client, "#hotspots").await;
    let api = app
        .data(
            "{ pathways { edges { node { name analysis { hotspots { title } } } } } }",
            json!({}),
        )
        .await;
    let hip = api["pathways"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"].as_str().unwrap().starts_with("Hip"))
        .unwrap();
    let reported = hip["node"]["analysis"]["hotspots"]
        .as_array()
        .unwrap()
        .len()
        .min(5);
    let marked = client
        .find_all(Locator::Css("#map svg [data-hotspot]"))
        .await
        .unwrap();
    let mut marks = Vec::new();
    for m in &marked {
        marks.push(m.attr("data-hotspot").await.unwrap().unwrap_or_default());
    }
    marks.sort();
    marks.dedup();
    assert!(!marks.is_empty() && marks.len() <= reported, "{marks:?}");
    assert!(marks.contains(&"H1".to_string()), "{marks:?}");
    let legend = client
        .find(Locator::Css("#map svg"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first = hip["node"]["analysis"]["hotspots"][0]["title"]
        .as_str()
        .unwrap();
    let prefix: String = first.chars().take(20).collect();
    assert!(
        legend.contains(&format!("H1 {prefix}")),
        "the legend names the API's top hotspot: {legend}"
    );
    let table = client
        .find(Locator::Css("#hotspots"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(table.contains(&prefix), "{table}");
    client
        .execute("document.getElementById('map').scrollIntoView()", vec![])
        .await
        .unwrap();
    // Reloaded with a warm cache (the token stays for the tab): the demo pathway's cost.
    client.refresh().await.unwrap();
    wait_for(&client, "#hotspots").await;
    page_weight(&client, "the demo pathway, reloaded").await;
    screenshot(&client, "pathway").await;
    assert_accessible(&client, "pathway").await;
    // At a tablet's width the page reflows instead of scrolling sideways (pictures scroll inside
    // their own frames).
    client.set_window_size(800, 1100).await.unwrap();
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    if overflow.as_i64().unwrap_or(0) > 0 {
        // Name the widest elements, so the failure says what to fix.
        let wide = client
            .execute(
                "return [...document.querySelectorAll('body *')]
                   .filter((e) => !e.closest('svg') && e.getBoundingClientRect().right > window.innerWidth + 1)
                   .slice(0, 8).map((e) => e.tagName + '.' + e.className + '#' + e.id);",
                vec![],
            )
            .await
            .unwrap();
        panic!("the page is wider than a tablet by {overflow} px: {wide}");
    }
    screenshot(&client, "pathway-tablet").await;
    client.set_window_size(1280, 800).await.unwrap();
    client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();

    // The map downloads as SVG and as PNG (the page's download links are recorded instead of
    // followed, with the files they would save).
    record_downloads(&client).await;
    click(&client, "//button[.='Download SVG']").await;
    click(&client, "//button[.='Download PNG']").await;
    let files = downloads(&client, 2).await;
    let svg = download_named(&files, ".svg");
    assert_eq!(
        svg["head"].as_array().map(|h| h[..4].to_vec()),
        Some(vec![json!(60), json!(115), json!(118), json!(103)]),
        "starts <svg: {files}"
    );
    let png = download_named(&files, ".png");
    assert_eq!(
        png["head"],
        json!([137, 80, 78, 71, 13, 10, 26, 10]),
        "the PNG signature: {files}"
    );

    // A what-if predicts a lead time.
    let amount = wait_for(&client, "#whatif-amount").await;
    amount.send_keys("30").await.unwrap();
    click(&client, "//button[.='Add this change']").await;
    wait_for(&client, "#whatif-changes li").await;
    click(&client, "//button[@id='whatif-predict']").await;
    let predicted = wait_for(&client, "#predicted").await.text().await.unwrap();
    assert!(
        predicted.contains("day") || predicted.contains("hour"),
        "{predicted}"
    );
    screenshot(&client, "what-if").await;
    // ... and is saved as a change idea in the demo project's driver diagram.
    click(&client, "//button[.='Save as a change idea…']").await;
    wait_for(&client, "#idea-text").await;
    click(&client, "//button[.='Save change idea']").await;
    click(&client, "//p[contains(., 'Saved as a change idea in')]").await;
    let drivers = app
        .data(
            "{ projects { nodes { drivers { kind text changes } } } }",
            json!({}),
        )
        .await;
    let saved = drivers["projects"][0]["drivers"]
        .as_array()
        .unwrap_or_else(|| panic!("{drivers}"))
        .iter()
        .find(|d| d["text"].as_str().unwrap_or("").starts_with("Wait "))
        .cloned()
        .expect("the change idea is in the driver diagram");
    assert_eq!(saved["kind"], "CHANGE_IDEA");
    assert_eq!(
        saved["changes"][0]["setWaitMinutes"]["minutes"], 30.0,
        "{saved}"
    );

    // The project: a chart per measure and the icon table.
    client
        .goto(&format!("{}/#/projects", app.address))
        .await
        .unwrap();
    click(&client, "//a[starts-with(., 'Hip fracture')]").await;
    wait_for(&client, "#summary").await;
    let charts = client
        .find_all(Locator::Css(".chart svg [data-icon='variation']"))
        .await
        .unwrap();
    let rows = client
        .find_all(Locator::Css("#summary tbody tr"))
        .await
        .unwrap();
    let measures = app
        .data(
            "{ projects { nodes { measures { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let count = measures["projects"][0]["measures"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(rows.len(), count);
    assert_eq!(charts.len(), count);
    screenshot(&client, "project").await;
    assert_accessible(&client, "project").await;
    client
        .execute("document.querySelector('.chart').scrollIntoView()", vec![])
        .await
        .unwrap();
    screenshot(&client, "project-chart").await;

    // The event log and its conformance.
    client
        .goto(&format!("{}/#/logs", app.address))
        .await
        .unwrap();
    click(&client, "//a[contains(., 'demo')]").await;
    wait_for(&client, ".qf-picture svg").await;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//h2[.='Against the pathway map']"))
        .await
        .unwrap();
    screenshot(&client, "event-log").await;
    assert_accessible(&client, "event log").await;

    // Signing out returns to sign-in; a bad token says so.
    client
        .find(Locator::Css("#sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "#token")
        .await
        .send_keys("qf_not-a-token")
        .await
        .unwrap();
    client
        .find(Locator::Css("#signin-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // (The sign-out message stands until the refusal replaces it.)
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//div[contains(@class, 'nhsuk-inset-text')][contains(., 'sign in again')]",
        ))
        .await
        .expect("a refused token says to sign in again");

    // GraphiQL runs from the binary alone, under a policy that allows no other origin and no
    // inline script (issue 12): it loaded from a CDN before.
    client
        .goto(&format!("{}/graphql", app.address))
        .await
        .unwrap();
    wait_for(&client, ".graphiql-container").await;
    // And it runs the README's first query, with the token in its Headers tab.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let first_query = readme
        .split("Paste into GraphiQL:\n\n```graphql\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README's first query")
        .to_string();
    client
        .execute(
            "const editors = document.querySelectorAll('.CodeMirror');
             const byClass = (c) => [...editors].find((e) => e.closest(c));
             byClass('.graphiql-query-editor').CodeMirror.setValue(arguments[0]);
             // The headers editor is the one holding the default Authorization header.
             [...editors].find((e) => e.CodeMirror.getValue().includes('Authorization'))
               .CodeMirror.setValue(arguments[1]);",
            vec![
                json!(first_query),
                json!(format!("{{\"Authorization\": \"Bearer {}\"}}", app.token)),
            ],
        )
        .await
        .unwrap();
    click(
        &client,
        "//button[contains(@class, 'graphiql-execute-button')]",
    )
    .await;
    let mut answer = String::new();
    for _ in 0..100 {
        answer = client
            .execute(
                "const r = document.querySelector('.graphiql-response .CodeMirror');
                 return r ? r.CodeMirror.getValue() : '';",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if answer.contains("totalCount") || answer.contains("errors") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("GraphiQL shows JSON");
    assert!(answer["errors"].is_null(), "{answer}");
    assert!(
        answer["data"]["pathways"]["totalCount"].as_i64().unwrap() >= 2,
        "{answer}"
    );
    screenshot(&client, "graphiql").await;

    // And the README's subscription: it shows a point recorded meanwhile, through the same
    // headers (GraphiQL sends them in the WebSocket's connection_init).
    let subscription = readme
        .split("Subscribe in GraphiQL:\n\n```graphql\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README's subscription")
        .to_string();
    client
        .execute(
            "const editors = document.querySelectorAll('.CodeMirror');
             [...editors].find((e) => e.closest('.graphiql-query-editor'))
               .CodeMirror.setValue(arguments[0]);",
            vec![json!(subscription)],
        )
        .await
        .unwrap();
    // GraphiQL parses the edited document after a pause; until then it would run the previous
    // one's operation type (a query, over HTTP).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    click(
        &client,
        "//button[contains(@class, 'graphiql-execute-button')]",
    )
    .await;
    let measures = app
        .data(
            "{ projects(first: 10) { nodes { measures(first: 10) { nodes { id fromLog { logId } } } } } }",
            json!({}),
        )
        .await;
    let measure = measures["projects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["measures"].as_array().unwrap().clone())
        .find(|m| m["fromLog"].is_null())
        .expect("a demo measure with points entered by hand")["id"]
        .clone();
    let mut shown = String::new();
    for _ in 0..50 {
        // Recorded again until the subscription (started asynchronously) shows one.
        app.data(
            "mutation($id: ID!) { recordDataPoints(measureId: $id, points: [{date: \"2025-06-02\", value: 1}], allowFuture: true) { inserted } }",
            json!({"id": measure}),
        )
        .await;
        shown = client
            .execute(
                "const r = document.querySelector('.graphiql-response .CodeMirror');
                 return r ? r.CodeMirror.getValue() : '';",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if shown.contains("measure.points_recorded") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        shown.contains("measure.points_recorded"),
        "GraphiQL's subscription showed: {shown}"
    );
    screenshot(&client, "graphiql-subscription").await;
    client.close().await.unwrap();
}
