//! Kazi's response models and the typed values requests take.
//!
//! Field names follow Kazi's camelCase wire names in snake_case, and the models
//! serialize back to the same wire names (for `--json` output). Numbers are accepted as
//! JSON numbers or numeric strings.

mod expectations;
mod ids;
mod job_scans;
mod matches;

pub(crate) use expectations::ExpectationList;
pub use expectations::{Expectation, ExpectationKind};
pub use ids::{AccountId, ExpectationId, JobScanId, TalentScanId};
pub use job_scans::{AccountJobScan, AccountTalentScan, ScanExpectation};
pub use matches::{
    ExpectationMatch, JobMatch, JobScanSummary, MatchOrder, MatchSort, Pagination,
    TalentScanMatches, TalentScanSummary,
};
