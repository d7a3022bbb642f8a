//! JQL evaluation over the store: the query is parsed by `jirakit-jql`, compiled against the
//! site's configuration (fields, values and functions resolved once, with Jira's errors), then
//! run over the issues of the projects the caller may browse.

use std::cmp::Ordering;

use jirakit_jql::{Clause, Direction, Field, Operand, Operator, PredicateKind, Query, Term};
use rusqlite::Connection;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::fts::{rich_words, words};
use crate::meta::{CustomKind, Meta, User};
use crate::store::{self, IssueRow};

/// What a clause compares: a field of the issue, read as one or more comparable values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    Project,
    Issue,
    IssueType,
    Status,
    StatusCategory,
    Resolution,
    Priority,
    User(&'static str),
    Text(&'static str),
    Comment,
    AllText,
    Labels,
    Components,
    FixVersions,
    Versions,
    Created,
    Updated,
    Resolved,
    Due,
    Parent,
    Attachments,
    Custom(String, CustomKind),
}

/// A resolved value to compare with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Id(i64),
    Str(String),
    Num(f64),
    Time(i64),
    Date(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Pred {
    True,
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    /// The field has one of the values.
    Any(Key, Vec<V>),
    /// `!=`/`NOT IN`: has a value, and none of them is in the list.
    NoneOf(Key, Vec<V>),
    Empty(Key),
    Cmp(Key, Operator, V),
    Contains(Key, Vec<String>),
    /// `WAS`/`WAS IN` over the field's value periods (`WAS NOT` is `Not(Was)`).
    Was(Hist, Vec<V>, bool, Vec<HistPred>),
    /// `CHANGED` with its predicates, over real change items.
    Changed(Hist, Vec<HistPred>),
    /// The issue's id is in the set (sorted, no duplicates).
    IdIn(Vec<i64>),
    /// The issue was created, changed or commented on by one of the users within `[lo, hi)`.
    UpdatedBy(Vec<String>, i64, i64),
    /// The user watches (`true`) or voted for (`false`) the issue.
    WatchedOrVoted(String, bool),
    /// `issue IN linkedIssues(issue, link descriptions...)`, found in the links when the query
    /// runs.
    Linked(Linked),
    /// `issue.property[key].path ...`: a test on the value at `path` in the issue's property.
    Property(Property),
}

#[derive(Debug, Clone)]
pub(crate) struct Linked {
    /// The function's name as written, for errors.
    function: String,
    issue: String,
    /// Link descriptions ("blocks", "is blocked by") or link type names; none is every link.
    links: Vec<String>,
}

/// An entity property clause. Jira searches a property only when an app declares it for
/// indexing, with a type (number, string, text, date, user); the sandbox searches every issue
/// property, reading the type from the JSON value: numbers compare as numbers, strings match
/// exactly (case-sensitively, as Jira's `string` type does), `~` searches a string's words as
/// for text fields, and an array matches when one of its elements does. Missing, `null`, `[]`
/// and `{}` are EMPTY.
#[derive(Debug, Clone)]
pub(crate) struct Property {
    key: String,
    path: Vec<String>,
    test: PropTest,
}

#[derive(Debug, Clone)]
enum PropTest {
    /// `=`/`IN`: one of the values.
    Any(Vec<String>),
    /// `!=`/`NOT IN`: has a value, none of them in the list.
    NoneOf(Vec<String>),
    Empty,
    /// `~` with the query's text.
    Like(String),
    Cmp(Operator, String),
}

/// A field searched through the changelog: its key and the changelog's field id.
#[derive(Debug, Clone)]
pub(crate) struct Hist {
    key: Key,
    field_id: String,
}

/// One history predicate, with dates already turned into ranges at their implied precision.
#[derive(Debug, Clone)]
pub(crate) enum HistPred {
    Before(DateRange),
    After(DateRange),
    On(DateRange),
    During(DateRange, DateRange),
    By(Vec<String>),
    /// `FROM`/`TO`: values, and whether EMPTY is among them.
    From(Vec<V>, bool),
    To(Vec<V>, bool),
}

/// A date range `[lo, hi)` in ms: a day for `2026-01-05`, a minute for `2026-01-05 10:00`, a
/// day for `-1d`, one second from the instant for functions and epoch numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateRange {
    lo: i64,
    hi: i64,
}

#[derive(Clone)]
pub struct Compiled {
    pub(crate) pred: Pred,
    pub(crate) order: Vec<(Key, bool)>,
    bounded: bool,
    pub(crate) projects: Option<Vec<i64>>,
}

impl Compiled {
    /// Whether the query restricts anything (Cloud refuses unbounded queries on search/jql).
    pub fn bounded(&self) -> bool {
        self.bounded
    }

    /// The query with the clauses an index answers replaced by the set of issues it finds: each
    /// `~` on the summary, description, environment, comments or `text` becomes one FTS query
    /// (fts.rs). What matches does not change, only how fast: `~` on a custom field stays with
    /// the in-memory matcher.
    pub fn resolve(&self, conn: &Connection, meta: &Meta, user: &User) -> ApiResult<Compiled> {
        let mut out = self.clone();
        resolve_pred(conn, &mut out.pred, Some((meta, user)))?;
        Ok(out)
    }
}

fn resolve_pred(conn: &Connection, p: &mut Pred, who: Option<(&Meta, &User)>) -> ApiResult<()> {
    match p {
        Pred::And(ps) | Pred::Or(ps) => {
            for p in ps {
                resolve_pred(conn, p, who)?;
            }
        }
        Pred::Not(p) => resolve_pred(conn, p, who)?,
        Pred::Linked(l) => {
            if let Some((meta, user)) = who {
                *p = Pred::IdIn(linked_ids(conn, meta, Some(user), l)?);
            }
        }
        Pred::Property(prop) => {
            // One pass over the property's rows; an issue without it is EMPTY.
            let mut passing = Vec::new();
            let mut st =
                conn.prepare_cached("SELECT issue_id, value FROM issue_properties WHERE key = ?1")?;
            let empty = matches!(prop.test, PropTest::Empty);
            for row in st.query_map([&prop.key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
                let (id, text) = row?;
                let value: Option<Value> = serde_json::from_str(&text).ok();
                let pass = property_matches(value.as_ref(), prop);
                // For EMPTY, collect the issues that have a value and negate.
                if pass != empty {
                    passing.push(id);
                }
            }
            passing.sort_unstable();
            let ids = Pred::IdIn(passing);
            *p = if empty { Pred::Not(Box::new(ids)) } else { ids };
        }
        Pred::Contains(key, queries) => {
            let column = match key {
                Key::Text("summary") => crate::fts::Column::Summary,
                Key::Text("description") => crate::fts::Column::Description,
                Key::Text("environment") => crate::fts::Column::Environment,
                Key::Comment => crate::fts::Column::Comment,
                Key::AllText => crate::fts::Column::All,
                _ => return Ok(()),
            };
            // `None` is every issue: a query whose only terms are empty phrases.
            let mut found: Option<Vec<i64>> = None;
            for q in queries.iter() {
                let terms = text_terms(q);
                let ids = if terms.is_empty() {
                    Vec::new()
                } else if terms.iter().all(Vec::is_empty) {
                    continue;
                } else {
                    crate::fts::search(conn, column, &terms)?
                };
                found = Some(match found {
                    None => ids,
                    Some(prev) => prev
                        .into_iter()
                        .filter(|i| ids.binary_search(i).is_ok())
                        .collect(),
                });
            }
            *p = match found {
                None => Pred::True,
                Some(ids) => Pred::IdIn(ids),
            };
        }
        _ => {}
    }
    Ok(())
}

fn err(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request(msg)
}

pub fn compile(meta: &Meta, user: &User, jql: &str, now: i64) -> ApiResult<Compiled> {
    let query: Query = jirakit_jql::parse(jql).map_err(|e| err(e.to_string()))?;
    let cx = Cx { meta, user, now };
    let pred = match &query.clause {
        Some(c) => cx.clause(c)?,
        None => Pred::True,
    };
    let mut order = Vec::new();
    for k in &query.order_by {
        let key = cx.order_key(&k.field)?;
        order.push((key, matches!(k.direction, Some(Direction::Desc))));
    }
    let projects = top_projects(&pred);
    Ok(Compiled {
        bounded: query.clause.is_some(),
        pred,
        order,
        projects,
    })
}

/// Project ids a top-level `project = X` (or `IN`) restricts the search to.
fn top_projects(p: &Pred) -> Option<Vec<i64>> {
    match p {
        Pred::Any(Key::Project, vs) => Some(
            vs.iter()
                .filter_map(|v| if let V::Id(i) = v { Some(*i) } else { None })
                .collect(),
        ),
        Pred::And(ps) => ps.iter().find_map(top_projects),
        _ => None,
    }
}

struct Cx<'a> {
    meta: &'a Meta,
    user: &'a User,
    now: i64,
}

impl Cx<'_> {
    fn field_key(&self, f: &Field) -> ApiResult<Key> {
        let name = match f {
            Field::CustomId(n) => {
                let id = format!("customfield_{n}");
                return self
                    .meta
                    .custom_field(&id)
                    .map(|c| Key::Custom(c.id.clone(), c.kind))
                    .ok_or_else(|| {
                        err(format!(
                            "Field 'cf[{n}]' does not exist or you do not have permission to view it."
                        ))
                    });
            }
            Field::Property { .. } => {
                return Err(err(format!(
                    "Field '{}' does not support sorting.",
                    f.canonical_name()
                )))
            }
            Field::Name(n) => n.clone(),
        };
        let lower = name.to_lowercase();
        Ok(match lower.as_str() {
            "project" | "space" => Key::Project,
            "key" | "issuekey" | "issue" | "id" | "workitem" | "workitemkey" => Key::Issue,
            "issuetype" | "type" | "workitemtype" => Key::IssueType,
            "status" => Key::Status,
            "statuscategory" => Key::StatusCategory,
            "resolution" => Key::Resolution,
            "priority" => Key::Priority,
            "assignee" => Key::User("assignee"),
            "reporter" => Key::User("reporter"),
            "creator" => Key::User("creator"),
            "summary" => Key::Text("summary"),
            "description" => Key::Text("description"),
            "environment" => Key::Text("environment"),
            "comment" => Key::Comment,
            "text" => Key::AllText,
            "labels" | "label" => Key::Labels,
            "component" | "components" => Key::Components,
            "fixversion" | "fixversions" => Key::FixVersions,
            "affectedversion" | "affectedversions" | "version" => Key::Versions,
            "created" | "createddate" => Key::Created,
            "updated" | "updateddate" => Key::Updated,
            "resolved" | "resolutiondate" => Key::Resolved,
            "due" | "duedate" => Key::Due,
            "parent" => Key::Parent,
            "attachments" | "attachment" => Key::Attachments,
            _ => match self.meta.custom_field_by_name(&name) {
                Some(c) => Key::Custom(c.id.clone(), c.kind),
                None => {
                    return Err(err(format!(
                        "Field '{name}' does not exist or you do not have permission to view it."
                    )))
                }
            },
        })
    }

    fn order_key(&self, f: &Field) -> ApiResult<Key> {
        if let Field::Name(n) = f {
            if n.eq_ignore_ascii_case("rank") {
                if let Some(c) = self.meta.fields.iter().find(|c| c.kind == CustomKind::Rank) {
                    return Ok(Key::Custom(c.id.clone(), c.kind));
                }
            }
        }
        let k = self.field_key(f)?;
        if matches!(k, Key::Comment | Key::AllText) {
            return Err(err(format!(
                "Field '{}' does not support sorting.",
                f.canonical_name()
            )));
        }
        Ok(k)
    }

    fn clause(&self, c: &Clause) -> ApiResult<Pred> {
        Ok(match c {
            Clause::And(cs, _) => Pred::And(cs.iter().map(|c| self.clause(c)).collect::<ApiResult<_>>()?),
            Clause::Or(cs, _) => Pred::Or(cs.iter().map(|c| self.clause(c)).collect::<ApiResult<_>>()?),
            Clause::Not(c, _) => Pred::Not(Box::new(self.clause(c)?)),
            Clause::Term(t) => self.term(t)?,
        })
    }

    fn term(&self, t: &Term) -> ApiResult<Pred> {
        if let Field::Property { entity, key, path } = &t.field {
            return property_term(t, entity, key, path);
        }
        let key = self.field_key(&t.field)?;
        let fname = t.field.canonical_name();
        let unsupported = || {
            err(format!(
                "The operator '{}' is not supported by the '{fname}' field.",
                t.op.as_str()
            ))
        };
        if t.op.is_history() {
            return self.history_term(t, key, &fname);
        }
        if key == Key::Attachments && !matches!(t.op, Operator::Is | Operator::IsNot) {
            return Err(unsupported());
        }
        let operand = t.operand.as_ref().ok_or_else(unsupported)?;
        if key == Key::Issue {
            if let Some(p) = self.issue_function(t, operand)? {
                return Ok(p);
            }
        }
        let text_like = matches!(key, Key::Text(_) | Key::Comment | Key::AllText)
            || matches!(
                &key,
                Key::Custom(_, CustomKind::Text | CustomKind::Paragraph | CustomKind::Url)
            );
        match t.op {
            Operator::Like | Operator::NotLike => {
                if !text_like {
                    return Err(unsupported());
                }
                let words = match operand {
                    Operand::Value(v) => vec![v.text.clone()],
                    _ => {
                        return Err(err(format!(
                            "The operator '{}' takes a text value.",
                            t.op.as_str()
                        )))
                    }
                };
                let p = Pred::Contains(key, words);
                Ok(if t.op == Operator::NotLike {
                    Pred::Not(Box::new(p))
                } else {
                    p
                })
            }
            Operator::Is | Operator::IsNot => {
                if !matches!(operand, Operand::Empty(_)) {
                    return Err(err(format!(
                        "The operator '{}' only takes EMPTY or NULL.",
                        t.op.as_str()
                    )));
                }
                let p = Pred::Empty(key);
                Ok(if t.op == Operator::IsNot {
                    Pred::Not(Box::new(p))
                } else {
                    p
                })
            }
            Operator::Eq | Operator::NotEq | Operator::In | Operator::NotIn => {
                if matches!(key, Key::Text(_) | Key::Comment | Key::AllText) {
                    return Err(err(format!(
                        "The operator '{}' is not supported by the '{fname}' field. Use '~' to search text.",
                        t.op.as_str()
                    )));
                }
                let list = matches!(t.op, Operator::In | Operator::NotIn);
                if matches!(operand, Operand::Empty(_)) {
                    let p = Pred::Empty(key);
                    return Ok(if matches!(t.op, Operator::NotEq | Operator::NotIn) {
                        Pred::Not(Box::new(p))
                    } else {
                        p
                    });
                }
                let items: Vec<&Operand> = match operand {
                    Operand::List(items, _) if list => items.iter().collect(),
                    Operand::List(..) => {
                        return Err(err(format!(
                            "The operator '{}' does not take a list of values.",
                            t.op.as_str()
                        )))
                    }
                    other if list && !matches!(other, Operand::Function { .. }) => {
                        return Err(err(format!(
                            "The operator '{}' takes a list of values in parentheses.",
                            t.op.as_str()
                        )))
                    }
                    other => vec![other],
                };
                let mut values = Vec::new();
                let mut with_empty = false;
                for it in items {
                    if matches!(it, Operand::Empty(_)) {
                        with_empty = true;
                        continue;
                    }
                    values.extend(self.resolve(&key, &fname, it)?);
                }
                let positive = matches!(t.op, Operator::Eq | Operator::In);
                let mut p = if positive {
                    Pred::Any(key.clone(), values)
                } else {
                    Pred::NoneOf(key.clone(), values)
                };
                if with_empty {
                    p = if positive {
                        Pred::Or(vec![p, Pred::Empty(key)])
                    } else {
                        Pred::And(vec![p, Pred::Not(Box::new(Pred::Empty(key)))])
                    };
                }
                Ok(p)
            }
            Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq => {
                let comparable = matches!(
                    key,
                    Key::Created | Key::Updated | Key::Resolved | Key::Due | Key::Priority | Key::Issue
                ) || matches!(
                    &key,
                    Key::Custom(_, CustomKind::Number | CustomKind::Date | CustomKind::DateTime)
                );
                if !comparable {
                    return Err(unsupported());
                }
                let mut vs = self.resolve(&key, &fname, operand)?;
                if vs.len() != 1 {
                    return Err(err(format!(
                        "The operator '{}' takes exactly one value.",
                        t.op.as_str()
                    )));
                }
                Ok(Pred::Cmp(key, t.op, vs.remove(0)))
            }
            _ => Err(unsupported()),
        }
    }

    /// `WAS`, `WAS IN`, `WAS NOT`, `WAS NOT IN`, `CHANGED`: only fields with a changelog.
    fn history_term(&self, t: &Term, key: Key, fname: &str) -> ApiResult<Pred> {
        let field_id = match &key {
            Key::Status => "status".to_string(),
            Key::User(f) if *f != "creator" => f.to_string(),
            Key::Priority => "priority".into(),
            Key::Resolution => "resolution".into(),
            Key::FixVersions => "fixVersions".into(),
            Key::Versions => "versions".into(),
            Key::Components => "components".into(),
            Key::Custom(id, kind) if !matches!(kind, CustomKind::Rank | CustomKind::Sprint) => id.clone(),
            _ => {
                return Err(err(format!(
                    "History searches do not support the '{fname}' field."
                )))
            }
        };
        let hist = Hist { key, field_id };
        let mut preds = Vec::new();
        for p in &t.predicates {
            let changed_only = matches!(p.kind, PredicateKind::From(_) | PredicateKind::To(_));
            if changed_only && t.op != Operator::Changed {
                return Err(err(format!(
                    "The '{}' predicate is not supported by the '{}' operator.",
                    p.kind.keyword(),
                    t.op.as_str()
                )));
            }
            preds.push(match &p.kind {
                PredicateKind::Before(o) => HistPred::Before(self.range(o)?),
                PredicateKind::After(o) => HistPred::After(self.range(o)?),
                PredicateKind::On(o) => HistPred::On(self.range(o)?),
                PredicateKind::During(a, b) => HistPred::During(self.range(a)?, self.range(b)?),
                PredicateKind::By(o) => {
                    let us = self.resolve(&Key::User("assignee"), "by", o)?;
                    HistPred::By(
                        us.into_iter()
                            .filter_map(|v| if let V::Str(s) = v { Some(s) } else { None })
                            .collect(),
                    )
                }
                PredicateKind::From(o) | PredicateKind::To(o) => {
                    let (vs, empty) = self.hist_values(&hist.key, fname, o)?;
                    if matches!(p.kind, PredicateKind::From(_)) {
                        HistPred::From(vs, empty)
                    } else {
                        HistPred::To(vs, empty)
                    }
                }
            });
        }
        if t.op == Operator::Changed {
            return Ok(Pred::Changed(hist, preds));
        }
        let operand = t
            .operand
            .as_ref()
            .ok_or_else(|| err(format!("The operator '{}' needs a value.", t.op.as_str())))?;
        let list_op = matches!(t.op, Operator::WasIn | Operator::WasNotIn);
        match operand {
            Operand::List(..) if !list_op => {
                return Err(err(format!(
                    "The operator '{}' does not take a list of values.",
                    t.op.as_str()
                )))
            }
            Operand::Value(_) | Operand::Empty(_) if list_op => {
                return Err(err(format!(
                    "The operator '{}' takes a list of values in parentheses.",
                    t.op.as_str()
                )))
            }
            _ => {}
        }
        let (vs, empty) = self.hist_values(&hist.key, fname, operand)?;
        let p = Pred::Was(hist, vs, empty, preds);
        Ok(if matches!(t.op, Operator::WasNot | Operator::WasNotIn) {
            Pred::Not(Box::new(p))
        } else {
            p
        })
    }

    /// `issuekey IN updatedBy(...)`, `issueHistory()`, `watchedIssues()`, `votedIssues()`,
    /// `linkedIssues(...)` and their "work item" names: sets of issues rather than values.
    fn issue_function(&self, t: &Term, operand: &Operand) -> ApiResult<Option<Pred>> {
        let Operand::Function { name, args, .. } = operand else {
            return Ok(None);
        };
        let lower = name.to_lowercase();
        let pred = match lower.as_str() {
            "updatedby" => {
                let user = args.first().ok_or_else(|| {
                    err("Function 'updatedBy' expects between 1 and 3 arguments but got 0.")
                })?;
                if args.len() > 3 {
                    return Err(err(format!(
                        "Function 'updatedBy' expects between 1 and 3 arguments but got {}.",
                        args.len()
                    )));
                }
                let users: Vec<String> = self
                    .resolve(
                        &Key::User("assignee"),
                        "updatedBy",
                        &Operand::Value(jirakit_jql::Value {
                            text: user.clone(),
                            quoted: true,
                            span: Default::default(),
                        }),
                    )?
                    .into_iter()
                    .filter_map(|v| if let V::Str(s) = v { Some(s) } else { None })
                    .collect();
                // Jira rounds anything finer than a day to whole days here.
                let bound = |a: Option<&String>, lower_end: bool| -> ApiResult<i64> {
                    let Some(a) = a else {
                        return Ok(if lower_end { i64::MIN } else { i64::MAX });
                    };
                    let (lo, hi) = crate::jql_time::range(a, self.now, &self.user.time_zone)
                        .ok_or_else(|| err(format!("Function 'updatedBy': '{a}' is not a date.")))?;
                    let day = |ms: i64| {
                        crate::jql_time::range(
                            &crate::jql_time::local_date(ms, &self.user.time_zone),
                            self.now,
                            &self.user.time_zone,
                        )
                    };
                    Ok(if lower_end {
                        day(lo).map_or(lo, |d| d.0)
                    } else {
                        day(hi - 1).map_or(hi, |d| d.1)
                    })
                };
                Pred::UpdatedBy(users, bound(args.get(1), true)?, bound(args.get(2), false)?)
            }
            // The sandbox does not track views: the caller's own recent work stands in for it.
            "issuehistory" | "workitemhistory" => {
                Pred::UpdatedBy(vec![self.user.account_id.clone()], i64::MIN, i64::MAX)
            }
            "watchedissues" | "watchedworkitems" => Pred::WatchedOrVoted(self.user.account_id.clone(), true),
            "votedissues" | "votedworkitems" => Pred::WatchedOrVoted(self.user.account_id.clone(), false),
            "linkedissues" | "linkedworkitems" => {
                let Some((issue, links)) = args.split_first() else {
                    return Err(err(format!(
                        "Incorrect number of arguments for function '{name}'. Usage: '{name} ( issuekey [, linkDescription ]* )'."
                    )));
                };
                Pred::Linked(Linked {
                    function: name.clone(),
                    issue: issue.clone(),
                    links: links.to_vec(),
                })
            }
            _ => return Ok(None),
        };
        Ok(Some(match t.op {
            Operator::In | Operator::Eq => pred,
            Operator::NotIn | Operator::NotEq => Pred::Not(Box::new(pred)),
            _ => {
                return Err(err(format!(
                    "The operator '{}' is not supported by the function '{name}'.",
                    t.op.as_str()
                )))
            }
        }))
    }

    /// Values for a history clause, and whether EMPTY is among them. `resolution WAS
    /// Unresolved` means WAS EMPTY.
    fn hist_values(&self, key: &Key, fname: &str, o: &Operand) -> ApiResult<(Vec<V>, bool)> {
        let items: Vec<&Operand> = match o {
            Operand::List(items, _) => items.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::new();
        let mut empty = false;
        for it in items {
            if matches!(it, Operand::Empty(_)) {
                empty = true;
                continue;
            }
            for v in self.resolve(key, fname, it)? {
                if v == V::Id(-1) && *key == Key::Resolution {
                    empty = true;
                } else {
                    out.push(v);
                }
            }
        }
        Ok((out, empty))
    }

    /// A history predicate's date at its implied precision (Jira's rounding: a day for
    /// dates and `d`/`w` periods, an hour for `h`, a minute for `m` and `HH:mm`, an instant
    /// for functions and epoch milliseconds).
    fn range(&self, o: &Operand) -> ApiResult<DateRange> {
        let tz = &self.user.time_zone;
        match o {
            Operand::Function { name, args, .. } => {
                let vs = self.function(&Key::Updated, "date", name, args)?;
                match vs.as_slice() {
                    [V::Time(t)] => Ok(DateRange { lo: *t, hi: t + 1000 }),
                    _ => Err(err(format!("The function '{name}' does not return a date."))),
                }
            }
            Operand::Value(v) => {
                if let Some(ms) = v.as_number() {
                    return Ok(DateRange {
                        lo: ms,
                        hi: ms + 1000,
                    });
                }
                crate::jql_time::range(&v.text, self.now, tz)
                    .map(|(lo, hi)| DateRange { lo, hi })
                    .ok_or_else(|| {
                        err(format!(
                            "Date value '{}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
                            v.text
                        ))
                    })
            }
            _ => Err(err("A history predicate takes one date value.")),
        }
    }

    /// Turns an operand into the values a field holds, with Jira's "does not exist" errors.
    fn resolve(&self, key: &Key, fname: &str, op: &Operand) -> ApiResult<Vec<V>> {
        let meta = self.meta;
        if let Operand::Value(v) = op {
            // Jira reads an unquoted number on a date field as milliseconds since the epoch.
            if let Some(ms) = v.as_number() {
                match key {
                    Key::Created | Key::Updated | Key::Resolved | Key::Custom(_, CustomKind::DateTime) => {
                        return Ok(vec![V::Time(ms)])
                    }
                    Key::Due | Key::Custom(_, CustomKind::Date) => return Ok(vec![self.time_value(key, ms)]),
                    _ => {}
                }
            }
        }
        let text = match op {
            Operand::Value(v) => v.text.clone(),
            Operand::Function { name, args, .. } => return self.function(key, fname, name, args),
            Operand::List(items, _) => {
                let mut out = Vec::new();
                for i in items {
                    out.extend(self.resolve(key, fname, i)?);
                }
                return Ok(out);
            }
            Operand::Empty(_) => return Ok(vec![]),
        };
        let missing = || {
            err(format!(
                "The value '{text}' does not exist for the field '{fname}'."
            ))
        };
        let by_name_or_id = |found: Option<i64>| found.map(|i| vec![V::Id(i)]).ok_or_else(missing);
        Ok(match key {
            Key::Project => {
                let p = meta
                    .project_by_key_or_id(&text)
                    .or_else(|| meta.projects.iter().find(|p| p.name.eq_ignore_ascii_case(&text)))
                    .filter(|p| meta.can_browse(self.user, p));
                by_name_or_id(p.map(|p| p.id))?
            }
            Key::IssueType => by_name_or_id(
                meta.issue_types
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(&text) || t.id.to_string() == text)
                    .map(|t| t.id),
            )?,
            Key::Status => by_name_or_id(
                meta.statuses
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(&text) || s.id.to_string() == text)
                    .map(|s| s.id),
            )?,
            Key::StatusCategory => {
                let cat = match text.to_lowercase().as_str() {
                    "to do" | "new" | "2" => "new",
                    "in progress" | "indeterminate" | "4" => "indeterminate",
                    "done" | "complete" | "3" => "done",
                    _ => return Err(missing()),
                };
                vec![V::Str(cat.into())]
            }
            Key::Resolution => {
                if text.eq_ignore_ascii_case("unresolved") {
                    return Ok(vec![V::Id(-1)]);
                }
                by_name_or_id(
                    meta.resolutions
                        .iter()
                        .find(|r| r.name.eq_ignore_ascii_case(&text) || r.id.to_string() == text)
                        .map(|r| r.id),
                )?
            }
            Key::Priority => by_name_or_id(
                meta.priorities
                    .iter()
                    .find(|p| p.name.eq_ignore_ascii_case(&text) || p.id.to_string() == text)
                    .map(|p| p.id),
            )?,
            Key::User(_) | Key::Custom(_, CustomKind::User | CustomKind::MultiUser) => {
                let u = meta.users.values().find(|u| {
                    u.account_id == text
                        || u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&text))
                        || u.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&text))
                        || u.display_name.eq_ignore_ascii_case(&text)
                });
                match u {
                    Some(u) => vec![V::Str(u.account_id.clone())],
                    None => return Err(missing()),
                }
            }
            Key::Issue | Key::Parent => vec![V::Str(text.to_uppercase())],
            Key::Labels | Key::Custom(_, CustomKind::Labels | CustomKind::Text | CustomKind::Url) => {
                vec![V::Str(text)]
            }
            Key::Components => {
                let ids: Vec<V> = meta
                    .components
                    .iter()
                    .filter(|c| c.name.eq_ignore_ascii_case(&text) || c.id.to_string() == text)
                    .map(|c| V::Id(c.id))
                    .collect();
                if ids.is_empty() {
                    return Err(missing());
                }
                ids
            }
            Key::FixVersions | Key::Versions => {
                let ids: Vec<V> = meta
                    .versions
                    .iter()
                    .filter(|v| v.name.eq_ignore_ascii_case(&text) || v.id.to_string() == text)
                    .map(|v| V::Id(v.id))
                    .collect();
                if ids.is_empty() {
                    return Err(missing());
                }
                ids
            }
            Key::Created | Key::Updated | Key::Resolved | Key::Custom(_, CustomKind::DateTime) => {
                vec![V::Time(self.instant(&text, fname)?)]
            }
            Key::Due | Key::Custom(_, CustomKind::Date) => vec![V::Date(self.date(&text, fname)?)],
            Key::Custom(_, CustomKind::Sprint) => match text.parse::<i64>() {
                Ok(id) if meta.sprint(id).is_some() => vec![V::Id(id)],
                _ => {
                    let ids: Vec<V> = meta
                        .sprints
                        .iter()
                        .filter(|s| s.name.eq_ignore_ascii_case(&text))
                        .map(|s| V::Id(s.id))
                        .collect();
                    if ids.is_empty() {
                        return Err(missing());
                    }
                    ids
                }
            },
            Key::Custom(_, CustomKind::Number) => {
                vec![V::Num(text.parse::<f64>().map_err(|_| {
                    err(format!("'{text}' is not a valid number for the field '{fname}'."))
                })?)]
            }
            Key::Custom(id, CustomKind::Select | CustomKind::MultiSelect) => {
                let ids: Vec<V> = meta
                    .options
                    .iter()
                    .filter(|o| {
                        &o.field_id == id && (o.value.eq_ignore_ascii_case(&text) || o.id.to_string() == text)
                    })
                    .map(|o| V::Id(o.id))
                    .collect();
                if ids.is_empty() {
                    return Err(missing());
                }
                ids
            }
            Key::Custom(..) | Key::Text(_) | Key::Comment | Key::AllText | Key::Attachments => {
                vec![V::Str(text)]
            }
        })
    }

    fn function(&self, key: &Key, fname: &str, name: &str, args: &[String]) -> ApiResult<Vec<V>> {
        let lower = name.to_lowercase();
        match lower.as_str() {
            "opensprints" | "closedsprints" | "futuresprints" => {
                if !matches!(key, Key::Custom(_, CustomKind::Sprint)) {
                    return Err(err(format!(
                        "The function '{name}' is not supported by the '{fname}' field."
                    )));
                }
                let states: &[&str] = match lower.as_str() {
                    "opensprints" => &["active", "future"],
                    "closedsprints" => &["closed"],
                    _ => &["future"],
                };
                Ok(self
                    .meta
                    .sprints
                    .iter()
                    .filter(|s| states.contains(&s.state.as_str()))
                    .map(|s| V::Id(s.id))
                    .collect())
            }
            "currentuser" => {
                if !matches!(
                    key,
                    Key::User(_) | Key::Custom(_, CustomKind::User | CustomKind::MultiUser)
                ) {
                    return Err(err(format!(
                        "The function 'currentUser' is not supported by the '{fname}' field."
                    )));
                }
                Ok(vec![V::Str(self.user.account_id.clone())])
            }
            "membersof" => {
                let g = args
                    .first()
                    .ok_or_else(|| err("Function 'membersOf' expects 1 argument but got 0."))?;
                let group = self.meta.group(g).ok_or_else(|| err(format!("Function 'membersOf' can not generate a list of usernames for group '{g}'; the group does not exist.")))?;
                Ok(group.members.iter().map(|m| V::Str(m.clone())).collect())
            }
            "now" => Ok(vec![self.time_value(key, self.now)]),
            "startofday" | "endofday" | "startofweek" | "endofweek" | "startofmonth" | "endofmonth"
            | "startofyear" | "endofyear" => {
                let t = crate::jql_time::boundary(
                    &lower,
                    args.first().map(String::as_str),
                    self.now,
                    &self.user.time_zone,
                )
                .map_err(|e| err(format!("Function '{name}': {e}")))?;
                Ok(vec![self.time_value(key, t)])
            }
            _ => Err(err(format!(
                "Unable to find JQL function '{name}({})'.",
                args.join(", ")
            ))),
        }
    }

    fn time_value(&self, key: &Key, ms: i64) -> V {
        match key {
            Key::Due | Key::Custom(_, CustomKind::Date) => {
                V::Date(crate::jql_time::local_date(ms, &self.user.time_zone))
            }
            _ => V::Time(ms),
        }
    }

    /// An instant from a JQL date value: absolute ("2026-01-05", "2026/01/05 14:00") in the user's
    /// time zone, relative ("-1d", "-2w 3d"), or epoch milliseconds.
    fn instant(&self, text: &str, fname: &str) -> ApiResult<i64> {
        crate::jql_time::instant(text, self.now, &self.user.time_zone).ok_or_else(|| {
            err(format!(
                "Date value '{text}' for field '{fname}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
            ))
        })
    }

    fn date(&self, text: &str, fname: &str) -> ApiResult<String> {
        let ms = self.instant(text, fname)?;
        Ok(crate::jql_time::local_date(ms, &self.user.time_zone))
    }
}

