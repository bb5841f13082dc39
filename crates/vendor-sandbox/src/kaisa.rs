//! The Kaisa (Freespee) REST API: ping, customers (list, one, create, update), sources
//! (paged list, create, service statuses), outgoing CDR statistics and recordings.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;

use crate::gate::require_bearer;
use crate::http::{api_layer, json_response, ApiLayer, Shared};
use crate::state::AppState;
use crate::{ids, time, Vendor};

mod customer_resources;

/// Number of seeded outgoing CDRs.
pub(crate) const CDR_COUNT: usize = 2500;
const MAX_PAGE_SIZE: usize = 1000;
const MAX_NAME: usize = 60;
const MAX_CUSTNR: usize = 45;

#[derive(Debug, Clone, Serialize)]
struct Customer {
    customer_id: String,
    name: String,
    custnr: String,
    corporateid: String,
    email: String,
    uuid: String,
    receive_monthly_report: String,
    freespee_caller_id: String,
    dncs_class_name: String,
}

#[derive(Debug, Clone, Serialize)]
struct Source {
    source_id: String,
    name: String,
    email: String,
    smsnumber: String,
    media: String,
    customer_id: String,
    campaign_id: String,
    phonenr: String,
    destnr: String,
    timestamp: String,
    expire: String,
    created: String,
    modified: String,
    class: String,
    status: String,
    vm_greeting_id: String,
    notify_on_missed_call: String,
    alt_numbers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Cdr {
    cdr_id: String,
    start: String,
    duration: String,
    anum: String,
    anum_md5: String,
    bnum: String,
    cnum: String,
    customer_id: String,
    source_id: String,
    custnr: String,
    answered: String,
    quarantined: String,
    #[serde(skip)]
    start_unix: i64,
}

#[derive(Debug, Clone, Serialize)]
struct Recording {
    recording_id: String,
    customer_id: String,
    cdr_id: String,
    timestamp: String,
    expired: String,
    datalength: String,
}

struct Customers {
    list: Vec<Customer>,
    next_id: u64,
}

struct Sources {
    list: Vec<Source>,
    next_id: u64,
}

/// Seeded Kaisa data; customers can be created and updated, sources created.
pub(crate) struct Data {
    customers: Mutex<Customers>,
    sources: Mutex<Sources>,
    cdrs: Vec<Cdr>,
    recordings: Vec<Recording>,
    resources: customer_resources::Resources,
}

/// Number of seeded recordings (of the first answered calls).
pub(crate) const RECORDING_COUNT: usize = 12;

/// The sound of a sandbox recording: a few bytes standing in for an MP3, named by id.
fn recording_sound(recording_id: &str) -> Vec<u8> {
    let mut sound = b"ID3\x04\x00sandbox-recording-".to_vec();
    sound.extend_from_slice(recording_id.as_bytes());
    sound
}

const CUSTOMERS: &[(&str, &str, &str, &str)] = &[
    (
        "Acme Rörservice AB",
        "ACME-001",
        "556677-8899",
        "ekonomi@acme-ror.example",
    ),
    (
        "Brightwave Media",
        "BW-2040",
        "559012-3456",
        "billing@brightwave.example",
    ),
    (
        "Cobalt Tandvård",
        "COB-77",
        "556123-9876",
        "info@cobalt-tand.example",
    ),
];

// (name, customer index, status, class, media)
const SOURCES: &[(&str, usize, &str, &str, &str)] = &[
    ("Google Ads - Search", 0, "active", "static", "Google Ads"),
    ("Website header", 0, "active", "dynamic", "Website"),
    ("Spring campaign flyer", 1, "upcoming", "static", "Print"),
    ("Radio spot P4", 1, "quarantined", "static", "Radio"),
    ("Yellow pages 2023", 2, "archived", "static", "Directory"),
];

fn customer_uuid(id: &str) -> String {
    ids::guid_from(&format!("kaisa/customer/{id}"))
}

impl Data {
    pub(crate) fn seed() -> Self {
        let customers: Vec<Customer> = CUSTOMERS
            .iter()
            .enumerate()
            .map(|(i, (name, custnr, corporateid, email))| {
                let customer_id = (407_382 + i).to_string();
                Customer {
                    uuid: customer_uuid(&customer_id),
                    customer_id,
                    name: (*name).to_owned(),
                    custnr: (*custnr).to_owned(),
                    corporateid: (*corporateid).to_owned(),
                    email: (*email).to_owned(),
                    receive_monthly_report: (i % 3).to_string(),
                    freespee_caller_id: format!("4681234560{i}"),
                    dncs_class_name: "default".to_owned(),
                }
            })
            .collect();
        // 2023-09-01 08:00:00 UTC
        let created = 1_693_555_200;
        let sources: Vec<Source> = SOURCES
            .iter()
            .enumerate()
            .map(|(i, (name, customer, status, class, media))| {
                let created = created + (i as i64) * 86_400 * 9;
                Source {
                    source_id: (5_501_001 + i).to_string(),
                    name: (*name).to_owned(),
                    email: customers[*customer].email.clone(),
                    smsnumber: String::new(),
                    media: (*media).to_owned(),
                    customer_id: customers[*customer].customer_id.clone(),
                    campaign_id: (9001 + i % 2).to_string(),
                    phonenr: format!("4610123450{i}"),
                    destnr: format!("468765432{}", customer),
                    timestamp: time::format_plain(created + 3600),
                    expire: if *status == "archived" {
                        time::format_plain(created + 86_400 * 365)
                    } else {
                        String::new()
                    },
                    created: time::format_plain(created),
                    modified: time::format_plain(created + 3600),
                    class: (*class).to_owned(),
                    status: (*status).to_owned(),
                    vm_greeting_id: "0".to_owned(),
                    notify_on_missed_call: "0".to_owned(),
                    alt_numbers: Vec::new(),
                }
            })
            .collect();
        let calling_sources: Vec<&Source> =
            sources.iter().filter(|s| s.status != "upcoming").collect();
        let mut rng = fastrand::Rng::with_seed(0x4b61_6973);
        // 2024-03-01 00:00:00 UTC
        let base = 1_709_251_200_i64;
        let cdrs: Vec<Cdr> = (0..CDR_COUNT)
            .map(|i| {
                let source = calling_sources[i % calling_sources.len()];
                let customer = customers
                    .iter()
                    .find(|c| c.customer_id == source.customer_id);
                let start = base + (i as i64) * 997 + i64::from(rng.u32(0..600));
                let answered = rng.u8(0..100) < 85;
                let hidden = rng.u32(0..100_000);
                let tail = rng.u32(0..100);
                Cdr {
                    cdr_id: (7_000_001 + i).to_string(),
                    start: time::format_plain(start),
                    duration: if answered {
                        rng.u32(5..900).to_string()
                    } else {
                        "0".to_owned()
                    },
                    anum: format!("4670XXXXX{tail:02}"),
                    anum_md5: ids::digest32(&format!("4670{hidden:05}{tail:02}")),
                    bnum: source.phonenr.clone(),
                    cnum: source.destnr.clone(),
                    customer_id: source.customer_id.clone(),
                    source_id: source.source_id.clone(),
                    custnr: customer.map(|c| c.custnr.clone()).unwrap_or_default(),
                    answered: if answered { "1" } else { "0" }.to_owned(),
                    quarantined: if source.status == "quarantined" {
                        "1"
                    } else {
                        "0"
                    }
                    .to_owned(),
                    start_unix: start,
                }
            })
            .collect();
        // The first answered calls of the first two customers were recorded; the
        // oldest two recordings have expired.
        let recordings: Vec<Recording> = cdrs
            .iter()
            .filter(|c: &&Cdr| c.answered == "1" && c.customer_id != customers[2].customer_id)
            .take(RECORDING_COUNT)
            .enumerate()
            .map(|(i, c)| {
                let recording_id = (3_100_001 + i).to_string();
                Recording {
                    datalength: recording_sound(&recording_id).len().to_string(),
                    recording_id,
                    customer_id: c.customer_id.clone(),
                    cdr_id: c.cdr_id.clone(),
                    timestamp: c.start.clone(),
                    expired: if i < 2 { "1" } else { "0" }.to_owned(),
                }
            })
            .collect();
        let next_source = 5_501_001 + sources.len() as u64;
        let resources = customer_resources::Resources::seed(
            &customers
                .iter()
                .map(|c| c.customer_id.clone())
                .collect::<Vec<_>>(),
            &sources
                .iter()
                .map(|s| {
                    (
                        s.source_id.clone(),
                        s.customer_id.clone(),
                        s.campaign_id.clone(),
                    )
                })
                .collect::<Vec<_>>(),
        );
        Self {
            customers: Mutex::new(Customers {
                list: customers,
                next_id: 407_382 + CUSTOMERS.len() as u64,
            }),
            sources: Mutex::new(Sources {
                list: sources,
                next_id: next_source,
            }),
            cdrs,
            recordings,
            resources,
        }
    }

