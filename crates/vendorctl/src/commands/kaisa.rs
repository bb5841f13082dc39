//! `vendorctl kaisa ...`: the Kaisa API.

use clap::Subcommand;
use kaisa::{
    Callback, Campaign, Cdr, Client, Customer, KaisaDateTime, Recording, Source,
    SourceServiceStatus, User, VoicemailGreeting,
};

use crate::catalog::{self, Purpose};
use crate::errors::{Failure, Vendor};
use crate::output::{rfc3339, with_rfc3339, yes_no, Output, PageInfo, Table};
use crate::Global;

/// Kaisa commands.
#[derive(Debug, Subcommand)]
pub enum KaisaCommand {
    /// Check that the API answers and the credentials work.
    Ping,
    /// List customers.
    Customers {
        /// Only this customer id.
        #[arg(long)]
        customer_id: Option<String>,
        /// Only this customer number.
        #[arg(long)]
        custnr: Option<String>,
    },
    /// One customer by id (customers/{id}).
    Customer {
        /// The customer id.
        customer_id: String,
    },
    /// A customer's voicemail greetings (its own and the system's), or one with its sound.
    Greetings {
        /// The customer id.
        customer_id: String,
        /// One greeting, with its sound (base64).
        #[arg(long)]
        id: Option<String>,
    },
    /// A customer's scheduled callbacks (Kaisa's default: from now to a week ahead).
    Callbacks {
        /// The customer id.
        customer_id: String,
        /// From this time, UTC, "YYYY-MM-DD HH:MM:SS".
        #[arg(long)]
        from: Option<String>,
        /// Up to this time, UTC, "YYYY-MM-DD HH:MM:SS".
        #[arg(long)]
        to: Option<String>,
    },
    /// A customer's campaigns, or one.
    Campaigns {
        /// The customer id.
        customer_id: String,
        /// Only this campaign.
        #[arg(long)]
        id: Option<String>,
    },
    /// Users (who log in to Kaisa), of one customer or all; activation tokens are never shown.
    Users {
        /// Only users of this customer.
        #[arg(long)]
        customer_id: Option<String>,
    },
    /// The numbers that may not call a customer.
    Blacklist {
        /// The customer id.
        customer_id: String,
    },
    /// List tracking numbers (sources), one page or --all.
    Sources {
        /// Only this customer id.
        #[arg(long)]
        customer_id: Option<String>,
        /// Only this status (active, upcoming, reserved, quarantined, archived, extended).
        #[arg(long)]
        status: Option<String>,
        /// Page to fetch (from 0).
        #[arg(long)]
        page: Option<u32>,
        /// Sources per page (1 to 1000).
        #[arg(long)]
        page_size: Option<u32>,
        /// Fetch every page (progress on stderr when it is a terminal).
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many sources.
        #[arg(long, requires = "all", value_name = "N")]
        max_items: Option<usize>,
    },
    /// Sources with a service problem (sources/statuses); empty when none has one.
    SourceStatuses {
        /// Only this customer id.
        #[arg(long)]
        customer_id: Option<String>,
        /// Only this source id.
        #[arg(long)]
        source_id: Option<String>,
    },
    /// Call recordings of a customer, or one recording with its sound (base64).
    Recordings {
        /// The customer whose recordings to list.
        #[arg(long, required_unless_present = "recording_id")]
        customer_id: Option<String>,
        /// One recording, with its sound.
        #[arg(long)]
        recording_id: Option<String>,
    },
    /// Outgoing call records (statistics/cdrs/out).
    Cdrs {
        /// From this time, UTC, "YYYY-MM-DD HH:MM:SS".
        #[arg(long)]
        from: Option<String>,
        /// Up to this time, UTC, "YYYY-MM-DD HH:MM:SS".
        #[arg(long)]
        to: Option<String>,
        /// Page to fetch (from 0).
        #[arg(long)]
        page: Option<u32>,
        /// Records per page (1 to 1000).
        #[arg(long)]
        page_size: Option<u32>,
        /// Fetch every page (progress on stderr when it is a terminal).
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many records.
        #[arg(long, requires = "all", value_name = "N")]
        max_items: Option<usize>,
    },
}

/// The Kaisa client configured from the KAISA_* variables (`--insecure-loopback`
/// adds to `KAISA_ALLOW_INSECURE_LOOPBACK`, never turns it off).
pub fn client(global: &Global) -> Result<Client, Failure> {
    client_for(global, Purpose::Api)
}

