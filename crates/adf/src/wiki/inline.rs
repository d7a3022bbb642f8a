//! Inline wiki markup: what starts where. The reader uses [`construct_at`] to parse, and the
//! writer asks the same function whether a character it wants to write as text would be read as
//! markup, escaping it only then.

use crate::node::{push_inline, push_text, Inline, Mark, SubSup};

/// How far a closing delimiter is looked for. Keeps parsing linear on hostile input; markup
/// spans in real text are far shorter.
pub(crate) const SCAN_LIMIT: usize = 1000;

/// How deep spans may nest while reading; deeper markup reads as text.
const MAX_NESTING: usize = 16;

/// The characters that open and close the simple marks.
pub(crate) fn simple_mark(c: char) -> Option<Mark> {
    Some(match c {
        '*' => Mark::Strong,
        '_' => Mark::Em,
        '-' => Mark::Strike,
        '+' => Mark::Underline,
        '^' => Mark::Subsup(SubSup::Sup),
        '~' => Mark::Subsup(SubSup::Sub),
        _ => return None,
    })
}

#[derive(Debug)]
pub(crate) enum Construct {
    /// Marked text: the mark applies to `inner`.
    Span {
        mark: Mark,
        inner: (usize, usize),
        end: usize,
    },
    /// `[url]`: a link whose text is the url.
    BareLink { href: String, end: usize },
    /// `[~accountid:ID]` or `[~name]`.
    Mention { id: String, end: usize },
    /// `[url|url|smart-link]`.
    Card { url: String, end: usize },
    /// `&#92;`, a backslash.
    Backslash { end: usize },
}

impl Construct {
    pub(crate) fn end(&self) -> usize {
        match self {
            Construct::Span { end, .. }
            | Construct::BareLink { end, .. }
            | Construct::Mention { end, .. }
            | Construct::Card { end, .. }
            | Construct::Backslash { end } => *end,
        }
    }
}

fn starts_with(s: &[char], at: usize, pat: &str) -> bool {
    pat.chars().enumerate().all(|(n, p)| s.get(at + n) == Some(&p))
}

pub(crate) fn is_escape(s: &[char], k: usize, end: usize) -> bool {
    s[k] == '\\' && k + 1 < end && s[k + 1].is_ascii_punctuation()
}

/// The first position in `from..end` (same line, within [`SCAN_LIMIT`]) where `pred` holds,
/// stepping over escapes and, when `skip_links`, over whole `[...]` links.
fn scan(
    s: &[char],
    from: usize,
    end: usize,
    skip_links: bool,
    pred: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    let end = end.min(s.len()).min(from.saturating_add(SCAN_LIMIT));
    let mut k = from;
    // The `]` found for an earlier `[` serves the next ones too, so a run of `[` costs one
    // search, not one each.
    let mut close: Option<usize> = None;
    let mut no_close = false;
    while k < end {
        if s[k] == '\n' {
            return None;
        }
        if is_escape(s, k, end) {
            k += 2;
            continue;
        }
        if pred(k) {
            return Some(k);
        }
        if skip_links && s[k] == '[' && !no_close {
            let found = match close {
                Some(c) if c > k => Some(c),
                _ => scan(s, k + 1, end, false, &|j| s[j] == ']'),
            };
            match found {
                None => no_close = true,
                Some(c) => {
                    close = Some(c);
                    if let Some(link) = bracket_with(s, k, c) {
                        k = link.end();
                        continue;
                    }
                }
            }
        }
        k += 1;
    }
    None
}

pub(crate) fn looks_like_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    scheme_ok
        && (rest.starts_with("//") || matches!(scheme, "mailto" | "tel"))
        && rest.len() > 2
        && !url.chars().any(|c| c.is_whitespace() || c == '\\')
}

fn bracket_at(s: &[char], i: usize, end: usize) -> Option<Construct> {
    let close = scan(s, i + 1, end, false, &|k| s[k] == ']')?;
    bracket_with(s, i, close)
}

