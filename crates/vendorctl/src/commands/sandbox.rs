//! `vendorctl sandbox`: the local server, for trying the CLI and the SDKs.

use std::path::PathBuf;

use vendor_sandbox::{Sandbox, SandboxConfig, SandboxTls};

use crate::errors::Failure;
use crate::output::{Format, Output};

/// The credentials the sandbox accepts beyond those of `env_vars`, each with the
/// variables that select it.
fn other_credentials(sandbox: &Sandbox) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let (kazi, keyavi, okq8) = (sandbox.kazi(), sandbox.keyavi(), sandbox.okq8());
    vec![
        (
            "Kazi client without read:expectations",
            vec![
                ("KAZI_CLIENT_ID", kazi.limited_client_id),
                ("KAZI_CLIENT_SECRET", kazi.limited_client_secret),
            ],
        ),
        (
            "Keyavi client with Logs.Read only",
            vec![
                ("KEYAVI_CLIENT_ID", keyavi.logs_only_client_id),
                ("KEYAVI_CLIENT_SECRET", keyavi.logs_only_client_secret),
            ],
        ),
        (
            "Keyavi user mode (password grant)",
            vec![
                ("KEYAVI_USERNAME", keyavi.username),
                ("KEYAVI_PASSWORD", keyavi.password),
            ],
        ),
        (
            "OKQ8 key of the Public product only",
            vec![("OKQ8_SUBSCRIPTION_KEY", okq8.other_product_subscription_key)],
        ),
    ]
}

/// Prints a line on stdout, ignoring a closed pipe (`vendorctl sandbox | head`):
/// the server keeps serving whoever reads its variables.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill`, systemd and
/// container runtimes send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The TLS directory: the one given, else a new one under the temp dir, created here
/// (readable by its owner only) so that no directory planted in a shared temp dir,
/// nor a CA in it, is ever used.
fn tls_dir(given: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "vendorctl-sandbox-tls-{}-{nanos:09}",
        std::process::id()
    ));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(&dir).map_err(|e| {
        Failure::other(format!(
            "cannot create the sandbox's TLS directory {}: {e}",
            dir.display()
        ))
    })?;
    Ok(dir)
}

/// Starts the sandbox on `port` (over https with `tls`: `Some(dir)`), prints the
/// variables to export, serves until Ctrl-C or SIGTERM, then shuts down gracefully.
pub async fn run(port: u16, tls: Option<Option<PathBuf>>, out: Output) -> Result<(), Failure> {
    let mut config = SandboxConfig::default().with_port(port);
    if let Some(dir) = tls {
        let dir = tls_dir(dir)?;
        let material = SandboxTls::in_dir(&dir).map_err(|e| {
            Failure::other(format!(
                "cannot prepare the sandbox's TLS files in {}: {e}",
                dir.display()
            ))
        })?;
        config = config.with_tls(material);
    }
    let mut sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::other(format!("cannot start the sandbox: {e}")))?;
    let mut vars = sandbox.env_vars();
    if sandbox.tls().is_none() {
        vars.push(("VENDORCTL_INSECURE_LOOPBACK".to_owned(), "1".to_owned()));
    }
    let others = other_credentials(&sandbox);
    if !out.is_table() {
        let map: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        let others: serde_json::Map<String, serde_json::Value> = others
            .iter()
            .map(|(what, vars)| {
                let vars: serde_json::Map<String, serde_json::Value> = vars
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v.as_str())))
                    .collect();
                ((*what).to_owned(), serde_json::Value::Object(vars))
            })
            .collect();
        let doc = serde_json::json!({
            "base_url": sandbox.base_url(),
            "tls_dir": sandbox.tls().and_then(SandboxTls::dir).map(|d| d.display().to_string()),
            "env": map,
            "other_credentials": others,
        });
        if out.format == Format::Json {
            // One line, so that a reader can take it before the server stops.
            say!("{doc}");
        } else {
            out.emit(&doc, Vec::new);
        }
    } else {
        eprintln!(
            "# vendor sandbox listening on {} (Ctrl-C to stop); in another shell:",
            sandbox.base_url()
        );
        for (k, v) in &vars {
            say!("export {k}='{v}'");
        }
        say!("# The secrets are new for each run of the sandbox, which accepts no other.");
        if let Some(dir) = sandbox.tls().and_then(SandboxTls::dir) {
            say!(
                "# TLS: CA and server certificate in {} (the CA is reused with --tls-dir {0});",
                dir.display()
            );
            say!(
                "# Entra ID authority of a tenant: {}/<tenant> (OpenID configuration at",
                sandbox.base_url()
            );
            say!("#   <authority>/v2.0/.well-known/openid-configuration, keys at <authority>/discovery/v2.0/keys).");
        }
        say!("# Its other credentials, to see how the APIs refuse a caller:");
        for (what, vars) in &others {
            let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}='{v}'")).collect();
            say!("#   {what}: {}", vars.join(" "));
        }
    }
    tokio::select! {
        r = sandbox.wait() => r.map_err(|e| Failure::other(format!("the sandbox stopped: {e}")))?,
        () = stop_signal() => {
            eprintln!("# stopping");
            sandbox
                .shutdown()
                .await
                .map_err(|e| Failure::other(format!("the sandbox did not stop cleanly: {e}")))?;
        }
    }
    Ok(())
}
