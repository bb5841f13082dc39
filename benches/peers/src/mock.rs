//! The TLS mock token endpoint every client is measured against: 127.0.0.1, a CA and a
//! server certificate made at start, HTTP/1.1, a fixed latency, a request counter.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How the endpoint writes `expires_in`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ExpiresIn {
    /// `"expires_in": 3600`, as Entra ID does.
    Number,
    /// `"expires_in": "3600"`, as some vendors do.
    String,
}

#[derive(Clone)]
struct Settings {
    latency: Duration,
    lifetime_secs: u64,
    expires_in: ExpiresIn,
    requests: Arc<AtomicU64>,
    arrivals: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

/// A running endpoint.
pub struct Mock {
    /// `https://127.0.0.1:PORT`, the authority host.
    pub base: String,
    /// The CA certificate that clients must trust.
    pub ca_pem: String,
    requests: Arc<AtomicU64>,
    arrivals: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

impl Mock {
    /// Starts an endpoint answering every POST after `latency` with a token living
    /// `lifetime_secs`.
    pub async fn start(
        latency: Duration,
        lifetime_secs: u64,
        expires_in: ExpiresIn,
    ) -> Result<Self, String> {
        let (acceptor, ca_pem) = tls().map_err(|e| format!("mock TLS: {e}"))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("mock bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let requests = Arc::new(AtomicU64::new(0));
        let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
        let settings = Settings {
            latency,
            lifetime_secs,
            expires_in,
            requests: requests.clone(),
            arrivals: arrivals.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let settings = settings.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |req| answer(settings.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Ok(Self {
            base: format!("https://127.0.0.1:{}", addr.port()),
            ca_pem,
            requests,
            arrivals,
        })
    }

    /// When each token request's body had arrived.
    pub fn arrivals(&self) -> Vec<std::time::Instant> {
        self.arrivals.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Token requests received so far.
    pub fn count(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn answer(
    s: Settings,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the body whole before answering, as a real endpoint does.
    let _ = http_body_util::BodyExt::collect(req.into_body()).await;
    if let Ok(mut a) = s.arrivals.lock() {
        a.push(std::time::Instant::now());
    }
    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(s.latency).await;
    let expires_in = match s.expires_in {
        ExpiresIn::Number => serde_json::json!(s.lifetime_secs),
        ExpiresIn::String => serde_json::json!(s.lifetime_secs.to_string()),
    };
    let body = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": s.lifetime_secs,
        "access_token": format!("peer-bench-token-{n}"),
    });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

fn tls() -> Result<(TlsAcceptor, String), Box<dyn std::error::Error>> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "peer-bench CA");
    let ca = ca_params.clone().self_signed(&ca_key)?;
    let ca_pem = ca.pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = params.signed_by(&key, &issuer)?;
    let chain = vec![cert.der().clone(), ca.der().clone()];
    let private = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, private)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), ca_pem))
}
