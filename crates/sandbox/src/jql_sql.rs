//! JQL in SQL: a compiled query (`jql_eval::Compiled`) turned into a WHERE clause and an ORDER BY
//! over the `issues` table and the indexes of migration 0006, with every value bound as a
//! parameter.
//!
//! The in-memory evaluator stays the reference for semantics. A clause is compiled only when the
//! SQL gives exactly the same answer for every row (the virtual columns are NULL unless the JSON
//! holds the type the evaluator reads, and every compiled expression is 0 or 1, never NULL, so
//! `NOT` agrees too). When the whole predicate and the order compile, SQL filters, orders and
//! pages, and only the page is read. When some AND-ed conjuncts compile, they pre-filter the
//! candidates and the evaluator decides the rest; when none does, every issue in scope is read,
//! as before.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection};

use crate::error::ApiResult;
use crate::jql_eval::{compare, Compiled, Eval, Key, Pred, V};
use crate::meta::{Meta, User};
use crate::store::{self, IssueRow};

use jirakit_jql::Operator;

/// More users than this and ordering by a user field is left to the evaluator (the CASE that
/// ranks them would be as long as the user list).
const MAX_RANKED_USERS: usize = 500;

/// A query as SQL: `filter` holds the browse scope and the compiled conjuncts; `rest` what the
/// evaluator must still check; `order` the ORDER BY when every key compiles.
pub(crate) struct Plan {
    filter: String,
    rest: Option<Pred>,
    order: Option<String>,
    /// The filter's parameters, then the order's.
    params: Vec<SqlValue>,
    filter_params: usize,
}

impl Plan {
    /// Whether SQL answers the query alone (filter and order).
    pub(crate) fn exact(&self) -> bool {
        self.rest.is_none() && self.order.is_some()
    }
}

struct Builder<'a> {
    conn: &'a Connection,
    meta: &'a Meta,
    params: Vec<SqlValue>,
    /// Compare `updated` without its index (`+updated`): set when an assignee and the default
    /// order pick a better one (see `plan`).
    plain_updated: bool,
    /// The order starts with an indexed date (created or updated): a large id set is then
    /// probed while walking that index (`+id`), stopping at the page's end, instead of reading
    /// and sorting every issue in the set.
    walk_order: bool,
}

/// From this many ids (a word in many issues, say), `walk_order` applies.
const MANY_IDS: usize = 2000;

/// Fewer issues than this with the labels asked for (and under a tenth of all issues), and SQL
/// starts from the labels table and sorts them; more, and it walks the ORDER BY's index and
/// checks each issue's labels, stopping at the page's end.
const FEW_LABELED: i64 = 2000;

fn placeholder_list(b: &mut Builder, values: impl IntoIterator<Item = SqlValue>) -> Vec<String> {
    values.into_iter().map(|v| b.bind(v)).collect()
}

