//! `vendorctl keyavi ...`: the Keyavi API.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use futures_util::TryStreamExt;
use keyavi::ListLogsRequest;
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
        /// An existing file is kept unless --force; the input is never written over.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the output file if it exists (never the input file).
        #[arg(long)]
        force: bool,
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
        KeyaviCommand::Protect {
            file,
            out: target,
            force,
        } => {
            let bytes = fs::read(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let target = target.unwrap_or_else(|| {
                let mut p = file.clone().into_os_string();
                p.push(".ikd");
                PathBuf::from(p)
            });
            // Refused before anything is sent: the answer would have nowhere to go.
            check_output(&file, &target, force)?;
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
            let ikd = payload.ikd_bytes().ok_or_else(|| {
                Failure::other("Keyavi: the answer holds no protected file (.IKD) content")
            })?;
            write_output(&file, &target, ikd, force)?;
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

/// Whether `a` and `b` name the same existing file, however spelled: through `..`,
/// another directory, a symlink or a hard link. `b` not existing is `false`.
fn same_file(a: &Path, b: &Path) -> io::Result<bool> {
    let b_meta = match fs::metadata(b) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let a_meta = fs::metadata(a)?;
        Ok(a_meta.dev() == b_meta.dev() && a_meta.ino() == b_meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = b_meta;
        Ok(fs::canonicalize(a)? == fs::canonicalize(b)?)
    }
}

/// The rules for the output of `protect`: never the input file, and no existing
/// file (or symlink, even a dangling one) unless `force`.
fn check_output(input: &Path, target: &Path, force: bool) -> Result<(), Failure> {
    let same = same_file(input, target)
        .map_err(|e| Failure::usage(format!("cannot check {}: {e}", target.display())))?;
    if same {
        return Err(Failure::usage(format!(
            "refusing to write the protected file over its input {} (choose another --out)",
            input.display()
        )));
    }
    if !force && fs::symlink_metadata(target).is_ok() {
        return Err(Failure::usage(format!(
            "{} already exists: choose another --out, or add --force to replace it",
            target.display()
        )));
    }
    Ok(())
}

/// Opens a new file at `path` for writing: it must not exist yet (a symlink there
/// is not followed: the open fails), and it is readable by its owner only.
fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to `path`, which `create_new` has just made; the file is
/// removed again if writing fails.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_new(path)?;
    let result = file.write_all(bytes).and_then(|()| file.sync_all());
    if result.is_err() {
        let _ = fs::remove_file(path);
    }
    result
}

/// Saves the protected file at `target` by the rules of [`check_output`], checked
/// again here, at the moment of writing.
///
/// Without `force` the file is created in place with `create_new`, which fails if
/// anything appeared at `target` meanwhile. With `force` it is written to a new
/// temporary file beside `target` and renamed over it: `target` is replaced, never
/// written through (a symlink there is replaced, not followed), and a failed write
/// leaves it as it was.
fn write_output(input: &Path, target: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    check_output(input, target, force)?;
    let cannot = |e: io::Error| Failure::other(format!("cannot write {}: {e}", target.display()));
    if !force {
        return write_new(target, bytes).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                Failure::usage(format!(
                    "{} already exists: choose another --out, or add --force to replace it",
                    target.display()
                ))
            } else {
                cannot(e)
            }
        });
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for attempt in 0..16u32 {
        let temp = dir.join(format!(
            ".{base}.{}.{stamp:08x}{attempt}.tmp",
            std::process::id()
        ));
        match write_new(&temp, bytes) {
            Ok(()) => {
                return fs::rename(&temp, target).map_err(|e| {
                    let _ = fs::remove_file(&temp);
                    cannot(e)
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(cannot(e)),
        }
    }
    Err(cannot(last.unwrap_or_else(|| {
        io::Error::other("no free temporary file name")
    })))
}

/// Applies the command line's filters to a log query.
fn filters<T>(
    mut q: ListLogsRequest<T>,
    page: Option<u32>,
    action: &Option<String>,
    result: &Option<String>,
) -> ListLogsRequest<T> {
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
