//! The Kazi Administrator API: an account's job scans (`GetJobScansForAccount`) and
//! talent scans ("Get talent scans for account").

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use serde::Serialize;
use vendor_core::kit::CallOptions;
use vendor_core::{paginate, paginate_pages, ApiClient, Page, Request};

use serde::de::DeserializeOwned;

use crate::models::{AccountId, AccountJobScan, AccountTalentScan, ExpectationId};
use crate::{Client, Error, ItemStream, PageStream, Response, Result, Scope};

/// Where `GetJobScansForAccount` is sent. Kazi's reference pages give its parameters
/// and answer but not its URL, so this path is this crate's choice (recorded in the
/// workspace's `docs/WIRE_SHAPES.md`); when the developer portal's "Request URL"
/// says otherwise, set it with [`ListAccountJobScansRequest::path`].
pub const ACCOUNT_JOB_SCANS_PATH: &str = "/administrator/v2/jobscans";

/// Where "Get talent scans for account" is sent: as for
/// [`ACCOUNT_JOB_SCANS_PATH`], Kazi's reference does not give the URL, so this path is
/// this crate's choice; [`ListAccountTalentScansRequest::path`] replaces it.
pub const ACCOUNT_TALENT_SCANS_PATH: &str = "/administrator/v2/talentscans";

/// Scans Kazi returns when `count` is not given.
pub const DEFAULT_JOB_SCAN_COUNT: u32 = 100;

/// Most team role ids one filter may name (the ranking rules stop at a top 4).
pub const MAX_TEAM_ROLE_FILTER: usize = 4;

/// Most work value ids one filter may name (the ranking rules stop at a top 3).
pub const MAX_WORK_VALUE_FILTER: usize = 3;

/// The Administrator API: `client.administrator()`.
#[derive(Debug, Clone, Copy)]
pub struct Administrator<'a> {
    client: &'a Client,
}

impl<'a> Administrator<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The job scans of an account (`GetJobScansForAccount`), paged by `offset` and
    /// `count`, filtered by reference, expectations and domains, searched and sorted.
    /// Needs the scope `read:jobscans`.
    ///
    /// Await the request (or [`send`](ListAccountJobScansRequest::send)) for one
    /// batch, or call [`stream`](ListAccountJobScansRequest::stream) for every job
    /// scan.
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// use futures_util::TryStreamExt;
    ///
    /// let account = "0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40";
    /// let newest = client
    ///     .administrator()
    ///     .job_scans(account)
    ///     .should_have_expectations(true)
    ///     .include_expectations(true)
    ///     .search("engineer")
    ///     .sort("-createdon")
    ///     .count(25)
    ///     .await?;
    /// for scan in &newest {
    ///     println!("{:?} at {:?}: {} expectations", scan.title, scan.employer, scan.expectations.len());
    /// }
    /// let all: Vec<_> = client.administrator().job_scans(account).stream().try_collect().await?;
    /// println!("{} job scans in all", all.len());
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs:
    /// <https://docs.kazi.co/docs/api/api-reference/administrator/accounts/get-job-scans-for-account/>,
    /// <https://docs.kazi.co/docs/api/tutorials/filter-on-expectations/>.
    pub fn job_scans(&self, account_id: impl Into<AccountId>) -> ListAccountJobScansRequest {
        ListAccountScansRequest::new(
            self.client,
            account_id.into(),
            ACCOUNT_JOB_SCANS_PATH,
            Scope::ReadJobScans,
            "kazi_tagging.administrator.job_scans",
        )
    }

    /// The talent scans of an account ("Get talent scans for account"), with the
    /// same paging, filters and sorting as [`job_scans`](Self::job_scans) plus
    /// [`ats_client_id`](ListAccountTalentScansRequest::ats_client_id); `search`
    /// looks in the talent's name and e-mail. Needs the scope `read:talentscans`
    /// (ours: the reference names none).
    ///
    /// ```no_run
    /// # async fn demo(client: kazi_tagging::Client) -> kazi_tagging::Result<()> {
    /// let talents = client
    ///     .administrator()
    ///     .talent_scans("0f5e8a2c-4b7d-4e19-9c3a-6d2b8e1f7a40")
    ///     .should_have_expectations(true)
    ///     .sort("lastname")
    ///     .await?;
    /// for t in &talents {
    ///     println!("{:?} {:?} <{:?}>", t.first_name, t.last_name, t.email);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs:
    /// <https://docs.kazi.co/docs/api/api-reference/administrator/accounts/get-talent-scans-for-account/>.
    pub fn talent_scans(&self, account_id: impl Into<AccountId>) -> ListAccountTalentScansRequest {
        ListAccountScansRequest::new(
            self.client,
            account_id.into(),
            ACCOUNT_TALENT_SCANS_PATH,
            Scope::ReadTalentScans,
            "kazi_tagging.administrator.talent_scans",
        )
    }
}