impl Builder<'_> {
    /// Whether few issues carry one of the labels: fewer than `FEW_LABELED` (counted on the
    /// index, stopping there) and under a tenth of the id range. Either answer gives the same
    /// rows: this only picks the faster plan.
    fn few_labeled(&self, labels: &[SqlValue]) -> bool {
        if labels.is_empty() {
            return true;
        }
        let marks = vec!["?"; labels.len()].join(", ");
        let sql = format!(
            "SELECT (SELECT count(*) FROM (SELECT 1 FROM issue_labels WHERE label IN ({marks}) LIMIT {FEW_LABELED})), \
             coalesce((SELECT max(id) FROM issues) - (SELECT min(id) FROM issues) + 1, 0)"
        );
        let n: rusqlite::Result<(i64, i64)> = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut st| st.query_row(params_from_iter(labels), |r| Ok((r.get(0)?, r.get(1)?))));
        n.is_ok_and(|(labeled, span)| labeled < FEW_LABELED && labeled * 10 < span)
    }

    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// `col IN (…)` (`= ?` for one value, false for none).
    fn in_list(&mut self, col: &str, values: Vec<SqlValue>) -> String {
        match values.len() {
            0 => "0".into(),
            1 => {
                let p = self.bind(values.into_iter().next().unwrap_or(SqlValue::Null));
                format!("{col} = {p}")
            }
            _ => {
                let ps = placeholder_list(self, values);
                format!("{col} IN ({})", ps.join(", "))
            }
        }
    }

    fn not_in_list(&mut self, col: &str, values: Vec<SqlValue>) -> String {
        if values.is_empty() {
            return "1".into();
        }
        let ps = placeholder_list(self, values);
        format!("{col} NOT IN ({})", ps.join(", "))
    }

    /// Compiles a predicate to an expression that is 0 or 1 for every row, or `None`.
    fn pred(&mut self, p: &Pred) -> Option<String> {
        Some(match p {
            Pred::True => "1".into(),
            Pred::And(ps) => {
                let parts: Option<Vec<String>> = ps.iter().map(|p| self.pred(p)).collect();
                let parts = parts?;
                if parts.is_empty() {
                    "1".into()
                } else {
                    format!("({})", parts.join(" AND "))
                }
            }
            Pred::Or(ps) => {
                let parts: Option<Vec<String>> = ps.iter().map(|p| self.pred(p)).collect();
                let parts = parts?;
                if parts.is_empty() {
                    "0".into()
                } else {
                    format!("({})", parts.join(" OR "))
                }
            }
            Pred::Not(p) => format!("(NOT {})", self.pred(p)?),
            Pred::Any(key, want) => self.any(key, want)?,
            Pred::NoneOf(key, bad) => self.none_of(key, bad)?,
            Pred::Empty(key) => self.empty(key)?,
            Pred::Cmp(key, op, v) => self.cmp(key, *op, v)?,
            Pred::IdIn(ids) => {
                if ids.is_empty() {
                    "0".into()
                } else {
                    let json = serde_json::to_string(ids).ok()?;
                    let p = self.bind(SqlValue::Text(json));
                    let col = if self.walk_order && ids.len() >= MANY_IDS {
                        "+id"
                    } else {
                        "id"
                    };
                    format!("{col} IN (SELECT value FROM json_each({p}))")
                }
            }
            Pred::WatchedOrVoted(user, watched) => {
                let table = if *watched { "watchers" } else { "votes" };
                let p = self.bind(SqlValue::Text(user.clone()));
                format!(
                    "EXISTS (SELECT 1 FROM {table} w WHERE w.issue_id = issues.id AND w.account_id = {p})"
                )
            }
            Pred::Contains(..)
            | Pred::Linked(..)
            | Pred::Property(..)
            | Pred::Was(..)
            | Pred::Changed(..)
            | Pred::UpdatedBy(..) => return None,
        })
    }

    fn any(&mut self, key: &Key, want: &[V]) -> Option<String> {
        Some(match key {
            Key::Project | Key::IssueType | Key::Status => {
                let col = plain_id_column(key)?;
                self.in_list(col, ids(want))
            }
            Key::Priority => {
                let l = self.in_list("s_priority", ids(want));
                format!("(s_priority IS NOT NULL AND {l})")
            }
            Key::Resolution => {
                // The evaluator reads an issue without a resolution as "Unresolved" (-1).
                let unresolved = want.contains(&V::Id(-1));
                let rest: Vec<SqlValue> = ids(want)
                    .into_iter()
                    .filter(|v| *v != SqlValue::Integer(-1))
                    .collect();
                let l = self.in_list("s_resolution", rest);
                if unresolved {
                    format!("(s_resolution IS NULL OR {l})")
                } else {
                    format!("(s_resolution IS NOT NULL AND {l})")
                }
            }
            Key::User(f) => {
                let col = user_column(f)?;
                let l = self.in_list(col, strs(want));
                format!("({col} IS NOT NULL AND {l})")
            }
            Key::Created | Key::Updated => {
                let col = if *key == Key::Created {
                    "created"
                } else {
                    "updated"
                };
                self.in_list(col, times(want))
            }
            Key::Resolved => {
                let l = self.in_list("s_resolved", times(want));
                format!("(s_resolved IS NOT NULL AND {l})")
            }
            Key::Due => {
                let l = self.in_list("s_due", dates(want));
                format!("(s_due IS NOT NULL AND {l})")
            }
            Key::Labels => {
                let wanted = strs(want);
                if self.few_labeled(&wanted) {
                    let l = self.in_list("l.label", wanted);
                    format!("id IN (SELECT l.issue_id FROM issue_labels l WHERE {l})")
                } else {
                    let l = self.in_list("l.label", wanted);
                    format!("EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = issues.id AND {l})")
                }
            }
            Key::Components | Key::FixVersions | Key::Versions => {
                let path = array_path(key)?;
                let l = self.in_list("j.value", ids(want));
                format!("{} AND {l})", json_ids_exists(path))
            }
            Key::Issue => self.issue_in(want),
            _ => return None,
        })
    }

    /// `key IN (…) OR id IN (…)`: the evaluator matches an issue by key (any case) or by its id
    /// written in decimal.
    fn issue_in(&mut self, want: &[V]) -> String {
        let keys = strs(want);
        let ids: Vec<SqlValue> = want
            .iter()
            .filter_map(|v| match v {
                V::Str(s) => s
                    .parse::<i64>()
                    .ok()
                    .filter(|n| n.to_string() == *s)
                    .map(SqlValue::Integer),
                _ => None,
            })
            .collect();
        let k = self.in_list("key", keys);
        let i = self.in_list("id", ids);
        format!("({k} OR {i})")
    }

    fn none_of(&mut self, key: &Key, bad: &[V]) -> Option<String> {
        // The evaluator drops the "Unresolved" marker (-1) before asking "has a value".
        Some(match key {
            Key::Project | Key::IssueType | Key::Status => {
                let col = plain_id_column(key)?;
                let l = self.not_in_list(col, ids(bad));
                format!("({col} <> -1 AND {l})")
            }
            Key::Priority | Key::Resolution => {
                let col = if *key == Key::Priority {
                    "s_priority"
                } else {
                    "s_resolution"
                };
                let l = self.not_in_list(col, ids(bad));
                format!("({col} IS NOT NULL AND {col} <> -1 AND {l})")
            }
            Key::User(f) => {
                let col = user_column(f)?;
                let l = self.not_in_list(col, strs(bad));
                format!("({col} IS NOT NULL AND {l})")
            }
            Key::Created | Key::Updated => {
                let col = if *key == Key::Created {
                    "created"
                } else {
                    "updated"
                };
                self.not_in_list(col, times(bad))
            }
            Key::Resolved => {
                let l = self.not_in_list("s_resolved", times(bad));
                format!("(s_resolved IS NOT NULL AND {l})")
            }
            Key::Due => {
                let l = self.not_in_list("s_due", dates(bad));
                format!("(s_due IS NOT NULL AND {l})")
            }
            Key::Labels => {
                let l = self.in_list("l.label", strs(bad));
                format!(
                    "(EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = issues.id) \
                     AND NOT EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = issues.id AND {l}))"
                )
            }
            Key::Components | Key::FixVersions | Key::Versions => {
                let path = array_path(key)?;
                let l = self.in_list("j.value", ids(bad));
                let has = json_ids_exists(path);
                format!("({has} AND j.value <> -1) AND NOT {has} AND {l}))")
            }
            Key::Issue => {
                let l = self.issue_in(bad);
                format!("(NOT {l})")
            }
            _ => return None,
        })
    }

    fn empty(&mut self, key: &Key) -> Option<String> {
        Some(match key {
            Key::Project | Key::IssueType | Key::Status | Key::Created | Key::Updated | Key::Issue => {
                "0".into()
            }
            // The evaluator asks whether the JSON value is missing or null.
            Key::Resolution => "coalesce(json_type(fields, '$.resolution'), 'null') = 'null'".into(),
            Key::Priority => "s_priority IS NULL".into(),
            Key::User(f) => format!("{} IS NULL", user_column(f)?),
            Key::Resolved => "s_resolved IS NULL".into(),
            Key::Due => "s_due IS NULL".into(),
            Key::Labels => "(NOT EXISTS (SELECT 1 FROM issue_labels l WHERE l.issue_id = issues.id))".into(),
            Key::Components | Key::FixVersions | Key::Versions => {
                format!("(NOT {}))", json_ids_exists(array_path(key)?))
            }
            _ => return None,
        })
    }

    fn cmp(&mut self, key: &Key, op: Operator, v: &V) -> Option<String> {
        let sql_op = match op {
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            _ => return Some("0".into()),
        };
        Some(match (key, v) {
            (Key::Created | Key::Updated, V::Time(t)) => {
                let col = match key {
                    Key::Created => "created",
                    _ if self.plain_updated => "+updated",
                    _ => "updated",
                };
                let p = self.bind(SqlValue::Integer(*t));
                format!("{col} {sql_op} {p}")
            }
            (Key::Resolved, V::Time(t)) => {
                let p = self.bind(SqlValue::Integer(*t));
                format!("(s_resolved IS NOT NULL AND s_resolved {sql_op} {p})")
            }
            (Key::Due, V::Date(d)) => {
                let p = self.bind(SqlValue::Text(d.clone()));
                format!("(s_due IS NOT NULL AND s_due {sql_op} {p})")
            }
            (Key::Created | Key::Updated | Key::Resolved | Key::Due, _) => "0".into(),
            (Key::Priority, V::Id(_)) => {
                // Priorities compare by the admin's order: the ones on the right side of the
                // given one, as the evaluator's `compare` says.
                let meta = self.meta;
                let set: Vec<SqlValue> = meta
                    .priorities
                    .iter()
                    .filter(|p| {
                        compare(meta, key, &V::Id(p.id), v).is_some_and(|o| match op {
                            Operator::Gt => o.is_gt(),
                            Operator::GtEq => o.is_ge(),
                            Operator::Lt => o.is_lt(),
                            _ => o.is_le(),
                        })
                    })
                    .map(|p| SqlValue::Integer(p.id))
                    .collect();
                let l = self.in_list("s_priority", set);
                format!("(s_priority IS NOT NULL AND {l})")
            }
            _ => return None,
        })
    }

    /// One ORDER BY key as SQL terms `(expression, may be NULL)`, with the evaluator's sort
    /// values: names ranked in Rust (lower-cased as there), EMPTY as NULL.
    fn order_key(&mut self, key: &Key, scope: &[i64]) -> Option<Vec<(String, bool)>> {
        let meta = self.meta;
        Some(match key {
            Key::Created => vec![("created".into(), false)],
            Key::Updated => vec![("updated".into(), false)],
            Key::Resolved => vec![("s_resolved".into(), true)],
            Key::Due => vec![("s_due".into(), true)],
            Key::Issue => {
                if scope.len() <= 1 {
                    vec![("num".into(), false)]
                } else {
                    let keys: Vec<(i64, String)> =
                        meta.projects.iter().map(|p| (p.id, p.key.clone())).collect();
                    vec![
                        (self.rank_case("project_id", &keys, Some(String::new())), false),
                        ("num".into(), false),
                    ]
                }
            }
            Key::Project => {
                let names: Vec<(i64, String)> = meta
                    .projects
                    .iter()
                    .map(|p| (p.id, p.name.to_lowercase()))
                    .collect();
                vec![(self.rank_case("project_id", &names, Some(String::new())), false)]
            }
            Key::Status => {
                let names: Vec<(i64, String)> = meta
                    .statuses
                    .iter()
                    .map(|s| (s.id, s.name.to_lowercase()))
                    .collect();
                vec![(self.rank_case("status_id", &names, Some(String::new())), false)]
            }
            Key::StatusCategory => {
                let cats: Vec<(i64, String)> = meta
                    .statuses
                    .iter()
                    .map(|s| (s.id, meta.status_category_of(s.id).to_string()))
                    .collect();
                vec![(self.rank_case("status_id", &cats, Some("new".into())), false)]
            }
            Key::IssueType => {
                let mut cases = Vec::new();
                for (pos, t) in meta.issue_types.iter().enumerate() {
                    // The first position of an id wins, as `position` finds it.
                    if meta.issue_types[..pos].iter().any(|u| u.id == t.id) {
                        continue;
                    }
                    let a = self.bind(SqlValue::Integer(t.id));
                    let b = self.bind(SqlValue::Integer(pos as i64));
                    cases.push(format!("WHEN {a} THEN {b}"));
                }
                let zero = self.bind(SqlValue::Integer(0));
                vec![(
                    format!("(CASE issue_type_id {} ELSE {zero} END)", cases.join(" ")),
                    false,
                )]
            }
            Key::Priority => {
                let mut cases = Vec::new();
                for p in &meta.priorities {
                    let seq = meta.priority(p.id)?.sequence;
                    let a = self.bind(SqlValue::Integer(p.id));
                    let b = self.bind(SqlValue::Integer(-seq));
                    cases.push(format!("WHEN {a} THEN {b}"));
                }
                if cases.is_empty() {
                    vec![("NULL".into(), true)]
                } else {
                    vec![(format!("(CASE s_priority {} END)", cases.join(" ")), true)]
                }
            }
            Key::Resolution => {
                let names: Vec<(i64, String)> = meta
                    .resolutions
                    .iter()
                    .map(|r| (r.id, r.name.to_lowercase()))
                    .collect();
                vec![(self.rank_case("s_resolution", &names, None), true)]
            }
            Key::User(f) => {
                if meta.users.len() > MAX_RANKED_USERS {
                    return None;
                }
                let col = user_column(f)?;
                let mut names: Vec<String> = meta
                    .users
                    .values()
                    .map(|u| u.display_name.to_lowercase())
                    .collect();
                names.push(String::new());
                names.sort();
                names.dedup();
                let rank = |s: &str| names.binary_search_by(|n| n.as_str().cmp(s)).unwrap_or(0) as i64;
                let mut cases = Vec::new();
                for u in meta.users.values() {
                    let r = rank(&u.display_name.to_lowercase());
                    let a = self.bind(SqlValue::Text(u.account_id.clone()));
                    let b = self.bind(SqlValue::Integer(r));
                    cases.push(format!("WHEN {col} = {a} COLLATE BINARY THEN {b}"));
                }
                let other = self.bind(SqlValue::Integer(rank("")));
                vec![(
                    format!(
                        "(CASE WHEN {col} IS NULL THEN NULL {} ELSE {other} END)",
                        cases.join(" ")
                    ),
                    true,
                )]
            }
            _ => return None,
        })
    }

    /// `CASE col WHEN id THEN rank … ELSE rank(default) END`, ranks ordering the strings as Rust
    /// does; with no default, other values are NULL (EMPTY).
    fn rank_case(&mut self, col: &str, values: &[(i64, String)], default: Option<String>) -> String {
        let mut names: Vec<&str> = values.iter().map(|(_, s)| s.as_str()).collect();
        if let Some(d) = &default {
            names.push(d);
        }
        names.sort();
        names.dedup();
        let rank = |s: &str| names.binary_search(&s).unwrap_or(0) as i64;
        let mut cases = Vec::new();
        let mut seen = Vec::new();
        for (id, s) in values {
            // The first entry of an id wins, as `iter().find` finds it.
            if seen.contains(id) {
                continue;
            }
            seen.push(*id);
            let a = self.bind(SqlValue::Integer(*id));
            let b = self.bind(SqlValue::Integer(rank(s)));
            cases.push(format!("WHEN {a} THEN {b}"));
        }
        let other = match &default {
            Some(d) => self.bind(SqlValue::Integer(rank(d))),
            None => "NULL".into(),
        };
        if cases.is_empty() {
            return other;
        }
        format!("(CASE {col} {} ELSE {other} END)", cases.join(" "))
    }
}

