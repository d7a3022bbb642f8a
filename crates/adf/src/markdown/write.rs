//! Blocks to Markdown.
//!
//! Inline content is first written the readable way (`**b**`, `_i_`, escaping only characters
//! that can be markup). CommonMark's rules for where emphasis may open and close are subtle, so
//! the result is read back; if it does not give the same nodes, the content is written again
//! with HTML tags for the marks and every ASCII punctuation character escaped, which reads back
//! the same whatever the neighbours.

use crate::json::{fallback_blocks, fallback_text};
use crate::node::{canonical_inlines, Block, Inline, ListItem, Mark, PanelType, SubSup};
use crate::spans::{group, Tree};

pub(crate) fn blocks(blocks: &[Block]) -> String {
    let mut chunks: Vec<String> = Vec::new();
    // Two lists of the same kind in a row would merge: alternate their markers.
    let mut last_bullet = '*';
    let mut last_delim = ')';
    let mut prev_list: Option<bool> = None;
    for b in blocks {
        let chunk = match b {
            Block::BulletList { items, .. } => {
                let bullet = if prev_list == Some(false) && last_bullet == '-' {
                    '*'
                } else {
                    '-'
                };
                last_bullet = bullet;
                list(items, None, bullet)
            }
            Block::OrderedList { order, items, .. } => {
                let delim = if prev_list == Some(true) && last_delim == '.' {
                    ')'
                } else {
                    '.'
                };
                last_delim = delim;
                list(items, Some(order.unwrap_or(1)), delim)
            }
            other => block(other),
        };
        prev_list = match b {
            Block::BulletList { .. } => Some(false),
            Block::OrderedList { .. } => Some(true),
            _ => None,
        };
        if !chunk.is_empty() {
            chunks.push(chunk);
        } else {
            prev_list = None;
        }
    }
    chunks.join("\n\n")
}

fn prefix_lines(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let prefix = if i == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
    }
    out
}

fn block(b: &Block) -> String {
    match b {
        Block::Paragraph { content, .. } => inline(content, Ctx::Block),
        Block::Heading { level, content, .. } => {
            let hashes = "#".repeat(usize::from((*level).clamp(1, 6)));
            let text = inline(content, Ctx::Heading);
            if text.is_empty() {
                hashes
            } else {
                format!("{hashes} {text}")
            }
        }
        Block::BulletList { items, .. } => list(items, None, '-'),
        Block::OrderedList { order, items, .. } => list(items, Some(order.unwrap_or(1)), '.'),
        Block::CodeBlock { language, text, .. } => {
            let language = language
                .as_deref()
                .filter(|l| !l.chars().any(char::is_whitespace))
                .unwrap_or_default();
            // A backtick fence cannot carry a backtick in its info string; a tilde one can.
            let tick = if language.contains('`') { '~' } else { '`' };
            let longest = text.split(|c| c != tick).map(str::len).max().unwrap_or(0);
            let fence = tick.to_string().repeat(longest.max(2) + 1);
            // Info strings take backslash escapes and entities.
            let language = language.replace('\\', "\\\\").replace('&', "\\&");
            format!("{fence}{language}\n{text}\n{fence}")
        }
        Block::Blockquote { content, .. } => prefix_lines(&blocks(content), "> ", "> "),
        Block::Panel {
            panel_type, content, ..
        } => {
            let alert = match panel_type {
                PanelType::Info => Some("NOTE"),
                PanelType::Success => Some("TIP"),
                PanelType::Note => Some("IMPORTANT"),
                PanelType::Warning => Some("WARNING"),
                PanelType::Error => Some("CAUTION"),
                _ => None,
            };
            let inner = blocks(content);
            match alert {
                Some(a) if inner.is_empty() => format!("> [!{a}]"),
                // Only a paragraph may follow the alert line directly: it would swallow a
                // list that does not start at 1.
                Some(a) if matches!(content.first(), Some(Block::Paragraph { .. })) => {
                    format!("> [!{a}]\n{}", prefix_lines(&inner, "> ", "> "))
                }
                Some(a) => format!("> [!{a}]\n>\n{}", prefix_lines(&inner, "> ", "> ")),
                None => prefix_lines(&inner, "> ", "> "),
            }
        }
        Block::Rule { .. } => "---".to_owned(),
        Block::Table { rows, .. } => table(rows),
        Block::MediaSingle { content, .. } => blocks(content),
        Block::Media(_) => String::new(),
        Block::Other(v) => blocks(&fallback_blocks(v)),
    }
}

