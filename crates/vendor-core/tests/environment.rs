//! The environment-reading part of the vendor kit (`vendor_core::kit`): the
//! settings, authority host and credentials a vendor crate's `from_env` reads, and
//! the `kit::env` helpers, checked on their returned values and on the variable
//! and text of their errors.
//!
//! These tests set process environment variables, which every test of a binary
//! shares, so they live alone in this binary: each test function uses variable
//! names of its own (`VCK_<TEST>_...`), and only `globals_azure_variables` touches
//! the variables the kit reads for every vendor (`AZURE_AUTHORITY_HOST`,
//! `AZURE_FEDERATED_TOKEN_FILE`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use oauth_core::secrecy::ExposeSecret;
use oauth_core::{AuthorityHost, Certificate, ConfigError};
use vendor_core::kit::{
    self, AppAuth, CommonOptions, CredentialVars, EnvCredential, AZURE_AUTHORITY_HOST,
    AZURE_FEDERATED_TOKEN_FILE,
};

/// The PEM certificate and PKCS#8 key of oauth-core's fixtures.
fn cert_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../oauth-core/tests/fixtures/certs/client-pkcs8.pem"
    )
    .to_owned()
}

fn certificate() -> Certificate {
    Certificate::from_pem_file(cert_path()).unwrap()
}

fn set(name: &str, value: &str) {
    std::env::set_var(name, value);
}

fn unset(names: &[&str]) {
    for name in names {
        std::env::remove_var(name);
    }
}

fn expect_err<T: std::fmt::Debug>(result: Result<T, ConfigError>) -> ConfigError {
    match result {
        Ok(v) => panic!("expected a ConfigError, got Ok({v:?})"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------
// CommonOptions::read_env
// ---------------------------------------------------------------------------

#[test]
fn read_env_loopback_switch() {
    const BASE: &str = "VCK_LOOPBACK_BASE_URL";
    const TOKEN: &str = "VCK_LOOPBACK_TOKEN_URL";
    const LOOPBACK: &str = "VCK_LOOPBACK_ALLOW_INSECURE_LOOPBACK";
    unset(&[BASE, TOKEN, LOOPBACK]);

    for on in ["1", "true", "yes", " TRUE ", "Yes"] {
        set(LOOPBACK, on);
        let mut options = CommonOptions::default();
        options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
        assert!(options.insecure_loopback, "{on:?} turns the opt-in on");
    }

    for off in ["0", "false", "no", "", "  ", "FALSE"] {
        set(LOOPBACK, off);
        let mut options = CommonOptions::default();
        options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
        assert!(!options.insecure_loopback, "{off:?} leaves the opt-in off");
    }

    // An "off" value does not reset an opt-in the builder already has.
    set(LOOPBACK, "0");
    let mut options = CommonOptions {
        insecure_loopback: true,
        ..CommonOptions::default()
    };
    options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
    assert!(options.insecure_loopback);

    for bad in ["maybe", "2", "on"] {
        set(LOOPBACK, bad);
        let mut options = CommonOptions::default();
        let err = expect_err(options.read_env(BASE, TOKEN, LOOPBACK, None));
        assert_eq!(err.field(), LOOPBACK, "{bad:?}");
        assert!(err.problem().contains("1 or 0"), "{}", err.problem());
        assert!(!options.insecure_loopback);
    }

    unset(&[LOOPBACK]);
    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
    assert!(!options.insecure_loopback, "unset leaves the opt-in off");
}

#[test]
fn read_env_urls_and_subscription_key() {
    const BASE: &str = "VCK_URLS_BASE_URL";
    const TOKEN: &str = "VCK_URLS_TOKEN_URL";
    const LOOPBACK: &str = "VCK_URLS_ALLOW_INSECURE_LOOPBACK";
    const KEY: &str = "VCK_URLS_SUBSCRIPTION_KEY";
    unset(&[BASE, TOKEN, LOOPBACK, KEY]);

    set(BASE, " https://api.example.test/v1 ");
    set(TOKEN, "https://login.example.test/tenant/oauth2/token");
    set(KEY, "sub-key-8c1f0e");
    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)).unwrap();
    assert_eq!(
        options.base_url.as_deref(),
        Some("https://api.example.test/v1")
    );
    assert_eq!(options.base_url_var, Some(BASE));
    assert_eq!(
        options.token_url.as_deref(),
        Some("https://login.example.test/tenant/oauth2/token")
    );
    assert_eq!(options.token_url_var, Some(TOKEN));
    assert_eq!(
        options
            .subscription_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned())
            .as_deref(),
        Some("sub-key-8c1f0e")
    );
    assert!(!options.insecure_loopback);

    // Without a key variable, the key is not read.
    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
    assert!(options.subscription_key.is_none());
    assert_eq!(options.base_url_var, Some(BASE));

    // http:// to a loopback host is accepted when read (the opt-in is checked when
    // the client is built).
    set(BASE, "http://127.0.0.1:8080");
    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, None).unwrap();
    assert_eq!(options.base_url.as_deref(), Some("http://127.0.0.1:8080"));

    // An invalid base URL names the base variable, and sets nothing.
    set(BASE, "not a url");
    let mut options = CommonOptions::default();
    let err = expect_err(options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)));
    assert_eq!(err.field(), BASE);
    assert!(err.problem().contains("not a url"), "{}", err.problem());
    assert!(options.base_url.is_none());
    assert!(options.base_url_var.is_none());

    set(BASE, "ftp://api.example.test");
    let err = expect_err(CommonOptions::default().read_env(BASE, TOKEN, LOOPBACK, None));
    assert_eq!(err.field(), BASE);

    // An invalid token URL names the token variable.
    set(BASE, "https://api.example.test");
    set(TOKEN, "not a url");
    let mut options = CommonOptions::default();
    let err = expect_err(options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)));
    assert_eq!(err.field(), TOKEN);
    assert!(options.token_url.is_none());
    assert!(options.token_url_var.is_none());

    set(TOKEN, "http://login.example.test/token");
    let err = expect_err(CommonOptions::default().read_env(BASE, TOKEN, LOOPBACK, None));
    assert_eq!(err.field(), TOKEN);

    unset(&[BASE, TOKEN, LOOPBACK, KEY]);
}

