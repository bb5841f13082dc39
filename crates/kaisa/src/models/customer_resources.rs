//! Customer sub-resources: voicemail greetings, callbacks and the blacklist.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient::{opt_bool, opt_from_string, opt_string, opt_u64};

use super::datetime::{opt_datetime, KaisaDateTime};
use super::ids::{CdrId, CustomerId, SourceId};

/// The list in an answer whose envelope Kaisa does not document: the first of `keys`
/// present, else any single list in the object, else a bare array; `null` and `{}`
/// are an empty list, and one object is a list of one.
fn any_list<T: DeserializeOwned>(value: Value, keys: &[&str]) -> Result<Vec<T>, serde_json::Error> {
    let list = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => Value::Array(items),
        Value::Object(mut map) => {
            match keys.iter().find_map(|k| map.remove(*k)) {
                Some(Value::Array(items)) => Value::Array(items),
                Some(Value::Object(one)) => Value::Array(vec![Value::Object(one)]),
                Some(Value::Null) => return Ok(Vec::new()),
                Some(other) => Value::Array(vec![other]),
                None => {
                    let arrays: Vec<Value> =
                        map.values().filter(|v| v.is_array()).cloned().collect();
                    match arrays.len() {
                        0 if map.is_empty() => return Ok(Vec::new()),
                        // The object itself is the one item.
                        0 => Value::Array(vec![Value::Object(map)]),
                        _ => arrays
                            .into_iter()
                            .next()
                            .unwrap_or(Value::Array(Vec::new())),
                    }
                }
            }
        }
        other => Value::Array(vec![other]),
    };
    serde_json::from_value(list)
}

/// A customer's voicemail greeting, as `customers/voicemail_greetings` returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct VoicemailGreeting {
    /// The greeting's id.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub vm_greeting_id: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// When it was created (UTC).
    #[serde(default, deserialize_with = "opt_datetime")]
    pub timestamp: Option<KaisaDateTime>,
    /// The length of the sound data.
    #[serde(default, deserialize_with = "opt_u64")]
    pub datalength: Option<u64>,
    /// Whether it is a system greeting (`locked` = 1).
    #[serde(default, deserialize_with = "opt_bool")]
    pub locked: Option<bool>,
    /// The sources using it.
    #[serde(default, deserialize_with = "ids_lenient")]
    pub used_by: Vec<SourceId>,
    /// Its customer; `None` for a system greeting.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// The sound, MP3 in base64, sent only when one greeting is asked for by id.
    #[serde(default, deserialize_with = "opt_string")]
    pub sounddata: Option<String>,
    /// Where to call to record the greeting (the answer of a create).
    #[serde(default, deserialize_with = "opt_string")]
    pub record_number: Option<String>,
    /// The PIN code to record it with (the answer of a create).
    #[serde(default, deserialize_with = "opt_from_string")]
    pub record_pin: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A list of ids sent as numbers or strings, or a single one; `null` is none.
fn ids_lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SourceId>, D::Error> {
    let items = match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        one => vec![one],
    };
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(Ok(SourceId::from(s.trim()))),
            Value::Number(n) => Some(Ok(SourceId::from(n.to_string().as_str()))),
            Value::String(_) | Value::Null => None,
            other => Some(Err(serde::de::Error::custom(format!(
                "expected a source id, found {other}"
            )))),
        })
        .collect()
}

