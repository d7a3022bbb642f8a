//! Atlassian Document Format (ADF), the JSON Jira's REST API v3 uses for rich text: a typed
//! node model, a builder, and conversions to and from plain text, Jira wiki markup (the v2
//! representation) and Markdown.
//!
//! ```no_run
//! use jirakit_adf::Doc;
//!
//! let doc = Doc::from_markdown("Hello **world**, ping [@Alice](accountid:5b10a2844c20165700ede21g)");
//! assert_eq!(doc.to_plain_text(), "Hello world, ping @Alice");
//! assert_eq!(doc.to_wiki(), "Hello *world*, ping [~accountid:5b10a2844c20165700ede21g]");
//!
//! let built = Doc::builder()
//!     .heading(2, "Steps")
//!     .ordered_list(["open cart", "press pay"])
//!     .build();
//! let body = serde_json::json!({ "fields": { "description": built.to_json() } });
//!
//! let back = Doc::from_json(body["fields"]["description"].clone())?;
//! assert_eq!(back, built);
//! # Ok::<(), jirakit_adf::AdfError>(())
//! ```
//!
//! # The model
//!
//! A [`Doc`] holds [`Block`]s; paragraphs and headings hold [`Inline`]s; text carries
//! [`Mark`]s. Node types, attributes and marks this crate does not model (Jira has many:
//! `expand`, `status`, `date`, `layoutSection`, …) are kept as raw JSON in `Other` variants and
//! [`Extra`], so [`Doc::from_json`] followed by [`Doc::to_json`] gives back the same JSON.
//! `from_json` rejects what is not ADF, naming the JSON path of the bad node.
//!
//! # Conversions
//!
//! | | plain text | wiki markup | Markdown |
//! |---|---|---|---|
//! | paragraph, hard break | blank line, newline | blank line, newline (or `\\`) | blank line, `\` + newline |
//! | heading | text | `h1.`–`h6.` | `#`–`######` |
//! | strong, em, strike, code | text | `*b*` `_i_` `-s-` `{{c}}` (`{*}b{*}` inside words) | `**b**` `_i_` `~~s~~` `` `c` `` |
//! | underline, sub, sup | text | `+u+` `~sub~` `^sup^` | `<u>u</u>` `<sub>` `<sup>` |
//! | text colour | text | `{color:#hex}…{color}` | dropped |
//! | link | text | `[text\|url]`, `[url]` | `[text](url)` |
//! | mention | its text | `[~accountid:ID]` | `[@Name](accountid:ID)`, or `<accountid:ID>` without a name |
//! | inline card | url | `[url\|url\|smart-link]` | `<url>` |
//! | lists (nested) | `- ` / `1. ` | `*` / `#` (`**`, `*#`, …) | `-` / `1.` |
//! | code block | verbatim | `{code:lang}` / `{noformat}` | fenced, with language |
//! | quote | `> ` | `bq.` / `{quote}` | `>` |
//! | panel | content | `{info}` `{note}` `{warning}` `{tip}` `{panel:type=…}` | `> [!NOTE]` and other GitHub alerts |
//! | rule | `---` | `----` | `---` |
//! | table | cells joined by ` \| ` | `\|\|h\|\|` / `\|c\|` | GitHub table |
//!
//! Text that would otherwise read as markup is escaped with a backslash, only where needed:
//! `Doc::from_wiki("5 * 3 - 2 = C++ snake_case").to_wiki()` gives the same text back. Emoji are
//! written as their text, media and unknown nodes are skipped (unknown containers such as
//! `expand` are written as their content). Reading Markdown, a soft line break is a space
//! (CommonMark), `<u>`, `<sub>`, `<sup>`, `<br>` and the HTML forms of strong, em and strike are
//! understood, and images become links.

#![forbid(unsafe_code)]

mod builder;
mod error;
mod json;
mod markdown;
mod node;
mod spans;
mod text;
mod wiki;

pub use builder::{DocBuilder, InlineBuilder, ListBuilder, TableBuilder};
pub use error::{AdfError, AdfErrorKind};
pub use node::{Block, Extra, Inline, ListItem, Mark, Media, PanelType, SubSup, TableCell, TableRow};

/// An ADF document: `{"version": 1, "type": "doc", "content": [...]}`.
///
/// It serializes (serde) to exactly that JSON and deserializes through [`Doc::from_json`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    /// The top-level blocks.
    pub content: Vec<Block>,
    /// Unknown top-level fields, kept for the round trip.
    pub(crate) extra: Extra,
}

impl Doc {
    /// A document of these blocks.
    pub fn new(content: Vec<Block>) -> Doc {
        Doc {
            content,
            extra: Extra::default(),
        }
    }

    /// A builder; see [`DocBuilder`].
    pub fn builder() -> DocBuilder {
        DocBuilder::new()
    }

    /// A document of one paragraph of plain text (newlines become line breaks; no paragraph
    /// for empty text).
    pub fn paragraph(text: &str) -> Doc {
        if text.is_empty() {
            return Doc::default();
        }
        DocBuilder::new().text(text).build()
    }

    /// True when the document has no content.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    /// A document of one paragraph per blank-line separated block of `text`; newlines inside a
    /// block become line breaks. Nothing is read as markup.
    pub fn from_plain_text(text: &str) -> Doc {
        text::from_plain_text(text)
    }

    /// Validates and takes a JSON value that should be an ADF document.
    pub fn from_json(value: serde_json::Value) -> Result<Doc, AdfError> {
        json::doc_from_json(value)
    }

    /// The ADF JSON.
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing this model into a `Value` cannot fail: every key is a string.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads Jira wiki markup (the v2 API's rich text). Never fails: what is not markup is text.
    pub fn from_wiki(text: &str) -> Doc {
        Doc::new(wiki::read::parse(text))
    }

    /// Writes Jira wiki markup.
    pub fn to_wiki(&self) -> String {
        wiki::write::blocks(&self.content)
    }

    /// Reads Markdown (CommonMark with GitHub tables, strikethrough and alerts). Never fails.
    pub fn from_markdown(text: &str) -> Doc {
        Doc::new(markdown::read::parse(text))
    }

    /// Writes Markdown.
    pub fn to_markdown(&self) -> String {
        markdown::write::blocks(&self.content)
    }

    /// Readable plain text: blocks separated by a blank line, list items on their own lines
    /// (`- `, `1. `), line breaks as newlines, mentions as their text, code verbatim.
    pub fn to_plain_text(&self) -> String {
        text::to_plain_text(&self.content)
    }
}

impl From<Vec<Block>> for Doc {
    fn from(content: Vec<Block>) -> Doc {
        Doc::new(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn doc_serializes_with_version_and_type_first() {
        let text = serde_json::to_string(&Doc::paragraph("hi")).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"version":1,"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]}"#
        );
    }

    #[test]
    fn doc_deserializes_through_validation() {
        let ok: Result<Doc, _> = serde_json::from_value(json!({"version": 1, "type": "doc", "content": []}));
        assert_eq!(ok.ok(), Some(Doc::default()));
        let bad: Result<Doc, _> =
            serde_json::from_value(json!({"version": 1, "type": "doc", "content": [{"type": "text"}]}));
        let msg = bad.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("$.content[0]"), "{msg}");
    }

    #[test]
    fn empty_paragraph_shorthand_is_an_empty_doc() {
        assert!(Doc::paragraph("").is_empty());
        assert_eq!(Doc::paragraph("a\nb").to_plain_text(), "a\nb");
    }
}
