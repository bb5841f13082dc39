//! Identifier newtypes, so that a payload id is not passed where a user id belongs.
//! Each accepts a string or a number: ids are GUIDs in Keyavi's examples, but the
//! schema is not published.

vendor_core::id_newtype! {
    /// A payload (protected file) id, a GUID.
    pub struct PayloadId;

    /// A user id, a GUID.
    pub struct UserId;

    /// A policy id (the policy applied when protecting a payload).
    pub struct PolicyId;
}
