//! Entra ID's discovery: per tenant, the OpenID configuration of v1 and v2, the JWKS
//! endpoints, the user realm and instance discovery documents MSAL reads, and the
//! shapes of v1 and v2 access tokens.
//!
//! Paths are Entra ID's own under the sandbox's address, so that a configuration
//! differs from production only by its authority host. Where production names another
//! host (v1's issuer `https://sts.windows.net/{tid}/`), the sandbox names itself:
//! `{base}/{tid}/`. docs/WIRE_SHAPES.md lists each fact with its source.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::http::{json_response, Shared};
use crate::jwt::Claims;
use crate::{creds, ids, time, Vendor};

/// Routes of the discovery documents.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration_v2),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(openid_configuration_v1),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys_v2))
        .route("/{tenant}/discovery/keys", get(keys_v1))
        .route("/common/discovery/instance", get(instance_discovery))
        .route("/common/userrealm/{username}", get(user_realm))
}

/// Version of an access token: set by the resource (its `accessTokenAcceptedVersion`),
/// not by the endpoint that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenVersion {
    V1,
    V2,
}

/// Kazi's API takes v1 tokens (its documentation shows `sts.windows.net` issuers);
/// Keyavi's and OKQ8's v2.
pub(crate) fn token_version(vendor: Vendor) -> TokenVersion {
    match vendor {
        Vendor::Kazi => TokenVersion::V1,
        Vendor::Keyavi | Vendor::Kaisa | Vendor::Okq8 => TokenVersion::V2,
    }
}

/// The issuer of `version` tokens of tenant `tid`: v1 `{base}/{tid}/` (production:
/// `https://sts.windows.net/{tid}/`), v2 `{base}/{tid}/v2.0` (production:
/// `https://login.microsoftonline.com/{tid}/v2.0`).
pub(crate) fn issuer(base: &str, tid: &str, version: TokenVersion) -> String {
    match version {
        TokenVersion::V1 => format!("{base}/{tid}/"),
        TokenVersion::V2 => format!("{base}/{tid}/v2.0"),
    }
}

/// Who a token is for.
pub(crate) struct Subject<'a> {
    /// The client (application) id.
    pub client_id: &'a str,
    /// How the client authenticated: `0` public client, `1` secret, `2` certificate
    /// (or federated credential, or managed identity).
    pub acr: &'a str,
    pub oid: String,
    /// Application roles (an app token) or `None` with `scp` (a user token).
    pub roles: Option<Vec<String>>,
    pub scp: Option<String>,
    pub username: Option<String>,
}

/// The claims of an access token of `version` for `aud` in tenant `tid`.
pub(crate) fn access_claims(
    base: &str,
    tid: &str,
    aud: &str,
    version: TokenVersion,
    (iat, exp): (i64, i64),
    subject: Subject<'_>,
) -> Claims {
    let is_app = subject.scp.is_none();
    let (appid, appidacr, azp, azpacr) = match version {
        TokenVersion::V1 => (
            Some(subject.client_id.to_owned()),
            Some(subject.acr.to_owned()),
            None,
            None,
        ),
        TokenVersion::V2 => (
            None,
            None,
            Some(subject.client_id.to_owned()),
            Some(subject.acr.to_owned()),
        ),
    };
    Claims {
        aud: aud.to_owned(),
        iss: issuer(base, tid, version),
        iat,
        nbf: iat,
        exp,
        appid,
        appidacr,
        azp,
        azpacr,
        idtyp: if is_app { "app" } else { "user" }.to_owned(),
        sub: subject.oid.clone(),
        oid: subject.oid,
        preferred_username: subject.username,
        roles: subject.roles,
        scp: subject.scp,
        tid: tid.to_owned(),
        uti: crate::jwt::new_uti(),
        ver: match version {
            TokenVersion::V1 => "1.0",
            TokenVersion::V2 => "2.0",
        }
        .to_owned(),
    }
}

/// Entra ID's answer for a tenant it does not know (AADSTS90002, 400).
fn unknown_tenant(app: &Shared, tenant: &str) -> Response {
    let trace_id = app.fresh_guid();
    let correlation_id = app.fresh_guid();
    let timestamp = time::format_azure(time::now_unix());
    let shown: String = tenant.chars().take(100).collect();
    json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "error": "invalid_tenant",
            "error_description": format!(
                "AADSTS90002: Tenant '{shown}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ),
            "error_codes": [90002],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("{}/error?code=90002", app.base_url),
        }),
    )
}

