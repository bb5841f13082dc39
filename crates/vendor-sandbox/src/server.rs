//! [`Sandbox`]: binding, serving in the background, and the caller-facing accessors.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::{Router, ServiceExt as _};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer as _;

use crate::config::{Faults, SandboxConfig, Vendor};
use crate::creds::{self, KaisaSandbox, KaziSandbox, KeyaviSandbox, Okq8Sandbox};
use crate::http::{check_host, json_response, normalize_path, request_id, Shared};
use crate::managed::{self, ManagedIdentitySandbox};
use crate::state::AppState;
use crate::stats::Stats;
use crate::tls::{SandboxTls, TlsListener};
use crate::{assertion, control, entra, ids, kaisa, kazi, keyavi, okq8, time, token, SandboxError};

/// How long [`Sandbox::shutdown`] waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox server on `127.0.0.1`.
///
/// The server runs in a background tokio task. [`shutdown`](Self::shutdown) stops it
/// gracefully; dropping the `Sandbox` also signals it to stop.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    tls: Option<SandboxTls>,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("running", &self.task.is_some())
            .finish_non_exhaustive()
    }
}

fn app_router(state: Shared) -> Router {
    Router::new()
        .merge(token::router())
        .merge(entra::router())
        .merge(managed::router())
        .merge(control::router())
        .nest("/kazi", kazi::router(state.clone()))
        .nest("/keyavi/api", keyavi::router(state.clone()))
        .nest("/kaisa", kaisa::router(state.clone()))
        .nest("/okq8", okq8::router(state.clone()))
        .fallback(unknown_route)
        .layer(from_fn_with_state(state.clone(), request_id))
        .with_state(state)
}

async fn unknown_route(request: Request) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        serde_json::json!({
            "error": "not_found",
            "message": format!(
                "vendor-sandbox serves /{{tenant}}/oauth2/token, /{{tenant}}/oauth2/v2.0/token, /{{tenant}}/v2.0/.well-known/openid-configuration, /{{tenant}}/.well-known/openid-configuration, /{{tenant}}/discovery/keys, /{{tenant}}/discovery/v2.0/keys, /login, /kaisa-auth, /msi/token, /metadata/identity/oauth2/token, /kazi, /keyavi/api, /kaisa, /okq8 and /_sandbox; nothing at {}",
                request.uri().path()
            ),
        }),
    )
}

