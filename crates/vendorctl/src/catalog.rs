//! Every vendor's environment variables, as the vendor crates' `read_env` reads
//! them: which are secrets, when each is required, whether the token call or the API
//! calls use it, and what it is for. vendorctl checks a command's variables against
//! it before building a client (every problem in one error), prints it in the help
//! (`vendorctl help environment`, each vendor's `--help`), gives each secret a
//! `<NAME>_FILE` form, keeps secrets out of profiles, and `doctor` and `config show`
//! go through it. A test keeps it equal to the variables the vendor crates read.

use std::fmt::Write as _;

use crate::errors::{Failure, Vendor};

/// When a variable must be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Always (for the purposes that use it).
    Required,
    /// The application's client id: required unless the managed identity is used.
    ClientId,
    /// One of the credential kinds: exactly one must be set (in the modes that take
    /// credentials).
    Credential,
    /// Required in this mode only.
    InMode(Mode),
    /// Optional, and only together with the other variable.
    OnlyWith(&'static str),
    /// Optional (a default applies, or it is an opt-in).
    Optional,
}

/// How a vendor client signs in, where a vendor has more than one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As the application (client credentials, a certificate, ...).
    App,
    /// Keyavi's user mode: the password grant, chosen by `KEYAVI_USERNAME`.
    User,
    /// OKQ8 with OAuth (a credential is set); without one, the subscription key only.
    OAuth,
    /// OKQ8 with the subscription key only: no token.
    KeyOnly,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::App => "app mode",
            Mode::User => "user mode",
            Mode::OAuth => "OAuth",
            Mode::KeyOnly => "key only",
        }
    }
}

/// Which calls use a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// The token request only.
    Token,
    /// The API calls only.
    Api,
    /// Both.
    Both,
}

impl Use {
    fn label(self) -> &'static str {
        match self {
            Use::Token => "token",
            Use::Api => "API",
            Use::Both => "both",
        }
    }
}

/// What a command is about to do with a vendor client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Get a token only (`vendorctl token <vendor>`): the API's variables (the
    /// subscription key, the base URL, Keyavi's caller id) are not needed.
    Token,
    /// Call the API (which needs a token too).
    Api,
}

/// The form of a variable's value, checked before a client is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// An `https://` URL (plain `http://` to a loopback host with the opt-in).
    Url,
    /// `1`/`0`, `true`/`false`, `yes`/`no`.
    Bool,
    /// One of these words, in any case.
    Choice(&'static [&'static str]),
    /// A file that must exist.
    File,
    /// An email address.
    Email,
    /// One path segment: letters, digits, `.`, `-`, `_`.
    Segment,
}

/// One environment variable of a vendor.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    /// The variable's name.
    pub name: &'static str,
    /// Whether its value is a secret: never printed, refused in profiles, and also
    /// read from the file `<NAME>_FILE` names.
    pub secret: bool,
    /// When it must be set.
    pub need: Need,
    /// Which calls use it.
    pub used_by: Use,
    /// The form of its value.
    pub kind: Kind,
    /// What applies when it is unset.
    pub default: Option<&'static str>,
    /// What it is for, in one line.
    pub description: &'static str,
}

impl Var {
    /// Whether a command with `purpose` needs this variable's value.
    pub fn applies(&self, purpose: Purpose) -> bool {
        purpose == Purpose::Api || self.used_by != Use::Api
    }

    /// When it is required, for people: `required`, `one credential`, `app mode`, ...
    pub fn requirement(&self) -> String {
        match self.need {
            Need::Required => "required".to_owned(),
            Need::ClientId => "required (not with MI)".to_owned(),
            Need::Credential => "one credential".to_owned(),
            Need::InMode(mode) => format!("{} only", mode.label()),
            Need::OnlyWith(_) | Need::Optional => "optional".to_owned(),
        }
    }

    /// The name of the variable that may name a file holding the value instead
    /// (`<NAME>_FILE`; read for secrets only).
    pub fn file_form(&self) -> String {
        format!("{}_FILE", self.name)
    }
}

/// A role or scope an endpoint needs in the token's claims.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    /// The role (in `roles`) or delegated scope (in `scp`).
    pub name: &'static str,
    /// The mode it applies to (`None`: every mode that has a token).
    pub mode: Option<Mode>,
    /// The vendorctl commands that need it.
    pub needed_by: &'static str,
    /// Only a write command needs it: a read-only registration without it is
    /// healthy, and `doctor` says so instead of warning.
    pub write: bool,
}

/// A vendor's variables and roles.
#[derive(Debug, Clone, Copy)]
pub struct VendorCatalog {
    /// The vendor.
    pub vendor: Vendor,
    /// Every variable its crate reads, in the order of the help.
    pub vars: &'static [Var],
    /// The roles its endpoints need.
    pub roles: &'static [Role],
    /// A note on the modes, for the help.
    pub modes: &'static str,
}

const fn var(
    name: &'static str,
    need: Need,
    used_by: Use,
    kind: Kind,
    description: &'static str,
) -> Var {
    Var {
        name,
        secret: false,
        need,
        used_by,
        kind,
        default: None,
        description,
    }
}

const fn secret(name: &'static str, need: Need, used_by: Use, description: &'static str) -> Var {
    Var {
        name,
        secret: true,
        need,
        used_by,
        kind: Kind::Text,
        default: None,
        description,
    }
}

const fn with_default(mut v: Var, default: &'static str) -> Var {
    v.default = Some(default);
    v
}

const BOOLS: Kind = Kind::Bool;

/// The federated token file Azure workload identity publishes, which every vendor
/// crate reads when none of its credential variables is set.
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";