#[test]
fn read_env_nothing_set() {
    const BASE: &str = "VCK_EMPTY_BASE_URL";
    const TOKEN: &str = "VCK_EMPTY_TOKEN_URL";
    const LOOPBACK: &str = "VCK_EMPTY_ALLOW_INSECURE_LOOPBACK";
    const KEY: &str = "VCK_EMPTY_SUBSCRIPTION_KEY";
    unset(&[BASE, TOKEN, LOOPBACK, KEY]);

    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)).unwrap();
    assert!(options.base_url.is_none());
    assert!(options.base_url_var.is_none());
    assert!(options.token_url.is_none());
    assert!(options.token_url_var.is_none());
    assert!(options.subscription_key.is_none());
    assert!(options.authority.is_none());
    assert!(!options.insecure_loopback);

    // Blank values count as unset.
    for var in [BASE, TOKEN, KEY] {
        set(var, "   ");
    }
    let mut options = CommonOptions::default();
    options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)).unwrap();
    assert!(options.base_url.is_none());
    assert!(options.token_url.is_none());
    assert!(options.subscription_key.is_none());

    // What the builder already has is kept when the variables are unset.
    unset(&[BASE, TOKEN, LOOPBACK, KEY]);
    let mut options = CommonOptions {
        base_url: Some("https://kept.example.test".into()),
        ..CommonOptions::default()
    };
    options.read_env(BASE, TOKEN, LOOPBACK, Some(KEY)).unwrap();
    assert_eq!(
        options.base_url.as_deref(),
        Some("https://kept.example.test")
    );
    assert!(options.base_url_var.is_none());
}

// ---------------------------------------------------------------------------
// CommonOptions::read_authority_env (with the variable set; the
// AZURE_AUTHORITY_HOST fallback is in `globals_azure_variables`)
// ---------------------------------------------------------------------------

