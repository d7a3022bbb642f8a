//! ADF JSON in (validating) and out (serde `Serialize`, keys in the order Jira writes them).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{AdfError, AdfErrorKind as K, Path};
use crate::node::{Block, Extra, Inline, ListItem, Mark, Media, PanelType, SubSup, TableCell, TableRow};
use crate::Doc;

/// How deep nodes may nest. Real documents stay far below it; the limit keeps recursion bounded.
pub(crate) const MAX_DEPTH: usize = 100;

const INLINE_TYPES: &[&str] = &["text", "hardBreak", "mention", "emoji", "inlineCard"];
const BLOCK_TYPES: &[&str] = &[
    "paragraph",
    "heading",
    "bulletList",
    "orderedList",
    "codeBlock",
    "blockquote",
    "rule",
    "panel",
    "table",
    "mediaSingle",
    "media",
];
const INNER_TYPES: &[&str] = &["doc", "listItem", "tableRow", "tableHeader", "tableCell"];

type Result<T> = std::result::Result<T, AdfError>;

pub(crate) fn doc_from_json(value: Value) -> Result<Doc> {
    let root = Path::Root;
    let Value::Object(mut map) = value else {
        return Err(AdfError::new(&root, K::NotAnObject));
    };
    match map.remove("type") {
        Some(Value::String(t)) if t == "doc" => {}
        Some(other) => return Err(AdfError::new(&root, K::NotADoc(other.to_string()))),
        None => return Err(AdfError::new(&root, K::Missing("type"))),
    }
    match map.remove("version") {
        Some(v) if v.as_u64() == Some(1) => {}
        Some(v) => return Err(AdfError::new(&root, K::Version(v.to_string()))),
        None => return Err(AdfError::new(&root, K::Missing("version"))),
    }
    let content = match map.remove("content") {
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(AdfError::new(
                &root,
                K::WrongType {
                    field: "content",
                    expected: "an array",
                },
            ))
        }
        None => return Err(AdfError::new(&root, K::Missing("content"))),
    };
    let content = blocks(content, &root)?;
    Ok(Doc {
        content,
        extra: Extra {
            fields: map,
            ..Extra::default()
        },
    })
}

fn blocks(values: Vec<Value>, parent: &Path<'_>) -> Result<Vec<Block>> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| block(v, &Path::Content(parent, i)))
        .collect()
}

fn inlines(values: Vec<Value>, parent: &Path<'_>) -> Result<Vec<Inline>> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| inline(v, &Path::Content(parent, i)))
        .collect()
}

/// A node being taken apart: what is left in `map` and `attrs` at the end is kept in `Extra`.
struct Node<'p> {
    map: Map<String, Value>,
    attrs: Map<String, Value>,
    empty_attrs: bool,
    content_omitted: bool,
    path: &'p Path<'p>,
}

impl<'p> Node<'p> {
    fn new(mut map: Map<String, Value>, path: &'p Path<'p>) -> Result<Self> {
        map.remove("type");
        let (attrs, empty_attrs) = match map.remove("attrs") {
            None => (Map::new(), false),
            Some(Value::Object(a)) => {
                let empty = a.is_empty();
                (a, empty)
            }
            Some(_) => {
                return Err(self::err(
                    path,
                    K::WrongType {
                        field: "attrs",
                        expected: "an object",
                    },
                ))
            }
        };
        Ok(Node {
            map,
            attrs,
            empty_attrs,
            content_omitted: false,
            path,
        })
    }

    fn err(&self, kind: K) -> AdfError {
        AdfError::new(self.path, kind)
    }

    fn content(&mut self) -> Result<Vec<Value>> {
        match self.map.remove("content") {
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(self.err(K::WrongType {
                field: "content",
                expected: "an array",
            })),
            None => {
                self.content_omitted = true;
                Ok(Vec::new())
            }
        }
    }

