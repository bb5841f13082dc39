//! What every request builder shares: per-call options and `IntoFuture`.
//!
//! The workspace plan puts these in `vendor_core::kit` (`CallOptions`,
//! `call_options!`, `into_future!`); until vendor-core has them they live here, with
//! the same names and shapes, so that moving to vendor-core's is a matter of paths.

use std::time::Duration;

use oauth_core::RetryPolicy;
use vendor_core::Request;

/// The options a caller may set on one call, overriding the client's.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// `request` with these options applied.
    pub(crate) fn apply(&self, mut request: Request) -> Request {
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        if let Some(retry) = &self.retry {
            request = request.retry_policy(retry.clone());
        }
        request
    }
}

/// The per-call setters, inside the `impl` block of a request builder whose field
/// `options` holds a [`CallOptions`].
macro_rules! call_options {
    () => {
        /// The overall deadline of this call (retries and the token fetch included),
        /// instead of the client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// The retry policy of this call, instead of the client's
        /// ([`RetryPolicy::none`](crate::RetryPolicy::none): one attempt).
        pub fn retry_policy(mut self, policy: crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }
    };
}

/// `impl IntoFuture for $request`, so that `.await` on the builder sends it: its
/// `send(self)` must return `crate::Result<$output>`.
macro_rules! into_future {
    ($request:ty => $output:ty) => {
        impl ::std::future::IntoFuture for $request {
            type Output = crate::Result<$output>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = crate::Result<$output>> + Send>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use {call_options, into_future};
