//! Blocks to wiki markup.
//!
//! Inline content is written in two passes. The first lays out pieces: raw markup (delimiters,
//! links, mentions) and literal characters, choosing for each mark the plain form (`*b*`) when
//! the reader will take it, else the braced one (`{*}b{*}`). The second walks the pieces from
//! right to left and escapes a literal character only when the reader, looking at exactly what
//! follows it, would take it for markup. So ordinary text comes out unchanged.

use std::collections::VecDeque;

use super::inline::{construct_at, looks_like_url, SCAN_LIMIT};
use crate::json::{fallback_blocks, fallback_text};
use crate::node::{Block, Inline, ListItem, Mark, PanelType, SubSup, TableCell};
use crate::spans::{group, Tree};

pub(crate) fn blocks(blocks: &[Block]) -> String {
    let chunks: Vec<String> = blocks.iter().map(block).filter(|c| !c.is_empty()).collect();
    chunks.join("\n\n")
}

fn block(b: &Block) -> String {
    match b {
        Block::Paragraph { content, .. } => inline(content, Ctx::Paragraph),
        Block::Heading { level, content, .. } => format!("h{level}. {}", inline(content, Ctx::Line)),
        Block::BulletList { items, .. } => list(items, "*"),
        Block::OrderedList { items, .. } => list(items, "#"),
        Block::CodeBlock { language, text, .. } => {
            let language = language.as_deref().filter(|l| {
                !l.is_empty()
                    && !l
                        .chars()
                        .any(|c| c.is_whitespace() || matches!(c, '}' | '{' | '|' | '='))
            });
            match language {
                Some(l) => format!("{{code:{l}}}\n{text}\n{{code}}"),
                None if text.contains("{noformat}") => format!("{{code}}\n{text}\n{{code}}"),
                None => format!("{{noformat}}\n{text}\n{{noformat}}"),
            }
        }
        Block::Blockquote { content, .. } => match content.as_slice() {
            [Block::Paragraph { content, .. }]
                if !content.iter().any(|i| matches!(i, Inline::HardBreak { .. })) =>
            {
                format!("bq. {}", inline(content, Ctx::Line))
            }
            _ => format!("{{quote}}\n{}\n{{quote}}", blocks(content)),
        },
        Block::Rule { .. } => "----".to_owned(),
        Block::Panel {
            panel_type, content, ..
        } => {
            let (open, close) = match panel_type {
                PanelType::Info => ("{info}".to_owned(), "{info}"),
                PanelType::Note => ("{note}".to_owned(), "{note}"),
                PanelType::Warning => ("{warning}".to_owned(), "{warning}"),
                PanelType::Success => ("{tip}".to_owned(), "{tip}"),
                other => {
                    let name: String = other
                        .as_str()
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect();
                    (format!("{{panel:type={name}}}"), "{panel}")
                }
            };
            format!("{open}\n{}\n{close}", blocks(content))
        }
        Block::Table { rows, .. } => rows
            .iter()
            .filter(|r| !r.cells.is_empty())
            .map(|row| {
                let mut line = String::new();
                let mut last = "|";
                for cell in &row.cells {
                    last = if cell.header { "||" } else { "|" };
                    line.push_str(last);
                    line.push_str(&cell_text(cell));
                }
                line.push_str(last);
                line
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::MediaSingle { content, .. } => blocks(content),
        Block::Media(_) => String::new(),
        Block::Other(v) => blocks(&fallback_blocks(v)),
    }
}

fn cell_text(cell: &TableCell) -> String {
    let parts: Vec<String> = cell
        .content
        .iter()
        .map(|b| match b {
            Block::Paragraph { content, .. } => inline(content, Ctx::Cell),
            other => inline(
                &[Inline::text(crate::text::to_plain_text(std::slice::from_ref(
                    other,
                )))],
                Ctx::Cell,
            ),
        })
        .filter(|p| !p.is_empty())
        .collect();
    let text = parts.join("\\\\");
    if text.is_empty() {
        " ".to_owned()
    } else {
        text
    }
}

fn list(items: &[ListItem], prefix: &str) -> String {
    let mut lines = Vec::new();
    list_lines(&mut lines, items, prefix);
    lines.join("\n")
}

fn list_lines(lines: &mut Vec<String>, items: &[ListItem], prefix: &str) {
    for item in items {
        let mut rest = item.content.iter().peekable();
        let mut paragraphs = Vec::new();
        while let Some(Block::Paragraph { content, .. }) = rest.peek() {
            paragraphs.push(inline(content, Ctx::Line));
            rest.next();
        }
        lines.push(format!("{prefix} {}", paragraphs.join("\\\\")));
        for b in rest {
            match b {
                Block::BulletList { items, .. } => list_lines(lines, items, &format!("{prefix}*")),
                Block::OrderedList { items, .. } => list_lines(lines, items, &format!("{prefix}#")),
                // Wiki lists hold nothing else; written after the item, this ends the list.
                other => lines.push(block(other)),
            }
        }
    }
}

/// Where inline content goes: a paragraph may span lines; a heading, list item or quote line
/// may not; a table cell must also keep `|` for its own delimiters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Paragraph,
    Line,
    Cell,
}

/// What would end a span the writer has opened, so literal text inside must not look like it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closer {
    Plain(char),
    Brace(char),
    Code,
    Color,
    LinkText,
    Cell,
}