/// `[...]` from `i` to the `]` at `close`: a mention, link or card, if it is one.
fn bracket_with(s: &[char], i: usize, close: usize) -> Option<Construct> {
    if close == i + 1 {
        return None;
    }
    let finish = close + 1;
    if s[i + 1] == '~' {
        let raw: String = s[i + 2..close].iter().collect();
        let id = raw.strip_prefix("accountid:").unwrap_or(&raw);
        let valid = !id.is_empty()
            && !id
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '[' | ']' | '|' | '\\'));
        if valid {
            return Some(Construct::Mention {
                id: id.to_owned(),
                end: finish,
            });
        }
    }
    if let Some(pipe) = scan(s, i + 1, close, false, &|k| s[k] == '|') {
        let rest: String = s[pipe + 1..close].iter().collect();
        let (url, tip) = rest.split_once('|').unwrap_or((&rest, ""));
        if url.is_empty() || url.chars().any(char::is_whitespace) {
            return None;
        }
        if matches!(tip, "smart-link" | "smart-card" | "smart-embed") {
            return Some(Construct::Card {
                url: url.to_owned(),
                end: finish,
            });
        }
        if pipe == i + 1 {
            return Some(Construct::BareLink {
                href: url.to_owned(),
                end: finish,
            });
        }
        return Some(Construct::Span {
            mark: Mark::link(url),
            inner: (i + 1, pipe),
            end: finish,
        });
    }
    let url: String = s[i + 1..close].iter().collect();
    looks_like_url(&url).then_some(Construct::BareLink {
        href: url,
        end: finish,
    })
}

/// What, if anything, starts at `s[i]` when reading up to `end`. `s[i - 1]` is looked at to
/// decide whether a simple mark may open there, `s[end]` to decide whether one may close.
pub(crate) fn construct_at(s: &[char], i: usize, end: usize) -> Option<Construct> {
    let end = end.min(s.len());
    if i >= end {
        return None;
    }
    match s[i] {
        '[' => bracket_at(s, i, end),
        '&' if starts_with(s, i, "&#92;") => Some(Construct::Backslash { end: i + 5 }),
        '{' if s.get(i + 1) == Some(&'{') => {
            let k = scan(s, i + 2, end, true, &|k| {
                s[k] == '}' && k + 1 < end && s[k + 1] == '}'
            })?;
            (k > i + 2).then_some(Construct::Span {
                mark: Mark::Code,
                inner: (i + 2, k),
                end: k + 2,
            })
        }
        '{' if starts_with(s, i, "{color:") => {
            let value_start = i + 7;
            let close = scan(s, value_start, end, false, &|k| {
                s[k] == '}' || s[k] == '{' || s[k].is_whitespace()
            })?;
            if s[close] != '}' || close == value_start {
                return None;
            }
            let color: String = s[value_start..close].iter().collect();
            let k = scan(s, close + 1, end, true, &|k| starts_with(&s[..end], k, "{color}"))?;
            (k > close + 1).then_some(Construct::Span {
                mark: Mark::TextColor { color },
                inner: (close + 1, k),
                end: k + 7,
            })
        }
        '{' => {
            let c = *s.get(i + 1)?;
            let mark = simple_mark(c)?;
            if s.get(i + 2) != Some(&'}') {
                return None;
            }
            let k = scan(s, i + 3, end, true, &|k| {
                s[k] == '{' && k + 2 < end && s[k + 1] == c && s[k + 2] == '}'
            })?;
            (k > i + 3).then_some(Construct::Span {
                mark,
                inner: (i + 3, k),
                end: k + 3,
            })
        }
        c => {
            let mark = simple_mark(c)?;
            if i > 0 && s[i - 1].is_alphanumeric() {
                return None;
            }
            let next = *s.get(i + 1).filter(|_| i + 1 < end)?;
            if next.is_whitespace() || next == c {
                return None;
            }
            // From the first character of the content, so a link starting there is skipped whole.
            let k = scan(s, i + 1, end, true, &|k| {
                k > i + 1
                    && s[k] == c
                    && !s[k - 1].is_whitespace()
                    && s[k - 1] != c
                    && s.get(k + 1).is_none_or(|n| !n.is_alphanumeric())
            })?;
            Some(Construct::Span {
                mark,
                inner: (i + 1, k),
                end: k + 1,
            })
        }
    }
}

