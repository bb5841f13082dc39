//! The Keyavi API: remote payload protection and audit logs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::creds;
use crate::gate::{require_bearer, require_key};
use crate::http::{api_layer, apim_error, apim_not_found, json_response, ApiLayer, Shared};
use crate::jwt::Claims;
use crate::state::AppState;
use crate::{ids, time, Vendor};

/// Magic bytes that start every fake `.IKD` file.
pub(crate) const IKD_MAGIC: &[u8; 4] = b"IKD1";
/// The fake "protection": every input byte XORed with this.
pub(crate) const IKD_XOR: u8 = 0x5a;
/// Number of seeded audit log entries.
pub(crate) const LOG_COUNT: usize = 45;

struct User {
    id: String,
    last_first: &'static str,
    email: &'static str,
    machine: &'static str,
}

struct LogEntry {
    log_id: u64,
    user: usize,
    owner: usize,
    payload: usize,
    action: &'static str,
    result: &'static str,
    reason: &'static str,
    timestamp: String,
    /// The timestamp as (Unix seconds, 100 ns ticks), for `startTime`/`endTime`.
    instant: (i64, u32),
    ip: String,
    mobile: bool,
}

/// Seeded Keyavi data and counters.
pub(crate) struct Data {
    users: Vec<User>,
    payloads: Vec<(String, &'static str)>,
    logs: Vec<LogEntry>,
    protected: AtomicU64,
}

/// Where each user works from: (service provider, "lat,long", address).
const PLACES: &[(&str, &str, &str)] = &[
    (
        "Contoso Fiber",
        "47.6423,-122.1391",
        "1 Contoso Way, Redmond, WA 98052, USA",
    ),
    (
        "Contoso Fiber",
        "47.6101,-122.2015",
        "500 Bellevue Way NE, Bellevue, WA 98004, USA",
    ),
    (
        "Telia",
        "59.3326,18.0649",
        "Drottninggatan 1, 111 51 Stockholm, Sweden",
    ),
    ("", "6.5244,3.3792", "12 Marina Road, Lagos, Nigeria"),
];

const USERS: &[(&str, &str, &str)] = &[
    ("Doe, Jane", "jane.doe@contoso.example", "LAPTOP-JD4821"),
    (
        "Smith, Arjun",
        "arjun.smith@contoso.example",
        "LAPTOP-AS1177",
    ),
    ("Berg, Lina", "lina.berg@fabrikam.example", "DESKTOP-LB0934"),
    (
        "Okafor, Chidi",
        "chidi.okafor@fabrikam.example",
        "IPHONE-CO5512",
    ),
];

const PAYLOADS: &[&str] = &[
    "Q3-forecast.xlsx",
    "board-minutes.docx",
    "design-spec.pdf",
    "payroll-2023-05.csv",
    "contract-acme.pdf",
    "roadmap.pptx",
];

const EVENTS: &[(&str, &str, &str)] = &[
    ("Decrypt", "Success", "UserHasAccess"),
    ("Decrypt", "AccessDenied", "UserPayloadNoAccess"),
    ("Protect", "Success", "PayloadCreated"),
    ("Audit", "RevokeAccess", "OwnerRevokedAccess"),
    ("Share", "Success", "PayloadShared"),
    ("Decrypt", "AccessDenied", "OutsideAllowedLocation"),
    ("Audit", "Success", "AuditViewed"),
];

impl Data {
    pub(crate) fn seed() -> Self {
        let users = USERS
            .iter()
            .map(|(last_first, email, machine)| User {
                id: ids::guid_from(&format!("keyavi/user/{email}")),
                last_first,
                email,
                machine,
            })
            .collect();
        let payloads = PAYLOADS
            .iter()
            .map(|name| (ids::guid_from(&format!("keyavi/payload/{name}")), *name))
            .collect();
        // 2023-05-05T15:54:22.5071276, the timestamp of Keyavi's documented example.
        let base = 1_683_302_062_i64;
        let logs = (0..LOG_COUNT)
            .map(|i| {
                let (action, result, reason) = EVENTS[i % EVENTS.len()];
                let payload = (i * 5) % PAYLOADS.len();
                let instant = (
                    base + (i as i64) * 3917,
                    ((5_071_276 + i * 245_489) % 10_000_000) as u32,
                );
                LogEntry {
                    log_id: 100_000 + i as u64,
                    user: i % USERS.len(),
                    owner: payload % USERS.len(),
                    payload,
                    action,
                    result,
                    reason,
                    timestamp: time::format_keyavi(instant.0, instant.1),
                    instant,
                    ip: format!("10.20.{}.{}", i % USERS.len(), 10 + i),
                    mobile: i % USERS.len() == 3,
                }
            })
            .collect();
        Self {
            users,
            payloads,
            logs,
            protected: AtomicU64::new(0),
        }
    }
}

/// Keyavi routes, relative to `/keyavi/api`.
pub(crate) fn router(app: Shared) -> Router<Shared> {
    Router::new()
        .route("/payloads/protect-remote", post(protect_remote))
        .route("/logs/payload", get(payload_logs))
        .route("/logs/full-payload", get(full_payload_logs))
        .fallback(apim_not_found)
        .layer(from_fn_with_state(
            ApiLayer {
                app,
                vendor: Vendor::Keyavi,
            },
            api_layer,
        ))
}

const CALLER_ID_REQUIRED: &str = "x-api-caller-id header is required for application callers";

fn authorize(app: &AppState, headers: &HeaderMap, role: &str) -> Result<Claims, Response> {
    require_key(headers, &[&app.secrets.keyavi_subscription_key], &[])?;
    let claims = require_bearer(app, headers, Vendor::Keyavi)?;
    if claims.is_app() {
        let caller = headers
            .get("x-api-caller-id")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or_default();
        if caller.is_empty() {
            return Err(apim_error(StatusCode::BAD_REQUEST, CALLER_ID_REQUIRED));
        }
        if !caller.contains('@') {
            return Err(apim_error(
                StatusCode::BAD_REQUEST,
                "x-api-caller-id must be the email address of the user the application acts for",
            ));
        }
        if !claims.has_permission(role) {
            return Err(apim_error(
                StatusCode::FORBIDDEN,
                &format!("The application is not assigned the {role} role."),
            ));
        }
    } else if !claims.has_permission(creds::KEYAVI_USER_SCOPE) {
        return Err(apim_error(
            StatusCode::FORBIDDEN,
            &format!("The token lacks the {} scope.", creds::KEYAVI_USER_SCOPE),
        ));
    }
    Ok(claims)
}

fn bad_request(message: &str) -> Response {
    apim_error(StatusCode::BAD_REQUEST, message)
}

async fn protect_remote(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let claims = match authorize(&app, &headers, "Payloads.Protect") {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request(
            "The request body must be a JSON object with fileName and fileContent.",
        );
    };
    let Some(file_name) = request
        .get("fileName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return bad_request("fileName is required.");
    };
    let Some(content) = request.get("fileContent").and_then(Value::as_str) else {
        return bad_request("fileContent is required (the file's bytes, base64-encoded).");
    };
    let Ok(plain) = STANDARD
        .decode(content.trim())
        .or_else(|_| STANDARD_NO_PAD.decode(content.trim()))
    else {
        return bad_request("fileContent is not valid base64.");
    };
    let mut ikd = Vec::with_capacity(plain.len() + IKD_MAGIC.len());
    ikd.extend_from_slice(IKD_MAGIC);
    ikd.extend(plain.iter().map(|b| b ^ IKD_XOR));
    let sequence = app.keyavi.protected.fetch_add(1, Ordering::Relaxed);
    let (secs, ticks) = time::now_unix_ticks();
    let mut response = json!({
        "payloadId": ids::guid_from(&format!("keyavi/protected/{sequence}/{file_name}")),
        "payloadName": file_name,
        "ownerId": claims.oid,
        "createdOn": time::format_keyavi(secs, ticks),
        "fileContent": STANDARD.encode(&ikd),
    });
    if let Some(policy) = request.get("policyId") {
        response["policyId"] = policy.clone();
    }
    json_response(StatusCode::CREATED, response)
}

async fn payload_logs(
    State(app): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    logs(&app, &query, &headers, false)
}

async fn full_payload_logs(
    State(app): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    logs(&app, &query, &headers, true)
}

fn positive(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, Response> {
    match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| bad_request(&format!("{name} must be an integer between 1 and {max}."))),
    }
}

