//! Client assertions (RFC 7523): certificates, federated token files and callbacks.
//! Each token request carries a fresh assertion, signed correctly, for the right
//! audience and client; files are re-read on every request; the assertion never
//! shows in an error; each credential gets its own cache key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::*;
use oauth_core::secrecy::SecretString;
use oauth_core::{
    AssertionCallback, BodyFormat, Certificate, Credentials, RetryPolicy, SigningAlgorithm,
    TokenClient, TokenEndpoint, TokenError, JWT_BEARER_ASSERTION_TYPE,
};
use ring::signature::{
    RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn cert_fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The public key of the test certificate, from its private key.
fn public_key() -> Vec<u8> {
    let pem = cert_fixture("client-pkcs8.pem");
    let PrivateKeyDer::Pkcs8(der) = PrivateKeyDer::from_pem_slice(&pem).unwrap() else {
        panic!("PKCS#8 fixture");
    };
    let pair = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).unwrap();
    use ring::signature::KeyPair as _;
    pair.public_key().as_ref().to_vec()
}

/// Records every token request body and answers with a token.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Pairs>>>);

type Pairs = Vec<(String, String)>;

impl Respond for Recorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let pairs: Vec<(String, String)> = if request.body.first() == Some(&b'{') {
            let v: Value = serde_json::from_slice(&request.body).unwrap();
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        } else {
            parse_form(&request.body)
        };
        self.0.lock().unwrap().push(pairs);
        ResponseTemplate::new(200).set_body_json(token_answer(ACCESS_TOKEN))
    }
}

impl Recorder {
    fn bodies(&self) -> Vec<Pairs> {
        self.0.lock().unwrap().clone()
    }
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    let found: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{name} in {pairs:?}");
    found[0]
}

async fn endpoint(expected: u64) -> (MockServer, Recorder) {
    let server = MockServer::start().await;
    let recorder = Recorder::default();
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(recorder.clone())
        .expect(expected)
        .named("token endpoint")
        .mount(&server)
        .await;
    (server, recorder)
}

