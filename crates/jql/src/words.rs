//! Keywords, reserved words and the character classes of Jira's JQL lexer.

/// A JQL keyword. Keywords are case-insensitive; `EMPTY` and `NULL` are the same keyword, and so
/// are `AND`/`&`/`&&` and `OR`/`|`/`||` (those symbols are lexed as [`Keyword::And`] and
/// [`Keyword::Or`] too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    And,
    Or,
    Not,
    In,
    Is,
    Was,
    Changed,
    Empty,
    Order,
    By,
    Asc,
    Desc,
    Before,
    After,
    From,
    To,
    On,
    During,
    /// `cf`, the custom field prefix of `cf[10010]`.
    Cf,
}

impl Keyword {
    /// The keyword an unquoted, unescaped word stands for, if any.
    pub fn from_word(word: &str) -> Option<Keyword> {
        if word.len() > 7 {
            return None;
        }
        let lower = word.to_ascii_lowercase();
        Some(match lower.as_str() {
            "and" => Keyword::And,
            "or" => Keyword::Or,
            "not" => Keyword::Not,
            "in" => Keyword::In,
            "is" => Keyword::Is,
            "was" => Keyword::Was,
            "changed" => Keyword::Changed,
            "empty" | "null" => Keyword::Empty,
            "order" => Keyword::Order,
            "by" => Keyword::By,
            "asc" => Keyword::Asc,
            "desc" => Keyword::Desc,
            "before" => Keyword::Before,
            "after" => Keyword::After,
            "from" => Keyword::From,
            "to" => Keyword::To,
            "on" => Keyword::On,
            "during" => Keyword::During,
            "cf" => Keyword::Cf,
            _ => return None,
        })
    }

    /// The canonical (upper-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::And => "AND",
            Keyword::Or => "OR",
            Keyword::Not => "NOT",
            Keyword::In => "IN",
            Keyword::Is => "IS",
            Keyword::Was => "WAS",
            Keyword::Changed => "CHANGED",
            Keyword::Empty => "EMPTY",
            Keyword::Order => "ORDER",
            Keyword::By => "BY",
            Keyword::Asc => "ASC",
            Keyword::Desc => "DESC",
            Keyword::Before => "BEFORE",
            Keyword::After => "AFTER",
            Keyword::From => "FROM",
            Keyword::To => "TO",
            Keyword::On => "ON",
            Keyword::During => "DURING",
            Keyword::Cf => "cf",
        }
    }
}

/// Jira's reserved words (the `RESERVED_WORD` token of `JQLLexer.g4`), sorted. Unquoted, they
/// are rejected wherever they appear.
pub const RESERVED_WORDS: &[&str] = &[
    "abort",
    "access",
    "add",
    "alias",
    "alter",
    "any",
    "as",
    "audit",
    "avg",
    "begin",
    "between",
    "boolean",
    "break",
    "byte",
    "catch",
    "char",
    "character",
    "check",
    "checkpoint",
    "collate",
    "collation",
    "column",
    "commit",
    "connect",
    "continue",
    "count",
    "create",
    "current",
    "date",
    "decimal",
    "declare",
    "decrement",
    "default",
    "defaults",
    "define",
    "delete",
    "delimiter",
    "difference",
    "distinct",
    "divide",
    "do",
    "double",
    "drop",
    "else",
    "encoding",
    "end",
    "equals",
    "escape",
    "exclusive",
    "exec",
    "execute",
    "exists",
    "explain",
    "false",
    "fetch",
    "field",
    "file",
    "first",
    "float",
    "for",
    "function",
    "go",
    "goto",
    "grant",
    "greater",
    "group",
    "having",
    "identified",
    "if",
    "immediate",
    "increment",
    "index",
    "initial",
    "inner",
    "inout",
    "input",
    "insert",
    "int",
    "integer",
    "intersect",
    "intersection",
    "into",
    "isempty",
    "isnull",
    "join",
    "last",
    "left",
    "less",
    "like",
    "limit",
    "lock",
    "long",
    "max",
    "min",
    "minus",
    "mode",
    "modify",
    "modulo",
    "more",
    "multiply",
    "next",
    "noaudit",
    "notin",
    "nowait",
    "number",
    "object",
    "of",
    "option",
    "outer",
    "output",
    "power",
    "previous",
    "prior",
    "privileges",
    "public",
    "raise",
    "raw",
    "remainder",
    "rename",
    "resource",
    "return",
    "returns",
    "revoke",
    "right",
    "row",
    "rowid",
    "rownum",
    "rows",
    "select",
    "session",
    "set",
    "share",
    "size",
    "sqrt",
    "start",
    "strict",
    "string",
    "subtract",
    "sum",
    "synonym",
    "table",
    "then",
    "trans",
    "transaction",
    "trigger",
    "true",
    "uid",
    "union",
    "unique",
    "update",
    "user",
    "validate",
    "values",
    "view",
    "when",
    "whenever",
    "where",
    "while",
    "with",
];

