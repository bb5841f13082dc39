//! `vendorctl sandbox`: the local server, for trying the CLI and the SDKs.

use vendor_sandbox::{Sandbox, SandboxConfig};

use crate::errors::Failure;
use crate::output::Output;

/// Starts the sandbox on `port`, prints the variables to export, serves until Ctrl-C.
pub async fn run(port: u16, out: Output) -> Result<(), Failure> {
    let mut sandbox = Sandbox::start(SandboxConfig::default().with_port(port))
        .await
        .map_err(|e| Failure::other(format!("cannot start the sandbox: {e}")))?;
    let vars = sandbox.env_vars();
    if out.json {
        let map: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "base_url": sandbox.base_url(), "env": map })
        );
    } else {
        eprintln!(
            "# vendor sandbox listening on {} (Ctrl-C to stop); in another shell:",
            sandbox.base_url()
        );
        for (k, v) in &vars {
            println!("export {k}='{v}'");
        }
        println!("export VENDORCTL_INSECURE_LOOPBACK=1");
    }
    tokio::select! {
        r = sandbox.wait() => r.map_err(|e| Failure::other(format!("the sandbox stopped: {e}")))?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("# stopping");
            sandbox
                .shutdown()
                .await
                .map_err(|e| Failure::other(format!("the sandbox did not stop cleanly: {e}")))?;
        }
    }
    Ok(())
}
