//! Endpoint handles: each describes its requests and sends them through the client.

mod customers;
mod miscellaneous;
mod sources;
mod statistics;

pub use customers::{CustomerList, Customers};
pub use miscellaneous::Miscellaneous;
pub use sources::{SourceList, Sources};
pub use statistics::{CdrsOut, Statistics, MAX_PAGE_SIZE};
