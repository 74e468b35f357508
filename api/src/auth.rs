//! Authentication: every request but `GET /healthz` (and the static GraphiQL page) carries
//! `Authorization: Bearer <token>`, an API token issued by `qiflow token create`. A missing,
//! unknown, expired or revoked token is `UNAUTHENTICATED`, with no hint which.

use crate::caller::Caller;
use crate::error::{Error, Result};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use poem::http::HeaderMap;
use sea_orm::DatabaseConnection;

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(poem::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// The caller a request's headers identify: a qiflow API token, or a JWT from the configured
/// OpenID Connect issuer.
pub async fn authenticate(
    db: &DatabaseConnection,
    headers: &HeaderMap,
    oidc: Option<&OidcVerifier>,
) -> Result<Caller> {
    let token = bearer(headers).ok_or(Error::Unauthenticated)?;
    if token.starts_with(crate::store::tokens::TOKEN_PREFIX) {
        return crate::store::tokens::authenticate_token(db, token).await;
    }
    match oidc {
        Some(verifier) => {
            let subject = verifier.subject(token)?;
            crate::store::tokens::caller_for_subject(db, &subject).await
        }
        None => Err(Error::Unauthenticated),
    }
}

/// The verifier of the server, if OIDC is configured (request data).
#[derive(Debug, Clone, Default)]
pub struct Oidc(pub Option<std::sync::Arc<OidcVerifier>>);

/// Where the identity provider is and what its tokens must say.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub audience: String,
    /// A JWKS file, or an `http(s)://` URL to fetch it from at start.
    pub jwks: String,
    /// Whether the web page offers sign-in with the provider (authorization code flow with
    /// PKCE, the audience as client id); its endpoints come from the issuer's discovery
    /// document, read at start.
    pub sign_in: bool,
}

/// What the web page needs to sign people in with the provider. None of it is secret: a public
/// client with PKCE has no client secret.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserSignIn {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub client_id: String,
}

/// Algorithms accepted: asymmetric only (`none` and HMAC are refused).
pub const ALLOWED_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::RS256, Algorithm::RS512, Algorithm::ES256];

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 60;

/// Verifies bearer JWTs against the issuer's keys.
#[derive(Debug, Clone)]
pub struct OidcVerifier {
    settings: OidcSettings,
    keys: JwkSet,
    browser: Option<BrowserSignIn>,
}

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
}

impl OidcVerifier {
    /// A verifier over a key set already read.
    pub fn new(settings: OidcSettings, keys: JwkSet) -> Self {
        Self {
            settings,
            keys,
            browser: None,
        }
    }

    /// How the web page signs people in with the provider, when the server offers it.
    pub fn browser(&self) -> Option<&BrowserSignIn> {
        self.browser.as_ref()
    }

    /// Reads the key set from the file or URL the settings name.
    pub async fn load(settings: OidcSettings) -> anyhow::Result<Self> {
        use anyhow::Context;
        let text = if settings.jwks.starts_with("http://") || settings.jwks.starts_with("https://")
        {
            reqwest::get(&settings.jwks)
                .await
                .and_then(|r| r.error_for_status())
                .with_context(|| format!("fetching the JWKS from {}", settings.jwks))?
                .text()
                .await?
        } else {
            std::fs::read_to_string(&settings.jwks)
                .with_context(|| format!("reading the JWKS file {}", settings.jwks))?
        };
        let keys: JwkSet = serde_json::from_str(&text).context("the JWKS is not a JSON key set")?;
        let browser = if settings.sign_in {
            Some(discover(&settings).await?)
        } else {
            None
        };
        Ok(Self {
            browser,
            ..Self::new(settings, keys)
        })
    }

    /// The subject of a valid token: signed by a known key (`kid`) with an allowed algorithm,
    /// from the issuer, for the audience, within `exp`/`nbf` (60 s of skew).
    pub fn subject(&self, token: &str) -> Result<String> {
        let header = decode_header(token).map_err(|_| Error::Unauthenticated)?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(Error::Unauthenticated);
        }
        let kid = header.kid.as_deref().ok_or(Error::Unauthenticated)?;
        let jwk = self.keys.find(kid).ok_or(Error::Unauthenticated)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| Error::Unauthenticated)?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data =
            decode::<Claims>(token, &key, &validation).map_err(|_| Error::Unauthenticated)?;
        Ok(data.claims.sub)
    }
}

/// Reads the provider's endpoints from its discovery document
/// (`{issuer}/.well-known/openid-configuration`), checking it names the same issuer.
async fn discover(settings: &OidcSettings) -> anyhow::Result<BrowserSignIn> {
    use anyhow::Context;
    #[derive(serde::Deserialize)]
    struct Discovery {
        issuer: String,
        authorization_endpoint: String,
        token_endpoint: String,
    }
    let url = format!(
        "{}/.well-known/openid-configuration",
        settings.issuer.trim_end_matches('/')
    );
    let found: Discovery = reqwest::get(&url)
        .await
        .and_then(|r| r.error_for_status())
        .with_context(|| format!("fetching the provider's discovery document {url}"))?
        .json()
        .await
        .with_context(|| format!("{url} is not an OpenID Connect discovery document"))?;
    anyhow::ensure!(
        found.issuer.trim_end_matches('/') == settings.issuer.trim_end_matches('/'),
        "{url} names the issuer {}, not {}",
        found.issuer,
        settings.issuer
    );
    for endpoint in [&found.authorization_endpoint, &found.token_endpoint] {
        anyhow::ensure!(
            endpoint.starts_with("https://") || endpoint.starts_with("http://"),
            "{url}: {endpoint} is not an http(s) address"
        );
    }
    Ok(BrowserSignIn {
        issuer: settings.issuer.clone(),
        authorization_endpoint: found.authorization_endpoint,
        token_endpoint: found.token_endpoint,
        client_id: settings.audience.clone(),
    })
}
