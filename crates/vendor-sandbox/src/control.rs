//! `/_sandbox/*`: statistics and fault control over HTTP (not counted in the statistics).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::config::Faults;
use crate::http::{json_response, Shared};

/// Control routes.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/_sandbox/stats", get(stats).delete(reset_stats))
        .route("/_sandbox/stats/reset", post(reset_stats))
        .route(
            "/_sandbox/faults",
            get(faults).post(set_faults).put(set_faults),
        )
}

async fn stats(State(app): State<Shared>) -> Response {
    json_response(StatusCode::OK, json!(app.stats()))
}

async fn reset_stats(State(app): State<Shared>) -> Response {
    app.reset_stats();
    json_response(StatusCode::OK, json!(app.stats()))
}

async fn faults(State(app): State<Shared>) -> Response {
    json_response(StatusCode::OK, json!(app.faults()))
}

async fn set_faults(State(app): State<Shared>, body: Bytes) -> Response {
    let faults: Faults = if body.iter().all(u8::is_ascii_whitespace) {
        Faults::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(faults) => faults,
            Err(err) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": format!("invalid faults JSON: {err}") }),
                )
            }
        }
    };
    if !(0.0..=1.0).contains(&faults.server_error_rate) {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({ "error": "server_error_rate must be between 0.0 and 1.0" }),
        );
    }
    tracing::info!(?faults, "sandbox faults replaced");
    app.set_faults(faults);
    json_response(StatusCode::OK, json!(app.faults()))
}