#[test]
fn read_authority_env_values() {
    const VAR: &str = "VCK_AUTHORITY_HOST";

    for (value, url) in [
        ("AzureChina", AuthorityHost::AzureChina.url()),
        ("AzureGovernment", AuthorityHost::AzureGovernment.url()),
        ("azurechina", "https://login.chinacloudapi.cn"),
        ("AzureGovernment", "https://login.microsoftonline.us"),
        ("https://login.example.test", "https://login.example.test"),
        ("https://login.example.test/", "https://login.example.test"),
    ] {
        set(VAR, value);
        let mut options = CommonOptions::default();
        options.read_authority_env(VAR).unwrap();
        assert_eq!(options.authority.as_deref(), Some(url), "{value:?}");
    }

    for bad in ["ftp://x", "Mars", "http://login.example.test"] {
        set(VAR, bad);
        let mut options = CommonOptions::default();
        let err = expect_err(options.read_authority_env(VAR));
        assert_eq!(err.field(), VAR, "{bad:?}");
        assert!(!err.problem().is_empty());
        assert!(options.authority.is_none());
    }

    std::env::remove_var(VAR);
}

// ---------------------------------------------------------------------------
// AppAuth and EnvCredential
// ---------------------------------------------------------------------------

#[test]
fn app_auth_client_id() {
    let secret = AppAuth::Secret {
        client_id: "app-secret".into(),
        client_secret: "s3cr3t-value".into(),
    };
    assert_eq!(secret.client_id(), Some("app-secret"));

    let cert = AppAuth::Certificate {
        client_id: "app-cert".into(),
        certificate: Box::new(certificate()),
    };
    assert_eq!(cert.client_id(), Some("app-cert"));

    let federated = AppAuth::FederatedTokenFile {
        client_id: "app-fed".into(),
        path: PathBuf::from("/var/run/token"),
    };
    assert_eq!(federated.client_id(), Some("app-fed"));

    let user_assigned = AppAuth::ManagedIdentity {
        client_id: Some("mi".into()),
    };
    assert_eq!(user_assigned.client_id(), Some("mi"));

    let system_assigned = AppAuth::ManagedIdentity { client_id: None };
    assert_eq!(system_assigned.client_id(), None);
}

