//! Managed identity endpoints: App Service's (`/msi/token`, `X-IDENTITY-HEADER`,
//! api-version 2019-08-01) and the instance metadata service's
//! (`/metadata/identity/oauth2/token`, `Metadata: true`, api-version 2018-02-01).
//!
//! Both issue the same tokens as the Azure AD endpoints, for the resource of a Kazi,
//! Keyavi or OKQ8 API, with that API's application roles, so the APIs accept them.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::creds::{self, AZURE_CLIENTS};
use crate::http::{json_response, Shared};
use crate::state::AppState;
use crate::{entra, ids, time};

/// App Service's identity endpoint path (`IDENTITY_ENDPOINT`).
pub(crate) const APP_SERVICE_PATH: &str = "/msi/token";
/// The instance metadata service's token path.
pub(crate) const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
const APP_SERVICE_API_VERSION: &str = "2019-08-01";
const IMDS_API_VERSION: &str = "2018-02-01";
/// Lifetime of managed identity tokens (Azure's are about a day).
const MI_DEFAULT_LIFETIME: u64 = 86_399;

/// Client id of the host's system-assigned identity.
pub(crate) const SYSTEM_ASSIGNED_CLIENT_ID: &str = "6e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
/// Client id of the one user-assigned identity attached to the host.
pub(crate) const USER_ASSIGNED_CLIENT_ID: &str = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d";

/// Where and how to reach the sandbox's managed identity endpoints.
///
/// Point an SDK at App Service's shape with the environment variables `IDENTITY_ENDPOINT`
/// and `IDENTITY_HEADER` (both in [`Sandbox::env_vars`](crate::Sandbox::env_vars)), or at
/// the instance metadata service's shape with [`imds_endpoint`](Self::imds_endpoint).
/// Ask for a [`KaziSandbox::resource`](crate::KaziSandbox::resource),
/// [`KeyaviSandbox::app_id`](crate::KeyaviSandbox::app_id) or
/// OKQ8's `api://apim-sandbox-api` (the [`Okq8Sandbox::scope`](crate::Okq8Sandbox::scope)
/// without `/.default`, which is also accepted); the token carries that API's
/// application roles.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManagedIdentitySandbox {
    /// App Service's endpoint, `http://127.0.0.1:PORT/msi/token` (`IDENTITY_ENDPOINT`):
    /// `GET ?api-version=2019-08-01&resource=..[&client_id=..]` with `X-IDENTITY-HEADER`.
    pub identity_endpoint: String,
    /// The `X-IDENTITY-HEADER` value (`IDENTITY_HEADER`), drawn at random per sandbox.
    pub identity_header: String,
    /// The metadata service's endpoint,
    /// `http://127.0.0.1:PORT/metadata/identity/oauth2/token`:
    /// `GET ?api-version=2018-02-01&resource=..[&client_id=..]` with `Metadata: true`.
    pub imds_endpoint: String,
    /// Client id (`appid` in tokens) of the system-assigned identity, used when the
    /// request names no `client_id`.
    pub system_assigned_client_id: String,
    /// Client id of the user-assigned identity: the only `client_id` the endpoints accept;
    /// any other answers 400 `Identity not found`.
    pub user_assigned_client_id: String,
}

impl std::fmt::Debug for ManagedIdentitySandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManagedIdentitySandbox")
            .field("identity_endpoint", &self.identity_endpoint)
            .field("identity_header", &"***")
            .field("imds_endpoint", &self.imds_endpoint)
            .field("system_assigned_client_id", &self.system_assigned_client_id)
            .field("user_assigned_client_id", &self.user_assigned_client_id)
            .finish()
    }
}

impl ManagedIdentitySandbox {
    pub(crate) fn new(base_url: &str, identity_header: &str) -> Self {
        Self {
            identity_endpoint: format!("{base_url}{APP_SERVICE_PATH}"),
            identity_header: identity_header.to_owned(),
            imds_endpoint: format!("{base_url}{IMDS_PATH}"),
            system_assigned_client_id: SYSTEM_ASSIGNED_CLIENT_ID.to_owned(),
            user_assigned_client_id: USER_ASSIGNED_CLIENT_ID.to_owned(),
        }
    }
}

