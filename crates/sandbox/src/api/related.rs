//! What the issues of one page show from other tables (links, attachments, watchers, votes,
//! subtasks and parents), read with one query per table for the whole page rather than one per
//! issue and field. Parents and subtasks, which many pages show again (an epic is the parent of
//! hundreds of issues), are also kept across requests while nothing is written: see [`RefCache`].

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::Connection;

use super::attachments::AttachmentRow;
use super::links::LinkRow;
use crate::generation::Kept;
use crate::store::{self, IssueRow};

/// Issues' short references (an issue shown as a parent or a subtask: see `store::issue_refs_in`)
/// and each issue's list of subtasks, as read at one write generation (see `crate::generation`):
/// they are used only while nothing has been written since. A reference shows only the issue's
/// own row and the site's configuration, and every write or new configuration moves the
/// generation on, so a kept reference is never older than one read now would be.
#[derive(Default)]
pub struct RefCache {
    inner: Kept<Refs>,
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
    /// Drops what a write made stale at once, rather than at the next read.
    pub fn advance(&self, generation: u64) {
        self.inner.advance(generation);
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
        let ids = PageIds::new(issues.iter().map(|i| i.id));
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
    let ids: Vec<i64> = issues.iter().map(|i| i.id).collect();
    through_cache(
        &ids,
        cached,
        |r| &mut r.subtasks,
        |missing| {
            let mut by_parent: HashMap<i64, Vec<IssueRow>> = HashMap::new();
            for s in store::subtask_refs_of_issues(conn, &json_ids(missing.iter().copied()))? {
                if let Some(p) = s.parent_id {
                    by_parent.entry(p).or_default().push(s);
                }
            }
            Ok(missing
                .iter()
                .map(|id| (*id, by_parent.remove(id).map(Arc::from)))
                .collect())
        },
    )
}

/// The short references of the issues `ids` (each once) that exist: from the cache where it
/// holds them, the rest read with one query (and kept).
fn refs_of(
    conn: &Connection,
    ids: &[i64],
    cached: Option<Cached>,
) -> rusqlite::Result<HashMap<i64, Arc<IssueRow>>> {
    through_cache(
        ids,
        cached,
        |r| &mut r.issues,
        |missing| {
            let mut found: HashMap<i64, Arc<IssueRow>> =
                store::issue_refs_in(conn, &json_ids(missing.iter().copied()))?
                    .into_iter()
                    .map(|r| (r.id, Arc::new(r)))
                    .collect();
            Ok(missing.iter().map(|id| (*id, found.remove(id))).collect())
        },
    )
}

/// The values of `ids` that exist, from the cache's map that `map` picks where it holds them;
/// `read` answers for the ids it lacks (`None` where there is nothing), and its answers are kept.
fn through_cache<V: Clone>(
    ids: &[i64],
    cached: Option<Cached>,
    map: fn(&mut Refs) -> &mut HashMap<i64, Option<V>>,
    read: impl FnOnce(&[i64]) -> rusqlite::Result<Vec<(i64, Option<V>)>>,
) -> rusqlite::Result<HashMap<i64, V>> {
    let mut out = HashMap::new();
    let mut missing = Vec::new();
    match cached {
        Some(c) => {
            let mut g = c.cache.inner.lock();
            let kept = g.at(c.generation).map(map);
            for id in ids {
                match kept.as_ref().and_then(|k| k.get(id)) {
                    Some(Some(v)) => {
                        out.insert(*id, v.clone());
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
    let answers = read(&missing)?;
    if let Some(c) = cached {
        let mut g = c.cache.inner.lock();
        if let Some(r) = g.at(c.generation) {
            r.make_room(answers.len());
            map(r).extend(answers.iter().cloned());
        }
    }
    out.extend(answers.into_iter().filter_map(|(id, v)| Some((id, v?))));
    Ok(out)
}

/// A page's issue ids as the queries of other tables take them: as a range when they lie close
/// together (a walk in creation or id order has them so), the rows of issues in the range but not
/// on the page dropped by [`PageIds::has`]; otherwise as the JSON array that `json_each` reads.
/// A range is one index seek and a short scan; the array is parsed and looked up id by id.
pub struct PageIds {
    range: bool,
    params: Vec<rusqlite::types::Value>,
    set: std::collections::HashSet<i64>,
}

impl PageIds {
    pub fn new(ids: impl Iterator<Item = i64>) -> PageIds {
        let set: std::collections::HashSet<i64> = ids.collect();
        let (lo, hi) = (set.iter().min().copied(), set.iter().max().copied());
        let params = match (lo, hi) {
            (Some(lo), Some(hi)) if hi.abs_diff(lo) <= 4 * set.len() as u64 + 16 => {
                vec![lo.into(), hi.into()]
            }
            _ => vec![json_ids(set.iter().copied()).into()],
        };
        PageIds {
            range: params.len() == 2,
            params,
            set,
        }
    }

    /// The condition that `column` is one of the ids (or in their range), on parameters ?1 and
    /// ?2 (see [`PageIds::params`]).
    pub fn clause(&self, column: &str) -> String {
        match self.range {
            true => format!("{column} BETWEEN ?1 AND ?2"),
            false => format!("{column} IN (SELECT value FROM json_each(?1))"),
        }
    }

    pub fn params(&self) -> &[rusqlite::types::Value] {
        &self.params
    }

    /// Whether `id` is one of the page's.
    pub fn has(&self, id: i64) -> bool {
        self.set.contains(&id)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_ids_are_given_as_a_range_and_scattered_ones_as_a_list() {
        let walk = PageIds::new([105, 101, 103, 110].into_iter());
        assert_eq!(walk.clause("issue_id"), "issue_id BETWEEN ?1 AND ?2");
        assert_eq!(
            walk.params(),
            vec![rusqlite::types::Value::from(101i64), 110i64.into()]
        );
        assert!(
            walk.has(103) && !walk.has(102),
            "rows in the range but not on the page are dropped"
        );

        let scattered = PageIds::new([1, 5_000, 90_000].into_iter());
        assert_eq!(
            scattered.clause("dest_id"),
            "dest_id IN (SELECT value FROM json_each(?1))"
        );
        let rusqlite::types::Value::Text(json) = &scattered.params()[0] else {
            panic!("a list is one JSON text");
        };
        let mut ids: Vec<i64> = serde_json::from_str(json).unwrap();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 5_000, 90_000]);
    }

    #[test]
    fn the_ids_a_query_is_given_select_the_same_rows_either_way() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE w (issue_id INTEGER, account_id TEXT);
             CREATE INDEX w_issue ON w(issue_id);
             INSERT INTO w VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (900, 'e');",
        )
        .unwrap();
        let seen = |ids: &PageIds| -> Vec<i64> {
            let mut st = conn
                .prepare(&format!(
                    "SELECT issue_id FROM w WHERE {} ORDER BY issue_id",
                    ids.clause("issue_id")
                ))
                .unwrap();
            st.query_map(rusqlite::params_from_iter(ids.params()), |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .filter(|id| ids.has(*id))
                .collect()
        };
        assert_eq!(seen(&PageIds::new([1, 3, 4].into_iter())), vec![1, 3, 4]);
        assert_eq!(seen(&PageIds::new([1, 3, 900].into_iter())), vec![1, 3, 900]);
    }
}