impl Sandbox {
    /// Binds `127.0.0.1:{config.port}` and starts serving in a background tokio task.
    ///
    /// Must be called from within a tokio runtime.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Bind`] if the port cannot be bound.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let bind_error = |source| SandboxError::Bind {
            port: config.port,
            source,
        };
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
            .await
            .map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let base_url = format!("{scheme}://{addr}");
        let state = Arc::new(AppState::new(base_url.clone(), &config)?);
        // Path normalisation must run before routing, so it wraps the router from outside;
        // the Host check wraps everything, so a refused request reaches no route or counter.
        let service =
            from_fn(check_host).layer(from_fn(normalize_path).layer(app_router(state.clone())));
        let (shutdown, signal) = oneshot::channel::<()>();
        // Either an explicit signal or the Sandbox being dropped.
        let stopped = async move {
            let _ = signal.await;
        };
        let task = match &config.tls {
            None => tokio::spawn(async move {
                axum::serve(listener, service.into_make_service())
                    .with_graceful_shutdown(stopped)
                    .await
            }),
            Some(tls) => {
                let listener = TlsListener::new(listener, tls)?;
                tokio::spawn(async move {
                    axum::serve(listener, service.into_make_service())
                        .with_graceful_shutdown(stopped)
                        .await
                })
            }
        };
        tracing::info!(%addr, "vendor sandbox listening");
        Ok(Self {
            addr,
            base_url,
            tls: config.tls,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`SandboxConfig::with_tls`]), without a
    /// trailing slash. It is also the Entra ID authority host: the authority of a tenant
    /// is `{base_url}/{tenant}`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The CA certificate (PEM) that clients must trust, when serving https.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(SandboxTls::ca_certificate_pem)
    }

    /// The TLS material, when serving https.
    pub fn tls(&self) -> Option<&SandboxTls> {
        self.tls.as_ref()
    }

    /// Kazi endpoints and credentials.
    pub fn kazi(&self) -> KaziSandbox {
        KaziSandbox::new(
            &self.base_url,
            self.state.kazi.known_talent_scan_id(),
            &self.state.secrets,
        )
    }

    /// Keyavi endpoints and credentials.
    pub fn keyavi(&self) -> KeyaviSandbox {
        KeyaviSandbox::new(&self.base_url, &self.state.secrets)
    }

    /// Kaisa endpoints and credentials.
    pub fn kaisa(&self) -> KaisaSandbox {
        KaisaSandbox::new(&self.base_url, &self.state.secrets)
    }

    /// OKQ8 endpoints and credentials.
    pub fn okq8(&self) -> Okq8Sandbox {
        Okq8Sandbox::new(&self.base_url, &self.state.secrets)
    }

    /// The managed identity endpoints (App Service's and the metadata service's shapes).
    pub fn managed_identity(&self) -> ManagedIdentitySandbox {
        ManagedIdentitySandbox::new(&self.base_url, &self.state.secrets.identity_header)
    }

    /// A fresh federated token (workload identity) for `vendor`'s Azure AD clients, to send
    /// as `client_assertion` with `client_assertion_type` =
    /// [`JWT_BEARER_ASSERTION_TYPE`](crate::JWT_BEARER_ASSERTION_TYPE) instead of a
    /// secret. It is an HS256 JWT signed by this sandbox with issuer
    /// `http://127.0.0.1:PORT/federation`, subject
    /// `system:serviceaccount:vendor-sandbox:<vendor>`, audience
    /// `api://AzureADTokenExchange`, valid 10 minutes and accepted once (by `jti`), for
    /// any client of `vendor`'s tenant. Kaisa has no Azure AD clients: its token is
    /// refused everywhere.
    pub fn federated_token(&self, vendor: Vendor) -> String {
        assertion::federated_token(
            &self.state.federation_key,
            &self.base_url,
            vendor,
            time::now_unix(),
        )
    }

    /// Environment variables that point the SDKs and the CLI at this sandbox:
    ///
    /// `KAZI_CLIENT_ID KAZI_CLIENT_SECRET KAZI_SUBSCRIPTION_KEY KAZI_BASE_URL KAZI_TOKEN_URL`,
    /// `KEYAVI_BASE_URL KEYAVI_TENANT_ID KEYAVI_CLIENT_ID KEYAVI_CLIENT_SECRET KEYAVI_SCOPE
    /// KEYAVI_SUBSCRIPTION_KEY KEYAVI_CALLER_ID KEYAVI_TOKEN_URL`,
    /// `KAISA_CLIENT_ID KAISA_CLIENT_SECRET KAISA_API_VERSION KAISA_BASE_URL KAISA_TOKEN_URL`,
    /// `OKQ8_TENANT_ID OKQ8_CLIENT_ID OKQ8_CLIENT_SECRET OKQ8_SCOPE OKQ8_SUBSCRIPTION_KEY
    /// OKQ8_BASE_URL OKQ8_TOKEN_URL`, in that order. `KEYAVI_SCOPE` is the app-mode
    /// `.default` scope; `*_TOKEN_URL` are full token endpoint URLs. Each vendor's
    /// group ends with `<VENDOR>_ALLOW_INSECURE_LOOPBACK=1`, so that
    /// `Client::from_env()` accepts the sandbox's plain-http loopback URLs. Then come
    /// `IDENTITY_ENDPOINT IDENTITY_HEADER`, App Service's managed identity variables
    /// (see [`managed_identity`](Self::managed_identity)).
    ///
    /// Over https ([`SandboxConfig::with_tls`]) the `*_ALLOW_INSECURE_LOOPBACK` variables
    /// are left out; `SSL_CERT_FILE REQUESTS_CA_BUNDLE CURL_CA_BUNDLE` (the CA file, when
    /// the TLS material lives in a directory: [`SandboxTls::in_dir`]) and
    /// `AZURE_AUTHORITY_HOST` (the base URL) come last.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let kazi = self.kazi();
        let keyavi = self.keyavi();
        let kaisa = self.kaisa();
        let okq8 = self.okq8();
        let identity = self.managed_identity();
        let mut vars: Vec<(String, String)> = [
            ("KAZI_CLIENT_ID", kazi.client_id),
            ("KAZI_CLIENT_SECRET", kazi.client_secret),
            ("KAZI_SUBSCRIPTION_KEY", kazi.subscription_key),
            ("KAZI_BASE_URL", kazi.base_url),
            ("KAZI_TOKEN_URL", kazi.token_url),
            ("KAZI_ALLOW_INSECURE_LOOPBACK", "1".to_owned()),
            ("KEYAVI_BASE_URL", keyavi.base_url),
            ("KEYAVI_TENANT_ID", keyavi.tenant),
            ("KEYAVI_CLIENT_ID", keyavi.client_id),
            ("KEYAVI_CLIENT_SECRET", keyavi.client_secret),
            ("KEYAVI_SCOPE", keyavi.app_scope),
            ("KEYAVI_SUBSCRIPTION_KEY", keyavi.subscription_key),
            ("KEYAVI_CALLER_ID", keyavi.caller_id),
            ("KEYAVI_TOKEN_URL", keyavi.token_url),
            ("KEYAVI_ALLOW_INSECURE_LOOPBACK", "1".to_owned()),
            ("KAISA_CLIENT_ID", kaisa.client_id),
            ("KAISA_CLIENT_SECRET", kaisa.client_secret),
            ("KAISA_API_VERSION", kaisa.api_version),
            ("KAISA_BASE_URL", kaisa.base_url),
            ("KAISA_TOKEN_URL", kaisa.token_url),
            ("KAISA_ALLOW_INSECURE_LOOPBACK", "1".to_owned()),
            ("OKQ8_TENANT_ID", okq8.tenant),
            ("OKQ8_CLIENT_ID", okq8.client_id),
            ("OKQ8_CLIENT_SECRET", okq8.client_secret),
            ("OKQ8_SCOPE", okq8.scope),
            ("OKQ8_SUBSCRIPTION_KEY", okq8.subscription_key),
            ("OKQ8_BASE_URL", okq8.base_url),
            ("OKQ8_TOKEN_URL", okq8.token_url),
            ("OKQ8_ALLOW_INSECURE_LOOPBACK", "1".to_owned()),
            ("IDENTITY_ENDPOINT", identity.identity_endpoint),
            ("IDENTITY_HEADER", identity.identity_header),
        ]
        .into_iter()
        // Over https no opt-in is needed: the CA file below makes the sandbox trusted.
        .filter(|(name, _)| self.tls.is_none() || !name.ends_with("_ALLOW_INSECURE_LOOPBACK"))
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        if let Some(ca_file) = self.tls.as_ref().and_then(SandboxTls::ca_file) {
            let ca_file = ca_file.display().to_string();
            for name in ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"] {
                vars.push((name.to_owned(), ca_file.clone()));
            }
        }
        if self.tls.is_some() {
            // The authority host of the Azure SDKs (azure-identity in every language).
            vars.push(("AZURE_AUTHORITY_HOST".to_owned(), self.base_url.clone()));
        }
        vars
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        self.state.reset_stats();
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Replaces the faults in force and restarts their counters (the next API call is
    /// call number 1 for [`Faults::rate_limit_every`]).
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Signs an application token for `vendor`'s API with the default client's full roles,
    /// valid from now for `valid_for_secs` seconds; zero or negative gives a token that is
    /// already expired, for testing refresh paths without waiting.
    pub fn mint_token(&self, vendor: Vendor, valid_for_secs: i64) -> String {
        let now = time::now_unix();
        let (tenant, client_id, roles): (&str, &str, &[&str]) = match vendor {
            Vendor::Kazi => (creds::KAZI_TENANT, creds::KAZI_CLIENT_ID, creds::KAZI_ROLES),
            Vendor::Keyavi => (
                creds::KEYAVI_TENANT,
                creds::KEYAVI_CLIENT_ID,
                creds::KEYAVI_APP_ROLES,
            ),
            Vendor::Kaisa => ("kaisa", creds::KAISA_CLIENT_ID, creds::KAISA_ROLES),
            Vendor::Okq8 => (creds::OKQ8_TENANT, creds::OKQ8_CLIENT_ID, creds::OKQ8_ROLES),
        };
        let oid = ids::guid_from(&format!("minted/{client_id}"));
        let issued = now.min(now.saturating_add(valid_for_secs));
        let tid = if vendor == Vendor::Kaisa {
            "kaisa"
        } else {
            tenant
        };
        let claims = entra::access_claims(
            &self.base_url,
            tid,
            creds::expected_audience(vendor),
            entra::token_version(vendor),
            (issued, now.saturating_add(valid_for_secs)),
            entra::Subject {
                client_id,
                acr: "1",
                oid,
                roles: Some(roles.iter().map(|r| (*r).to_owned()).collect()),
                scp: None,
                username: None,
            },
        );
        self.state.sign(&claims)
    }

    /// Waits until the server task ends. [`shutdown`](Self::shutdown) consumes the sandbox,
    /// so in practice this returns only if the server fails; a CLI keeps the sandbox in the
    /// foreground with `tokio::select!` over this and ctrl-c, then calls `shutdown`.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Serve`] or [`SandboxError::Task`] if the server stopped abnormally.
    pub async fn wait(&mut self) -> Result<(), SandboxError> {
        let Some(task) = self.task.as_mut() else {
            return Ok(());
        };
        let outcome = task.await;
        self.task = None;
        flatten(outcome)
    }

    /// Stops accepting connections, lets in-flight requests finish (up to 5 s), and waits
    /// for the server task.
    ///
    /// # Errors
    ///
    /// [`SandboxError::Serve`] or [`SandboxError::Task`] if the server stopped abnormally.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(outcome) => flatten(outcome),
            Err(_elapsed) => {
                task.abort();
                Ok(())
            }
        }
    }
}

fn flatten(
    outcome: Result<std::io::Result<()>, tokio::task::JoinError>,
) -> Result<(), SandboxError> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(SandboxError::Serve(err)),
        Err(err) => Err(SandboxError::Task(err.to_string())),
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
    }
}
