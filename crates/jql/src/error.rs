use std::fmt;

use crate::span::{Position, Span};

/// Jira's list of operators, as its parse errors print it.
const VALID_OPERATORS: &str = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS', \
     'IS NOT', 'WAS', 'WAS IN', 'WAS NOT', 'WAS NOT IN' and 'CHANGED'";

const VALID_ESCAPES: &str =
    "The valid escape sequences are \\', \\\", \\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX.";

/// The deepest nesting of parentheses, `NOT`s and lists the parser accepts.
pub const MAX_DEPTH: usize = 100;

/// Why a query does not parse. Data first: [`kind`](Self::kind), [`span`](Self::span),
/// [`expected`](Self::expected) and [`found`](Self::found); `Display` prints Jira's own message,
/// e.g. `Error in the JQL Query: Expecting operator but got 'query'. The valid operators are …
/// (line 1, character 9)`, and [`render`](Self::render) draws a caret under the input.
///
/// As in Jira, a message about the end of the query carries no position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Error in the JQL Query: {}", self.message_with_position())]
pub struct ParseError {
    pub kind: ErrorKind,
    /// The offending input: a token, a character, or an empty span at the end of the query.
    pub span: Span,
    /// What would have been accepted here (for [`ErrorKind::Unexpected`]; may be empty for
    /// the other kinds).
    pub expected: Vec<Expected>,
    /// The offending text as written (a token, a character, an escape sequence or the content
    /// of an unfinished string); `None` at the end of the query.
    pub found: Option<String>,
    /// Where `span` starts, 1-based.
    pub position: Position,
}

/// The family of a [`ParseError`]; each has Jira's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A token the grammar does not allow here; see `expected`.
    Unexpected,
    /// A quoted string with no closing quote. `found` holds its content (None when blank).
    UnfinishedString,
    /// A backslash not followed by a valid escape. `found` holds the sequence; None when the
    /// query ends right after the backslash.
    IllegalEscape,
    /// A control character or non-character outside an escape.
    IllegalCharacter,
    /// One of `{ } * / % + ^ $ # @ ? ;` outside a quoted string.
    ReservedCharacter,
    /// One of Jira's reserved words, unquoted.
    ReservedWord,
    /// A number outside the range of a signed 64-bit integer.
    IllegalNumber,
    /// `"" = x`.
    EmptyFieldName,
    /// `x = ""()`.
    EmptyFunctionName,
    /// `x = f(a,)`.
    EmptyFunctionArgument,
    /// `DURING` not followed by a list of exactly two values.
    DuringNeedsTwoValues,
    /// More than [`MAX_DEPTH`] nested parentheses, `NOT`s or lists.
    TooDeep,
}

/// Something the parser would have accepted where an error occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expected {
    FieldName,
    Operator,
    /// A value, list or function (or `EMPTY`).
    Operand,
    ValueOrFunction,
    ListOrFunction,
    /// `AND` or `OR`.
    LogicalOperator,
    /// `ASC` or `DESC`.
    SortDirection,
    FunctionArgument,
    CustomFieldId,
    PropertyId,
    /// A specific token, as Jira spells it in messages (`)`, `]`, `by`, `EMPTY`, …).
    Token(&'static str),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::FieldName => f.write_str("a field name"),
            Expected::Operator => f.write_str("an operator"),
            Expected::Operand => f.write_str("a value, list or function"),
            Expected::ValueOrFunction => f.write_str("a value or function"),
            Expected::ListOrFunction => f.write_str("a list or function"),
            Expected::LogicalOperator => f.write_str("'AND' or 'OR'"),
            Expected::SortDirection => f.write_str("'ASC' or 'DESC'"),
            Expected::FunctionArgument => f.write_str("a function argument"),
            Expected::CustomFieldId => f.write_str("a custom field id"),
            Expected::PropertyId => f.write_str("a property id"),
            Expected::Token(t) => write!(f, "'{t}'"),
        }
    }
}

impl ParseError {
    pub(crate) fn new(
        input: &str,
        kind: ErrorKind,
        span: Span,
        expected: Vec<Expected>,
        found: Option<String>,
    ) -> ParseError {
        ParseError {
            kind,
            span,
            expected,
            found,
            position: Position::of(input, span.start),
        }
    }

    /// Whether the error is about the query ending too early.
    pub fn is_at_end(&self) -> bool {
        self.kind == ErrorKind::Unexpected && self.found.is_none()
    }

