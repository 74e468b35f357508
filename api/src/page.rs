//! The web page: the files under `api/web/public/`, embedded in the binary (rust-embed), served
//! with a strict content security policy, an ETag and gzip when the browser takes it. They hold
//! no data: the page signs in with a token and asks the public GraphQL API for everything.
//!
//! Files are compressed here once, on first use, rather than through poem's `compression`
//! feature, which builds four codecs (zstd among them, a C build) to serve a few static files.

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Request, Response, handler};
use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

#[derive(rust_embed::Embed)]
#[folder = "web/public/"]
#[exclude = "*.d.ts"]
struct Files;

/// Nothing may be loaded from elsewhere, framed or sniffed as another type; styles come only
/// from the page's own stylesheet and scripts only from its own modules.
pub const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/// Below this size gzip saves too little to be worth a header.
const COMPRESS_FROM: usize = 1024;

/// The gzip body of every text file worth compressing, made on first use.
fn compressed() -> &'static HashMap<String, Vec<u8>> {
    static GZIPPED: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    GZIPPED.get_or_init(|| {
        Files::iter()
            .filter_map(|path| {
                let file = Files::get(&path)?;
                let text = file.metadata.mimetype().starts_with("text/")
                    || file.metadata.mimetype().contains("javascript")
                    || file.metadata.mimetype().contains("svg");
                if !text || file.data.len() < COMPRESS_FROM {
                    return None;
                }
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gz.write_all(&file.data).ok()?;
                Some((path.into_owned(), gz.finish().ok()?))
            })
            .collect()
    })
}

/// The page's placeholder for the server's sign-in settings.
const SIGN_IN_META: &str = r#"<meta name="qiflow-sign-in" content="">"#;

/// The page as this server serves it: with its OpenID Connect sign-in settings (public: a
/// PKCE client has no secret) in a meta element, and a policy that lets the page reach the
/// provider's token endpoint and nothing else outside.
fn index_with(sign_in: &crate::auth::BrowserSignIn) -> (Vec<u8>, String) {
    let page = Files::get("index.html")
        .map(|f| f.data.into_owned())
        .unwrap_or_default();
    let json = serde_json::to_string(sign_in).unwrap_or_default();
    // An attribute value in double quotes: these four are all that need escaping.
    let escaped = json
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let page = String::from_utf8_lossy(&page).replace(
        SIGN_IN_META,
        &format!(r#"<meta name="qiflow-sign-in" content="{escaped}">"#),
    );
    let origin = reqwest::Url::parse(&sign_in.token_endpoint)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let policy = PAGE_POLICY.replace(
        "connect-src 'self'",
        &format!("connect-src 'self' {origin}"),
    );
    (page.into_bytes(), policy)
}

/// `GET /` and `GET /app/...`: one embedded file, or 404.
#[handler]
pub fn asset(http: &Request, oidc: poem::web::Data<&crate::auth::Oidc>) -> Response {
    let path = match http.uri().path().trim_start_matches('/') {
        "" => "index.html",
        other => other,
    };
    let Some(file) = Files::get(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if path == "index.html"
        && let Some(sign_in) = oidc.0.0.as_ref().and_then(|v| v.browser())
    {
        let (page, policy) = index_with(sign_in);
        return Response::builder()
            .header(header::CACHE_CONTROL, "no-cache")
            .header("Content-Security-Policy", policy)
            .header("X-Content-Type-Options", "nosniff")
            .content_type("text/html; charset=utf-8")
            .body(page);
    }
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let headers = http.headers();
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let builder = Response::builder()
        .header(header::ETAG, etag)
        // Revalidate every time (a 304 costs one round trip), so a new release is seen at once.
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "Accept-Encoding")
        .header("Content-Security-Policy", PAGE_POLICY)
        .header("X-Content-Type-Options", "nosniff");
    if fresh {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    let mut content_type = file.metadata.mimetype().to_string();
    if content_type.starts_with("text/") || content_type.contains("javascript") {
        content_type.push_str("; charset=utf-8");
    }
    let builder = builder.header(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    match compressed().get(path).filter(|_| gzip) {
        Some(body) => builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body.clone()),
        None => builder.body(file.data.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::test::TestClient;
    use poem::{EndpointExt, Route, get};

    fn app() -> TestClient<impl poem::Endpoint> {
        TestClient::new(
            Route::new()
                .at("/", get(asset))
                .at("/app/*path", get(asset))
                .data(crate::auth::Oidc(None)),
        )
    }

    #[tokio::test]
    async fn serves_the_page_its_modules_and_nothing_else() {
        let client = app();
        let page = client.get("/").send().await;
        page.assert_status_is_ok();
        page.assert_header("Content-Type", "text/html; charset=utf-8");
        page.assert_header("Content-Security-Policy", PAGE_POLICY);
        let module = client.get("/app/js/main.js").send().await;
        module.assert_status_is_ok();
        module.assert_header("Content-Type", "text/javascript; charset=utf-8");
        // Type declarations are for tsc, not for browsers.
        client
            .get("/app/vendor/lit-html/lit-html.d.ts")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
        client
            .get("/app/../Cargo.toml")
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }

    #[test]
    fn the_sign_in_settings_go_into_the_page_escaped_and_open_only_the_token_endpoint() {
        let (page, policy) = index_with(&crate::auth::BrowserSignIn {
            issuer: "https://login.example.nhs.uk".into(),
            authorization_endpoint: "https://login.example.nhs.uk/authorize?a=1&b=\"2\"".into(),
            token_endpoint: "https://tokens.example.nhs.uk:8443/token".into(),
            client_id: "qiflow".into(),
        });
        let page = String::from_utf8(page).unwrap();
        assert!(!page.contains(SIGN_IN_META), "the placeholder is filled");
        assert!(
            page.contains(r#"authorize?a=1&amp;b=\&quot;2\&quot;"#),
            "{page}"
        );
        assert!(
            policy.contains("connect-src 'self' https://tokens.example.nhs.uk:8443;"),
            "{policy}"
        );
    }

    #[tokio::test]
    async fn gzips_for_browsers_that_take_it_and_answers_304_when_unchanged() {
        let client = app();
        let plain = client.get("/app/css/qiflow.css").send().await;
        plain.assert_status_is_ok();
        let etag = plain.0.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_string();
        let plain_body = plain.0.into_body().into_bytes().await.unwrap();
        let zipped = client
            .get("/app/css/qiflow.css")
            .header(header::ACCEPT_ENCODING, "br, gzip")
            .send()
            .await;
        zipped.assert_header(header::CONTENT_ENCODING, "gzip");
        let body = zipped.0.into_body().into_bytes().await.unwrap();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain_body);
        assert!(
            body.len() * 4 < plain_body.len(),
            "{} vs {}",
            body.len(),
            plain_body.len()
        );
        client
            .get("/app/css/qiflow.css")
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .assert_status(StatusCode::NOT_MODIFIED);
    }
}
