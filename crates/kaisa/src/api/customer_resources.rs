//! Customer sub-resources: `customers/voicemail_greetings`, `customers/callbacks` and
//! `customers/blacklist`, addressed as Kaisa's introduction shows, with the customer
//! in the parameters (`GET /customers/voicemail_greetings?customer_id=1&vm_greeting_id=2`).

use serde::Serialize;
use vendor_core::{Request, Response};

use crate::models::{
    check_e164, BlacklistAnswer, Callback, CallbacksEnvelope, Campaign, CampaignsEnvelope,
    CustomerId, GreetingsEnvelope, KaisaDateTime, NewCallback, NewCampaign, OneCallback,
    OneCampaign, OneGreeting, VoicemailGreeting,
};
use crate::{Client, Error, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

fn check_customer(customer_id: &CustomerId) -> Result<()> {
    if customer_id.as_str().trim().is_empty() {
        Err(Error::invalid("customer_id", "must not be empty"))
    } else {
        Ok(())
    }
}

/// Voicemail greetings of a customer: `client.customers().voicemail_greetings()`.
///
/// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201158372-Developer-API-customers-voicemail-greetings>.
#[derive(Debug, Clone, Copy)]
pub struct VoicemailGreetings<'a> {
    client: &'a Client,
}

impl<'a> VoicemailGreetings<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The greetings a customer may use (its own and the system's, `locked`):
    /// `GET customers/voicemail_greetings?customer_id=`; with
    /// [`ListGreetingsRequest::vm_greeting_id`], one greeting with its sound.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for greeting in client.customers().voicemail_greetings().list("407382").await? {
    ///     println!("{:?} {:?} used by {:?}", greeting.vm_greeting_id, greeting.name, greeting.used_by);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, customer_id: impl Into<CustomerId>) -> ListGreetingsRequest {
        ListGreetingsRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            vm_greeting_id: None,
        }
    }

    /// Creates a greeting: `POST customers/voicemail_greetings` with `customer_id` and
    /// `name`. The answer gives the number to call and the PIN to record it with
    /// ([`VoicemailGreeting::record_number`], [`VoicemailGreeting::record_pin`]).
    /// Not retried after a 5xx.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let greeting = client.customers().voicemail_greetings().create("407382", "Closed for lunch").await?;
    /// println!("call {:?} and enter {:?}", greeting.record_number, greeting.record_pin);
    /// # Ok(()) }
    /// ```
    pub fn create(
        &self,
        customer_id: impl Into<CustomerId>,
        name: impl Into<String>,
    ) -> GreetingWriteRequest {
        GreetingWriteRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            vm_greeting_id: None,
            name: name.into(),
        }
    }

    /// Renames a greeting: `PUT customers/voicemail_greetings` with `customer_id`,
    /// `vm_greeting_id` and `name`.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// client.customers().voicemail_greetings().rename("407382", "41", "Closed today").await?;
    /// # Ok(()) }
    /// ```
    pub fn rename(
        &self,
        customer_id: impl Into<CustomerId>,
        vm_greeting_id: impl Into<String>,
        name: impl Into<String>,
    ) -> GreetingWriteRequest {
        GreetingWriteRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            vm_greeting_id: Some(vm_greeting_id.into()),
            name: name.into(),
        }
    }

    /// Deletes a greeting: `DELETE customers/voicemail_greetings?customer_id=&vm_greeting_id=`.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// client.customers().voicemail_greetings().delete("407382", "41").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(
        &self,
        customer_id: impl Into<CustomerId>,
        vm_greeting_id: impl Into<String>,
    ) -> DeleteGreetingRequest {
        DeleteGreetingRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            vm_greeting_id: vm_greeting_id.into(),
        }
    }
}

#[derive(Serialize)]
struct GreetingQuery<'q> {
    customer_id: &'q str,
    vm_greeting_id: Option<&'q str>,
}

/// A greeting listing being built: see [`VoicemailGreetings::list`]. Send it with
/// `.await`, [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListGreetingsRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    vm_greeting_id: Option<String>,
}

impl ListGreetingsRequest {
    call_options!();

