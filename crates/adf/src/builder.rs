//! Builders for documents and their parts.

use crate::node::{push_inline, Block, Extra, Inline, ListItem, Mark, PanelType, TableCell, TableRow};
use crate::Doc;

/// Builds a sequence of blocks: a [`Doc`], or the inside of a quote, panel, list item or cell.
///
/// ```
/// use jirakit_adf::Doc;
/// let doc = Doc::builder()
///     .heading(2, "Release")
///     .paragraph(|p| p.text("Ship ").strong("today").text(", see ").link("notes", "https://example.com"))
///     .bullet_list(["tests", "docs"])
///     .code_block(Some("rust"), "fn main() {}")
///     .build();
/// assert_eq!(doc.to_markdown(), "## Release\n\nShip **today**, see [notes](https://example.com)\n\n- tests\n- docs\n\n```rust\nfn main() {}\n```");
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DocBuilder {
    blocks: Vec<Block>,
}

impl DocBuilder {
    /// An empty builder.
    pub fn new() -> DocBuilder {
        DocBuilder::default()
    }

    /// A paragraph built by `f`.
    pub fn paragraph(self, f: impl FnOnce(InlineBuilder) -> InlineBuilder) -> Self {
        let content = f(InlineBuilder::new()).build();
        self.block(Block::paragraph(content))
    }

    /// A paragraph of plain text; newlines become line breaks.
    pub fn text(self, text: &str) -> Self {
        let content = InlineBuilder::new().text(text).build();
        self.block(Block::paragraph(content))
    }

    /// A heading of plain text (`level` is clamped to 1..=6).
    pub fn heading(self, level: u8, text: &str) -> Self {
        self.heading_with(level, |h| h.text(text))
    }

    /// A heading built by `f` (`level` is clamped to 1..=6).
    pub fn heading_with(self, level: u8, f: impl FnOnce(InlineBuilder) -> InlineBuilder) -> Self {
        let content = f(InlineBuilder::new()).build();
        self.block(Block::Heading {
            level: level.clamp(1, 6),
            content,
            extra: Extra::default(),
        })
    }

    /// A bullet list with one plain-text item per element.
    pub fn bullet_list<I>(self, items: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.bullet_list_with(|l| items.into_iter().fold(l, |l, i| l.item(i.as_ref())))
    }

    /// A bullet list built by `f`.
    pub fn bullet_list_with(self, f: impl FnOnce(ListBuilder) -> ListBuilder) -> Self {
        let items = f(ListBuilder::default()).items;
        self.block(Block::BulletList {
            items,
            extra: Extra::default(),
        })
    }

    /// An ordered list (numbered from 1) with one plain-text item per element.
    pub fn ordered_list<I>(self, items: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.ordered_list_with(None, |l| items.into_iter().fold(l, |l, i| l.item(i.as_ref())))
    }

    /// An ordered list built by `f`, numbered from `order` (ADF's default, 1, when `None`).
    pub fn ordered_list_with(self, order: Option<u64>, f: impl FnOnce(ListBuilder) -> ListBuilder) -> Self {
        let items = f(ListBuilder::default()).items;
        self.block(Block::OrderedList {
            order,
            items,
            extra: Extra::default(),
        })
    }

    /// A code block, with a language for highlighting or none.
    pub fn code_block(self, language: Option<&str>, text: &str) -> Self {
        self.block(Block::CodeBlock {
            language: language.map(str::to_owned),
            text: text.to_owned(),
            extra: Extra::default(),
        })
    }

    /// A quote holding the blocks built by `f`.
    pub fn quote(self, f: impl FnOnce(DocBuilder) -> DocBuilder) -> Self {
        let content = f(DocBuilder::new()).blocks;
        self.block(Block::Blockquote {
            content,
            extra: Extra::default(),
        })
    }

    /// A panel (info, note, warning, …) holding the blocks built by `f`.
    pub fn panel(self, panel_type: PanelType, f: impl FnOnce(DocBuilder) -> DocBuilder) -> Self {
        let content = f(DocBuilder::new()).blocks;
        self.block(Block::Panel {
            panel_type,
            content,
            extra: Extra::default(),
        })
    }

    /// A horizontal rule.
    pub fn rule(self) -> Self {
        self.block(Block::Rule {
            extra: Extra::default(),
        })
    }

    /// A table built by `f`.
    pub fn table(self, f: impl FnOnce(TableBuilder) -> TableBuilder) -> Self {
        let rows = f(TableBuilder::default()).rows;
        self.block(Block::Table {
            rows,
            extra: Extra::default(),
        })
    }

    /// Any block, as is.
    pub fn block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// The blocks built so far.
    pub fn into_blocks(self) -> Vec<Block> {
        self.blocks
    }

    /// The document.
    pub fn build(self) -> Doc {
        Doc::new(self.blocks)
    }
}

/// Builds the inline content of a paragraph, heading or list item. Neighbouring text with the
/// same marks is merged and empty text is dropped, so the result is what the readers produce.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct InlineBuilder {
    content: Vec<Inline>,
}

impl InlineBuilder {
    /// An empty builder.
    pub fn new() -> InlineBuilder {
        InlineBuilder::default()
    }

    /// Plain text; each newline becomes a line break.
    pub fn text(self, text: &str) -> Self {
        self.styled(text, [])
    }

