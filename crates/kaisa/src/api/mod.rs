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

use crate::models::KaisaDateTime;
use crate::{Error, Result};

/// Refuses a time window whose `from` is after its `to`; an instant (`from == to`)
/// and an open end are Kaisa's to judge.
pub(crate) fn check_window(from: Option<KaisaDateTime>, to: Option<KaisaDateTime>) -> Result<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(Error::invalid(
            "from",
            format!("{from} is after `to` ({to})"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_refused_only_when_it_ends_before_it_starts() {
        let day = |d| KaisaDateTime::date(2024, 3, d);
        let (first, second) = match (day(1), day(2)) {
            (Ok(a), Ok(b)) => (a, b),
            other => panic!("dates: {other:?}"),
        };
        assert!(check_window(Some(first), Some(second)).is_ok());
        assert!(
            check_window(Some(first), Some(first)).is_ok(),
            "one instant"
        );
        assert!(check_window(None, Some(first)).is_ok());
        assert!(check_window(Some(second), None).is_ok());
        match check_window(Some(second), Some(first)) {
            Err(Error::InvalidArgument(e)) => {
                assert_eq!(e.name(), "from");
                assert!(e.to_string().contains("is after `to`"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }
}
