//! The authorized HTTP pipeline; its items are re-exported at the crate root.

mod client;
mod error;
mod paginate;
mod request;

pub use client::{ApiClient, ApiClientBuilder, ApiResponse, Response, DEFAULT_MAX_RESPONSE_BYTES};
pub use error::{
    ApiError, AuthError, AuthErrorKind, BodyTooLarge, CrossOriginRedirect, DeadlineExceeded,
    DecodeError, Error, InvalidArgument,
};
pub use paginate::{paginate, paginate_pages, ItemStream, Page, PageStream, MAX_PAGES};
pub use request::{check_path, encode_segment, path_segment, Request};
