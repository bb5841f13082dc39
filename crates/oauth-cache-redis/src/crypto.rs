//! Encryption at rest (AES-256-GCM), token fingerprints and key hashing.

use std::fmt::{self, Write as _};

use aes_gcm::aead::rand_core::RngCore as _;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use oauth_core::{CacheKey, ConfigError};
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};

/// Length of an AES-GCM nonce: 96 bits.
const NONCE_LEN: usize = 12;

/// A 256-bit key that encrypts the tokens stored in Redis (AES-256-GCM).
///
/// Every process of the fleet must use the same key. It is held in memory that is
/// zeroed when dropped, and `Debug` never prints it.
///
/// ```
/// use oauth_cache_redis::EncryptionKey;
///
/// let key = EncryptionKey::from([7u8; 32]);
/// assert_eq!(format!("{key:?}"), "EncryptionKey([redacted])");
/// let same = EncryptionKey::from_base64("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")?;
/// # Ok::<(), oauth_core::ConfigError>(())
/// ```
pub struct EncryptionKey(SecretBox<[u8; 32]>);

impl EncryptionKey {
    /// A key from its 32 bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// A new random key, from the operating system's generator: for tests, demos or
    /// a fleet of one process. Every process of a fleet needs the same key, so a
    /// fleet reads it from its configuration ([`EncryptionKey::from_base64`]).
    pub fn generate() -> Self {
        let mut bytes = Box::new([0u8; 32]);
        OsRng.fill_bytes(&mut bytes[..]);
        Self(SecretBox::new(bytes))
    }

    /// A key from its standard base64 form (44 characters, as `openssl rand -base64 32`
    /// prints it), for example read from an environment variable or a secret store.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `encryption_key` if the text is not base64 or does not
    /// hold exactly 32 bytes. The error never quotes the text.
    pub fn from_base64(text: &str) -> Result<Self, ConfigError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| {
                ConfigError::new(
                    "encryption_key",
                    "is not valid base64: give 32 random bytes in standard base64 (`openssl rand -base64 32`)",
                )
            })?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            ConfigError::new(
                "encryption_key",
                format!(
                    "holds {} bytes, AES-256 needs exactly 32 (`openssl rand -base64 32`)",
                    b.len()
                ),
            )
        })?;
        Ok(Self::new(bytes))
    }
}

impl From<[u8; 32]> for EncryptionKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

/// Seals and opens stored values, and fingerprints tokens. Deliberately not `Debug`.
pub(crate) struct Crypto {
    cipher: Option<Aes256Gcm>,
    /// Mixed into fingerprints so that, with encryption on, a fingerprint seen in
    /// Redis cannot be used to check a guessed token.
    fingerprint_salt: [u8; 32],
    /// The HMAC key of Redis key names ([`CacheKey::keyed_digest`]), derived from the
    /// encryption key; without one, a public constant.
    name_key: [u8; 32],
}

