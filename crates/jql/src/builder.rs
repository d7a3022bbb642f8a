//! A builder that only produces valid, safely quoted JQL, whatever the strings it is given.
//!
//! ```
//! use jirakit_jql::{Direction, Jql};
//!
//! let jql = Jql::field("project").eq("ABC")
//!     .and(Jql::field("Story Points").gt(5))
//!     .and(Jql::field("labels").in_(["a\"b", "c"]))
//!     .order_by("created", Direction::Desc)
//!     .to_jql()?;
//! assert_eq!(
//!     jql,
//!     r#"project = "ABC" AND "Story Points" > 5 AND labels IN ("a\"b", "c") ORDER BY created DESC"#
//! );
//! # Ok::<(), jirakit_jql::BuildError>(())
//! ```
//!
//! Text is always a quoted string literal (`"ABC"`, `"123"`, `"order"`), never a keyword, a
//! number or a function; integers are numbers; functions and `EMPTY` come from [`function`],
//! [`call`] and [`empty`]. Field names are quoted only when needed. The few inputs JQL cannot
//! express (an empty field name, an empty `IN` list, …) make [`Jql::build`] and
//! [`Jql::to_jql`] return a [`BuildError`] instead of emitting bad JQL.

use std::ops::Not;

use crate::ast::{
    Clause, Direction, Field, HistoryPredicate, Operand, Operator, OrderKey, PredicateKind, Query, Term,
    Value,
};
use crate::error::MAX_DEPTH;
use crate::print::{Printer, Quoting};
use crate::span::Span;
use crate::words::looks_numeric;

/// Why a [`Jql`] cannot be turned into a query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("a field name cannot be empty")]
    EmptyFieldName,
    #[error("an entity property needs a non-empty entity and key, and no empty path segment")]
    InvalidProperty,
    #[error("a function name cannot be empty")]
    EmptyFunctionName,
    #[error("a list must hold at least one value")]
    EmptyList,
    #[error("'{0}' is not a valid JQL number (it must fit in a signed 64-bit integer)")]
    InvalidNumber(String),
    #[error("the operator {operator} does not take {operand}")]
    InvalidOperand {
        operator: Operator,
        operand: &'static str,
    },
    #[error("the {predicate} predicate needs a single WAS or CHANGED term (FROM and TO: CHANGED only)")]
    MisplacedPredicate {
        predicate: &'static str,
        changed_only: bool,
    },
    #[error("the query nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// A query under construction: a condition (possibly none) and `ORDER BY` keys.
///
/// Combine with [`and`](Jql::and), [`or`](Jql::or) and `!` ([`Not`]); start from
/// [`Jql::field`]. [`Jql::all`] is the empty condition, the neutral element of `and`/`or`.
#[derive(Debug, Clone, Default)]
pub struct Jql {
    clause: Option<Clause>,
    depth: usize,
    order_by: Vec<OrderKey>,
    error: Option<BuildError>,
}

/// The left-hand side of a term being built; its methods make a [`Jql`].
#[derive(Debug, Clone)]
pub struct FieldRef {
    field: Result<Field, BuildError>,
}

/// A function call operand: `function("membersOf", ["jira-users"])`.
pub fn function<I, S>(name: impl Into<String>, args: I) -> Operand
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Operand::Function {
        name: name.into(),
        args: args.into_iter().map(Into::into).collect(),
        span: Span::default(),
    }
}

/// A call with no arguments: `call("currentUser")`.
pub fn call(name: impl Into<String>) -> Operand {
    function(name, Vec::<String>::new())
}

/// `EMPTY`.
pub fn empty() -> Operand {
    Operand::Empty(Span::default())
}

/// A list operand, e.g. for `DURING` or a nested list.
pub fn list<I, T>(items: I) -> Operand
where
    I: IntoIterator<Item = T>,
    T: Into<Operand>,
{
    Operand::List(items.into_iter().map(Into::into).collect(), Span::default())
}

fn text(text: String) -> Operand {
    Operand::Value(Value {
        text,
        quoted: true,
        span: Span::default(),
    })
}

fn number(n: impl ToString) -> Operand {
    Operand::Value(Value {
        text: n.to_string(),
        quoted: false,
        span: Span::default(),
    })
}

impl From<&str> for Operand {
    fn from(value: &str) -> Operand {
        text(value.to_owned())
    }
}

impl From<String> for Operand {
    fn from(value: String) -> Operand {
        text(value)
    }
}

impl From<&String> for Operand {
    fn from(value: &String) -> Operand {
        text(value.clone())
    }
}

