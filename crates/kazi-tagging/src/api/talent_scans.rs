//! `GET /tagging/v2/bulk/talentscans/{id}/matches`.

use std::future::Future;
use std::pin::Pin;

use futures_util::StreamExt as _;
use serde::Serialize;
use vendor_core::kit::CallOptions;
use vendor_core::{paginate, paginate_pages, path_segment, ApiClient, Page, Request};

use crate::api::NewTalentScan;
use crate::models::{JobMatch, MatchOrder, TalentScanId, TalentScanMatches};
use crate::{Client, Error, ItemStream, PageStream, Response, Result, Scope};

/// Most matches Kazi returns per page.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Talent scans (candidates' scans): `client.talent_scans()`.
#[derive(Debug, Clone, Copy)]
pub struct TalentScans<'a> {
    client: &'a Client,
}

impl<'a> TalentScans<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates a talent scan (the Identifying API's "Create a talent scan"): the
    /// talent's details, after which the scan's answers can be added. Needs the scope
    /// `write:talentscans`.
    ///
    /// Kazi's reference gives no URL: this crate posts to
    /// [`CREATE_TALENT_SCAN_PATH`](crate::api::CREATE_TALENT_SCAN_PATH) (ours);
    /// [`path`](crate::api::CreateTalentScanRequest::path) replaces it.
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use kazi_tagging::NewTalentScan;
    ///
    /// let scan = client
    ///     .talent_scans()
    ///     .create(NewTalentScan::new().first_name("Lena").last_name("Peeters").email("lena@example.org"))
    ///     .await?;
    /// println!("talent scan {} created {:?}", scan.id, scan.created_on);
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs:
    /// <https://docs.kazi.co/docs/api/api-reference/identifying/talent-scans/create-talent-scan/>.
    pub fn create(&self, talent: NewTalentScan) -> crate::api::CreateTalentScanRequest {
        crate::api::CreateTalentScanRequest {
            client: self.client.clone(),
            body: talent,
            path: crate::api::CREATE_TALENT_SCAN_PATH.to_owned(),
            options: CallOptions::default(),
        }
    }

    /// The job scans that match a talent scan, best first by default:
    /// `GET /tagging/v2/bulk/talentscans/{id}/matches`. Needs the scope
    /// `read:talentscans`.
    ///
    /// Returns a request to refine with [`page`](ListMatchesRequest::page),
    /// [`page_size`](ListMatchesRequest::page_size),
    /// [`search`](ListMatchesRequest::search) and [`sort`](ListMatchesRequest::sort),
    /// then await (or [`send`](ListMatchesRequest::send)) for one page,
    /// [`stream`](ListMatchesRequest::stream) for every match or
    /// [`pages`](ListMatchesRequest::pages) for every page with its totals.
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use kazi_tagging::MatchSort;
    ///
    /// let page = client
    ///     .talent_scans()
    ///     .matches("8f14e45f-ceea-467a-9575-6d6a1b1f3f5e")
    ///     .sort(MatchSort::WorkValue.descending())
    ///     .page_size(50)
    ///     .await?;
    /// for m in &page.matches {
    ///     println!("{:?} at {:?}: {:?}", m.job_scan.title, m.job_scan.employer, m.match_score);
    /// }
    /// println!("page {:?} of {:?}", page.pagination.current_page, page.pagination.amount_of_pages);
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs:
    /// <https://docs.kazi.co/docs/api/api-reference/tagging/matches/talent-scan-job-matches>.
    pub fn matches(&self, talent_scan_id: impl Into<TalentScanId>) -> ListMatchesRequest {
        ListMatchesRequest {
            client: self.client.clone(),
            spec: Spec {
                id: talent_scan_id.into(),
                page: None,
                page_size: None,
                search: None,
                sort: None,
            },
            options: CallOptions::default(),
        }
    }
}

/// A job matches query being built: see [`TalentScans::matches`].
///
/// It owns a clone of the client, so it (and its streams) can be moved to another
/// task.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or its stream is polled"]
pub struct ListMatchesRequest {
    client: Client,
    spec: Spec,
    options: CallOptions,
}

