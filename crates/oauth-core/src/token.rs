//! Access tokens, their lifetime policy and their decoded claims.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

/// Most time before expiry at which a token is refreshed in the background.
pub const MAX_REFRESH_AHEAD: Duration = Duration::from_secs(5 * 60);
/// Most time before expiry at which a token stops being handed out.
pub const MAX_EXPIRY_SKEW: Duration = Duration::from_secs(30);
/// Lifetime assumed when the token endpoint sends neither `expires_in` nor `expires_on`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Longest lifetime believed, whatever the server says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

static NEXT_TOKEN_ID: AtomicU64 = AtomicU64::new(1);

/// Where a token stands in its life, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// Use it; nothing to do.
    Fresh,
    /// Use it, and make sure a background refresh runs.
    RefreshAhead,
    /// Too close to expiry (or past it): wait for a new one.
    Expired,
}

/// An OAuth 2.0 access token.
///
/// Cheap to clone (one reference count). The secret value is never printed: `Debug`
/// shows `[redacted]`, and there is no `Display`. Use [`AccessToken::secret`] to read
/// it on purpose, or [`AccessToken::authorization_header`] for a ready header value
/// that is marked sensitive.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenInner>);

pub(crate) struct TokenInner {
    id: u64,
    secret: SecretString,
    header: HeaderValue,
    token_type: String,
    lifetime: Duration,
    expires_at: Instant,
    expires_at_wall: SystemTime,
    refresh_at: Instant,
    usable_until: Instant,
    scopes: Vec<String>,
    claims: Option<Claims>,
}

impl TokenInner {
    /// Whether the token is [`Freshness::Fresh`] at `now`, without a reference count.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

impl AccessToken {
    /// Builds a token that expires `lifetime` after `issued_at`.
    ///
    /// The refresh point is `min(5 min, lifetime / 2)` before expiry, moved earlier by
    /// up to a tenth of that at random so that a fleet does not refresh in lockstep;
    /// the token stops being handed out `min(30 s, lifetime / 4)` before expiry.
    pub fn new(
        secret: impl Into<String>,
        token_type: impl Into<String>,
        issued_at: Instant,
        issued_at_wall: SystemTime,
        lifetime: Duration,
    ) -> Self {
        let secret: String = secret.into();
        let lifetime = lifetime.min(MAX_LIFETIME);
        let claims = Claims::decode(&secret);
        // The temporary text is wiped; the header value is built once per token and
        // shared by every request (the `http` crate gives no way to wipe it).
        let text = secrecy::zeroize::Zeroizing::new(format!("Bearer {secret}"));
        let mut header = HeaderValue::from_str(&text)
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token-characters"));
        header.set_sensitive(true);
        let ahead = MAX_REFRESH_AHEAD.min(lifetime / 2);
        let jitter = ahead.mul_f64(fastrand::f64() * 0.1);
        let skew = MAX_EXPIRY_SKEW.min(lifetime / 4);
        let expires_at = issued_at + lifetime;
        Self(Arc::new(TokenInner {
            id: NEXT_TOKEN_ID.fetch_add(1, Ordering::Relaxed),
            secret: SecretString::from(secret),
            header,
            token_type: token_type.into(),
            lifetime,
            expires_at,
            expires_at_wall: issued_at_wall + lifetime,
            refresh_at: expires_at - ahead - jitter,
            usable_until: expires_at - skew,
            scopes: Vec::new(),
            claims,
        }))
    }

    pub(crate) fn from_inner(inner: Arc<TokenInner>) -> Self {
        Self(inner)
    }

    pub(crate) fn inner_arc(&self) -> Arc<TokenInner> {
        self.0.clone()
    }

    /// Whether this token is `inner` itself (the same allocation).
    pub(crate) fn is_inner(&self, inner: &Arc<TokenInner>) -> bool {
        Arc::ptr_eq(&self.0, inner)
    }

