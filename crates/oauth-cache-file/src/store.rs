//! The cache directory: its secret key, token files written atomically, lock files,
//! and what is read back, checked.
//!
//! Layout of the directory:
//!
//! | name | what |
//! |---|---|
//! | `key` | 32 random bytes, made on first use: the HMAC key of the file names |
//! | `<hmac>.token` | one token, as a JSON record with its expiry |
//! | `<hmac>.lock` | empty; locked (advisory) by the process fetching that token |
//! | `.<hmac>.<random>.tmp` | a token (or key) being written, renamed into place |
//!
//! `<hmac>` is 64 hex digits: [`CacheKey::keyed_digest`] under the key.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use oauth_core::{AccessToken, CacheKey};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox};

use crate::record::{self, Refused, MAX_FILE_BYTES};
use crate::sys::{self, DirCheck};

/// The file holding the directory's secret key.
pub(crate) const KEY_FILE: &str = "key";
const KEY_LEN: usize = 32;
const TOKEN_EXT: &str = "token";
const LOCK_EXT: &str = "lock";
const TEMP_EXT: &str = "tmp";
/// A temporary file older than this is left over from a crash: `clear` removes it.
const STALE_TEMP: Duration = Duration::from_secs(60);

/// What a token file holds, as far as this cache is concerned.
pub(crate) enum Loaded {
    /// No file, or the record of a token that has expired.
    Absent,
    /// A file that is not a usable record; why (never quoting it).
    Ignored(String),
    /// The file could not be opened or read; why. Not a reason to stop using the
    /// directory (the write that follows says whether it can be used).
    Unreadable(String),
    /// The token.
    Token(AccessToken),
}

/// A prepared cache directory and its key.
pub(crate) struct Store {
    dir: PathBuf,
    secret: SecretBox<[u8; KEY_LEN]>,
    /// Set at the first failure to write in the directory: memory only from then on.
    failed: AtomicBool,
}

impl Store {
    /// Creates the directory if needed (`0700`), checks it (repairing its mode) and
    /// reads or makes its key. The error says why the directory cannot be used.
    pub(crate) fn open(dir: &Path) -> Result<Self, String> {
        sys::create_dir_private(dir).map_err(|e| format!("it cannot be created ({e})"))?;
        if sys::check_dir(dir)? == DirCheck::Repaired {
            tracing::warn!(
                dir = %dir.display(),
                "token cache: the cache directory was open to other users; its mode is now 700"
            );
        }
        let secret = load_or_create_key(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            secret,
            failed: AtomicBool::new(false),
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the directory is still in use (no write has failed).
    pub(crate) fn is_active(&self) -> bool {
        !self.failed.load(Ordering::Acquire)
    }

    /// Stops using the directory after a failure to write in it, with one warning.
    pub(crate) fn fail(&self, doing: &str, err: &io::Error) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                dir = %self.dir.display(),
                error = %err,
                "token cache: {doing} failed; tokens are kept in memory only from now on"
            );
        } else {
            tracing::debug!(dir = %self.dir.display(), error = %err, "token cache: {doing} failed");
        }
    }

    /// The file name stem for `key`: the hex HMAC of the whole key (its credential
    /// fingerprint included) under the directory's secret key.
    pub(crate) fn name(&self, key: &CacheKey) -> String {
        let digest = key.keyed_digest(self.secret.expose_secret());
        let mut name = String::with_capacity(64);
        for b in digest {
            let _ = write!(name, "{b:02x}");
        }
        name
    }

    pub(crate) fn token_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.{TOKEN_EXT}"))
    }

    fn lock_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.{LOCK_EXT}"))
    }

    /// Reads the token file of `name`, bounded, without following a link, and only
    /// if it is a private regular file of this user.
    pub(crate) fn load(&self, name: &str) -> Loaded {
        let path = self.token_path(name);
        let bytes = match read_private(&path, MAX_FILE_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Loaded::Absent,
            Err(ReadError::Untrusted(reason)) => return Loaded::Ignored(reason),
            Err(ReadError::Io(reason)) => return Loaded::Unreadable(reason),
        };
        match record::decode(name, &bytes) {
            Ok(token) => Loaded::Token(token),
            Err(Refused::Expired) => Loaded::Absent,
            Err(Refused::Invalid(reason)) => Loaded::Ignored(reason),
        }
    }

    /// Writes the token of `name` atomically: a new private file in the directory,
    /// synced, renamed over the old one (a link there is replaced, not followed).
    /// `false` when the token is not worth storing (expired, not `Bearer`).
    pub(crate) fn save(&self, name: &str, token: &AccessToken) -> io::Result<bool> {
        let Some(json) = record::encode(name, token) else {
            return Ok(false);
        };
        write_atomically(&self.dir, name, &self.token_path(name), json.as_bytes())?;
        Ok(true)
    }

    /// Takes the lock of `name` if no one holds it: `None` when someone does.
    ///
    /// The lock is the returned file's: it is released when the file is dropped (or
    /// the process ends, however it ends).
    pub(crate) fn try_lock(&self, name: &str) -> io::Result<Option<File>> {
        try_lock_path(&self.lock_path(name))
    }

    /// Removes the token file of `name` if it holds `token`; whether it did.
    pub(crate) fn remove_if_holds(&self, name: &str, token: &AccessToken) -> io::Result<bool> {
        match self.load(name) {
            // Gone already (another process removed it after our read): not an error.
            Loaded::Token(stored) if stored.same_as(token) => remove(&self.token_path(name)),
            _ => Ok(false),
        }
    }

    /// Removes every token file (and the lock files no one holds, and temporary
    /// files left over from a crash); the number of token files removed.
    pub(crate) fn clear(&self) -> io::Result<usize> {
        clear_dir(&self.dir)
    }
}

