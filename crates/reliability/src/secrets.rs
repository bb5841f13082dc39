//! Credentials made at random for each run, and the spellings a leak could take.
//!
//! Fixed test secrets can hide a leak behind a redaction written for them; random
//! ones, with characters that every encoding changes (`+ / = & " \ %`, a space, a
//! non-ASCII letter), make sure the redaction works on what is actually sent.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use oauth_core::secrecy::SecretString;
use oauth_core::{AccessToken, RetryPolicy, StaticTokenProvider, TokenProvider};
use vendor_core::{ApiClient, ApiClientBuilder};

/// One run's credentials and tokens. Only `client_id` and `username` are not secret.
#[derive(Clone)]
pub struct Secrets {
    /// Application id (not secret, but distinctive).
    pub client_id: String,
    /// User name of the password grant (not secret).
    pub username: String,
    /// Client secret: sent in the token request body or in HTTP Basic.
    pub client_secret: String,
    /// User password: sent in the token request body.
    pub password: String,
    /// APIM subscription key: sent in a header on every API call.
    pub subscription_key: String,
    /// The first access token the test token endpoints hand out (an unsigned JWT).
    pub access_token: String,
    /// A second access token, for refreshes.
    pub refreshed_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A failing assertion that prints a scenario must not print the secrets
        // either: the suite would then "find" its own leak.
        f.debug_struct("Secrets")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn alnum(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n).map(|_| rng.alphanumeric()).collect()
}

fn hex(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.u32(0..16), 16).unwrap_or('0'))
        .collect()
}

