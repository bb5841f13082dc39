//! Kaisa's customer sub-resources: voicemail greetings, callbacks and the blacklist,
//! addressed with the customer in the parameters (`customers/voicemail_greetings?customer_id=`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use serde::Serialize;
use serde_json::json;

use super::{authorize, error, form, query_value, required};
use crate::http::{json_response, Shared};
use crate::time;

/// The system greeting every customer may use.
const SYSTEM_GREETING_ID: u64 = 1;
/// The number Kaisa's answer says to call to record a new greeting (sandbox's own).
const RECORD_NUMBER: &str = "+46812300000";

#[derive(Debug, Clone, Serialize)]
struct Greeting {
    vm_greeting_id: String,
    name: String,
    timestamp: String,
    datalength: String,
    locked: String,
    used_by: Vec<String>,
    customer_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Callback {
    id: String,
    customer_id: String,
    agent_nr: String,
    caller_id: String,
    scheduled: String,
    retries: String,
    retry_interval: String,
    completed: String,
    cdr_id: Option<String>,
    #[serde(skip)]
    scheduled_unix: i64,
}

#[derive(Debug, Clone, Serialize)]
struct Campaign {
    campaign_id: String,
    name: String,
    partner_campaign_id: String,
    email: String,
    smsnumber: String,
    timestamp: String,
    expire: String,
    pricing_model_id: String,
    notify_on_missed_call: String,
    notify_on_answered_call: String,
    notify_on_new_voicemail: String,
    vm_divert_all: String,
    vm_divert_busy: String,
    vm_divert_noanswer: String,
    call_recording: String,
    sources: Vec<String>,
    vm_greeting_id: String,
    state: String,
    #[serde(skip)]
    customer_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct User {
    user_id: String,
    name: String,
    write_access: String,
    receive_monthly_report: String,
    customer_id: String,
    /// The activation token, `null` once activated.
    token: Option<String>,
}

struct Store {
    users: Vec<User>,
    next_user: u64,
    campaigns: Vec<Campaign>,
    greetings: Vec<Greeting>,
    next_greeting: u64,
    callbacks: Vec<Callback>,
    next_callback: u64,
    blacklists: HashMap<String, Vec<String>>,
}

/// Greetings, callbacks and blacklists of the seeded customers.
pub(crate) struct Resources(Mutex<Store>);

/// A greeting's sound: a stand-in MP3 (an `ID3` tag and the greeting's id).
fn greeting_sound(id: &str) -> Vec<u8> {
    let mut sound = b"ID3\x04\x00sandbox-greeting-".to_vec();
    sound.extend_from_slice(id.as_bytes());
    sound
}

impl Resources {
    /// `customers` are the seeded customer ids, `sources` their sources as
    /// (source id, customer id, campaign id).
    pub(crate) fn seed(customers: &[String], sources: &[(String, String, String)]) -> Self {
        let now = time::now_unix();
        let mut greetings = vec![Greeting {
            vm_greeting_id: SYSTEM_GREETING_ID.to_string(),
            name: "Standard".to_owned(),
            timestamp: time::format_plain(1_577_836_800),
            datalength: greeting_sound("1").len().to_string(),
            locked: "1".to_owned(),
            used_by: Vec::new(),
            customer_id: None,
        }];
        for (i, customer) in customers.iter().enumerate().take(2) {
            let id = (41 + i).to_string();
            greetings.push(Greeting {
                datalength: greeting_sound(&id).len().to_string(),
                vm_greeting_id: id,
                name: if i == 0 { "Lunch" } else { "Holidays" }.to_owned(),
                timestamp: time::format_plain(1_704_873_600 + i as i64 * 86_400),
                locked: "0".to_owned(),
                used_by: sources
                    .iter()
                    .filter(|(_, c, _)| c == customer)
                    .map(|(s, _, _)| s.clone())
                    .take(1)
                    .collect(),
                customer_id: Some(customer.clone()),
            });
        }
        let mut callbacks = Vec::new();
        if let Some(acme) = customers.first() {
            // One made yesterday, two ahead (inside Kaisa's default window of a week).
            for (i, (offset, completed)) in
                [(-86_400_i64, true), (3_600, false), (2 * 86_400, false)]
                    .into_iter()
                    .enumerate()
            {
                let at = now + offset;
                callbacks.push(Callback {
                    id: (9001 + i).to_string(),
                    customer_id: acme.clone(),
                    agent_nr: "+46812345678".to_owned(),
                    caller_id: "+46812345678".to_owned(),
                    scheduled: time::format_plain(at),
                    retries: "2".to_owned(),
                    retry_interval: "300".to_owned(),
                    completed: if completed { "1" } else { "0" }.to_owned(),
                    cdr_id: completed.then(|| "7000001".to_owned()),
                    scheduled_unix: at,
                });
            }
        }
        let mut blacklists = HashMap::new();
        if let Some(acme) = customers.first() {
            blacklists.insert(
                acme.clone(),
                vec!["+46701234567".to_owned(), "+46709876543".to_owned()],
            );
        }
        // One campaign per customer and campaign id its sources carry.
        let mut campaigns: Vec<Campaign> = Vec::new();
        for (source, customer, campaign) in sources {
            if campaign.is_empty() {
                continue;
            }
            if let Some(c) = campaigns
                .iter_mut()
                .find(|c| c.campaign_id == *campaign && c.customer_id == *customer)
            {
                c.sources.push(source.clone());
                continue;
            }
            let n = campaigns.len();
            campaigns.push(Campaign {
                campaign_id: campaign.clone(),
                name: ["Spring 2024", "Brand", "Autumn 2024", "Radio"][n % 4].to_owned(),
                partner_campaign_id: format!("CMP-{customer}-{campaign}"),
                email: String::new(),
                smsnumber: String::new(),
                timestamp: time::format_plain(1_706_774_400 + n as i64 * 86_400),
                expire: String::new(),
                pricing_model_id: "standard".to_owned(),
                notify_on_missed_call: "1".to_owned(),
                notify_on_answered_call: "0".to_owned(),
                notify_on_new_voicemail: "1".to_owned(),
                vm_divert_all: "0".to_owned(),
                vm_divert_busy: "1".to_owned(),
                vm_divert_noanswer: "1".to_owned(),
                call_recording: if n.is_multiple_of(2) { "1" } else { "0" }.to_owned(),
                sources: vec![source.clone()],
                vm_greeting_id: String::new(),
                state: "0".to_owned(),
                customer_id: customer.clone(),
            });
        }
        let next_callback = 9001 + callbacks.len() as u64;
        // An activated user per customer, and one Acme user not activated yet.
        let mut users: Vec<User> = customers
            .iter()
            .enumerate()
            .map(|(i, customer)| User {
                user_id: (77 + i).to_string(),
                name: ["Eva Ek", "Jonas Holm", "Sara Nyberg"][i % 3].to_owned(),
                write_access: "1".to_owned(),
                receive_monthly_report: (i % 3).to_string(),
                customer_id: customer.clone(),
                token: None,
            })
            .collect();
        if let Some(acme) = customers.first() {
            users.push(User {
                user_id: (77 + customers.len()).to_string(),
                name: "Olle Berg".to_owned(),
                write_access: "0".to_owned(),
                receive_monthly_report: "0".to_owned(),
                customer_id: acme.clone(),
                token: Some(crate::ids::digest32("kaisa/user/olle")),
            });
        }
        let next_user = 77 + users.len() as u64;
        Self(Mutex::new(Store {
            users,
            next_user,
            campaigns,
            greetings,
            next_greeting: 41 + customers.len().min(2) as u64,
            callbacks,
            next_callback,
            blacklists,
        }))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The routes, relative to `/kaisa`.
pub(crate) fn routes(router: Router<Shared>) -> Router<Shared> {
    router
        .route(
            "/{version}/customers/voicemail_greetings",
            get(list_greetings)
                .post(create_greeting)
                .put(rename_greeting)
                .delete(delete_greeting),
        )
        .route(
            "/{version}/customers/campaigns",
            get(list_campaigns).post(create_campaign),
        )
        .route("/{version}/users", get(list_users).post(create_user))
        .route(
            "/{version}/users/{id}",
            axum::routing::put(update_user).delete(delete_user),
        )
        .route(
            "/{version}/customers/callbacks",
            get(list_callbacks).post(create_callback),
        )
        .route(
            "/{version}/customers/blacklist",
            get(get_blacklist).put(set_blacklist),
        )
}

/// The customer named by `customer_id`, which must exist.
fn customer(app: &Shared, params: &HashMap<String, String>) -> Result<String, Response> {
    let id = params
        .get("customer_id")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "Missing required parameter customer_id",
            )
        })?;
    if app.kaisa.has_customer(id) {
        Ok(id.to_owned())
    } else {
        Err(error(
            StatusCode::NOT_FOUND,
            &format!("Customer {id} not found"),
        ))
    }
}

fn e164(number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or("");
    (2..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

async fn list_greetings(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let customer = try_response!(customer(&app, &query));
    let one = query_value(&query, "vm_greeting_id");
    let list: Vec<serde_json::Value> = app.kaisa.resources.with(|s| {
        s.greetings
            .iter()
            .filter(|g| g.customer_id.as_ref().is_none_or(|c| *c == customer))
            .filter(|g| one.is_none_or(|id| g.vm_greeting_id == id))
            .map(|g| {
                let mut value = json!(g);
                if one.is_some() {
                    value["sounddata"] = json!(base64::engine::general_purpose::STANDARD
                        .encode(greeting_sound(&g.vm_greeting_id)));
                }
                value
            })
            .collect()
    });
    if one.is_some() && list.is_empty() {
        return error(StatusCode::NOT_FOUND, "Voicemail greeting not found");
    }
    json_response(StatusCode::OK, json!({ "voicemail_greetings": list }))
}

async fn create_greeting(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let name = try_response!(required(&params, "name")).to_owned();
    let created = app.kaisa.resources.with(|s| {
        let id = s.next_greeting;
        s.next_greeting += 1;
        let greeting = Greeting {
            vm_greeting_id: id.to_string(),
            name,
            timestamp: time::format_plain(time::now_unix()),
            datalength: "0".to_owned(),
            locked: "0".to_owned(),
            used_by: Vec::new(),
            customer_id: Some(customer),
        };
        s.greetings.push(greeting.clone());
        greeting
    });
    let mut value = json!(created);
    value["record_number"] = json!(RECORD_NUMBER);
    let id: u64 = created.vm_greeting_id.parse().unwrap_or(0);
    // A four-digit PIN, different for each greeting.
    value["record_pin"] = json!((1000 + id.wrapping_mul(7919) % 9000).to_string());
    json_response(StatusCode::OK, json!({ "voicemail_greetings": [value] }))
}

/// The customer's own greeting `vm_greeting_id`: 404 when it has none such, 403 for the
/// system greeting (ours: Kaisa does not say).
fn own_greeting<'s>(
    store: &'s mut Store,
    customer: &str,
    id: &str,
) -> Result<&'s mut Greeting, Response> {
    let greeting = store
        .greetings
        .iter_mut()
        .find(|g| g.vm_greeting_id == id)
        .filter(|g| g.customer_id.as_deref().is_none_or(|c| c == customer))
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "Voicemail greeting not found"))?;
    if greeting.locked == "1" {
        return Err(error(
            StatusCode::FORBIDDEN,
            "System greetings cannot be changed",
        ));
    }
    Ok(greeting)
}