#[test]
fn app_auth_debug_redacts_the_secret() {
    let secret = AppAuth::Secret {
        client_id: "app-4f2a".into(),
        client_secret: "do-not-print-9e7d".into(),
    };
    let shown = format!("{secret:?}");
    assert!(shown.contains("Secret"), "{shown}");
    assert!(shown.contains("app-4f2a"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
    assert!(!shown.contains("do-not-print-9e7d"), "{shown}");
    let pretty = format!("{secret:#?}");
    assert!(!pretty.contains("do-not-print-9e7d"), "{pretty}");

    let federated = AppAuth::FederatedTokenFile {
        client_id: "app-fed".into(),
        path: PathBuf::from("/var/run/token"),
    };
    let shown = format!("{federated:?}");
    assert!(shown.contains("FederatedTokenFile"), "{shown}");
    assert!(shown.contains("app-fed"), "{shown}");
    assert!(shown.contains("/var/run/token"), "{shown}");

    let managed = format!(
        "{:?}",
        AppAuth::ManagedIdentity {
            client_id: Some("mi-7".into())
        }
    );
    assert!(managed.contains("ManagedIdentity"), "{managed}");
    assert!(managed.contains("mi-7"), "{managed}");

    let cert = format!(
        "{:?}",
        AppAuth::Certificate {
            client_id: "app-cert".into(),
            certificate: Box::new(certificate()),
        }
    );
    assert!(cert.contains("Certificate"), "{cert}");
    assert!(cert.contains("app-cert"), "{cert}");
    assert!(!cert.contains("PRIVATE KEY"), "{cert}");
}

#[test]
fn env_credential_needs_client_id_and_joins_it() {
    assert!(EnvCredential::Secret("s".into()).needs_client_id());
    assert!(EnvCredential::Certificate(Box::new(certificate())).needs_client_id());
    assert!(EnvCredential::FederatedTokenFile("/t".into()).needs_client_id());
    assert!(!EnvCredential::ManagedIdentity(None).needs_client_id());
    assert!(!EnvCredential::ManagedIdentity(Some("mi".into())).needs_client_id());

    match EnvCredential::Secret("the-secret".into()).with_client_id("id-1".into()) {
        AppAuth::Secret {
            client_id,
            client_secret,
        } => {
            assert_eq!(client_id, "id-1");
            assert_eq!(client_secret.expose_secret(), "the-secret");
        }
        other => panic!("expected Secret, got {other:?}"),
    }

    let expected = certificate().thumbprint_sha256().to_owned();
    match EnvCredential::Certificate(Box::new(certificate())).with_client_id("id-2".into()) {
        AppAuth::Certificate {
            client_id,
            certificate,
        } => {
            assert_eq!(client_id, "id-2");
            assert_eq!(certificate.thumbprint_sha256(), expected);
        }
        other => panic!("expected Certificate, got {other:?}"),
    }

    match EnvCredential::FederatedTokenFile("/var/run/t".into()).with_client_id("id-3".into()) {
        AppAuth::FederatedTokenFile { client_id, path } => {
            assert_eq!(client_id, "id-3");
            assert_eq!(path, PathBuf::from("/var/run/t"));
        }
        other => panic!("expected FederatedTokenFile, got {other:?}"),
    }

    // A managed identity keeps its own client id; the application's is ignored.
    match EnvCredential::ManagedIdentity(Some("mi".into())).with_client_id("id-4".into()) {
        AppAuth::ManagedIdentity { client_id } => assert_eq!(client_id.as_deref(), Some("mi")),
        other => panic!("expected ManagedIdentity, got {other:?}"),
    }
    match EnvCredential::ManagedIdentity(None).with_client_id("id-5".into()) {
        AppAuth::ManagedIdentity { client_id } => assert_eq!(client_id, None),
        other => panic!("expected ManagedIdentity, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// CredentialVars::read / read_for. Outcomes that fall through to
// AZURE_FEDERATED_TOKEN_FILE are read with `read_for(true)` here, which does not
// look at it; `globals_azure_variables` covers it.
// ---------------------------------------------------------------------------

#[test]
fn credential_vars_secret_and_certificate() {
    const SECRET: &str = "VCK_CREDS_CLIENT_SECRET";
    const CERT: &str = "VCK_CREDS_CLIENT_CERTIFICATE_PATH";
    const PASSWORD: &str = "VCK_CREDS_CLIENT_CERTIFICATE_PASSWORD";
    const FEDERATED: &str = "VCK_CREDS_FEDERATED_TOKEN_FILE";
    const MANAGED: &str = "VCK_CREDS_USE_MANAGED_IDENTITY";
    const MANAGED_ID: &str = "VCK_CREDS_MANAGED_IDENTITY_CLIENT_ID";
    const ALL: [&str; 6] = [SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID];
    let vars = CredentialVars::new(SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID);
    assert_eq!(vars.client_secret, SECRET);
    assert_eq!(vars.certificate_path, CERT);
    assert_eq!(vars.certificate_password, PASSWORD);
    assert_eq!(vars.federated_token_file, FEDERATED);
    assert_eq!(vars.use_managed_identity, MANAGED);
    assert_eq!(vars.managed_identity_client_id, MANAGED_ID);
    unset(&ALL);

    // Nothing set, with credentials already in the builder.
    assert!(vars.read_for(true).unwrap().is_none());

    // A secret.
    set(SECRET, " secret-value-61d0 ");
    for credential in [vars.read().unwrap(), vars.read_for(true).unwrap()] {
        match credential {
            Some(EnvCredential::Secret(secret)) => {
                assert_eq!(secret.expose_secret(), "secret-value-61d0");
            }
            other => panic!("expected a secret, got {other:?}"),
        }
    }
    unset(&ALL);

    // A PEM certificate.
    set(CERT, &cert_path());
    let expected = certificate().thumbprint_sha256().to_owned();
    match vars.read().unwrap() {
        Some(EnvCredential::Certificate(certificate)) => {
            assert_eq!(certificate.thumbprint_sha256(), expected);
        }
        other => panic!("expected a certificate, got {other:?}"),
    }

    // A certificate that does not load names the path variable.
    set(CERT, "/nonexistent/vck-creds/missing.pem");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), CERT);
    assert!(!err.problem().is_empty());

    // A password given with a PEM certificate is refused, naming the path variable.
    set(CERT, &cert_path());
    set(PASSWORD, "pw");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), CERT);
    unset(&ALL);

    // A password without a certificate names the password, and the path variable.
    set(PASSWORD, "pw");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), PASSWORD);
    assert!(err.problem().contains(CERT), "{}", err.problem());
    let err = expect_err(vars.read_for(true));
    assert_eq!(err.field(), PASSWORD);

    // ... also next to another credential kind.
    set(SECRET, "secret");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), PASSWORD);
    unset(&ALL);
}

