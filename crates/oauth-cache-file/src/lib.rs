#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod cache;
mod error;
mod record;
mod source;
mod store;
mod sys;

pub use builder::FileTokenCacheBuilder;
pub use cache::FileTokenCache;
pub use error::FileCacheError;
