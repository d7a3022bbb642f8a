//! The typed node model.
//!
//! Every node keeps what this crate does not model in an [`Extra`] (unknown attributes and
//! unknown top-level fields) or, for whole nodes and marks of unknown types, as raw JSON in an
//! `Other` variant, so a document read with [`Doc::from_json`](crate::Doc::from_json) writes
//! back the same JSON.

use serde_json::{Map, Value};

/// What a node carries that this crate does not model, kept so that it survives a round trip.
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Extra {
    /// Attributes (`attrs`) other than the ones the node's variant models.
    pub attrs: Map<String, Value>,
    /// Top-level fields other than `type`, `attrs`, `content`, `text` and `marks`
    /// (for block nodes, `marks` such as `alignment` are kept here too).
    pub fields: Map<String, Value>,
    /// The node had no `content` field although its variant has content.
    pub(crate) content_omitted: bool,
    /// The node had an empty `attrs` object.
    pub(crate) empty_attrs: bool,
    /// The text node had an empty `marks` array.
    pub(crate) empty_marks: bool,
}

impl std::fmt::Debug for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Mostly empty: keep `{:?}` of documents readable.
        if self.is_empty() {
            return f.write_str("Extra");
        }
        f.debug_struct("Extra")
            .field("attrs", &self.attrs)
            .field("fields", &self.fields)
            .field("content_omitted", &self.content_omitted)
            .field("empty_attrs", &self.empty_attrs)
            .field("empty_marks", &self.empty_marks)
            .finish()
    }
}

impl Extra {
    /// True when nothing unmodelled is kept.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
            && self.fields.is_empty()
            && !self.content_omitted
            && !self.empty_attrs
            && !self.empty_marks
    }
}

/// A block node: the children of the document, of lists items, quotes, panels and table cells.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Block {
    /// `paragraph`.
    Paragraph { content: Vec<Inline>, extra: Extra },
    /// `heading` with `attrs.level` 1 to 6.
    Heading {
        level: u8,
        content: Vec<Inline>,
        extra: Extra,
    },
    /// `bulletList`.
    BulletList { items: Vec<ListItem>, extra: Extra },
    /// `orderedList`; `order` is `attrs.order`, the number of the first item.
    OrderedList {
        order: Option<u64>,
        items: Vec<ListItem>,
        extra: Extra,
    },
    /// `codeBlock`; its text children are joined into `text`.
    CodeBlock {
        language: Option<String>,
        text: String,
        extra: Extra,
    },
    /// `blockquote`.
    Blockquote { content: Vec<Block>, extra: Extra },
    /// `rule`, a horizontal line.
    Rule { extra: Extra },
    /// `panel` with `attrs.panelType`.
    Panel {
        panel_type: PanelType,
        content: Vec<Block>,
        extra: Extra,
    },
    /// `table`.
    Table { rows: Vec<TableRow>, extra: Extra },
    /// `mediaSingle`: one `media` node, sometimes followed by a caption.
    MediaSingle { content: Vec<Block>, extra: Extra },
    /// `media`, an attachment or an external image.
    Media(Media),
    /// A block node this crate does not model, kept as it came.
    Other(Value),
}

/// A `listItem`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ListItem {
    pub content: Vec<Block>,
    pub extra: Extra,
}

/// A `tableRow`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct TableRow {
    pub cells: Vec<TableCell>,
    pub extra: Extra,
}

/// A `tableHeader` (when `header`) or `tableCell`; `colspan`, `rowspan`, … stay in `extra.attrs`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct TableCell {
    pub header: bool,
    pub content: Vec<Block>,
    pub extra: Extra,
}

/// A `media` node.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Media {
    /// `attrs.type`: `file`, `link` or `external`.
    pub media_type: String,
    /// `attrs.id`, for `file` and `link` media.
    pub id: Option<String>,
    /// `attrs.collection`.
    pub collection: Option<String>,
    /// `attrs.url`, for `external` media.
    pub url: Option<String>,
    /// `attrs.alt`.
    pub alt: Option<String>,
    pub extra: Extra,
}

/// `attrs.panelType` of a panel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PanelType {
    Info,
    Note,
    Warning,
    Success,
    Error,
    Custom,
    /// A panel type this crate does not know.
    Other(String),
}

