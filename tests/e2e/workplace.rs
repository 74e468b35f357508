//! Issue 17: an ICS lead maps, checks and analyses a cross-organisation pathway in the browser
//! with no JSON and no GraphQL: the acute stroke pathway (ambulance trust, acute trust with ED,
//! CT, thrombolysis and stroke unit, community rehab, social care, GP), 14 steps with a CT rescan
//! loop and an assessment done twice. The test makes two validation problems on purpose and fixes
//! them from the problem list, then sees the DELAY, REWORK and DUPLICATION hotspots, runs a
//! what-if, publishes, clones and compares. The page's lead time must equal the API's, and
//! axe-core must find nothing on any view visited. Screenshots go to `target/screenshots/`.

use crate::browser::{
    assert_accessible, click, downloads, open_browser, record_downloads, screenshot, wait_for,
};
use crate::helpers::spawn_app_with;
use fantoccini::{Client, Locator};
use serde_json::json;

/// (key, name, kind, organisation, hands-on minutes, activity code, data items)
const STEPS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    ("CALL", "999 call", "START", "RX9", "0", "", ""),
    (
        "PARAMEDIC",
        "Paramedic assessment",
        "ACTIVITY",
        "RX9",
        "20",
        "",
        "FAST",
    ),
    ("ED_TRIAGE", "ED triage", "ACTIVITY", "RX8", "10", "", ""),
    (
        "STROKE_ASSESS",
        "Stroke team assessment",
        "ACTIVITY",
        "RX8",
        "30",
        "ASSESS",
        "NIHSS",
    ),
    ("CT", "CT head scan", "ACTIVITY", "RX8", "15", "", ""),
    ("SCAN_REVIEW", "Scan review", "DECISION", "RX8", "5", "", ""),
    (
        "THROMBOLYSIS",
        "Thrombolysis",
        "ACTIVITY",
        "RX8",
        "60",
        "",
        "",
    ),
    (
        "STROKE_UNIT",
        "Stroke unit care",
        "ACTIVITY",
        "RX8",
        "600",
        "",
        "",
    ),
    (
        "DISCHARGE_PLAN",
        "Discharge planning",
        "ACTIVITY",
        "RX8",
        "45",
        "",
        "",
    ),
    (
        "COMMUNITY_ASSESS",
        "Community rehab assessment",
        "ACTIVITY",
        NEW_ORGANISATION,
        "30",
        "ASSESS",
        "NIHSS",
    ),
    (
        "REHAB",
        "Community rehabilitation",
        "ACTIVITY",
        NEW_ORGANISATION,
        "300",
        "",
        "",
    ),
    (
        "CARE_PACKAGE",
        "Care package",
        "ACTIVITY",
        "X99ASC",
        "60",
        "",
        "",
    ),
    ("GP_REVIEW", "GP review", "ACTIVITY", "X99001", "15", "", ""),
    ("HOME", "Home", "END", "X99001", "0", "", ""),
];

/// The community stroke team is not in the directory yet: the journey adds it from the step
/// form.
const NEW_ORGANISATION: &str = "RYX";

/// (from, to, share %, wait, unit, hand-off). The scan review's shares add up to 90% on
/// purpose, and the GP review's way home is left out: the two problems the test then fixes.
const TRANSITIONS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("CALL", "PARAMEDIC", "", "10", "minutes", "PHONE"),
    ("PARAMEDIC", "ED_TRIAGE", "", "45", "minutes", "TRANSFER"),
    (
        "ED_TRIAGE",
        "STROKE_ASSESS",
        "",
        "20",
        "minutes",
        "INTERNAL",
    ),
    ("STROKE_ASSESS", "CT", "", "30", "minutes", "INTERNAL"),
    ("CT", "SCAN_REVIEW", "", "15", "minutes", "ELECTRONIC"),
    ("SCAN_REVIEW", "CT", "10", "20", "minutes", "INTERNAL"),
    (
        "SCAN_REVIEW",
        "THROMBOLYSIS",
        "30",
        "10",
        "minutes",
        "INTERNAL",
    ),
    ("SCAN_REVIEW", "STROKE_UNIT", "50", "4", "hours", "INTERNAL"),
    ("THROMBOLYSIS", "STROKE_UNIT", "", "1", "hours", "INTERNAL"),
    ("STROKE_UNIT", "DISCHARGE_PLAN", "", "3", "days", "INTERNAL"),
    (
        "DISCHARGE_PLAN",
        "COMMUNITY_ASSESS",
        "",
        "2",
        "days",
        "REFERRAL",
    ),
    ("COMMUNITY_ASSESS", "REHAB", "", "1", "days", "INTERNAL"),
    ("REHAB", "CARE_PACKAGE", "", "1", "days", "REFERRAL"),
    ("CARE_PACKAGE", "GP_REVIEW", "", "3", "days", "LETTER"),
];

pub(crate) async fn fill(client: &Client, css: &str, text: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.unwrap();
    if !text.is_empty() {
        input.send_keys(text).await.unwrap();
    }
}

pub(crate) async fn choose(client: &Client, css: &str, value: &str) {
    wait_for(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choosing {value} in {css}: {e}"));
}

/// Types into the field at `xpath`.
async fn fill_xpath(client: &Client, xpath: &str, text: &str) {
    let input = client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Waits until the page's status line says `text`.
pub(crate) async fn notice(client: &Client, text: &str) {
    wait_for_xpath(
        client,
        &format!("//p[@id='notice'][contains(., \"{text}\")]"),
    )
    .await;
}

/// Waits for the element at `xpath`.
pub(crate) async fn wait_for_xpath(client: &Client, xpath: &str) {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"));
}

/// Waits until the element at `css` shows text other than `old` (and some), and gives it.
async fn wait_for_text_change(client: &Client, css: &str, old: &str) -> String {
    for _ in 0..200 {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && !text.is_empty()
            && text != old
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} still shows {old:?} after 20 s");
}

/// Adds a step through the step form.
async fn add_step(client: &Client, step: &(&str, &str, &str, &str, &str, &str, &str)) {
    let (key, name, kind, org, touch, code, items) = *step;
    click(client, "//button[@id='add-step']").await;
    fill(client, "#step-name", name).await;
    fill(client, "#step-key", key).await;
    choose(client, "#step-kind", kind).await;
    if org != NEW_ORGANISATION
        || client
            .find(Locator::Css(&format!(
                "#step-organisation option[value='{org}']"
            )))
            .await
            .is_ok()
    {
        choose(client, "#step-organisation", org).await;
    }
    if org == NEW_ORGANISATION
        && client
            .find(Locator::Css(&format!(
                "#step-organisation option[value='{org}']"
            )))
            .await
            .is_err()
    {
        click(client, "//summary[contains(., 'Organisation not listed?')]").await;
        fill(client, "#new-org-odsCode", org).await;
        fill(
            client,
            "#new-org-name",
            "Northshire Stroke Early Supported Discharge",
        )
        .await;
        choose(client, "#new-org-kind", "COMMUNITY_TRUST").await;
        click(client, "//button[@id='add-organisation']").await;
        notice(client, "Added Northshire Stroke Early Supported Discharge").await;
        let picked = wait_for(client, "#step-organisation")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            picked.as_deref(),
            Some(org),
            "the new organisation is chosen"
        );
        // The form keeps what was typed before the organisation was added.
        let kept = wait_for(client, "#step-name")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some(name));
    }
    fill(client, "#step-touchMinutes", touch).await;
    fill(client, "#step-activityCode", code).await;
    fill(client, "#step-dataItems", items).await;
    click(client, "//button[.='Add step']").await;
    notice(client, &format!("Added the step {name}.")).await;
}

/// Adds a transition through the transition form (steps picked by their keys' labels).
async fn add_transition(client: &Client, t: &(&str, &str, &str, &str, &str, &str)) {
    let (from, to, share, wait, unit, handoff) = *t;
    click(client, "//button[@id='add-transition']").await;
    let id_of =
        |key: &str| format!("//select[@id='transition-from']/option[contains(., '({key})')]");
    let from_id = wait_for_attr(client, &id_of(from)).await;
    let to_id = wait_for_attr(
        client,
        &format!("//select[@id='transition-to']/option[contains(., '({to})')]"),
    )
    .await;
    choose(client, "#transition-from", &from_id).await;
    choose(client, "#transition-to", &to_id).await;
    fill(client, "#transition-probability", share).await;
    fill(client, "#transition-wait", wait).await;
    choose(client, "#transition-unit", unit).await;
    choose(client, "#transition-handoff", handoff).await;
    click(client, "//button[.='Add transition']").await;
    notice(client, "Added the transition.").await;
}

