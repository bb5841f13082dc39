//! `vendorctl keyavi ...`: the Keyavi API.

use std::path::PathBuf;

use clap::Subcommand;
use futures_util::TryStreamExt;
use keyavi::api::LogQuery;
use keyavi::{Client, ClientBuilder, FullPayloadLog, PayloadLog, ProtectedPayload};
use serde_json::json;

use crate::errors::{Failure, Vendor};
use crate::output::{Output, Table};
use crate::Global;

/// Keyavi commands.
#[derive(Debug, Subcommand)]
pub enum KeyaviCommand {
    /// Protect a file remotely and save the protected .IKD file.
    Protect {
        /// The file to protect.
        file: PathBuf,
        /// Where to write the .IKD file (default: the file's name with .ikd added).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Audit logs of payload access.
    Logs {
        /// The full log, with personal data (user names, emails, network).
        #[arg(long)]
        full: bool,
        /// Fetch every page.
        #[arg(long)]
        all: bool,
        /// Page to fetch (from 1).
        #[arg(long)]
        page: Option<u32>,
        /// Only this action (e.g. Decrypt, Audit).
        #[arg(long)]
        action: Option<String>,
        /// Only this result (e.g. AccessDenied).
        #[arg(long)]
        result: Option<String>,
    },
}

/// The Keyavi client configured from the KEYAVI_* variables.
pub fn client(global: &Global) -> Result<Client, Failure> {
    ClientBuilder::from_env()
        .and_then(|b| b.allow_insecure_loopback(global.insecure_loopback).build())
        .map_err(|e| Failure::from_sdk(Vendor::Keyavi, &e))
}

/// Runs a Keyavi command.
pub async fn run(cmd: KeyaviCommand, global: &Global, out: Output) -> Result<(), Failure> {
    let client = client(global)?;
    let fail = |e: keyavi::Error| Failure::from_sdk(Vendor::Keyavi, &e);
    match cmd {
        KeyaviCommand::Protect { file, out: target } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".to_owned());
            let payload = client
                .payloads()
                .protect_remote(bytes, name)
                .send()
                .await
                .map_err(fail)?;
            let target = target.unwrap_or_else(|| {
                let mut p = file.clone().into_os_string();
                p.push(".ikd");
                PathBuf::from(p)
            });
            let ikd = payload.ikd_bytes().ok_or_else(|| {
                Failure::other("Keyavi: the answer holds no protected file (.IKD) content")
            })?;
            std::fs::write(&target, ikd)
                .map_err(|e| Failure::other(format!("cannot write {}: {e}", target.display())))?;
            let value = protect_summary(&payload, &target.display().to_string());
            out.emit(&value, || {
                vec![protect_table(&payload, &target.display().to_string())]
            });
        }
        KeyaviCommand::Logs {
            full,
            all,
            page,
            action,
            result,
        } => {
            if full {
                let q = filters(client.logs().full_payload(), page, &action, &result);
                let items: Vec<FullPayloadLog> = if all {
                    q.stream().try_collect().await.map_err(fail)?
                } else {
                    q.send().await.map_err(fail)?.data
                };
                out.emit(&items, || vec![full_logs_table(&items)]);
            } else {
                let q = filters(client.logs().payload(), page, &action, &result);
                let items: Vec<PayloadLog> = if all {
                    q.stream().try_collect().await.map_err(fail)?
                } else {
                    q.send().await.map_err(fail)?.data
                };
                out.emit(&items, || vec![logs_table(&items)]);
            }
        }
    }
    Ok(())
}

/// Applies the command line's filters to a log query.
fn filters<'a, T>(
    mut q: LogQuery<'a, T>,
    page: Option<u32>,
    action: &Option<String>,
    result: &Option<String>,
) -> LogQuery<'a, T> {
    if let Some(p) = page {
        q = q.page(p);
    }
    if let Some(a) = action {
        q = q.action_attempted(a.as_str());
    }
    if let Some(r) = result {
        q = q.result(r.as_str());
    }
    q
}

/// What protect-remote returned, as JSON.
pub fn protect_summary(payload: &ProtectedPayload, saved_to: &str) -> serde_json::Value {
    json!({
        "payload_id": payload.payload_id,
        "payload_name": payload.payload_name,
        "ikd_bytes": payload.ikd_bytes().map(<[u8]>::len),
        "saved_to": saved_to,
    })
}

/// What protect-remote returned, as a table.
pub fn protect_table(payload: &ProtectedPayload, saved_to: &str) -> Table {
    let mut t = Table::new("Keyavi protected payload", &["field", "value"]);
    t.row([
        "payload id".to_owned(),
        payload
            .payload_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    ]);
    t.row([
        "name".to_owned(),
        payload.payload_name.clone().unwrap_or_default(),
    ]);
    t.row([
        ".IKD size".to_owned(),
        format!(
            "{} bytes",
            payload.ikd_bytes().map(<[u8]>::len).unwrap_or(0)
        ),
    ]);
    t.row(["saved to", saved_to]);
    t
}

/// Audit log entries (no personal data) as a table.
pub fn logs_table(items: &[PayloadLog]) -> Table {
    let mut t = Table::new(
        format!("Keyavi payload logs ({})", items.len()),
        &[
            "log id",
            "time (UTC)",
            "payload",
            "action",
            "result",
            "reason",
        ],
    );
    for l in items {
        t.row([
            l.log_id.map(|v| v.to_string()).unwrap_or_default(),
            l.log_timestamp
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.payload_name.clone().unwrap_or_default(),
            l.action_attempted
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.result
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.result_reason.clone().unwrap_or_default(),
        ]);
    }
    t
}

/// Full audit log entries as a table.
pub fn full_logs_table(items: &[FullPayloadLog]) -> Table {
    let mut t = Table::new(
        format!("Keyavi full payload logs ({})", items.len()),
        &[
            "log id",
            "time (UTC)",
            "user",
            "payload",
            "action",
            "result",
            "ip",
        ],
    );
    for l in items {
        t.row([
            l.log_id.map(|v| v.to_string()).unwrap_or_default(),
            l.log_timestamp
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.user_email_address.clone().unwrap_or_default(),
            l.payload_name.clone().unwrap_or_default(),
            l.action_attempted
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.result
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            l.user_network
                .as_ref()
                .and_then(|n| n.ip_address.clone())
                .unwrap_or_default(),
        ]);
    }
    t
}