/// Kazi Tagging: `kazi_tagging::ClientBuilder::read_env`.
#[rustfmt::skip]
const KAZI: VendorCatalog = VendorCatalog {
    vendor: Vendor::Kazi,
    vars: &[
        var("KAZI_CLIENT_ID", Need::ClientId, Use::Token, Kind::Text,
            "the application's client id, registered by Kazi"),
        secret("KAZI_CLIENT_SECRET", Need::Credential, Use::Token,
            "the application's client secret"),
        var("KAZI_CLIENT_CERTIFICATE_PATH", Need::Credential, Use::Token, Kind::File,
            "instead of the secret: a PEM file (certificate and key) or a PKCS#12 archive"),
        secret("KAZI_CLIENT_CERTIFICATE_PASSWORD", Need::OnlyWith("KAZI_CLIENT_CERTIFICATE_PATH"), Use::Token,
            "the PKCS#12 archive's password"),
        var("KAZI_FEDERATED_TOKEN_FILE", Need::Credential, Use::Token, Kind::File,
            "instead of the secret: workload identity federation, the file's token is the assertion"),
        var("KAZI_USE_MANAGED_IDENTITY", Need::Credential, Use::Token, BOOLS,
            "instead of the secret: 1 uses the host's managed identity (MI)"),
        var("KAZI_MANAGED_IDENTITY_CLIENT_ID", Need::OnlyWith("KAZI_USE_MANAGED_IDENTITY"), Use::Token, Kind::Text,
            "a user-assigned managed identity's client id"),
        secret("KAZI_SUBSCRIPTION_KEY", Need::Required, Use::Api,
            "the APIM subscription key from Kazi's developer portal"),
        with_default(var("KAZI_ENV", Need::Optional, Use::Api, Kind::Choice(&["test", "production", "prod"]),
            "Kazi's environment: test or production"), "test"),
        with_default(var("KAZI_BASE_URL", Need::Optional, Use::Api, Kind::Url,
            "the API base URL"), "the environment's (https://test-api.kazi.be)"),
        with_default(var("KAZI_TOKEN_URL", Need::Optional, Use::Token, Kind::Url,
            "the whole token endpoint URL"), "https://login.microsoftonline.com/kazib2c.onmicrosoft.com/oauth2/token"),
        with_default(var("KAZI_AUTHORITY_HOST", Need::Optional, Use::Token, Kind::Text,
            "the Entra ID cloud: AzurePublicCloud, AzureGovernment, AzureChina or an https:// URL"), "AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com"),
        with_default(var("KAZI_ALLOW_INSECURE_LOOPBACK", Need::Optional, Use::Both, BOOLS,
            "1 allows plain http:// to a loopback host (a local sandbox)"), "0"),
    ],
    roles: &[
        Role { name: "read:expectations", mode: None, needed_by: "kazi expectations", write: false },
        Role { name: "read:talentscans", mode: None, needed_by: "kazi matches", write: false },
        Role { name: "read:jobscans", mode: None, needed_by: "kazi job-scans", write: false },
        Role { name: "write:talentscans", mode: None, needed_by: "kazi create-talent-scan", write: true },
    ],
    modes: "Exactly one credential kind: the secret, a certificate, a federated token file or the managed identity (MI).",
};

/// Keyavi: `keyavi::ClientBuilder::read_env`.
#[rustfmt::skip]
const KEYAVI: VendorCatalog = VendorCatalog {
    vendor: Vendor::Keyavi,
    vars: &[
        var("KEYAVI_BASE_URL", Need::Required, Use::Api, Kind::Url,
            "the API base URL, https://<host>/api/"),
        var("KEYAVI_TENANT_ID", Need::Required, Use::Token, Kind::Text,
            "the Azure AD tenant (id or domain) of Keyavi's application"),
        var("KEYAVI_CLIENT_ID", Need::ClientId, Use::Token, Kind::Text,
            "the application's client id"),
        secret("KEYAVI_SUBSCRIPTION_KEY", Need::Required, Use::Api,
            "the APIM subscription key"),
        secret("KEYAVI_CLIENT_SECRET", Need::Credential, Use::Token,
            "app mode: the client secret (user mode: optional, for a confidential client)"),
        var("KEYAVI_CLIENT_CERTIFICATE_PATH", Need::Credential, Use::Token, Kind::File,
            "app mode, instead of the secret: a PEM file or a PKCS#12 archive"),
        secret("KEYAVI_CLIENT_CERTIFICATE_PASSWORD", Need::OnlyWith("KEYAVI_CLIENT_CERTIFICATE_PATH"), Use::Token,
            "the PKCS#12 archive's password"),
        var("KEYAVI_FEDERATED_TOKEN_FILE", Need::Credential, Use::Token, Kind::File,
            "app mode, instead of the secret: workload identity federation"),
        var("KEYAVI_USE_MANAGED_IDENTITY", Need::Credential, Use::Token, BOOLS,
            "app mode, instead of the secret: 1 uses the host's managed identity (MI)"),
        var("KEYAVI_MANAGED_IDENTITY_CLIENT_ID", Need::OnlyWith("KEYAVI_USE_MANAGED_IDENTITY"), Use::Token, Kind::Text,
            "a user-assigned managed identity's client id"),
        var("KEYAVI_CALLER_ID", Need::InMode(Mode::App), Use::Api, Kind::Email,
            "app mode: the email address sent as x-api-caller-id on every call"),
        var("KEYAVI_USERNAME", Need::Optional, Use::Token, Kind::Text,
            "user mode (chosen when set): the user to sign in as"),
        secret("KEYAVI_PASSWORD", Need::InMode(Mode::User), Use::Token,
            "user mode: the user's password"),
        var("KEYAVI_API_APP_ID", Need::Optional, Use::Token, Kind::Text,
            "the client ID of the identity provider of Keyavi's API authentication app service (from Keyavi's administrator), which the scope is built from; this or KEYAVI_SCOPE is required"),
        with_default(var("KEYAVI_SCOPE", Need::Optional, Use::Token, Kind::Text,
            "the whole scope (user mode: ending in /access_as_user)"), "<KEYAVI_API_APP_ID>/.default (user mode: <KEYAVI_API_APP_ID>/access_as_user)"),
        with_default(var("KEYAVI_TOKEN_URL", Need::Optional, Use::Token, Kind::Url,
            "the whole token endpoint URL"), "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"),
        with_default(var("KEYAVI_AUTHORITY_HOST", Need::Optional, Use::Token, Kind::Text,
            "the Entra ID cloud: AzurePublicCloud, AzureGovernment, AzureChina or an https:// URL"), "AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com"),
        with_default(var("KEYAVI_ALLOW_INSECURE_LOOPBACK", Need::Optional, Use::Both, BOOLS,
            "1 allows plain http:// to a loopback host (a local sandbox)"), "0"),
    ],
    roles: &[
        Role { name: "Payloads.Protect", mode: Some(Mode::App), needed_by: "keyavi protect", write: false },
        Role { name: "Logs.Read", mode: Some(Mode::App), needed_by: "keyavi logs", write: false },
        Role { name: "access_as_user", mode: Some(Mode::User), needed_by: "every keyavi command", write: false },
    ],
    modes: "Both modes: KEYAVI_API_APP_ID (Keyavi's API application id, which the scope is built from) or the whole KEYAVI_SCOPE. App mode (the default): one credential kind and KEYAVI_CALLER_ID. User mode, chosen by KEYAVI_USERNAME: KEYAVI_PASSWORD (KEYAVI_CLIENT_SECRET optional).",
};