/// `issue.property[key].path op value`.
fn property_term(t: &Term, entity: &str, key: &str, path: &[String]) -> ApiResult<Pred> {
    let fname = t.field.canonical_name();
    if !entity.eq_ignore_ascii_case("issue") && !entity.eq_ignore_ascii_case("workitem") {
        return Err(err(format!(
            "Field '{fname}' does not exist or you do not have permission to view it."
        )));
    }
    let unsupported = || {
        err(format!(
            "The operator '{}' is not supported by the '{fname}' field.",
            t.op.as_str()
        ))
    };
    if t.op.is_history() {
        return Err(err(format!(
            "History searches do not support the '{fname}' field."
        )));
    }
    let operand = t.operand.as_ref().ok_or_else(unsupported)?;
    let one = |o: &Operand| -> ApiResult<Option<String>> {
        match o {
            Operand::Value(v) => Ok(Some(v.text.clone())),
            Operand::Empty(_) => Ok(None),
            Operand::Function { name, .. } => Err(err(format!(
                "The function '{name}' is not supported by the '{fname}' field."
            ))),
            Operand::List(..) => Err(err(format!(
                "The operator '{}' does not take a list of values.",
                t.op.as_str()
            ))),
        }
    };
    let test = |test: PropTest| {
        Pred::Property(Property {
            key: key.to_string(),
            path: path.to_vec(),
            test,
        })
    };
    let not = |p: Pred| Pred::Not(Box::new(p));
    Ok(match t.op {
        Operator::Is | Operator::IsNot => {
            if !matches!(operand, Operand::Empty(_)) {
                return Err(err(format!(
                    "The operator '{}' only takes EMPTY or NULL.",
                    t.op.as_str()
                )));
            }
            let p = test(PropTest::Empty);
            if t.op == Operator::IsNot {
                not(p)
            } else {
                p
            }
        }
        Operator::Eq | Operator::NotEq | Operator::In | Operator::NotIn => {
            let list = matches!(t.op, Operator::In | Operator::NotIn);
            let items: Vec<&Operand> = match operand {
                Operand::List(items, _) if list => items.iter().collect(),
                Operand::List(..) | Operand::Value(_) | Operand::Empty(_) | Operand::Function { .. }
                    if list =>
                {
                    return Err(err(format!(
                        "The operator '{}' takes a list of values in parentheses.",
                        t.op.as_str()
                    )))
                }
                other => vec![other],
            };
            let mut values = Vec::new();
            let mut with_empty = false;
            for it in items {
                match one(it)? {
                    Some(v) => values.push(v),
                    None => with_empty = true,
                }
            }
            let positive = matches!(t.op, Operator::Eq | Operator::In);
            let mut p = test(if positive {
                PropTest::Any(values)
            } else {
                PropTest::NoneOf(values)
            });
            if with_empty {
                p = if positive {
                    Pred::Or(vec![p, test(PropTest::Empty)])
                } else {
                    Pred::And(vec![p, not(test(PropTest::Empty))])
                };
            }
            p
        }
        Operator::Like | Operator::NotLike => {
            let Some(q) = one(operand)? else {
                return Err(err(format!(
                    "The operator '{}' takes a text value.",
                    t.op.as_str()
                )));
            };
            let p = test(PropTest::Like(q));
            if t.op == Operator::NotLike {
                not(p)
            } else {
                p
            }
        }
        Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq => {
            let Some(v) = one(operand)? else {
                return Err(err(format!(
                    "The operator '{}' takes exactly one value.",
                    t.op.as_str()
                )));
            };
            test(PropTest::Cmp(t.op, v))
        }
        _ => return Err(unsupported()),
    })
}

