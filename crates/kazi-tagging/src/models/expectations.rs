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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Expectation {
    /// The expectation's id.
    pub expectation_id: ExpectationId,
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

impl Expectation {
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
            assert_eq!(list.0[0].expectation_id.as_str(), "e1");
        }
        assert!(serde_json::from_str::<ExpectationList>(r#"{"total":0}"#).is_err());
        assert!(serde_json::from_str::<ExpectationList>(r#""nope""#).is_err());
    }
}
