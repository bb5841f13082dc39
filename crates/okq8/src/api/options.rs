//! Per-call options: what `vendor_core::kit::CallOptions` and its macros
//! `call_options!` and `into_future!` are meant to provide, kept here until
//! vendor-core has them.

use std::time::Duration;

use oauth_core::RetryPolicy;
use vendor_core::Request;

/// Settings of one call that override the client's: the overall deadline and the
/// retry policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallOptions {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Sets the overall deadline of the call.
    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = Some(timeout);
    }

    /// Sets the retry policy of the call.
    pub(crate) fn set_retry_policy(&mut self, policy: RetryPolicy) {
        self.retry = Some(policy);
    }

    /// `request` with these options applied.
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

/// The per-call option setters of a request builder whose field `options` holds a
/// [`CallOptions`].
macro_rules! call_options {
    () => {
        /// The overall deadline of this call (retries and token fetch included),
        /// instead of the client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.set_timeout(timeout);
            self
        }

        /// The retry policy of this call, instead of the client's:
        /// `RetryPolicy::none()` tries once.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.options.set_retry_policy(policy);
            self
        }
    };
}
pub(crate) use call_options;

/// `IntoFuture` for a request builder generic over its answer type `T`, whose
/// `send(self)` returns `Result<$out>`, so that the builder can be awaited.
macro_rules! into_future {
    ($name:ident => $out:ty) => {
        impl<T> ::std::future::IntoFuture for $name<T>
        where
            T: ::serde::de::DeserializeOwned + Send + 'static,
        {
            type Output = $crate::Result<$out>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = $crate::Result<$out>> + Send>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use into_future;
