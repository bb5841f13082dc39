//! The Kazi tagging API: expectations and talent-scan job matches; the
//! Administrator API's job and talent scans of an account ([`admin`]); the
//! Identifying API's talent scan creation ([`identifying`]).

mod admin;
mod identifying;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};

use crate::gate::{require_bearer, require_key};
use crate::http::{
    api_layer, apim_error, apim_not_found, json_response, ApiLayer, RequestId, Shared,
};
use crate::jwt::Claims;
use crate::state::AppState;
use crate::{ids, Vendor};

const WORK_VALUE: u8 = 1;
const TEAM_ROLE: u8 = 2;

struct Expectation {
    id: String,
    name: &'static str,
    type_id: u8,
    description: &'static str,
}

struct MatchedExpectation {
    index: usize,
    score: f64,
    delta: f64,
}

struct JobMatch {
    id: String,
    title: &'static str,
    employer: &'static str,
    score: f64,
    subtotal_team_roles: f64,
    subtotal_work_values: f64,
    created: i64,
    expectations: Vec<MatchedExpectation>,
}

/// Seeded Kazi data.
pub(crate) struct Data {
    expectations: Vec<Expectation>,
    talent_scan_id: String,
    matches: Vec<JobMatch>,
    /// The known account's job scans, one per job of `matches`.
    job_scans: Vec<admin::AccountJobScan>,
    /// The known account's talent scans, the known talent scan first.
    talent_scans: Vec<admin::AccountTalentScan>,
}

const EXPECTATIONS: &[(&str, u8, &str)] = &[
    (
        "Autonomy",
        WORK_VALUE,
        "Deciding for yourself how and when the work gets done.",
    ),
    (
        "Challenge",
        WORK_VALUE,
        "Work that stretches your skills and keeps you learning.",
    ),
    (
        "Creativity",
        WORK_VALUE,
        "Room to come up with new ideas and original solutions.",
    ),
    (
        "Security",
        WORK_VALUE,
        "A stable job, income and predictable future.",
    ),
    (
        "Recognition",
        WORK_VALUE,
        "Being seen and appreciated for the results you deliver.",
    ),
    (
        "Work-life balance",
        WORK_VALUE,
        "Work that leaves room for life outside it.",
    ),
    (
        "Innovator",
        TEAM_ROLE,
        "Brings new ideas and looks at problems from new angles.",
    ),
    (
        "Coordinator",
        TEAM_ROLE,
        "Clarifies goals, delegates and keeps the team aligned.",
    ),
    (
        "Executor",
        TEAM_ROLE,
        "Turns plans into concrete, well-organised action.",
    ),
    (
        "Analyst",
        TEAM_ROLE,
        "Weighs options soberly and spots the flaws in a plan.",
    ),
    (
        "Networker",
        TEAM_ROLE,
        "Finds resources and contacts outside the team.",
    ),
    (
        "Supporter",
        TEAM_ROLE,
        "Keeps the team together and resolves friction.",
    ),
];

const TITLES: &[&str] = &[
    "Software Engineer",
    "Data Analyst",
    "Project Manager",
    "UX Designer",
    "Sales Representative",
    "HR Business Partner",
    "Financial Controller",
    "Marketing Specialist",
    "Customer Success Manager",
    "DevOps Engineer",
    "Product Owner",
    "Logistics Coordinator",
    "Nurse",
    "Teacher",
    "Electrician",
];

const EMPLOYERS: &[&str] = &[
    "Acme Logistics",
    "Brightwave",
    "Cobalt Health",
    "Delta Retail",
    "Evergreen Energy",
    "Fjord Analytics",
    "Granite Bank",
    "Helix Labs",
    "Ion Mobility",
];

