//! The checks an API gateway makes before a handler runs: subscription key and bearer token.

use axum::http::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::creds;
use crate::http::{apim_error, INVALID_KEY, INVALID_TOKEN, MISSING_KEY, WRONG_PRODUCT};
use crate::jwt::Claims;
use crate::state::AppState;
use crate::Vendor;

const SUBSCRIPTION_KEY_HEADER: &str = "ocp-apim-subscription-key";

/// Checks `Ocp-Apim-Subscription-Key`: missing → 401, unknown → 401, a valid key of
/// another product (`known_elsewhere`) → 403.
pub(crate) fn require_key(
    headers: &HeaderMap,
    accepted: &[&str],
    known_elsewhere: &[&str],
) -> Result<(), Response> {
    let Some(key) = headers
        .get(SUBSCRIPTION_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return Err(apim_error(StatusCode::UNAUTHORIZED, MISSING_KEY));
    };
    if accepted.iter().any(|k| creds::same_secret(key, k)) {
        Ok(())
    } else if known_elsewhere.iter().any(|k| creds::same_secret(key, k)) {
        Err(apim_error(StatusCode::FORBIDDEN, WRONG_PRODUCT))
    } else {
        Err(apim_error(StatusCode::UNAUTHORIZED, INVALID_KEY))
    }
}

/// 401 with `WWW-Authenticate: Bearer error="invalid_token"` and the APIM body.
pub(crate) fn invalid_token(description: &str) -> Response {
    let mut response = apim_error(StatusCode::UNAUTHORIZED, INVALID_TOKEN);
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// Verifies the bearer token: present, signed by this sandbox, inside its validity window,
/// and issued for `vendor`'s API.
pub(crate) fn require_bearer(
    app: &AppState,
    headers: &HeaderMap,
    vendor: Vendor,
) -> Result<Claims, Response> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_token("The access token is missing"))?;
    let claims = app
        .verify(token)
        .map_err(|rejection| invalid_token(rejection.description()))?;
    if claims.aud != creds::expected_audience(vendor) {
        return Err(invalid_token("The audience is invalid"));
    }
    Ok(claims)
}