/// An account's job scans being asked for: see [`Administrator::job_scans`].
pub type ListAccountJobScansRequest = ListAccountScansRequest<AccountJobScan>;

/// An account's talent scans being asked for: see [`Administrator::talent_scans`].
pub type ListAccountTalentScansRequest = ListAccountScansRequest<AccountTalentScan>;

/// An account's scans being asked for: [`ListAccountJobScansRequest`] or
/// [`ListAccountTalentScansRequest`] (`T` is the scan decoded).
///
/// It owns a clone of the client, so it (and its streams) can be moved to another
/// task.
#[must_use = "a request does nothing until it is awaited or its stream is polled"]
pub struct ListAccountScansRequest<T> {
    client: Client,
    spec: Spec,
    options: CallOptions,
    scan: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ListAccountScansRequest<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListAccountScansRequest")
            .field("client", &self.client)
            .field("spec", &self.spec)
            .field("options", &self.options)
            .finish()
    }
}

impl<T> Clone for ListAccountScansRequest<T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            spec: self.spec.clone(),
            options: self.options.clone(),
            scan: PhantomData,
        }
    }
}

#[derive(Debug, Clone)]
struct Spec {
    path: String,
    scope: Scope,
    operation: &'static str,
    account_id: AccountId,
    ats_client_id: Option<String>,
    external_ref: Option<String>,
    should_have_expectations: Option<bool>,
    include_expectations: Option<bool>,
    team_role_ids: Vec<ExpectationId>,
    work_value_ids: Vec<ExpectationId>,
    offset: Option<u32>,
    count: Option<u32>,
    sort: Vec<String>,
    search: Option<String>,
    domain_ids: Vec<String>,
}

/// The query string, in the documented names; `None` fields are left out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query<'q> {
    account_id: &'q str,
    external_ref: Option<&'q str>,
    should_have_expectations: Option<bool>,
    include_expectations: Option<bool>,
    team_role_ids: Option<String>,
    work_value_ids: Option<String>,
    offset: Option<u32>,
    count: Option<u32>,
    sort: Option<String>,
    search: Option<&'q str>,
    domain_ids: Option<String>,
    ats_client_id: Option<&'q str>,
}

fn comma_list<T: AsRef<str>>(items: &[T]) -> Option<String> {
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(|i| i.as_ref().trim())
            .collect::<Vec<_>>()
            .join(",")
    })
}

impl Spec {
    /// Checks the arguments and describes the call for `offset`.
    fn request(&self, offset: Option<u32>) -> Result<Request> {
        let account_id = self.account_id.as_str().trim();
        if account_id.is_empty() {
            return Err(Error::invalid(
                "account_id",
                "is empty: Kazi needs the account whose scans to list".to_owned(),
            ));
        }
        if self.count == Some(0) {
            return Err(Error::invalid(
                "count",
                "0 would return nothing: ask for at least 1".to_owned(),
            ));
        }
        if self.team_role_ids.len() > MAX_TEAM_ROLE_FILTER {
            return Err(Error::invalid(
                "team_role_ids",
                format!(
                    "{} ids: Kazi filters on at most {MAX_TEAM_ROLE_FILTER} team roles (their top 4)",
                    self.team_role_ids.len()
                ),
            ));
        }
        if self.work_value_ids.len() > MAX_WORK_VALUE_FILTER {
            return Err(Error::invalid(
                "work_value_ids",
                format!(
                    "{} ids: Kazi filters on at most {MAX_WORK_VALUE_FILTER} work values (their top 3)",
                    self.work_value_ids.len()
                ),
            ));
        }
        if !self.path.starts_with('/') || self.path.contains(['?', '#']) {
            return Err(Error::invalid(
                "path",
                format!("`{}` is not an absolute path without a query", self.path),
            ));
        }
        let query = Query {
            account_id,
            external_ref: self.external_ref.as_deref(),
            should_have_expectations: self.should_have_expectations,
            include_expectations: self.include_expectations,
            team_role_ids: comma_list(&self.team_role_ids),
            work_value_ids: comma_list(&self.work_value_ids),
            offset,
            count: self.count,
            sort: comma_list(&self.sort),
            search: self.search.as_deref(),
            domain_ids: comma_list(&self.domain_ids),
            ats_client_id: self.ats_client_id.as_deref(),
        };
        Ok(Request::get(self.path.clone())
            .query(&query)
            .require_role(self.scope.clone())
            .operation(self.operation))
    }
}

