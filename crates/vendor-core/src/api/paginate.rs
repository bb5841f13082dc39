//! Turning "fetch page N" into a stream of items.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::error::Error;

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

struct State<F> {
    fetch: F,
    next_page: u32,
    first_page: u32,
    /// Items in the pages yielded so far.
    yielded: u64,
    done: bool,
}

/// A stream over every page of a paged list, totals included.
///
/// `fetch(n)` fetches page `n`, starting at `first_page` (0 or 1, as the API
/// counts). The stream stops after the last page by total pages, after the total
/// item count, after a page shorter than the page size, or after an empty page
/// (which is still yielded, so that its totals are seen); an error is yielded once
/// and ends the stream.
pub fn paginate_pages<T, E, F, Fut>(
    first_page: u32,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>, E>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let state = State {
        fetch,
        next_page: first_page,
        first_page,
        yielded: 0,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        let page_no = st.next_page;
        match (st.fetch)(page_no).await {
            Err(e) => {
                st.done = true;
                Some((Err(e), st))
            }
            Ok(page) => {
                let fetched_pages = u64::from(page_no - st.first_page) + 1;
                let count = page.items.len() as u64;
                st.done = count == 0
                    || page.total_pages.is_some_and(|t| fetched_pages >= t)
                    || page.total_items.is_some_and(|t| st.yielded + count >= t)
                    || page.page_size.is_some_and(|s| count < s)
                    || page_no - st.first_page + 1 >= MAX_PAGES;
                st.yielded += count;
                st.next_page = page_no.saturating_add(1);
                Some((Ok(page), st))
            }
        }
    })
}

/// A stream over every item of a paged list: [`paginate_pages`], flattened.
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
    use futures_util::StreamExt as _;
    paginate_pages(first_page, fetch).flat_map(|page| {
        let items: Vec<Result<T, E>> = match page {
            Ok(page) => page.items.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        futures_util::stream::iter(items)
    })
}

/// The items of a paged list as an owned stream (`Send + Unpin + 'static`), as
/// every vendor crate's `stream()` returns it.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

/// The pages of a paged list, totals included, as an owned stream
/// (`Send + Unpin + 'static`), as every vendor crate's `pages()` returns it.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<Page<T>, Error>> + Send>>,
}

impl<T> ItemStream<T> {
    /// Wraps any stream of items.
    pub fn new(stream: impl Stream<Item = Result<T, Error>> + Send + 'static) -> Self {
        Self {
            inner: Box::pin(stream),
        }
    }
}

impl<T> PageStream<T> {
    /// Wraps any stream of pages.
    pub fn new(stream: impl Stream<Item = Result<Page<T>, Error>> + Send + 'static) -> Self {
        Self {
            inner: Box::pin(stream),
        }
    }
}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<Page<T>, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}