    /// An optional string attribute; `null` is left in place (and so kept as it came).
    fn opt_str(&mut self, name: &'static str, field: &'static str) -> Result<Option<String>> {
        match self.attrs.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(_)) => match self.attrs.remove(name) {
                Some(Value::String(s)) => Ok(Some(s)),
                _ => Ok(None),
            },
            Some(_) => Err(self.err(K::WrongType {
                field,
                expected: "a string",
            })),
        }
    }

    fn req_str(&mut self, name: &'static str, field: &'static str) -> Result<String> {
        self.opt_str(name, field)?
            .ok_or_else(|| self.err(K::Missing(field)))
    }

    fn extra(self) -> Extra {
        Extra {
            attrs: self.attrs,
            fields: self.map,
            content_omitted: self.content_omitted,
            empty_attrs: self.empty_attrs,
            empty_marks: false,
        }
    }
}

fn err(path: &Path<'_>, kind: K) -> AdfError {
    AdfError::new(path, kind)
}

fn object(v: Value, path: &Path<'_>) -> Result<Map<String, Value>> {
    if path.depth() > MAX_DEPTH {
        return Err(err(path, K::TooDeep(MAX_DEPTH)));
    }
    match v {
        Value::Object(map) => match map.get("type") {
            Some(Value::String(_)) => Ok(map),
            Some(_) => Err(err(
                path,
                K::WrongType {
                    field: "type",
                    expected: "a string",
                },
            )),
            None => Err(err(path, K::Missing("type"))),
        },
        _ => Err(err(path, K::NotAnObject)),
    }
}

fn type_of(map: &Map<String, Value>) -> String {
    map.get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn block(v: Value, path: &Path<'_>) -> Result<Block> {
    let map = object(v, path)?;
    let ty = type_of(&map);
    if !BLOCK_TYPES.contains(&ty.as_str()) {
        if INLINE_TYPES.contains(&ty.as_str()) || INNER_TYPES.contains(&ty.as_str()) {
            return Err(err(
                path,
                K::Misplaced {
                    found: ty,
                    expected: "a block node",
                },
            ));
        }
        return Ok(Block::Other(Value::Object(map)));
    }
    let mut n = Node::new(map, path)?;
    let block = match ty.as_str() {
        "paragraph" => {
            let content = inlines(n.content()?, path)?;
            Block::Paragraph {
                content,
                extra: n.extra(),
            }
        }
        "heading" => {
            let level = match n.attrs.remove("level") {
                Some(v) => match v.as_u64() {
                    Some(l @ 1..=6) => l as u8,
                    _ => return Err(n.err(K::Invalid("heading attrs.level must be an integer from 1 to 6"))),
                },
                None => return Err(n.err(K::Missing("attrs.level"))),
            };
            let content = inlines(n.content()?, path)?;
            Block::Heading {
                level,
                content,
                extra: n.extra(),
            }
        }
        "bulletList" => {
            let items = list_items(n.content()?, path)?;
            Block::BulletList {
                items,
                extra: n.extra(),
            }
        }
        "orderedList" => {
            let order = match n.attrs.get("order") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_u64() {
                    Some(o) => {
                        n.attrs.remove("order");
                        Some(o)
                    }
                    None => {
                        return Err(n.err(K::WrongType {
                            field: "attrs.order",
                            expected: "a non-negative integer",
                        }))
                    }
                },
            };
            let items = list_items(n.content()?, path)?;
            Block::OrderedList {
                order,
                items,
                extra: n.extra(),
            }
        }
        "codeBlock" => {
            let language = n.opt_str("language", "attrs.language")?;
            let mut text = String::new();
            for (i, child) in n.content()?.into_iter().enumerate() {
                let child_path = Path::Content(path, i);
                match inline(child, &child_path)? {
                    Inline::Text { text: t, marks, .. } if marks.is_empty() => text.push_str(&t),
                    Inline::Text { .. } => {
                        return Err(err(
                            &child_path,
                            K::Invalid("text in a codeBlock cannot have marks"),
                        ))
                    }
                    other => {
                        let found = inline_type(&other);
                        return Err(err(
                            &child_path,
                            K::Misplaced {
                                found,
                                expected: "text",
                            },
                        ));
                    }
                }
            }
            Block::CodeBlock {
                language,
                text,
                extra: n.extra(),
            }
        }
        "blockquote" => {
            let content = blocks(n.content()?, path)?;
            Block::Blockquote {
                content,
                extra: n.extra(),
            }
        }
        "rule" => Block::Rule { extra: n.extra() },
        "panel" => {
            let panel_type = PanelType::from(n.req_str("panelType", "attrs.panelType")?.as_str());
            let content = blocks(n.content()?, path)?;
            Block::Panel {
                panel_type,
                content,
                extra: n.extra(),
            }
        }
        "table" => {
            let mut rows = Vec::new();
            for (i, row) in n.content()?.into_iter().enumerate() {
                rows.push(table_row(row, &Path::Content(path, i))?);
            }
            Block::Table {
                rows,
                extra: n.extra(),
            }
        }
        "mediaSingle" => {
            let content = blocks(n.content()?, path)?;
            Block::MediaSingle {
                content,
                extra: n.extra(),
            }
        }
        _ => {
            // "media"
            let media_type = n.req_str("type", "attrs.type")?;
            let id = n.opt_str("id", "attrs.id")?;
            let collection = n.opt_str("collection", "attrs.collection")?;
            let url = n.opt_str("url", "attrs.url")?;
            let alt = n.opt_str("alt", "attrs.alt")?;
            Block::Media(Media {
                media_type,
                id,
                collection,
                url,
                alt,
                extra: n.extra(),
            })
        }
    };
    Ok(block)
}

