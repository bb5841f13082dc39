//! Token endpoints: Azure AD v1 and v2 (`/login/{tenant}/oauth2/...`) and Kaisa's own.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use crate::creds::{self, AzureClient, AZURE_CLIENTS};
use crate::http::{json_response, RequestId, Shared};
use crate::jwt::Claims;
use crate::state::AppState;
use crate::{assertion, entra, ids, time, Vendor};

const AZURE_DEFAULT_LIFETIME: u64 = 3599;
const KAISA_DEFAULT_LIFETIME: u64 = 300;

/// Routes for all token endpoints.
pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/{tenant}/oauth2/token", post(azure_v1))
        .route("/{tenant}/oauth2/v2.0/token", post(azure_v2))
        // The paths of earlier sandboxes, whose authority ended in `/login`.
        .route("/login/{tenant}/oauth2/token", post(azure_v1))
        .route("/login/{tenant}/oauth2/v2.0/token", post(azure_v2))
        .route("/kaisa-auth/oauth2/token", post(kaisa))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AzureVersion {
    V1,
    V2,
}

impl AzureVersion {
    fn endpoint(self) -> &'static str {
        match self {
            AzureVersion::V1 => "azure-v1",
            AzureVersion::V2 => "azure-v2",
        }
    }
}

/// Form fields, first occurrence wins; an unparsable body reads as empty.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut fields = HashMap::new();
    for (k, v) in pairs {
        fields.entry(k).or_insert(v);
    }
    fields
}

/// JSON object fields as strings (numbers and booleans stringified).
fn json_fields(body: &[u8]) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
        return HashMap::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Null => None,
            other => Some((k, other.to_string())),
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", text.replace('&', "%26"))).unwrap_or_default();
    pairs
        .into_iter()
        .next()
        .map_or_else(|| text.to_owned(), |(_, v)| v)
}

/// Client id and secret from `client_secret_basic`, else from the body (`client_secret_post`).
fn client_credentials(
    headers: &HeaderMap,
    fields: &HashMap<String, String>,
) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, encoded) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(encoded)
        })
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            Some((percent_decode(id), percent_decode(secret)))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            fields.get("client_id").cloned().filter(|s| !s.is_empty()),
            fields
                .get("client_secret")
                .cloned()
                .filter(|s| !s.is_empty()),
        ),
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Builds Azure AD error answers for one request.
struct AzureErrors<'a> {
    version: AzureVersion,
    trace_id: &'a str,
    correlation_id: String,
}

