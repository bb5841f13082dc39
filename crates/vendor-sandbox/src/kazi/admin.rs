//! The Kazi Administrator API's `GetJobScansForAccount` and "Get talent scans for
//! account": the seeded account's job scans (the vacancies behind the talent scan's
//! matches) and talent scans (the known talent first), with Kazi's documented
//! filters, offset/count paging and sorting.

use std::cmp::Ordering;
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

use super::{authorize, parse_bounded, problem, validation_error, Data, TEAM_ROLE, WORK_VALUE};
use crate::creds::KAZI_CLIENT_ID;
use crate::http::{json_response, RequestId, Shared};
use crate::{ids, time};

/// The account whose job scans are seeded (ours: Kazi publishes no account id).
pub(crate) const KNOWN_ACCOUNT_ID: &str = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";

/// Where the sandbox serves `GetJobScansForAccount` (ours: the docs give no URL).
pub(crate) const JOB_SCANS_PATH: &str = "/administrator/v2/jobscans";

/// Where the sandbox serves "Get talent scans for account" (ours: the docs give no URL).
pub(crate) const TALENT_SCANS_PATH: &str = "/administrator/v2/talentscans";

/// Talent scans seeded for the account (the known talent scan among them).
pub(crate) const TALENT_COUNT: usize = 24;

const NATIONALITIES: &[&str] = &["BE", "NL", "FR", "DE", "MA", "TR", "PL"];

/// One of the account's talent scans.
pub(crate) struct AccountTalentScan {
    id: String,
    first_name: &'static str,
    last_name: &'static str,
    nationality: &'static str,
    phone: String,
    external_ref: String,
    ats_client_id: Option<String>,
    domain: usize,
    created: i64,
    expectations: Vec<ScoredExpectation>,
}

/// The applicant tracking system some talent scans come from.
pub(crate) fn ats_client_id() -> String {
    ids::guid_from("kazi/ats/known")
}

