//! Bugs this suite found in oauth-core, kept as regression tests: each failed before
//! its fix (secrets in decode errors, vendor codes and cut messages; a token quoted
//! from `token_type`; trailing bytes after a JSON answer; one odd claim dropping all
//! claims; a decode error's path quoting a key that echoes a credential, found by
//! `cargo xtask fuzz` with `FUZZ_API_LEAKS=1`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oauth_core::{Claims, Credentials, TokenClient, TokenEndpoint};
use reliability::secrets::{jwt, Secrets};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use vendor_core::Error;
use vendor_core::{ApiClient, Request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate, Times};

/// An API client for `server` with the run's token and subscription key.
fn api_for(server: &MockServer, s: &Secrets) -> ApiClient {
    s.api_builder(&server.uri()).build().unwrap()
}

/// Serves `answer` at `GET /items` (asked `times` times) and calls it as `T` with the
/// run's token and key.
async fn get_items<T: DeserializeOwned>(
    s: &Secrets,
    answer: ResponseTemplate,
    times: impl Into<Times>,
) -> Result<T, Error> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(answer)
        .expect(times)
        .named("GET /items")
        .mount(&server)
        .await;
    api_for(&server, s).send::<T>(Request::get("/items")).await
}

/// Fails with the names of every spelling or 12-character fragment of a secret in
/// the error's `Display` and `Debug`.
fn assert_no_leak(s: &Secrets, err: &Error) {
    for text in [err.to_string(), format!("{err:?}")] {
        let mut leaks = s.leaks_in(&text);
        leaks.extend(s.fragments_in(&text, 12));
        assert!(leaks.is_empty(), "{leaks:?} in: {text}");
    }
}

/// A 200 answer that echoes the caller's bearer token (a debugging endpoint, a
/// misconfigured gateway) and does not decode into the expected type: the
/// `DecodeError` keeps a snippet of the body, scrubbed of the subscription key but
/// not of the access token, so the token shows in `Debug` and in `snippet()`.
/// (`ApiClient::decode` scrubs `self.secret_refs()` only; error answers, by
/// contrast, are scrubbed of the token too, in `run`.)
#[tokio::test]
async fn decode_error_snippet_does_not_hold_the_bearer_token() {
    let s = Secrets::random();
    // The caller expects a list; the object does not decode into one.
    let answer = ResponseTemplate::new(200).set_body_json(json!({
        "caller": { "authorization": format!("Bearer {}", s.access_token) },
    }));
    let err = get_items::<Vec<String>>(&s, answer, 1).await.unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    let texts = [
        err.to_string(),
        format!("{err:?}"),
        decode.snippet().to_owned(),
    ];
    for text in texts {
        let leaks = s.leaks_in(&text);
        assert!(leaks.is_empty(), "{leaks:?} in: {text}");
    }
}

/// An API error body whose `code` echoes a secret (`{"error":{"code":..}}`,
/// `{"code":..}`, a problem+json `title`): `classify` scrubs the vendor's `message`
/// but not its `code`, and `ApiError`'s `Display` prints the code.
#[tokio::test]
async fn api_error_code_does_not_hold_a_secret() {
    let s = Secrets::random();
    for body in [
        json!({"error": {"code": s.subscription_key, "message": "unknown key"}}),
        json!({"code": format!("Bearer {}", s.access_token), "message": "bad token"}),
        json!({"type": "about:blank", "title": s.subscription_key, "detail": "no"}),
    ] {
        let answer = ResponseTemplate::new(400).set_body_json(&body);
        let err = get_items::<Value>(&s, answer, 1).await.unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_no_leak(&s, &err);
    }
}

/// A vendor message longer than 500 characters is cut to 500 *before* secrets are
/// scrubbed from it, so a secret that straddles the cut is not recognised and its
/// first characters stay in the error (`body_snippet` scrubs before cutting; the
/// message path does not).
#[tokio::test]
async fn a_secret_at_the_message_cut_is_not_partly_shown() {
    let s = Secrets::random();
    for (status, secret) in [(400, &s.subscription_key), (401, &s.access_token)] {
        let message = format!("{} {secret} was refused", "x".repeat(480));
        let answer = ResponseTemplate::new(status)
            .set_body_json(json!({"statusCode": status, "message": message}));
        let err = get_items::<Value>(&s, answer, 1..).await.unwrap_err();
        assert_no_leak(&s, &err);
    }
}

