//! Response helpers and the middleware shared by all routes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{HeaderName, HeaderValue, HOST, RETRY_AFTER};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::{AppState, Injected};
use crate::Vendor;

pub(crate) type Shared = Arc<AppState>;

/// The id given to the current request, echoed as `x-ms-request-id` and `request-id`.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

/// An APIM-shaped error: `{"statusCode":N,"message":"..."}`.
pub(crate) fn apim_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "statusCode": status.as_u16(), "message": message })),
    )
        .into_response()
}

/// JSON with a status.
pub(crate) fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

pub(crate) const MISSING_KEY: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";
pub(crate) const INVALID_KEY: &str = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.";
pub(crate) const WRONG_PRODUCT: &str =
    "Access denied due to subscription not authorized for this product.";
pub(crate) const INVALID_TOKEN: &str = "Unauthorized. Access token is missing or invalid.";
const RATE_LIMITED: &str = "Rate limit is exceeded. Try again in 1 seconds.";
const UNAVAILABLE: &str =
    "The service is temporarily unavailable. (fault injected by vendor-sandbox)";

/// Whether `authority` (a `Host` header or a request target's authority) names a
/// loopback host, with or without a port: `127.0.0.1`, `localhost` or `[::1]`.
pub(crate) fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, after)) => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return false,
            },
            None => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port_ok = port.is_none_or(|digits| {
        (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    });
    port_ok && (host == "127.0.0.1" || host == "::1" || host.eq_ignore_ascii_case("localhost"))
}

/// DNS-rebinding protection: answers 421 to a request whose `Host` (or absolute
/// request target) is not a loopback name, and 400 to one without a `Host`.
///
/// A web page can make a browser send requests to the sandbox through a name of
/// its own that it re-points at 127.0.0.1; such requests still carry that name as
/// their `Host`, so they are refused here, before any route or counter sees them.
pub(crate) async fn check_host(req: Request, next: Next) -> Response {
    let host = req.headers().get(HOST).map(|v| v.to_str().unwrap_or(""));
    let target = req.uri().authority().map(|a| a.as_str());
    let refused = match (host, target) {
        (None, None) => Some((StatusCode::BAD_REQUEST, "missing_host", String::new())),
        (host, target) => [host, target]
            .into_iter()
            .flatten()
            .find(|name| !is_loopback_authority(name))
            .map(|name| {
                let shown: String = name.chars().take(100).collect();
                (
                    StatusCode::MISDIRECTED_REQUEST,
                    "misdirected_request",
                    shown,
                )
            }),
    };
    match refused {
        None => next.run(req).await,
        Some((status, error, name)) => {
            tracing::warn!(host = %name, "sandbox request refused: not addressed to a loopback host");
            let message = if name.is_empty() {
                "vendor-sandbox needs a Host header naming a loopback host (127.0.0.1, localhost or [::1]).".to_owned()
            } else {
                format!(
                    "vendor-sandbox answers only requests addressed to a loopback host (127.0.0.1, localhost or [::1], any port), not to `{name}`: refused as a possible DNS rebinding attack."
                )
            };
            json_response(status, json!({ "error": error, "message": message }))
        }
    }
}

/// Collapses repeated slashes and drops a trailing slash before routing, so base URLs with
/// or without a trailing `/` both work (`/keyavi/api/payloads/protect-remote/` included).
pub(crate) async fn normalize_path(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.contains("//") || (path.len() > 1 && path.ends_with('/')) {
        let mut normalized = String::with_capacity(path.len());
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            normalized.push('/');
            normalized.push_str(segment);
        }
        if normalized.is_empty() {
            normalized.push('/');
        }
        if let Some(query) = req.uri().query() {
            normalized.push('?');
            normalized.push_str(query);
        }
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = normalized.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

/// Gives every request a fresh id and echoes it in `x-ms-request-id` and `request-id`.
pub(crate) async fn request_id(
    State(app): State<Shared>,
    mut req: Request,
    next: Next,
) -> Response {
    let id = app.fresh_guid();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        let headers = response.headers_mut();
        headers.insert(HeaderName::from_static("x-ms-request-id"), value.clone());
        headers.insert(HeaderName::from_static("request-id"), value);
    }
    response
}

/// State of the per-vendor API middleware.
#[derive(Clone)]
pub(crate) struct ApiLayer {
    pub app: Shared,
    pub vendor: Vendor,
}

/// Latency, injected faults and statistics for every API call of one vendor.
pub(crate) async fn api_layer(State(layer): State<ApiLayer>, req: Request, next: Next) -> Response {
    let (latency, injected) = layer.app.next_api_call();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match injected {
        Some(Injected::RateLimited) => {
            let mut response = apim_error(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        Some(Injected::ServerError) => apim_error(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
        None => next.run(req).await,
    };
    tracing::debug!(
        vendor = layer.vendor.as_str(),
        status = response.status().as_u16(),
        "sandbox api call"
    );
    layer
        .app
        .record_api(layer.vendor, response.status().as_u16());
    response
}

/// APIM's answer for a path no operation matches.
pub(crate) async fn apim_not_found() -> Response {
    apim_error(StatusCode::NOT_FOUND, "Resource not found")
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn loopback_authorities() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8787",
            "localhost",
            "LocalHost:1",
            "[::1]",
            "[::1]:65535",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8787",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "evil-localhost",
            "127.0.0.2",
            "0.0.0.0:8787",
            "[::1",
            "[::2]:80",
            "127.0.0.1:",
            "127.0.0.1:80x",
            "127.0.0.1:123456",
            "localhost:8787:1",
            "user@127.0.0.1",
            "192.168.1.10:8787",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }
}