fn logs(
    app: &AppState,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    full: bool,
) -> Response {
    if let Err(response) = authorize(app, headers, "Logs.Read") {
        return response;
    }
    let page = match positive(query, "page", 1, usize::MAX) {
        Ok(page) => page,
        Err(response) => return response,
    };
    // Ours: Keyavi's own log export asks for 1000 per page.
    let page_size = match positive(query, "pageSize", 20, 1000) {
        Ok(size) => size,
        Err(response) => return response,
    };
    let filter = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let action = filter("actionAttempted");
    let result = filter("result");
    let instant = |name: &str| match filter(name) {
        None => Ok(None),
        Some(text) => parse_instant(text).map(Some).ok_or_else(|| {
            bad_request(&format!(
                "{name} must be a date and time such as 2023-05-05T15:54:22.5071276 (UTC)."
            ))
        }),
    };
    let (start, end) = match (instant("startTime"), instant("endTime")) {
        (Ok(start), Ok(end)) => (start, end),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let sort = match filter("sort").map(parse_sort) {
        None => None,
        Some(Some(sort)) => Some(sort),
        Some(None) => return bad_request(
            "sort must be LogTimestamp or LogId, prefixed with + (ascending) or - (descending).",
        ),
    };
    let data = &app.keyavi;
    let mut matching: Vec<&LogEntry> = data
        .logs
        .iter()
        .filter(|e| action.is_none_or(|a| e.action.eq_ignore_ascii_case(a)))
        .filter(|e| result.is_none_or(|r| e.result.eq_ignore_ascii_case(r)))
        .filter(|e| start.is_none_or(|s| e.instant >= s))
        .filter(|e| end.is_none_or(|t| e.instant <= t))
        .collect();
    if let Some((by_id, descending)) = sort {
        matching.sort_by_key(|e| {
            if by_id {
                (e.log_id as i64, 0)
            } else {
                (e.instant.0, e.instant.1)
            }
        });
        if descending {
            matching.reverse();
        }
    }
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1).saturating_mul(page_size))
        .take(page_size)
        .map(|e| log_item(data, e, full))
        .collect();
    json_response(
        StatusCode::OK,
        json!({
            "pagination": {
                "totalRecords": total,
                "pageSize": page_size,
                "itemsInPage": items.len(),
                "page": page,
            },
            "data": items,
        }),
    )
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fffffff][Z]` as (Unix seconds, 100 ns ticks), UTC.
fn parse_instant(text: &str) -> Option<(i64, u32)> {
    let text = text.trim();
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix('z'))
        .unwrap_or(text);
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if whole.len() != 19 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs = time::parse_plain(whole, 0)?;
    let digits: String = fraction.chars().chain("0000000".chars()).take(7).collect();
    let ticks = digits.parse().ok()?;
    Some((secs, ticks))
}

/// `+Field`, `-Field` or `Field` for `LogTimestamp` or `LogId` (ours), in any case:
/// (by id, descending).
fn parse_sort(text: &str) -> Option<(bool, bool)> {
    let (descending, field) = match text.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let by_id = if field.eq_ignore_ascii_case("LogTimestamp") {
        false
    } else if field.eq_ignore_ascii_case("LogId") {
        true
    } else {
        return None;
    };
    Some((by_id, descending))
}

fn log_item(data: &Data, entry: &LogEntry, full: bool) -> Value {
    let user = &data.users[entry.user];
    let owner = &data.users[entry.owner];
    let (payload_id, payload_name) = &data.payloads[entry.payload];
    let mut item = json!({
        "logId": entry.log_id,
        "userId": user.id,
        "payloadId": payload_id,
        "payloadName": payload_name,
        "currentPayloadOwnerId": owner.id,
        "actionAttempted": entry.action,
        "result": entry.result,
        "resultReason": entry.reason,
        "logTimestamp": entry.timestamp,
        "oId": ids::guid_from(&format!("keyavi/oid/{}", user.email)),
        "oIdProviderName": "AzureAD",
    });
    if full {
        item["userLastNameFirstName"] = json!(user.last_first);
        item["userEmailAddress"] = json!(user.email);
        item["currentOwnerLastNameFirstName"] = json!(owner.last_first);
        item["currentOwnerEmailAddress"] = json!(owner.email);
        let domain = user.email.rsplit('@').next().unwrap_or_default();
        let place = PLACES[entry.user % PLACES.len()];
        item["userNetwork"] = json!({
            "ipAddress": entry.ip,
            "networkName": format!("{}-corp", domain.split('.').next().unwrap_or_default()),
            "networkId": ids::guid_from(&format!("keyavi/network/{domain}")),
            "domainName": domain,
            "deviceType": if entry.mobile { "Mobile" } else { "Desktop" },
            "machineName": user.machine,
            "mac": format!("00-15-5D-{:02X}-{:02X}-{:02X}", entry.user, entry.payload, entry.log_id % 256),
            "uuid": ids::guid_from(&format!("keyavi/device/{}", user.machine)),
            "serviceProvider": place.0,
            "latLong": place.1,
            "address": place.2,
        });
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_as_keyavi_writes_them() {
        assert_eq!(
            parse_instant("2023-05-05T15:54:22.5071276"),
            Some((1_683_302_062, 5_071_276))
        );
        assert_eq!(
            parse_instant("2023-05-05 15:54:22Z"),
            Some((1_683_302_062, 0))
        );
        assert_eq!(
            parse_instant("2023-05-05T15:54:22.5"),
            Some((1_683_302_062, 5_000_000))
        );
        for bad in [
            "2023-05-05",
            "yesterday",
            "2023-05-05T15:54:22.x",
            "2023-05-05T25:00:00",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }

    #[test]
    fn sorts_name_a_field_and_a_direction() {
        assert_eq!(parse_sort("+LogTimestamp"), Some((false, false)));
        assert_eq!(parse_sort("-logtimestamp"), Some((false, true)));
        assert_eq!(parse_sort("LogId"), Some((true, false)));
        assert_eq!(parse_sort("-PayloadName"), None);
    }

    #[test]
    fn seeded_instants_match_their_text() {
        let data = Data::seed();
        for entry in &data.logs {
            assert_eq!(parse_instant(&entry.timestamp), Some(entry.instant));
        }
    }
}
