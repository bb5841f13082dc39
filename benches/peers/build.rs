//! The compared crates' versions, read from this package's own lock file, for the table.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (name, var) in [
        ("azure_identity", "PEER_AZURE_IDENTITY"),
        ("azure_core", "PEER_AZURE_CORE"),
        ("oauth2", "PEER_OAUTH2"),
        ("oauth-core", "PEER_OAUTH_CORE"),
    ] {
        let version = lock
            .split("[[package]]")
            .find(|p| p.contains(&format!("name = \"{name}\"\n")))
            .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
            .map(|v| v.trim_end_matches('"').to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        println!("cargo:rustc-env={var}={version}");
    }
}
