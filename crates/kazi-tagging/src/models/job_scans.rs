//! Job scans and talent scans as the Administrator API lists them for an account.
//!
//! Shapes as documented at
//! <https://docs.kazi.co/docs/api/api-reference/administrator/accounts/get-job-scans-for-account/>
//! and the developer portal's `GetJobScansForAccount`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient;

use super::ids::{ExpectationId, JobScanId, TalentScanId};

/// One job scan of an account: the vacancy, its contact and, when asked for with
/// `includeExpectations`, its calculated expectations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountJobScan {
    /// The job scan's id.
    pub id: JobScanId,
    /// The Kazi client (application) that created it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id: Option<String>,
    /// When it was created, as Kazi wrote it (a date-time).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_on: Option<String>,
    /// The job title.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<String>,
    /// The employer.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub employer: Option<String>,
    /// The contact's first name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_first_name: Option<String>,
    /// The contact's last name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_last_name: Option<String>,
    /// The contact's e-mail address.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_email: Option<String>,
    /// Addresses in copy (one address or a list is accepted).
    #[serde(
        default,
        deserialize_with = "opt_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub contact_cc_email: Vec<String>,
    /// The contact's phone number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_phone: Option<String>,
    /// The job scan's reference at the account's side.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_ref: Option<String>,
    /// The domains it belongs to.
    #[serde(
        default,
        deserialize_with = "opt_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub domain_ids: Vec<String>,
    /// Its calculated expectations, ranked (empty unless `includeExpectations`).
    #[serde(default, deserialize_with = "opt_scan_expectations")]
    pub expectations: Vec<ScanExpectation>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One talent scan of an account: the candidate and, when asked for with
/// `includeExpectations`, the calculated expectations.
///
/// Shape as documented at
/// <https://docs.kazi.co/docs/api/api-reference/administrator/accounts/get-talent-scans-for-account/>
/// (the same fields as [create a talent
/// scan](https://docs.kazi.co/docs/api/api-reference/identifying/talent-scans/create-talent-scan/)
/// answers, plus the expectations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccountTalentScan {
    /// The talent scan's id.
    pub id: TalentScanId,
    /// The Kazi client (application) that created it.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_id: Option<String>,
    /// When it was created, as Kazi wrote it (a date-time).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_on: Option<String>,
    /// The applicant tracking system it is linked to, if any.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ats_client_id: Option<String>,
    /// The talent's first name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// The talent's last name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// The talent's e-mail address.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// The talent's phone number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    /// The talent's nationality.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub nationality: Option<String>,
    /// The talent scan's reference at the account's side.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_ref: Option<String>,
    /// The clusters it belongs to.
    #[serde(
        default,
        deserialize_with = "opt_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_ids: Vec<String>,
    /// The domains it belongs to.
    #[serde(
        default,
        deserialize_with = "opt_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub domain_ids: Vec<String>,
    /// The schools it is linked to.
    #[serde(
        default,
        deserialize_with = "opt_strings",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub school_ids: Vec<String>,
    /// Its calculated expectations, ranked (empty unless `includeExpectations`).
    #[serde(default, deserialize_with = "opt_scan_expectations")]
    pub expectations: Vec<ScanExpectation>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A scan's score on one expectation, with its rank among the expectations of the
/// same kind (work values and team roles are ranked separately; equal scores share a
/// rank).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "ScanExpectationWire")]
#[non_exhaustive]
pub struct ScanExpectation {
    /// The expectation (`expectationId`, else `id`); `None` when the item carried
    /// neither, rather than failing the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation_id: Option<ExpectationId>,
    /// The score (such as `3.2`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub score: Option<f64>,
    /// Whether the score predates the scan's latest answers.
    #[serde(
        default,
        deserialize_with = "lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub out_dated: Option<bool>,
    /// Its rank among the expectations of its kind (from 1).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub rank: Option<u64>,
    /// Its rank in the expectation report.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub report_rank: Option<u64>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A scan expectation as sent, before `id` stands in for a missing `expectationId`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanExpectationWire {
    #[serde(default)]
    expectation_id: Option<ExpectationId>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    score: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    out_dated: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    rank: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    report_rank: Option<u64>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<ScanExpectationWire> for ScanExpectation {
    fn from(wire: ScanExpectationWire) -> Self {
        let mut extra = wire.extra;
        let expectation_id = wire
            .expectation_id
            .or_else(|| super::expectations::take_id(&mut extra));
        Self {
            expectation_id,
            score: wire.score,
            out_dated: wire.out_dated,
            rank: wire.rank,
            report_rank: wire.report_rank,
            extra,
        }
    }
}

/// A list of strings, a single string, or null (as an empty list).
fn opt_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string or a list of strings, got {other}"
            )))
        }
    })
}

/// The expectations of a scan; null (as sent when they were not asked for) is empty.
fn opt_scan_expectations<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<ScanExpectation>, D::Error> {
    Ok(Option::<Vec<ScanExpectation>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_shapes_decode() {
        let scan: AccountJobScan = serde_json::from_str(
            r#"{"id":"j1","contactCcEmail":"a@b.c","domainIds":null,"expectations":null,
                "clusterIds":["c1"]}"#,
        )
        .unwrap();
        assert_eq!(scan.contact_cc_email, ["a@b.c"]);
        assert!(scan.domain_ids.is_empty() && scan.expectations.is_empty());
        assert_eq!(
            scan.extra.get("clusterIds"),
            Some(&serde_json::json!(["c1"]))
        );
        let e: ScanExpectation =
            serde_json::from_str(r#"{"id":"e1","score":"3.2","outDated":"false","rank":"1"}"#)
                .unwrap();
        assert_eq!(
            e.expectation_id.as_ref().map(ExpectationId::as_str),
            Some("e1")
        );
        assert_eq!(
            (e.score, e.out_dated, e.rank),
            (Some(3.2), Some(false), Some(1))
        );
        let both: ScanExpectation =
            serde_json::from_str(r#"{"expectationId":"e1","id":"e2","score":1}"#).unwrap();
        assert_eq!(
            both.expectation_id.as_ref().map(ExpectationId::as_str),
            Some("e1")
        );
    }
}