/// Number of seeded matches for the known talent scan.
pub(crate) const MATCH_COUNT: usize = 45;

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl Data {
    pub(crate) fn seed() -> Self {
        let expectations = EXPECTATIONS
            .iter()
            .map(|(name, type_id, description)| Expectation {
                id: ids::guid_from(&format!("kazi/expectation/{name}")),
                name,
                type_id: *type_id,
                description,
            })
            .collect();
        let mut rng = fastrand::Rng::with_seed(0x4b61_7a69);
        // 2023-01-02T08:00:00Z
        let base_created = 1_672_646_400;
        let matches = (0..MATCH_COUNT)
            .map(|i| {
                let title = TITLES[i % TITLES.len()];
                let employer = EMPLOYERS[(i * 4 + i / TITLES.len()) % EMPLOYERS.len()];
                let subtotal_work_values = f64::from(rng.u32(300..=990)) / 10.0;
                let subtotal_team_roles = f64::from(rng.u32(300..=990)) / 10.0;
                let work_values = [rng.usize(0..6), rng.usize(0..6)];
                let team_roles = [6 + rng.usize(0..6), 6 + rng.usize(0..6)];
                let mut picked: Vec<usize> = work_values.into_iter().chain(team_roles).collect();
                picked.dedup();
                let expectations = picked
                    .into_iter()
                    .map(|index| MatchedExpectation {
                        index,
                        score: f64::from(rng.u32(100..=1000)) / 10.0,
                        delta: f64::from(rng.i32(-30..=30)) / 10.0,
                    })
                    .collect();
                JobMatch {
                    id: ids::guid_from(&format!("kazi/jobscan/{i}")),
                    title,
                    employer,
                    score: one_decimal((subtotal_work_values + subtotal_team_roles) / 2.0),
                    subtotal_team_roles,
                    subtotal_work_values,
                    created: base_created + i64::from(rng.u32(0..86_400)) + (i as i64) * 259_200,
                    expectations,
                }
            })
            .collect();
        let types: Vec<u8> = EXPECTATIONS.iter().map(|(_, t, _)| *t).collect();
        let job_scans = admin::seed(MATCH_COUNT, &types, &mut rng);
        let talent_scan_id = ids::guid_from("kazi/talentscan/known");
        let talent_scans = admin::seed_talents(&talent_scan_id, &types, &mut rng);
        Self {
            expectations,
            talent_scan_id,
            matches,
            job_scans,
            talent_scans,
        }
    }

    /// Id of the talent scan with seeded matches.
    pub(crate) fn known_talent_scan_id(&self) -> &str {
        &self.talent_scan_id
    }
}

/// Kazi routes, relative to `/kazi`.
pub(crate) fn router(app: Shared) -> Router<Shared> {
    Router::new()
        .route("/tagging/v2/expectations", get(list_expectations))
        .route(
            "/tagging/v2/bulk/talentscans/{id}/matches",
            get(talent_scan_matches),
        )
        .route(admin::JOB_SCANS_PATH, get(admin::job_scans_for_account))
        .route(
            admin::TALENT_SCANS_PATH,
            get(admin::talent_scans_for_account),
        )
        .route(
            identifying::CREATE_TALENT_SCAN_PATH,
            post(identifying::create_talent_scan),
        )
        .fallback(apim_not_found)
        .layer(from_fn_with_state(
            ApiLayer {
                app,
                vendor: Vendor::Kazi,
            },
            api_layer,
        ))
}

fn authorize(app: &AppState, headers: &HeaderMap, scope: &str) -> Result<Claims, Response> {
    require_key(headers, &[&app.secrets.kazi_subscription_key], &[])?;
    let claims = require_bearer(app, headers, Vendor::Kazi)?;
    if !claims.has_permission(scope) {
        return Err(apim_error(
            StatusCode::UNAUTHORIZED,
            &format!("Missing required scope {scope}"),
        ));
    }
    Ok(claims)
}

/// An ASP.NET-style problem document (the Kazi backend's error shape, ours).
fn problem(status: StatusCode, title: &str, detail: Value, trace_id: &str) -> Response {
    let mut body = json!({
        "type": format!("https://tools.ietf.org/html/rfc9110#section-15.5.{}", match status {
            StatusCode::NOT_FOUND => 5,
            _ => 1,
        }),
        "title": title,
        "status": status.as_u16(),
        "traceId": trace_id,
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), detail) {
        body.extend(extra);
    }
    let mut response = json_response(status, body);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

fn validation_error(field: &str, message: &str, trace_id: &str) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "One or more validation errors occurred.",
        json!({ "errors": { field: [message] } }),
        trace_id,
    )
}