/// The values at `path` in a property's JSON: an array's elements one by one; nothing for
/// missing, `null`, `[]` or `{}`.
fn property_values<'v>(value: &'v Value, path: &[String]) -> Vec<&'v Value> {
    let mut at = value;
    for segment in path {
        match at.get(segment.as_str()) {
            Some(v) => at = v,
            None => return Vec::new(),
        }
    }
    match at {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).collect(),
        Value::Object(m) if m.is_empty() => Vec::new(),
        other => vec![other],
    }
}

/// Whether a property value (`None`: the issue has no such property) passes the test.
fn property_matches(value: Option<&Value>, p: &Property) -> bool {
    let have = value.map(|v| property_values(v, &p.path)).unwrap_or_default();
    let equal = |v: &Value, want: &str| match v {
        Value::String(s) => s == want,
        Value::Number(n) => match (n.as_f64(), want.trim().parse::<f64>()) {
            (Some(a), Ok(b)) => (a - b).abs() < 1e-9,
            _ => false,
        },
        Value::Bool(b) => want.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        _ => false,
    };
    match &p.test {
        PropTest::Empty => have.is_empty(),
        PropTest::Any(want) => have.iter().any(|v| want.iter().any(|w| equal(v, w))),
        PropTest::NoneOf(bad) => !have.is_empty() && !have.iter().any(|v| bad.iter().any(|b| equal(v, b))),
        PropTest::Like(q) => {
            let segments: Vec<Vec<String>> = have.iter().filter_map(|v| v.as_str()).map(words).collect();
            text_matches(&segments, q)
        }
        PropTest::Cmp(op, want) => have.iter().any(|v| {
            let o = match v {
                Value::Number(n) => match (n.as_f64(), want.trim().parse::<f64>()) {
                    (Some(a), Ok(b)) => a.partial_cmp(&b),
                    _ => None,
                },
                // Strings compare as text, which orders ISO dates and times correctly.
                Value::String(s) => Some(s.as_str().cmp(want.as_str())),
                _ => None,
            };
            o.is_some_and(|o| match op {
                Operator::Gt => o == Ordering::Greater,
                Operator::GtEq => o != Ordering::Less,
                Operator::Lt => o == Ordering::Less,
                Operator::LtEq => o != Ordering::Greater,
                _ => false,
            })
        }),
    }
}