async fn rename_greeting(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let id = try_response!(required(&params, "vm_greeting_id"));
    let name = try_response!(required(&params, "name"));
    let renamed = app.kaisa.resources.with(|s| {
        let greeting = own_greeting(s, &customer, id)?;
        greeting.name = name.to_owned();
        Ok::<_, Response>(greeting.clone())
    });
    let renamed = try_response!(renamed);
    json_response(StatusCode::OK, json!({ "voicemail_greetings": [renamed] }))
}

async fn delete_greeting(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let customer = try_response!(customer(&app, &query));
    let id = try_response!(required(&query, "vm_greeting_id")).to_owned();
    let deleted = app.kaisa.resources.with(|s| {
        own_greeting(s, &customer, &id)?;
        s.greetings.retain(|g| g.vm_greeting_id != id);
        Ok::<_, Response>(())
    });
    try_response!(deleted);
    StatusCode::NO_CONTENT.into_response()
}

async fn list_callbacks(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let customer = try_response!(customer(&app, &query));
    let now = time::now_unix();
    let date = |name: &str, default: i64| -> Result<i64, Response> {
        match query_value(&query, name) {
            None => Ok(default),
            Some(text) => time::parse_plain(text, 0).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} must be formatted YYYY-MM-DD HH:MM:SS"),
                )
            }),
        }
    };
    let from = try_response!(date("from_date", now));
    let to = try_response!(date("to_date", now + 7 * 86_400));
    let list: Vec<Callback> = app.kaisa.resources.with(|s| {
        s.callbacks
            .iter()
            .filter(|c| c.customer_id == customer)
            .filter(|c| (from..=to).contains(&c.scheduled_unix))
            .cloned()
            .collect()
    });
    json_response(StatusCode::OK, json!({ "callbacks": list }))
}

