//! `vendorctl kazi ...`: the Kazi Tagging API and the Administrator API's account lists.

use clap::Subcommand;
use kazi_tagging::{
    AccountJobScan, AccountTalentScan, Client, Expectation, JobMatch, ListAccountScansRequest,
    MatchOrder, NewTalentScan, TalentScanMatches,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::catalog::{self, Purpose};
use crate::errors::{Failure, Vendor};
use crate::output::{Output, PageInfo, Table};
use crate::Global;

/// Kazi commands.
#[derive(Debug, Subcommand)]
pub enum KaziCommand {
    /// List the expectations (work values and team roles).
    Expectations,
    /// Job matches of a talent scan.
    Matches {
        /// The talent scan id.
        talent_scan_id: String,
        /// Fetch every page (progress on stderr when it is a terminal).
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many matches.
        #[arg(long, requires = "all", value_name = "N")]
        max_items: Option<usize>,
        /// Page to fetch (from 1).
        #[arg(long)]
        page: Option<u32>,
        /// Matches per page (1 to 100).
        #[arg(long)]
        page_size: Option<u32>,
        /// Only jobs whose title or employer contains this text.
        #[arg(long)]
        search: Option<String>,
        /// match, work-value, team-role or created; a leading '-' sorts descending.
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
    },
    /// Job scans of an account (Administrator API, GetJobScansForAccount; needs read:jobscans).
    JobScans {
        #[command(flatten)]
        args: AccountScanArgs,
    },
    /// Create a talent scan (Identifying API; needs write:talentscans).
    CreateTalentScan {
        /// The talent's first name.
        #[arg(long)]
        first_name: Option<String>,
        /// The talent's last name.
        #[arg(long)]
        last_name: Option<String>,
        /// The talent's e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// The talent's phone number.
        #[arg(long)]
        phone: Option<String>,
        /// The talent's nationality.
        #[arg(long)]
        nationality: Option<String>,
        /// The scan's reference at your side.
        #[arg(long)]
        external_ref: Option<String>,
        /// The applicant tracking system the talent comes from.
        #[arg(long)]
        ats_client_id: Option<String>,
        /// A cluster id (repeatable).
        #[arg(long = "cluster", value_name = "CLUSTER_ID")]
        clusters: Vec<String>,
        /// A domain id (repeatable).
        #[arg(long = "domain", value_name = "DOMAIN_ID")]
        domains: Vec<String>,
        /// A school id (repeatable).
        #[arg(long = "school", value_name = "SCHOOL_ID")]
        schools: Vec<String>,
        /// The call's path, when Kazi's developer portal gives another than
        /// /identifying/v2/talentscans (Kazi's reference does not publish it).
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
    },
    /// Talent scans of an account (Administrator API; needs read:talentscans).
    TalentScans {
        #[command(flatten)]
        args: AccountScanArgs,
        /// Only talent scans linked to this applicant tracking system.
        #[arg(long)]
        ats_client_id: Option<String>,
    },
}

/// What `kazi job-scans` and `kazi talent-scans` take.
#[derive(Debug, clap::Args)]
pub struct AccountScanArgs {
    /// The account id.
    pub account_id: String,
    /// Fetch every batch (progress on stderr when it is a terminal).
    #[arg(long)]
    pub all: bool,
    /// With --all: stop after this many scans.
    #[arg(long, requires = "all", value_name = "N")]
    pub max_items: Option<usize>,
    /// Scans to skip (from 0).
    #[arg(long)]
    pub offset: Option<u32>,
    /// Scans per call (Kazi's default: 100).
    #[arg(long)]
    pub count: Option<u32>,
    /// Only scans containing this text (job scans: contact name or e-mail, title, employer;
    /// talent scans: name or e-mail).
    #[arg(long)]
    pub search: Option<String>,
    /// Fields to sort by, comma-separated, '-' for descending (e.g. -createdon,contactlastname
    /// for job scans, lastname,firstname for talent scans).
    #[arg(long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Only the scan with this reference at the account's side.
    #[arg(long)]
    pub external_ref: Option<String>,
    /// Only scans whose expectations have been calculated.
    #[arg(long)]
    pub calculated: bool,
    /// Include each scan's expectations.
    #[arg(long)]
    pub with_expectations: bool,
    /// Only scans ranking this team role in their top 2 (repeat: up to 4, top 3/4).
    #[arg(long = "team-role", value_name = "EXPECTATION_ID")]
    pub team_roles: Vec<String>,
    /// Only scans ranking this work value in their top 2 (repeat: up to 3, top 3).
    #[arg(long = "work-value", value_name = "EXPECTATION_ID")]
    pub work_values: Vec<String>,
    /// Only scans in this domain (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN_ID")]
    pub domains: Vec<String>,
    /// The call's path, when Kazi's developer portal gives another than
    /// /administrator/v2/jobscans or /administrator/v2/talentscans (Kazi's reference does
    /// not publish them).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
}

/// The Kazi client configured from the KAZI_* variables, for API calls
/// (`--insecure-loopback` adds to `KAZI_ALLOW_INSECURE_LOOPBACK`).
pub fn client(global: &Global) -> Result<Client, Failure> {
    client_for(global, Purpose::Api)
}

/// The Kazi client for `purpose`, after checking every variable it needs at once
/// (the SDK's own errors remain the fallback). For the token alone the subscription
/// key is not required: a placeholder the token request never sends stands in.
pub fn client_for(global: &Global, purpose: Purpose) -> Result<Client, Failure> {
    catalog::of(Vendor::Kazi).require(purpose, global.insecure_loopback)?;
    let mut builder = Client::builder();
    if purpose == Purpose::Token {
        builder = builder.subscription_key(catalog::UNUSED_BY_THE_TOKEN);
    }
    builder
        .read_env()
        .map(|b| crate::token_cache::apply!(b, global))
        .and_then(|b| {
            if global.insecure_loopback {
                b.allow_insecure_loopback(true).build()
            } else {
                b.build()
            }
        })
        .map_err(|e| Failure::from_sdk(Vendor::Kazi, &e))
}

/// Runs a Kazi command.
pub async fn run(cmd: KaziCommand, global: &Global, out: Output) -> Result<(), Failure> {
    let client = client(global)?;
    let fail = |e: kazi_tagging::Error| failure(&client, &e);
    match cmd {
        KaziCommand::Expectations => {
            let list = client.expectations().list().await.map_err(fail)?;
            out.emit_list(&list, None, || vec![expectations_table(&list)]);
        }
        KaziCommand::Matches {
            talent_scan_id,
            all,
            max_items,
            page,
            page_size,
            search,
            sort,
        } => {
            let mut req = client.talent_scans().matches(talent_scan_id.as_str());
            if let Some(p) = page {
                req = req.page(p);
            }
            if let Some(s) = page_size {
                req = req.page_size(s);
            }
            if let Some(s) = search {
                req = req.search(s);
            }
            if let Some(s) = sort {
                let order: MatchOrder = s.parse().map_err(fail)?;
                req = req.sort(order);
            }
            if all {
                let (matches, info) =
                    super::collect_all(req.pages(), max_items, out, "Kazi job matches")
                        .await
                        .map_err(fail)?;
                out.emit_list(&matches, Some(&info), || {
                    vec![matches_table(
                        &info.title(
                            &format!("Job matches of talent scan {talent_scan_id}"),
                            matches.len(),
                        ),
                        &matches,
                    )]
                });
            } else {
                let page = req.send().await.map_err(fail)?;
                let p = &page.pagination;
                let info = PageInfo {
                    page: p.current_page,
                    page_size: p.page_size,
                    total_pages: p.amount_of_pages,
                    total_items: p.total_amount,
                    ..PageInfo::default()
                };
                out.emit_list(&page.matches, Some(&info), || {
                    vec![page_table(&talent_scan_id, &page)]
                });
            }
        }
        KaziCommand::JobScans { args } => {
            let req = configure(
                client.administrator().job_scans(args.account_id.as_str()),
                &args,
            );
            let title = |n: usize, info: &str| {
                format!("Job scans of account {} ({n}{info})", args.account_id)
            };
            list_scans(req, &args, out, "Kazi job scans", fail, |scans, info| {
                vec![job_scans_table(&title(scans.len(), info), scans)]
            })
            .await?;
        }
        KaziCommand::CreateTalentScan {
            first_name,
            last_name,
            email,
            phone,
            nationality,
            external_ref,
            ats_client_id,
            clusters,
            domains,
            schools,
            path,
        } => {
            let mut talent = NewTalentScan::new();
            let text = |v: Option<String>| v.unwrap_or_default();
            talent = talent
                .first_name(text(first_name))
                .last_name(text(last_name))
                .email(text(email))
                .phone(text(phone))
                .nationality(text(nationality))
                .external_ref(text(external_ref))
                .ats_client_id(text(ats_client_id));
            for id in clusters {
                talent = talent.cluster_id(id);
            }
            for id in domains {
                talent = talent.domain_id(id);
            }
            for id in schools {
                talent = talent.school_id(id);
            }
            let mut req = client.talent_scans().create(talent);
            if let Some(p) = path {
                req = req.path(p);
            }
            let scan = req.await.map_err(fail)?;
            out.emit(&scan, || {
                vec![talent_scans_table(
                    &format!("Talent scan {} created", scan.id),
                    std::slice::from_ref(&scan),
                )]
            });
        }
        KaziCommand::TalentScans {
            args,
            ats_client_id,
        } => {
            let mut req = configure(
                client
                    .administrator()
                    .talent_scans(args.account_id.as_str()),
                &args,
            );
            if let Some(ats) = ats_client_id {
                req = req.ats_client_id(ats);
            }
            let title = |n: usize, info: &str| {
                format!("Talent scans of account {} ({n}{info})", args.account_id)
            };
            list_scans(req, &args, out, "Kazi talent scans", fail, |scans, info| {
                vec![talent_scans_table(&title(scans.len(), info), scans)]
            })
            .await?;
        }
    }
    Ok(())
}

/// The options both account lists share, applied to `req`.
fn configure<T>(
    mut req: ListAccountScansRequest<T>,
    args: &AccountScanArgs,
) -> ListAccountScansRequest<T>
where
    T: DeserializeOwned + Send + 'static,
{
    req = req
        .team_role_ids(args.team_roles.iter().map(String::as_str))
        .work_value_ids(args.work_values.iter().map(String::as_str))
        .domain_ids(args.domains.iter().cloned());
    if let Some(o) = args.offset {
        req = req.offset(o);
    }
    if let Some(c) = args.count {
        req = req.count(c);
    }
    if let Some(s) = &args.search {
        req = req.search(s.as_str());
    }
    for field in args.sort.iter().flat_map(|s| s.split(',')) {
        req = req.sort(field.trim());
    }
    if let Some(r) = &args.external_ref {
        req = req.external_ref(r.as_str());
    }
    if args.calculated {
        req = req.should_have_expectations(true);
    }
    if args.with_expectations {
        req = req.include_expectations(true);
    }
    if let Some(p) = &args.path {
        req = req.path(p.as_str());
    }
    req
}

/// Fetches one batch, or every batch with `--all`, and prints the list.
async fn list_scans<T>(
    req: ListAccountScansRequest<T>,
    args: &AccountScanArgs,
    out: Output,
    label: &str,
    fail: impl Fn(kazi_tagging::Error) -> Failure,
    tables: impl FnOnce(&[T], &str) -> Vec<Table>,
) -> Result<(), Failure>
where
    T: DeserializeOwned + Serialize + Send + 'static,
{
    if args.all {
        let (scans, info) = super::collect_all(req.pages(), args.max_items, out, label)
            .await
            .map_err(fail)?;
        out.emit_list(&scans, Some(&info), || {
            tables(&scans, &format!("; {}", info.describe()))
        });
    } else {
        let scans = req.send().await.map_err(fail)?;
        let info = PageInfo {
            page_size: Some(u64::from(
                args.count
                    .unwrap_or(kazi_tagging::api::DEFAULT_JOB_SCAN_COUNT),
            )),
            ..PageInfo::default()
        };
        out.emit_list(&scans, Some(&info), || tables(&scans, ""));
    }
    Ok(())
}

/// Talent scans as a table: name, e-mail, nationality, created, expectations.
pub fn talent_scans_table(title: &str, scans: &[AccountTalentScan]) -> Table {
    let mut t = Table::new(
        title,
        &[
            "id",
            "name",
            "email",
            "nationality",
            "created",
            "expectations",
        ],
    );
    for s in scans {
        let name = [s.first_name.as_deref(), s.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        t.row([
            s.id.to_string(),
            name,
            s.email.clone().unwrap_or_default(),
            s.nationality.clone().unwrap_or_default(),
            s.created_on.clone().unwrap_or_default(),
            s.expectations.len().to_string(),
        ]);
    }
    t
}

/// Job scans as a table: title, employer, contact, created, and the top-ranked
/// expectations when they were asked for.
pub fn job_scans_table(title: &str, scans: &[AccountJobScan]) -> Table {
    let mut t = Table::new(
        title,
        &[
            "id",
            "title",
            "employer",
            "contact",
            "created",
            "expectations",
        ],
    );
    for s in scans {
        let contact = [
            s.contact_first_name.as_deref(),
            s.contact_last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        t.row([
            s.id.to_string(),
            s.title.clone().unwrap_or_default(),
            s.employer.clone().unwrap_or_default(),
            contact,
            s.created_on.clone().unwrap_or_default(),
            s.expectations.len().to_string(),
        ]);
    }
    t
}

/// An SDK error as a failure; the crate's own hint (an invalid key names `KAZI_ENV`:
/// test and production keys differ) replaces the generic one.
pub fn failure(client: &Client, err: &kazi_tagging::Error) -> Failure {
    match client.hint(err) {
        Some(hint) => Failure {
            message: format!("{}: {err} (hint: {hint})", Vendor::Kazi.name()),
            code: crate::errors::exit_code(err),
        },
        None => Failure::from_sdk(Vendor::Kazi, err),
    }
}

/// Expectations as a table.
pub fn expectations_table(list: &[Expectation]) -> Table {
    let mut t = Table::new(
        format!("Kazi expectations ({})", list.len()),
        &["id", "name", "kind"],
    );
    for e in list {
        t.row([
            e.id_str().to_owned(),
            e.expectation_name.clone().unwrap_or_default(),
            e.kind().to_string(),
        ]);
    }
    t
}

/// One page of matches as a table, titled with its position.
pub fn page_table(talent_scan_id: &str, page: &TalentScanMatches) -> Table {
    let p = &page.pagination;
    let title = format!(
        "Job matches of talent scan {talent_scan_id}: page {} of {} ({} matches in all)",
        p.current_page.unwrap_or(0),
        p.amount_of_pages.unwrap_or(0),
        p.total_amount.unwrap_or(page.matches.len() as u64)
    );
    matches_table(&title, &page.matches)
}

/// Matches as a table.
pub fn matches_table(title: &str, matches: &[JobMatch]) -> Table {
    let mut t = Table::new(
        title,
        &["job", "employer", "match", "team roles", "work values"],
    );
    let num = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    for m in matches {
        t.row([
            m.job_scan.title.clone().unwrap_or_default(),
            m.job_scan.employer.clone().unwrap_or_default(),
            num(m.match_score),
            num(m.subtotal_team_roles),
            num(m.subtotal_work_values),
        ]);
    }
    t
}