    /// Only this greeting, with its sound (`vm_greeting_id=`).
    pub fn vm_greeting_id(mut self, id: impl Into<String>) -> Self {
        self.vm_greeting_id = Some(id.into());
        self
    }

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        Ok(Request::get("customers/voicemail_greetings")
            .query(&GreetingQuery {
                customer_id: self.customer_id.as_str(),
                vm_greeting_id: self.vm_greeting_id.as_deref(),
            })
            .operation("kaisa.customers.voicemail_greetings.list"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`; otherwise
    /// the pipeline's errors, and [`Error::Decode`] for an answer holding no list of
    /// greetings.
    pub async fn send(self) -> Result<Vec<VoicemailGreeting>> {
        let GreetingsEnvelope(list) = self.client.send(self.request()?, &self.options).await?;
        Ok(list)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<VoicemailGreeting>>> {
        let response: Response<GreetingsEnvelope> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|GreetingsEnvelope(list)| list))
    }
}

into_future!(ListGreetingsRequest => Vec<VoicemailGreeting>);

#[derive(Serialize)]
struct GreetingForm<'q> {
    customer_id: &'q str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vm_greeting_id: Option<&'q str>,
    name: &'q str,
}

/// A greeting creation or rename being built: see [`VoicemailGreetings::create`] and
/// [`VoicemailGreetings::rename`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct GreetingWriteRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    vm_greeting_id: Option<String>,
    name: String,
}

impl GreetingWriteRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        if self.name.trim().is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self
            .vm_greeting_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(Error::invalid("vm_greeting_id", "must not be empty"));
        }
        let form = GreetingForm {
            customer_id: self.customer_id.as_str(),
            vm_greeting_id: self.vm_greeting_id.as_deref(),
            name: &self.name,
        };
        Ok(match self.vm_greeting_id {
            None => Request::post("customers/voicemail_greetings")
                .form(&form)
                .operation("kaisa.customers.voicemail_greetings.create"),
            Some(_) => Request::put("customers/voicemail_greetings")
                .form(&form)
                .operation("kaisa.customers.voicemail_greetings.update"),
        })
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`, `name` or
    /// `vm_greeting_id`; otherwise the pipeline's errors, and [`Error::Decode`] when
    /// the answer holds no greeting.
    pub async fn send(self) -> Result<VoicemailGreeting> {
        let OneGreeting(greeting) = self.client.send(self.request()?, &self.options).await?;
        Ok(greeting)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<VoicemailGreeting>> {
        let response: Response<OneGreeting> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneGreeting(greeting)| greeting))
    }
}

into_future!(GreetingWriteRequest => VoicemailGreeting);

/// A greeting deletion being built: see [`VoicemailGreetings::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct DeleteGreetingRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    vm_greeting_id: String,
}

impl DeleteGreetingRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        if self.vm_greeting_id.trim().is_empty() {
            return Err(Error::invalid("vm_greeting_id", "must not be empty"));
        }
        Ok(Request::delete("customers/voicemail_greetings")
            .query(&GreetingQuery {
                customer_id: self.customer_id.as_str(),
                vm_greeting_id: Some(&self.vm_greeting_id),
            })
            .operation("kaisa.customers.voicemail_greetings.delete"))
    }

    /// Sends the request (Kaisa documents no answer body).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty id; otherwise the
    /// pipeline's errors ([`Error::Api`] with 404 for an unknown greeting, ...).
    pub async fn send(self) -> Result<()> {
        self.client.send_empty(self.request()?, &self.options).await
    }
}

into_future!(DeleteGreetingRequest => ());

/// Callbacks of a customer: `client.customers().callbacks()`.
///
/// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/360000056897-Developer-API-customers-callbacks>.
#[derive(Debug, Clone, Copy)]
pub struct Callbacks<'a> {
    client: &'a Client,
}

impl<'a> Callbacks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// A customer's scheduled callbacks: `GET customers/callbacks?customer_id=`, from
    /// now to a week ahead unless [`ListCallbacksRequest::from`] and
    /// [`ListCallbacksRequest::to`] say otherwise.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for callback in client.customers().callbacks().list("407382").await? {
    ///     println!("{:?} at {:?}, completed {:?}", callback.agent_nr, callback.scheduled, callback.completed);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, customer_id: impl Into<CustomerId>) -> ListCallbacksRequest {
        ListCallbacksRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            from: None,
            to: None,
        }
    }

    /// Schedules a callback: `POST customers/callbacks`. Not retried after a 5xx.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::NewCallback;
    ///
    /// let callback = client
    ///     .customers()
    ///     .callbacks()
    ///     .create(NewCallback::new("407382", "+46812345678", "+46701234567").retries(2))
    ///     .await?;
    /// println!("callback {:?} at {:?}", callback.id, callback.scheduled);
    /// # Ok(()) }
    /// ```
    pub fn create(&self, callback: NewCallback) -> CreateCallbackRequest {
        CreateCallbackRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            callback,
        }
    }
}

