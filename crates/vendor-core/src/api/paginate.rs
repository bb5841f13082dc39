//! Turning "fetch page N" into a stream of items.

use std::collections::VecDeque;
use std::future::Future;

use futures_core::Stream;

/// One page of a list, as a vendor crate reads it from the vendor's envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Total number of pages, if the API says.
    pub total_pages: Option<u64>,
    /// Total number of items, if the API says.
    pub total_items: Option<u64>,
    /// The page size asked for: a shorter page is the last one.
    pub page_size: Option<u64>,
}

impl<T> Page<T> {
    /// A page with its items and nothing known about the rest.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total_pages: None,
            total_items: None,
            page_size: None,
        }
    }

    /// Sets the total number of pages.
    #[must_use]
    pub fn total_pages(mut self, pages: Option<u64>) -> Self {
        self.total_pages = pages;
        self
    }

    /// Sets the total number of items.
    #[must_use]
    pub fn total_items(mut self, items: Option<u64>) -> Self {
        self.total_items = items;
        self
    }

    /// Sets the page size asked for.
    #[must_use]
    pub fn page_size(mut self, size: Option<u64>) -> Self {
        self.page_size = size;
        self
    }
}

/// Most pages a stream fetches: a guard against an API that ignores the page number.
pub const MAX_PAGES: u32 = 100_000;

struct State<T, F> {
    fetch: F,
    next_page: u32,
    first_page: u32,
    buffer: VecDeque<T>,
    yielded: u64,
    done: bool,
}

/// A stream over every item of a paged list.
///
/// `fetch(n)` fetches page `n`, starting at `first_page` (0 or 1, as the API
/// counts). The stream stops after the last page by total pages, after the total
/// item count, after a page shorter than the page size, or on an empty page; an
/// error is yielded once and ends the stream.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use futures_util::StreamExt;
/// use vendor_core::{paginate, Page};
///
/// let pages = vec![vec![1, 2], vec![3, 4], vec![5]];
/// let items: Vec<Result<i32, ()>> = paginate(1, move |n| {
///     let page = pages.get(n as usize - 1).cloned().unwrap_or_default();
///     async move { Ok(Page::new(page).total_pages(Some(3))) }
/// })
/// .collect()
/// .await;
/// assert_eq!(items, vec![Ok(1), Ok(2), Ok(3), Ok(4), Ok(5)]);
/// # });
/// ```
pub fn paginate<T, E, F, Fut>(first_page: u32, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let state = State {
        fetch,
        next_page: first_page,
        first_page,
        buffer: VecDeque::new(),
        yielded: 0,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.buffer.pop_front() {
                st.yielded += 1;
                return Some((Ok(item), st));
            }
            if st.done {
                return None;
            }
            let page_no = st.next_page;
            match (st.fetch)(page_no).await {
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
                Ok(page) => {
                    let fetched_pages = u64::from(page_no - st.first_page) + 1;
                    let count = page.items.len() as u64;
                    let last = count == 0
                        || page.total_pages.is_some_and(|t| fetched_pages >= t)
                        || page.total_items.is_some_and(|t| st.yielded + count >= t)
                        || page.page_size.is_some_and(|s| count < s)
                        || page_no - st.first_page + 1 >= MAX_PAGES;
                    st.done = last;
                    st.next_page = page_no.saturating_add(1);
                    st.buffer.extend(page.items);
                }
            }
        }
    })
}