/// The issues `linkedIssues(issue, links...)` names, ascending. The issue must exist and be
/// visible to the caller; each link argument must be a link type's outward description (the
/// issues this one points to: "blocks"), its inward description (the issues pointing to this
/// one: "is blocked by") or, as a convenience, its name (both directions).
fn linked_ids(conn: &Connection, meta: &Meta, user: Option<&User>, l: &Linked) -> ApiResult<Vec<i64>> {
    let issue = store::issue(conn, l.issue.trim())?
        .filter(|i| user.is_none_or(|u| meta.project(i.project_id).is_some_and(|p| meta.can_browse(u, p))));
    let Some(issue) = issue else {
        return Err(err(format!(
            "Issue '{}' could not be found in function '{}'.",
            l.issue, l.function
        )));
    };
    let types: Vec<(i64, String, String, String)> = conn
        .prepare_cached("SELECT id, name, inward, outward FROM link_types")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    // (type id, outward from the issue, inward to the issue)
    let mut wanted: Vec<(i64, bool, bool)> = Vec::new();
    for arg in &l.links {
        let a = arg.trim();
        let mut found = false;
        for (id, _, inward, outward) in &types {
            let out = outward.eq_ignore_ascii_case(a);
            let inw = inward.eq_ignore_ascii_case(a);
            if out || inw {
                wanted.push((*id, out, inw));
                found = true;
            }
        }
        if !found {
            for (id, name, ..) in &types {
                if name.eq_ignore_ascii_case(a) {
                    wanted.push((*id, true, true));
                    found = true;
                }
            }
        }
        if !found {
            return Err(err(format!(
                "Issue link type '{arg}' could not be found in function '{}'.",
                l.function
            )));
        }
    }
    let mut ids = Vec::new();
    let mut outward = conn.prepare_cached("SELECT type_id, dest_id FROM issue_links WHERE source_id = ?1")?;
    for row in outward.query_map([issue.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (ty, other) = row?;
        if l.links.is_empty() || wanted.iter().any(|(t, out, _)| *t == ty && *out) {
            ids.push(other);
        }
    }
    let mut inward = conn.prepare_cached("SELECT type_id, source_id FROM issue_links WHERE dest_id = ?1")?;
    for row in inward.query_map([issue.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (ty, other) = row?;
        if l.links.is_empty() || wanted.iter().any(|(t, _, inw)| *t == ty && *inw) {
            ids.push(other);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Values of a field on an issue, for comparison.
fn values(i: &IssueRow, meta: &Meta, key: &Key) -> Vec<V> {
    let ids = |v: &Value| {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .map(V::Id)
            .collect::<Vec<_>>()
    };
    match key {
        Key::Project => vec![V::Id(i.project_id)],
        Key::Issue => vec![V::Str(i.key.to_uppercase()), V::Str(i.id.to_string())],
        Key::IssueType => vec![V::Id(i.issue_type_id)],
        Key::Status => vec![V::Id(i.status_id)],
        Key::StatusCategory => vec![V::Str(meta.status_category_of(i.status_id).to_string())],
        Key::Resolution => i.get("resolution").as_i64().map(V::Id).into_iter().collect(),
        Key::Priority => i.get("priority").as_i64().map(V::Id).into_iter().collect(),
        Key::User(f) => i
            .get(f)
            .as_str()
            .map(|s| V::Str(s.to_string()))
            .into_iter()
            .collect(),
        Key::Labels => i
            .get("labels")
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|s| V::Str(s.to_string()))
            .collect(),
        Key::Components => ids(i.get("components")),
        Key::FixVersions => ids(i.get("fixVersions")),
        Key::Versions => ids(i.get("versions")),
        Key::Created => vec![V::Time(i.created)],
        Key::Updated => vec![V::Time(i.updated)],
        Key::Resolved => i
            .get("resolutiondate")
            .as_i64()
            .map(V::Time)
            .into_iter()
            .collect(),
        Key::Due => i
            .get("duedate")
            .as_str()
            .map(|d| V::Date(d.to_string()))
            .into_iter()
            .collect(),
        Key::Parent => Vec::new(),
        Key::Attachments => ids(i.get("attachment")),
        Key::Text(_) | Key::Comment | Key::AllText => Vec::new(),
        Key::Custom(id, kind) => {
            let v = i.get(id);
            match kind {
                CustomKind::Number => v.as_f64().map(V::Num).into_iter().collect(),
                CustomKind::DateTime => v.as_i64().map(V::Time).into_iter().collect(),
                CustomKind::Date => v.as_str().map(|d| V::Date(d.to_string())).into_iter().collect(),
                CustomKind::Select => v.as_i64().map(V::Id).into_iter().collect(),
                CustomKind::MultiSelect | CustomKind::Sprint => ids(v),
                CustomKind::Labels | CustomKind::MultiUser => v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|s| V::Str(s.to_string()))
                    .collect(),
                CustomKind::Paragraph => Vec::new(),
                _ => v.as_str().map(|s| V::Str(s.to_string())).into_iter().collect(),
            }
        }
    }
}

/// The terms of a `~` query: each unquoted word (split further where it holds punctuation) is a
/// term, `word*` keeps its star as a prefix, and a quoted phrase is one term of several words.
/// A phrase with no word in it is an empty term.
pub(crate) fn text_terms(query: &str) -> Vec<Vec<String>> {
    let mut terms: Vec<Vec<String>> = Vec::new();
    let mut rest = query.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('"') {
            let (phrase, after) = r.split_once('"').unwrap_or((r, ""));
            terms.push(words(phrase));
            rest = after.trim_start();
        } else {
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let prefix = word.ends_with('*');
            let mut ws = words(word);
            if prefix {
                if let Some(last) = ws.last_mut() {
                    last.push('*');
                }
            }
            terms.extend(ws.into_iter().map(|w| vec![w]));
            rest = after.trim_start();
        }
    }
    terms
}

/// Whether every term of a `~` query is found in the text, given as segments (the summary, the
/// description, each comment...): words match whole words, a trailing `*` matches a prefix, and
/// a quoted phrase needs its words in order within one segment. This is the reference the FTS
/// index (fts.rs) is tested against.
pub(crate) fn text_matches(segments: &[Vec<String>], query: &str) -> bool {
    let terms = text_terms(query);
    let word_eq = |pattern: &str, w: &str| match pattern.strip_suffix('*') {
        Some(p) => w.starts_with(p),
        None => w == pattern,
    };
    !terms.is_empty()
        && terms.iter().filter(|t| !t.is_empty()).all(|t| {
            segments.iter().any(|seg| {
                seg.windows(t.len())
                    .any(|win| win.iter().zip(t).all(|(w, p)| word_eq(p, w)))
            })
        })
}

pub(crate) struct Eval<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) meta: &'a Meta,
}

