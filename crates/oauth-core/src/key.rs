//! [`CacheKey`]: which token a cache entry holds, bound to the credential that fetched it.
//!
//! A key names the token endpoint, the client, the grant, the user and the scopes or
//! resource, and carries a *keyed fingerprint* of the credential material (client
//! secret, password, certificate thumbprint, assertion source, extra token
//! parameters). Two providers that differ only in their secret therefore never share
//! a token, nor a failure back-off.
//!
//! The rule is that no secret is part of a key **in clear**, and no plain hash of
//! one either (a plain hash of a short password can be brute-forced offline):
//!
//! - in memory, the fingerprint is an HMAC-SHA-256 under a random key made once per
//!   process, so [`CacheKey::as_str`] (which shows in debug logs) reveals nothing
//!   that can be tested against a guess outside the process;
//! - a cache shared between processes (for example on Redis) derives a name that
//!   is stable across the fleet with [`CacheKey::keyed_digest`], an HMAC under a
//!   secret of its own.
//!
//! Parts are encoded with length prefixes, so no username or scope can be chosen to
//! make two different keys read the same.

use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Version tag of the encoding, mixed into every digest so that a future change of
/// the encoding cannot make an old and a new key meet.
const ENCODING: &str = "oauth-core/cache-key/1";

/// Bytes of the in-process fingerprint shown in [`CacheKey::as_str`] (128 bits).
const LOCAL_FINGERPRINT_LEN: usize = 16;

/// Identifies one kind of token: token endpoint, client, grant, user, scopes or
/// resource, and (as a keyed fingerprint) the credential.
///
/// Built by [`crate::TokenClient::cache_key`] for the token clients of this crate;
/// custom token sources build one with [`CacheKey::builder`] or [`CacheKey::custom`].
/// Cheap to clone. Equality and hashing compare the whole key, fingerprint included.
///
/// ```
/// use oauth_core::CacheKey;
///
/// let right = CacheKey::builder("https://login.example/token", "app", "password")
///     .username("alice@example.com")
///     .scopes(["api://x/.default"])
///     .credential(b"the right password")
///     .build();
/// let wrong = CacheKey::builder("https://login.example/token", "app", "password")
///     .username("alice@example.com")
///     .scopes(["api://x/.default"])
///     .credential(b"a wrong password")
///     .build();
/// assert_ne!(right, wrong);
/// assert!(!right.as_str().contains("right password"));
/// ```
#[derive(Clone)]
pub struct CacheKey(Arc<Inner>);

struct Inner {
    /// Length-prefixed encoding of the parts that are not secret.
    public: String,
    /// The credential material, kept for [`CacheKey::keyed_digest`]; zeroed on drop.
    credential: Option<SecretBox<[u8]>>,
    /// `public`, then the in-process fingerprint of the credential.
    text: Box<str>,
    /// `text` hashed once, at construction: a cache lookup hashes these 8 bytes
    /// instead of the whole text (keys are equal only when their texts are).
    hash: u64,
}

impl CacheKey {
    /// Starts a key for tokens from `token_url`, for `client_id`, by `grant`.
    pub fn builder(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        grant: impl Into<String>,
    ) -> CacheKeyBuilder {
        CacheKeyBuilder {
            token_url: token_url.into(),
            client_id: client_id.into(),
            grant: grant.into(),
            username: None,
            resource: None,
            scopes: Vec::new(),
            credential: Vec::new(),
        }
    }

    /// A key made from any text, for custom token sources that identify their
    /// credential themselves. The text must never hold a secret: it shows in logs.
    /// It cannot equal a key made by [`CacheKey::builder`].
    pub fn custom(text: impl Into<String>) -> Self {
        let mut public = String::from("custom;");
        push_field(&mut public, "text", &text.into());
        Self::from_parts(public, None)
    }

    fn from_parts(public: String, credential: Option<Vec<u8>>) -> Self {
        let mut text = public.clone();
        if let Some(material) = &credential {
            let mut mac = mac_for(process_key());
            feed(&mut mac, &public, Some(material));
            let digest = mac.finalize().into_bytes();
            text.push_str("credential=");
            push_hex(&mut text, &digest[..LOCAL_FINGERPRINT_LEN]);
            text.push(';');
        }
        let hash = {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut hasher);
            hasher.finish()
        };
        Self(Arc::new(Inner {
            public,
            credential: credential.map(|c| SecretBox::new(c.into_boxed_slice())),
            text: text.into_boxed_str(),
            hash,
        }))
    }

    /// The key as text: its public parts, length-prefixed, and a fingerprint of the
    /// credential keyed by a secret of this process. Safe for logs; stable only
    /// within one process (use [`CacheKey::keyed_digest`] across processes).
    pub fn as_str(&self) -> &str {
        &self.0.text
    }

    /// Whether the key binds a credential (every key made by this crate's token
    /// clients does).
    pub fn binds_credential(&self) -> bool {
        self.0.credential.is_some()
    }

    /// An HMAC-SHA-256, under `secret`, of the whole key: its public parts and its
    /// credential material.
    ///
    /// A cache shared by several processes names its entries with this, keyed by a
    /// secret the whole fleet holds, so that every process with the same credential
    /// finds the same entry while someone who can read the names learns nothing that
    /// can be checked against a guessed password or secret without that key.
    pub fn keyed_digest(&self, secret: &[u8]) -> [u8; 32] {
        let mut mac = mac_for(secret);
        feed(
            &mut mac,
            &self.0.public,
            self.0.credential.as_ref().map(|c| c.expose_secret()),
        );
        mac.finalize().into_bytes().into()
    }
}