/// A campaign, as `customers/campaigns` returns it: sources grouped with shared
/// notification, voicemail and recording settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Campaign {
    /// The campaign's id.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub campaign_id: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// The partner's own id for it.
    #[serde(default, deserialize_with = "opt_string")]
    pub partner_campaign_id: Option<String>,
    /// Email address for notifications.
    #[serde(default, deserialize_with = "opt_string")]
    pub email: Option<String>,
    /// SMS number for notifications.
    #[serde(default, deserialize_with = "opt_string")]
    pub smsnumber: Option<String>,
    /// When it was created.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub timestamp: Option<KaisaDateTime>,
    /// When it expires.
    #[serde(default, deserialize_with = "opt_datetime")]
    pub expire: Option<KaisaDateTime>,
    /// Its pricing model.
    #[serde(default, deserialize_with = "opt_string")]
    pub pricing_model_id: Option<String>,
    /// Notify on a missed call.
    #[serde(default, deserialize_with = "opt_bool")]
    pub notify_on_missed_call: Option<bool>,
    /// Notify on an answered call.
    #[serde(default, deserialize_with = "opt_bool")]
    pub notify_on_answered_call: Option<bool>,
    /// Notify on a new voicemail.
    #[serde(default, deserialize_with = "opt_bool")]
    pub notify_on_new_voicemail: Option<bool>,
    /// Send every call to voicemail.
    #[serde(default, deserialize_with = "opt_bool")]
    pub vm_divert_all: Option<bool>,
    /// Send calls to voicemail when busy.
    #[serde(default, deserialize_with = "opt_bool")]
    pub vm_divert_busy: Option<bool>,
    /// Send calls to voicemail when not answered.
    #[serde(default, deserialize_with = "opt_bool")]
    pub vm_divert_noanswer: Option<bool>,
    /// Record calls.
    #[serde(default, deserialize_with = "opt_bool")]
    pub call_recording: Option<bool>,
    /// The sources in it, as sent (ids or source objects; the page says "array").
    #[serde(default, deserialize_with = "vendor_core::kit::lenient::one_or_many")]
    pub sources: Vec<Value>,
    /// Its voicemail greeting.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub vm_greeting_id: Option<String>,
    /// Its state: 0 active, 1 upcoming, 2 archived.
    #[serde(default, deserialize_with = "opt_u64")]
    pub state: Option<u64>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A campaign to create: `POST customers/campaigns` with the three documented
/// mandatory parameters, the optional ones with setters, and any other through
/// [`param`](Self::param) (the page's list of optional parameters was cut in the copy
/// read).
///
/// ```
/// use kaisa::NewCampaign;
///
/// let campaign = NewCampaign::new("407382", "standard", "Autumn 2024")
///     .email("marketing@acme-ror.example")
///     .partner_campaign_id("ACME-AUTUMN");
/// assert_eq!(campaign.name, "Autumn 2024");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCampaign {
    /// The customer.
    pub customer_id: CustomerId,
    /// The pricing model.
    pub pricing_model_id: String,
    /// The campaign's name.
    pub name: String,
    /// Email address for notifications.
    pub email: Option<String>,
    /// SMS number for notifications.
    pub smsnumber: Option<String>,
    /// The partner's own id for it.
    pub partner_campaign_id: Option<String>,
    /// Further parameters, sent as given.
    pub params: Vec<(String, String)>,
}

const TYPED_CAMPAIGN_PARAMS: [&str; 6] = [
    "customer_id",
    "pricing_model_id",
    "name",
    "email",
    "smsnumber",
    "partner_campaign_id",
];

impl NewCampaign {
    /// A campaign with its mandatory fields.
    pub fn new(
        customer_id: impl Into<CustomerId>,
        pricing_model_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            pricing_model_id: pricing_model_id.into(),
            name: name.into(),
            email: None,
            smsnumber: None,
            partner_campaign_id: None,
            params: Vec::new(),
        }
    }

    /// Email address for notifications (`email=`).
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// SMS number for notifications (`smsnumber=`).
    #[must_use]
    pub fn smsnumber(mut self, number: impl Into<String>) -> Self {
        self.smsnumber = Some(number.into());
        self
    }

    /// The partner's own id (`partner_campaign_id=`).
    #[must_use]
    pub fn partner_campaign_id(mut self, id: impl Into<String>) -> Self {
        self.partner_campaign_id = Some(id.into());
        self
    }

    /// Any other documented parameter (`call_recording`, `vm_divert_busy`, ...), sent
    /// as `key=value` (checked when sent: not empty, not one of the typed ones).
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    pub(crate) fn check(&self) -> crate::Result<()> {
        for (name, value) in [
            ("customer_id", self.customer_id.as_str()),
            ("pricing_model_id", self.pricing_model_id.as_str()),
            ("name", self.name.as_str()),
        ] {
            if value.trim().is_empty() {
                return Err(crate::Error::invalid(name, "must not be empty"));
            }
        }
        for (key, _) in &self.params {
            if key.trim().is_empty() || TYPED_CAMPAIGN_PARAMS.contains(&key.as_str()) {
                return Err(crate::Error::invalid(
                    "param",
                    format!("`{key}` is empty or has its own setter on NewCampaign"),
                ));
            }
        }
        Ok(())
    }
}