    fn with_customers<T>(&self, f: impl FnOnce(&mut Customers) -> T) -> T {
        f(&mut self
            .customers
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    fn has_customer(&self, id: &str) -> bool {
        self.with_customers(|c| c.list.iter().any(|c| c.customer_id == id))
    }

    fn with_sources<T>(&self, f: impl FnOnce(&mut Sources) -> T) -> T {
        f(&mut self.sources.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Kaisa routes, relative to `/kaisa`.
pub(crate) fn router(app: Shared) -> Router<Shared> {
    customer_resources::routes(Router::new())
        .route("/{version}/miscellaneous/ping", get(ping))
        .route(
            "/{version}/customers",
            get(list_customers).post(create_customer),
        )
        .route(
            "/{version}/customers/{id}",
            get(get_customer).put(update_customer),
        )
        .route("/{version}/sources", get(list_sources).post(create_source))
        .route("/{version}/sources/statuses", get(source_statuses))
        .route("/{version}/statistics/cdrs/out", get(outgoing_cdrs))
        .route("/{version}/recordings", get(list_recordings))
        .fallback(not_found)
        .layer(from_fn_with_state(
            ApiLayer {
                app,
                vendor: Vendor::Kaisa,
            },
            api_layer,
        ))
}

/// Kaisa error body (ours: the vendor does not document one).
fn error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        json!({ "error": { "code": status.as_u16(), "message": message } }),
    )
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Unknown resource")
}

/// A dotted version (`2.4.9`, `2`) or `vN`.
fn valid_version(version: &str) -> bool {
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match version.strip_prefix(['v', 'V']) {
        Some(number) => numeric(number),
        None => version.split('.').all(numeric),
    }
}

fn authorize(app: &AppState, headers: &HeaderMap, version: &str) -> Result<(), Response> {
    if !valid_version(version) {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("Unknown API version '{version}'"),
        ));
    }
    require_bearer(app, headers, Vendor::Kaisa).map(|_| ())
}

async fn ping(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    json_response(StatusCode::OK, json!({ "ping": "ok" }))
}

fn query_value<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

async fn list_customers(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let id = query_value(&query, "customer_id");
    let custnr = query_value(&query, "custnr");
    let customers: Vec<Customer> = app.kaisa.with_customers(|c| {
        c.list
            .iter()
            .filter(|c| id.is_none_or(|id| c.customer_id == id))
            .filter(|c| custnr.is_none_or(|n| c.custnr == n))
            .cloned()
            .collect()
    });
    json_response(StatusCode::OK, json!({ "customers": customers }))
}

fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Response> {
    params
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("Missing required parameter {name}"),
            )
        })
}

