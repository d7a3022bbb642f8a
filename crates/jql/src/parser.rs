//! Recursive-descent parser for `JQLParser.g4`, with Jira's error messages.

use crate::ast::{
    Clause, Direction, Field, HistoryPredicate, Operand, Operator, OrderKey, PredicateKind, Query, Term,
    Value,
};
use crate::error::{ErrorKind, Expected, ParseError, MAX_DEPTH};
use crate::lexer::{tokenize, StringStyle, Token, TokenKind};
use crate::span::Span;
use crate::words::Keyword;

/// Parses a JQL query. Never panics; nesting deeper than [`MAX_DEPTH`] is an error, not a
/// stack overflow.
///
/// ```
/// let query = jirakit_jql::parse("project = ABC AND status WAS Done ORDER BY created DESC")?;
/// assert_eq!(query.order_by.len(), 1);
/// # Ok::<(), jirakit_jql::ParseError>(())
/// ```
pub fn parse(input: &str) -> std::result::Result<Query, ParseError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        input,
        tokens,
        pos: 0,
        depth: 0,
        prev_end: 0,
    };
    parser.query()
}

type Result<T> = std::result::Result<T, ParseError>;

/// Which operands an operator takes.
#[derive(Clone, Copy)]
enum Rhs {
    /// `=`, `!=`, `~`, `!~`, `WAS`, `WAS NOT`: EMPTY, a value or a function.
    Equality,
    /// `<`, `>`, `<=`, `>=`: a value or a function.
    Comparison,
    /// `IN`, `NOT IN`, `WAS IN`, `WAS NOT IN`: a list or a function.
    Membership,
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// End of the last token taken, for the spans of the nodes it closes.
    prev_end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.pos.min(last)]
    }

    fn peek_kind(&self) -> &TokenKind {
        &self.peek().kind
    }

    fn peek_second_kind(&self) -> &TokenKind {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + 1).min(last)].kind
    }

    fn at_keyword(&self, keyword: Keyword) -> bool {
        *self.peek_kind() == TokenKind::Keyword(keyword)
    }

    fn bump(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
            self.prev_end = token.span.end;
        }
        token
    }

    fn text(&self, token: &Token) -> &str {
        self.input.get(token.span.start..token.span.end).unwrap_or("")
    }

    /// The error for `token` where `expected` was wanted. A reserved word is reported as such
    /// wherever it trips the parser, as Jira does (`pri notin (x)`).
    fn unexpected(&self, token: &Token, expected: Vec<Expected>) -> ParseError {
        let (kind, found) = match token.kind {
            TokenKind::Eof => (ErrorKind::Unexpected, None),
            TokenKind::ReservedWord => (ErrorKind::ReservedWord, Some(self.text(token))),
            _ => (ErrorKind::Unexpected, Some(self.text(token))),
        };
        ParseError::new(self.input, kind, token.span, expected, found.map(str::to_owned))
    }

    fn error_at(&self, kind: ErrorKind, token: &Token) -> ParseError {
        ParseError::new(
            self.input,
            kind,
            token.span,
            Vec::new(),
            Some(self.text(token).to_owned()),
        )
    }

    fn expect(&mut self, kind: TokenKind, spelled: &'static str) -> Result<Token> {
        if *self.peek_kind() == kind {
            Ok(self.bump())
        } else {
            Err(self.unexpected(self.peek(), vec![Expected::Token(spelled)]))
        }
    }

    fn descend(&mut self) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_at(ErrorKind::TooDeep, self.peek()));
        }
        self.depth += 1;
        Ok(())
    }

    fn ascend(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn query(&mut self) -> Result<Query> {
        let start = self.peek().span.start;
        let clause = match self.peek_kind() {
            TokenKind::Eof | TokenKind::Keyword(Keyword::Order) => None,
            _ => Some(self.or_clause()?.0),
        };
        let mut order_by = Vec::new();
        if self.at_keyword(Keyword::Order) {
            self.bump();
            self.expect(TokenKind::Keyword(Keyword::By), "by")?;
            order_by = self.order_keys()?;
        }
        if *self.peek_kind() != TokenKind::Eof {
            return Err(self.unexpected(self.peek(), vec![Expected::LogicalOperator]));
        }
        let end = if clause.is_none() && order_by.is_empty() {
            start
        } else {
            self.prev_end
        };
        Ok(Query {
            clause,
            order_by,
            span: Span::new(start, end),
        })
    }

    /// A clause and its span including any parentheses around it.
    fn or_clause(&mut self) -> Result<(Clause, Span)> {
        let first = self.and_clause()?;
        if !self.at_keyword(Keyword::Or) {
            return Ok(first);
        }
        let span = first.1;
        let mut clauses = vec![first.0];
        while self.at_keyword(Keyword::Or) {
            self.bump();
            clauses.push(self.and_clause()?.0);
        }
        let span = span.to(Span::new(span.start, self.prev_end));
        Ok((Clause::Or(clauses, span), span))
    }

    fn and_clause(&mut self) -> Result<(Clause, Span)> {
        let first = self.not_clause()?;
        if !self.at_keyword(Keyword::And) {
            return Ok(first);
        }
        let span = first.1;
        let mut clauses = vec![first.0];
        while self.at_keyword(Keyword::And) {
            self.bump();
            clauses.push(self.not_clause()?.0);
        }
        let span = span.to(Span::new(span.start, self.prev_end));
        Ok((Clause::And(clauses, span), span))
    }

    fn not_clause(&mut self) -> Result<(Clause, Span)> {
        match self.peek_kind() {
            TokenKind::Keyword(Keyword::Not) | TokenKind::Bang => {
                self.descend()?;
                let start = self.bump().span.start;
                let (inner, inner_span) = self.not_clause()?;
                self.ascend();
                let span = Span::new(start, inner_span.end);
                Ok((Clause::Not(Box::new(inner), span), span))
            }
            TokenKind::LParen => {
                self.descend()?;
                let start = self.bump().span.start;
                let (inner, _) = self.or_clause()?;
                self.expect(TokenKind::RParen, ")")?;
                self.ascend();
                Ok((inner, Span::new(start, self.prev_end)))
            }
            _ => {
                let term = self.term()?;
                let span = term.span;
                Ok((Clause::Term(term), span))
            }
        }
    }

    fn term(&mut self) -> Result<Term> {
        let start = self.peek().span.start;
        let field = self.field()?;
        let op = self.operator()?;
        let operand = match op {
            Operator::Eq
            | Operator::NotEq
            | Operator::Like
            | Operator::NotLike
            | Operator::Was
            | Operator::WasNot => Some(self.operand_for(Rhs::Equality)?),
            Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq => {
                Some(self.operand_for(Rhs::Comparison)?)
            }
            Operator::In | Operator::NotIn | Operator::WasIn | Operator::WasNotIn => {
                Some(self.operand_for(Rhs::Membership)?)
            }
            Operator::Is | Operator::IsNot => Some(self.is_operand(op)?),
            Operator::Changed => None,
        };
        let predicates = if op.is_history() {
            self.predicates(op == Operator::Changed)?
        } else {
            Vec::new()
        };
        Ok(Term {
            field,
            op,
            operand,
            predicates,
            span: Span::new(start, self.prev_end),
        })
    }

    fn field(&mut self) -> Result<Field> {
        let token = self.peek().clone();
        match &token.kind {
            TokenKind::String { value, .. } => {
                if value.is_empty() {
                    return Err(self.error_at(ErrorKind::EmptyFieldName, &token));
                }
                self.bump();
                if *self.peek_kind() == TokenKind::LBracket {
                    self.property(value)
                } else {
                    Ok(Field::Name(value.clone()))
                }
            }
            TokenKind::Number => {
                self.bump();
                Ok(Field::Name(self.text(&token).to_owned()))
            }
            TokenKind::Keyword(Keyword::Cf) => {
                self.bump();
                self.expect(TokenKind::LBracket, "[")?;
                let id_token = self.peek().clone();
                let text = self.text(&id_token);
                if id_token.kind != TokenKind::Number || text.starts_with('-') {
                    return Err(self.unexpected(&id_token, vec![Expected::CustomFieldId]));
                }
                let id = match text.parse::<i64>() {
                    Ok(id) => id.unsigned_abs(),
                    Err(_) => return Err(self.error_at(ErrorKind::IllegalNumber, &id_token)),
                };
                self.bump();
                self.expect(TokenKind::RBracket, "]")?;
                Ok(Field::CustomId(id))
            }
            _ => Err(self.unexpected(&token, vec![Expected::FieldName])),
        }
    }

    /// `entity.property[key].path.to.value`, after the name; the `[` is under the cursor.
    fn property(&mut self, name: &str) -> Result<Field> {
        const SUFFIX: &str = ".property";
        let entity = name
            .len()
            .checked_sub(SUFFIX.len())
            .filter(|&cut| cut > 0 && name.is_char_boundary(cut))
            .filter(|&cut| name[cut..].eq_ignore_ascii_case(SUFFIX))
            .map(|cut| name[..cut].to_owned());
        let Some(entity) = entity else {
            return Err(self.unexpected(self.peek(), vec![Expected::Operator]));
        };
        self.bump();
        let key_token = self.peek().clone();
        let key = match &key_token.kind {
            TokenKind::String { value, .. } if !value.is_empty() => value.clone(),
            TokenKind::Number => self.text(&key_token).to_owned(),
            _ => return Err(self.unexpected(&key_token, vec![Expected::PropertyId])),
        };
        self.bump();
        self.expect(TokenKind::RBracket, "]")?;

        // The path is whatever strings follow, concatenated: `.a.b`, or `.` `"a b"` `.c`.
        let Some(first) = self.peek_path_part() else {
            return Ok(Field::Property {
                entity,
                key,
                path: Vec::new(),
            });
        };
        let first_token = self.peek().clone();
        let mut raw = first;
        self.bump();
        while let Some(part) = self.peek_path_part() {
            raw.push_str(&part);
            self.bump();
        }
        let Some(rest) = raw.strip_prefix('.') else {
            return Err(self.unexpected(&first_token, vec![Expected::Operator]));
        };
        let path: Vec<String> = rest.split('.').map(str::to_owned).collect();
        if path.iter().any(String::is_empty) {
            return Err(self.unexpected(&first_token, vec![Expected::PropertyId]));
        }
        Ok(Field::Property { entity, key, path })
    }

    fn peek_path_part(&self) -> Option<String> {
        match self.peek_kind() {
            TokenKind::String { value, .. } => Some(value.clone()),
            TokenKind::Number => Some(self.text(self.peek()).to_owned()),
            _ => None,
        }
    }

    fn operator(&mut self) -> Result<Operator> {
        let token = self.bump();
        let op = match token.kind {
            TokenKind::Eq => Operator::Eq,
            TokenKind::NotEq => Operator::NotEq,
            TokenKind::Lt => Operator::Lt,
            TokenKind::Gt => Operator::Gt,
            TokenKind::LtEq => Operator::LtEq,
            TokenKind::GtEq => Operator::GtEq,
            TokenKind::Like => Operator::Like,
            TokenKind::NotLike => Operator::NotLike,
            TokenKind::Keyword(Keyword::In) => Operator::In,
            TokenKind::Keyword(Keyword::Not) => {
                self.expect(TokenKind::Keyword(Keyword::In), "IN")?;
                Operator::NotIn
            }
            TokenKind::Keyword(Keyword::Is) => {
                if self.at_keyword(Keyword::Not) {
                    self.bump();
                    Operator::IsNot
                } else {
                    Operator::Is
                }
            }
            TokenKind::Keyword(Keyword::Was) => {
                let not = self.at_keyword(Keyword::Not);
                if not {
                    self.bump();
                }
                let is_in = self.at_keyword(Keyword::In);
                if is_in {
                    self.bump();
                }
                match (not, is_in) {
                    (false, false) => Operator::Was,
                    (false, true) => Operator::WasIn,
                    (true, false) => Operator::WasNot,
                    (true, true) => Operator::WasNotIn,
                }
            }
            TokenKind::Keyword(Keyword::Changed) => Operator::Changed,
            _ => return Err(self.unexpected(&token, vec![Expected::Operator])),
        };
        Ok(op)
    }

    /// The operand of `IS` / `IS NOT`: only `EMPTY` (or `NULL`).
    fn is_operand(&mut self, op: Operator) -> Result<Operand> {
        let token = self.peek().clone();
        match token.kind {
            TokenKind::Keyword(Keyword::Empty) => {
                self.bump();
                Ok(Operand::Empty(token.span))
            }
            // Jira's own message for `a is ! empty`.
            TokenKind::Bang if op == Operator::Is => {
                Err(self.unexpected(&token, vec![Expected::Token("NOT")]))
            }
            _ => Err(self.unexpected(&token, vec![Expected::Token("EMPTY")])),
        }
    }

    /// The operand after an operator, checked against what the operator takes.
    fn operand_for(&mut self, rhs: Rhs) -> Result<Operand> {
        let token = self.peek().clone();
        let is_function_start = matches!(token.kind, TokenKind::String { .. } | TokenKind::Number)
            && *self.peek_second_kind() == TokenKind::LParen;
        let wrong = match (rhs, &token.kind) {
            (Rhs::Equality, TokenKind::LParen) => Some(Expected::ValueOrFunction),
            (Rhs::Comparison, TokenKind::LParen | TokenKind::Keyword(Keyword::Empty)) => {
                Some(Expected::ValueOrFunction)
            }
            (Rhs::Membership, TokenKind::Keyword(Keyword::Empty)) => Some(Expected::ListOrFunction),
            (Rhs::Membership, TokenKind::String { .. } | TokenKind::Number) if !is_function_start => {
                Some(Expected::ListOrFunction)
            }
            _ => None,
        };
        if let Some(expected) = wrong {
            return Err(self.unexpected(&token, vec![expected]));
        }
        self.operand()
    }

    /// Any operand: `EMPTY`, a value, a function or a list.
    fn operand(&mut self) -> Result<Operand> {
        let token = self.peek().clone();
        match &token.kind {
            TokenKind::Keyword(Keyword::Empty) => {
                self.bump();
                Ok(Operand::Empty(token.span))
            }
            TokenKind::LParen => self.list(),
            TokenKind::String { .. } | TokenKind::Number if *self.peek_second_kind() == TokenKind::LParen => {
                self.function()
            }
            TokenKind::String { value, style } => {
                self.bump();
                Ok(Operand::Value(Value {
                    text: value.clone(),
                    quoted: *style != StringStyle::Bare,
                    span: token.span,
                }))
            }
            TokenKind::Number => {
                let text = self.text(&token).to_owned();
                if text.parse::<i64>().is_err() {
                    return Err(self.error_at(ErrorKind::IllegalNumber, &token));
                }
                self.bump();
                Ok(Operand::Value(Value {
                    text,
                    quoted: false,
                    span: token.span,
                }))
            }
            _ => Err(self.unexpected(&token, vec![Expected::Operand])),
        }
    }

    fn list(&mut self) -> Result<Operand> {
        self.descend()?;
        let start = self.bump().span.start;
        let mut items = Vec::new();
        loop {
            items.push(self.operand()?);
            match self.peek_kind() {
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RParen => {
                    self.bump();
                    break;
                }
                _ => return Err(self.unexpected(self.peek(), vec![Expected::Token(")")])),
            }
        }
        self.ascend();
        Ok(Operand::List(items, Span::new(start, self.prev_end)))
    }

    /// `name(arg, …)`: the name is under the cursor, followed by `(`.
    fn function(&mut self) -> Result<Operand> {
        let name_token = self.bump();
        let name = match &name_token.kind {
            TokenKind::String { value, .. } => value.clone(),
            _ => self.text(&name_token).to_owned(),
        };
        if name.is_empty() {
            return Err(self.error_at(ErrorKind::EmptyFunctionName, &name_token));
        }
        self.bump();
        let mut args = Vec::new();
        match self.peek_kind() {
            TokenKind::RParen => {
                self.bump();
                return Ok(Operand::Function {
                    name,
                    args,
                    span: Span::new(name_token.span.start, self.prev_end),
                });
            }
            // Jira: `a = func(, …` is "Expecting ')' but got ','", and `a = func(` "Expecting
            // ')' before the end of the query".
            TokenKind::Comma | TokenKind::Eof => {
                return Err(self.unexpected(self.peek(), vec![Expected::Token(")")]))
            }
            _ => {}
        }
        loop {
            let token = self.peek().clone();
            let arg = match &token.kind {
                TokenKind::String { value, .. } => value.clone(),
                TokenKind::Number => self.text(&token).to_owned(),
                TokenKind::Comma | TokenKind::RParen if !args.is_empty() => {
                    return Err(self.error_at(ErrorKind::EmptyFunctionArgument, &token))
                }
                _ => return Err(self.unexpected(&token, vec![Expected::FunctionArgument])),
            };
            self.bump();
            args.push(arg);
            match self.peek_kind() {
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::RParen => {
                    self.bump();
                    break;
                }
                TokenKind::Eof => return Err(self.unexpected(self.peek(), vec![Expected::Token(")")])),
                _ => {
                    return Err(self.unexpected(self.peek(), vec![Expected::Token(")"), Expected::Token(",")]))
                }
            }
        }
        Ok(Operand::Function {
            name,
            args,
            span: Span::new(name_token.span.start, self.prev_end),
        })
    }

    fn predicates(&mut self, changed: bool) -> Result<Vec<HistoryPredicate>> {
        let mut predicates = Vec::new();
        loop {
            let keyword = match self.peek_kind() {
                TokenKind::Keyword(
                    k @ (Keyword::After | Keyword::Before | Keyword::On | Keyword::During | Keyword::By),
                ) => *k,
                TokenKind::Keyword(k @ (Keyword::From | Keyword::To)) if changed => *k,
                _ => return Ok(predicates),
            };
            let start = self.bump().span.start;
            let operand = self.operand()?;
            let kind = match keyword {
                Keyword::After => PredicateKind::After(operand),
                Keyword::Before => PredicateKind::Before(operand),
                Keyword::On => PredicateKind::On(operand),
                Keyword::By => PredicateKind::By(operand),
                Keyword::From => PredicateKind::From(operand),
                Keyword::To => PredicateKind::To(operand),
                _ => {
                    let span = operand.span();
                    let pair = match operand {
                        Operand::List(items, _) => <[Operand; 2]>::try_from(items).ok(),
                        _ => None,
                    };
                    let Some([a, b]) = pair else {
                        return Err(ParseError::new(
                            self.input,
                            ErrorKind::DuringNeedsTwoValues,
                            span,
                            Vec::new(),
                            self.input.get(span.start..span.end).map(str::to_owned),
                        ));
                    };
                    PredicateKind::During(a, b)
                }
            };
            predicates.push(HistoryPredicate {
                kind,
                span: Span::new(start, self.prev_end),
            });
        }
    }

    fn order_keys(&mut self) -> Result<Vec<OrderKey>> {
        let mut keys = Vec::new();
        loop {
            let start = self.peek().span.start;
            let field = self.field()?;
            let direction = match self.peek_kind() {
                TokenKind::Keyword(Keyword::Asc) => Some(Direction::Asc),
                TokenKind::Keyword(Keyword::Desc) => Some(Direction::Desc),
                _ => None,
            };
            if direction.is_some() {
                self.bump();
            }
            keys.push(OrderKey {
                field,
                direction,
                span: Span::new(start, self.prev_end),
            });
            match self.peek_kind() {
                TokenKind::Comma => {
                    self.bump();
                }
                TokenKind::Eof => return Ok(keys),
                _ if direction.is_some() => {
                    return Err(self.unexpected(self.peek(), vec![Expected::Token(",")]))
                }
                _ => return Err(self.unexpected(self.peek(), vec![Expected::SortDirection])),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(input: &str) -> Clause {
        parse(input).unwrap().clause.unwrap()
    }

    fn term(input: &str) -> Term {
        match clause(input) {
            Clause::Term(term) => term,
            other => panic!("not a term: {other:?}"),
        }
    }

    fn error(input: &str) -> ParseError {
        parse(input).unwrap_err()
    }

    fn message(input: &str) -> String {
        error(input).to_string()
    }

    #[test]
    fn an_empty_query_is_valid() {
        let query = parse("  ").unwrap();
        assert_eq!(query.clause, None);
        assert!(query.order_by.is_empty());
    }

    #[test]
    fn a_query_of_only_order_by_is_valid() {
        let query = parse("order by created DESC, key").unwrap();
        assert_eq!(query.clause, None);
        assert_eq!(query.order_by.len(), 2);
        assert_eq!(query.order_by[0].direction, Some(Direction::Desc));
        assert_eq!(query.order_by[1].direction, None);
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        let Clause::Or(alternatives, _) = clause("not a = 1 and b = 2 or c = 3") else {
            panic!("expected OR at the top");
        };
        assert_eq!(alternatives.len(), 2);
        let Clause::And(both, _) = &alternatives[0] else {
            panic!("expected AND under OR");
        };
        assert!(matches!(both[0], Clause::Not(..)));
    }

    #[test]
    fn chains_of_one_connective_are_flat() {
        let Clause::And(all, _) = clause("a = 1 AND b = 2 && c = 3 & d = 4") else {
            panic!("expected AND");
        };
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn parentheses_that_regroup_keep_their_shape() {
        let Clause::And(all, _) = clause("(a = 1 AND b = 2) AND c = 3") else {
            panic!("expected AND");
        };
        assert!(matches!(all[0], Clause::And(..)));
    }

    #[test]
    fn bang_is_not() {
        assert!(matches!(clause("!a = 1"), Clause::Not(..)));
    }

    #[test]
    fn every_operator_parses() {
        let cases = [
            ("a = 1", Operator::Eq),
            ("a != 1", Operator::NotEq),
            ("a > 1", Operator::Gt),
            ("a >= 1", Operator::GtEq),
            ("a < 1", Operator::Lt),
            ("a <= 1", Operator::LtEq),
            ("a ~ x", Operator::Like),
            ("a !~ x", Operator::NotLike),
            ("a in (x)", Operator::In),
            ("a not in (x)", Operator::NotIn),
            ("a is empty", Operator::Is),
            ("a is not null", Operator::IsNot),
            ("a was x", Operator::Was),
            ("a was in (x)", Operator::WasIn),
            ("a was not x", Operator::WasNot),
            ("a was not in (x)", Operator::WasNotIn),
            ("a changed", Operator::Changed),
        ];
        for (input, op) in cases {
            assert_eq!(term(input).op, op, "{input}");
        }
    }

    #[test]
    fn changed_takes_no_operand_but_all_predicates() {
        let term = term(
            r#"status CHANGED FROM "To Do" TO Done BY currentUser() AFTER -1w BEFORE now() ON 2024-01-01 DURING (startOfWeek(), endOfWeek())"#,
        );
        assert_eq!(term.operand, None);
        let keywords: Vec<&str> = term.predicates.iter().map(|p| p.kind.keyword()).collect();
        assert_eq!(keywords, ["FROM", "TO", "BY", "AFTER", "BEFORE", "ON", "DURING"]);
        assert!(matches!(
            &term.predicates[6].kind,
            PredicateKind::During(Operand::Function { .. }, Operand::Function { .. })
        ));
    }

    #[test]
    fn was_does_not_take_from_or_to() {
        assert_eq!(
            message("status was Done from x"),
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'from'. (line 1, character 17)"
        );
    }

    #[test]
    fn during_needs_a_list_of_exactly_two() {
        let err = error("status was Done during (a, b, c)");
        assert_eq!(err.kind, ErrorKind::DuringNeedsTwoValues);
        assert_eq!(err.span, Span::new(23, 32));
        assert_eq!(
            error("status changed during 11").kind,
            ErrorKind::DuringNeedsTwoValues
        );
    }

    #[test]
    fn functions_take_quoted_and_unquoted_arguments() {
        let term = term(r#"assignee in membersOf("jira-users", 'x y', 12)"#);
        assert_eq!(
            term.operand,
            Some(Operand::Function {
                name: "membersOf".into(),
                args: vec!["jira-users".into(), "x y".into(), "12".into()],
                span: Span::new(12, 46),
            })
        );
    }

    #[test]
    fn lists_nest_and_hold_any_operand() {
        let term = term("a in (1, (b, c), EMPTY, f())");
        let Some(Operand::List(items, _)) = term.operand else {
            panic!("expected a list");
        };
        assert!(matches!(items[1], Operand::List(..)));
        assert!(matches!(items[2], Operand::Empty(_)));
        assert!(matches!(items[3], Operand::Function { .. }));
    }

    #[test]
    fn unquoted_digits_are_numbers_and_quoted_digits_are_text() {
        let Some(Operand::Value(value)) = term("a = 42").operand else {
            panic!()
        };
        assert_eq!(value.as_number(), Some(42));
        let Some(Operand::Value(value)) = term("a = \"42\"").operand else {
            panic!()
        };
        assert_eq!(value.as_number(), None);
    }

    #[test]
    fn fields_can_be_quoted_custom_or_entity_properties() {
        assert_eq!(
            term(r#""Story Points" > 3"#).field,
            Field::Name("Story Points".into())
        );
        assert_eq!(term("cf[10010] = x").field, Field::CustomId(10010));
        assert_eq!(term("CF[7] = x").field, Field::CustomId(7));
        assert_eq!(
            term(r#"issue.property["my key"].path.to.value = x"#).field,
            Field::Property {
                entity: "issue".into(),
                key: "my key".into(),
                path: vec!["path".into(), "to".into(), "value".into()],
            }
        );
        assert_eq!(
            term("comment.property[k] = x").field,
            Field::Property {
                entity: "comment".into(),
                key: "k".into(),
                path: vec![],
            }
        );
    }

    #[test]
    fn term_spans_cover_field_to_last_predicate() {
        let input = "x = 1 AND status WAS Done BY me";
        let Clause::And(terms, span) = clause(input) else {
            panic!()
        };
        assert_eq!(span, Span::new(0, input.len()));
        assert_eq!(
            &input[terms[1].span().start..terms[1].span().end],
            "status WAS Done BY me"
        );
    }

    #[test]
    fn the_jira_example_operator_error_is_reproduced() {
        assert_eq!(
            message("summary query"),
            "Error in the JQL Query: Expecting operator but got 'query'. The valid operators are \
             '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS', 'IS NOT', 'WAS', \
             'WAS IN', 'WAS NOT', 'WAS NOT IN' and 'CHANGED'. (line 1, character 9)"
        );
    }

    #[test]
    fn reserved_words_are_refused_unquoted_wherever_they_appear() {
        for input in [
            "summary ~ as",
            "pri notin (x)",
            "status = select()",
            "field = open",
        ] {
            assert_eq!(error(input).kind, ErrorKind::ReservedWord, "{input}");
        }
        assert_eq!(
            message("project = AS"),
            "Error in the JQL Query: 'AS' is a reserved JQL word. You must surround it in \
             quotation marks to use it in a query. (line 1, character 11)"
        );
        assert!(parse(r#"project = "AS""#).is_ok());
    }

    #[test]
    fn a_keyword_as_a_value_must_be_quoted() {
        assert_eq!(
            message("project = order"),
            "Error in the JQL Query: Expecting either a value, list or function but got 'order'. \
             You must surround 'order' in quotation marks to use it as a value. (line 1, character 11)"
        );
    }

    #[test]
    fn an_unclosed_paren_is_reported_at_the_end_without_a_position() {
        assert_eq!(
            message("(a=b and c = d"),
            "Error in the JQL Query: Expecting ')' before the end of the query."
        );
    }

    #[test]
    fn an_empty_list_expects_an_operand() {
        assert_eq!(
            message("a in ()"),
            "Error in the JQL Query: Expecting either a value, list or function but got ')'. You \
             must surround ')' in quotation marks to use it as a value. (line 1, character 7)"
        );
    }

    #[test]
    fn lexical_errors_use_jiras_messages() {
        assert_eq!(
            message("comment ~ 'test"),
            "Error in the JQL Query: The quoted string 'test' has not been completed. (line 1, character 11)"
        );
        assert_eq!(
            message("a = b%"),
            "Error in the JQL Query: The character '%' is a reserved JQL character. You must \
             enclose it in a string or use the escape '\\u0025' instead. (line 1, character 6)"
        );
    }

    #[test]
    fn numbers_beyond_i64_are_invalid() {
        assert_eq!(
            message("aaaaa=-3482094382084092840932809482"),
            "Error in the JQL Query: '-3482094382084092840932809482' is not a valid number. \
             Numbers must be between -9,223,372,036,854,775,808 and 9,223,372,036,854,775,807. \
             (line 1, character 7)"
        );
        assert_eq!(
            error("cf[99999999999999999999] = 1").kind,
            ErrorKind::IllegalNumber
        );
    }

    #[test]
    fn deep_nesting_is_a_clean_error() {
        let deep = format!("{}a = 1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(error(&deep).kind, ErrorKind::TooDeep);
        let nots = format!("{}a = 1", "NOT ".repeat(5000));
        assert_eq!(error(&nots).kind, ErrorKind::TooDeep);
        let lists = format!("a in {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(error(&lists).kind, ErrorKind::TooDeep);
    }

    #[test]
    fn nesting_up_to_the_limit_is_fine() {
        let ok = format!("{}a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