fn client(server: &MockServer, credentials: Credentials, format: BodyFormat) -> TokenClient {
    TokenClient::builder()
        .endpoint(TokenEndpoint::url(token_url(server)).with_scopes(["api://x/.default"]))
        .credentials(credentials)
        .body_format(format)
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn decode(part: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Checks one request's assertion: type, signature, header and claims; returns its `jti`.
fn check_signed(pairs: &[(String, String)], audience: &str, algorithm: &str) -> String {
    assert_eq!(get(pairs, "grant_type"), "client_credentials");
    assert_eq!(get(pairs, "client_id"), CLIENT_ID);
    assert_eq!(
        get(pairs, "client_assertion_type"),
        JWT_BEARER_ASSERTION_TYPE
    );
    assert!(pairs.iter().all(|(k, _)| k != "client_secret"), "{pairs:?}");
    let jwt = get(pairs, "client_assertion");
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "{jwt}");
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    let key = public_key();
    let verified = match algorithm {
        "RS256" => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key)
            .verify(signed.as_bytes(), &signature),
        _ => UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA256, &key)
            .verify(signed.as_bytes(), &signature),
    };
    assert!(
        verified.is_ok(),
        "the signature verifies with the certificate's key"
    );

    let header = decode(parts[0]);
    assert_eq!(header["alg"], algorithm);
    assert_eq!(header["typ"], "JWT");
    let expected_x5t = String::from_utf8(cert_fixture("x5t-s256.txt")).unwrap();
    assert_eq!(header["x5t#S256"], expected_x5t.trim());
    assert_eq!(header["x5t"].as_str().unwrap().len(), 27, "base64url SHA-1");

    let claims = decode(parts[1]);
    assert_eq!(claims["aud"], audience);
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    let (iat, nbf, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["nbf"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        nbf <= now + 1 && iat <= now + 1 && iat + 60 >= now,
        "{claims}"
    );
    assert!(exp > now, "{claims}");
    assert_eq!(
        exp - iat,
        300,
        "five minutes, within Entra ID's ten: {claims}"
    );
    claims["jti"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_certificate_signs_a_fresh_assertion_for_every_request() {
    for (fixture, format) in [
        ("client-pkcs8.pem", BodyFormat::Form),
        ("client-pkcs1.pem", BodyFormat::Json),
    ] {
        let (server, recorder) = endpoint(2).await;
        let certificate = Certificate::from_pem(&cert_fixture(fixture)).unwrap();
        let client = client(
            &server,
            Credentials::certificate(CLIENT_ID, certificate),
            format,
        );
        client.request_token().await.unwrap();
        client.request_token().await.unwrap();
        let bodies = recorder.bodies();
        let audience = token_url(&server);
        let first = check_signed(&bodies[0], &audience, "RS256");
        let second = check_signed(&bodies[1], &audience, "RS256");
        assert_ne!(first, second, "a unique jti per assertion ({fixture})");
        assert_ne!(
            get(&bodies[0], "client_assertion"),
            get(&bodies[1], "client_assertion")
        );
    }
}

#[tokio::test]
async fn ps256_can_be_chosen() {
    let (server, recorder) = endpoint(1).await;
    let certificate = Certificate::from_pem(&cert_fixture("client-pkcs8.pem"))
        .unwrap()
        .with_algorithm(SigningAlgorithm::Ps256);
    let client = client(
        &server,
        Credentials::certificate(CLIENT_ID, certificate),
        BodyFormat::Form,
    );
    client.request_token().await.unwrap();
    check_signed(&recorder.bodies()[0], &token_url(&server), "PS256");
}

#[tokio::test]
async fn azure_ad_v1_and_v2_endpoints_take_the_assertion() {
    for endpoint_kind in [
        TokenEndpoint::azure_ad_v1(TENANT, RESOURCE),
        TokenEndpoint::azure_ad_v2(TENANT, ["api://x/.default"]),
    ] {
        let server = MockServer::start().await;
        let recorder = Recorder::default();
        Mock::given(method("POST"))
            .respond_with(recorder.clone())
            .expect(1)
            .mount(&server)
            .await;
        let certificate = Certificate::from_pem(&cert_fixture("client-pkcs8.pem")).unwrap();
        let client = TokenClient::builder()
            .endpoint(endpoint_kind)
            .credentials(Credentials::certificate(CLIENT_ID, certificate))
            .authority(server.uri())
            .allow_insecure_loopback(true)
            .build()
            .unwrap();
        client.request_token().await.unwrap();
        let bodies = recorder.bodies();
        check_signed(&bodies[0], client.url().as_str(), "RS256");
        assert!(
            bodies[0]
                .iter()
                .any(|(k, _)| k == "resource" || k == "scope"),
            "{:?}",
            bodies[0]
        );
    }
}

#[test]
fn a_bad_certificate_file_says_what_is_wrong_without_quoting_the_key() {
    let cert_only = String::from_utf8(cert_fixture("cert.pem")).unwrap();
    let err = Certificate::from_pem(cert_only.as_bytes()).unwrap_err();
    assert_eq!(err.field(), "client_certificate");
    assert!(err.problem().contains("no private key"), "{err}");

    let full = String::from_utf8(cert_fixture("client-pkcs8.pem")).unwrap();
    let key_only = &full[full.find("-----BEGIN PRIVATE KEY").unwrap()..];
    let err = Certificate::from_pem(key_only.as_bytes()).unwrap_err();
    assert!(err.problem().contains("no certificate"), "{err}");

    let err = Certificate::from_pem_file("/nonexistent/app.pem").unwrap_err();
    assert!(err.problem().contains("/nonexistent/app.pem"), "{err}");

    // A damaged key is refused, and the error holds none of its text.
    let damaged = full.replacen("MII", "MIJ", 2);
    if let Err(err) = Certificate::from_pem(damaged.as_bytes()) {
        let line = key_only.lines().nth(1).unwrap();
        assert!(!err.to_string().contains(line), "{err}");
    }
    let certificate = Certificate::from_pem(full.as_bytes()).unwrap();
    let debug = format!("{certificate:?}");
    assert!(!debug.contains(key_only.lines().nth(1).unwrap()), "{debug}");
}

const PKCS12_PASSWORD: &str = "fixture-p12-password";

/// PKCS#12 archives of the same certificate and key sign assertions that verify with
/// its key and carry its thumbprint: modern (PBES2, AES-256) and legacy (RC2 and
/// 3DES) encryption, a password or none, from bytes or from a file told apart from PEM.
#[cfg(feature = "pkcs12")]
#[tokio::test]
async fn pkcs12_archives_sign_like_the_pem_they_hold() {
    let pem = Certificate::from_pem(&cert_fixture("client-pkcs8.pem")).unwrap();
    let archives = [
        ("client.p12", PKCS12_PASSWORD),
        ("client-legacy.p12", PKCS12_PASSWORD),
        ("client-empty-password.p12", ""),
    ];
    for (fixture, password) in archives {
        let certificate = Certificate::from_pkcs12(&cert_fixture(fixture), password).unwrap();
        assert_eq!(
            certificate.thumbprint_sha256(),
            pem.thumbprint_sha256(),
            "{fixture}"
        );
        let path = format!(
            "{}/tests/fixtures/certs/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        );
        let from_file =
            Certificate::from_file(&path, (!password.is_empty()).then_some(password)).unwrap();
        let (server, recorder) = endpoint(1).await;
        let client = client(
            &server,
            Credentials::certificate(CLIENT_ID, from_file),
            BodyFormat::Form,
        );
        client.request_token().await.unwrap();
        check_signed(&recorder.bodies()[0], &token_url(&server), "RS256");
    }
}

#[cfg(feature = "pkcs12")]
#[test]
fn a_wrong_pkcs12_password_is_named_but_never_quoted() {
    let archive = cert_fixture("client.p12");
    for wrong in ["Fixture-p12-password", ""] {
        let err = Certificate::from_pkcs12(&archive, wrong).unwrap_err();
        assert_eq!(err.field(), "client_certificate");
        assert!(err.problem().contains("password"), "{err}");
        if !wrong.is_empty() {
            assert!(!format!("{err} {err:?}").contains(wrong), "{err:?}");
        }
    }
    // Not an archive at all.
    let err = Certificate::from_pkcs12(b"\x30\x03\x02\x01\x03", PKCS12_PASSWORD).unwrap_err();
    assert!(err.problem().contains("PKCS#12"), "{err}");
    // A certificate without its key.
    let err =
        Certificate::from_pkcs12(&cert_fixture("cert-only.p12"), PKCS12_PASSWORD).unwrap_err();
    assert!(err.problem().contains("no private key"), "{err}");
}

#[test]
fn an_assertion_callback_shows_its_name() {
    let callback = AssertionCallback::new("vault-signer", |_, _| async {
        Ok(SecretString::from("x".to_owned()))
    });
    assert_eq!(
        format!("{callback:?}"),
        "AssertionCallback { name: \"vault-signer\", .. }"
    );
}

#[test]
fn a_certificate_shows_its_thumbprint_and_algorithm_but_never_its_key() {
    let pem = cert_fixture("client-pkcs8.pem");
    let certificate = Certificate::from_pem(&pem).unwrap();
    let thumbprint = certificate.thumbprint_sha256().to_owned();
    assert_eq!(thumbprint.len(), 43, "base64url SHA-256");
    let text = format!("{certificate:?}");
    assert!(text.starts_with("Certificate {"), "{text}");
    assert!(text.contains(&thumbprint), "{text}");
    assert!(text.contains("Rs256"), "{text}");
    let key_lines = String::from_utf8(pem).unwrap();
    for line in key_lines.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line), "key or certificate text in {text}");
    }
    let ps = format!(
        "{:?}",
        certificate.with_algorithm(oauth_core::SigningAlgorithm::Ps256)
    );
    assert!(ps.contains("Ps256"), "{ps}");
}

