//! The data directory of the embedded default: ceremony, passphrase, key files and the
//! SQLite database, every file mode 0600 and the directories 0700.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::CaError;

/// The layout of a data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// A data directory at `root` (which may not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ceremony file that `init` used, kept for every later command.
    pub fn ceremony_file(&self) -> PathBuf {
        self.root.join("ceremony.toml")
    }

    /// The generated passphrase file (only when `CAREPKI_PASSPHRASE` was not set at init).
    pub fn passphrase_file(&self) -> PathBuf {
        self.root.join("passphrase")
    }

    /// The directory of encrypted CA key files.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }

    /// A CA key file, relative to the data directory (as stored in the database).
    pub fn key_file_relative(ca_id: &str) -> String {
        format!("keys/{ca_id}.key.pem")
    }

    /// Resolve a path stored relative to the data directory.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The file that records which kind of database `init` used ("sqlite" or
    /// "postgres"; never the URL, which may hold a password).
    pub fn backend_file(&self) -> PathBuf {
        self.root.join("database")
    }

    /// The SQLite database of the embedded default.
    pub fn sqlite_file(&self) -> PathBuf {
        self.root.join("carepki.db")
    }

    /// Whether a data directory has been initialised here.
    pub fn is_initialised(&self) -> bool {
        self.ceremony_file().exists()
    }

    /// Create the directory and its `keys/` with mode 0700. Refuses a path that exists
    /// already, whatever it holds: `init` never touches an existing data directory.
    pub fn create(&self) -> Result<(), CaError> {
        if self.root.exists() {
            return Err(CaError::DataDir(format!(
                "{} exists already; init never touches an existing data directory (choose another --data-dir, or remove it yourself if it is a leftover)",
                self.root.display()
            )));
        }
        let mut b = fs::DirBuilder::new();
        b.mode(0o700).recursive(true);
        b.create(&self.root)
            .map_err(|e| CaError::io(&self.root, e))?;
        b.create(self.keys_dir())
            .map_err(|e| CaError::io(&self.keys_dir(), e))?;
        Ok(())
    }

    /// Create an empty SQLite file with mode 0600 so that the database (and its WAL
    /// and shared-memory files, which SQLite creates with the database's mode) is
    /// private from the start.
    pub fn create_private_sqlite_file(&self) -> Result<PathBuf, CaError> {
        let path = self.sqlite_file();
        write_new_private(&path, b"")?;
        Ok(path)
    }
}

/// Write a new file with mode 0600 (never overwriting) and fsync it.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), CaError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| CaError::io(path, e))?;
    f.write_all(bytes).map_err(|e| CaError::io(path, e))?;
    f.sync_all().map_err(|e| CaError::io(path, e))?;
    Ok(())
}
