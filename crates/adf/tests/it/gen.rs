//! Generators of documents in the subset each format can carry exactly.

use jirakit_adf::{Block, Doc, Inline, ListItem, Mark, PanelType, SubSup, TableCell, TableRow};
use proptest::prelude::*;

/// Which format the document must survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Wiki,
    Markdown,
}

/// Characters that mean something in wiki markup or Markdown, plus ordinary ones.
const SPECIAL: &str = "*_-+^~{}[]|\\&#.,:;!?()'\"/<>=@%$`";

fn word() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        6 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        3 => proptest::sample::select(SPECIAL.chars().collect::<Vec<_>>()),
        1 => proptest::sample::select(vec!['é', '漢', 'ß']),
    ];
    proptest::collection::vec(ch, 1..7).prop_map(|v| v.into_iter().collect())
}

/// One to three words with single spaces between them.
fn words() -> impl Strategy<Value = String> {
    proptest::collection::vec(word(), 1..4).prop_map(|w| w.join(" "))
}

fn href() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{0,8}".prop_map(|p| format!("https://example.com/{p}"))
}

fn marks(target: Target) -> impl Strategy<Value = Vec<Mark>> {
    let link = proptest::option::weighted(0.2, href().prop_map(Mark::link));
    let formatting = proptest::collection::vec(
        prop_oneof![
            Just(Mark::Strong),
            Just(Mark::Em),
            Just(Mark::Strike),
            Just(Mark::Underline),
            Just(Mark::Subsup(SubSup::Sub)),
            Just(Mark::Subsup(SubSup::Sup)),
            Just(Mark::TextColor {
                color: "#ff5630".into()
            }),
        ],
        0..3,
    );
    (link, formatting, proptest::bool::weighted(0.15)).prop_map(move |(link, mut formatting, code)| {
        if target == Target::Markdown {
            formatting.retain(|m| !matches!(m, Mark::TextColor { .. }));
        }
        // One of sub and sup at most: they are one mark in ADF.
        if let Some(pos) = formatting.iter().position(|m| matches!(m, Mark::Subsup(_))) {
            let keep = formatting[pos].clone();
            formatting.retain(|m| !matches!(m, Mark::Subsup(_)));
            formatting.push(keep);
        }
        let mut marks: Vec<Mark> = link.into_iter().collect();
        if code {
            marks.push(Mark::Code);
        } else {
            marks.extend(formatting);
        }
        marks
    })
}

#[derive(Clone, Debug)]
enum Piece {
    Text(String, Vec<Mark>),
    Plain(String),
    Break,
    Mention(String, Option<String>),
}

fn piece(target: Target, breaks: bool) -> impl Strategy<Value = Piece> {
    let id = "[a-z0-9]{1,6}(:[a-z0-9-]{1,6})?";
    let mention_text = match target {
        Target::Wiki => Just(None).boxed(),
        Target::Markdown => proptest::option::of("@[A-Z][a-z]{1,5}").boxed(),
    };
    let break_weight = if breaks { 1 } else { 0 };
    prop_oneof![
        4 => (words(), marks(target)).prop_map(|(w, m)| Piece::Text(w, m)),
        4 => (words(), proptest::bool::ANY).prop_map(|(w, space)| Piece::Plain(if space { format!(" {w} ") } else { w })),
        break_weight => Just(Piece::Break),
        1 => (id, mention_text).prop_map(|(id, text)| Piece::Mention(id, text)),
    ]
}

/// Inline content with no blank edges: no break first or last, no whitespace at either end
/// of a line. Neighbouring text with the same marks is merged, as the readers do.
fn inlines(target: Target, breaks: bool) -> impl Strategy<Value = Vec<Inline>> {
    proptest::collection::vec(piece(target, breaks), 1..6).prop_map(|pieces| {
        let mut lines: Vec<Vec<Piece>> = vec![Vec::new()];
        for p in pieces {
            match p {
                Piece::Break => lines.push(Vec::new()),
                other => {
                    if let Some(line) = lines.last_mut() {
                        line.push(other);
                    }
                }
            }
        }
        let mut out: Vec<Inline> = Vec::new();
        let lines: Vec<Vec<Piece>> = lines.into_iter().filter(|l| !l.is_empty()).collect();
        for (i, mut line) in lines.into_iter().enumerate() {
            if i > 0 {
                out.push(Inline::hard_break());
            }
            if let Some(Piece::Plain(s)) = line.first_mut() {
                *s = s.trim_start().to_owned();
            }
            if let Some(Piece::Plain(s)) = line.last_mut() {
                *s = s.trim_end().to_owned();
            }
            for p in line {
                let node = match p {
                    Piece::Text(t, m) => Inline::styled(t, m),
                    Piece::Plain(t) => Inline::text(t),
                    Piece::Mention(id, text) => Inline::mention(id, text),
                    Piece::Break => continue,
                };
                push(&mut out, node);
            }
        }
        out
    })
}

/// Appends, merging text with the same marks and dropping empty text.
fn push(out: &mut Vec<Inline>, node: Inline) {
    if let Inline::Text { text, marks, .. } = &node {
        if text.is_empty() {
            return;
        }
        if let Some(Inline::Text {
            text: prev,
            marks: prev_marks,
            ..
        }) = out.last_mut()
        {
            if prev_marks == marks {
                prev.push_str(text);
                return;
            }
        }
    }
    out.push(node);
}