/// The Kaisa client for `purpose`, after checking every variable it needs at once
/// (the SDK's own errors remain the fallback).
pub fn client_for(global: &Global, purpose: Purpose) -> Result<Client, Failure> {
    catalog::of(Vendor::Kaisa).require(purpose, global.insecure_loopback)?;
    Client::builder()
        .read_env()
        .map(|b| crate::token_cache::apply!(b, global))
        .and_then(|b| {
            if global.insecure_loopback {
                b.allow_insecure_loopback(true).build()
            } else {
                b.build()
            }
        })
        .map_err(|e| Failure::from_sdk(Vendor::Kaisa, &e))
}

/// Runs a Kaisa command.
pub async fn run(cmd: KaisaCommand, global: &Global, out: Output) -> Result<(), Failure> {
    let client = client(global)?;
    let fail = |e: kaisa::Error| {
        let mut failure = Failure::from_sdk(Vendor::Kaisa, &e);
        // Kaisa also refuses calls from an address it was not told about.
        if let Some(hint) = kaisa::access_hint(&e) {
            failure.message.push_str(" (");
            failure.message.push_str(hint);
            failure.message.push(')');
        }
        failure
    };
    match cmd {
        KaisaCommand::Ping => {
            let ping = client.ping().await.map_err(fail)?;
            out.emit(&ping, || {
                let mut t = Table::new("Kaisa ping", &["answer"]);
                t.row([ping.ping.clone().unwrap_or_default()]);
                vec![t]
            });
        }
        KaisaCommand::Customers {
            customer_id,
            custnr,
        } => {
            let mut q = client.customers().list();
            if let Some(id) = customer_id {
                q = q.customer_id(id);
            }
            if let Some(n) = custnr {
                q = q.custnr(n);
            }
            let list = q.await.map_err(fail)?;
            out.emit_list(&list, None, || vec![customers_table(&list)]);
        }
        KaisaCommand::Customer { customer_id } => {
            let customer = client.customers().get(customer_id).await.map_err(fail)?;
            out.emit(&customer, || {
                vec![customers_table(std::slice::from_ref(&customer))]
            });
        }
        KaisaCommand::Greetings { customer_id, id } => {
            let mut q = client.customers().voicemail_greetings().list(customer_id);
            if let Some(id) = id {
                q = q.vm_greeting_id(id);
            }
            let list = q.await.map_err(fail)?;
            let items = with_rfc3339(&list, &["timestamp"], parse_time);
            out.emit_list(&items, None, || vec![greetings_table(&list)]);
        }
        KaisaCommand::Callbacks {
            customer_id,
            from,
            to,
        } => {
            let mut q = client.customers().callbacks().list(customer_id);
            if let Some(f) = from {
                q = q.from(f.parse::<KaisaDateTime>().map_err(fail)?);
            }
            if let Some(t) = to {
                q = q.to(t.parse::<KaisaDateTime>().map_err(fail)?);
            }
            let list = q.await.map_err(fail)?;
            let items = with_rfc3339(&list, &["scheduled"], parse_time);
            out.emit_list(&items, None, || vec![callbacks_table(&list)]);
        }
        KaisaCommand::Campaigns { customer_id, id } => {
            let mut q = client.customers().campaigns().list(customer_id);
            if let Some(id) = id {
                q = q.campaign_id(id);
            }
            let list = q.await.map_err(fail)?;
            let items = with_rfc3339(&list, &["timestamp", "expire"], parse_time);
            out.emit_list(&items, None, || vec![campaigns_table(&list)]);
        }
        KaisaCommand::Users { customer_id } => {
            let mut q = client.users().list();
            if let Some(id) = customer_id {
                q = q.customer_id(id);
            }
            let list = q.await.map_err(fail)?;
            out.emit_list(&list, None, || vec![users_table(&list)]);
        }
        KaisaCommand::Blacklist { customer_id } => {
            let list = client
                .customers()
                .blacklist()
                .get(customer_id)
                .await
                .map_err(fail)?;
            out.emit_list(&list, None, || {
                let mut t = Table::new(format!("Kaisa blacklist ({})", list.len()), &["number"]);
                for number in &list {
                    t.row([number.clone()]);
                }
                vec![t]
            });
        }
        KaisaCommand::Sources {
            customer_id,
            status,
            page,
            page_size,
            all,
            max_items,
        } => {
            let mut q = client.sources().list();
            if let Some(id) = customer_id {
                q = q.customer_id(id);
            }
            if let Some(s) = status {
                q = q.status(s.as_str());
            }
            if let Some(p) = page {
                q = q.page(p);
            }
            if let Some(s) = page_size {
                q = q.page_size(s);
            }
            let (list, info): (Vec<Source>, Option<PageInfo>) = if all {
                let (list, info) = super::collect_all(q.pages(), max_items, out, "Kaisa sources")
                    .await
                    .map_err(fail)?;
                (list, Some(info))
            } else {
                let list: Vec<Source> = q.await.map_err(fail)?;
                let info = (page.is_some() || page_size.is_some()).then(|| PageInfo {
                    page: Some(u64::from(page.unwrap_or(0))),
                    page_size: page_size.map(u64::from),
                    ..PageInfo::default()
                });
                (list, info)
            };
            let items = with_rfc3339(
                &list,
                &["timestamp", "expire", "created", "modified"],
                |text| {
                    KaisaDateTime::parse(text)
                        .ok()
                        .map(|t| t.as_offset_date_time())
                },
            );
            out.emit_list(&items, info.as_ref(), || vec![sources_table(&list)]);
        }
        KaisaCommand::SourceStatuses {
            customer_id,
            source_id,
        } => {
            let mut q = client.sources().statuses();
            if let Some(id) = customer_id {
                q = q.customer_id(id);
            }
            if let Some(id) = source_id {
                q = q.source_id(id);
            }
            let list = q.await.map_err(fail)?;
            out.emit_list(&list, None, || vec![statuses_table(&list)]);
        }
        KaisaCommand::Recordings {
            customer_id,
            recording_id,
        } => {
            let mut q = client.recordings().list();
            if let Some(id) = customer_id {
                q = q.customer_id(id);
            }
            if let Some(id) = recording_id {
                q = q.recording_id(id);
            }
            let list = q.await.map_err(fail)?;
            let items = with_rfc3339(&list, &["timestamp"], |text| {
                KaisaDateTime::parse(text)
                    .ok()
                    .map(|t| t.as_offset_date_time())
            });
            out.emit_list(&items, None, || vec![recordings_table(&list)]);
        }
        KaisaCommand::Cdrs {
            from,
            to,
            page,
            page_size,
            all,
            max_items,
        } => {
            let mut q = client.statistics().cdrs_out();
            if let Some(f) = from {
                q = q.from(f.parse::<KaisaDateTime>().map_err(fail)?);
            }
            if let Some(t) = to {
                q = q.to(t.parse::<KaisaDateTime>().map_err(fail)?);
            }
            if let Some(p) = page {
                q = q.page(p);
            }
            if let Some(s) = page_size {
                q = q.page_size(s);
            }
            let (list, info): (Vec<Cdr>, PageInfo) = if all {
                super::collect_all(q.pages(), max_items, out, "Kaisa outgoing calls")
                    .await
                    .map_err(fail)?
            } else {
                let list: Vec<Cdr> = q.await.map_err(fail)?;
                let info = PageInfo {
                    page: Some(u64::from(page.unwrap_or(0))),
                    page_size: page_size.map(u64::from),
                    ..PageInfo::default()
                };
                (list, info)
            };
            let items = with_rfc3339(&list, &["start"], |text| {
                KaisaDateTime::parse(text)
                    .ok()
                    .map(|t| t.as_offset_date_time())
            });
            out.emit_list(&items, Some(&info), || vec![cdrs_table(&list, &info)]);
        }
    }
    Ok(())
}

