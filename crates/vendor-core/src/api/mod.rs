//! The authorized HTTP pipeline; its items are re-exported at the crate root.

mod client;
mod error;
mod paginate;
mod request;

pub use client::{ApiClient, ApiClientBuilder, ApiResponse, DEFAULT_MAX_RESPONSE_BYTES};
pub use error::{ApiError, AuthError, AuthErrorKind, DecodeError, Error};
pub use paginate::{paginate, Page, MAX_PAGES};
pub use request::{check_path, encode_segment, path_segment, Request};