#[test]
fn credential_vars_federated_and_managed_identity() {
    const SECRET: &str = "VCK_MI_CLIENT_SECRET";
    const CERT: &str = "VCK_MI_CLIENT_CERTIFICATE_PATH";
    const PASSWORD: &str = "VCK_MI_CLIENT_CERTIFICATE_PASSWORD";
    const FEDERATED: &str = "VCK_MI_FEDERATED_TOKEN_FILE";
    const MANAGED: &str = "VCK_MI_USE_MANAGED_IDENTITY";
    const MANAGED_ID: &str = "VCK_MI_MANAGED_IDENTITY_CLIENT_ID";
    const ALL: [&str; 6] = [SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID];
    let vars = CredentialVars::new(SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID);
    unset(&ALL);

    // The vendor's federated token file, whether or not the builder has credentials.
    set(FEDERATED, "/var/run/secrets/vck/token");
    for credential in [vars.read().unwrap(), vars.read_for(true).unwrap()] {
        match credential {
            Some(EnvCredential::FederatedTokenFile(path)) => {
                assert_eq!(path, PathBuf::from("/var/run/secrets/vck/token"));
            }
            other => panic!("expected a federated token file, got {other:?}"),
        }
    }
    unset(&ALL);

    // The managed identity switch on: system-assigned ...
    for on in ["1", "true", "yes", "TRUE", " Yes "] {
        set(MANAGED, on);
        match vars.read().unwrap() {
            Some(EnvCredential::ManagedIdentity(None)) => {}
            other => panic!("{on:?}: expected a system-assigned identity, got {other:?}"),
        }
    }
    // ... or user-assigned with its client id.
    set(MANAGED, "1");
    set(MANAGED_ID, " mi-client-3b ");
    match vars.read().unwrap() {
        Some(EnvCredential::ManagedIdentity(Some(id))) => assert_eq!(id, "mi-client-3b"),
        other => panic!("expected a user-assigned identity, got {other:?}"),
    }
    unset(&[MANAGED_ID]);

    // The switch off.
    for off in ["0", "false", "no", "NO", ""] {
        set(MANAGED, off);
        assert!(vars.read_for(true).unwrap().is_none(), "{off:?}");
    }

    // A malformed switch.
    for bad in ["maybe", "2", "on"] {
        set(MANAGED, bad);
        let err = expect_err(vars.read());
        assert_eq!(err.field(), MANAGED, "{bad:?}");
        assert!(err.problem().contains("1 or 0"), "{}", err.problem());
    }

    // The identity's client id without the switch on.
    set(MANAGED_ID, "mi-client-3b");
    set(MANAGED, "0");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), MANAGED_ID);
    assert!(err.problem().contains(MANAGED), "{}", err.problem());
    unset(&[MANAGED]);
    let err = expect_err(vars.read());
    assert_eq!(err.field(), MANAGED_ID);
    let err = expect_err(vars.read_for(true));
    assert_eq!(err.field(), MANAGED_ID);
    // ... also next to another credential kind.
    set(SECRET, "secret");
    let err = expect_err(vars.read());
    assert_eq!(err.field(), MANAGED_ID);
    unset(&ALL);
}

