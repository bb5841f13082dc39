//! `vendorctl demo`: every vendor end to end against the built-in sandbox.
//!
//! The demo builds each SDK client the way an application would (builders, not
//! environment variables), so it doubles as a tour of the four crates.

use futures_util::TryStreamExt;
use serde_json::{json, Value};
use vendor_sandbox::{Sandbox, SandboxConfig, SandboxTls, Vendor as SandboxVendor};

use super::{kaisa as kaisa_cmd, kazi as kazi_cmd, keyavi as keyavi_cmd, okq8 as okq8_cmd, token};
use crate::errors::{Failure, Vendor};
use crate::output::{terminal_safe, Output, Table};

/// Trusts the sandbox: its CA when it serves https, else the SDK's opt-in for plain
/// http to a loopback host.
macro_rules! trusting {
    ($builder:expr, $sandbox:expr) => {
        match $sandbox.ca_certificate_pem() {
            Some(pem) => $builder.add_root_certificate_pem(pem),
            None => $builder.allow_insecure_loopback(true),
        }
    };
}

/// Runs the demo; prints tables, or one JSON document with `--json`. With `tls` the
/// sandbox serves https with a fresh local CA, which the clients trust through
/// `add_root_certificate_pem`: no plain-http opt-in.
pub async fn run(out: Output, tls: bool) -> Result<(), Failure> {
    let mut config = SandboxConfig::default();
    if tls {
        config = config
            .with_tls(SandboxTls::generate().map_err(|e| {
                Failure::other(format!("cannot make the sandbox's TLS files: {e}"))
            })?);
    }
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::other(format!("cannot start the sandbox: {e}")))?;
    if out.is_table() {
        println!(
            "vendorctl demo: the four vendor SDKs against the built-in sandbox at {}\n",
            sandbox.base_url()
        );
    }
    let kazi = kazi(&sandbox, out).await?;
    let keyavi = keyavi(&sandbox, out).await?;
    let kaisa = kaisa(&sandbox, out).await?;
    let okq8 = okq8(&sandbox, out).await?;

    let stats = sandbox.stats();
    let vendors = [
        (SandboxVendor::Kazi, "Kazi"),
        (SandboxVendor::Keyavi, "Keyavi"),
        (SandboxVendor::Kaisa, "Kaisa"),
        (SandboxVendor::Okq8, "OKQ8"),
    ];
    let mut traffic = Table::new(
        "What the sandbox saw (tokens are cached: each client fetched its token once)",
        &["vendor", "token requests", "API calls"],
    );
    let mut traffic_json = serde_json::Map::new();
    for (v, name) in vendors {
        let tokens = stats.token_requests_total(v);
        let calls = stats.api_calls_total(v);
        traffic.row([name.to_owned(), tokens.to_string(), calls.to_string()]);
        traffic_json.insert(
            v.as_str().to_owned(),
            json!({ "token_requests": tokens, "api_calls": calls }),
        );
    }
    let doc = json!({
        "sandbox": sandbox.base_url(),
        "kazi": kazi,
        "keyavi": keyavi,
        "kaisa": kaisa,
        "okq8": okq8,
        "traffic": traffic_json,
    });
    out.emit(&doc, || vec![traffic]);
    let _ = sandbox.shutdown().await;
    Ok(())
}

fn section(out: Output, title: &str) {
    if out.is_table() {
        println!("=== {title} ===\n");
    }
}

fn show(out: Output, tables: &[Table]) {
    if out.is_table() {
        for t in tables {
            println!("{}", t.render());
        }
    }
}