/// Serializes to the url-encoded parameters Kaisa expects.
impl Serialize for NewCampaign {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("customer_id", self.customer_id.as_str())?;
        map.serialize_entry("pricing_model_id", &self.pricing_model_id)?;
        map.serialize_entry("name", &self.name)?;
        for (key, value) in [
            ("email", &self.email),
            ("smsnumber", &self.smsnumber),
            ("partner_campaign_id", &self.partner_campaign_id),
        ] {
            if let Some(value) = value {
                map.serialize_entry(key, value)?;
            }
        }
        for (key, value) in &self.params {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A scheduled callback, as `customers/callbacks` returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Callback {
    /// The callback's id.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub id: Option<String>,
    /// The customer.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub customer_id: Option<CustomerId>,
    /// The number called first (the agent).
    #[serde(default, deserialize_with = "opt_string")]
    pub agent_nr: Option<String>,
    /// The number shown to the person called back.
    #[serde(default, deserialize_with = "opt_string")]
    pub caller_id: Option<String>,
    /// When the call is made (UTC).
    #[serde(default, deserialize_with = "opt_datetime")]
    pub scheduled: Option<KaisaDateTime>,
    /// How many times it is retried.
    #[serde(default, deserialize_with = "opt_u64")]
    pub retries: Option<u64>,
    /// Seconds between retries.
    #[serde(default, deserialize_with = "opt_u64")]
    pub retry_interval: Option<u64>,
    /// Whether it was completed.
    #[serde(default, deserialize_with = "opt_bool")]
    pub completed: Option<bool>,
    /// The call it made, once made.
    #[serde(default, deserialize_with = "opt_from_string")]
    pub cdr_id: Option<CdrId>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A callback to schedule: `POST customers/callbacks`. `agent_nr` and `requester_nr`
/// are E.164 numbers (`+46...`, checked when sent).
///
/// ```
/// use kaisa::{KaisaDateTime, NewCallback};
///
/// let callback = NewCallback::new("407382", "+46812345678", "+46701234567")
///     .scheduled(KaisaDateTime::new(2024, 3, 4, 9, 0, 0).unwrap())
///     .retries(2)
///     .retry_interval(600)
///     .call_recording(true);
/// assert_eq!(callback.retries, Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewCallback {
    /// The customer.
    pub customer_id: CustomerId,
    /// The number called first (E.164).
    pub agent_nr: String,
    /// The number of the person who asked to be called back (E.164).
    pub requester_nr: String,
    /// When to call (UTC); as soon as possible when `None`.
    pub scheduled: Option<KaisaDateTime>,
    /// Retries when unsuccessful (Kaisa's default 0).
    pub retries: Option<u32>,
    /// Seconds between retries (Kaisa's default 300).
    pub retry_interval: Option<u32>,
    /// The number shown to the requester (Kaisa's default: `agent_nr`).
    pub caller_id: Option<String>,
    /// Custom values sent along, as a JSON object (`custom_dynamic`).
    pub custom_dynamic: Option<Map<String, Value>>,
    /// Whether to record the call.
    pub call_recording: Option<bool>,
}

impl NewCallback {
    /// A callback as soon as possible.
    pub fn new(
        customer_id: impl Into<CustomerId>,
        agent_nr: impl Into<String>,
        requester_nr: impl Into<String>,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            agent_nr: agent_nr.into(),
            requester_nr: requester_nr.into(),
            scheduled: None,
            retries: None,
            retry_interval: None,
            caller_id: None,
            custom_dynamic: None,
            call_recording: None,
        }
    }

    /// When to call (`scheduled=`, UTC).
    #[must_use]
    pub fn scheduled(mut self, at: impl Into<KaisaDateTime>) -> Self {
        self.scheduled = Some(at.into());
        self
    }

    /// Retries when unsuccessful (`retries=`).
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Seconds between retries (`retry_interval=`).
    #[must_use]
    pub fn retry_interval(mut self, seconds: u32) -> Self {
        self.retry_interval = Some(seconds);
        self
    }

    /// The number shown to the requester (`caller_id=`).
    #[must_use]
    pub fn caller_id(mut self, caller_id: impl Into<String>) -> Self {
        self.caller_id = Some(caller_id.into());
        self
    }

    /// Custom values sent along (`custom_dynamic=`, JSON).
    #[must_use]
    pub fn custom_dynamic(mut self, values: Map<String, Value>) -> Self {
        self.custom_dynamic = Some(values);
        self
    }

    /// Whether to record the call (`call_recording=1` or `0`).
    #[must_use]
    pub fn call_recording(mut self, record: bool) -> Self {
        self.call_recording = Some(record);
        self
    }

    pub(crate) fn check(&self) -> crate::Result<()> {
        if self.customer_id.as_str().trim().is_empty() {
            return Err(crate::Error::invalid("customer_id", "must not be empty"));
        }
        check_e164("agent_nr", &self.agent_nr)?;
        check_e164("requester_nr", &self.requester_nr)
    }
}

/// Serializes to the url-encoded parameters Kaisa expects.
impl Serialize for NewCallback {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("customer_id", self.customer_id.as_str())?;
        map.serialize_entry("agent_nr", &self.agent_nr)?;
        map.serialize_entry("requester_nr", &self.requester_nr)?;
        if let Some(at) = &self.scheduled {
            map.serialize_entry("scheduled", &at.to_string())?;
        }
        if let Some(retries) = self.retries {
            map.serialize_entry("retries", &retries.to_string())?;
        }
        if let Some(interval) = self.retry_interval {
            map.serialize_entry("retry_interval", &interval.to_string())?;
        }
        if let Some(caller_id) = &self.caller_id {
            map.serialize_entry("caller_id", caller_id)?;
        }
        if let Some(custom) = &self.custom_dynamic {
            map.serialize_entry("custom_dynamic", &Value::Object(custom.clone()).to_string())?;
        }
        if let Some(record) = self.call_recording {
            map.serialize_entry("call_recording", if record { "1" } else { "0" })?;
        }
        map.end()
    }
}

