//! The JSON record of a token in its file, and the checks a record read back must
//! pass: a file can hold anything (a crash, another program, another version).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::token::MAX_LIFETIME;
use oauth_core::AccessToken;
use secrecy::zeroize::Zeroizing;
use serde::{Deserialize, Serialize};

/// Names the format, so that a JSON file of another program is not read as ours.
pub(crate) const FORMAT: &str = "oauth-cache-file/token";
/// Version of the record; another version is ignored (and overwritten).
pub(crate) const VERSION: u32 = 1;

/// The largest token file read (32 KiB): a larger one is ignored without reading
/// more of it. A 16 KiB token fits; longer ones exceed what HTTP servers take in a
/// header anyway.
pub(crate) const MAX_FILE_BYTES: u64 = 32 * 1024;

/// What is written. Deliberately not `Debug`: it holds the token.
#[derive(Serialize)]
struct RecordOut<'a> {
    format: &'static str,
    v: u32,
    /// The file's own name: a record copied under another name is not used.
    key: &'a str,
    access_token: &'a str,
    token_type: &'a str,
    /// Wall-clock expiry, milliseconds since the Unix epoch.
    expires_at_ms: u64,
    /// The lifetime the token was issued with, in milliseconds.
    lifetime_ms: u64,
    scopes: &'a [String],
}

/// The header read first, so that a foreign or newer record is told apart from a
/// broken one. Deliberately not `Debug`.
#[derive(Deserialize)]
struct Header {
    format: String,
    v: u32,
}

/// What is read back. Deliberately not `Debug`: it holds the token.
#[derive(Deserialize)]
struct RecordIn {
    key: String,
    access_token: String,
    token_type: String,
    expires_at_ms: u64,
    lifetime_ms: u64,
    #[serde(default)]
    scopes: Vec<String>,
}

/// The record of `token` for the file `name`; `None` when it is not worth storing:
/// expired already, or not a `Bearer` token (which the record could not restore).
pub(crate) fn encode(name: &str, token: &AccessToken) -> Option<Zeroizing<String>> {
    if !token.token_type().eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let expires_at = token.expires_at_wall();
    let remaining = expires_at.duration_since(SystemTime::now()).ok()?;
    if remaining < Duration::from_millis(1) {
        return None;
    }
    let record = RecordOut {
        format: FORMAT,
        v: VERSION,
        key: name,
        access_token: token.secret(),
        token_type: "Bearer",
        expires_at_ms: millis(expires_at.duration_since(UNIX_EPOCH).ok()?),
        lifetime_ms: millis(token.lifetime()),
        scopes: token.scopes(),
    };
    let mut json = serde_json::to_string(&record).ok()?;
    json.push('\n');
    Some(Zeroizing::new(json))
}

/// Why a record is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A good record of a token that has expired: normal, nothing to report.
    Expired,
    /// Not a record this build can use; what is wrong, without quoting the file.
    Invalid(String),
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Self::Invalid(reason)
    }
}

impl From<&str> for Refused {
    fn from(reason: &str) -> Self {
        Self::Invalid(reason.to_owned())
    }
}

