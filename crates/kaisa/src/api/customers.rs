//! `customers`: listing, creating and updating customers.

use serde::Serialize;
use vendor_core::{Request, Response};

use crate::models::{
    Customer, CustomerId, CustomerUpdate, CustomersEnvelope, NewCustomer, OneCustomer,
};
use crate::{Client, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// Customer endpoints: `client.customers()`.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    client: &'a Client,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// A customer's voicemail greetings (`customers/voicemail_greetings`).
    pub fn voicemail_greetings(&self) -> super::VoicemailGreetings<'a> {
        super::VoicemailGreetings::new(self.client)
    }

    /// A customer's scheduled callbacks (`customers/callbacks`).
    pub fn callbacks(&self) -> super::Callbacks<'a> {
        super::Callbacks::new(self.client)
    }

    /// A customer's campaigns (`customers/campaigns`).
    pub fn campaigns(&self) -> super::Campaigns<'a> {
        super::Campaigns::new(self.client)
    }

    /// A customer's blacklist (`customers/blacklist`).
    pub fn blacklist(&self) -> super::Blacklist<'a> {
        super::Blacklist::new(self.client)
    }

    /// Lists customers: `GET customers`, optionally filtered by id or customer
    /// number. The `{"customers":[...]}` envelope is removed.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let acme = client.customers().list().custnr("ACME-001").await?;
    /// for customer in acme {
    ///     println!("{} {:?} {:?}", customer.customer_id, customer.name, customer.email);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201249581-Developer-API-customers>.
    pub fn list(&self) -> ListCustomersRequest {
        ListCustomersRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: None,
            custnr: None,
        }
    }

    /// One customer by id: `GET customers/{customer_id}`, Kaisa's own example of
    /// reading one resource. The `{"customers":[<one>]}` envelope is removed.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let acme = client.customers().get("407382").await?;
    /// println!("{:?} ({:?})", acme.name, acme.custnr);
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201050852-Introduction-to-the-Kaisa-API>.
    ///
    /// The id is checked when the request is sent: see [`GetCustomerRequest::send`].
    pub fn get(&self, customer_id: impl Into<CustomerId>) -> GetCustomerRequest {
        GetCustomerRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
        }
    }

    /// Creates a customer: `POST customers` with url-encoded parameters. `name`
    /// (at most 60 characters) and `custnr` (at most 45) are checked before sending.
    ///
    /// A POST is not idempotent: the client does not retry it after a 5xx or a dropped
    /// connection.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::NewCustomer;
    ///
    /// let created = client
    ///     .customers()
    ///     .create(NewCustomer::new("Acme Rörservice AB", "ACME-001").email("ekonomi@acme-ror.example"))
    ///     .await?;
    /// println!("created {}", created.customer_id);
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201249581-Developer-API-customers>.
    ///
    /// The arguments are checked when the request is sent: see
    /// [`CreateCustomerRequest::send`] for the errors.
    pub fn create(&self, customer: NewCustomer) -> CreateCustomerRequest {
        CreateCustomerRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer,
        }
    }

    /// Updates a customer: `PUT customers/{customer_id}` with url-encoded parameters;
    /// only the fields set in `update` are sent.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::CustomerUpdate;
    ///
    /// let updated = client
    ///     .customers()
    ///     .update("407382", CustomerUpdate::new().email("new@acme-ror.example"))
    ///     .await?;
    /// assert_eq!(updated.email.as_deref(), Some("new@acme-ror.example"));
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201249581-Developer-API-customers>,
    /// <https://support.kaisa.io/hc/en-us/articles/201050852-Introduction-to-the-Kaisa-API>.
    ///
    /// The arguments are checked when the request is sent: see
    /// [`UpdateCustomerRequest::send`] for the errors.
    pub fn update(
        &self,
        customer_id: impl Into<CustomerId>,
        update: CustomerUpdate,
    ) -> UpdateCustomerRequest {
        UpdateCustomerRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            customer_id: customer_id.into(),
            update,
        }
    }
}

/// A customer listing being built: see [`Customers::list`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListCustomersRequest {
    client: Client,
    options: CallOptions,
    customer_id: Option<CustomerId>,
    custnr: Option<String>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
