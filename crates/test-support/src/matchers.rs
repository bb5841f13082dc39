//! Wiremock matchers for what vendor API calls carry: the headers every call has,
//! exact query strings, form and JSON bodies.

use std::collections::BTreeMap;

use serde_json::Value;
use wiremock::{Match, Request};

/// The value of header `name`, when present and visible ASCII.
pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Matches the headers every call of a vendor client carries: its user agent and
/// `Authorization` (bearer or none), and, as asked, the subscription key, an
/// `Accept: application/json`, and no key in the query.
///
/// ```
/// use test_support::matchers::ApiHeaders;
///
/// let kazi = ApiHeaders::bearer("kazi-tagging/", "token")
///     .subscription_key("key")
///     .accepting_json();
/// let key_only = ApiHeaders::without_authorization("okq8/")
///     .subscription_key("key")
///     .key_not_in_query();
/// # let _ = (kazi, key_only);
/// ```
#[derive(Debug, Clone)]
pub struct ApiHeaders {
    user_agent_prefix: String,
    authorization: Option<String>,
    subscription_key: Option<String>,
    accept_json: bool,
    key_not_in_query: bool,
}

impl ApiHeaders {
    /// `Authorization: Bearer <token>` and a user agent starting with
    /// `user_agent_prefix` (the crate's name and a `/`).
    pub fn bearer(user_agent_prefix: &str, token: &str) -> Self {
        Self::with_authorization(user_agent_prefix, Some(format!("Bearer {token}")))
    }

    /// No `Authorization` header at all, and a user agent starting with
    /// `user_agent_prefix`.
    pub fn without_authorization(user_agent_prefix: &str) -> Self {
        Self::with_authorization(user_agent_prefix, None)
    }

    fn with_authorization(user_agent_prefix: &str, authorization: Option<String>) -> Self {
        Self {
            user_agent_prefix: user_agent_prefix.to_owned(),
            authorization,
            subscription_key: None,
            accept_json: false,
            key_not_in_query: false,
        }
    }

    /// Also `Ocp-Apim-Subscription-Key: <key>`.
    #[must_use]
    pub fn subscription_key(mut self, key: &str) -> Self {
        self.subscription_key = Some(key.to_owned());
        self
    }

    /// Also `Accept: application/json`.
    #[must_use]
    pub fn accepting_json(mut self) -> Self {
        self.accept_json = true;
        self
    }

    /// Also no `subscription-key` query parameter (the key travels in the header
    /// only).
    #[must_use]
    pub fn key_not_in_query(mut self) -> Self {
        self.key_not_in_query = true;
        self
    }
}

impl Match for ApiHeaders {
    fn matches(&self, request: &Request) -> bool {
        let key_ok = self
            .subscription_key
            .as_ref()
            .is_none_or(|key| header(request, "ocp-apim-subscription-key").as_ref() == Some(key));
        let accept_ok =
            !self.accept_json || header(request, "accept").as_deref() == Some("application/json");
        let query_ok = !self.key_not_in_query
            || !request
                .url
                .query_pairs()
                .any(|(k, _)| k == "subscription-key");
        key_ok
            && accept_ok
            && query_ok
            && header(request, "authorization") == self.authorization
            && header(request, "user-agent")
                .is_some_and(|ua| ua.starts_with(&self.user_agent_prefix))
    }
}

/// Matches a query string holding exactly these parameters (order ignored).
#[derive(Debug, Clone)]
pub struct ExactQuery(BTreeMap<String, String>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let got: BTreeMap<String, String> = request.url.query_pairs().into_owned().collect();
        got == self.0 && request.url.query_pairs().count() == self.0.len()
    }
}

/// [`ExactQuery`] of `pairs`.
pub fn exact_query(pairs: &[(&str, &str)]) -> ExactQuery {
    ExactQuery(to_map(pairs))
}

/// Matches a form-urlencoded body, sent with the form content type, holding exactly
/// these parameters (order ignored).
#[derive(Debug, Clone)]
pub struct FormBody(BTreeMap<String, String>);

impl Match for FormBody {
    fn matches(&self, request: &Request) -> bool {
        let is_form = header(request, "content-type")
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body) else {
            return false;
        };
        let count = pairs.len();
        let got: BTreeMap<String, String> = pairs.into_iter().collect();
        is_form && count == self.0.len() && got == self.0
    }
}

/// [`FormBody`] of `pairs`.
pub fn form_body(pairs: &[(&str, &str)]) -> FormBody {
    FormBody(to_map(pairs))
}

/// Matches a form-encoded `client_credentials` request authenticated by a client
/// assertion (RFC 7523): exactly `pairs` besides `client_assertion_type` (the JWT
/// bearer type) and `client_assertion`, which must equal `assertion` when given, or
/// else be a JWT (three dot-separated parts); no `client_secret`.
#[derive(Debug, Clone)]
pub struct AssertionForm {
    pairs: BTreeMap<String, String>,
    assertion: Option<String>,
}

/// The `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

impl Match for AssertionForm {
    fn matches(&self, request: &Request) -> bool {
        let is_form = header(request, "content-type")
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body) else {
            return false;
        };
        let count = pairs.len();
        let mut got: BTreeMap<String, String> = pairs.into_iter().collect();
        let kind = got.remove("client_assertion_type");
        let Some(assertion) = got.remove("client_assertion") else {
            return false;
        };
        let assertion_ok = match &self.assertion {
            Some(expected) => &assertion == expected,
            None => {
                let parts: Vec<&str> = assertion.split('.').collect();
                parts.len() == 3 && parts.iter().all(|p| !p.is_empty())
            }
        };
        is_form
            && count == self.pairs.len() + 2
            && kind.as_deref() == Some(JWT_BEARER)
            && assertion_ok
            && got == self.pairs
    }
}

/// [`AssertionForm`] of `pairs` (`grant_type`, `client_id`, the resource or scope),
/// with `assertion` exactly, or any JWT.
pub fn assertion_form(pairs: &[(&str, &str)], assertion: Option<&str>) -> AssertionForm {
    AssertionForm {
        pairs: to_map(pairs),
        assertion: assertion.map(str::to_owned),
    }
}

/// Matches a JSON body equal to the expected value, sent as `application/json`.
#[derive(Debug, Clone)]
pub struct JsonBody(Value);

impl Match for JsonBody {
    fn matches(&self, request: &Request) -> bool {
        header(request, "content-type").is_some_and(|v| v.starts_with("application/json"))
            && serde_json::from_slice::<Value>(&request.body).ok().as_ref() == Some(&self.0)
    }
}

/// [`JsonBody`] equal to `expected`.
pub fn json_body(expected: Value) -> JsonBody {
    JsonBody(expected)
}

/// Matches a request without a body or a content type.
#[derive(Debug, Clone, Copy)]
pub struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty() && header(request, "content-type").is_none()
    }
}

fn to_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
