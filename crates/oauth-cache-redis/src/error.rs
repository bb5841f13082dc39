//! The error of a Redis operation.

use std::time::Duration;

/// Why a Redis operation failed.
///
/// The cache never hands this to the callers of [`oauth_core::TokenCache::get`]: when
/// Redis fails they still get a token (from memory, or fetched directly) and the
/// failure is reported as a `tracing` warning. It is returned only by
/// [`crate::RedisTokenCache::connect`], for a start-up or health check.
///
/// It never contains the Redis URL, the username or the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedisCacheError {
    /// Redis did not answer within the configured timeout.
    #[error(
        "Redis did not answer within {0:?}: check that it is reachable, or raise `redis_timeout`"
    )]
    Timeout(Duration),
    /// Redis refused the username and password (`WRONGPASS`, `NOAUTH`), or asked for
    /// a password none was given for.
    #[error(
        "Redis refused the credentials ({0}): check the username and password \
         (OAUTH_CACHE_REDIS_USERNAME and OAUTH_CACHE_REDIS_PASSWORD, or the URL's)"
    )]
    Authentication(String),
    /// The Redis user may not run a command, or use a key or channel, the cache needs
    /// (`NOPERM`): see the ACL rule in the crate's documentation.
    #[error(
        "Redis denied the cache's user a command, key or channel ({0}): grant the ACL rule \
         the oauth-cache-redis documentation gives for the key prefix"
    )]
    PermissionDenied(String),
    /// Redis refused the connection or the command, or the connection broke.
    #[error("Redis failed: {0}")]
    Redis(String),
}

impl RedisCacheError {
    pub(crate) fn from_redis(err: &redis::RedisError) -> Self {
        // The redis error names the failure (and the server's answer), never the URL
        // or the credentials.
        let text = err.to_string();
        // The cluster client keeps a node's error only as text ("Failed to create
        // initial connections - Io: Password authentication failed -
        // AuthenticationFailed"): its markers count as much as the kind.
        let says = |markers: &[&str]| markers.iter().any(|m| text.contains(m));
        if err.kind() == redis::ErrorKind::AuthenticationFailed
            || matches!(err.code(), Some("WRONGPASS" | "NOAUTH"))
            || says(&["AuthenticationFailed", "WRONGPASS", "NOAUTH"])
        {
            Self::Authentication(text)
        } else if err.code() == Some("NOPERM") || says(&["NOPERM"]) {
            Self::PermissionDenied(text)
        } else {
            Self::Redis(text)
        }
    }

    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// Whether Redis refused the credentials (see
    /// [`RedisCacheError::Authentication`]).
    pub fn is_authentication(&self) -> bool {
        matches!(self, Self::Authentication(_))
    }

    /// Whether Redis denied the user a command, key or channel (see
    /// [`RedisCacheError::PermissionDenied`]).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::PermissionDenied(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each predicate answers for its own kind only, so a caller can act on it.
    #[test]
    fn each_kind_is_told_apart() {
        let kinds = [
            RedisCacheError::Timeout(Duration::from_millis(250)),
            RedisCacheError::Authentication("WRONGPASS".to_owned()),
            RedisCacheError::PermissionDenied("NOPERM".to_owned()),
            RedisCacheError::Redis("connection refused".to_owned()),
        ];
        let answers: Vec<[bool; 3]> = kinds
            .iter()
            .map(|e| {
                [
                    e.is_timeout(),
                    e.is_authentication(),
                    e.is_permission_denied(),
                ]
            })
            .collect();
        assert_eq!(
            answers,
            [
                [true, false, false],
                [false, true, false],
                [false, false, true],
                [false, false, false]
            ]
        );
    }
}
