//! `vendorctl keyavi ...`: the Keyavi API.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use keyavi::ListLogsRequest;
use keyavi::{Client, ClientBuilder, FullPayloadLog, PayloadLog, ProtectedPayload};
use serde_json::json;

use crate::catalog::{self, Purpose, Value};
use crate::errors::{Failure, Vendor};
use crate::output::{rfc3339, with_rfc3339, Output, PageInfo, Table};
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
        /// Fetch every page (progress on stderr when it is a terminal).
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many records.
        #[arg(long, requires = "all", value_name = "N")]
        max_items: Option<usize>,
        /// Page to fetch (from 1).
        #[arg(long)]
        page: Option<u32>,
        /// Only this action (e.g. Decrypt, Audit).
        #[arg(long)]
        action: Option<String>,
        /// Only this result (e.g. AccessDenied).
        #[arg(long)]
        result: Option<String>,
        /// Records per page (1 to 1000; the server's default otherwise).
        #[arg(long, value_name = "N")]
        page_size: Option<u32>,
        /// Only records logged at or after this time (UTC): 2023-05-05T15:54:22,
        /// an RFC 3339 time, or 2023-05-05.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only records logged up to this time (UTC), written as --since.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// The order: newest or oldest first, or Keyavi's own +Field / -Field.
        #[arg(long, value_name = "ORDER", allow_hyphen_values = true)]
        sort: Option<String>,
        /// Another query parameter Keyavi documents, as NAME=VALUE (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
}

/// The command line's log parameters beyond the page.
struct LogArgs {
    page: Option<u32>,
    action: Option<String>,
    result: Option<String>,
    page_size: Option<u32>,
    since: Option<keyavi::LocalTimestamp>,
    until: Option<keyavi::LocalTimestamp>,
    sort: Option<keyavi::LogSort>,
    params: Vec<(String, String)>,
}

/// A time given on the command line, as Keyavi writes it: a Keyavi or RFC 3339
/// timestamp (any offset, converted to UTC), or a date (midnight UTC).
fn log_time(flag: &str, text: &str) -> Result<keyavi::LocalTimestamp, Failure> {
    let text = text.trim();
    let parsed = keyavi::LocalTimestamp::parse(text)
        .or_else(|_| keyavi::LocalTimestamp::parse(&format!("{text}T00:00:00")));
    parsed
        .ok()
        .and_then(|t| keyavi::LocalTimestamp::try_from(t.as_offset_date_time()).ok())
        .ok_or_else(|| {
            Failure::usage(format!(
                "{flag} `{text}` is not a time: write 2023-05-05T15:54:22, 2023-05-05T17:54:22+02:00 or 2023-05-05"
            ))
        })
}

/// `newest`, `oldest` or Keyavi's `+Field` / `-Field`.
fn log_sort(text: &str) -> Result<keyavi::LogSort, Failure> {
    match text.trim().to_ascii_lowercase().as_str() {
        "newest" | "newest-first" => Ok(keyavi::LogSort::newest_first()),
        "oldest" | "oldest-first" => Ok(keyavi::LogSort::oldest_first()),
        "" => Err(Failure::usage(
            "--sort needs newest, oldest, +Field or -Field",
        )),
        _ => Ok(keyavi::LogSort::from(text)),
    }
}

impl LogArgs {
    #[allow(clippy::too_many_arguments)]
    fn parse(
        page: Option<u32>,
        action: Option<String>,
        result: Option<String>,
        page_size: Option<u32>,
        since: Option<String>,
        until: Option<String>,
        sort: Option<String>,
        params: Vec<String>,
    ) -> Result<Self, Failure> {
        let params = params
            .iter()
            .map(|p| match p.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
                _ => Err(Failure::usage(format!("--param `{p}` must be NAME=VALUE"))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            page,
            action,
            result,
            page_size,
            since: since.map(|t| log_time("--since", &t)).transpose()?,
            until: until.map(|t| log_time("--until", &t)).transpose()?,
            sort: sort.map(|s| log_sort(&s)).transpose()?,
            params,
        })
    }
}

/// The Keyavi client configured from the KEYAVI_* variables.
pub fn client(global: &Global) -> Result<Client, Failure> {
    client_for(global, Purpose::Api)
}

