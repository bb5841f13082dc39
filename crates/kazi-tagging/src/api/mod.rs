//! Endpoint handles and their request builders: `client.expectations().list()`
//! ([`ListExpectationsRequest`]), `client.talent_scans().matches(id)`
//! ([`ListMatchesRequest`]).

mod expectations;
mod talent_scans;

pub use expectations::{Expectations, ListExpectationsRequest};
pub use talent_scans::{ListMatchesRequest, TalentScans, MAX_PAGE_SIZE};
