//! `vendorctl doctor [vendor]`: for each configured vendor, one line per check: the
//! variables present and missing, DNS and TLS to the token and API hosts, clock skew
//! against the server's `Date`, a token request, the roles granted against those the
//! commands need; and the proxy settings in effect. Exit code 1 when a check fails.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::json;

use crate::catalog::{self, Mode, Purpose, Value, VendorCatalog};
use crate::commands::config::{aligned, redact_url};
use crate::errors::{Failure, Vendor};
use crate::output::Output;
use crate::{Global, VendorArg};

/// How long one network check may take.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the token request may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
/// Clock skew up to this is fine (`Date` has whole seconds, and the request takes time).
const SKEW_OK: Duration = Duration::from_secs(5);
/// Clock skew beyond this makes tokens look expired or not yet valid.
const SKEW_FAIL: Duration = Duration::from_secs(300);

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but something may go wrong.
    Warn,
    /// Broken: the exit code is 1.
    Fail,
    /// Not checked, and why.
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One check's line.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The vendor (`None`: every vendor, such as the proxy).
    pub vendor: Option<&'static str>,
    /// What was checked.
    pub check: String,
    /// Its outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
}

fn check(vendor: Option<Vendor>, name: &str, status: Status, detail: impl Into<String>) -> Check {
    Check {
        vendor: vendor.map(Vendor::name),
        check: name.to_owned(),
        status,
        detail: detail.into(),
    }
}

/// The vendor a command-line argument names.
pub fn vendor_of(arg: VendorArg) -> Vendor {
    match arg {
        VendorArg::Kazi => Vendor::Kazi,
        VendorArg::Keyavi => Vendor::Keyavi,
        VendorArg::Kaisa => Vendor::Kaisa,
        VendorArg::Okq8 => Vendor::Okq8,
    }
}

fn text(name: &str) -> Option<String> {
    match Value::of_env(name) {
        Value::Set(v) => Some(v),
        _ => None,
    }
}

fn truthy(name: &str) -> bool {
    text(name).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

/// Whether any variable of the vendor is set.
fn configured(catalog: &VendorCatalog) -> bool {
    catalog
        .vars
        .iter()
        .any(|v| !matches!(Value::of_env(v.name), Value::Unset))
}

/// Where the vendor's tokens come from (`None`: no token, or not known).
fn token_url(vendor: Vendor, mode: Mode) -> Option<String> {
    let p = vendor.prefix();
    if truthy(&format!("{p}_USE_MANAGED_IDENTITY")) {
        return Some(
            text("IDENTITY_ENDPOINT").unwrap_or_else(|| oauth_core::IMDS_TOKEN_ENDPOINT.to_owned()),
        );
    }
    if let Some(url) = text(&format!("{p}_TOKEN_URL")) {
        return Some(url);
    }
    let v2 = |tenant: &str| format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token");
    match vendor {
        Vendor::Kazi => Some(format!(
            "https://login.microsoftonline.com/{}/oauth2/token",
            kazi_tagging::DEFAULT_TENANT
        )),
        Vendor::Keyavi => text("KEYAVI_TENANT_ID").map(|t| v2(&t)),
        Vendor::Kaisa => Some(kaisa::DEFAULT_TOKEN_URL.to_owned()),
        Vendor::Okq8 if mode == Mode::KeyOnly => None,
        Vendor::Okq8 => Some(v2(
            &text("OKQ8_TENANT_ID").unwrap_or_else(|| okq8::DEFAULT_TENANT.to_owned())
        )),
    }
}

/// Where the vendor's API calls go (`None`: not configured).
fn api_url(vendor: Vendor) -> Option<String> {
    let p = vendor.prefix();
    if let Some(url) = text(&format!("{p}_BASE_URL")) {
        return Some(url);
    }
    match vendor {
        Vendor::Kazi => {
            let env = text("KAZI_ENV")
                .and_then(|e| e.parse::<kazi_tagging::Environment>().ok())
                .unwrap_or_default();
            Some(env.base_url().to_owned())
        }
        Vendor::Kaisa => Some(kaisa::DEFAULT_BASE_URL.to_owned()),
        Vendor::Keyavi | Vendor::Okq8 => None,
    }
}

/// The proxy settings in effect, credentials redacted.
fn proxy_check() -> Check {
    let mut found = Vec::new();
    let mut status = Status::Ok;
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        let Some(value) = text(name) else { continue };
        let shown = if name.eq_ignore_ascii_case("NO_PROXY") {
            value
        } else {
            let shown = redact_url(&value);
            if url::Url::parse(&value).is_err() {
                status = Status::Warn;
            }
            shown
        };
        found.push(format!("{name}={shown}"));
    }
    if found.is_empty() {
        check(
            None,
            "proxy",
            Status::Ok,
            "none: direct connections (a loopback host is never proxied)",
        )
    } else {
        check(
            None,
            "proxy",
            status,
            format!("{} (a loopback host is never proxied)", found.join(", ")),
        )
    }
}

