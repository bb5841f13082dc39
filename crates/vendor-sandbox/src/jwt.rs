//! Access tokens: RS256 JWTs signed with the sandbox's issuer key (no JWT crate: the
//! format is three base64url parts), shaped as Entra ID's v1 and v2 access tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RsaPublicKeyComponents};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::SandboxError;

/// The issuer's RSA key, PKCS#8 DER. A THROWAWAY TEST KEY, public in this repository:
/// it proves nothing outside the sandbox. (ring cannot generate RSA keys, so the
/// sandbox ships one, as it does the test client certificate.)
const ISSUER_KEY_PKCS8: &[u8] = include_bytes!("fixtures/sandbox-issuer-key.pk8.der");

/// The claims the sandbox puts in (and reads from) its access tokens.
///
/// v1 tokens carry `appid`/`appidacr`, v2 tokens `azp`/`azpacr` (Entra ID's access token
/// claims reference); both carry `ver`, `tid`, `oid`, `sub`, `uti`, `iat`, `nbf`, `exp`,
/// `idtyp` (`app` or `user`), `roles` (applications) or `scp` (users).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azpacr: Option<String>,
    pub idtyp: String,
    pub oid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    pub sub: String,
    pub tid: String,
    /// Entra ID's token identifier: a value of its own per token, so that two tokens
    /// issued in the same second for the same client differ (as real ones do).
    #[serde(default)]
    pub uti: String,
    pub ver: String,
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

/// A fresh `uti`: unique within the process, base64url like Entra ID's.
pub(crate) fn new_uti() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let digest = Sha256::digest(format!("uti/{}/{n}", std::process::id()).as_bytes());
    URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default())
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

/// The token-signing key and its public forms (the JWKS entry).
pub(crate) struct IssuerKey {
    pair: RsaKeyPair,
    public_der: Vec<u8>,
    /// RFC 7638 thumbprint of the public JWK: the `kid` of tokens and of the JWKS.
    pub kid: String,
    /// Modulus and exponent, base64url.
    pub n: String,
    pub e: String,
    /// A self-signed certificate of the key (base64 DER) and its SHA-1 thumbprint
    /// (base64url), as Entra ID's JWKS lists them; `None` if it could not be made.
    pub x5c: Option<(String, String)>,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    pub(crate) fn load() -> Result<Self, SandboxError> {
        let pair = RsaKeyPair::from_pkcs8(ISSUER_KEY_PKCS8)
            .map_err(|e| SandboxError::Tls(format!("the token-signing key is unusable: {e}")))?;
        let public_der = pair.public().as_ref().to_vec();
        let components: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let n = URL_SAFE_NO_PAD.encode(&components.n);
        let e = URL_SAFE_NO_PAD.encode(&components.e);
        // RFC 7638: the required members in lexicographic order, no whitespace.
        let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        Ok(Self {
            pair,
            public_der,
            kid,
            n,
            e,
            x5c: signing_certificate(),
        })
    }

    /// The JWKS entry (`kty`, `use`, `kid`, `n`, `e`, and `x5t`/`x5c` when there is a
    /// certificate), with `issuer` when given (the v2 keys endpoint lists it).
    pub(crate) fn jwk(&self, issuer: Option<&str>) -> serde_json::Value {
        let mut jwk = serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        });
        if let Some((x5c, x5t)) = &self.x5c {
            jwk["x5t"] = serde_json::json!(x5t);
            jwk["x5c"] = serde_json::json!([x5c]);
        }
        if let Some(issuer) = issuer {
            jwk["issuer"] = serde_json::json!(issuer);
        }
        jwk
    }

    /// Signs `claims` as an RS256 JWT whose header names this key by `kid`.
    pub(crate) fn sign(&self, claims: &Claims) -> String {
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let header = URL_SAFE_NO_PAD.encode(header.to_string().as_bytes());
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        let rng = ring::rand::SystemRandom::new();
        if self
            .pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .is_err()
        {
            // Signing with a valid key into a buffer of the modulus' size does not fail;
            // should it, the token is unusable rather than the sandbox stopping.
            signature.clear();
        }
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// Verifies algorithm, key, signature and validity window; returns the claims.
    pub(crate) fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenRejection> {
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
        if header.get("alg").and_then(|a| a.as_str()) != Some("RS256")
            || header.get("kid").and_then(|k| k.as_str()) != Some(self.kid.as_str())
        {
            return Err(TokenRejection::BadSignature);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenRejection::Malformed)?;
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &self.public_der,
        )
        .verify(signing_input.as_bytes(), &signature)
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
}

/// A self-signed certificate of the issuer key: (base64 DER, base64url SHA-1 thumbprint).
fn signing_certificate() -> Option<(String, String)> {
    let der = rustls::pki_types::PrivatePkcs8KeyDer::from(ISSUER_KEY_PKCS8);
    let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256).ok()?;
    let mut params = rcgen::CertificateParams::default();
    let mut name = rcgen::DistinguishedName::new();
    name.push(
        rcgen::DnType::CommonName,
        "vendor-sandbox token signing (throwaway test key)",
    );
    params.distinguished_name = name;
    let cert = params.self_signed(&key).ok()?;
    let der = cert.der().to_vec();
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    Some((
        base64::engine::general_purpose::STANDARD.encode(&der),
        URL_SAFE_NO_PAD.encode(sha1.as_ref()),
    ))
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
            appid: None,
            appidacr: None,
            azp: Some("a".into()),
            azpacr: Some("1".into()),
            idtyp: "app".into(),
            oid: "o".into(),
            preferred_username: None,
            roles: Some(vec!["get".into()]),
            scp: None,
            sub: "o".into(),
            tid: "t".into(),
            uti: new_uti(),
            ver: "2.0".into(),
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let key = IssuerKey::load().unwrap();
        assert!(key.x5c.is_some());
        let issued = claims(200);
        let token = key.sign(&issued);
        assert_eq!(key.verify(&token, 150), Ok(issued));
        assert_eq!(key.verify(&token, 200), Err(TokenRejection::Expired));
        assert_eq!(key.verify(&token, 99), Err(TokenRejection::NotYetValid));
        assert_eq!(key.verify("a.b", 150), Err(TokenRejection::Malformed));
        let mut tampered = token.clone();
        tampered.insert(token.find('.').map_or(0, |i| i + 2), 'x');
        assert!(key.verify(&tampered, 150).is_err());
        // An HS256 token, whatever its MAC, is refused.
        let (_, rest) = token.split_once('.').unwrap();
        let hs = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":"x"}"#)
        );
        assert_eq!(key.verify(&hs, 150), Err(TokenRejection::BadSignature));
        assert_ne!(new_uti(), new_uti());
    }
}
