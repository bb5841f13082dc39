//! Quick start: a client from the `KAISA_*` environment variables, a ping and the
//! customer list.
//!
//! ```text
//! export KAISA_CLIENT_ID=... KAISA_CLIENT_SECRET=...
//! # against a local sandbox, also the lines `vendorctl sandbox` prints:
//! # KAISA_BASE_URL=http://127.0.0.1:.../kaisa KAISA_TOKEN_URL=... KAISA_ALLOW_INSECURE_LOOPBACK=1
//! cargo run -p kaisa --example quickstart
//! ```

use kaisa::Client;

/// Pings the API and lists the customers (public, so that a test can include this
/// file with `#[path]` and run it against the sandbox).
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let ping = client.ping().await?;
    println!(
        "Kaisa {} answers ping: {}",
        client.api_version(),
        ping.ping.as_deref().unwrap_or("?")
    );
    let customers = client.customers().list().await?;
    println!("{} customers", customers.len());
    for customer in customers.iter().take(5) {
        println!(
            "  {} {}",
            customer.customer_id,
            customer.name.as_deref().unwrap_or("")
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
