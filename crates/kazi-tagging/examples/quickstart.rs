//! Lists Kazi's expectations with a client configured from the `KAZI_*` variables,
//! and, when `KAZI_TALENT_SCAN_ID` is set, the first page of that talent scan's job
//! matches.
//!
//! ```text
//! cargo run -p kazi-tagging --example quickstart
//! ```

use kazi_tagging::{AuthErrorKind, Client, ExpectationKind};

/// Makes the calls and prints a short summary.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;

    let expectations = client.expectations().list().await?;
    let count = |kind: ExpectationKind| expectations.iter().filter(|e| e.kind() == kind).count();
    println!(
        "{} expectations ({} work values, {} team roles)",
        expectations.len(),
        count(ExpectationKind::WorkValue),
        count(ExpectationKind::TeamRole)
    );

    if let Ok(talent_scan_id) = std::env::var("KAZI_TALENT_SCAN_ID") {
        let page = client
            .talent_scans()
            .matches(talent_scan_id.as_str())
            .page_size(5)
            .await?;
        println!(
            "{:?} job matches for talent scan {talent_scan_id}; the best:",
            page.pagination.total_amount
        );
        for m in &page.matches {
            println!(
                "  {:>5.1}  {}",
                m.match_score.unwrap_or_default(),
                m.job_scan.title.as_deref().unwrap_or("?")
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        let kind = e
            .downcast_ref::<kazi_tagging::Error>()
            .and_then(kazi_tagging::Error::auth_kind);
        if let Some(AuthErrorKind::MissingRole { required, .. }) = kind {
            eprintln!("(ask Kazi to grant the application the scope {required})");
        }
        std::process::exit(1);
    }
}
