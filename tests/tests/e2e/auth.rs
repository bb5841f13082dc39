//! Refusals, classified: a role the token lacks, a wrong client secret, a missing,
//! wrong or other-product subscription key.

use oauth_core::TokenError;
use okq8::{AccessLevel, Method};
use serde_json::{json, Value};
use vendor_core::Error;
use vendor_core::{AuthErrorKind, Request};
use vendor_sandbox::Vendor;

use super::{bounded, sandbox, traffic};

const WRONG_SECRET: &str = "not-the-secret~Zz9.wrong";
const WRONG_KEY: &str = "0123456789abcdef0123456789abcdef";

/// The classified 401/403 inside `err`, or a failure naming what came instead.
fn auth_kind(err: &Error) -> &AuthErrorKind {
    err.auth_kind()
        .unwrap_or_else(|| panic!("expected Error::Auth, got {err:?}"))
}

fn status(err: &Error) -> u16 {
    err.status().expect("an answer came").as_u16()
}

// ---- roles ---------------------------------------------------------------------

#[tokio::test]
async fn kazi_client_without_read_expectations_gets_missing_role() {
    let sandbox = sandbox().await;
    let limited = workspace_tests::kazi_limited_client(&sandbox).unwrap();
    let scan_id = sandbox.kazi().known_talent_scan_id;

    bounded(async {
        let err = limited.expectations().list().await.unwrap_err();
        assert_eq!(
            auth_kind(&err),
            &AuthErrorKind::MissingRole {
                required: "read:expectations".to_owned(),
                granted: vec!["read:talentscans".to_owned()],
            }
        );
        assert_eq!(status(&err), 401);
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("read:expectations"), "{text}");
        assert!(
            err.auth()
                .and_then(|a| a.message())
                .is_some_and(|m| m.contains("Missing required scope read:expectations")),
            "{err:?}"
        );

        // The same client may read what it was granted, with the token it has.
        let page = limited
            .talent_scans()
            .matches(scan_id.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(page.pagination.total_amount, Some(45));
    })
    .await;

    let stats = sandbox.stats();
    // No token refetch on the 401: the claims already showed the role missing.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 2, 1), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Kazi, 401), 1);
}

#[tokio::test]
async fn okq8_get_level_token_cannot_post_a_payment() {
    let sandbox = sandbox().await;
    let app_id_uri = workspace_tests::okq8_app_id_uri(&sandbox);
    assert_eq!(app_id_uri, "api://apim-sandbox-api");
    // The application granted the `get` level only: its `.default` token carries
    // that one role.
    let reader = sandbox.okq8();
    let client = workspace_tests::okq8_builder(&sandbox)
        .client_credentials(reader.reader_client_id, reader.reader_client_secret)
        .api(&app_id_uri)
        .build()
        .unwrap();
    let payment = json!({"amount": 100, "currency": "SEK"});

    bounded(async {
        let token = client.token().await.unwrap();
        assert_eq!(token.claims().unwrap().roles, vec!["get".to_owned()]);

        // Reading is what the level grants.
        let stations: Value = client
            .get("core/v1/stations")
            .query(&[("page", 1)])
            .await
            .unwrap();
        assert_eq!(stations["items"].as_array().map(Vec::len), Some(10));

        // With the level declared, the error names it.
        let err = client
            .request::<Value>(Method::POST, "payments/v1/payments")
            .json(&payment)
            .require_role("post")
            .await
            .unwrap_err();
        assert_eq!(
            auth_kind(&err),
            &AuthErrorKind::MissingRole {
                required: "post".to_owned(),
                granted: vec!["get".to_owned()],
            }
        );
        assert_eq!(status(&err), 403);

        // Without it too: every call declares the level its method needs.
        assert_eq!(
            client.access_levels().await.unwrap(),
            vec![AccessLevel::Get]
        );
        let err = client
            .post::<Value>("payments/v1/payments", &payment)
            .await
            .unwrap_err();
        assert_eq!(
            auth_kind(&err),
            &AuthErrorKind::MissingRole {
                required: "post".to_owned(),
                granted: vec!["get".to_owned()],
            }
        );
        assert_eq!(status(&err), 403);
        assert!(
            err.auth()
                .and_then(|a| a.message())
                .is_some_and(|m| m.contains("'post' access level")),
            "{err:?}"
        );
    })
    .await;

    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 1, 3, 1), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Okq8, 403), 2);
}

