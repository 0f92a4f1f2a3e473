//! Backups of the store and their restore.
//!
//! [`backup`] takes a consistent snapshot of a store while servers keep writing to it, into a
//! new directory: SQLite through the online backup API inside one read transaction (one file,
//! `radar.db`); PostgreSQL in one `REPEATABLE READ READ ONLY` transaction, one `COPY` text file
//! per table (`TABLE.copy`). Tables are enumerated from the schema, so a table added by a
//! later migration is included without a change here. A [`Manifest`] (`manifest.json`, written
//! last) records the format, backend, time, schema version, every file's size and SHA-256, and
//! every table's columns and row count.
//!
//! [`restore`] checks the manifest and every checksum before it touches the target
//! ([`verify`]), refuses a target that holds data unless forced, and never leaves a half
//! restored target: SQLite is restored into a temporary file renamed over the store at the
//! end; PostgreSQL in one transaction. A SQLite backup can also be restored into PostgreSQL.

mod postgres;
mod sqlite;

pub use self::sqlite::integrity_check;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// The version of the backup layout this program writes and reads.
pub const FORMAT: u32 = 1;
/// The manifest's file name in a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The table that records the schema version; a restore recreates it from the migrations.
const VERSION_TABLE: &str = "schema_version";

/// What a backup holds; `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`] of the program that wrote it.
    pub format: u32,
    /// `sqlite` or `postgres`: which backend the files come from.
    pub backend: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created: String,
    /// The store's schema (migration) version at the snapshot.
    pub schema_version: u32,
    /// Every file of the backup besides the manifest.
    pub files: Vec<FileEntry>,
    /// Every table of the store, with its row count at the snapshot.
    pub tables: Vec<TableEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// The file's name in the backup directory.
    pub name: String,
    pub bytes: u64,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    /// The file holding the table's rows.
    pub file: String,
    pub rows: u64,
    /// Columns in stored order, with their declared types.
    pub columns: Vec<Column>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

impl Manifest {
    /// Rows of `table` at the snapshot.
    pub fn rows(&self, table: &str) -> Option<u64> {
        self.tables.iter().find(|t| t.name == table).map(|t| t.rows)
    }

    /// Bytes of all files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// Which store a backup reads or a restore writes.
#[derive(Clone, Debug)]
pub enum Target {
    /// The embedded store in a data directory (`DIR/radar.db`).
    Sqlite { dir: PathBuf },
    /// A PostgreSQL database; `schema` (created if missing) instead of the default search path.
    Postgres { url: String, schema: Option<String> },
}

impl Target {
    /// The same rule as [`crate::open`]: a `postgres://` URL, or a data directory.
    pub fn parse(target: &str) -> Target {
        if crate::is_postgres_url(target) {
            Target::Postgres {
                url: target.to_owned(),
                schema: None,
            }
        } else {
            Target::Sqlite {
                dir: PathBuf::from(target),
            }
        }
    }

    /// For messages: the directory, or the URL without its password.
    pub fn name(&self) -> String {
        match self {
            Target::Sqlite { dir } => dir.display().to_string(),
            Target::Postgres { url, schema: None } => crate::postgres::redact(url),
            Target::Postgres {
                url,
                schema: Some(s),
            } => format!("{} (schema {s})", crate::postgres::redact(url)),
        }
    }
}

/// How far a backup or restore is; the CLI draws bars from it. Stages follow each other.
pub trait Progress: Send + Sync {
    /// A new stage of `total` units.
    fn stage(&self, what: &str, total: u64, unit: Unit);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Rows,
    Pages,
}

/// No progress reports.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64, _: Unit) {}
    fn advance(&self, _: u64) {}
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file or directory cannot be read or written.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// A file the backup needs is not there.
    #[error("backup {dir} is incomplete: {file} is missing; {hint}")]
    Missing {
        dir: String,
        file: String,
        hint: &'static str,
    },
    /// A file of the backup is not what the manifest says.
    #[error(
        "backup {dir} is damaged: {file} {problem}; nothing was restored — use another backup"
    )]
    Damaged {
        dir: String,
        file: String,
        problem: String,
    },
    /// The restore target holds data and `force` was not given.
    #[error("cannot restore into {target}: it already holds data ({holds}); restore into an empty store, or pass --force to replace its data")]
    NotEmpty { target: String, holds: String },
    /// Anything else that cannot be done, with what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> BackupError {
        BackupError::Store(e.into())
    }
}