/// An unsigned JWT (`alg: none`) with the given claims and a random last segment, so
/// that the whole token is unique to the run.
pub fn jwt(claims: &serde_json::Value, signature: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{signature}",
        b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

impl Secrets {
    /// Secrets drawn from `seed` (the same seed gives the same secrets).
    pub fn generate(seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let run = alnum(&mut rng, 6);
        let claims = |rng: &mut fastrand::Rng| {
            serde_json::json!({
                "aud": "api://reliability",
                "roles": ["get", "post"],
                "tid": "reliability-tenant",
                "appid": format!("rel-app-{run}"),
                "jti": alnum(rng, 12),
            })
        };
        let first = claims(&mut rng);
        let first_sig = format!("sig{}", alnum(&mut rng, 40));
        let second = claims(&mut rng);
        let second_sig = format!("sig{}", alnum(&mut rng, 40));
        Self {
            client_id: format!("rel-app-{run}"),
            username: format!("svc.{run}@reliability.example"),
            client_secret: format!(
                "cs.{}+/={}&q {}\"%~",
                alnum(&mut rng, 14),
                alnum(&mut rng, 6),
                alnum(&mut rng, 6)
            ),
            password: format!(
                "pw_{} \\{}+é{}",
                alnum(&mut rng, 14),
                alnum(&mut rng, 6),
                alnum(&mut rng, 4)
            ),
            subscription_key: hex(&mut rng, 32),
            access_token: jwt(&first, &first_sig),
            refreshed_token: jwt(&second, &second_sig),
        }
    }

    /// Secrets drawn from the clock and the process id: different on every run.
    pub fn random() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Self::generate(nanos ^ (u64::from(std::process::id()) << 32))
    }

    /// A provider that always hands out this run's access token (valid for an hour).
    pub fn token_provider(&self) -> Arc<dyn TokenProvider> {
        Arc::new(StaticTokenProvider::new(AccessToken::valid_for(
            self.access_token.clone(),
            Duration::from_secs(3600),
        )))
    }

    /// An API client builder for `base` sending this run's token and subscription
    /// key: loopback allowed, no retries (callers override what they need).
    pub fn api_builder(&self, base: &str) -> ApiClientBuilder {
        ApiClient::builder()
            .base_url(base)
            .token_provider(self.token_provider())
            .secret_header(
                "Ocp-Apim-Subscription-Key",
                SecretString::from(self.subscription_key.clone()),
            )
            .allow_insecure_loopback(true)
            .retry_policy(RetryPolicy::none())
    }

    /// The secret values, named.
    pub fn values(&self) -> [(&'static str, &str); 5] {
        [
            ("client_secret", &self.client_secret),
            ("password", &self.password),
            ("subscription_key", &self.subscription_key),
            ("access_token", &self.access_token),
            ("refreshed_token", &self.refreshed_token),
        ]
    }

    /// Every spelling of every secret that a leak could take, named
    /// (`client_secret/form`, ...). Spellings shorter than 8 bytes are left out.
    pub fn spellings(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (name, value) in self.values() {
            for (form, text) in spellings_of(value) {
                out.push((format!("{name}/{form}"), text));
            }
        }
        // The random last segment of each JWT on its own: a token cut in two would
        // still show it.
        for (name, token) in [
            ("access_token", &self.access_token),
            ("refreshed_token", &self.refreshed_token),
        ] {
            if let Some(sig) = token.rsplit('.').next() {
                out.push((format!("{name}/signature"), sig.to_owned()));
            }
        }
        // HTTP Basic credentials: both parts form-urlencoded, then Base64 (RFC 6749).
        let basic = format!(
            "{}:{}",
            form_component(&self.client_id),
            form_component(&self.client_secret)
        );
        out.push((
            "client_secret/basic".to_owned(),
            base64::engine::general_purpose::STANDARD.encode(basic),
        ));
        out.retain(|(_, text)| text.len() >= 8);
        out.sort_by(|a, b| a.1.cmp(&b.1));
        out.dedup_by(|a, b| a.1 == b.1);
        out
    }

    /// Every run of `len` characters of the random secrets (client secret, password,
    /// subscription key, the tokens' random last segments), named: a secret cut
    /// short (truncated before it was redacted) still shows one.
    pub fn fragments(&self, len: usize) -> Vec<(String, String)> {
        let mut sources: Vec<(&str, &str)> = vec![
            ("client_secret", &self.client_secret),
            ("password", &self.password),
            ("subscription_key", &self.subscription_key),
        ];
        for (name, token) in [
            ("access_token", &self.access_token),
            ("refreshed_token", &self.refreshed_token),
        ] {
            if let Some(sig) = token.rsplit('.').next() {
                sources.push((name, sig));
            }
        }
        let mut out = Vec::new();
        for (name, value) in sources {
            let chars: Vec<char> = value.chars().collect();
            for (i, window) in chars.windows(len).enumerate() {
                out.push((format!("{name}[{i}..]"), window.iter().collect()));
            }
        }
        out
    }

    /// The names of the fragments of `len` characters found in `text`.
    pub fn fragments_in(&self, text: &str, len: usize) -> Vec<String> {
        self.fragments(len)
            .into_iter()
            .filter(|(_, fragment)| text.contains(fragment.as_str()))
            .map(|(name, _)| name)
            .collect()
    }

    /// The names of the spellings found in `text` (empty: no leak).
    pub fn leaks_in(&self, text: &str) -> Vec<String> {
        self.spellings()
            .into_iter()
            .filter(|(_, spelling)| text.contains(spelling.as_str()))
            .map(|(name, _)| name)
            .collect()
    }
}

/// `value` as is, form-urlencoded (`+` for a space), percent-encoded (`%20`),
/// JSON-escaped, and in Base64 (standard and URL-safe).
pub fn spellings_of(value: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(value).unwrap_or_default();
    vec![
        ("raw", value.to_owned()),
        ("form", form_component(value)),
        ("percent", vendor_core::encode_segment(value)),
        ("json", json.trim_matches('"').to_owned()),
        (
            "base64",
            base64::engine::general_purpose::STANDARD.encode(value),
        ),
        (
            "base64url",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value),
        ),
    ]
}

/// `application/x-www-form-urlencoded` encoding of one value, as a token request
/// sends it.
pub fn form_component(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .unwrap_or_default()
        .trim_start_matches('=')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_differ_and_spellings_differ() {
        let a = Secrets::generate(1);
        let b = Secrets::generate(2);
        assert_ne!(a.client_secret, b.client_secret);
        assert_ne!(a.access_token, b.access_token);
        let names: Vec<String> = a.spellings().into_iter().map(|(n, _)| n).collect();
        for expected in [
            "client_secret/raw",
            "client_secret/form",
            "client_secret/percent",
            "client_secret/json",
            "client_secret/basic",
            "password/json",
            "access_token/signature",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
        }
        assert!(a.leaks_in("nothing here").is_empty());
        assert_eq!(
            a.leaks_in(&format!("x{}y", form_component(&a.password))),
            vec!["password/form".to_owned()]
        );
        assert!(!format!("{a:?}").contains(&a.client_secret));
    }

    #[test]
    fn the_access_token_is_a_valid_header_value_with_claims() {
        let s = Secrets::generate(3);
        assert!(http::HeaderValue::from_str(&s.access_token).is_ok());
        assert!(http::HeaderValue::from_str(&s.subscription_key).is_ok());
        let claims = oauth_core::Claims::decode(&s.access_token);
        assert_eq!(
            claims.map(|c| c.roles),
            Some(vec!["get".into(), "post".into()])
        );
    }
}
