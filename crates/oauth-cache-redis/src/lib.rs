#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod builder;
mod cache;
mod crypto;
mod error;
mod invalidation;
mod record;
mod source;
mod store;

pub use builder::RedisTokenCacheBuilder;
pub use cache::RedisTokenCache;
pub use crypto::EncryptionKey;
pub use error::RedisCacheError;
