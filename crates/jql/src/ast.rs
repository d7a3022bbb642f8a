//! The JQL syntax tree. Every node but [`Field`] carries a [`Span`] (byte range in the input);
//! `Display` on any node prints canonical JQL (see [`crate::print`]).

use crate::span::Span;
use crate::words::{is_bare_safe, looks_numeric};

/// A whole query: `clause? (ORDER BY keys)?`. Both parts may be absent: the empty query is
/// valid JQL (Jira Cloud's search endpoint still rejects it as unbounded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub clause: Option<Clause>,
    pub order_by: Vec<OrderKey>,
    pub span: Span,
}

/// A condition. `AND` binds tighter than `OR`, and `NOT` tighter than both.
///
/// A chain of one connective is flat: `a AND b AND c` is one `And` of three. Parentheses
/// leave a trace only where they change the tree: `(a AND b) AND c` is an `And` inside an `And`.
/// `And` and `Or` always hold at least two clauses.
///
/// The span of `And`/`Or` runs from the start of the first operand to the end of the last
/// (parentheses around an operand included); that of `Not` starts at `NOT` or `!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    And(Vec<Clause>, Span),
    Or(Vec<Clause>, Span),
    Not(Box<Clause>, Span),
    Term(Term),
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::And(_, span) | Clause::Or(_, span) | Clause::Not(_, span) => *span,
            Clause::Term(term) => term.span,
        }
    }
}

/// `field operator operand predicates…`, e.g. `status CHANGED FROM "To Do" BY currentUser()`.
///
/// `operand` is `None` exactly when `op` is [`Operator::Changed`], which takes predicates only.
/// `predicates` is empty unless `op` is one of the `WAS` operators or `CHANGED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: Field,
    pub op: Operator,
    pub operand: Option<Operand>,
    pub predicates: Vec<HistoryPredicate>,
    pub span: Span,
}

/// The left-hand side of a term, or an `ORDER BY` key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// A field by name, as written (`project`, `"Story Points"`, or a number).
    Name(String),
    /// `cf[10010]`.
    CustomId(u64),
    /// An entity property: `issue.property[key].path.to.value` is
    /// `{ entity: "issue", key: "key", path: ["path", "to", "value"] }`.
    Property {
        entity: String,
        key: String,
        path: Vec<String>,
    },
}

impl Field {
    /// The lower-case name Jira matches fields by: `"story points"`, `"cf[10010]"`,
    /// `"issue.property[key].path"` (the entity is lower-cased; key and path are kept).
    pub fn canonical_name(&self) -> String {
        match self {
            Field::Name(name) => name.to_lowercase(),
            Field::CustomId(id) => format!("cf[{id}]"),
            Field::Property { entity, key, path } => {
                let mut out = format!("{}.property[{key}]", entity.to_lowercase());
                for segment in path {
                    out.push('.');
                    out.push_str(segment);
                }
                out
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `~` (contains; text search)
    Like,
    /// `!~`
    NotLike,
    In,
    NotIn,
    Is,
    IsNot,
    Was,
    WasIn,
    WasNot,
    WasNotIn,
    Changed,
}

impl Operator {
    /// Canonical spelling: `=`, `NOT IN`, `WAS NOT IN`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::NotEq => "!=",
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            Operator::Like => "~",
            Operator::NotLike => "!~",
            Operator::In => "IN",
            Operator::NotIn => "NOT IN",
            Operator::Is => "IS",
            Operator::IsNot => "IS NOT",
            Operator::Was => "WAS",
            Operator::WasIn => "WAS IN",
            Operator::WasNot => "WAS NOT",
            Operator::WasNotIn => "WAS NOT IN",
            Operator::Changed => "CHANGED",
        }
    }

    /// `WAS`, `WAS IN`, `WAS NOT`, `WAS NOT IN` and `CHANGED`: the operators that take
    /// history predicates.
    pub fn is_history(self) -> bool {
        matches!(
            self,
            Operator::Was | Operator::WasIn | Operator::WasNot | Operator::WasNotIn | Operator::Changed
        )
    }
}

/// A right-hand side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Value(Value),
    /// `(a, b, …)`: at least one item; items may be lists, functions or `EMPTY` too.
    List(Vec<Operand>, Span),
    /// `name(arg, …)`: arguments are plain strings (quoted or not in the source).
    Function {
        name: String,
        args: Vec<String>,
        span: Span,
    },
    /// `EMPTY` or `NULL`.
    Empty(Span),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Value(value) => value.span,
            Operand::List(_, span) | Operand::Function { span, .. } | Operand::Empty(span) => *span,
        }
    }
}

/// A literal value.
///
/// `quoted` is true when the value was written as text: in quotes, or unquoted with a
/// backslash escape. Jira reads an unquoted `-?[0-9]+` as a number ([`Value::as_number`]) and
/// a quoted `"123"` as text; for anything else quoting changes nothing, and the canonical
/// printer drops quotes that are not needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub quoted: bool,
    pub span: Span,
}

