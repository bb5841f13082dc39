//! The usual hand-written token cache: `tokio::sync::Mutex<Option<token>>`,
//! refreshed by whichever caller finds it (nearly) expired, while holding the lock.

use std::time::Duration;

use oauth_core::{AccessToken, TokenClient, TokenError};
use tokio::sync::Mutex;

/// The baseline cache.
pub struct MutexCache {
    client: TokenClient,
    token: Mutex<Option<AccessToken>>,
    skew: Duration,
}

impl MutexCache {
    /// A cold cache over `client`, refreshing `skew` before expiry.
    pub fn new(client: TokenClient, skew: Duration) -> Self {
        Self {
            client,
            token: Mutex::new(None),
            skew,
        }
    }

    /// The cached token, fetched under the lock when missing or nearly expired.
    pub async fn get(&self) -> Result<AccessToken, TokenError> {
        let mut guard = self.token.lock().await;
        if let Some(token) = guard.as_ref() {
            if token.remaining() > self.skew {
                return Ok(token.clone());
            }
        }
        let token = self.client.request_token().await?;
        *guard = Some(token.clone());
        Ok(token)
    }
}