/// A server that puts the whole header value into `token_type` (`"Bearer <token>"`):
/// the error quotes the first 40 characters of it, and the check that should catch a
/// token there only looks for the quote inside the token, not the token inside the
/// quote, so the first 33 characters of the token show.
#[tokio::test]
async fn token_type_holding_the_token_is_not_quoted() {
    let s = Secrets::random();
    let opaque: String = s
        .subscription_key
        .chars()
        .chain(s.subscription_key.chars())
        .collect();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": opaque,
            "token_type": format!("Bearer {opaque}"),
            "expires_in": 3599,
        })))
        .expect(1)
        .named("token_type holds the header value")
        .mount(&server)
        .await;
    let client = TokenClient::builder()
        .endpoint(TokenEndpoint::url(format!("{}/oauth2/token", server.uri())).with_scopes(["x"]))
        .credentials(Credentials::client_credentials(
            &s.client_id,
            &s.client_secret,
        ))
        .allow_insecure_loopback(true)
        .build()
        .unwrap();
    let err = client.request_token().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        let fragment: String = opaque.chars().take(16).collect();
        assert!(!text.contains(&fragment), "the token's start in: {text}");
    }
}

/// `ApiClient::decode` reads the first JSON value and ignores what follows it
/// (`serde_path_to_error::deserialize` without `Deserializer::end`): a body cut and
/// followed by a proxy's page, or two documents run together, decodes as success.
/// `serde_json::from_slice` refuses both.
#[tokio::test]
async fn decode_refuses_trailing_bytes() {
    let s = Secrets::random();
    for body in [
        &b"[1,2]<html>proxy error</html>"[..],
        b"{\"a\":1}{\"a\":2}",
        b"0 trailing",
    ] {
        let answer = ResponseTemplate::new(200).set_body_raw(body, "application/json");
        let result = get_items::<Value>(&s, answer, 1).await;
        assert!(
            matches!(result, Err(Error::Decode(_))),
            "{:?} decoded as {result:?}",
            String::from_utf8_lossy(body)
        );
    }
}

/// RFC 7519 lets `exp`, `nbf` and `iat` be non-integer NumericDates, and providers
/// add claims of their own types; `Claims` reads them as `i64`/`String`, so one such
/// claim makes `Claims::decode` return `None` and the roles and audience are lost to
/// the 401/403 diagnosis (`MissingRole`) that relies on them.
#[test]

fn claims_with_a_fractional_exp_still_give_their_roles() {
    for payload in [
        json!({"roles": ["get"], "aud": "api://x", "exp": 1_700_000_000.5}),
        json!({"roles": ["get"], "aud": "api://x", "iat": "1700000000"}),
        json!({"roles": ["get"], "aud": "api://x", "oid": 12345}),
    ] {
        let claims = Claims::decode(&jwt(&payload, "sig"));
        assert_eq!(
            claims.map(|c| c.roles),
            Some(vec!["get".to_owned()]),
            "{payload}"
        );
    }
}

/// A 200 body whose object key echoes the subscription key and that does not decode:
/// the `DecodeError`'s serde path names that key, and was not scrubbed. Found by the
/// `api_answer` fuzz target with `FUZZ_API_LEAKS=1`.
#[tokio::test]
async fn decode_error_path_does_not_hold_a_secret() {
    let s = Secrets::random();
    for body in [
        format!(
            r#"{{"x":429,"{}message":"Rate limit is ex"#,
            s.subscription_key
        ),
        format!(r#"{{"{}": [1, 2, {{"a": tru"#, s.access_token),
    ] {
        let answer = ResponseTemplate::new(200).set_body_raw(body, "application/json");
        let err = get_items::<Value>(&s, answer, 1).await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("expected a decode error, got {err:?}");
        };
        assert!(decode.path().contains("[redacted]"), "{}", decode.path());
        assert_no_leak(&s, &err);
    }
}