/// Adds the texts that are not blank to `list`.
fn push_texts<I>(list: &mut Vec<String>, items: I)
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    list.extend(
        items
            .into_iter()
            .map(Into::into)
            .filter(|s: &String| !s.trim().is_empty()),
    );
}

impl<T> ListAccountScansRequest<T> {
    fn new(
        client: &Client,
        account_id: AccountId,
        path: &str,
        scope: Scope,
        operation: &'static str,
    ) -> Self {
        Self {
            client: client.clone(),
            spec: Spec {
                path: path.to_owned(),
                scope,
                operation,
                account_id,
                ats_client_id: None,
                external_ref: None,
                should_have_expectations: None,
                include_expectations: None,
                team_role_ids: Vec::new(),
                work_value_ids: Vec::new(),
                offset: None,
                count: None,
                sort: Vec::new(),
                search: None,
                domain_ids: Vec::new(),
            },
            options: CallOptions::default(),
            scan: PhantomData,
        }
    }
}

impl ListAccountTalentScansRequest {
    /// Only talent scans linked to this applicant tracking system (`atsClientId`).
    pub fn ats_client_id(mut self, id: impl Into<String>) -> Self {
        let id: String = id.into();
        self.spec.ats_client_id = (!id.trim().is_empty()).then_some(id);
        self
    }
}

