//! Endpoint handles and their request builders: each handle method returns a
//! `<Verb><Noun>Request` that owns a clone of the client and is sent with `.await`,
//! `send()` or `send_with_response()`.

mod customer_resources;
mod customers;
mod miscellaneous;
mod recordings;
mod sources;
mod statistics;
mod users;

pub use customer_resources::{
    Blacklist, Callbacks, Campaigns, CreateCallbackRequest, CreateCampaignRequest,
    DeleteGreetingRequest, GetBlacklistRequest, GreetingWriteRequest, ListCallbacksRequest,
    ListCampaignsRequest, ListGreetingsRequest, SetBlacklistRequest, VoicemailGreetings,
};
pub use customers::{
    CreateCustomerRequest, Customers, GetCustomerRequest, ListCustomersRequest,
    UpdateCustomerRequest,
};
pub use miscellaneous::{Miscellaneous, PingRequest};
pub use recordings::{ListRecordingsRequest, Recordings};
pub use sources::{CreateSourceRequest, ListSourceStatusesRequest, ListSourcesRequest, Sources};
pub use statistics::{ListCdrsRequest, Statistics, MAX_PAGE_SIZE};
pub use users::{DeleteUserRequest, ListUsersRequest, Users, WriteUserRequest};
