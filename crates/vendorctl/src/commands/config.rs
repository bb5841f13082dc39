//! `vendorctl config ...`: the configuration in effect and where each value came
//! from (environment, env file, `<NAME>_FILE`, profile, default), secrets redacted.

use clap::Subcommand;
use serde_json::json;

use crate::catalog::{self, Kind, Var};
use crate::env::{self, Origin};
use crate::errors::Failure;
use crate::output::{terminal_safe, Output};
use crate::VendorArg;

/// Config commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every vendor variable in effect with its source (secrets shown as `[set]`);
    /// with --profile, as that profile leaves it.
    Show {
        /// Only this vendor.
        vendor: Option<VendorArg>,
    },
    /// Print the config file's path (VENDORCTL_CONFIG, else the platform's config
    /// directory).
    Path,
}

/// One variable's effective setting.
struct Row {
    vendor: &'static str,
    name: &'static str,
    secret: bool,
    /// What to print: the value, `[set]` for a secret, the default, or nothing.
    shown: String,
    /// `environment`, `env file`, `secret file`, `profile`, `default`, `unset`.
    source: &'static str,
    /// The env file, the `<NAME>_FILE` and its path, the profile's name.
    from: Option<String>,
}

/// A URL without the credentials it may carry.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("***");
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        // `user:password@host` parses too, as a scheme and a path.
        Ok(url) if url.host().is_none() && text.contains('@') => {
            "[not a URL; not shown]".to_owned()
        }
        Ok(_) => text.to_owned(),
        Err(_) if text.contains('@') => "[not a URL; not shown]".to_owned(),
        Err(_) => text.to_owned(),
    }
}

fn row(vendor: &'static str, v: &Var, origins: &env::Origins) -> Row {
    let value = std::env::var(v.name).ok().filter(|s| !s.trim().is_empty());
    let (source, from) = match (origins.of(v.name), &value) {
        (_, None) if v.default.is_some() => ("default", None),
        (_, None) => ("unset", None),
        (Some(Origin::EnvFile(path)), _) => ("env file", Some(path.display().to_string())),
        (Some(Origin::SecretFile { var, path }), _) => {
            ("secret file", Some(format!("{var} ({})", path.display())))
        }
        (Some(Origin::Profile(name)), _) => ("profile", Some(name.clone())),
        (Some(Origin::Environment) | None, _) => ("environment", None),
    };
    let shown = match &value {
        Some(_) if v.secret => "[set]".to_owned(),
        Some(text) if v.kind == Kind::Url => redact_url(text.trim()),
        Some(text) => text.trim().to_owned(),
        None => v.default.unwrap_or_default().to_owned(),
    };
    Row {
        vendor,
        name: v.name,
        secret: v.secret,
        shown,
        source,
        from,
    }
}

/// Runs a config command.
pub fn run(cmd: ConfigCommand, out: Output) -> Result<(), Failure> {
    let origins = env::origins();
    match cmd {
        ConfigCommand::Path => {
            let path = env::config_path().ok_or_else(|| {
                Failure::usage("no config directory known (HOME is not set): set VENDORCTL_CONFIG")
            })?;
            let exists = path.is_file();
            out.emit(
                &json!({"path": path.display().to_string(), "exists": exists}),
                || {
                    println!(
                        "{}{}",
                        terminal_safe(&path.display().to_string()),
                        if exists { "" } else { " (does not exist)" }
                    );
                    Vec::new()
                },
            );
        }
        ConfigCommand::Show { vendor } => {
            let only = vendor.map(super::doctor::vendor_of);
            let rows: Vec<Row> = catalog::VENDORS
                .iter()
                .filter(|c| only.is_none_or(|v| v == c.vendor))
                .flat_map(|c| {
                    let name = c.vendor.name();
                    c.vars.iter().map(move |v| (name, v))
                })
                .map(|(vendor, v)| row(vendor, v, &origins))
                .collect();
            let profile = origins
                .profile
                .as_ref()
                .map(|(name, path)| json!({"name": name, "file": path.display().to_string()}));
            let doc = json!({
                "profile": profile,
                "config_file": env::config_path().map(|p| p.display().to_string()),
                "variables": rows.iter().map(|r| json!({
                    "vendor": r.vendor,
                    "name": r.name,
                    "secret": r.secret,
                    "value": if r.source == "unset" { None } else { Some(r.shown.as_str()) },
                    "source": r.source,
                    "from": r.from,
                })).collect::<Vec<_>>(),
            });
            out.emit(&doc, || {
                if let Some((name, path)) = &origins.profile {
                    println!(
                        "profile {} from {}",
                        terminal_safe(name),
                        terminal_safe(&path.display().to_string())
                    );
                }
                let lines: Vec<[String; 4]> = rows
                    .iter()
                    .map(|r| {
                        let source = match &r.from {
                            Some(from) => format!("{} {from}", r.source),
                            None => r.source.to_owned(),
                        };
                        [
                            r.vendor.to_owned(),
                            r.name.to_owned(),
                            r.shown.clone(),
                            source,
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    aligned(&["vendor", "variable", "value", "source"], &lines)
                );
                Vec::new()
            });
        }
    }
    Ok(())
}

/// Rows under a header, in aligned columns, every cell whole and terminal-safe.
pub fn aligned<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.clone().map(|c| terminal_safe(&c)))
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:w$}  "));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("http://user:pa55@proxy.example:3128"),
            "http://***:***@proxy.example:3128/"
        );
        assert_eq!(redact_url("https://api.example/x"), "https://api.example/x");
        assert_eq!(redact_url("user:pa55@proxy"), "[not a URL; not shown]");
    }

    #[test]
    fn columns_align() {
        let text = aligned(
            &["a", "bb", "c"],
            &[["xxx".to_owned(), "y".to_owned(), "z\x1b[31m".to_owned()]],
        );
        assert_eq!(text, "a    bb  c\nxxx  y   z\\x1b[31m\n");
    }
}
