//! DNS-rebinding protection (the `Host` check) and credentials: a sandbox accepts
//! only the secrets it handed out itself.

use reqwest::StatusCode;
use serde_json::Value;
use vendor_sandbox::{Sandbox, Vendor};

use crate::support::*;

#[tokio::test]
async fn requests_not_addressed_to_a_loopback_host_are_refused() {
    let sandbox = start().await;
    let port = sandbox.addr().port();
    let stats_url = format!("{}/_sandbox/stats", sandbox.base_url());
    for host in [
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        "localhost".to_owned(),
        "localhost:1".to_owned(),
        "[::1]".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let response = http()
            .get(&stats_url)
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("0.0.0.0:{port}"),
        format!("192.168.1.10:{port}"),
    ] {
        let (status, body) = json(
            http()
                .get(&stats_url)
                .header("host", &host)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{host}: {body}");
        assert_eq!(body["error"], "misdirected_request", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("loopback"), "{message}");
        assert!(message.contains("DNS rebinding"), "{message}");
        assert!(message.contains(&host), "{message}");
    }

    // A rebinding page that knew every credential still gets no token, and the
    // refused request is not counted.
    let kazi = sandbox.kazi();
    let response = http()
        .post(&kazi.token_url)
        .header("host", format!("attacker.example:{port}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", kazi.client_id.as_str()),
            ("client_secret", kazi.client_secret.as_str()),
            ("resource", kazi.resource.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);
    let text = response.text().await.unwrap();
    assert!(!text.contains("access_token"), "{text}");
    assert_eq!(sandbox.stats().token_requests_total(Vendor::Kazi), 0);
}

/// The secrets of `sandbox`, by name, as it hands them out.
fn secrets(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    let (kazi, keyavi, kaisa, okq8) = (
        sandbox.kazi(),
        sandbox.keyavi(),
        sandbox.kaisa(),
        sandbox.okq8(),
    );
    vec![
        ("kazi client secret", kazi.client_secret),
        ("kazi limited client secret", kazi.limited_client_secret),
        ("kazi subscription key", kazi.subscription_key),
        ("keyavi client secret", keyavi.client_secret),
        ("keyavi logs-only secret", keyavi.logs_only_client_secret),
        ("keyavi password", keyavi.password),
        ("keyavi subscription key", keyavi.subscription_key),
        ("kaisa client secret", kaisa.client_secret),
        ("okq8 client secret", okq8.client_secret),
        ("okq8 subscription key", okq8.subscription_key),
        (
            "okq8 other product key",
            okq8.other_product_subscription_key,
        ),
    ]
}

/// Token request answers for `sandbox`, with `other`'s secret in place of each of its own.
async fn token_answers(
    sandbox: &Sandbox,
    other: &Sandbox,
) -> Vec<(&'static str, StatusCode, Value)> {
    let (kazi, keyavi, kaisa, okq8) = (
        sandbox.kazi(),
        sandbox.keyavi(),
        sandbox.kaisa(),
        sandbox.okq8(),
    );
    let (okazi, okeyavi, okaisa, ookq8) =
        (other.kazi(), other.keyavi(), other.kaisa(), other.okq8());
    let mut answers = Vec::new();
    let v1 = |id: String, secret: String| {
        let url = kazi.token_url.clone();
        let resource = kazi.resource.clone();
        async move {
            post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("resource", &resource),
                ],
            )
            .await
        }
    };
    let (s, b) = v1(kazi.client_id.clone(), okazi.client_secret.clone()).await;
    answers.push(("kazi client secret", s, b));
    let (s, b) = v1(
        kazi.limited_client_id.clone(),
        okazi.limited_client_secret.clone(),
    )
    .await;
    answers.push(("kazi limited client secret", s, b));
    for (what, url, id, secret, scope) in [
        (
            "keyavi client secret",
            &keyavi.token_url,
            &keyavi.client_id,
            &okeyavi.client_secret,
            &keyavi.app_scope,
        ),
        (
            "keyavi logs-only secret",
            &keyavi.token_url,
            &keyavi.logs_only_client_id,
            &okeyavi.logs_only_client_secret,
            &keyavi.app_scope,
        ),
        (
            "okq8 client secret",
            &okq8.token_url,
            &okq8.client_id,
            &ookq8.client_secret,
            &okq8.scope,
        ),
    ] {
        let (s, b) = post_form(
            url,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
                ("scope", scope),
            ],
        )
        .await;
        answers.push((what, s, b));
    }
    let (s, b) = post_form(
        &keyavi.token_url,
        &[
            ("grant_type", "password"),
            ("client_id", &keyavi.client_id),
            ("scope", &keyavi.user_scope),
            ("username", &keyavi.username),
            ("password", &okeyavi.password),
        ],
    )
    .await;
    answers.push(("keyavi password", s, b));
    let (s, b) = post_form(
        &kaisa.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kaisa.client_id),
            ("client_secret", &okaisa.client_secret),
        ],
    )
    .await;
    answers.push(("kaisa client secret", s, b));
    answers
}

