//! Per-call options and the `IntoFuture` glue every request builder shares.
//!
//! The workspace's brief names these `vendor_core::kit::CallOptions`,
//! `vendor_core::call_options!` and `vendor_core::into_future!`; until vendor-core
//! provides them, this crate keeps private equivalents with the same shape, so that
//! switching is a change of paths only.

use std::time::Duration;

use oauth_core::RetryPolicy;
use vendor_core::Request;

/// What a caller may change for one call: its overall deadline and retry policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// `request` with these options set on it.
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

/// The per-call setters of a request builder whose field `options` is a
/// [`CallOptions`].
macro_rules! call_options {
    () => {
        /// The overall deadline of this call (retries and token fetch included),
        /// instead of the client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// The retry policy of this call, instead of the client's
        /// (`RetryPolicy::none()`: one attempt).
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }
    };
}

/// `IntoFuture` for a request builder with `async fn send(self) -> Result<$out>`,
/// so that the builder can be awaited directly.
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

pub(crate) use call_options;
pub(crate) use into_future;