impl From<tokio_postgres::Error> for BackupError {
    fn from(e: tokio_postgres::Error) -> BackupError {
        BackupError::Store(e.into())
    }
}

pub(crate) fn io_error(path: &Path, what: &str, e: std::io::Error) -> BackupError {
    BackupError::Io {
        path: path.display().to_string(),
        message: format!("cannot {what}: {e}"),
    }
}

/// Takes a consistent snapshot of `target` into `out`, which must not exist or be empty, and
/// returns its manifest (also written to `out/manifest.json`, last).
pub async fn backup(
    target: &Target,
    out: &Path,
    progress: Arc<dyn Progress>,
) -> Result<Manifest, BackupError> {
    prepare_out(out)?;
    let manifest = match target {
        Target::Sqlite { dir } => {
            let (dir, out) = (dir.clone(), out.to_path_buf());
            tokio::task::spawn_blocking(move || sqlite::backup(&dir, &out, &*progress))
                .await
                .map_err(|e| StoreError::Worker(e.to_string()))??
        }
        Target::Postgres { url, schema } => {
            postgres::backup(url, schema.as_deref(), out, &*progress).await?
        }
    };
    write_manifest(out, &manifest)?;
    Ok(manifest)
}

/// Checks a backup without restoring it: the manifest is readable and of a known format, and
/// every file it lists is there with its size and checksum. Returns the manifest.
pub fn verify(dir: &Path, progress: &dyn Progress) -> Result<Manifest, BackupError> {
    let d = dir.display().to_string();
    let damaged = |file: &str, problem: String| BackupError::Damaged {
        dir: d.clone(),
        file: file.to_owned(),
        problem,
    };
    if !dir.is_dir() {
        return Err(BackupError::Refused(format!(
            "{d} is not a directory; name the directory `radar backup` wrote"
        )));
    }
    let text = match fs::read(dir.join(MANIFEST)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Missing {
                dir: d,
                file: MANIFEST.into(),
                hint: "it is written last, so the backup did not finish or this is not a backup directory; take a new backup",
            })
        }
        Err(e) => return Err(io_error(&dir.join(MANIFEST), "read the manifest", e)),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| damaged(MANIFEST, format!("is not a valid manifest ({e})")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "backup {d} has format {}, this radar reads format {FORMAT}; restore it with the radar version that wrote it",
            manifest.format
        )));
    }
    if manifest.backend != "sqlite" && manifest.backend != "postgres" {
        return Err(damaged(
            MANIFEST,
            format!("names an unknown backend {:?}", manifest.backend),
        ));
    }
    for f in &manifest.files {
        if f.name.is_empty()
            || f.name == MANIFEST
            || f.name.contains(['/', '\\'])
            || f.name.starts_with('.')
        {
            return Err(damaged(
                MANIFEST,
                format!("lists a file with an invalid name {:?}", f.name),
            ));
        }
    }
    for t in &manifest.tables {
        if !manifest.files.iter().any(|f| f.name == t.file) {
            return Err(damaged(
                MANIFEST,
                format!(
                    "puts table {} in {}, which it does not list",
                    t.name, t.file
                ),
            ));
        }
    }
    progress.stage("verifying the backup", manifest.bytes(), Unit::Bytes);
    for f in &manifest.files {
        let path = dir.join(&f.name);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BackupError::Missing {
                    dir: d,
                    file: f.name.clone(),
                    hint: "the manifest lists it; copy the whole backup directory, or use another backup",
                })
            }
            Err(e) => return Err(io_error(&path, "read the backup file", e)),
        };
        let (bytes, sha) = hash_reader(file, progress).map_err(|e| io_error(&path, "read", e))?;
        if bytes != f.bytes {
            return Err(damaged(
                &f.name,
                format!("is {bytes} bytes, the manifest says {}", f.bytes),
            ));
        }
        if sha != f.sha256 {
            return Err(damaged(
                &f.name,
                format!(
                    "does not match its checksum (sha256 {sha}, the manifest says {})",
                    f.sha256
                ),
            ));
        }
    }
    Ok(manifest)
}