/// Removes the cache files in `dir`; see [`Store::clear`].
pub(crate) fn clear_dir(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if let Some(stem) = file_name.strip_suffix(&format!(".{TOKEN_EXT}")) {
            if is_name(stem) && remove(&path)? {
                removed += 1;
            }
        } else if let Some(stem) = file_name.strip_suffix(&format!(".{LOCK_EXT}")) {
            // Removed only while held here, so that no one is fetching under it; a
            // process that opened it before is told by the inode check in
            // `try_lock_path` that it locked a removed file, and tries again.
            if is_name(stem) {
                if let Ok(Some(_held)) = try_lock_path(&path) {
                    remove(&path)?;
                }
            }
        } else if file_name.starts_with('.')
            && path.extension() == Some(OsStr::new(TEMP_EXT))
            && is_stale(&path)
        {
            remove(&path)?;
        }
    }
    Ok(removed)
}

fn remove(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

fn is_stale(path: &Path) -> bool {
    fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > STALE_TEMP)
}

/// 64 lower-case hex digits: a name this cache makes.
fn is_name(stem: &str) -> bool {
    stem.len() == 64 && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn try_lock_path(path: &Path) -> io::Result<Option<File>> {
    lock_if_current(path, sys::open_lock(path)?)
}

/// Locks `file`, opened at `path`, if no one holds it and it is still the file at
/// `path`: `None` when someone holds it or it is no longer there.
fn lock_if_current(path: &Path, file: File) -> io::Result<Option<File>> {
    let meta = file.metadata()?;
    // Nothing is read from a lock file: only what it is matters.
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the lock file is not a regular file",
        ));
    }
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => return Ok(None),
        Err(fs4::TryLockError::Error(e)) => return Err(e),
    }
    // `clear` may have removed the file between our open and our lock: then a lock on
    // it excludes no one who opens the path now. Report it as held; the caller tries
    // again and opens the new file.
    match fs::symlink_metadata(path) {
        Ok(now) if sys::same_file(&meta, &now) => Ok(Some(file)),
        _ => Ok(None),
    }
}

