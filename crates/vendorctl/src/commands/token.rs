//! `vendorctl token <vendor>`: a token's claims, for diagnosis.

use std::time::{Duration, SystemTime};

use oauth_core::AccessToken;
use serde_json::json;

use crate::errors::{Failure, Vendor};

/// The token call needs only the token's variables (no subscription key).
const TOKEN: crate::catalog::Purpose = crate::catalog::Purpose::Token;
use crate::output::{Output, Table};
use crate::{Global, VendorArg};

/// Gets a token for `vendor` from its environment configuration and shows it.
pub async fn run(
    vendor: VendorArg,
    show_token: bool,
    raw: bool,
    global: &Global,
    out: Output,
) -> Result<(), Failure> {
    let (vendor, token) = match vendor {
        VendorArg::Kazi => (
            Vendor::Kazi,
            super::kazi::client_for(global, TOKEN)?.token().await,
        ),
        VendorArg::Keyavi => (
            Vendor::Keyavi,
            super::keyavi::client_for(global, TOKEN)?.token().await,
        ),
        VendorArg::Kaisa => (
            Vendor::Kaisa,
            super::kaisa::client_for(global, TOKEN)?.token().await,
        ),
        VendorArg::Okq8 => (
            Vendor::Okq8,
            super::okq8::client_for(global, TOKEN)?.token().await,
        ),
    };
    let token = token.map_err(|e| Failure::from_sdk(vendor, &e))?;
    if raw {
        // The token alone, whatever the output format: for `$(...)`.
        println!("{}", token.secret());
        return Ok(());
    }
    let mut value = summary(&token);
    if show_token {
        value["access_token"] = json!(token.secret());
    }
    out.emit(&value, || vec![table(vendor.name(), &token, show_token)]);
    Ok(())
}

/// The token's claims and expiry as JSON; the token itself is left out.
pub fn summary(token: &AccessToken) -> serde_json::Value {
    let claims = token.claims();
    json!({
        "token_type": token.token_type(),
        "access_token": "[redacted]",
        "expires_in_s": token.remaining().as_secs(),
        "expires_at": rfc3339(token.expires_at_wall()),
        "roles": claims.map(|c| c.roles.clone()).unwrap_or_default(),
        "scp": claims.map(|c| c.scopes.clone()).unwrap_or_default(),
        "aud": claims.map(|c| c.aud.clone()).unwrap_or_default(),
        "tid": claims.and_then(|c| c.tid.clone()),
        "app_id": claims.and_then(|c| c.app_id().map(str::to_owned)),
        "user": claims.and_then(|c| c.user().map(str::to_owned)),
        "jwt": claims.is_some(),
    })
}

/// The token's claims and expiry as a two-column table, every value whole; the token
/// itself only when `show_token`.
pub fn table(title: &str, token: &AccessToken, show_token: bool) -> Table {
    let mut t = Table::new(format!("{title} token"), &["claim", "value"]).whole_cells();
    if show_token {
        t.row(["token", token.secret()]);
    } else {
        t.row([
            "token",
            "[redacted] (--show-token prints it, --raw prints it alone)",
        ]);
    }
    t.row(["type", token.token_type()]);
    t.row([
        "expires".to_owned(),
        format!(
            "in {} ({})",
            human(token.remaining()),
            rfc3339(token.expires_at_wall())
        ),
    ]);
    match token.claims() {
        Some(c) => {
            if !c.roles.is_empty() {
                t.row(["roles".to_owned(), c.roles.join(", ")]);
            }
            if !c.scopes.is_empty() {
                t.row(["scp".to_owned(), c.scopes.join(" ")]);
            }
            t.row(["aud".to_owned(), c.aud.join(", ")]);
            if let Some(tid) = &c.tid {
                t.row(["tenant", tid.as_str()]);
            }
            if let Some(app) = c.app_id() {
                t.row(["app id", app]);
            }
            if let Some(user) = c.user() {
                t.row(["user", user]);
            }
        }
        None => t.row(["claims", "none: the token is opaque"]),
    }
    t
}

/// An instant as RFC 3339 in UTC, to the second (`2026-12-01T18:00:00Z`).
pub fn rfc3339(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap_or_else(|_| "unknown".to_owned())
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