/// What a query asks for, detached from the client so that a stream can own it.
#[derive(Debug, Clone)]
struct Spec {
    id: TalentScanId,
    page: Option<u32>,
    page_size: Option<u32>,
    search: Option<String>,
    sort: Option<MatchOrder>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query<'q> {
    page: Option<u32>,
    page_size: Option<u32>,
    search: Option<&'q str>,
    sort: Option<String>,
}

impl Spec {
    /// Checks the arguments and describes the call for `page`.
    fn request(&self, page: Option<u32>) -> Result<Request> {
        // Refuses an empty id, `.` and `..` (also percent-encoded), which URL joining
        // would resolve to another endpoint, before anything is sent.
        let id = path_segment("talent_scan_id", self.id.as_str().trim())?;
        if page == Some(0) {
            return Err(Error::invalid(
                "page",
                "Kazi numbers pages from 1".to_owned(),
            ));
        }
        if let Some(size) = self.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::invalid(
                    "page_size",
                    format!("{size} is outside 1..={MAX_PAGE_SIZE}, the range Kazi accepts"),
                ));
            }
        }
        let query = Query {
            page,
            page_size: self.page_size,
            search: self.search.as_deref(),
            sort: self.sort.map(|s| s.to_string()),
        };
        let path = format!("/tagging/v2/bulk/talentscans/{id}/matches");
        Ok(Request::get(path)
            .query(&query)
            .require_role(Scope::ReadTalentScans)
            .operation("kazi_tagging.talent_scans.matches"))
    }
}

impl ListMatchesRequest {
    vendor_core::call_options!();

    /// The page to fetch, from 1 (`page`; Kazi's default is 1). For
    /// [`stream`](Self::stream) and [`pages`](Self::pages), the page to start at.
    pub fn page(mut self, page: u32) -> Self {
        self.spec.page = Some(page);
        self
    }