/// Why a file was not read.
enum ReadError {
    /// There is a file, not to be trusted: a link, not ours, not private, too large.
    Untrusted(String),
    /// It could not be opened or read.
    Io(String),
}

impl ReadError {
    fn reason(self) -> String {
        match self {
            Self::Untrusted(reason) | Self::Io(reason) => reason,
        }
    }
}

/// Reads `path` if it is a private regular file of this user and at most `max`
/// bytes: `Ok(None)` when there is no file.
fn read_private(path: &Path, max: u64) -> Result<Option<Zeroizing<Vec<u8>>>, ReadError> {
    let mut file = match sys::open_no_follow(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(_) if sys::is_symlink(path) => {
            return Err(ReadError::Untrusted("it is a symbolic link".to_owned()))
        }
        Err(e) => return Err(ReadError::Io(format!("it cannot be opened ({e})"))),
    };
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Io(format!("it cannot be read ({e})")))?;
    sys::check_private_file(&meta).map_err(|why| ReadError::Untrusted(why.to_owned()))?;
    let too_large = || ReadError::Untrusted(format!("it is larger than {max} bytes"));
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0)));
    // Bounded even if the file grows after the look at its size.
    (&mut file)
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(format!("it cannot be read ({e})")))?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(Some(bytes))
}

