//! Backup and restore of the PostgreSQL store.
//!
//! Backup: one `REPEATABLE READ READ ONLY` transaction (one snapshot, no locks that block
//! writers) lists the tables of the store's schema, counts their rows and writes each with
//! `COPY … TO STDOUT` (text format) into `TABLE.copy`.
//!
//! Restore: one transaction, under the migration lock, drops the target's tables (refusing if
//! they hold data, unless forced), recreates the schema of the backup's version from the
//! migrations, loads every table with `COPY … FROM STDIN` (from the `.copy` files, or from the
//! rows of a SQLite backup), moves sequences past the restored ids, checks the row counts,
//! applies the later migrations and commits. A failure anywhere rolls all of it back.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio_postgres::{IsolationLevel, Transaction};

use super::{
    check_table_name, ident, io_error, now_rfc3339, BackupError, Column, HashingFile, Manifest,
    Progress, TableEntry, Unit, VERSION_TABLE,
};
use crate::postgres::{connect_one, migrate_to, migrations, redact, MIGRATION_LOCK};

/// Bytes sent per COPY message on restore.
const CHUNK: usize = 256 * 1024;

/// The base tables of the current schema, by name.
async fn table_names(tx: &Transaction<'_>) -> Result<Vec<String>, BackupError> {
    Ok(tx
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
             ORDER BY table_name",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

async fn columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<Column>, BackupError> {
    Ok(tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1
             ORDER BY ordinal_position",
            &[&table],
        )
        .await?
        .iter()
        .map(|r| Column {
            name: r.get(0),
            ty: r.get(1),
        })
        .collect())
}

async fn count(tx: &Transaction<'_>, table: &str) -> Result<u64, BackupError> {
    let n: i64 = tx
        .query_one(&format!("SELECT count(*)::int8 FROM {}", ident(table)), &[])
        .await?
        .get(0);
    Ok(n as u64)
}

fn column_list(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|c| ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn backup(
    url: &str,
    schema: Option<&str>,
    out: &Path,
    progress: &dyn Progress,
) -> Result<Manifest, BackupError> {
    let mut client = connect_one(url, schema).await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let names = table_names(&tx).await?;
    if !names.iter().any(|n| n == VERSION_TABLE) {
        return Err(BackupError::Refused(format!(
            "{} holds no radar store (no {VERSION_TABLE} table in its schema); check --database-url",
            redact(url)
        )));
    }
    let version: Option<i32> = tx
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await?
        .get(0);
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        check_table_name(&name)?;
        let columns = columns(&tx, &name).await?;
        let rows = count(&tx, &name).await?;
        tables.push(TableEntry {
            file: format!("{name}.copy"),
            name,
            rows,
            columns,
        });
    }
    progress.stage(
        "exporting tables",
        tables.iter().map(|t| t.rows).sum(),
        Unit::Rows,
    );
    let mut files = Vec::with_capacity(tables.len());
    for t in &tables {
        let stream = tx
            .copy_out(&format!(
                "COPY {} ({}) TO STDOUT",
                ident(&t.name),
                column_list(&t.columns)
            ))
            .await?;
        futures_util::pin_mut!(stream);
        let mut file = HashingFile::create(out, &t.file)?;
        // In the text format every row ends with a newline, and newlines in values are
        // escaped: lines are rows.
        let mut lines = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            let n = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            lines += n;
            progress.advance(n);
            file.write(&chunk)?;
        }
        if lines != t.rows {
            return Err(BackupError::Refused(format!(
                "table {} gave {lines} rows to COPY but counted {} in the same snapshot; the backup is not consistent and was not finished",
                t.name, t.rows
            )));
        }
        files.push(file.finish()?);
    }
    tx.commit().await?;
    super::sync_dir(out)?;
    Ok(Manifest {
        format: super::FORMAT,
        backend: "postgres".into(),
        created: now_rfc3339(),
        schema_version: version.unwrap_or(0) as u32,
        files,
        tables,
    })
}

