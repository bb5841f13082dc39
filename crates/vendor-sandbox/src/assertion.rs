//! Client assertions (RFC 7523): certificate-signed JWTs and the sandbox's federated tokens.
//!
//! The sandbox registers one test certificate ([`TEST_CLIENT_CERTIFICATE_PEM`]), and one
//! whose registration has expired ([`TEST_EXPIRED_CLIENT_CERTIFICATE_PEM`]), on every
//! Azure AD client it knows. A certificate assertion is an RS256 or PS256 JWT whose
//! header names the certificate by `x5t#S256` and whose claims are `aud` = the token
//! endpoint URL the request reached, `iss` = `sub` = the client id, `jti`, `nbf`, `iat`
//! and `exp` (at most 10 minutes after `nbf`). A federated assertion is a token handed
//! out by [`Sandbox::federated_token`](crate::Sandbox::federated_token). Either is
//! accepted once per `jti`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Vendor;

/// PEM of the test client certificate registered on every Azure AD client of the sandbox
/// (Kazi, Keyavi, OKQ8). Its private key is [`TEST_CLIENT_PRIVATE_KEY_PEM`].
///
/// A throwaway certificate made for tests (subject `oauth-core test client (not a real
/// credential)`); it authenticates nothing but a sandbox.
pub const TEST_CLIENT_CERTIFICATE_PEM: &str = include_str!("fixtures/test-client-cert.pem");

/// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of the 2048-bit RSA key of
/// [`TEST_CLIENT_CERTIFICATE_PEM`], for signing client assertions in tests.
///
/// A throwaway test key, published on purpose: it is not a secret and must never be
/// registered anywhere but a sandbox.
pub const TEST_CLIENT_PRIVATE_KEY_PEM: &str = include_str!("fixtures/test-client-key.pem");

/// The `x5t#S256` header value of [`TEST_CLIENT_CERTIFICATE_PEM`]: the base64url (no
/// padding) SHA-256 of the certificate's DER.
pub const TEST_CLIENT_CERTIFICATE_X5T_S256: &str = "rq9or3ejzu4KIJvLCOHX0z9AO98hUJSnA3prHS77q7E";

/// `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The audience Azure AD expects in federated (workload identity) tokens.
pub(crate) const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

const CERT_DER: &[u8] = include_bytes!("fixtures/test-client-cert.der");

/// A second certificate registered on every application, for the same key as
/// [`TEST_CLIENT_CERTIFICATE_PEM`], whose validity (and so its registration) ended on
/// 2025-02-01: an assertion it signs is refused as Entra ID refuses an expired key
/// credential (AADSTS700027, "The key used is expired").
pub const TEST_EXPIRED_CLIENT_CERTIFICATE_PEM: &str =
    include_str!("fixtures/test-client-expired-cert.pem");

const EXPIRED_CERT_DER: &[u8] = include_bytes!("fixtures/test-client-expired-cert.der");
/// When the registration of the expired certificate ended (its `notAfter`,
/// 2025-02-01T00:00:00Z), as Unix seconds.
const EXPIRED_CERT_END: i64 = 1_738_368_000;
/// The certificate's RSA public key, PKCS#1 `RSAPublicKey` DER (from
/// `openssl rsa -RSAPublicKey_out -outform DER`).
const RSA_PUBLIC_KEY_DER: &[u8] = include_bytes!("fixtures/test-client-rsa-public.der");

/// Longest accepted `exp - nbf`.
const MAX_LIFETIME_SECS: i64 = 600;
/// Clock skew allowed on `nbf` and `iat`.
const SKEW_SECS: i64 = 60;
/// `kid` of the sandbox's federated tokens.
const FEDERATION_KID: &str = "sandbox-federation";

