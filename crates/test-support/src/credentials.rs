//! What the vendor crates' credential tests share: the throwaway test certificate
//! and a guard that no token endpoint is asked.

use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The path of oauth-core's test certificate and key (PEM, PKCS#8): a throwaway
/// credential made for the tests, not a real one.
pub fn certificate_path() -> String {
    format!(
        "{}/../oauth-core/tests/fixtures/certs/client-pkcs8.pem",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The same certificate and key as [`certificate_path`] in a PKCS#12 archive
/// (PBES2, AES-256-CBC) encrypted with [`PKCS12_PASSWORD`].
pub fn pkcs12_path() -> String {
    format!(
        "{}/../oauth-core/tests/fixtures/certs/client.p12",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The password of the archive at [`pkcs12_path`] (a test fixture's, not a secret).
pub const PKCS12_PASSWORD: &str = "fixture-p12-password";

/// Fails the test if any token endpoint (a POST to a path with `token` in it) on
/// `server` is asked: for calls that must use a token they were given.
pub async fn forbid_token_requests(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path_regex("token"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("any token endpoint")
        .mount(server)
        .await;
}