    /// Rebuilds a token stored elsewhere (a shared cache) from its wall-clock expiry
    /// and the lifetime it was issued with, so that its refresh point is the same
    /// in every process.
    pub fn restore(
        secret: impl Into<String>,
        token_type: impl Into<String>,
        expires_at_wall: SystemTime,
        lifetime: Duration,
        scopes: Vec<String>,
    ) -> Self {
        let now_wall = SystemTime::now();
        let now = Instant::now();
        let remaining = expires_at_wall
            .duration_since(now_wall)
            .unwrap_or(Duration::ZERO);
        let lifetime = lifetime.max(remaining);
        let elapsed = lifetime - remaining;
        let token = match (now.checked_sub(elapsed), now_wall.checked_sub(elapsed)) {
            (Some(issued_at), Some(issued_at_wall)) => {
                Self::new(secret, token_type, issued_at, issued_at_wall, lifetime)
            }
            // The monotonic clock cannot go back that far: count the rest from now.
            _ => Self::new(secret, token_type, now, now_wall, remaining),
        };
        token.with_scopes(scopes)
    }

    /// A token that is valid for `lifetime` from now (for tests and static tokens).
    pub fn valid_for(secret: impl Into<String>, lifetime: Duration) -> Self {
        Self::new(
            secret,
            "Bearer",
            Instant::now(),
            SystemTime::now(),
            lifetime,
        )
    }

    /// Attaches the scopes (or resource) the token was requested for.
    pub fn with_scopes(self, scopes: Vec<String>) -> Self {
        match Arc::try_unwrap(self.0) {
            Ok(mut inner) => {
                inner.scopes = scopes;
                Self(Arc::new(inner))
            }
            Err(shared) => Self(shared),
        }
    }

    /// The token value. Reading it is deliberate: never log it.
    pub fn secret(&self) -> &str {
        self.0.secret.expose_secret()
    }

    /// `Bearer <token>` as a header value marked sensitive, built once per token.
    pub fn authorization_header(&self) -> &HeaderValue {
        &self.0.header
    }

    /// The `token_type` the server sent (normally `Bearer`).
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }

    /// The lifetime the token was issued with.
    pub fn lifetime(&self) -> Duration {
        self.0.lifetime
    }

    /// When the token expires, on the monotonic clock.
    pub fn expires_at(&self) -> Instant {
        self.0.expires_at
    }

    /// When the token expires, on the wall clock.
    pub fn expires_at_wall(&self) -> SystemTime {
        self.0.expires_at_wall
    }

    /// When a background refresh should start.
    pub fn refresh_at(&self) -> Instant {
        self.0.refresh_at
    }

    /// Time left before expiry (zero once expired).
    pub fn remaining(&self) -> Duration {
        self.0.expires_at.saturating_duration_since(Instant::now())
    }

    /// The scopes (or resource) the token was requested for.
    pub fn scopes(&self) -> &[String] {
        &self.0.scopes
    }

    /// Claims decoded from the token if it is a JWT (not verified: for diagnosis only).
    pub fn claims(&self) -> Option<&Claims> {
        self.0.claims.as_ref()
    }

    /// Whether the decoded claims grant `role` (in `roles` or `scp`).
    ///
    /// `None` when the token is opaque and nothing can be said.
    pub fn has_role(&self, role: &str) -> Option<bool> {
        self.claims().map(|c| c.has_role(role))
    }

    /// Where the token stands at `now`.
    pub fn freshness(&self, now: Instant) -> Freshness {
        if now < self.0.refresh_at {
            Freshness::Fresh
        } else if now < self.0.usable_until {
            Freshness::RefreshAhead
        } else {
            Freshness::Expired
        }
    }

    /// Whether this is the same token as `other` (same value).
    pub fn same_as(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.id == other.0.id || self.secret() == other.secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("token_type", &self.0.token_type)
            .field("remaining", &self.remaining())
            .field("scopes", &self.0.scopes)
            .field("claims", &self.0.claims)
            .finish_non_exhaustive()
    }
}