fn plain_id_column(key: &Key) -> Option<&'static str> {
    Some(match key {
        Key::Project => "project_id",
        Key::IssueType => "issue_type_id",
        Key::Status => "status_id",
        _ => return None,
    })
}

fn user_column(f: &str) -> Option<&'static str> {
    Some(match f {
        "assignee" => "s_assignee",
        "reporter" => "s_reporter",
        _ => return None,
    })
}

fn array_path(key: &Key) -> Option<&'static str> {
    Some(match key {
        Key::Components => "$.components",
        Key::FixVersions => "$.fixVersions",
        Key::Versions => "$.versions",
        _ => return None,
    })
}

/// The start of `EXISTS (… integer elements of the array at path …`; the caller adds its
/// condition on `j.value` and the closing parenthesis.
fn json_ids_exists(path: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM json_each(issues.fields, '{path}') j \
         WHERE json_type(issues.fields, '{path}') = 'array' AND j.type = 'integer'"
    )
}

/// The values of one kind as SQL values; values of other kinds are left out.
fn of_kind(vs: &[V], pick: impl Fn(&V) -> Option<SqlValue>) -> Vec<SqlValue> {
    vs.iter().filter_map(pick).collect()
}

fn ids(vs: &[V]) -> Vec<SqlValue> {
    of_kind(vs, |v| match v {
        V::Id(i) => Some(SqlValue::Integer(*i)),
        _ => None,
    })
}