#[tokio::test]
async fn a_sandbox_accepts_only_the_secrets_it_handed_out() {
    let sandbox = start().await;
    let other = start().await;

    // What the sandbox prints for the CLI is what it hands out through its API.
    let printed = sandbox.env_vars();
    let printed_value = |name: &str| {
        printed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        printed_value("KAZI_CLIENT_SECRET"),
        sandbox.kazi().client_secret
    );
    assert_eq!(
        printed_value("KAZI_SUBSCRIPTION_KEY"),
        sandbox.kazi().subscription_key
    );
    assert_eq!(
        printed_value("KEYAVI_CLIENT_SECRET"),
        sandbox.keyavi().client_secret
    );
    assert_eq!(
        printed_value("KAISA_CLIENT_SECRET"),
        sandbox.kaisa().client_secret
    );
    assert_eq!(
        printed_value("OKQ8_SUBSCRIPTION_KEY"),
        sandbox.okq8().subscription_key
    );

    // No secret is shared between two sandboxes: none is a fixed default.
    let mine = secrets(&sandbox);
    for (what, secret) in secrets(&other) {
        assert!(
            !mine.iter().any(|(_, s)| *s == secret),
            "{what} is the same in both"
        );
    }

    // The other sandbox's secrets: refused with each vendor's own error.
    for (what, status, body) in token_answers(&sandbox, &other).await {
        match what {
            "keyavi password" => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
                assert_eq!(body["error"], "invalid_grant", "{what}: {body}");
                assert_eq!(body["error_codes"][0], 50126, "{what}: {body}");
            }
            "kaisa client secret" => {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
                assert_eq!(body["error"], "invalid_client", "{what}: {body}");
                assert_eq!(body["error_description"], "Client authentication failed.");
            }
            _ => {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
                assert_eq!(body["error"], "invalid_client", "{what}: {body}");
                assert_eq!(body["error_codes"][0], 7_000_215, "{what}: {body}");
            }
        }
    }
    // ...while its own are accepted.
    for (what, status, body) in token_answers(&sandbox, &sandbox).await {
        assert_eq!(status, StatusCode::OK, "{what}: {body}");
    }

    // Subscription keys: another sandbox's key is an invalid key (401), even the key
    // of a product this sandbox would answer 403 for.
    let token = kazi_token(&sandbox).await;
    let (status, body) = json(
        http()
            .get(format!(
                "{}/tagging/v2/expectations",
                sandbox.kazi().base_url
            ))
            .header("Ocp-Apim-Subscription-Key", &other.kazi().subscription_key)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_apim(status, &body, 401, INVALID_KEY);
    let token = keyavi_user_token(&sandbox).await;
    let (status, body) = json(
        http()
            .get(format!("{}logs/payload", sandbox.keyavi().base_url))
            .header(
                "Ocp-Apim-Subscription-Key",
                &other.keyavi().subscription_key,
            )
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_apim(status, &body, 401, INVALID_KEY);
    let o = sandbox.okq8();
    let token = okq8_token(&sandbox, &o.scope).await;
    for key in [
        other.okq8().subscription_key,
        other.okq8().other_product_subscription_key,
    ] {
        for path in ["core/v1/stations", "public/v1/prices"] {
            let (status, body) = json(
                http()
                    .get(format!("{}{path}", o.base_url))
                    .header("Ocp-Apim-Subscription-Key", &key)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_apim(status, &body, 401, INVALID_KEY);
        }
    }

    // The fixed values that earlier sandboxes accepted are refused too.
    let kazi = sandbox.kazi();
    let (status, body) = post_form(
        &kazi.token_url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &kazi.client_id),
            ("client_secret", "kazi-sandbox-secret~7Qm.x2Rv"),
            ("resource", &kazi.resource),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error_codes"][0], 7_000_215, "{body}");
    let (status, body) = kazi_get_with_key(&sandbox, "4b617a69a1b2c3d4e5f60718293a4b5c").await;
    assert_apim(status, &body, 401, INVALID_KEY);
}

async fn kazi_get_with_key(sandbox: &Sandbox, key: &str) -> (StatusCode, Value) {
    let token = kazi_token(sandbox).await;
    json(
        http()
            .get(format!(
                "{}/tagging/v2/expectations",
                sandbox.kazi().base_url
            ))
            .header("Ocp-Apim-Subscription-Key", key)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await
}
