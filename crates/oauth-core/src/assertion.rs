//! Client assertions (RFC 7523): credentials that prove the client's identity with a
//! signed JWT instead of a secret. A fresh assertion is made for every token request,
//! so an expired one is never sent.
//!
//! - [`Certificate`]: the application's own certificate and private key (PEM, PKCS#8
//!   or PKCS#1), signing RS256 (or PS256) with `x5t#S256` and `x5t` in the header, as
//!   Microsoft Entra ID expects.
//! - [`FederatedTokenFile`]: a token another identity provider issued, read from a
//!   file on every request (Kubernetes workload identity rotates it).
//! - [`AssertionCallback`]: any async function, for vaults and HSMs.
//! - Or any type implementing [`ClientAssertion`].

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ConfigError, TokenError};

/// `client_assertion_type` of a JWT bearer assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Lifetime of the assertions [`Certificate`] signs: Entra ID accepts at most 10
/// minutes; a short one limits what a captured assertion is good for.
const ASSERTION_LIFETIME_SECS: u64 = 5 * 60;

/// Produces a client assertion for each token request.
#[async_trait]
pub trait ClientAssertion: Send + Sync + fmt::Debug {
    /// A fresh assertion for `client_id` at the token endpoint `token_url` (the
    /// audience of a signed assertion).
    ///
    /// # Errors
    ///
    /// Whatever kept the assertion from being made; it ends the token request.
    async fn assertion(&self, client_id: &str, token_url: &str)
        -> Result<SecretString, TokenError>;

    /// What identifies this credential in the token cache key: a certificate's
    /// thumbprint, a file's path, a callback's name. Never the assertion itself;
    /// only a keyed fingerprint of it becomes part of the key.
    fn key_material(&self) -> Vec<u8>;
}

/// Which signature [`Certificate`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, what Entra ID documents.
    #[default]
    Rs256,
    /// RSASSA-PSS with SHA-256.
    Ps256,
}

impl SigningAlgorithm {
    fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
        }
    }
}