/// Customers as a table.
pub fn customers_table(list: &[Customer]) -> Table {
    let mut t = Table::new(
        format!("Kaisa customers ({})", list.len()),
        &["id", "name", "custnr", "email"],
    );
    for c in list {
        t.row([
            c.customer_id.to_string(),
            c.name.clone().unwrap_or_default(),
            c.custnr.clone().unwrap_or_default(),
            c.email.clone().unwrap_or_default(),
        ]);
    }
    t
}

/// Sources as a table.
pub fn sources_table(list: &[Source]) -> Table {
    let mut t = Table::new(
        format!("Kaisa sources ({})", list.len()),
        &["id", "name", "number", "destination", "status"],
    );
    for s in list {
        t.row([
            s.source_id.to_string(),
            s.name.clone().unwrap_or_default(),
            s.phonenr.clone().unwrap_or_default(),
            s.destnr.clone().unwrap_or_default(),
            s.status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ]);
    }
    t
}

/// Call records as a table, titled with their count and where they stand.
pub fn cdrs_table(list: &[Cdr], info: &PageInfo) -> Table {
    let mut t = Table::new(
        info.title("Kaisa outgoing calls", list.len()),
        &["cdr id", "start", "duration s", "from", "to", "answered"],
    );
    for c in list {
        t.row([
            c.cdr_id.to_string(),
            c.start
                .as_ref()
                .map(|t| rfc3339(t.as_offset_date_time()))
                .unwrap_or_default(),
            c.duration.map(|d| d.to_string()).unwrap_or_default(),
            c.anum.clone().unwrap_or_default(),
            c.bnum.clone().unwrap_or_default(),
            yes_no(c.answered),
        ]);
    }
    t
}