impl PanelType {
    /// The ADF spelling.
    pub fn as_str(&self) -> &str {
        match self {
            PanelType::Info => "info",
            PanelType::Note => "note",
            PanelType::Warning => "warning",
            PanelType::Success => "success",
            PanelType::Error => "error",
            PanelType::Custom => "custom",
            PanelType::Other(s) => s,
        }
    }
}

impl From<&str> for PanelType {
    fn from(s: &str) -> Self {
        match s {
            "info" => PanelType::Info,
            "note" => PanelType::Note,
            "warning" => PanelType::Warning,
            "success" => PanelType::Success,
            "error" => PanelType::Error,
            "custom" => PanelType::Custom,
            other => PanelType::Other(other.to_owned()),
        }
    }
}

/// An inline node: the children of paragraphs, headings and code blocks.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Inline {
    /// `text` with its marks.
    Text {
        text: String,
        marks: Vec<Mark>,
        extra: Extra,
    },
    /// `hardBreak`, a line break inside a paragraph.
    HardBreak { extra: Extra },
    /// `mention` of a user: `attrs.id` is the account id, `attrs.text` the display text (`@Alice`).
    Mention {
        id: String,
        text: Option<String>,
        extra: Extra,
    },
    /// `emoji`: `attrs.shortName` (`:smile:`) and `attrs.text` (`😄`).
    Emoji {
        short_name: String,
        text: Option<String>,
        extra: Extra,
    },
    /// `inlineCard`, a smart link to `attrs.url`.
    InlineCard { url: String, extra: Extra },
    /// An inline node this crate does not model, kept as it came.
    Other(Value),
}

impl Inline {
    /// Unformatted text.
    pub fn text(text: impl Into<String>) -> Inline {
        Inline::Text {
            text: text.into(),
            marks: Vec::new(),
            extra: Extra::default(),
        }
    }

    /// Text with marks (put in canonical order).
    pub fn styled(text: impl Into<String>, marks: impl IntoIterator<Item = Mark>) -> Inline {
        Inline::Text {
            text: text.into(),
            marks: canonical_marks(marks),
            extra: Extra::default(),
        }
    }

    /// A line break.
    pub fn hard_break() -> Inline {
        Inline::HardBreak {
            extra: Extra::default(),
        }
    }

    /// A mention of `account_id`, shown as `text` (for example `@Alice`).
    pub fn mention(account_id: impl Into<String>, text: Option<String>) -> Inline {
        Inline::Mention {
            id: account_id.into(),
            text,
            extra: Extra::default(),
        }
    }

    /// The marks of a text node; other nodes have none.
    pub fn marks(&self) -> &[Mark] {
        match self {
            Inline::Text { marks, .. } => marks,
            _ => &[],
        }
    }
}

impl Block {
    /// A paragraph of these inline nodes.
    pub fn paragraph(content: Vec<Inline>) -> Block {
        Block::Paragraph {
            content,
            extra: Extra::default(),
        }
    }

    /// The ADF `type` of this node.
    pub fn type_name(&self) -> &str {
        match self {
            Block::Paragraph { .. } => "paragraph",
            Block::Heading { .. } => "heading",
            Block::BulletList { .. } => "bulletList",
            Block::OrderedList { .. } => "orderedList",
            Block::CodeBlock { .. } => "codeBlock",
            Block::Blockquote { .. } => "blockquote",
            Block::Rule { .. } => "rule",
            Block::Panel { .. } => "panel",
            Block::Table { .. } => "table",
            Block::MediaSingle { .. } => "mediaSingle",
            Block::Media(_) => "media",
            Block::Other(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

impl ListItem {
    /// A list item holding these blocks.
    pub fn new(content: Vec<Block>) -> ListItem {
        ListItem {
            content,
            extra: Extra::default(),
        }
    }
}

impl TableRow {
    /// A row of these cells.
    pub fn new(cells: Vec<TableCell>) -> TableRow {
        TableRow {
            cells,
            extra: Extra::default(),
        }
    }
}

impl TableCell {
    /// A `tableCell` (or `tableHeader` when `header`) holding these blocks.
    pub fn new(header: bool, content: Vec<Block>) -> TableCell {
        TableCell {
            header,
            content,
            extra: Extra::default(),
        }
    }
}

/// `attrs.type` of a `subsup` mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubSup {
    Sub,
    Sup,
}

/// A mark on a text node.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Mark {
    Strong,
    Em,
    Code,
    Strike,
    Underline,
    /// `link` to `href`; other link attributes (`title`, `id`, …) stay in `attrs`.
    Link {
        href: String,
        attrs: Map<String, Value>,
    },
    /// `textColor` with `attrs.color` (`#ff5630`).
    TextColor {
        color: String,
    },
    /// `subsup`: subscript or superscript.
    Subsup(SubSup),
    /// A mark this crate does not model (or a known mark with unexpected attributes), kept as it came.
    Other(Value),
}

impl Mark {
    /// A link to `href`.
    pub fn link(href: impl Into<String>) -> Mark {
        Mark::Link {
            href: href.into(),
            attrs: Map::new(),
        }
    }

    /// Position in the canonical order marks are kept in (outermost first).
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Mark::Link { .. } => 0,
            Mark::Em => 1,
            Mark::Strong => 2,
            Mark::Strike => 3,
            Mark::Subsup(_) => 4,
            Mark::Underline => 5,
            Mark::TextColor { .. } => 6,
            Mark::Code => 7,
            Mark::Other(_) => 8,
        }
    }

