//! `vendorctl`: call and diagnose the Kazi, Keyavi, Kaisa and OKQ8 APIs from the
//! shell, or watch all four work end to end against the built-in sandbox with
//! `vendorctl demo`.

mod commands;
mod errors;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::errors::Failure;
use crate::output::Output;

/// Call the Kazi, Keyavi, Kaisa and OKQ8 APIs, or run the demo against the sandbox.
///
/// Real use is configured from environment variables (KAZI_*, KEYAVI_*, KAISA_*,
/// OKQ8_*), optionally loaded from a file with --env-file.
#[derive(Debug, Parser)]
#[command(name = "vendorctl", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// Send tracing events (no secrets) to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Allow plain http:// URLs, to loopback hosts only (for the sandbox).
    #[arg(long, global = true, env = "VENDORCTL_INSECURE_LOOPBACK", value_parser = clap::builder::BoolishValueParser::new())]
    pub insecure_loopback: bool,
    /// Load KEY=VALUE lines into the environment first (variables already set win).
    #[arg(long, global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox in-process and call every vendor's endpoints through the SDKs.
    Demo,
    /// Run the sandbox server and print the environment variables to export.
    Sandbox {
        /// Port to listen on (127.0.0.1).
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
    /// Get a token and show its claims (roles, expiry); the token itself stays hidden.
    Token {
        /// The vendor.
        vendor: VendorArg,
        /// Also print the raw access token.
        #[arg(long)]
        show_token: bool,
    },
    /// Kazi Tagging API.
    #[command(subcommand)]
    Kazi(commands::kazi::KaziCommand),
    /// Keyavi API.
    #[command(subcommand)]
    Keyavi(commands::keyavi::KeyaviCommand),
    /// Kaisa API.
    #[command(subcommand)]
    Kaisa(commands::kaisa::KaisaCommand),
    /// OKQ8 APIs (generic calls through Azure API Management).
    #[command(subcommand)]
    Okq8(commands::okq8::Okq8Command),
}

/// A vendor named on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VendorArg {
    /// Kazi Tagging.
    Kazi,
    /// Keyavi.
    Keyavi,
    /// Kaisa.
    Kaisa,
    /// OKQ8.
    Okq8,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.global.verbose {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("debug,hyper=info,reqwest=info,h2=info")
                }),
            )
            .try_init();
    }
    if let Some(path) = &cli.global.env_file {
        if let Err(failure) = load_env_file(path) {
            eprintln!("{}", failure.line());
            return ExitCode::from(failure.code);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = Output {
        json: cli.global.json,
    };
    let global = cli.global.clone();
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo => commands::demo::run(out).await,
            Command::Sandbox { port } => commands::sandbox::run(port, out).await,
            Command::Token { vendor, show_token } => {
                commands::token::run(vendor, show_token, &global, out).await
            }
            Command::Kazi(cmd) => commands::kazi::run(cmd, &global, out).await,
            Command::Keyavi(cmd) => commands::keyavi::run(cmd, &global, out).await,
            Command::Kaisa(cmd) => commands::kaisa::run(cmd, &global, out).await,
            Command::Okq8(cmd) => commands::okq8::run(cmd, &global, out).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.line());
            ExitCode::from(failure.code)
        }
    }
}

/// Reads `KEY=VALUE` lines (blank lines and `#` comments skipped, `export ` and
/// quotes allowed) into the environment, without overriding variables already set.
fn load_env_file(path: &std::path::Path) -> Result<(), Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err(Failure::usage(format!(
                "{}:{}: expected KEY=VALUE",
                path.display(),
                n + 1
            )));
        };
        let key = key.trim();
        let value = value.trim().trim_matches('"').trim_matches('\'');
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Failure::usage(format!(
                "{}:{}: `{key}` is not a variable name",
                path.display(),
                n + 1
            )));
        }
        if std::env::var_os(key).is_none() {
            // Single-threaded here: the runtime is not started yet.
            std::env::set_var(key, value);
        }
    }
    Ok(())
}
