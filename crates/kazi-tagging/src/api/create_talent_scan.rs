//! The Identifying API's "Create a talent scan" (`write:talentscans`).

use serde::Serialize;
use vendor_core::kit::CallOptions;
use vendor_core::Request;

use crate::models::AccountTalentScan;
use crate::{Client, Error, Response, Result, Scope};

/// Where "Create a talent scan" is sent. Kazi's reference gives its body, answer and
/// scope but not its URL, so this path is this crate's choice (recorded in the
/// workspace's `docs/WIRE_SHAPES.md`); [`CreateTalentScanRequest::path`] replaces it.
pub const CREATE_TALENT_SCAN_PATH: &str = "/identifying/v2/talentscans";

/// A talent scan to create: the talent's details, every field optional as Kazi
/// documents none as required. Fields left unset are not sent.
///
/// ```
/// use kazi_tagging::NewTalentScan;
///
/// let talent = NewTalentScan::new()
///     .first_name("Lena")
///     .last_name("Peeters")
///     .email("lena.peeters@example.org")
///     .domain_id("c0a8012e-0000-4000-8000-000000000001");
/// let body = serde_json::to_value(&talent).unwrap();
/// assert_eq!(body["firstName"], "Lena");
/// assert!(body.get("phone").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewTalentScan {
    /// The applicant tracking system the talent comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ats_client_id: Option<String>,
    /// Clusters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_ids: Vec<String>,
    /// Domains (from Kazi's "Get domains").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domain_ids: Vec<String>,
    /// The talent's e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The scan's reference at the caller's side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Nationality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Schools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub school_ids: Vec<String>,
}

/// `Some(text)` unless blank.
fn text(value: impl Into<String>) -> Option<String> {
    let value: String = value.into();
    (!value.trim().is_empty()).then_some(value)
}

impl NewTalentScan {
    /// An empty talent scan: add the details with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// `atsClientId`.
    #[must_use]
    pub fn ats_client_id(mut self, id: impl Into<String>) -> Self {
        self.ats_client_id = text(id);
        self
    }

    /// Adds one of `clusterIds`.
    #[must_use]
    pub fn cluster_id(mut self, id: impl Into<String>) -> Self {
        self.cluster_ids.extend(text(id));
        self
    }

    /// Adds one of `domainIds`.
    #[must_use]
    pub fn domain_id(mut self, id: impl Into<String>) -> Self {
        self.domain_ids.extend(text(id));
        self
    }

    /// `email`.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = text(email);
        self
    }

    /// `externalRef`.
    #[must_use]
    pub fn external_ref(mut self, reference: impl Into<String>) -> Self {
        self.external_ref = text(reference);
        self
    }

    /// `firstName`.
    #[must_use]
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = text(name);
        self
    }

    /// `lastName`.
    #[must_use]
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = text(name);
        self
    }

    /// `nationality`.
    #[must_use]
    pub fn nationality(mut self, nationality: impl Into<String>) -> Self {
        self.nationality = text(nationality);
        self
    }

    /// `phone`.
    #[must_use]
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = text(phone);
        self
    }

    /// Adds one of `schoolIds`.
    #[must_use]
    pub fn school_id(mut self, id: impl Into<String>) -> Self {
        self.school_ids.extend(text(id));
        self
    }
}

/// A talent scan being created: see
/// [`TalentScans::create`](crate::api::TalentScans::create). Await it, or call
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or `.send()` is awaited"]
pub struct CreateTalentScanRequest {
    pub(crate) client: Client,
    pub(crate) body: NewTalentScan,
    pub(crate) path: String,
    pub(crate) options: CallOptions,
}

impl CreateTalentScanRequest {
    vendor_core::call_options!();

    /// Sends the call to this path instead of [`CREATE_TALENT_SCAN_PATH`] (the
    /// "Request URL" on Kazi's developer portal, without the host).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    fn request(&self) -> Result<Request> {
        if !self.path.starts_with('/') || self.path.contains(['?', '#']) {
            return Err(Error::invalid(
                "path",
                format!("`{}` is not an absolute path without a query", self.path),
            ));
        }
        if self.body.email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(Error::invalid(
                "email",
                "is not an e-mail address (no `@`)".to_owned(),
            ));
        }
        Ok(self.options.apply(
            Request::post(self.path.clone())
                .json(&self.body)
                .require_role(Scope::WriteTalentScans)
                .operation("kazi_tagging.talent_scans.create"),
        ))
    }

    /// Creates the talent scan and returns it as Kazi stored it (with its `id`,
    /// `clientId` and `createdOn`). As a `POST`, it is not repeated after a 500, 502,
    /// 504 or a connection lost once sent (the scan may exist); a 429 or 503, which
    /// mean Kazi did not take it, is retried.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument), before sending,
    ///   for an e-mail address without `@` or a path that is not absolute.
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403: a missing or invalid
    ///   subscription key, or a token without `write:talentscans`.
    /// - [`Error::Api`](crate::Error::Api) for a body Kazi refuses (400).
    /// - [`Error::Token`](crate::Error::Token), [`Error::Decode`](crate::Error::Decode),
    ///   transport and timeout errors as for every call.
    pub async fn send(self) -> Result<AccountTalentScan> {
        let request = self.request()?;
        self.client.core.api().send(request).await
    }

    /// Creates the talent scan, with the answer's status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<AccountTalentScan>> {
        let request = self.request()?;
        self.client.core.api().send_with_response(request).await
    }
}

vendor_core::into_future!(CreateTalentScanRequest => AccountTalentScan);
