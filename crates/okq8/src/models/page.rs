//! A page of a list: `{"items": [...], "page": N, "totalPages": M}`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient;

/// One page of a list shaped `{"items": [...], "page": N, "totalPages": M}` (ours:
/// the sandbox's station list; OKQ8 publishes no schemas). Read by
/// [`Client::paged`](crate::Client::paged); fields beyond these are kept in
/// [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: DeserializeOwned"))]
#[non_exhaustive]
pub struct ItemPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<u64>,
    /// How many pages there are.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_pages: Option<u64>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> ItemPage<T> {
    /// Whether pages follow this one (`false` when the counters are missing).
    pub fn has_next(&self) -> bool {
        matches!((self.page, self.total_pages), (Some(p), Some(t)) if p < t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_stations_shape() {
        let page: ItemPage<Value> = serde_json::from_str(
            r#"{"items":[{"id":"SE-1001"}],"page":"1","totalPages":3,"validFrom":"x"}"#,
        )
        .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!((page.page, page.total_pages), (Some(1), Some(3)));
        assert!(page.has_next());
        assert_eq!(page.extra.get("validFrom"), Some(&Value::from("x")));
        assert!(serde_json::from_str::<ItemPage<Value>>(r#"{"data":[]}"#).is_err());
    }
}