fn table(rows: &[crate::node::TableRow]) -> String {
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    if width == 0 {
        return String::new();
    }
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = row
            .cells
            .iter()
            .map(|c| {
                let parts: Vec<String> = c
                    .content
                    .iter()
                    .map(|b| match b {
                        Block::Paragraph { content, .. } => inline(content, Ctx::Cell),
                        other => {
                            let text = crate::text::to_plain_text(std::slice::from_ref(other));
                            inline(&[Inline::text(text)], Ctx::Cell)
                        }
                    })
                    .filter(|p| !p.is_empty())
                    .collect();
                parts.join("<br>")
            })
            .collect();
        cells.resize(width, String::new());
        lines.push(line(cells));
        if i == 0 {
            lines.push(line(vec!["---".to_owned(); width]));
        }
    }
    lines.join("\n")
}

/// Whether a list can be written tight: every item a paragraph, perhaps followed by one list
/// that can interrupt it.
fn tight(items: &[ListItem]) -> bool {
    items.iter().all(|item| match item.content.as_slice() {
        [] | [Block::Paragraph { .. }] => true,
        [Block::Paragraph { .. }, Block::BulletList { .. }] => true,
        [Block::Paragraph { .. }, Block::OrderedList { order, .. }] => order.is_none_or(|o| o == 1),
        _ => false,
    })
}

fn list(items: &[ListItem], start: Option<u64>, delim: char) -> String {
    let tight = tight(items);
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let marker = match start {
            Some(n) => format!("{}{delim}", n.saturating_add(i as u64)),
            None => delim.to_string(),
        };
        let body = if tight {
            item.content
                .iter()
                .map(block)
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            blocks(&item.content)
        };
        // `- ---` is one thematic break, not an item holding one.
        let body = match body.strip_prefix("---") {
            Some(rest) if marker == "-" && (rest.is_empty() || rest.starts_with('\n')) => {
                format!("***{rest}")
            }
            _ => body,
        };
        if body.is_empty() {
            out.push(marker);
        } else {
            let pad = " ".repeat(marker.len() + 1);
            out.push(prefix_lines(&body, &format!("{marker} "), &pad));
        }
    }
    out.join(if tight { "\n" } else { "\n\n" })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Block,
    Heading,
    Cell,
}

/// Inline content, the readable way when it reads back the same, else the safe way.
fn inline(content: &[Inline], ctx: Ctx) -> String {
    let nice = render(content, false, ctx);
    let kept: Vec<Inline> = content
        .iter()
        .map(|n| match n {
            Inline::Text { text, marks, extra } => Inline::Text {
                text: text.clone(),
                marks: marks.iter().filter(|m| keep(m)).cloned().collect(),
                extra: extra.clone(),
            },
            other => other.clone(),
        })
        .collect();
    let want = canonical_inlines(&kept);
    if reads_back(&nice, &want, ctx) {
        return nice;
    }
    let safe = render(content, true, ctx);
    if reads_back(&safe, &want, ctx) {
        safe
    } else {
        nice
    }
}

