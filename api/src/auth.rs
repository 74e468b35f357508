//! Authentication: every request but `GET /healthz` (and the static GraphiQL page) carries
//! `Authorization: Bearer <token>`, an API token issued by `qiflow token create`. A missing,
//! unknown, expired or revoked token is `UNAUTHENTICATED`, with no hint which.

use crate::caller::Caller;
use crate::error::{Error, Result};
use crate::store::access;
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

/// The caller a request's headers identify.
pub async fn authenticate(db: &DatabaseConnection, headers: &HeaderMap) -> Result<Caller> {
    let token = bearer(headers).ok_or(Error::Unauthenticated)?;
    if token.starts_with(access::TOKEN_PREFIX) {
        return access::authenticate_token(db, token).await;
    }
    Err(Error::Unauthenticated)
}
