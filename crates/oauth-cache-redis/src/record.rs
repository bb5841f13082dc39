//! The JSON record of a token stored in Redis, and the checks a record read back
//! must pass: whoever can write to Redis can write any record.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::token::MAX_LIFETIME;
use oauth_core::AccessToken;
use serde::{Deserialize, Serialize};

const VERSION: u8 = 1;

/// The largest value read from Redis (16 KiB): a larger one is ignored without being
/// transferred, and a token whose stored value would be larger is not shared. A
/// 12 KiB token fits, encrypted; longer ones exceed what HTTP servers take in a header.
pub(crate) const MAX_VALUE_BYTES: usize = 16 * 1024;

/// What is written. Deliberately not `Debug`: it holds the token.
#[derive(Serialize)]
struct RecordOut<'a> {
    v: u8,
    access_token: &'a str,
    token_type: &'a str,
    /// Wall-clock expiry, milliseconds since the Unix epoch.
    expires_at_ms: u64,
    /// The lifetime the token was issued with, in milliseconds.
    lifetime_ms: u64,
    scopes: &'a [String],
}

/// What is read back. Deliberately not `Debug`: it holds the token.
#[derive(Deserialize)]
struct RecordIn {
    v: u8,
    access_token: String,
    token_type: String,
    expires_at_ms: u64,
    lifetime_ms: u64,
    #[serde(default)]
    scopes: Vec<String>,
}

/// The record of `token` and how long it should live in Redis (its remaining life on
/// the wall clock); `None` once it has expired.
pub(crate) fn encode(token: &AccessToken) -> Option<(String, Duration)> {
    let expires_at = token.expires_at_wall();
    let remaining = expires_at.duration_since(SystemTime::now()).ok()?;
    if remaining < Duration::from_millis(1) {
        return None;
    }
    let record = RecordOut {
        v: VERSION,
        access_token: token.secret(),
        token_type: token.token_type(),
        expires_at_ms: millis(expires_at.duration_since(UNIX_EPOCH).ok()?),
        lifetime_ms: millis(token.lifetime()),
        scopes: token.scopes(),
    };
    let json = serde_json::to_string(&record).ok()?;
    Some((json, remaining))
}

/// Rebuilds a token from its record, which must make sense: a `Bearer` token that is
/// not empty, expiring after now and at most [`MAX_LIFETIME`] (24 h) from now, with
/// a lifetime of at most that too. Every time is checked arithmetic: no value of
/// `expires_at_ms` can panic, on any platform. The error says what is wrong without
/// quoting the value (serde's messages can quote it).
pub(crate) fn decode(json: &str) -> Result<AccessToken, String> {
    let record: RecordIn = serde_json::from_str(json).map_err(|e| {
        format!(
            "the stored record is not valid ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if record.v != VERSION {
        return Err(format!(
            "the stored record has version {}, this build reads version {VERSION}",
            record.v
        ));
    }
    if record.access_token.is_empty() {
        return Err("the stored record has an empty token".to_owned());
    }
    if !record.token_type.eq_ignore_ascii_case("Bearer") {
        return Err("the stored record is not a Bearer token".to_owned());
    }
    let lifetime = Duration::from_millis(record.lifetime_ms);
    if lifetime > MAX_LIFETIME {
        return Err("the stored record has a lifetime over 24 h".to_owned());
    }
    let expires_at = UNIX_EPOCH
        .checked_add(Duration::from_millis(record.expires_at_ms))
        .ok_or("the stored record's expiry is out of range")?;
    let now = SystemTime::now();
    match expires_at.duration_since(now) {
        Err(_) => return Err("the stored record has expired".to_owned()),
        Ok(left) if left.is_zero() => return Err("the stored record has expired".to_owned()),
        Ok(left) if left > MAX_LIFETIME => {
            return Err("the stored record expires more than 24 h from now".to_owned());
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

    #[test]
    fn records_round_trip() {
        let token = AccessToken::valid_for("tok-abc", Duration::from_secs(3600))
            .with_scopes(vec!["api://x/.default".to_owned()]);
        let (json, ttl) = encode(&token).unwrap();
        assert!(ttl > Duration::from_secs(3590) && ttl <= Duration::from_secs(3600));
        let back = decode(&json).unwrap();
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
    fn expired_tokens_are_not_stored() {
        let token = AccessToken::new(
            "old",
            "Bearer",
            Instant::now(),
            SystemTime::now() - Duration::from_secs(120),
            Duration::from_secs(60),
        );
        assert!(encode(&token).is_none());
    }

    #[test]
    fn bad_records_are_refused_without_quoting_them() {
        let err = decode(r#"{"v":1,"access_token":"secret-tok","token_type":7}"#).unwrap_err();
        assert!(!err.contains("secret-tok"), "{err}");
        let err = decode(
            r#"{"v":9,"access_token":"t","token_type":"Bearer","expires_at_ms":1,"lifetime_ms":1}"#,
        )
        .unwrap_err();
        assert!(err.contains("version 9"), "{err}");
    }

    fn record(expires_at_ms: &str, lifetime_ms: &str, token_type: &str) -> String {
        format!(
            r#"{{"v":1,"access_token":"t","token_type":"{token_type}","expires_at_ms":{expires_at_ms},"lifetime_ms":{lifetime_ms}}}"#
        )
    }

    #[test]
    fn records_that_make_no_sense_are_refused_without_panicking() {
        let now = millis(SystemTime::now().duration_since(UNIX_EPOCH).unwrap());
        let hour = 3_600_000u64;
        let in_an_hour = (now + hour).to_string();
        assert!(decode(&record(&in_an_hour, "3600000", "Bearer")).is_ok());
        assert!(decode(&record(&in_an_hour, "3600000", "bEaReR")).is_ok());
        assert!(decode(&record(&in_an_hour, "0", "Bearer")).is_ok());
        for expires_at_ms in [
            u64::MAX.to_string(),
            (u64::MAX / 2).to_string(),
            "0".to_owned(),
            "1".to_owned(),
            (now - 1).to_string(),
            (now + 25 * hour).to_string(),
            "-1".to_owned(),
            i64::MIN.to_string(),
            "1e300".to_owned(),
            "18446744073709551616".to_owned(),
            "null".to_owned(),
        ] {
            let err = decode(&record(&expires_at_ms, "3600000", "Bearer")).unwrap_err();
            assert!(!err.contains("\"t\""), "{err}");
        }
        // A lifetime of exactly 24 h is allowed, a millisecond more is not.
        assert!(decode(&record(&in_an_hour, &(24 * hour).to_string(), "Bearer")).is_ok());
        assert!(decode(&record(&in_an_hour, &(24 * hour + 1).to_string(), "Bearer")).is_err());
        for lifetime_ms in [u64::MAX, 25 * hour] {
            assert!(decode(&record(&in_an_hour, &lifetime_ms.to_string(), "Bearer")).is_err());
        }
        for token_type in ["mac", "", "Bearer ", "Bearer x", "DPoP"] {
            let err = decode(&record(&in_an_hour, "3600000", token_type)).unwrap_err();
            assert!(err.contains("Bearer"), "{err}");
        }
    }
}
