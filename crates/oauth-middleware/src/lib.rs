#![doc = include_str!("../README.md")]

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use http::header::AUTHORIZATION;
use http::Extensions;
use oauth_core::{AccessToken, ConfigError, TokenProvider};
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};
use url::{Origin, Url};

pub use oauth_core;
pub use reqwest_middleware;

/// Most redirects [`redirect_policy`] follows before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// A [`reqwest_middleware::Middleware`] that adds `Authorization: Bearer <token>` from a
/// [`TokenProvider`] to requests whose origin is allowed, and retries once after a 401.
///
/// * Only requests to an origin (scheme, host and port) added with
///   [`OAuthMiddleware::allowed_origin`] get the token. Every other request passes
///   through untouched, without it. A middleware with no allowed origin sends the token
///   to nobody (and logs a warning): the origin of the first request is never trusted
///   implicitly.
/// * A request that already carries an `Authorization` header is left alone.
/// * On a 401 from an allowed origin, the rejected token is handed back to
///   [`TokenProvider::invalidate`] (which drops it only if it is still the current one,
///   so concurrent 401s cause a single refresh) and the request is sent once more with a
///   fresh token, if its body can be cloned ([`Request::try_clone`]). Otherwise, or if
///   the second attempt is also refused, or the provider has no other token to give,
///   the 401 is returned.
/// * A failure to obtain a token is returned as
///   [`reqwest_middleware::Error::Middleware`] wrapping the
///   [`oauth_core::TokenError`] (`err.downcast_ref::<TokenError>()`); the request is not
///   sent.
///
/// `Debug` shows the allowed origins and the provider, never a token.
pub struct OAuthMiddleware {
    provider: Arc<dyn TokenProvider>,
    origins: Vec<Origin>,
    warned_no_origin: AtomicBool,
}

impl fmt::Debug for OAuthMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthMiddleware")
            .field("allowed_origins", &self.allowed_origins())
            .field("provider", &self.provider)
            .finish()
    }
}

impl OAuthMiddleware {
    /// A middleware over `provider` that trusts no origin yet: add each origin the
    /// token may be sent to with [`OAuthMiddleware::allowed_origin`].
    pub fn new(provider: Arc<dyn TokenProvider>) -> Self {
        Self {
            provider,
            origins: Vec::new(),
            warned_no_origin: AtomicBool::new(false),
        }
    }

    /// Allows the token to be sent to `origin`: `scheme://host[:port]`, with no path
    /// (other than `/`), query, fragment or user info, since none of them would
    /// restrict anything. The port defaults to the scheme's (443 for `https`).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] (field `allowed_origin`) when `origin` is not a URL, is not
    /// `https://` (`http://` is accepted for loopback hosts only: `127.0.0.1`, `::1`,
    /// `localhost`), or has a path, query, fragment or user info.
    pub fn allowed_origin(mut self, origin: &str) -> Result<Self, ConfigError> {
        let origin = parse_origin(origin)?;
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
        Ok(self)
    }

    /// The allowed origins, as `scheme://host[:port]`.
    pub fn allowed_origins(&self) -> Vec<String> {
        self.origins
            .iter()
            .map(Origin::ascii_serialization)
            .collect()
    }

    /// Whether a request to `url` gets the token.
    pub fn is_allowed(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.origins.contains(&origin)
    }

    /// The provider's cached token if it has one, else a fetched one.
    async fn token(&self) -> Result<AccessToken, reqwest_middleware::Error> {
        if let Some(token) = self.provider.cached() {
            return Ok(token);
        }
        self.provider
            .token()
            .await
            .map_err(reqwest_middleware::Error::middleware)
    }
}

/// Sets the token's header value, marked sensitive.
fn authorize(request: &mut Request, token: &AccessToken) {
    let mut value = token.authorization_header().clone();
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
}

fn parse_origin(text: &str) -> Result<Origin, ConfigError> {
    let bad = |problem: String| ConfigError::new("allowed_origin", problem);
    let url = Url::parse(text).map_err(|e| bad(format!("{text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if oauth_core::__internal::is_loopback(&url) => {}
        "http" => {
            return Err(bad(format!(
                "{text:?} is plain http: the token would travel unencrypted \
                 (http is accepted for loopback hosts only)"
            )))
        }
        other => return Err(bad(format!("{text:?}: scheme {other:?} is not https"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(format!("{text:?} holds user info")));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad(format!(
            "{text:?} has a path, query or fragment: an origin is scheme, host and port \
             only, and the token goes to every path of it"
        )));
    }
    Ok(url.origin())
}

/// A redirect policy for the application's [`reqwest::Client`]: follows up to
/// [`MAX_REDIRECTS`] redirects that stay on the same origin (scheme, host and port) and
/// stops at the first one that leaves it, returning that 3xx response to the caller.
///
/// reqwest's default policy already drops `Authorization` when a redirect changes the
/// host or the port, but not when it changes only the scheme with an explicit port
/// (`https://api:8443` to `http://api:8443`); this policy never sends the token
/// anywhere but where it was first sent.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    oauth_core::__internal::same_origin_redirects(MAX_REDIRECTS)
}

#[async_trait]
impl Middleware for OAuthMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !self.is_allowed(request.url()) {
            if self.origins.is_empty() && !self.warned_no_origin.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "oauth middleware: no allowed origin configured, so no request gets \
                     the token (call .allowed_origin(..))"
                );
            }
            return next.run(request, extensions).await;
        }
        if request.headers().contains_key(AUTHORIZATION) {
            tracing::debug!("oauth middleware: request already authorised, left alone");
            return next.run(request, extensions).await;
        }
        let token = self.token().await?;
        let retry = request.try_clone();
        authorize(&mut request, &token);
        let response = next.clone().run(request, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(mut retry) = retry else {
            tracing::debug!("oauth middleware: 401, not retried: the body cannot be cloned");
            return Ok(response);
        };
        self.provider.invalidate(&token).await;
        let fresh = self.token().await?;
        if fresh.same_as(&token) {
            tracing::debug!("oauth middleware: 401, not retried: the provider has no other token");
            return Ok(response);
        }
        drop(response);
        tracing::debug!("oauth middleware: 401, retrying once with a fresh token");
        authorize(&mut retry, &fresh);
        next.run(retry, extensions).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked() {
        for bad in [
            "not a url",
            "http://api.example.com",
            "ftp://api.example.com",
            "https://user:pw@api.example.com",
            // A user name or a password alone is user info too.
            "https://user@api.example.com",
            "https://:pw@api.example.com",
            "https://api.example.com/v1",
            "https://api.example.com/?a=b",
            "https://api.example.com/#f",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad} accepted");
        }
        for good in [
            "https://api.example.com",
            "https://API.example.com:443/",
            "http://127.0.0.1:8080",
            "http://localhost",
        ] {
            assert!(parse_origin(good).is_ok(), "{good} refused");
        }
    }
}