#[test]
fn certificate_files_are_told_apart_by_content() {
    let dir = format!("{}/tests/fixtures/certs", env!("CARGO_MANIFEST_DIR"));
    // PEM with a password: refused, the password is for PKCS#12 only.
    let err = Certificate::from_file(format!("{dir}/client-pkcs8.pem"), Some("pw")).unwrap_err();
    assert!(err.problem().contains("PKCS#12"), "{err}");
    assert!(!err.problem().contains("\"pw\""), "{err}");
    // PEM without one: read.
    let pem = Certificate::from_file(format!("{dir}/client-pkcs8.pem"), None).unwrap();
    let expected = String::from_utf8(cert_fixture("x5t-s256.txt")).unwrap();
    assert_eq!(pem.thumbprint_sha256(), expected.trim());
    // A missing file names its path.
    let err = Certificate::from_file("/nonexistent/app.pfx", None).unwrap_err();
    assert!(err.problem().contains("/nonexistent/app.pfx"), "{err}");
    // PKCS#12: read with the feature, a clear refusal naming it without.
    let archive = Certificate::from_file(format!("{dir}/client.p12"), Some(PKCS12_PASSWORD));
    #[cfg(feature = "pkcs12")]
    assert_eq!(archive.unwrap().thumbprint_sha256(), expected.trim());
    #[cfg(not(feature = "pkcs12"))]
    assert!(
        archive.unwrap_err().problem().contains("feature `pkcs12`"),
        "without the feature"
    );
}

fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "oauth-core-test-{}-{name}-{:x}",
        std::process::id(),
        fastrand_u64()
    ))
}

fn fastrand_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