impl From<i64> for Operand {
    fn from(value: i64) -> Operand {
        number(value)
    }
}

impl From<i32> for Operand {
    fn from(value: i32) -> Operand {
        number(value)
    }
}

impl From<u32> for Operand {
    fn from(value: u32) -> Operand {
        number(value)
    }
}

impl Jql {
    /// A field by name: `Jql::field("Story Points")`.
    pub fn field(name: impl Into<String>) -> FieldRef {
        let name = name.into();
        FieldRef {
            field: if name.is_empty() {
                Err(BuildError::EmptyFieldName)
            } else {
                Ok(Field::Name(name))
            },
        }
    }

    /// A custom field by id: `cf[10010]`.
    pub fn custom_field(id: u64) -> FieldRef {
        FieldRef {
            field: if i64::try_from(id).is_ok() {
                Ok(Field::CustomId(id))
            } else {
                Err(BuildError::InvalidNumber(id.to_string()))
            },
        }
    }

    /// An entity property: `Jql::property("issue", "my key", "a.b")` is
    /// `issue.property["my key"].a.b`. `path` is dotted (a leading dot is optional) or empty.
    pub fn property(entity: impl Into<String>, key: impl Into<String>, path: &str) -> FieldRef {
        let (entity, key) = (entity.into(), key.into());
        let path = path.strip_prefix('.').unwrap_or(path);
        let path: Vec<String> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').map(str::to_owned).collect()
        };
        let valid = !entity.is_empty() && !key.is_empty() && path.iter().all(|s| !s.is_empty());
        FieldRef {
            field: if valid {
                Ok(Field::Property { entity, key, path })
            } else {
                Err(BuildError::InvalidProperty)
            },
        }
    }

    /// No condition: every issue (add `order_by` to sort them).
    pub fn all() -> Jql {
        Jql::default()
    }

    /// Both conditions. Chains flatten: `a.and(b).and(c)` is `a AND b AND c`.
    pub fn and(self, other: Jql) -> Jql {
        self.combine(other, true)
    }

    /// Either condition.
    pub fn or(self, other: Jql) -> Jql {
        self.combine(other, false)
    }

    fn combine(mut self, other: Jql, and: bool) -> Jql {
        self.error = self.error.or(other.error);
        self.order_by.extend(other.order_by);
        let (left, right) = match (self.clause.take(), other.clause) {
            (None, right) => {
                self.clause = right;
                self.depth = other.depth;
                return self;
            }
            (left, None) => {
                self.clause = left;
                return self;
            }
            (Some(left), Some(right)) => (left, right),
        };
        let mut clauses = Vec::new();
        for clause in [left, right] {
            match clause {
                Clause::And(children, _) if and => clauses.extend(children),
                Clause::Or(children, _) if !and => clauses.extend(children),
                other => clauses.push(other),
            }
        }
        self.depth = self.depth.max(other.depth) + 1;
        self.clause = Some(if and {
            Clause::And(clauses, Span::default())
        } else {
            Clause::Or(clauses, Span::default())
        });
        self
    }

    /// `NOT` the condition (also `!jql`). The negation of no condition is no condition.
    pub fn negate(mut self) -> Jql {
        if let Some(clause) = self.clause.take() {
            self.clause = Some(Clause::Not(Box::new(clause), Span::default()));
            self.depth += 1;
        }
        self
    }

    /// Adds an `ORDER BY` key.
    pub fn order_by(self, field: impl Into<String>, direction: Direction) -> Jql {
        self.order_by_field(Jql::field(field), Some(direction))
    }

    /// Adds an `ORDER BY` key on any field, with or without a direction.
    pub fn order_by_field(mut self, field: FieldRef, direction: Option<Direction>) -> Jql {
        match field.field {
            Ok(field) => self.order_by.push(OrderKey {
                field,
                direction,
                span: Span::default(),
            }),
            Err(error) => self.error = self.error.or(Some(error)),
        }
        self
    }

    /// `AFTER date` on a `WAS`/`CHANGED` term.
    pub fn after(self, date: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::After(date.into()))
    }

    /// `BEFORE date` on a `WAS`/`CHANGED` term.
    pub fn before(self, date: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::Before(date.into()))
    }

    /// `ON date` on a `WAS`/`CHANGED` term.
    pub fn on(self, date: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::On(date.into()))
    }

    /// `DURING (start, end)` on a `WAS`/`CHANGED` term.
    pub fn during(self, start: impl Into<Operand>, end: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::During(start.into(), end.into()))
    }

    /// `BY user` on a `WAS`/`CHANGED` term.
    pub fn by(self, user: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::By(user.into()))
    }

    /// `FROM value` on a `CHANGED` term.
    pub fn from(self, value: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::From(value.into()))
    }

    /// `TO value` on a `CHANGED` term.
    pub fn to(self, value: impl Into<Operand>) -> Jql {
        self.predicate(PredicateKind::To(value.into()))
    }

    fn predicate(mut self, kind: PredicateKind) -> Jql {
        let changed_only = matches!(kind, PredicateKind::From(_) | PredicateKind::To(_));
        let misplaced = BuildError::MisplacedPredicate {
            predicate: kind.keyword(),
            changed_only,
        };
        let operands: Vec<&Operand> = match &kind {
            PredicateKind::During(a, b) => vec![a, b],
            PredicateKind::After(o)
            | PredicateKind::Before(o)
            | PredicateKind::On(o)
            | PredicateKind::By(o)
            | PredicateKind::From(o)
            | PredicateKind::To(o) => vec![o],
        };
        let mut depth = 0;
        for operand in operands {
            match check_operand(operand) {
                Ok(d) => depth = depth.max(d),
                Err(error) => {
                    self.error = self.error.or(Some(error));
                    return self;
                }
            }
        }
        match &mut self.clause {
            Some(Clause::Term(term))
                if term.op.is_history() && (!changed_only || term.op == Operator::Changed) =>
            {
                term.predicates.push(HistoryPredicate {
                    kind,
                    span: Span::default(),
                });
                self.depth = self.depth.max(depth);
            }
            _ => self.error = self.error.or(Some(misplaced)),
        }
        self
    }

    /// The query, or the first thing that made it inexpressible.
    pub fn build(self) -> Result<Query, BuildError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.depth > MAX_DEPTH {
            return Err(BuildError::TooDeep);
        }
        Ok(Query {
            clause: self.clause,
            order_by: self.order_by,
            span: Span::default(),
        })
    }

    /// The JQL text. Text values are always quoted; it parses back to [`Jql::build`]'s query.
    pub fn to_jql(&self) -> Result<String, BuildError> {
        let query = self.clone().build()?;
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = Printer::new(&mut out, Quoting::Preserve).query(&query);
        Ok(out)
    }
}