impl Eval<'_> {
    /// The text a `~` on `key` searches, as segments a phrase cannot span.
    fn text_of(&self, i: &IssueRow, key: &Key) -> ApiResult<Vec<Vec<String>>> {
        Ok(match key {
            Key::Text(f) => {
                if *f == "summary" {
                    vec![words(i.get("summary").as_str().unwrap_or(""))]
                } else {
                    vec![rich_words(i.get(f))]
                }
            }
            Key::Comment => self.comment_words(i)?,
            Key::AllText => {
                let mut w = vec![
                    words(i.get("summary").as_str().unwrap_or("")),
                    rich_words(i.get("description")),
                    rich_words(i.get("environment")),
                ];
                w.extend(self.comment_words(i)?);
                for c in &self.meta.fields {
                    if matches!(c.kind, CustomKind::Text | CustomKind::Paragraph) {
                        w.push(rich_words(i.get(&c.id)));
                    }
                }
                w
            }
            Key::Custom(id, _) => vec![rich_words(i.get(id))],
            _ => vec![],
        })
    }

    fn comment_words(&self, i: &IssueRow) -> ApiResult<Vec<Vec<String>>> {
        let (_, cs) = store::comments(self.conn, i.id, 0, i64::MAX, false)?;
        Ok(cs.iter().map(|c| rich_words(&c.body)).collect())
    }

    fn parent_key(&self, i: &IssueRow) -> ApiResult<Option<(String, String)>> {
        Ok(match i.parent_id {
            Some(p) => store::issue_by_id(self.conn, p)?.map(|p| (p.key.to_uppercase(), p.id.to_string())),
            None => None,
        })
    }

    fn field_values(&self, i: &IssueRow, key: &Key) -> ApiResult<Vec<V>> {
        if *key == Key::Parent {
            return Ok(self
                .parent_key(i)?
                .map(|(k, id)| vec![V::Str(k), V::Str(id)])
                .unwrap_or_default());
        }
        let mut vs = values(i, self.meta, key);
        if *key == Key::Resolution && vs.is_empty() {
            vs.push(V::Id(-1));
        }
        Ok(vs)
    }

    pub(crate) fn matches(&self, p: &Pred, i: &IssueRow) -> ApiResult<bool> {
        Ok(match p {
            Pred::True => true,
            Pred::And(ps) => {
                for p in ps {
                    if !self.matches(p, i)? {
                        return Ok(false);
                    }
                }
                true
            }
            Pred::Or(ps) => {
                for p in ps {
                    if self.matches(p, i)? {
                        return Ok(true);
                    }
                }
                false
            }
            Pred::Not(p) => !self.matches(p, i)?,
            Pred::Any(key, want) => {
                let have = self.field_values(i, key)?;
                have.iter().any(|h| want.iter().any(|w| eq(h, w)))
            }
            Pred::NoneOf(key, bad) => {
                let have: Vec<V> = self
                    .field_values(i, key)?
                    .into_iter()
                    .filter(|v| *v != V::Id(-1))
                    .collect();
                !have.is_empty() && !have.iter().any(|h| bad.iter().any(|b| eq(h, b)))
            }
            Pred::Empty(key) => match key {
                Key::Text(_) | Key::Comment | Key::AllText | Key::Custom(_, CustomKind::Paragraph) => {
                    self.text_of(i, key)?.iter().all(Vec::is_empty)
                }
                Key::Resolution => i.get("resolution").is_null(),
                _ => self.field_values(i, key)?.is_empty(),
            },
            Pred::Cmp(Key::Issue, op, V::Str(want)) => {
                // Jira compares key numbers within the referenced issue's project; a reference to
                // an issue that does not exist (or is hidden) matches nothing.
                let Some(r) = store::issue(self.conn, want)? else {
                    return Ok(false);
                };
                if r.project_id != i.project_id {
                    return Ok(false);
                }
                let o = i.num.cmp(&r.num);
                match op {
                    Operator::Gt => o == Ordering::Greater,
                    Operator::GtEq => o != Ordering::Less,
                    Operator::Lt => o == Ordering::Less,
                    Operator::LtEq => o != Ordering::Greater,
                    _ => false,
                }
            }
            Pred::Cmp(key, op, v) => {
                let have = self.field_values(i, key)?;
                have.iter().any(|h| match compare(self.meta, key, h, v) {
                    Some(o) => match op {
                        Operator::Gt => o == Ordering::Greater,
                        Operator::GtEq => o != Ordering::Less,
                        Operator::Lt => o == Ordering::Less,
                        Operator::LtEq => o != Ordering::Greater,
                        _ => false,
                    },
                    None => false,
                })
            }
            Pred::Contains(key, qs) => {
                let text = self.text_of(i, key)?;
                qs.iter().all(|q| text_matches(&text, q))
            }
            Pred::IdIn(ids) => ids.binary_search(&i.id).is_ok(),
            Pred::Linked(l) => linked_ids(self.conn, self.meta, None, l)?
                .binary_search(&i.id)
                .is_ok(),
            Pred::Property(p) => {
                let value = store::property(self.conn, i.id, &p.key)?;
                property_matches(value.as_ref(), p)
            }
            Pred::WatchedOrVoted(user, watched) => {
                let sql = if *watched {
                    "SELECT count(*) FROM watchers WHERE issue_id = ?1 AND account_id = ?2"
                } else {
                    "SELECT count(*) FROM votes WHERE issue_id = ?1 AND account_id = ?2"
                };
                let n: i64 = self
                    .conn
                    .prepare_cached(sql)?
                    .query_row(rusqlite::params![i.id, user], |r| r.get(0))?;
                n > 0
            }
            Pred::UpdatedBy(users, lo, hi) => {
                let within = |t: i64| t >= *lo && t < *hi;
                let by = |u: Option<&str>| u.is_some_and(|u| users.iter().any(|x| x == u));
                if by(i.get("creator").as_str()) && within(i.created) {
                    return Ok(true);
                }
                let (_, hs) = store::histories(self.conn, i.id, 0, i64::MAX)?;
                if hs.iter().any(|h| by(h.author.as_deref()) && within(h.created)) {
                    return Ok(true);
                }
                let (_, cs) = store::comments(self.conn, i.id, 0, i64::MAX, false)?;
                cs.iter().any(|c| by(Some(&c.author)) && within(c.created))
            }
            Pred::Was(h, want, empty, preds) => {
                let (periods, _) = self.timeline(i, h)?;
                periods.iter().any(|p| {
                    let value_ok = if p.values.is_empty() {
                        *empty
                    } else {
                        p.values.iter().any(|v| want.iter().any(|w| eq(v, w)))
                    };
                    value_ok && preds.iter().all(|q| period_matches(p, q))
                })
            }
            Pred::Changed(h, preds) => {
                let (_, changes) = self.timeline(i, h)?;
                changes.iter().any(|c| preds.iter().all(|q| change_matches(c, q)))
            }
        })
    }

    /// The field's value periods (from creation; the initial value counts) and its real changes,
    /// rebuilt from the changelog.
    fn timeline(&self, i: &IssueRow, h: &Hist) -> ApiResult<(Vec<Period>, Vec<Change>)> {
        let (_, histories) = store::histories(self.conn, i.id, 0, i64::MAX)?;
        let mut changes = Vec::new();
        for hs in &histories {
            for it in hs
                .items
                .iter()
                .filter(|it| it.field_id.as_deref() == Some(&h.field_id))
            {
                changes.push(Change {
                    at: hs.created,
                    author: hs.author.clone(),
                    from: hist_value(&h.key, it.from.as_deref(), it.from_string.as_deref()),
                    to: hist_value(&h.key, it.to.as_deref(), it.to_string.as_deref()),
                });
            }
        }
        let mut current: Vec<V> = self.field_values(i, &h.key)?;
        current.retain(|v| *v != V::Id(-1));
        let delta = matches!(h.key, Key::FixVersions | Key::Versions | Key::Components);
        // Values held before each change, newest first, then reversed.
        let mut values = Vec::with_capacity(changes.len() + 1);
        if delta {
            let mut set = current.clone();
            values.push(set.clone());
            for c in changes.iter().rev() {
                set.retain(|v| !c.to.contains(v));
                for f in &c.from {
                    if !set.contains(f) {
                        set.push(f.clone());
                    }
                }
                values.push(set.clone());
            }
            values.reverse();
        } else {
            match changes.first() {
                Some(first) => {
                    values.push(first.from.clone());
                    values.extend(changes.iter().map(|c| c.to.clone()));
                }
                None => values.push(current),
            }
        }
        let creator = i
            .get("creator")
            .as_str()
            .or(i.get("reporter").as_str())
            .map(str::to_string);
        let mut periods = Vec::with_capacity(values.len());
        for (n, vs) in values.into_iter().enumerate() {
            let (start, setter) = if n == 0 {
                (i.created, creator.clone())
            } else {
                (changes[n - 1].at, changes[n - 1].author.clone())
            };
            periods.push(Period {
                start,
                end: changes.get(n).map(|c| c.at),
                setter,
                values: vs,
            });
        }
        Ok((periods, changes))
    }
}

