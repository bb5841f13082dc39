//! Identifier newtypes, so that a job scan id is not passed where a talent scan id
//! belongs. Each accepts a string or a number: Kazi documents ids as GUIDs, but does
//! not promise their JSON type.

vendor_core::id_newtype! {
    /// A talent scan id (a GUID): a candidate's scan.
    pub struct TalentScanId;

    /// A job scan id (a GUID): a vacancy's scan.
    pub struct JobScanId;

    /// An expectation id (a GUID): a work value or team role.
    pub struct ExpectationId;

    /// An account id (a GUID): a Kazi customer's account, whose scans the
    /// Administrator API lists.
    pub struct AccountId;
}
