//! JQL, the Jira Query Language: lexer, parser, syntax tree with spans, canonical printer,
//! Jira-worded diagnostics and a safe query builder. No I/O.
//!
//! ```no_run
//! use jirakit_jql::{parse, Clause, Direction, Jql};
//!
//! // Parse, inspect, print canonically.
//! let query = parse("project = abc and status was 'In Progress' by currentUser() order by created desc")?;
//! if let Some(Clause::And(terms, _)) = &query.clause {
//!     println!("{} terms", terms.len());
//! }
//! assert_eq!(
//!     query.to_string(),
//!     r#"project = abc AND status WAS "In Progress" BY currentUser() ORDER BY created DESC"#
//! );
//!
//! // Errors carry spans and print Jira's own message; render() adds a caret.
//! let input = "summary query";
//! let err = parse(input).unwrap_err();
//! eprintln!("{}", err.render(input));
//!
//! // Build JQL from untrusted strings: always valid, always safely quoted.
//! let jql = Jql::field("summary").contains("say \"hi\"")
//!     .and(Jql::field("Story Points").gt(5))
//!     .order_by("created", Direction::Desc)
//!     .to_jql()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What follows Jira
//!
//! The grammar is Atlassian's (`JQLLexer.g4`/`JQLParser.g4`): `AND`/`&`/`&&`, `OR`/`|`/`||`,
//! `NOT`/`!` with NOT > AND > OR; every operator including `WAS [NOT] [IN]` and `CHANGED` with
//! `AFTER BEFORE ON DURING BY FROM TO`; `EMPTY`/`NULL`; functions; nested lists; `"…"` and
//! `'…'` strings with `\" \' \\ \n \r \t \  \uXXXX` escapes, escapes in unquoted strings too;
//! `cf[N]`, quoted field names and entity properties; `ORDER BY`. Keywords are
//! case-insensitive; the 159 reserved words are refused unquoted. Error messages are Jira's
//! (taken from Jira's own tests and message catalogue), positions 1-based.
//!
//! Two places follow Jira's server rather than the bare grammar: an entity property must be
//! `<entity>.property[key]` optionally followed by a `.`-separated path, and `DURING` takes a
//! list of exactly two values (Jira's "The DURING predicate must be supplied with exactly 2
//! date values.").
//!
//! # The tree
//!
//! [`Query`] → [`Clause`] (`And`/`Or` flattened per chain, `Not`, `Term`) → [`Term`] (field,
//! [`Operator`], optional [`Operand`], [`HistoryPredicate`]s). Spans are byte ranges;
//! [`Query::eq_ignoring_spans`] compares trees structurally, and `parse(&q.to_string())` is
//! always `eq_ignoring_spans` to `q`.

#![forbid(unsafe_code)]

mod ast;
mod builder;
mod error;
pub mod lexer;
mod parser;
pub mod print;
mod span;
pub mod words;

pub use ast::{
    Clause, Direction, Field, HistoryPredicate, Operand, Operator, OrderKey, PredicateKind, Query, Term,
    Value,
};
pub use builder::{call, empty, function, list, BuildError, FieldRef, Jql};
pub use error::{ErrorKind, Expected, ParseError, MAX_DEPTH};
pub use parser::parse;
pub use print::{quote, quote_if_needed};
pub use span::{Position, Span};
