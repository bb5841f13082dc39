//! Response helpers and the middleware shared by all routes.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
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
