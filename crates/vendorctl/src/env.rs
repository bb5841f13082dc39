//! The environment before any command reads it: `--env-file`, the profile of the
//! config file, and each secret's `<NAME>_FILE` form, applied in main() before the
//! command line is parsed (so that `--insecure-loopback`'s variable may come from
//! the file too). What came from where is kept for `config show` and `doctor`.
//!
//! Precedence, first found wins: the process environment, `--env-file`, the
//! profile, the default. A secret given as `<NAME>_FILE` counts as `<NAME>` for it;
//! `<NAME>` and `<NAME>_FILE` at one level are refused.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::catalog;
use crate::errors::Failure;

/// Where a variable's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The process environment.
    Environment,
    /// The `--env-file`.
    EnvFile(PathBuf),
    /// The file a `<NAME>_FILE` variable names.
    SecretFile {
        /// The `<NAME>_FILE` variable.
        var: String,
        /// The file.
        path: PathBuf,
    },
    /// A profile of the config file.
    Profile(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Environment => f.write_str("environment"),
            Origin::EnvFile(path) => write!(f, "env file {}", path.display()),
            Origin::SecretFile { var, path } => write!(f, "{var} ({})", path.display()),
            Origin::Profile(name) => write!(f, "profile {name}"),
        }
    }
}

/// Where each variable set before the command ran came from.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    map: BTreeMap<String, Origin>,
    /// The profile read and its file, if one was.
    pub profile: Option<(String, PathBuf)>,
}

impl Origins {
    /// Where `name` came from (`None`: unset, or set by nothing vendorctl saw).
    pub fn of(&self, name: &str) -> Option<&Origin> {
        self.map.get(name)
    }
}

static ORIGINS: OnceLock<Origins> = OnceLock::new();

/// What [`prepare`] recorded (empty before it ran).
pub fn origins() -> Origins {
    ORIGINS.get().cloned().unwrap_or_default()
}

/// The value of the long flag `--name` among `args` (program name first), as
/// `--name VALUE` or `--name=VALUE`, before a `--`; the last one given.
fn flag(args: &[OsString], name: &str) -> Option<OsString> {
    let long = format!("--{name}");
    let with_eq = format!("--{name}=");
    let mut found = None;
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        if text == long {
            found = it.next().cloned();
        } else if let Some(value) = text.strip_prefix(&with_eq) {
            found = Some(OsString::from(value));
        }
    }
    found
}

/// Whether `name` is set to something other than blanks.
fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.to_string_lossy().trim().is_empty())
}

/// The secret `key` stands for: itself, or the secret whose `_FILE` form it is.
fn secret_of(key: &str) -> Option<&'static catalog::Var> {
    catalog::secrets().find(|v| v.name == key || key.strip_suffix("_FILE") == Some(v.name))
}

/// Whether a higher level already gave the variable `key` (for a secret: either form).
fn given(key: &str) -> bool {
    match secret_of(key) {
        Some(v) => is_set(v.name) || is_set(&v.file_form()),
        None => std::env::var_os(key).is_some(),
    }
}

/// Refuses `<NAME>` and `<NAME>_FILE` together among `keys` (one level).
fn both_forms<'a>(keys: impl Iterator<Item = &'a str> + Clone, place: &str) -> Result<(), Failure> {
    let pairs: Vec<String> = catalog::secrets()
        .filter(|v| {
            let file = v.file_form();
            keys.clone().any(|k| k == v.name) && keys.clone().any(|k| k == file)
        })
        .map(|v| format!("{0} and {0}_FILE", v.name))
        .collect();
    if pairs.is_empty() {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "{} both set{place}: give each secret one way, its value or the file holding it",
            pairs.join(", ")
        )))
    }
}

