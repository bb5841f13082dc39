//! Reads the client from the `OKQ8_*` variables (as `vendorctl sandbox` prints them),
//! fetches the public fuel prices and, with OAuth, the first page of stations.

use okq8::{AuthMode, Client};

/// Reads the configuration, makes the calls, prints what came back.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let prices = client.get_json("public/v1/prices").await?;
    let count = prices["items"].as_array().map_or(0, Vec::len);
    println!("{count} fuel prices");
    if client.auth_mode() == AuthMode::OAuth {
        let page = client
            .paged::<serde_json::Value>("core/v1/stations")
            .await?;
        println!(
            "{} stations on page 1 of {}",
            page.items.len(),
            page.total_pages.unwrap_or(1)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
