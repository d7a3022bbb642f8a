//! What the issues of one page show from other tables (links, attachments, watchers, votes,
//! subtasks and parents), read with one query per table for the whole page rather than one per
//! issue and field. Parents and subtasks, which many pages show again (an epic is the parent of
//! hundreds of issues), are also kept across requests while nothing is written: see [`RefCache`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::attachments::AttachmentRow;
use super::links::LinkRow;
use crate::generation::Generational;
use crate::store::{self, IssueRow};

/// Issues' short references (an issue shown as a parent or a subtask: see `store::issue_refs_in`)
/// and each issue's list of subtasks, as read at one write generation (see `crate::generation`):
/// they are used only while nothing has been written since. A reference shows only the issue's
/// own row and the site's configuration, and every write or new configuration moves the
/// generation on, so a kept reference is never older than one read now would be.
#[derive(Default)]
pub struct RefCache {
    inner: Mutex<Generational<Refs>>,
}

/// Entries kept at most (references and subtask lists together); beyond it the cache starts
/// over. A reference is a few hundred bytes and a list with no subtasks a few dozen.
const MAX_ENTRIES: usize = 200_000;

#[derive(Default)]
struct Refs {
    /// By issue id; `None` for an id that names no issue.
    issues: HashMap<i64, Option<Arc<IssueRow>>>,
    /// By parent id, in id order; `None` for an issue without subtasks.
    subtasks: HashMap<i64, Option<Arc<[IssueRow]>>>,
}

impl Refs {
    fn make_room(&mut self, more: usize) {
        if self.issues.len() + self.subtasks.len() + more > MAX_ENTRIES {
            *self = Refs::default();
        }
    }
}

impl RefCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Generational<Refs>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops what a write made stale at once, rather than at the next read.
    pub fn advance(&self, generation: u64) {
        let _ = self.lock().at(generation);
    }
}

/// The cache a page reads through, with the generation read before the page's transaction began.
#[derive(Clone, Copy)]
pub struct Cached<'a> {
    pub cache: &'a RefCache,
    pub generation: u64,
}

/// The rows of a page's issues in each table its fields show. A table not read (no field of the
/// view needs it) answers `None`, and the field reads its issue's rows itself.
#[derive(Default)]
pub struct Related {
    links: Option<HashMap<i64, Vec<LinkRow>>>,
    attachments: Option<HashMap<i64, Vec<AttachmentRow>>>,
    watchers: Option<HashMap<i64, Vec<String>>>,
    votes: Option<HashMap<i64, Vec<String>>>,
    subtasks: Option<HashMap<i64, Arc<[IssueRow]>>>,
    parents: Option<HashMap<i64, Arc<IssueRow>>>,
}

/// The fields that show an issue's subtasks (the aggregates add theirs up).
const SUBTASK_FIELDS: &[&str] = &[
    "subtasks",
    "aggregatetimeoriginalestimate",
    "aggregatetimeestimate",
    "aggregatetimespent",
    "aggregateprogress",
];

impl Related {
    /// Reads, for `issues`, the tables that `fields` show.
    pub fn load(
        conn: &Connection,
        issues: &[IssueRow],
        fields: &[String],
        cached: Option<Cached>,
    ) -> rusqlite::Result<Related> {
        let shows = |names: &[&str]| fields.iter().any(|f| names.contains(&f.as_str()));
        let ids = json_ids(issues.iter().map(|i| i.id));
        let mut out = Related::default();
        if shows(&["issuelinks"]) {
            out.links = Some(super::links::rows_of_issues(conn, &ids)?);
        }
        if shows(&["attachment"]) {
            out.attachments = Some(super::attachments::rows_of_issues(conn, &ids)?);
        }
        if shows(&["watches"]) {
            out.watchers = Some(super::watchers::accounts_of_issues(conn, "watchers", &ids)?);
        }
        if shows(&["votes"]) {
            out.votes = Some(super::watchers::accounts_of_issues(conn, "votes", &ids)?);
        }
        if shows(SUBTASK_FIELDS) {
            out.subtasks = Some(subtasks_of(conn, issues, cached)?);
        }
        if shows(&["parent"]) {
            let mut wanted: Vec<i64> = issues.iter().filter_map(|i| i.parent_id).collect();
            wanted.sort_unstable();
            wanted.dedup();
            out.parents = Some(refs_of(conn, &wanted, cached)?);
        }
        Ok(out)
    }