fn expect_type(
    map: &Map<String, Value>,
    path: &Path<'_>,
    allowed: &[&str],
    expected: &'static str,
) -> Result<()> {
    let ty = type_of(map);
    if allowed.contains(&ty.as_str()) {
        Ok(())
    } else {
        Err(err(path, K::Misplaced { found: ty, expected }))
    }
}

fn list_items(values: Vec<Value>, parent: &Path<'_>) -> Result<Vec<ListItem>> {
    let mut items = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let path = Path::Content(parent, i);
        let map = object(v, &path)?;
        expect_type(&map, &path, &["listItem"], "listItem")?;
        let mut n = Node::new(map, &path)?;
        let content = blocks(n.content()?, &path)?;
        items.push(ListItem {
            content,
            extra: n.extra(),
        });
    }
    Ok(items)
}

fn table_row(v: Value, path: &Path<'_>) -> Result<TableRow> {
    let map = object(v, path)?;
    expect_type(&map, path, &["tableRow"], "tableRow")?;
    let mut n = Node::new(map, path)?;
    let mut cells = Vec::new();
    for (i, cell) in n.content()?.into_iter().enumerate() {
        let cell_path = Path::Content(path, i);
        let map = object(cell, &cell_path)?;
        expect_type(
            &map,
            &cell_path,
            &["tableHeader", "tableCell"],
            "tableHeader or tableCell",
        )?;
        let header = type_of(&map) == "tableHeader";
        let mut c = Node::new(map, &cell_path)?;
        let content = blocks(c.content()?, &cell_path)?;
        cells.push(TableCell {
            header,
            content,
            extra: c.extra(),
        });
    }
    Ok(TableRow {
        cells,
        extra: n.extra(),
    })
}