/// Kaisa: `kaisa::ClientBuilder::read_env`.
#[rustfmt::skip]
const KAISA: VendorCatalog = VendorCatalog {
    vendor: Vendor::Kaisa,
    vars: &[
        var("KAISA_CLIENT_ID", Need::Required, Use::Token, Kind::Text,
            "the OAuth2 client id Kaisa issued"),
        secret("KAISA_CLIENT_SECRET", Need::Required, Use::Token,
            "the OAuth2 client secret Kaisa issued"),
        with_default(var("KAISA_API_VERSION", Need::Optional, Use::Api, Kind::Segment,
            "the API version path segment (2.4.9, v3, ...)"), "2.4.9"),
        with_default(var("KAISA_BASE_URL", Need::Optional, Use::Api, Kind::Url,
            "the API host, before the version"), kaisa::DEFAULT_BASE_URL),
        with_default(var("KAISA_TOKEN_URL", Need::Optional, Use::Token, Kind::Url,
            "the token endpoint"), kaisa::DEFAULT_TOKEN_URL),
        with_default(var("KAISA_TOKEN_FORMAT", Need::Optional, Use::Token, Kind::Choice(&["form", "json"]),
            "the token request's body: form or json"), "form"),
        with_default(var("KAISA_ALLOW_INSECURE_LOOPBACK", Need::Optional, Use::Both, BOOLS,
            "1 allows plain http:// to a loopback host (a local sandbox)"), "0"),
    ],
    roles: &[],
    modes: "Client id and secret; Kaisa's endpoints declare no role.",
};

/// OKQ8: `okq8::ClientBuilder::read_env`.
#[rustfmt::skip]
const OKQ8: VendorCatalog = VendorCatalog {
    vendor: Vendor::Okq8,
    vars: &[
        var("OKQ8_BASE_URL", Need::Required, Use::Api, Kind::Url,
            "the API's base URL (OKQ8 publishes no default)"),
        secret("OKQ8_SUBSCRIPTION_KEY", Need::Required, Use::Api,
            "the APIM subscription key"),
        var("OKQ8_CLIENT_ID", Need::ClientId, Use::Token, Kind::Text,
            "OAuth: the application's client id (neither it nor a credential: key only)"),
        secret("OKQ8_CLIENT_SECRET", Need::Credential, Use::Token,
            "OAuth: the client secret"),
        var("OKQ8_CLIENT_CERTIFICATE_PATH", Need::Credential, Use::Token, Kind::File,
            "OAuth, instead of the secret: a PEM file or a PKCS#12 archive"),
        secret("OKQ8_CLIENT_CERTIFICATE_PASSWORD", Need::OnlyWith("OKQ8_CLIENT_CERTIFICATE_PATH"), Use::Token,
            "the PKCS#12 archive's password"),
        var("OKQ8_FEDERATED_TOKEN_FILE", Need::Credential, Use::Token, Kind::File,
            "OAuth, instead of the secret: workload identity federation"),
        var("OKQ8_USE_MANAGED_IDENTITY", Need::Credential, Use::Token, BOOLS,
            "OAuth, instead of the secret: 1 uses the host's managed identity (MI)"),
        var("OKQ8_MANAGED_IDENTITY_CLIENT_ID", Need::OnlyWith("OKQ8_USE_MANAGED_IDENTITY"), Use::Token, Kind::Text,
            "a user-assigned managed identity's client id"),
        var("OKQ8_SCOPE", Need::InMode(Mode::OAuth), Use::Token, Kind::Text,
            "OAuth: the scope, such as api://apim-xxxxx-api/.default"),
        with_default(var("OKQ8_TENANT_ID", Need::Optional, Use::Token, Kind::Text,
            "OAuth: the Azure AD tenant"), okq8::DEFAULT_TENANT),
        with_default(var("OKQ8_TOKEN_URL", Need::Optional, Use::Token, Kind::Url,
            "OAuth: the whole token endpoint URL"), "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"),
        with_default(var("OKQ8_AUTHORITY_HOST", Need::Optional, Use::Token, Kind::Text,
            "OAuth: the Entra ID cloud: AzurePublicCloud, AzureGovernment, AzureChina or an https:// URL"), "AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com"),
        with_default(var("OKQ8_ALLOW_INSECURE_LOOPBACK", Need::Optional, Use::Both, BOOLS,
            "1 allows plain http:// to a loopback host (a local sandbox)"), "0"),
    ],
    roles: &[Role { name: "get", mode: Some(Mode::OAuth), needed_by: "okq8 get", write: false }],
    modes: "OAuth when a client id or credential is set (then OKQ8_SCOPE too); otherwise the subscription key only, which has no token.",
};