/// Routes of both endpoints.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route(APP_SERVICE_PATH, get(app_service))
        .route(IMDS_PATH, get(imds))
}

#[derive(Debug, Clone, Copy)]
enum Host {
    AppService,
    Imds,
}

impl Host {
    fn endpoint(self) -> &'static str {
        match self {
            Host::AppService => "managed-identity-app-service",
            Host::Imds => "managed-identity-imds",
        }
    }
}

fn error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn query_fields(query: Option<&str>) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    let mut fields = HashMap::new();
    for (k, v) in pairs {
        fields.entry(k).or_insert(v);
    }
    fields
}

async fn app_service(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&app, Host::AppService, &headers, query.as_deref()).await
}

async fn imds(
    State(app): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    serve(&app, Host::Imds, &headers, query.as_deref()).await
}

async fn serve(app: &AppState, host: Host, headers: &HeaderMap, query: Option<&str>) -> Response {
    let latency = app.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (vendor, response) = match issue(app, host, headers, query) {
        Ok((vendor, response)) => (vendor, response),
        Err(response) => ("unknown", response),
    };
    tracing::debug!(
        endpoint = host.endpoint(),
        status = response.status().as_u16(),
        "sandbox managed identity request"
    );
    app.record_token(vendor, host.endpoint(), response.status().as_u16());
    response
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn issue(
    app: &AppState,
    host: Host,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(&'static str, Response), Response> {
    let fields = query_fields(query);
    let api_version = match host {
        Host::AppService => {
            match header(headers, "x-identity-header") {
                None => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "The request has no X-IDENTITY-HEADER header.",
                    ))
                }
                Some(value) if creds::same_secret(value, &app.secrets.identity_header) => {}
                Some(_) => {
                    return Err(error(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "The X-IDENTITY-HEADER header does not match IDENTITY_HEADER.",
                    ))
                }
            }
            APP_SERVICE_API_VERSION
        }
        Host::Imds => {
            if !header(headers, "metadata").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Required metadata header not specified",
                ));
            }
            if headers.contains_key("x-forwarded-for") {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Request was forwarded through a proxy (X-Forwarded-For); IMDS refuses such requests.",
                ));
            }
            IMDS_API_VERSION
        }
    };
    match fields.get("api-version").map(String::as_str) {
        Some(v) if v == api_version => {}
        Some(other) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "api-version '{other}' is not supported by this endpoint; use {api_version}."
                ),
            ))
        }
        None => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Required query variable 'api-version' is missing",
            ))
        }
    }
    let resource = fields
        .get("resource")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Required query variable 'resource' is missing",
            )
        })?;
    let identity = match fields
        .get("client_id")
        .filter(|c| !c.is_empty())
        .map(String::as_str)
    {
        None => SYSTEM_ASSIGNED_CLIENT_ID,
        Some(USER_ASSIGNED_CLIENT_ID) => USER_ASSIGNED_CLIENT_ID,
        Some(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Identity not found",
            ))
        }
    };
    // The first client of a resource is the vendor's default, with its full roles.
    let client = AZURE_CLIENTS
        .iter()
        .find(|c| crate::token::same_resource(resource.trim_end_matches("/.default"), c.resource))
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "AADSTS500011: The resource principal named {resource} was not found in the tenant. The managed identity cannot get tokens for it."
                ),
            )
        })?;

    let lifetime = app.token_lifetime(MI_DEFAULT_LIFETIME);
    let now = time::now_unix();
    let expires_on = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let oid = ids::guid_from(&format!("managed-identity/{identity}"));
    let claims = entra::access_claims(
        &app.base_url,
        client.tenant,
        client.resource,
        entra::token_version(client.vendor),
        (now, expires_on),
        entra::Subject {
            client_id: identity,
            acr: "2",
            oid,
            roles: Some(client.roles.iter().map(|r| (*r).to_owned()).collect()),
            scp: None,
            username: None,
        },
    );
    let body = json!({
        "access_token": app.sign(&claims),
        "expires_on": expires_on.to_string(),
        "expires_in": lifetime.to_string(),
        "ext_expires_in": lifetime.to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": identity,
    });
    Ok((client.vendor.as_str(), json_response(StatusCode::OK, body)))
}