fn inline_type(node: &Inline) -> String {
    match node {
        Inline::Text { .. } => "text".into(),
        Inline::HardBreak { .. } => "hardBreak".into(),
        Inline::Mention { .. } => "mention".into(),
        Inline::Emoji { .. } => "emoji".into(),
        Inline::InlineCard { .. } => "inlineCard".into(),
        Inline::Other(v) => v
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

fn inline(v: Value, path: &Path<'_>) -> Result<Inline> {
    let mut map = object(v, path)?;
    let ty = type_of(&map);
    if !INLINE_TYPES.contains(&ty.as_str()) {
        if BLOCK_TYPES.contains(&ty.as_str()) || INNER_TYPES.contains(&ty.as_str()) {
            return Err(err(
                path,
                K::Misplaced {
                    found: ty,
                    expected: "an inline node",
                },
            ));
        }
        return Ok(Inline::Other(Value::Object(map)));
    }
    if ty == "inlineCard"
        && map
            .get("attrs")
            .and_then(|a| a.get("url"))
            .and_then(Value::as_str)
            .is_none()
    {
        // The `data` (JSON-LD) form: not modelled.
        return Ok(Inline::Other(Value::Object(map)));
    }
    if ty == "text" {
        let text = match map.remove("text") {
            Some(Value::String(s)) if s.is_empty() => {
                return Err(err(path, K::Invalid("a text node's \"text\" must not be empty")))
            }
            Some(Value::String(s)) => s,
            Some(_) => {
                return Err(err(
                    path,
                    K::WrongType {
                        field: "text",
                        expected: "a string",
                    },
                ))
            }
            None => return Err(err(path, K::Missing("text"))),
        };
        let (marks, empty_marks) = match map.remove("marks") {
            None => (Vec::new(), false),
            Some(Value::Array(a)) => {
                let empty = a.is_empty();
                (
                    a.into_iter().map(|m| mark(m, path)).collect::<Result<Vec<_>>>()?,
                    empty,
                )
            }
            Some(_) => {
                return Err(err(
                    path,
                    K::WrongType {
                        field: "marks",
                        expected: "an array",
                    },
                ))
            }
        };
        let n = Node::new(map, path)?;
        let mut extra = n.extra();
        extra.empty_marks = empty_marks;
        return Ok(Inline::Text { text, marks, extra });
    }
    let mut n = Node::new(map, path)?;
    let node = match ty.as_str() {
        "hardBreak" => Inline::HardBreak { extra: n.extra() },
        "mention" => {
            let id = n.req_str("id", "attrs.id")?;
            let text = n.opt_str("text", "attrs.text")?;
            Inline::Mention {
                id,
                text,
                extra: n.extra(),
            }
        }
        "emoji" => {
            let short_name = n.req_str("shortName", "attrs.shortName")?;
            let text = n.opt_str("text", "attrs.text")?;
            Inline::Emoji {
                short_name,
                text,
                extra: n.extra(),
            }
        }
        _ => {
            let url = n.req_str("url", "attrs.url")?;
            Inline::InlineCard {
                url,
                extra: n.extra(),
            }
        }
    };
    Ok(node)
}

fn mark(v: Value, path: &Path<'_>) -> Result<Mark> {
    let Value::Object(map) = v else {
        return Err(err(
            path,
            K::WrongType {
                field: "marks",
                expected: "an array of objects",
            },
        ));
    };
    let Some(ty) = map.get("type").and_then(Value::as_str) else {
        return Err(err(path, K::Invalid("every mark needs a string \"type\"")));
    };
    let only_type = map.len() == 1;
    let attrs = map.get("attrs").and_then(Value::as_object);
    let only_type_and_attrs = map.len() == 2 && attrs.is_some();
    let attr = |name: &str| attrs.and_then(|a| a.get(name)).and_then(Value::as_str);
    let simple = match ty {
        "strong" => Some(Mark::Strong),
        "em" => Some(Mark::Em),
        "code" => Some(Mark::Code),
        "strike" => Some(Mark::Strike),
        "underline" => Some(Mark::Underline),
        _ => None,
    };
    if let Some(m) = simple {
        return Ok(if only_type {
            m
        } else {
            Mark::Other(Value::Object(map))
        });
    }
    match ty {
        "link" => {
            let Some(href) = attr("href") else {
                return Err(err(path, K::Missing("attrs.href of a link mark")));
            };
            if !only_type_and_attrs {
                return Ok(Mark::Other(Value::Object(map)));
            }
            let href = href.to_owned();
            let mut attrs = attrs.cloned().unwrap_or_default();
            attrs.remove("href");
            Ok(Mark::Link { href, attrs })
        }
        "textColor" => {
            let Some(color) = attr("color") else {
                return Err(err(path, K::Missing("attrs.color of a textColor mark")));
            };
            if only_type_and_attrs && attrs.is_some_and(|a| a.len() == 1) {
                Ok(Mark::TextColor {
                    color: color.to_owned(),
                })
            } else {
                Ok(Mark::Other(Value::Object(map)))
            }
        }
        "subsup" => {
            let kind = match attr("type") {
                Some("sub") => SubSup::Sub,
                Some("sup") => SubSup::Sup,
                _ => {
                    return Err(err(
                        path,
                        K::Invalid("a subsup mark's attrs.type must be \"sub\" or \"sup\""),
                    ))
                }
            };
            if only_type_and_attrs && attrs.is_some_and(|a| a.len() == 1) {
                Ok(Mark::Subsup(kind))
            } else {
                Ok(Mark::Other(Value::Object(map)))
            }
        }
        _ => Ok(Mark::Other(Value::Object(map))),
    }
}

// ---------------------------------------------------------------------------------------------
// Out

/// `attrs`: the modelled ones first, then the kept ones (never twice the same key).
struct Attrs<'a> {
    typed: &'a [(&'static str, Value)],
    extra: &'a Map<String, Value>,
}

