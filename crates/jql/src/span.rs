use std::fmt;

/// A byte range `start..end` in the parsed input.
///
/// Spans compare honestly (`==` looks at the offsets); to compare two ASTs without them, use
/// [`Query::eq_ignoring_spans`](crate::Query::eq_ignoring_spans).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A 1-based line and character position, as Jira reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    pub line: usize,
    /// 1-based, counted in characters (Unicode scalar values) from the start of the line.
    pub character: usize,
}

impl Position {
    /// The position of byte offset `offset` in `input` (clamped to the input, and to a
    /// character boundary).
    pub fn of(input: &str, offset: usize) -> Position {
        let mut offset = offset.min(input.len());
        while !input.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &input[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let character = before[line_start..].chars().count() + 1;
        Position { line, character }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters_not_bytes() {
        assert_eq!(
            Position::of("abc", 0),
            Position {
                line: 1,
                character: 1
            }
        );
        assert_eq!(
            Position::of("é = x", 3),
            Position {
                line: 1,
                character: 3
            }
        );
        assert_eq!(
            Position::of("a\nbc", 3),
            Position {
                line: 2,
                character: 2
            }
        );
    }

    #[test]
    fn a_position_past_the_end_is_clamped() {
        assert_eq!(
            Position::of("ab", 99),
            Position {
                line: 1,
                character: 3
            }
        );
    }
}