/// Whether the system's proxy settings send https traffic to `host` through a proxy.
fn proxied(host: &str) -> bool {
    let proxy = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|n| text(n).is_some());
    let excluded = ["NO_PROXY", "no_proxy"]
        .iter()
        .filter_map(|n| text(n))
        .any(|list| {
            list.split(',').map(str::trim).any(|entry| {
                entry == "*"
                    || (!entry.is_empty()
                        && (host == entry.trim_start_matches('.')
                            || host.ends_with(&format!(".{}", entry.trim_start_matches('.')))))
            })
        });
    proxy && !excluded
}

/// What one request to a host's origin found: its `Date`, or the failure.
struct Probe {
    /// The server's clock minus ours, in seconds, when it sent a `Date`.
    skew: Option<i64>,
    /// The answer's status, or the error.
    outcome: Result<u16, String>,
}

/// `GET <origin>/`, any answer counts: the TLS handshake (for https) and the `Date`.
async fn probe(url: &url::Url) -> Probe {
    let origin = url.origin().ascii_serialization() + "/";
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(NETWORK_TIMEOUT)
        .user_agent(concat!("vendorctl-doctor/", env!("CARGO_PKG_VERSION")));
    if catalog::is_loopback(url) {
        builder = builder.no_proxy();
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            return Probe {
                skew: None,
                outcome: Err(chain(&e)),
            }
        }
    };
    let sent = SystemTime::now();
    match client.get(origin).send().await {
        Ok(response) => {
            let received = SystemTime::now();
            let middle = sent + received.duration_since(sent).unwrap_or_default() / 2;
            let skew = response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(|d| httpdate::parse_http_date(d).ok())
                // `Date` has whole seconds: the server's time is half a second later
                // on average.
                .map(|date| date + Duration::from_millis(500))
                .map(|date| match date.duration_since(middle) {
                    Ok(ahead) => ahead.as_secs_f64().round() as i64,
                    Err(behind) => -(behind.duration().as_secs_f64().round() as i64),
                });
            Probe {
                skew,
                outcome: Ok(response.status().as_u16()),
            }
        }
        Err(e) => Probe {
            skew: None,
            outcome: Err(chain(&e.without_url())),
        },
    }
}