async fn list_expectations(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(response) = authorize(&app, &headers, "read:expectations") {
        return response;
    }
    let body: Vec<Value> = app
        .kazi
        .expectations
        .iter()
        .map(|e| {
            json!({
                "expectationId": e.id,
                "expectationName": e.name,
                "expectationTypeId": e.type_id,
                "expectationTypeName": type_name(e.type_id),
                "description": e.description,
            })
        })
        .collect();
    json_response(StatusCode::OK, Value::Array(body))
}

fn type_name(type_id: u8) -> &'static str {
    if type_id == WORK_VALUE {
        "Work value"
    } else {
        "Team role"
    }
}

fn parse_bounded(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
    trace_id: &str,
) -> Result<usize, Response> {
    match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|v| range.contains(v))
            .ok_or_else(|| {
                validation_error(
                    name,
                    &format!(
                        "The value '{text}' is not valid for {name}; expected an integer between {} and {}.",
                        range.start(),
                        range.end()
                    ),
                    trace_id,
                )
            }),
    }
}

async fn talent_scan_matches(
    State(app): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, "read:talentscans") {
        return response;
    }
    match matches_page(&app.kazi, &id, &query, &request_id.0) {
        Ok(response) | Err(response) => response,
    }
}

fn matches_page(
    data: &Data,
    id: &str,
    query: &HashMap<String, String>,
    trace_id: &str,
) -> Result<Response, Response> {
    if !id.eq_ignore_ascii_case(&data.talent_scan_id) {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            json!({ "detail": format!("Talent scan '{id}' was not found.") }),
            trace_id,
        ));
    }
    let page = parse_bounded(query, "page", 1, 1..=usize::MAX, trace_id)?;
    let page_size = parse_bounded(query, "pageSize", 20, 1..=100, trace_id)?;
    let sort = query
        .get("sort")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or("-match");
    let (descending, key) = match sort.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, sort.strip_prefix('+').unwrap_or(sort)),
    };
    let sort_key: fn(&JobMatch) -> f64 = match key {
        "match" => |m| m.score,
        "work-value" => |m| m.subtotal_work_values,
        "team-role" => |m| m.subtotal_team_roles,
        "created" => |m| m.created as f64,
        _ => {
            return Err(validation_error(
                "sort",
                &format!(
                    "The value '{sort}' is not valid for sort; expected match, work-value, team-role or created, optionally prefixed with '-'."
                ),
                trace_id,
            ))
        }
    };
    let search = query
        .get("search")
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let mut rows: Vec<&JobMatch> = data
        .matches
        .iter()
        .filter(|m| {
            search.as_deref().is_none_or(|needle| {
                m.title.to_lowercase().contains(needle)
                    || m.employer.to_lowercase().contains(needle)
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let ordering = sort_key(a).total_cmp(&sort_key(b));
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let total = rows.len();
    let pages = total.div_ceil(page_size);
    let start = (page - 1).saturating_mul(page_size);
    let on_page: Vec<&JobMatch> = rows.into_iter().skip(start).take(page_size).collect();
    let (first_row, last_row) = if on_page.is_empty() {
        (0, 0)
    } else {
        (start + 1, start + on_page.len())
    };
    let matches: Vec<Value> = on_page
        .iter()
        .map(|m| {
            json!({
                "jobScan": { "id": m.id, "title": m.title, "employer": m.employer },
                "match": m.score,
                "subtotalTeamRoles": m.subtotal_team_roles,
                "subtotalWorkValues": m.subtotal_work_values,
                "expectations": m.expectations.iter().map(|e| {
                    let expectation = &data.expectations[e.index];
                    json!({
                        "expectationId": expectation.id,
                        "expectationName": expectation.name,
                        "match": e.score,
                        "delta": e.delta,
                        "expectationTypeId": expectation.type_id,
                        "expectationTypeName": type_name(expectation.type_id),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "talentScan": {
                "id": data.talent_scan_id,
                "firstName": "Sam",
                "lastName": "Sandbox",
            },
            "matches": matches,
            "pagination": {
                "currentPage": page,
                "amountOfPages": pages,
                "pageSize": page_size,
                "totalAmount": total,
                "firstRowOnPage": first_row,
                "lastRowOnPage": last_row,
            },
        }),
    ))
}