fn reads_back(markdown: &str, want: &[Inline], ctx: Ctx) -> bool {
    if ctx == Ctx::Cell {
        let table = super::read::parse(&format!("| {markdown} |\n| --- |"));
        return match table.as_slice() {
            [Block::Table { rows, .. }] => match rows.as_slice() {
                [row] => match row.cells.as_slice() {
                    [cell] => match cell.content.as_slice() {
                        [Block::Paragraph { content, .. }] => content == want,
                        _ => false,
                    },
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        };
    }
    match super::read::parse(markdown).as_slice() {
        [] => want.is_empty(),
        [Block::Paragraph { content, .. }] => content == want,
        _ => false,
    }
}

fn keep(m: &Mark) -> bool {
    !matches!(m, Mark::TextColor { .. } | Mark::Other(_))
}

fn render(content: &[Inline], safe: bool, ctx: Ctx) -> String {
    let trees = group(content, keep);
    let mut w = Md {
        out: String::new(),
        safe,
        ctx,
    };
    w.trees(&trees, None);
    w.out
}

struct Md {
    out: String,
    safe: bool,
    ctx: Ctx,
}

fn first_char(t: &Tree<'_>) -> Option<char> {
    match t {
        Tree::Text(s) => s.chars().next(),
        Tree::Node(Inline::HardBreak { .. }) => Some('\n'),
        Tree::Node(_) => Some('['),
        Tree::Span(..) => Some('*'),
    }
}

impl Md {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn hard_break(&mut self, last: bool) {
        // A backslash break needs a following line; at the end `<br>` does the job.
        if self.ctx == Ctx::Block && !last {
            self.out.push_str("\\\n");
        } else {
            self.out.push_str("<br>");
        }
    }

    fn trees(&mut self, trees: &[Tree<'_>], after: Option<char>) {
        for (i, t) in trees.iter().enumerate() {
            let next = trees.get(i + 1).and_then(first_char).or(after);
            match t {
                Tree::Text(s) => self.text(s, next),
                Tree::Node(n) => self.node(n, next),
                Tree::Span(mark, children) => self.span(mark, children, next),
            }
        }
    }

    fn text(&mut self, s: &str, after: Option<char>) {
        let chars: Vec<char> = s.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let prev = self.out.chars().last();
            let next = chars.get(i + 1).copied().or(after);
            if c == '\n' {
                self.hard_break(next.is_none());
                continue;
            }
            if matches!(c, ' ' | '\t') && (self.at_line_start() || next.is_none_or(|n| n == '\n')) {
                // Leading and trailing blanks of a line would be dropped.
                self.out.push_str(&format!("&#{};", u32::from(c)));
                continue;
            }
            if c.is_ascii_punctuation() && self.needs_escape(c, prev, next, &chars[i..]) {
                self.out.push('\\');
            }
            self.out.push(c);
        }
    }

    fn needs_escape(&self, c: char, prev: Option<char>, next: Option<char>, rest: &[char]) -> bool {
        if self.safe {
            return true;
        }
        let alnum = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '~' | '|' => return true,
            '_' => return !(alnum(prev) && alnum(next)),
            '&' => return next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => {}
        }
        if self.ctx == Ctx::Heading && c == '#' && rest.iter().all(|x| *x == '#' || *x == ' ') {
            return true;
        }
        if self.ctx != Ctx::Block {
            return false;
        }
        if self.at_line_start() && matches!(c, '#' | '>' | '-' | '+' | '=') {
            return true;
        }
        // `1.` or `1)` at the start of a line would begin an ordered list.
        if matches!(c, '.' | ')') {
            let line = self.out.rsplit('\n').next().unwrap_or_default();
            return !line.is_empty() && line.len() <= 9 && line.chars().all(|d| d.is_ascii_digit());
        }
        false
    }

    fn node(&mut self, n: &Inline, next: Option<char>) {
        match n {
            Inline::HardBreak { .. } => self.hard_break(next.is_none()),
            Inline::Mention { id, text, .. } => {
                let plain_id =
                    !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>'));
                match text {
                    None if plain_id => self.out.push_str(&format!("<accountid:{id}>")),
                    _ => {
                        let shown = text.clone().unwrap_or_else(|| format!("@{id}"));
                        self.out.push('[');
                        self.text(&shown, Some(']'));
                        self.out.push_str("](");
                        self.out.push_str(&destination(&format!("accountid:{id}")));
                        self.out.push(')');
                    }
                }
            }
            Inline::InlineCard { url, .. } => {
                let autolink = url.split_once(':').is_some_and(|(scheme, _)| {
                    scheme.len() >= 2
                        && scheme
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
                }) && !url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'));
                if autolink {
                    self.out.push_str(&format!("<{url}>"));
                } else {
                    self.out.push('[');
                    self.text(url, Some(']'));
                    self.out.push_str(&format!("]({})", destination(url)));
                }
            }
            Inline::Emoji { short_name, text, .. } => self.text(text.as_deref().unwrap_or(short_name), next),
            Inline::Text { text, .. } => self.text(text, next),
            Inline::Other(v) => self.text(fallback_text(v).unwrap_or_default(), next),
        }
    }

    fn span(&mut self, mark: &Mark, children: &[Tree<'_>], next: Option<char>) {
        if let Mark::Code = mark {
            let mut code = String::new();
            collect_text(children, &mut code);
            let span = code_span(&code.replace('\n', " "));
            // In a table even a code span needs its pipes escaped.
            let span = if self.ctx == Ctx::Cell {
                span.replace('|', "\\|")
            } else {
                span
            };
            self.out.push_str(&span);
            return;
        }
        if let Mark::Link { href, attrs } = mark {
            self.out.push('[');
            self.trees(children, Some(']'));
            self.out.push_str("](");
            self.out.push_str(&destination(href));
            if let Some(title) = attrs.get("title").and_then(|t| t.as_str()) {
                self.out.push_str(" \"");
                self.out
                    .push_str(&title.replace('\\', "\\\\").replace('"', "\\\""));
                self.out.push('"');
            }
            self.out.push(')');
            return;
        }
        let (open, close) = match (mark, self.safe) {
            (Mark::Strong, false) => ("**", "**"),
            (Mark::Strong, true) => ("<strong>", "</strong>"),
            (Mark::Em, false) => {
                let prev = self.out.chars().last();
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                if word(prev) || word(next) {
                    ("*", "*")
                } else {
                    ("_", "_")
                }
            }
            (Mark::Em, true) => ("<em>", "</em>"),
            (Mark::Strike, false) => ("~~", "~~"),
            (Mark::Strike, true) => ("<del>", "</del>"),
            (Mark::Underline, _) => ("<u>", "</u>"),
            (Mark::Subsup(SubSup::Sub), _) => ("<sub>", "</sub>"),
            (Mark::Subsup(SubSup::Sup), _) => ("<sup>", "</sup>"),
            _ => ("", ""),
        };
        self.out.push_str(open);
        let after = close.chars().next();
        self.trees(children, after.or(next));
        self.out.push_str(close);
    }
}

fn collect_text(trees: &[Tree<'_>], out: &mut String) {
    for t in trees {
        match t {
            Tree::Text(s) => out.push_str(s),
            Tree::Node(n) => out.push_str(&crate::text::inline_text(std::slice::from_ref(*n))),
            Tree::Span(_, children) => collect_text(children, out),
        }
    }
}

fn code_span(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = code.starts_with('`')
        || code.ends_with('`')
        || (code.starts_with(' ') && code.ends_with(' ') && !code.trim().is_empty());
    if pad {
        format!("{ticks} {code} {ticks}")
    } else {
        format!("{ticks}{code}{ticks}")
    }
}

/// A link destination, in angle brackets when it has characters a bare one cannot hold.
fn destination(url: &str) -> String {
    if url.is_empty()
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '<' | '>' | '\\'))
    {
        let escaped: String = url
            .chars()
            .flat_map(|c| match c {
                '<' | '>' | '\\' => vec!['\\', c],
                '\n' | '\r' => vec![' '],
                c => vec![c],
            })
            .collect();
        format!("<{escaped}>")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use crate::node::{Inline, Mark};
    use crate::Doc;

    #[test]
    fn markdown_round_trips_a_typical_description() {
        let md = "## Steps\n\nOpen the **cart**, then _pay_.\n\n- one\n- two\n  1. nested\n\n```sh\nmake test\n```\n\n> quoted\n\n---";
        assert_eq!(Doc::from_markdown(md).to_markdown(), md);
    }

    #[test]
    fn markup_characters_in_text_are_escaped() {
        let doc = Doc::paragraph("*a* [b] `c` 1. x\n# not a heading");
        let md = doc.to_markdown();
        assert_eq!(md, "\\*a\\* \\[b\\] \\`c\\` 1. x\\\n\\# not a heading");
        assert_eq!(Doc::from_markdown(&md), doc);
    }

    #[test]
    fn mentions_use_the_accountid_convention() {
        let doc = Doc::builder()
            .paragraph(|p| {
                p.mention("557058:ab", "@Alice")
                    .text(" and ")
                    .node(Inline::mention("x1", None))
            })
            .build();
        assert_eq!(
            doc.to_markdown(),
            "[@Alice](accountid:557058:ab) and <accountid:x1>"
        );
        assert_eq!(Doc::from_markdown(&doc.to_markdown()), doc);
    }

    #[test]
    fn emphasis_that_markdown_cannot_delimit_falls_back_to_html() {
        let doc = Doc::builder()
            .paragraph(|p| {
                p.styled(" spaced ", [Mark::Strong])
                    .text("x")
                    .styled("y", [Mark::Underline])
            })
            .build();
        let md = doc.to_markdown();
        assert_eq!(Doc::from_markdown(&md), doc, "{md}");
    }

    #[test]
    fn consecutive_lists_keep_apart() {
        let doc = Doc::builder()
            .bullet_list(["a"])
            .bullet_list(["b"])
            .ordered_list(["c"])
            .ordered_list(["d"])
            .build();
        assert_eq!(doc.to_markdown(), "- a\n\n* b\n\n1. c\n\n1) d");
        assert_eq!(Doc::from_markdown(&doc.to_markdown()), doc);
    }

    #[test]
    fn panels_become_github_alerts() {
        let doc = Doc::builder()
            .panel(crate::PanelType::Error, |p| p.text("boom"))
            .build();
        assert_eq!(doc.to_markdown(), "> [!CAUTION]\n> boom");
        assert_eq!(Doc::from_markdown(&doc.to_markdown()), doc);
    }
}