/// An application's certificate and RSA private key, for certificate credentials.
///
/// ```no_run
/// use oauth_core::{Certificate, Credentials};
///
/// let certificate = Certificate::from_pem_file("/run/secrets/app.pem")?;
/// let credentials = Credentials::certificate("client-id", certificate);
/// # Ok::<(), oauth_core::ConfigError>(())
/// ```
pub struct Certificate {
    key: RsaKeyPair,
    algorithm: SigningAlgorithm,
    /// base64url SHA-256 of the certificate (`x5t#S256`).
    x5t_s256: String,
    /// base64url SHA-1 of the certificate (`x5t`, which Azure AD v1 reads).
    x5t: String,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("x5t#S256", &self.x5t_s256)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Reads a PEM text holding the certificate (the first one is used) and its RSA
    /// private key, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `client_certificate` saying what is missing or wrong;
    /// never quoting the key.
    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        let cert = CertificateDer::pem_slice_iter(pem)
            .next()
            .ok_or_else(|| ConfigError::new(FIELD, "holds no certificate (BEGIN CERTIFICATE)"))?
            .map_err(|_| ConfigError::new(FIELD, "the certificate is not valid PEM"))?;
        let key = PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
            ConfigError::new(
                FIELD,
                "holds no private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)",
            )
        })?;
        Self::from_der_parts(cert.as_ref(), &key)
    }

    /// Reads a PKCS#12 (`.pfx`, `.p12`) archive holding the certificate and its RSA
    /// private key, encrypted with `password` (`""` when it has none): modern
    /// (PBES2, AES) and legacy (RC2, 3DES) encryption alike. Needs the feature
    /// `pkcs12`.
    ///
    /// ```no_run
    /// # #[cfg(feature = "pkcs12")] {
    /// use oauth_core::Certificate;
    ///
    /// let pfx = std::fs::read("/run/secrets/app.pfx")?;
    /// let certificate = Certificate::from_pkcs12(&pfx, "archive password")?;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for `client_certificate` when the archive does not open
    /// with `password`, holds no private key with its certificate, or the key is not
    /// RSA; never quoting the password or the key.
    #[cfg(feature = "pkcs12")]
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, ConfigError> {
        let store = p12_keystore::KeyStore::from_pkcs12(der, password).map_err(|e| {
            let problem = match e {
                p12_keystore::error::Error::MacError(_) => {
                    "the PKCS#12 archive does not open with this password (its integrity check fails)"
                        .to_owned()
                }
                other => format!("is not a PKCS#12 archive this SDK can read: {other}"),
            };
            ConfigError::new(FIELD, problem)
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            ConfigError::new(
                FIELD,
                "the PKCS#12 archive holds no private key with its certificate",
            )
        })?;
        let cert = chain.chain().first().ok_or_else(|| {
            ConfigError::new(
                FIELD,
                "the PKCS#12 archive's private key has no certificate",
            )
        })?;
        let key = zeroizing(chain.key().to_vec());
        let key = PrivateKeyDer::Pkcs8(rustls_pki_types::PrivatePkcs8KeyDer::from(&key[..]));
        Self::from_der_parts(cert.as_der(), &key)
    }

    /// Reads a certificate file, PEM or PKCS#12 (told apart by their content):
    /// `password` opens a PKCS#12 archive (`None` for one without a password) and
    /// must be `None` for PEM, whose private key is never encrypted here. A PKCS#12
    /// file needs the feature `pkcs12`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file when it cannot be read, a password given
    /// for a PEM file, a PKCS#12 file without the feature, or as
    /// [`from_pem`](Self::from_pem) and `from_pkcs12`.
    pub fn from_file(path: impl AsRef<Path>, password: Option<&str>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let bytes = read_secret_file(path)?;
        let is_pem = bytes.trim_ascii_start().starts_with(b"-----BEGIN");
        match (is_pem, password) {
            (true, None) => Self::from_pem(&bytes),
            (true, Some(_)) => Err(ConfigError::new(
                FIELD,
                format!(
                    "{} is PEM, but a password was given: only a PKCS#12 archive takes one (an encrypted PEM key is not supported)",
                    path.display()
                ),
            )),
            (false, password) => Self::pkcs12_file(path, &bytes, password.unwrap_or("")),
        }
    }

    #[cfg(feature = "pkcs12")]
    fn pkcs12_file(_path: &Path, der: &[u8], password: &str) -> Result<Self, ConfigError> {
        Self::from_pkcs12(der, password)
    }

    #[cfg(not(feature = "pkcs12"))]
    fn pkcs12_file(path: &Path, _: &[u8], _: &str) -> Result<Self, ConfigError> {
        Err(ConfigError::new(
            FIELD,
            format!(
                "{} is not PEM; a PKCS#12 archive needs the SDK's feature `pkcs12` (or give a PEM file with the certificate and its unencrypted private key)",
                path.display()
            ),
        ))
    }

    fn from_der_parts(cert: &[u8], key: &PrivateKeyDer<'_>) -> Result<Self, ConfigError> {
        let key = match key {
            PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            _ => {
                return Err(ConfigError::new(
                    FIELD,
                    "the private key is not RSA (PKCS#8 or PKCS#1): Entra ID certificate credentials use RSA",
                ))
            }
        }
        .map_err(|e| ConfigError::new(FIELD, format!("the RSA private key is refused: {e}")))?;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let sha256 = ring::digest::digest(&ring::digest::SHA256, cert);
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert);
        Ok(Self {
            key,
            algorithm: SigningAlgorithm::default(),
            x5t_s256: b64.encode(sha256.as_ref()),
            x5t: b64.encode(sha1.as_ref()),
        })
    }

    /// Reads [`Certificate::from_pem`] from a file.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the file when it cannot be read, or as `from_pem`.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        Self::from_pem(&read_secret_file(path.as_ref())?)
    }

    /// Signs with `algorithm` instead of RS256.
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The certificate's SHA-256 thumbprint, base64url (the `x5t#S256` header).
    pub fn thumbprint_sha256(&self) -> &str {
        &self.x5t_s256
    }

    /// A signed assertion for `client_id` at `token_url`, valid for five minutes.
    fn sign(&self, client_id: &str, token_url: &str) -> Result<SecretString, TokenError> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut jti = [0u8; 16];
        getrandom::getrandom(&mut jti).map_err(|e| {
            TokenError::InvalidResponse(format!("no randomness for the assertion id: {e}"))
        })?;
        let header = serde_json::json!({
            "alg": self.algorithm.name(),
            "typ": "JWT",
            "x5t#S256": self.x5t_s256,
            "x5t": self.x5t,
        });
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": jti.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            b64.encode(header.to_string()),
            b64.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        let padding: &'static dyn ring::signature::RsaEncoding = match self.algorithm {
            SigningAlgorithm::Rs256 => &RSA_PKCS1_SHA256,
            SigningAlgorithm::Ps256 => &RSA_PSS_SHA256,
        };
        self.key
            .sign(
                padding,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                TokenError::InvalidResponse("signing the client assertion failed".into())
            })?;
        Ok(SecretString::from(format!(
            "{signing_input}.{}",
            b64.encode(signature)
        )))
    }
}

