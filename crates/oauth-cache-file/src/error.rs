//! [`FileCacheError`]: why the token files could not be cleared.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why [`FileTokenCache::clear`](crate::FileTokenCache::clear) failed.
///
/// Token requests never fail because of the cache directory (the cache then keeps
/// tokens in memory only); only `clear`, which is asked to act on the directory,
/// reports it. The message names the directory and what to do, never a token.
#[derive(Debug)]
pub struct FileCacheError {
    dir: Option<PathBuf>,
    problem: String,
    source: Option<io::Error>,
}

impl FileCacheError {
    pub(crate) fn unavailable(dir: Option<PathBuf>, problem: impl Into<String>) -> Self {
        Self {
            dir,
            problem: problem.into(),
            source: None,
        }
    }

    pub(crate) fn io(dir: &Path, problem: impl Into<String>, source: io::Error) -> Self {
        Self {
            dir: Some(dir.to_owned()),
            problem: problem.into(),
            source: Some(source),
        }
    }

    /// The cache directory, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// What is wrong.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl fmt::Display for FileCacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dir {
            Some(dir) => write!(
                f,
                "token cache directory {}: {}",
                dir.display(),
                self.problem
            ),
            None => write!(f, "no token cache directory: {}", self.problem),
        }
    }
}

impl Error for FileCacheError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn Error + 'static))
    }
}