impl AzureErrors<'_> {
    fn error(&self, status: StatusCode, error: &str, code: u32, message: &str) -> Response {
        let timestamp = time::format_azure(time::now_unix());
        let description = format!(
            "AADSTS{code}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {timestamp}",
            self.trace_id, self.correlation_id
        );
        let mut body = json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": self.trace_id,
            "correlation_id": self.correlation_id,
        });
        if self.version == AzureVersion::V2 {
            body["error_uri"] = json!(format!(
                "https://login.microsoftonline.com/error?code={code}"
            ));
        }
        no_store(json_response(status, body))
    }

    fn bad_request(&self, error: &str, code: u32, message: &str) -> Response {
        self.error(StatusCode::BAD_REQUEST, error, code, message)
    }

    fn missing(&self, parameter: &str) -> Response {
        self.bad_request(
            "invalid_request",
            900_144,
            &format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    fn invalid_scope(&self, scope: &str) -> Response {
        self.bad_request(
            "invalid_scope",
            70011,
            &format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        )
    }

    fn unknown_resource(&self, resource: &str, tenant: &str) -> Response {
        self.bad_request(
            "invalid_resource",
            500_011,
            &format!(
                "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ),
        )
    }
}

async fn azure_v1(
    State(app): State<Shared>,
    Path(tenant): Path<String>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    azure(
        &app,
        AzureVersion::V1,
        &tenant,
        &request_id,
        &headers,
        &body,
    )
    .await
}

async fn azure_v2(
    State(app): State<Shared>,
    Path(tenant): Path<String>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    azure(
        &app,
        AzureVersion::V2,
        &tenant,
        &request_id,
        &headers,
        &body,
    )
    .await
}

async fn azure(
    app: &AppState,
    version: AzureVersion,
    tenant: &str,
    request_id: &RequestId,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let latency = app.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let correlation_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| app.fresh_guid(), str::to_owned);
    let errors = AzureErrors {
        version,
        trace_id: &request_id.0,
        correlation_id,
    };
    let vendor = creds::tenant_vendor(tenant);
    let response = match issue_azure(app, version, tenant, headers, body, &errors) {
        Ok(response) | Err(response) => response,
    };
    tracing::debug!(
        endpoint = version.endpoint(),
        tenant,
        status = response.status().as_u16(),
        "sandbox token request"
    );
    app.record_token(
        vendor.map_or("unknown", Vendor::as_str),
        version.endpoint(),
        response.status().as_u16(),
    );
    response
}

/// What the token will carry.
enum Grant {
    App(Vec<String>),
    User(String),
}

fn issue_azure(
    app: &AppState,
    version: AzureVersion,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    errors: &AzureErrors<'_>,
) -> Result<Response, Response> {
    let Some(tenant_id) = creds::tenant_id(tenant) else {
        return Err(errors.bad_request(
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        ));
    };
    let fields = form_fields(body);
    let grant_type = fields
        .get("grant_type")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| errors.missing("grant_type"))?;
    let is_password = match (grant_type.as_str(), version) {
        ("client_credentials", _) => false,
        ("password", AzureVersion::V2) => true,
        (other, _) => {
            return Err(errors.bad_request(
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            ))
        }
    };
    let (client_id, secret) = client_credentials(headers, &fields);
    let assertion = fields.get("client_assertion").filter(|a| !a.is_empty());
    let assertion_type = fields
        .get("client_assertion_type")
        .filter(|a| !a.is_empty());
    let client_id = client_id
        .or_else(|| assertion.and_then(|a| assertion::unverified_issuer(a)))
        .ok_or_else(|| errors.missing("client_id"))?;
    let client = AZURE_CLIENTS
        .iter()
        .find(|c| c.tenant == tenant_id && c.client_id == client_id)
        .ok_or_else(|| {
            errors.bad_request(
                "unauthorized_client",
                700_016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            )
        })?;
    // `appidacr`/`azpacr`: 0 public client, 1 secret, 2 certificate or federated token.
    let acr = if assertion.is_some() || assertion_type.is_some() {
        "2"
    } else if secret.is_some() {
        "1"
    } else {
        "0"
    };
    if assertion.is_some() || assertion_type.is_some() {
        let audiences = token_urls(app, version, tenant, headers);
        check_assertion(
            app,
            client,
            AssertionFields {
                assertion: assertion.map(String::as_str),
                assertion_type: assertion_type.map(String::as_str),
                with_secret: secret.is_some(),
            },
            &audiences,
            errors,
        )?;
    } else {
        let expected = app
            .secrets
            .client_secret(client.client_id)
            .unwrap_or_default();
        match secret {
            Some(secret) if !expected.is_empty() && creds::same_secret(&secret, expected) => {}
            Some(_) => {
                return Err(errors.error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                ))
            }
            // The password grant may come from a public client, which has no secret.
            None if is_password => {}
            None => {
                return Err(errors.error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ))
            }
        }
    }

    let (audience, grant) = match version {
        AzureVersion::V1 => {
            let resource = fields
                .get("resource")
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    errors.bad_request(
                        "invalid_request",
                        50001,
                        "Resource identifier is not provided. The request body must contain the following parameter: 'resource'.",
                    )
                })?;
            if !same_resource(resource, client.resource) {
                return Err(errors.unknown_resource(resource, tenant));
            }
            (client.resource, Grant::App(owned(client.roles)))
        }
        AzureVersion::V2 => {
            let scope = fields
                .get("scope")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| errors.missing("scope"))?;
            let grant = v2_grant(client, scope, is_password, tenant, errors)?;
            if is_password {
                check_user(app, &fields, errors)?;
            }
            (client.resource, grant)
        }
    };

    let lifetime = app.token_lifetime(AZURE_DEFAULT_LIFETIME);
    let now = time::now_unix();
    let expires_on = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    let subject = match grant {
        Grant::App(roles) => entra::Subject {
            client_id: client.client_id,
            acr,
            oid: entra::service_principal_oid(client.client_id),
            roles: Some(roles),
            scp: None,
            username: None,
        },
        Grant::User(scp) => entra::Subject {
            client_id: client.client_id,
            acr,
            oid: ids::guid_from(&format!("user/{}", creds::KEYAVI_USERNAME)),
            roles: None,
            scp: Some(scp),
            username: Some(creds::KEYAVI_USERNAME.to_owned()),
        },
    };
    let claims = entra::access_claims(
        &app.base_url,
        client.tenant,
        audience,
        entra::token_version(client.vendor),
        (now, expires_on),
        subject,
    );
    let access_token = app.sign(&claims);
    let body = match version {
        AzureVersion::V1 => json!({
            "token_type": "Bearer",
            "expires_in": lifetime.to_string(),
            "ext_expires_in": lifetime.to_string(),
            "expires_on": expires_on.to_string(),
            "not_before": now.to_string(),
            "resource": audience,
            "access_token": access_token,
        }),
        AzureVersion::V2 => json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }),
    };
    Ok(no_store(json_response(StatusCode::OK, body)))
}