fn zeroizing(bytes: Vec<u8>) -> secrecy::zeroize::Zeroizing<Vec<u8>> {
    secrecy::zeroize::Zeroizing::new(bytes)
}

/// The field named by a certificate's configuration errors.
const FIELD: &str = "client_certificate";

/// A file holding a private key, wiped from memory once read.
fn read_secret_file(path: &Path) -> Result<secrecy::zeroize::Zeroizing<Vec<u8>>, ConfigError> {
    std::fs::read(path)
        .map(zeroizing)
        .map_err(|e| ConfigError::new(FIELD, format!("cannot read {}: {e}", path.display())))
}

#[async_trait]
impl ClientAssertion for Certificate {
    async fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
    ) -> Result<SecretString, TokenError> {
        self.sign(client_id, token_url)
    }

    fn key_material(&self) -> Vec<u8> {
        format!("certificate:{}", self.x5t_s256).into_bytes()
    }
}

/// A client assertion read from a file on every token request: workload identity
/// federation (Kubernetes projects a rotating service account token into the pod;
/// `AZURE_FEDERATED_TOKEN_FILE` names it).
#[derive(Debug, Clone)]
pub struct FederatedTokenFile {
    path: PathBuf,
}

impl FederatedTokenFile {
    /// The assertion is whatever `path` holds at each token request.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl ClientAssertion for FederatedTokenFile {
    async fn assertion(&self, _: &str, _: &str) -> Result<SecretString, TokenError> {
        let path = self.path.clone();
        let read = tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
            .await
            .map_err(|_| TokenError::Abandoned)?;
        let text = read.map_err(|e| {
            TokenError::Config(ConfigError::new(
                "federated_token_file",
                format!("cannot read {}: {e}", self.path.display()),
            ))
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(TokenError::Config(ConfigError::new(
                "federated_token_file",
                format!("{} is empty", self.path.display()),
            )));
        }
        Ok(SecretString::from(token.to_owned()))
    }

    fn key_material(&self) -> Vec<u8> {
        let mut material = b"federated_token_file:".to_vec();
        material.extend_from_slice(self.path.as_os_str().as_encoded_bytes());
        material
    }
}

type AssertionFuture = Pin<Box<dyn Future<Output = Result<SecretString, TokenError>> + Send>>;
type AssertionFn = dyn Fn(&str, &str) -> AssertionFuture + Send + Sync;

/// A client assertion from any async function (a vault, an HSM, a signing
/// service), called for every token request.
///
/// ```
/// use oauth_core::{AssertionCallback, Credentials};
/// use oauth_core::secrecy::SecretString;
///
/// let source = AssertionCallback::new("vault:app-signing-key", |client_id, audience| {
///     let (client_id, audience) = (client_id.to_owned(), audience.to_owned());
///     async move {
///         // Ask the vault to sign a JWT for `client_id` and `audience` here.
///         Ok(SecretString::from(format!("signed-for-{client_id}-at-{audience}")))
///     }
/// });
/// let credentials = Credentials::client_assertion("client-id", source);
/// ```
#[derive(Clone)]
pub struct AssertionCallback {
    name: String,
    callback: Arc<AssertionFn>,
}

impl fmt::Debug for AssertionCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionCallback")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl AssertionCallback {
    /// `callback(client_id, token_url)` makes each assertion; `name` identifies the
    /// credential in the token cache key (two callbacks for different keys need
    /// different names).
    pub fn new<F, Fut>(name: impl Into<String>, callback: F) -> Self
    where
        F: Fn(&str, &str) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SecretString, TokenError>> + Send + 'static,
    {
        Self {
            name: name.into(),
            callback: Arc::new(move |client_id, audience| Box::pin(callback(client_id, audience))),
        }
    }
}

#[async_trait]
impl ClientAssertion for AssertionCallback {
    async fn assertion(
        &self,
        client_id: &str,
        token_url: &str,
    ) -> Result<SecretString, TokenError> {
        let assertion = (self.callback)(client_id, token_url).await?;
        if assertion.expose_secret().trim().is_empty() {
            return Err(TokenError::InvalidResponse(format!(
                "the assertion callback `{}` returned an empty assertion",
                self.name
            )));
        }
        Ok(assertion)
    }

    fn key_material(&self) -> Vec<u8> {
        format!("assertion_callback:{}", self.name).into_bytes()
    }
}
