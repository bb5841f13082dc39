//! One clear line per failure, with the vendor's code and a hint naming the
//! environment variable to check.

use oauth_core::{ConfigError, TokenError, TransportErrorKind};
use vendor_core::AuthErrorKind;
use vendor_core::Error;

use crate::output::terminal_safe;

/// The vendor a command talks to, for hints that name its variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Kazi Tagging.
    Kazi,
    /// Keyavi.
    Keyavi,
    /// Kaisa.
    Kaisa,
    /// OKQ8.
    Okq8,
}

impl Vendor {
    /// Prefix of the vendor's environment variables.
    pub fn prefix(self) -> &'static str {
        match self {
            Vendor::Kazi => "KAZI",
            Vendor::Keyavi => "KEYAVI",
            Vendor::Kaisa => "KAISA",
            Vendor::Okq8 => "OKQ8",
        }
    }

    /// The variable that names the Azure AD tenant, where the vendor has one to set.
    fn tenant_hint(self) -> String {
        match self {
            Vendor::Keyavi | Vendor::Okq8 => format!("{}_TENANT_ID", self.prefix()),
            Vendor::Kazi => "the tenant (kazib2c.onmicrosoft.com unless overridden)".to_owned(),
            Vendor::Kaisa => "KAISA_TOKEN_URL".to_owned(),
        }
    }

    /// What says which API the token is for.
    fn audience_hint(self) -> String {
        match self {
            Vendor::Keyavi | Vendor::Okq8 => format!("{}_SCOPE", self.prefix()),
            Vendor::Kazi => "the resource (the Kazi API's application id)".to_owned(),
            Vendor::Kaisa => "KAISA_TOKEN_URL".to_owned(),
        }
    }

    /// The vendor's name for people.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Kazi => "Kazi",
            Vendor::Keyavi => "Keyavi",
            Vendor::Kaisa => "Kaisa",
            Vendor::Okq8 => "OKQ8",
        }
    }
}

/// A failure of a command: what to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// The one line for stderr (without the `error: ` prefix).
    pub message: String,
    /// Process exit code.
    pub code: u8,
}

impl Failure {
    /// A usage or configuration problem (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }

    /// Any other failure (exit code 1).
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
        }
    }

    /// Describes an SDK error for `vendor`, with a hint; its exit code by kind
    /// ([`exit_code`]).
    pub fn from_sdk(vendor: Vendor, err: &Error) -> Self {
        let code = exit_code(err);
        let mut message = format!("{}: {err}", vendor.name());
        if let Some(hint) = hint(vendor, err) {
            message.push_str(" (hint: ");
            message.push_str(&hint);
            message.push(')');
        }
        Self { message, code }
    }

    /// The line to print on stderr: `error: ` and the message, with every control
    /// character a server may have put in it (an ANSI escape sequence, a bell, a
    /// carriage return) made visible instead of sent to the terminal.
    pub fn line(&self) -> String {
        format!("error: {}", terminal_safe(&self.message))
    }

    /// Describes a configuration error for `vendor`.
    pub fn from_config(vendor: Vendor, err: &ConfigError) -> Self {
        Self::from_sdk(vendor, &Error::Config(err.clone()))
    }
}

/// Exit code of a usage or configuration problem.
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a refusal: the token endpoint refused the credentials, or the API
/// answered 401 or 403.
pub const EXIT_REFUSED: u8 = 3;
/// Exit code of a network failure or a timeout.
pub const EXIT_NETWORK: u8 = 4;

/// The exit code of an SDK error: 2 configuration or usage, 3 authentication or
/// authorisation refused, 4 network or timeout, 1 anything else.
pub fn exit_code(err: &Error) -> u8 {
    match err {
        Error::Config(_) | Error::InvalidArgument(_) => EXIT_USAGE,
        Error::Auth(_) => EXIT_REFUSED,
        Error::Transport(_) | Error::Timeout(_) => EXIT_NETWORK,
        Error::Token(token) => match token {
            TokenError::Config(_) => EXIT_USAGE,
            TokenError::OAuth(_) => EXIT_REFUSED,
            TokenError::Status(s) if matches!(s.status().as_u16(), 400 | 401 | 403) => EXIT_REFUSED,
            TokenError::Transport(_) | TokenError::DeadlineExceeded { .. } => EXIT_NETWORK,
            _ => 1,
        },
        _ => 1,
    }
}

