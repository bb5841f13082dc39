//! `users`: the people who log in to Kaisa for a customer.

use serde::Serialize;
use vendor_core::{Request, Response};

use crate::models::{CustomerId, OneUser, User, UserFields, UsersEnvelope, MAX_USER_EMAIL_CHARS};
use crate::{Client, Error, Result};
use vendor_core::kit::CallOptions;
use vendor_core::{call_options, into_future};

/// User endpoints: `client.users()`.
///
/// Vendor docs: <https://support.freespee.com/hc/en-us/articles/201309901-Developer-API-users>.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    client: &'a Client,
}

impl<'a> Users<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Lists users: `GET users`, optionally of one customer or one user.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// for user in client.users().list().customer_id("407382").await? {
    ///     println!("{:?} {:?} activated: {}", user.user_id, user.name, user.is_activated());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListUsersRequest {
        ListUsersRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            user_id: None,
            customer_id: None,
        }
    }

    /// Creates a user: `POST users` with `email` (at most 60 characters) and
    /// `customer_id`, and the optional fields. Not retried after a 5xx.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::UserFields;
    ///
    /// let user = client
    ///     .users()
    ///     .create("407382", "eva.ek@acme-ror.example", UserFields::new().name("Eva Ek"))
    ///     .await?;
    /// println!("user {:?}, activation pending: {}", user.user_id, !user.is_activated());
    /// # Ok(()) }
    /// ```
    pub fn create(
        &self,
        customer_id: impl Into<CustomerId>,
        email: impl Into<String>,
        fields: UserFields,
    ) -> WriteUserRequest {
        WriteUserRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            target: Target::Create {
                customer_id: customer_id.into(),
                email: email.into(),
            },
            fields,
        }
    }

    /// Updates a user: `PUT users/{user_id}` with the fields set.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// use kaisa::UserFields;
    ///
    /// client.users().update("77", UserFields::new().write_access(false)).await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, user_id: impl Into<String>, fields: UserFields) -> WriteUserRequest {
        WriteUserRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            target: Target::Update(user_id.into()),
            fields,
        }
    }

    /// Deletes a user: `DELETE users/{user_id}`.
    ///
    /// ```no_run
    /// # async fn demo(client: kaisa::Client) -> kaisa::Result<()> {
    /// client.users().delete("77").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self, user_id: impl Into<String>) -> DeleteUserRequest {
        DeleteUserRequest {
            client: self.client.clone(),
            options: CallOptions::default(),
            user_id: user_id.into(),
        }
    }
}

#[derive(Serialize)]
struct Query<'q> {
    user_id: Option<&'q str>,
    customer_id: Option<&'q str>,
}

/// A user listing being built: see [`Users::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct ListUsersRequest {
    client: Client,
    options: CallOptions,
    user_id: Option<String>,
    customer_id: Option<CustomerId>,
}

impl ListUsersRequest {
    call_options!();

    /// Only this user (`user_id=`).
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Only users of this customer (`customer_id=`).
    pub fn customer_id(mut self, customer_id: impl Into<CustomerId>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    fn request(&self) -> Request {
        Request::get("users")
            .query(&Query {
                user_id: self.user_id.as_deref(),
                customer_id: self.customer_id.as_ref().map(CustomerId::as_str),
            })
            .operation("kaisa.users.list")
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// The pipeline's errors, and [`Error::Decode`] for an answer holding no list of
    /// users.
    pub async fn send(self) -> Result<Vec<User>> {
        let UsersEnvelope(list) = self.client.send(self.request(), &self.options).await?;
        Ok(list)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<Vec<User>>> {
        let response: Response<UsersEnvelope> = self
            .client
            .send_with_response(self.request(), &self.options)
            .await?;
        Ok(response.map(|UsersEnvelope(list)| list))
    }
}

into_future!(ListUsersRequest => Vec<User>);

#[derive(Debug, Clone)]
enum Target {
    Create {
        customer_id: CustomerId,
        email: String,
    },
    Update(String),
}

/// A user creation or update being built: see [`Users::create`] and [`Users::update`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct WriteUserRequest {
    client: Client,
    options: CallOptions,
    target: Target,
    fields: UserFields,
}

impl WriteUserRequest {
    call_options!();

    fn request(&self) -> Result<Request> {
        self.fields.check()?;
        match &self.target {
            Target::Create { customer_id, email } => {
                if customer_id.as_str().trim().is_empty() {
                    return Err(Error::invalid("customer_id", "must not be empty"));
                }
                let chars = email.chars().count();
                if email.trim().is_empty() || !email.contains('@') {
                    return Err(Error::invalid("email", "is not an email address"));
                }
                if chars > MAX_USER_EMAIL_CHARS {
                    return Err(Error::invalid(
                        "email",
                        format!("is {chars} characters long; Kaisa accepts at most {MAX_USER_EMAIL_CHARS}"),
                    ));
                }
                let pairs = self.fields.pairs(vec![
                    ("email", email.clone()),
                    ("customer_id", customer_id.to_string()),
                ]);
                Ok(Request::post("users")
                    .form(&pairs)
                    .operation("kaisa.users.create"))
            }
            Target::Update(user_id) => {
                let id = vendor_core::path_segment("user_id", user_id)?;
                if self.fields == UserFields::default() {
                    return Err(Error::invalid("update", "sets no field"));
                }
                let pairs = self.fields.pairs(Vec::new());
                Ok(Request::put(format!("users/{id}"))
                    .form(&pairs)
                    .operation("kaisa.users.update"))
            }
        }
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for an empty `customer_id`, an email
    /// that is not one or is longer than 60 characters, a `user_id` that is empty, `.`
    /// or `..`, an update that sets nothing or a monthly report setting other than
    /// 0–2; otherwise the pipeline's errors, and [`Error::Decode`] when the answer
    /// holds no user.
    pub async fn send(self) -> Result<User> {
        let OneUser(user) = self.client.send(self.request()?, &self.options).await?;
        Ok(user)
    }

    /// Sends the request; the answer comes with its status, headers and request id.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_with_response(self) -> Result<Response<User>> {
        let response: Response<OneUser> = self
            .client
            .send_with_response(self.request()?, &self.options)
            .await?;
        Ok(response.map(|OneUser(user)| user))
    }
}

into_future!(WriteUserRequest => User);

/// A user deletion being built: see [`Users::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or sent"]
pub struct DeleteUserRequest {
    client: Client,
    options: CallOptions,
    user_id: String,
}

impl DeleteUserRequest {
    call_options!();

    /// Sends the request (Kaisa documents no answer body).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] before sending for a `user_id` that is empty, `.` or
    /// `..`; otherwise the pipeline's errors ([`Error::Api`] with 404 for an unknown
    /// user, ...).
    pub async fn send(self) -> Result<()> {
        let id = vendor_core::path_segment("user_id", &self.user_id)?;
        let request = Request::delete(format!("users/{id}")).operation("kaisa.users.delete");
        self.client.send_empty(request, &self.options).await
    }
}

into_future!(DeleteUserRequest => ());
