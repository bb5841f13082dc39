//! Identifier newtypes, so that a customer id is not passed where a source id belongs.
//! Each accepts a string or a number: Kaisa sends numeric ids as strings, `"407382"`.

vendor_core::id_newtype! {
    /// A customer id (numeric, sent by Kaisa as a string).
    pub struct CustomerId: From<u64>;

    /// A source (tracking number) id.
    pub struct SourceId: From<u64>;

    /// A call detail record id.
    pub struct CdrId: From<u64>;

    /// A call recording id.
    pub struct RecordingId: From<u64>;
}
