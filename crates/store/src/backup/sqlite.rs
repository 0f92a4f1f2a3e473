//! Backup and restore of the embedded store.
//!
//! Backup: a connection of its own opens a read transaction on the live database (WAL mode:
//! writers go on, the transaction keeps seeing one snapshot) and copies that snapshot page by
//! page with the online backup API, so the copy is consistent however much is written
//! meanwhile. Tables and row counts are read in the same transaction.
//!
//! Restore: the verified file is copied next to the target as `radar.db.restoring`, checked
//! (integrity, row counts), migrated to this program's schema, and only then renamed over
//! `radar.db`. Until the rename the target is untouched.

use std::fs::{self, File};
use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{
    check_table_name, file_entry, ident, io_error, now_rfc3339, sync_dir, BackupError, Column,
    Manifest, Progress, TableEntry, Unit, VERSION_TABLE,
};
use crate::sqlite::DB_FILE;
use crate::StoreError;

/// Pages copied per backup step (4 KiB pages: 4 MiB), between progress reports.
const PAGES_PER_STEP: i32 = 1024;

pub(super) fn backup(
    dir: &Path,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Manifest, BackupError> {
    let db = dir.join(DB_FILE);
    if !db.is_file() {
        return Err(BackupError::Refused(format!(
            "there is no store at {}: nothing to back up; check --data (or the setting `data`)",
            db.display()
        )));
    }
    // Read-only: a backup never writes to the store it copies.
    let src = Connection::open_with_flags(
        &db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Open {
        path: db.display().to_string(),
        message: e.to_string(),
    })?;
    src.busy_timeout(Duration::from_secs(10))?;
    // The snapshot: everything below reads inside this one transaction.
    src.execute_batch("BEGIN")?;
    let tables = tables(&src)?;
    if !tables.iter().any(|t| t.name == VERSION_TABLE) {
        return Err(BackupError::Refused(format!(
            "{} is not a radar store (it has no {VERSION_TABLE} table)",
            db.display()
        )));
    }
    let version: Option<i64> =
        src.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;

    let partial = ".radar.db.partial";
    let tmp = out.join(partial);
    {
        let mut dst = Connection::open(&tmp).map_err(|e| StoreError::Open {
            path: tmp.display().to_string(),
            message: e.to_string(),
        })?;
        let copy = Backup::new(&src, &mut dst)?;
        let mut done = 0u64;
        let mut staged = false;
        loop {
            let step = copy.step(PAGES_PER_STEP)?;
            let p = copy.progress();
            let total = p.pagecount.max(0) as u64;
            if !staged {
                progress.stage("copying the database", total, Unit::Pages);
                staged = true;
            }
            let now = total.saturating_sub(p.remaining.max(0) as u64);
            progress.advance(now.saturating_sub(done));
            done = now;
            match step {
                StepResult::Done => break,
                StepResult::More => {}
                // The source is only read, so this is the destination; wait a moment.
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    src.execute_batch("COMMIT")?;
    drop(src);
    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(&tmp, "sync", e))?;
    fs::rename(&tmp, out.join(DB_FILE)).map_err(|e| io_error(&tmp, "rename", e))?;
    sync_dir(out)?;
    let file = file_entry(out, DB_FILE)?;
    Ok(Manifest {
        format: super::FORMAT,
        backend: "sqlite".into(),
        created: now_rfc3339(),
        schema_version: version.unwrap_or(0) as u32,
        files: vec![file],
        tables,
    })
}

/// Every table (not SQLite's own), with columns and row count, by name.
fn tables(conn: &Connection) -> Result<Vec<TableEntry>, BackupError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        check_table_name(&name)?;
        let columns: Vec<Column> = conn
            .prepare(&format!("PRAGMA table_info({})", ident(&name)))?
            .query_map([], |r| {
                Ok(Column {
                    name: r.get(1)?,
                    ty: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let rows: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {}", ident(&name)), [], |r| {
                r.get(0)
            })?;
        out.push(TableEntry {
            name,
            file: DB_FILE.into(),
            rows: rows as u64,
            columns,
        });
    }
    Ok(out)
}

/// `table: N rows` for each table of `conn` that holds rows (the version table aside).
fn holdings(conn: &Connection) -> Result<Vec<String>, BackupError> {
    Ok(tables(conn)?
        .into_iter()
        .filter(|t| t.name != VERSION_TABLE && t.rows > 0)
        .map(|t| format!("{}: {} rows", t.name, t.rows))
        .collect())
}

pub(super) fn restore(
    backup: &Path,
    manifest: &Manifest,
    dir: &Path,
    force: bool,
    progress: &dyn Progress,
) -> Result<(), BackupError> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, "create the data directory", e))?;
    let db = dir.join(DB_FILE);
    let wal = dir.join(format!("{DB_FILE}-wal"));
    if db.exists() {
        let conn = Connection::open_with_flags(
            &db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: db.display().to_string(),
            message: e.to_string(),
        })?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let holds = holdings(&conn)?;
        if !holds.is_empty() && !force {
            return Err(BackupError::NotEmpty {
                target: db.display().to_string(),
                holds: holds.join(", "),
            });
        }
        // Fold the log into the file, so that no log of the old store outlives it.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        drop(conn);
        // The last connection to close removes the log: if it is still there, another
        // process (a server) has the store open, and would go on writing to the old file.
        if wal.exists() {
            return Err(BackupError::Refused(format!(
                "{} is in use by another process (is `radar serve` running on {}?); stop it, then restore",
                db.display(),
                dir.display()
            )));
        }
    }

    let tmp = dir.join(format!("{DB_FILE}.restoring"));
    for stale in ["", "-wal", "-shm", "-journal"] {
        let p = dir.join(format!("{DB_FILE}.restoring{stale}"));
        if p.exists() {
            fs::remove_file(&p).map_err(|e| io_error(&p, "remove a stale file", e))?;
        }
    }
    let src = backup.join(DB_FILE);
    let entry = manifest
        .files
        .iter()
        .find(|f| f.name == DB_FILE)
        .ok_or_else(|| BackupError::Missing {
            dir: backup.display().to_string(),
            file: DB_FILE.into(),
            hint: "the manifest of a SQLite backup lists it; take a new backup",
        })?;
    progress.stage("copying the database", entry.bytes, Unit::Bytes);
    {
        let mut from = File::open(&src).map_err(|e| io_error(&src, "read", e))?;
        let mut to = super::HashingFile::create(dir, &format!("{DB_FILE}.restoring"))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n =
                std::io::Read::read(&mut from, &mut buf).map_err(|e| io_error(&src, "read", e))?;
            if n == 0 {
                break;
            }
            to.write(&buf[..n])?;
            progress.advance(n as u64);
        }
        let copied = to.finish()?;
        // Read again: the file must not have changed since it was verified.
        if copied.sha256 != entry.sha256 {
            let _ = fs::remove_file(&tmp);
            return Err(BackupError::Damaged {
                dir: backup.display().to_string(),
                file: DB_FILE.into(),
                problem: "changed while it was being restored".into(),
            });
        }
    }
    if let Err(e) = check_copy(&tmp, backup, manifest, progress) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Bring the copy to this program's schema; closing it removes its log.
    drop(crate::sqlite::SqliteStore::open_file(&tmp)?);
    fs::rename(&tmp, &db).map_err(|e| io_error(&db, "replace the store file", e))?;
    sync_dir(dir)
}

