//! The Keyavi quick start: a client from the `KEYAVI_*` environment variables (as
//! `vendorctl sandbox` prints them), one page of the audit log, and a file protected
//! remotely.
//!
//! ```sh
//! cargo run -p keyavi --example quickstart
//! ```

use keyavi::Client;

/// Reads the configuration, makes two calls, prints what came back.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    println!(
        "Keyavi at {} ({:?} mode)",
        client.base_url(),
        client.auth_mode()
    );

    let page = client.logs().payload().page(1).await?;
    println!(
        "audit log: {} records in all, {} on page 1",
        page.pagination.total_records.unwrap_or(0),
        page.data.len()
    );
    for record in page.data.iter().take(3) {
        println!(
            "  {:?} {:?} -> {:?}",
            record.payload_name,
            record.action_attempted.as_ref().map(|a| a.as_str()),
            record.result.as_ref().map(|r| r.as_str())
        );
    }

    let payload = client
        .payloads()
        .protect_remote(b"quick start".to_vec(), "quickstart.txt")
        .await?;
    println!(
        "protected {:?}: payload {:?}, {} bytes of .IKD",
        payload.payload_name,
        payload.payload_id.as_ref().map(|id| id.as_str()),
        payload.ikd_bytes().map_or(0, <[u8]>::len)
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
