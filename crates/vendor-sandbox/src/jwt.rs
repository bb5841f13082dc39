//! HS256 JWTs signed with the per-sandbox key (no JWT crate: the format is three base64url parts).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims the sandbox puts in (and reads from) its access tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub appid: String,
    pub azp: String,
    pub oid: String,
    pub sub: String,
    pub idtyp: String,
    pub ver: String,
    /// A value of its own per token, so that two tokens issued in the same second for
    /// the same client differ (as real ones do).
    #[serde(default)]
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

impl Claims {
    /// Whether the token carries `role` as an app role or `role` as a delegated scope.
    pub(crate) fn has_permission(&self, permission: &str) -> bool {
        self.roles
            .as_deref()
            .is_some_and(|roles| roles.iter().any(|r| r == permission))
            || self
                .scp
                .as_deref()
                .is_some_and(|scp| scp.split(' ').any(|s| s == permission))
    }

    /// Whether this is an application (client-credentials) token.
    pub(crate) fn is_app(&self) -> bool {
        self.idtyp == "app"
    }
}

/// A fresh `jti`: unique within the process.
pub(crate) fn new_jti() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    crate::ids::guid_from(&format!("jti/{}/{n}", std::process::id()))
}

/// Why a bearer token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    Malformed,
    BadSignature,
    Expired,
    NotYetValid,
}

impl TokenRejection {
    pub(crate) fn description(self) -> &'static str {
        match self {
            Self::Malformed => "The token is malformed",
            Self::BadSignature => "The signature is invalid",
            Self::Expired => "The token is expired",
            Self::NotYetValid => "The token is not valid yet",
        }
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails; fall back to an empty key
    // rather than panicking to satisfy the lints.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| HmacSha256::new(&Default::default()))
}

/// Signs `claims` as an HS256 JWT.
pub(crate) fn sign(key: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT","kid":"sandbox"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut mac = mac(key);
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Verifies signature, algorithm and validity window; returns the claims.
pub(crate) fn verify(key: &[u8], token: &str, now: i64) -> Result<Claims, TokenRejection> {
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return Err(TokenRejection::Malformed);
    };
    let Some((header, payload)) = signing_input.split_once('.') else {
        return Err(TokenRejection::Malformed);
    };
    if payload.contains('.') {
        return Err(TokenRejection::Malformed);
    }
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(TokenRejection::Malformed)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(TokenRejection::BadSignature);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenRejection::Malformed)?;
    let mut mac = mac(key);
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| TokenRejection::BadSignature)?;
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(TokenRejection::Malformed)?;
    if now >= claims.exp {
        return Err(TokenRejection::Expired);
    }
    if now < claims.nbf {
        return Err(TokenRejection::NotYetValid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            aud: "aud".into(),
            iss: "iss".into(),
            iat: 100,
            nbf: 100,
            exp,
            tid: "t".into(),
            appid: "a".into(),
            azp: "a".into(),
            oid: "o".into(),
            sub: "o".into(),
            idtyp: "app".into(),
            jti: new_jti(),
            ver: "2.0".into(),
            roles: Some(vec!["get".into()]),
            scp: None,
            preferred_username: None,
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let key = [7u8; 32];
        let issued = claims(200);
        let token = sign(&key, &issued);
        assert_eq!(verify(&key, &token, 150), Ok(issued));
        assert_eq!(verify(&key, &token, 200), Err(TokenRejection::Expired));
        assert_eq!(verify(&key, &token, 99), Err(TokenRejection::NotYetValid));
        assert_eq!(
            verify(&[8u8; 32], &token, 150),
            Err(TokenRejection::BadSignature)
        );
        assert_eq!(verify(&key, "a.b", 150), Err(TokenRejection::Malformed));
        let mut tampered = token.clone();
        tampered.insert(token.find('.').map_or(0, |i| i + 2), 'x');
        assert!(verify(&key, &tampered, 150).is_err());
    }
}
