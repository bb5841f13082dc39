//! The token cache across runs: tokens kept in the platform's cache directory
//! (`oauth-cache-file`), so that a shell loop of vendorctl calls makes one token
//! request per credential, not one per call. `--no-token-cache` (or
//! `VENDORCTL_NO_TOKEN_CACHE=1`) turns it off; `vendorctl cache clear` empties it.

use std::sync::{Arc, OnceLock};

use oauth_cache_file::FileTokenCache;
use oauth_core::TokenCache;
use serde_json::json;

use crate::errors::Failure;
use crate::output::{Output, Table};
use crate::Global;

/// The application name of the cache's directory (`~/.cache/vendorctl/tokens`).
const APP: &str = "vendorctl";

/// The process's file token cache, made on first use; `None` when turned off or
/// when it cannot be made (then each client keeps its tokens in memory).
pub fn for_global(global: &Global) -> Option<Arc<dyn TokenCache>> {
    static CACHE: OnceLock<Option<Arc<dyn TokenCache>>> = OnceLock::new();
    if global.no_token_cache {
        return None;
    }
    CACHE
        .get_or_init(|| {
            FileTokenCache::builder(APP)
                .build()
                .ok()
                .map(|c| Arc::new(c) as Arc<dyn TokenCache>)
        })
        .clone()
}

/// Gives the vendor client builder `$builder` the file token cache, unless off.
macro_rules! apply {
    ($builder:expr, $global:expr) => {
        match $crate::token_cache::for_global($global) {
            Some(cache) => $builder.token_cache(cache),
            None => $builder,
        }
    };
}
pub(crate) use apply;

/// `vendorctl cache clear`: removes every cached token file.
pub fn clear(out: Output) -> Result<(), Failure> {
    let cache = FileTokenCache::builder(APP)
        .build()
        .map_err(|e| Failure::usage(format!("the token cache: {e}")))?;
    let removed = cache
        .clear()
        .map_err(|e| Failure::other(format!("cannot clear the token cache: {e}")))?;
    let dir = cache
        .dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "(none)".to_owned());
    let value = json!({ "removed": removed, "dir": dir });
    out.emit(&value, || {
        let mut t = Table::new("Token cache cleared", &["removed", "directory"]).whole_cells();
        t.row([removed.to_string(), dir.clone()]);
        vec![t]
    });
    Ok(())
}
