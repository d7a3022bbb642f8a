//! The canonical printer: `Display` for the AST.
//!
//! Canonical JQL has upper-case keywords, single spaces, `"…"` for every quoted string (with
//! `\"`, `\\`, `\n`, `\r`, `\t` and `\uXXXX` escapes), and quotes only where they are needed or
//! change meaning: around text that is not plain ASCII letters, digits, `_` and `-`, around
//! keywords and reserved words, and around digits that were quoted (`"123"` is text, `123` a
//! number). Parentheses appear only where precedence or the tree's shape needs them.
//! `parse(&q.to_string())` is [`eq_ignoring_spans`](crate::Query::eq_ignoring_spans) to `q`.

use std::fmt::{self, Display, Write};

use crate::ast::{
    Clause, Direction, Field, HistoryPredicate, Operand, Operator, OrderKey, PredicateKind, Query, Term,
    Value,
};
use crate::words::{is_bare_safe, is_control_char, looks_numeric};

/// How values are quoted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quoting {
    /// Only where needed (the canonical form).
    Minimal,
    /// Every value marked `quoted` is quoted (the builder's output: text is always a string).
    Preserve,
}

pub(crate) struct Printer<'o> {
    out: &'o mut dyn Write,
    quoting: Quoting,
}

impl<'o> Printer<'o> {
    pub(crate) fn new(out: &'o mut dyn Write, quoting: Quoting) -> Self {
        Printer { out, quoting }
    }

    pub(crate) fn query(&mut self, query: &Query) -> fmt::Result {
        if let Some(clause) = &query.clause {
            self.clause(clause)?;
            if !query.order_by.is_empty() {
                self.out.write_char(' ')?;
            }
        }
        if !query.order_by.is_empty() {
            self.out.write_str("ORDER BY ")?;
            for (i, key) in query.order_by.iter().enumerate() {
                if i > 0 {
                    self.out.write_str(", ")?;
                }
                self.order_key(key)?;
            }
        }
        Ok(())
    }

    pub(crate) fn order_key(&mut self, key: &OrderKey) -> fmt::Result {
        self.field(&key.field)?;
        if let Some(direction) = key.direction {
            write!(self.out, " {}", direction.as_str())?;
        }
        Ok(())
    }

    pub(crate) fn clause(&mut self, clause: &Clause) -> fmt::Result {
        match clause {
            Clause::And(clauses, _) => self.connective(clauses, " AND ", |child| {
                matches!(child, Clause::And(..) | Clause::Or(..))
            }),
            // `AND` binds tighter, so an `And` inside an `Or` needs no parentheses.
            Clause::Or(clauses, _) => {
                self.connective(clauses, " OR ", |child| matches!(child, Clause::Or(..)))
            }
            Clause::Not(inner, _) => {
                self.out.write_str("NOT ")?;
                self.child(inner, matches!(**inner, Clause::And(..) | Clause::Or(..)))
            }
            Clause::Term(term) => self.term(term),
        }
    }

    fn connective(
        &mut self,
        clauses: &[Clause],
        separator: &str,
        needs_parens: impl Fn(&Clause) -> bool,
    ) -> fmt::Result {
        for (i, child) in clauses.iter().enumerate() {
            if i > 0 {
                self.out.write_str(separator)?;
            }
            self.child(child, needs_parens(child))?;
        }
        Ok(())
    }

    fn child(&mut self, clause: &Clause, parens: bool) -> fmt::Result {
        if parens {
            self.out.write_char('(')?;
            self.clause(clause)?;
            self.out.write_char(')')
        } else {
            self.clause(clause)
        }
    }

    pub(crate) fn term(&mut self, term: &Term) -> fmt::Result {
        self.field(&term.field)?;
        write!(self.out, " {}", term.op.as_str())?;
        if let Some(operand) = &term.operand {
            self.out.write_char(' ')?;
            self.operand(operand)?;
        }
        for predicate in &term.predicates {
            self.out.write_char(' ')?;
            self.predicate(predicate)?;
        }
        Ok(())
    }

    pub(crate) fn predicate(&mut self, predicate: &HistoryPredicate) -> fmt::Result {
        self.out.write_str(predicate.kind.keyword())?;
        self.out.write_char(' ')?;
        match &predicate.kind {
            PredicateKind::During(a, b) => {
                self.out.write_char('(')?;
                self.operand(a)?;
                self.out.write_str(", ")?;
                self.operand(b)?;
                self.out.write_char(')')
            }
            PredicateKind::After(o)
            | PredicateKind::Before(o)
            | PredicateKind::On(o)
            | PredicateKind::By(o)
            | PredicateKind::From(o)
            | PredicateKind::To(o) => self.operand(o),
        }
    }

    pub(crate) fn field(&mut self, field: &Field) -> fmt::Result {
        match field {
            Field::Name(name) => self.word(name),
            Field::CustomId(id) => write!(self.out, "cf[{id}]"),
            Field::Property { entity, key, path } => {
                if is_bare_safe(entity) {
                    write!(self.out, "{entity}.property")?;
                } else {
                    write_quoted(self.out, &format!("{entity}.property"))?;
                }
                self.out.write_char('[')?;
                self.word(key)?;
                self.out.write_char(']')?;
                for segment in path {
                    self.out.write_char('.')?;
                    // The segment continues the `.` token, so a keyword is harmless here.
                    let plain = !segment.is_empty()
                        && segment
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    if plain {
                        self.out.write_str(segment)?;
                    } else {
                        write_quoted(self.out, segment)?;
                    }
                }
                Ok(())
            }
        }
    }