    /// Whether the mark formats text (as opposed to `code`, links and unknown marks).
    pub(crate) fn is_formatting(&self) -> bool {
        matches!(
            self,
            Mark::Strong
                | Mark::Em
                | Mark::Strike
                | Mark::Underline
                | Mark::TextColor { .. }
                | Mark::Subsup(_)
        )
    }
}

/// Marks sorted into canonical order, without duplicates; `code` drops the formatting marks
/// ADF does not allow beside it.
pub(crate) fn canonical_marks(marks: impl IntoIterator<Item = Mark>) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::new();
    for m in marks {
        // One mark of each kind: a second link or colour replaces the first.
        if let Some(pos) = out.iter().position(|o| same_kind(o, &m)) {
            out[pos] = m;
        } else {
            out.push(m);
        }
    }
    if out.iter().any(|m| matches!(m, Mark::Code)) {
        out.retain(|m| !m.is_formatting());
    }
    out.sort_by_key(Mark::rank);
    out
}

fn same_kind(a: &Mark, b: &Mark) -> bool {
    match (a, b) {
        (Mark::Other(x), Mark::Other(y)) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Appends `node` to `out`, merging text into a preceding text node with the same marks and
/// dropping empty text. Used by the readers so they produce one canonical form.
pub(crate) fn push_inline(out: &mut Vec<Inline>, node: Inline) {
    if let Inline::Text { text, marks, extra } = &node {
        if text.is_empty() {
            return;
        }
        if extra.is_empty() {
            if let Some(Inline::Text {
                text: prev,
                marks: prev_marks,
                extra: prev_extra,
            }) = out.last_mut()
            {
                if prev_extra.is_empty() && prev_marks == marks {
                    prev.push_str(text);
                    return;
                }
            }
        }
    }
    out.push(node);
}

/// Appends text with marks (canonicalised) to `out`.
pub(crate) fn push_text(out: &mut Vec<Inline>, text: &str, marks: &[Mark]) {
    if text.is_empty() {
        return;
    }
    push_inline(
        out,
        Inline::Text {
            text: text.to_owned(),
            marks: canonical_marks(marks.iter().cloned()),
            extra: Extra::default(),
        },
    );
}

/// The canonical form of an inline sequence, as the readers produce it.
pub(crate) fn canonical_inlines(inlines: &[Inline]) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    for node in inlines {
        match node {
            Inline::Text { text, marks, extra } if extra.is_empty() => push_text(&mut out, text, marks),
            other => push_inline(&mut out, other.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_marks_sorts_and_drops_formatting_beside_code() {
        let marks = canonical_marks([Mark::Strong, Mark::Code, Mark::link("https://x")]);
        assert_eq!(marks, vec![Mark::link("https://x"), Mark::Code]);
        assert_eq!(
            canonical_marks([Mark::Strong, Mark::Em]),
            vec![Mark::Em, Mark::Strong]
        );
    }

    #[test]
    fn push_text_merges_neighbours_with_the_same_marks() {
        let mut out = Vec::new();
        push_text(&mut out, "a", &[Mark::Strong]);
        push_text(&mut out, "b", &[Mark::Strong]);
        push_text(&mut out, "", &[]);
        push_text(&mut out, "c", &[]);
        assert_eq!(out, vec![Inline::styled("ab", [Mark::Strong]), Inline::text("c")]);
    }
}
