//! Files that hold secrets: created 0600 and never overwritten, refused when
//! group or others can reach them.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use zeroize::Zeroizing;

use crate::KeyError;

/// Files holding secrets are small; anything larger is not ours.
const MAX_SECRET_FILE: u64 = 1 << 20;

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> KeyError + 'a {
    move |source| KeyError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `path` (never overwriting it) with mode 0600, writes `contents`,
/// and syncs the file and its directory. A partly written file is removed.
pub(crate) fn write_new_secret_file(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| {
            if source.kind() == io::ErrorKind::AlreadyExists {
                KeyError::AlreadyExists {
                    path: path.to_path_buf(),
                }
            } else {
                KeyError::Io {
                    action: "create",
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
    let written = file
        .write_all(contents)
        .map_err(io_err("write", path))
        .and_then(|()| file.sync_all().map_err(io_err("sync", path)));
    if let Err(e) = written {
        drop(file);
        // Best effort: a half-written secret file would block the next attempt.
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    drop(file);
    sync_parent_dir(path)
}

/// Makes the new directory entry durable.
fn sync_parent_dir(path: &Path) -> Result<(), KeyError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("sync directory", dir))
}

/// Reads a secret file after checking it is a regular file that only its
/// owner can reach. `NotFound` is returned as-is for the caller to explain.
pub(crate) fn read_secret_file(
    path: &Path,
    what: &'static str,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let mut file = File::open(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            ReadError::NotFound
        } else {
            ReadError::Key(KeyError::Io {
                action: "open",
                path: path.to_path_buf(),
                source,
            })
        }
    })?;
    let meta = file.metadata().map_err(io_err("inspect", path))?;
    if !meta.is_file() {
        return Err(KeyError::BadFile {
            what,
            path: path.to_path_buf(),
            problem: "is not a regular file; point the configuration at the file itself",
        }
        .into());
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::InsecurePermissions {
            what,
            path: path.to_path_buf(),
            mode,
        }
        .into());
    }
    if meta.len() > MAX_SECRET_FILE {
        return Err(KeyError::BadFile {
            what,
            path: path.to_path_buf(),
            problem: "is larger than 1 MiB, too large to be a key or passphrase file; check the path",
        }
        .into());
    }
    // Room for the whole file up front, so no reallocation leaves copies behind.
    let cap = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    let mut buf = Zeroizing::new(Vec::with_capacity(cap));
    Read::by_ref(&mut file)
        .take(MAX_SECRET_FILE)
        .read_to_end(&mut buf)
        .map_err(io_err("read", path))?;
    Ok(buf)
}

/// Why [`read_secret_file`] failed.
pub(crate) enum ReadError {
    /// The file does not exist.
    NotFound,
    /// Any other problem, already explained.
    Key(KeyError),
}

impl From<KeyError> for ReadError {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}