/// What stands in, for the token call alone, for a subscription key the vendor
/// crate's builder requires: never sent, since such a client makes no API call.
pub const UNUSED_BY_THE_TOKEN: &str = "unused-by-the-token-request";

/// The base URL that stands in, for the token call alone, for one the builder
/// requires (`.invalid` never resolves, and no call goes there).
pub const UNUSED_BASE_URL: &str = "https://unused.invalid/api/";

/// Keyavi's caller id standing in, for the token call alone: it is only sent as a
/// header on API calls.
pub const UNUSED_CALLER_ID: &str = "unused@unused.invalid";

/// Every vendor's catalog, in the order of the help.
pub const VENDORS: [&VendorCatalog; 4] = [&KAZI, &KEYAVI, &KAISA, &OKQ8];

/// Variables every vendor crate reads besides its own.
pub const SHARED: &[(&str, &str)] = &[
    ("AZURE_FEDERATED_TOKEN_FILE", "the federated token file of Azure workload identity, used when a vendor has no credential variable set"),
    ("AZURE_AUTHORITY_HOST", "the Entra ID cloud (a name or an https:// URL) of the Azure AD vendors whose <VENDOR>_AUTHORITY_HOST is unset"),
    ("IDENTITY_ENDPOINT, IDENTITY_HEADER", "the managed identity endpoint App Service and Container Apps publish"),
    ("HTTPS_PROXY, ALL_PROXY, NO_PROXY", "the proxy for https traffic (a loopback host is never proxied)"),
    ("SSL_CERT_FILE, SSL_CERT_DIR", "more trusted CA certificates, beside the bundled roots"),
];

/// vendorctl's own variables.
pub const VENDORCTL: &[(&str, &str)] = &[
    ("VENDORCTL_INSECURE_LOOPBACK", "1: as --insecure-loopback"),
    ("VENDORCTL_PROFILE", "the profile to read, as --profile"),
    (
        "VENDORCTL_CONFIG",
        "the config file (default $XDG_CONFIG_HOME/vendorctl/config, ~/.config/vendorctl/config)",
    ),
    ("NO_COLOR", "set: no colour in the help and usage errors"),
];

/// The catalog of `vendor`.
pub fn of(vendor: Vendor) -> &'static VendorCatalog {
    match vendor {
        Vendor::Kazi => &KAZI,
        Vendor::Keyavi => &KEYAVI,
        Vendor::Kaisa => &KAISA,
        Vendor::Okq8 => &OKQ8,
    }
}

/// The catalog's variable `name`, of any vendor.
pub fn find(name: &str) -> Option<(&'static VendorCatalog, &'static Var)> {
    VENDORS
        .iter()
        .find_map(|c| c.vars.iter().find(|v| v.name == name).map(|v| (*c, v)))
}

/// Every secret variable of every vendor.
pub fn secrets() -> impl Iterator<Item = &'static Var> {
    VENDORS
        .iter()
        .flat_map(|c| c.vars.iter())
        .filter(|v| v.secret)
}

/// A variable's value as the environment has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Unset or blank.
    Unset,
    /// Set (trimmed).
    Set(String),
    /// Set, but not valid Unicode.
    NotUnicode,
}

impl Value {
    /// The variable `name` of the process environment, as the vendor crates read it.
    pub fn of_env(name: &str) -> Self {
        match std::env::var(name) {
            Ok(v) if v.trim().is_empty() => Value::Unset,
            Ok(v) => Value::Set(v.trim().to_owned()),
            Err(std::env::VarError::NotPresent) => Value::Unset,
            Err(std::env::VarError::NotUnicode(_)) => Value::NotUnicode,
        }
    }

    fn is_set(&self) -> bool {
        !matches!(self, Value::Unset)
    }

    fn text(&self) -> Option<&str> {
        match self {
            Value::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// What is wrong with a vendor's variables for a purpose.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems {
    /// Variables that must be set and are not: the name (or the choice of names)
    /// and what it is for.
    pub missing: Vec<(String, String)>,
    /// Variables set to something unusable: the name and the problem (never the
    /// value of a secret).
    pub malformed: Vec<(String, String)>,
}

impl Problems {
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.malformed.is_empty()
    }

    /// The one line that lists every problem, without the vendor's name.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            let n = self.missing.len();
            let list: Vec<String> = self
                .missing
                .iter()
                .map(|(name, what)| format!("{name} ({what})"))
                .collect();
            parts.push(format!(
                "{n} variable{} missing: {}",
                if n == 1 { "" } else { "s" },
                list.join(", ")
            ));
        }
        if !self.malformed.is_empty() {
            let n = self.malformed.len();
            let list: Vec<String> = self
                .malformed
                .iter()
                .map(|(name, what)| format!("{name} ({what})"))
                .collect();
            parts.push(format!(
                "{n} variable{} not usable: {}",
                if n == 1 { "" } else { "s" },
                list.join(", ")
            ));
        }
        parts.join("; ")
    }
}

fn truthy(value: &Value) -> bool {
    value
        .text()
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

/// The variable of `catalog` whose name ends with `suffix` (`_USE_MANAGED_IDENTITY`).
fn named<'a>(catalog: &'a VendorCatalog, suffix: &str) -> Option<&'a Var> {
    catalog.vars.iter().find(|v| v.name.ends_with(suffix))
}