async fn openid_configuration_v2(
    State(app): State<Shared>,
    Path(tenant): Path<String>,
) -> Response {
    let Some(tid) = creds::tenant_id(&tenant) else {
        return unknown_tenant(&app, &tenant);
    };
    let base = &app.base_url;
    json_response(
        StatusCode::OK,
        json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer(base, tid, TokenVersion::V2),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/{tid}/kerberos"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

async fn openid_configuration_v1(
    State(app): State<Shared>,
    Path(tenant): Path<String>,
) -> Response {
    let Some(tid) = creds::tenant_id(&tenant) else {
        return unknown_tenant(&app, &tenant);
    };
    let base = &app.base_url;
    json_response(
        StatusCode::OK,
        json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tid}/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": issuer(base, tid, TokenVersion::V1),
            "microsoft_multi_refresh_token": true,
            "authorization_endpoint": format!("{base}/{tid}/oauth2/authorize"),
            "device_authorization_endpoint": format!("{base}/{tid}/oauth2/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tid}/oauth2/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"],
            "check_session_iframe": format!("{base}/{tid}/oauth2/checksession"),
            "userinfo_endpoint": format!("{base}/{tid}/openid/userinfo"),
            "kerberos_endpoint": format!("{base}/{tid}/kerberos"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

/// A tenant the keys endpoints answer for: one of the sandbox's, or `common`,
/// `organizations` or `consumers`.
fn keys_tenant(tenant: &str) -> Option<Option<&'static str>> {
    if ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
    {
        return Some(None);
    }
    creds::tenant_id(tenant).map(Some)
}

async fn keys_v2(State(app): State<Shared>, Path(tenant): Path<String>) -> Response {
    let Some(tid) = keys_tenant(&tenant) else {
        return unknown_tenant(&app, &tenant);
    };
    let issuer = match tid {
        Some(tid) => issuer(&app.base_url, tid, TokenVersion::V2),
        None => format!("{}/{{tenantid}}/v2.0", app.base_url),
    };
    json_response(
        StatusCode::OK,
        json!({ "keys": [app.issuer_key.jwk(Some(&issuer))] }),
    )
}

async fn keys_v1(State(app): State<Shared>, Path(tenant): Path<String>) -> Response {
    if keys_tenant(&tenant).is_none() {
        return unknown_tenant(&app, &tenant);
    }
    json_response(
        StatusCode::OK,
        json!({ "keys": [app.issuer_key.jwk(None)] }),
    )
}

#[derive(Debug, serde::Deserialize)]
struct InstanceQuery {
    authorization_endpoint: Option<String>,
}

/// Instance discovery (`/common/discovery/instance`), which MSAL calls for an authority
/// host it does not know: the sandbox's host is its own only alias.
async fn instance_discovery(
    State(app): State<Shared>,
    Query(query): Query<InstanceQuery>,
) -> Response {
    let host = app
        .base_url
        .split_once("://")
        .map_or(app.base_url.as_str(), |(_, host)| host);
    let tenant = query
        .authorization_endpoint
        .as_deref()
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| rest.split('/').nth(1))
        .unwrap_or("common")
        .to_owned();
    json_response(
        StatusCode::OK,
        json!({
            "tenant_discovery_endpoint": format!("{}/{tenant}/v2.0/.well-known/openid-configuration", app.base_url),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host,
                "preferred_cache": host,
                "aliases": [host],
            }],
        }),
    )
}

/// User realm discovery (`/common/userrealm/{user}`), which MSAL calls before the
/// password grant: the sandbox's user is a managed (not federated) account.
async fn user_realm(Path(username): Path<String>) -> Response {
    let known = username.eq_ignore_ascii_case(creds::KEYAVI_USERNAME);
    let domain = username.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
    json_response(
        StatusCode::OK,
        json!({
            "ver": "1.0",
            "account_type": if known { "Managed" } else { "Unknown" },
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }),
    )
}

/// The object id of a client's service principal in the sandbox.
pub(crate) fn service_principal_oid(client_id: &str) -> String {
    ids::guid_from(&format!("service-principal/{client_id}"))
}