/// Why an assertion was refused; each maps to an AADSTS code (see `docs/WIRE_SHAPES.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a JWT, or a claim missing or of the wrong type: AADSTS50027.
    Malformed(String),
    /// Bad signature, unsupported algorithm or unknown certificate: AADSTS700027.
    Signature(String),
    /// `iss`/`sub` not the client id: AADSTS700021.
    Client(String),
    /// `aud` not the token endpoint: AADSTS700023.
    Audience(String),
    /// Expired, not yet valid or too long-lived: AADSTS700024.
    Time(String),
    /// `jti` seen before: AADSTS50027 (ours: the docs name no replay code).
    Replay(String),
    /// A federated token whose audience or subject matches no federated credential of
    /// the client: AADSTS70021.
    NoFederatedMatch(String),
}

impl Refusal {
    /// AADSTS code and message.
    pub(crate) fn code_and_message(&self) -> (u32, String) {
        match self {
            Self::Malformed(why) => (50027, format!("JWT token is invalid or malformed. {why}")),
            Self::Signature(why) if why.starts_with("Client assertion") => (700_027, why.clone()),
            Self::Signature(why) => (700_027, format!("Client assertion failed signature validation. {why}")),
            Self::Client(why) => (700_021, format!("Client assertion application identifier doesn't match 'client_id' parameter. {why}")),
            Self::Audience(why) => (700_023, format!("Client assertion audience claim does not match Realm issuer. {why}")),
            Self::Time(why) => (700_024, format!("Client assertion is not within its valid time range. {why}")),
            Self::Replay(why) => (50027, format!("Invalid JWT token. The client assertion has already been used (replayed jti). {why}")),
            Self::NoFederatedMatch(why) => (70021, format!("No matching federated identity record found for presented assertion. {why}")),
        }
    }
}

/// The claims of a federated token the sandbox hands out.
#[derive(Debug, Serialize)]
struct FederatedClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: &'a str,
}

/// The subject of the federated tokens for `vendor`'s clients.
pub(crate) fn federated_subject(vendor: Vendor) -> String {
    format!("system:serviceaccount:vendor-sandbox:{}", vendor.as_str())
}

/// The issuer of federated tokens.
pub(crate) fn federated_issuer(base_url: &str) -> String {
    format!("{base_url}/federation")
}

/// A fresh federated token for `vendor`: HS256 with `key`, valid 10 minutes from `now`.
pub(crate) fn federated_token(key: &[u8], base_url: &str, vendor: Vendor, now: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"HS256","typ":"JWT","kid":"{FEDERATION_KID}"}}"#
    ));
    let iss = federated_issuer(base_url);
    let sub = federated_subject(vendor);
    let jti = crate::jwt::new_uti();
    let claims = FederatedClaims {
        iss: &iss,
        sub: &sub,
        aud: FEDERATED_AUDIENCE,
        iat: now,
        nbf: now,
        exp: now.saturating_add(MAX_LIFETIME_SECS),
        jti: &jti,
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac(key, input.as_bytes()));
    format!("{input}.{signature}")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// What a request must match.
pub(crate) struct Expected<'a> {
    /// The client id the request authenticates (form `client_id`, or the assertion's `iss`).
    pub client_id: &'a str,
    /// The vendor owning the client.
    pub vendor: Vendor,
    /// Token endpoint URLs the request may have reached (as the client spelled them).
    pub audiences: &'a [String],
    /// Key of the federated tokens.
    pub federation_key: &'a [u8],
    /// `http://127.0.0.1:PORT`.
    pub base_url: &'a str,
    /// Current Unix time.
    pub now: i64,
}

/// A verified assertion: its `jti` (to record against replay) and `exp`.
#[derive(Debug)]
pub(crate) struct Verified {
    pub jti: String,
    pub exp: i64,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    #[serde(rename = "x5t#S256")]
    x5t_s256: Option<String>,
    /// SHA-1 thumbprint: what Entra ID documents for certificate credentials, and what
    /// MSAL sends when given a PEM key and a thumbprint.
    x5t: Option<String>,
}

/// Parts of a compact JWT.
struct Parts<'a> {
    signing_input: &'a str,
    header: Header,
    claims: serde_json::Map<String, serde_json::Value>,
    signature: Vec<u8>,
}