enum Piece {
    Lit { ch: char, ctx: usize, line_start: bool },
    Raw(String),
}

fn delimiter(mark: &Mark) -> Option<char> {
    Some(match mark {
        Mark::Strong => '*',
        Mark::Em => '_',
        Mark::Strike => '-',
        Mark::Underline => '+',
        Mark::Subsup(SubSup::Sup) => '^',
        Mark::Subsup(SubSup::Sub) => '~',
        _ => return None,
    })
}

fn first_char(t: &Tree<'_>) -> Option<char> {
    match t {
        Tree::Text(s) => s.chars().next().map(|c| if c == '\n' { '\\' } else { c }),
        Tree::Node(n) => match n {
            Inline::HardBreak { .. } => Some('\n'),
            Inline::Mention { .. } | Inline::InlineCard { .. } => Some('['),
            Inline::Emoji { short_name, text, .. } => text.as_deref().unwrap_or(short_name).chars().next(),
            Inline::Other(v) => fallback_text(v).and_then(|t| t.chars().next()),
            Inline::Text { text, .. } => text.chars().next(),
        },
        Tree::Span(m, _) => Some(match m {
            Mark::Link { .. } => '[',
            m => delimiter(m).unwrap_or('{'),
        }),
    }
}

fn last_char(t: &Tree<'_>) -> Option<char> {
    match t {
        Tree::Text(s) => s.chars().last().map(|c| if c == '\n' { '\\' } else { c }),
        Tree::Node(n) => match n {
            Inline::HardBreak { .. } => Some('\n'),
            Inline::Mention { .. } | Inline::InlineCard { .. } => Some(']'),
            Inline::Emoji { short_name, text, .. } => text.as_deref().unwrap_or(short_name).chars().last(),
            Inline::Other(v) => fallback_text(v).and_then(|t| t.chars().last()),
            Inline::Text { text, .. } => text.chars().last(),
        },
        Tree::Span(m, _) => Some(match m {
            Mark::Link { .. } => ']',
            m => delimiter(m).unwrap_or('}'),
        }),
    }
}

fn has_content(nodes: &[Inline]) -> bool {
    nodes.iter().any(|n| match n {
        Inline::Text { text, .. } => !text.trim().is_empty(),
        Inline::HardBreak { .. } => false,
        _ => true,
    })
}

/// For each hard break: a newline (true) where neither line it separates would be blank,
/// else `\\`.
fn break_plan(content: &[Inline], ctx: Ctx) -> VecDeque<bool> {
    let segments: Vec<&[Inline]> = content.split(|n| matches!(n, Inline::HardBreak { .. })).collect();
    segments
        .windows(2)
        .map(|w| ctx == Ctx::Paragraph && has_content(w[0]) && has_content(w[1]))
        .collect()
}

fn sanitize_url(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('|', "%7C")
        .replace(']', "%5D")
        .replace('\n', "%0A")
}

fn inline(content: &[Inline], ctx: Ctx) -> String {
    let trees = group(content, |m| !matches!(m, Mark::Other(_)));
    let base = if ctx == Ctx::Cell {
        vec![Closer::Cell]
    } else {
        Vec::new()
    };
    let mut w = Writer {
        pieces: Vec::new(),
        ctxs: vec![base],
        cur: 0,
        ctx,
        breaks: break_plan(content, ctx),
        before: match ctx {
            Ctx::Paragraph => None,
            Ctx::Line => Some(' '),
            Ctx::Cell => Some('|'),
        },
        after: (ctx == Ctx::Cell).then_some('|'),
    };
    w.trees(&trees, w.after);
    w.finish()
}

struct Writer {
    pieces: Vec<Piece>,
    ctxs: Vec<Vec<Closer>>,
    cur: usize,
    ctx: Ctx,
    breaks: VecDeque<bool>,
    /// The character written before this content (`|` in a cell), if any.
    before: Option<char>,
    /// The character written after it.
    after: Option<char>,
}

