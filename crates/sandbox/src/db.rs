//! The SQLite file (or memory database) behind the sandbox: opening, pragmas and numbered
//! migrations embedded at compile time. A landed migration is never edited: add a new one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OpenFlags};

/// Migrations in order; the database's `user_version` says how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_core.sql"),
    include_str!("migrations/0002_agile.sql"),
    include_str!("migrations/0003_hostile.sql"),
    include_str!("migrations/0004_resources.sql"),
];

/// Where the database lives. `--memory` gets a private file in the temp directory, removed when
/// the sandbox stops, so that readers on their own connections see the writer's commits (WAL).
pub enum Location {
    File(PathBuf),
    Temp(TempDb),
}

impl Location {
    pub fn path(&self) -> &Path {
        match self {
            Location::File(p) => p,
            Location::Temp(t) => &t.path,
        }
    }
}

/// A database file that exists only while the sandbox runs.
pub struct TempDb {
    dir: PathBuf,
    path: PathBuf,
}

impl TempDb {
    pub fn new() -> std::io::Result<TempDb> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = base.join(format!("jirakit-sandbox-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    let path = dir.join("sandbox.db");
                    return Ok(TempDb { dir, path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The writer's connection: the only one that changes the database. A temporary database skips
/// the `fsync`s: it does not outlive the process anyway.
pub fn open(location: &Location) -> rusqlite::Result<Connection> {
    let conn = Connection::open(location.path())?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match location {
        Location::File(_) => "NORMAL",
        Location::Temp(_) => "OFF",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // An issue read runs a few dozen distinct statements; keep them all prepared.
    conn.set_prepared_statement_cache_capacity(256);
    migrate(&conn)?;
    Ok(conn)
}

/// A read-only connection for requests that only read. In WAL mode it reads the last commit
/// without waiting for the writer, and a write through it fails instead of slipping past the
/// writer's lock.
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        conn.execute_batch(&format!(
            "BEGIN;\n{sql}\nPRAGMA user_version = {};\nCOMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

/// Tables in the order they can be emptied without breaking a foreign key.
pub const TABLES: &[&str] = &[
    "sprints",
    "boards",
    "filters",
    "webhook_deliveries",
    "webhook_outbox",
    "webhooks",
    // 0004_resources
    "worklog_deletions",
    "worklogs",
    "attachments",
    "votes",
    "watchers",
    "remote_links",
    "issue_links",
    "link_types",
    // 0001_core
    "changelog_items",
    "histories",
    "issue_properties",
    "comments",
    "issues",
    "field_options",
    "field_contexts",
    "fields",
    "components",
    "versions",
    "projects",
    "group_members",
    "groups",
    "users",
    "statuses",
    "issue_types",
    "priorities",
    "resolutions",
    "kv",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_on_a_fresh_database_and_are_idempotent() {
        let temp = TempDb::new().unwrap();
        let location = Location::Temp(temp);
        let conn = open(&location).unwrap();
        migrate(&conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        for t in TABLES {
            conn.execute(&format!("DELETE FROM {t}"), []).unwrap();
        }
    }

    #[test]
    fn a_temporary_database_is_removed_with_its_wal_when_dropped() {
        let temp = TempDb::new().unwrap();
        let dir = temp.dir.clone();
        let location = Location::Temp(temp);
        let conn = open(&location).unwrap();
        let reader = open_reader(location.path()).unwrap();
        conn.execute("INSERT INTO kv (key, value) VALUES ('k', 'v')", [])
            .unwrap();
        let seen: String = reader
            .query_row("SELECT value FROM kv WHERE key = 'k'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, "v", "a reader sees the writer's commit");
        let refused = reader.execute("DELETE FROM kv", []);
        assert!(refused.is_err(), "a reader cannot write");
        assert!(dir.join("sandbox.db-wal").exists());
        drop((reader, conn));
        drop(location);
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }
}
