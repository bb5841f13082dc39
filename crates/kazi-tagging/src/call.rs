//! What every request builder shares: per-call options, their setters and
//! `IntoFuture`.
//!
//! The brief for this crate names `vendor_core::kit::CallOptions` and the macros
//! `vendor_core::call_options!` and `vendor_core::into_future!`, which vendor-core
//! does not provide yet; these are the same shapes, kept private, so that moving to
//! the shared ones is a change of paths only.

use std::time::Duration;

use oauth_core::RetryPolicy;
use vendor_core::Request;

/// Options one call may set instead of the client's: its overall deadline and its
/// retry policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// `request` with these options set.
    pub(crate) fn apply(&self, mut request: Request) -> Request {
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        if let Some(policy) = &self.retry {
            request = request.retry_policy(policy.clone());
        }
        request
    }
}

/// The per-call setters, for the impl block of a request builder with a field
/// `options: CallOptions`.
macro_rules! call_options {
    () => {
        /// The overall deadline of this call (token fetch and retries included),
        /// instead of the client's [`Timeouts`](crate::Timeouts).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// The retry policy of this call instead of the client's: for example
        /// [`RetryPolicy::none()`](crate::RetryPolicy::none) to try once.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }
    };
}

/// `IntoFuture` for a request builder with `async fn send(self) -> Result<$out>`, so
/// that the builder can be awaited directly.
macro_rules! into_future {
    ($request:ty => $out:ty) => {
        impl ::std::future::IntoFuture for $request {
            type Output = $crate::Result<$out>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = $crate::Result<$out>> + Send + 'static>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use {call_options, into_future};