impl Not for Jql {
    type Output = Jql;

    fn not(self) -> Jql {
        self.negate()
    }
}

/// Checks an operand the caller made and returns its list nesting depth.
fn check_operand(operand: &Operand) -> Result<usize, BuildError> {
    fn walk(operand: &Operand, depth: usize) -> Result<usize, BuildError> {
        if depth > MAX_DEPTH {
            return Err(BuildError::TooDeep);
        }
        match operand {
            Operand::Value(value) => {
                if !value.quoted && looks_numeric(&value.text) && value.as_number().is_none() {
                    return Err(BuildError::InvalidNumber(value.text.clone()));
                }
                Ok(depth)
            }
            Operand::List(items, _) => {
                if items.is_empty() {
                    return Err(BuildError::EmptyList);
                }
                let mut deepest = depth + 1;
                for item in items {
                    deepest = deepest.max(walk(item, depth + 1)?);
                }
                Ok(deepest)
            }
            Operand::Function { name, .. } if name.is_empty() => Err(BuildError::EmptyFunctionName),
            Operand::Function { .. } | Operand::Empty(_) => Ok(depth),
        }
    }
    walk(operand, 0)
}

impl FieldRef {
    fn term(self, op: Operator, operand: Option<Operand>) -> Jql {
        let result = self.field.and_then(|field| {
            let depth = match &operand {
                Some(operand) => {
                    check_shape(op, operand)?;
                    check_operand(operand)?
                }
                None => 0,
            };
            Ok((field, depth))
        });
        match result {
            Ok((field, depth)) => Jql {
                clause: Some(Clause::Term(Term {
                    field,
                    op,
                    operand,
                    predicates: Vec::new(),
                    span: Span::default(),
                })),
                depth,
                ..Jql::default()
            },
            Err(error) => Jql {
                error: Some(error),
                ..Jql::default()
            },
        }
    }