    /// Text with the given marks; each newline becomes a line break.
    pub fn styled(mut self, text: &str, marks: impl IntoIterator<Item = Mark>) -> Self {
        let marks: Vec<Mark> = marks.into_iter().collect();
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                push_inline(&mut self.content, Inline::hard_break());
            }
            crate::node::push_text(&mut self.content, line, &marks);
        }
        self
    }

    /// Bold text.
    pub fn strong(self, text: &str) -> Self {
        self.styled(text, [Mark::Strong])
    }

    /// Italic text.
    pub fn em(self, text: &str) -> Self {
        self.styled(text, [Mark::Em])
    }

    /// Inline code.
    pub fn code(self, text: &str) -> Self {
        self.styled(text, [Mark::Code])
    }

    /// Struck-through text.
    pub fn strike(self, text: &str) -> Self {
        self.styled(text, [Mark::Strike])
    }

    /// Underlined text.
    pub fn underline(self, text: &str) -> Self {
        self.styled(text, [Mark::Underline])
    }

    /// Text linking to `href`.
    pub fn link(self, text: &str, href: &str) -> Self {
        self.styled(text, [Mark::link(href)])
    }

    /// A line break.
    pub fn hard_break(mut self) -> Self {
        self.content.push(Inline::hard_break());
        self
    }

    /// A mention of `account_id`, shown as `text` (for example `@Alice`).
    pub fn mention(mut self, account_id: &str, text: &str) -> Self {
        self.content
            .push(Inline::mention(account_id, Some(text.to_owned())));
        self
    }

    /// An emoji by short name (`:smile:`).
    pub fn emoji(mut self, short_name: &str) -> Self {
        self.content.push(Inline::Emoji {
            short_name: short_name.to_owned(),
            text: None,
            extra: Extra::default(),
        });
        self
    }

    /// A smart link card for `url`.
    pub fn inline_card(mut self, url: &str) -> Self {
        self.content.push(Inline::InlineCard {
            url: url.to_owned(),
            extra: Extra::default(),
        });
        self
    }

    /// Any inline node, as is.
    pub fn node(mut self, node: Inline) -> Self {
        push_inline(&mut self.content, node);
        self
    }

    /// The inline nodes.
    pub fn build(self) -> Vec<Inline> {
        self.content
    }
}

/// Builds the items of a list.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ListBuilder {
    items: Vec<ListItem>,
}

impl ListBuilder {
    /// An item of plain text.
    pub fn item(self, text: &str) -> Self {
        self.item_with(|b| b.text(text))
    }

    /// An item holding the blocks built by `f` (a paragraph, then perhaps a nested list).
    pub fn item_with(mut self, f: impl FnOnce(DocBuilder) -> DocBuilder) -> Self {
        self.items.push(ListItem::new(f(DocBuilder::new()).blocks));
        self
    }
}

/// Builds the rows of a table.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TableBuilder {
    rows: Vec<TableRow>,
}

impl TableBuilder {
    /// A row of header cells holding plain text.
    pub fn header_row<I>(self, cells: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.text_row(true, cells)
    }

    /// A row of cells holding plain text.
    pub fn row<I>(self, cells: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.text_row(false, cells)
    }

    /// A row of cells given as `(is_header, content)`.
    pub fn row_with(mut self, cells: Vec<(bool, DocBuilder)>) -> Self {
        let cells = cells
            .into_iter()
            .map(|(header, b)| TableCell::new(header, b.blocks))
            .collect();
        self.rows.push(TableRow::new(cells));
        self
    }

    fn text_row<I>(mut self, header: bool, cells: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let cells = cells
            .into_iter()
            .map(|c| TableCell::new(header, DocBuilder::new().text(c.as_ref()).blocks))
            .collect();
        self.rows.push(TableRow::new(cells));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builder_produces_the_adf_jira_expects() {
        let doc = Doc::builder()
            .heading(2, "Title")
            .paragraph(|p| p.text("a").strong("b").link("c", "https://example.com"))
            .bullet_list(["x", "y"])
            .code_block(Some("rust"), "fn main(){}")
            .build();
        assert_eq!(
            doc.to_json(),
            json!({"version": 1, "type": "doc", "content": [
                {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Title"}]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "a"},
                    {"type": "text", "text": "b", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": "c", "marks": [{"type": "link", "attrs": {"href": "https://example.com"}}]}
                ]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]},
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "y"}]}]}
                ]},
                {"type": "codeBlock", "attrs": {"language": "rust"}, "content": [{"type": "text", "text": "fn main(){}"}]}
            ]})
        );
    }

    #[test]
    fn builder_text_turns_newlines_into_hard_breaks_and_merges_same_marks() {
        let content = InlineBuilder::new().text("a\nb").text("c").strong("").build();
        assert_eq!(
            content,
            vec![Inline::text("a"), Inline::hard_break(), Inline::text("bc")]
        );
    }

    #[test]
    fn builder_nests_lists_quotes_and_tables() {
        let doc = Doc::builder()
            .bullet_list_with(|l| l.item_with(|i| i.text("parent").ordered_list(["child"])))
            .quote(|q| q.text("said"))
            .table(|t| t.header_row(["h"]).row(["c"]))
            .build();
        assert_eq!(doc.to_wiki(), "* parent\n*# child\n\nbq. said\n\n||h||\n|c|");
    }
}