/// An error and its causes, on one line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// DNS and TLS of one host, and the clock from its `Date`; the skew found.
async fn host_checks(
    vendor: Vendor,
    label: &str,
    url: Option<&str>,
    checks: &mut Vec<Check>,
) -> Option<(String, i64)> {
    let Some(raw) = url else {
        checks.push(check(
            Some(vendor),
            &format!("{label} dns"),
            Status::Skip,
            "no URL configured",
        ));
        return None;
    };
    let Some((url, host)) = url::Url::parse(raw)
        .ok()
        .and_then(|u| u.host_str().map(|h| (u.clone(), h.to_owned())))
    else {
        checks.push(check(
            Some(vendor),
            &format!("{label} dns"),
            Status::Skip,
            "the URL does not parse (see the variables)",
        ));
        return None;
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let host_port = format!("{host}:{port}");
    let lookup = tokio::time::timeout(
        NETWORK_TIMEOUT,
        tokio::net::lookup_host((host.trim_matches(['[', ']']).to_owned(), port)),
    )
    .await;
    let resolved = match lookup {
        Ok(Ok(addrs)) => {
            let mut addrs: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
            addrs.sort();
            addrs.dedup();
            checks.push(check(
                Some(vendor),
                &format!("{label} dns"),
                Status::Ok,
                format!("{host} resolves to {}", addrs.join(", ")),
            ));
            true
        }
        Ok(Err(e)) if proxied(&host) => {
            checks.push(check(
                Some(vendor),
                &format!("{label} dns"),
                Status::Warn,
                format!("{host} does not resolve here ({e}); the proxy may resolve it"),
            ));
            true
        }
        Ok(Err(e)) => {
            checks.push(check(
                Some(vendor),
                &format!("{label} dns"),
                Status::Fail,
                format!("{host} does not resolve: {e}"),
            ));
            false
        }
        Err(_) => {
            checks.push(check(
                Some(vendor),
                &format!("{label} dns"),
                Status::Fail,
                format!("resolving {host} took over {} s", NETWORK_TIMEOUT.as_secs()),
            ));
            false
        }
    };
    if !resolved {
        checks.push(check(
            Some(vendor),
            &format!("{label} tls"),
            Status::Skip,
            "the host does not resolve",
        ));
        return None;
    }
    let probe = probe(&url).await;
    let via = if !catalog::is_loopback(&url) && proxied(&host) {
        " through the proxy"
    } else {
        ""
    };
    let tls = format!("{label} tls");
    // No TCP connection at all is not a TLS failure.
    let unconnected = match &probe.outcome {
        Err(e) if e.contains("tcp connect error") => Some(e.clone()),
        _ => None,
    };
    if let Some(e) = &unconnected {
        checks.push(check(
            Some(vendor),
            &format!("{label} connect"),
            Status::Fail,
            format!("{host_port}{via}: {e}"),
        ));
    }
    match (url.scheme(), &probe.outcome) {
        ("http", _) if catalog::is_loopback(&url) => checks.push(check(
            Some(vendor),
            &tls,
            Status::Skip,
            format!("plain http:// to a loopback host ({host_port}): no TLS to check"),
        )),
        ("http", _) => checks.push(check(
            Some(vendor),
            &tls,
            Status::Skip,
            format!("plain http:// ({host_port}): no TLS"),
        )),
        (_, Err(_)) if unconnected.is_some() => {
            checks.push(check(Some(vendor), &tls, Status::Skip, "no TCP connection"))
        }
        (_, Ok(status)) => checks.push(check(
            Some(vendor),
            &tls,
            Status::Ok,
            format!("handshake with {host_port}{via} (HTTP {status})"),
        )),
        (_, Err(e)) => checks.push(check(
            Some(vendor),
            &tls,
            Status::Fail,
            format!("{host_port}{via}: {e}"),
        )),
    }
    if url.scheme() == "http" && unconnected.is_none() {
        if let Err(e) = &probe.outcome {
            checks.push(check(
                Some(vendor),
                &format!("{label} http"),
                Status::Fail,
                format!("{host_port}: {e}"),
            ));
        }
    }
    probe.skew.map(|skew| (host, skew))
}

/// A token for `vendor`, as `vendorctl token` gets it, but always from the token
/// endpoint: a token cached by an earlier run would prove nothing of the credentials.
async fn token(vendor: Vendor, global: &Global) -> Result<oauth_core::AccessToken, Failure> {
    let mut uncached = global.clone();
    uncached.no_token_cache = true;
    let global = &uncached;
    let fetch = async {
        let result = match vendor {
            Vendor::Kazi => {
                super::kazi::client_for(global, Purpose::Token)?
                    .token()
                    .await
            }
            Vendor::Keyavi => {
                super::keyavi::client_for(global, Purpose::Token)?
                    .token()
                    .await
            }
            Vendor::Kaisa => {
                super::kaisa::client_for(global, Purpose::Token)?
                    .token()
                    .await
            }
            Vendor::Okq8 => {
                super::okq8::client_for(global, Purpose::Token)?
                    .token()
                    .await
            }
        };
        result.map_err(|e| Failure::from_sdk(vendor, &e))
    };
    tokio::time::timeout(TOKEN_TIMEOUT, fetch)
        .await
        .map_err(|_| {
            Failure::other(format!(
                "{}: no token within {} s",
                vendor.name(),
                TOKEN_TIMEOUT.as_secs()
            ))
        })?
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Every check of one vendor.
async fn vendor_checks(vendor: Vendor, global: &Global) -> Vec<Check> {
    let catalog = catalog::of(vendor);
    let mut checks = Vec::new();
    let lookup = &Value::of_env;
    let mode = catalog.mode(Purpose::Api, lookup);

    // The variables present and missing.
    let set: Vec<&str> = catalog
        .vars
        .iter()
        .filter(|v| !matches!(Value::of_env(v.name), Value::Unset))
        .map(|v| v.name)
        .collect();
    let problems = catalog.check(Purpose::Api, global.insecure_loopback, lookup);
    let mode_text = match (vendor, mode) {
        (Vendor::Keyavi | Vendor::Okq8, m) => format!(" ({})", m_label(m)),
        _ => String::new(),
    };
    checks.push(check(
        Some(vendor),
        "variables",
        if problems.is_empty() {
            Status::Ok
        } else {
            Status::Fail
        },
        format!("{} set{mode_text}: {}", set.len(), set.join(", ")),
    ));
    if !problems.missing.is_empty() {
        let missing: Vec<String> = problems
            .missing
            .iter()
            .map(|(name, what)| format!("{name} ({what})"))
            .collect();
        checks.push(check(
            Some(vendor),
            "missing",
            Status::Fail,
            missing.join(", "),
        ));
    }
    if !problems.malformed.is_empty() {
        let bad: Vec<String> = problems
            .malformed
            .iter()
            .map(|(name, what)| format!("{name} ({what})"))
            .collect();
        checks.push(check(
            Some(vendor),
            "not usable",
            Status::Fail,
            bad.join(", "),
        ));
    }

    // The hosts, and the clock against the first that sent a Date.
    let token_url = token_url(vendor, mode);
    let mut skew = None;
    if token_url.is_some() {
        skew = host_checks(vendor, "token host", token_url.as_deref(), &mut checks).await;
    }
    let api = host_checks(vendor, "API host", api_url(vendor).as_deref(), &mut checks).await;
    match skew.or(api) {
        Some((host, s)) => {
            let off = Duration::from_secs(s.unsigned_abs());
            let (status, note) = if off <= SKEW_OK {
                (Status::Ok, "")
            } else if off < SKEW_FAIL {
                (Status::Warn, ": set the clock (NTP)")
            } else {
                (
                    Status::Fail,
                    ": tokens will look expired or not yet valid; set the clock (NTP)",
                )
            };
            checks.push(check(
                Some(vendor),
                "clock",
                status,
                format!("{s:+} s against {host}'s Date{note}"),
            ));
        }
        None => checks.push(check(
            Some(vendor),
            "clock",
            Status::Skip,
            "no server answered with a Date",
        )),
    }

    // A token, and its roles against those the commands need.
    let token_problems = catalog.check(Purpose::Token, global.insecure_loopback, lookup);
    if mode == Mode::KeyOnly {
        checks.push(check(
            Some(vendor),
            "token",
            Status::Skip,
            "the subscription key only: no token (set a credential for OAuth)",
        ));
        return checks;
    }
    if !token_problems.is_empty() {
        checks.push(check(
            Some(vendor),
            "token",
            Status::Skip,
            "the token's variables are not all usable (see above)",
        ));
        return checks;
    }
    let started = Instant::now();
    let token = match token(vendor, global).await {
        Ok(token) => {
            checks.push(check(
                Some(vendor),
                "token",
                Status::Ok,
                format!(
                    "granted in {} ms, expires in {}",
                    started.elapsed().as_millis(),
                    human(token.remaining())
                ),
            ));
            token
        }
        Err(failure) => {
            checks.push(check(Some(vendor), "token", Status::Fail, failure.message));
            return checks;
        }
    };
    let needed: Vec<&catalog::Role> = catalog
        .roles
        .iter()
        .filter(|r| r.mode.is_none_or(|m| m == mode))
        .collect();
    let roles = match (needed.is_empty(), token.claims()) {
        (true, _) => check(
            Some(vendor),
            "roles",
            Status::Ok,
            format!("{}'s endpoints declare no role", vendor.name()),
        ),
        (false, None) => check(
            Some(vendor),
            "roles",
            Status::Skip,
            "the token is opaque: its roles cannot be read",
        ),
        (false, Some(claims)) => {
            let granted = |name: &str| {
                claims.roles.iter().any(|r| r == name) || claims.scopes.iter().any(|s| s == name)
            };
            let missing_for = |write: bool| -> Vec<String> {
                needed
                    .iter()
                    .filter(|r| r.write == write && !granted(r.name))
                    .map(|r| format!("{} (for `vendorctl {}`)", r.name, r.needed_by))
                    .collect()
            };
            let missing = missing_for(false);
            let missing_writes = missing_for(true);
            let names: Vec<&str> = needed
                .iter()
                .filter(|r| granted(r.name))
                .map(|r| r.name)
                .collect();
            if missing.is_empty() {
                let mut text = format!("granted: {}", names.join(", "));
                if !missing_writes.is_empty() {
                    let _ = write!(
                        text,
                        "; not granted, needed only to write: {}",
                        missing_writes.join(", ")
                    );
                }
                check(Some(vendor), "roles", Status::Ok, text)
            } else {
                check(
                    Some(vendor),
                    "roles",
                    Status::Warn,
                    format!(
                        "not granted: {} (ask the vendor to grant them to the client id)",
                        missing.join(", ")
                    ),
                )
            }
        }
    };
    checks.push(roles);
    checks
}

fn m_label(mode: Mode) -> &'static str {
    match mode {
        Mode::App => "app mode",
        Mode::User => "user mode",
        Mode::OAuth => "OAuth",
        Mode::KeyOnly => "subscription key only",
    }
}

/// Runs the checks of `vendor`, or of every configured vendor.
pub async fn run(vendor: Option<VendorArg>, global: &Global, out: Output) -> Result<(), Failure> {
    let mut checks = vec![proxy_check()];
    let vendors: Vec<Vendor> = match vendor {
        Some(v) => vec![vendor_of(v)],
        None => catalog::VENDORS
            .iter()
            .filter(|c| configured(c))
            .map(|c| c.vendor)
            .collect(),
    };
    if vendors.is_empty() {
        checks.push(check(
            None,
            "vendors",
            Status::Skip,
            "no vendor is configured: set a vendor's variables (`vendorctl help environment`)",
        ));
    }
    for v in vendors {
        checks.extend(vendor_checks(v, global).await);
    }
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    out.emit(&json!({"checks": checks, "failed": failed}), || {
        let rows: Vec<[String; 4]> = checks
            .iter()
            .map(|c| {
                [
                    c.status.label().to_owned(),
                    c.vendor.unwrap_or("-").to_owned(),
                    c.check.clone(),
                    c.detail.clone(),
                ]
            })
            .collect();
        print!(
            "{}",
            aligned(&["status", "vendor", "check", "detail"], &rows)
        );
        Vec::new()
    });
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::other(format!(
            "doctor: {failed} check{} failed",
            if failed == 1 { "" } else { "s" }
        )))
    }
}