    /// Jira's message without the `Error in the JQL Query:` prefix and the position.
    pub fn message(&self) -> String {
        let found = self.found.as_deref().map(|f| f.replace(['\n', '\r'], " "));
        match self.kind {
            ErrorKind::Unexpected => unexpected_message(&self.expected, found.as_deref()),
            ErrorKind::UnfinishedString => match found.as_deref() {
                Some(s) if !s.trim().is_empty() => {
                    format!("The quoted string '{s}' has not been completed.")
                }
                _ => "The quoted string has not been completed.".to_owned(),
            },
            ErrorKind::IllegalEscape => match found.as_deref() {
                Some(s) if !s.trim().is_empty() => {
                    format!("'{s}' is an illegal JQL escape sequence. {VALID_ESCAPES}")
                }
                _ => format!("The escape sequence has not been completed. {VALID_ESCAPES}"),
            },
            ErrorKind::IllegalCharacter => {
                let c = self.found_char();
                format!(
                    "The character '{}' on line {} at position {} must be escaped. Use the \
                     escape '{}' instead.",
                    printable_char(c),
                    self.position.line,
                    self.position.character,
                    escape_char(c)
                )
            }
            ErrorKind::ReservedCharacter => {
                let c = self.found_char();
                format!(
                    "The character '{}' is a reserved JQL character. You must enclose it in a \
                     string or use the escape '{}' instead.",
                    printable_char(c),
                    escape_char(c)
                )
            }
            ErrorKind::ReservedWord => format!(
                "'{}' is a reserved JQL word. You must surround it in quotation marks to use it \
                 in a query.",
                found.unwrap_or_default()
            ),
            ErrorKind::IllegalNumber => format!(
                "'{}' is not a valid number. Numbers must be between \
                 -9,223,372,036,854,775,808 and 9,223,372,036,854,775,807.",
                found.unwrap_or_default()
            ),
            ErrorKind::EmptyFieldName => "A field name cannot be empty.".to_owned(),
            ErrorKind::EmptyFunctionName => "A function name cannot be empty.".to_owned(),
            ErrorKind::EmptyFunctionArgument => "Function argument must be specified.".to_owned(),
            ErrorKind::DuringNeedsTwoValues => {
                "The DURING predicate must be supplied with exactly 2 date values.".to_owned()
            }
            ErrorKind::TooDeep => format!(
                "The query is nested too deeply. At most {MAX_DEPTH} levels of parentheses, \
                 'NOT' and lists are allowed."
            ),
        }
    }

    fn message_with_position(&self) -> String {
        if self.is_at_end() {
            self.message()
        } else {
            format!(
                "{} (line {}, character {})",
                self.message(),
                self.position.line,
                self.position.character
            )
        }
    }

    fn found_char(&self) -> char {
        self.found
            .as_deref()
            .and_then(|f| f.chars().next())
            .unwrap_or('\u{fffd}')
    }

    /// The message followed by the offending line of `input` (the input this error came
    /// from) with carets under the offending text:
    ///
    /// ```text
    /// Error in the JQL Query: Expecting operator but got 'query'. … (line 1, character 9)
    /// 1 | summary query
    ///   |         ^^^^^
    /// ```
    pub fn render(&self, input: &str) -> String {
        let mut start = self.span.start.min(input.len());
        while !input.is_char_boundary(start) {
            start -= 1;
        }
        let line_start = input[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = input[start..].find('\n').map_or(input.len(), |i| start + i);
        let line = input[line_start..line_end].trim_end_matches('\r');
        let column = input[line_start..start].chars().count();
        let mut end = self.span.end.clamp(start, line_end);
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        let width = input[start..end].chars().count().max(1);
        let number = self.position.line.to_string();
        let gutter = " ".repeat(number.len());
        let shown: String = line
            .chars()
            .map(|c| if c == '\t' || c.is_control() { ' ' } else { c })
            .collect();
        format!(
            "{self}\n{number} | {shown}\n{gutter} | {}{}",
            " ".repeat(column),
            "^".repeat(width)
        )
    }
}

fn quote_list(tokens: &[&str]) -> String {
    match tokens {
        [] => String::new(),
        [one] => format!("'{one}'"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|t| format!("'{t}'")).collect();
            format!("{} or '{last}'", init.join(", "))
        }
    }
}

