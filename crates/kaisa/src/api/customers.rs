//! `customers`: listing, creating and updating customers.

use serde::Serialize;
use vendor_core::Request;

use crate::models::{
    Customer, CustomerId, CustomerUpdate, CustomersEnvelope, NewCustomer, OneCustomer,
};
use crate::{Client, Result};

/// Customer endpoints: `client.customers()`.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    client: &'a Client,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists customers: `GET customers`, optionally filtered by id or customer
    /// number. The `{"customers":[...]}` envelope is removed.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// let acme = client.customers().list().custnr("ACME-001").send().await?;
    /// for customer in acme {
    ///     println!("{} {:?} {:?}", customer.customer_id, customer.name, customer.email);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Vendor docs: <https://support.kaisa.io/hc/en-us/articles/201249581-Developer-API-customers>.
    pub fn list(&self) -> CustomerList<'a> {
        CustomerList {
            client: self.client,
            customer_id: None,
            custnr: None,
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
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] before sending for an empty or too long
    /// `name` or `custnr`, or a custom field outside 1–20; otherwise the pipeline's
    /// errors, and [`crate::Error::Decode`] when the answer holds no customer.
    pub async fn create(&self, customer: NewCustomer) -> Result<Customer> {
        customer.check()?;
        let request = Request::post("customers")
            .form(&customer)
            .operation("kaisa.customers.create");
        let OneCustomer(created) = self.client.send(request).await?;
        Ok(created)
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
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] before sending for a `customer_id` that is
    /// empty, `.` or `..` (also percent-encoded), an update that sets nothing, a too
    /// long `name` or `custnr`, a monthly report setting other than 0–2 or a custom
    /// field outside 1–20; otherwise the pipeline's errors
    /// ([`crate::Error::Api`] with status 404 for an unknown customer, ...).
    pub async fn update(
        &self,
        customer_id: impl Into<CustomerId>,
        update: CustomerUpdate,
    ) -> Result<Customer> {
        // An id that is empty, `.` or `..` would update another resource (`PUT
        // customers/..` is `PUT /2.4.9/`): refused before anything is sent.
        let id = customer_id.into().to_path_segment("customer_id")?;
        update.check()?;
        let request = Request::put(format!("customers/{id}"))
            .form(&update)
            .operation("kaisa.customers.update");
        let OneCustomer(updated) = self.client.send(request).await?;
        Ok(updated)
    }
}

/// A customer listing being built: see [`Customers::list`].
#[derive(Debug)]
#[must_use = "a listing does nothing until `.send()` is awaited"]
pub struct CustomerList<'a> {
    client: &'a Client,
    customer_id: Option<CustomerId>,
    custnr: Option<String>,
}

/// The query string; `Request::query` leaves out the `None` fields.
#[derive(Serialize)]
struct Query<'q> {
    customer_id: Option<&'q str>,
    custnr: Option<&'q str>,
}

impl CustomerList<'_> {
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

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors ([`crate::Error::Token`], [`crate::Error::Auth`],
    /// [`crate::Error::Api`], [`crate::Error::Decode`], ...).
    pub async fn send(self) -> Result<Vec<Customer>> {
        let query = Query {
            customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            custnr: self.custnr.as_deref(),
        };
        let request = Request::get("customers")
            .query(&query)
            .operation("kaisa.customers.list");
        let envelope: CustomersEnvelope = self.client.send(request).await?;
        Ok(envelope.customers)
    }
}