/// Url-encoded parameters; JSON is refused because Kaisa only takes key/value pairs.
fn form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, Response> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_json {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Parameters must be sent as url-encoded key/value pairs, not JSON",
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "The body is not valid application/x-www-form-urlencoded",
        )
    })?;
    Ok(pairs.into_iter().collect())
}

fn check_length(field: &str, value: &str, max: usize) -> Result<(), Response> {
    if value.chars().count() > max {
        Err(error(
            StatusCode::BAD_REQUEST,
            &format!("{field} must be at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Applies the writable fields of `params` to `customer`, validating each.
fn apply(customer: &mut Customer, params: &HashMap<String, String>) -> Result<(), Response> {
    if let Some(name) = params.get("name") {
        if name.trim().is_empty() {
            return Err(error(StatusCode::BAD_REQUEST, "name must not be empty"));
        }
        check_length("name", name, MAX_NAME)?;
        customer.name.clone_from(name);
    }
    if let Some(custnr) = params.get("custnr") {
        if custnr.trim().is_empty() {
            return Err(error(StatusCode::BAD_REQUEST, "custnr must not be empty"));
        }
        check_length("custnr", custnr, MAX_CUSTNR)?;
        customer.custnr.clone_from(custnr);
    }
    if let Some(email) = params.get("email") {
        customer.email.clone_from(email);
    }
    if let Some(corporateid) = params.get("corporateid") {
        customer.corporateid.clone_from(corporateid);
    }
    if let Some(report) = params.get("receive_monthly_report") {
        if !["0", "1", "2"].contains(&report.as_str()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "receive_monthly_report must be 0, 1 or 2",
            ));
        }
        customer.receive_monthly_report.clone_from(report);
    }
    Ok(())
}

async fn create_customer(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let params = match form(&headers, &body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    for name in ["name", "custnr"] {
        if let Err(response) = required(&params, name) {
            return response;
        }
    }
    let mut customer = Customer {
        customer_id: String::new(),
        name: String::new(),
        custnr: String::new(),
        corporateid: String::new(),
        email: String::new(),
        uuid: String::new(),
        receive_monthly_report: "0".to_owned(),
        freespee_caller_id: String::new(),
        dncs_class_name: "default".to_owned(),
    };
    if let Err(response) = apply(&mut customer, &params) {
        return response;
    }
    let created = app.kaisa.with_customers(|c| {
        customer.customer_id = c.next_id.to_string();
        customer.uuid = customer_uuid(&customer.customer_id);
        c.next_id += 1;
        c.list.push(customer.clone());
        customer
    });
    json_response(StatusCode::OK, json!({ "customers": [created] }))
}

async fn update_customer(
    State(app): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let params = match form(&headers, &body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let updated = app.kaisa.with_customers(|c| {
        let customer = c
            .list
            .iter_mut()
            .find(|c| c.customer_id == id)
            .ok_or_else(|| error(StatusCode::NOT_FOUND, &format!("Customer {id} not found")))?;
        let mut candidate = customer.clone();
        apply(&mut candidate, &params)?;
        *customer = candidate.clone();
        Ok::<_, Response>(candidate)
    });
    match updated {
        Ok(customer) => json_response(StatusCode::OK, json!({ "customers": [customer] })),
        Err(response) => response,
    }
}

async fn list_sources(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let (page, page_size) = match paging(&query) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let custnr_customer = custnr_customer(&app.kaisa, &query);
    let field = |name: &str| query_value(&query, name);
    let sources: Vec<Source> = app.kaisa.with_sources(|all| {
        all.list
            .iter()
            .filter(|s| field("source_id").is_none_or(|v| s.source_id == v))
            .filter(|s| field("customer_id").is_none_or(|v| s.customer_id == v))
            .filter(|s| field("destnr").is_none_or(|v| s.destnr == v))
            .filter(|s| field("campaign_id").is_none_or(|v| s.campaign_id == v))
            .filter(|s| field("status").is_none_or(|v| s.status.eq_ignore_ascii_case(v)))
            .filter(|s| field("class").is_none_or(|v| s.class.eq_ignore_ascii_case(v)))
            .filter(|s| {
                custnr_customer
                    .as_ref()
                    .is_none_or(|id| id.as_deref() == Some(s.customer_id.as_str()))
            })
            .skip(page.saturating_mul(page_size))
            .take(page_size)
            .cloned()
            .collect()
    });
    json_response(StatusCode::OK, json!({ "sources": sources }))
}

/// `custnr=` resolved to its customer's id: `Some(None)` when no customer has it.
fn custnr_customer(data: &Data, query: &HashMap<String, String>) -> Option<Option<String>> {
    query_value(query, "custnr").map(|n| {
        data.with_customers(|c| {
            c.list
                .iter()
                .find(|c| c.custnr == n)
                .map(|c| c.customer_id.clone())
        })
    })
}

/// Kaisa's paging: `page` from 0 (default 0), `pagesize` 1 to 1000 (default 1000).
fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    let page = match query_value(query, "page") {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "page must be an integer starting at 0",
            )
        })?,
    };
    let page_size = match query_value(query, "pagesize") {
        None => MAX_PAGE_SIZE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!("pagesize must be an integer between 1 and {MAX_PAGE_SIZE}"),
                )
            })?,
    };
    Ok((page, page_size))
}