impl Serialize for Attrs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.typed {
            m.serialize_entry(k, v)?;
        }
        for (k, v) in self.extra {
            if !self.typed.iter().any(|(t, _)| t == k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

struct Out<'a, C: ?Sized> {
    ty: &'a str,
    attrs: &'a [(&'static str, Value)],
    content: Option<&'a C>,
    content_empty: bool,
    text: Option<&'a str>,
    marks: Option<&'a [Mark]>,
    extra: &'a Extra,
}

impl<C: Serialize + ?Sized> Serialize for Out<'_, C> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let extra = self.extra;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", self.ty)?;
        if !self.attrs.is_empty() || !extra.attrs.is_empty() || extra.empty_attrs {
            m.serialize_entry(
                "attrs",
                &Attrs {
                    typed: self.attrs,
                    extra: &extra.attrs,
                },
            )?;
        }
        if let Some(content) = self.content {
            if !(self.content_empty && extra.content_omitted) {
                m.serialize_entry("content", content)?;
            }
        }
        if let Some(text) = self.text {
            m.serialize_entry("text", text)?;
        }
        if let Some(marks) = self.marks {
            if !marks.is_empty() || extra.empty_marks {
                m.serialize_entry("marks", marks)?;
            }
        }
        for (k, v) in &extra.fields {
            if !matches!(k.as_str(), "type" | "attrs" | "content" | "text") {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

fn out<'a, C: Serialize + ?Sized>(
    ty: &'a str,
    attrs: &'a [(&'static str, Value)],
    content: Option<(&'a C, bool)>,
    extra: &'a Extra,
) -> Out<'a, C> {
    Out {
        ty,
        attrs,
        content: content.map(|c| c.0),
        content_empty: content.is_some_and(|c| c.1),
        text: None,
        marks: None,
        extra,
    }
}

const NO_CONTENT: Option<(&[Block], bool)> = None;

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("version", &1)?;
        m.serialize_entry("type", "doc")?;
        m.serialize_entry("content", &self.content)?;
        for (k, v) in &self.extra.fields {
            if !matches!(k.as_str(), "version" | "type" | "content") {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for Doc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Doc, D::Error> {
        let value = Value::deserialize(d)?;
        Doc::from_json(value).map_err(serde::de::Error::custom)
    }
}

struct CodeText<'a>(&'a str);