/// Source service problems as a table.
pub fn statuses_table(list: &[SourceServiceStatus]) -> Table {
    let mut t = Table::new(
        format!("Kaisa source statuses ({})", list.len()),
        &["source id", "service"],
    );
    for s in list {
        t.row([
            s.source_id.to_string(),
            s.service.clone().unwrap_or_default(),
        ]);
    }
    t
}

/// Recordings as a table (the sound's size, not the sound).
pub fn recordings_table(list: &[Recording]) -> Table {
    let mut t = Table::new(
        format!("Kaisa recordings ({})", list.len()),
        &[
            "recording id",
            "cdr id",
            "when",
            "expired",
            "sound (base64 chars)",
        ],
    );
    for r in list {
        t.row([
            r.recording_id.to_string(),
            r.cdr_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            r.timestamp
                .as_ref()
                .map(|t| rfc3339(t.as_offset_date_time()))
                .unwrap_or_default(),
            yes_no(r.expired),
            r.sounddata
                .as_ref()
                .map(|s| s.len().to_string())
                .unwrap_or_default(),
        ]);
    }
    t
}

/// A Kaisa timestamp as a UTC instant, for the RFC 3339 output.
fn parse_time(text: &str) -> Option<kaisa::time::OffsetDateTime> {
    KaisaDateTime::parse(text)
        .ok()
        .map(|t| t.as_offset_date_time())
}

/// Voicemail greetings as a table (the sound's size, not the sound).
pub fn greetings_table(list: &[VoicemailGreeting]) -> Table {
    let mut t = Table::new(
        format!("Kaisa voicemail greetings ({})", list.len()),
        &["id", "name", "system", "used by", "sound (base64 chars)"],
    );
    for g in list {
        t.row([
            g.vm_greeting_id.clone().unwrap_or_default(),
            g.name.clone().unwrap_or_default(),
            yes_no(g.locked),
            g.used_by
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            g.sounddata
                .as_ref()
                .map(|s| s.len().to_string())
                .unwrap_or_default(),
        ]);
    }
    t
}

/// Callbacks as a table.
pub fn callbacks_table(list: &[Callback]) -> Table {
    let mut t = Table::new(
        format!("Kaisa callbacks ({})", list.len()),
        &["id", "scheduled", "agent", "retries", "completed"],
    );
    for c in list {
        t.row([
            c.id.clone().unwrap_or_default(),
            c.scheduled
                .as_ref()
                .map(|t| rfc3339(t.as_offset_date_time()))
                .unwrap_or_default(),
            c.agent_nr.clone().unwrap_or_default(),
            c.retries.map(|r| r.to_string()).unwrap_or_default(),
            yes_no(c.completed),
        ]);
    }
    t
}

/// Campaigns as a table.
pub fn campaigns_table(list: &[Campaign]) -> Table {
    let mut t = Table::new(
        format!("Kaisa campaigns ({})", list.len()),
        &["id", "name", "sources", "recording", "state"],
    );
    for c in list {
        t.row([
            c.campaign_id.clone().unwrap_or_default(),
            c.name.clone().unwrap_or_default(),
            c.sources.len().to_string(),
            yes_no(c.call_recording),
            match c.state {
                Some(0) => "active".to_owned(),
                Some(1) => "upcoming".to_owned(),
                Some(2) => "archived".to_owned(),
                Some(n) => n.to_string(),
                None => String::new(),
            },
        ]);
    }
    t
}

/// Users as a table (whether activated, never the token).
pub fn users_table(list: &[User]) -> Table {
    let mut t = Table::new(
        format!("Kaisa users ({})", list.len()),
        &["id", "name", "customer", "write access", "activated"],
    );
    for u in list {
        t.row([
            u.user_id.clone().unwrap_or_default(),
            u.name.clone().unwrap_or_default(),
            u.customer_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            yes_no(u.write_access),
            if u.is_activated() { "yes" } else { "no" }.to_owned(),
        ]);
    }
    t
}
