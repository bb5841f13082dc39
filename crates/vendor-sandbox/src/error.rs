//! The crate's error type.

use std::io;

/// Why the sandbox could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound (port in use, no permission...).
    #[error("cannot listen on 127.0.0.1:{port}; choose another port or 0 for a free one")]
    Bind {
        /// The requested port.
        port: u16,
        /// The operating-system error.
        #[source]
        source: io::Error,
    },
    /// The HTTP server stopped with an I/O error.
    #[error("the sandbox HTTP server stopped with an I/O error")]
    Serve(#[source] io::Error),
    /// The TLS material could not be made, read or written (`--tls`, [`SandboxTls`](crate::SandboxTls)).
    #[error("sandbox TLS: {0}")]
    Tls(String),
    /// The background server task panicked or was cancelled.
    #[error("the sandbox server task ended abnormally: {0}")]
    Task(String),
}
