//! Response shapes shared by OKQ8's APIs. OKQ8 publishes no schemas: these are the
//! shapes of the local sandbox (ours), kept lenient; bring your own types for
//! everything else.

mod page;

pub use page::ItemPage;
