//! TLS trust against a real TLS server on 127.0.0.1 with a certificate from a test
//! CA: untrusted, it fails at once as `Transport(Tls)` (not retried); trusted
//! through `add_root_certificate_pem` or `SSL_CERT_FILE`, https to loopback works
//! without the insecure-loopback opt-in. Alone in its binary: `SSL_CERT_FILE` is
//! process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use oauth_core::{
    Credentials, RetryPolicy, TokenClient, TokenEndpoint, TokenError, TransportErrorKind,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A TLS server answering every request with a token; counts TLS handshakes begun.
async fn tls_token_server() -> (String, Arc<AtomicUsize>) {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&fixture("server-cert.pem"))
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_slice(&fixture("server-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let _ = tls.read(&mut buf).await;
                let body =
                    r#"{"token_type":"Bearer","expires_in":"3599","access_token":"tls-token"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (
        format!("https://127.0.0.1:{port}/oauth2/token"),
        connections,
    )
}

fn builder(url: &str) -> oauth_core::TokenClientBuilder {
    TokenClient::builder()
        .endpoint(TokenEndpoint::url(url).with_scopes(["s"]))
        .credentials(Credentials::client_credentials("client", "secret-tls-1"))
        .retry_policy(RetryPolicy::default().max_attempts(4))
}

#[tokio::test]
async fn a_private_ca_is_trusted_when_given_and_refused_otherwise() {
    std::env::remove_var("SSL_CERT_FILE");
    let (url, connections) = tls_token_server().await;

    // Not trusted: one connection, no retries, and the error says why.
    let err = builder(&url)
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::Transport(t) if t.kind() == TransportErrorKind::Tls),
        "{err:?}"
    );
    assert!(err.to_string().contains("not trusted"), "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 1, "not retried");

    // Trusted through the builder: https to loopback needs no opt-in.
    let token = builder(&url)
        .add_root_certificate_pem(fixture("test-ca.pem"))
        .build()
        .unwrap()
        .request_token()
        .await
        .unwrap();
    assert_eq!(token.secret(), "tls-token");

    // Trusted through SSL_CERT_FILE (the system store), as curl and Python read it.
    let ca_file =
        std::env::temp_dir().join(format!("oauth-core-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, fixture("test-ca.pem")).unwrap();
    std::env::set_var("SSL_CERT_FILE", &ca_file);
    let token = builder(&url).build().unwrap().request_token().await;
    std::env::remove_var("SSL_CERT_FILE");
    std::fs::remove_file(&ca_file).unwrap();
    assert_eq!(token.unwrap().secret(), "tls-token");

    // A bundle that is not PEM is refused when the client is built.
    let err = builder(&url)
        .add_root_certificate_pem(b"not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), "root_certificate");
}
