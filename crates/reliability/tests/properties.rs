//! Property tests of the parsers, with bounded case counts: no panic on any input,
//! and round trips where they apply.
//!
//! The token-answer, OAuth-error and API-error parsers are crate-private in
//! oauth-core, so they are driven through `TokenClient` and `ApiClient` against one
//! in-process server whose answer each case sets (a loopback round trip costs about a
//! millisecond); JWT claims, `Retry-After`, `AccessToken`, `body_snippet` and the
//! lenient number reader are public and tested directly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::__internal::parse_retry_after;
use oauth_core::__internal::{body_snippet, MAX_SNIPPET_BYTES};
use oauth_core::token::MAX_LIFETIME;
use oauth_core::{
    AccessToken, Claims, Credentials, Freshness, RetryPolicy, TokenClient, TokenEndpoint,
    TokenError,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reliability::secrets::{form_component, jwt, Secrets};
use serde::Deserialize;
use serde_json::{Map, Value};
use vendor_core::Error;
use vendor_core::Request;
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// Cases of each pure property.
const PURE_CASES: u32 = 2048;
/// Cases of each property that goes through an HTTP round trip.
const HTTP_CASES: u32 = 256;

fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(Config {
        cases,
        // No regression files written into the source tree; a failure prints the
        // shrunk input instead.
        failure_persistence: None,
        ..Config::default()
    });
    match runner.run(&strategy, test) {
        Ok(()) => println!("proptest {name}: {cases} cases passed"),
        Err(e) => panic!("{name}: {e}"),
    }
}

// ---------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "access_token",
    "token_type",
    "expires_in",
    "expires_on",
    "error",
    "error_description",
    "error_codes",
    "trace_id",
    "message",
    "statusCode",
    "code",
    "title",
    "detail",
    "type",
    "roles",
    "aud",
    "scp",
];

fn key() -> BoxedStrategy<String> {
    prop_oneof![select(KEYS).prop_map(str::to_owned), "[a-z_]{1,10}"].boxed()
}

fn json_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        "\\PC{0,30}".prop_map(Value::from),
        "[ 0-9.eE+-]{0,12}".prop_map(Value::from),
    ]
    .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    json_leaf()
        .prop_recursive(3, 32, 5, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..5).prop_map(Value::Array),
                btree_map(key(), inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A number as the token endpoints write it, or something that is not one.
fn number_like() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e20f64..1e20).prop_map(Value::from),
        any::<i64>().prop_map(|n| Value::from(format!(" {n} "))),
        json_leaf(),
    ]
    .boxed()
}

/// An echo of a credential the token client sent (raw, form-encoded, JSON-escaped),
/// or nothing.
fn echo(s: &Secrets) -> BoxedStrategy<String> {
    let mut spellings = vec![String::new()];
    for secret in [&s.client_secret, &s.password] {
        spellings.push(secret.clone());
        spellings.push(form_component(secret));
        spellings.push(
            serde_json::to_string(secret)
                .unwrap()
                .trim_matches('"')
                .to_owned(),
        );
    }
    select(spellings).boxed()
}

/// Text with an echo somewhere in it, possibly past the 512-byte snippet cut.
fn text_with_echo(s: &Secrets) -> BoxedStrategy<String> {
    ("\\PC{0,600}", echo(s), "\\PC{0,60}")
        .prop_map(|(a, e, b)| format!("{a}{e}{b}"))
        .boxed()
}

fn opt<T: std::fmt::Debug + Clone + 'static>(s: BoxedStrategy<T>) -> BoxedStrategy<Option<T>> {
    proptest::option::of(s).boxed()
}