impl Crypto {
    pub(crate) fn new(key: Option<&EncryptionKey>) -> Self {
        match key {
            Some(key) => {
                let bytes = key.0.expose_secret();
                let salt = Sha256::new()
                    .chain_update(b"oauth-cache-redis/fingerprint-key/v1\0")
                    .chain_update(bytes)
                    .finalize();
                let name_key = Sha256::new()
                    .chain_update(b"oauth-cache-redis/key-names/v1\0")
                    .chain_update(bytes)
                    .finalize();
                Self {
                    cipher: Some(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes))),
                    fingerprint_salt: salt.into(),
                    name_key: name_key.into(),
                }
            }
            None => Self {
                cipher: None,
                fingerprint_salt: [0; 32],
                name_key: Sha256::digest(b"oauth-cache-redis/key-names/v1/plaintext").into(),
            },
        }
    }

    pub(crate) fn encrypts(&self) -> bool {
        self.cipher.is_some()
    }

    /// The value to store: `plaintext` itself, or base64(nonce || ciphertext) bound to
    /// `redis_key` (as associated data, so a value cannot be moved to another key).
    pub(crate) fn seal(&self, redis_key: &str, plaintext: &str) -> Result<String, &'static str> {
        let Some(cipher) = &self.cipher else {
            return Ok(plaintext.to_owned());
        };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: redis_key.as_bytes(),
                },
            )
            .map_err(|_| "encryption failed")?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// The plaintext of a stored value; the error says why it cannot be used (and
    /// never quotes the value).
    pub(crate) fn open(&self, redis_key: &str, stored: &str) -> Result<String, &'static str> {
        let looks_plain = stored.starts_with('{');
        let Some(cipher) = &self.cipher else {
            return if looks_plain {
                Ok(stored.to_owned())
            } else {
                Err("the value is encrypted, but this cache has no encryption key")
            };
        };
        if looks_plain {
            return Err("the value is not encrypted, but this cache requires encryption");
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(stored)
            .map_err(|_| "the value is not base64")?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err("the value is too short to be encrypted");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: redis_key.as_bytes(),
                },
            )
            .map_err(|_| "the value does not decrypt with this key (another key, or tampered)")?;
        String::from_utf8(plain).map_err(|_| "the decrypted value is not UTF-8")
    }

    /// The name of `key` in Redis, in hex: an HMAC of the whole key, its credential
    /// fingerprint included, under a key derived from the encryption key. No client
    /// id, tenant or user is readable in it, every process with the same credential
    /// and encryption key derives the same name, and without the encryption key a
    /// name cannot be checked against a guessed secret or password.
    pub(crate) fn key_name(&self, key: &CacheKey) -> String {
        hex(&key.keyed_digest(&self.name_key))
    }

    /// A one-way fingerprint of a token value, to name a token in invalidation
    /// messages without revealing it.
    pub(crate) fn fingerprint(&self, token: &str) -> String {
        hex(&Sha256::new()
            .chain_update(b"oauth-cache-redis/fingerprint/v1\0")
            .chain_update(self.fingerprint_salt)
            .chain_update(token.as_bytes())
            .finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_round_trip_and_hide_the_plaintext() {
        let crypto = Crypto::new(Some(&EncryptionKey::new([3; 32])));
        let sealed = crypto.seal("k", r#"{"access_token":"tok-123"}"#).unwrap();
        assert!(!sealed.contains("tok-123"));
        assert_eq!(
            crypto.open("k", &sealed).unwrap(),
            r#"{"access_token":"tok-123"}"#
        );
        // A fresh nonce each time.
        assert_ne!(
            sealed,
            crypto.seal("k", r#"{"access_token":"tok-123"}"#).unwrap()
        );
    }

    #[test]
    fn values_do_not_open_under_another_key_or_redis_key() {
        let crypto = Crypto::new(Some(&EncryptionKey::new([3; 32])));
        let sealed = crypto.seal("k", "{}").unwrap();
        assert!(crypto.open("other-key", &sealed).is_err());
        let other = Crypto::new(Some(&EncryptionKey::new([4; 32])));
        assert!(other.open("k", &sealed).is_err());
        assert!(Crypto::new(None).open("k", &sealed).is_err());
        assert!(crypto.open("k", "{}").is_err(), "plaintext refused");
        let mut tampered = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(tampered);
        assert!(crypto.open("k", &tampered).is_err());
    }

    /// The shortest sealed value (nonce and tag around an empty plaintext) opens;
    /// anything shorter is refused, whatever its length, without panicking.
    #[test]
    fn values_shorter_than_a_nonce_and_a_tag_are_refused() {
        let crypto = Crypto::new(Some(&EncryptionKey::new([3; 32])));
        let sealed = crypto.seal("k", "").unwrap();
        assert_eq!(crypto.open("k", &sealed).unwrap(), "");
        for len in [0usize, 1, 5, 11, 12, 20, NONCE_LEN + 15] {
            let short = base64::engine::general_purpose::STANDARD.encode(vec![7u8; len]);
            assert_eq!(
                crypto.open("k", &short),
                Err("the value is too short to be encrypted"),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn key_from_base64_checks_its_length() {
        assert!(EncryptionKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode([1u8; 32])
        )
        .is_ok());
        let short = EncryptionKey::from_base64("c2hvcnQ=").unwrap_err();
        assert_eq!(short.field(), "encryption_key");
        assert!(short.problem().contains("5 bytes"), "{short}");
        let garbage = EncryptionKey::from_base64("not base64 !!").unwrap_err();
        assert!(!garbage.to_string().contains("not base64 !!"));
    }

    #[test]
    fn fingerprints_are_keyed_when_encrypting() {
        let plain = Crypto::new(None);
        let keyed = Crypto::new(Some(&EncryptionKey::new([9; 32])));
        assert_eq!(plain.fingerprint("t"), plain.fingerprint("t"));
        assert_ne!(plain.fingerprint("t"), plain.fingerprint("u"));
        assert_ne!(plain.fingerprint("t"), keyed.fingerprint("t"));
        assert_eq!(plain.fingerprint("t").len(), 64);
    }

    #[test]
    fn key_names_are_keyed_by_the_encryption_key_and_bind_the_credential() {
        let key = |secret: &[u8]| {
            CacheKey::builder("u", "c", "g")
                .credential(b"x")
                .credential_part("s", secret)
                .build()
        };
        let a = Crypto::new(Some(&EncryptionKey::new([1; 32])));
        let b = Crypto::new(Some(&EncryptionKey::new([2; 32])));
        assert_eq!(a.key_name(&key(b"s1")), a.key_name(&key(b"s1")));
        assert_ne!(a.key_name(&key(b"s1")), a.key_name(&key(b"s2")));
        assert_ne!(a.key_name(&key(b"s1")), b.key_name(&key(b"s1")));
        assert_ne!(
            a.key_name(&key(b"s1")),
            Crypto::new(None).key_name(&key(b"s1"))
        );
        assert_eq!(a.key_name(&key(b"s1")).len(), 64);
    }
}