impl Serialize for CodeText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        if !self.0.is_empty() {
            seq.serialize_element(&Inline::text(self.0))?;
        }
        seq.end()
    }
}

impl Serialize for Block {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Block::Paragraph { content, extra } => {
                out("paragraph", &[], Some((content, content.is_empty())), extra).serialize(s)
            }
            Block::Heading {
                level,
                content,
                extra,
            } => {
                let attrs = [("level", Value::from(*level))];
                out("heading", &attrs, Some((content, content.is_empty())), extra).serialize(s)
            }
            Block::BulletList { items, extra } => {
                out("bulletList", &[], Some((items, items.is_empty())), extra).serialize(s)
            }
            Block::OrderedList { order, items, extra } => {
                let attrs: Vec<_> = order.iter().map(|o| ("order", Value::from(*o))).collect();
                out("orderedList", &attrs, Some((items, items.is_empty())), extra).serialize(s)
            }
            Block::CodeBlock {
                language,
                text,
                extra,
            } => {
                let attrs: Vec<_> = language
                    .iter()
                    .map(|l| ("language", Value::from(l.as_str())))
                    .collect();
                out(
                    "codeBlock",
                    &attrs,
                    Some((&CodeText(text), text.is_empty())),
                    extra,
                )
                .serialize(s)
            }
            Block::Blockquote { content, extra } => {
                out("blockquote", &[], Some((content, content.is_empty())), extra).serialize(s)
            }
            Block::Rule { extra } => out("rule", &[], NO_CONTENT, extra).serialize(s),
            Block::Panel {
                panel_type,
                content,
                extra,
            } => {
                let attrs = [("panelType", Value::from(panel_type.as_str()))];
                out("panel", &attrs, Some((content, content.is_empty())), extra).serialize(s)
            }
            Block::Table { rows, extra } => {
                out("table", &[], Some((rows, rows.is_empty())), extra).serialize(s)
            }
            Block::MediaSingle { content, extra } => {
                out("mediaSingle", &[], Some((content, content.is_empty())), extra).serialize(s)
            }
            Block::Media(media) => media.serialize(s),
            Block::Other(v) => v.serialize(s),
        }
    }
}

impl Serialize for Media {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut attrs = vec![("type", Value::from(self.media_type.as_str()))];
        for (name, v) in [
            ("id", &self.id),
            ("collection", &self.collection),
            ("url", &self.url),
            ("alt", &self.alt),
        ] {
            if let Some(v) = v {
                attrs.push((name, Value::from(v.as_str())));
            }
        }
        out("media", &attrs, NO_CONTENT, &self.extra).serialize(s)
    }
}

impl Serialize for ListItem {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        out(
            "listItem",
            &[],
            Some((&self.content, self.content.is_empty())),
            &self.extra,
        )
        .serialize(s)
    }
}

impl Serialize for TableRow {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        out(
            "tableRow",
            &[],
            Some((&self.cells, self.cells.is_empty())),
            &self.extra,
        )
        .serialize(s)
    }
}

impl Serialize for TableCell {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let ty = if self.header { "tableHeader" } else { "tableCell" };
        out(
            ty,
            &[],
            Some((&self.content, self.content.is_empty())),
            &self.extra,
        )
        .serialize(s)
    }
}