#[test]
fn credential_vars_two_kinds_at_once() {
    const SECRET: &str = "VCK_TWO_CLIENT_SECRET";
    const CERT: &str = "VCK_TWO_CLIENT_CERTIFICATE_PATH";
    const PASSWORD: &str = "VCK_TWO_CLIENT_CERTIFICATE_PASSWORD";
    const FEDERATED: &str = "VCK_TWO_FEDERATED_TOKEN_FILE";
    const MANAGED: &str = "VCK_TWO_USE_MANAGED_IDENTITY";
    const MANAGED_ID: &str = "VCK_TWO_MANAGED_IDENTITY_CLIENT_ID";
    const ALL: [&str; 6] = [SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID];
    let vars = CredentialVars::new(SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID);
    let cert = cert_path();

    // (first variable, its value, second variable, its value): the error names the
    // first in the order secret, certificate, federated token file, managed identity.
    let pairs: [(&str, &str, &str, &str); 6] = [
        (SECRET, "secret", FEDERATED, "/var/run/token"),
        (SECRET, "secret", CERT, &cert),
        (SECRET, "secret", MANAGED, "1"),
        (CERT, &cert, FEDERATED, "/var/run/token"),
        (CERT, &cert, MANAGED, "true"),
        (FEDERATED, "/var/run/token", MANAGED, "yes"),
    ];
    for (first, first_value, second, second_value) in pairs {
        unset(&ALL);
        set(first, first_value);
        set(second, second_value);
        for result in [vars.read(), vars.read_for(true)] {
            let err = expect_err(result);
            assert_eq!(err.field(), first, "{first} and {second}");
            assert!(
                err.problem().contains(second),
                "{first} and {second}: {}",
                err.problem()
            );
        }
    }

    // A managed identity switched off does not count as a kind.
    unset(&ALL);
    set(SECRET, "secret");
    set(MANAGED, "0");
    match vars.read().unwrap() {
        Some(EnvCredential::Secret(secret)) => assert_eq!(secret.expose_secret(), "secret"),
        other => panic!("expected a secret, got {other:?}"),
    }
    unset(&ALL);
}

// ---------------------------------------------------------------------------
// The variables every vendor reads: the only test that sets them.
// ---------------------------------------------------------------------------

/// Removes the global variables when the test ends, even by a panic.
struct GlobalsGuard;

impl Drop for GlobalsGuard {
    fn drop(&mut self) {
        unset(&[AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE]);
    }
}

