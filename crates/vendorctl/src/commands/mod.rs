//! One module per command group.

pub mod completions;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod kaisa;
pub mod kazi;
pub mod keyavi;
pub mod okq8;
pub mod sandbox;
pub mod token;

use futures_util::StreamExt as _;
use vendor_core::{Page, PageStream};

use crate::output::{Output, PageInfo};

/// Reads every page of `pages` (at most `max_items` items), telling progress on a
/// terminal: `label: page 3 of 7, 60 items`.
///
/// # Errors
///
/// The first page's error: nothing is printed from a list that failed midway.
pub async fn collect_all<T>(
    mut pages: PageStream<T>,
    max_items: Option<usize>,
    out: Output,
    label: &str,
) -> Result<(Vec<T>, PageInfo), vendor_core::Error> {
    let mut items = Vec::new();
    let mut info = PageInfo::default();
    let mut fetched = 0u64;
    while let Some(page) = pages.next().await {
        let Page {
            items: page_items,
            total_pages,
            total_items,
            page_size,
            ..
        } = match page {
            Ok(page) => page,
            Err(e) => {
                out.progress_done();
                return Err(e);
            }
        };
        fetched += 1;
        info.total_pages = total_pages.or(info.total_pages);
        info.total_items = total_items.or(info.total_items);
        info.page_size = page_size.or(info.page_size);
        items.extend(page_items);
        let of = info
            .total_pages
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        out.progress(format!(
            "{label}: page {fetched}{of}, {} items",
            items.len()
        ));
        if let Some(max) = max_items {
            if items.len() >= max {
                info.truncated =
                    items.len() > max || info.total_items.is_none_or(|t| t > max as u64);
                items.truncate(max);
                break;
            }
        }
    }
    out.progress_done();
    info.pages_fetched = Some(fetched);
    Ok((items, info))
}