fn unexpected_message(expected: &[Expected], found: Option<&str>) -> String {
    let tokens: Vec<&str> = expected
        .iter()
        .filter_map(|e| match e {
            Expected::Token(t) => Some(*t),
            _ => None,
        })
        .collect();
    let first = expected.first().copied().unwrap_or(Expected::Token(""));
    match (first, found) {
        (Expected::FieldName, Some("[")) => {
            "Expecting a field name but got '['. Did you mean 'cf['?".to_owned()
        }
        (Expected::FieldName, Some(f)) => format!(
            "Expecting a field name but got '{f}'. You must surround '{f}' in quotation marks \
             to use it as a field name."
        ),
        (Expected::FieldName, None) => "Expecting a field name at the end of the query.".to_owned(),
        (Expected::Operator, Some(f)) => {
            format!("Expecting operator but got '{f}'. The valid operators are {VALID_OPERATORS}.")
        }
        (Expected::Operator, None) => format!(
            "Expecting operator before the end of the query. The valid operators are \
             {VALID_OPERATORS}."
        ),
        (Expected::Operand, Some(f)) => format!(
            "Expecting either a value, list or function but got '{f}'. You must surround '{f}' \
             in quotation marks to use it as a value."
        ),
        (Expected::Operand, None) => {
            "Expecting either a value, list or function before the end of the query.".to_owned()
        }
        (Expected::ValueOrFunction, Some(f)) => format!(
            "Expecting a value or function but got '{f}'. You must surround '{f}' in quotation \
             marks to use it as a value."
        ),
        (Expected::ValueOrFunction, None) => {
            "Expecting a value or function before the end of the query.".to_owned()
        }
        (Expected::ListOrFunction, Some(f)) => format!(
            "Expecting a list or function but got '{f}'. You must surround '{f}' in quotation \
             marks to use it as a value."
        ),
        (Expected::ListOrFunction, None) => {
            "Expecting a list or function before the end of the query.".to_owned()
        }
        (Expected::LogicalOperator, Some(f)) => {
            format!("Expecting either 'OR' or 'AND' but got '{f}'.")
        }
        (Expected::LogicalOperator, None) => {
            "Expecting either 'OR' or 'AND' before the end of the query.".to_owned()
        }
        (Expected::SortDirection, Some(f)) => {
            format!("Expecting either 'ASC' or 'DESC' but got '{f}'.")
        }
        (Expected::SortDirection, None) => {
            "Expecting either 'ASC' or 'DESC' before the end of the query.".to_owned()
        }
        (Expected::FunctionArgument, Some(f)) => format!(
            "Expecting a function argument but got '{f}'. You must surround '{f}' in quotation \
             marks to use it as an argument."
        ),
        (Expected::FunctionArgument, None) => {
            "Expecting a function argument at the end of the query.".to_owned()
        }
        (Expected::CustomFieldId, Some(f)) => {
            format!("Expecting a custom field id (a positive number) but got '{f}'.")
        }
        (Expected::CustomFieldId, None) => {
            "Expecting a custom field id (a positive number) before the end of the query.".to_owned()
        }
        (Expected::PropertyId, Some(f)) => format!(
            "Expecting a property id but got '{f}'. You must surround '{f}' in quotation marks \
             to use it as a value."
        ),
        (Expected::PropertyId, None) => "Expecting a property id before the end of the query.".to_owned(),
        (Expected::Token(_), Some(f)) => format!("Expecting {} but got '{f}'.", quote_list(&tokens)),
        (Expected::Token(_), None) => {
            format!("Expecting {} before the end of the query.", quote_list(&tokens))
        }
    }
}

/// How Jira names a character in a message: `TAB`, `U+007F`, or the character itself.
fn printable_char(c: char) -> String {
    if c == '\t' {
        "TAB".to_owned()
    } else if crate::words::is_control_char(c) || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// The escape Jira suggests for a character (`JqlStringSupportImpl.encodeCharacterForce`).
pub(crate) fn escape_char(c: char) -> String {
    match c {
        '\t' => "\\t".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        _ => format!("\\u{:04x}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(
        input: &str,
        kind: ErrorKind,
        span: Span,
        expected: Vec<Expected>,
        found: Option<&str>,
    ) -> ParseError {
        ParseError::new(input, kind, span, expected, found.map(str::to_owned))
    }

    #[test]
    fn an_operator_error_uses_jiras_wording_and_position() {
        let e = err(
            "summary query",
            ErrorKind::Unexpected,
            Span::new(8, 13),
            vec![Expected::Operator],
            Some("query"),
        );
        assert_eq!(
            e.to_string(),
            "Error in the JQL Query: Expecting operator but got 'query'. The valid operators are \
             '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS', 'IS NOT', 'WAS', \
             'WAS IN', 'WAS NOT', 'WAS NOT IN' and 'CHANGED'. (line 1, character 9)"
        );
    }

    #[test]
    fn an_end_of_query_error_has_no_position_like_jira() {
        let e = err(
            "(a = b",
            ErrorKind::Unexpected,
            Span::new(6, 6),
            vec![Expected::Token(")")],
            None,
        );
        assert_eq!(
            e.to_string(),
            "Error in the JQL Query: Expecting ')' before the end of the query."
        );
    }

    #[test]
    fn a_reserved_character_suggests_its_lowercase_unicode_escape() {
        let e = err(
            "a = b%",
            ErrorKind::ReservedCharacter,
            Span::new(5, 6),
            vec![],
            Some("%"),
        );
        assert_eq!(
            e.message(),
            "The character '%' is a reserved JQL character. You must enclose it in a string or \
             use the escape '\\u0025' instead."
        );
    }

    #[test]
    fn render_draws_carets_under_the_offending_token() {
        let e = err(
            "a = b\nsummary query",
            ErrorKind::Unexpected,
            Span::new(14, 19),
            vec![Expected::Operator],
            Some("query"),
        );
        let rendered = e.render("a = b\nsummary query");
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[0].ends_with("(line 2, character 9)"));
        assert_eq!(lines[1], "2 | summary query");
        assert_eq!(lines[2], "  |         ^^^^^");
    }

    #[test]
    fn render_puts_one_caret_after_the_input_at_the_end() {
        let e = err(
            "a =",
            ErrorKind::Unexpected,
            Span::new(3, 3),
            vec![Expected::Operand],
            None,
        );
        assert!(e.render("a =").ends_with("1 | a =\n  |    ^"));
    }
}