async fn create_callback(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let agent = try_response!(required(&params, "agent_nr")).to_owned();
    let requester = try_response!(required(&params, "requester_nr")).to_owned();
    for (name, number) in [("agent_nr", &agent), ("requester_nr", &requester)] {
        if !e164(number) {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("{name} must be in E164 format"),
            );
        }
    }
    let now = time::now_unix();
    let scheduled = match params
        .get("scheduled")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => now,
        Some(text) => try_response!(time::parse_plain(text, 0).ok_or_else(|| error(
            StatusCode::BAD_REQUEST,
            "scheduled must be formatted YYYY-MM-DD HH:MM:SS"
        ))),
    };
    let number = |name: &str, default: &str| -> Result<String, Response> {
        let value = params.get(name).map_or(default, |v| v.trim());
        value.parse::<u32>().map(|n| n.to_string()).map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("{name} must be an integer"),
            )
        })
    };
    let retries = try_response!(number("retries", "0"));
    let retry_interval = try_response!(number("retry_interval", "300"));
    let caller_id = params
        .get("caller_id")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| agent.clone());
    let created = app.kaisa.resources.with(|s| {
        let id = s.next_callback;
        s.next_callback += 1;
        let callback = Callback {
            id: id.to_string(),
            customer_id: customer,
            agent_nr: agent,
            caller_id,
            scheduled: time::format_plain(scheduled),
            retries,
            retry_interval,
            completed: "0".to_owned(),
            cdr_id: None,
            scheduled_unix: scheduled,
        };
        s.callbacks.push(callback.clone());
        callback
    });
    json_response(StatusCode::OK, json!({ "callbacks": [created] }))
}

