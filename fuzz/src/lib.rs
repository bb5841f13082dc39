//! The fuzz targets' bodies, shared by the libFuzzer binaries in `fuzz_targets/` and
//! by `examples/fuzz_loop.rs` (a plain random-input loop for machines where
//! cargo-fuzz cannot run).
//!
//! Each function takes the fuzzer's bytes, must never panic for any input, and
//! asserts the invariants of what it drives. oauth-core's token-answer, OAuth-error
//! and API-error parsers are crate-private, so `token_answer` and `api_answer` reach
//! them through `TokenClient` and `ApiClient` against an in-process loopback server
//! that answers with the fuzzer's bytes.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use vendor_core::{ApiClient, Request};
use oauth_core::__internal::{body_snippet as snippet_of, MAX_SNIPPET_BYTES};
use oauth_core::__internal::parse_retry_after;
use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, Claims, Credentials, RetryPolicy, StaticTokenProvider, Timeouts, TokenClient, TokenEndpoint, TokenError};
use vendor_core::Error;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every target, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("jwt_claims", jwt_claims),
    ("retry_after", retry_after),
    ("body_snippet", body_snippet),
    ("lenient_numbers", lenient_numbers),
    ("token_answer", token_answer),
    ("api_answer", api_answer),
];

// ---------------------------------------------------------------------------------
// Pure parsers
// ---------------------------------------------------------------------------------

/// `Claims::decode` on the bytes as a token, and as a JWT payload (which reaches the
/// JSON reading without the fuzzer having to find Base64).
pub fn jwt_claims(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Claims::decode(&text);
    let token = format!(
        "e30.{}.sig",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    );
    if let Some(claims) = Claims::decode(&token) {
        // Only a JSON object gives claims. (Not checked by parsing the payload as a
        // `Value`: serde_json skips ignored fields without checking their strings'
        // UTF-8 or their numbers' range, so a `Value` parse can refuse what the
        // claims reader rightly skipped.)
        let text = String::from_utf8_lossy(data);
        assert!(
            text.trim_start_matches([' ', '\t', '\n', '\r'])
                .starts_with('{'),
            "claims from a payload that is not a JSON object"
        );
        for granted in claims.granted() {
            assert!(claims.has_role(granted));
        }
    }
}

/// `parse_retry_after` on the bytes as text: never panics; whole seconds parse to
/// themselves.
pub fn retry_after(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let parsed = parse_retry_after(&text, now);
    if let Ok(n) = text.trim().parse::<u64>() {
        assert_eq!(parsed, Some(Duration::from_secs(n)), "{text:?}");
    }
}

