//! Issues, comments, properties and the changelog in SQLite: a narrow API over the tables.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct IssueRow {
    pub id: i64,
    pub project_id: i64,
    pub num: i64,
    pub key: String,
    pub issue_type_id: i64,
    pub status_id: i64,
    pub parent_id: Option<i64>,
    pub created: i64,
    pub updated: i64,
    pub fields: Map<String, Value>,
}

impl IssueRow {
    pub fn get(&self, id: &str) -> &Value {
        self.fields.get(id).unwrap_or(&Value::Null)
    }
}

const ISSUE_COLS: &str =
    "id, project_id, num, key, issue_type_id, status_id, parent_id, created, updated, fields";

fn issue_from_row(r: &Row) -> rusqlite::Result<IssueRow> {
    // Parsed where SQLite holds it, without copying the text out first (most of an issue's bytes).
    let fields = match r.get_ref(9)?.as_str() {
        Ok(text) => serde_json::from_str(text).unwrap_or_default(),
        // Not text: the error that reading it as a `String` gives.
        Err(_) => serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
    };
    issue_with_fields(r, fields)
}

/// An issue row's columns but its stored fields, with `fields` instead.
fn issue_with_fields(r: &Row, fields: Map<String, Value>) -> rusqlite::Result<IssueRow> {
    Ok(IssueRow {
        id: r.get(0)?,
        project_id: r.get(1)?,
        num: r.get(2)?,
        key: r.get(3)?,
        issue_type_id: r.get(4)?,
        status_id: r.get(5)?,
        parent_id: r.get(6)?,
        created: r.get(7)?,
        updated: r.get(8)?,
        fields,
    })
}

/// An issue by id or key (keys case-insensitively).
pub fn issue(conn: &Connection, id_or_key: &str) -> rusqlite::Result<Option<IssueRow>> {
    if let Ok(id) = id_or_key.parse::<i64>() {
        return issue_by_id(conn, id);
    }
    conn.prepare_cached(&format!("SELECT {ISSUE_COLS} FROM issues WHERE key = ?1"))?
        .query_row([id_or_key], issue_from_row)
        .optional()
}

pub fn issue_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<IssueRow>> {
    conn.prepare_cached(&format!("SELECT {ISSUE_COLS} FROM issues WHERE id = ?1"))?
        .query_row([id], issue_from_row)
        .optional()
}

pub fn subtasks(conn: &Connection, parent_id: i64) -> rusqlite::Result<Vec<IssueRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE parent_id = ?1 ORDER BY id"
    ))?
    .query_map([parent_id], issue_from_row)?
    .collect()
}

/// The subtasks of an issue, read once per rendering however many fields need them (or read
/// with its page's before).
pub fn subtasks_once<'c>(
    conn: &Connection,
    parent_id: i64,
    cell: &'c std::cell::OnceCell<std::borrow::Cow<'_, [IssueRow]>>,
) -> rusqlite::Result<&'c [IssueRow]> {
    if let Some(s) = cell.get() {
        return Ok(s);
    }
    let loaded = subtasks(conn, parent_id)?;
    Ok(cell.get_or_init(|| loaded.into()))
}

/// The subtasks of the issues whose ids are the JSON array `ids`, in id order, holding only the
/// fields of [`RefFields`].
pub fn subtask_refs_of_issues(conn: &Connection, ids: &str) -> rusqlite::Result<Vec<IssueRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE parent_id IN (SELECT value FROM json_each(?1)) ORDER BY id"
    ))?
    .query_map([ids], ref_from_row)?
    .collect()
}

/// The issues whose ids are the JSON array `ids`, in no particular order, holding only the fields
/// of [`RefFields`].
pub fn issue_refs_in(conn: &Connection, ids: &str) -> rusqlite::Result<Vec<IssueRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE id IN (SELECT value FROM json_each(?1))"
    ))?
    .query_map([ids], ref_from_row)?
    .collect()
}