/// The Keyavi client for `purpose`, after checking every variable it needs at once
/// (the SDK's own errors remain the fallback). For the token alone the subscription
/// key, the base URL and (app mode) the caller id are not required: placeholders
/// stand in, which only API calls would use.
pub fn client_for(global: &Global, purpose: Purpose) -> Result<Client, Failure> {
    catalog::of(Vendor::Keyavi).require(purpose, global.insecure_loopback)?;
    let mut builder = Client::builder();
    if purpose == Purpose::Token {
        builder = token_only(builder).map_err(|e| Failure::from_sdk(Vendor::Keyavi, &e))?;
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
        .inspect(|client| {
            // Accepted, but likely wrong: with --verbose said up front on stderr;
            // otherwise added to the error line if the token or the API refuses.
            if global.verbose {
                for warning in client.warnings() {
                    eprintln!("warning: Keyavi: {}", crate::output::terminal_safe(warning));
                }
            }
        })
        .map_err(|e| Failure::from_sdk(Vendor::Keyavi, &e))
}

/// `builder` with placeholders for what the token request does not use.
fn token_only(builder: ClientBuilder) -> keyavi::Result<ClientBuilder> {
    let set = |name: &str| !matches!(Value::of_env(name), Value::Unset);
    let mut builder = builder
        .subscription_key(catalog::UNUSED_BY_THE_TOKEN)
        .base_url(catalog::UNUSED_BASE_URL);
    if !set("KEYAVI_USERNAME") && !set("KEYAVI_CALLER_ID") {
        builder = builder.caller_id(keyavi::CallerId::parse(catalog::UNUSED_CALLER_ID)?);
        // With a mode chosen, read_env no longer falls back to Azure's federated
        // token file: hand it over as read_env would have.
        let credentials = [
            "KEYAVI_CLIENT_SECRET",
            "KEYAVI_CLIENT_CERTIFICATE_PATH",
            "KEYAVI_FEDERATED_TOKEN_FILE",
            "KEYAVI_USE_MANAGED_IDENTITY",
        ];
        if !credentials.iter().any(|n| set(n)) {
            if let Value::Set(path) = Value::of_env(catalog::AZURE_FEDERATED_TOKEN_FILE) {
                let client_id = match Value::of_env("KEYAVI_CLIENT_ID") {
                    Value::Set(id) => id,
                    _ => String::new(),
                };
                builder = builder.federated_token_file(client_id, path);
            }
        }
    }
    Ok(builder)
}

/// Runs a Keyavi command.
pub async fn run(cmd: KeyaviCommand, global: &Global, out: Output) -> Result<(), Failure> {
    let client = client(global)?;
    let fail = |e: keyavi::Error| {
        let mut failure = Failure::from_sdk(Vendor::Keyavi, &e);
        if matches!(e, keyavi::Error::Token(_) | keyavi::Error::Auth(_)) {
            for warning in client.warnings() {
                failure.message.push_str(&format!(" (note: {warning})"));
            }
        }
        failure
    };
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
            max_items,
            page,
            action,
            result,
            page_size,
            since,
            until,
            sort,
            params,
        } => {
            let args = LogArgs::parse(page, action, result, page_size, since, until, sort, params)?;
            if full {
                let q = filters(client.logs().full_payload(), &args);
                let (items, info) = logs(q, all, max_items, out, "Keyavi full payload logs")
                    .await
                    .map_err(fail)?;
                let values = with_rfc3339(&items, TIMESTAMPS, keyavi_time);
                out.emit_list(&values, Some(&info), || {
                    vec![full_logs_table(&items, &info)]
                });
            } else {
                let q = filters(client.logs().payload(), &args);
                let (items, info) = logs(q, all, max_items, out, "Keyavi payload logs")
                    .await
                    .map_err(fail)?;
                let values = with_rfc3339(&items, TIMESTAMPS, keyavi_time);
                out.emit_list(&values, Some(&info), || vec![logs_table(&items, &info)]);
            }
        }
    }
    Ok(())
}

/// The JSON keys of Keyavi's timestamps, rewritten as RFC 3339 in the output.
const TIMESTAMPS: &[&str] = &["logTimestamp", "createdOn"];

/// A Keyavi timestamp (UTC when it says no offset) as an instant.
fn keyavi_time(text: &str) -> Option<time::OffsetDateTime> {
    keyavi::LocalTimestamp::parse(text)
        .ok()
        .map(|t| t.as_offset_date_time())
}

/// One page of logs, or every page (`all`), with where it stands.
async fn logs<T>(
    q: ListLogsRequest<T>,
    all: bool,
    max_items: Option<usize>,
    out: Output,
    label: &str,
) -> Result<(Vec<T>, PageInfo), keyavi::Error>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    if all {
        return super::collect_all(q.pages(), max_items, out, label).await;
    }
    let page = q.send().await?;
    let p = &page.pagination;
    let info = PageInfo {
        page: p.page,
        page_size: p.page_size,
        total_pages: p.total_pages(),
        total_items: p.total_records,
        ..PageInfo::default()
    };
    Ok((page.data, info))
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
fn filters<T>(mut q: ListLogsRequest<T>, args: &LogArgs) -> ListLogsRequest<T> {
    if let Some(p) = args.page {
        q = q.page(p);
    }
    if let Some(a) = &args.action {
        q = q.action_attempted(a.as_str());
    }
    if let Some(r) = &args.result {
        q = q.result(r.as_str());
    }
    if let Some(size) = args.page_size {
        q = q.page_size(size);
    }
    if let Some(since) = &args.since {
        q = q.start_time(since.clone());
    }
    if let Some(until) = &args.until {
        q = q.end_time(until.clone());
    }
    if let Some(sort) = &args.sort {
        q = q.sort(sort.clone());
    }
    for (name, value) in &args.params {
        q = q.param(name.as_str(), value.as_str());
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
pub fn logs_table(items: &[PayloadLog], info: &PageInfo) -> Table {
    let mut t = Table::new(
        info.title("Keyavi payload logs", items.len()),
        &["log id", "time", "payload", "action", "result", "reason"],
    );
    for l in items {
        t.row([
            l.log_id.map(|v| v.to_string()).unwrap_or_default(),
            l.log_timestamp
                .as_ref()
                .map(|t| rfc3339(t.as_offset_date_time()))
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
pub fn full_logs_table(items: &[FullPayloadLog], info: &PageInfo) -> Table {
    let mut t = Table::new(
        info.title("Keyavi full payload logs", items.len()),
        &[
            "log id", "time", "user", "payload", "action", "result", "ip",
        ],
    );
    for l in items {
        t.row([
            l.log_id.map(|v| v.to_string()).unwrap_or_default(),
            l.log_timestamp
                .as_ref()
                .map(|t| rfc3339(t.as_offset_date_time()))
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