/// `body_snippet`: the bytes up to the first `0xFF` are the body, each later
/// `0xFF`-separated part a secret. The snippet is bounded and holds no secret.
pub fn body_snippet(data: &[u8]) {
    let mut parts = data.split(|b| *b == 0xFF);
    let body = parts.next().unwrap_or_default();
    let secrets: Vec<&str> = parts
        .filter_map(|p| std::str::from_utf8(p).ok())
        // Secrets shorter than 4 are left alone by design; ones with a bracket or
        // inside the marker could be "found" in `[redacted]` itself.
        .filter(|s| s.len() >= 4 && !s.contains(['[', ']']) && !"[redacted]".contains(*s))
        .take(4)
        .collect();
    let snippet = snippet_of(body, &secrets);
    assert!(snippet.len() <= MAX_SNIPPET_BYTES + '…'.len_utf8());
    for secret in &secrets {
        assert!(!snippet.contains(secret), "{secret:?} in {snippet:?}");
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Lenient {
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_i64")]
    i: Option<i64>,
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_u64")]
    u: Option<u64>,
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_f64")]
    f: Option<f64>,
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_bool")]
    b: Option<bool>,
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_string")]
    s: Option<String>,
}

/// The lenient readers behind `expires_in`/`expires_on` and the vendor models, on
/// any JSON value in every field.
pub fn lenient_numbers(data: &[u8]) {
    let _ = serde_json::from_slice::<Lenient>(data);
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        let all = serde_json::json!({"i": value, "u": value, "f": value, "b": value, "s": value});
        for key in ["i", "u", "f", "b", "s"] {
            let one = serde_json::json!({ key: all[key] });
            if let Ok(l) = serde_json::from_value::<Lenient>(one) {
                assert!(
                    l.f.is_none_or(f64::is_finite),
                    "a non-finite f64 was accepted"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Token endpoint and API answers through the clients
// ---------------------------------------------------------------------------------

/// Credentials the token client sends; a fuzz body can ask for them to be echoed
/// with the markers `{{echo}}` (the request body), `{{secret}}` and `{{password}}`.
pub const CLIENT_SECRET: &str = "fz-Secret+/=&7Qx \"k";
/// The password of the password grant.
pub const PASSWORD: &str = "fz-pass\\word é 91";
/// The access token and subscription key the API client sends (`{{token}}`, `{{key}}`).
pub const ACCESS_TOKEN: &str = "fz-at-5c1b9e77d4a24f0e8b1d-opaque";
/// The subscription key.
pub const SUBSCRIPTION_KEY: &str = "fz0key0b7d2e94c1a36f58e0d9c4b2a71f3";

#[derive(Deserialize)]
struct AccessTokenField {
    access_token: Option<String>,
}

/// Statuses the server answers with (the first input byte picks one). No 1xx, 204,
/// 205 or 304: those must not carry the body the server writes.
const STATUSES: &[u16] = &[
    200, 201, 202, 203, 206, 301, 302, 307, 400, 401, 403, 404, 405, 408, 409, 410, 413, 415, 422,
    429, 451, 500, 501, 502, 503, 504, 520,
];

struct Answer {
    status: u16,
    body: Vec<u8>,
    /// The body as served, markers expanded.
    served: Vec<u8>,
}

struct Harness {
    rt: tokio::runtime::Runtime,
    answer: Arc<Mutex<Answer>>,
    token: TokenClient,
    api: ApiClient,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            body: Vec::new(),
            served: Vec::new(),
        }));
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let shared = answer.clone();
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        let timeouts = Timeouts {
            connect: Duration::from_secs(2),
            attempt: Duration::from_secs(5),
            overall: Duration::from_secs(10),
        };
        let token = TokenClient::builder()
            .endpoint(
                TokenEndpoint::url(format!("{base}/oauth2/token")).with_scopes(["fz/.default"]),
            )
            .credentials(Credentials::password(
                "fz-client",
                Some(CLIENT_SECRET.to_owned()),
                "fz-user@example.com",
                PASSWORD,
            ))
            .allow_insecure_loopback(true)
            .retry_policy(RetryPolicy::none())
            .timeouts(timeouts)
            .build()
            .expect("token client");
        let api = ApiClient::builder()
            .base_url(base)
            .token_provider(Arc::new(StaticTokenProvider::new(AccessToken::valid_for(
                ACCESS_TOKEN,
                Duration::from_secs(3600),
            ))))
            .secret_header(
                "Ocp-Apim-Subscription-Key",
                SecretString::from(SUBSCRIPTION_KEY),
            )
            .allow_insecure_loopback(true)
            .retry_policy(RetryPolicy::none())
            .timeouts(timeouts)
            .build()
            .expect("api client");
        Harness {
            rt,
            answer,
            token,
            api,
        }
    })
}

fn replace(haystack: &[u8], marker: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = rest.windows(marker.len()).position(|w| w == marker) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + marker.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn json_escaped(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned()
}

/// Serves one keep-alive connection: each request gets the current answer.
async fn serve(mut stream: TcpStream, answer: Arc<Mutex<Answer>>) {
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let request_body: Vec<u8> = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let (status, body) = {
            let mut a = answer.lock().unwrap_or_else(|e| e.into_inner());
            let mut body = replace(&a.body, b"{{echo}}", &request_body);
            for (marker, value) in [
                (&b"{{secret}}"[..], CLIENT_SECRET.to_owned()),
                (b"{{password}}", PASSWORD.to_owned()),
                (b"{{json}}", json_escaped(CLIENT_SECRET)),
                (b"{{token}}", ACCESS_TOKEN.to_owned()),
                (b"{{key}}", SUBSCRIPTION_KEY.to_owned()),
            ] {
                body = replace(&body, marker, value.as_bytes());
            }
            a.served = body.clone();
            (a.status, body)
        };
        // One write, and no Nagle delay: a round trip costs microseconds, not 40 ms.
        let mut response = format!(
            "HTTP/1.1 {status} Fuzz\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        response.extend_from_slice(&body);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Sets the answer from the input: the first byte picks the status, the rest is
/// the body. Returns the status.
fn set_answer(h: &Harness, data: &[u8]) -> u16 {
    let status = STATUSES[usize::from(data.first().copied().unwrap_or(0)) % STATUSES.len()];
    let mut a = h.answer.lock().unwrap_or_else(|e| e.into_inner());
    a.status = status;
    a.body = data.get(1..).unwrap_or_default().to_vec();
    status
}

fn served(h: &Harness) -> Vec<u8> {
    h.answer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .served
        .clone()
}

fn spellings(secret: &str) -> [String; 3] {
    // application/x-www-form-urlencoded, as the token request sends it.
    let form = {
        let mut out = String::new();
        for b in secret.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(char::from(b))
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    [secret.to_owned(), form, json_escaped(secret)]
}

/// A token endpoint answering with the input: never panics; a token only from a
/// success with the served `access_token`; errors classified by status and shape;
/// no error shows the client secret or password in any spelling, even when the
/// answer echoes the request.
pub fn token_answer(data: &[u8]) {
    let h = harness();
    let status = set_answer(h, data);
    let result = h.rt.block_on(h.token.request_token());
    let body = served(h);
    let success = (200..300).contains(&status);
    match &result {
        Ok(token) => {
            assert!(success, "a {status} answer gave a token");
            // Read as leniently as the client does: other fields are skipped.
            let expected = serde_json::from_slice::<AccessTokenField>(&body)
                .ok()
                .and_then(|a| a.access_token);
            assert_eq!(Some(token.secret()), expected.as_deref());
        }
        Err(e) if success => assert!(matches!(e, TokenError::InvalidResponse(_)), "{e:?}"),
        Err(e) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{e:?}");
            assert!(
                matches!(e, TokenError::OAuth(_) | TokenError::Status(_)),
                "{e:?}"
            );
        }
    }
    if let Err(e) = &result {
        for text in [e.to_string(), format!("{e:?}")] {
            for secret in [CLIENT_SECRET, PASSWORD] {
                for spelling in spellings(secret) {
                    assert!(!text.contains(&spelling), "{spelling:?} in {text}");
                }
            }
        }
    }
}

/// An API answering with the input: never panics; errors classified by status. With
/// `FUZZ_API_LEAKS=1`, also asserts that no error shows the token or the key (the
/// leaks it found are fixed: crates/reliability/tests/regressions.rs).
pub fn api_answer(data: &[u8]) {
    let h = harness();
    let status = set_answer(h, data);
    let result = h.rt.block_on(h.api.send::<Value>(Request::get("/items")));
    match (&result, status) {
        (Ok(_), 200..=299) => {}
        (Err(Error::Decode(_)), 200..=299) => {
            assert!(serde_json::from_slice::<Value>(&served(h)).is_err());
        }
        (Err(Error::Redirect(_)), 300..=399) => {}
        (Err(Error::Auth(a)), 401 | 403) => assert_eq!(a.status().as_u16(), status),
        (Err(Error::Api(a)), _) => assert_eq!(a.status().as_u16(), status),
        (other, _) => panic!("{status} gave {other:?}"),
    }
    if std::env::var_os("FUZZ_API_LEAKS").is_some() {
        if let Err(e) = &result {
            let body = String::from_utf8_lossy(&served(h)).into_owned();
            for text in [e.to_string(), format!("{e:?}")] {
                for secret in [ACCESS_TOKEN, SUBSCRIPTION_KEY] {
                    // The start of a secret shows only if the SDK cut a whole one. A
                    // server that also sent the start without the rest (the fuzzer
                    // learns prefixes from the scrubber's comparisons) may see that
                    // fragment quoted: it is the server's, not a secret of ours.
                    let prefix = &secret[..16];
                    let fragments = body.matches(prefix).count() - body.matches(secret).count();
                    let needle = if fragments > 0 { secret } else { prefix };
                    assert!(!text.contains(needle), "{secret} in {text}");
                }
            }
        }
    }
}

/// Seconds since the Unix epoch, for names of saved inputs.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