/// What an issue shown as a parent or subtask reads of its stored fields: its summary and
/// priority for the short reference, its times for the aggregates. The others (a description
/// is most of an issue) are skipped over, not built.
#[derive(serde::Deserialize)]
struct RefFields {
    summary: Option<Value>,
    priority: Option<Value>,
    timeoriginalestimate: Option<Value>,
    timeestimate: Option<Value>,
    timespent: Option<Value>,
}

fn ref_from_row(r: &Row) -> rusqlite::Result<IssueRow> {
    let text: String = r.get(9)?;
    let mut fields = Map::new();
    if let Ok(f) = serde_json::from_str::<RefFields>(&text) {
        let kept = [
            ("summary", f.summary),
            ("priority", f.priority),
            ("timeoriginalestimate", f.timeoriginalestimate),
            ("timeestimate", f.timeestimate),
            ("timespent", f.timespent),
        ];
        for (k, v) in kept {
            if let Some(v) = v {
                fields.insert(k.to_string(), v);
            }
        }
    }
    issue_with_fields(r, fields)
}

/// Every issue of the given projects, in id order.
pub fn issues_in_projects(conn: &Connection, project_ids: &[i64]) -> rusqlite::Result<Vec<IssueRow>> {
    let mut out = Vec::new();
    let mut st = conn.prepare_cached(&format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE project_id = ?1 ORDER BY id"
    ))?;
    for p in project_ids {
        for row in st.query_map([p], issue_from_row)? {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Issues that satisfy a WHERE clause built by the JQL compiler (`jql_sql`), with its bound
/// parameters, in id order.
pub fn issues_where(
    conn: &Connection,
    where_sql: &str,
    params: &[rusqlite::types::Value],
) -> rusqlite::Result<Vec<IssueRow>> {
    conn.prepare_cached(&format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE {where_sql} ORDER BY id"
    ))?
    .query_map(rusqlite::params_from_iter(params), issue_from_row)?
    .collect()
}

/// Issues by id, in the order given; ids that do not exist are skipped.
pub fn issues_by_ids(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<IssueRow>> {
    let mut st = conn.prepare_cached(&format!("SELECT {ISSUE_COLS} FROM issues WHERE id = ?1"))?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = st.query_row([id], issue_from_row).optional()? {
            out.push(row);
        }
    }
    Ok(out)
}

/// The keys of issues by id, in the order given, without reading their fields.
pub fn issue_keys(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut st = conn.prepare_cached("SELECT key FROM issues WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(key) = st.query_row([id], |r| r.get::<_, String>(0)).optional()? {
            out.push((*id, key));
        }
    }
    Ok(out)
}

/// Inserts a new issue, taking the project's next number for its key.
#[allow(clippy::too_many_arguments)]
pub fn insert_issue(
    conn: &Connection,
    project_id: i64,
    project_key: &str,
    issue_type_id: i64,
    status_id: i64,
    parent_id: Option<i64>,
    now: i64,
    fields: Map<String, Value>,
) -> rusqlite::Result<IssueRow> {
    let num: i64 = conn
        .prepare_cached("UPDATE projects SET next_num = next_num + 1 WHERE id = ?1 RETURNING next_num - 1")?
        .query_row([project_id], |r| r.get(0))?;
    let key = format!("{project_key}-{num}");
    let text = Value::Object(fields.clone()).to_string();
    conn.prepare_cached(
        "INSERT INTO issues (project_id, num, key, issue_type_id, status_id, parent_id, created, updated, fields) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
    )?
    .execute(params![project_id, num, key, issue_type_id, status_id, parent_id, now, text])?;
    Ok(IssueRow {
        id: conn.last_insert_rowid(),
        project_id,
        num,
        key,
        issue_type_id,
        status_id,
        parent_id,
        created: now,
        updated: now,
        fields,
    })
}