impl VendorCatalog {
    /// The mode the variables choose, for `purpose`.
    pub fn mode(&self, purpose: Purpose, lookup: &dyn Fn(&str) -> Value) -> Mode {
        match self.vendor {
            Vendor::Keyavi if lookup("KEYAVI_USERNAME").is_set() => Mode::User,
            Vendor::Okq8 if purpose == Purpose::Token => Mode::OAuth,
            Vendor::Okq8 => {
                let oauth = self.vars.iter().any(|v| {
                    (v.need == Need::Credential || v.need == Need::ClientId)
                        && match v.kind {
                            Kind::Bool => truthy(&lookup(v.name)),
                            _ => lookup(v.name).is_set(),
                        }
                }) || lookup(AZURE_FEDERATED_TOKEN_FILE).is_set();
                if oauth {
                    Mode::OAuth
                } else {
                    Mode::KeyOnly
                }
            }
            _ => Mode::App,
        }
    }

    /// Every problem of the variables for `purpose`: missing, malformed, conflicting.
    /// `insecure_loopback` is `--insecure-loopback`.
    pub fn check(
        &self,
        purpose: Purpose,
        insecure_loopback: bool,
        lookup: &dyn Fn(&str) -> Value,
    ) -> Problems {
        let mut problems = Problems::default();
        let mode = self.mode(purpose, lookup);
        let managed = named(self, "_USE_MANAGED_IDENTITY").is_some_and(|v| truthy(&lookup(v.name)));
        let loopback_ok = insecure_loopback
            || named(self, "_ALLOW_INSECURE_LOOPBACK").is_some_and(|v| truthy(&lookup(v.name)));
        let signs_in = matches!(mode, Mode::App | Mode::User | Mode::OAuth);
        for v in self.vars.iter().filter(|v| v.applies(purpose)) {
            let value = lookup(v.name);
            match &value {
                Value::NotUnicode => problems
                    .malformed
                    .push((v.name.to_owned(), "is not valid Unicode".to_owned())),
                Value::Set(text) => {
                    if let Some(problem) = malformed(v, text, loopback_ok) {
                        problems.malformed.push((v.name.to_owned(), problem));
                    }
                }
                Value::Unset => {}
            }
            let missing = !value.is_set()
                && match v.need {
                    Need::Required => true,
                    Need::ClientId => signs_in && !managed,
                    Need::InMode(m) => m == mode,
                    Need::Credential | Need::OnlyWith(_) | Need::Optional => false,
                };
            if missing {
                problems
                    .missing
                    .push((v.name.to_owned(), v.description.to_owned()));
            }
            if let Need::OnlyWith(other) = v.need {
                let on = match self.vars.iter().find(|o| o.name == other) {
                    Some(o) if o.kind == Kind::Bool => truthy(&lookup(o.name)),
                    _ => lookup(other).is_set(),
                };
                if value.is_set() && !on {
                    problems
                        .malformed
                        .push((v.name.to_owned(), format!("is set, but {other} is not")));
                }
            }
        }
        self.check_credentials(purpose, mode, lookup, &mut problems);
        problems
    }

    /// Exactly one credential kind in the modes that take one; none in user mode
    /// but the secret.
    fn check_credentials(
        &self,
        purpose: Purpose,
        mode: Mode,
        lookup: &dyn Fn(&str) -> Value,
        problems: &mut Problems,
    ) {
        let kinds: Vec<&Var> = self
            .vars
            .iter()
            .filter(|v| v.need == Need::Credential && v.applies(purpose))
            .collect();
        if kinds.is_empty() {
            return;
        }
        let set: Vec<&Var> = kinds
            .iter()
            .copied()
            .filter(|v| match v.kind {
                Kind::Bool => truthy(&lookup(v.name)),
                _ => lookup(v.name).is_set(),
            })
            .collect();
        match mode {
            Mode::User => {
                if let Some(other) = set.iter().find(|v| !v.secret) {
                    problems.malformed.push((
                        other.name.to_owned(),
                        "is for app mode: user mode (KEYAVI_USERNAME) takes a client secret only"
                            .to_owned(),
                    ));
                }
            }
            Mode::App | Mode::OAuth => match set.as_slice() {
                [] if lookup(AZURE_FEDERATED_TOKEN_FILE).is_set() => {}
                [] => {
                    let others: Vec<String> = kinds
                        .iter()
                        .skip(1)
                        .map(|v| match v.kind {
                            Kind::Bool => format!("{}=1", v.name),
                            _ => v.name.to_owned(),
                        })
                        .collect();
                    let first = kinds.first().map(|v| v.name).unwrap_or_default();
                    problems.missing.push((
                        first.to_owned(),
                        format!(
                            "the application's credential; or instead one of {}",
                            others.join(", ")
                        ),
                    ));
                }
                [_] => {}
                [first, second, ..] => problems.malformed.push((
                    first.name.to_owned(),
                    format!(
                        "is set, and so is {}: configure exactly one credential kind",
                        second.name
                    ),
                )),
            },
            Mode::KeyOnly => {}
        }
    }

    /// The error for `vendor`'s variables and `purpose`, listing every problem at
    /// once (exit code 2), or nothing when they are usable.
    ///
    /// # Errors
    ///
    /// A usage [`Failure`] naming every variable missing or not usable.
    pub fn require(&self, purpose: Purpose, insecure_loopback: bool) -> Result<(), Failure> {
        let problems = self.check(purpose, insecure_loopback, &Value::of_env);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Failure::usage(format!(
                "{}: {} (see `vendorctl help environment`)",
                self.vendor.name(),
                problems.describe()
            )))
        }
    }
}