/// What the user should check, by kind of failure.
pub fn hint(vendor: Vendor, err: &Error) -> Option<String> {
    let p = vendor.prefix();
    match err {
        Error::Auth(auth) => Some(match auth.kind() {
            AuthErrorKind::SubscriptionKeyMissing | AuthErrorKind::SubscriptionKeyInvalid => {
                format!("the subscription key was rejected: check {p}_SUBSCRIPTION_KEY")
            }
            AuthErrorKind::SubscriptionNotAuthorized => format!(
                "the subscription behind {p}_SUBSCRIPTION_KEY is not approved for this API product"
            ),
            AuthErrorKind::MissingRole { required, .. } => {
                format!("ask the vendor to grant `{required}` to {p}_CLIENT_ID")
            }
            AuthErrorKind::TokenRejected => {
                format!("check {p}_TOKEN_URL and the scope or resource the token is for")
            }
            _ => format!("check {p}_CLIENT_ID, {p}_CLIENT_SECRET and {p}_SUBSCRIPTION_KEY"),
        }),
        Error::Token(token) => token_hint(vendor, token),
        Error::Config(config) => {
            if config.field().starts_with(p) {
                None // the message already names the variable
            } else {
                Some(format!("set the matching {p}_* variable or flag"))
            }
        }
        Error::Transport(t) if t.kind() == TransportErrorKind::Connect => Some(format!(
            "could not connect: check {p}_BASE_URL and the network"
        )),
        Error::Redirect(_) => Some(format!("check {p}_BASE_URL: the API moved")),
        _ => None,
    }
}

fn token_hint(vendor: Vendor, err: &TokenError) -> Option<String> {
    let p = vendor.prefix();
    if let Some(oauth) = err.oauth() {
        if let Some(hint) = aadsts_hint(vendor, oauth) {
            return Some(hint);
        }
        let hint = match oauth.code() {
            "invalid_client" => format!("check {p}_CLIENT_ID and {p}_CLIENT_SECRET"),
            "unauthorized_client" => {
                format!("check {p}_CLIENT_ID and {}", vendor.tenant_hint())
            }
            "invalid_grant" if vendor == Vendor::Keyavi => {
                "check KEYAVI_USERNAME and KEYAVI_PASSWORD (user mode)".to_owned()
            }
            "invalid_grant" => format!("check {p}_CLIENT_SECRET"),
            "invalid_scope" | "invalid_resource" => {
                format!("check {p}_CLIENT_ID and {}", vendor.audience_hint())
            }
            _ => format!("check {p}_TOKEN_URL, {p}_CLIENT_ID and {p}_CLIENT_SECRET"),
        };
        return Some(hint);
    }
    match err {
        TokenError::Transport(_) => Some(format!(
            "could not reach the token endpoint: check {p}_TOKEN_URL and the network"
        )),
        TokenError::Status(_) | TokenError::InvalidResponse(_) => Some(format!(
            "check {p}_TOKEN_URL: it does not answer like a token endpoint"
        )),
        _ => None,
    }
}

/// The variable to check for the Entra ID codes users really meet.
fn aadsts_hint(vendor: Vendor, oauth: &oauth_core::OAuthError) -> Option<String> {
    let p = vendor.prefix();
    let has = |codes: &[u64]| codes.iter().any(|c| oauth.has_aadsts(*c));
    let hint = if has(&[50_076, 50_079, 50_158]) {
        format!("the password grant cannot do MFA: unset {p}_USERNAME and {p}_PASSWORD and use the application's credential ({p}_CLIENT_SECRET or {p}_CLIENT_CERTIFICATE_PATH)")
    } else if has(&[53_003]) {
        format!("a Conditional Access policy blocks {p}_CLIENT_ID (or {p}_USERNAME): ask the tenant's administrator")
    } else if has(&[65_001]) {
        format!(
            "ask an administrator to grant consent to {p}_CLIENT_ID for {}",
            vendor.audience_hint()
        )
    } else if has(&[50_034, 50_057]) {
        format!("check {p}_USERNAME (and the tenant)")
    } else if has(&[50_053, 50_055]) {
        format!("the account in {p}_USERNAME must be unlocked or its password changed; then update {p}_PASSWORD")
    } else if has(&[1_002_012]) {
        format!("{p}_SCOPE must be `<resource>/.default` for client credentials")
    } else if has(&[7_000_218]) {
        format!("set {p}_CLIENT_SECRET (or {p}_CLIENT_CERTIFICATE_PATH)")
    } else if has(&[900_023, 90_002]) {
        format!("check {}", vendor.tenant_hint())
    } else if has(&[700_027]) {
        format!("check the certificate in {p}_CLIENT_CERTIFICATE_PATH: registered on the app and not expired")
    } else if has(&[700_024]) {
        "check this machine's clock".to_owned()
    } else {
        return None;
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_line_carries_no_control_character() {
        let failure =
            Failure::other("Kazi: the API said: \x1b]0;pwn\x07\x1b[31mred\r\nforged line");
        let line = failure.line();
        assert_eq!(
            line,
            "error: Kazi: the API said: \\x1b]0;pwn\\x07\\x1b[31mred forged line"
        );
        assert!(!line.chars().any(char::is_control), "{line:?}");
    }
}