impl Serialize for Inline {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Inline::Text { text, marks, extra } => {
                let mut o = out("text", &[], NO_CONTENT, extra);
                o.text = Some(text);
                o.marks = Some(marks);
                o.serialize(s)
            }
            Inline::HardBreak { extra } => out("hardBreak", &[], NO_CONTENT, extra).serialize(s),
            Inline::Mention { id, text, extra } => {
                let mut attrs = vec![("id", Value::from(id.as_str()))];
                if let Some(t) = text {
                    attrs.push(("text", Value::from(t.as_str())));
                }
                out("mention", &attrs, NO_CONTENT, extra).serialize(s)
            }
            Inline::Emoji {
                short_name,
                text,
                extra,
            } => {
                let mut attrs = vec![("shortName", Value::from(short_name.as_str()))];
                if let Some(t) = text {
                    attrs.push(("text", Value::from(t.as_str())));
                }
                out("emoji", &attrs, NO_CONTENT, extra).serialize(s)
            }
            Inline::InlineCard { url, extra } => {
                let attrs = [("url", Value::from(url.as_str()))];
                out("inlineCard", &attrs, NO_CONTENT, extra).serialize(s)
            }
            Inline::Other(v) => v.serialize(s),
        }
    }
}

impl Serialize for Mark {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let simple = |s: S, ty: &str| {
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry("type", ty)?;
            m.end()
        };
        let with_attrs = |s: S, ty: &str, attrs: &Attrs<'_>| {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("type", ty)?;
            m.serialize_entry("attrs", attrs)?;
            m.end()
        };
        let empty = Map::new();
        match self {
            Mark::Strong => simple(s, "strong"),
            Mark::Em => simple(s, "em"),
            Mark::Code => simple(s, "code"),
            Mark::Strike => simple(s, "strike"),
            Mark::Underline => simple(s, "underline"),
            Mark::Link { href, attrs } => {
                let typed = [("href", Value::from(href.as_str()))];
                with_attrs(
                    s,
                    "link",
                    &Attrs {
                        typed: &typed,
                        extra: attrs,
                    },
                )
            }
            Mark::TextColor { color } => {
                let typed = [("color", Value::from(color.as_str()))];
                with_attrs(
                    s,
                    "textColor",
                    &Attrs {
                        typed: &typed,
                        extra: &empty,
                    },
                )
            }
            Mark::Subsup(kind) => {
                let t = match kind {
                    SubSup::Sub => "sub",
                    SubSup::Sup => "sup",
                };
                let typed = [("type", Value::from(t))];
                with_attrs(
                    s,
                    "subsup",
                    &Attrs {
                        typed: &typed,
                        extra: &empty,
                    },
                )
            }
            Mark::Other(v) => v.serialize(s),
        }
    }
}

/// Blocks held by a node this crate does not model (`expand`, `layoutColumn`, `taskItem`, …),
/// so the text conversions can still show what is inside. Inline children are gathered into
/// paragraphs; children that do not parse are skipped.
pub(crate) fn fallback_blocks(v: &Value) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(title) = v
        .pointer("/attrs/title")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        out.push(Block::paragraph(vec![Inline::styled(title, [Mark::Strong])]));
    }
    let Some(children) = v.get("content").and_then(Value::as_array) else {
        return out;
    };
    let mut pending: Vec<Inline> = Vec::new();
    for child in children {
        let ty = child.get("type").and_then(Value::as_str).unwrap_or_default();
        if INLINE_TYPES.contains(&ty) {
            if let Ok(node) = inline(child.clone(), &Path::Root) {
                pending.push(node);
            }
            continue;
        }
        if !pending.is_empty() {
            out.push(Block::paragraph(std::mem::take(&mut pending)));
        }
        if let Ok(b) = block(child.clone(), &Path::Root) {
            out.push(b);
        }
    }
    if !pending.is_empty() {
        out.push(Block::paragraph(pending));
    }
    out
}

