//! Bearer JWTs from the deploying organisation's identity provider (NHS CIS2 speaks OpenID
//! Connect): signed by keys this test generates, checked against issuer, audience, key id,
//! algorithm allow-list and time.

use crate::helpers::{code, spawn_app_with_oidc};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use p256::pkcs8::EncodePrivateKey;
use serde_json::json;

const ISSUER: &str = "https://login.example.nhs.uk";
const AUDIENCE: &str = "qiflow";

/// A fresh P-256 key: its signing key and its public JWK with the given key id.
pub(crate) fn key(kid: &str) -> (EncodingKey, Jwk) {
    let secret = loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).unwrap();
        if let Ok(k) = p256::SecretKey::from_slice(&bytes) {
            break k;
        }
    };
    let der = secret.to_pkcs8_der().unwrap();
    let encoding = EncodingKey::from_ec_der(der.as_bytes());
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    (encoding, jwk)
}

pub(crate) fn token(key: &EncodingKey, kid: &str, claims: serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_string());
    encode(&header, &claims, key).unwrap()
}

fn claims(sub: &str, aud: &str, exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": ISSUER, "aud": aud, "sub": sub, "iat": now, "nbf": now - 5, "exp": now + exp_offset})
}

pub(crate) fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..(chunk.len() + 1) {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A principal of the test organisation whose identity-provider subject is `subject`.
pub(crate) async fn principal_for_subject(
    app: &crate::helpers::TestApp,
    name: &str,
    role: api::caller::Role,
    subject: &str,
) {
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    api::store::tokens::create_token(
        &db,
        &api::context::RequestContext::command("token create"),
        api::store::tokens::NewToken {
            principal: name.into(),
            system: false,
            organisation: crate::helpers::BOOTSTRAP_ORGANISATION.into(),
            organisation_name: None,
            role,
            expires_in_days: 1,
            name: None,
            oidc_subject: Some(subject.into()),
            existing: false,
            events_write: None,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn only_well_formed_tokens_from_the_issuer_for_qiflow_get_in() {
    let (signing, jwk) = key("key-1");
    let (other_signing, _) = key("key-2");
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("jwks.json");
    std::fs::write(
        &jwks,
        serde_json::to_string(&JwkSet { keys: vec![jwk] }).unwrap(),
    )
    .unwrap();
    let app = spawn_app_with_oidc(api::auth::OidcSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        jwks: jwks.to_string_lossy().into_owned(),
        sign_in: false,
    })
    .await;
    // The subject maps to a local principal; its role comes from qiflow's own tables.
    principal_for_subject(
        &app,
        "Dr Ada Jones",
        api::caller::Role::Viewer,
        "cis2-555123",
    )
    .await;
    let me = "{ me { name memberships { role } } }";
    let good = token(&signing, "key-1", claims("cis2-555123", AUDIENCE, 300));
    let response = app.graphql_as(Some(&good), me, json!({})).await;
    assert_eq!(response["data"]["me"]["name"], "Dr Ada Jones", "{response}");
    assert_eq!(response["data"]["me"]["memberships"][0]["role"], "VIEWER");

    let expired = token(&signing, "key-1", claims("cis2-555123", AUDIENCE, -600));
    let wrong_audience = token(&signing, "key-1", claims("cis2-555123", "another-app", 300));
    let unknown_kid = token(
        &other_signing,
        "key-2",
        claims("cis2-555123", AUDIENCE, 300),
    );
    let wrong_key = token(
        &other_signing,
        "key-1",
        claims("cis2-555123", AUDIENCE, 300),
    );
    let unknown_subject = token(&signing, "key-1", claims("someone-else", AUDIENCE, 300));
    let mut wrong_issuer_claims = claims("cis2-555123", AUDIENCE, 300);
    wrong_issuer_claims["iss"] = json!("https://evil.example.com");
    let wrong_issuer = token(&signing, "key-1", wrong_issuer_claims);
    // alg none: the good token's claims, unsigned.
    let payload = good.split('.').nth(1).unwrap();
    let none = format!(
        "{}.{payload}.",
        b64url(br#"{"alg":"none","typ":"JWT","kid":"key-1"}"#)
    );
    // HS256 signed with the public key's text as the secret (the classic confusion attack).
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("key-1".into());
    let hmac = encode(
        &hs_header,
        &claims("cis2-555123", AUDIENCE, 300),
        &EncodingKey::from_secret(b"public"),
    )
    .unwrap();
    for (what, bad) in [
        ("expired", expired),
        ("wrong audience", wrong_audience),
        ("unknown key id", unknown_kid),
        ("wrong key", wrong_key),
        ("unknown subject", unknown_subject),
        ("wrong issuer", wrong_issuer),
        ("alg none", none),
        ("HS256", hmac),
    ] {
        let response = app.graphql_as(Some(&bad), me, json!({})).await;
        assert_eq!(
            code(&response["errors"][0]),
            "UNAUTHENTICATED",
            "{what}: {response}"
        );
    }
}
