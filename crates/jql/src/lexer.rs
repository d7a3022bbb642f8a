//! The JQL lexer: input text to [`Token`]s with byte spans, following `JQLLexer.g4`.
//!
//! Like Jira's, it reads the whole query before the parser starts, so a lexical error (an
//! unfinished string, a reserved character, a bad escape) is reported even when a grammar error
//! comes earlier in the text.

use crate::error::{ErrorKind, ParseError};
use crate::span::Span;
use crate::words::{
    is_control_char, is_reserved_char, is_reserved_word, is_unquoted_char, is_whitespace, looks_numeric,
    Keyword,
};

/// How a string token was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringStyle {
    /// Unquoted, no escapes.
    Bare,
    /// Unquoted, with at least one backslash escape (`a\ b`).
    Escaped,
    /// In `"…"` or `'…'`.
    Quoted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    LParen,
    RParen,
    Comma,
    LBracket,
    RBracket,
    /// `!` (a synonym of `NOT` in front of a clause).
    Bang,
    Lt,
    Gt,
    LtEq,
    GtEq,
    Eq,
    NotEq,
    /// `~`
    Like,
    /// `!~`
    NotLike,
    /// A keyword; `&`, `&&`, `|` and `||` are lexed as `Keyword(And)` and `Keyword(Or)`.
    Keyword(Keyword),
    /// One of Jira's reserved words, unquoted.
    ReservedWord,
    /// `-?[0-9]+`, unquoted.
    Number,
    /// A string with its escapes decoded.
    String {
        value: String,
        style: StringStyle,
    },
    /// The end of the input (always the last token).
    Eof,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Splits `input` into tokens, ending with [`TokenKind::Eof`].