/// What is wrong with `text` as a value of `v`; never quotes a secret, nor a URL
/// (which may carry credentials).
fn malformed(v: &Var, text: &str, loopback_ok: bool) -> Option<String> {
    match v.kind {
        Kind::Text => None,
        Kind::Bool => (!matches!(
            text.to_ascii_lowercase().as_str(),
            "1" | "0" | "true" | "false" | "yes" | "no"
        ))
        .then(|| "must be 1 or 0 (true or false)".to_owned()),
        Kind::Choice(choices) => (!choices.iter().any(|c| c.eq_ignore_ascii_case(text)))
            .then(|| format!("`{text}` is not one of: {}", choices.join(", "))),
        Kind::Segment => {
            let ok = !text.is_empty()
                && text != "."
                && text != ".."
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            (!ok).then(|| format!("`{text}` is not an API version such as 2.4.9 or v3"))
        }
        Kind::Email => keyavi::CallerId::parse(text)
            .err()
            .map(|_| "is not an email address".to_owned()),
        Kind::File => match std::fs::metadata(text) {
            Ok(m) if m.is_file() => None,
            Ok(_) => Some("names something that is not a file".to_owned()),
            Err(e) => Some(format!("cannot be read: {}", e.kind())),
        },
        Kind::Url => url_problem(v.name, text, loopback_ok),
    }
}

fn url_problem(name: &str, text: &str, loopback_ok: bool) -> Option<String> {
    let Ok(url) = url::Url::parse(text) else {
        return Some("is not an absolute URL".to_owned());
    };
    match url.scheme() {
        "https" => None,
        "http" if !is_loopback(&url) => Some(
            "must use https:// (plain http:// only to a loopback host, with --insecure-loopback)"
                .to_owned(),
        ),
        "http" if !loopback_ok => {
            let prefix = name.split('_').next().unwrap_or_default();
            Some(format!(
                "plain http:// needs --insecure-loopback or {prefix}_ALLOW_INSECURE_LOOPBACK=1; otherwise use https://"
            ))
        }
        "http" => None,
        _ => Some("must use https://".to_owned()),
    }
}

/// Whether `url`'s host is a loopback host (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The variables of `catalog` as aligned lines for a help text.
fn table(catalog: &VendorCatalog, out: &mut String) {
    let width = catalog.vars.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:width$}  {:6}  {:22}  {:5}  what it is for",
        "variable", "secret", "required", "used"
    );
    for v in catalog.vars {
        let mut what = v.description.to_owned();
        if let Need::OnlyWith(other) = v.need {
            let _ = write!(what, " (with {other})");
        }
        if let Some(default) = v.default {
            let _ = write!(what, "; default {default}");
        }
        let _ = writeln!(
            out,
            "  {:width$}  {:6}  {:22}  {:5}  {what}",
            v.name,
            if v.secret { "secret" } else { "" },
            v.requirement(),
            v.used_by.label(),
        );
    }
}

/// The help text of a vendor subcommand (`vendorctl kazi --help`): its variables.
pub fn vendor_help(vendor: Vendor) -> String {
    let catalog = of(vendor);
    let mut out = format!(
        "Environment variables: {}\nSecrets may also be given as <NAME>_FILE. `used`: which calls read it (`vendorctl token {}` needs only the token's). Every vendor's: `vendorctl help environment`.\n\n",
        catalog.modes,
        vendor.prefix().to_ascii_lowercase()
    );
    table(catalog, &mut out);
    if !catalog.roles.is_empty() {
        let roles: Vec<String> = catalog
            .roles
            .iter()
            .map(|r| format!("{} ({})", r.name, r.needed_by))
            .collect();
        let _ = write!(out, "\nRoles the commands need: {}.", roles.join(", "));
    }
    out
}