#[test]
fn globals_azure_variables() {
    assert_eq!(AZURE_AUTHORITY_HOST, "AZURE_AUTHORITY_HOST");
    assert_eq!(AZURE_FEDERATED_TOKEN_FILE, "AZURE_FEDERATED_TOKEN_FILE");
    let _guard = GlobalsGuard;

    // -- AZURE_AUTHORITY_HOST, the fallback of read_authority_env.
    const AUTHORITY: &str = "VCK_GLOBALS_AUTHORITY_HOST";
    unset(&[AUTHORITY, AZURE_AUTHORITY_HOST]);

    let mut options = CommonOptions::default();
    options.read_authority_env(AUTHORITY).unwrap();
    assert!(options.authority.is_none(), "neither set: no authority");

    set(AZURE_AUTHORITY_HOST, "AzureGovernment");
    let mut options = CommonOptions::default();
    options.read_authority_env(AUTHORITY).unwrap();
    assert_eq!(
        options.authority.as_deref(),
        Some(AuthorityHost::AzureGovernment.url())
    );

    set(
        AZURE_AUTHORITY_HOST,
        "https://login.sovereign.example.test/",
    );
    let mut options = CommonOptions::default();
    options.read_authority_env(AUTHORITY).unwrap();
    assert_eq!(
        options.authority.as_deref(),
        Some("https://login.sovereign.example.test")
    );

    // The vendor's variable wins over AZURE_AUTHORITY_HOST.
    set(AUTHORITY, "AzureChina");
    let mut options = CommonOptions::default();
    options.read_authority_env(AUTHORITY).unwrap();
    assert_eq!(
        options.authority.as_deref(),
        Some(AuthorityHost::AzureChina.url())
    );

    // ... and an error in it names it, not AZURE_AUTHORITY_HOST.
    set(AUTHORITY, "ftp://x");
    let err = expect_err(CommonOptions::default().read_authority_env(AUTHORITY));
    assert_eq!(err.field(), AUTHORITY);

    // An error in AZURE_AUTHORITY_HOST names it.
    unset(&[AUTHORITY]);
    set(AZURE_AUTHORITY_HOST, "ftp://x");
    let mut options = CommonOptions::default();
    let err = expect_err(options.read_authority_env(AUTHORITY));
    assert_eq!(err.field(), AZURE_AUTHORITY_HOST);
    assert!(options.authority.is_none());

    // A blank AZURE_AUTHORITY_HOST is unset.
    set(AZURE_AUTHORITY_HOST, "  ");
    let mut options = CommonOptions::default();
    options.read_authority_env(AUTHORITY).unwrap();
    assert!(options.authority.is_none());
    unset(&[AZURE_AUTHORITY_HOST]);

    // -- AZURE_FEDERATED_TOKEN_FILE, read when no vendor credential is set.
    const SECRET: &str = "VCK_GLOBALS_CLIENT_SECRET";
    const CERT: &str = "VCK_GLOBALS_CLIENT_CERTIFICATE_PATH";
    const PASSWORD: &str = "VCK_GLOBALS_CLIENT_CERTIFICATE_PASSWORD";
    const FEDERATED: &str = "VCK_GLOBALS_FEDERATED_TOKEN_FILE";
    const MANAGED: &str = "VCK_GLOBALS_USE_MANAGED_IDENTITY";
    const MANAGED_ID: &str = "VCK_GLOBALS_MANAGED_IDENTITY_CLIENT_ID";
    const ALL: [&str; 6] = [SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID];
    let vars = CredentialVars::new(SECRET, CERT, PASSWORD, FEDERATED, MANAGED, MANAGED_ID);
    unset(&ALL);
    unset(&[AZURE_FEDERATED_TOKEN_FILE]);

    // Nothing set at all.
    assert!(vars.read().unwrap().is_none());
    assert!(vars.read_for(false).unwrap().is_none());
    assert!(vars.read_for(true).unwrap().is_none());
    set(MANAGED, "0");
    assert!(vars.read().unwrap().is_none());
    unset(&[MANAGED]);

    set(
        AZURE_FEDERATED_TOKEN_FILE,
        "/var/run/secrets/azure/tokens/token",
    );
    let expected = PathBuf::from("/var/run/secrets/azure/tokens/token");
    for credential in [vars.read().unwrap(), vars.read_for(false).unwrap()] {
        match credential {
            Some(EnvCredential::FederatedTokenFile(path)) => assert_eq!(path, expected),
            other => panic!("expected the platform's token file, got {other:?}"),
        }
    }
    // A builder with credentials keeps them.
    assert!(vars.read_for(true).unwrap().is_none());

    // Switched off managed identity still falls back to the platform's file.
    set(MANAGED, "0");
    match vars.read().unwrap() {
        Some(EnvCredential::FederatedTokenFile(path)) => assert_eq!(path, expected),
        other => panic!("expected the platform's token file, got {other:?}"),
    }
    unset(&[MANAGED]);

    // A vendor credential wins over it, without a conflict.
    set(FEDERATED, "/var/run/vendor/token");
    match vars.read().unwrap() {
        Some(EnvCredential::FederatedTokenFile(path)) => {
            assert_eq!(path, PathBuf::from("/var/run/vendor/token"));
        }
        other => panic!("expected the vendor's token file, got {other:?}"),
    }
    unset(&[FEDERATED]);

    set(SECRET, "secret-5a");
    match vars.read().unwrap() {
        Some(EnvCredential::Secret(secret)) => assert_eq!(secret.expose_secret(), "secret-5a"),
        other => panic!("expected the secret, got {other:?}"),
    }
    unset(&[SECRET]);

    set(MANAGED, "1");
    match vars.read().unwrap() {
        Some(EnvCredential::ManagedIdentity(None)) => {}
        other => panic!("expected the managed identity, got {other:?}"),
    }
    unset(&[MANAGED]);

    set(CERT, &cert_path());
    match vars.read().unwrap() {
        Some(EnvCredential::Certificate(_)) => {}
        other => panic!("expected the certificate, got {other:?}"),
    }
    unset(&ALL);

    // A blank AZURE_FEDERATED_TOKEN_FILE is unset.
    set(AZURE_FEDERATED_TOKEN_FILE, " ");
    assert!(vars.read().unwrap().is_none());
}

