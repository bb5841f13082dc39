//! What differs between platforms: private modes, owners, and opening files without
//! following symbolic links.
//!
//! On Unix the directory is `0700` and every file `0600`, owned by the effective
//! user, and token, key and lock files are opened with `O_NOFOLLOW`. Elsewhere
//! (Windows) the cache directory under the user's profile is private by its ACL;
//! a path is refused when `symlink_metadata` says it is a link, just before it is
//! opened.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// How a directory that already exists was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DirCheck {
    /// Private to this user.
    Private,
    /// Open to the group or to others: its mode was set to `0700`.
    Repaired,
}

#[cfg(unix)]
mod imp {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};

    use rustix::fs::OFlags;

    use super::*;

    /// `O_NOFOLLOW | O_NONBLOCK`: never through a link; never stuck on a FIFO
    /// someone left where a file should be (no effect on regular files).
    fn no_follow() -> i32 {
        (OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32
    }

    fn euid() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    pub(crate) fn create_dir_private(dir: &Path) -> io::Result<()> {
        // Missing parents are made 0700 too, as the XDG spec asks of `~/.cache`.
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }

    pub(crate) fn check_dir(dir: &Path) -> Result<DirCheck, String> {
        let meta = fs::metadata(dir).map_err(|e| format!("it cannot be read ({e})"))?;
        if !meta.is_dir() {
            return Err("it is not a directory".to_owned());
        }
        if meta.uid() != euid() {
            return Err(format!(
                "it is owned by another user (uid {}, this process runs as uid {}); \
                 remove it or choose another directory",
                meta.uid(),
                euid()
            ));
        }
        if meta.mode() & 0o077 == 0 {
            return Ok(DirCheck::Private);
        }
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
            format!(
                "it is open to other users (mode {:o}) and its mode could not be set to 700 ({e})",
                meta.mode() & 0o777
            )
        })?;
        Ok(DirCheck::Repaired)
    }

    pub(crate) fn open_no_follow(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(no_follow())
            .open(path)
    }

    pub(crate) fn create_private_new(path: &Path) -> io::Result<File> {
        // O_CREAT | O_EXCL: fails on anything already there, a link included.
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(no_follow())
            .open(path)
    }

    pub(crate) fn open_lock(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(no_follow())
            .open(path)
    }

    pub(crate) fn check_private_file(meta: &Metadata) -> Result<(), &'static str> {
        if !meta.file_type().is_file() {
            return Err("it is not a regular file");
        }
        if meta.uid() != euid() {
            return Err("it is owned by another user");
        }
        if meta.mode() & 0o077 != 0 {
            return Err("other users may read or write it (its mode is not 600)");
        }
        Ok(())
    }

    pub(crate) fn same_file(a: &Metadata, b: &Metadata) -> bool {
        a.dev() == b.dev() && a.ino() == b.ino()
    }

    pub(crate) fn sync_dir(dir: &Path) {
        // Makes a rename durable; best effort (some file systems refuse it).
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    fn refuse_link(path: &Path) -> io::Result<()> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the path is a symbolic link",
            )),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn create_dir_private(dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    pub(crate) fn check_dir(dir: &Path) -> Result<DirCheck, String> {
        let meta = fs::metadata(dir).map_err(|e| format!("it cannot be read ({e})"))?;
        if !meta.is_dir() {
            return Err("it is not a directory".to_owned());
        }
        Ok(DirCheck::Private)
    }

    pub(crate) fn open_no_follow(path: &Path) -> io::Result<File> {
        refuse_link(path)?;
        OpenOptions::new().read(true).open(path)
    }

    pub(crate) fn create_private_new(path: &Path) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub(crate) fn open_lock(path: &Path) -> io::Result<File> {
        refuse_link(path)?;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
    }

    pub(crate) fn check_private_file(meta: &Metadata) -> Result<(), &'static str> {
        if !meta.file_type().is_file() {
            return Err("it is not a regular file");
        }
        Ok(())
    }

    pub(crate) fn same_file(_a: &Metadata, _b: &Metadata) -> bool {
        // A file another handle holds open cannot be removed on Windows, so the lock
        // file a handle locked is still the one at its path.
        true
    }

    pub(crate) fn sync_dir(_dir: &Path) {}
}

pub(crate) use imp::*;

/// Whether `path` is a symbolic link itself (not followed).
pub(crate) fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{symlink, PermissionsExt};

    use super::*;

    #[test]
    fn a_private_directory_is_left_alone_and_an_open_one_repaired() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_dir(dir.path()), Ok(DirCheck::Private));
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o750)).unwrap();
        assert_eq!(check_dir(dir.path()), Ok(DirCheck::Repaired));
        let mode = fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(check_dir(dir.path()), Ok(DirCheck::Private));
    }

    #[test]
    fn same_file_tells_one_file_from_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        fs::write(&a, b"a").unwrap();
        fs::write(&b, b"b").unwrap();
        let a_open = File::open(&a).unwrap().metadata().unwrap();
        let a_path = fs::symlink_metadata(&a).unwrap();
        let b_path = fs::symlink_metadata(&b).unwrap();
        assert!(same_file(&a_open, &a_path));
        assert!(!same_file(&a_open, &b_path));
        assert!(!same_file(&b_path, &a_path));
    }

    #[test]
    fn is_symlink_looks_at_the_link_not_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        let link = dir.path().join("link");
        let dangling = dir.path().join("dangling");
        fs::write(&file, b"x").unwrap();
        symlink(&file, &link).unwrap();
        symlink(dir.path().join("missing"), &dangling).unwrap();
        assert!(is_symlink(&link));
        assert!(is_symlink(&dangling));
        assert!(!is_symlink(&file));
        assert!(!is_symlink(dir.path()));
        assert!(!is_symlink(&dir.path().join("missing")));
    }
}