#[derive(Serialize)]
struct CallbackQuery<'q> {
    customer_id: &'q str,
    from_date: Option<String>,
    to_date: Option<String>,
}

/// A callback listing being built: see [`Callbacks::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListCallbacksRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    from: Option<KaisaDateTime>,
    to: Option<KaisaDateTime>,
}

impl ListCallbacksRequest {
    call_options!();

    /// Callbacks scheduled from this time, UTC (`from_date=`; Kaisa's default: now).
    pub fn from(mut self, from: impl Into<KaisaDateTime>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Callbacks scheduled up to this time, UTC (`to_date=`; Kaisa's default: a week
    /// from now).
    pub fn to(mut self, to: impl Into<KaisaDateTime>) -> Self {
        self.to = Some(to.into());
        self
    }

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        super::check_window(self.from, self.to)?;
        Ok(Request::get("customers/callbacks")
            .query(&CallbackQuery {
                customer_id: self.customer_id.as_str(),
                from_date: self.from.map(|t| t.to_string()),
                to_date: self.to.map(|t| t.to_string()),
            })
            .operation("kaisa.customers.callbacks.list"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id` or `from`
    /// after `to`; otherwise the pipeline's errors, and [`Error::Decode`] for an
    /// answer holding no list of callbacks.
    pub async fn send(self) -> Result<Vec<Callback>> {
        let CallbacksEnvelope(list) = self.client.send(self.request()?, &self.options).await?;
        Ok(list)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Callback>>> {
        let response: Response<CallbacksEnvelope> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|CallbacksEnvelope(list)| list))
    }
}

into_future!(ListCallbacksRequest => Vec<Callback>);

/// A callback being scheduled: see [`Callbacks::create`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct CreateCallbackRequest {
    client: Client,
    options: CallOptions,
    callback: NewCallback,
}

impl CreateCallbackRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        self.callback.check()?;
        Ok(Request::post("customers/callbacks")
            .form(&self.callback)
            .operation("kaisa.customers.callbacks.create"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id` or a
    /// number not in E.164; otherwise the pipeline's errors, and [`Error::Decode`]
    /// when the answer holds no callback.
    pub async fn send(self) -> Result<Callback> {
        let OneCallback(created) = self.client.send(self.request()?, &self.options).await?;
        Ok(created)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Callback>> {
        let response: Response<OneCallback> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneCallback(created)| created))
    }
}

into_future!(CreateCallbackRequest => Callback);

/// The blacklist of a customer: numbers that cannot call through to it.
///
/// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/207752545-Developer-API-customers-blacklist>.
#[derive(Debug, Clone, Copy)]
pub struct Blacklist<'a> {
    client: &'a Client,
}

impl<'a> Blacklist<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The blacklisted numbers: `GET customers/blacklist?customer_id=`.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let numbers = client.customers().blacklist().get("407382").await?;
    /// println!("{} numbers may not call", numbers.len());
    /// # Ok(()) }
    /// ```
    pub fn get(&self, customer_id: impl Into<CustomerId>) -> GetBlacklistRequest {
        GetBlacklistRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
        }
    }

    /// Replaces the blacklist: `PUT customers/blacklist` with `customer_id` and
    /// `phonenrs`, a JSON-encoded array of E.164 numbers (checked before sending). An
    /// empty list clears it.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// client.customers().blacklist().set("407382", ["+46701234567", "+46709876543"]).await?;
    /// # Ok(()) }
    /// ```
    pub fn set<I, S>(&self, customer_id: impl Into<CustomerId>, numbers: I) -> SetBlacklistRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        SetBlacklistRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            numbers: numbers.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct CustomerQuery<'q> {
    customer_id: &'q str,
}

/// A blacklist read being built: see [`Blacklist::get`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct GetBlacklistRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
}

