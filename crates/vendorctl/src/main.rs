//! `vendorctl`: call and diagnose the Kazi, Keyavi, Kaisa and OKQ8 APIs from the
//! shell, or watch all four work end to end against the built-in sandbox with
//! `vendorctl demo`.

mod catalog;
mod commands;
mod env;
mod errors;
mod output;
mod token_cache;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::{Format, Output};

/// Call the Kazi, Keyavi, Kaisa and OKQ8 APIs, or run the demo against the sandbox.
///
/// Real use is configured from environment variables (KAZI_*, KEYAVI_*, KAISA_*,
/// OKQ8_*), optionally loaded from a file with --env-file.
#[derive(Debug, Parser)]
#[command(
    name = "vendorctl",
    version,
    about,
    long_about = None,
    after_help = "Environment variables, per vendor: `vendorctl help environment` (and `vendorctl <vendor> --help`).\n\nExit codes: 0 success, 2 configuration or usage, 3 refused (the token endpoint refused the credentials, or the API answered 401 or 403), 4 network failure or timeout, 1 anything else."
)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The form of the results: table (for people), json, yaml or tsv (for scripts).
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Print JSON (the same as `-o json`).
    #[arg(long, global = true)]
    pub json: bool,
    /// Send tracing events (no secrets) to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Allow plain http:// URLs, to loopback hosts only (for the sandbox).
    #[arg(long, global = true, env = "VENDORCTL_INSECURE_LOOPBACK", value_parser = clap::builder::BoolishValueParser::new())]
    pub insecure_loopback: bool,
    /// Keep tokens in memory for this run only: no token cache across runs.
    #[arg(long, global = true, env = "VENDORCTL_NO_TOKEN_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_token_cache: bool,
    /// Load KEY=VALUE lines into the environment first (variables already set win).
    #[arg(long, global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Read non-secret settings from this profile of the config file
    /// (`vendorctl config path`); the environment and --env-file win over it.
    #[arg(long, global = true, env = "VENDORCTL_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox in-process and call every vendor's endpoints through the SDKs.
    Demo {
        /// Serve the sandbox over https with a fresh local CA that the SDK clients trust
        /// (no plain-http loopback opt-in).
        #[arg(long)]
        tls: bool,
    },
    /// Run the sandbox server and print the environment variables to export.
    Sandbox {
        /// Port to listen on (127.0.0.1).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Serve https: a local CA and a server certificate for 127.0.0.1 and localhost,
        /// kept in --tls-dir; prints SSL_CERT_FILE and REQUESTS_CA_BUNDLE to trust it.
        #[arg(long)]
        tls: bool,
        /// Directory of the CA (reused when it holds ca.pem and ca-key.pem) and the server
        /// certificate; implies --tls. Default: a new directory under the temp dir.
        #[arg(long, value_name = "DIR")]
        tls_dir: Option<std::path::PathBuf>,
    },
    /// Get a token and show its claims (roles, expiry); the token itself stays hidden.
    Token {
        /// The vendor.
        vendor: VendorArg,
        /// Also print the raw access token.
        #[arg(long)]
        show_token: bool,
        /// Print the access token alone and nothing else, for `$(vendorctl token kazi --raw)`.
        #[arg(long, conflicts_with = "show_token")]
        raw: bool,
    },
    /// Kazi Tagging API.
    #[command(subcommand, after_help = catalog::vendor_help(errors::Vendor::Kazi))]
    Kazi(commands::kazi::KaziCommand),
    /// Keyavi API.
    #[command(subcommand, after_help = catalog::vendor_help(errors::Vendor::Keyavi))]
    Keyavi(commands::keyavi::KeyaviCommand),
    /// Kaisa API.
    #[command(subcommand, after_help = catalog::vendor_help(errors::Vendor::Kaisa))]
    Kaisa(commands::kaisa::KaisaCommand),
    /// OKQ8 APIs (generic calls through Azure API Management).
    #[command(subcommand, after_help = catalog::vendor_help(errors::Vendor::Okq8))]
    Okq8(commands::okq8::Okq8Command),
    /// Check each configured vendor (or the one named): variables, DNS, TLS, clock,
    /// a token and its roles, the proxy; one line per check, exit code 1 if one fails.
    Doctor {
        /// Only this vendor (configured or not).
        vendor: Option<VendorArg>,
    },
    /// The configuration in effect: `config show` (every variable, its source, secrets
    /// redacted), `config path`.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// The token cache across runs (the platform's cache directory).
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Print the completion script of a shell (e.g. `vendorctl completions bash`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `cargo xtask man` writes target/man/vendorctl.1.
    #[command(name = "__man", hide = true)]
    Man,
}

/// `vendorctl cache ...`.
#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Remove every cached token (the next call of each vendor asks for a new one).
    Clear,
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    if matches!(words.as_slice(), ["help", "environment" | "env"]) {
        print!("{}", catalog::environment_help());
        return ExitCode::SUCCESS;
    }
    // Before the command line is parsed, so that flags defaulting to a variable
    // (VENDORCTL_INSECURE_LOOPBACK, ...) see them: --env-file, the profile, and each
    // secret's <NAME>_FILE.
    if let Err(failure) = env::prepare(&args) {
        eprintln!("{}", failure.line());
        return ExitCode::from(failure.code);
    }
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
        format: if cli.global.json {
            Format::Json
        } else {
            cli.global.output
        },
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let global = cli.global.clone();
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo { tls } => commands::demo::run(out, tls).await,
            Command::Sandbox { port, tls, tls_dir } => {
                let tls = (tls || tls_dir.is_some()).then_some(tls_dir);
                commands::sandbox::run(port, tls, out).await
            }
            Command::Token {
                vendor,
                show_token,
                raw,
            } => commands::token::run(vendor, show_token, raw, &global, out).await,
            Command::Kazi(cmd) => commands::kazi::run(cmd, &global, out).await,
            Command::Keyavi(cmd) => commands::keyavi::run(cmd, &global, out).await,
            Command::Kaisa(cmd) => commands::kaisa::run(cmd, &global, out).await,
            Command::Okq8(cmd) => commands::okq8::run(cmd, &global, out).await,
            Command::Doctor { vendor } => commands::doctor::run(vendor, &global, out).await,
            Command::Config(cmd) => commands::config::run(cmd, out),
            Command::Completions { shell } => commands::completions::run(shell),
            Command::Cache(CacheCommand::Clear) => token_cache::clear(out),
            Command::Man => commands::completions::man(),
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