pub fn save_issue(conn: &Connection, i: &IssueRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE issues SET issue_type_id = ?2, status_id = ?3, parent_id = ?4, updated = ?5, fields = ?6 WHERE id = ?1",
    )?
    .execute(params![i.id, i.issue_type_id, i.status_id, i.parent_id, i.updated, Value::Object(i.fields.clone()).to_string()])?;
    Ok(())
}

pub fn delete_issue(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM issues WHERE id = ?1", [id])?;
    Ok(())
}

/// One changed field, as the changelog records it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeItem {
    pub field: String,
    pub fieldtype: String,
    pub field_id: Option<String>,
    pub from: Option<String>,
    pub from_string: Option<String>,
    pub to: Option<String>,
    pub to_string: Option<String>,
}

#[derive(Debug, Clone)]
pub struct History {
    pub id: i64,
    pub author: Option<String>,
    pub created: i64,
    pub items: Vec<ChangeItem>,
}

pub fn add_history(
    conn: &Connection,
    issue_id: i64,
    author: Option<&str>,
    created: i64,
    items: &[ChangeItem],
) -> rusqlite::Result<Option<i64>> {
    if items.is_empty() {
        return Ok(None);
    }
    conn.prepare_cached("INSERT INTO histories (issue_id, author, created) VALUES (?1, ?2, ?3)")?
        .execute(params![issue_id, author, created])?;
    let hid = conn.last_insert_rowid();
    let mut st = conn.prepare_cached(
        "INSERT INTO changelog_items (history_id, seq, field, fieldtype, field_id, from_value, from_string, to_value, to_string) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (seq, it) in items.iter().enumerate() {
        st.execute(params![
            hid,
            seq as i64,
            it.field,
            it.fieldtype,
            it.field_id,
            it.from,
            it.from_string,
            it.to,
            it.to_string
        ])?;
    }
    Ok(Some(hid))
}

/// `(total, page)` of an issue's histories, oldest first.
pub fn histories(
    conn: &Connection,
    issue_id: i64,
    start: i64,
    max: i64,
) -> rusqlite::Result<(i64, Vec<History>)> {
    let total: i64 = conn
        .prepare_cached("SELECT count(*) FROM histories WHERE issue_id = ?1")?
        .query_row([issue_id], |r| r.get(0))?;
    let heads: Vec<(i64, Option<String>, i64)> = conn
        .prepare_cached(
            "SELECT id, author, created FROM histories WHERE issue_id = ?1 ORDER BY created, id LIMIT ?2 OFFSET ?3",
        )?
        .query_map(params![issue_id, max, start], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(heads.len());
    let mut st = conn.prepare_cached(
        "SELECT field, fieldtype, field_id, from_value, from_string, to_value, to_string FROM changelog_items WHERE history_id = ?1 ORDER BY seq",
    )?;
    for (id, author, created) in heads {
        let items = st
            .query_map([id], |r| {
                Ok(ChangeItem {
                    field: r.get(0)?,
                    fieldtype: r.get(1)?,
                    field_id: r.get(2)?,
                    from: r.get(3)?,
                    from_string: r.get(4)?,
                    to: r.get(5)?,
                    to_string: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        out.push(History {
            id,
            author,
            created,
            items,
        });
    }
    Ok((total, out))
}

#[derive(Debug, Clone)]
pub struct CommentRow {
    pub id: i64,
    pub author: String,
    pub update_author: String,
    pub body: Value,
    pub created: i64,
    pub updated: i64,
    pub visibility: Option<Value>,
}

fn comment_from_row(r: &Row) -> rusqlite::Result<CommentRow> {
    let body: String = r.get(4)?;
    let vis: Option<String> = r.get(7)?;
    Ok(CommentRow {
        id: r.get(0)?,
        author: r.get(2)?,
        update_author: r.get(3)?,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
        created: r.get(5)?,
        updated: r.get(6)?,
        visibility: vis.and_then(|v| serde_json::from_str(&v).ok()),
    })
}

const COMMENT_COLS: &str = "id, issue_id, author, update_author, body, created, updated, visibility";

pub fn comments(
    conn: &Connection,
    issue_id: i64,
    start: i64,
    max: i64,
    newest_first: bool,
) -> rusqlite::Result<(i64, Vec<CommentRow>)> {
    let total: i64 = conn
        .prepare_cached("SELECT count(*) FROM comments WHERE issue_id = ?1")?
        .query_row([issue_id], |r| r.get(0))?;
    let order = if newest_first { "DESC" } else { "ASC" };
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COMMENT_COLS} FROM comments WHERE issue_id = ?1 ORDER BY created {order}, id {order} LIMIT ?2 OFFSET ?3"
        ))?
        .query_map(params![issue_id, max, start], comment_from_row)?
        .collect::<Result<_, _>>()?;
    Ok((total, rows))
}

pub fn comment(conn: &Connection, issue_id: i64, id: i64) -> rusqlite::Result<Option<CommentRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COMMENT_COLS} FROM comments WHERE issue_id = ?1 AND id = ?2"
    ))?
    .query_row(params![issue_id, id], comment_from_row)
    .optional()
}

