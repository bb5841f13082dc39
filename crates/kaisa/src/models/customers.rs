//! Customers (accounts) and what creating or updating one sends.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{one_or_many, opt_string, opt_u64};

use super::ids::CustomerId;
use crate::{Error, Result};

/// Longest customer name Kaisa accepts, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// Longest customer number Kaisa accepts, in characters.
pub const MAX_CUSTNR_CHARS: usize = 45;
/// Number of free custom fields (`custom_1` to `custom_20`).
pub const CUSTOM_FIELDS: u8 = 20;

/// A customer, as `customers` returns it. Kaisa sends numbers as strings; both are
/// accepted. The custom fields `custom_1`..`custom_20` and anything else not modelled
/// stay in [`extra`](Self::extra) (read them with [`Customer::custom`]).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's id.
    pub customer_id: CustomerId,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Your own customer number.
    #[serde(default, deserialize_with = "opt_string")]
    pub custnr: Option<String>,
    /// Corporate id (organisation number).
    #[serde(default, deserialize_with = "opt_string")]
    pub corporateid: Option<String>,
    /// Email address.
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    /// The customer's UUID.
    #[serde(default, deserialize_with = "opt_string")]
    pub uuid: Option<String>,
    /// Monthly report setting (`0`, `1` or `2`).
    #[serde(default, deserialize_with = "opt_u64")]
    pub receive_monthly_report: Option<u64>,
    /// Caller id shown on calls Kaisa forwards.
    #[serde(default, deserialize_with = "opt_string")]
    pub freespee_caller_id: Option<String>,
    /// Dynamic-numbers (DNCS) class name.
    #[serde(default, deserialize_with = "opt_string")]
    pub dncs_class_name: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Customer {
    /// The custom field `custom_<n>` (1 to 20), if set.
    pub fn custom(&self, n: u8) -> Option<&str> {
        self.extra
            .get(&format!("custom_{n}"))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// `{"customers":[...]}`.
#[derive(Deserialize)]
pub(crate) struct CustomersEnvelope {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) customers: Vec<Customer>,
}

/// `{"customers":[<one>]}`: the answer of a create or an update.
pub(crate) struct OneCustomer(pub(crate) Customer);

impl<'de> Deserialize<'de> for OneCustomer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        CustomersEnvelope::deserialize(d)?
            .customers
            .into_iter()
            .next()
            .map(OneCustomer)
            .ok_or_else(|| serde::de::Error::custom("`customers` holds no customer"))
    }
}

fn check_text(name: &'static str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(name, "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(Error::invalid(
            name,
            format!("is {chars} characters long; Kaisa accepts at most {max}"),
        ));
    }
    Ok(())
}

fn check_custom(custom: &BTreeMap<u8, String>) -> Result<()> {
    match custom.keys().find(|n| !(1..=CUSTOM_FIELDS).contains(n)) {
        Some(n) => Err(Error::invalid(
            "custom",
            format!("custom_{n} does not exist: use 1 to {CUSTOM_FIELDS}"),
        )),
        None => Ok(()),
    }
}

fn serialize_fields<S: Serializer>(
    s: S,
    fields: &[(&str, Option<&str>)],
    custom: &BTreeMap<u8, String>,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(None)?;
    for (key, value) in fields {
        if let Some(value) = value {
            map.serialize_entry(key, value)?;
        }
    }
    for (n, value) in custom {
        map.serialize_entry(&format!("custom_{n}"), value)?;
    }
    map.end()
}

/// A customer to create: `name` and `custnr` are required, the rest optional.
///
/// ```
/// use kaisa::NewCustomer;
///
/// let customer = NewCustomer::new("Acme Rörservice AB", "ACME-001")
///     .email("ekonomi@acme-ror.example")
///     .corporateid("556677-8899")
///     .custom(1, "north region");
/// assert_eq!(customer.name, "Acme Rörservice AB");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCustomer {
    /// Name, at most 60 characters.
    pub name: String,
    /// Your customer number, at most 45 characters.
    pub custnr: String,
    /// Email address.
    pub email: Option<String>,
    /// Corporate id (organisation number).
    pub corporateid: Option<String>,
    /// Whisper message played to the answering party.
    pub whisper: Option<String>,
    /// Custom fields by number (1 to 20).
    pub custom: BTreeMap<u8, String>,
}

impl NewCustomer {
    /// A customer with its two required fields.
    pub fn new(name: impl Into<String>, custnr: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            custnr: custnr.into(),
            email: None,
            corporateid: None,
            whisper: None,
            custom: BTreeMap::new(),
        }
    }

    /// Email address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Corporate id (organisation number).
    #[must_use]
    pub fn corporateid(mut self, corporateid: impl Into<String>) -> Self {
        self.corporateid = Some(corporateid.into());
        self
    }

    /// Whisper message.
    #[must_use]
    pub fn whisper(mut self, whisper: impl Into<String>) -> Self {
        self.whisper = Some(whisper.into());
        self
    }

    /// Custom field `custom_<n>` (1 to 20; checked when sent).
    #[must_use]
    pub fn custom(mut self, n: u8, value: impl Into<String>) -> Self {
        self.custom.insert(n, value.into());
        self
    }

    /// Checks the limits Kaisa documents, so that nothing invalid is sent.
    pub(crate) fn check(&self) -> Result<()> {
        check_text("name", &self.name, MAX_NAME_CHARS)?;
        check_text("custnr", &self.custnr, MAX_CUSTNR_CHARS)?;
        check_custom(&self.custom)
    }
}