    /// `field = value`
    pub fn eq(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::Eq, Some(value.into()))
    }

    /// `field != value`
    pub fn not_eq(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::NotEq, Some(value.into()))
    }

    /// `field > value`
    pub fn gt(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::Gt, Some(value.into()))
    }

    /// `field >= value`
    pub fn gt_eq(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::GtEq, Some(value.into()))
    }

    /// `field < value`
    pub fn lt(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::Lt, Some(value.into()))
    }

    /// `field <= value`
    pub fn lt_eq(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::LtEq, Some(value.into()))
    }

    /// `field ~ text` (text search).
    pub fn contains(self, text: impl Into<Operand>) -> Jql {
        self.term(Operator::Like, Some(text.into()))
    }

    /// `field !~ text`
    pub fn not_contains(self, text: impl Into<Operand>) -> Jql {
        self.term(Operator::NotLike, Some(text.into()))
    }

    /// `field IN (a, b, …)`; an empty list is a [`BuildError::EmptyList`].
    pub fn in_<I, T>(self, values: I) -> Jql
    where
        I: IntoIterator<Item = T>,
        T: Into<Operand>,
    {
        self.term(Operator::In, Some(list(values)))
    }

    /// `field NOT IN (a, b, …)`
    pub fn not_in<I, T>(self, values: I) -> Jql
    where
        I: IntoIterator<Item = T>,
        T: Into<Operand>,
    {
        self.term(Operator::NotIn, Some(list(values)))
    }

    /// `field IN function(…)`
    pub fn in_function(self, function: Operand) -> Jql {
        self.term(Operator::In, Some(function))
    }

    /// `field NOT IN function(…)`
    pub fn not_in_function(self, function: Operand) -> Jql {
        self.term(Operator::NotIn, Some(function))
    }

    /// `field IS EMPTY`
    pub fn is_empty(self) -> Jql {
        self.term(Operator::Is, Some(empty()))
    }

    /// `field IS NOT EMPTY`
    pub fn is_not_empty(self) -> Jql {
        self.term(Operator::IsNot, Some(empty()))
    }

    /// `field WAS value`; add predicates with [`Jql::after`], [`Jql::by`], …
    pub fn was(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::Was, Some(value.into()))
    }

    /// `field WAS NOT value`
    pub fn was_not(self, value: impl Into<Operand>) -> Jql {
        self.term(Operator::WasNot, Some(value.into()))
    }

    /// `field WAS IN (a, b, …)`
    pub fn was_in<I, T>(self, values: I) -> Jql
    where
        I: IntoIterator<Item = T>,
        T: Into<Operand>,
    {
        self.term(Operator::WasIn, Some(list(values)))
    }

    /// `field WAS NOT IN (a, b, …)`
    pub fn was_not_in<I, T>(self, values: I) -> Jql
    where
        I: IntoIterator<Item = T>,
        T: Into<Operand>,
    {
        self.term(Operator::WasNotIn, Some(list(values)))
    }

    /// `field CHANGED`; add predicates with [`Jql::from`], [`Jql::to`], [`Jql::by`], …
    pub fn changed(self) -> Jql {
        self.term(Operator::Changed, None)
    }
}