/// The text an unmodelled inline node stands for (`status`, `date`, `placeholder`, …).
pub(crate) fn fallback_text(v: &Value) -> Option<&str> {
    v.pointer("/attrs/text")
        .or_else(|| v.get("text"))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use crate::{AdfErrorKind, Doc};
    use serde_json::json;

    fn error(value: serde_json::Value) -> String {
        Doc::from_json(value)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_text_node_without_text_is_rejected_with_its_path() {
        let e = error(json!({"version": 1, "type": "doc", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "ok"}, {"type": "text"}]}
        ]}));
        assert_eq!(e, "invalid ADF at $.content[0].content[1]: missing \"text\"");
    }

    #[test]
    fn the_top_node_must_be_a_version_1_doc_with_content() {
        assert!(error(json!({"type": "paragraph"})).contains("must have type \"doc\""));
        assert!(error(json!({"version": 2, "type": "doc", "content": []})).contains("unsupported version 2"));
        assert!(error(json!({"version": 1, "type": "doc"})).contains("missing \"content\""));
        assert!(error(json!([])).contains("expected a JSON object"));
    }

    #[test]
    fn content_must_be_an_array_and_children_in_their_place() {
        let e =
            error(json!({"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": {}}]}));
        assert_eq!(e, "invalid ADF at $.content[0]: \"content\" must be an array");
        let e = error(json!({"version": 1, "type": "doc", "content": [{"type": "text", "text": "x"}]}));
        assert!(
            e.contains("\"text\" node is not allowed here, expected a block node"),
            "{e}"
        );
        let e = error(
            json!({"version": 1, "type": "doc", "content": [{"type": "bulletList", "content": [{"type": "paragraph"}]}]}),
        );
        assert!(
            e.contains("$.content[0].content[0]") && e.contains("expected listItem"),
            "{e}"
        );
    }

    #[test]
    fn bad_attributes_and_marks_are_rejected() {
        let heading = json!({"version": 1, "type": "doc", "content": [{"type": "heading", "attrs": {"level": 7}, "content": []}]});
        assert!(error(heading).contains("from 1 to 6"));
        let link = json!({"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "x", "marks": [{"type": "link", "attrs": {}}]}
        ]}]});
        assert!(error(link).contains("attrs.href"));
        let mention = json!({"version": 1, "type": "doc", "content": [{"type": "paragraph", "content": [{"type": "mention", "attrs": {}}]}]});
        assert!(error(mention).contains("missing \"attrs.id\""));
    }

    #[test]
    fn error_kind_and_path_are_available_to_callers() {
        let err = Doc::from_json(json!({"version": 1, "type": "doc", "content": 3})).err();
        let err = err.as_ref();
        assert_eq!(err.map(|e| e.path()), Some("$"));
        assert!(matches!(
            err.map(|e| e.kind()),
            Some(AdfErrorKind::WrongType { field: "content", .. })
        ));
    }

    #[test]
    fn nesting_beyond_the_limit_is_rejected_not_overflowed() {
        let mut node = json!({"type": "paragraph", "content": []});
        for _ in 0..200 {
            node = json!({"type": "blockquote", "content": [node]});
        }
        let e = error(json!({"version": 1, "type": "doc", "content": [node]}));
        assert!(e.contains("nested deeper than 100"), "{e}");
    }

    #[test]
    fn unknown_nodes_marks_and_attrs_round_trip_unchanged() {
        let value = json!({"version": 1, "type": "doc", "content": [
            {"type": "taskList", "attrs": {"localId": "t"}, "content": [{"type": "taskItem", "attrs": {"state": "DONE"}, "content": []}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "x", "marks": [], "extraKey": 1},
                {"type": "emoji", "attrs": {"shortName": ":smile:", "id": "1f604", "text": "😄"}},
                {"type": "text", "text": "y", "marks": [{"type": "strong", "attrs": {"weird": true}}, {"type": "subsup", "attrs": {"type": "sub"}}]}
            ]},
            {"type": "heading", "attrs": {"level": 1, "localId": "h"}, "content": []},
            {"type": "bulletList", "content": []}
        ]});
        let doc = Doc::from_json(value.clone()).unwrap_or_default();
        assert_eq!(doc.to_json(), value);
    }
}