async fn get_customer(
    State(app): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let found = app
        .kaisa
        .with_customers(|c| c.list.iter().find(|c| c.customer_id == id).cloned());
    match found {
        Some(customer) => json_response(StatusCode::OK, json!({ "customers": [customer] })),
        None => error(StatusCode::NOT_FOUND, &format!("Customer {id} not found")),
    }
}

async fn create_source(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let params = match form(&headers, &body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    for name in ["customer_id", "name"] {
        if let Err(response) = required(&params, name) {
            return response;
        }
    }
    let customer_id = params.get("customer_id").cloned().unwrap_or_default();
    let customer = app.kaisa.with_customers(|c| {
        c.list
            .iter()
            .find(|c| c.customer_id == customer_id)
            .cloned()
    });
    let Some(customer) = customer else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Customer {customer_id} not found"),
        );
    };
    let now = time::now_unix();
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let created = app.kaisa.with_sources(|s| {
        let id = s.next_id;
        s.next_id += 1;
        let source = Source {
            source_id: id.to_string(),
            name: param("name"),
            email: customer.email.clone(),
            smsnumber: String::new(),
            media: param("media"),
            customer_id: customer.customer_id.clone(),
            campaign_id: String::new(),
            // A number from the pool, as Kaisa allocates one.
            phonenr: format!("+4610{:07}", id % 10_000_000),
            destnr: if params.contains_key("destnr") {
                param("destnr")
            } else {
                customer.freespee_caller_id.clone()
            },
            timestamp: time::format_plain(now),
            expire: String::new(),
            created: time::format_plain(now),
            modified: time::format_plain(now),
            class: "0".to_owned(),
            status: "active".to_owned(),
            vm_greeting_id: String::new(),
            notify_on_missed_call: "0".to_owned(),
            alt_numbers: Vec::new(),
        };
        s.list.push(source.clone());
        source
    });
    json_response(StatusCode::OK, json!({ "sources": [created] }))
}