/// Seeds the account's talent scans: the known one (Sam Sandbox) first.
pub(crate) fn seed_talents(
    known_id: &str,
    expectation_types: &[u8],
    rng: &mut fastrand::Rng,
) -> Vec<AccountTalentScan> {
    // 2023-03-01T08:00:00Z
    let base_created: i64 = 1_677_657_600;
    (0..TALENT_COUNT)
        .map(|i| {
            let mut expectations: Vec<ScoredExpectation> = if i % 5 != 4 {
                (0..expectation_types.len())
                    .map(|index| ScoredExpectation {
                        index,
                        score: f64::from(rng.u32(10..=50)) / 10.0,
                        rank: 0,
                        report_rank: 0,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let type_of = |e: usize| expectation_types.get(e).copied().unwrap_or(0);
            rank(&mut expectations, type_of, WORK_VALUE);
            rank(&mut expectations, type_of, TEAM_ROLE);
            let (id, first_name, last_name) = if i == 0 {
                (known_id.to_owned(), "Sam", "Sandbox")
            } else {
                (
                    ids::guid_from(&format!("kazi/talentscan/{i}")),
                    FIRST_NAMES[(i * 5 + 2) % FIRST_NAMES.len()],
                    LAST_NAMES[(i * 7 + 3) % LAST_NAMES.len()],
                )
            };
            AccountTalentScan {
                id,
                first_name,
                last_name,
                nationality: NATIONALITIES[i % NATIONALITIES.len()],
                phone: format!(
                    "+32 48{} {:02} {:02} {:02}",
                    i % 10,
                    i,
                    11 * i % 100,
                    17 * i % 100
                ),
                external_ref: format!("CAND-{}", 5_000 + i * 3),
                ats_client_id: (i % 3 == 1).then(ats_client_id),
                domain: i % 3,
                created: base_created
                    + i64::try_from(i).unwrap_or(0) * 172_800
                    + i64::from(rng.u32(0..86_400)),
                expectations,
            }
        })
        .collect()
}

fn talent_email(t: &AccountTalentScan) -> String {
    format!(
        "{}.{}@example.org",
        t.first_name.to_lowercase(),
        t.last_name.to_lowercase()
    )
}

/// Most job scans one call returns (ours: the docs give only the default, 100).
const MAX_COUNT: usize = 1000;

const FIRST_NAMES: &[&str] = &[
    "Lena", "Jonas", "Amira", "Pieter", "Sofie", "Youssef", "Marie", "Tom", "Elif", "Bram", "Nora",
];
const LAST_NAMES: &[&str] = &[
    "Peeters", "Maes", "Janssens", "Claes", "Wouters", "Mertens", "Dubois", "Lambert", "Willems",
    "Goossens",
];

/// One of the account's job scans.
pub(crate) struct AccountJobScan {
    /// Index of the matching job in `Data::matches` (id, title, employer, created).
    job: usize,
    first_name: &'static str,
    last_name: &'static str,
    phone: String,
    external_ref: String,
    domain: usize,
    /// Scores by expectation index, with their ranks; empty when not calculated.
    expectations: Vec<ScoredExpectation>,
}

struct ScoredExpectation {
    index: usize,
    score: f64,
    rank: usize,
    report_rank: usize,
}

/// The domains the account's job scans are in.
pub(crate) fn domain_ids() -> Vec<String> {
    ["ICT", "Healthcare", "Logistics"]
        .iter()
        .map(|d| ids::guid_from(&format!("kazi/domain/{d}")))
        .collect()
}

/// Ranks scores within one kind: equal scores share a rank, the next skips.
fn rank(scored: &mut [ScoredExpectation], type_of: impl Fn(usize) -> u8, kind: u8) {
    let mut of_kind: Vec<(usize, f64)> = scored
        .iter()
        .enumerate()
        .filter(|(_, e)| type_of(e.index) == kind)
        .map(|(i, e)| (i, e.score))
        .collect();
    of_kind.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (position, &(i, score)) in of_kind.iter().enumerate() {
        let better = of_kind.iter().filter(|(_, s)| *s > score).count();
        scored[i].rank = better + 1;
        scored[i].report_rank = position + 1;
    }
}

/// Seeds one job scan per seeded job match.
pub(crate) fn seed(
    job_count: usize,
    expectation_types: &[u8],
    rng: &mut fastrand::Rng,
) -> Vec<AccountJobScan> {
    (0..job_count)
        .map(|job| {
            let calculated = job % 7 != 3;
            let mut expectations: Vec<ScoredExpectation> = if calculated {
                (0..expectation_types.len())
                    .map(|index| ScoredExpectation {
                        index,
                        score: f64::from(rng.u32(10..=50)) / 10.0,
                        rank: 0,
                        report_rank: 0,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let type_of = |i: usize| expectation_types.get(i).copied().unwrap_or(0);
            rank(&mut expectations, type_of, WORK_VALUE);
            rank(&mut expectations, type_of, TEAM_ROLE);
            AccountJobScan {
                job,
                first_name: FIRST_NAMES[job % FIRST_NAMES.len()],
                last_name: LAST_NAMES[(job * 3 + 1) % LAST_NAMES.len()],
                phone: format!(
                    "+32 47{} {:02} {:02} {:02}",
                    job % 10,
                    job,
                    7 * job % 100,
                    13 * job % 100
                ),
                external_ref: format!("REQ-{}", 2_024_000 + job * 7),
                domain: job % 3,
                expectations,
            }
        })
        .collect()
}

fn email(scan: &AccountJobScan, employer: &str) -> String {
    let host: String = employer
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    format!(
        "{}.{}@{host}.example",
        scan.first_name.to_lowercase(),
        scan.last_name.to_lowercase()
    )
}

/// `true`/`false` in any case, else a validation error.
fn parse_flag(
    query: &HashMap<String, String>,
    name: &str,
    trace_id: &str,
) -> Result<bool, Response> {
    match query.get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v.is_empty() || v == "false" => Ok(false),
        Some(v) if v == "true" => Ok(true),
        Some(v) => Err(validation_error(
            name,
            &format!("The value '{v}' is not valid for {name}; expected true or false."),
            trace_id,
        )),
    }
}

/// A comma-separated list of ids, each one of `known`, at most `max`.
fn parse_ids(
    query: &HashMap<String, String>,
    name: &str,
    known: &[&str],
    max: usize,
    trace_id: &str,
) -> Result<Vec<String>, Response> {
    let ids: Vec<String> = query
        .get(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.len() > max {
        return Err(validation_error(
            name,
            &format!(
                "At most {max} ids can be given for {name}; got {}.",
                ids.len()
            ),
            trace_id,
        ));
    }
    if let Some(unknown) = ids
        .iter()
        .find(|id| !known.iter().any(|k| k.eq_ignore_ascii_case(id)))
    {
        return Err(validation_error(
            name,
            &format!("'{unknown}' is not a known id for {name}."),
            trace_id,
        ));
    }
    Ok(ids)
}

/// `GET /administrator/v2/talentscans?accountId=...` (path ours).
pub(crate) async fn talent_scans_for_account(
    State(app): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, "read:talentscans") {
        return response;
    }
    match list_talents(&app.kazi, &query, &request_id.0) {
        Ok(response) | Err(response) => response,
    }
}

/// Scored expectations as the answer shows them (none unless asked for).
fn expectations_json(data: &Data, include: bool, scored: &[ScoredExpectation]) -> Vec<Value> {
    if !include {
        return Vec::new();
    }
    scored
        .iter()
        .map(|e| {
            json!({
                "expectationId": data.expectations[e.index].id,
                "score": e.score,
                "outDated": false,
                "rank": e.rank,
                "reportRank": e.report_rank,
            })
        })
        .collect()
}

/// Whether each wanted id ranks in the scan's top 2 of its kind (one or two ids),
/// else top n (Kazi's "Filter on expectations").
fn in_top(data: &Data, scored: &[ScoredExpectation], wanted: &[String]) -> bool {
    let top = wanted.len().max(2);
    wanted.iter().all(|id| {
        scored
            .iter()
            .any(|e| data.expectations[e.index].id.eq_ignore_ascii_case(id) && e.rank <= top)
    })
}

/// What both account lists take: the account (required, the seeded one), offset and
/// count, the expectation flags and the team-role and work-value filters.
struct AccountQuery {
    offset: usize,
    count: usize,
    should_have: bool,
    include: bool,
    team_roles: Vec<String>,
    work_values: Vec<String>,
}

fn account_query(
    data: &Data,
    query: &HashMap<String, String>,
    trace_id: &str,
) -> Result<AccountQuery, Response> {
    let account = query.get("accountId").map(|s| s.trim()).unwrap_or_default();
    if account.is_empty() {
        return Err(validation_error(
            "accountId",
            "The accountId field is required.",
            trace_id,
        ));
    }
    if !account.eq_ignore_ascii_case(KNOWN_ACCOUNT_ID) {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "Not Found",
            json!({ "detail": format!("Account '{account}' was not found.") }),
            trace_id,
        ));
    }
    let offset = parse_bounded(query, "offset", 0, 0..=i32::MAX as usize, trace_id)?;
    let count = parse_bounded(query, "count", 100, 1..=MAX_COUNT, trace_id)?;
    let should_have = parse_flag(query, "shouldHaveExpectations", trace_id)?;
    let include = parse_flag(query, "includeExpectations", trace_id)?;
    let of_type = |kind: u8| -> Vec<&str> {
        data.expectations
            .iter()
            .filter(|e| e.type_id == kind)
            .map(|e| e.id.as_str())
            .collect()
    };
    let team_roles = parse_ids(query, "teamRoleIds", &of_type(TEAM_ROLE), 4, trace_id)?;
    let work_values = parse_ids(query, "workValueIds", &of_type(WORK_VALUE), 3, trace_id)?;
    Ok(AccountQuery {
        offset,
        count,
        should_have,
        include,
        team_roles,
        work_values,
    })
}

fn list_talents(
    data: &Data,
    query: &HashMap<String, String>,
    trace_id: &str,
) -> Result<Response, Response> {
    let AccountQuery {
        offset,
        count,
        should_have,
        include,
        team_roles,
        work_values,
    } = account_query(data, query, trace_id)?;
    let text = |name: &str| {
        query
            .get(name)
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
    };
    let domain_filter: Vec<String> = text("domainIds")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let (external_ref, ats, search) = (text("externalRef"), text("atsClientId"), text("search"));
    let sort = text("sort").unwrap_or_else(|| "createdon".to_owned());
    let known = ["createdon", "firstname", "lastname", "email", "nationality"];
    let mut keys: Vec<(bool, &str)> = Vec::new();
    for field in sort.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (descending, name) = match field.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, field.strip_prefix('+').unwrap_or(field)),
        };
        match known.iter().find(|k| **k == name) {
            Some(k) => keys.push((descending, k)),
            None => {
                return Err(validation_error(
                    "sort",
                    &format!(
                        "The value '{field}' is not valid for sort; expected {}, optionally prefixed with '-'.",
                        known.join(", ")
                    ),
                    trace_id,
                ))
            }
        }
    }
    let domains = domain_ids();
    let mut rows: Vec<&AccountTalentScan> = data
        .talent_scans
        .iter()
        .filter(|t| !should_have || !t.expectations.is_empty())
        .filter(|t| team_roles.is_empty() || in_top(data, &t.expectations, &team_roles))
        .filter(|t| work_values.is_empty() || in_top(data, &t.expectations, &work_values))
        .filter(|t| {
            domain_filter.is_empty() || domain_filter.contains(&domains[t.domain].to_lowercase())
        })
        .filter(|t| {
            external_ref
                .as_deref()
                .is_none_or(|r| t.external_ref.eq_ignore_ascii_case(r))
        })
        .filter(|t| {
            ats.as_deref().is_none_or(|a| {
                t.ats_client_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(a))
            })
        })
        .filter(|t| {
            search.as_deref().is_none_or(|needle| {
                format!("{} {} {}", t.first_name, t.last_name, talent_email(t))
                    .to_lowercase()
                    .contains(needle)
            })
        })
        .collect();
    let key = |t: &AccountTalentScan, field: &str| match field {
        "firstname" => t.first_name.to_lowercase(),
        "lastname" => t.last_name.to_lowercase(),
        "nationality" => t.nationality.to_lowercase(),
        _ => talent_email(t),
    };
    rows.sort_by(|a, b| {
        keys.iter()
            .fold(Ordering::Equal, |acc, (descending, field)| {
                acc.then_with(|| {
                    let o = if *field == "createdon" {
                        a.created.cmp(&b.created)
                    } else {
                        key(a, field).cmp(&key(b, field))
                    };
                    if *descending {
                        o.reverse()
                    } else {
                        o
                    }
                })
            })
    });
    let body: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|t| {
            json!({
                "clientId": KAZI_CLIENT_ID,
                "createdOn": time::format_rfc3339(t.created),
                "expectations": expectations_json(data, include, &t.expectations),
                "id": t.id,
                "atsClientId": t.ats_client_id,
                "clusterIds": [ids::guid_from(&format!("kazi/cluster/{}", t.domain))],
                "domainIds": [domains[t.domain]],
                "email": talent_email(t),
                "externalRef": t.external_ref,
                "firstName": t.first_name,
                "lastName": t.last_name,
                "nationality": t.nationality,
                "phone": t.phone,
                "schoolIds": [],
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, Value::Array(body)))
}