pub fn insert_comment(
    conn: &Connection,
    issue_id: i64,
    author: &str,
    body: &Value,
    visibility: Option<&Value>,
    now: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO comments (issue_id, author, update_author, body, created, updated, visibility) VALUES (?1, ?2, ?2, ?3, ?4, ?4, ?5)",
    )?
    .execute(params![issue_id, author, body.to_string(), now, visibility.map(Value::to_string)])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_comment(conn: &Connection, c: &CommentRow) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE comments SET body = ?2, update_author = ?3, updated = ?4, visibility = ?5 WHERE id = ?1",
        params![
            c.id,
            c.body.to_string(),
            c.update_author,
            c.updated,
            c.visibility.as_ref().map(Value::to_string)
        ],
    )?;
    Ok(())
}

pub fn delete_comment(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM comments WHERE id = ?1", [id])?;
    Ok(())
}

/// The issue's `updated` moves with comments, transitions and edits.
pub fn touch_issue(conn: &Connection, issue_id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE issues SET updated = ?2 WHERE id = ?1")?
        .execute(params![issue_id, now])?;
    Ok(())
}

pub fn property_keys(conn: &Connection, issue_id: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT key FROM issue_properties WHERE issue_id = ?1 ORDER BY key")?
        .query_map([issue_id], |r| r.get(0))?
        .collect()
}

pub fn property(conn: &Connection, issue_id: i64, key: &str) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM issue_properties WHERE issue_id = ?1 AND key = ?2")?
        .query_row(params![issue_id, key], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Sets a property; `true` when it was created, `false` when replaced.
pub fn set_property(conn: &Connection, issue_id: i64, key: &str, value: &Value) -> rusqlite::Result<bool> {
    let existed = property(conn, issue_id, key)?.is_some();
    conn.execute(
        "INSERT INTO issue_properties (issue_id, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (issue_id, key) DO UPDATE SET value = excluded.value",
        params![issue_id, key, value.to_string()],
    )?;
    Ok(!existed)
}

pub fn delete_property(conn: &Connection, issue_id: i64, key: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM issue_properties WHERE issue_id = ?1 AND key = ?2",
        params![issue_id, key],
    )? > 0)
}

pub fn kv_get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM kv WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub fn kv_set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// A lexicographic rank after every rank given so far; never needs renumbering.
pub fn next_rank(conn: &Connection) -> rusqlite::Result<String> {
    let n: i64 = kv_get(conn, "rank_counter")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        + 1;
    kv_set(conn, "rank_counter", &n.to_string())?;
    Ok(rank_at(n))
}

/// The rank `next_rank` gives the `n`th time (from 1); a bulk writer that hands out ranks itself
/// stores the last `n` under `rank_counter`.
pub fn rank_at(n: i64) -> String {
    format!("0|i{}:", radix36(n * 8))
}

fn radix36(mut n: i64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    let s = String::from_utf8(out).unwrap_or_default();
    format!("{s:0>7}")
}