/// `vendorctl help environment`: every vendor's variables, the shared ones and
/// vendorctl's own.
pub fn environment_help() -> String {
    let mut out = String::from(
        "vendorctl is configured from environment variables, one set per vendor.\n\
         \n\
         Where a value comes from, first found wins: the environment, then --env-file FILE,\n\
         then the profile (--profile NAME, VENDORCTL_PROFILE: non-secret settings from the\n\
         config file's [profile NAME] section), then the default. Each secret can instead be\n\
         read from a file: <NAME>_FILE=/path (one trailing newline dropped; <NAME> and\n\
         <NAME>_FILE together are refused). `vendorctl config show` prints what is in effect;\n\
         `vendorctl doctor` checks it.\n\
         \n\
         required: required always; `required (not with MI)` unless the managed identity is\n\
         used; `one credential`: exactly one of these; `<mode> only`: in that mode.\n\
         used: whether the token request (`token`), the API calls (`API`) or both read it;\n\
         `vendorctl token <vendor>` needs only the token's.\n",
    );
    for catalog in VENDORS {
        let _ = write!(out, "\n{}: {}\n", catalog.vendor.name(), catalog.modes);
        table(catalog, &mut out);
        if !catalog.roles.is_empty() {
            let roles: Vec<String> = catalog
                .roles
                .iter()
                .map(|r| match r.mode {
                    Some(m) if catalog.vendor != Vendor::Okq8 => {
                        format!("{} ({}, {})", r.name, r.needed_by, m.label())
                    }
                    _ => format!("{} ({})", r.name, r.needed_by),
                })
                .collect();
            let _ = writeln!(out, "  roles the commands need: {}", roles.join(", "));
        }
    }
    out.push_str("\nRead by every vendor:\n");
    for (name, what) in SHARED {
        let _ = writeln!(out, "  {name:36}  {what}");
    }
    out.push_str("\nvendorctl's own:\n");
    for (name, what) in VENDORCTL {
        let _ = writeln!(out, "  {name:36}  {what}");
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::{BTreeSet, HashMap};

    use super::*;

    /// Each vendor crate's sources that read its variables.
    fn sources(vendor: Vendor) -> &'static str {
        match vendor {
            Vendor::Kazi => include_str!("../../kazi-tagging/src/client.rs"),
            Vendor::Keyavi => include_str!("../../keyavi/src/client.rs"),
            Vendor::Kaisa => include_str!("../../kaisa/src/client.rs"),
            Vendor::Okq8 => include_str!("../../okq8/src/client.rs"),
        }
    }

    /// Every string literal of `text` that is a whole variable name of `prefix`.
    fn literals(text: &str, prefix: &str) -> BTreeSet<String> {
        text.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.strip_prefix(prefix).is_some_and(|rest| {
                    rest.starts_with('_')
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                })
            })
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_catalog_lists_exactly_the_variables_the_vendor_crates_read() {
        for catalog in VENDORS {
            let read = literals(sources(catalog.vendor), catalog.vendor.prefix());
            let listed: BTreeSet<String> = catalog.vars.iter().map(|v| v.name.to_owned()).collect();
            assert_eq!(
                listed,
                read,
                "{}: the catalog and the crate's read_env differ",
                catalog.vendor.name()
            );
        }
        // The shared variables are the kit's and oauth-core's.
        let kit = include_str!("../../vendor-core/src/kit/mod.rs");
        assert!(kit.contains("\"AZURE_FEDERATED_TOKEN_FILE\""));
        let managed = include_str!("../../oauth-core/src/managed.rs");
        assert!(
            managed.contains("\"IDENTITY_ENDPOINT\"") && managed.contains("\"IDENTITY_HEADER\"")
        );
    }

    #[test]
    fn secrets_are_the_crates_secrets() {
        let secret: BTreeSet<&str> = secrets().map(|v| v.name).collect();
        for name in [
            "KAZI_CLIENT_SECRET",
            "KAZI_CLIENT_CERTIFICATE_PASSWORD",
            "KAZI_SUBSCRIPTION_KEY",
            "KEYAVI_CLIENT_SECRET",
            "KEYAVI_CLIENT_CERTIFICATE_PASSWORD",
            "KEYAVI_SUBSCRIPTION_KEY",
            "KEYAVI_PASSWORD",
            "KAISA_CLIENT_SECRET",
            "OKQ8_CLIENT_SECRET",
            "OKQ8_CLIENT_CERTIFICATE_PASSWORD",
            "OKQ8_SUBSCRIPTION_KEY",
        ] {
            assert!(secret.contains(name), "{name} is a secret");
        }
        assert_eq!(secret.len(), 11, "{secret:?}");
        // Each secret's _FILE form is no variable of its own.
        for v in secrets() {
            assert!(find(&v.file_form()).is_none());
        }
    }

    #[test]
    fn the_roles_are_the_crates_roles() {
        use kazi_tagging::Scope;
        let kazi: Vec<&str> = KAZI.roles.iter().map(|r| r.name).collect();
        assert_eq!(
            kazi,
            [
                Scope::ReadExpectations.as_str(),
                Scope::ReadTalentScans.as_str(),
                Scope::ReadJobScans.as_str(),
                Scope::WriteTalentScans.as_str(),
            ]
        );
        assert!(include_str!("../../kazi-tagging/src/api/administrator.rs")
            .contains("Scope::ReadJobScans"));
        assert!(
            include_str!("../../kazi-tagging/src/api/create_talent_scan.rs")
                .contains("Scope::WriteTalentScans")
        );
        assert!(include_str!("../../kazi-tagging/src/api/expectations.rs")
            .contains("Scope::ReadExpectations"));
        assert!(include_str!("../../kazi-tagging/src/api/talent_scans.rs")
            .contains("Scope::ReadTalentScans"));
        assert!(include_str!("../../keyavi/src/api/payloads.rs").contains("\"Payloads.Protect\""));
        assert!(include_str!("../../keyavi/src/api/logs.rs").contains("\"Logs.Read\""));
        assert!(include_str!("../../keyavi/src/client.rs")
            .contains("USER_SCOPE: &str = \"access_as_user\""));
        assert_eq!(OKQ8.roles[0].name, okq8::AccessLevel::Get.as_str());
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Value {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| match map.get(name) {
            Some(v) if !v.trim().is_empty() => Value::Set(v.trim().to_owned()),
            _ => Value::Unset,
        }
    }

    fn names(p: &Problems) -> Vec<&str> {
        p.missing
            .iter()
            .map(|(n, _)| n.split(' ').next().unwrap())
            .chain(p.malformed.iter().map(|(n, _)| n.as_str()))
            .collect()
    }

    #[test]
    fn a_keyavi_newcomer_learns_every_missing_variable_at_once() {
        let p = KEYAVI.check(Purpose::Api, false, &env(&[]));
        assert_eq!(
            names(&p),
            [
                "KEYAVI_BASE_URL",
                "KEYAVI_TENANT_ID",
                "KEYAVI_CLIENT_ID",
                "KEYAVI_SUBSCRIPTION_KEY",
                "KEYAVI_CALLER_ID",
                "KEYAVI_CLIENT_SECRET",
            ]
        );
        let line = p.describe();
        assert!(
            line.starts_with("6 variables missing: KEYAVI_BASE_URL ("),
            "{line}"
        );
        assert!(line.ends_with("KEYAVI_CLIENT_SECRET (the application's credential; or instead one of KEYAVI_CLIENT_CERTIFICATE_PATH, KEYAVI_FEDERATED_TOKEN_FILE, KEYAVI_USE_MANAGED_IDENTITY=1)"), "{line}");
        // The token needs neither the key, the base URL nor the caller id.
        let p = KEYAVI.check(Purpose::Token, false, &env(&[]));
        assert_eq!(
            names(&p),
            [
                "KEYAVI_TENANT_ID",
                "KEYAVI_CLIENT_ID",
                "KEYAVI_CLIENT_SECRET"
            ]
        );
        // User mode: the password, not the caller id.
        let p = KEYAVI.check(
            Purpose::Api,
            false,
            &env(&[
                ("KEYAVI_USERNAME", "u@example.com"),
                ("KEYAVI_CLIENT_CERTIFICATE_PATH", "/nonexistent"),
            ]),
        );
        assert_eq!(
            names(&p),
            [
                "KEYAVI_BASE_URL",
                "KEYAVI_TENANT_ID",
                "KEYAVI_CLIENT_ID",
                "KEYAVI_SUBSCRIPTION_KEY",
                "KEYAVI_PASSWORD",
                "KEYAVI_CLIENT_CERTIFICATE_PATH",
                "KEYAVI_CLIENT_CERTIFICATE_PATH",
            ]
        );
    }

    #[test]
    fn the_token_needs_no_subscription_key() {
        let vars = [("KAZI_CLIENT_ID", "id"), ("KAZI_CLIENT_SECRET", "s")];
        assert!(KAZI.check(Purpose::Token, false, &env(&vars)).is_empty());
        let p = KAZI.check(Purpose::Api, false, &env(&vars));
        assert_eq!(names(&p), ["KAZI_SUBSCRIPTION_KEY"]);
        // OKQ8: the token needs OAuth; the API alone works with the key only.
        let key_only = [
            ("OKQ8_BASE_URL", "https://x.example/"),
            ("OKQ8_SUBSCRIPTION_KEY", "k"),
        ];
        assert!(OKQ8.check(Purpose::Api, false, &env(&key_only)).is_empty());
        let p = OKQ8.check(Purpose::Token, false, &env(&key_only));
        assert_eq!(
            names(&p),
            ["OKQ8_CLIENT_ID", "OKQ8_SCOPE", "OKQ8_CLIENT_SECRET"]
        );
    }

    #[test]
    fn malformed_values_are_named_without_secrets_or_urls() {
        let p = KAZI.check(
            Purpose::Api,
            false,
            &env(&[
                ("KAZI_CLIENT_ID", "id"),
                ("KAZI_CLIENT_SECRET", "s3cr3t-value"),
                ("KAZI_CLIENT_CERTIFICATE_PASSWORD", "pw-value"),
                ("KAZI_SUBSCRIPTION_KEY", "k"),
                ("KAZI_ENV", "staging"),
                ("KAZI_BASE_URL", "http://user:pa55@kazi.example.com/"),
                ("KAZI_TOKEN_URL", "http://127.0.0.1:9/token"),
                ("KAZI_USE_MANAGED_IDENTITY", "maybe"),
            ]),
        );
        let line = p.describe();
        for needle in [
            "KAZI_ENV (`staging` is not one of: test, production, prod)",
            "KAZI_BASE_URL (must use https://",
            "KAZI_TOKEN_URL (plain http:// needs --insecure-loopback or KAZI_ALLOW_INSECURE_LOOPBACK=1",
            "KAZI_USE_MANAGED_IDENTITY (must be 1 or 0",
            "KAZI_CLIENT_CERTIFICATE_PASSWORD (is set, but KAZI_CLIENT_CERTIFICATE_PATH is not)",
        ] {
            assert!(line.contains(needle), "{needle:?} in {line}");
        }
        let debug = format!("{p:?}");
        for secret in ["s3cr3t-value", "pw-value", "pa55"] {
            assert!(!line.contains(secret), "{line}");
            assert!(!debug.contains(secret), "{debug}");
        }
        // The opt-in allows loopback http.
        let p = KAZI.check(
            Purpose::Token,
            true,
            &env(&[
                ("KAZI_CLIENT_ID", "id"),
                ("KAZI_CLIENT_SECRET", "s"),
                ("KAZI_TOKEN_URL", "http://127.0.0.1:9/token"),
            ]),
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn credential_kinds_are_exactly_one() {
        let p = KAZI.check(
            Purpose::Token,
            false,
            &env(&[
                ("KAZI_CLIENT_ID", "id"),
                ("KAZI_CLIENT_SECRET", "s"),
                ("KAZI_USE_MANAGED_IDENTITY", "1"),
            ]),
        );
        assert!(p.describe().contains(
            "KAZI_CLIENT_SECRET (is set, and so is KAZI_USE_MANAGED_IDENTITY: configure exactly one credential kind)"
        ), "{}", p.describe());
        // The managed identity needs no client id; 0 is not a credential.
        assert!(KAZI
            .check(
                Purpose::Token,
                false,
                &env(&[("KAZI_USE_MANAGED_IDENTITY", "1")])
            )
            .is_empty());
        let p = KAZI.check(
            Purpose::Token,
            false,
            &env(&[("KAZI_USE_MANAGED_IDENTITY", "0"), ("KAZI_CLIENT_ID", "id")]),
        );
        assert_eq!(names(&p), ["KAZI_CLIENT_SECRET"]);
        // Azure's federated token file stands in when no credential is set.
        assert!(KAZI
            .check(
                Purpose::Token,
                false,
                &env(&[
                    ("KAZI_CLIENT_ID", "id"),
                    ("AZURE_FEDERATED_TOKEN_FILE", "/f")
                ])
            )
            .is_empty());
    }

    #[test]
    fn the_help_lists_every_variable() {
        let all = environment_help();
        for catalog in VENDORS {
            let one = vendor_help(catalog.vendor);
            for v in catalog.vars {
                assert!(all.contains(v.name) && one.contains(v.name), "{}", v.name);
            }
        }
        assert!(
            all.contains("KAZI_SUBSCRIPTION_KEY             secret  required"),
            "{all}"
        );
    }
}