fn strs(vs: &[V]) -> Vec<SqlValue> {
    of_kind(vs, |v| match v {
        V::Str(s) => Some(SqlValue::Text(s.clone())),
        _ => None,
    })
}

fn times(vs: &[V]) -> Vec<SqlValue> {
    of_kind(vs, |v| match v {
        V::Time(t) => Some(SqlValue::Integer(*t)),
        _ => None,
    })
}

fn dates(vs: &[V]) -> Vec<SqlValue> {
    of_kind(vs, |v| match v {
        V::Date(d) => Some(SqlValue::Text(d.clone())),
        _ => None,
    })
}

/// Top-level conjuncts, nested ANDs flattened.
fn conjuncts(p: &Pred, out: &mut Vec<Pred>) {
    match p {
        Pred::And(ps) => ps.iter().for_each(|p| conjuncts(p, out)),
        Pred::True => {}
        other => out.push(other.clone()),
    }
}

/// Text, link and property clauses are first resolved to id sets (FTS5 and table lookups), so
/// that SQL can filter on them; resolving a resolved query does nothing.
pub(crate) fn plan(conn: &Connection, meta: &Meta, user: &User, q: &Compiled) -> ApiResult<Plan> {
    let q = &q.resolve(conn, meta, user)?;
    let scope = crate::jql_eval::scope(meta, user, q);
    let mut all = Vec::new();
    conjuncts(&q.pred, &mut all);
    let mut keys = q.order.clone();
    if keys.is_empty() {
        keys.push((Key::Created, true));
    }
    // `assignee = X AND updated >= -30d` newest first: SQLite would take the (assignee,
    // updated) index and sort every issue in the range; walking (assignee, created) newest first
    // and checking `updated` stops at the page's end, and costs at worst the assignee's issues.
    let plain_updated = keys.first().is_some_and(|(k, _)| *k == Key::Created)
        && all
            .iter()
            .any(|c| matches!(c, Pred::Any(Key::User(f), _) if *f == "assignee"));
    let walk_order = matches!(keys.first(), Some((Key::Created | Key::Updated, _)));
    let mut b = Builder {
        conn,
        meta,
        params: Vec::new(),
        plain_updated,
        walk_order,
    };
    // Browse permission, always. Over several projects the scope rarely narrows much, and an
    // index on it would make SQLite sort every browsable issue before the LIMIT: the unary `+`
    // keeps it a plain filter so the ORDER BY's index (or a selective clause's) drives the scan.
    let scope_col = if scope.len() > 1 {
        "+project_id"
    } else {
        "project_id"
    };
    let mut parts = vec![b.in_list(scope_col, scope.iter().map(|p| SqlValue::Integer(*p)).collect())];
    let mut rest = Vec::new();
    for c in all {
        let mark = b.params.len();
        match b.pred(&c) {
            Some(sql) => parts.push(sql),
            None => {
                b.params.truncate(mark);
                rest.push(c);
            }
        }
    }
    let filter_params = b.params.len();
    let mark = filter_params;
    let mut terms = Vec::new();
    let mut order_ok = true;
    for (key, desc) in &keys {
        match b.order_key(key, &scope) {
            Some(ts) => {
                for (expr, nullable) in ts {
                    // EMPTY (NULL) sorts last ascending, first descending.
                    terms.push(match (desc, nullable) {
                        (false, false) => format!("{expr} ASC"),
                        (true, false) => format!("{expr} DESC"),
                        (false, true) => format!("{expr} ASC NULLS LAST"),
                        (true, true) => format!("{expr} DESC NULLS FIRST"),
                    });
                }
            }
            None => {
                order_ok = false;
                break;
            }
        }
    }
    let order = if order_ok {
        terms.push("id DESC".into());
        Some(terms.join(", "))
    } else {
        b.params.truncate(mark);
        None
    };
    Ok(Plan {
        filter: parts.join(" AND "),
        rest: match rest.len() {
            0 => None,
            _ => Some(Pred::And(rest)),
        },
        order,
        params: b.params,
        filter_params,
    })
}