/// Claims read from a JWT access token's payload, without checking its signature.
///
/// Use them to explain failures (which roles a token carries, for which audience),
/// never to make security decisions: the API checks the signature, we do not.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Claims {
    /// Application roles (`roles`), for app-only tokens.
    #[serde(default, deserialize_with = "string_or_seq")]
    pub roles: Vec<String>,
    /// Delegated scopes (`scp`), space-separated in the token.
    #[serde(default, rename = "scp", deserialize_with = "space_separated")]
    pub scopes: Vec<String>,
    /// Audience (`aud`), one or several.
    #[serde(default, deserialize_with = "string_or_seq")]
    pub aud: Vec<String>,
    /// Issuer.
    #[serde(default, deserialize_with = "text")]
    pub iss: Option<String>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub exp: Option<i64>,
    /// Not valid before, seconds since the Unix epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub nbf: Option<i64>,
    /// Issued at, seconds since the Unix epoch.
    #[serde(default, deserialize_with = "numeric_date")]
    pub iat: Option<i64>,
    /// Tenant id.
    #[serde(default, deserialize_with = "text")]
    pub tid: Option<String>,
    /// Application (client) id, Azure AD v1 tokens.
    #[serde(default, deserialize_with = "text")]
    pub appid: Option<String>,
    /// Application (client) id, Azure AD v2 tokens.
    #[serde(default, deserialize_with = "text")]
    pub azp: Option<String>,
    /// Object id of the caller.
    #[serde(default, deserialize_with = "text")]
    pub oid: Option<String>,
    /// User principal name.
    #[serde(default, deserialize_with = "text")]
    pub upn: Option<String>,
    /// Preferred username.
    #[serde(default, deserialize_with = "text")]
    pub preferred_username: Option<String>,
    /// The user's name in Azure AD v1 tokens (`unique_name`), often the only one
    /// there for accounts without a UPN.
    #[serde(default, deserialize_with = "text")]
    pub unique_name: Option<String>,
}

impl Claims {
    /// Decodes the payload of a JWT (`header.payload.signature`); `None` for opaque
    /// tokens or payloads that are not JSON objects.
    pub fn decode(token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None; // five parts: an encrypted JWE, nothing to read.
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        if !is_json_object(&bytes) {
            return None;
        }
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether `role` is among the roles or the delegated scopes.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().chain(&self.scopes).any(|r| r == role)
    }

    /// Roles and scopes together, as granted.
    pub fn granted(&self) -> Vec<&str> {
        self.roles
            .iter()
            .chain(&self.scopes)
            .map(String::as_str)
            .collect()
    }

    /// The application id, from `appid` (v1) or `azp` (v2).
    pub fn app_id(&self) -> Option<&str> {
        self.appid.as_deref().or(self.azp.as_deref())
    }

    /// The user, from `upn`, `preferred_username` (v2) or `unique_name` (v1).
    pub fn user(&self) -> Option<&str> {
        self.upn
            .as_deref()
            .or(self.preferred_username.as_deref())
            .or(self.unique_name.as_deref())
    }
}

fn string_or_seq<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Other(serde::de::IgnoredAny),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Other(_) => Vec::new(),
    })
}

/// A NumericDate (RFC 7519 §2): whole or fractional seconds, or (some issuers) a
/// numeric string; anything else reads as absent rather than failing every claim.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        serde_json::Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| f as i64),
        _ => None,
    })
}

/// A text claim; a number is kept as its text, anything else reads as absent.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn space_separated<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let list = string_or_seq(d)?;
    Ok(list
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect())
}

