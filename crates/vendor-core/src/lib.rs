#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod api;
mod id;
#[doc(hidden)]
pub mod kit;
mod text_enum;

pub use api::{
    check_path, encode_segment, paginate, paginate_pages, path_segment, ApiClient,
    ApiClientBuilder, ApiError, ApiResponse, AuthError, AuthErrorKind, BodyTooLarge,
    CrossOriginRedirect, DeadlineExceeded, DecodeError, Error, InvalidArgument, ItemStream, Page,
    PageStream, Request, Response, DEFAULT_MAX_RESPONSE_BYTES, MAX_PAGES,
};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What exported macros use; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use oauth_core;
    pub use serde;
}
