//! Expectations: the work values and team roles scans are scored on.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient;

use super::ids::ExpectationId;

/// One expectation, from `GET /tagging/v2/expectations`.
///
/// Kazi does not publish this object's fields; those below are the ones the job
/// matches use for the same expectation. Anything else the API sends is kept in
/// [`extra`](Self::extra).
///
/// The id is read from `expectationId`, else from `id`; an item with neither is kept
/// with no id rather than failing the whole list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "ExpectationWire")]
#[non_exhaustive]
pub struct Expectation {
    /// The expectation's id (`expectationId`, or `id`); `None` when the item carried
    /// neither.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation_id: Option<ExpectationId>,
    /// Its name (`Autonomy`, `Coordinator`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_name: Option<String>,
    /// The id of its kind; see [`Expectation::kind`].
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_type_id: Option<u64>,
    /// The name of its kind (`Work value`, `Team role`); see [`Expectation::kind`].
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_type_name: Option<String>,
    /// What it means.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The expectation as sent, before `id` is taken as the id when `expectationId` is
/// missing (two fields, so that an item carrying both is not a duplicate).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpectationWire {
    #[serde(default)]
    expectation_id: Option<ExpectationId>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    expectation_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    expectation_type_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    expectation_type_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    description: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// Takes `id` out of the fields kept as sent, as an expectation id (a string or a
/// number); leaves anything else there.
pub(crate) fn take_id(extra: &mut Map<String, Value>) -> Option<ExpectationId> {
    let id = match extra.get("id")? {
        Value::String(s) if !s.trim().is_empty() => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    extra.remove("id");
    Some(ExpectationId::new(id))
}

impl From<ExpectationWire> for Expectation {
    fn from(wire: ExpectationWire) -> Self {
        let mut extra = wire.extra;
        let expectation_id = wire.expectation_id.or_else(|| take_id(&mut extra));
        Self {
            expectation_id,
            expectation_name: wire.expectation_name,
            expectation_type_id: wire.expectation_type_id,
            expectation_type_name: wire.expectation_type_name,
            description: wire.description,
            extra,
        }
    }
}

impl Expectation {
    /// The id as text (empty when the item carried none).
    pub fn id_str(&self) -> &str {
        self.expectation_id
            .as_ref()
            .map_or("", ExpectationId::as_str)
    }

    /// Work value or team role, from the type name (or, failing that, the type id).
    pub fn kind(&self) -> ExpectationKind {
        ExpectationKind::from_parts(
            self.expectation_type_id,
            self.expectation_type_name.as_deref(),
        )
    }
}

/// The two kinds of expectation Kazi scores on
/// (<https://docs.kazi.co/docs/about/concepts/>).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExpectationKind {
    /// What a person values in work (`Work value`).
    WorkValue,
    /// How a person works in a team (`Team role`).
    TeamRole,
    /// Another kind, as Kazi named it (or numbered it); empty when it sent neither.
    Unknown(String),
}

impl ExpectationKind {
    /// Reads the kind from an expectation's type name, else its type id (`1` work
    /// value, `2` team role: the numbering the sandbox uses, not documented by Kazi).
    pub fn from_parts(type_id: Option<u64>, type_name: Option<&str>) -> Self {
        let normalized: Option<String> = type_name.map(|name| {
            name.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect()
        });
        match (normalized.as_deref(), type_id) {
            (Some("workvalue" | "workvalues"), _) => Self::WorkValue,
            (Some("teamrole" | "teamroles"), _) => Self::TeamRole,
            (None, Some(1)) => Self::WorkValue,
            (None, Some(2)) => Self::TeamRole,
            (_, id) => Self::Unknown(
                type_name
                    .map(str::to_owned)
                    .or_else(|| id.map(|i| i.to_string()))
                    .unwrap_or_default(),
            ),
        }
    }
}

impl fmt::Display for ExpectationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WorkValue => f.write_str("work value"),
            Self::TeamRole => f.write_str("team role"),
            Self::Unknown(s) => f.write_str(s),
        }
    }
}

/// The answer of the expectations list: a JSON array as observed, or, leniently, an
/// object holding the array under `data`, `items` or `expectations`.
pub(crate) struct ExpectationList(pub(crate) Vec<Expectation>);

impl<'de> Deserialize<'de> for ExpectationList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExpectationList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an array of expectations, or an object with a `data`, `items` or `expectations` array",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element::<Expectation>()? {
                    out.push(item);
                }
                Ok(ExpectationList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut found = None;
                while let Some(key) = map.next_key::<String>()? {
                    if found.is_none() && matches!(key.as_str(), "data" | "items" | "expectations")
                    {
                        found = Some(map.next_value::<Vec<Expectation>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                found.map(ExpectationList).ok_or_else(|| {
                    de::Error::custom(
                        "expected an array of expectations, or an object with a `data`, `items` or `expectations` array",
                    )
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_from_name_then_id() {
        let k = ExpectationKind::from_parts;
        assert_eq!(k(Some(2), Some("Work value")), ExpectationKind::WorkValue);
        assert_eq!(k(None, Some("team-role")), ExpectationKind::TeamRole);
        assert_eq!(k(Some(1), None), ExpectationKind::WorkValue);
        assert_eq!(k(Some(2), None), ExpectationKind::TeamRole);
        assert_eq!(
            k(Some(1), Some("Skill")),
            ExpectationKind::Unknown("Skill".to_owned())
        );
        assert_eq!(k(Some(7), None), ExpectationKind::Unknown("7".to_owned()));
        assert_eq!(k(None, None), ExpectationKind::Unknown(String::new()));
    }

    #[test]
    fn the_id_is_read_from_expectation_id_then_id() {
        let body = r#"[
            {"expectationId":"e1","id":"other","expectationName":"Autonomy"},
            {"id":"e2","expectationName":"Challenge"},
            {"id":7,"expectationName":"Numbered"},
            {"expectationName":"Anonymous","id":null}
        ]"#;
        let list: ExpectationList = serde_json::from_str(body).unwrap();
        let ids: Vec<&str> = list.0.iter().map(Expectation::id_str).collect();
        assert_eq!(ids, ["e1", "e2", "7", ""]);
        // `id` beside `expectationId` is kept as sent; taken as the id, it is not.
        assert_eq!(list.0[0].extra.get("id"), Some(&Value::from("other")));
        assert!(!list.0[1].extra.contains_key("id"));
        assert_eq!(list.0[3].expectation_id, None);
        let back = serde_json::to_value(&list.0[1]).unwrap();
        assert_eq!(back["expectationId"], Value::from("e2"));
        assert!(serde_json::to_value(&list.0[3])
            .unwrap()
            .get("expectationId")
            .is_none());
    }

    #[test]
    fn list_accepts_an_array_or_an_envelope() {
        let one = r#"{"expectationId":"e1","expectationName":"Autonomy"}"#;
        for body in [
            format!("[{one}]"),
            format!(r#"{{"data":[{one}],"total":1}}"#),
            format!(r#"{{"page":1,"items":[{one}]}}"#),
            format!(r#"{{"expectations":[{one}]}}"#),
        ] {
            let list: ExpectationList = serde_json::from_str(&body).unwrap();
            assert_eq!(list.0.len(), 1, "{body}");
            assert_eq!(list.0[0].id_str(), "e1");
        }
        assert!(serde_json::from_str::<ExpectationList>(r#"{"total":0}"#).is_err());
        assert!(serde_json::from_str::<ExpectationList>(r#""nope""#).is_err());
    }
}