impl GetBlacklistRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        Ok(Request::get("customers/blacklist")
            .query(&CustomerQuery {
                customer_id: self.customer_id.as_str(),
            })
            .operation("kaisa.customers.blacklist.get"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`;
    /// otherwise the pipeline's errors.
    pub async fn send(self) -> Result<Vec<String>> {
        let BlacklistAnswer(numbers) = self.client.send(self.request()?, &self.options).await?;
        Ok(numbers)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<String>>> {
        let response: Response<BlacklistAnswer> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|BlacklistAnswer(numbers)| numbers))
    }
}

into_future!(GetBlacklistRequest => Vec<String>);

#[derive(Serialize)]
struct BlacklistForm<'q> {
    customer_id: &'q str,
    phonenrs: String,
}

/// A blacklist replacement being built: see [`Blacklist::set`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct SetBlacklistRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    numbers: Vec<String>,
}

impl SetBlacklistRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        for number in &self.numbers {
            check_e164("phonenrs", number)?;
        }
        let phonenrs = serde_json::to_string(&self.numbers)
            .map_err(|e| Error::invalid("phonenrs", e.to_string()))?;
        Ok(Request::put("customers/blacklist")
            .form(&BlacklistForm {
                customer_id: self.customer_id.as_str(),
                phonenrs,
            })
            .operation("kaisa.customers.blacklist.set"))
    }

    /// Sends the request (Kaisa documents no answer body).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id` or a
    /// number not in E.164; otherwise the pipeline's errors.
    pub async fn send(self) -> Result<()> {
        self.client.send_empty(self.request()?, &self.options).await
    }
}

into_future!(SetBlacklistRequest => ());

/// Campaigns of a customer: `client.customers().campaigns()`.
///
/// Vendor docs: <https://support.freespee.com/hc/en-us/articles/201301651-Developer-API-customers-campaigns>.
#[derive(Debug, Clone, Copy)]
pub struct Campaigns<'a> {
    client: &'a Client,
}

impl<'a> Campaigns<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Creates a campaign: `POST customers/campaigns`. Not retried after a 5xx.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::NewCampaign;
    ///
    /// let campaign = client
    ///     .customers()
    ///     .campaigns()
    ///     .create(NewCampaign::new("407382", "standard", "Autumn 2024").param("call_recording", "1"))
    ///     .await?;
    /// println!("campaign {:?}", campaign.campaign_id);
    /// # Ok(()) }
    /// ```
    pub fn create(&self, campaign: NewCampaign) -> CreateCampaignRequest {
        CreateCampaignRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            campaign,
        }
    }

    /// A customer's campaigns: `GET customers/campaigns?customer_id=`, or one with
    /// [`ListCampaignsRequest::campaign_id`].
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for campaign in client.customers().campaigns().list("407382").await? {
    ///     println!("{:?} {:?}: {} sources", campaign.campaign_id, campaign.name, campaign.sources.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self, customer_id: impl Into<CustomerId>) -> ListCampaignsRequest {
        ListCampaignsRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            campaign_id: None,
        }
    }
}

/// A campaign creation being built: see [`Campaigns::create`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct CreateCampaignRequest {
    client: Client,
    options: CallOptions,
    campaign: NewCampaign,
}

impl CreateCampaignRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        self.campaign.check()?;
        Ok(Request::post("customers/campaigns")
            .form(&self.campaign)
            .operation("kaisa.customers.campaigns.create"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`,
    /// `pricing_model_id` or `name`, or an extra parameter that is empty or repeats a
    /// typed one; otherwise the pipeline's errors, and [`Error::Decode`] when the
    /// answer holds no campaign.
    pub async fn send(self) -> Result<Campaign> {
        let OneCampaign(created) = self.client.send(self.request()?, &self.options).await?;
        Ok(created)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Campaign>> {
        let response: Response<OneCampaign> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneCampaign(created)| created))
    }
}

into_future!(CreateCampaignRequest => Campaign);

#[derive(Serialize)]
struct CampaignQuery<'q> {
    customer_id: &'q str,
    campaign_id: Option<&'q str>,
}

/// A campaign listing being built: see [`Campaigns::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListCampaignsRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    campaign_id: Option<String>,
}

impl ListCampaignsRequest {
    call_options!();

    /// Only this campaign (`campaign_id=`).
    pub fn campaign_id(mut self, campaign_id: impl Into<String>) -> Self {
        self.campaign_id = Some(campaign_id.into());
        self
    }

    fn request(&self) -> Result<Request> {
        check_customer(&self.customer_id)?;
        Ok(Request::get("customers/campaigns")
            .query(&CampaignQuery {
                customer_id: self.customer_id.as_str(),
                campaign_id: self.campaign_id.as_deref(),
            })
            .operation("kaisa.customers.campaigns.list"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`; otherwise
    /// the pipeline's errors, and [`Error::Decode`] for an answer holding no list of
    /// campaigns.
    pub async fn send(self) -> Result<Vec<Campaign>> {
        let CampaignsEnvelope(list) = self.client.send(self.request()?, &self.options).await?;
        Ok(list)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Campaign>>> {
        let response: Response<CampaignsEnvelope> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|CampaignsEnvelope(list)| list))
    }
}

into_future!(ListCampaignsRequest => Vec<Campaign>);