/// Kaisa asks for numbers in E.164: `+`, then 2 to 15 digits.
pub(crate) fn check_e164(name: &'static str, number: &str) -> crate::Result<()> {
    let digits = number.strip_prefix('+').unwrap_or("");
    if (2..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(crate::Error::invalid(
            name,
            format!("`{number}` is not an E.164 number such as +46812345678"),
        ))
    }
}

/// `{"blacklist":[...]}`, also found one level down in a list envelope.
pub(crate) struct BlacklistAnswer(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for BlacklistAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fn find(value: &Value) -> Option<&Value> {
            match value {
                Value::Object(map) => map.get("blacklist").or_else(|| map.values().find_map(find)),
                Value::Array(items) if items.iter().all(Value::is_string) => Some(value),
                Value::Array(items) => items.iter().find_map(find),
                _ => None,
            }
        }
        let value = Value::deserialize(d)?;
        let numbers = match find(&value) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(one)) if !one.is_empty() => vec![one.clone()],
            _ => Vec::new(),
        };
        Ok(BlacklistAnswer(numbers))
    }
}

/// Lists whose envelope key Kaisa does not document, read through [`any_list`].
macro_rules! lenient_list {
    ($list:ident, $item:ty, $keys:expr) => {
        pub(crate) struct $list(pub(crate) Vec<$item>);

        impl<'de> Deserialize<'de> for $list {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                any_list(Value::deserialize(d)?, $keys)
                    .map($list)
                    .map_err(serde::de::Error::custom)
            }
        }
    };
}

/// The first item of such a list, required (the answer of a write).
macro_rules! lenient_one {
    ($one:ident, $list:ident, $item:ty, $what:literal) => {
        pub(crate) struct $one(pub(crate) $item);

        impl<'de> Deserialize<'de> for $one {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $list::deserialize(d)?
                    .0
                    .into_iter()
                    .next()
                    .map($one)
                    .ok_or_else(|| serde::de::Error::custom(concat!("the answer holds no ", $what)))
            }
        }
    };
}

lenient_list!(
    GreetingsEnvelope,
    VoicemailGreeting,
    &["voicemail_greetings", "greetings"]
);
lenient_one!(
    OneGreeting,
    GreetingsEnvelope,
    VoicemailGreeting,
    "greeting"
);
lenient_list!(CallbacksEnvelope, Callback, &["callbacks"]);
lenient_one!(OneCallback, CallbacksEnvelope, Callback, "callback");
lenient_list!(CampaignsEnvelope, Campaign, &["campaigns"]);
lenient_one!(OneCampaign, CampaignsEnvelope, Campaign, "campaign");
lenient_list!(UsersEnvelope, super::users::User, &["users"]);
lenient_one!(OneUser, UsersEnvelope, super::users::User, "user");
