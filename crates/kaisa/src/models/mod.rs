//! What the Kaisa API sends and receives.

mod cdrs;
mod customer_resources;
mod customers;
mod datetime;
mod ids;
mod misc;
mod recordings;
mod sources;
mod users;

pub use cdrs::Cdr;
pub(crate) use cdrs::CdrsEnvelope;
pub(crate) use customer_resources::{
    check_e164, BlacklistAnswer, CallbacksEnvelope, CampaignsEnvelope, GreetingsEnvelope,
    OneCallback, OneCampaign, OneGreeting, OneUser, UsersEnvelope,
};
pub use customer_resources::{Callback, Campaign, NewCallback, NewCampaign, VoicemailGreeting};
pub use customers::{
    Customer, CustomerUpdate, NewCustomer, CUSTOM_FIELDS, MAX_CUSTNR_CHARS, MAX_NAME_CHARS,
};
pub(crate) use customers::{CustomersEnvelope, OneCustomer};
pub use datetime::KaisaDateTime;
pub use ids::{CdrId, CustomerId, RecordingId, SourceId};
pub use misc::Ping;
pub use recordings::Recording;
pub(crate) use recordings::RecordingsEnvelope;
pub use sources::{NewSource, Source, SourceServiceStatus, SourceStatus};
pub(crate) use sources::{OneSource, SourcesEnvelope, StatusesEnvelope};
pub use users::{ActivationToken, User, UserFields, MAX_USER_EMAIL_CHARS};