/// The token endpoint URLs a request of `version` to `tenant` may have reached: with the
/// sandbox's own address, and with the `Host` the client sent (`localhost:PORT`...).
fn token_urls(
    app: &AppState,
    version: AzureVersion,
    tenant: &str,
    headers: &HeaderMap,
) -> Vec<String> {
    let tail = match version {
        AzureVersion::V1 => "oauth2/token",
        AzureVersion::V2 => "oauth2/v2.0/token",
    };
    let scheme = app.base_url.split_once("://").map_or("http", |(s, _)| s);
    let mut bases = vec![app.base_url.clone()];
    if let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
    {
        bases.push(format!("{scheme}://{host}"));
    }
    // The tenant as the client wrote it, and by its id (the discovery documents name it so).
    let mut tenants = vec![tenant.to_owned()];
    if let Some(id) = creds::tenant_id(tenant) {
        tenants.push(id.to_owned());
    }
    let mut urls = Vec::new();
    for base in &bases {
        for tenant in &tenants {
            for prefix in ["", "/login"] {
                let url = format!("{base}{prefix}/{tenant}/{tail}");
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
        }
    }
    urls
}

/// The client-assertion fields of a token request.
struct AssertionFields<'a> {
    assertion: Option<&'a str>,
    assertion_type: Option<&'a str>,
    with_secret: bool,
}

/// Authenticates `client` by its `client_assertion`: a certificate-signed JWT or a
/// federated token of this sandbox, each accepted once.
fn check_assertion(
    app: &AppState,
    client: &AzureClient,
    fields: AssertionFields<'_>,
    audiences: &[String],
    errors: &AzureErrors<'_>,
) -> Result<(), Response> {
    let refuse = |refusal: assertion::Refusal| {
        let (code, message) = refusal.code_and_message();
        errors.error(StatusCode::UNAUTHORIZED, "invalid_client", code, &message)
    };
    let token = fields
        .assertion
        .ok_or_else(|| errors.missing("client_assertion"))?;
    match fields.assertion_type {
        Some(assertion::JWT_BEARER_ASSERTION_TYPE) => {}
        None => return Err(errors.missing("client_assertion_type")),
        Some(other) => {
            return Err(refuse(assertion::Refusal::Malformed(format!(
                "The client_assertion_type '{other}' is not supported; use '{}'.",
                assertion::JWT_BEARER_ASSERTION_TYPE
            ))))
        }
    }
    if fields.with_secret {
        return Err(refuse(assertion::Refusal::Malformed(
            "Present either 'client_secret' or 'client_assertion', not both.".to_owned(),
        )));
    }
    let now = time::now_unix();
    let verified = assertion::verify(
        token,
        &assertion::Expected {
            client_id: client.client_id,
            vendor: client.vendor,
            audiences,
            federation_key: &app.federation_key,
            base_url: &app.base_url,
            now,
        },
    )
    .map_err(refuse)?;
    if !app.first_use_of_assertion(&verified.jti, verified.exp, now) {
        return Err(refuse(assertion::Refusal::Replay(format!(
            "The jti '{}' was presented before.",
            verified.jti
        ))));
    }
    Ok(())
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Resource identifiers match ignoring a trailing `/` and an `api://` prefix on a GUID.
pub(crate) fn same_resource(requested: &str, registered: &str) -> bool {
    let requested = requested.trim_end_matches('/');
    requested == registered || requested.strip_prefix("api://") == Some(registered)
}

const SCOPE_SUFFIXES: &[&str] = &[".default", "access_as_user", "get", "post", "put", "delete"];
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

fn v2_grant(
    client: &AzureClient,
    scope: &str,
    is_password: bool,
    tenant: &str,
    errors: &AzureErrors<'_>,
) -> Result<Grant, Response> {
    let mut roles: Vec<String> = Vec::new();
    let mut any = false;
    for item in scope
        .split_whitespace()
        .filter(|s| !OIDC_SCOPES.contains(s))
    {
        any = true;
        let Some((resource, permission)) = item.rsplit_once('/') else {
            return Err(errors.invalid_scope(item));
        };
        if !SCOPE_SUFFIXES.contains(&permission) {
            return Err(errors.invalid_scope(item));
        }
        if !same_resource(resource, client.resource) {
            return Err(errors.unknown_resource(resource, tenant));
        }
        let exposes_user_scope = client.vendor == Vendor::Keyavi;
        match (permission, is_password) {
            (".default" | "access_as_user", true) if exposes_user_scope => {}
            (_, true) => return Err(errors.invalid_scope(item)),
            (".default", false) => roles.extend(owned(client.roles)),
            // Client credentials take `.default` only; the access levels an
            // application was granted come as app roles in that token.
            (_, false) => {
                return Err(errors.bad_request(
                    "invalid_scope",
                    1_002_012,
                    &format!(
                        "The provided value for scope {item} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                    ),
                ))
            }
        }
    }
    if !any {
        return Err(errors.invalid_scope(scope));
    }
    if is_password {
        return Ok(Grant::User(creds::KEYAVI_USER_SCOPE.to_owned()));
    }
    roles.sort();
    roles.dedup();
    // Keep the vendor's documented order for the full set.
    let ordered: Vec<String> = client
        .roles
        .iter()
        .filter(|r| roles.iter().any(|x| x == *r))
        .map(|r| (*r).to_owned())
        .collect();
    Ok(Grant::App(ordered))
}

fn check_user(
    app: &AppState,
    fields: &HashMap<String, String>,
    errors: &AzureErrors<'_>,
) -> Result<(), Response> {
    let username = fields
        .get("username")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| errors.missing("username"))?;
    let password = fields
        .get("password")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| errors.missing("password"))?;
    if username.eq_ignore_ascii_case(creds::KEYAVI_USERNAME)
        && creds::same_secret(password, &app.secrets.keyavi_password)
    {
        Ok(())
    } else {
        Err(errors.bad_request(
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        ))
    }
}

