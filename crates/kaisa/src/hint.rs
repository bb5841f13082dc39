//! What to do about a refused API call: Kaisa admits only registered IP addresses.

use vendor_core::AuthErrorKind;

use crate::Error;

/// Kaisa's getting-started page asks for "your IP address(es) for access" with the
/// API credentials: a call from any other address is refused even with a valid token.
pub const IP_ALLOW_LIST_HINT: &str = "Kaisa admits API calls only from the IP addresses registered with its support: if this host's public address is new, ask Kaisa support to allow it (https://support.kaisa.io/hc/en-us/articles/201298061-Kaisa-API-Getting-started)";

/// The hint for an API call Kaisa refused with 401 or 403 after a token was issued:
/// [`IP_ALLOW_LIST_HINT`]; `None` for any other error (a refused token request is
/// about the credentials, not the address).
///
/// ```
/// # fn demo(err: kaisa::Error) {
/// if let Some(hint) = kaisa::access_hint(&err) {
///     eprintln!("{err} ({hint})");
/// }
/// # }
/// ```
pub fn access_hint(err: &Error) -> Option<&'static str> {
    match err {
        Error::Auth(auth) => match auth.kind() {
            AuthErrorKind::Unauthorized
            | AuthErrorKind::Forbidden
            | AuthErrorKind::TokenRejected => Some(IP_ALLOW_LIST_HINT),
            _ => None,
        },
        _ => None,
    }
}
