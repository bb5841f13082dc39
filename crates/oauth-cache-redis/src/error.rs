//! The error of a Redis operation.

use std::time::Duration;

/// Why a Redis operation failed.
///
/// The cache never hands this to the callers of [`oauth_core::TokenCache::get`]: when
/// Redis fails they still get a token (from memory, or fetched directly) and the
/// failure is reported as a `tracing` warning. It is returned only by
/// [`crate::RedisTokenCache::connect`], for a start-up or health check.
///
/// It never contains the Redis URL or its password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisCacheError {
    /// Redis did not answer within the configured timeout.
    #[error(
        "Redis did not answer within {0:?}: check that it is reachable, or raise `redis_timeout`"
    )]
    Timeout(Duration),
    /// Redis refused the connection or the command, or the connection broke.
    #[error("Redis failed: {0}")]
    Redis(String),
}

impl RedisCacheError {
    pub(crate) fn from_redis(err: &redis::RedisError) -> Self {
        // The redis error names the failure (and the server's answer), never the URL.
        Self::Redis(err.to_string())
    }

    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }
}