#[tokio::test]
async fn a_federated_token_file_is_read_again_for_every_request() {
    let (server, recorder) = endpoint(2).await;
    let file = temp_file("federated");
    std::fs::write(&file, "fed-token-one\n").unwrap();
    let client = client(
        &server,
        Credentials::federated_token_file(CLIENT_ID, &file),
        BodyFormat::Form,
    );
    client.request_token().await.unwrap();
    // Kubernetes rotates the projected token: the next request reads the new one.
    std::fs::write(&file, "fed-token-two").unwrap();
    client.request_token().await.unwrap();
    let bodies = recorder.bodies();
    assert_eq!(get(&bodies[0], "client_assertion"), "fed-token-one");
    assert_eq!(get(&bodies[1], "client_assertion"), "fed-token-two");
    assert_eq!(
        get(&bodies[1], "client_assertion_type"),
        JWT_BEARER_ASSERTION_TYPE
    );

    // A missing or empty file is a configuration error naming it; nothing is sent.
    std::fs::remove_file(&file).unwrap();
    let err = client.request_token().await.unwrap_err();
    assert!(
        matches!(&err, TokenError::Config(c) if c.field() == "federated_token_file" && c.problem().contains(&file.display().to_string())),
        "{err}"
    );
    std::fs::write(&file, "  \n").unwrap();
    let err = client.request_token().await.unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");
    std::fs::remove_file(&file).unwrap();
    assert_eq!(recorder.bodies().len(), 2);
}

#[tokio::test]
async fn a_callback_is_asked_for_each_assertion_with_the_client_and_audience() {
    let (server, recorder) = endpoint(2).await;
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let callback = AssertionCallback::new("vault:key-7", move |client_id, audience| {
        let n = {
            let mut seen = seen.lock().unwrap();
            seen.push((client_id.to_owned(), audience.to_owned()));
            seen.len()
        };
        async move { Ok(SecretString::from(format!("vault-assertion-{n}"))) }
    });
    let client = client(
        &server,
        Credentials::client_assertion(CLIENT_ID, callback),
        BodyFormat::Json,
    );
    client.request_token().await.unwrap();
    client.request_token().await.unwrap();
    let bodies = recorder.bodies();
    assert_eq!(get(&bodies[0], "client_assertion"), "vault-assertion-1");
    assert_eq!(get(&bodies[1], "client_assertion"), "vault-assertion-2");
    assert_eq!(
        asked.lock().unwrap()[0],
        (CLIENT_ID.to_owned(), token_url(&server))
    );
}

#[tokio::test]
async fn an_echoed_assertion_is_redacted_from_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(400).set_body_string(format!(
                "bad request: {}",
                String::from_utf8_lossy(&request.body)
            ))
        })
        .expect(1)
        .mount(&server)
        .await;
    let callback = AssertionCallback::new("echo", |_, _| async {
        Ok(SecretString::from("assertion-4f1e-do-not-leak".to_owned()))
    });
    let err = client(
        &server,
        Credentials::client_assertion(CLIENT_ID, callback),
        BodyFormat::Form,
    )
    .request_token()
    .await
    .unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("assertion-4f1e-do-not-leak"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn each_assertion_credential_has_its_own_cache_key() {
    let key = |credentials: Credentials| {
        TokenClient::builder()
            .endpoint(TokenEndpoint::url("https://login.example/token").with_scopes(["s"]))
            .credentials(credentials)
            .build()
            .unwrap()
            .cache_key()
            .clone()
    };
    let cert = || Certificate::from_pem(&cert_fixture("client-pkcs8.pem")).unwrap();
    let a = key(Credentials::certificate(CLIENT_ID, cert()));
    assert_eq!(a, key(Credentials::certificate(CLIENT_ID, cert())));
    // Another certificate of the same client (a rotation): its own key, so a token
    // obtained with the old one is not handed out for the new one.
    let rotated = {
        let mut pem = cert_fixture("server-cert.pem");
        pem.extend(cert_fixture("server-key.pem"));
        Certificate::from_pem(&pem).unwrap()
    };
    assert_ne!(rotated.thumbprint_sha256(), cert().thumbprint_sha256());
    let b = key(Credentials::certificate(CLIENT_ID, rotated));
    let fed_a = key(Credentials::federated_token_file(CLIENT_ID, "/var/run/a"));
    let fed_b = key(Credentials::federated_token_file(CLIENT_ID, "/var/run/b"));
    let secret = key(Credentials::client_credentials(CLIENT_ID, CLIENT_SECRET));
    let callback = key(Credentials::client_assertion(
        CLIENT_ID,
        AssertionCallback::new("vault", |_, _| async {
            Ok(SecretString::from("x".to_owned()))
        }),
    ));
    let other_callback = key(Credentials::client_assertion(
        CLIENT_ID,
        AssertionCallback::new("key-vault", |_, _| async {
            Ok(SecretString::from("x".to_owned()))
        }),
    ));
    let all = [&a, &b, &fed_a, &fed_b, &secret, &callback, &other_callback];
    for (i, x) in all.iter().enumerate() {
        for y in &all[i + 1..] {
            assert_ne!(x, y);
        }
    }
    assert!(a.binds_credential());
}