async fn get_blacklist(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let customer = try_response!(customer(&app, &query));
    let list = app
        .kaisa
        .resources
        .with(|s| s.blacklists.get(&customer).cloned().unwrap_or_default());
    json_response(StatusCode::OK, json!({ "blacklist": list }))
}

async fn set_blacklist(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let raw = params.get("phonenrs").map(String::as_str).unwrap_or("");
    let numbers: Vec<String> = match serde_json::from_str(raw) {
        Ok(numbers) => numbers,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "phonenrs must be a JSON encoded array of phone numbers",
            )
        }
    };
    if let Some(bad) = numbers.iter().find(|n| !e164(n)) {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("{bad} is not in E.164 format"),
        );
    }
    app.kaisa
        .resources
        .with(|s| s.blacklists.insert(customer, numbers.clone()));
    json_response(StatusCode::OK, json!({ "blacklist": numbers }))
}

async fn list_campaigns(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let customer = try_response!(customer(&app, &query));
    let one = query_value(&query, "campaign_id");
    let list: Vec<Campaign> = app.kaisa.resources.with(|s| {
        s.campaigns
            .iter()
            .filter(|c| c.customer_id == customer)
            .filter(|c| one.is_none_or(|id| c.campaign_id == id))
            .cloned()
            .collect()
    });
    json_response(StatusCode::OK, json!({ "campaigns": list }))
}

async fn list_users(
    State(app): State<Shared>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let user_id = query_value(&query, "user_id");
    let customer_id = query_value(&query, "customer_id");
    let list: Vec<User> = app.kaisa.resources.with(|s| {
        s.users
            .iter()
            .filter(|u| user_id.is_none_or(|v| u.user_id == v))
            .filter(|u| customer_id.is_none_or(|v| u.customer_id == v))
            .cloned()
            .collect()
    });
    json_response(StatusCode::OK, json!({ "users": list }))
}