// ---------------------------------------------------------------------------
// kit::env
// ---------------------------------------------------------------------------

#[test]
fn env_optional_required_secret() {
    const VAR: &str = "VCK_ENV_VALUE";
    std::env::remove_var(VAR);

    assert_eq!(kit::env::optional(VAR).unwrap(), None);
    let err = expect_err(kit::env::required(VAR));
    assert_eq!(err.field(), VAR);
    assert_eq!(err.problem(), "is not set");
    let Err(err) = kit::env::secret(VAR) else {
        panic!("an unset secret is an error");
    };
    assert_eq!(err.field(), VAR);
    assert_eq!(err.problem(), "is not set");

    set(VAR, "  ");
    assert_eq!(kit::env::optional(VAR).unwrap(), None);
    assert_eq!(expect_err(kit::env::required(VAR)).field(), VAR);
    assert!(kit::env::secret(VAR).is_err());

    set(VAR, "");
    assert_eq!(kit::env::optional(VAR).unwrap(), None);

    set(VAR, " v ");
    assert_eq!(kit::env::optional(VAR).unwrap().as_deref(), Some("v"));
    assert_eq!(kit::env::required(VAR).unwrap(), "v");

    set(VAR, " s3cr3t ");
    assert_eq!(kit::env::secret(VAR).unwrap().expose_secret(), "s3cr3t");

    std::env::remove_var(VAR);
}

#[cfg(unix)]
#[test]
fn env_not_unicode() {
    use std::os::unix::ffi::OsStringExt;
    const VAR: &str = "VCK_UNICODE_VALUE";
    std::env::set_var(VAR, std::ffi::OsString::from_vec(vec![b'a', 0xff, b'b']));

    let err = expect_err(kit::env::optional(VAR));
    assert_eq!(err.field(), VAR);
    assert!(err.problem().contains("Unicode"), "{}", err.problem());
    assert_eq!(expect_err(kit::env::required(VAR)).field(), VAR);

    std::env::remove_var(VAR);
}

#[test]
fn env_choice() {
    const VAR: &str = "VCK_CHOICE_VALUE";
    const CHOICES: &[&str] = &["Alpha", "beta"];
    std::env::remove_var(VAR);

    assert_eq!(kit::env::choice(VAR, CHOICES).unwrap(), None);

    set(VAR, "   ");
    assert_eq!(kit::env::choice(VAR, CHOICES).unwrap(), None);

    for (value, chosen) in [
        ("ALPHA", "Alpha"),
        ("alpha", "Alpha"),
        (" Alpha ", "Alpha"),
        ("BETA", "beta"),
        ("beta", "beta"),
    ] {
        set(VAR, value);
        assert_eq!(
            kit::env::choice(VAR, CHOICES).unwrap(),
            Some(chosen),
            "{value:?}"
        );
    }

    set(VAR, "gamma");
    let err = expect_err(kit::env::choice(VAR, CHOICES));
    assert_eq!(err.field(), VAR);
    assert!(err.problem().contains("gamma"), "{}", err.problem());
    assert!(err.problem().contains("Alpha, beta"), "{}", err.problem());

    std::env::remove_var(VAR);
}
