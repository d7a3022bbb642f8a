//! Markdown to blocks, from pulldown-cmark's event stream.

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};
use serde_json::{Map, Value};

use crate::node::{
    push_inline, push_text, Block, Extra, Inline, ListItem, Mark, PanelType, SubSup, TableCell, TableRow,
};

/// Quotes, lists and tables nested deeper than this are flattened into their parent.
const MAX_DEPTH: usize = 48;

pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM
}

pub(crate) fn parse(text: &str) -> Vec<Block> {
    let mut r = Reader {
        stack: vec![Frame::new(Kind::Doc)],
        marks: Vec::new(),
        capture: None,
        depth: 0,
    };
    for event in Parser::new_ext(text, options()) {
        r.event(event);
    }
    while r.stack.len() > 1 {
        r.close();
    }
    let mut root = r.stack.pop().unwrap_or_else(|| Frame::new(Kind::Doc));
    root.flush();
    root.blocks
}

pub(crate) fn panel_kind(kind: BlockQuoteKind) -> PanelType {
    match kind {
        BlockQuoteKind::Note => PanelType::Info,
        BlockQuoteKind::Tip => PanelType::Success,
        BlockQuoteKind::Important => PanelType::Note,
        BlockQuoteKind::Warning => PanelType::Warning,
        BlockQuoteKind::Caution => PanelType::Error,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Doc,
    Quote(Option<BlockQuoteKind>),
    List(Option<u64>),
    Item,
    Paragraph,
    Heading(u8),
    Code(Option<String>),
    Html,
    Table,
    TableHead,
    TableRow,
    TableCell(bool),
    /// A container too deep or not modelled: its blocks go to the parent.
    Pass,
}

struct Frame {
    kind: Kind,
    blocks: Vec<Block>,
    inlines: Vec<Inline>,
    items: Vec<ListItem>,
    rows: Vec<TableRow>,
    cells: Vec<TableCell>,
    text: String,
}

impl Frame {
    fn new(kind: Kind) -> Frame {
        Frame {
            kind,
            blocks: Vec::new(),
            inlines: Vec::new(),
            items: Vec::new(),
            rows: Vec::new(),
            cells: Vec::new(),
            text: String::new(),
        }
    }

    /// Inline content met directly in a container (a tight list item) makes a paragraph.
    fn flush(&mut self) {
        trim_breaks(&mut self.inlines);
        if !self.inlines.is_empty() {
            let content = std::mem::take(&mut self.inlines);
            self.blocks.push(Block::paragraph(content));
        }
    }
}

/// A break at the end of a block (`<br>` last) breaks nothing.
fn trim_breaks(inlines: &mut Vec<Inline>) {
    while matches!(inlines.last(), Some(Inline::HardBreak { .. })) {
        inlines.pop();
    }
}

enum Capture {
    Mention { id: String, autolink: bool },
    Card { url: String },
    Image { href: String },
}

struct Reader {
    stack: Vec<Frame>,
    marks: Vec<Mark>,
    /// Text collected for a mention, card or image, and how many links are open inside it.
    capture: Option<(Capture, String, usize)>,
    depth: usize,
}

impl Reader {
    fn top(&mut self) -> &mut Frame {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn top_kind(&self) -> &Kind {
        &self.stack[self.stack.len() - 1].kind
    }

    fn open(&mut self, kind: Kind) {
        if matches!(kind, Kind::Quote(_) | Kind::List(_) | Kind::Table) {
            if self.depth >= MAX_DEPTH {
                self.stack.push(Frame::new(Kind::Pass));
                return;
            }
            self.depth += 1;
        }
        self.stack.push(Frame::new(kind));
    }

    fn inline(&mut self, node: Inline) {
        push_inline(&mut self.top().inlines, node);
    }

    fn text(&mut self, text: &str, extra_mark: Option<Mark>) {
        if let Some((_, captured, _)) = &mut self.capture {
            captured.push_str(text);
            return;
        }
        if matches!(self.top_kind(), Kind::Code(_) | Kind::Html) {
            self.top().text.push_str(text);
            return;
        }
        let mut marks = self.marks.clone();
        marks.extend(extra_mark);
        let frame = self.top();
        push_text(&mut frame.inlines, text, &marks);
    }

    fn block(&mut self, block: Block) {
        let frame = self.top();
        frame.flush();
        frame.blocks.push(block);
    }

    fn unmark(&mut self, pred: impl Fn(&Mark) -> bool) {
        if let Some(pos) = self.marks.iter().rposition(pred) {
            self.marks.remove(pos);
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if self.capture.is_some() {
            match &event {
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                    if let Some(c) = &mut self.capture {
                        c.2 += 1;
                    }
                    return;
                }
                Event::End(TagEnd::Link | TagEnd::Image) => {
                    if let Some(c) = &mut self.capture {
                        if c.2 > 0 {
                            c.2 -= 1;
                            return;
                        }
                    }
                    self.end_capture();
                    return;
                }
                Event::Text(t) | Event::Code(t) => {
                    self.text(t, None);
                    return;
                }
                Event::SoftBreak | Event::HardBreak => {
                    self.text(" ", None);
                    return;
                }
                Event::Start(_) | Event::End(_) | Event::InlineHtml(_) => return,
                _ => {}
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t) => self.text(&t, None),
            Event::Code(t) => self.text(&t, Some(Mark::Code)),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t, None),
            Event::Html(t) => self.text(&t, None),
            Event::InlineHtml(t) => self.inline_html(&t.replace('\n', " ")),
            Event::FootnoteReference(t) => self.text(&format!("[^{t}]"), None),
            Event::SoftBreak => self.text(" ", None),
            Event::HardBreak => self.inline(Inline::hard_break()),
            Event::Rule => self.block(Block::Rule {
                extra: Extra::default(),
            }),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }, None),
        }
    }

    fn inline_html(&mut self, html: &str) {
        let tag = html.trim().to_ascii_lowercase();
        let mark = |name: &str| match name {
            "u" | "ins" => Some(Mark::Underline),
            "sub" => Some(Mark::Subsup(SubSup::Sub)),
            "sup" => Some(Mark::Subsup(SubSup::Sup)),
            "strong" | "b" => Some(Mark::Strong),
            "em" | "i" => Some(Mark::Em),
            "del" | "s" | "strike" => Some(Mark::Strike),
            _ => None,
        };
        if matches!(tag.as_str(), "<br>" | "<br/>" | "<br />") {
            self.inline(Inline::hard_break());
        } else if let Some(m) = tag
            .strip_prefix("</")
            .and_then(|t| t.strip_suffix('>'))
            .and_then(mark)
        {
            self.unmark(|x| *x == m);
        } else if let Some(m) = tag
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .and_then(mark)
        {
            self.marks.push(m);
        } else {
            self.text(html, None);
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.stack.push(Frame::new(Kind::Paragraph)),
            Tag::Heading { level, .. } => self.stack.push(Frame::new(Kind::Heading(level as u8))),
            Tag::BlockQuote(kind) => self.open(Kind::Quote(kind)),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_owned),
                    CodeBlockKind::Indented => None,
                };
                self.stack.push(Frame::new(Kind::Code(language)));
            }
            Tag::HtmlBlock => self.stack.push(Frame::new(Kind::Html)),
            Tag::List(start) => self.open(Kind::List(start)),
            Tag::Item => {
                let kind = if matches!(self.top_kind(), Kind::List(_)) {
                    Kind::Item
                } else {
                    Kind::Pass
                };
                self.stack.push(Frame::new(kind));
            }
            Tag::Table(_) => self.open(Kind::Table),
            Tag::TableHead | Tag::TableRow => {
                let kind = match (self.top_kind(), &tag) {
                    (Kind::Table, Tag::TableHead) => Kind::TableHead,
                    (Kind::Table, _) => Kind::TableRow,
                    _ => Kind::Pass,
                };
                self.stack.push(Frame::new(kind));
            }
            Tag::TableCell => {
                let kind = match self.top_kind() {
                    Kind::TableHead => Kind::TableCell(true),
                    Kind::TableRow => Kind::TableCell(false),
                    _ => Kind::Pass,
                };
                self.stack.push(Frame::new(kind));
            }
            Tag::Emphasis => self.marks.push(Mark::Em),
            Tag::Strong => self.marks.push(Mark::Strong),
            Tag::Strikethrough => self.marks.push(Mark::Strike),
            Tag::Superscript => self.marks.push(Mark::Subsup(SubSup::Sup)),
            Tag::Subscript => self.marks.push(Mark::Subsup(SubSup::Sub)),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                if let Some(id) = dest_url.strip_prefix("accountid:") {
                    let autolink = link_type == LinkType::Autolink;
                    self.capture = Some((
                        Capture::Mention {
                            id: id.to_owned(),
                            autolink,
                        },
                        String::new(),
                        0,
                    ));
                } else if link_type == LinkType::Autolink {
                    self.capture = Some((
                        Capture::Card {
                            url: dest_url.to_string(),
                        },
                        String::new(),
                        0,
                    ));
                } else {
                    let href = if link_type == LinkType::Email {
                        format!("mailto:{dest_url}")
                    } else {
                        dest_url.to_string()
                    };
                    let mut attrs = Map::new();
                    if !title.is_empty() {
                        attrs.insert("title".into(), Value::from(title.to_string()));
                    }
                    self.marks.push(Mark::Link { href, attrs });
                }
            }
            Tag::Image { dest_url, .. } => {
                self.capture = Some((
                    Capture::Image {
                        href: dest_url.to_string(),
                    },
                    String::new(),
                    0,
                ));
            }
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.stack.push(Frame::new(Kind::Pass)),
        }
    }

    fn end_capture(&mut self) {
        let Some((capture, text, _)) = self.capture.take() else {
            return;
        };
        match capture {
            Capture::Mention { id, autolink } => {
                self.inline(Inline::mention(id, (!autolink).then_some(text)));
            }
            Capture::Card { url } => self.inline(Inline::InlineCard {
                url,
                extra: Extra::default(),
            }),
            Capture::Image { href } => {
                let shown = if text.is_empty() { href.clone() } else { text };
                let mut marks = self.marks.clone();
                marks.push(Mark::link(href));
                push_text(&mut self.top().inlines, &shown, &marks);
            }
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Emphasis => self.unmark(|m| *m == Mark::Em),
            TagEnd::Strong => self.unmark(|m| *m == Mark::Strong),
            TagEnd::Strikethrough => self.unmark(|m| *m == Mark::Strike),
            TagEnd::Superscript => self.unmark(|m| *m == Mark::Subsup(SubSup::Sup)),
            TagEnd::Subscript => self.unmark(|m| *m == Mark::Subsup(SubSup::Sub)),
            TagEnd::Link => self.unmark(|m| matches!(m, Mark::Link { .. })),
            TagEnd::Image => {}
            _ => self.close(),
        }
    }

    /// Closes the innermost block frame and hands its node to the parent.
    fn close(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        if matches!(frame.kind, Kind::Quote(_) | Kind::List(_) | Kind::Table) {
            self.depth = self.depth.saturating_sub(1);
        }
        let extra = Extra::default;
        // HTML tags left open do not reach into the next block.
        self.marks.clear();
        trim_breaks(&mut frame.inlines);
        match frame.kind {
            Kind::Doc => self.stack.push(frame),
            // Markup with no text in it (`<u></u>`) leaves nothing to keep.
            Kind::Paragraph if frame.inlines.is_empty() => {}
            Kind::Paragraph => self.block(Block::Paragraph {
                content: frame.inlines,
                extra: extra(),
            }),
            Kind::Heading(level) => self.block(Block::Heading {
                level: level.clamp(1, 6),
                content: frame.inlines,
                extra: extra(),
            }),
            Kind::Code(language) => {
                let text = frame.text.strip_suffix('\n').unwrap_or(&frame.text).to_owned();
                self.block(Block::CodeBlock {
                    language,
                    text,
                    extra: extra(),
                });
            }
            Kind::Html => {
                let text = frame.text.trim_end();
                if !text.is_empty() {
                    self.block(Block::paragraph(crate::InlineBuilder::new().text(text).build()));
                }
            }
            Kind::Quote(kind) => {
                frame.flush();
                let content = frame.blocks;
                self.block(match kind {
                    None => Block::Blockquote {
                        content,
                        extra: extra(),
                    },
                    Some(k) => Block::Panel {
                        panel_type: panel_kind(k),
                        content,
                        extra: extra(),
                    },
                });
            }
            Kind::List(start) => {
                let items = frame.items;
                self.block(match start {
                    Some(n) => Block::OrderedList {
                        order: (n != 1).then_some(n),
                        items,
                        extra: extra(),
                    },
                    None => Block::BulletList {
                        items,
                        extra: extra(),
                    },
                });
            }
            Kind::Item => {
                frame.flush();
                self.top().items.push(ListItem::new(frame.blocks));
            }
            Kind::Table => self.block(Block::Table {
                rows: frame.rows,
                extra: extra(),
            }),
            Kind::TableHead | Kind::TableRow => self.top().rows.push(TableRow::new(frame.cells)),
            Kind::TableCell(header) => {
                let content = vec![Block::paragraph(frame.inlines)];
                self.top().cells.push(TableCell::new(header, content));
            }
            Kind::Pass => {
                frame.flush();
                for b in frame.blocks {
                    self.block(b);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Doc;

    fn para(text: &str) -> Block {
        Block::paragraph(vec![Inline::text(text)])
    }

    #[test]
    fn markdown_emphasis_becomes_marks() {
        assert_eq!(
            parse("a **b** _c_ ~~d~~ `e` [f](https://x.io)"),
            vec![Block::paragraph(vec![
                Inline::text("a "),
                Inline::styled("b", [Mark::Strong]),
                Inline::text(" "),
                Inline::styled("c", [Mark::Em]),
                Inline::text(" "),
                Inline::styled("d", [Mark::Strike]),
                Inline::text(" "),
                Inline::styled("e", [Mark::Code]),
                Inline::text(" "),
                Inline::styled("f", [Mark::link("https://x.io")]),
            ])]
        );
    }

    #[test]
    fn soft_breaks_are_spaces_and_backslash_breaks_are_hard() {
        assert_eq!(
            parse("a\nb\\\nc"),
            vec![Block::paragraph(vec![
                Inline::text("a b"),
                Inline::hard_break(),
                Inline::text("c")
            ])]
        );
    }

    #[test]
    fn accountid_links_are_mentions() {
        assert_eq!(
            parse("hi [@Alice](accountid:123) and <accountid:456>"),
            vec![Block::paragraph(vec![
                Inline::text("hi "),
                Inline::mention("123", Some("@Alice".into())),
                Inline::text(" and "),
                Inline::mention("456", None),
            ])]
        );
    }

    #[test]
    fn tight_lists_wrap_their_text_in_paragraphs() {
        let doc = Doc::new(parse("- a\n  1. b\n- c"));
        assert_eq!(doc.to_plain_text(), "- a\n  1. b\n- c");
        let Block::BulletList { items, .. } = &doc.content[0] else {
            panic!("{doc:?}")
        };
        assert_eq!(items[0].content[0], para("a"));
    }

    #[test]
    fn alerts_become_panels_and_fences_keep_their_language() {
        assert_eq!(
            parse("> [!WARNING]\n> careful\n\n```rust\nfn x() {}\n```"),
            vec![
                Block::Panel {
                    panel_type: PanelType::Warning,
                    content: vec![para("careful")],
                    extra: Extra::default()
                },
                Block::CodeBlock {
                    language: Some("rust".into()),
                    text: "fn x() {}".into(),
                    extra: Extra::default()
                },
            ]
        );
    }

    #[test]
    fn html_underline_and_tables_are_read() {
        let blocks = parse("<u>u</u>\n\n| h |\n|---|\n| c |");
        assert_eq!(
            blocks[0],
            Block::paragraph(vec![Inline::styled("u", [Mark::Underline])])
        );
        let Block::Table { rows, .. } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert!(rows[0].cells[0].header && !rows[1].cells[0].header);
    }

    #[test]
    fn deep_nesting_is_flattened_not_overflowed() {
        let deep = format!("{}x", "> ".repeat(5000));
        let doc = Doc::new(parse(&deep));
        assert_eq!(doc.to_plain_text().trim_start_matches("> ").trim_end(), "x");
    }
}
