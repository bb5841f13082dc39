//! `vendorctl okq8 ...`: generic calls to OKQ8's APIs.

use clap::Subcommand;
use okq8::Client;

use crate::catalog::{self, Purpose};
use crate::errors::{Failure, Vendor};
use crate::output::{Output, Table};
use crate::Global;

/// OKQ8 commands.
#[derive(Debug, Subcommand)]
pub enum Okq8Command {
    /// GET a path of the OKQ8 API and print the JSON answer.
    Get {
        /// Path relative to OKQ8_BASE_URL, e.g. core/v1/stations.
        path: String,
        /// Query parameters as key=value (repeatable).
        #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
        query: Vec<String>,
    },
}

/// The OKQ8 client configured from the OKQ8_* variables (key-only without a client id).
pub fn client(global: &Global) -> Result<Client, Failure> {
    client_for(global, Purpose::Api)
}

/// The OKQ8 client for `purpose`, after checking every variable it needs at once
/// (the SDK's own errors remain the fallback). For the token alone neither the
/// subscription key nor the base URL is required: placeholders the token request
/// never uses stand in.
pub fn client_for(global: &Global, purpose: Purpose) -> Result<Client, Failure> {
    catalog::of(Vendor::Okq8).require(purpose, global.insecure_loopback)?;
    let mut builder = Client::builder();
    if purpose == Purpose::Token {
        builder = builder
            .subscription_key(catalog::UNUSED_BY_THE_TOKEN)
            .base_url(catalog::UNUSED_BASE_URL);
    }
    builder
        .read_env()
        .map(|b| crate::token_cache::apply!(b, global))
        .and_then(|b| {
            if global.insecure_loopback {
                b.allow_insecure_loopback(true).build()
            } else {
                b.build()
            }
        })
        .map_err(|e| Failure::from_sdk(Vendor::Okq8, &e))
}

/// Runs an OKQ8 command.
pub async fn run(cmd: Okq8Command, global: &Global, out: Output) -> Result<(), Failure> {
    let client = client(global)?;
    match cmd {
        Okq8Command::Get { path, query } => {
            let pairs = parse_query(&query)?;
            let value: serde_json::Value = client
                .get(path.as_str())
                .query(&pairs)
                .await
                .map_err(|e| Failure::from_sdk(Vendor::Okq8, &e))?;
            out.emit(&value, || {
                vec![json_table(&format!("OKQ8 GET {path}"), &value)]
            });
        }
    }
    Ok(())
}

fn parse_query(items: &[String]) -> Result<Vec<(String, String)>, Failure> {
    items
        .iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Failure::usage(format!("--query `{item}`: expected KEY=VALUE")))
        })
        .collect()
}

/// A JSON answer as a table: the rows of its first array of objects (`items`, `data`
/// or the document itself), else its top-level fields.
pub fn json_table(title: &str, value: &serde_json::Value) -> Table {
    let rows = match value {
        serde_json::Value::Array(a) => Some(a),
        serde_json::Value::Object(m) => m.values().find_map(|v| v.as_array()),
        _ => None,
    }
    .filter(|a| a.iter().all(serde_json::Value::is_object) && !a.is_empty());
    match rows {
        Some(rows) => {
            let mut headers: Vec<String> = Vec::new();
            for row in rows {
                if let Some(obj) = row.as_object() {
                    for k in obj.keys() {
                        if !headers.contains(k) && headers.len() < 6 {
                            headers.push(k.clone());
                        }
                    }
                }
            }
            let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let mut t = Table::new(format!("{title} ({} items)", rows.len()), &refs);
            for row in rows {
                t.row(headers.iter().map(|h| cell(&row[h.as_str()])));
            }
            t
        }
        None => {
            let mut t = Table::new(title, &["field", "value"]);
            if let Some(obj) = value.as_object() {
                for (k, v) in obj {
                    t.row([k.clone(), cell(v)]);
                }
            } else {
                t.row(["value".to_owned(), cell(value)]);
            }
            t
        }
    }
}

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