    pub(crate) fn operand(&mut self, operand: &Operand) -> fmt::Result {
        match operand {
            Operand::Value(value) => self.value(value),
            Operand::List(items, _) => {
                self.out.write_char('(')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.write_str(", ")?;
                    }
                    self.operand(item)?;
                }
                self.out.write_char(')')
            }
            Operand::Function { name, args, .. } => {
                self.word(name)?;
                self.out.write_char('(')?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.out.write_str(", ")?;
                    }
                    self.word(arg)?;
                }
                self.out.write_char(')')
            }
            Operand::Empty(_) => self.out.write_str("EMPTY"),
        }
    }

    pub(crate) fn value(&mut self, value: &Value) -> fmt::Result {
        let quote = match self.quoting {
            Quoting::Minimal => value.prints_quoted(),
            Quoting::Preserve => value.quoted || !is_bare_safe(&value.text),
        };
        if quote {
            write_quoted(self.out, &value.text)
        } else {
            self.out.write_str(&value.text)
        }
    }

    /// A field name, function name or argument, or property key: bare when safe.
    fn word(&mut self, text: &str) -> fmt::Result {
        if is_bare_safe(text) {
            self.out.write_str(text)
        } else {
            write_quoted(self.out, text)
        }
    }
}

/// `text` in double quotes, escaped so that Jira's lexer reads back exactly `text`.
pub(crate) fn write_quoted(out: &mut dyn Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if is_control_char(c) => write!(out, "\\u{:04x}", u32::from(c))?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// `text` as a JQL string literal, always quoted and escaped: `a"b` → `"a\"b"`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    // Writing to a String cannot fail.
    let _ = write_quoted(&mut out, text);
    out
}

/// `text` as JQL would need it in a value position: bare when that is safe and reads as
/// text, quoted otherwise. Digits are quoted, so the result is always read as text.
pub fn quote_if_needed(text: &str) -> String {
    if is_bare_safe(text) && !looks_numeric(text) {
        text.to_owned()
    } else {
        quote(text)
    }
}

macro_rules! display_via_printer {
    ($($ty:ty => $method:ident),* $(,)?) => {$(
        impl Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                Printer::new(f, Quoting::Minimal).$method(self)
            }
        }
    )*};
}

display_via_printer! {
    Query => query,
    Clause => clause,
    Term => term,
    Field => field,
    Operand => operand,
    Value => value,
    HistoryPredicate => predicate,
    OrderKey => order_key,
}

impl Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn canonical(input: &str) -> String {
        parse(input).unwrap().to_string()
    }

    #[test]
    fn keywords_are_upper_cased_and_spacing_normalized() {
        assert_eq!(
            canonical("project=abc and not(status was in (a,b)) order by created desc,key"),
            "project = abc AND NOT status WAS IN (a, b) ORDER BY created DESC, key"
        );
    }

    #[test]
    fn unnecessary_quotes_are_dropped_but_quoted_digits_keep_them() {
        assert_eq!(
            canonical(r#"project = "ABC" and cf[10010] = "123" and x = 123"#),
            r#"project = ABC AND cf[10010] = "123" AND x = 123"#
        );
    }

    #[test]
    fn single_quotes_become_double_quotes_with_escapes() {
        assert_eq!(
            canonical(r#"summary ~ 'say "hi"\n' and "Story Points" > 3"#),
            r#"summary ~ "say \"hi\"\n" AND "Story Points" > 3"#
        );
    }

    #[test]
    fn parentheses_appear_only_where_the_tree_needs_them() {
        assert_eq!(
            canonical("(a = 1 AND b = 2) OR c = 3"),
            "a = 1 AND b = 2 OR c = 3"
        );
        assert_eq!(
            canonical("a = 1 AND (b = 2 OR c = 3)"),
            "a = 1 AND (b = 2 OR c = 3)"
        );
        assert_eq!(
            canonical("(a = 1 OR b = 2) OR c = 3"),
            "(a = 1 OR b = 2) OR c = 3"
        );
        assert_eq!(canonical("NOT (a = 1 OR b = 2)"), "NOT (a = 1 OR b = 2)");
        assert_eq!(canonical("! ! a = 1"), "NOT NOT a = 1");
    }

    #[test]
    fn reserved_words_and_keywords_as_values_are_quoted() {
        assert_eq!(
            canonical(r#"status = "select" or status = 'order' or status = "null""#),
            r#"status = "select" OR status = "order" OR status = "null""#
        );
    }

    #[test]
    fn control_characters_are_written_as_unicode_escapes() {
        assert_eq!(quote("a\u{1}b\u{fffe}"), r#""a\u0001b\ufffe""#);
    }

    #[test]
    fn quote_if_needed_keeps_issue_keys_bare_and_quotes_digits() {
        assert_eq!(quote_if_needed("ABC-1"), "ABC-1");
        assert_eq!(quote_if_needed("42"), "\"42\"");
        assert_eq!(quote_if_needed("a b"), "\"a b\"");
    }
}
