//! Issue 17: signing in on the web page with the organisation's OpenID Connect provider
//! (authorization code flow with PKCE), against a small provider this test runs itself. The
//! provider checks the PKCE verifier against the challenge, so the page must do PKCE properly
//! to get in; the ID token it returns is then the page's bearer.

use crate::browser::{assert_accessible, click, open_browser, screenshot, wait_for};
use crate::helpers::spawn_app_with_oidc;
use crate::oidc::{b64url, key, principal_for_subject, token};
use fantoccini::Locator;
use jsonwebtoken::jwk::JwkSet;
use poem::web::{Data, Form, Json, Query, Redirect};
use poem::{EndpointExt, IntoResponse, Route, get, handler, post};
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const SUBJECT: &str = "cis2-777123";
const CLIENT: &str = "qiflow";

/// What the provider remembers between the authorization request and the token request.
struct Grant {
    challenge: String,
    nonce: String,
    redirect_uri: String,
}

struct Provider {
    issuer: String,
    signing: jsonwebtoken::EncodingKey,
    jwks: JwkSet,
    grants: Mutex<HashMap<String, Grant>>,
}

#[derive(Deserialize)]
struct Authorize {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[handler]
fn discovery(provider: Data<&Arc<Provider>>) -> Json<serde_json::Value> {
    let issuer = &provider.issuer;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

#[handler]
fn jwks(provider: Data<&Arc<Provider>>) -> Json<JwkSet> {
    Json(provider.jwks.clone())
}

/// Signs the user in at once (they are "already signed in" to their organisation) and sends
/// the browser back with a code.
#[handler]
fn authorize(provider: Data<&Arc<Provider>>, Query(ask): Query<Authorize>) -> poem::Response {
    if ask.response_type != "code" || ask.client_id != CLIENT || ask.code_challenge_method != "S256"
    {
        return (
            poem::http::StatusCode::BAD_REQUEST,
            "bad authorization request",
        )
            .into_response();
    }
    let code = format!(
        "code-{}",
        ask.state.len() + provider.grants.lock().unwrap().len()
    );
    provider.grants.lock().unwrap().insert(
        code.clone(),
        Grant {
            challenge: ask.code_challenge,
            nonce: ask.nonce,
            redirect_uri: ask.redirect_uri.clone(),
        },
    );
    let back = format!(
        "{}?code={code}&state={}",
        ask.redirect_uri,
        ask.state.replace('&', "%26")
    );
    Redirect::see_other(back).into_response()
}

#[derive(Deserialize)]
struct Exchange {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    code_verifier: String,
}

/// Gives an ID token for a code, once, only with the verifier whose SHA-256 is the challenge.
#[handler]
fn exchange(provider: Data<&Arc<Provider>>, Form(ask): Form<Exchange>) -> poem::Response {
    let grant = provider.grants.lock().unwrap().remove(&ask.code);
    let valid = grant.as_ref().is_some_and(|g| {
        ask.grant_type == "authorization_code"
            && ask.client_id == CLIENT
            && ask.redirect_uri == g.redirect_uri
            && b64url(&sha2::Sha256::digest(ask.code_verifier.as_bytes())) == g.challenge
    });
    let body = match (valid, grant) {
        (true, Some(grant)) => {
            let now = chrono::Utc::now().timestamp();
            let claims = json!({"iss": provider.issuer, "aud": CLIENT, "sub": SUBJECT, "iat": now,
                "nbf": now - 5, "exp": now + 600, "nonce": grant.nonce});
            (
                poem::http::StatusCode::OK,
                Json(
                    json!({"id_token": token(&provider.signing, "key-1", claims),
                    "token_type": "Bearer", "expires_in": 600}),
                ),
            )
        }
        _ => (
            poem::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        ),
    };
    // The page calls the token endpoint from its own origin.
    body.with_header("Access-Control-Allow-Origin", "*")
        .into_response()
}

/// Starts the provider on a free port; returns its issuer address.
async fn start_provider() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let (signing, jwk) = key("key-1");
    let provider = Arc::new(Provider {
        issuer: issuer.clone(),
        signing,
        jwks: JwkSet { keys: vec![jwk] },
        grants: Mutex::new(HashMap::new()),
    });
    let app = Route::new()
        .at("/.well-known/openid-configuration", get(discovery))
        .at("/jwks", get(jwks))
        .at("/authorize", get(authorize))
        .at("/token", post(exchange))
        .data(provider);
    let std_listener = listener.into_std().unwrap();
    tokio::spawn(async move {
        let listener = poem::listener::TcpAcceptor::from_std(std_listener).unwrap();
        let _ = poem::Server::new_with_acceptor(listener).run(app).await;
    });
    issuer
}

#[tokio::test]
async fn a_manager_signs_in_with_their_organisations_account() {
    let Some((_driver, client)) = open_browser().await else {
        return;
    };
    let issuer = start_provider().await;
    let app = spawn_app_with_oidc(api::auth::OidcSettings {
        issuer: issuer.clone(),
        audience: CLIENT.into(),
        jwks: format!("{issuer}/jwks"),
        sign_in: true,
    })
    .await;
    principal_for_subject(
        &app,
        "Sam Patel, service manager",
        api::caller::Role::Editor,
        SUBJECT,
    )
    .await;

    client.goto(&format!("{}/", app.address)).await.unwrap();
    wait_for(&client, "#sign-in-provider").await;
    screenshot(&client, "sign-in-oidc").await;
    assert_accessible(&client, "sign-in with a provider").await;
    click(&client, "//button[@id='sign-in-provider']").await;
    // Back from the provider, signed in, with the code gone from the address.
    let who = client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath("//li[@id='who'][contains(., 'Sam Patel')]"))
        .await
        .expect("signed in with the provider");
    assert!(who.text().await.unwrap().contains("Signed in as"));
    wait_for(&client, "#pathways").await;
    let url = client.current_url().await.unwrap();
    assert!(url.query().is_none(), "{url}");

    // An answer that was not asked for in this tab is refused, saying so.
    client
        .execute("sessionStorage.clear()", vec![])
        .await
        .unwrap();
    client
        .goto(&format!("{}/?code=stolen&state=guess", app.address))
        .await
        .unwrap();
    let message = wait_for(&client, ".nhsuk-inset-text")
        .await
        .text()
        .await
        .unwrap();
    assert!(message.contains("does not match"), "{message}");
    client.close().await.unwrap();
}
