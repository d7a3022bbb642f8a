//! What the issues of one page show from other tables (links, attachments, watchers, votes,
//! subtasks and parents), read with one query per table for the whole page rather than one per
//! issue and field.

use std::collections::HashMap;

use rusqlite::Connection;

use super::attachments::AttachmentRow;
use super::links::LinkRow;
use crate::store::{self, IssueRow};

/// The rows of a page's issues in each table its fields show. A table not read (no field of the
/// view needs it) answers `None`, and the field reads its issue's rows itself.
#[derive(Default)]
pub struct Related {
    links: Option<HashMap<i64, Vec<LinkRow>>>,
    attachments: Option<HashMap<i64, Vec<AttachmentRow>>>,
    watchers: Option<HashMap<i64, Vec<String>>>,
    votes: Option<HashMap<i64, Vec<String>>>,
    subtasks: Option<HashMap<i64, Vec<IssueRow>>>,
    parents: Option<HashMap<i64, IssueRow>>,
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
    pub fn load(conn: &Connection, issues: &[IssueRow], fields: &[String]) -> rusqlite::Result<Related> {
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
            let mut by_parent: HashMap<i64, Vec<IssueRow>> = HashMap::new();
            for s in store::subtask_refs_of_issues(conn, &ids)? {
                if let Some(p) = s.parent_id {
                    by_parent.entry(p).or_default().push(s);
                }
            }
            out.subtasks = Some(by_parent);
        }
        if shows(&["parent"]) {
            let parents = json_ids(issues.iter().filter_map(|i| i.parent_id));
            let rows = store::issue_refs_in(conn, &parents)?;
            out.parents = Some(rows.into_iter().map(|p| (p.id, p)).collect());
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
        rows(&self.subtasks, issue)
    }

    /// The parent `id`: `Some(None)` when it was looked for and is gone.
    pub fn parent(&self, id: i64) -> Option<Option<&IssueRow>> {
        self.parents.as_ref().map(|m| m.get(&id))
    }
}

fn rows<T>(table: &Option<HashMap<i64, Vec<T>>>, issue: i64) -> Option<&[T]> {
    table
        .as_ref()
        .map(|m| m.get(&issue).map_or(&[][..], Vec::as_slice))
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
