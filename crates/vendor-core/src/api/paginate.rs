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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures_util::{FutureExt as _, StreamExt as _};

    use super::*;

    /// A fake paged list: page `first_page + i` holds `sizes[i]` items; a page past
    /// the table holds one item, as an API that ignores the page number answers.
    /// Every page carries the same totals and page size.
    #[derive(Default)]
    struct Api {
        sizes: Vec<usize>,
        total_pages: Option<u64>,
        total_items: Option<u64>,
        page_size: Option<u64>,
    }

    /// What a walk through the list did.
    #[derive(Debug)]
    struct Walk {
        /// The page numbers asked for, in order.
        asked: Vec<u32>,
        /// The number of items on each page yielded.
        yielded: Vec<usize>,
    }

    /// Streams the pages of `api` from `first_page`, at most `limit` of them (so that
    /// a stream that would never end still ends the test).
    fn walk(first_page: u32, api: Api, limit: usize) -> Walk {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let stream = paginate_pages(first_page, move |n: u32| {
            log.lock().unwrap().push(n);
            let size = api
                .sizes
                .get((n - first_page) as usize)
                .copied()
                .unwrap_or(1);
            let page = Page::new(vec![n; size])
                .total_pages(api.total_pages)
                .total_items(api.total_items)
                .page_size(api.page_size);
            std::future::ready(Ok::<_, ()>(page))
        });
        let pages: Vec<Result<Page<u32>, ()>> = stream
            .take(limit)
            .collect()
            .now_or_never()
            .expect("the fake API answers at once");
        let yielded = pages.into_iter().map(|p| p.unwrap().items.len()).collect();
        let asked = asked.lock().unwrap().clone();
        Walk { asked, yielded }
    }

    const LIMIT: usize = 20;

    #[test]
    fn stops_after_the_last_page_by_total_pages() {
        let cases: [(u32, Vec<usize>, u64, Vec<u32>); 5] = [
            (1, vec![2, 2, 2], 3, vec![1, 2, 3]),
            (0, vec![2, 2, 2], 3, vec![0, 1, 2]),
            (1, vec![2], 1, vec![1]),
            (0, vec![2], 1, vec![0]),
            // Pages numbered from 7 (an API resuming a listing).
            (7, vec![2, 2], 2, vec![7, 8]),
        ];
        for (first_page, sizes, total_pages, asked) in cases {
            let api = Api {
                sizes: sizes.clone(),
                total_pages: Some(total_pages),
                ..Api::default()
            };
            let w = walk(first_page, api, LIMIT);
            assert_eq!(
                w.asked, asked,
                "first page {first_page}, {total_pages} page(s)"
            );
            assert_eq!(w.yielded, sizes, "first page {first_page}");
        }
    }

    #[test]
    fn a_total_page_count_ends_the_list_even_when_the_last_page_is_full() {
        // The page size says "maybe more", the total says "no more".
        let api = Api {
            sizes: vec![2, 2],
            total_pages: Some(2),
            page_size: Some(2),
            ..Api::default()
        };
        assert_eq!(walk(1, api, LIMIT).asked, [1, 2]);
        let api = Api {
            sizes: vec![2, 2],
            total_items: Some(4),
            page_size: Some(2),
            ..Api::default()
        };
        assert_eq!(walk(1, api, LIMIT).asked, [1, 2]);
    }

    #[test]
    fn stops_once_the_total_item_count_is_reached() {
        // (sizes, total items, pages asked for)
        let cases: [(Vec<usize>, u64, Vec<u32>); 6] = [
            // Reached exactly on the first page.
            (vec![3], 3, vec![1]),
            (vec![1], 1, vec![1]),
            // Reached exactly on a short last page.
            (vec![2, 2, 1], 5, vec![1, 2, 3]),
            // Reached exactly on a full last page.
            (vec![2, 2], 4, vec![1, 2]),
            // One item short after two pages: a third is asked for.
            (vec![2, 2, 2], 5, vec![1, 2, 3]),
            // The API delivers more than it announced.
            (vec![4], 3, vec![1]),
        ];
        for (sizes, total_items, asked) in cases {
            let api = Api {
                sizes: sizes.clone(),
                total_items: Some(total_items),
                ..Api::default()
            };
            let w = walk(1, api, LIMIT);
            assert_eq!(w.asked, asked, "{sizes:?}, {total_items} item(s)");
            assert_eq!(w.yielded, sizes, "{sizes:?}");
        }
    }

    #[test]
    fn a_page_shorter_than_the_page_size_is_the_last() {
        // (sizes, page size, pages asked for)
        let cases: [(Vec<usize>, u64, Vec<u32>); 5] = [
            // One item short on the first page.
            (vec![9], 10, vec![1]),
            (vec![1], 2, vec![1]),
            // Full pages, then a short one.
            (vec![2, 2, 1], 2, vec![1, 2, 3]),
            // The last page exactly full: one more (empty) page is asked for.
            (vec![2, 2, 0], 2, vec![1, 2, 3]),
            (vec![3, 3, 3, 2], 3, vec![1, 2, 3, 4]),
        ];
        for (sizes, page_size, asked) in cases {
            let api = Api {
                sizes: sizes.clone(),
                page_size: Some(page_size),
                ..Api::default()
            };
            let w = walk(1, api, LIMIT);
            assert_eq!(w.asked, asked, "{sizes:?}, page size {page_size}");
            assert_eq!(w.yielded, sizes, "{sizes:?}");
        }
    }

    #[test]
    fn an_empty_page_ends_the_list_and_is_still_yielded() {
        let api = Api {
            sizes: vec![2, 0],
            ..Api::default()
        };
        let w = walk(1, api, LIMIT);
        assert_eq!(w.asked, [1, 2]);
        assert_eq!(w.yielded, [2, 0]);
        // An empty first page, whatever the totals claim.
        let api = Api {
            sizes: vec![0],
            total_pages: Some(5),
            total_items: Some(50),
            page_size: Some(10),
        };
        let w = walk(0, api, LIMIT);
        assert_eq!(w.asked, [0]);
        assert_eq!(w.yielded, [0]);
    }

    #[test]
    fn without_totals_full_pages_are_followed() {
        let api = Api {
            sizes: vec![2; 5],
            ..Api::default()
        };
        let w = walk(1, api, 5);
        assert_eq!(w.asked, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn an_api_that_ignores_the_page_number_is_stopped_after_max_pages() {
        for first_page in [0, 1] {
            let api = Api::default(); // one item on every page, no totals
            let w = walk(first_page, api, MAX_PAGES as usize + 10);
            assert_eq!(w.asked.len(), MAX_PAGES as usize, "first page {first_page}");
            assert_eq!(w.asked.first(), Some(&first_page));
            assert_eq!(w.asked.last(), Some(&(first_page + MAX_PAGES - 1)));
        }
    }

    #[test]
    fn an_error_is_yielded_once_and_ends_the_stream() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let stream = paginate_pages(1, move |n: u32| {
            log.lock().unwrap().push(n);
            let answer = if n == 2 {
                Err("page 2 failed")
            } else {
                Ok(Page::new(vec![n; 2]).page_size(Some(2)))
            };
            std::future::ready(answer)
        });
        let pages: Vec<_> = stream.take(LIMIT).collect().now_or_never().unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].as_ref().map(|p| p.items.clone()), Ok(vec![1, 1]));
        assert_eq!(pages[1], Err("page 2 failed"));
        assert_eq!(*asked.lock().unwrap(), [1, 2]);
    }

    #[test]
    fn streams_show_their_kind_in_debug() {
        let pages = PageStream::<u32>::new(futures_util::stream::empty());
        assert_eq!(format!("{pages:?}"), "PageStream { .. }");
        let items = ItemStream::<u32>::new(futures_util::stream::empty());
        assert_eq!(format!("{items:?}"), "ItemStream { .. }");
    }
}