/// One page of a search: the ids in order, their rows when asked for (or already read), and
/// whether more follow.
pub(crate) struct Page {
    pub ids: Vec<i64>,
    pub rows: Vec<IssueRow>,
    pub more: bool,
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(-1)
}

/// A page of matching issues from `offset`, at most `limit` long. With `load` false and an exact
/// plan only the ids are read.
pub(crate) fn search_page(
    conn: &Connection,
    meta: &Meta,
    user: &User,
    q: &Compiled,
    offset: usize,
    limit: usize,
    load: bool,
) -> ApiResult<Page> {
    let plan = plan(conn, meta, user, q)?;
    if let (true, Some(order)) = (plan.exact(), &plan.order) {
        let (ids, complete) = exact_ids(conn, &plan, order, offset, limit)?;
        let more = !complete;
        let rows = if load {
            store::issues_by_ids(conn, &ids)?
        } else {
            Vec::new()
        };
        return Ok(Page { ids, rows, more });
    }
    let mut rows = candidates(conn, meta, &plan)?;
    crate::jql_eval::sort_rows(meta, &q.order, &mut rows);
    let total = rows.len();
    let end = offset.saturating_add(limit).min(total);
    let rows: Vec<IssueRow> = if offset < end {
        rows.drain(offset..end).collect()
    } else {
        Vec::new()
    };
    Ok(Page {
        ids: rows.iter().map(|r| r.id).collect(),
        rows,
        more: end < total,
    })
}