/// Whether `body` is (at most) a JSON object: serde's derived structs also read a JSON
/// array as their fields in order, so `["x", null]` would become a token whose
/// `access_token` is `x`. Every parser of a server's answer checks this first.
pub(crate) fn is_json_object(body: &[u8]) -> bool {
    body.trim_ascii_start().first() == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            b64.encode(r#"{"alg":"none"}"#),
            b64.encode(payload)
        )
    }

    #[test]
    fn decodes_roles_scp_and_aud() {
        let c = Claims::decode(&jwt(
            r#"{"roles":["read:expectations"],"scp":"access_as_user other","aud":"api://x","tid":"t","appid":"a","exp":10}"#,
        ))
        .unwrap();
        assert!(c.has_role("read:expectations"));
        assert!(c.has_role("access_as_user"));
        assert!(c.has_role("other"));
        assert!(!c.has_role("write:answers"));
        assert_eq!(c.aud, vec!["api://x"]);
        assert_eq!(c.app_id(), Some("a"));
        assert_eq!(c.exp, Some(10));
    }

    #[test]
    fn the_user_comes_from_upn_then_preferred_username_then_unique_name() {
        let v1 = Claims::decode(&jwt(
            r#"{"ver":"1.0","unique_name":"jane@contoso.example"}"#,
        ))
        .unwrap();
        assert_eq!(v1.user(), Some("jane@contoso.example"));
        let both = Claims::decode(&jwt(
            r#"{"upn":"upn@contoso.example","unique_name":"u@contoso.example"}"#,
        ))
        .unwrap();
        assert_eq!(both.user(), Some("upn@contoso.example"));
        let v2 = Claims::decode(&jwt(r#"{"preferred_username":"p@contoso.example"}"#)).unwrap();
        assert_eq!(v2.user(), Some("p@contoso.example"));
    }

    #[test]
    fn opaque_and_garbage_tokens_have_no_claims() {
        assert!(Claims::decode("opaque-token").is_none());
        assert!(Claims::decode("a.b.c").is_none());
        assert!(Claims::decode("a.b.c.d.e").is_none());
        assert!(Claims::decode(&jwt("[1,2]")).is_none());
    }

    #[test]
    fn odd_claim_types_do_not_fail_decoding() {
        let c = Claims::decode(&jwt(r#"{"roles":7,"aud":["a","b"]}"#)).unwrap();
        assert!(c.roles.is_empty());
        assert_eq!(c.aud, vec!["a", "b"]);
        let c = Claims::decode(&jwt(
            r#"{"roles":["r"],"exp":1700000000.75,"iat":"1699990000","nbf":{"x":1},"oid":12345,"tid":["t"]}"#,
        ))
        .unwrap();
        assert_eq!(c.roles, vec!["r"]);
        assert_eq!(
            (c.exp, c.iat, c.nbf),
            (Some(1_700_000_000), Some(1_699_990_000), None)
        );
        assert_eq!((c.oid.as_deref(), c.tid), (Some("12345"), None));
    }

    #[tokio::test(start_paused = true)]
    async fn freshness_windows_follow_the_policy() {
        let t = AccessToken::valid_for("x", Duration::from_secs(3600));
        let now = Instant::now();
        assert_eq!(t.freshness(now), Freshness::Fresh);
        // ahead = 5 min (+ up to 10% jitter), skew = 30 s
        assert_eq!(
            t.freshness(now + Duration::from_secs(3600 - 331)),
            Freshness::Fresh
        );
        assert_eq!(
            t.freshness(now + Duration::from_secs(3600 - 299)),
            Freshness::RefreshAhead
        );
        assert_eq!(
            t.freshness(now + Duration::from_secs(3600 - 30)),
            Freshness::Expired
        );

        // A 300 s token: ahead = 150 s (+ up to 15 s), skew = 30 s.
        let short = AccessToken::valid_for("y", Duration::from_secs(300));
        assert_eq!(
            short.freshness(now + Duration::from_secs(134)),
            Freshness::Fresh
        );
        assert_eq!(
            short.freshness(now + Duration::from_secs(151)),
            Freshness::RefreshAhead
        );
        assert_eq!(
            short.freshness(now + Duration::from_secs(271)),
            Freshness::Expired
        );
    }

    #[test]
    fn debug_redacts_secret() {
        let t = AccessToken::valid_for("super-secret-token-value", Duration::from_secs(60));
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("super-secret-token-value"));
        assert!(dbg.contains("[redacted]"));
        assert!(t.authorization_header().is_sensitive());
        assert_eq!(t.secret(), "super-secret-token-value");
    }
}