/// Restores the backup in `dir` into `target`, after [`verify`]. The target must hold no data
/// unless `force`, in which case its data is replaced. Returns the backup's manifest.
pub async fn restore(
    dir: &Path,
    target: &Target,
    force: bool,
    progress: Arc<dyn Progress>,
) -> Result<Manifest, BackupError> {
    let manifest = {
        let (dir, progress) = (dir.to_path_buf(), progress.clone());
        tokio::task::spawn_blocking(move || verify(&dir, &*progress))
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))??
    };
    let known = match target {
        Target::Sqlite { .. } => crate::sqlite::migrations().len(),
        Target::Postgres { .. } => crate::postgres::migrations().len(),
    };
    if manifest.schema_version as usize > known {
        return Err(BackupError::Refused(format!(
            "backup {} has schema version {}, newer than this radar knows ({known}); restore it with a newer radar",
            dir.display(),
            manifest.schema_version
        )));
    }
    match (target, manifest.backend.as_str()) {
        (Target::Sqlite { dir: data }, "sqlite") => {
            let (backup, data, m) = (dir.to_path_buf(), data.clone(), manifest.clone());
            tokio::task::spawn_blocking(move || {
                sqlite::restore(&backup, &m, &data, force, &*progress)
            })
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))??;
        }
        (Target::Postgres { url, schema }, _) => {
            postgres::restore(dir, &manifest, url, schema.as_deref(), force, &*progress).await?
        }
        (Target::Sqlite { .. }, other) => {
            return Err(BackupError::Refused(format!(
                "backup {} is of a {other} store; it restores into PostgreSQL only (give --database-url)",
                dir.display()
            )))
        }
    }
    Ok(manifest)
}

/// `out` is created, or exists as an empty directory: a backup never overwrites anything.
fn prepare_out(out: &Path) -> Result<(), BackupError> {
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::Refused(format!(
                    "{} is not empty; back up into a new or empty directory (backups never overwrite files)",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(|e| io_error(out, "create the backup directory", e))
        }
        Err(e) => Err(io_error(out, "use as the backup directory", e)),
    }
}

fn write_manifest(out: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let tmp = out.join(".manifest.json.partial");
    let path = out.join(MANIFEST);
    let mut text = serde_json::to_vec_pretty(manifest)
        .map_err(|e| BackupError::Refused(format!("cannot encode the manifest: {e}")))?;
    text.push(b'\n');
    let mut f = File::create(&tmp).map_err(|e| io_error(&tmp, "create", e))?;
    f.write_all(&text)
        .and_then(|()| f.sync_all())
        .map_err(|e| io_error(&tmp, "write", e))?;
    fs::rename(&tmp, &path).map_err(|e| io_error(&path, "write", e))?;
    sync_dir(out)
}

/// Makes renames and new files in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, "sync the directory", e))
}

/// Size and SHA-256 of everything `r` yields, reported to `progress` as bytes.
fn hash_reader(mut r: impl Read, progress: &dyn Progress) -> std::io::Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
        progress.advance(k as u64);
    }
    Ok((n, crate::hex(&h.finalize())))
}

/// A backup file being written: hashed and counted as it goes, synced at the end.
pub(crate) struct HashingFile {
    name: String,
    path: PathBuf,
    file: File,
    hash: Sha256,
    bytes: u64,
}

impl HashingFile {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<HashingFile, BackupError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| io_error(&path, "create", e))?;
        Ok(HashingFile {
            name: name.to_owned(),
            path,
            file,
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> Result<(), BackupError> {
        self.file
            .write_all(data)
            .map_err(|e| io_error(&self.path, "write", e))?;
        self.hash.update(data);
        self.bytes += data.len() as u64;
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<FileEntry, BackupError> {
        self.file
            .sync_all()
            .map_err(|e| io_error(&self.path, "sync", e))?;
        Ok(FileEntry {
            name: self.name,
            bytes: self.bytes,
            sha256: crate::hex(&self.hash.finalize()),
        })
    }
}

/// Hashes a finished file.
pub(crate) fn file_entry(dir: &Path, name: &str) -> Result<FileEntry, BackupError> {
    let path = dir.join(name);
    let f = File::open(&path).map_err(|e| io_error(&path, "read", e))?;
    let (bytes, sha256) = hash_reader(f, &Quiet).map_err(|e| io_error(&path, "read", e))?;
    Ok(FileEntry {
        name: name.to_owned(),
        bytes,
        sha256,
    })
}

/// Whether files can be created in `dir` (a read-only mount, or permissions, say no).
pub(crate) fn dir_writable(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".radar-write-check-{}", std::process::id()));
    File::create(&probe)?;
    fs::remove_file(&probe)
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A table name safe to use as a file name and unquoted in messages.
pub(crate) fn check_table_name(name: &str) -> Result<(), BackupError> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "the store has a table named {name:?}, which a backup cannot name a file after; rename it"
        )))
    }
}

/// `"name"`, quoted for SQL.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
