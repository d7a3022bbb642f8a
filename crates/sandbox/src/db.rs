//! The SQLite file (or memory database) behind the sandbox: opening, pragmas and numbered
//! migrations embedded at compile time. A landed migration is never edited: add a new one.

use std::path::Path;

use rusqlite::Connection;

/// Migrations in order; the database's `user_version` says how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_core.sql"),
    include_str!("migrations/0002_agile.sql"),
    include_str!("migrations/0003_hostile.sql"),
    include_str!("migrations/0004_resources.sql"),
    include_str!("migrations/0005_oauth.sql"),
];

pub fn open(path: Option<&Path>) -> rusqlite::Result<Connection> {
    let conn = match path {
        Some(p) => Connection::open(p)?,
        None => Connection::open_in_memory()?,
    };
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    conn.pragma_update(None, "cache_size", -65536)?;
    // An issue read runs a few dozen distinct statements; keep them all prepared.
    conn.set_prepared_statement_cache_capacity(256);
    migrate(&conn)?;
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
        let conn = open(None).unwrap();
        migrate(&conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        for t in TABLES {
            conn.execute(&format!("DELETE FROM {t}"), []).unwrap();
        }
    }
}