fn kaisa_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(json_response(
        status,
        json!({ "error": error, "error_description": description }),
    ))
}

async fn kaisa(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let latency = app.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match issue_kaisa(&app, &headers, &body) {
        Ok(response) | Err(response) => response,
    };
    tracing::debug!(
        status = response.status().as_u16(),
        "sandbox kaisa token request"
    );
    app.record_token("kaisa", "kaisa", response.status().as_u16());
    response
}

fn issue_kaisa(app: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
    let fields = if is_json {
        json_fields(body)
    } else {
        form_fields(body)
    };
    let grant_type = fields
        .get("grant_type")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| {
            kaisa_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The grant type was not specified in the request.",
            )
        })?;
    if grant_type != "client_credentials" {
        return Err(kaisa_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        ));
    }
    let (client_id, secret) = client_credentials(headers, &fields);
    let secret_ok = secret
        .as_deref()
        .is_some_and(|s| creds::same_secret(s, &app.secrets.kaisa_client_secret));
    if client_id.as_deref() != Some(creds::KAISA_CLIENT_ID) || !secret_ok {
        return Err(kaisa_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        ));
    }
    let lifetime = app.token_lifetime(KAISA_DEFAULT_LIFETIME);
    let now = time::now_unix();
    let oid = ids::guid_from(&format!("kaisa-client/{}", creds::KAISA_CLIENT_ID));
    let claims = Claims {
        aud: creds::KAISA_AUDIENCE.to_owned(),
        iss: format!("{}/kaisa-auth", app.base_url),
        iat: now,
        nbf: now,
        exp: now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
        tid: "kaisa".to_owned(),
        appid: None,
        appidacr: None,
        azp: Some(creds::KAISA_CLIENT_ID.to_owned()),
        azpacr: Some("1".to_owned()),
        sub: oid.clone(),
        oid,
        idtyp: "app".to_owned(),
        uti: crate::jwt::new_uti(),
        ver: "2.0".to_owned(),
        roles: Some(owned(creds::KAISA_ROLES)),
        scp: None,
        preferred_username: None,
    };
    Ok(no_store(json_response(
        StatusCode::OK,
        json!({
            "access_token": app.sign(&claims),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_percent_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = STANDARD.encode("my%20id:s%3Acret+x");
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        let (id, secret) = client_credentials(&headers, &HashMap::new());
        assert_eq!(id.as_deref(), Some("my id"));
        assert_eq!(secret.as_deref(), Some("s:cret x"));
    }

    #[test]
    fn resources_compare_leniently() {
        assert!(same_resource("api://x/", "api://x"));
        assert!(same_resource("api://guid", "guid"));
        assert!(!same_resource("api://y", "api://x"));
    }
}