pub fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer { input, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let end = token.kind == TokenKind::Eof;
        tokens.push(token);
        if end {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut chars = self.input[self.pos..].chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, kind: ErrorKind, span: Span, found: Option<String>) -> ParseError {
        ParseError::new(self.input, kind, span, Vec::new(), found)
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        while self.peek().is_some_and(is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
        };
        let two = |second: char, this: &Self| this.peek_second() == Some(second);
        let (kind, len) = match c {
            '(' => (TokenKind::LParen, 1),
            ')' => (TokenKind::RParen, 1),
            ',' => (TokenKind::Comma, 1),
            '[' => (TokenKind::LBracket, 1),
            ']' => (TokenKind::RBracket, 1),
            '=' => (TokenKind::Eq, 1),
            '~' => (TokenKind::Like, 1),
            '!' if two('=', self) => (TokenKind::NotEq, 2),
            '!' if two('~', self) => (TokenKind::NotLike, 2),
            '!' => (TokenKind::Bang, 1),
            '<' if two('=', self) => (TokenKind::LtEq, 2),
            '<' => (TokenKind::Lt, 1),
            '>' if two('=', self) => (TokenKind::GtEq, 2),
            '>' => (TokenKind::Gt, 1),
            '&' if two('&', self) => (TokenKind::Keyword(Keyword::And), 2),
            '&' => (TokenKind::Keyword(Keyword::And), 1),
            '|' if two('|', self) => (TokenKind::Keyword(Keyword::Or), 2),
            '|' => (TokenKind::Keyword(Keyword::Or), 1),
            '"' | '\'' => return self.quoted(c),
            c if is_reserved_char(c) => {
                return Err(self.error(
                    ErrorKind::ReservedCharacter,
                    Span::new(start, start + c.len_utf8()),
                    Some(c.to_string()),
                ))
            }
            c if c == '\\' || is_unquoted_char(c) => return self.word(),
            c => {
                return Err(self.error(
                    ErrorKind::IllegalCharacter,
                    Span::new(start, start + c.len_utf8()),
                    Some(c.to_string()),
                ))
            }
        };
        self.pos += len;
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    /// An unquoted run of characters: a keyword, reserved word, number or string.
    fn word(&mut self) -> Result<Token, ParseError> {
        let start = self.pos;
        let mut value = String::new();
        let mut escaped = false;
        while let Some(c) = self.peek() {
            if c == '\\' {
                value.push(self.escape()?);
                escaped = true;
            } else if is_unquoted_char(c) {
                value.push(c);
                self.bump();
            } else {
                break;
            }
        }
        let span = Span::new(start, self.pos);
        let raw = &self.input[start..self.pos];
        let kind = if escaped {
            TokenKind::String {
                value,
                style: StringStyle::Escaped,
            }
        } else if let Some(keyword) = Keyword::from_word(raw) {
            TokenKind::Keyword(keyword)
        } else if is_reserved_word(raw) {
            TokenKind::ReservedWord
        } else if looks_numeric(raw) {
            TokenKind::Number
        } else {
            TokenKind::String {
                value,
                style: StringStyle::Bare,
            }
        };
        Ok(Token { kind, span })
    }

    fn quoted(&mut self, quote: char) -> Result<Token, ParseError> {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        loop {
            match self.peek() {
                None => {
                    let content = &self.input[start + 1..];
                    return Err(self.error(
                        ErrorKind::UnfinishedString,
                        Span::new(start, self.input.len()),
                        Some(content.to_owned()),
                    ));
                }
                Some(c) if c == quote => {
                    self.bump();
                    return Ok(Token {
                        kind: TokenKind::String {
                            value,
                            style: StringStyle::Quoted,
                        },
                        span: Span::new(start, self.pos),
                    });
                }
                Some('\\') => value.push(self.escape()?),
                Some(c) if is_control_char(c) => {
                    return Err(self.error(
                        ErrorKind::IllegalCharacter,
                        Span::new(self.pos, self.pos + c.len_utf8()),
                        Some(c.to_string()),
                    ))
                }
                Some(c) => {
                    value.push(c);
                    self.bump();
                }
            }
        }
    }

    /// Decodes the escape at the backslash under the cursor.
    fn escape(&mut self) -> Result<char, ParseError> {
        let start = self.pos;
        self.bump();
        let illegal = |this: &Self| {
            let found = &this.input[start..this.pos];
            this.error(
                ErrorKind::IllegalEscape,
                Span::new(start, this.pos),
                (found.len() > 1).then(|| found.to_owned()),
            )
        };
        let Some(c) = self.bump() else {
            return Err(illegal(self));
        };
        let decoded = match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            '"' | '\'' | '\\' | ' ' => c,
            'u' => {
                let unit = self.hex4().ok_or_else(|| illegal(self))?;
                match unit {
                    0xD800..=0xDBFF => {
                        // A UTF-16 surrogate pair written as two escapes, as Java would read it.
                        let rest = &self.input[self.pos..];
                        if !rest.starts_with("\\u") {
                            return Err(illegal(self));
                        }
                        self.pos += 2;
                        let low = self.hex4().ok_or_else(|| illegal(self))?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(illegal(self));
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code).ok_or_else(|| illegal(self))?
                    }
                    _ => char::from_u32(unit).ok_or_else(|| illegal(self))?,
                }
            }
            _ => return Err(illegal(self)),
        };
        Ok(decoded)
    }

    /// Four hex digits; on failure the cursor is left after the offending character, so the
    /// error shows the sequence up to and including it, as Jira does (`'\un'`).
    fn hex4(&mut self) -> Option<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            let c = self.bump()?;
            unit = unit * 16 + c.to_digit(16)?;
        }
        Some(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        tokenize(input).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn string(value: &str, style: StringStyle) -> TokenKind {
        TokenKind::String {
            value: value.to_owned(),
            style,
        }
    }

    #[test]
    fn issue_keys_dates_and_relative_dates_are_single_unquoted_strings() {
        assert_eq!(
            kinds("ABC-123 2024-01-31 -1d"),
            vec![
                string("ABC-123", StringStyle::Bare),
                string("2024-01-31", StringStyle::Bare),
                string("-1d", StringStyle::Bare),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn digits_are_numbers_but_a_longer_word_is_a_string() {
        assert_eq!(
            kinds("12 -3 12a"),
            vec![
                TokenKind::Number,
                TokenKind::Number,
                string("12a", StringStyle::Bare),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn keywords_are_case_insensitive_and_only_whole_words() {
        assert_eq!(
            kinds("aNd ORDERS null"),
            vec![
                TokenKind::Keyword(Keyword::And),
                string("ORDERS", StringStyle::Bare),
                TokenKind::Keyword(Keyword::Empty),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn symbols_for_and_and_or_lex_as_keywords() {
        assert_eq!(
            kinds("& && | ||"),
            vec![
                TokenKind::Keyword(Keyword::And),
                TokenKind::Keyword(Keyword::And),
                TokenKind::Keyword(Keyword::Or),
                TokenKind::Keyword(Keyword::Or),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn two_character_operators_win_over_one() {
        assert_eq!(
            kinds("!=!~!<=>=<>"),
            vec![
                TokenKind::NotEq,
                TokenKind::NotLike,
                TokenKind::Bang,
                TokenKind::LtEq,
                TokenKind::GtEq,
                TokenKind::Lt,
                TokenKind::Gt,
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn quoted_strings_decode_every_escape() {
        assert_eq!(
            kinds(r#""a\"b\'c\\d\ne\tf\rg\ h\u0041" 'it\'s'"#),
            vec![
                string("a\"b'c\\d\ne\tf\rg hA", StringStyle::Quoted),
                string("it's", StringStyle::Quoted),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn an_escaped_unquoted_word_is_a_string_even_if_it_spells_a_keyword() {
        assert_eq!(
            kinds(r"\u0061nd a\ b"),
            vec![
                string("and", StringStyle::Escaped),
                string("a b", StringStyle::Escaped),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn a_surrogate_pair_of_escapes_decodes_to_one_character() {
        assert_eq!(
            kinds(r#""\ud83d\ude00""#),
            vec![string("😀", StringStyle::Quoted), TokenKind::Eof]
        );
    }

    #[test]
    fn a_quoted_string_may_span_lines() {
        assert_eq!(
            kinds("\"a\nb\""),
            vec![string("a\nb", StringStyle::Quoted), TokenKind::Eof]
        );
    }

    #[test]
    fn an_illegal_escape_reports_the_sequence_up_to_the_bad_character() {
        let err = tokenize(r"comme\unt ~ 'test").unwrap_err();
        assert_eq!(err.kind, ErrorKind::IllegalEscape);
        assert_eq!(err.found.as_deref(), Some(r"\un"));
        assert_eq!(err.position.character, 6);
    }

    #[test]
    fn a_trailing_backslash_is_an_unfinished_escape() {
        let err = tokenize(r"a = b\").unwrap_err();
        assert_eq!(err.kind, ErrorKind::IllegalEscape);
        assert_eq!(err.found, None);
    }

    #[test]
    fn a_control_character_in_a_quoted_string_is_illegal() {
        let err = tokenize("a = \"x\u{7f}\"").unwrap_err();
        assert_eq!(err.kind, ErrorKind::IllegalCharacter);
        assert_eq!(err.span, Span::new(6, 7));
    }

    #[test]
    fn spans_are_byte_ranges() {
        let tokens = tokenize("é = 'x'").unwrap();
        assert_eq!(tokens[0].span, Span::new(0, 2));
        assert_eq!(tokens[1].span, Span::new(3, 4));
        assert_eq!(tokens[2].span, Span::new(5, 8));
        assert_eq!(tokens[3].span, Span::new(8, 8));
    }
}