/// A span of time during which a field held `values` (none: EMPTY); `end` is `None` for the
/// current value.
#[derive(Debug)]
struct Period {
    start: i64,
    end: Option<i64>,
    setter: Option<String>,
    values: Vec<V>,
}

#[derive(Debug)]
struct Change {
    at: i64,
    author: Option<String>,
    from: Vec<V>,
    to: Vec<V>,
}

/// A changelog value read back as the values the evaluator compares.
fn hist_value(key: &Key, raw: Option<&str>, shown: Option<&str>) -> Vec<V> {
    let id = |s: Option<&str>| s.and_then(|s| s.trim().parse::<i64>().ok()).map(V::Id);
    match key {
        Key::Status
        | Key::Priority
        | Key::Resolution
        | Key::FixVersions
        | Key::Versions
        | Key::Components
        | Key::Custom(_, CustomKind::Select) => id(raw).into_iter().collect(),
        Key::Custom(_, CustomKind::MultiSelect) => raw
            .unwrap_or("")
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .map(V::Id)
            .collect(),
        Key::User(_) | Key::Custom(_, CustomKind::User) => {
            raw.map(|s| V::Str(s.to_string())).into_iter().collect()
        }
        Key::Custom(_, CustomKind::Number) => shown
            .and_then(|s| s.parse::<f64>().ok())
            .map(V::Num)
            .into_iter()
            .collect(),
        Key::Custom(_, CustomKind::Labels | CustomKind::MultiUser) => shown
            .unwrap_or("")
            .split_whitespace()
            .map(|s| V::Str(s.to_string()))
            .collect(),
        Key::Custom(_, CustomKind::DateTime) => raw
            .and_then(crate::clock::parse_datetime)
            .map(V::Time)
            .into_iter()
            .collect(),
        Key::Custom(_, CustomKind::Date) => raw.map(|s| V::Date(s.to_string())).into_iter().collect(),
        _ => shown
            .or(raw)
            .filter(|s| !s.is_empty())
            .map(|s| V::Str(s.to_string()))
            .into_iter()
            .collect(),
    }
}