impl Value {
    /// The value as a number, when it was written as one (unquoted digits, optionally
    /// negative, within the range of `i64`).
    pub fn as_number(&self) -> Option<i64> {
        if self.quoted || !looks_numeric(&self.text) {
            return None;
        }
        self.text.parse().ok()
    }

    /// Whether the canonical printer writes this value in quotes: when it must, or when the
    /// quotes keep digits from being read as a number.
    pub fn prints_quoted(&self) -> bool {
        !is_bare_safe(&self.text) || (self.quoted && looks_numeric(&self.text))
    }
}

/// A `WAS`/`CHANGED` predicate with its span (from the keyword to the end of its operand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPredicate {
    pub kind: PredicateKind,
    pub span: Span,
}

/// `AFTER`, `BEFORE`, `ON`, `DURING`, `BY` (for `WAS` and `CHANGED`) and `FROM`, `TO` (for
/// `CHANGED` only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PredicateKind {
    After(Operand),
    Before(Operand),
    On(Operand),
    /// `DURING (start, end)`.
    During(Operand, Operand),
    By(Operand),
    From(Operand),
    To(Operand),
}

impl PredicateKind {
    /// The keyword, upper case.
    pub fn keyword(&self) -> &'static str {
        match self {
            PredicateKind::After(_) => "AFTER",
            PredicateKind::Before(_) => "BEFORE",
            PredicateKind::On(_) => "ON",
            PredicateKind::During(..) => "DURING",
            PredicateKind::By(_) => "BY",
            PredicateKind::From(_) => "FROM",
            PredicateKind::To(_) => "TO",
        }
    }
}

/// One `ORDER BY` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    pub field: Field,
    /// `None` when not written (Jira then uses the field's default order).
    pub direction: Option<Direction>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

impl Query {
    /// The query as the printer sees it: spans zeroed and each value's `quoted` flag set to
    /// whether the canonical printer quotes it (see [`Value::prints_quoted`]).
    pub fn normalized(&self) -> Query {
        let mut query = self.clone();
        query.span = Span::default();
        if let Some(clause) = &mut query.clause {
            normalize_clause(clause);
        }
        for key in &mut query.order_by {
            key.span = Span::default();
        }
        query
    }

    /// Structural equality: ignores spans, and quotes that do not change meaning (`"ABC"` and
    /// `ABC` are equal, `"123"` and `123` are not). `parse(q.to_string())` is always
    /// `eq_ignoring_spans` to `q`.
    pub fn eq_ignoring_spans(&self, other: &Query) -> bool {
        self.normalized() == other.normalized()
    }
}

fn normalize_clause(clause: &mut Clause) {
    match clause {
        Clause::And(clauses, span) | Clause::Or(clauses, span) => {
            *span = Span::default();
            clauses.iter_mut().for_each(normalize_clause);
        }
        Clause::Not(inner, span) => {
            *span = Span::default();
            normalize_clause(inner);
        }
        Clause::Term(term) => {
            term.span = Span::default();
            if let Some(operand) = &mut term.operand {
                normalize_operand(operand);
            }
            for predicate in &mut term.predicates {
                predicate.span = Span::default();
                match &mut predicate.kind {
                    PredicateKind::During(a, b) => {
                        normalize_operand(a);
                        normalize_operand(b);
                    }
                    PredicateKind::After(o)
                    | PredicateKind::Before(o)
                    | PredicateKind::On(o)
                    | PredicateKind::By(o)
                    | PredicateKind::From(o)
                    | PredicateKind::To(o) => normalize_operand(o),
                }
            }
        }
    }
}

fn normalize_operand(operand: &mut Operand) {
    match operand {
        Operand::Value(value) => {
            value.span = Span::default();
            value.quoted = value.prints_quoted();
        }
        Operand::List(items, span) => {
            *span = Span::default();
            items.iter_mut().for_each(normalize_operand);
        }
        Operand::Function { span, .. } | Operand::Empty(span) => *span = Span::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, quoted: bool) -> Value {
        Value {
            text: text.to_owned(),
            quoted,
            span: Span::default(),
        }
    }

    #[test]
    fn only_unquoted_digits_are_numbers() {
        assert_eq!(value("42", false).as_number(), Some(42));
        assert_eq!(value("-7", false).as_number(), Some(-7));
        assert_eq!(value("42", true).as_number(), None);
        assert_eq!(value("4d", false).as_number(), None);
        assert_eq!(value("99999999999999999999", false).as_number(), None);
    }

    #[test]
    fn canonical_names_are_lower_case() {
        assert_eq!(
            Field::Name("Story Points".into()).canonical_name(),
            "story points"
        );
        assert_eq!(Field::CustomId(10010).canonical_name(), "cf[10010]");
        let property = Field::Property {
            entity: "Issue".into(),
            key: "myKey".into(),
            path: vec!["a".into(), "b".into()],
        };
        assert_eq!(property.canonical_name(), "issue.property[myKey].a.b");
    }
}
