//! Endpoint handles and their request builders: `client.expectations().list()`
//! ([`ListExpectationsRequest`]), `client.talent_scans().matches(id)`
//! ([`ListMatchesRequest`]), `client.administrator().job_scans(account)`
//! ([`ListAccountJobScansRequest`]).

mod administrator;
mod create_talent_scan;
mod expectations;
mod talent_scans;

pub use administrator::{
    Administrator, ListAccountJobScansRequest, ListAccountScansRequest,
    ListAccountTalentScansRequest, ACCOUNT_JOB_SCANS_PATH, ACCOUNT_TALENT_SCANS_PATH,
    DEFAULT_JOB_SCAN_COUNT, MAX_TEAM_ROLE_FILTER, MAX_WORK_VALUE_FILTER,
};
pub use create_talent_scan::{CreateTalentScanRequest, NewTalentScan, CREATE_TALENT_SCAN_PATH};
pub use expectations::{Expectations, ListExpectationsRequest};
pub use talent_scans::{ListMatchesRequest, TalentScans, MAX_PAGE_SIZE};