impl Writer {
    fn prev(&self) -> Option<char> {
        match self.pieces.last() {
            Some(Piece::Lit { ch, .. }) => Some(*ch),
            Some(Piece::Raw(s)) => s.chars().last(),
            None => self.before,
        }
    }

    fn at_line_start(&self) -> bool {
        if self.ctx != Ctx::Paragraph {
            return false;
        }
        for p in self.pieces.iter().rev() {
            match p {
                Piece::Lit { ch, .. } if ch.is_whitespace() => continue,
                Piece::Lit { .. } => return false,
                Piece::Raw(s) => return s.ends_with('\n'),
            }
        }
        true
    }

    fn lit(&mut self, ch: char) {
        let line_start = self.at_line_start();
        self.pieces.push(Piece::Lit {
            ch,
            ctx: self.cur,
            line_start,
        });
    }

    fn lits(&mut self, s: &str) {
        for ch in s.chars() {
            match ch {
                '\n' => self.raw("\\\\"),
                '\r' => {}
                ch => self.lit(ch),
            }
        }
    }

    fn raw(&mut self, s: &str) {
        self.pieces.push(Piece::Raw(s.to_owned()));
    }

    fn enter(&mut self, closer: Closer) -> usize {
        let mut closers = self.ctxs[self.cur].clone();
        closers.push(closer);
        self.ctxs.push(closers);
        std::mem::replace(&mut self.cur, self.ctxs.len() - 1)
    }