/// The copy is a sound database holding what the manifest says.
fn check_copy(
    tmp: &Path,
    backup: &Path,
    manifest: &Manifest,
    progress: &dyn Progress,
) -> Result<(), BackupError> {
    let damaged = |problem: String| BackupError::Damaged {
        dir: backup.display().to_string(),
        file: DB_FILE.into(),
        problem,
    };
    progress.stage(
        "checking the copy",
        manifest.tables.len() as u64 + 1,
        Unit::Rows,
    );
    let conn = Connection::open(tmp).map_err(|e| StoreError::Open {
        path: tmp.display().to_string(),
        message: e.to_string(),
    })?;
    let check: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(|e| damaged(format!("is not a sound database ({e})")))?;
    if check != "ok" {
        return Err(damaged(format!("fails SQLite's integrity check: {check}")));
    }
    progress.advance(1);
    let found = tables(&conn).map_err(|e| damaged(format!("cannot be read ({e})")))?;
    for t in &manifest.tables {
        match found.iter().find(|f| f.name == t.name) {
            Some(f) if f.rows == t.rows => {}
            Some(f) => {
                return Err(damaged(format!(
                    "holds {} rows in table {}, the manifest says {}",
                    f.rows, t.name, t.rows
                )))
            }
            None => {
                return Err(damaged(format!(
                    "has no table {}, which the manifest lists",
                    t.name
                )))
            }
        }
        progress.advance(1);
    }
    Ok(())
}

/// `PRAGMA integrity_check` of a store file: `Ok` when SQLite finds nothing wrong.
pub fn integrity_check(path: &Path) -> Result<(), StoreError> {
    let conn = crate::sqlite::read_only_connection(path)?;
    let check: String = conn.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?;
    if check == "ok" {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "{}: integrity check: {check}",
            path.display()
        )))
    }
}
