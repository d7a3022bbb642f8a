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
    include_str!("migrations/0005_oauth.sql"),
    include_str!("migrations/0006_search_index.sql"),
    include_str!("migrations/0007_text_index.sql"),
    include_str!("migrations/0008_text_index_on_text_changes.sql"),
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
        sweep_orphans(&base);
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

/// Removes the temporary databases of sandboxes that were killed before they could clean up
/// (a killed process runs no destructor). Where `/proc` is missing, nothing is removed.
fn sweep_orphans(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("jirakit-sandbox-")) else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u64>()) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive && entry.path().join("sandbox.db").exists() {
            let _ = std::fs::remove_dir_all(entry.path());
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
    keep_plans(&conn)?;
    // The word index's triggers call these on every write (migration 0007 included).
    crate::fts::register(&conn)?;
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
    keep_plans(&conn)?;
    Ok(conn)
}

/// Statements stay prepared: an issue read runs a few dozen distinct ones, so the cache holds
/// them all, and the query planner stability guarantee stops SQLite from reading bound values
/// while planning. Without it a `LIMIT ?` marks its parameter, every new binding expires the
/// statement and `prepare_cached` compiles it again on each call (about a sixth of a cold
/// issue GET went there). Our plans never depend on a bound value: search picks its strategy
/// in Rust (see `jql_sql`).
fn keep_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_prepared_statement_cache_capacity(256);
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
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
    // 0006_search_index
    "issue_labels",
    // 0005_oauth
    "oauth_tokens",
    "oauth_codes",
    "oauth_apps",
    "connect_apps",
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

    #[test]
    fn the_database_of_a_killed_sandbox_is_swept_at_the_next_start() {
        // No process has this id: pids stay below 2^22 on Linux.
        let orphan = std::env::temp_dir().join("jirakit-sandbox-4294967295-0");
        std::fs::create_dir_all(&orphan).unwrap();
        std::fs::write(orphan.join("sandbox.db"), b"left behind").unwrap();
        let unrelated = std::env::temp_dir().join("jirakit-sandbox-4294967295-notes");
        std::fs::create_dir_all(&unrelated).unwrap();
        let mine = TempDb::new().unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!orphan.exists(), "the orphan is swept");
        }
        assert!(unrelated.exists(), "only sandbox databases are swept");
        assert!(mine.dir.exists());
        let _ = std::fs::remove_dir_all(&unrelated);
        let _ = std::fs::remove_dir_all(&orphan);
    }
}
