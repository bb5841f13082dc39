//! A token and one call, configured from the environment.

use azure_core::credentials::{Secret, TokenCredential};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|e| format!("{name}: {e}"));
    let credential = azure_identity::ClientSecretCredential::new(
        &var("AZURE_TENANT_ID")?,
        var("AZURE_CLIENT_ID")?,
        Secret::new(var("AZURE_CLIENT_SECRET")?),
        None,
    )?;
    let token = credential.get_token(&[&var("API_SCOPE")?], None).await?;
    let url = azure_core::http::Url::parse(&var("API_URL")?)?;
    let mut request = azure_core::http::Request::new(url, azure_core::http::Method::Get);
    request.insert_header("authorization", format!("Bearer {}", token.token.secret()));
    let pipeline = azure_core::http::Pipeline::new(None, None, Default::default(), Vec::new(), Vec::new(), None);
    let response = pipeline
        .send(&azure_core::http::Context::new(), &mut request, None)
        .await?;
    println!("{}", response.status());
    Ok(())
}