fn in_values(have: &[V], want: &[V], empty: bool) -> bool {
    if have.is_empty() {
        empty
    } else {
        have.iter().any(|h| want.iter().any(|w| eq(h, w)))
    }
}

/// WAS predicates on a value period: BEFORE — it began before the range; AFTER — it lasted past
/// the range; ON/DURING — it overlapped; BY — the change that set it was made by the user.
fn period_matches(p: &Period, q: &HistPred) -> bool {
    let lasts_until = |t: i64| p.end.is_none_or(|e| e >= t);
    match q {
        HistPred::Before(r) => p.start < r.lo,
        HistPred::After(r) => lasts_until(r.hi),
        HistPred::On(r) => p.start < r.hi && lasts_until(r.lo),
        HistPred::During(a, b) => p.start < b.hi && lasts_until(a.lo),
        HistPred::By(us) => p.setter.as_ref().is_some_and(|s| us.contains(s)),
        HistPred::From(..) | HistPred::To(..) => false,
    }
}

/// CHANGED predicates on one change.
fn change_matches(c: &Change, q: &HistPred) -> bool {
    match q {
        HistPred::Before(r) => c.at < r.lo,
        HistPred::After(r) => c.at >= r.hi,
        HistPred::On(r) => c.at >= r.lo && c.at < r.hi,
        HistPred::During(a, b) => c.at >= a.lo && c.at < b.hi,
        HistPred::By(us) => c.author.as_ref().is_some_and(|s| us.contains(s)),
        HistPred::From(vs, empty) => in_values(&c.from, vs, *empty),
        HistPred::To(vs, empty) => in_values(&c.to, vs, *empty),
    }
}