impl<T: DeserializeOwned + Send + 'static> ListAccountScansRequest<T> {
    vendor_core::call_options!();

    /// Only the scan with this reference at the account's side (`externalRef`).
    pub fn external_ref(mut self, reference: impl Into<String>) -> Self {
        let reference: String = reference.into();
        self.spec.external_ref = (!reference.trim().is_empty()).then_some(reference);
        self
    }

    /// `true`: only scans whose expectations have been calculated
    /// (`shouldHaveExpectations`; Kazi's default is `false`).
    pub fn should_have_expectations(mut self, yes: bool) -> Self {
        self.spec.should_have_expectations = Some(yes);
        self
    }

    /// `true`: each scan comes with its expectations (`includeExpectations`;
    /// Kazi's default is `false`).
    pub fn include_expectations(mut self, yes: bool) -> Self {
        self.spec.include_expectations = Some(yes);
        self
    }

    /// Only scans that rank these team roles in their top 2 (one or two ids),
    /// top 3 (three) or top 4 (four) (`teamRoleIds`); at most 4, checked before
    /// sending. Several calls add up.
    pub fn team_role_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<ExpectationId>,
    {
        self.spec
            .team_role_ids
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Only scans that rank these work values in their top 2 (one or two ids)
    /// or top 3 (three) (`workValueIds`); at most 3, checked before sending. Several
    /// calls add up.
    pub fn work_value_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<ExpectationId>,
    {
        self.spec
            .work_value_ids
            .extend(ids.into_iter().map(Into::into));
        self
    }

    /// Skips this many job scans (`offset`, from 0; Kazi's default is 0). For
    /// [`stream`](Self::stream), where to start.
    pub fn offset(mut self, offset: u32) -> Self {
        self.spec.offset = Some(offset);
        self
    }

    /// Job scans per answer (`count`; Kazi's default is
    /// [`DEFAULT_JOB_SCAN_COUNT`]); 0 is refused before sending. For
    /// [`stream`](Self::stream), the batch size.
    pub fn count(mut self, count: u32) -> Self {
        self.spec.count = Some(count);
        self
    }

    /// Sorts by a field, `-` first for descending (`sort`: `-createdon`,
    /// `contactlastname`; Kazi's default is `createdon`). Several calls add fields,
    /// the first sorting first.
    pub fn sort(mut self, field: impl Into<String>) -> Self {
        push_texts(&mut self.spec.sort, [field]);
        self
    }

    /// Only scans containing this text (`search`; partial matches): for job scans
    /// in the contact name, contact e-mail, title or employer, for talent scans in
    /// the name or e-mail. An empty text searches nothing.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        let text: String = text.into();
        self.spec.search = (!text.trim().is_empty()).then_some(text);
        self
    }

    /// Only scans in these domains (`domainIds`, from Kazi's "Get domains").
    /// Several calls add up.
    pub fn domain_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        push_texts(&mut self.spec.domain_ids, ids);
        self
    }

    /// Sends the call to this path instead of [`ACCOUNT_JOB_SCANS_PATH`] or
    /// [`ACCOUNT_TALENT_SCANS_PATH`] (the "Request URL" on Kazi's developer portal,
    /// without the host), for when it differs.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.spec.path = path.into();
        self
    }

    /// Fetches one batch (what awaiting the request does).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument), before sending,
    ///   for an empty account id, a count of 0, more than 4 team role or 3 work value
    ///   ids, or a path that is not absolute.
    /// - [`Error::Auth`](crate::Error::Auth) on a 401/403: a missing or invalid
    ///   subscription key, or a token without `read:jobscans` (`read:talentscans`
    ///   for talent scans).
    /// - [`Error::Api`](crate::Error::Api) with status 400 for parameters Kazi
    ///   refuses (documented), 404 for a path or account it does not know.
    /// - [`Error::Token`](crate::Error::Token), [`Error::Decode`](crate::Error::Decode),
    ///   transport and timeout errors as for every call.
    pub async fn send(self) -> Result<Vec<T>> {
        let request = self.options.apply(self.spec.request(self.spec.offset)?);
        self.client.core.api().send(request).await
    }

    /// Fetches one batch, with the answer's status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<T>>> {
        let request = self.options.apply(self.spec.request(self.spec.offset)?);
        self.client.core.api().send_with_response(request).await
    }

    /// Every job scan, batch after batch of [`count`](Self::count) (default 100)
    /// from [`offset`](Self::offset), until a batch comes back shorter than asked.
    ///
    /// # Errors
    ///
    /// The stream yields the first error of any batch (see [`send`](Self::send))
    /// and ends there.
    pub fn stream(self) -> ItemStream<T> {
        let fetch = self.fetcher();
        ItemStream::new(paginate(0, fetch))
    }

    /// Every batch, as [`stream`](Self::stream) walks them; Kazi sends no totals,
    /// so only [`Page::page_size`](crate::Page::page_size) is known.
    ///
    /// # Errors
    ///
    /// As [`stream`](Self::stream).
    pub fn pages(self) -> PageStream<T> {
        let fetch = self.fetcher();
        PageStream::new(paginate_pages(0, fetch))
    }

    /// The function fetching batch `n` (from 0), owning what it needs.
    fn fetcher(self) -> impl FnMut(u32) -> BatchFuture<T> + Send + 'static {
        let api: ApiClient = self.client.core.api().clone();
        let Self { spec, options, .. } = self;
        let start = spec.offset.unwrap_or(0);
        let count = spec.count.unwrap_or(DEFAULT_JOB_SCAN_COUNT);
        move |n: u32| {
            let offset = u64::from(n)
                .saturating_mul(u64::from(count))
                .saturating_add(u64::from(start));
            let request = match u32::try_from(offset) {
                Ok(offset) => spec.request(Some(offset)).map(|r| options.apply(r)),
                Err(_) => Err(Error::invalid(
                    "offset",
                    format!("{offset} is past the largest offset Kazi takes (int32)"),
                )),
            };
            let api = api.clone();
            Box::pin(async move {
                let items: Vec<T> = api.send(request?).await?;
                Ok(Page::new(items).page_size(Some(u64::from(count))))
            }) as BatchFuture<T>
        }
    }
}

vendor_core::into_future!(ListAccountJobScansRequest => Vec<AccountJobScan>);
vendor_core::into_future!(ListAccountTalentScansRequest => Vec<AccountTalentScan>);

/// One batch being fetched by a stream.
type BatchFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send + 'static>>;
