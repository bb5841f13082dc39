//! Payloads: files protected by Keyavi.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::ids::{PayloadId, PolicyId, UserId};
use super::timestamp::LocalTimestamp;

/// The answer of `protect-remote`: the new payload and its protected `.IKD` file.
///
/// Keyavi does not publish this object's field names. The names below are the ones in
/// `docs/WIRE_SHAPES.md` (`payloadId`, `payloadName`, `ownerId`, `createdOn`,
/// `fileContent`); each is also found under common alternatives, compared without
/// regard to case, `_` or `-` (for example `id`, `fileName`, `created_at`, and for the
/// file `protectedFile`, `ikdContent`, `ikd`, `content`). Every field not recognised
/// is kept in [`extra`](Self::extra), and so is a recognised field whose value has an
/// unexpected type (except the file, which must be base64 text).
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProtectedPayload {
    /// The payload's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_id: Option<PayloadId>,
    /// The payload's name (normally the file name sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_name: Option<String>,
    /// The owner's user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    /// When the payload was created (no offset: see [`LocalTimestamp`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_on: Option<LocalTimestamp>,
    /// The policy applied, when the server echoes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<PolicyId>,
    #[serde(
        rename = "fileContent",
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_base64"
    )]
    ikd: Option<Vec<u8>>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ProtectedPayload {
    /// The protected `.IKD` file, decoded from the answer's base64; `None` when the
    /// answer carried no file (Keyavi includes it only for remote protection).
    pub fn ikd_bytes(&self) -> Option<&[u8]> {
        self.ikd.as_deref()
    }

    /// Takes the decoded `.IKD` file out of the answer.
    pub fn into_ikd_bytes(self) -> Option<Vec<u8>> {
        self.ikd
    }
}

impl fmt::Debug for ProtectedPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtectedPayload")
            .field("payload_id", &self.payload_id)
            .field("payload_name", &self.payload_name)
            .field("owner_id", &self.owner_id)
            .field("created_on", &self.created_on)
            .field("policy_id", &self.policy_id)
            .field("ikd_bytes", &self.ikd.as_ref().map(Vec::len))
            .field("extra", &self.extra)
            .finish()
    }
}

fn serialize_base64<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
        None => s.serialize_none(),
    }
}

/// Decodes base64 in any of the usual alphabets, with or without padding, ignoring
/// line breaks.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(compact.as_bytes()).ok())
}

/// A key compared without regard to case, `_` or `-`.
fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Removes and returns the first field present among `names` (normalized), in order of
/// preference.
fn take(map: &mut Map<String, Value>, names: &[&str]) -> Option<(String, Value)> {
    names.iter().find_map(|name| {
        let key = map.keys().find(|k| normalized(k) == *name)?.clone();
        map.remove(&key).map(|v| (key, v))
    })
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Takes a text field; a value of another type goes back to `map` untouched.
fn take_text(map: &mut Map<String, Value>, names: &[&str]) -> Option<String> {
    let (key, value) = take(map, names)?;
    match text_of(&value) {
        Some(text) => Some(text),
        None => {
            if !value.is_null() {
                map.insert(key, value);
            }
            None
        }
    }
}

impl<'de> Deserialize<'de> for ProtectedPayload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Map::<String, Value>::deserialize(d)?;
        let ikd = match take(
            &mut map,
            &[
                "filecontent",
                "protectedfilecontent",
                "protectedfile",
                "protectedcontent",
                "ikdfile",
                "ikdcontent",
                "ikd",
                "ikdbase64",
                "filebase64",
                "base64content",
                "content",
            ],
        ) {
            None | Some((_, Value::Null)) => None,
            Some((key, Value::String(text))) => Some(decode_base64(&text).ok_or_else(|| {
                D::Error::custom(format!("`{key}` is not valid base64 (the protected file)"))
            })?),
            Some((key, _)) => {
                return Err(D::Error::custom(format!(
                    "`{key}` should be the protected file as base64 text"
                )))
            }
        };
        let created_on = match take(
            &mut map,
            &["createdon", "createdat", "created", "createddate"],
        ) {
            Some((key, value)) => match value.as_str().map(LocalTimestamp::parse) {
                Some(Ok(ts)) => Some(ts),
                _ => {
                    if !value.is_null() {
                        map.insert(key, value);
                    }
                    None
                }
            },
            None => None,
        };
        Ok(Self {
            payload_id: take_text(&mut map, &["payloadid", "id"]).map(PayloadId::from),
            payload_name: take_text(&mut map, &["payloadname", "filename", "name"]),
            owner_id: take_text(
                &mut map,
                &["ownerid", "currentpayloadownerid", "owneruserid"],
            )
            .map(UserId::from),
            created_on,
            policy_id: take_text(&mut map, &["policyid"]).map(PolicyId::from),
            ikd,
            extra: map,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_shape() {
        let p: ProtectedPayload = serde_json::from_str(
            r#"{"payloadId":"p-1","payloadName":"a.pdf","ownerId":"u-1",
                "createdOn":"2023-05-05T15:54:22.5071276","fileContent":"SUtEMQ==","more":1}"#,
        )
        .unwrap();
        assert_eq!(p.payload_id.as_ref().map(PayloadId::as_str), Some("p-1"));
        assert_eq!(p.payload_name.as_deref(), Some("a.pdf"));
        assert_eq!(p.owner_id.as_ref().map(UserId::as_str), Some("u-1"));
        assert_eq!(
            p.created_on.as_ref().map(|t| t.subsec_nanos()),
            Some(507_127_600)
        );
        assert_eq!(p.ikd_bytes(), Some(&b"IKD1"[..]));
        assert_eq!(p.extra.get("more"), Some(&Value::from(1)));
    }

    #[test]
    fn accepts_aliases_and_keeps_the_rest() {
        let p: ProtectedPayload = serde_json::from_str(
            r#"{"id":42,"file_name":"b.txt","payloadName":"B","ProtectedFile":"SUtEMQ",
                "created_at":"not a date","owner":{"id":"u"}}"#,
        )
        .unwrap();
        assert_eq!(p.payload_id.as_ref().map(PayloadId::as_str), Some("42"));
        // The preferred name wins; the alternative stays in `extra`.
        assert_eq!(p.payload_name.as_deref(), Some("B"));
        assert!(p.extra.contains_key("file_name"));
        assert_eq!(p.ikd_bytes(), Some(&b"IKD1"[..]));
        assert_eq!(p.created_on, None);
        assert!(p.extra.contains_key("created_at"));
        assert!(p.extra.contains_key("owner"));
    }

    #[test]
    fn refuses_a_file_that_is_not_base64() {
        let e = serde_json::from_str::<ProtectedPayload>(r#"{"fileContent":"%%%"}"#).unwrap_err();
        assert!(e.to_string().contains("fileContent"), "{e}");
        assert!(serde_json::from_str::<ProtectedPayload>(r#"{"fileContent":7}"#).is_err());
    }

    #[test]
    fn serializes_back_to_the_wire_names() {
        let p: ProtectedPayload =
            serde_json::from_str(r#"{"payloadId":"p","ikdContent":"SUtEMQ==","x":true}"#).unwrap();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["payloadId"], "p");
        assert_eq!(v["fileContent"], "SUtEMQ==");
        assert_eq!(v["x"], true);
    }
}