// ---- wrong secret ----------------------------------------------------------------

/// Checks a token error for a wrong Azure AD client secret and that it never repeats
/// the secret.
fn assert_invalid_azure_secret(err: &Error, v2: bool) {
    let token_error = match err {
        Error::Token(t) => t,
        other => panic!("expected Error::Token, got {other:?}"),
    };
    assert!(
        matches!(token_error, TokenError::OAuth(_)),
        "{token_error:?}"
    );
    let oauth = token_error.oauth().expect("an OAuth error answer");
    assert_eq!(oauth.code(), "invalid_client");
    assert_eq!(oauth.status().as_u16(), 401);
    assert!(oauth.has_aadsts(7_000_215), "{oauth:?}");
    assert!(oauth.trace_id().is_some());
    assert!(oauth.correlation_id().is_some());
    // Azure AD v2 answers also carry an error URI; v1 ones do not.
    assert_eq!(oauth.uri().is_some(), v2, "{oauth:?}");
    assert!(!err.is_retryable());
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(display.contains("AADSTS7000215"), "{display}");
    assert!(display.contains("check the client secret"), "{display}");
    assert!(!display.contains(WRONG_SECRET), "{display}");
    assert!(!debug.contains(WRONG_SECRET), "{debug}");
}

#[tokio::test]
async fn keyavi_client_without_payloads_protect_gets_missing_role() {
    let sandbox = sandbox().await;
    let keyavi = sandbox.keyavi();
    let limited = workspace_tests::keyavi_app_builder_as(
        &sandbox,
        &keyavi.logs_only_client_id,
        &keyavi.logs_only_client_secret,
    )
    .unwrap()
    .build()
    .unwrap();

    bounded(async {
        let err = limited
            .payloads()
            .protect_remote(b"quarterly figures".to_vec(), "q3.txt")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            auth_kind(&err),
            &AuthErrorKind::MissingRole {
                required: "Payloads.Protect".to_owned(),
                granted: vec!["Logs.Read".to_owned()],
            }
        );
        assert_eq!(status(&err), 403);
        assert!(err.to_string().contains("Payloads.Protect"), "{err}");
        // What it was granted works, with the same token.
        limited.logs().payload().send().await.unwrap();
    })
    .await;

    let stats = sandbox.stats();
    // One token, no refetch: the claims already showed the role missing.
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 1, 2, 1), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Keyavi, 403), 1);
}

#[tokio::test]
async fn keyavi_wrong_secret_is_aadsts7000215_without_the_secret() {
    let sandbox = sandbox().await;
    let client =
        workspace_tests::keyavi_app_builder_as(&sandbox, &sandbox.keyavi().client_id, WRONG_SECRET)
            .unwrap()
            .build()
            .unwrap();
    assert!(!format!("{client:?}").contains(WRONG_SECRET));

    let err = bounded(client.logs().payload().send()).await.unwrap_err();

    assert_invalid_azure_secret(&err, true);
    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 0, 0, 0), "{stats:?}");
}

#[tokio::test]
async fn kazi_wrong_secret_is_aadsts7000215_without_the_secret() {
    let sandbox = sandbox().await;
    let client = workspace_tests::kazi_builder(&sandbox)
        .client_credentials(sandbox.kazi().client_id, WRONG_SECRET)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(WRONG_SECRET));

    let err = bounded(client.expectations().list().send())
        .await
        .unwrap_err();

    assert_invalid_azure_secret(&err, false);
    let stats = sandbox.stats();
    // Refused once, not retried, and no API call without a token.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 0, 0, 0), "{stats:?}");
}

#[tokio::test]
async fn okq8_wrong_secret_is_aadsts7000215_without_the_secret() {
    let sandbox = sandbox().await;
    let client = workspace_tests::okq8_builder(&sandbox)
        .client_credentials(sandbox.okq8().client_id, WRONG_SECRET)
        .build()
        .unwrap();

    let err = bounded(client.token()).await.unwrap_err();

    assert_invalid_azure_secret(&err, true);
    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 0, 0, 0), "{stats:?}");
}

