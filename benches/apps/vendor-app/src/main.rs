//! A token and one call, configured from the environment.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = okq8::Client::from_env()?;
    let station = client.get_json("core/v1/stations/SE-1001").await?;
    println!("{station}");
    Ok(())
}
