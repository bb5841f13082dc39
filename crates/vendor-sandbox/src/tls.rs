//! TLS: a local certificate authority, a server certificate for `127.0.0.1`, `localhost`
//! and `::1` signed by it, and the listener that serves the sandbox over them.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::SandboxError;

/// File names inside a TLS directory.
const CA_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";
const SERVER_FILE: &str = "server.pem";
const SERVER_KEY_FILE: &str = "server-key.pem";
const CA_COMMON_NAME: &str = "vendor-sandbox local CA (for testing only)";
/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS material of a sandbox served over https: a local certificate authority and a
/// server certificate for `127.0.0.1`, `localhost` and `::1` that it signed.
///
/// Clients trust the sandbox by trusting [`ca_certificate_pem`](Self::ca_certificate_pem)
/// (in a file: [`ca_file`](Self::ca_file), given as `SSL_CERT_FILE`,
/// `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE`). The private keys never appear in `Debug`.
///
/// ```no_run
/// # async fn run() -> Result<(), vendor_sandbox::SandboxError> {
/// use vendor_sandbox::{Sandbox, SandboxConfig, SandboxTls};
///
/// let sandbox = Sandbox::start(SandboxConfig::default().with_tls(SandboxTls::generate()?)).await?;
/// assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
/// let ca_pem = sandbox.ca_certificate_pem(); // trust this in the client
/// # let _ = ca_pem; Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxTls {
    ca_pem: String,
    server_cert_der: Vec<u8>,
    server_key_der: Vec<u8>,
    dir: Option<PathBuf>,
}

impl fmt::Debug for SandboxTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxTls")
            .field("dir", &self.dir)
            .field("keys", &"***")
            .finish_non_exhaustive()
    }
}

fn tls_error(what: &str, err: impl fmt::Display) -> SandboxError {
    SandboxError::Tls(format!("{what}: {err}"))
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_COMMON_NAME);
    name.push(DnType::OrganizationName, "vendor-sandbox");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(3650);
    params
}

fn server_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "127.0.0.1");
    params.distinguished_name = name;
    params.subject_alt_names = vec![
        SanType::IpAddress(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)),
    ];
    if let Ok(localhost) = "localhost".to_owned().try_into() {
        params.subject_alt_names.push(SanType::DnsName(localhost));
    }
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    // Well under the 398 days clients accept for a server certificate.
    params.not_after = now + time::Duration::days(90);
    params
}