/// Whether `operator` takes this kind of operand (the grammar's table).
fn check_shape(operator: Operator, operand: &Operand) -> Result<(), BuildError> {
    let kind = match operand {
        Operand::Value(_) => "a value",
        Operand::List(..) => "a list",
        Operand::Function { .. } => "a function",
        Operand::Empty(_) => "EMPTY",
    };
    let fits = match operator {
        Operator::Eq
        | Operator::NotEq
        | Operator::Like
        | Operator::NotLike
        | Operator::Was
        | Operator::WasNot => !matches!(operand, Operand::List(..)),
        Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq => {
            matches!(operand, Operand::Value(_) | Operand::Function { .. })
        }
        Operator::In | Operator::NotIn | Operator::WasIn | Operator::WasNotIn => {
            matches!(operand, Operand::List(..) | Operand::Function { .. })
        }
        Operator::Is | Operator::IsNot => matches!(operand, Operand::Empty(_)),
        Operator::Changed => false,
    };
    if fits {
        Ok(())
    } else {
        Err(BuildError::InvalidOperand {
            operator,
            operand: kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn round_trips(jql: &Jql) -> String {
        let text = jql.to_jql().unwrap();
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{}", e.render(&text)));
        assert!(parsed.eq_ignoring_spans(&jql.clone().build().unwrap()), "{text}");
        text
    }

    #[test]
    fn the_issue_example_builds_quoted_jql_that_parses_back() {
        let jql = Jql::field("project")
            .eq("ABC")
            .and(Jql::field("Story Points").gt(5))
            .and(Jql::field("labels").in_(["a\"b", "c"]))
            .order_by("created", Direction::Desc);
        assert_eq!(
            round_trips(&jql),
            r#"project = "ABC" AND "Story Points" > 5 AND labels IN ("a\"b", "c") ORDER BY created DESC"#
        );
    }

    #[test]
    fn hostile_strings_stay_inside_their_quotes() {
        let jql = Jql::field("summary\" OR x = \"y")
            .eq("\" OR project = X OR summary ~ \"")
            .or(Jql::field("a\\").contains("\\\n\t\u{0}\u{fdd0}😀"));
        let text = round_trips(&jql);
        assert!(text.starts_with("\"summary\\\" OR x = \\\"y\" = "));
    }

    #[test]
    fn keywords_reserved_words_and_digits_are_text_when_given_as_strings() {
        let jql = Jql::field("order")
            .eq("and")
            .and(Jql::field("select").eq("123"))
            .and(Jql::field("cf").eq("EMPTY"));
        assert_eq!(
            round_trips(&jql),
            r#""order" = "and" AND "select" = "123" AND "cf" = "EMPTY""#
        );
    }

    #[test]
    fn history_predicates_attach_to_was_and_changed_terms() {
        let jql = Jql::field("status")
            .changed()
            .from("To Do")
            .to("Done")
            .by(call("currentUser"))
            .after(function("startOfDay", ["-1d"]))
            .and(
                Jql::field("assignee")
                    .was_in(["a", "b"])
                    .during("2024-01-01", "2024-02-01"),
            );
        assert_eq!(
            round_trips(&jql),
            r#"status CHANGED FROM "To Do" TO "Done" BY currentUser() AFTER startOfDay(-1d) AND assignee WAS IN ("a", "b") DURING ("2024-01-01", "2024-02-01")"#
        );
    }

    #[test]
    fn a_predicate_on_a_non_history_term_is_an_error() {
        let jql = Jql::field("status").eq("Done").after("-1d");
        assert!(matches!(
            jql.build(),
            Err(BuildError::MisplacedPredicate {
                predicate: "AFTER",
                ..
            })
        ));
        let jql = Jql::field("status").was("Done").from("x");
        assert!(matches!(
            jql.build(),
            Err(BuildError::MisplacedPredicate {
                changed_only: true,
                ..
            })
        ));
    }

    #[test]
    fn an_empty_in_list_is_an_error_not_bad_jql() {
        let jql = Jql::field("labels").in_(Vec::<String>::new());
        assert_eq!(jql.to_jql(), Err(BuildError::EmptyList));
    }

    #[test]
    fn an_empty_field_name_is_an_error() {
        assert_eq!(Jql::field("").eq("x").build(), Err(BuildError::EmptyFieldName));
    }

    #[test]
    fn an_operand_of_the_wrong_kind_is_an_error() {
        assert!(matches!(
            Jql::field("a").gt(empty()).build(),
            Err(BuildError::InvalidOperand {
                operator: Operator::Gt,
                ..
            })
        ));
    }

    #[test]
    fn negation_and_nesting_print_with_the_parentheses_they_need() {
        let negated = !Jql::field("a").eq(1).or(Jql::field("b").is_empty());
        let jql = negated.and(Jql::field("c").not_in(["x"]).or(Jql::field("d").is_not_empty()));
        assert_eq!(
            round_trips(&jql),
            r#"NOT (a = 1 OR b IS EMPTY) AND (c NOT IN ("x") OR d IS NOT EMPTY)"#
        );
    }

    #[test]
    fn all_is_neutral_and_allows_an_order_by_only_query() {
        let jql = Jql::all().and(Jql::field("a").eq("x")).and(Jql::all());
        assert_eq!(round_trips(&jql), r#"a = "x""#);
        let jql = Jql::all().order_by("Rank", Direction::Asc);
        assert_eq!(round_trips(&jql), "ORDER BY Rank ASC");
        assert_eq!(Jql::all().to_jql().unwrap(), "");
    }

    #[test]
    fn custom_fields_and_properties_build() {
        let jql = Jql::custom_field(10010)
            .eq("x")
            .and(Jql::property("issue", "my key", ".a.b c").eq(2));
        assert_eq!(
            round_trips(&jql),
            r#"cf[10010] = "x" AND issue.property["my key"].a."b c" = 2"#
        );
        assert_eq!(
            Jql::property("issue", "", "").eq(1).build(),
            Err(BuildError::InvalidProperty)
        );
    }

    #[test]
    fn nesting_past_the_parser_limit_is_an_error() {
        let mut jql = Jql::field("a").eq(1);
        for _ in 0..=MAX_DEPTH {
            jql = !jql;
        }
        assert_eq!(jql.build(), Err(BuildError::TooDeep));
    }
}