/// Applies `name`, `write_access` and `receive_monthly_report` from `params`.
fn apply_user(user: &mut User, params: &HashMap<String, String>) -> Result<(), Response> {
    if let Some(name) = params.get("name") {
        user.name = name.trim().to_owned();
    }
    if let Some(write) = params.get("write_access") {
        if !["0", "1"].contains(&write.trim()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "write_access must be 0 or 1",
            ));
        }
        user.write_access = write.trim().to_owned();
    }
    if let Some(report) = params.get("receive_monthly_report") {
        if !["0", "1", "2"].contains(&report.trim()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "receive_monthly_report must be 0, 1 or 2",
            ));
        }
        user.receive_monthly_report = report.trim().to_owned();
    }
    Ok(())
}

async fn create_user(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let email = try_response!(required(&params, "email")).to_owned();
    if email.chars().count() > 60 || !email.contains('@') {
        return error(
            StatusCode::BAD_REQUEST,
            "email must be an email address of at most 60 characters",
        );
    }
    let mut user = User {
        user_id: String::new(),
        name: String::new(),
        write_access: "0".to_owned(),
        receive_monthly_report: "0".to_owned(),
        customer_id: customer,
        token: Some(crate::ids::digest32(&format!("kaisa/user/{email}"))),
    };
    try_response!(apply_user(&mut user, &params));
    let created = app.kaisa.resources.with(|s| {
        user.user_id = s.next_user.to_string();
        s.next_user += 1;
        s.users.push(user.clone());
        user
    });
    json_response(StatusCode::OK, json!({ "users": [created] }))
}

async fn update_user(
    State(app): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let updated = app.kaisa.resources.with(|s| {
        let user = s
            .users
            .iter_mut()
            .find(|u| u.user_id == id)
            .ok_or_else(|| error(StatusCode::NOT_FOUND, &format!("User {id} not found")))?;
        let mut candidate = user.clone();
        apply_user(&mut candidate, &params)?;
        *user = candidate.clone();
        Ok::<_, Response>(candidate)
    });
    let updated = try_response!(updated);
    json_response(StatusCode::OK, json!({ "users": [updated] }))
}

async fn delete_user(
    State(app): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let found = app.kaisa.resources.with(|s| {
        let before = s.users.len();
        s.users.retain(|u| u.user_id != id);
        s.users.len() != before
    });
    if found {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, &format!("User {id} not found"))
    }
}

async fn create_campaign(
    State(app): State<Shared>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    try_response!(authorize(&app, &headers, &version));
    let params = try_response!(form(&headers, &body));
    let customer = try_response!(customer(&app, &params));
    let pricing = try_response!(required(&params, "pricing_model_id")).to_owned();
    let name = try_response!(required(&params, "name")).to_owned();
    let flag = |key: &str, default: &str| -> Result<String, Response> {
        let value = params.get(key).map_or(default, |v| v.trim());
        if value == "0" || value == "1" {
            Ok(value.to_owned())
        } else {
            Err(error(
                StatusCode::BAD_REQUEST,
                &format!("{key} must be 0 or 1"),
            ))
        }
    };
    let text = |key: &str| {
        params
            .get(key)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut campaign = Campaign {
        campaign_id: String::new(),
        name,
        partner_campaign_id: text("partner_campaign_id"),
        email: text("email"),
        smsnumber: text("smsnumber"),
        timestamp: time::format_plain(time::now_unix()),
        expire: text("expire"),
        pricing_model_id: pricing,
        notify_on_missed_call: try_response!(flag("notify_on_missed_call", "0")),
        notify_on_answered_call: try_response!(flag("notify_on_answered_call", "0")),
        notify_on_new_voicemail: try_response!(flag("notify_on_new_voicemail", "0")),
        vm_divert_all: try_response!(flag("vm_divert_all", "0")),
        vm_divert_busy: try_response!(flag("vm_divert_busy", "0")),
        vm_divert_noanswer: try_response!(flag("vm_divert_noanswer", "0")),
        call_recording: try_response!(flag("call_recording", "0")),
        sources: Vec::new(),
        vm_greeting_id: text("vm_greeting_id"),
        state: "0".to_owned(),
        customer_id: customer,
    };
    let created = app.kaisa.resources.with(|s| {
        let next = s
            .campaigns
            .iter()
            .filter_map(|c| c.campaign_id.parse::<u64>().ok())
            .max()
            .unwrap_or(9000)
            + 1;
        campaign.campaign_id = next.to_string();
        s.campaigns.push(campaign.clone());
        campaign
    });
    json_response(StatusCode::OK, json!({ "campaigns": [created] }))
}