/// Serializes to the url-encoded parameters Kaisa expects.
impl Serialize for NewCustomer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_fields(
            s,
            &[
                ("name", Some(&self.name)),
                ("custnr", Some(&self.custnr)),
                ("email", self.email.as_deref()),
                ("corporateid", self.corporateid.as_deref()),
                ("whisper", self.whisper.as_deref()),
            ],
            &self.custom,
        )
    }
}

/// Changes to a customer: only the fields set are sent.
///
/// ```
/// use kaisa::CustomerUpdate;
///
/// let update = CustomerUpdate::new().email("new@acme-ror.example").receive_monthly_report(1);
/// assert_eq!(update.email.as_deref(), Some("new@acme-ror.example"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomerUpdate {
    /// New name, at most 60 characters.
    pub name: Option<String>,
    /// New customer number, at most 45 characters.
    pub custnr: Option<String>,
    /// New email address.
    pub email: Option<String>,
    /// New corporate id.
    pub corporateid: Option<String>,
    /// New whisper message.
    pub whisper: Option<String>,
    /// New monthly report setting (0, 1 or 2).
    pub receive_monthly_report: Option<u8>,
    /// Custom fields to set, by number (1 to 20).
    pub custom: BTreeMap<u8, String>,
}

impl CustomerUpdate {
    /// An update changing nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// New customer number.
    #[must_use]
    pub fn custnr(mut self, custnr: impl Into<String>) -> Self {
        self.custnr = Some(custnr.into());
        self
    }

    /// New email address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// New corporate id.
    #[must_use]
    pub fn corporateid(mut self, corporateid: impl Into<String>) -> Self {
        self.corporateid = Some(corporateid.into());
        self
    }

    /// New whisper message.
    #[must_use]
    pub fn whisper(mut self, whisper: impl Into<String>) -> Self {
        self.whisper = Some(whisper.into());
        self
    }

    /// New monthly report setting (0, 1 or 2; checked when sent).
    #[must_use]
    pub fn receive_monthly_report(mut self, setting: u8) -> Self {
        self.receive_monthly_report = Some(setting);
        self
    }

    /// Sets custom field `custom_<n>` (1 to 20; checked when sent).
    #[must_use]
    pub fn custom(mut self, n: u8, value: impl Into<String>) -> Self {
        self.custom.insert(n, value.into());
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        if let Some(name) = &self.name {
            check_text("name", name, MAX_NAME_CHARS)?;
        }
        if let Some(custnr) = &self.custnr {
            check_text("custnr", custnr, MAX_CUSTNR_CHARS)?;
        }
        if let Some(setting) = self.receive_monthly_report {
            if setting > 2 {
                return Err(Error::invalid(
                    "receive_monthly_report",
                    format!("{setting} is not 0, 1 or 2"),
                ));
            }
        }
        check_custom(&self.custom)?;
        if *self == Self::default() {
            return Err(Error::invalid("update", "sets no field"));
        }
        Ok(())
    }
}

/// Serializes to the url-encoded parameters Kaisa expects.
impl Serialize for CustomerUpdate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.receive_monthly_report.map(|r| r.to_string());
        serialize_fields(
            s,
            &[
                ("name", self.name.as_deref()),
                ("custnr", self.custnr.as_deref()),
                ("email", self.email.as_deref()),
                ("corporateid", self.corporateid.as_deref()),
                ("whisper", self.whisper.as_deref()),
                ("receive_monthly_report", report.as_deref()),
            ],
            &self.custom,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_customer_encodes_as_a_form() {
        let c = NewCustomer::new("Acme & Co", "A-1")
            .email("a@b.example")
            .custom(2, "x y");
        assert_eq!(
            serde_urlencoded::to_string(&c).unwrap(),
            "name=Acme+%26+Co&custnr=A-1&email=a%40b.example&custom_2=x+y"
        );
    }

    #[test]
    fn limits_are_checked() {
        assert!(NewCustomer::new("n".repeat(60), "c".repeat(45))
            .check()
            .is_ok());
        assert!(matches!(
            NewCustomer::new("n".repeat(61), "c").check(),
            Err(Error::InvalidArgument(e))
         if e.name() == "name"));
        assert!(matches!(
            NewCustomer::new("n", "c".repeat(46)).check(),
            Err(Error::InvalidArgument(e))
         if e.name() == "custnr"));
        // Characters, not bytes: 60 × "ö" is 120 bytes and still fits.
        assert!(NewCustomer::new("ö".repeat(60), "c").check().is_ok());
        assert!(matches!(
            NewCustomer::new("n", "c").custom(21, "x").check(),
            Err(Error::InvalidArgument(e))
         if e.name() == "custom"));
        assert!(matches!(
            CustomerUpdate::new().check(),
            Err(Error::InvalidArgument(e))
         if e.name() == "update"));
        assert!(matches!(
            CustomerUpdate::new().receive_monthly_report(3).check(),
            Err(Error::InvalidArgument(e))
         if e.name() == "receive_monthly_report"));
    }
}