async fn wait_for_attr(client: &Client, xpath: &str) -> String {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"))
        .attr("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// A screenshot of the top of the page.
async fn picture(client: &Client, name: &str) {
    client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    screenshot(client, name).await;
}

pub(crate) async fn text(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.unwrap()
}

#[tokio::test]
async fn an_ics_lead_maps_checks_analyses_publishes_clones_and_compares_a_stroke_pathway() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    client.goto(&format!("{}/", app.address)).await.unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;

    // A new pathway from the pathways page; a missing name is named before anything is sent.
    wait_for(&client, "#new-pathway").await;
    click(&client, "//button[.='Create pathway']").await;
    let summary = text(&client, ".nhsuk-error-summary").await;
    assert!(summary.contains("Enter the pathway's name"), "{summary}");
    // Focus moves to the errors, so they are read out at once.
    let focused = client
        .execute(
            "return document.activeElement.classList.contains('nhsuk-error-summary')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, json!(true), "focus is on the error summary");
    assert_accessible(&client, "pathways with an error").await;
    fill(&client, "#new-name", "Acute stroke").await;
    fill(&client, "#new-condition", "Stroke").await;
    choose(&client, "#new-owner", "RX8").await;
    fill(&client, "#new-demandPerDay", "4").await;
    click(&client, "//button[.='Create pathway']").await;
    wait_for_xpath(&client, "//h1[contains(., 'Acute stroke')]").await;
    picture(&client, "editor-new").await;

    for step in STEPS {
        add_step(&client, step).await;
    }
    click(&client, "//button[@id='add-transition']").await;
    wait_for(&client, "#transition-form").await;
    assert_accessible(&client, "transition form").await;
    click(&client, "//button[.='Cancel']").await;
    for t in TRANSITIONS {
        add_transition(&client, t).await;
    }
    picture(&client, "editor-problems").await;

    // The two problems made on purpose are listed, each linking to what to fix.
    // (A dead end also leaves the steps before it with no way to the end: those are listed too.)
    let problems = text(&client, "#problems").await;
    assert!(problems.contains("sum to 0.9"), "{problems}");
    assert!(problems.contains("'GP_REVIEW' is not an END"), "{problems}");
    click(&client, "//a[@data-code='PROBABILITY_SUM']").await;
    let heading = text(&client, "#transition-form-title").await;
    assert!(heading.contains("Scan review"), "{heading}");
    assert_accessible(&client, "editing a transition").await;
    // Fix the shares: the way to the stroke unit takes the missing 10%.
    click(&client, "//button[.='Cancel']").await;
    click(
        &client,
        "//table[@id='transitions']//button[contains(., 'Scan review') and contains(., 'Stroke unit care')]",
    )
    .await;
    fill(&client, "#transition-probability", "60").await;
    click(&client, "//button[.='Save transition']").await;
    notice(&client, "Saved the transition.").await;
    let problems = text(&client, "#problems").await;
    assert!(!problems.contains("sum to"), "{problems}");
    assert!(problems.contains("'GP_REVIEW' is not an END"), "{problems}");
    add_transition(
        &client,
        &("GP_REVIEW", "HOME", "", "0", "minutes", "DISCHARGE"),
    )
    .await;
    // No problems left: the analysis appears with the hotspots the issue names.
    wait_for(&client, "#hotspots").await;
    assert!(
        client.find(Locator::Css("#problems")).await.is_err(),
        "the problems are fixed"
    );
    for kind in ["DELAY", "REWORK", "DUPLICATION"] {
        client
            .find(Locator::Css(&format!("#hotspots tr[data-kind='{kind}']")))
            .await
            .unwrap_or_else(|_| panic!("a {kind} hotspot is shown"));
    }
    // Clicking a box on the map opens that step.
    client
        .execute(
            "document.querySelector('#map [data-step=\"CT\"]').dispatchEvent(new MouseEvent('click', { bubbles: true }))",
            vec![],
        )
        .await
        .unwrap();
    let heading = text(&client, "#step-form-title").await;
    assert!(heading.contains("CT head scan"), "{heading}");
    picture(&client, "editor-step").await;
    assert_accessible(&client, "editing a step").await;
    click(&client, "//button[.='Cancel']").await;

    // Clicking an arrow on the map opens that transition.
    client
        .execute(
            "document.querySelector('#map [data-from=\"STROKE_UNIT\"][data-to=\"DISCHARGE_PLAN\"] path').dispatchEvent(new MouseEvent('click', { bubbles: true }))",
            vec![],
        )
        .await
        .unwrap();
    let heading = text(&client, "#transition-form-title").await;
    assert!(
        heading.contains("Stroke unit care → Discharge planning"),
        "{heading}"
    );
    click(&client, "//button[.='Cancel']").await;

    // Someone else saves first: the page's edit is refused and it offers to reload.
    let id = client
        .current_url()
        .await
        .unwrap()
        .fragment()
        .unwrap()
        .trim_start_matches("/pathway/")
        .to_string();
    click(&client, "//table[@id='steps']//button[contains(., 'Home')]").await;
    let revision = app
        .data(
            "query($id: ID!) { pathway(id: $id) { revision } }",
            json!({ "id": id }),
        )
        .await["pathway"]["revision"]
        .as_i64()
        .unwrap();
    app.data(
        "mutation($id: ID!, $v: Int!) { updatePathway(input: { id: $id, expectedVersion: $v, demandPerDay: 5 }) { revision } }",
        json!({ "id": id, "v": revision }),
    )
    .await;
    fill(&client, "#step-name", "Home (own home)").await;
    click(&client, "//button[.='Save step']").await;
    let conflict = text(&client, "#conflict-title").await;
    assert!(conflict.contains("Someone else changed"), "{conflict}");
    assert_accessible(&client, "a conflict").await;
    click(&client, "//button[@id='reload']").await;
    wait_for_xpath(
        &client,
        &format!("//p[contains(., 'revision {}')]", revision + 1),
    )
    .await;
    assert!(client.find(Locator::Css("#conflict-title")).await.is_err());

    // The page's lead time is the API's.
    let shown: f64 = wait_for(&client, "#lead-time")
        .await
        .attr("data-minutes")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let api = app
        .data(
            "query($id: ID!) { pathway(id: $id) { analysis { expectedLeadTimeMinutes } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        shown,
        api["pathway"]["analysis"]["expectedLeadTimeMinutes"]
            .as_f64()
            .unwrap()
    );

    // What if the wait for discharge planning were one day?
    choose(&client, "#whatif-kind", "SET_WAIT_MINUTES").await;
    let edge = wait_for_attr(
        &client,
        "//select[@id='whatif-transition']/option[contains(., 'Stroke unit care') and contains(., 'Discharge planning')]",
    )
    .await;
    choose(&client, "#whatif-transition", &edge).await;
    fill(&client, "#whatif-amount", "1").await;
    choose(&client, "#whatif-unit", "days").await;
    click(&client, "//button[.='Add this change']").await;
    click(&client, "//button[@id='whatif-predict']").await;
    let predicted = text(&client, "#predicted").await;
    assert!(predicted.contains("saves 2.0 days"), "{predicted}");
    // Several changes at once: also merge the community assessment into the stroke team's.
    choose(&client, "#whatif-kind", "MERGE_DUPLICATE").await;
    choose(&client, "#whatif-step", "STROKE_ASSESS").await;
    choose(&client, "#whatif-second", "COMMUNITY_ASSESS").await;
    click(&client, "//button[.='Add this change']").await;
    wait_for_xpath(&client, "//ol[@id='whatif-changes']/li[2]").await;
    click(&client, "//button[@id='whatif-predict']").await;
    let moved = text(&client, "#whatif-result").await;
    assert!(
        moved.contains("disappeared: 'COMMUNITY_ASSESS' repeats 'STROKE_ASSESS'"),
        "the duplication hotspot goes: {moved}"
    );
    screenshot(&client, "what-if-stroke").await;
    assert_accessible(&client, "what-if").await;

    // Publish, clone into a draft, and compare the draft with the published version.
    click(&client, "//button[@id='publish']").await;
    notice(&client, "Published.").await;
    click(&client, "//button[@id='clone']").await;
    wait_for_xpath(
        &client,
        "//h1[contains(., 'Acute stroke') and contains(., 'draft')]",
    )
    .await;
    click(&client, "//button[.='Compare']").await;
    let comparison = text(&client, "#comparison").await;
    assert!(comparison.contains("Steps added"), "{comparison}");
    screenshot(&client, "compare").await;
    assert_accessible(&client, "comparison").await;

    // A pathway document (JSON) imports from the pathways page.
    let mut document = app
        .data(
            "query($id: ID!) { pathway(id: $id) { document } }",
            json!({ "id": id }),
        )
        .await["pathway"]["document"]
        .clone();
    document["name"] = json!("Acute stroke (imported)");
    let file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(file.path(), document.to_string()).unwrap();
    client.goto(&format!("{}/#/", app.address)).await.unwrap();
    wait_for(&client, "#import-file")
        .await
        .send_keys(&file.path().to_string_lossy())
        .await
        .unwrap();
    wait_for_xpath(&client, "//h1[contains(., 'Acute stroke (imported)')]").await;
    client.close().await.unwrap();
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// Presses Tab until the focused element matches `css`: what a keyboard user does, and proof
/// that the control can be reached without a mouse.
async fn tab_to(client: &Client, css: &str) {
    for _ in 0..300 {
        let here = client
            .execute(
                "return document.activeElement.matches(arguments[0])",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if here.as_bool() == Some(true) {
            return;
        }
        client
            .active_element()
            .await
            .unwrap()
            .send_keys(TAB)
            .await
            .unwrap();
    }
    panic!("{css} cannot be reached with the Tab key");
}

/// Types into (or presses a key on) whatever has focus.
async fn keys(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_same_work_with_the_keyboard_alone() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    client.goto(&format!("{}/", app.address)).await.unwrap();
    // Sign-in puts focus in the token box.
    wait_for(&client, "#token").await;
    keys(&client, &format!("{}{ENTER}", app.token)).await;
    wait_for(&client, "#new-pathway").await;
    tab_to(&client, "#new-name").await;
    keys(&client, &format!("Keyboard pathway{ENTER}")).await;
    wait_for_xpath(&client, "//h1[contains(., 'Keyboard pathway')]").await;

    for (name, key, kind) in [("Arrive", "ARRIVE", "start"), ("Leave", "LEAVE", "end")] {
        tab_to(&client, "#add-step").await;
        keys(&client, ENTER).await;
        tab_to(&client, "#step-name").await;
        keys(&client, name).await;
        tab_to(&client, "#step-key").await;
        keys(&client, key).await;
        tab_to(&client, "#step-kind").await;
        keys(&client, kind).await;
        tab_to(&client, "#step-form button[type=submit]").await;
        keys(&client, ENTER).await;
        notice(&client, &format!("Added the step {name}.")).await;
    }
    // The new transition runs from the first step to the second unless told otherwise.
    tab_to(&client, "#add-transition").await;
    keys(&client, ENTER).await;
    tab_to(&client, "#transition-wait").await;
    keys(&client, "30").await;
    tab_to(&client, "#transition-form button[type=submit]").await;
    keys(&client, ENTER).await;
    notice(&client, "Added the transition.").await;
    let lead = text(&client, "#lead-time").await;
    assert_eq!(lead, "30 min");

    // The map zooms with the keyboard.
    let before = wait_for(&client, "#map svg")
        .await
        .attr("width")
        .await
        .unwrap();
    tab_to(&client, "#map").await;
    keys(&client, "+").await;
    let after = wait_for(&client, "#map svg")
        .await
        .attr("width")
        .await
        .unwrap();
    assert_ne!(before, after, "+ zooms the map");

    tab_to(&client, "#publish").await;
    keys(&client, ENTER).await;
    notice(&client, "Published.").await;
    assert_accessible(&client, "a published pathway").await;
    client.close().await.unwrap();
}

/// A measure's points as the API holds them (withdrawn ones left out).
async fn points_of(app: &crate::helpers::TestApp, measure: &str) -> Vec<serde_json::Value> {
    app.data(
        "query($id: ID!) { measure(id: $id) { points(first: 100) { nodes { date value annotation } } } }",
        json!({ "id": measure }),
    )
    .await["measure"]["points"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Issue 18, first part: an improvement team starts a project on the demo pathway, adds an
/// outcome measure and pastes 24 weekly points from a spreadsheet (a bad row is named and
/// nothing saved until it is fixed), corrects one point and retracts another, then draws a driver
/// diagram of two levels with a change idea. The API then holds exactly what the page shows.
#[tokio::test]
async fn an_improvement_team_starts_a_project_enters_its_data_and_draws_its_driver_diagram() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    client
        .goto(&format!("{}/#/projects", app.address))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    fill(&client, "#project-title", "Faster hip surgery").await;
    fill(
        &client,
        "#project-aim",
        "Median wait for surgery under 24 hours by March",
    )
    .await;
    choose(&client, "#project-owner", "RX8").await;
    let pathway = wait_for_attr(
        &client,
        "//select[@id='project-pathwayId']/option[starts-with(., 'Hip fracture')]",
    )
    .await;
    choose(&client, "#project-pathwayId", &pathway).await;
    click(&client, "//button[.='Start the project']").await;
    wait_for_xpath(&client, "//h1[.='Faster hip surgery']").await;

    click(&client, "//summary[contains(., 'Add a measure')]").await;
    fill(&client, "#measure-new-name", "Hours to surgery").await;
    choose(&client, "#measure-new-kind", "OUTCOME").await;
    fill(
        &client,
        "#measure-new-definition",
        "Median hours from arrival to surgery, weekly",
    )
    .await;
    fill(&client, "#measure-new-unit", "hours").await;
    choose(&client, "#measure-new-direction", "DECREASE").await;
    click(&client, "//button[.='Add measure']").await;
    let section = client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath("//section[h2[.='Hours to surgery']]"))
        .await
        .unwrap();
    let measure = section
        .attr("id")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("measure-")
        .to_string();

    // 24 weeks from Monday 6 January 2025, pasted with headings and a date that does not exist.
    let weeks: Vec<(chrono::NaiveDate, f64)> = (0..24)
        .map(|w| {
            (
                chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap() + chrono::Duration::weeks(w),
                30.0 + ((w * 7) % 11) as f64,
            )
        })
        .collect();
    let rows = |bad: bool| {
        let mut text = String::from("Week beginning\tHours\n");
        for (i, (date, value)) in weeks.iter().enumerate() {
            text.push_str(&format!("{}\t{value}\n", date.format("%d/%m/%Y")));
            if bad && i == 12 {
                text.push_str("31/02/2025\t40\n");
            }
        }
        text
    };
    click(
        &client,
        "//summary[contains(., 'Enter or correct the data of Hours to surgery')]",
    )
    .await;
    let paste = |text: String| {
        let client = client.clone();
        let measure = measure.clone();
        async move {
            client
                .execute(
                    "document.getElementById(arguments[0]).value = arguments[1];",
                    vec![json!(format!("paste-{measure}")), json!(text)],
                )
                .await
                .unwrap();
            click(&client, "//button[.='Check and record']").await;
        }
    };
    paste(rows(true)).await;
    let problems = text(&client, &format!("[aria-labelledby='problems-{measure}']")).await;
    assert!(
        problems.contains("Row 15: \"31/02/2025\" is not a date"),
        "{problems}"
    );
    assert_accessible(&client, "a paste with a bad row").await;
    assert!(
        points_of(&app, &measure).await.is_empty(),
        "nothing saved while a row is wrong"
    );
    paste(rows(false)).await;
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{measure}']/tbody[count(tr) = 24]"),
    )
    .await;

    // Correct the second week, retract the third.
    let (second, third) = (weeks[1].0.to_string(), weeks[2].0.to_string());
    click(
        &client,
        &format!("//tr[@data-date='{second}']//button[starts-with(., 'Correct')]"),
    )
    .await;
    fill(&client, &format!("#correcting-{second}"), "47").await;
    fill(
        &client,
        &format!("#annotation-{second}"),
        "Extra weekend theatre list",
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-date='{second}']//button[.='Save']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//tr[@data-date='{second}']/td[2][.='47']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//tr[@data-date='{second}']/td[3][.='Extra weekend theatre list']"),
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-date='{third}']//button[starts-with(., 'Retract')]"),
    )
    .await;
    fill(
        &client,
        &format!("#retracting-{third}"),
        "Entered for the wrong ward",
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-date='{third}']//button[.='Retract']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{measure}']/tbody[count(tr) = 23]"),
    )
    .await;
    screenshot(&client, "project-data").await;
    assert_accessible(&client, "a project's data").await;

    // What the API holds is what the page shows, and what was pasted, corrected and retracted.
    let held_points = points_of(&app, &measure).await;
    let held = held_points.clone();
    let shown = client
        .execute(
            "return [...document.querySelectorAll(`#points-${arguments[0]} tbody tr`)].map((r) => [r.cells[0].textContent.trim(), Number(r.cells[1].textContent)]);",
            vec![json!(measure)],
        )
        .await
        .unwrap();
    let pairs = |rows: &[serde_json::Value]| -> Vec<(String, f64)> {
        rows.iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_f64().unwrap()))
            .collect()
    };
    let held: Vec<serde_json::Value> = held
        .iter()
        .map(|p| json!([p["date"], p["value"]]))
        .collect();
    assert_eq!(pairs(&held), pairs(shown.as_array().unwrap()));
    let expected: Vec<serde_json::Value> = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(i, (date, value))| json!([date.to_string(), if i == 1 { 47.0 } else { *value }]))
        .collect();
    assert_eq!(pairs(&held), pairs(&expected));
    let noted: Vec<(&str, &str)> = held_points
        .iter()
        .filter_map(|p| Some((p["date"].as_str()?, p["annotation"].as_str()?)))
        .collect();
    assert_eq!(noted, [(second.as_str(), "Extra weekend theatre list")]);

    // A P-chart process measure: the share of patients seen by an orthogeriatrician within 72
    // hours, 24 weeks of a count and its total pasted as three columns. (The form is still open
    // from the first measure.)
    client
        .execute(
            "document.getElementById('new-measure').closest('details').open = true;",
            vec![],
        )
        .await
        .unwrap();
    fill(
        &client,
        "#measure-new-name",
        "Seen by an orthogeriatrician within 72 hours",
    )
    .await;
    choose(&client, "#measure-new-kind", "PROCESS").await;
    fill(
        &client,
        "#measure-new-definition",
        "Patients seen within 72 hours of arrival, of all admitted, weekly",
    )
    .await;
    choose(&client, "#measure-new-direction", "INCREASE").await;
    choose(&client, "#measure-new-chartType", "P").await;
    click(&client, "//button[.='Add measure']").await;
    let share = client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//section[h2[.='Seen by an orthogeriatrician within 72 hours']]",
        ))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("measure-")
        .to_string();
    let counts: Vec<(chrono::NaiveDate, u32, u32)> = weeks
        .iter()
        .enumerate()
        .map(|(w, (date, _))| (*date, 14 + (w as u32 * 5) % 7, 24 + (w as u32 * 3) % 5))
        .collect();
    let mut three_columns = String::from("Week beginning\tSeen\tAdmitted\n");
    for (date, seen, admitted) in &counts {
        three_columns.push_str(&format!(
            "{}\t{seen}\t{admitted}\n",
            date.format("%d/%m/%Y")
        ));
    }
    click(
        &client,
        "//summary[contains(., 'Enter or correct the data of Seen by an orthogeriatrician')]",
    )
    .await;
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(format!("paste-{share}")), json!(three_columns)],
        )
        .await
        .unwrap();
    click(
        &client,
        &format!("//section[@id='measure-{share}']//button[.='Check and record']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{share}']/tbody[count(tr) = 24]"),
    )
    .await;
    let held = app
        .data(
            "query($id: ID!) { measure(id: $id) { chartType kind points(first: 100) { nodes { date numerator denominator } } } }",
            json!({"id": share}),
        )
        .await;
    assert_eq!(
        (&held["measure"]["chartType"], &held["measure"]["kind"]),
        (&json!("P"), &json!("PROCESS"))
    );
    let expected: Vec<serde_json::Value> = counts
        .iter()
        .map(|(d, x, n)| json!({"date": d.to_string(), "numerator": *x as f64, "denominator": *n as f64}))
        .collect();
    assert_eq!(held["measure"]["points"].as_array().unwrap(), &expected);

    // A measure computed from the demo's event log, by picking the log, two activities and a
    // statistic: its points are the API's, computed from the log.
    let logs = app
        .data("{ eventLogs(first: 10) { nodes { id name } } }", json!({}))
        .await;
    let log_id = logs["eventLogs"][0]["id"].as_str().unwrap().to_string();
    click(
        &client,
        "//summary[contains(., 'Add a measure computed from an event log')]",
    )
    .await;
    fill(
        &client,
        "#log-measure-name",
        "Hours from triage to clerking",
    )
    .await;
    choose(&client, "#log-measure-logId", &log_id).await;
    choose(&client, "#log-measure-fromActivity", "ED_TRIAGE").await;
    choose(&client, "#log-measure-toActivity", "ED_CLERK").await;
    choose(&client, "#log-measure-statistic", "MEDIAN_TIME").await;
    click(
        &client,
        "//form[@id='new-log-measure']//button[.='Add the measure']",
    )
    .await;
    wait_for_xpath(
        &client,
        "//section[@aria-label='Hours from triage to clerking']//*[local-name()='svg']",
    )
    .await;
    let url = client.current_url().await.unwrap();
    let project_id = url
        .fragment()
        .unwrap()
        .trim_start_matches("/project/")
        .to_string();
    let measures = app
        .data(
            "query($id: ID!) { project(id: $id) { measures(first: 5) { nodes { name fromLog { logId fromActivity toActivity } points(first: 5) { nodes { date } } } } } }",
            json!({"id": project_id}),
        )
        .await;
    let from_log = measures["project"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Hours from triage to clerking")
        .unwrap_or_else(|| panic!("{measures}"))
        .clone();
    assert_eq!(
        from_log["fromLog"],
        json!({"logId": log_id, "fromActivity": "ED_TRIAGE", "toActivity": "ED_CLERK"})
    );
    assert!(
        !from_log["points"].as_array().unwrap().is_empty(),
        "{from_log}"
    );

    // The measure changed: a P chart cannot draw plain values and is refused, naming the chart
    // type; then a target is set.
    let edit = format!("//form[@id='edit-{measure}']");
    click(
        &client,
        &format!("//section[@id='measure-{measure}']//summary[starts-with(., 'Change ')]"),
    )
    .await;
    choose(&client, &format!("#measure-{measure}-chartType"), "P").await;
    click(&client, &format!("{edit}//button[.='Save the changes']")).await;
    wait_for(&client, &format!("#measure-{measure}-chartType-error")).await;
    choose(&client, &format!("#measure-{measure}-chartType"), "XMR").await;
    fill(&client, &format!("#measure-{measure}-target"), "30").await;
    // A baseline under 12 points is named before anything is sent; 12 is kept, with the
    // Excel tool's rules.
    fill(&client, &format!("#measure-{measure}-baselinePoints"), "8").await;
    click(&client, &format!("{edit}//button[.='Save the changes']")).await;
    wait_for(&client, &format!("#measure-{measure}-baselinePoints-error")).await;
    fill(&client, &format!("#measure-{measure}-baselinePoints"), "12").await;
    choose(
        &client,
        &format!("#measure-{measure}-rulePreset"),
        "MDC_EXCEL",
    )
    .await;
    click(&client, &format!("{edit}//button[.='Save the changes']")).await;
    wait_for_xpath(
        &client,
        "//*[@id='status'][starts-with(., 'Changed the measure')]",
    )
    .await;
    let changed = app
        .data(
            "query($id: ID!) { measure(id: $id) { target chartType rulePreset baselinePoints } }",
            json!({"id": measure}),
        )
        .await;
    assert_eq!(
        changed["measure"],
        json!({"target": 30.0, "chartType": "XMR", "rulePreset": "MDC_EXCEL", "baselinePoints": 12})
    );

    // From the chart itself: pick the 13th week's point and start a new baseline there with the
    // reason; pick the 14th and note what happened that week.
    let (rebased, noted_week) = (weeks[12].0.to_string(), weeks[13].0.to_string());
    let point = |date: &str| {
        format!(
            "//section[@id='measure-{measure}']//*[local-name()='g'][@data-date='{date}']/*[local-name()='circle']"
        )
    };
    click(&client, &point(&rebased)).await;
    wait_for_xpath(
        &client,
        &format!("//p[@id='rebase-{measure}-picked'][contains(., '{rebased}')]"),
    )
    .await;
    fill(
        &client,
        &format!("#rebase-{measure}-reason"),
        "Trauma list adopted",
    )
    .await;
    click(
        &client,
        &format!("//form[@id='rebase-{measure}-form']//button[.='Start a new baseline here']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//ul[@id='rebases-{measure}']/li[@data-date='{rebased}'][contains(., 'Trauma list adopted')]"),
    )
    .await;
    click(&client, &point(&noted_week)).await;
    wait_for_xpath(
        &client,
        &format!("//p[@id='rebase-{measure}-picked'][contains(., '{noted_week}')]"),
    )
    .await;
    click(
        &client,
        &format!(
            "//form[@id='rebase-{measure}-form']//button[.='Note what happened at this point']"
        ),
    )
    .await;
    fill(
        &client,
        &format!("#annotation-{noted_week}"),
        "Second surgeon on the rota",
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-date='{noted_week}']//button[.='Save']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//tr[@data-date='{noted_week}']/td[3][.='Second surgeon on the rota']"),
    )
    .await;
    assert_accessible(&client, "a chart rebased and noted from the chart").await;
    let held = app
        .data(
            "query($id: ID!) { measure(id: $id) { rebases { date reason } spc { groups { firstIndex } } } }",
            json!({"id": measure}),
        )
        .await;
    assert_eq!(
        held["measure"]["rebases"],
        json!([{"date": rebased, "reason": "Trauma list adopted"}])
    );
    // The third week was retracted, so the 13th week is the 12th point.
    assert_eq!(
        held["measure"]["spc"]["groups"],
        json!([{"firstIndex": 0}, {"firstIndex": 11}])
    );
    let notes: Vec<(String, String)> = points_of(&app, &measure)
        .await
        .iter()
        .filter_map(|p| {
            Some((
                p["date"].as_str()?.to_string(),
                p["annotation"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert!(
        notes.contains(&(noted_week.clone(), "Second surgeon on the rota".to_string())),
        "{notes:?}"
    );

    // A driver diagram of two levels with a change idea, one node's words corrected.
    click(&client, "//button[@id='add-primary']").await;
    fill(&client, "#driver-text", "Timely access to theatre").await;
    click(&client, "//div[@id='drivers']//button[.='Add']").await;
    click(
        &client,
        "//li[span[.='Timely access to theatre']]/span/button[starts-with(., 'Add a secondary driver')]",
    )
    .await;
    fill(&client, "#driver-text", "Trauma list scheduling").await;
    click(&client, "//div[@id='drivers']//button[.='Add']").await;
    click(
        &client,
        "//li[span[.='Trauma list scheduling']]/span/button[starts-with(., 'Add a change idea')]",
    )
    .await;
    fill(&client, "#driver-text", "Ring-fenced morning list").await;
    click(&client, "//div[@id='drivers']//button[.='Add']").await;
    click(
        &client,
        "//li[span[.='Ring-fenced morning list']]/span/button[starts-with(., 'Edit')]",
    )
    .await;
    fill(&client, "#driver-text", "Ring-fenced morning trauma list").await;
    click(&client, "//div[@id='drivers']//button[.='Save']").await;
    wait_for_xpath(
        &client,
        "//li[span[.='Trauma list scheduling']]//li[span[.='Ring-fenced morning trauma list']]",
    )
    .await;
    assert_accessible(&client, "the driver diagram").await;

    // The change idea moved under a second secondary driver and linked to the pathway's
    // biggest hotspot, picked from a list; then moved back.
    click(
        &client,
        "//li[span[.='Timely access to theatre']]/span/button[starts-with(., 'Add a secondary driver')]",
    )
    .await;
    fill(&client, "#driver-text", "Theatre staffing").await;
    click(&client, "//div[@id='drivers']//button[.='Add']").await;
    wait_for_xpath(&client, "//li[span[.='Theatre staffing']]").await;
    let hotspot = app
        .data(
            "{ pathways(first: 10) { nodes { name analysis { hotspots { kind title stepKeys } } } } }",
            json!({}),
        )
        .await["pathways"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str().unwrap().starts_with("Hip fracture"))
        .unwrap()["analysis"]["hotspots"][0]
        .clone();
    let edit_idea =
        "//li[span[.='Ring-fenced morning trauma list']]/span/button[starts-with(., 'Edit')]";
    click(&client, edit_idea).await;
    let staffing = wait_for_attr(
        &client,
        "//select[@id='driver-parent']/option[starts-with(., 'Theatre staffing')]",
    )
    .await;
    choose(&client, "#driver-parent", &staffing).await;
    let key = format!(
        "{}|{}",
        hotspot["kind"].as_str().unwrap(),
        hotspot["stepKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(",")
    );
    choose(&client, "#driver-hotspot", &key).await;
    click(&client, "//div[@id='drivers']//button[.='Save']").await;
    wait_for_xpath(
        &client,
        &format!(
            "//li[span[.='Theatre staffing']]//li[span[.='Ring-fenced morning trauma list']][span[contains(@class, 'qf-answers')][contains(., \"{}\")]]",
            hotspot["title"].as_str().unwrap()
        ),
    )
    .await;
    let linked = app
        .data(
            "query($id: ID!) { project(id: $id) { drivers { text parentId hotspot { kind stepKeys } } } }",
            json!({ "id": client.current_url().await.unwrap().fragment().unwrap().trim_start_matches("/project/") }),
        )
        .await;
    let idea = linked["project"]["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["text"] == "Ring-fenced morning trauma list")
        .unwrap()
        .clone();
    assert_eq!(idea["parentId"], json!(staffing));
    assert_eq!(
        idea["hotspot"],
        json!({"kind": hotspot["kind"], "stepKeys": hotspot["stepKeys"]})
    );
    click(&client, edit_idea).await;
    let scheduling = wait_for_attr(
        &client,
        "//select[@id='driver-parent']/option[starts-with(., 'Trauma list scheduling')]",
    )
    .await;
    choose(&client, "#driver-parent", &scheduling).await;
    click(&client, "//div[@id='drivers']//button[.='Save']").await;
    wait_for_xpath(
        &client,
        "//li[span[.='Trauma list scheduling']]//li[span[.='Ring-fenced morning trauma list']]",
    )
    .await;
    assert_accessible(&client, "the driver diagram after a move").await;
    let project = client
        .current_url()
        .await
        .unwrap()
        .fragment()
        .unwrap()
        .trim_start_matches("/project/")
        .to_string();
    let drivers = app
        .data(
            "query($id: ID!) { project(id: $id) { drivers { id parentId kind text } } }",
            json!({ "id": project }),
        )
        .await["project"]["drivers"]
        .clone();
    let find = |text: &str| {
        drivers
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["text"] == text)
            .cloned()
            .unwrap_or_else(|| panic!("{text} in {drivers}"))
    };
    let (primary, secondary, idea) = (
        find("Timely access to theatre"),
        find("Trauma list scheduling"),
        find("Ring-fenced morning trauma list"),
    );
    assert_eq!(primary["parentId"], json!(null));
    assert_eq!(secondary["parentId"], primary["id"]);
    assert_eq!(idea["parentId"], secondary["id"]);
    assert_eq!(idea["kind"], "CHANGE_IDEA");
    screenshot(&client, "project-drivers").await;

    // A PDSA cycle testing the change idea, predicting fewer hours to surgery: each stage offers
    // only its one move; the study judges the prediction on the chart; ADAPT plans the next cycle
    // of the ramp, which the team then ADOPTs.
    click(&client, "//summary[contains(., 'Plan a cycle')]").await;
    fill(
        &client,
        "#plan-objective",
        "Does a ring-fenced list cut the wait?",
    )
    .await;
    fill(&client, "#plan-start", "07/07/2025").await;
    fill(&client, "#plan-end", "03/08/2025").await;
    fill(
        &client,
        "#plan-questions",
        "Is the list kept free of electives?\nDo patients reach theatre sooner?",
    )
    .await;
    fill(
        &client,
        "#plan-plan",
        "Trauma coordinator books every fracture onto the ring-fenced list, weekdays, theatre 4",
    )
    .await;
    choose(&client, &format!("#predict-{measure}"), "DECREASE").await;
    choose(&client, &format!("#predict-{share}"), "INCREASE").await;
    click(&client, "//button[.='Plan the cycle']").await;
    let moves = [
        ("Start the test (DO)", "DO"),
        ("Finish the test (STUDY)", "STUDY"),
        ("Record the learning (ACT)", "ACT"),
        ("Decide", "CLOSED"),
    ];
    for (cycle, decision) in [(1, "ADAPT"), (2, "ADOPT")] {
        let card = format!("//ol[@id='cycles']/li[{cycle}]/div[@data-cycle]");
        for (button, stage) in moves {
            let form = format!("{card}//form[contains(@class, 'qf-move')]");
            if stage == "ACT" {
                fill_xpath(
                    &client,
                    &format!("{form}//textarea"),
                    "Theatre slots were used by elective cases on two days",
                )
                .await;
            }
            if stage == "CLOSED" {
                click(&client, &format!("{form}//input[@value='{decision}']")).await;
                fill_xpath(
                    &client,
                    &format!("{form}//input[@name='rationale']"),
                    "Keep the list; protect it from electives",
                )
                .await;
            }
            click(&client, &format!("{form}//button[.='{button}']")).await;
            wait_for_xpath(&client, &format!("{card}//strong[@data-stage='{stage}']")).await;
            if stage == "DO" && cycle == 1 {
                fill_xpath(
                    &client,
                    &format!("{card}//form[contains(@class, 'qf-observe')]//textarea"),
                    "Two electives took the list on Tuesday",
                )
                .await;
                click(
                    &client,
                    &format!("{card}//button[.='Record the observation']"),
                )
                .await;
                wait_for_xpath(
                    &client,
                    &format!(
                        "{card}//ul[@class='qf-observations']/li[starts-with(., 'Two electives took the list on Tuesday')]"
                    ),
                )
                .await;
                let cycle_read = app
                    .data(
                        "query($id: ID!) { project(id: $id) { cycles(first: 1) { nodes { questions plan observations(first: 5) { nodes { text } } } } } }",
                        json!({"id": project_id}),
                    )
                    .await;
                let first = &cycle_read["project"]["cycles"][0];
                assert_eq!(
                    first["questions"],
                    json!([
                        "Is the list kept free of electives?",
                        "Do patients reach theatre sooner?"
                    ]),
                    "{cycle_read}"
                );
                assert_eq!(
                    first["observations"][0]["text"],
                    "Two electives took the list on Tuesday"
                );
                assert!(
                    first["plan"]
                        .as_str()
                        .unwrap()
                        .starts_with("Trauma coordinator")
                );
            }
            if stage == "STUDY" && cycle == 1 {
                let study = text(&client, ".qf-study").await;
                assert!(study.contains("Hours to surgery"), "{study}");
                assert_accessible(&client, "a cycle in study").await;
            }
        }
    }
    screenshot(&client, "project-cycles").await;

    // The ramp as a timeline: the ADAPTed cycle, then the one that ADOPTed the change.
    let ramp = client
        .execute(
            "const ramp = document.querySelector('#ramps .qf-ramp');
             ramp.scrollIntoView();
             return [...ramp.querySelectorAll('li')].map((li) => li.textContent.replace(/\\s+/g, ' ').trim());",
            vec![],
        )
        .await
        .unwrap();
    let ramp: Vec<String> = serde_json::from_value(ramp).unwrap();
    assert_eq!(ramp.len(), 2, "{ramp:?}");
    assert!(
        ramp[0].starts_with("Cycle 1 closed") && ramp[0].ends_with("Decision: adapt"),
        "{ramp:?}"
    );
    assert!(
        ramp[1].starts_with("Cycle 2 closed") && ramp[1].ends_with("Decision: adopt"),
        "{ramp:?}"
    );
    screenshot(&client, "pdsa-timeline").await;

    // The report read in the page: the API's report, its headings under the page's own.
    click(&client, "//button[.='Read the report here']").await;
    let shown = text(&client, "#report").await;
    assert!(
        shown.contains("Faster hip surgery") && shown.contains("Ring-fenced morning trauma list"),
        "{shown}"
    );
    wait_for_xpath(
        &client,
        "//article[@id='report']//h3[.='Faster hip surgery']",
    )
    .await;
    assert_accessible(&client, "the report read in the page").await;

    // The report downloads in HTML and Markdown, naming the project and its cycles' decisions.
    record_downloads(&client).await;
    click(&client, "//button[.='Download the report (HTML)']").await;
    click(&client, "//button[.='Download the report (Markdown)']").await;
    let files = downloads(&client, 2).await;
    // Each report is fetched on its own, so the two finish in either order.
    let (html_report, markdown) = (
        crate::browser::download_named(&files, ".html"),
        crate::browser::download_named(&files, ".md"),
    );
    for file in [html_report, markdown] {
        let text = file["text"].as_str().unwrap();
        assert!(text.contains("Faster hip surgery"), "{text}");
        assert!(text.contains("Ring-fenced morning trauma list"), "{text}");
    }
    assert!(
        html_report["text"].as_str().unwrap().contains("<svg"),
        "charts inline"
    );
    let cycles = app
        .data(
            "query($id: ID!) { project(id: $id) { cycles(first: 10) { nodes { stage decision study { verdict } predictions { measureId expectedDirection } } } } }",
            json!({ "id": project }),
        )
        .await["project"]["cycles"]
        .clone();
    assert_eq!(
        cycles,
        json!([
            { "stage": "CLOSED", "decision": "ADAPT", "study": cycles[0]["study"], "predictions": cycles[0]["predictions"] },
            { "stage": "CLOSED", "decision": "ADOPT", "study": cycles[1]["study"], "predictions": cycles[1]["predictions"] }
        ])
    );
    // The cycle's two predictions, each naming its measure, each judged in the study.
    assert_eq!(
        cycles[0]["predictions"],
        json!([
            { "measureId": measure, "expectedDirection": "DECREASE" },
            { "measureId": share, "expectedDirection": "INCREASE" }
        ])
    );
    assert_eq!(cycles[0]["study"].as_array().unwrap().len(), 2);
    let shown_verdict = client
        .find(Locator::XPath(
            "//ol[@id='cycles']/li[1]//ul[contains(@class, 'qf-study')]/li/strong",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        shown_verdict.to_uppercase().replace(' ', "_"),
        cycles[0]["study"][0]["verdict"].as_str().unwrap(),
        "the page's judgement is the API's"
    );
    client.close().await.unwrap();
}

/// Issue 18: an administrator issues a system token in the page, a request with it works; the
/// administrator revokes it, and the same request is refused. Another token is rotated: the new
/// secret works and the old one still does for the overlap. The audit trail shows all three.
#[tokio::test]
async fn an_administrator_issues_rotates_and_revokes_tokens_and_reads_the_audit_trail() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    client
        .goto(&format!("{}/#/admin", app.address))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    let form = "//form[starts-with(@id, 'issue-')]";
    click(&client, "//summary[contains(., 'Issue a token for')]").await;
    fill_xpath(
        &client,
        &format!("({form})[1]//input[@name='principal']"),
        "Ward 7 PAS feed",
    )
    .await;
    click(
        &client,
        &format!("({form})[1]//label[contains(., 'A system')]"),
    )
    .await;
    click(
        &client,
        &format!("({form})[1]//button[.='Issue the token']"),
    )
    .await;
    let secret = wait_for(&client, "#issued-secret")
        .await
        .text()
        .await
        .unwrap();
    assert_accessible(&client, "administration with a token just issued").await;
    let me = "{ me { name system } }";
    let works = app.graphql_as(Some(&secret), me, json!({})).await;
    assert_eq!(works["data"]["me"]["name"], "Ward 7 PAS feed", "{works}");
    assert_eq!(works["data"]["me"]["system"], true);

    click(
        &client,
        "//tr[td[starts-with(., 'Ward 7 PAS feed')] or td[contains(., 'Ward 7 PAS feed')]]//button[starts-with(., 'Revoke')]",
    )
    .await;
    client.accept_alert().await.unwrap();
    wait_for_xpath(&client, "//p[@id='notice'][starts-with(., 'Revoked')]").await;
    let refused = app.graphql_as(Some(&secret), me, json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );

    // Another token, rotated (the form is still open).
    wait_for_xpath(&client, &format!("({form})[1]//input[@name='principal']")).await;
    fill_xpath(
        &client,
        &format!("({form})[1]//input[@name='principal']"),
        "Theatre feed",
    )
    .await;
    click(
        &client,
        &format!("({form})[1]//button[.='Issue the token']"),
    )
    .await;
    let old = wait_for(&client, "#issued-secret")
        .await
        .text()
        .await
        .unwrap();
    click(
        &client,
        "//tr[td[.='Theatre feed']]//button[starts-with(., 'Rotate')]",
    )
    .await;
    client.accept_alert().await.unwrap();
    let new = wait_for_text_change(&client, "#issued-secret", &old).await;
    for (which, token) in [("new", &new), ("old", &old)] {
        let works = app.graphql_as(Some(token), me, json!({})).await;
        assert_eq!(
            works["data"]["me"]["name"], "Theatre feed",
            "{which}: {works}"
        );
    }
    // The trail, newest first, names what was done.
    let trail = "//table[starts-with(@id, 'trail-')]";
    wait_for_xpath(
        &client,
        &format!("{trail}//tr[@data-operation='rotateToken']"),
    )
    .await;
    let operations: Vec<String> = {
        let mut out = Vec::new();
        for row in client
            .find_all(Locator::XPath(&format!("({trail})[1]//tbody/tr")))
            .await
            .unwrap()
        {
            out.push(
                row.attr("data-operation")
                    .await
                    .unwrap()
                    .unwrap_or_default(),
            );
        }
        out
    };
    assert_eq!(
        operations[..4],
        ["rotateToken", "issueToken", "revokeToken", "issueToken"],
        "{operations:?}"
    );
    // The demo wrote more than a page: earlier entries come after the newest.
    assert_eq!(operations.len(), 20);
    click(&client, "(//button[.='Show earlier entries'])[1]").await;
    wait_for_xpath(&client, &format!("({trail})[1]//tbody/tr[21]")).await;

    // A member added, given another role and removed.
    let members = "{ organisations(first: 10) { nodes { odsCode members(first: 20) { nodes { name role } } } } }";
    let role_of = |data: &serde_json::Value, name: &str| {
        data["data"]["organisations"]
            .as_array()
            .unwrap_or_else(|| panic!("{data}"))
            .iter()
            .flat_map(|o| o["members"].as_array().unwrap().iter())
            .find(|m| m["name"] == name)
            .map(|m| m["role"].as_str().unwrap().to_string())
    };
    let add = "(//form[starts-with(@id, 'member-')])[1]";
    click(&client, "(//summary[contains(., 'Add a member to')])[1]").await;
    fill_xpath(&client, &format!("{add}//input[@name='name']"), "Dr Okafor").await;
    client
        .find(Locator::XPath(&format!("{add}//select[@name='role']")))
        .await
        .unwrap()
        .select_by_value("EDITOR")
        .await
        .unwrap();
    click(&client, &format!("{add}//button[.='Add the member']")).await;
    notice(&client, "Added Dr Okafor as editor.").await;
    let read = app.graphql_as(Some(&app.token), members, json!({})).await;
    assert_eq!(
        role_of(&read, "Dr Okafor").as_deref(),
        Some("EDITOR"),
        "{read}"
    );
    client
        .find(Locator::XPath("//tr[@data-member='Dr Okafor']//select"))
        .await
        .unwrap()
        .select_by_value("VIEWER")
        .await
        .unwrap();
    notice(&client, "Dr Okafor is now viewer.").await;
    let read = app.graphql_as(Some(&app.token), members, json!({})).await;
    assert_eq!(
        role_of(&read, "Dr Okafor").as_deref(),
        Some("VIEWER"),
        "{read}"
    );
    click(
        &client,
        "//tr[@data-member='Dr Okafor']//button[starts-with(., 'Remove')]",
    )
    .await;
    client.accept_alert().await.unwrap();
    notice(&client, "Removed Dr Okafor.").await;
    let read = app.graphql_as(Some(&app.token), members, json!({})).await;
    assert_eq!(role_of(&read, "Dr Okafor"), None, "{read}");
    wait_for_xpath(
        &client,
        &format!("({trail})[1]//tbody/tr[1][@data-operation='removeOrganisationMember']"),
    )
    .await;
    assert_accessible(&client, "administration after member changes").await;

    // A pathway of the first organisation shared with another as EDITOR, then taken back.
    let ods = client
        .find(Locator::XPath("(//table[starts-with(@id, 'shares-')])[1]"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("shares-")
        .to_string();
    let owned = app
        .data(
            "{ pathways(first: 50) { nodes { id owner { odsCode } } } organisations(first: 20) { nodes { odsCode } } }",
            json!({}),
        )
        .await;
    let pathway = owned["pathways"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["owner"]["odsCode"] == ods.as_str())
        .unwrap_or_else(|| panic!("no pathway of {ods}: {owned}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = owned["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["odsCode"].as_str().unwrap().to_string())
        .find(|o| *o != ods)
        .unwrap();
    click(
        &client,
        &format!("//summary[starts-with(., 'Share a pathway or project of')][ancestor::section//table[@id='shares-{ods}']]"),
    )
    .await;
    choose(&client, &format!("#share-{ods}-item"), &pathway).await;
    fill(&client, &format!("#share-{ods}-organisationId"), &other).await;
    choose(&client, &format!("#share-{ods}-role"), "EDITOR").await;
    click(
        &client,
        &format!("//form[@id='share-{ods}-form']//button[.='Share']"),
    )
    .await;
    let row = format!("//table[@id='shares-{ods}']//tr[@data-share='{pathway}/{other}']");
    wait_for_xpath(&client, &row).await;
    let shares =
        "query($id: ID!) { pathway(id: $id) { shares(first: 10) { nodes { odsCode role } } } }";
    let held = app.data(shares, json!({"id": pathway})).await;
    assert_eq!(
        held["pathway"]["shares"],
        json!([{"odsCode": other, "role": "EDITOR"}])
    );
    assert_accessible(&client, "a pathway shared").await;
    click(
        &client,
        &format!("{row}//button[starts-with(., 'Take back')]"),
    )
    .await;
    client.accept_alert().await.unwrap();
    wait_for_xpath(
        &client,
        &format!("//table[@id='shares-{ods}'][not(.//tr[@data-share='{pathway}/{other}'])]"),
    )
    .await;
    let held = app.data(shares, json!({"id": pathway})).await;
    assert_eq!(held["pathway"]["shares"], json!([]));

    // The trail of one member: only what they did.
    let orgs = app
        .data(
            "{ organisations(first: 10) { nodes { odsCode members(first: 20) { nodes { principalId name } } } } }",
            json!({}),
        )
        .await;
    let admin = orgs["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["odsCode"] == ods.as_str())
        .flat_map(|o| o["members"].as_array().unwrap().iter())
        .find(|m| m["name"] == "demo administrator")
        .unwrap_or_else(|| panic!("{orgs}"))["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    choose(&client, &format!("#trail-{ods}-who"), &admin).await;
    wait_for_xpath(
        &client,
        "//*[@id='status'][.='Showing what demo administrator did.']",
    )
    .await;
    let whos = client
        .execute(
            "return [...document.querySelectorAll(`#trail-${arguments[0]} tbody tr td:nth-child(2)`)].map((c) => c.textContent);",
            vec![json!(ods)],
        )
        .await
        .unwrap();
    let whos: Vec<String> = serde_json::from_value(whos).unwrap();
    assert!(
        !whos.is_empty() && whos.iter().all(|w| w == "demo administrator"),
        "{whos:?}"
    );
    picture(&client, "administration").await;
    assert_accessible(&client, "administration with the audit trail").await;
    client.close().await.unwrap();
}

/// Issue 18: a CSV exported with other column names is brought in from the page: the preview
/// shows its first rows and what was detected, the mapper takes the renamed columns, the upload
/// reports its events, the log shows discovery and conformance, and the import is retracted.
#[tokio::test]
async fn a_log_with_renamed_columns_comes_in_through_the_mapper_and_is_retracted() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    let mut csv = String::from("Patient;Step;When\n");
    for case in 0..5 {
        for (i, step) in ["fall", "amb_assess", "conveyance", "ed_triage"]
            .iter()
            .enumerate()
        {
            csv.push_str(&format!(
                "P{case};{step};2025-03-0{} 0{i}:15:00\n",
                case + 1
            ));
        }
    }
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    client
        .goto(&format!("{}/#/logs", app.address))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    fill(&client, "#upload-name", "March ambulance extract").await;
    let pathway = wait_for_attr(
        &client,
        "//select[@id='upload-pathwayId']/option[starts-with(., 'Hip fracture')]",
    )
    .await;
    choose(&client, "#upload-pathwayId", &pathway).await;
    let rx8 = wait_for_attr(
        &client,
        "//select[@id='upload-organisationId']/option[starts-with(., 'RX8')]",
    )
    .await;
    choose(&client, "#upload-organisationId", &rx8).await;
    wait_for(&client, "#upload-file")
        .await
        .send_keys(&file.path().to_string_lossy())
        .await
        .unwrap();
    let detected = text(&client, "#upload-preview").await;
    assert!(
        detected.contains("Read as CSV") && detected.contains("separated by \";\""),
        "{detected}"
    );
    assert!(
        detected.contains("amb_assess"),
        "the first rows are shown: {detected}"
    );
    // "Patient" is recognised; the other two are mapped by hand.
    let guessed = wait_for(&client, "#map-case_id")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(guessed.as_deref(), Some("Patient"));
    choose(&client, "#map-activity", "Step").await;
    choose(&client, "#map-timestamp", "When").await;
    assert_accessible(&client, "an upload's preview").await;
    screenshot(&client, "upload-preview").await;
    click(&client, "//button[.='Upload']").await;
    let outcome = text(&client, "#upload-result").await;
    assert!(
        outcome.contains("20 events from 20 rows are in"),
        "{outcome}"
    );
    click(&client, "//a[.='Open the log']").await;
    wait_for_xpath(&client, "//h2[.='Against the pathway map']").await;
    let events = client
        .find(Locator::XPath(
            "//div[@class='qf-figure'][starts-with(., 'Events')]/b",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(events, "20");
    assert_accessible(&client, "a log with its imports").await;
    // Checked against another pathway, the figures are the API's for that one.
    let url = client.current_url().await.unwrap();
    let log_id = url
        .fragment()
        .unwrap()
        .trim_start_matches("/log/")
        .to_string();
    let fitness = |pathway: Option<String>| {
        let app = &app;
        let log_id = log_id.clone();
        async move {
            let c = app
                .data(
                    "query($id: ID!, $p: ID) { eventLog(id: $id) { conformance(pathwayId: $p) { fitness } } }",
                    json!({"id": log_id, "p": pathway}),
                )
                .await;
            format!(
                "{:.0}%",
                100.0 * c["eventLog"]["conformance"]["fitness"].as_f64().unwrap()
            )
        }
    };
    let shown = || async {
        client
            .find(Locator::XPath(
                "//div[@class='qf-figure'][starts-with(., 'Moves the map allows')]/b",
            ))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(shown().await, fitness(None).await);
    let other = wait_for_attr(
        &client,
        "//select[@id='conformance-pathway']/option[@value != ''][not(contains(., \"the log's own\"))]",
    )
    .await;
    choose(&client, "#conformance-pathway", &other).await;
    wait_for_xpath(
        &client,
        "//*[@id='status'][starts-with(., 'Checked against')]",
    )
    .await;
    assert_eq!(shown().await, fitness(Some(other)).await);
    // Filtered discovery: every move on the map, repeats as one; the variants are the API's.
    fill(&client, "#filter-minCount", "1").await;
    click(&client, "//label[@for='filter-collapseRepeats']").await;
    click(&client, "//form[@id='discovery-filters']//button[.='Show']").await;
    wait_for_xpath(
        &client,
        "//*[@id='status'][starts-with(., 'Showing moves seen at least 1 times, repeats')]",
    )
    .await;
    let variants = app
        .data(
            "query($id: ID!) { eventLog(id: $id) { discovery(topVariants: 5, collapseRepeats: true) { topVariants { count activities } } } }",
            json!({"id": log_id}),
        )
        .await;
    let first = &variants["eventLog"]["discovery"]["topVariants"][0];
    let row = text(&client, "#variants tbody tr").await;
    let activities: Vec<&str> = first["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        row.starts_with(&first["count"].to_string()) && row.ends_with(&activities.join(" → ")),
        "{row} vs {first}"
    );
    // A draft of the demo's pathway calibrated from the demo's log (whose activities match its
    // codes): it exists as a DRAFT, and each wait the page lists is the draft's.
    let logs = app
        .data(
            "{ eventLogs(first: 10) { nodes { id name pathway { id } } } }",
            json!({}),
        )
        .await;
    let demo_log = logs["eventLogs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] != json!(log_id) && !l["pathway"].is_null())
        .expect("the demo's log")
        .clone();
    client
        .goto(&format!(
            "{}/#/log/{}",
            app.address,
            demo_log["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    wait_for_xpath(&client, &format!("//h1[.={}]", demo_log["name"])).await;
    click(&client, "//button[@id='calibrate']").await;
    wait_for_xpath(
        &client,
        "//*[@id='status'][starts-with(., 'Drafted version')]",
    )
    .await;
    let href = client
        .find(Locator::Css("#calibration caption a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let draft_id = href.trim_start_matches("#/pathway/");
    let draft = app
        .data(
            "query($id: ID!) { pathway(id: $id) { status transitions { from { key } to { key } waitMinutes } } }",
            json!({"id": draft_id}),
        )
        .await;
    assert_eq!(draft["pathway"]["status"], "DRAFT", "{draft}");
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#calibration tbody tr')].map((r) => [...r.cells].map((c) => c.textContent.trim()));",
            vec![],
        )
        .await
        .unwrap();
    let mut checked = 0;
    for row in rows.as_array().unwrap() {
        let cells: Vec<&str> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let Some((from, to)) = cells[0]
            .strip_prefix("transition ")
            .and_then(|t| t.split_once(" → "))
        else {
            continue;
        };
        if cells[1] != "waitMinutes" {
            continue;
        }
        let held = draft["pathway"]["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["from"]["key"] == from && t["to"]["key"] == to)
            .unwrap_or_else(|| panic!("no {from} → {to} in {draft}"));
        let shown: f64 = cells[3].parse().unwrap();
        assert!(
            (held["waitMinutes"].as_f64().unwrap() - shown).abs() < 1e-3,
            "{row} vs {held}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no wait listed: {rows}");
    // Back to the uploaded log.
    client
        .goto(&format!("{}/#/log/{log_id}", app.address))
        .await
        .unwrap();
    // The demo log's page, still showing while this one loads, has a retract box too: wait for
    // this log's heading first, or the reason may go into the page being replaced.
    wait_for_xpath(&client, "//h1[.='March ambulance extract']").await;
    wait_for_xpath(&client, "//table[@id='imports']//input").await;
    fill_xpath(
        &client,
        "//table[@id='imports']//input",
        "Extract taken from the test system",
    )
    .await;
    click(&client, "//table[@id='imports']//button[.='Retract']").await;
    wait_for_xpath(
        &client,
        "//table[@id='imports']//td[starts-with(., 'withdrawn: Extract taken from the test system')]",
    )
    .await;
    let logs = app
        .data(
            "{ eventLogs(first: 10) { nodes { name eventCount } } }",
            json!({}),
        )
        .await;
    let ours = logs["eventLogs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "March ambulance extract")
        .cloned()
        .unwrap();
    assert_eq!(
        ours["eventCount"], 0,
        "the retracted import's events are withdrawn: {ours}"
    );
    client.close().await.unwrap();
}

/// Issue 18: data entry and a cycle's moves with the keyboard alone (Tab, Enter, Space, typing).
#[tokio::test]
async fn data_entry_and_cycle_moves_with_the_keyboard_alone() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    let project = app
        .data(
            "{ projects(first: 1) { nodes { id measures(first: 20) { nodes { id name chartType } } } } }",
            json!({}),
        )
        .await["projects"][0]
        .clone();
    let measure = project["measures"][0]["id"].as_str().unwrap().to_string();
    client
        .goto(&format!(
            "{}/#/project/{}",
            app.address,
            project["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    wait_for(&client, "#token").await;
    keys(&client, &format!("{}{ENTER}", app.token)).await;
    wait_for(&client, "#summary").await;
    // Open the first measure's data panel and correct its latest point by keyboard.
    tab_to(&client, &format!("#data-{measure}-summary")).await;
    keys(&client, ENTER).await;
    // The panel fetches its points when opened.
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{measure}']/tbody/tr"),
    )
    .await;
    let latest = client
        .execute(
            "const rows = document.querySelectorAll(`#points-${arguments[0]} tbody tr`); return rows[rows.length - 1].dataset.date;",
            vec![json!(measure)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    tab_to(&client, &format!("tr[data-date='{latest}'] button")).await;
    keys(&client, ENTER).await;
    tab_to(&client, &format!("#correcting-{latest}")).await;
    keys(&client, "\u{E009}a\u{E009}").await; // Ctrl+A (Ctrl released by the second press).
    keys(&client, "12.5").await;
    tab_to(
        &client,
        &format!("tr[data-date='{latest}'] button.nhsuk-button"),
    )
    .await;
    keys(&client, ENTER).await;
    wait_for_xpath(
        &client,
        &format!("//tr[@data-date='{latest}']/td[2][.='12.5']"),
    )
    .await;
    // Plan a cycle and start it, by keyboard (the demo's two cycles are closed).
    tab_to(&client, "#plan-cycle-summary").await;
    keys(&client, ENTER).await;
    tab_to(&client, "#plan-objective").await;
    keys(&client, "Try a weekend list").await;
    tab_to(&client, &format!("#predict-{measure}")).await;
    keys(&client, "decrease").await;
    // A second measure predicted to reach a value, typed in beside it.
    let other = project["measures"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .find(|m| m["chartType"] == "XMR")
        .unwrap_or_else(|| panic!("a second XmR measure in {project}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    tab_to(&client, &format!("#predict-{other}")).await;
    keys(&client, "reach").await;
    tab_to(&client, &format!("#predict-value-{other}")).await;
    keys(&client, "30").await;
    tab_to(&client, "#plan-cycle button[type=submit]").await;
    keys(&client, ENTER).await;
    wait_for_xpath(
        &client,
        "//ol[@id='cycles']/li[3]//strong[@data-stage='PLAN']",
    )
    .await;
    let planned = app
        .data(
            "query($id: ID!) { project(id: $id) { cycles(first: 5) { nodes { predictions { measureId expectedValue expectedDirection } } } } }",
            json!({"id": project["id"]}),
        )
        .await;
    assert_eq!(
        planned["project"]["cycles"][2]["predictions"],
        json!([
            {"measureId": measure, "expectedValue": null, "expectedDirection": "DECREASE"},
            {"measureId": other, "expectedValue": 30.0, "expectedDirection": null}
        ])
    );
    // The plan says how long the predicted value takes to show, as the API works it out.
    let signal = app
        .data(
            "query($id: ID!) { project(id: $id) { cycles(first: 5) { nodes { predictions { timeToSignal { timeToSignal { expectedPoints } } } } } } }",
            json!({"id": project["id"]}),
        )
        .await["project"]["cycles"][2]["predictions"][1]["timeToSignal"]
        .clone();
    let points = signal["timeToSignal"]["expectedPoints"]
        .as_f64()
        .unwrap_or_else(|| panic!("{signal}"));
    let said = text(&client, "#cycles li:nth-child(3) .qf-signal").await;
    assert!(
        said.contains(&format!("about {} points to show", points.ceil())),
        "{said} {signal}"
    );
    tab_to(&client, "#cycles li:nth-child(3) form.qf-move button").await;
    keys(&client, ENTER).await;
    wait_for_xpath(
        &client,
        "//ol[@id='cycles']/li[3]//strong[@data-stage='DO']",
    )
    .await;
    assert_accessible(&client, "a project, by keyboard").await;
    client.close().await.unwrap();
}

/// Issue 18: the ICS-wide page shows every measure the user can see, one icon table per owning
/// organisation, each row naming its project, with the API's variation and assurance.
#[tokio::test]
async fn the_measures_page_shows_every_measure_by_organisation_as_the_api_does() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    client
        .goto(&format!("{}/#/measures", app.address))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    wait_for_xpath(&client, "//h1[.='Measures across the system']").await;
    let api = app
        .data(
            "{ projects(first: 100) { nodes { title owner { odsCode } summary { name variation assurance } } } }",
            json!({}),
        )
        .await;
    let words = |v: &serde_json::Value| {
        v.as_str()
            .map_or("—".to_string(), |s| s.replace('_', " ").to_lowercase())
    };
    let mut seen = 0;
    for project in api["projects"].as_array().unwrap() {
        let ods = project["owner"]["odsCode"].as_str().unwrap();
        let title = project["title"].as_str().unwrap();
        for s in project["summary"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            let row = client
                .find(Locator::XPath(&format!(
                    "//table[@id='measures-{ods}']//tr[@data-measure=\"{name}\"][td[1]/a[.=\"{title}\"]]"
                )))
                .await
                .unwrap_or_else(|e| panic!("no row for {name} of {title}: {e}"));
            let cells = row.find_all(Locator::Css("td")).await.unwrap();
            assert_eq!(
                cells[3].text().await.unwrap(),
                words(&s["variation"]),
                "{name}"
            );
            assert_eq!(
                cells[4].text().await.unwrap(),
                words(&s["assurance"]),
                "{name}"
            );
            seen += 1;
        }
    }
    assert!(seen > 0, "the demo has measures: {api}");
    let rows = client
        .find_all(Locator::XPath(
            "//table[starts-with(@id, 'measures-')]//tbody/tr",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), seen);
    assert_accessible(&client, "measures across the system").await;
    picture(&client, "measures").await;
    client.close().await.unwrap();
}

/// Issue 18: "the period comparison" in the page. The demo log's wait for theatre falls from
/// week 30; the demo project's log measure signals. From its chart the page asks what changed
/// and shows the API's comparison, the planted wait first; the log page compares two periods
/// chosen by date and activities, row for row as the API answers.
#[tokio::test]
async fn what_changed_in_the_pathway_is_answered_in_the_page_as_the_api_does() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    let api = app
        .data(
            "{ projects(first: 1) { nodes { id measures(first: 10) { nodes { id fromLog { logId } } } } } }",
            json!({}),
        )
        .await;
    let project = api["projects"][0]["id"].as_str().unwrap().to_string();
    let measure = api["projects"][0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| !m["fromLog"].is_null())
        .unwrap()
        .clone();
    let (measure_id, log_id) = (
        measure["id"].as_str().unwrap().to_string(),
        measure["fromLog"]["logId"].as_str().unwrap().to_string(),
    );
    let moves = |transitions: &serde_json::Value| -> Vec<(String, String)> {
        transitions
            .as_array()
            .unwrap()
            .iter()
            .take(10)
            .map(|t| {
                (
                    t["from"].as_str().unwrap().to_string(),
                    t["to"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let shown_moves = |table: String| {
        let client = client.clone();
        async move {
            let rows = client
                .execute(
                    "return [...document.querySelectorAll(`#${arguments[0]} tbody tr`)].map((r) => [r.dataset.from, r.dataset.to]);",
                    vec![json!(table)],
                )
                .await
                .unwrap();
            serde_json::from_value::<Vec<(String, String)>>(rows).unwrap()
        }
    };

    client
        .goto(&format!("{}/#/project/{project}", app.address))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    click(
        &client,
        &format!("//section[@id='measure-{measure_id}']//button[.='What changed in the pathway at the latest signal?']"),
    )
    .await;
    let table = format!("explain-{measure_id}-transitions");
    wait_for(&client, &format!("#{table}")).await;
    let explained = app
        .data(
            "query($id: ID!) { measure(id: $id) { explainChange { splitAt fromActivity toActivity transitions { from to } } } }",
            json!({"id": measure_id}),
        )
        .await["measure"]["explainChange"]
        .clone();
    let shown = shown_moves(table).await;
    assert_eq!(shown, moves(&explained["transitions"]));
    assert_eq!(
        shown[0],
        ("ORTHO_CLERK".to_string(), "SURG_HIP".to_string())
    );
    assert_accessible(&client, "a log measure's change explained").await;

    // The log page: the same split and activities, chosen in the form (the date in UK order).
    let split = explained["splitAt"].as_str().unwrap();
    let (y, m, d) = (&split[0..4], &split[5..7], &split[8..10]);
    client
        .goto(&format!("{}/#/log/{log_id}", app.address))
        .await
        .unwrap();
    fill(&client, "#compare-split", &format!("{d}/{m}/{y}")).await;
    choose(&client, "#compare-from", "ED_TRIAGE").await;
    choose(&client, "#compare-to", "SURG_HIP").await;
    click(
        &client,
        "//form[@id='compare-periods']//button[.='Compare']",
    )
    .await;
    wait_for(&client, "#comparison-transitions").await;
    let compared = app
        .data(
            "query($id: ID!, $s: NaiveDate!) { eventLog(id: $id) { compare(before: {end: $s}, after: {start: $s}, from: \"ED_TRIAGE\", to: \"SURG_HIP\") { transitions { from to } } } }",
            json!({"id": log_id, "s": split}),
        )
        .await["eventLog"]["compare"]["transitions"]
        .clone();
    assert_eq!(
        shown_moves("comparison-transitions".to_string()).await,
        moves(&compared)
    );
    assert_eq!(moves(&compared), moves(&explained["transitions"]));
    assert_accessible(&client, "two periods of a log compared").await;
    // A date that is not one is named before anything is asked.
    fill(&client, "#compare-split", "31/02/2025").await;
    click(
        &client,
        "//form[@id='compare-periods']//button[.='Compare']",
    )
    .await;
    wait_for(&client, "#compare-split-error").await;
}

/// Issue 18: a point typed into the data table's last row (a date, a value and a note) is
/// recorded; a row without a value is named and nothing is saved.
#[tokio::test]
async fn a_point_typed_into_the_data_table_is_recorded() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let app = spawn_app_with(true).await;
    let project = app
        .data(
            "{ projects(first: 1) { nodes { id measures(first: 20) { nodes { id chartType fromLog { logId } } } } } }",
            json!({}),
        )
        .await["projects"][0]
        .clone();
    let measure = project["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["fromLog"].is_null() && m["chartType"] != "P" && m["chartType"] != "U")
        .expect("a demo measure with values entered by hand")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = points_of(&app, &measure).await.len();
    client
        .goto(&format!(
            "{}/#/project/{}",
            app.address,
            project["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    fill(&client, "#token", &app.token).await;
    click(&client, "//button[.='Sign in']").await;
    wait_for(&client, "#summary").await;
    click(&client, &format!("//*[@id='data-{measure}-summary']")).await;
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{measure}']/tbody/tr"),
    )
    .await;
    let today = chrono::Utc::now().date_naive().to_string();
    // A date picker's typing differs by locale; its value is set as the page reads it.
    client
        .execute(
            "document.getElementById(`add-date-${arguments[0]}`).value = arguments[1];",
            vec![json!(measure), json!(today)],
        )
        .await
        .unwrap();
    click(
        &client,
        &format!("//table[@id='points-{measure}']//button[.='Add a point']"),
    )
    .await;
    wait_for_xpath(
        &client,
        "//div[contains(@class, 'nhsuk-error-summary')]//li[contains(., 'Value: give a number')]",
    )
    .await;
    assert_eq!(
        points_of(&app, &measure).await.len(),
        before,
        "saved without a value"
    );
    fill(&client, &format!("#add-value-{measure}"), "7.5").await;
    fill(
        &client,
        &format!("#add-note-{measure}"),
        "Extra porter on the ward",
    )
    .await;
    click(
        &client,
        &format!("//table[@id='points-{measure}']//button[.='Add a point']"),
    )
    .await;
    wait_for_xpath(
        &client,
        &format!("//table[@id='points-{measure}']/tbody/tr[@data-date='{today}']/td[2][.='7.5']"),
    )
    .await;
    let points = points_of(&app, &measure).await;
    assert_eq!(points.len(), before + 1);
    assert!(
        points.contains(
            &json!({"date": today, "value": 7.5, "annotation": "Extra porter on the ward"})
        ),
        "{points:?}"
    );
    client.close().await.unwrap();
}
