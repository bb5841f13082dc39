//! [`HttpOptions`]: how the SDK's HTTP clients are built, for applications with
//! their own TLS roots, proxy or `reqwest` settings.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::endpoint::is_loopback;
use crate::error::ConfigError;

type ClientFactory = dyn Fn() -> reqwest::ClientBuilder + Send + Sync;

/// How an HTTP client of the SDK is built. By default: the bundled (webpki) roots
/// and the system's store (`SSL_CERT_FILE`, `SSL_CERT_DIR`), the system's proxy
/// settings (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) for https, never a proxy for a
/// loopback target.
///
/// Whatever is set here, the SDK still applies its own redirect policy (none for
/// token requests, same-origin only for API calls), timeouts and user agent on top.
///
/// ```
/// use oauth_core::HttpOptions;
///
/// let http = HttpOptions::default()
///     .proxy("http://proxy.corp.example:3128")
///     .client_builder(|| reqwest::Client::builder().pool_max_idle_per_host(4));
/// # let _ = http;
/// ```
#[derive(Clone, Default)]
pub struct HttpOptions {
    root_certificates: Vec<Vec<u8>>,
    proxy: Option<String>,
    factory: Option<Arc<ClientFactory>>,
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("root_certificates", &self.root_certificates.len())
            // A proxy URL may carry a password: only whether one is set.
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("client_builder", &self.factory.as_ref().map(|_| "[custom]"))
            .finish()
    }
}

impl HttpOptions {
    /// Trusts the CA certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks)
    /// as well as the bundled roots and the system's store.
    #[must_use]
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Sends https traffic through this proxy (`http://host:port`, credentials in
    /// the URL if it needs them) instead of the system's settings. A loopback
    /// target is still never proxied.
    #[must_use]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Starts every client from the application's own `reqwest` builder (for
    /// settings this type has no method for: connection pools, local address, DNS
    /// resolver, native TLS, ...).
    #[must_use]
    pub fn client_builder(
        mut self,
        factory: impl Fn() -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.factory = Some(Arc::new(factory));
        self
    }

    /// A `reqwest` builder for requests to `target` with these options applied.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `root_certificate` or `proxy` when one does not parse.
    #[doc(hidden)]
    pub fn builder_for(&self, target: &Url) -> Result<reqwest::ClientBuilder, ConfigError> {
        let mut builder = match &self.factory {
            Some(factory) => factory(),
            None => reqwest::Client::builder(),
        };
        builder = add_roots(builder, &self.root_certificates)?;
        let proxy = match &self.proxy {
            Some(url) => Some(reqwest::Proxy::all(url.as_str()).map_err(|_| {
                ConfigError::new("proxy", "is not a valid proxy URL (http://host:port)")
            })?),
            None => None,
        };
        if is_loopback(target) {
            // Plain http to loopback would hand every secret to a proxy in clear.
            return Ok(builder.no_proxy());
        }
        if let Some(proxy) = proxy {
            builder = builder.proxy(proxy);
        }
        Ok(builder)
    }
}

/// Adds the CA certificates of the PEM bundles to `builder`.
#[cfg(feature = "__tls")]
fn add_roots(
    mut builder: reqwest::ClientBuilder,
    bundles: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, ConfigError> {
    for pem in bundles {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            ConfigError::new(
                "root_certificate",
                format!("is not a PEM certificate bundle: {e}"),
            )
        })?;
        if certs.is_empty() {
            return Err(ConfigError::new(
                "root_certificate",
                "holds no certificate (BEGIN CERTIFICATE)",
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// Without a TLS backend there is nothing to trust a root with.
#[cfg(not(feature = "__tls"))]
fn add_roots(
    builder: reqwest::ClientBuilder,
    bundles: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, ConfigError> {
    if bundles.is_empty() {
        Ok(builder)
    } else {
        Err(ConfigError::new(
            "root_certificate",
            "needs a TLS backend: enable oauth-core's feature `rustls-tls` (the default) or `native-tls`",
        ))
    }
}

/// A redirect policy for requests that carry a secret (a bearer token, a
/// subscription key): follows up to `max_redirects` redirects that stay on the
/// origin (scheme, host and port) of the first request, stops at the first one that
/// leaves it (the 3xx is returned as the answer, so nothing is sent elsewhere) and
/// fails with "too many redirects" after that many.
///
/// reqwest's default policy drops `Authorization` when the host or port changes,
/// but forwards other headers across hosts and keeps them across a change of scheme
/// alone; this one never sends a request anywhere but the first origin.
pub fn same_origin_redirects(max_redirects: usize) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > max_redirects {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// `/hop/<i>` redirects to `/hop/<i + 1>` for `i < hops`; `/hop/<hops>` answers 200.
    async fn chain(server: &MockServer, hops: usize) {
        for i in 0..hops {
            Mock::given(path(format!("/hop/{i}")))
                .respond_with(
                    ResponseTemplate::new(302).insert_header("location", format!("/hop/{}", i + 1)),
                )
                .mount(server)
                .await;
        }
        Mock::given(path(format!("/hop/{hops}")))
            .respond_with(ResponseTemplate::new(200))
            .mount(server)
            .await;
    }

    fn client(max_redirects: usize) -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(same_origin_redirects(max_redirects))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn redirects_are_followed_up_to_the_limit_within_the_origin_only() {
        // Exactly the limit: followed to the end.
        let server = MockServer::start().await;
        chain(&server, 3).await;
        let answer = client(3)
            .get(format!("{}/hop/0", server.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(server.received_requests().await.unwrap().len(), 4);

        // One more: an error, and the end of the chain is never asked for.
        let server = MockServer::start().await;
        chain(&server, 4).await;
        let err = client(3)
            .get(format!("{}/hop/0", server.uri()))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert!(format!("{err:?}").contains("too many redirects"), "{err:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 4);

        // Another origin (another port): not followed, the 3xx is the answer.
        let here = MockServer::start().await;
        let there = MockServer::start().await;
        Mock::given(path("/go"))
            .respond_with(
                ResponseTemplate::new(307).insert_header("location", format!("{}/x", there.uri())),
            )
            .mount(&here)
            .await;
        let answer = client(3)
            .get(format!("{}/go", here.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 307);
        assert!(there.received_requests().await.unwrap().is_empty());
    }
}