#[tokio::test]
async fn kaisa_wrong_secret_is_invalid_client_without_the_secret() {
    let sandbox = sandbox().await;
    let client = kaisa::Client::builder()
        .client_credentials(sandbox.kaisa().client_id, WRONG_SECRET)
        .api_version(sandbox.kaisa().api_version)
        .base_url(sandbox.kaisa().base_url)
        .token_url(sandbox.kaisa().token_url)
        .allow_insecure_loopback(true)
        .build()
        .unwrap();

    let err = bounded(client.ping().send()).await.unwrap_err();

    let oauth = match &err {
        Error::Token(t) => t.oauth().expect("an OAuth error answer"),
        other => panic!("expected Error::Token, got {other:?}"),
    };
    assert_eq!(oauth.code(), "invalid_client");
    assert_eq!(oauth.status().as_u16(), 401);
    // Kaisa's own endpoint is not Azure AD: no AADSTS codes.
    assert!(oauth.aadsts_codes().is_empty());
    assert!(!err.to_string().contains(WRONG_SECRET));
    assert!(!format!("{err:?}").contains(WRONG_SECRET));
    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Kaisa), (1, 0, 0, 0), "{stats:?}");
}

// ---- subscription keys -------------------------------------------------------------

#[tokio::test]
async fn builders_refuse_to_build_without_a_subscription_key() {
    let sandbox = sandbox().await;
    let kazi = sandbox.kazi();
    let okq8 = sandbox.okq8();
    let keyavi = sandbox.keyavi();

    let errors = [
        kazi_tagging::Client::builder()
            .client_credentials(kazi.client_id, kazi.client_secret)
            .base_url(kazi.base_url)
            .token_url(kazi.token_url)
            .allow_insecure_loopback(true)
            .build()
            .unwrap_err(),
        okq8::Client::builder()
            .subscription_key_only()
            .base_url(okq8.base_url.clone())
            .allow_insecure_loopback(true)
            .build()
            .unwrap_err(),
        okq8::Client::builder()
            .client_credentials(okq8.client_id, okq8.client_secret)
            .tenant(okq8.tenant)
            .scope(okq8.scope)
            .base_url(okq8.base_url)
            .token_url(okq8.token_url)
            .allow_insecure_loopback(true)
            .build()
            .unwrap_err(),
        keyavi::Client::builder()
            .user(keyavi.client_id, keyavi.username, keyavi.password)
            .tenant(keyavi.tenant)
            .app_id(keyavi.app_id)
            .base_url(keyavi.base_url)
            .token_url(keyavi.token_url)
            .allow_insecure_loopback(true)
            .build()
            .unwrap_err(),
    ];
    for err in errors {
        match &err {
            Error::Config(config) => assert_eq!(config.field(), "subscription_key", "{err}"),
            other => panic!("expected Error::Config, got {other:?}"),
        }
    }
    // Refused before anything was sent.
    assert_eq!(sandbox.stats(), vendor_sandbox::Stats::default());
}

/// The vendor builders refuse a missing key (see the test above), so a keyless call
/// is put on the wire through `vendor_core::ApiClient`, the pipeline every vendor
/// crate sends through, with the vendor client's own token provider: the bearer is
/// valid and only the key is missing.
#[tokio::test]
async fn a_missing_key_is_subscription_key_missing() {
    let sandbox = sandbox().await;
    let kazi = workspace_tests::kazi_client(&sandbox).unwrap();
    let okq8 = workspace_tests::okq8_client(&sandbox).unwrap();
    let kazi_keyless = workspace_tests::keyless_api_client(
        kazi.base_url(),
        kazi.api_client().token_provider().cloned(),
    )
    .unwrap();
    let okq8_keyless = workspace_tests::keyless_api_client(
        okq8.base_url(),
        okq8.api_client().token_provider().cloned(),
    )
    .unwrap();
    let okq8_public_keyless = workspace_tests::keyless_api_client(okq8.base_url(), None).unwrap();
    let keyavi_keyless = workspace_tests::keyless_api_client(
        &sandbox.keyavi().base_url,
        Some(workspace_tests::keyavi_app_provider(&sandbox).unwrap()),
    )
    .unwrap();

    bounded(async {
        let calls: [(&vendor_core::ApiClient, Request); 4] = [
            (
                &kazi_keyless,
                Request::get("/tagging/v2/expectations").require_role("read:expectations"),
            ),
            (&okq8_keyless, Request::get("core/v1/stations")),
            (&okq8_public_keyless, Request::get("public/v1/prices")),
            (&keyavi_keyless, Request::get("logs/payload")),
        ];
        for (api, request) in calls {
            let path = request.path().to_owned();
            let err = api.send::<Value>(request).await.unwrap_err();
            assert_eq!(
                auth_kind(&err),
                &AuthErrorKind::SubscriptionKeyMissing,
                "{path}: {err:?}"
            );
            assert_eq!(status(&err), 401, "{path}");
            assert!(
                err.to_string().contains("Ocp-Apim-Subscription-Key"),
                "{err}"
            );
        }
        // The keyless Kazi client did send the bearer its vendor client caches.
        assert!(kazi_keyless.token_provider().unwrap().cached().is_some());
    })
    .await;

    let stats = sandbox.stats();
    // One token per provider (a key problem does not make the pipeline refetch one),
    // one refused call each.
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 1, 0), "{stats:?}");
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 1, 1, 0), "{stats:?}");
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 1, 2, 0), "{stats:?}");
    for vendor in [Vendor::Kazi, Vendor::Keyavi, Vendor::Okq8] {
        assert_eq!(
            stats.api_calls_with_status(vendor, 401),
            stats.api_calls_total(vendor)
        );
    }
}