/// A new private temporary file in `dir` for `stem`: its path and the file.
fn create_temp(dir: &Path, stem: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..8 {
        let path = dir.join(format!(".{stem}.{:016x}.{TEMP_EXT}", fastrand::u64(..)));
        match sys::create_private_new(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// Writes `bytes` to a new temporary file of `dir`, synced: its path.
fn write_temp(dir: &Path, stem: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let (path, mut file) = create_temp(dir, stem)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    match written {
        Ok(()) => Ok(path),
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}

fn write_atomically(dir: &Path, stem: &str, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(dir, stem, bytes)?;
    if let Err(e) = fs::rename(&temp, target) {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sys::sync_dir(dir);
    Ok(())
}

/// The directory's key: read, or made once for all the processes that start at the
/// same time (the first link wins; the others read its key).
fn load_or_create_key(dir: &Path) -> Result<SecretBox<[u8; KEY_LEN]>, String> {
    let path = dir.join(KEY_FILE);
    for _ in 0..3 {
        let replace = match read_private(&path, KEY_LEN as u64 + 1) {
            Ok(Some(bytes)) => match <[u8; KEY_LEN]>::try_from(bytes.as_slice()) {
                Ok(key) => return Ok(SecretBox::new(Box::new(key))),
                Err(_) => {
                    tracing::warn!(dir = %dir.display(), "token cache: the key file is not 32 bytes; making a new key (cached tokens are fetched again)");
                    true
                }
            },
            Ok(None) => false,
            Err(err) => {
                let reason = err.reason();
                tracing::warn!(dir = %dir.display(), reason = %reason, "token cache: the key file cannot be used; making a new key (cached tokens are fetched again)");
                true
            }
        };
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::getrandom(key.as_mut_slice())
            .map_err(|e| format!("no random key can be made ({e})"))?;
        let temp = write_temp(dir, KEY_FILE, key.as_slice())
            .map_err(|e| format!("the key file cannot be written ({e})"))?;
        let placed = if replace {
            fs::rename(&temp, &path)
        } else {
            // A link fails if the key exists: two processes starting together agree
            // on the one that linked first. A file system without links gets a rename.
            match fs::hard_link(&temp, &path) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let _ = fs::remove_file(&temp);
                    continue;
                }
                Ok(()) => fs::remove_file(&temp),
                Err(_) => fs::rename(&temp, &path),
            }
        };
        if let Err(e) = placed {
            let _ = fs::remove_file(&temp);
            return Err(format!("the key file cannot be written ({e})"));
        }
        sys::sync_dir(dir);
        return Ok(SecretBox::new(Box::new(*key)));
    }
    Err("the key file keeps changing".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_key() -> CacheKey {
        CacheKey::builder("u", "c", "g").credential(b"s").build()
    }

    fn bearer(secret: &str) -> AccessToken {
        AccessToken::valid_for(secret, Duration::from_secs(3600))
    }

    /// What `f` logs about `dir`, as text (the test binary's global capture holds
    /// every test's lines; the directory tells this test's apart).
    fn logged<T>(dir: &Path, f: impl FnOnce() -> T) -> (T, String) {
        let capture = test_support::logs::LogCapture::global();
        let out = f();
        let lines = capture.lines_naming(&dir.display().to_string());
        (out, lines.join("\n"))
    }

    #[test]
    fn a_lock_is_taken_by_one_holder_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&token_key());
        let held = store.try_lock(&name).unwrap();
        assert!(held.is_some(), "a free lock is taken");
        assert!(
            store.try_lock(&name).unwrap().is_none(),
            "a held lock is not"
        );
        drop(held);
        assert!(store.try_lock(&name).unwrap().is_some(), "released on drop");
    }

    #[test]
    fn a_lock_file_removed_since_it_was_opened_is_reported_held() {
        // `clear` removed it between our open and our lock: locking it would exclude
        // no one who opens the path now.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{}.{LOCK_EXT}", "a".repeat(64)));
        let opened = sys::open_lock(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert!(lock_if_current(&path, opened).unwrap().is_none());
        // Gone and made again by someone else: not the file we opened either.
        let opened = sys::open_lock(&path).unwrap();
        fs::remove_file(&path).unwrap();
        let _new = sys::open_lock(&path).unwrap();
        assert!(lock_if_current(&path, opened).unwrap().is_none());
        // Still there: taken.
        let opened = sys::open_lock(&path).unwrap();
        assert!(lock_if_current(&path, opened).unwrap().is_some());
    }

    #[test]
    fn a_file_removed_by_someone_else_first_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.token");
        fs::write(&path, b"x").unwrap();
        assert!(remove(&path).unwrap());
        assert!(!path.exists());
        assert!(!remove(&path).unwrap(), "already gone: nothing removed");
    }

    #[test]
    fn remove_if_holds_removes_the_token_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&token_key());
        let token = bearer("at-1");
        assert!(store.save(&name, &token).unwrap());
        assert!(!store.remove_if_holds(&name, &bearer("at-2")).unwrap());
        assert!(store.token_path(&name).exists(), "another token is kept");
        assert!(store.remove_if_holds(&name, &token).unwrap());
        assert!(!store.token_path(&name).exists());
        assert!(!store.remove_if_holds(&name, &token).unwrap());
    }

    #[test]
    fn clear_fails_on_a_token_entry_it_cannot_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // A directory where a token file should be: unlink refuses it (root too).
        let squatter = store.token_path(&"b".repeat(64));
        fs::create_dir(&squatter).unwrap();
        let err = store.clear().unwrap_err();
        assert_ne!(err.kind(), io::ErrorKind::NotFound, "{err}");
        assert!(squatter.is_dir());
    }

    #[test]
    fn a_token_file_that_is_a_symbolic_link_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&token_key());
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("planted.token");
        let other = Store::open(elsewhere.path()).unwrap();
        other.save(&name, &bearer("planted")).unwrap();
        fs::rename(other.token_path(&name), &target).unwrap();
        std::os::unix::fs::symlink(&target, store.token_path(&name)).unwrap();
        match store.load(&name) {
            Loaded::Ignored(why) => assert_eq!(why, "it is a symbolic link"),
            _ => panic!("a link to a token file is not read"),
        }
        // A dangling link is refused the same way, not taken for no file.
        fs::remove_file(&target).unwrap();
        match store.load(&name) {
            Loaded::Ignored(why) => assert_eq!(why, "it is a symbolic link"),
            _ => panic!("a dangling link is not taken for a missing file"),
        }
    }

    #[test]
    fn a_token_file_of_exactly_the_limit_is_read_one_byte_more_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&token_key());
        assert!(store.save(&name, &bearer("at-big")).unwrap());
        let path = store.token_path(&name);
        let mut bytes = fs::read(&path).unwrap();
        let limit = usize::try_from(MAX_FILE_BYTES).unwrap();
        bytes.resize(limit, b' ');
        fs::write(&path, &bytes).unwrap();
        match store.load(&name) {
            Loaded::Token(t) => assert!(t.same_as(&bearer("at-big"))),
            _ => panic!("a file of exactly {limit} bytes is read"),
        }
        bytes.push(b' ');
        fs::write(&path, &bytes).unwrap();
        match store.load(&name) {
            Loaded::Ignored(why) => assert_eq!(why, "it is larger than 32768 bytes"),
            _ => panic!("a file of {} bytes is refused", limit + 1),
        }
    }

    #[test]
    fn a_write_takes_another_temporary_name_when_the_first_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&token_key());
        // Made before seeding: a token draws its own random jitter.
        let token = bearer("at-1");
        // The random part of the first name tried, known from the seed.
        fastrand::seed(18);
        let first = fastrand::u64(..);
        let squatter = dir.path().join(format!(".{name}.{first:016x}.{TEMP_EXT}"));
        fs::write(&squatter, b"left over").unwrap();
        fastrand::seed(18);
        assert!(store.save(&name, &token).unwrap());
        assert!(matches!(store.load(&name), Loaded::Token(_)));
        assert_eq!(fs::read(&squatter).unwrap(), b"left over");
    }

    #[test]
    fn a_key_file_that_cannot_be_used_is_replaced_with_a_warning_saying_why() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let key = dir.path().join(KEY_FILE);
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("key");
        fs::rename(&key, &target).unwrap();
        std::os::unix::fs::symlink(&target, &key).unwrap();
        let (store, logs) = logged(dir.path(), || Store::open(dir.path()));
        store.unwrap();
        assert!(logs.contains("the key file cannot be used"), "{logs}");
        assert!(logs.contains("it is a symbolic link"), "{logs}");
        assert!(!sys::is_symlink(&key), "the link is replaced by a key file");
        assert_eq!(fs::read(&key).unwrap().len(), KEY_LEN);
    }

    #[test]
    fn a_key_file_one_byte_too_long_is_reported_as_of_the_wrong_length() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let key = dir.path().join(KEY_FILE);
        fs::write(&key, [7u8; KEY_LEN + 1]).unwrap();
        let (store, logs) = logged(dir.path(), || Store::open(dir.path()));
        store.unwrap();
        assert!(logs.contains("the key file is not 32 bytes"), "{logs}");
        assert!(!logs.contains("larger than"), "{logs}");
        assert_eq!(fs::read(&key).unwrap().len(), KEY_LEN);
    }

    #[test]
    fn names_are_what_clear_matches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let name = store.name(&CacheKey::builder("u", "c", "g").credential(b"s").build());
        assert!(is_name(&name), "{name}");
        assert!(!is_name(&name[1..]));
        assert!(!is_name(&name.to_uppercase()));
    }

    #[test]
    fn the_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::builder("u", "c", "g").credential(b"s").build();
        let a = Store::open(dir.path()).unwrap();
        let b = Store::open(dir.path()).unwrap();
        assert_eq!(a.name(&key), b.name(&key));
        let other = tempfile::tempdir().unwrap();
        assert_ne!(a.name(&key), Store::open(other.path()).unwrap().name(&key));
    }

    #[test]
    fn a_broken_key_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::builder("u", "c", "g").credential(b"s").build();
        let before = Store::open(dir.path()).unwrap().name(&key);
        fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let after = Store::open(dir.path()).unwrap();
        assert_ne!(before, after.name(&key));
        assert_eq!(fs::read(dir.path().join(KEY_FILE)).unwrap().len(), KEY_LEN);
        assert_eq!(
            after.name(&key),
            Store::open(dir.path()).unwrap().name(&key)
        );
    }
}