fn non_empty(target: Target, breaks: bool) -> impl Strategy<Value = Vec<Inline>> {
    inlines(target, breaks).prop_filter("needs content", |v| !v.is_empty())
}

fn paragraph(target: Target) -> impl Strategy<Value = Block> {
    non_empty(target, true).prop_map(Block::paragraph)
}

fn code_block(target: Target) -> impl Strategy<Value = Block> {
    let line = match target {
        // A wiki code block ends at the first `{code}` / `{noformat}`: no braces inside.
        Target::Wiki => "[a-z0-9 *_\\[\\]|#.();=<>`-]{0,10}",
        Target::Markdown => "[a-z0-9 *_\\[\\]|#.();=<>`{}~-]{0,10}",
    };
    let language = proptest::option::of("[a-z]{1,6}");
    (language, proptest::collection::vec(line, 1..4)).prop_map(|(language, lines)| {
        let mut b = Doc::builder()
            .code_block(language.as_deref(), &lines.join("\n"))
            .build();
        b.content.remove(0)
    })
}

fn list(target: Target, depth: u32) -> BoxedStrategy<Block> {
    let item_text = non_empty(target, false).prop_map(Block::paragraph);
    let nested = if depth == 0 {
        Just(None).boxed()
    } else {
        proptest::option::weighted(0.3, list(target, depth - 1)).boxed()
    };
    let item = (item_text, nested).prop_map(|(p, nested)| {
        let mut content = vec![p];
        content.extend(nested);
        ListItem::new(content)
    });
    let order = match target {
        Target::Wiki => Just(None).boxed(),
        Target::Markdown => proptest::option::weighted(0.3, 2u64..20).boxed(),
    };
    (proptest::bool::ANY, order, proptest::collection::vec(item, 1..4))
        .prop_map(|(ordered, order, items)| {
            let doc = if ordered {
                Doc::builder().ordered_list_with(order, |l| l)
            } else {
                Doc::builder().bullet_list_with(|l| l)
            }
            .build();
            match doc.content.into_iter().next() {
                Some(Block::OrderedList { order, extra, .. }) => Block::OrderedList { order, items, extra },
                Some(Block::BulletList { extra, .. }) => Block::BulletList { items, extra },
                _ => unreachable!("the builder made a list"),
            }
        })
        .boxed()
}

fn heading(target: Target) -> impl Strategy<Value = Block> {
    (1u8..=6, non_empty(target, false)).prop_map(|(level, content)| {
        let mut doc = Doc::builder().heading(level, "x").build();
        match doc.content.remove(0) {
            Block::Heading { level, extra, .. } => Block::Heading {
                level,
                content,
                extra,
            },
            other => other,
        }
    })
}

fn wrapper(kind: u8, content: Vec<Block>) -> Block {
    let doc = match kind {
        0 => Doc::builder().quote(|q| q),
        1 => Doc::builder().panel(PanelType::Info, |p| p),
        2 => Doc::builder().panel(PanelType::Note, |p| p),
        3 => Doc::builder().panel(PanelType::Warning, |p| p),
        4 => Doc::builder().panel(PanelType::Success, |p| p),
        _ => Doc::builder().panel(PanelType::Error, |p| p),
    }
    .build();
    match doc.content.into_iter().next() {
        Some(Block::Blockquote { extra, .. }) => Block::Blockquote { content, extra },
        Some(Block::Panel {
            panel_type, extra, ..
        }) => Block::Panel {
            panel_type,
            content,
            extra,
        },
        _ => unreachable!("the builder made a quote or panel"),
    }
}

fn quote_or_panel(target: Target) -> impl Strategy<Value = Block> {
    let inner = prop_oneof![3 => paragraph(target), 1 => list(target, 1), 1 => code_block(target)];
    (0u8..6, proptest::collection::vec(inner, 1..3)).prop_map(|(kind, content)| wrapper(kind, content))
}

fn table(target: Target) -> impl Strategy<Value = Block> {
    (1usize..4, 1usize..4).prop_flat_map(move |(rows, cols)| {
        let cells = proptest::collection::vec((proptest::bool::ANY, non_empty(target, true)), rows * cols);
        cells.prop_map(move |cells| {
            let rows: Vec<TableRow> = cells
                .chunks(cols)
                .enumerate()
                .map(|(r, row)| {
                    TableRow::new(
                        row.iter()
                            .map(|(header, content)| {
                                // GitHub tables have exactly one header row, first.
                                let header = match target {
                                    Target::Wiki => *header,
                                    Target::Markdown => r == 0,
                                };
                                TableCell::new(header, vec![Block::paragraph(content.clone())])
                            })
                            .collect(),
                    )
                })
                .collect();
            let mut doc = Doc::builder().table(|t| t).build();
            match doc.content.remove(0) {
                Block::Table { extra, .. } => Block::Table { rows, extra },
                other => other,
            }
        })
    })
}

fn block(target: Target) -> impl Strategy<Value = Block> {
    prop_oneof![
        6 => paragraph(target),
        2 => heading(target),
        2 => list(target, 2),
        1 => code_block(target),
        1 => quote_or_panel(target),
        1 => Just(Doc::builder().rule().build().content.remove(0)),
        1 => table(target),
    ]
}

pub fn doc(target: Target) -> impl Strategy<Value = Doc> {
    proptest::collection::vec(block(target), 0..5).prop_map(Doc::new)
}