    fn trees(&mut self, trees: &[Tree<'_>], after: Option<char>) {
        for (i, t) in trees.iter().enumerate() {
            let next = match trees.get(i + 1) {
                Some(n) => first_char(n),
                None => after,
            };
            match t {
                Tree::Text(s) => self.lits(s),
                Tree::Node(n) => self.node(n),
                Tree::Span(mark, children) => self.span(mark, children, next),
            }
        }
    }

    fn node(&mut self, n: &Inline) {
        match n {
            Inline::HardBreak { .. } => {
                let newline = self.breaks.pop_front().unwrap_or(false);
                self.raw(if newline { "\n" } else { "\\\\" });
            }
            Inline::Mention { id, text, .. } => {
                if id.is_empty()
                    || id
                        .chars()
                        .any(|c| c.is_whitespace() || matches!(c, '[' | ']' | '|' | '\\'))
                {
                    let shown = text.clone().unwrap_or_else(|| format!("@{id}"));
                    self.lits(&shown);
                } else {
                    self.raw(&format!("[~accountid:{id}]"));
                }
            }
            Inline::InlineCard { url, .. } => {
                let url = sanitize_url(url);
                self.raw(&format!("[{url}|{url}|smart-link]"));
            }
            Inline::Emoji { short_name, text, .. } => self.lits(text.as_deref().unwrap_or(short_name)),
            Inline::Text { text, .. } => self.lits(text),
            Inline::Other(v) => self.lits(fallback_text(v).unwrap_or_default()),
        }
    }

    fn span(&mut self, mark: &Mark, children: &[Tree<'_>], next: Option<char>) {
        match mark {
            Mark::Link { href, .. } => {
                let href = sanitize_url(href);
                if let [Tree::Text(t)] = children {
                    if *t == href && looks_like_url(&href) && !href.contains('[') {
                        self.raw(&format!("[{href}]"));
                        return;
                    }
                }
                self.raw("[");
                let saved = self.enter(Closer::LinkText);
                self.trees(children, Some('|'));
                self.cur = saved;
                self.raw(&format!("|{href}]"));
            }
            Mark::Code => {
                self.raw("{{");
                let saved = self.enter(Closer::Code);
                self.trees(children, Some('}'));
                self.cur = saved;
                self.raw("}}");
            }
            Mark::TextColor { color }
                if !color.is_empty()
                    && !color.chars().any(|c| c.is_whitespace() || matches!(c, '{' | '}')) =>
            {
                self.raw(&format!("{{color:{color}}}"));
                let saved = self.enter(Closer::Color);
                self.trees(children, Some('{'));
                self.cur = saved;
                self.raw("{color}");
            }
            m => {
                let Some(c) = delimiter(m) else {
                    self.trees(children, next);
                    return;
                };
                let first = children.first().and_then(first_char);
                let last = children.last().and_then(last_char);
                let plain = self.prev().is_none_or(|p| !p.is_alphanumeric())
                    && first.is_some_and(|f| !f.is_whitespace() && f != c)
                    && last.is_some_and(|l| !l.is_whitespace() && l != c)
                    && next.is_none_or(|n| !n.is_alphanumeric())
                    && !(c == '*' && self.at_line_start() && matches!(first, Some('*' | '#')));
                let (open, close, closer, inner_after) = if plain {
                    (c.to_string(), c.to_string(), Closer::Plain(c), c)
                } else {
                    (format!("{{{c}}}"), format!("{{{c}}}"), Closer::Brace(c), '{')
                };
                self.raw(&open);
                let saved = self.enter(closer);
                self.trees(children, Some(inner_after));
                self.cur = saved;
                self.raw(&close);
            }
        }
    }

    fn finish(self) -> String {
        let mut rev: Vec<char> = Vec::new();
        if let Some(a) = self.after {
            rev.push(a);
        }
        for k in (0..self.pieces.len()).rev() {
            match &self.pieces[k] {
                Piece::Raw(s) => rev.extend(s.chars().rev()),
                Piece::Lit { ch: '\\', .. } => {
                    if rev.last().is_some_and(|n| n.is_ascii_punctuation()) {
                        rev.extend("&#92;".chars().rev());
                    } else {
                        rev.push('\\');
                    }
                }
                Piece::Lit { ch, ctx, line_start } => {
                    let prev = match k.checked_sub(1).map(|p| &self.pieces[p]) {
                        Some(Piece::Lit { ch, .. }) => Some(*ch),
                        Some(Piece::Raw(s)) => s.chars().last(),
                        None => self.before,
                    };
                    rev.push(*ch);
                    if ch.is_ascii_punctuation() && self.needs_escape(k, *ch, prev, &rev, *ctx, *line_start) {
                        rev.push('\\');
                    }
                }
            }
        }
        if self.after.is_some() {
            rev.remove(0);
        }
        rev.iter().rev().collect()
    }

    /// Whether the reader would take the literal `ch` (already last in `rev`) for markup.
    fn needs_escape(
        &self,
        k: usize,
        ch: char,
        prev: Option<char>,
        rev: &[char],
        ctx: usize,
        line_start: bool,
    ) -> bool {
        let mut buf: Vec<char> = Vec::with_capacity(SCAN_LIMIT + 32);
        buf.extend(prev);
        let i = buf.len();
        buf.extend(rev.iter().rev().take(SCAN_LIMIT + 24));
        let s = &buf[..];
        if construct_at(s, i, s.len()).is_some() || macro_like(&s[i..]) {
            return true;
        }
        let next = s.get(i + 1).copied();
        for closer in &self.ctxs[ctx] {
            let hit = match *closer {
                Closer::Plain(c) => {
                    ch == c
                        && prev.is_some_and(|p| !p.is_whitespace() && p != c)
                        && next.is_none_or(|n| !n.is_alphanumeric())
                }
                Closer::Brace(c) => ch == '{' && next == Some(c) && s.get(i + 2) == Some(&'}'),
                Closer::Code => ch == '}' && next == Some('}'),
                Closer::Color => s[i..].starts_with(&['{', 'c', 'o', 'l', 'o', 'r', '}']),
                Closer::LinkText => ch == '|' || ch == ']',
                // The row splitter sees the whole row: no literal may open a link there.
                Closer::Cell => ch == '|' || ch == '[',
            };
            if hit {
                return true;
            }
        }
        (line_start && block_start(&s[i..])) || (ch == '.' && self.starts_heading_or_quote(k))
    }

    /// Whether the `.` at `k` ends `h1`…`h6` or `bq` at the start of a line.
    fn starts_heading_or_quote(&self, k: usize) -> bool {
        if self.ctx != Ctx::Paragraph {
            return false;
        }
        let mut before = Vec::new();
        for p in self.pieces[..k].iter().rev() {
            match p {
                Piece::Lit { ch, .. } => before.push(*ch),
                Piece::Raw(s) if s.ends_with('\n') => break,
                Piece::Raw(_) => return false,
            }
            if before.len() > 64 {
                return false;
            }
        }
        let word: String = before.iter().rev().collect();
        let word = word.trim_start();
        matches!(word, "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "bq")
    }
}

/// `{name}` or `{name:` for the macros the reader knows (the block macros and `{color}`).
fn macro_like(s: &[char]) -> bool {
    if s.first() != Some(&'{') {
        return false;
    }
    let name: String = s[1..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
    matches!(s.get(1 + name.len()), Some('}' | ':'))
        && matches!(
            name.as_str(),
            "code" | "noformat" | "quote" | "panel" | "info" | "note" | "warning" | "tip" | "color"
        )
}

/// What the block reader would take for a list, rule or table at the start of a line.
fn block_start(s: &[char]) -> bool {
    let markers = s.iter().take_while(|c| matches!(c, '*' | '#')).count();
    let ws_or_end = |at: usize| s.get(at).is_none_or(|c| c.is_whitespace());
    (markers > 0 && ws_or_end(markers))
        || (s.first() == Some(&'-') && ws_or_end(1))
        || s.starts_with(&['-', '-', '-', '-'])
        || s.first() == Some(&'|')
}

#[cfg(test)]
mod tests {
    use crate::node::{Inline, Mark};
    use crate::Doc;

    fn round_trip(text: &str) -> String {
        Doc::from_wiki(text).to_wiki()
    }

    #[test]
    fn plain_sentences_round_trip_exactly() {
        for text in [
            "Steps: open cart, press pay.",
            "a - b",
            "5 * 3",
            "snake_case_name",
            "C++ and C#",
            "[WIP] fix the {thing}",
            "C:\\Users\\bob",
            "price: 5$ (+tax)",
            "50% off ~ today",
            "h1 is a heading tag",
        ] {
            assert_eq!(round_trip(text), text);
            assert_eq!(Doc::from_wiki(text).content.len(), 1, "{text}");
        }
    }

    #[test]
    fn empty_doc_writes_empty_wiki() {
        assert_eq!(Doc::from_wiki("").to_wiki(), "");
    }

    #[test]
    fn text_that_would_read_as_markup_is_escaped() {
        let doc = Doc::paragraph("*not bold* and [x|https://y.io] and {{code}}");
        assert_eq!(
            doc.to_wiki(),
            "\\*not bold* and \\[x|https://y.io] and {\\{code}}"
        );
        assert_eq!(Doc::from_wiki(&doc.to_wiki()), doc);
    }

    #[test]
    fn lines_that_would_start_blocks_are_escaped() {
        let doc = Doc::paragraph("x\n* not a list\nh1. not a heading\n----\n| no table");
        let wiki = doc.to_wiki();
        assert_eq!(
            wiki,
            "x\n\\* not a list\nh1\\. not a heading\n\\----\n\\| no table"
        );
        assert_eq!(Doc::from_wiki(&wiki), doc);
    }

    #[test]
    fn marks_inside_words_use_braces() {
        let doc = Doc::builder()
            .paragraph(|p| p.text("un").strong("believ").text("able"))
            .build();
        assert_eq!(doc.to_wiki(), "un{*}believ{*}able");
        assert_eq!(Doc::from_wiki(&doc.to_wiki()), doc);
    }

    #[test]
    fn nested_marks_links_and_mentions_are_written() {
        let doc = Doc::builder()
            .paragraph(|p| {
                p.strong("bold ")
                    .styled("both", [Mark::Strong, Mark::Em])
                    .text(" see ")
                    .styled("docs", [Mark::link("https://x.io/a_b")])
                    .text(" ")
                    .node(Inline::mention("557058:abc", None))
                    .text(" ")
                    .code("x*y")
            })
            .build();
        let wiki = doc.to_wiki();
        assert_eq!(
            wiki,
            "*bold _both_* see [docs|https://x.io/a_b] [~accountid:557058:abc] {{x*y}}"
        );
        assert_eq!(Doc::from_wiki(&wiki), doc);
    }

    #[test]
    fn blank_lines_inside_a_paragraph_use_double_backslash() {
        let doc = Doc::builder()
            .paragraph(|p| p.text("a").hard_break().hard_break().text("b"))
            .build();
        assert_eq!(doc.to_wiki(), "a\\\\\\\\b");
        assert_eq!(Doc::from_wiki(&doc.to_wiki()), doc);
    }

    #[test]
    fn code_blocks_quotes_panels_and_tables_are_written() {
        let doc = Doc::builder()
            .code_block(Some("rust"), "let x = 1;")
            .code_block(None, "raw *text*")
            .quote(|q| q.text("one").text("two"))
            .panel(crate::PanelType::Warning, |p| p.text("careful"))
            .table(|t| t.header_row(["a", "b|c"]).row(["1", ""]))
            .build();
        let wiki = doc.to_wiki();
        assert_eq!(
            wiki,
            "{code:rust}\nlet x = 1;\n{code}\n\n{noformat}\nraw *text*\n{noformat}\n\n{quote}\none\n\ntwo\n{quote}\n\n{warning}\ncareful\n{warning}\n\n||a||b\\|c||\n|1| |"
        );
        let back = Doc::from_wiki(&wiki);
        assert_eq!(back.content[..4], doc.content[..4]);
    }
}
