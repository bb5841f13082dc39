//! A page of a list: `{"items": [...], "page": N, "totalPages": M}`, and
//! `"totalItems"` when the API sends it.

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
    /// How many items there are, when the API says (`totalItems`).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_items: Option<u64>,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> ItemPage<T> {
    /// A page with `items` and nothing else known (build on it with the setters).
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            page: None,
            total_pages: None,
            total_items: None,
            extra: Map::new(),
        }
    }

    /// Sets this page's number.
    #[must_use]
    pub fn page(mut self, page: Option<u64>) -> Self {
        self.page = page;
        self
    }

    /// Sets the number of pages.
    #[must_use]
    pub fn total_pages(mut self, total_pages: Option<u64>) -> Self {
        self.total_pages = total_pages;
        self
    }

    /// Sets the number of items.
    #[must_use]
    pub fn total_items(mut self, total_items: Option<u64>) -> Self {
        self.total_items = total_items;
        self
    }

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
            r#"{"items":[{"id":"SE-1001"}],"page":"1","totalPages":3,"totalItems":"5","validFrom":"x"}"#,
        )
        .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!((page.page, page.total_pages), (Some(1), Some(3)));
        assert_eq!(page.total_items, Some(5));
        assert!(page.has_next());
        let built = ItemPage::new(vec![1, 2])
            .page(Some(3))
            .total_pages(Some(3))
            .total_items(Some(6));
        assert!(!built.has_next());
        assert_eq!(built.total_items, Some(6));
        assert_eq!(page.extra.get("validFrom"), Some(&Value::from("x")));
        assert!(serde_json::from_str::<ItemPage<Value>>(r#"{"data":[]}"#).is_err());
    }
}
