//! `vendorctl kazi ...`: the Kazi Tagging API.

use clap::Subcommand;
use kazi_tagging::{Client, Expectation, JobMatch, MatchOrder, TalentScanMatches};

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
    let fail = |e: kazi_tagging::Error| Failure::from_sdk(Vendor::Kazi, &e);
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
                        &format!(
                            "Job matches of talent scan {talent_scan_id} ({}; {})",
                            matches.len(),
                            info.describe()
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
    }
    Ok(())
}

/// Expectations as a table.
pub fn expectations_table(list: &[Expectation]) -> Table {
    let mut t = Table::new(
        format!("Kazi expectations ({})", list.len()),
        &["id", "name", "kind"],
    );
    for e in list {
        t.row([
            e.expectation_id.to_string(),
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