#[tokio::test]
async fn a_wrong_key_is_subscription_key_invalid() {
    let sandbox = sandbox().await;
    let kazi = workspace_tests::kazi_builder(&sandbox)
        .subscription_key(WRONG_KEY)
        .build()
        .unwrap();
    let keyavi = workspace_tests::keyavi_app_builder(&sandbox)
        .unwrap()
        .subscription_key(WRONG_KEY)
        .build()
        .unwrap();
    let okq8 = workspace_tests::okq8_builder(&sandbox)
        .subscription_key(WRONG_KEY)
        .build()
        .unwrap();
    let okq8_public = okq8::Client::builder()
        .subscription_key_only()
        .subscription_key(WRONG_KEY)
        .base_url(sandbox.okq8().base_url)
        .allow_insecure_loopback(true)
        .build()
        .unwrap();

    bounded(async {
        let errors = [
            kazi.expectations().list().await.unwrap_err(),
            keyavi.logs().payload().send().await.unwrap_err(),
            okq8.get_json("core/v1/stations").await.unwrap_err(),
            okq8_public.get_json("public/v1/prices").await.unwrap_err(),
        ];
        for err in errors {
            assert_eq!(
                auth_kind(&err),
                &AuthErrorKind::SubscriptionKeyInvalid,
                "{err:?}"
            );
            assert_eq!(status(&err), 401);
            assert!(!err.is_retryable());
            // The key is a secret: scrubbed from what the error shows.
            assert!(!err.to_string().contains(WRONG_KEY), "{err}");
            assert!(!format!("{err:?}").contains(WRONG_KEY), "{err:?}");
        }
    })
    .await;

    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Kazi), (1, 1, 1, 0), "{stats:?}");
    assert_eq!(traffic(&stats, Vendor::Keyavi), (1, 1, 1, 0), "{stats:?}");
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 1, 2, 0), "{stats:?}");
}

#[tokio::test]
async fn okq8_key_of_another_product_is_subscription_not_authorized() {
    let sandbox = sandbox().await;
    let other_key = sandbox.okq8().other_product_subscription_key;
    let client = workspace_tests::okq8_builder(&sandbox)
        .subscription_key(other_key.as_str())
        .build()
        .unwrap();
    let public = okq8::Client::builder()
        .subscription_key_only()
        .subscription_key(other_key.as_str())
        .base_url(sandbox.okq8().base_url)
        .allow_insecure_loopback(true)
        .build()
        .unwrap();

    bounded(async {
        let err = client.get_json("core/v1/stations").await.unwrap_err();
        assert_eq!(auth_kind(&err), &AuthErrorKind::SubscriptionNotAuthorized);
        assert_eq!(status(&err), 403);
        // The key's own product still works.
        let prices = public.get_json("public/v1/prices").await.unwrap();
        assert_eq!(prices["items"].as_array().map(Vec::len), Some(5));
    })
    .await;

    let stats = sandbox.stats();
    assert_eq!(traffic(&stats, Vendor::Okq8), (1, 1, 2, 1), "{stats:?}");
    assert_eq!(stats.api_calls_with_status(Vendor::Okq8, 403), 1);
}
