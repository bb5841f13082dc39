//! The Kazi Identifying API's "Create a talent scan": the documented body, echoed
//! with the scan's new `id`, the calling client's `clientId` and `createdOn`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Map, Value};

use super::{authorize, validation_error};
use crate::http::{json_response, RequestId, Shared};
use crate::time;

/// Where the sandbox serves "Create a talent scan" (ours: the docs give no URL).
pub(crate) const CREATE_TALENT_SCAN_PATH: &str = "/identifying/v2/talentscans";

const TEXT_FIELDS: &[&str] = &[
    "atsClientId",
    "email",
    "externalRef",
    "firstName",
    "lastName",
    "nationality",
    "phone",
];
const ID_LISTS: &[&str] = &["clusterIds", "domainIds", "schoolIds"];

/// `POST /identifying/v2/talentscans` (path ours), scope `write:talentscans`.
pub(crate) async fn create_talent_scan(
    State(app): State<Shared>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let claims = match authorize(&app, &headers, "write:talentscans") {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let client_id = claims.appid.or(claims.azp).unwrap_or_default();
    match create(
        &body,
        &app.fresh_guid(),
        &client_id,
        time::now_unix(),
        &request_id.0,
    ) {
        Ok(response) | Err(response) => response,
    }
}

/// Checks the body (the documented fields and their types) and answers the scan.
fn create(
    body: &[u8],
    id: &str,
    client_id: &str,
    now: i64,
    trace_id: &str,
) -> Result<Response, Response> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(validation_error(
            "body",
            "A JSON object with the talent scan's details is required.",
            trace_id,
        ));
    };
    let mut scan = Map::new();
    scan.insert("clientId".to_owned(), json!(client_id));
    scan.insert("createdOn".to_owned(), json!(time::format_rfc3339(now)));
    scan.insert("id".to_owned(), json!(id));
    for name in TEXT_FIELDS {
        match fields.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                if *name == "email" && !s.contains('@') {
                    return Err(validation_error(
                        name,
                        &format!("'{s}' is not a valid e-mail address."),
                        trace_id,
                    ));
                }
                scan.insert((*name).to_owned(), json!(s));
            }
            Some(other) => {
                return Err(validation_error(
                    name,
                    &format!("The value {other} is not valid for {name}; expected a string."),
                    trace_id,
                ))
            }
        }
    }
    for name in ID_LISTS {
        let ids = match fields.get(*name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items.clone(),
            Some(other) => {
                return Err(validation_error(
                    name,
                    &format!("The value {other} is not valid for {name}; expected a list of ids."),
                    trace_id,
                ))
            }
        };
        scan.insert((*name).to_owned(), Value::Array(ids));
    }
    Ok(json_response(StatusCode::CREATED, Value::Object(scan)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn call(body: &str) -> (StatusCode, Value) {
        let response = match create(body.as_bytes(), "new-id", "client-1", 1_714_979_289, "t") {
            Ok(r) | Err(r) => r,
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn the_body_is_echoed_with_id_client_and_time() {
        let (status, scan) = call(
            r#"{"firstName":"Lena","lastName":"Peeters","email":"lena@example.org",
                "domainIds":["d1"],"phone":null,"unknown":1}"#,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(scan["id"], "new-id");
        assert_eq!(scan["clientId"], "client-1");
        assert_eq!(scan["createdOn"], "2024-05-06T07:08:09Z");
        assert_eq!(scan["firstName"], "Lena");
        assert_eq!(scan["domainIds"], json!(["d1"]));
        assert_eq!(scan["schoolIds"], json!([]));
        assert!(scan.get("phone").is_none() && scan.get("unknown").is_none());
    }

    #[tokio::test]
    async fn malformed_bodies_are_400_naming_the_field() {
        for (body, field) in [
            ("[]", "body"),
            ("not json", "body"),
            (r#"{"email":"no-at-sign"}"#, "email"),
            (r#"{"firstName":7}"#, "firstName"),
            (r#"{"domainIds":"d1"}"#, "domainIds"),
        ] {
            let (status, answer) = call(body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(answer["errors"].get(field).is_some(), "{body}: {answer}");
        }
    }
}
