//! Secret-leak scan: the whole fault matrix again, with every log line at TRACE level
//! captured, and every error's `Display` and `Debug` (and the `Debug` of every
//! client, builder, provider and token) collected; none may hold any spelling of any
//! secret of the run (raw, form- or percent-encoded, JSON-escaped, Base64, HTTP Basic,
//! a JWT's signature).
//!
//! Alone in its test binary with one test: `tracing` caches each call site's interest
//! process-wide, so the global subscriber must be set before any SDK code runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, Credentials, OAuthProvider, TokenClient, TokenEndpoint};
use reliability::matrix::{self, Verdict};
use reliability::secrets::Secrets;
use reliability::summary::{self, Summary};
use vendor_core::ApiClient;

/// A run of this many characters of a secret counts as a leak: a secret cut
/// before it was redacted still shows.
const FRAGMENT: usize = 12;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `Debug` of every configuration object holding the run's secrets.
fn configuration_texts(s: &Secrets) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |text: String| out.push(text);
    let credentials = Credentials::password(
        s.client_id.clone(),
        Some(s.client_secret.clone()),
        s.username.clone(),
        s.password.clone(),
    );
    push(format!("{credentials:?}"));
    let endpoint =
        TokenEndpoint::url("https://login.example/oauth2/token").with_scopes(["x/.default"]);
    let token_builder = TokenClient::builder()
        .endpoint(endpoint.clone())
        .credentials(credentials.clone());
    push(format!("{token_builder:#?}"));
    push(format!("{:?}", token_builder.build().unwrap()));
    let provider_builder = OAuthProvider::builder()
        .endpoint(endpoint)
        .credentials(credentials);
    push(format!("{provider_builder:?}"));
    let provider = Arc::new(provider_builder.build().unwrap());
    push(format!("{provider:?}"));
    let api_builder = ApiClient::builder()
        .base_url("https://api.example")
        .token_provider(provider)
        .secret_header(
            "Ocp-Apim-Subscription-Key",
            SecretString::from(s.subscription_key.clone()),
        );
    push(format!("{api_builder:?}"));
    push(format!("{:#?}", api_builder.build().unwrap()));
    let token = AccessToken::valid_for(s.access_token.clone(), Duration::from_secs(60));
    push(format!("{token:#?}"));
    push(format!("{:?}", token.authorization_header()));

    let kazi = kazi_tagging::Client::builder()
        .client_credentials(s.client_id.clone(), s.client_secret.clone())
        .subscription_key(s.subscription_key.clone());
    push(format!("{kazi:?}"));
    push(format!("{:?}", kazi.build().unwrap()));
    let keyavi = keyavi::Client::builder()
        .user(s.client_id.clone(), s.username.clone(), s.password.clone())
        .client_secret(s.client_secret.clone())
        .tenant("contoso.onmicrosoft.com")
        .base_url("https://keyavi.example/api/")
        .subscription_key(s.subscription_key.clone());
    push(format!("{keyavi:?}"));
    push(format!("{:?}", keyavi.build().unwrap()));
    let kaisa =
        kaisa::Client::builder().client_credentials(s.client_id.clone(), s.client_secret.clone());
    push(format!("{kaisa:?}"));
    push(format!("{:?}", kaisa.build().unwrap()));
    let okq8 = okq8::Client::builder()
        .client_credentials(s.client_id.clone(), s.client_secret.clone())
        .scope("api://apim-core-api/.default")
        .base_url("https://okq8.example/")
        .subscription_key(s.subscription_key.clone());
    push(format!("{okq8:?}"));
    push(format!("{:?}", okq8.build().unwrap()));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_error_or_debug_output() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let secrets = Arc::new(Secrets::random());
    let started = Instant::now();
    let outcomes = matrix::run_matrix(secrets.clone(), Duration::from_secs(20), 8).await;
    let wall = started.elapsed();
    let matrix_summary = Summary::of(&outcomes);
    assert_eq!(
        matrix_summary.passed,
        matrix_summary.scenarios,
        "every row must pass for its texts to be scanned:\n{}",
        summary::markdown("Fault matrix (leak scan)", &outcomes, wall)
    );

    // What was collected.
    let mut texts: Vec<(String, String)> = Vec::new();
    for o in &outcomes {
        assert_eq!(o.verdict, Verdict::Passed);
        for text in &o.texts {
            texts.push((o.scenario.name.to_owned(), text.clone()));
        }
    }
    let error_texts = texts.len();
    for text in configuration_texts(&secrets) {
        texts.push(("configuration".to_owned(), text));
    }
    let config_texts = texts.len() - error_texts;
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let log_lines = log.lines().count();

    // The scan.
    let spellings = secrets.spellings();
    let fragments = secrets.fragments(FRAGMENT);
    let found = |text: &str| {
        let mut names = secrets.leaks_in(text);
        names.extend(secrets.fragments_in(text, FRAGMENT));
        names
    };
    let mut leaks = Vec::new();
    for (source, text) in &texts {
        for name in found(text) {
            leaks.push(format!("{source}: {name}"));
        }
    }
    for (i, line) in log.lines().enumerate() {
        for name in found(line) {
            leaks.push(format!("log line {}: {name}", i + 1));
        }
    }

    // The scan must be able to see: the log holds the matrix's failures, and the
    // texts hold redaction markers where servers echoed secrets back.
    assert!(log_lines > 100, "too little was logged: {log_lines} lines");
    assert!(
        log.contains("TRACE") && log.contains("token cache"),
        "TRACE level not captured"
    );
    assert!(
        texts.iter().any(|(_, t)| t.contains("[redacted]")),
        "no redaction seen: the echo rows did not run"
    );

    let figures = format!(
        "leak scan: {} matrix rows, {log_lines} log lines ({} bytes), {error_texts} error/token texts \
         and {config_texts} configuration texts scanned for {} spellings of {} secrets and {} fragments \
         of {FRAGMENT} characters: {} leaks",
        outcomes.len(),
        log.len(),
        spellings.len(),
        secrets.values().len(),
        fragments.len(),
        leaks.len()
    );
    println!("{figures}");
    summary::write_target_file(
        "reliability-leak-scan.md",
        &format!("# Secret-leak scan\n\n{figures}\n\nSpellings: {}\n", {
            let names: Vec<&str> = spellings.iter().map(|(n, _)| n.as_str()).collect();
            names.join(", ")
        }),
    )
    .unwrap();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