/// Reads `s[start..end]` as inline markup with `marks` applied, appending to `out`.
/// A newline or `\\` is a line break.
pub(crate) fn parse_inline(s: &[char], start: usize, end: usize, marks: &[Mark], out: &mut Vec<Inline>) {
    let mut buf = String::new();
    let mut k = start;
    let end = end.min(s.len());
    while k < end {
        let c = s[k];
        if c == '\n' || (c == '\\' && k + 1 < end && s[k + 1] == '\\') {
            push_text(out, &buf, marks);
            buf.clear();
            push_inline(out, Inline::hard_break());
            k += if c == '\n' { 1 } else { 2 };
            continue;
        }
        if is_escape(s, k, end) {
            buf.push(s[k + 1]);
            k += 2;
            continue;
        }
        let construct = if marks.len() < MAX_NESTING {
            construct_at(s, k, end)
        } else {
            None
        };
        let Some(construct) = construct else {
            buf.push(c);
            k += 1;
            continue;
        };
        push_text(out, &buf, marks);
        buf.clear();
        k = construct.end();
        match construct {
            Construct::Span { mark, inner, .. } => {
                let mut inner_marks = marks.to_vec();
                inner_marks.push(mark);
                parse_inline(s, inner.0, inner.1, &inner_marks, out);
            }
            Construct::BareLink { href, .. } => {
                let mut inner_marks = marks.to_vec();
                inner_marks.push(Mark::link(href.clone()));
                push_text(out, &href, &inner_marks);
            }
            Construct::Mention { id, .. } => push_inline(out, Inline::mention(id, None)),
            Construct::Card { url, .. } => {
                push_inline(
                    out,
                    Inline::InlineCard {
                        url,
                        extra: Default::default(),
                    },
                );
            }
            Construct::Backslash { .. } => buf.push('\\'),
        }
    }
    push_text(out, &buf, marks);
}

/// Reads one line or paragraph of inline markup.
pub(crate) fn inlines(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    parse_inline(&chars, 0, chars.len(), &[], &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_need_word_boundaries() {
        assert_eq!(
            inlines("snake_case_name a - b 5 * 3 C++"),
            vec![Inline::text("snake_case_name a - b 5 * 3 C++")]
        );
        assert_eq!(
            inlines("x *bold* y"),
            vec![
                Inline::text("x "),
                Inline::styled("bold", [Mark::Strong]),
                Inline::text(" y")
            ]
        );
    }

    #[test]
    fn braced_marks_work_inside_words() {
        assert_eq!(
            inlines("a{*}b{*}c"),
            vec![
                Inline::text("a"),
                Inline::styled("b", [Mark::Strong]),
                Inline::text("c")
            ]
        );
    }

    #[test]
    fn brackets_read_as_links_mentions_or_text() {
        assert_eq!(inlines("[WIP] fix"), vec![Inline::text("[WIP] fix")]);
        assert_eq!(
            inlines("[~accountid:abc-1]"),
            vec![Inline::mention("abc-1", None)]
        );
        assert_eq!(
            inlines("[docs|https://x.io/a]"),
            vec![Inline::styled("docs", [Mark::link("https://x.io/a")])]
        );
        assert_eq!(
            inlines("[https://x.io]"),
            vec![Inline::styled("https://x.io", [Mark::link("https://x.io")])]
        );
    }

    #[test]
    fn backslash_escapes_punctuation_and_doubles_into_a_break() {
        assert_eq!(inlines(r"\*a\* C:\dir"), vec![Inline::text(r"*a* C:\dir")]);
        assert_eq!(
            inlines(r"a\\b"),
            vec![Inline::text("a"), Inline::hard_break(), Inline::text("b")]
        );
        assert_eq!(inlines("&#92;*"), vec![Inline::text("\\*")]);
    }
}