/// Whether `word` (unquoted, unescaped) is one of Jira's reserved words, in any letter case.
pub fn is_reserved_word(word: &str) -> bool {
    word.len() <= 12
        && RESERVED_WORDS
            .binary_search(&word.to_ascii_lowercase().as_str())
            .is_ok()
}

/// Characters Jira reserves for future use: `{ } * / % + ^ $ # @ ? ;`.
pub fn is_reserved_char(c: char) -> bool {
    matches!(
        c,
        '{' | '}' | '*' | '/' | '%' | '+' | '^' | '$' | '#' | '@' | '?' | ';'
    )
}

/// Jira's control characters (`JqlStringSupportImpl.isJqlControlCharacter`): they may appear
/// in no string, quoted or not, except as an escape. Line feed and carriage return are *not*
/// in this set: a quoted string may span lines.
pub fn is_control_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{9}'
        | '\u{b}'..='\u{c}'
        | '\u{e}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{fdd0}'..='\u{fdef}'
        | '\u{fffe}'..='\u{ffff}')
}

/// Whitespace between tokens.
pub fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Whether `c` may appear in an unquoted string without an escape.
pub fn is_unquoted_char(c: char) -> bool {
    !(is_whitespace(c)
        || is_control_char(c)
        || is_reserved_char(c)
        || matches!(
            c,
            '\\' | '"' | '\'' | '=' | '!' | '<' | '>' | '(' | ')' | '~' | ',' | '[' | ']' | '|' | '&'
        ))
}

/// `-?[0-9]+`: what Jira's lexer reads as a number when unquoted.
pub fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the canonical printer may write `text` without quotes: a conservative subset of what
/// the grammar allows (ASCII letters, digits, `_` and `-`, which covers issue keys, relative
/// dates and numbers), and never a keyword or a reserved word. Jira's own documentation asks
/// for `.` and `@` to be quoted, so they are.
pub fn is_bare_safe(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && Keyword::from_word(text).is_none()
        && !is_reserved_word(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(RESERVED_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(RESERVED_WORDS.len(), 159);
    }

    #[test]
    fn reserved_words_match_in_any_case() {
        assert!(is_reserved_word("SELECT"));
        assert!(is_reserved_word("As"));
        assert!(!is_reserved_word("project"));
        assert!(!is_reserved_word("selected"));
    }

    #[test]
    fn empty_and_null_are_the_same_keyword() {
        assert_eq!(Keyword::from_word("NULL"), Some(Keyword::Empty));
        assert_eq!(Keyword::from_word("eMpTy"), Some(Keyword::Empty));
    }

    #[test]
    fn issue_keys_and_relative_dates_are_bare_safe_but_keywords_are_not() {
        assert!(is_bare_safe("ABC-123"));
        assert!(is_bare_safe("-1d"));
        assert!(!is_bare_safe("order"));
        assert!(!is_bare_safe("cf"));
        assert!(!is_bare_safe("user"));
        assert!(!is_bare_safe("a.b"));
        assert!(!is_bare_safe(""));
    }
}