fn split(token: &str) -> Result<Parts<'_>, Refusal> {
    let malformed = |why: &str| Refusal::Malformed(why.to_owned());
    let (signing_input, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| malformed("The assertion is not a compact JWT (three parts)."))?;
    let (header, payload) = signing_input
        .split_once('.')
        .filter(|(_, p)| !p.contains('.'))
        .ok_or_else(|| malformed("The assertion is not a compact JWT (three parts)."))?;
    let header: Header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The JWT header is not base64url JSON."))?;
    let claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The JWT payload is not a base64url JSON object."))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed("The JWT signature is not base64url."))?;
    Ok(Parts {
        signing_input,
        header,
        claims,
        signature,
    })
}

fn string_claim<'a>(
    claims: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<&'a str, Refusal> {
    claims
        .get(name)
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Refusal::Malformed(format!("The '{name}' claim is missing or not a string."))
        })
}

fn time_claim(
    claims: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<Option<i64>, Refusal> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| Refusal::Malformed(format!("The '{name}' claim is not a number."))),
    }
}

/// The `iss` of an assertion, without verifying anything (to find the client when the
/// request has no `client_id`).
pub(crate) fn unverified_issuer(token: &str) -> Option<String> {
    let parts = split(token).ok()?;
    parts
        .claims
        .get("iss")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// Checks `exp`, `nbf` (or `iat`) and the lifetime.
fn check_times(
    claims: &serde_json::Map<String, serde_json::Value>,
    now: i64,
) -> Result<i64, Refusal> {
    let exp = time_claim(claims, "exp")?
        .ok_or_else(|| Refusal::Malformed("The 'exp' claim is missing.".to_owned()))?;
    let nbf = time_claim(claims, "nbf")?;
    let iat = time_claim(claims, "iat")?;
    if now >= exp {
        return Err(Refusal::Time(format!(
            "The assertion expired at {exp}; the current time is {now}."
        )));
    }
    let start = nbf.or(iat).unwrap_or(now);
    if start > now.saturating_add(SKEW_SECS) {
        return Err(Refusal::Time(format!(
            "The assertion is not valid before {start}; the current time is {now}."
        )));
    }
    if exp.saturating_sub(start) > MAX_LIFETIME_SECS {
        return Err(Refusal::Time(format!(
            "The assertion is valid for {} seconds; at most {MAX_LIFETIME_SECS} are allowed.",
            exp.saturating_sub(start)
        )));
    }
    Ok(exp)
}

fn jti(claims: &serde_json::Map<String, serde_json::Value>) -> Result<String, Refusal> {
    string_claim(claims, "jti").map(str::to_owned)
}

/// Verifies a `client_assertion` (signature, header, claims); replay is checked by the caller.
pub(crate) fn verify(token: &str, expected: &Expected<'_>) -> Result<Verified, Refusal> {
    let parts = split(token)?;
    match (parts.header.alg.as_deref(), parts.header.kid.as_deref()) {
        (Some("RS256" | "PS256"), _) => verify_certificate(&parts, expected),
        (Some("HS256"), Some(FEDERATION_KID)) => verify_federated(&parts, expected),
        (Some(alg), _) => Err(Refusal::Signature(format!(
            "The algorithm '{alg}' is not supported for client assertions; use RS256 or PS256."
        ))),
        (None, _) => Err(Refusal::Malformed(
            "The JWT header has no 'alg'.".to_owned(),
        )),
    }
}

fn verify_certificate(parts: &Parts<'_>, expected: &Expected<'_>) -> Result<Verified, Refusal> {
    // `x5t#S256` names the certificate when present; else the SHA-1 `x5t`.
    type Thumbprint = fn(&[u8]) -> String;
    let (presented, digest): (Option<&str>, Thumbprint) = match parts.header.x5t_s256.as_deref() {
        Some(x5t) => (Some(x5t), |der| URL_SAFE_NO_PAD.encode(Sha256::digest(der))),
        None => (parts.header.x5t.as_deref(), |der| {
            let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
            URL_SAFE_NO_PAD.encode(sha1.as_ref())
        }),
    };
    // MSAL pads its base64url thumbprints with `=`; Entra ID accepts them either way.
    let presented = presented.map(|x5t| x5t.trim_end_matches('='));
    let thumbprint = digest(CERT_DER);
    let expired = digest(EXPIRED_CERT_DER);
    match presented {
        Some(x5t) if x5t == thumbprint => {}
        Some(x5t) if x5t == expired && expected.now >= EXPIRED_CERT_END => {
            return Err(Refusal::Signature(format!(
                "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{x5t}']"
            )))
        }
        Some(x5t) if x5t == expired => {}
        Some(x5t) => {
            return Err(Refusal::Signature(format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{x5t}']"
            )))
        }
        None => {
            return Err(Refusal::Signature(
                "The client assertion header has no 'x5t#S256' or 'x5t' naming a registered certificate."
                    .to_owned(),
            ))
        }
    }
    let algorithm: &dyn ring::signature::VerificationAlgorithm =
        if parts.header.alg.as_deref() == Some("PS256") {
            &ring::signature::RSA_PSS_2048_8192_SHA256
        } else {
            &ring::signature::RSA_PKCS1_2048_8192_SHA256
        };
    ring::signature::UnparsedPublicKey::new(algorithm, RSA_PUBLIC_KEY_DER)
        .verify(parts.signing_input.as_bytes(), &parts.signature)
        .map_err(|_| {
            Refusal::Signature(
                "The signature does not verify with the registered certificate's key.".to_owned(),
            )
        })?;
    let iss = string_claim(&parts.claims, "iss")?;
    let sub = string_claim(&parts.claims, "sub")?;
    if iss != expected.client_id || sub != expected.client_id {
        return Err(Refusal::Client(format!(
            "'iss' and 'sub' must both be '{}'.",
            expected.client_id
        )));
    }
    let aud = string_claim(&parts.claims, "aud")?;
    if !expected.audiences.iter().any(|a| a == aud) {
        return Err(Refusal::Audience(format!(
            "The audience '{aud}' is not the token endpoint '{}'.",
            expected.audiences.first().map_or("", String::as_str)
        )));
    }
    let exp = check_times(&parts.claims, expected.now)?;
    Ok(Verified {
        jti: jti(&parts.claims)?,
        exp,
    })
}