fn token_answer(s: &Secrets) -> BoxedStrategy<Value> {
    let access_token = prop_oneof![
        Just(Value::from(s.access_token.clone())),
        "[A-Za-z0-9._~+/=-]{1,60}".prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
        json_leaf(),
    ]
    .boxed();
    let token_type = prop_oneof![
        select(&["Bearer", "bearer", "BEARER", "mac", "pop", ""][..]).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
        json_leaf(),
    ]
    .boxed();
    (
        opt(access_token),
        opt(token_type),
        opt(number_like()),
        opt(number_like()),
        btree_map(key(), json_value(), 0..3),
    )
        .prop_map(|(at, tt, ei, eo, extra)| {
            let mut m: Map<String, Value> = extra.into_iter().collect();
            for (k, v) in [
                ("access_token", at),
                ("token_type", tt),
                ("expires_in", ei),
                ("expires_on", eo),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

fn oauth_error(s: &Secrets) -> BoxedStrategy<Value> {
    let code = prop_oneof![
        select(
            &[
                "invalid_client",
                "invalid_grant",
                "invalid_scope",
                "temporarily_unavailable"
            ][..]
        )
        .prop_map(Value::from),
        echo(s).prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
        json_leaf(),
    ]
    .boxed();
    let text = prop_oneof![text_with_echo(s).prop_map(Value::from), json_leaf()].boxed();
    (
        code,
        opt(text.clone()),
        opt(prop_oneof![vec(json_leaf(), 0..4).prop_map(Value::Array), json_leaf()].boxed()),
        opt(text.clone()),
        opt(text),
    )
        .prop_map(|(code, desc, codes, trace, corr)| {
            let mut m = Map::new();
            m.insert("error".into(), code);
            for (k, v) in [
                ("error_description", desc),
                ("error_codes", codes),
                ("trace_id", trace),
                ("correlation_id", corr),
            ] {
                if let Some(v) = v {
                    m.insert(k.to_owned(), v);
                }
            }
            Value::Object(m)
        })
        .boxed()
}

/// Bodies a token endpoint might send: answers, errors, any JSON, an HTML page
/// echoing the request, bytes, a cut answer.
fn token_body(s: &Secrets) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => token_answer(s).prop_map(|v| v.to_string().into_bytes()),
        3 => oauth_error(s).prop_map(|v| v.to_string().into_bytes()),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => text_with_echo(s).prop_map(|t| format!("<html><body>{t}</body></html>").into_bytes()),
        1 => vec(any::<u8>(), 0..300),
        1 => (token_answer(s), any::<prop::sample::Index>()).prop_map(|(v, i)| {
            let text = v.to_string().into_bytes();
            let cut = i.index(text.len() + 1);
            text[..cut].to_vec()
        }),
    ]
    .boxed()
}

/// Bodies an API behind APIM might send on errors and successes.
fn api_body() -> BoxedStrategy<Vec<u8>> {
    let text = || prop_oneof!["\\PC{0,80}".prop_map(Value::from), json_leaf()].boxed();
    prop_oneof![
        (json_leaf(), text()).prop_map(|(code, message)| {
            serde_json::json!({"statusCode": code, "message": message})
                .to_string()
                .into_bytes()
        }),
        (text(), text()).prop_map(|(code, message)| {
            serde_json::json!({"error": {"code": code, "message": message}})
                .to_string()
                .into_bytes()
        }),
        (text(), text(), text()).prop_map(|(t, title, detail)| {
            serde_json::json!({"type": t, "title": title, "detail": detail})
                .to_string()
                .into_bytes()
        }),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        vec(any::<u8>(), 0..300),
    ]
    .boxed()
}

fn status() -> BoxedStrategy<u16> {
    prop_oneof![200u16..=299, 400u16..=599].boxed()
}

// ---------------------------------------------------------------------------------
// One in-process server whose answer each case sets
// ---------------------------------------------------------------------------------

#[derive(Clone)]
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

struct Replay(Arc<Mutex<Answer>>);

impl Respond for Replay {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let a = self.0.lock().unwrap().clone();
        ResponseTemplate::new(a.status).set_body_raw(a.body, a.content_type)
    }
}

struct Harness {
    rt: tokio::runtime::Runtime,
    answer: Arc<Mutex<Answer>>,
    server: MockServer,
}

impl Harness {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            content_type: "application/json",
            body: Vec::new(),
        }));
        let server = rt.block_on(async {
            let server = MockServer::start().await;
            Mock::given(any_request())
                .respond_with(Replay(answer.clone()))
                .named("replays the case's answer")
                .mount(&server)
                .await;
            server
        });
        Self { rt, answer, server }
    }

    fn set(&self, status: u16, body: Vec<u8>) {
        let content_type = if body.first() == Some(&b'<') {
            "text/html"
        } else {
            "application/json"
        };
        *self.answer.lock().unwrap() = Answer {
            status,
            content_type,
            body,
        };
    }
}