impl PartialEq for CacheKey {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.text == other.0.text
    }
}

impl Eq for CacheKey {}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CacheKey").field(&self.0.text).finish()
    }
}

/// Builds a [`CacheKey`]; see [`CacheKey::builder`].
#[must_use]
pub struct CacheKeyBuilder {
    token_url: String,
    client_id: String,
    grant: String,
    username: Option<String>,
    resource: Option<String>,
    scopes: Vec<String>,
    /// Length-prefixed `(name, value)` pairs of credential material.
    credential: Vec<u8>,
}

impl fmt::Debug for CacheKeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheKeyBuilder")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("grant", &self.grant)
            .field("username", &self.username)
            .field("resource", &self.resource)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl CacheKeyBuilder {
    /// The user the token is for (password and other user grants).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The resource (Azure AD v1 and other `resource` endpoints).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// The scopes; their order and repeats do not matter.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes
            .extend(scopes.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Binds credential material (a client secret, a password, a certificate
    /// thumbprint, the path of an assertion file, ...): only its keyed fingerprint
    /// becomes part of the key. Call once per item; `kind` names what it is.
    pub fn credential_part(mut self, kind: &str, material: &[u8]) -> Self {
        push_len_prefixed(&mut self.credential, kind.as_bytes());
        push_len_prefixed(&mut self.credential, material);
        self
    }

    /// Binds one piece of credential material; see [`CacheKeyBuilder::credential_part`].
    pub fn credential(self, material: &[u8]) -> Self {
        self.credential_part("credential", material)
    }

    /// The key.
    pub fn build(mut self) -> CacheKey {
        self.scopes.sort_unstable();
        self.scopes.dedup();
        let mut public = String::from("token;");
        push_field(&mut public, "url", &self.token_url);
        push_field(&mut public, "client", &self.client_id);
        push_field(&mut public, "grant", &self.grant);
        if let Some(username) = &self.username {
            push_field(&mut public, "user", username);
        }
        if let Some(resource) = &self.resource {
            push_field(&mut public, "resource", resource);
        }
        for scope in &self.scopes {
            push_field(&mut public, "scope", scope);
        }
        let credential =
            (!self.credential.is_empty()).then(|| std::mem::take(&mut self.credential));
        CacheKey::from_parts(public, credential)
    }
}

impl Drop for CacheKeyBuilder {
    fn drop(&mut self) {
        // The material is secret: wipe the builder's copy.
        secrecy::zeroize::Zeroize::zeroize(&mut self.credential);
    }
}

/// `name=<len>:<value>;`: unambiguous whatever the value holds, and readable in logs.
fn push_field(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "{name}={}:{value};", value.len());
}

fn push_len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

fn mac_for(secret: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail; the fallback keeps the
    // library free of panics all the same.
    HmacSha256::new_from_slice(secret)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

fn feed(mac: &mut HmacSha256, public: &str, credential: Option<&[u8]>) {
    let mut framed = Vec::with_capacity(ENCODING.len() + public.len() + 32);
    push_len_prefixed(&mut framed, ENCODING.as_bytes());
    push_len_prefixed(&mut framed, public.as_bytes());
    mac.update(&framed);
    match credential {
        Some(material) => {
            mac.update(&[1]);
            mac.update(&(material.len() as u64).to_be_bytes());
            mac.update(material);
        }
        None => mac.update(&[0]),
    }
}

/// The random key of this process's in-memory fingerprints.
fn process_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        if getrandom::getrandom(&mut key).is_err() {
            // No OS randomness (practically never): fastrand is seeded from the
            // standard library's per-process random hasher keys, which still keeps
            // the fingerprints unguessable from outside the process.
            for chunk in key.chunks_mut(8) {
                chunk.copy_from_slice(&fastrand::u64(..).to_le_bytes());
            }
        }
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixes_keep_parts_apart() {
        // With `|` joins these two read the same: "u|a|b".
        let a = CacheKey::builder("u", "a|b", "g").build();
        let b = CacheKey::builder("u|a", "b", "g").build();
        assert_ne!(a, b);
        let c = CacheKey::builder("u", "c", "password")
            .username("ann b")
            .build();
        let d = CacheKey::builder("u", "c", "password")
            .username("ann")
            .scopes(["b"])
            .build();
        assert_ne!(c, d);
    }

    #[test]
    fn the_keyed_digest_depends_on_every_part_and_the_secret() {
        let base = || CacheKey::builder("u", "c", "g").credential(b"s");
        let k = base().build();
        assert_eq!(
            k.keyed_digest(b"fleet"),
            base().build().keyed_digest(b"fleet")
        );
        assert_ne!(k.keyed_digest(b"fleet"), k.keyed_digest(b"other fleet"));
        assert_ne!(
            k.keyed_digest(b"fleet"),
            CacheKey::builder("u", "c", "g")
                .credential(b"t")
                .build()
                .keyed_digest(b"fleet")
        );
        assert_ne!(
            k.keyed_digest(b"fleet"),
            CacheKey::builder("u", "c", "g")
                .build()
                .keyed_digest(b"fleet")
        );
    }

    #[test]
    fn credential_parts_are_framed() {
        let a = CacheKey::builder("u", "c", "g")
            .credential_part("secret", b"ab")
            .credential_part("password", b"c")
            .build();
        let b = CacheKey::builder("u", "c", "g")
            .credential_part("secret", b"a")
            .credential_part("password", b"bc")
            .build();
        assert_ne!(a, b);
        assert!(a.binds_credential());
        assert!(!CacheKey::custom("x").binds_credential());
    }
}
