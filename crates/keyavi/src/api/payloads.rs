//! `payloads/...`: protecting files.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};
use vendor_core::{Request, Response};

use crate::models::{PolicyId, ProtectedPayload};
use crate::{Client, Error, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// The application role the local sandbox requires for protecting (ours: Keyavi does
/// not publish role names). Only used to explain a 401 or 403.
const PROTECT_ROLE: &str = "Payloads.Protect";

/// Payload endpoints: `client.payloads()`.
#[derive(Debug, Clone)]
pub struct Payloads {
    client: Client,
}

impl Payloads {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// Protects a file on Keyavi's side: `POST payloads/protect-remote/` with the file
    /// base64-encoded; the answer carries the protected `.IKD` file
    /// ([`ProtectedPayload::ikd_bytes`]).
    ///
    /// Keyavi does not publish the JSON field names of this call: the request sends
    /// `fileName`, `fileContent` (base64) and, if set, `policyId`, as recorded in
    /// `docs/WIRE_SHAPES.md`; add others with [`ProtectRemoteRequest::field`]. The answer is
    /// decoded leniently (see [`ProtectedPayload`]).
    ///
    /// A POST is not idempotent, so the client does **not** retry it after a 5xx or a
    /// broken connection (it still waits and retries on 429 and 503, which mean the
    /// request was not processed).
    ///
    /// ```no_run
    /// # async fn demo(client: keyavi::Client) -> keyavi::Result<()> {
    /// let file = std::fs::read("report.pdf").unwrap_or_default();
    /// let payload = client
    ///     .payloads()
    ///     .protect_remote(file, "report.pdf")
    ///     .policy_id("3f2a0c1e-policy")
    ///     .await?;
    /// if let Some(ikd) = payload.ikd_bytes() {
    ///     std::fs::write("report.pdf.ikd", ikd).ok();
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://docs.keyavi.com/API-docs/api-reference.htm>,
    /// <https://docs.keyavi.com/API-docs/Tutorials.htm>.
    pub fn protect_remote(
        &self,
        file: impl Into<Vec<u8>>,
        file_name: impl Into<String>,
    ) -> ProtectRemoteRequest {
        ProtectRemoteRequest {
            client: self.client.clone(),
            file: file.into(),
            file_name: file_name.into(),
            policy_id: None,
            extra: Map::new(),
            options: CallOptions::default(),
        }
    }
}

/// A `protect-remote` request being built: see [`Payloads::protect_remote`]. Send
/// it with [`send`](Self::send), [`send_with_response`](Self::send_with_response) or
/// `.await`.
#[must_use = "a request does nothing until it is sent (`.send()` or `.await`)"]
#[derive(Clone)]
pub struct ProtectRemoteRequest {
    client: Client,
    file: Vec<u8>,
    file_name: String,
    policy_id: Option<PolicyId>,
    extra: Map<String, Value>,
    options: CallOptions,
}

impl std::fmt::Debug for ProtectRemoteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtectRemoteRequest")
            .field("file_name", &self.file_name)
            .field("file_bytes", &self.file.len())
            .field("policy_id", &self.policy_id)
            .field("extra", &self.extra)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'b> {
    file_name: &'b str,
    file_content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_id: Option<&'b PolicyId>,
    #[serde(flatten)]
    extra: &'b Map<String, Value>,
}

const RESERVED: [&str; 3] = ["fileName", "fileContent", "policyId"];

impl ProtectRemoteRequest {
    /// The policy to apply (sent as `policyId`).
    pub fn policy_id(mut self, policy_id: impl Into<PolicyId>) -> Self {
        self.policy_id = Some(policy_id.into());
        self
    }

    /// Adds another field to the JSON body, for options this crate does not model.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    call_options!();

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty file name or an extra
    /// field that would replace `fileName`, `fileContent` or `policyId`; otherwise the
    /// pipeline's errors ([`Error::Auth`] for a missing subscription key, caller id or
    /// role, [`Error::Api`] for other refusals, [`Error::Decode`] when the file in the
    /// answer is not base64).
    pub async fn send(self) -> Result<ProtectedPayload> {
        let request = self.request()?;
        self.client.send(request).await
    }

    /// Sends the request as [`send`](Self::send) does, and returns the answer with
    /// its status, headers and request id (quote it in a support ticket).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<ProtectedPayload>> {
        let request = self.request()?;
        self.client.send_with_response(request).await
    }

    fn request(&self) -> Result<Request> {
        let file_name = self.file_name.trim();
        if file_name.is_empty() {
            return Err(Error::invalid("file_name", "must not be empty"));
        }
        if let Some(clash) = self.extra.keys().find(|k| RESERVED.contains(&k.as_str())) {
            return Err(Error::invalid(
                "field",
                format!("`{clash}` is set by protect_remote itself"),
            ));
        }
        let body = Body {
            file_name,
            file_content: STANDARD.encode(&self.file),
            policy_id: self.policy_id.as_ref(),
            extra: &self.extra,
        };
        let request = Request::post("payloads/protect-remote/")
            .json(&body)
            .require_role(self.client.role(PROTECT_ROLE))
            .operation("keyavi.payloads.protect_remote");
        Ok(self.options.apply(request))
    }
}

into_future!(ProtectRemoteRequest => ProtectedPayload);
