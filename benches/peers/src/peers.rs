//! The clients compared, each configured the way its documentation shows, all trusting
//! the mock's CA and sending the same client id, secret and scope.

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::{Secret, TokenCredential};
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

use crate::mock::Mock;

pub const TENANT: &str = "peer-tenant";
pub const CLIENT_ID: &str = "peer-client";
pub const SECRET: &str = "peer-secret";
pub const SCOPE: &str = "api://peer-api/.default";

/// Which client.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `oauth_core::OAuthProvider` with its default memory cache.
    OauthCore,
    /// `azure_identity::ClientSecretCredential` (its own token cache).
    Azure,
    /// `oauth2`'s client behind a `tokio::sync::Mutex<Option<token>>`, refreshed when
    /// less than a margin of the lifetime is left: the hand-written cache.
    Mutex,
    /// `oauth2`'s client alone: a token request per call (it has no cache).
    Oauth2,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::OauthCore => "oauth-core `OAuthProvider`",
            Kind::Azure => "azure_identity `ClientSecretCredential`",
            Kind::Mutex => "`Mutex<Option<token>>` over oauth2",
            Kind::Oauth2 => "oauth2 alone (no cache)",
        }
    }
}

type Oauth2Client = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

pub struct Oauth2 {
    client: Oauth2Client,
    http: reqwest::Client,
}

impl Oauth2 {
    fn new(mock: &Mock) -> Result<Self, String> {
        let url = format!("{}/{TENANT}/oauth2/v2.0/token", mock.base);
        let client = oauth2::basic::BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
            .set_client_secret(ClientSecret::new(SECRET.to_owned()))
            .set_auth_type(oauth2::AuthType::RequestBody)
            .set_token_uri(TokenUrl::new(url).map_err(|e| e.to_string())?);
        let ca =
            reqwest::Certificate::from_pem(mock.ca_pem.as_bytes()).map_err(|e| e.to_string())?;
        // oauth2's documentation: no redirects for the token request.
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, http })
    }

    /// One token request: the token and its lifetime.
    pub async fn fetch(&self) -> Result<(String, Duration), String> {
        let response = self
            .client
            .exchange_client_credentials()
            .add_scope(Scope::new(SCOPE.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| format!("{e}: {:?}", std::error::Error::source(&e)))?;
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3600));
        Ok((response.access_token().secret().clone(), lifetime))
    }
}

/// The hand-written cache: one mutex, one token, refreshed by whoever finds it about to
/// expire (holding the lock, so everyone else waits).
pub struct MutexCache {
    inner: Oauth2,
    margin: Duration,
    slot: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl MutexCache {
    pub async fn token(&self) -> Result<String, String> {
        let mut slot = self.slot.lock().await;
        if let Some((token, expires)) = slot.as_ref() {
            if Instant::now() + self.margin < *expires {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self.inner.fetch().await?;
        *slot = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }
}

/// azure_identity's `ClientSecretCredential` for `tenant` at the authority host
/// `authority`, over an HTTP client that trusts only the CA `ca_pem`.
pub fn azure_credential(
    authority: &str,
    ca_pem: &str,
    tenant: &str,
    client_id: &str,
    secret: &str,
) -> Result<Arc<azure_identity::ClientSecretCredential>, String> {
    let ca = reqwest013::Certificate::from_pem(ca_pem.as_bytes()).map_err(|e| e.to_string())?;
    let http = reqwest013::Client::builder()
        .tls_certs_only([ca])
        .build()
        .map_err(|e| e.to_string())?;
    let mut cloud = azure_core::cloud::CustomConfiguration::default();
    cloud.authority_host = authority.to_owned();
    let options = azure_core::http::ClientOptions {
        transport: Some(azure_core::http::Transport::new(Arc::new(http))),
        cloud: Some(Arc::new(cloud.into())),
        ..Default::default()
    };
    azure_identity::ClientSecretCredential::new(
        tenant,
        client_id.to_owned(),
        Secret::new(secret.to_owned()),
        Some(azure_identity::ClientSecretCredentialOptions {
            client_options: options,
        }),
    )
    .map_err(|e| e.to_string())
}

/// One client of any kind.
pub enum Client {
    OauthCore(oauth_core::OAuthProvider),
    Azure(Arc<azure_identity::ClientSecretCredential>),
    Mutex(MutexCache),
    Oauth2(Oauth2),
}

impl Client {
    /// A client of `kind` for `mock`; the hand-written cache refreshes `margin` before
    /// expiry.
    pub fn new(kind: Kind, mock: &Mock, margin: Duration) -> Result<Self, String> {
        Ok(match kind {
            Kind::OauthCore => Client::OauthCore(
                oauth_core::OAuthProvider::builder()
                    .endpoint(oauth_core::TokenEndpoint::azure_ad_v2(TENANT, [SCOPE]))
                    .authority(mock.base.clone())
                    .credentials(oauth_core::Credentials::client_credentials(
                        CLIENT_ID, SECRET,
                    ))
                    .add_root_certificate_pem(mock.ca_pem.as_bytes())
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
            Kind::Azure => Client::Azure(azure_credential(
                &mock.base,
                &mock.ca_pem,
                TENANT,
                CLIENT_ID,
                SECRET,
            )?),
            Kind::Mutex => Client::Mutex(MutexCache {
                inner: Oauth2::new(mock)?,
                margin,
                slot: tokio::sync::Mutex::new(None),
            }),
            Kind::Oauth2 => Client::Oauth2(Oauth2::new(mock)?),
        })
    }

    /// A token, as an application asks for one before each call. The value itself is
    /// dropped by the caller; each client returns what its API returns.
    #[inline]
    pub async fn token(&self) -> Result<(), String> {
        match self {
            Client::OauthCore(p) => p.token().await.map(drop).map_err(|e| e.to_string()),
            Client::Azure(c) => c
                .get_token(&[SCOPE], None)
                .await
                .map(drop)
                .map_err(|e| format!("{e}")),
            Client::Mutex(m) => m.token().await.map(drop),
            Client::Oauth2(o) => o.fetch().await.map(drop),
        }
    }
}