/// Rebuilds a token from the record of the file `name`, which must make sense: our
/// format and version, written for this name, a `Bearer` token that is not empty,
/// expiring after now and at most [`MAX_LIFETIME`] (24 h) from now, with a lifetime
/// of at most that too. Every time is checked arithmetic: no value can panic. The
/// error says what is wrong without quoting the file (serde's messages can quote it).
pub(crate) fn decode(name: &str, bytes: &[u8]) -> Result<AccessToken, Refused> {
    // serde's derived structs also read a JSON array as their fields in order.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(Refused::Invalid("it is not a JSON object".to_owned()));
    }
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        Refused::Invalid(format!(
            "it is not a token record ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if header.format != FORMAT {
        return Err("it is not in this cache's format".into());
    }
    if header.v != VERSION {
        return Err(format!(
            "it has version {}, this build reads version {VERSION}",
            header.v
        )
        .into());
    }
    let record: RecordIn = serde_json::from_slice(bytes).map_err(|e| {
        Refused::Invalid(format!(
            "the record is not valid ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if record.key != name {
        return Err("it was written for another file name".into());
    }
    if record.access_token.is_empty() {
        return Err("the record has an empty token".into());
    }
    if !record.token_type.eq_ignore_ascii_case("Bearer") {
        return Err("the record is not a Bearer token".into());
    }
    let lifetime = Duration::from_millis(record.lifetime_ms);
    if lifetime > MAX_LIFETIME {
        return Err("the record has a lifetime over 24 h".into());
    }
    let expires_at = UNIX_EPOCH
        .checked_add(Duration::from_millis(record.expires_at_ms))
        .ok_or(Refused::Invalid(
            "the record's expiry is out of range".to_owned(),
        ))?;
    match expires_at.duration_since(SystemTime::now()) {
        Err(_) => return Err(Refused::Expired),
        Ok(left) if left.is_zero() => return Err(Refused::Expired),
        Ok(left) if left > MAX_LIFETIME => {
            return Err("the record expires more than 24 h from now".into());
        }
        Ok(_) => {}
    }
    Ok(AccessToken::restore(
        record.access_token,
        "Bearer",
        expires_at,
        lifetime,
        record.scopes,
    ))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_core::Freshness;
    use tokio::time::Instant;

    const NAME: &str = "ab12";

    #[test]
    fn records_round_trip() {
        let token = AccessToken::valid_for("tok-abc", Duration::from_secs(3600))
            .with_scopes(vec!["api://x/.default".to_owned()]);
        let json = encode(NAME, &token).unwrap();
        let back = decode(NAME, json.as_bytes()).unwrap();
        assert!(back.same_as(&token));
        assert_eq!(back.token_type(), "Bearer");
        assert_eq!(back.lifetime(), Duration::from_secs(3600));
        assert_eq!(back.scopes(), ["api://x/.default"]);
        let drift = back
            .expires_at_wall()
            .duration_since(token.expires_at_wall())
            .unwrap_or_else(|e| e.duration());
        assert!(drift < Duration::from_millis(2), "{drift:?}");
        assert_eq!(back.freshness(Instant::now()), Freshness::Fresh);
    }

    #[test]
    fn a_record_is_bound_to_its_file_name() {
        let token = AccessToken::valid_for("tok-abc", Duration::from_secs(3600));
        let json = encode(NAME, &token).unwrap();
        let err = decode("cd34", json.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            Refused::Invalid("it was written for another file name".into())
        );
    }

    #[test]
    fn expired_and_non_bearer_tokens_are_not_stored() {
        let old = AccessToken::new(
            "old",
            "Bearer",
            Instant::now(),
            SystemTime::now() - Duration::from_secs(120),
            Duration::from_secs(60),
        );
        assert!(encode(NAME, &old).is_none());
        let mac = AccessToken::new(
            "m",
            "mac",
            Instant::now(),
            SystemTime::now(),
            Duration::from_secs(600),
        );
        assert!(encode(NAME, &mac).is_none());
    }

    fn record(v: &str, expires_at_ms: &str, lifetime_ms: &str, token_type: &str) -> String {
        format!(
            r#"{{"format":"{FORMAT}","v":{v},"key":"{NAME}","access_token":"tok-secret","token_type":"{token_type}","expires_at_ms":{expires_at_ms},"lifetime_ms":{lifetime_ms}}}"#
        )
    }

    #[test]
    fn records_that_make_no_sense_are_refused_without_quoting_them() {
        let now = millis(SystemTime::now().duration_since(UNIX_EPOCH).unwrap());
        let hour = 3_600_000u64;
        let in_an_hour = (now + hour).to_string();
        assert!(decode(
            NAME,
            record("1", &in_an_hour, "3600000", "Bearer").as_bytes()
        )
        .is_ok());
        assert!(decode(
            NAME,
            record("1", &in_an_hour, "3600000", "bEaReR").as_bytes()
        )
        .is_ok());
        let err = decode(
            NAME,
            record("2", &in_an_hour, "3600000", "Bearer").as_bytes(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Refused::Invalid(why) if why.contains("version 2")),
            "{err:?}"
        );
        let err = decode(
            NAME,
            record("1", &(now - 1).to_string(), "3600000", "Bearer").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err, Refused::Expired);
        for expires_at_ms in [
            u64::MAX.to_string(),
            "0".to_owned(),
            (now - 1).to_string(),
            (now + 25 * hour).to_string(),
            "-1".to_owned(),
            "1e300".to_owned(),
            "18446744073709551616".to_owned(),
            "null".to_owned(),
            "\"tok-secret\"".to_owned(),
        ] {
            let err = decode(
                NAME,
                record("1", &expires_at_ms, "3600000", "Bearer").as_bytes(),
            )
            .unwrap_err();
            assert!(!format!("{err:?}").contains("tok-secret"), "{err:?}");
        }
        // A lifetime of exactly 24 h is the longest accepted.
        let json = record("1", &in_an_hour, &(24 * hour).to_string(), "Bearer");
        let token = decode(NAME, json.as_bytes()).unwrap();
        assert_eq!(token.lifetime(), Duration::from_secs(24 * 3600));
        for lifetime_ms in [u64::MAX, 25 * hour, 24 * hour + 1] {
            let json = record("1", &in_an_hour, &lifetime_ms.to_string(), "Bearer");
            assert!(decode(NAME, json.as_bytes()).is_err());
        }
        for token_type in ["mac", "", "Bearer ", "DPoP"] {
            let json = record("1", &in_an_hour, "3600000", token_type);
            assert!(decode(NAME, json.as_bytes()).is_err());
        }
        for foreign in [
            &b""[..],
            b"\xff\xfe garbage",
            b"[1,2,3]",
            br#"["oauth-cache-file/token",1,"ab12","tok-secret","Bearer",99999999999999,1]"#,
            br#"{"access_token":"tok-secret","expires_in":3600}"#,
            br#"{"format":"something-else","v":1}"#,
        ] {
            let err = decode(NAME, foreign).unwrap_err();
            assert!(
                matches!(&err, Refused::Invalid(why) if !why.contains("tok-secret")),
                "{err:?}"
            );
        }
    }
}