pub(super) async fn restore(
    dir: &Path,
    manifest: &Manifest,
    url: &str,
    schema: Option<&str>,
    force: bool,
    progress: &dyn Progress,
) -> Result<(), BackupError> {
    let target = match schema {
        Some(s) => format!("{} (schema {s})", redact(url)),
        None => redact(url),
    };
    if let Some(s) = schema {
        let admin = connect_one(url, None).await?;
        admin
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", ident(s)))
            .await?;
    }
    let mut client = connect_one(url, schema).await?;
    let tx = client.transaction().await?;
    tx.batch_execute(MIGRATION_LOCK).await?;
    // Recreating the schema notes tables that already exist; not news for the user.
    tx.batch_execute("SET LOCAL client_min_messages = warning")
        .await?;

    let existing = table_names(&tx).await?;
    if !existing.is_empty() {
        if !existing.iter().any(|t| t == VERSION_TABLE) {
            return Err(BackupError::Refused(format!(
                "cannot restore into {target}: its schema holds tables that are not a radar store ({}); restore into an empty database or schema",
                existing.join(", ")
            )));
        }
        let mut holds = Vec::new();
        for t in existing.iter().filter(|t| *t != VERSION_TABLE) {
            let n = count(&tx, t).await?;
            if n > 0 {
                holds.push(format!("{t}: {n} rows"));
            }
        }
        if !holds.is_empty() && !force {
            return Err(BackupError::NotEmpty {
                target,
                holds: holds.join(", "),
            });
        }
        for t in &existing {
            tx.batch_execute(&format!("DROP TABLE {} CASCADE", ident(t)))
                .await?;
        }
    }
    migrate_to(&tx, manifest.schema_version as usize).await?;

    let restored: Vec<&TableEntry> = manifest
        .tables
        .iter()
        .filter(|t| t.name != VERSION_TABLE)
        .collect();
    let now = table_names(&tx).await?;
    for t in &restored {
        if !now.contains(&t.name) {
            return Err(BackupError::Damaged {
                dir: dir.display().to_string(),
                file: super::MANIFEST.into(),
                problem: format!(
                    "lists table {}, which schema version {} does not have",
                    t.name, manifest.schema_version
                ),
            });
        }
    }
    let from_sqlite = manifest.backend == "sqlite";
    if from_sqlite {
        progress.stage(
            "loading tables",
            restored.iter().map(|t| t.rows).sum(),
            Unit::Rows,
        );
    } else {
        let bytes = restored
            .iter()
            .filter_map(|t| manifest.files.iter().find(|f| f.name == t.file))
            .map(|f| f.bytes)
            .sum();
        progress.stage("loading tables", bytes, Unit::Bytes);
    }
    let sqlite = if from_sqlite {
        let path = dir.join(crate::sqlite::DB_FILE);
        Some(std::sync::Mutex::new(
            rusqlite::Connection::open_with_flags(
                crate::sqlite::immutable_uri(&path),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_URI
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| crate::StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
        ))
    } else {
        None
    };
    for t in &restored {
        let sink = tx
            .copy_in::<_, Bytes>(&format!(
                "COPY {} ({}) FROM STDIN",
                ident(&t.name),
                column_list(&t.columns)
            ))
            .await?;
        futures_util::pin_mut!(sink);
        match &sqlite {
            None => {
                let path = dir.join(&t.file);
                let mut file = File::open(&path).map_err(|e| io_error(&path, "read", e))?;
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = file
                        .read(&mut buf)
                        .map_err(|e| io_error(&path, "read", e))?;
                    if n == 0 {
                        break;
                    }
                    sink.send(Bytes::copy_from_slice(&buf[..n])).await?;
                    progress.advance(n as u64);
                }
            }
            Some(conn) => {
                let mut after = i64::MIN;
                loop {
                    let (data, rows, last) = {
                        let conn = conn.lock().map_err(|_| {
                            crate::StoreError::Worker("a previous read panicked".into())
                        })?;
                        sqlite_batch(&conn, t, after)?
                    };
                    let Some(last) = last else { break };
                    sink.send(data).await?;
                    progress.advance(rows);
                    after = last;
                }
            }
        }
        let rows = sink.finish().await?;
        if rows != t.rows {
            return Err(BackupError::Damaged {
                dir: dir.display().to_string(),
                file: t.file.clone(),
                problem: format!(
                    "gave {rows} rows of table {}, the manifest says {}",
                    t.name, t.rows
                ),
            });
        }
    }
    // Ids handed out by sequences continue after the restored ones.
    for t in &restored {
        for c in &t.columns {
            let seq: Option<String> = tx
                .query_one(
                    "SELECT pg_get_serial_sequence($1, $2)",
                    &[&ident(&t.name), &c.name],
                )
                .await?
                .get(0);
            if let Some(seq) = seq {
                tx.query_one(
                    &format!(
                        "SELECT setval($1::text::regclass, COALESCE((SELECT max({}) FROM {}), 0) + 1, false)",
                        ident(&c.name),
                        ident(&t.name)
                    ),
                    &[&seq],
                )
                .await?;
            }
        }
    }
    migrate_to(&tx, migrations().len()).await?;
    tx.commit().await?;
    Ok(())
}

/// Rows of a SQLite backup's table read per COPY message on restore.
const SQLITE_BATCH: i64 = 5000;

/// The next rows of a table of a SQLite backup after `rowid`, in PostgreSQL's COPY text format:
/// the data, the number of rows and the last rowid (`None` at the end).
fn sqlite_batch(
    conn: &rusqlite::Connection,
    t: &TableEntry,
    after: i64,
) -> Result<(Bytes, u64, Option<i64>), BackupError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT {SQLITE_BATCH}",
        column_list(&t.columns),
        ident(&t.name)
    ))?;
    let n = t.columns.len();
    let mut rows = stmt.query([after])?;
    let mut buf = Vec::new();
    let (mut count, mut last) = (0u64, None);
    while let Some(row) = rows.next()? {
        last = Some(row.get::<_, i64>(0)?);
        for i in 0..n {
            if i > 0 {
                buf.push(b'\t');
            }
            copy_value(&mut buf, row.get_ref(i + 1)?);
        }
        buf.push(b'\n');
        count += 1;
    }
    Ok((Bytes::from(buf), count, last))
}

/// One value in COPY text format.
fn copy_value(buf: &mut Vec<u8>, v: rusqlite::types::ValueRef<'_>) {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => buf.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => buf.extend_from_slice(format!("{f:?}").as_bytes()),
        ValueRef::Text(s) => {
            for &b in s {
                match b {
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    b => buf.push(b),
                }
            }
        }
        // bytea's hex input `\x…`, its backslash escaped for COPY.
        ValueRef::Blob(b) => {
            buf.extend_from_slice(b"\\\\x");
            buf.extend_from_slice(crate::hex(b).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::types::ValueRef;

    fn copy(v: ValueRef<'_>) -> String {
        let mut b = Vec::new();
        super::copy_value(&mut b, v);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn values_in_copy_text_format() {
        assert_eq!(copy(ValueRef::Null), "\\N");
        assert_eq!(copy(ValueRef::Integer(-42)), "-42");
        assert_eq!(copy(ValueRef::Text(b"a\tb\\c\nd")), "a\\tb\\\\c\\nd");
        assert_eq!(copy(ValueRef::Blob(&[0, 255])), "\\\\x00ff");
    }
}
