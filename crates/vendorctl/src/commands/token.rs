//! `vendorctl token <vendor>`: a token's claims, for diagnosis.

use std::time::{Duration, SystemTime};

use oauth_core::AccessToken;
use serde_json::json;

use crate::errors::{Failure, Vendor};
use crate::output::{Output, Table};
use crate::{Global, VendorArg};

/// Gets a token for `vendor` from its environment configuration and shows it.
pub async fn run(
    vendor: VendorArg,
    show_token: bool,
    global: &Global,
    out: Output,
) -> Result<(), Failure> {
    let (vendor, token) = match vendor {
        VendorArg::Kazi => (Vendor::Kazi, super::kazi::client(global)?.token().await),
        VendorArg::Keyavi => (Vendor::Keyavi, super::keyavi::client(global)?.token().await),
        VendorArg::Kaisa => (Vendor::Kaisa, super::kaisa::client(global)?.token().await),
        VendorArg::Okq8 => (Vendor::Okq8, super::okq8::client(global)?.token().await),
    };
    let token = token.map_err(|e| Failure::from_sdk(vendor, &e))?;
    let mut value = summary(&token);
    if show_token {
        value["access_token"] = json!(token.secret());
    }
    out.emit(&value, || {
        let mut table = table(vendor.name(), &token);
        if show_token {
            table.row(["access_token", token.secret()]);
        }
        vec![table]
    });
    Ok(())
}

/// The token's claims and expiry as JSON; the token itself is left out.
pub fn summary(token: &AccessToken) -> serde_json::Value {
    let claims = token.claims();
    json!({
        "token_type": token.token_type(),
        "access_token": "[redacted]",
        "expires_in_s": token.remaining().as_secs(),
        "expires_at": http_date(token.expires_at_wall()),
        "roles": claims.map(|c| c.roles.clone()).unwrap_or_default(),
        "scp": claims.map(|c| c.scopes.clone()).unwrap_or_default(),
        "aud": claims.map(|c| c.aud.clone()).unwrap_or_default(),
        "tid": claims.and_then(|c| c.tid.clone()),
        "app_id": claims.and_then(|c| c.app_id().map(str::to_owned)),
        "user": claims.and_then(|c| c.user().map(str::to_owned)),
        "jwt": claims.is_some(),
    })
}

/// The token's claims and expiry as a two-column table.
pub fn table(title: &str, token: &AccessToken) -> Table {
    let mut t = Table::new(format!("{title} token"), &["claim", "value"]);
    t.row(["token", "[redacted] (use --show-token to print it)"]);
    t.row(["type", token.token_type()]);
    t.row([
        "expires".to_owned(),
        format!(
            "in {} ({})",
            human(token.remaining()),
            http_date(token.expires_at_wall())
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

fn http_date(at: SystemTime) -> String {
    httpdate::fmt_http_date(at)
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