/// `count` ids from `offset` of a plan SQL decides alone, and whether the result ends there.
fn exact_ids(
    conn: &Connection,
    plan: &Plan,
    order: &str,
    offset: usize,
    count: usize,
) -> ApiResult<(Vec<i64>, bool)> {
    let mut params = plan.params.clone();
    params.push(SqlValue::Integer(sql_limit(count)));
    params.push(SqlValue::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
    let n = params.len();
    let sql = format!(
        "SELECT id FROM issues WHERE {} ORDER BY {order} LIMIT ?{} OFFSET ?{n}",
        plan.filter,
        n - 1
    );
    let mut ids: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(&params), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let complete = ids.len() <= count;
    ids.truncate(count);
    Ok((ids, complete))
}

/// The ids of matching issues in order, `count` of them from `offset` (fewer at the end), and
/// whether the result ends there. Without an exact plan the whole result is sorted anyway, so
/// everything from `offset` on is returned.
pub(crate) fn ordered_ids(
    conn: &Connection,
    meta: &Meta,
    user: &User,
    q: &Compiled,
    offset: usize,
    count: usize,
) -> ApiResult<(Vec<i64>, bool)> {
    let plan = plan(conn, meta, user, q)?;
    if let (true, Some(order)) = (plan.exact(), &plan.order) {
        return exact_ids(conn, &plan, order, offset, count);
    }
    let mut rows = candidates(conn, meta, &plan)?;
    crate::jql_eval::sort_rows(meta, &q.order, &mut rows);
    Ok((rows.iter().skip(offset).map(|r| r.id).collect(), true))
}

/// Rows that pass the SQL part of the plan and then the evaluator, in id order.
fn candidates(conn: &Connection, meta: &Meta, plan: &Plan) -> ApiResult<Vec<IssueRow>> {
    let rows = store::issues_where(conn, &plan.filter, &plan.params[..plan.filter_params])?;
    let Some(rest) = &plan.rest else {
        return Ok(rows);
    };
    let ev = Eval { conn, meta };
    let mut out = Vec::new();
    for r in rows {
        if ev.matches(rest, &r)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Every matching issue, in order.
pub(crate) fn search(conn: &Connection, meta: &Meta, user: &User, q: &Compiled) -> ApiResult<Vec<IssueRow>> {
    Ok(search_page(conn, meta, user, q, 0, usize::MAX, true)?.rows)
}

/// How many issues match: COUNT(*) in SQL when the whole predicate compiles.
pub(crate) fn count(conn: &Connection, meta: &Meta, user: &User, q: &Compiled) -> ApiResult<usize> {
    let plan = plan(conn, meta, user, q)?;
    if plan.rest.is_none() {
        let n: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM issues WHERE {}", plan.filter))?
            .query_row(params_from_iter(&plan.params[..plan.filter_params]), |r| r.get(0))?;
        return Ok(n.max(0) as usize);
    }
    Ok(candidates(conn, meta, &plan)?.len())
}

/// `/jql/match` in SQL when the whole predicate compiles: which of `ids` match, in the order
/// given, each once. `None` when the evaluator must decide.
pub(crate) fn matching_ids(
    conn: &Connection,
    meta: &Meta,
    user: &User,
    q: &Compiled,
    ids: &[i64],
) -> ApiResult<Option<Vec<i64>>> {
    let plan = plan(conn, meta, user, q)?;
    if plan.rest.is_some() {
        return Ok(None);
    }
    let mut params = plan.params[..plan.filter_params].to_vec();
    params.push(SqlValue::Text(
        serde_json::to_string(ids).map_err(|e| crate::error::ApiError::Internal(e.to_string()))?,
    ));
    let sql = format!(
        "SELECT id FROM issues WHERE id IN (SELECT value FROM json_each(?{})) AND {}",
        params.len(),
        plan.filter
    );
    let found: std::collections::HashSet<i64> = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(&params), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut seen = std::collections::HashSet::new();
    Ok(Some(
        ids.iter()
            .copied()
            .filter(|id| found.contains(id) && seen.insert(*id))
            .collect(),
    ))
}