fn texts<E: std::fmt::Debug + std::fmt::Display>(e: &E) -> [String; 3] {
    [e.to_string(), format!("{e:?}"), format!("{e:#?}")]
}

/// `body` read as `T` when it is a JSON object: the client reads no other JSON value
/// as a token or an OAuth error (serde's derived structs would read an array too).
fn json_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(map) => serde_json::from_value(Value::Object(map)).ok(),
        _ => None,
    }
}

/// The `access_token` of a token answer, other fields skipped as the client skips them.
#[derive(Deserialize)]
struct AccessTokenField {
    access_token: Option<String>,
}

/// What oauth-core's lenient OAuth error reading accepts (RFC 6749 §5.2 plus Azure's
/// fields): `error` a string, the text fields strings or absent.
#[derive(Deserialize)]
#[allow(dead_code)]
struct OAuthErrorShape {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
    error_codes: Option<Value>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<String>,
}

// ---------------------------------------------------------------------------------
// Token endpoint answers (parse_token, parse_error) through TokenClient
// ---------------------------------------------------------------------------------

#[test]
fn token_answers_are_classified_and_never_leak_what_was_sent() {
    let h = Harness::start();
    let s = Secrets::random();
    let client = TokenClient::builder()
        .endpoint(
            TokenEndpoint::url(format!("{}/oauth2/token", h.server.uri()))
                .with_scopes(["x/.default"]),
        )
        .credentials(Credentials::password(
            s.client_id.clone(),
            Some(s.client_secret.clone()),
            s.username.clone(),
            s.password.clone(),
        ))
        .allow_insecure_loopback(true)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let sent: Vec<(String, String)> = s
        .spellings()
        .into_iter()
        .filter(|(n, _)| n.starts_with("client_secret") || n.starts_with("password"))
        .collect();
    check(
        "token answers (status, body) through TokenClient",
        HTTP_CASES,
        (status(), token_body(&s)),
        |(status, body)| {
            h.set(status, body.clone());
            let result = h.rt.block_on(client.request_token());
            match (&result, (200..300).contains(&status)) {
                (Ok(token), true) => {
                    // Read as leniently as the client does: other fields are skipped.
                    let expected =
                        json_object::<AccessTokenField>(&body).and_then(|a| a.access_token);
                    let expected = expected.as_deref();
                    prop_assert_eq!(Some(token.secret()), expected);
                    prop_assert!(token.token_type().eq_ignore_ascii_case("bearer"));
                    prop_assert!(token.lifetime() <= MAX_LIFETIME);
                }
                (Ok(_), false) => prop_assert!(false, "a {} answer gave a token", status),
                (Err(e), true) => {
                    prop_assert!(matches!(e, TokenError::InvalidResponse(_)), "{:?}", e);
                    for text in texts(e) {
                        prop_assert!(
                            !text.contains(&s.access_token),
                            "the served token in: {}",
                            text
                        );
                    }
                }
                (Err(e), false) => {
                    prop_assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
                    let oauth_shape = json_object::<OAuthErrorShape>(&body).is_some();
                    prop_assert_eq!(matches!(e, TokenError::OAuth(_)), oauth_shape, "{:?}", e);
                    prop_assert_eq!(matches!(e, TokenError::Status(_)), !oauth_shape, "{:?}", e);
                }
            }
            if let Err(e) = &result {
                for text in texts(e) {
                    for (name, spelling) in &sent {
                        prop_assert!(!text.contains(spelling.as_str()), "{} in: {}", name, text);
                    }
                }
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// API answers (classify, vendor_code_message) through ApiClient
// ---------------------------------------------------------------------------------

#[test]
fn api_answers_are_classified_without_panic() {
    let h = Harness::start();
    let s = Secrets::random();
    let api = s.api_builder(&h.server.uri()).build().unwrap();
    check(
        "API answers (status, body) through ApiClient",
        HTTP_CASES,
        (status(), api_body()),
        |(status, body)| {
            h.set(status, body.clone());
            let result = h.rt.block_on(api.send::<Value>(Request::get("/things")));
            match status {
                200..=299 => {
                    // A 204 carries no body on the wire.
                    let sent: &[u8] = if status == 204 { b"" } else { &body };
                    // Exactly a whole JSON document decodes, to that document
                    // (bytes after it are refused: regressions.rs,
                    // decode_refuses_trailing_bytes).
                    let whole = if sent.is_empty() {
                        Some(Value::Null)
                    } else {
                        serde_json::from_slice::<Value>(sent).ok()
                    };
                    match (&result, &whole) {
                        (Ok(v), Some(w)) => prop_assert_eq!(v, w),
                        (Err(Error::Decode(_)), None) => {}
                        (other, _) => prop_assert!(
                            false,
                            "{:?} for a body that is {}a JSON document",
                            other,
                            if whole.is_some() { "" } else { "not " }
                        ),
                    }
                }
                401 | 403 => {
                    let e = result.as_ref().unwrap_err();
                    prop_assert!(
                        e.auth().is_some_and(|a| a.status().as_u16() == status),
                        "{:?}",
                        e
                    );
                    prop_assert!(!e.is_retryable());
                }
                _ => {
                    let e = result.as_ref().unwrap_err();
                    prop_assert!(
                        matches!(e, Error::Api(a) if a.status().as_u16() == status),
                        "{:?}",
                        e
                    );
                    prop_assert_eq!(
                        e.is_retryable(),
                        matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
                    );
                }
            }
            if let Err(e) = &result {
                let _ = texts(e);
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// JWT claims
// ---------------------------------------------------------------------------------

#[test]
fn claims_decode_never_panics() {
    check(
        "Claims::decode on any text",
        PURE_CASES,
        prop_oneof![
            "\\PC{0,200}",
            "[A-Za-z0-9_=.-]{0,200}",
            "[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,40}"
        ],
        |token| {
            let _ = Claims::decode(&token);
            Ok(())
        },
    );
}

/// The roles (or audience) a claims payload holds, as the decoder reads them: a
/// string is one, a list of strings is all of them, anything else is none.
/// Claims `Claims` reads with a fixed type.
const TYPED_CLAIMS: &[&str] = &[
    "roles",
    "scp",
    "aud",
    "iss",
    "exp",
    "nbf",
    "iat",
    "tid",
    "appid",
    "azp",
    "oid",
    "upn",
    "preferred_username",
];

fn one_or_many(v: Option<&Value>) -> Option<Vec<String>> {
    match v {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(s)) => Some(vec![s.clone()]),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default(),
        ),
        Some(_) => Some(Vec::new()),
    }
}

#[test]
fn claims_round_trip_from_arbitrary_payloads() {
    let claims = (
        vec("\\PC{0,20}", 0..5),
        prop_oneof![
            "\\PC{0,30}".prop_map(Value::from),
            vec("\\PC{0,30}", 0..4).prop_map(Value::from),
        ],
        vec("[!-~]{1,20}", 0..5),
        opt(any::<i64>().boxed()),
        opt("\\PC{0,36}".boxed()),
        // Other claims, of any type (the typed ones are left out; their odd types are
        // covered by regressions.rs, claims_with_a_fractional_exp_still_give_their_roles).
        btree_map(
            "[a-z]{1,8}".prop_filter("an untyped claim", |k| !TYPED_CLAIMS.contains(&k.as_str())),
            json_value(),
            0..4,
        ),
    );
    check(
        "JWT from arbitrary claims decodes back to the same roles, scp, aud, exp, tid",
        PURE_CASES,
        (claims, "[A-Za-z0-9_-]{0,43}"),
        |((roles, aud, scp, exp, tid, extra), signature)| {
            let mut payload: Map<String, Value> = extra.into_iter().collect();
            payload.insert("roles".into(), Value::from(roles.clone()));
            payload.insert("aud".into(), aud.clone());
            payload.insert("scp".into(), Value::from(scp.join(" ")));
            payload.insert("exp".into(), exp.map(Value::from).unwrap_or(Value::Null));
            payload.insert(
                "tid".into(),
                tid.clone().map(Value::from).unwrap_or(Value::Null),
            );
            let token = jwt(&Value::Object(payload), &signature);
            let c = Claims::decode(&token).ok_or_else(|| TestCaseError::fail("no claims"))?;
            prop_assert_eq!(&c.roles, &roles);
            prop_assert_eq!(Some(c.aud.clone()), one_or_many(Some(&aud)));
            prop_assert_eq!(&c.scopes, &scp);
            prop_assert_eq!(c.exp, exp);
            prop_assert_eq!(&c.tid, &tid);
            for role in roles.iter().chain(&scp) {
                prop_assert!(c.has_role(role));
            }
            Ok(())
        },
    );
}

#[test]
fn claims_of_any_json_payload_are_read_leniently() {
    check(
        "Claims::decode on any JSON payload",
        PURE_CASES,
        json_value(),
        |payload| {
            let token = jwt(&payload, "sig");
            // None: not an object, or a typed claim (`exp`, `iss`) of another type.
            if let Some(c) = Claims::decode(&token) {
                prop_assert!(payload.is_object());
                prop_assert_eq!(Some(c.roles), one_or_many(payload.get("roles")));
                prop_assert_eq!(Some(c.aud), one_or_many(payload.get("aud")));
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------

const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

#[test]
fn retry_after_never_panics() {
    check(
        "parse_retry_after on any text",
        PURE_CASES,
        prop_oneof![
            "\\PC{0,40}",
            "[ 0-9.eE+-]{0,20}",
            "(Mon|Sun), [0-9]{2} (Jan|Nov) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT",
        ],
        |text| {
            let _ = parse_retry_after(&text, now());
            Ok(())
        },
    );
}

#[test]
fn retry_after_seconds_parse_to_themselves() {
    check(
        "Retry-After of n seconds (padded) parses to n",
        PURE_CASES,
        (any::<u64>(), " {0,3}", " {0,3}"),
        |(n, pre, post)| {
            prop_assert_eq!(
                parse_retry_after(&format!("{pre}{n}{post}"), now()),
                Some(Duration::from_secs(n))
            );
            Ok(())
        },
    );
    check(
        "Retry-After of a fraction parses to it, a negative number to nothing",
        PURE_CASES,
        (0.0f64..1e9, 1u64..1_000_000),
        |(f, n)| {
            let text = format!("{f}");
            let parsed = parse_retry_after(&text, now());
            if text.parse::<u64>().is_err() {
                let got = parsed.ok_or_else(|| TestCaseError::fail(format!("{text}: None")))?;
                prop_assert!((got.as_secs_f64() - f).abs() < 1e-6, "{} → {:?}", text, got);
            }
            prop_assert_eq!(parse_retry_after(&format!("-{n}"), now()), None);
            Ok(())
        },
    );
}

#[test]
fn retry_after_http_dates_round_trip() {
    // httpdate formats years 1970 to 9999.
    check(
        "an HTTP date formatted with httpdate parses back (past dates: zero)",
        PURE_CASES,
        0u64..253_402_300_799,
        |t| {
            let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t));
            let expected = Duration::from_secs(t.saturating_sub(NOW));
            prop_assert_eq!(parse_retry_after(&date, now()), Some(expected), "{}", date);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// AccessToken
// ---------------------------------------------------------------------------------

#[test]
fn access_tokens_never_show_their_secret_and_age_in_order() {
    check(
        "AccessToken::new: Debug redacted, header sensitive, freshness Fresh → RefreshAhead → Expired",
        PURE_CASES,
        ("tok-[A-Za-z0-9]{12,40}", 0u64..200_000, vec(0u64..200_000, 1..8)),
        |(secret, lifetime, mut offsets)| {
            let issued = tokio::time::Instant::now();
            let token = AccessToken::new(
                secret.clone(),
                "Bearer",
                issued,
                SystemTime::now(),
                Duration::from_secs(lifetime),
            );
            let debug = format!("{token:?}{token:#?}");
            prop_assert!(!debug.contains(&secret));
            prop_assert!(token.authorization_header().is_sensitive());
            prop_assert!(token.lifetime() <= MAX_LIFETIME);
            prop_assert!(token.refresh_at() <= token.expires_at());
            offsets.sort_unstable();
            let rank = |f: Freshness| match f {
                Freshness::Fresh => 0,
                Freshness::RefreshAhead => 1,
                _ => 2,
            };
            let ranks: Vec<u8> = offsets
                .iter()
                .map(|o| rank(token.freshness(issued + Duration::from_secs(*o))))
                .collect();
            prop_assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{:?} at {:?}", ranks, offsets);
            prop_assert_eq!(
                token.freshness(issued + Duration::from_secs(lifetime)),
                Freshness::Expired
            );
            Ok(())
        },
    );
}

#[test]
fn any_text_makes_a_token_without_panic() {
    check(
        "AccessToken::new on any text",
        PURE_CASES,
        ("\\PC{0,80}", any::<u64>()),
        |(secret, lifetime)| {
            let t = AccessToken::new(
                secret,
                "Bearer",
                tokio::time::Instant::now(),
                SystemTime::now(),
                Duration::from_secs(lifetime),
            );
            prop_assert!(t.lifetime() <= MAX_LIFETIME);
            Ok(())
        },
    );
}

#[test]
fn restored_tokens_keep_their_expiry() {
    check(
        "AccessToken::restore keeps the wall-clock expiry (lifetime ≤ 24 h)",
        PURE_CASES,
        (0u64..=86_400, 0u64..=86_400),
        |(remaining, extra)| {
            let lifetime = (remaining + extra).min(86_400);
            let remaining = remaining.min(lifetime);
            let expires = SystemTime::now() + Duration::from_secs(remaining);
            let t = AccessToken::restore(
                "x",
                "Bearer",
                expires,
                Duration::from_secs(lifetime),
                Vec::new(),
            );
            let drift = match t.expires_at_wall().duration_since(expires) {
                Ok(d) => d,
                Err(e) => e.duration(),
            };
            prop_assert!(drift < Duration::from_secs(2), "drift {:?}", drift);
            prop_assert_eq!(t.lifetime(), Duration::from_secs(lifetime));
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// body_snippet
// ---------------------------------------------------------------------------------

#[test]
fn body_snippets_are_bounded_and_scrubbed() {
    check(
        "body_snippet: at most 512 bytes (+ …), no secret left",
        PURE_CASES,
        (
            vec(any::<u8>(), 0..400),
            vec("[A-Za-z0-9+/=&%~ ._-]{4,24}", 0..4),
            vec(any::<u8>(), 0..400),
            0usize..4,
        ),
        |(head, secrets, tail, which)| {
            // Secrets inside the marker itself would be "found" in it.
            let secrets: Vec<String> = secrets
                .into_iter()
                .filter(|s| !"[redacted]".contains(s.as_str()))
                .collect();
            let mut body = head;
            if let Some(s) = secrets.get(which) {
                body.extend_from_slice(s.as_bytes());
            }
            body.extend_from_slice(&tail);
            let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let snippet = body_snippet(&body, &refs);
            prop_assert!(snippet.len() <= MAX_SNIPPET_BYTES + '…'.len_utf8());
            for s in &refs {
                prop_assert!(!snippet.contains(s), "`{}` in {:?}", s, snippet);
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------
// The lenient number reader behind expires_in / expires_on
// ---------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Lenient {
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_i64")]
    n: Option<i64>,
}

fn lenient(v: Value) -> Result<Option<i64>, serde_json::Error> {
    serde_json::from_value::<Lenient>(serde_json::json!({ "n": v })).map(|l| l.n)
}

#[test]
fn lenient_integers_read_numbers_and_numeric_text() {
    check(
        "lenient::opt_i64: any JSON without panic; n and \" n \" read as n; floats truncate and saturate",
        PURE_CASES,
        (json_value(), any::<i64>(), -1e30f64..1e30),
        |(v, n, f)| {
            let _ = lenient(v);
            prop_assert_eq!(lenient(Value::from(n)).ok(), Some(Some(n)));
            prop_assert_eq!(lenient(Value::from(format!(" {n} "))).ok(), Some(Some(n)));
            prop_assert_eq!(lenient(Value::from(f)).ok(), Some(Some(f as i64)));
            Ok(())
        },
    );
}