    /// Matches per page, 1 to 100 (`pageSize`; Kazi's default is 20). Checked before
    /// anything is sent.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.spec.page_size = Some(page_size);
        self
    }

    /// Only matches whose job scan fits this text (`search`). An empty text searches
    /// nothing.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        let text: String = text.into();
        self.spec.search = (!text.trim().is_empty()).then_some(text);
        self
    }

    /// The order (`sort`): for example `MatchSort::Created.ascending()`. Kazi's
    /// default is `-match`, best match first.
    pub fn sort(mut self, order: impl Into<MatchOrder>) -> Self {
        self.spec.sort = Some(order.into());
        self
    }

    /// Fetches one page (what awaiting the request does).
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// let first = client.talent_scans().matches("8f14e45f-ceea-467a-9575-6d6a1b1f3f5e").send().await?;
    /// if first.pagination.has_next() {
    ///     // ... ask for `.page(2)`, or use `.stream()`
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument), before sending,
    ///   for a talent scan id that is empty, `.` or `..` (also percent-encoded), page
    ///   0, or a page size outside 1..=100.
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403: a missing or invalid
    ///   subscription key, or a token without `read:talentscans`.
    /// - [`Error::Api`](crate::Error::Api) with status 404 for an unknown talent scan,
    ///   400 for arguments Kazi refuses.
    /// - [`Error::Token`](crate::Error::Token), [`Error::Decode`](crate::Error::Decode),
    ///   transport and timeout errors as for every call.
    ///
    /// Vendor docs:
    /// <https://docs.kazi.co/docs/api/api-reference/tagging/matches/talent-scan-job-matches>.
    pub async fn send(self) -> Result<TalentScanMatches> {
        let request = self.options.apply(self.spec.request(self.spec.page)?);
        self.client.core.api().send(request).await
    }

    /// Fetches one page, with the answer's status, headers and request id (quote it
    /// in a support ticket).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<TalentScanMatches>> {
        let request = self.options.apply(self.spec.request(self.spec.page)?);
        self.client.core.api().send_with_response(request).await
    }

    /// Every match, page after page (from [`page`](Self::page), else page 1), until
    /// the last page by `pagination.amountOfPages` (or a short or empty page).
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let all: Vec<kazi_tagging::JobMatch> = client
    ///     .talent_scans()
    ///     .matches("8f14e45f-ceea-467a-9575-6d6a1b1f3f5e")
    ///     .search("engineer")
    ///     .page_size(100)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// println!("{} matching job scans", all.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The stream yields the first error of any page (see [`send`](Self::send)) and
    /// ends there.
    pub fn stream(self) -> ItemStream<JobMatch> {
        let (first, fetch) = self.fetcher();
        ItemStream::new(paginate(first, fetch))
    }

    /// Every page, as [`stream`](Self::stream) walks them, each with Kazi's totals:
    /// [`Page::total_pages`](crate::Page::total_pages) is `pagination.amountOfPages`
    /// and [`Page::total_items`](crate::Page::total_items) `pagination.totalAmount`
    /// (both for the whole list, also when starting at a later [`page`](Self::page)).
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let mut pages = client
    ///     .talent_scans()
    ///     .matches("8f14e45f-ceea-467a-9575-6d6a1b1f3f5e")
    ///     .page_size(20)
    ///     .pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} matches of {:?}", page.items.len(), page.total_items);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`stream`](Self::stream).
    pub fn pages(self) -> PageStream<JobMatch> {
        let (first, fetch) = self.fetcher();
        let skipped = u64::from(first.saturating_sub(1));
        PageStream::new(
            paginate_pages(first, fetch).map(move |page| page.map(|p| absolute(p, skipped))),
        )
    }

    /// The first page and the function fetching page `n`, owning what it needs.
    fn fetcher(self) -> (u32, impl FnMut(u32) -> PageFuture + Send + 'static) {
        let api: ApiClient = self.client.core.api().clone();
        let Self { spec, options, .. } = self;
        let first = spec.page.unwrap_or(1);
        let fetch = move |n: u32| {
            let request = spec.request(Some(n)).map(|r| options.apply(r));
            let asked_size = spec.page_size;
            let api = api.clone();
            Box::pin(async move {
                let page: TalentScanMatches = api.send(request?).await?;
                Ok(relative(page, first, asked_size))
            }) as PageFuture
        };
        (first, fetch)
    }
}

vendor_core::into_future!(ListMatchesRequest => TalentScanMatches);

/// One page being fetched by a stream.
type PageFuture = Pin<Box<dyn Future<Output = Result<Page<JobMatch>>> + Send + 'static>>;

/// Kazi's counters are absolute; the paginator counts from the page it started at,
/// so that it stops at the last page: the totals of the pages not walked are taken
/// off (the item total only when the page size is known).
fn relative(page: TalentScanMatches, first: u32, asked_size: Option<u32>) -> Page<JobMatch> {
    let skipped = u64::from(first.saturating_sub(1));
    let p = page.pagination;
    let size = p.page_size.or(asked_size.map(u64::from));
    let total_items = match (skipped, size) {
        (0, _) => p.total_amount,
        (_, Some(size)) => p
            .total_amount
            .and_then(|t| t.checked_sub(skipped.saturating_mul(size))),
        (_, None) => None,
    };
    Page::new(page.matches)
        .total_pages(p.amount_of_pages.map(|t| t.saturating_sub(skipped)))
        .total_items(total_items)
        .page_size(size)
}

/// The totals of a page made [`relative`], for the whole list again.
fn absolute(page: Page<JobMatch>, skipped: u64) -> Page<JobMatch> {
    if skipped == 0 {
        return page;
    }
    let total_pages = page.total_pages.map(|t| t.saturating_add(skipped));
    let total_items = match (page.total_items, page.page_size) {
        (Some(t), Some(size)) => Some(t.saturating_add(skipped.saturating_mul(size))),
        _ => None,
    };
    page.total_pages(total_pages).total_items(total_items)
}