/// Sources with a problem: the quarantined ones are out of service (`OOS`).
async fn source_statuses(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let custnr_customer = custnr_customer(&app.kaisa, &query);
    let field = |name: &str| query_value(&query, name);
    let statuses: Vec<serde_json::Value> = app.kaisa.with_sources(|all| {
        all.list
            .iter()
            .filter(|s| s.status == "quarantined")
            .filter(|s| field("source_id").is_none_or(|v| s.source_id == v))
            .filter(|s| field("customer_id").is_none_or(|v| s.customer_id == v))
            .filter(|s| {
                custnr_customer
                    .as_ref()
                    .is_none_or(|id| id.as_deref() == Some(s.customer_id.as_str()))
            })
            .map(|s| json!({ "source_id": s.source_id, "service": "OOS" }))
            .collect()
    });
    json_response(StatusCode::OK, json!({ "statuses": statuses }))
}

/// `recordings?customer_id=` lists without sound; `recordings?recording_id=` is one
/// recording with its sound (base64), unless it expired.
async fn list_recordings(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    let customer_id = query_value(&query, "customer_id");
    let recording_id = query_value(&query, "recording_id");
    let recordings: Vec<serde_json::Value> = app
        .kaisa
        .recordings
        .iter()
        .filter(|r| customer_id.is_none_or(|v| r.customer_id == v))
        .filter(|r| recording_id.is_none_or(|v| r.recording_id == v))
        .map(|r| {
            let mut value = json!(r);
            if recording_id.is_some() && r.expired == "0" {
                value["sounddata"] = json!(base64::engine::general_purpose::STANDARD
                    .encode(recording_sound(&r.recording_id)));
            }
            value
        })
        .collect();
    json_response(StatusCode::OK, json!({ "recordings": recordings }))
}

async fn outgoing_cdrs(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, &version) {
        return response;
    }
    match cdr_page(&app.kaisa, &query) {
        Ok(response) | Err(response) => response,
    }
}

fn cdr_page(data: &Data, query: &HashMap<String, String>) -> Result<Response, Response> {
    let date = |name: &str, default_time: i64| -> Result<Option<i64>, Response> {
        query_value(query, name)
            .map(|text| {
                time::parse_plain(text, default_time).ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        &format!("{name} must be formatted YYYY-MM-DD HH:MM:SS"),
                    )
                })
            })
            .transpose()
    };
    let from = date("from_date", 0)?;
    let to = date("to_date", 86_399)?;
    let (page, page_size) = paging(query)?;
    let newest_first = query_value(query, "newest_first").is_some_and(|v| v == "1" || v == "true");
    let field = |name: &str| query_value(query, name);
    let mut rows: Vec<&Cdr> = data
        .cdrs
        .iter()
        .filter(|c| from.is_none_or(|f| c.start_unix >= f))
        .filter(|c| to.is_none_or(|t| c.start_unix <= t))
        .filter(|c| field("customer_id").is_none_or(|v| c.customer_id == v))
        .filter(|c| field("source_id").is_none_or(|v| c.source_id == v))
        .filter(|c| field("custnr").is_none_or(|v| c.custnr == v))
        .collect();
    if newest_first {
        rows.reverse();
    }
    let cdrs: Vec<&Cdr> = rows
        .into_iter()
        .skip(page.saturating_mul(page_size))
        .take(page_size)
        .collect();
    Ok(json_response(StatusCode::OK, json!({ "cdrs": cdrs })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(valid_version("2.4.9"));
        assert!(valid_version("2"));
        assert!(valid_version("v3"));
        assert!(!valid_version("v3.1"));
        assert!(!valid_version("latest"));
        assert!(!valid_version("2..4"));
    }
}
