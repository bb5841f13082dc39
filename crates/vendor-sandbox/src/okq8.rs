//! OKQ8's APIM-fronted APIs (all shapes ours: OKQ8 publishes no endpoint list).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::gate::{require_bearer, require_key};
use crate::http::{api_layer, apim_error, apim_not_found, json_response, ApiLayer, Shared};
use crate::jwt::Claims;
use crate::state::AppState;
use crate::{ids, time, Vendor};

/// Number of seeded stations.
pub(crate) const STATION_COUNT: usize = 25;
const STATIONS_PER_PAGE: usize = 10;

struct Station {
    id: String,
    name: String,
    city: &'static str,
    fuels: Vec<&'static str>,
}

/// Seeded OKQ8 data and counters.
pub(crate) struct Data {
    stations: Vec<Station>,
    payments: AtomicU64,
}

const CITIES: &[(&str, &[&str])] = &[
    (
        "Stockholm",
        &[
            "Kungsgatan",
            "Hornsgatan",
            "Solnavägen",
            "Nynäsvägen",
            "Bromma",
        ],
    ),
    (
        "Göteborg",
        &["Järntorget", "Hisingen", "Mölndalsvägen", "Backaplan"],
    ),
    ("Malmö", &["Triangeln", "Jägersro", "Limhamn", "Hyllie"]),
    ("Uppsala", &["Boländerna", "Gränby", "Librobäck"]),
    ("Västerås", &["Erikslund", "Hälla", "Bäckby"]),
    ("Linköping", &["Tornby", "Ryd", "Vallastaden"]),
    ("Örebro", &["Marieberg", "Universitetet", "Mosås"]),
];

const FUELS: &[&str] = &[
    "GoEasy Bensin 95",
    "GoEasy Bensin 98",
    "GoEasy Diesel",
    "HVO100",
    "E85",
    "Fordonsgas",
    "Laddning",
];

const PRICES: &[(&str, f64)] = &[
    ("GoEasy Bensin 95", 17.89),
    ("GoEasy Bensin 98", 18.79),
    ("GoEasy Diesel", 18.44),
    ("HVO100", 24.99),
    ("E85", 13.49),
];

impl Data {
    pub(crate) fn seed() -> Self {
        let locations: Vec<(&'static str, &'static str)> = CITIES
            .iter()
            .flat_map(|(city, areas)| areas.iter().map(move |area| (*city, *area)))
            .take(STATION_COUNT)
            .collect();
        let stations = locations
            .into_iter()
            .enumerate()
            .map(|(i, (city, area))| Station {
                id: format!("SE-{:04}", 1001 + i),
                name: format!("OKQ8 {city} {area}"),
                city,
                fuels: FUELS
                    .iter()
                    .enumerate()
                    .filter(|(f, _)| *f < 3 || (i + f) % 3 == 0)
                    .map(|(_, fuel)| *fuel)
                    .collect(),
            })
            .collect();
        Self {
            stations,
            payments: AtomicU64::new(0),
        }
    }
}

/// OKQ8 routes, relative to `/okq8`.
pub(crate) fn router(app: Shared) -> Router<Shared> {
    Router::new()
        .route("/core/v1/stations", get(list_stations))
        .route("/core/v1/stations/{id}", get(get_station))
        .route("/payments/v1/payments", post(create_payment))
        .route("/public/v1/prices", get(prices))
        .fallback(apim_not_found)
        .layer(from_fn_with_state(
            ApiLayer {
                app,
                vendor: Vendor::Okq8,
            },
            api_layer,
        ))
}

/// Key of the Core or Payments product plus a token granting `level`.
fn authorize(app: &AppState, headers: &HeaderMap, level: &str) -> Result<Claims, Response> {
    let secrets = &app.secrets;
    require_key(
        headers,
        &[&secrets.okq8_subscription_key],
        &[&secrets.okq8_other_product_key],
    )?;
    let claims = require_bearer(app, headers, Vendor::Okq8)?;
    if !claims.has_permission(level) {
        return Err(apim_error(
            StatusCode::FORBIDDEN,
            &format!("Access denied. The access token does not grant the '{level}' access level."),
        ));
    }
    Ok(claims)
}

fn station_json(station: &Station) -> Value {
    json!({
        "id": station.id,
        "name": station.name,
        "city": station.city,
        "fuels": station.fuels,
    })
}

async fn list_stations(
    State(app): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, "get") {
        return response;
    }
    let page = match query
        .get("page")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        None => 1,
        Some(text) => match text.parse::<usize>().ok().filter(|p| *p >= 1) {
            Some(page) => page,
            None => return apim_error(StatusCode::BAD_REQUEST, "page must be a positive integer."),
        },
    };
    let stations = &app.okq8.stations;
    let items: Vec<Value> = stations
        .iter()
        .skip((page - 1).saturating_mul(STATIONS_PER_PAGE))
        .take(STATIONS_PER_PAGE)
        .map(station_json)
        .collect();
    json_response(
        StatusCode::OK,
        json!({
            "items": items,
            "page": page,
            "totalPages": stations.len().div_ceil(STATIONS_PER_PAGE),
        }),
    )
}

async fn get_station(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, "get") {
        return response;
    }
    match app
        .okq8
        .stations
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id))
    {
        Some(station) => json_response(StatusCode::OK, station_json(station)),
        None => apim_error(
            StatusCode::NOT_FOUND,
            &format!("Station '{id}' was not found."),
        ),
    }
}

async fn create_payment(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = authorize(&app, &headers, "post") {
        return response;
    }
    let Ok(Value::Object(mut payment)) = serde_json::from_slice::<Value>(&body) else {
        return apim_error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object.",
        );
    };
    let sequence = app.okq8.payments.fetch_add(1, Ordering::Relaxed);
    payment.insert(
        "id".to_owned(),
        json!(ids::guid_from(&format!("okq8/payment/{sequence}"))),
    );
    payment.insert("status".to_owned(), json!("Accepted"));
    payment.insert(
        "createdAt".to_owned(),
        json!(time::format_rfc3339(time::now_unix())),
    );
    json_response(StatusCode::CREATED, Value::Object(payment))
}

async fn prices(State(app): State<Shared>, headers: HeaderMap) -> Response {
    let secrets = &app.secrets;
    if let Err(response) = require_key(
        &headers,
        &[
            &secrets.okq8_subscription_key,
            &secrets.okq8_other_product_key,
        ],
        &[],
    ) {
        return response;
    }
    let items: Vec<Value> = PRICES
        .iter()
        .map(|(fuel, price)| json!({ "fuel": fuel, "price": price, "unit": "SEK/l" }))
        .collect();
    json_response(
        StatusCode::OK,
        json!({ "items": items, "validFrom": "2024-03-01T06:00:00Z" }),
    )
}
