//! Unsigned JWTs, shaped like the access tokens vendors issue, for clients that read
//! claims (roles, scopes) without checking signatures.

use base64::Engine as _;
use serde_json::Value;

/// An unsigned JWT (`alg: none`, signature `sig`) carrying `claims`.
///
/// ```
/// let token = test_support::jwt::unsigned(&serde_json::json!({"roles": ["read"]}));
/// assert_eq!(token.split('.').count(), 3);
/// ```
pub fn unsigned(claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        b64.encode(br#"{"alg":"none"}"#),
        b64.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use oauth_core::Claims;
    use serde_json::json;

    #[test]
    fn claims_read_back() {
        let token = super::unsigned(&json!({"roles": ["a", "b"], "scp": "x y", "tid": "t"}));
        let claims = Claims::decode(&token).unwrap();
        assert_eq!(claims.granted(), ["a", "b", "x", "y"]);
        assert_eq!(claims.tid.as_deref(), Some("t"));
    }
}