/// Applies `--env-file`, the profile and the `<NAME>_FILE` forms to the process
/// environment. Called once, first thing in main(), while the process has a single
/// thread.
///
/// # Errors
///
/// A usage [`Failure`] (exit code 2) for an unreadable or malformed env file or
/// config file, a missing profile, a secret in a profile, a secret given both ways,
/// or a `<NAME>_FILE` that cannot be read (naming the variable and the path, never
/// the content).
pub fn prepare(args: &[OsString]) -> Result<(), Failure> {
    let mut origins = Origins::default();
    let environment: Vec<String> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            (!v.to_string_lossy().trim().is_empty()).then_some(k)
        })
        .collect();
    both_forms(
        environment.iter().map(String::as_str),
        " in the environment",
    )?;
    for name in environment {
        if catalog::find(&name).is_some() || secret_of(&name).is_some() {
            origins.map.insert(name, Origin::Environment);
        }
    }

    if let Some(path) = flag(args, "env-file").map(PathBuf::from) {
        let entries = read_env_file(&path)?;
        both_forms(
            entries.iter().map(|(k, _)| k.as_str()),
            &format!(" in {}", path.display()),
        )?;
        for (key, value) in entries {
            if !given(&key) {
                // Single-threaded here: the runtime is not started yet.
                std::env::set_var(&key, value);
                origins.map.insert(key, Origin::EnvFile(path.clone()));
            }
        }
    }

    let profile = flag(args, "profile")
        .and_then(|p| p.into_string().ok())
        .or_else(|| std::env::var("VENDORCTL_PROFILE").ok())
        .filter(|p| !p.trim().is_empty());
    if let Some(name) = profile {
        let path = config_path().ok_or_else(|| {
            Failure::usage(format!(
                "profile {name}: no config directory known (HOME is not set): set VENDORCTL_CONFIG to the config file"
            ))
        })?;
        let settings = read_profile(&path, &name)?;
        for (key, value) in settings {
            if !given(&key) {
                std::env::set_var(&key, value);
                origins.map.insert(key, Origin::Profile(name.clone()));
            }
        }
        origins.profile = Some((name, path));
    }

    for v in catalog::secrets() {
        let file_var = v.file_form();
        let Some(path) = std::env::var_os(&file_var).filter(|p| !p.is_empty()) else {
            continue;
        };
        let path = PathBuf::from(path);
        let value = read_secret_file(&file_var, &path)?;
        std::env::set_var(v.name, value);
        origins.map.insert(
            v.name.to_owned(),
            Origin::SecretFile {
                var: file_var,
                path,
            },
        );
    }
    let _ = ORIGINS.set(origins);
    Ok(())
}

/// The secret in `path`, without one trailing newline.
fn read_secret_file(var: &str, path: &Path) -> Result<String, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("{var}: cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("{var}: {} is not UTF-8 text", path.display())))?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(Failure::usage(format!(
            "{var}: {} is empty",
            path.display()
        )));
    }
    Ok(text.to_owned())
}

/// `KEY=VALUE` lines (blank lines and `#` comments skipped, `export ` and quotes
/// allowed).
fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let mut entries = Vec::new();
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
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Failure::usage(format!(
                "{}:{}: `{key}` is not a variable name",
                path.display(),
                n + 1
            )));
        }
        entries.push((key.to_owned(), unquote(value)));
    }
    Ok(entries)
}

fn unquote(value: &str) -> String {
    value.trim().trim_matches('"').trim_matches('\'').to_owned()
}

/// The config file: `VENDORCTL_CONFIG`, else `vendorctl/config` in the platform's
/// config directory (`$XDG_CONFIG_HOME`, `~/.config`; `%APPDATA%` on Windows).
pub fn config_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = var("VENDORCTL_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let dir = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            if cfg!(windows) {
                var("APPDATA").map(PathBuf::from)
            } else {
                None
            }
        })
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(dir.join("vendorctl").join("config"))
}