/// A server certificate signed by `issuer`: (certificate DER, PKCS#8 key DER).
fn issue_server(issuer: &Issuer<'_, KeyPair>) -> Result<(Vec<u8>, Vec<u8>), SandboxError> {
    let key = KeyPair::generate().map_err(|e| tls_error("cannot make the server key", e))?;
    let cert = server_params()
        .signed_by(&key, issuer)
        .map_err(|e| tls_error("cannot sign the server certificate", e))?;
    Ok((cert.der().to_vec(), key.serialize_der()))
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first PEM block of `text`.
fn pem_body(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let start = text.find("-----BEGIN ")?;
    let body_start = start + text.get(start..)?.find('\n')? + 1;
    let body_end = body_start + text.get(body_start..)?.find("-----END ")?;
    let body: String = text
        .get(body_start..body_end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Writes `contents` to `path`, readable by the owner only when `private`.
fn write_file(path: &Path, contents: &str, private: bool) -> Result<(), SandboxError> {
    let error = |e: io::Error| tls_error(&format!("cannot write {}", path.display()), e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(error)?;
    io::Write::write_all(&mut file, contents.as_bytes()).map_err(error)
}

impl SandboxTls {
    /// A fresh CA and server certificate, in memory only.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Tls`] if a key or certificate cannot be made.
    pub fn generate() -> Result<Self, SandboxError> {
        let ca_key = KeyPair::generate().map_err(|e| tls_error("cannot make the CA key", e))?;
        let params = ca_params();
        let ca_cert = params
            .self_signed(&ca_key)
            .map_err(|e| tls_error("cannot sign the CA certificate", e))?;
        let issuer = Issuer::new(params, ca_key);
        let (server_cert_der, server_key_der) = issue_server(&issuer)?;
        Ok(Self {
            ca_pem: pem("CERTIFICATE", ca_cert.der()),
            server_cert_der,
            server_key_der,
            dir: None,
        })
    }

    /// The CA kept in `dir`: reused if `dir` holds `ca.pem` and `ca-key.pem` (so clients
    /// that trust it keep doing so across runs), else made and written there (the
    /// directory is created if need be; the key readable by its owner only). A fresh
    /// server certificate is issued each time and written as `server.pem` and
    /// `server-key.pem`.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Tls`] if the directory cannot be read or written, or holds a CA
    /// that cannot be parsed.
    pub fn in_dir(dir: impl AsRef<Path>) -> Result<Self, SandboxError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| tls_error(&format!("cannot create {}", dir.display()), e))?;
        let (ca_path, ca_key_path) = (dir.join(CA_FILE), dir.join(CA_KEY_FILE));
        let (ca_pem, issuer) = if ca_path.exists() && ca_key_path.exists() {
            let read = |path: &Path| {
                std::fs::read_to_string(path)
                    .map_err(|e| tls_error(&format!("cannot read {}", path.display()), e))
            };
            let ca_pem = read(&ca_path)?;
            let unreadable = |path: &Path, e: &dyn fmt::Display| {
                tls_error(&format!("cannot parse {}", path.display()), e)
            };
            let key_der = pem_body(&read(&ca_key_path)?)
                .ok_or_else(|| unreadable(&ca_key_path, &"not PEM"))?;
            let key =
                KeyPair::try_from(key_der.as_slice()).map_err(|e| unreadable(&ca_key_path, &e))?;
            let ca_der = pem_body(&ca_pem).ok_or_else(|| unreadable(&ca_path, &"not PEM"))?;
            let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(ca_der), key)
                .map_err(|e| unreadable(&ca_path, &e))?;
            (ca_pem, issuer)
        } else {
            let key = KeyPair::generate().map_err(|e| tls_error("cannot make the CA key", e))?;
            let params = ca_params();
            let cert = params
                .self_signed(&key)
                .map_err(|e| tls_error("cannot sign the CA certificate", e))?;
            let ca_pem = pem("CERTIFICATE", cert.der());
            write_file(
                &ca_key_path,
                &pem("PRIVATE KEY", key.serialized_der()),
                true,
            )?;
            write_file(&ca_path, &ca_pem, false)?;
            (ca_pem, Issuer::new(params, key))
        };
        let (server_cert_der, server_key_der) = issue_server(&issuer)?;
        write_file(
            &dir.join(SERVER_FILE),
            &pem("CERTIFICATE", &server_cert_der),
            false,
        )?;
        write_file(
            &dir.join(SERVER_KEY_FILE),
            &pem("PRIVATE KEY", &server_key_der),
            true,
        )?;
        Ok(Self {
            ca_pem,
            server_cert_der,
            server_key_der,
            dir: Some(dir.to_path_buf()),
        })
    }

    /// The CA certificate, PEM: what a client must trust.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    /// `DIR/ca.pem` when made by [`in_dir`](Self::in_dir): the file to give as
    /// `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE`.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(CA_FILE))
    }

    /// The directory given to [`in_dir`](Self::in_dir).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn acceptor(&self) -> Result<TlsAcceptor, SandboxError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("cannot configure TLS", e))?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.server_cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone())),
            )
            .map_err(|e| tls_error("cannot use the server certificate", e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// A listener for `axum::serve` that hands out connections once their TLS handshake is
/// done. Handshakes run in tasks of their own, so a slow or silent client holds up no
/// one; connections whose handshake fails or takes over 10 s are dropped.
pub(crate) struct TlsListener {
    incoming: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor_task: JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor_task.abort();
    }
}

impl TlsListener {
    pub(crate) fn new(listener: TcpListener, tls: &SandboxTls) -> Result<Self, SandboxError> {
        let acceptor = tls.acceptor()?;
        let local = listener.local_addr().map_err(SandboxError::Serve)?;
        let (tx, incoming) = mpsc::channel(64);
        let acceptor_task = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::debug!(%err, "sandbox accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, %err, "sandbox TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "sandbox TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self {
            incoming,
            local,
            acceptor_task,
        })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The acceptor task never ends while the listener lives; wait forever.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
