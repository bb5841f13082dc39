//! A loopback token endpoint with a fixed latency that counts requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use oauth_core::{ConfigError, Credentials, OAuthProvider, TokenClient, TokenEndpoint};

/// A running token endpoint.
pub struct TokenServer {
    pub url: String,
    pub requests: Arc<AtomicU64>,
}

#[derive(Clone)]
struct ServerState {
    requests: Arc<AtomicU64>,
    latency: Duration,
    lifetime_secs: u64,
}

impl TokenServer {
    /// Starts a token endpoint answering after `latency` with tokens living
    /// `lifetime_secs`.
    pub async fn start(latency: Duration, lifetime_secs: u64) -> std::io::Result<Self> {
        let requests = Arc::new(AtomicU64::new(0));
        let state = ServerState {
            requests: requests.clone(),
            latency,
            lifetime_secs,
        };
        let app = Router::new().route("/token", post(issue)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}/token"),
            requests,
        })
    }

    /// Token requests answered so far.
    pub fn count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// A token client for this endpoint.
    pub fn client(&self) -> TokenClient {
        match client_for(&self.url) {
            Ok(client) => client,
            Err(e) => {
                eprintln!("sdk-bench: token client: {e}");
                std::process::exit(1);
            }
        }
    }

    /// A provider (with its own memory cache) for this endpoint.
    pub fn provider(&self) -> OAuthProvider {
        OAuthProvider::new(self.client())
    }
}

/// A token client for the endpoint at `url` (a [`TokenServer`]'s, possibly started by
/// another process), with the benchmark's credentials.
pub fn client_for(url: &str) -> Result<TokenClient, ConfigError> {
    TokenClient::builder()
        .endpoint(TokenEndpoint::url(url))
        .credentials(Credentials::client_credentials(
            "bench-client",
            "bench-secret",
        ))
        .allow_insecure_loopback(true)
        .build()
}

async fn issue(State(state): State<ServerState>) -> Json<serde_json::Value> {
    let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(state.latency).await;
    Json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": state.lifetime_secs,
        "access_token": format!("bench-token-{n}"),
    }))
}
