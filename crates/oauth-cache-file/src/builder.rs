//! [`FileTokenCacheBuilder`].

use std::path::PathBuf;
use std::time::Duration;

use oauth_core::{ConfigError, MemoryTokenCache};

use crate::cache::FileTokenCache;

/// Longest application name accepted (it becomes a directory name).
const MAX_APP_NAME: usize = 64;

/// Builds a [`FileTokenCache`]; see [`FileTokenCache::builder`].
#[must_use]
#[derive(Debug)]
pub struct FileTokenCacheBuilder {
    app_name: String,
    dir: Option<PathBuf>,
    max_lock_wait: Duration,
    l1: Option<MemoryTokenCache>,
}

impl FileTokenCacheBuilder {
    pub(crate) fn new(app_name: String) -> Self {
        Self {
            app_name,
            dir: None,
            max_lock_wait: FileTokenCache::DEFAULT_MAX_LOCK_WAIT,
            l1: None,
        }
    }

    /// The directory of the token files, instead of
    /// [`FileTokenCache::default_dir`]. It is created (`0700` on Unix, missing
    /// parents too) if it does not exist, and must belong to the user the process
    /// runs as; give a directory of its own: [`FileTokenCache::clear`] removes the
    /// token files in it.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The longest a call waits for another process that is fetching the same token
    /// before it fetches one itself (default
    /// [`FileTokenCache::DEFAULT_MAX_LOCK_WAIT`], 10 s). A process that dies
    /// releases its lock at once, so this bounds only a fetch that hangs.
    pub fn max_lock_wait(mut self, wait: Duration) -> Self {
        self.max_lock_wait = wait;
        self
    }

    /// The memory cache in front of the directory (default:
    /// [`MemoryTokenCache::new`]), for another capacity or failure back-off.
    pub fn l1(mut self, cache: MemoryTokenCache) -> Self {
        self.l1 = Some(cache);
        self
    }

    /// Checks the settings, then prepares the directory: creates it if needed,
    /// checks it and reads (or makes) its key.
    ///
    /// A directory that cannot be used does not make this fail: the cache then keeps
    /// tokens in memory only, and says why in one `tracing` warning and in
    /// [`FileTokenCache::unavailable_reason`]. On Unix, a directory owned by another
    /// user is not used; one of this user's that the group or others may access has
    /// its mode set to `0700` (with a warning).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] if the application name is not a plain name (ASCII letters,
    /// digits, `-`, `_` and `.`, not starting with `.`, at most 64 characters), or
    /// `max_lock_wait` is zero.
    pub fn build(self) -> Result<FileTokenCache, ConfigError> {
        check_app_name(&self.app_name)?;
        if self.max_lock_wait.is_zero() {
            return Err(ConfigError::new(
                "max_lock_wait",
                "is zero: give the time a call may wait for another process's fetch (such as 10 s)",
            ));
        }
        let dir = self
            .dir
            .or_else(|| FileTokenCache::default_dir(&self.app_name));
        Ok(FileTokenCache::from_parts(
            self.app_name,
            dir,
            self.l1.unwrap_or_default(),
            self.max_lock_wait,
        ))
    }
}

fn check_app_name(name: &str) -> Result<(), ConfigError> {
    let plain = !name.is_empty()
        && name.len() <= MAX_APP_NAME
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        Ok(())
    } else {
        Err(ConfigError::new(
            "app_name",
            "must be a plain name of ASCII letters, digits, '-', '_' and '.', not starting \
             with '.', at most 64 characters (such as \"vendorctl\"): it names a directory",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_plain_directory_names() {
        for good in ["vendorctl", "my-app_2", "a.b", "A"] {
            assert!(check_app_name(good).is_ok(), "{good}");
        }
        let long = "x".repeat(65);
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", "../x", "a b", "a\0b", "é", &long,
        ] {
            let err = check_app_name(bad).unwrap_err();
            assert_eq!(err.field(), "app_name", "{bad}");
        }
    }
}
