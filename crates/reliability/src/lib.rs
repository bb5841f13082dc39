//! The reliability and security suite of the vendor SDKs, as a library of test
//! harness pieces that the binaries in `tests/` drive:
//!
//! - [`secrets`]: distinctive random credentials made per run, and every spelling in
//!   which one could leak (raw, form- and percent-encoded, JSON-escaped, Base64,
//!   HTTP Basic), to scan any text for.
//! - [`servers`]: raw TCP servers for the faults wiremock cannot express (a reset in
//!   the middle of a body, a silent peer, a body trickling in, an endless chunked
//!   body) and a refused port.
//! - [`matrix`]: the fault matrix as a table, one row per fault, each an async
//!   function that asserts the typed error (or the success after a retry), and the
//!   runner that catches panics and hangs.
//! - [`summary`]: the figures of a run, as Markdown.
//!
//! Not published; nothing here is SDK API.

pub mod matrix;
pub mod secrets;
pub mod servers;
pub mod summary;