async fn kazi(sandbox: &Sandbox, out: Output) -> Result<Value, Failure> {
    let s = sandbox.kazi();
    let fail = |e: kazi_tagging::Error| Failure::from_sdk(Vendor::Kazi, &e);
    section(
        out,
        "Kazi Tagging: Azure AD v1 (resource), subscription key",
    );
    let client = trusting!(
        kazi_tagging::Client::builder()
            .client_credentials(s.client_id.as_str(), s.client_secret.as_str())
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let token = client.token().await.map_err(fail)?;
    let expectations = client.expectations().list().await.map_err(fail)?;
    let first_page = client
        .talent_scans()
        .matches(s.known_talent_scan_id.as_str())
        .page_size(20)
        .send()
        .await
        .map_err(fail)?;
    let all: Vec<kazi_tagging::JobMatch> = client
        .talent_scans()
        .matches(s.known_talent_scan_id.as_str())
        .page_size(20)
        .stream()
        .try_collect()
        .await
        .map_err(fail)?;
    let mut first_five = kazi_cmd::page_table(&s.known_talent_scan_id, &first_page);
    first_five = truncate(first_five, &first_page.matches, 5, |m| {
        kazi_cmd::matches_table(
            &format!(
                "Job matches of talent scan {}: page 1 of {} (first 5 rows)",
                s.known_talent_scan_id,
                first_page.pagination.amount_of_pages.unwrap_or(0)
            ),
            m,
        )
    });
    // A client registered without `read:expectations`: the error names the role.
    let limited = trusting!(
        kazi_tagging::Client::builder()
            .client_credentials(
                s.limited_client_id.as_str(),
                s.limited_client_secret.as_str(),
            )
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let refused = match limited.expectations().list().await {
        Ok(_) => "unexpectedly allowed".to_owned(),
        Err(e) => e.to_string(),
    };
    show(
        out,
        &[
            token::table("Kazi", &token, false),
            kazi_cmd::expectations_table(&expectations),
            first_five,
        ],
    );
    if out.is_table() {
        println!(
            "Streamed every page: {} matches in {} pages.\n",
            all.len(),
            first_page.pagination.amount_of_pages.unwrap_or(0)
        );
        println!(
            "A client without read:expectations gets a typed error:\n  {}\n",
            terminal_safe(&refused)
        );
    }
    Ok(json!({
        "token": token::summary(&token),
        "expectations": expectations,
        "matches_page_1": first_page,
        "matches_streamed": all.len(),
        "missing_role_error": refused,
    }))
}

async fn keyavi(sandbox: &Sandbox, out: Output) -> Result<Value, Failure> {
    let s = sandbox.keyavi();
    let fail = |e: keyavi::Error| Failure::from_sdk(Vendor::Keyavi, &e);
    section(
        out,
        "Keyavi: Azure AD v2, app mode (client credentials + caller id) and user mode (password)",
    );
    let caller = keyavi::CallerId::parse(s.caller_id.as_str())
        .map_err(|e| Failure::from_config(Vendor::Keyavi, &e))?;
    let app = trusting!(
        keyavi::Client::builder()
            .app(s.client_id.as_str(), s.client_secret.as_str(), caller)
            .tenant(s.tenant.as_str())
            .app_id(s.app_id.as_str())
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let user = trusting!(
        keyavi::Client::builder()
            .user(
                s.client_id.as_str(),
                s.username.as_str(),
                s.password.as_str(),
            )
            .client_secret(s.client_secret.as_str())
            .tenant(s.tenant.as_str())
            .app_id(s.app_id.as_str())
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let app_token = app.token().await.map_err(fail)?;
    let user_token = user.token().await.map_err(fail)?;
    let document = b"Quarterly report: revenue up 12%, do not forward.".to_vec();
    let payload = app
        .payloads()
        .protect_remote(document, "q3-report.txt")
        .send()
        .await
        .map_err(fail)?;
    let page = app.logs().payload().page(1).send().await.map_err(fail)?;
    let full: Vec<keyavi::FullPayloadLog> = user
        .logs()
        .full_payload()
        .stream()
        .try_collect()
        .await
        .map_err(fail)?;
    let none = crate::output::PageInfo::default();
    let page_table = truncate(
        keyavi_cmd::logs_table(&page.data, &none),
        &page.data,
        5,
        |d| {
            let mut t = keyavi_cmd::logs_table(d, &none);
            t.set_title(format!(
                "Keyavi payload logs: page 1 of {} (first 5 rows)",
                page.pagination.total_pages().unwrap_or(0)
            ));
            t
        },
    );
    show(
        out,
        &[
            token::table("Keyavi app-mode", &app_token, false),
            token::table("Keyavi user-mode", &user_token, false),
            keyavi_cmd::protect_table(&payload, "(kept in memory by the demo)"),
            page_table,
        ],
    );
    if out.is_table() {
        println!(
            "Streamed every page of the full log (user mode): {} entries.\n",
            full.len()
        );
    }
    Ok(json!({
        "app_token": token::summary(&app_token),
        "user_token": token::summary(&user_token),
        "protected": keyavi_cmd::protect_summary(&payload, ""),
        "logs_page_1": page,
        "full_logs_streamed": full.len(),
    }))
}

async fn kaisa(sandbox: &Sandbox, out: Output) -> Result<Value, Failure> {
    let s = sandbox.kaisa();
    let fail = |e: kaisa::Error| Failure::from_sdk(Vendor::Kaisa, &e);
    section(out, "Kaisa: generic token endpoint (300 s tokens), REST v2");
    let client = trusting!(
        kaisa::Client::builder()
            .client_credentials(s.client_id.as_str(), s.client_secret.as_str())
            .api_version(s.api_version.as_str())
            .token_format(kaisa::TokenFormat::Json)
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let token = client.token().await.map_err(fail)?;
    let ping = client.ping().await.map_err(fail)?;
    let customers = client.customers().list().await.map_err(fail)?;
    let sources = client.sources().list().await.map_err(fail)?;
    let cdrs: Vec<kaisa::Cdr> = client
        .statistics()
        .cdrs_out()
        .page_size(1000)
        .stream()
        .try_collect()
        .await
        .map_err(fail)?;
    let first = cdrs.get(..5).unwrap_or(&cdrs);
    let mut cdr_table = kaisa_cmd::cdrs_table(first, &crate::output::PageInfo::default());
    cdr_table.set_title(format!(
        "Kaisa outgoing calls: {} streamed in pages of 1000 (first 5 shown)",
        cdrs.len()
    ));
    let mut ping_table = Table::new("Kaisa ping", &["answer"]);
    ping_table.row([ping.ping.clone().unwrap_or_default()]);
    show(
        out,
        &[
            token::table("Kaisa", &token, false),
            ping_table,
            kaisa_cmd::customers_table(&customers),
            kaisa_cmd::sources_table(&sources),
            cdr_table,
        ],
    );
    Ok(json!({
        "token": token::summary(&token),
        "ping": ping,
        "customers": customers,
        "sources": sources,
        "cdrs_streamed": cdrs.len(),
    }))
}

async fn okq8(sandbox: &Sandbox, out: Output) -> Result<Value, Failure> {
    let s = sandbox.okq8();
    let fail = |e: okq8::Error| Failure::from_sdk(Vendor::Okq8, &e);
    section(
        out,
        "OKQ8: Azure AD v2 client credentials behind API Management, and a key-only product",
    );
    let client = trusting!(
        okq8::Client::builder()
            .client_credentials(s.client_id.as_str(), s.client_secret.as_str())
            .tenant(s.tenant.as_str())
            .scope(s.scope.as_str())
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str())
            .token_url(s.token_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let token = client.token().await.map_err(fail)?;
    let first_page: Value = client
        .get("core/v1/stations")
        .query(&[("page", 1)])
        .await
        .map_err(fail)?;
    let stations: Vec<Value> = client
        .paged("core/v1/stations")
        .stream()
        .try_collect()
        .await
        .map_err(fail)?;
    let public = trusting!(
        okq8::Client::builder()
            .subscription_key_only()
            .subscription_key(s.subscription_key.as_str())
            .base_url(s.base_url.as_str()),
        sandbox
    )
    .build()
    .map_err(fail)?;
    let prices: Value = public.get("public/v1/prices").await.map_err(fail)?;
    show(
        out,
        &[
            token::table("OKQ8", &token, false),
            okq8_cmd::json_table("OKQ8 GET core/v1/stations?page=1", &first_page),
            okq8_cmd::json_table(
                "OKQ8 GET public/v1/prices (subscription key only, no token)",
                &prices,
            ),
        ],
    );
    if out.is_table() {
        println!("Streamed every page of stations: {}.\n", stations.len());
    }
    Ok(json!({
        "token": token::summary(&token),
        "stations_page_1": first_page,
        "stations_streamed": stations.len(),
        "prices": prices,
    }))
}

/// Keeps `table` when `rows` has at most `keep` rows, else rebuilds it from the
/// first `keep` rows with `rebuild`.
fn truncate<T>(table: Table, rows: &[T], keep: usize, rebuild: impl Fn(&[T]) -> Table) -> Table {
    if rows.len() <= keep {
        table
    } else {
        rebuild(&rows[..keep])
    }
}