fn eq(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) => x.eq_ignore_ascii_case(y),
        (V::Num(x), V::Num(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// Orders two values of a field; priorities by the admin's order (higher priority is greater),
/// keys by project then number.
pub(crate) fn compare(meta: &Meta, key: &Key, a: &V, b: &V) -> Option<Ordering> {
    match (key, a, b) {
        (Key::Priority, V::Id(x), V::Id(y)) => {
            let seq = |id: &i64| meta.priority(*id).map(|p| p.sequence);
            Some(seq(y)?.cmp(&seq(x)?))
        }
        (Key::Issue, V::Str(x), V::Str(y)) => {
            let split = |k: &str| {
                k.rsplit_once('-')
                    .and_then(|(p, n)| n.parse::<i64>().ok().map(|n| (p.to_string(), n)))
            };
            let (px, nx) = split(x)?;
            let (py, ny) = split(y)?;
            (px == py).then(|| nx.cmp(&ny))
        }
        (_, V::Time(x), V::Time(y)) => Some(x.cmp(y)),
        (_, V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (_, V::Num(x), V::Num(y)) => x.partial_cmp(y),
        (_, V::Id(x), V::Id(y)) => Some(x.cmp(y)),
        (_, V::Str(x), V::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => None,
    }
}

/// The sort value of an issue for one ORDER BY key; `None` is EMPTY.
fn sort_value(i: &IssueRow, meta: &Meta, key: &Key) -> Option<SortV> {
    Some(match key {
        Key::Issue => SortV::KeyNum(
            meta.project(i.project_id)
                .map(|p| p.key.clone())
                .unwrap_or_default(),
            i.num,
        ),
        Key::Project => SortV::Str(
            meta.project(i.project_id)
                .map(|p| p.name.to_lowercase())
                .unwrap_or_default(),
        ),
        Key::IssueType => SortV::Num(
            meta.issue_types
                .iter()
                .position(|t| t.id == i.issue_type_id)
                .unwrap_or(0) as f64,
        ),
        Key::Status => SortV::Str(
            meta.status(i.status_id)
                .map(|s| s.name.to_lowercase())
                .unwrap_or_default(),
        ),
        Key::StatusCategory => SortV::Str(meta.status_category_of(i.status_id).to_string()),
        Key::Priority => SortV::Num(-(meta.priority(i.get("priority").as_i64()?)?.sequence as f64)),
        Key::Resolution => SortV::Str(
            meta.resolution(i.get("resolution").as_i64()?)?
                .name
                .to_lowercase(),
        ),
        Key::User(f) => SortV::Str(
            meta.user(i.get(f).as_str()?)
                .map(|u| u.display_name.to_lowercase())
                .unwrap_or_default(),
        ),
        Key::Text("summary") => SortV::Str(i.get("summary").as_str().unwrap_or("").to_lowercase()),
        Key::Created => SortV::Num(i.created as f64),
        Key::Updated => SortV::Num(i.updated as f64),
        Key::Resolved => SortV::Num(i.get("resolutiondate").as_i64()? as f64),
        Key::Due => SortV::Str(i.get("duedate").as_str()?.to_string()),
        Key::Labels => SortV::Str(
            i.get("labels")
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Key::Custom(id, kind) => {
            let v = i.get(id);
            match kind {
                CustomKind::Number => SortV::Num(v.as_f64()?),
                CustomKind::DateTime => SortV::Num(v.as_i64()? as f64),
                CustomKind::Select => SortV::Str(meta.option(v.as_i64()?)?.value.to_lowercase()),
                _ => SortV::Str(v.as_str()?.to_string()),
            }
        }
        _ => return None,
    })
}

#[derive(Debug, PartialEq, PartialOrd)]
enum SortV {
    Num(f64),
    Str(String),
    KeyNum(String, i64),
}

/// Which of the given issue ids match the query (for `/jql/match`): only issues the caller may
/// browse, in the order given. SQL decides when the whole predicate compiles.
pub fn matching_ids(
    conn: &Connection,
    meta: &Meta,
    user: &User,
    q: &Compiled,
    ids: &[i64],
) -> ApiResult<Vec<i64>> {
    let q = &q.resolve(conn, meta, user)?;
    if let Some(found) = crate::jql_sql::matching_ids(conn, meta, user, q, ids)? {
        return Ok(found);
    }
    let ev = Eval { conn, meta };
    let mut out = Vec::new();
    for id in ids {
        let Some(i) = store::issue_by_id(conn, *id)? else {
            continue;
        };
        let visible = meta
            .project(i.project_id)
            .is_some_and(|p| meta.can_browse(user, p));
        if visible && !out.contains(id) && ev.matches(&q.pred, &i)? {
            out.push(*id);
        }
    }
    Ok(out)
}

/// The projects a query may see: those the caller may browse, narrowed by a top-level
/// `project = X`.
pub(crate) fn scope(meta: &Meta, user: &User, q: &Compiled) -> Vec<i64> {
    meta.projects
        .iter()
        .filter(|p| meta.can_browse(user, p))
        .map(|p| p.id)
        .filter(|p| q.projects.as_ref().is_none_or(|ps| ps.contains(p)))
        .collect()
}

/// Runs a compiled query: matching issues the caller may browse, in the query's order (Jira's
/// default, newest key first, when it gives none). EMPTY sorts last ascending, first descending.
/// SQL filters and orders what it can (see `jql_sql`); this evaluator decides the rest.
pub fn execute(conn: &Connection, meta: &Meta, user: &User, q: &Compiled) -> ApiResult<Vec<IssueRow>> {
    crate::jql_sql::search(conn, meta, user, q)
}

/// Sorts issues by the ORDER BY keys (created descending when none), then `id DESC`.
pub(crate) fn sort_rows(meta: &Meta, order: &[(Key, bool)], rows: &mut [IssueRow]) {
    let mut keys = order.to_vec();
    if keys.is_empty() {
        keys.push((Key::Created, true));
    }
    rows.sort_by(|a, b| {
        for (key, desc) in &keys {
            let (va, vb) = (sort_value(a, meta, key), sort_value(b, meta, key));
            // EMPTY is greater than any value: last ascending, first descending.
            let o = match (va, vb) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            };
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        b.id.cmp(&a.id)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<Vec<String>> {
        vec![words(s)]
    }

    use proptest::prelude::*;

    /// Words chosen to collide: case, diacritics, Unicode case pairs whose lower cases differ in
    /// length or only fold together (ß/ss, ς/σ, the Kelvin sign, dotted İ), digits, underscores
    /// and a decomposed accent.
    const POOL: &[&str] = &[
        "cart",
        "Cart",
        "carts",
        "café",
        "CAFÉ",
        "cafe",
        "caf",
        "straße",
        "STRASSE",
        "ß",
        "İstanbul",
        "istanbul",
        "x_y",
        "a1",
        "1a",
        "42",
        "4-2",
        "naïve",
        "ǅemal",
        "Ωmega",
        "ωmega",
        "ς",
        "σ",
        "日本",
        "本",
        "e\u{301}",
        "\u{212A}elvin",
        "kelvin",
        "it's",
        "don't",
    ];
    const SEPARATORS: &[&str] = &[" ", ", ", "-", "_", ".\n\n", "'", "\u{a0}", "/"];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec((0..POOL.len(), 0..SEPARATORS.len()), 0..7).prop_map(|ws| {
            ws.iter()
                .map(|(w, s)| format!("{}{}", POOL[*w], SEPARATORS[*s]))
                .collect()
        })
    }

    /// A `~` query: words, prefixes (`w*`, also of part of a word) and quoted phrases.
    fn query() -> impl Strategy<Value = String> {
        let term = prop_oneof![
            (0..POOL.len()).prop_map(|w| POOL[w].to_string()),
            (0..POOL.len(), 1..4usize).prop_map(|(w, n)| {
                let p: String = POOL[w].chars().take(n).collect();
                format!("{p}*")
            }),
            prop::collection::vec(0..POOL.len(), 1..3).prop_map(|ws| format!(
                "\"{}\"",
                ws.iter().map(|w| POOL[*w]).collect::<Vec<_>>().join(" ")
            )),
            Just("\"!!\"".to_string()),
            Just("*".to_string()),
        ];
        prop::collection::vec(term, 1..4).prop_map(|ts| ts.join(" "))
    }

    #[derive(Debug, Clone)]
    struct Doc {
        summary: String,
        description: String,
        adf: bool,
        environment: String,
        comments: Vec<String>,
        customer: String,
    }

    fn doc() -> impl Strategy<Value = Doc> {
        (
            text(),
            text(),
            any::<bool>(),
            text(),
            prop::collection::vec(text(), 0..3),
            text(),
        )
            .prop_map(
                |(summary, description, adf, environment, comments, customer)| Doc {
                    summary,
                    description,
                    adf,
                    environment,
                    comments,
                    customer,
                },
            )
    }

    fn adf(text: &str) -> Value {
        serde_json::json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}
        ]})
    }

    /// The FTS index, kept by the triggers, finds exactly the issues the in-memory word matcher
    /// finds, for every text field and for `text`, on texts and queries built to disagree.
    #[test]
    fn the_text_index_agrees_with_the_word_matcher() {
        let location = crate::db::Location::Temp(crate::db::TempDb::new().unwrap());
        let conn = crate::db::open(&location).unwrap();
        conn.execute_batch(
            "INSERT INTO users (account_id, display_name) VALUES ('u', 'U');
             INSERT INTO projects (key, name, type_key, workflow) VALUES ('P', 'P', 'software', '[]');
             INSERT INTO fields (id, num, name, type_key) VALUES ('customfield_10101', 10101, 'Customer',
               'com.atlassian.jira.plugin.system.customfieldtypes:textfield');",
        )
        .unwrap();
        let meta = Meta::load(&conn).unwrap();
        let keys = [
            Key::Text("summary"),
            Key::Text("description"),
            Key::Text("environment"),
            Key::Comment,
            Key::AllText,
        ];
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 300,
            ..Default::default()
        });
        runner
            .run(&(prop::collection::vec(doc(), 1..6), query()), |(docs, q)| {
                conn.execute_batch("DELETE FROM comments; DELETE FROM issues;").unwrap();
                let mut rows = Vec::new();
                for (n, d) in docs.iter().enumerate() {
                    let description = if d.adf { adf(&d.description) } else { Value::from(d.description.clone()) };
                    let fields = serde_json::json!({
                        "summary": d.summary, "description": description,
                        "environment": d.environment, "customfield_10101": d.customer,
                    });
                    conn.execute(
                        "INSERT INTO issues (project_id, num, key, issue_type_id, status_id, created, updated, fields) \
                         SELECT id, ?1, 'P-' || ?1, 1, 1, 0, 0, '{}' FROM projects",
                        [n as i64 + 1],
                    )
                    .unwrap();
                    let id = conn.last_insert_rowid();
                    // Written after creation, as an edit is: the update trigger indexes it.
                    conn.execute("UPDATE issues SET fields = ?2 WHERE id = ?1", rusqlite::params![id, fields.to_string()])
                        .unwrap();
                    for (k, c) in d.comments.iter().enumerate() {
                        let body = if k % 2 == 0 { adf(c) } else { Value::from(c.clone()) };
                        store::insert_comment(&conn, id, "u", &body, None, 0).unwrap();
                    }
                    rows.push(store::issue_by_id(&conn, id).unwrap().unwrap());
                }
                let ev = Eval { conn: &conn, meta: &meta };
                for key in &keys {
                    let contains = Pred::Contains(key.clone(), vec![q.clone()]);
                    let mut resolved = contains.clone();
                    resolve_pred(&conn, &mut resolved, None).unwrap();
                    for row in &rows {
                        let want = ev.matches(&contains, row).unwrap();
                        let got = ev.matches(&resolved, row).unwrap();
                        prop_assert_eq!(got, want, "{:?} ~ {:?} on {:?}", key, q, docs);
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn text_search_matches_words_prefixes_and_phrases() {
        let hay = w("Checkout fails on an empty cart");
        assert!(text_matches(&hay, "checkout"));
        assert!(text_matches(&hay, "check*"));
        assert!(text_matches(&hay, "\"empty cart\""));
        assert!(!text_matches(&hay, "\"cart empty\""));
        assert!(!text_matches(&hay, "check"));
        assert!(text_matches(&hay, "empty checkout"));
    }
}
