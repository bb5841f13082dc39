//! Token endpoint mocks: the answers Azure AD and OAuth servers give, and mounting
//! an endpoint that must be asked an exact number of times with an exact form.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::matchers::form_body;

/// Azure AD v2's answer (and most OAuth servers'): a bearer token for 3599 s, numbers
/// as numbers.
pub fn azure_v2_answer(access_token: &str) -> Value {
    json!({
        "token_type": "Bearer",
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    })
}

/// Azure AD v1's answer for `resource`: a bearer token for 3599 s, with every number
/// as a string, as v1 sends them.
///
/// # Panics
///
/// When the system clock is before 1970.
pub fn azure_v1_answer(access_token: &str, resource: &str) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    json!({
        "token_type": "Bearer",
        "expires_in": "3599",
        "ext_expires_in": "3599",
        "expires_on": (now + 3599).to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "access_token": access_token,
    })
}

/// Mounts a token endpoint at `path_` that must be asked exactly `times` times, each
/// with a form-encoded body of exactly `form`, and answers `answer`; `name` names the
/// mock in wiremock's verification failures.
pub async fn mount(
    server: &MockServer,
    path_: &str,
    form: &[(&str, &str)],
    answer: Value,
    times: u64,
    name: &str,
) {
    Mock::given(method("POST"))
        .and(path(path_))
        .and(form_body(form))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(times)
        .named(name)
        .mount(server)
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_answers_carry_numbers_as_strings() {
        let answer = azure_v1_answer("t", "r");
        assert_eq!(answer["expires_in"], "3599");
        assert!(answer["expires_on"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok());
        assert_eq!(answer["resource"], "r");
        assert_eq!(azure_v2_answer("t")["expires_in"], 3599);
    }

    #[tokio::test]
    async fn mounted_endpoint_answers_the_exact_form() {
        let server = MockServer::start().await;
        mount(
            &server,
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", "c")],
            azure_v2_answer("t"),
            1,
            "token endpoint",
        )
        .await;
        let http = reqwest::Client::new();
        let url = format!("{}/token", server.uri());
        let other = http
            .post(&url)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404);
        let answer: Value = http
            .post(&url)
            .form(&[("client_id", "c"), ("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["access_token"], "t");
    }
}