struct Query<'q> {
    customer_id: Option<&'q str>,
    custnr: Option<&'q str>,
}

impl ListCustomersRequest {
    call_options!();

    /// Only this customer (`customer_id=`).
    pub fn customer_id(mut self, customer_id: impl Into<CustomerId>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// Only customers with this customer number (`custnr=`).
    pub fn custnr(mut self, custnr: impl Into<String>) -> Self {
        self.custnr = Some(custnr.into());
        self
    }

    fn request(&self) -> Request {
        let query = Query {
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            custnr: self.custnr.as_deref(),
        };
        Request::get("customers")
            .query(&query)
            .operation("kaisa.customers.list")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`crate::Error::Token`], [`crate::Error::Auth`],
    /// [`crate::Error::Api`], [`crate::Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Customer>> {
        let envelope: CustomersEnvelope = self.client.send(self.request(), &self.options).await?;
        Ok(envelope.customers)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<Customer>>> {
        let response: Response<CustomersEnvelope> = self
            .client
            .send_with_response(self.request(), &self.options)
            .await?;
        Ok(response.map(|envelope| envelope.customers))
    }
}

into_future!(ListCustomersRequest => Vec<Customer>);

/// A customer creation being built: see [`Customers::create`]. Send it with
/// `.await`, [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct CreateCustomerRequest {
    client: Client,
    options: CallOptions,
    customer: NewCustomer,
}

impl CreateCustomerRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        self.customer.check()?;
        Ok(Request::post("customers")
            .form(&self.customer)
            .operation("kaisa.customers.create"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] before sending for an empty or too long
    /// `name` or `custnr`, or a custom field outside 1–20; otherwise the pipeline's
    /// errors, and [`crate::Error::Decode`] when the answer holds no customer.
    pub async fn send(self) -> Result<Customer> {
        let OneCustomer(created) = self.client.send(self.request()?, &self.options).await?;
        Ok(created)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Customer>> {
        let response: Response<OneCustomer> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneCustomer(created)| created))
    }
}

into_future!(CreateCustomerRequest => Customer);

/// A customer update being built: see [`Customers::update`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct UpdateCustomerRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
    update: CustomerUpdate,
}

impl UpdateCustomerRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        // An id that is empty, `.` or `..` would update another resource (`PUT
        // customers/..` is `PUT /2.4.9/`): refused before anything is sent.
        let id = self.customer_id.to_path_segment("customer_id")?;
        self.update.check()?;
        Ok(Request::put(format!("customers/{id}"))
            .form(&self.update)
            .operation("kaisa.customers.update"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] before sending for a `customer_id` that is
    /// empty, `.` or `..` (also percent-encoded), an update that sets nothing, a too
    /// long `name` or `custnr`, a monthly report setting other than 0–2 or a custom
    /// field outside 1–20; otherwise the pipeline's errors
    /// ([`crate::Error::Api`] with status 404 for an unknown customer, ...).
    pub async fn send(self) -> Result<Customer> {
        let OneCustomer(updated) = self.client.send(self.request()?, &self.options).await?;
        Ok(updated)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Customer>> {
        let response: Response<OneCustomer> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneCustomer(updated)| updated))
    }
}

into_future!(UpdateCustomerRequest => Customer);

/// A customer read being built: see [`Customers::get`]. Send it with `.await`,
/// [`send`](Self::send) or [`send_with_response`](Self::send_with_response).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct GetCustomerRequest {
    client: Client,
    options: CallOptions,
    customer_id: CustomerId,
}

impl GetCustomerRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        let id = self.customer_id.to_path_segment("customer_id")?;
        Ok(Request::get(format!("customers/{id}")).operation("kaisa.customers.get"))
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] before sending for a `customer_id` that is
    /// empty, `.` or `..`; otherwise the pipeline's errors ([`crate::Error::Api`] with
    /// status 404 for an unknown customer, ...), and [`crate::Error::Decode`] when
    /// the answer holds no customer.
    pub async fn send(self) -> Result<Customer> {
        let OneCustomer(customer) = self.client.send(self.request()?, &self.options).await?;
        Ok(customer)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Customer>> {
        let response: Response<OneCustomer> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneCustomer(customer)| customer))
    }
}

into_future!(GetCustomerRequest => Customer);