/// The settings of `[profile NAME]` in the config file at `path`. The whole file is
/// checked: its sections are `[profile NAME]`, its lines `KEY = value` with a
/// vendor variable (or a secret's `<NAME>_FILE`) that is not a secret.
fn read_profile(path: &Path, name: &str) -> Result<Vec<(String, String)>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "profile {name}: cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    let profiles = parse_config(path, &text)?;
    let Some(settings) = profiles.get(name) else {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        return Err(Failure::usage(format!(
            "no [profile {name}] in {} (profiles: {})",
            path.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    };
    Ok(settings.clone())
}

/// Every profile of a config file, each with its settings in order.
pub fn parse_config(
    path: &Path,
    text: &str,
) -> Result<BTreeMap<String, Vec<(String, String)>>, Failure> {
    let mut profiles: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let at = |what: String| Failure::usage(format!("{}:{}: {what}", path.display(), n + 1));
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let Some(profile) = header.trim().strip_prefix("profile ").map(str::trim) else {
                return Err(at(format!("`[{header}]`: sections are [profile NAME]")));
            };
            if profile.is_empty() || profile.contains(char::is_whitespace) {
                return Err(at("a profile name is one word".to_owned()));
            }
            if profiles.contains_key(profile) {
                return Err(at(format!("[profile {profile}] appears twice")));
            }
            profiles.insert(profile.to_owned(), Vec::new());
            current = Some(profile.to_owned());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(at("expected KEY = value or [profile NAME]".to_owned()));
        };
        let key = key.trim();
        if let Some(v) = catalog::find(key).map(|(_, v)| v).filter(|v| v.secret) {
            return Err(at(format!(
                "{} is a secret: a profile holds non-secret settings only (set it in the environment, or {}_FILE to a file holding it)",
                v.name, v.name
            )));
        }
        if catalog::find(key).is_none() && secret_of(key).is_none() {
            return Err(at(format!(
                "`{key}` is not a vendor variable (see `vendorctl help environment`)"
            )));
        }
        let Some(profile) = current.as_ref().and_then(|p| profiles.get_mut(p)) else {
            return Err(at(format!("{key} is outside any [profile NAME] section")));
        };
        if profile.iter().any(|(k, _)| k == key) {
            return Err(at(format!("{key} is set twice in this profile")));
        }
        profile.push((key.to_owned(), unquote(value)));
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        std::iter::once("vendorctl")
            .chain(list.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn flags_are_found_anywhere_before_a_double_dash() {
        let a = args(&[
            "kazi",
            "expectations",
            "--profile",
            "prod",
            "--env-file=x.env",
        ]);
        assert_eq!(flag(&a, "profile"), Some("prod".into()));
        assert_eq!(flag(&a, "env-file"), Some("x.env".into()));
        let a = args(&["okq8", "get", "--", "--profile", "p"]);
        assert_eq!(flag(&a, "profile"), None);
    }

    #[test]
    fn config_files_parse_and_refuse_secrets_by_line() {
        let path = Path::new("config");
        let text = "# mine\n[profile prod]\nKAZI_ENV = production\nKAZI_CLIENT_ID = \"abc\"\nKAZI_CLIENT_SECRET_FILE = /run/s\n\n[profile test]\n; nothing\n";
        let profiles = parse_config(path, text).unwrap();
        assert_eq!(
            profiles["prod"],
            [
                ("KAZI_ENV".to_owned(), "production".to_owned()),
                ("KAZI_CLIENT_ID".to_owned(), "abc".to_owned()),
                ("KAZI_CLIENT_SECRET_FILE".to_owned(), "/run/s".to_owned()),
            ]
        );
        assert!(profiles["test"].is_empty());
        for (text, needle) in [
            (
                "[profile a]\nKAZI_CLIENT_SECRET = hunter2-value\n",
                "config:2: KAZI_CLIENT_SECRET is a secret",
            ),
            (
                "[profile a]\nFOO = 1\n",
                "config:2: `FOO` is not a vendor variable",
            ),
            ("KAZI_ENV = test\n", "config:1: KAZI_ENV is outside"),
            (
                "[default]\n",
                "config:1: `[default]`: sections are [profile NAME]",
            ),
            ("[profile a]\nKAZI_ENV\n", "config:2: expected KEY = value"),
            (
                "[profile a]\nKAZI_ENV=test\nKAZI_ENV=prod\n",
                "config:3: KAZI_ENV is set twice",
            ),
        ] {
            let err = parse_config(path, text).unwrap_err();
            assert_eq!(err.code, 2);
            assert!(
                err.message.contains(needle),
                "{needle:?} in {}",
                err.message
            );
            assert!(!err.message.contains("hunter2"), "{}", err.message);
        }
    }

    #[test]
    fn secret_files_lose_one_trailing_newline_and_never_show_their_content() {
        let dir = std::env::temp_dir().join(format!("vendorctl-envrs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s");
        std::fs::write(&file, "top-secret-value\n\n").unwrap();
        assert_eq!(
            read_secret_file("X_FILE", &file).unwrap(),
            "top-secret-value\n"
        );
        std::fs::write(&file, "top-secret-value\r\n").unwrap();
        assert_eq!(
            read_secret_file("X_FILE", &file).unwrap(),
            "top-secret-value"
        );
        std::fs::write(&file, b"top-secret-value\xff").unwrap();
        let err = read_secret_file("X_FILE", &file).unwrap_err();
        assert!(err.message.starts_with("X_FILE: "), "{}", err.message);
        assert!(!err.message.contains("top-secret"), "{}", err.message);
        let missing = dir.join("missing");
        let err = read_secret_file("X_FILE", &missing).unwrap_err();
        assert!(err.message.contains(&missing.display().to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