/// `GET /administrator/v2/jobscans?accountId=...` (path ours).
pub(crate) async fn job_scans_for_account(
    State(app): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize(&app, &headers, "read:jobscans") {
        return response;
    }
    match list(&app.kazi, &query, &request_id.0) {
        Ok(response) | Err(response) => response,
    }
}

fn list(
    data: &Data,
    query: &HashMap<String, String>,
    trace_id: &str,
) -> Result<Response, Response> {
    let AccountQuery {
        offset,
        count,
        should_have,
        include,
        team_roles,
        work_values,
    } = account_query(data, query, trace_id)?;
    let domains = domain_ids();
    let domain_filter: Vec<String> = query
        .get("domainIds")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let external_ref = query
        .get("externalRef")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let search = query
        .get("search")
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let sort = query
        .get("sort")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or("createdon");
    let mut keys: Vec<(bool, &str)> = Vec::new();
    for field in sort.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (descending, name) = match field.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, field.strip_prefix('+').unwrap_or(field)),
        };
        let name = name.to_ascii_lowercase();
        let known = [
            "createdon",
            "title",
            "employer",
            "contactfirstname",
            "contactlastname",
            "contactemail",
        ];
        match known.iter().find(|k| **k == name) {
            Some(k) => keys.push((descending, k)),
            None => {
                return Err(validation_error(
                    "sort",
                    &format!(
                        "The value '{field}' is not valid for sort; expected {}, optionally prefixed with '-'.",
                        known.join(", ")
                    ),
                    trace_id,
                ))
            }
        }
    }

    // Ranked in the top `n` of its kind: top 2 for one or two ids, else top n.
    let in_top = |scan: &AccountJobScan, wanted: &[String]| {
        let top = wanted.len().max(2);
        wanted.iter().all(|id| {
            scan.expectations
                .iter()
                .any(|e| data.expectations[e.index].id.eq_ignore_ascii_case(id) && e.rank <= top)
        })
    };
    let mut rows: Vec<&AccountJobScan> = data
        .job_scans
        .iter()
        .filter(|s| !should_have || !s.expectations.is_empty())
        .filter(|s| team_roles.is_empty() || in_top(s, &team_roles))
        .filter(|s| work_values.is_empty() || in_top(s, &work_values))
        .filter(|s| {
            domain_filter.is_empty() || domain_filter.contains(&domains[s.domain].to_lowercase())
        })
        .filter(|s| external_ref.is_none_or(|r| s.external_ref.eq_ignore_ascii_case(r)))
        .filter(|s| {
            search.as_deref().is_none_or(|needle| {
                let job = &data.matches[s.job];
                [
                    s.first_name.to_owned(),
                    s.last_name.to_owned(),
                    email(s, job.employer),
                    job.title.to_owned(),
                    job.employer.to_owned(),
                ]
                .iter()
                .any(|text| text.to_lowercase().contains(needle))
            })
        })
        .collect();
    let text_of = |s: &AccountJobScan, key: &str| -> String {
        let job = &data.matches[s.job];
        match key {
            "title" => job.title.to_lowercase(),
            "employer" => job.employer.to_lowercase(),
            "contactfirstname" => s.first_name.to_lowercase(),
            "contactlastname" => s.last_name.to_lowercase(),
            _ => email(s, job.employer),
        }
    };
    rows.sort_by(|a, b| {
        keys.iter().fold(Ordering::Equal, |acc, (descending, key)| {
            acc.then_with(|| {
                let o = if *key == "createdon" {
                    data.matches[a.job]
                        .created
                        .cmp(&data.matches[b.job].created)
                } else {
                    text_of(a, key).cmp(&text_of(b, key))
                };
                if *descending {
                    o.reverse()
                } else {
                    o
                }
            })
        })
    });
    let body: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|s| {
            let job = &data.matches[s.job];
            let expectations: Vec<Value> = if include {
                s.expectations
                    .iter()
                    .map(|e| {
                        json!({
                            "expectationId": data.expectations[e.index].id,
                            "score": e.score,
                            "outDated": false,
                            "rank": e.rank,
                            "reportRank": e.report_rank,
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            json!({
                "clientId": KAZI_CLIENT_ID,
                "createdOn": time::format_rfc3339(job.created),
                "expectations": expectations,
                "id": job.id,
                "title": job.title,
                "contactFirstName": s.first_name,
                "contactLastName": s.last_name,
                "contactEmail": email(s, job.employer),
                "contactCcEmail": [format!("hr@{}.example", job.employer.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase())],
                "contactPhone": s.phone,
                "employer": job.employer,
                "externalRef": s.external_ref,
                "domainIds": [domains[s.domain]],
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, Value::Array(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn call(data: &Data, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
        let query: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let response = match list(data, &query, "trace") {
            Ok(r) | Err(r) => r,
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn ids(body: &Value) -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn every_scan_oldest_first_by_default_and_pages_by_offset_and_count() {
        let data = Data::seed();
        let (status, all) = call(&data, &[("accountId", KNOWN_ACCOUNT_ID)]).await;
        assert_eq!(status, StatusCode::OK);
        let all_ids = ids(&all);
        assert_eq!(all_ids.len(), super::super::MATCH_COUNT);
        let created: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["createdOn"].as_str().unwrap())
            .collect();
        assert!(created.windows(2).all(|w| w[0] <= w[1]), "{created:?}");
        // Expectations only when asked for.
        assert_eq!(all[0]["expectations"], json!([]));
        let mut paged = Vec::new();
        for offset in (0..50).step_by(10) {
            let (_, page) = call(
                &data,
                &[
                    ("accountId", KNOWN_ACCOUNT_ID),
                    ("offset", &offset.to_string()),
                    ("count", "10"),
                ],
            )
            .await;
            paged.extend(ids(&page));
        }
        assert_eq!(paged, all_ids);
    }

    #[tokio::test]
    async fn filters_follow_the_documented_rules() {
        let data = Data::seed();
        let (_, calculated) = call(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("shouldHaveExpectations", "true"),
                ("includeExpectations", "true"),
            ],
        )
        .await;
        let calculated = calculated.as_array().unwrap();
        assert_eq!(calculated.len(), 39, "every 7th scan from the 4th has none");
        assert!(calculated
            .iter()
            .all(|s| s["expectations"].as_array().unwrap().len() == 12));
        // One team role: ranked in the top 2 of every scan returned.
        let innovator = &data.expectations[6].id;
        let (_, top) = call(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("teamRoleIds", innovator),
                ("includeExpectations", "true"),
            ],
        )
        .await;
        let top = top.as_array().unwrap();
        assert!(!top.is_empty() && top.len() < calculated.len());
        for scan in top {
            let e = scan["expectations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["expectationId"] == json!(innovator))
                .unwrap();
            assert!(e["rank"].as_u64().unwrap() <= 2, "{e}");
        }
        let (_, found) = call(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("search", "ACME logistics"),
                ("sort", "-contactlastname,createdon"),
            ],
        )
        .await;
        let found = found.as_array().unwrap();
        assert!(!found.is_empty());
        assert!(found
            .iter()
            .all(|s| s["employer"] == json!("Acme Logistics")));
        let last_names: Vec<&str> = found
            .iter()
            .map(|s| s["contactLastName"].as_str().unwrap())
            .collect();
        assert!(
            last_names.windows(2).all(|w| w[0] >= w[1]),
            "{last_names:?}"
        );
        let domain = &domain_ids()[1];
        let (_, in_domain) = call(
            &data,
            &[("accountId", KNOWN_ACCOUNT_ID), ("domainIds", domain)],
        )
        .await;
        assert_eq!(in_domain.as_array().unwrap().len(), 15);
        let (_, by_ref) = call(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("externalRef", "REQ-2024007"),
            ],
        )
        .await;
        assert_eq!(by_ref.as_array().unwrap().len(), 1);
        assert_eq!(by_ref[0]["externalRef"], json!("REQ-2024007"));
    }

    #[tokio::test]
    async fn bad_arguments_are_400_and_an_unknown_account_404() {
        let data = Data::seed();
        let team_roles: Vec<&str> = data.expectations[6..11]
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        let five = team_roles.join(",");
        for (pairs, field) in [
            (vec![], "accountId"),
            (
                vec![("accountId", KNOWN_ACCOUNT_ID), ("sort", "salary")],
                "sort",
            ),
            (
                vec![("accountId", KNOWN_ACCOUNT_ID), ("count", "0")],
                "count",
            ),
            (
                vec![
                    ("accountId", KNOWN_ACCOUNT_ID),
                    ("teamRoleIds", five.as_str()),
                ],
                "teamRoleIds",
            ),
            (
                vec![
                    ("accountId", KNOWN_ACCOUNT_ID),
                    ("workValueIds", team_roles[0]),
                ],
                "workValueIds",
            ),
            (
                vec![
                    ("accountId", KNOWN_ACCOUNT_ID),
                    ("includeExpectations", "yes"),
                ],
                "includeExpectations",
            ),
        ] {
            let (status, body) = call(&data, &pairs).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{pairs:?}");
            assert!(body["errors"].get(field).is_some(), "{body}");
        }
        let (status, body) = call(
            &data,
            &[("accountId", "5e1c0000-0000-4000-8000-000000000000")],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body["detail"].as_str().unwrap().contains("was not found"));
    }

    async fn talents(data: &Data, pairs: &[(&str, &str)]) -> (StatusCode, Value) {
        let query: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let response = match list_talents(data, &query, "trace") {
            Ok(r) | Err(r) => r,
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn talent_scans_start_with_the_known_talent_and_filter_as_documented() {
        let data = Data::seed();
        let (status, all) = talents(&data, &[("accountId", KNOWN_ACCOUNT_ID)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all.as_array().unwrap().len(), TALENT_COUNT);
        assert_eq!(all[0]["id"], json!(data.talent_scan_id));
        assert_eq!(
            (&all[0]["firstName"], &all[0]["lastName"]),
            (&json!("Sam"), &json!("Sandbox"))
        );
        let (_, calculated) = talents(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("shouldHaveExpectations", "true"),
                ("includeExpectations", "true"),
            ],
        )
        .await;
        assert_eq!(
            calculated.as_array().unwrap().len(),
            TALENT_COUNT - TALENT_COUNT / 5
        );
        let ats = ats_client_id();
        let (_, from_ats) = talents(
            &data,
            &[("accountId", KNOWN_ACCOUNT_ID), ("atsClientId", &ats)],
        )
        .await;
        let from_ats = from_ats.as_array().unwrap();
        assert_eq!(from_ats.len(), TALENT_COUNT / 3);
        assert!(from_ats.iter().all(|t| t["atsClientId"] == json!(ats)));
        let (_, sam) = talents(
            &data,
            &[("accountId", KNOWN_ACCOUNT_ID), ("search", "sam.sandbox@")],
        )
        .await;
        assert_eq!(sam.as_array().unwrap().len(), 1);
        let (_, by_name) = talents(
            &data,
            &[
                ("accountId", KNOWN_ACCOUNT_ID),
                ("sort", "-lastname,firstname"),
                ("count", "5"),
                ("offset", "2"),
            ],
        )
        .await;
        let names: Vec<&str> = by_name
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["lastName"].as_str().unwrap())
            .collect();
        assert_eq!(names.len(), 5);
        assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");
        let (status, body) =
            talents(&data, &[("accountId", KNOWN_ACCOUNT_ID), ("sort", "title")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["errors"].get("sort").is_some());
    }
}