fn verify_federated(parts: &Parts<'_>, expected: &Expected<'_>) -> Result<Verified, Refusal> {
    let mac = hmac(expected.federation_key, parts.signing_input.as_bytes());
    let same = mac.len() == parts.signature.len()
        && mac
            .iter()
            .zip(&parts.signature)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(Refusal::Signature(
            "The federated token was not issued by this sandbox.".to_owned(),
        ));
    }
    let iss = string_claim(&parts.claims, "iss")?;
    let sub = string_claim(&parts.claims, "sub")?;
    let aud = string_claim(&parts.claims, "aud")?;
    if iss != federated_issuer(expected.base_url)
        || sub != federated_subject(expected.vendor)
        || aud != FEDERATED_AUDIENCE
    {
        return Err(Refusal::NoFederatedMatch(format!(
            "Assertion issuer '{iss}', subject '{sub}' and audience '{aud}' match no federated credential of application '{}'.",
            expected.client_id
        )));
    }
    let exp = check_times(&parts.claims, expected.now)?;
    Ok(Verified {
        jti: jti(&parts.claims)?,
        exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_constant_matches_the_certificate() {
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(CERT_DER)),
            TEST_CLIENT_CERTIFICATE_X5T_S256
        );
        let body: String = TEST_CLIENT_CERTIFICATE_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(der, CERT_DER);
    }

    #[test]
    fn federated_tokens_verify_for_their_vendor_only() {
        let key = [3u8; 32];
        let token = federated_token(&key, "http://127.0.0.1:1", Vendor::Kazi, 1000);
        let audiences = ["x".to_owned()];
        let mut expected = Expected {
            client_id: "c",
            vendor: Vendor::Kazi,
            audiences: &audiences,
            federation_key: &key,
            base_url: "http://127.0.0.1:1",
            now: 1001,
        };
        assert!(verify(&token, &expected).is_ok());
        expected.vendor = Vendor::Okq8;
        assert!(matches!(
            verify(&token, &expected),
            Err(Refusal::NoFederatedMatch(_))
        ));
    }
}