    pub fn links(&self, issue: i64) -> Option<&[LinkRow]> {
        rows(&self.links, issue)
    }

    pub fn attachments(&self, issue: i64) -> Option<&[AttachmentRow]> {
        rows(&self.attachments, issue)
    }

    /// The watchers (`table` "watchers") or voters ("votes") of an issue.
    pub fn accounts(&self, table: &str, issue: i64) -> Option<&[String]> {
        match table {
            "watchers" => rows(&self.watchers, issue),
            _ => rows(&self.votes, issue),
        }
    }

    pub fn subtasks(&self, issue: i64) -> Option<&[IssueRow]> {
        self.subtasks
            .as_ref()
            .map(|m| m.get(&issue).map_or(&[][..], |s| &s[..]))
    }

    /// The parent `id`: `Some(None)` when it was looked for and is gone.
    pub fn parent(&self, id: i64) -> Option<Option<&IssueRow>> {
        self.parents.as_ref().map(|m| m.get(&id).map(|p| &**p))
    }
}

fn rows<T>(table: &Option<HashMap<i64, Vec<T>>>, issue: i64) -> Option<&[T]> {
    table
        .as_ref()
        .map(|m| m.get(&issue).map_or(&[][..], Vec::as_slice))
}

/// The subtasks of each of `issues` that has any: from the cache where it holds them, the rest
/// read with one query (and kept).
fn subtasks_of(
    conn: &Connection,
    issues: &[IssueRow],
    cached: Option<Cached>,
) -> rusqlite::Result<HashMap<i64, Arc<[IssueRow]>>> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    match cached {
        Some(c) => {
            let mut g = c.cache.lock();
            let kept = g.at(c.generation).map(|r| &r.subtasks);
            for i in issues {
                match kept.and_then(|k| k.get(&i.id)) {
                    Some(Some(list)) => {
                        out.insert(i.id, list.clone());
                    }
                    Some(None) => {}
                    None => missing.push(i.id),
                }
            }
        }
        None => missing.extend(issues.iter().map(|i| i.id)),
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let mut by_parent: HashMap<i64, Vec<IssueRow>> = HashMap::new();
    for s in store::subtask_refs_of_issues(conn, &json_ids(missing.iter().copied()))? {
        if let Some(p) = s.parent_id {
            by_parent.entry(p).or_default().push(s);
        }
    }
    let read: Vec<(i64, Option<Arc<[IssueRow]>>)> = missing
        .iter()
        .map(|id| (*id, by_parent.remove(id).map(Arc::from)))
        .collect();
    if let Some(c) = cached {
        let mut g = c.cache.lock();
        if let Some(r) = g.at(c.generation) {
            r.make_room(read.len());
            r.subtasks.extend(read.iter().cloned());
        }
    }
    out.extend(read.into_iter().filter_map(|(id, list)| Some((id, list?))));
    Ok(out)
}

/// The short references of the issues `ids` (sorted, each once) that exist: from the cache where
/// it holds them, the rest read with one query (and kept).
fn refs_of(
    conn: &Connection,
    ids: &[i64],
    cached: Option<Cached>,
) -> rusqlite::Result<HashMap<i64, Arc<IssueRow>>> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    match cached {
        Some(c) => {
            let mut g = c.cache.lock();
            let kept = g.at(c.generation).map(|r| &r.issues);
            for id in ids {
                match kept.and_then(|k| k.get(id)) {
                    Some(Some(row)) => {
                        out.insert(*id, row.clone());
                    }
                    Some(None) => {}
                    None => missing.push(*id),
                }
            }
        }
        None => missing.extend_from_slice(ids),
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let mut found: HashMap<i64, Arc<IssueRow>> =
        store::issue_refs_in(conn, &json_ids(missing.iter().copied()))?
            .into_iter()
            .map(|r| (r.id, Arc::new(r)))
            .collect();
    if let Some(c) = cached {
        let mut g = c.cache.lock();
        if let Some(r) = g.at(c.generation) {
            r.make_room(missing.len());
            r.issues
                .extend(missing.iter().map(|id| (*id, found.get(id).cloned())));
        }
    }
    out.extend(found.drain());
    Ok(out)
}

/// Ids as the JSON array that `json_each(?)` reads.
fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let mut out = String::from("[");
    for (n, id) in ids.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out.push(']');
    out
}
