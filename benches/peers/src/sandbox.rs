//! azure_identity's `ClientSecretCredential`, pointed at the sandbox's authority over
//! TLS, obtains tokens for OKQ8 and Keyavi; each token is validated against the
//! sandbox's JWKS (found through the tenant's OpenID configuration: RS256 signature,
//! issuer, audience, lifetime) and used for one API call.

use std::time::{SystemTime, UNIX_EPOCH};

use azure_core::credentials::TokenCredential;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use vendor_sandbox::{Sandbox, SandboxConfig, SandboxTls};

struct Case {
    vendor: &'static str,
    tenant: String,
    client_id: String,
    secret: String,
    scope: String,
    audience: String,
    api_url: String,
    key: String,
    caller_id: Option<String>,
}

pub async fn check() -> Result<(), String> {
    let tls = SandboxTls::generate().map_err(|e| e.to_string())?;
    let sandbox = Sandbox::start(SandboxConfig::default().with_tls(tls))
        .await
        .map_err(|e| e.to_string())?;
    let ca = sandbox
        .ca_certificate_pem()
        .ok_or("the sandbox serves no TLS")?
        .to_owned();
    let okq8 = sandbox.okq8();
    let keyavi = sandbox.keyavi();
    let cases = [
        Case {
            vendor: "OKQ8",
            tenant: okq8.tenant.clone(),
            client_id: okq8.client_id.clone(),
            secret: okq8.client_secret.clone(),
            audience: okq8.scope.trim_end_matches("/.default").to_owned(),
            scope: okq8.scope.clone(),
            api_url: format!("{}core/v1/stations", okq8.base_url),
            key: okq8.subscription_key.clone(),
            caller_id: None,
        },
        Case {
            vendor: "Keyavi",
            tenant: keyavi.tenant.clone(),
            client_id: keyavi.client_id.clone(),
            secret: keyavi.client_secret.clone(),
            audience: keyavi.app_scope.trim_end_matches("/.default").to_owned(),
            scope: keyavi.app_scope.clone(),
            api_url: format!("{}logs/payload", keyavi.base_url),
            key: keyavi.subscription_key.clone(),
            caller_id: Some(keyavi.caller_id.clone()),
        },
    ];
    let ca_cert = reqwest013::Certificate::from_pem(ca.as_bytes()).map_err(|e| e.to_string())?;
    let http = reqwest013::Client::builder()
        .tls_certs_only([ca_cert])
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "azure_identity {} against the sandbox at {} (TLS, its own CA)",
        env!("PEER_AZURE_IDENTITY"),
        sandbox.base_url()
    );
    for case in &cases {
        let credential = crate::peers::azure_credential(
            sandbox.base_url(),
            &ca,
            &case.tenant,
            &case.client_id,
            &case.secret,
        )
        .map_err(|e| format!("{}: {e}", case.vendor))?;
        let token = credential
            .get_token(&[case.scope.as_str()], None)
            .await
            .map_err(|e| format!("{}: get_token: {e}", case.vendor))?;
        let jwt = token.token.secret();
        let claims = validate(&http, sandbox.base_url(), case, jwt).await?;
        let mut call = http
            .get(&case.api_url)
            .bearer_auth(jwt)
            .header("Ocp-Apim-Subscription-Key", &case.key);
        if let Some(caller) = &case.caller_id {
            call = call.header("x-api-caller-id", caller);
        }
        let status = call
            .send()
            .await
            .map_err(|e| format!("{}: API call: {e}", case.vendor))?
            .status();
        if !status.is_success() {
            return Err(format!(
                "{}: GET {} answered {status}",
                case.vendor, case.api_url
            ));
        }
        println!(
            "ok {}: token for {} (iss {}, aud {}, ver {}, roles {}); signature valid under the JWKS's kid {}; GET {} -> {}",
            case.vendor,
            case.scope,
            claims["iss"].as_str().unwrap_or("?"),
            claims["aud"].as_str().unwrap_or("?"),
            claims["ver"].as_str().unwrap_or("?"),
            claims["roles"],
            claims["kid"].as_str().unwrap_or("?"),
            case.api_url.trim_start_matches(sandbox.base_url()),
            status.as_u16()
        );
    }
    Ok(())
}

/// Checks `jwt` the way a resource server does, from the tenant's published metadata
/// only; returns its claims (with the header's `kid` added).
async fn validate(
    http: &reqwest013::Client,
    base: &str,
    case: &Case,
    jwt: &str,
) -> Result<Value, String> {
    let v = case.vendor;
    let get = |url: String| async move {
        let text = http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        serde_json::from_str::<Value>(&text).map_err(|e| format!("{url}: {e}"))
    };
    let metadata = get(format!(
        "{base}/{}/v2.0/.well-known/openid-configuration",
        case.tenant
    ))
    .await?;
    let jwks_uri = metadata["jwks_uri"]
        .as_str()
        .ok_or(format!("{v}: no jwks_uri"))?;
    let issuer = metadata["issuer"]
        .as_str()
        .ok_or(format!("{v}: no issuer"))?
        .replace("{tenantid}", &case.tenant);
    let jwks = get(jwks_uri.to_owned()).await?;
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("{v}: not a JWS compact token"));
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| format!("{v}: {e}"))
    };
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|e| e.to_string())?;
    let mut claims: Value = serde_json::from_slice(&decode(p)?).map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" {
        return Err(format!("{v}: alg {}", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or(format!("{v}: no kid"))?;
    let key = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
        .ok_or(format!("{v}: kid {kid} not in the JWKS"))?;
    let n = decode(key["n"].as_str().unwrap_or(""))?;
    let e = decode(key["e"].as_str().unwrap_or(""))?;
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{h}.{p}").as_bytes(),
            &decode(s)?,
        )
        .map_err(|_| format!("{v}: the signature does not verify"))?;
    if claims["iss"] != issuer.as_str() {
        return Err(format!("{v}: iss {} is not {issuer}", claims["iss"]));
    }
    if claims["aud"] != case.audience.as_str() {
        return Err(format!(
            "{v}: aud {} is not {}",
            claims["aud"], case.audience
        ));
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    let (nbf, exp) = (claims["nbf"].as_u64(), claims["exp"].as_u64());
    if !matches!((nbf, exp), (Some(nbf), Some(exp)) if nbf <= now + 60 && now < exp) {
        return Err(format!(
            "{v}: outside its lifetime (nbf {nbf:?}, exp {exp:?})"
        ));
    }
    claims["kid"] = Value::String(kid.to_owned());
    Ok(claims)
}
