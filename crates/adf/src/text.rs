//! Plain text in and out.

use crate::json::{fallback_blocks, fallback_text};
use crate::node::{Block, Inline, ListItem};
use crate::Doc;

pub(crate) fn from_plain_text(text: &str) -> Doc {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    let mut flush = |lines: &mut Vec<&str>| {
        if !lines.is_empty() {
            blocks.push(Block::paragraph(
                crate::InlineBuilder::new().text(&lines.join("\n")).build(),
            ));
            lines.clear();
        }
    };
    for line in text.split('\n') {
        if line.trim().is_empty() {
            flush(&mut lines);
        } else {
            lines.push(line);
        }
    }
    flush(&mut lines);
    Doc::new(blocks)
}

pub(crate) fn to_plain_text(blocks: &[Block]) -> String {
    blocks_text(blocks)
}

fn blocks_text(blocks: &[Block]) -> String {
    let chunks: Vec<String> = blocks.iter().map(block_text).filter(|c| !c.is_empty()).collect();
    chunks.join("\n\n")
}

pub(crate) fn inline_text(content: &[Inline]) -> String {
    let mut out = String::new();
    for node in content {
        match node {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::HardBreak { .. } => out.push('\n'),
            Inline::Mention { id, text, .. } => match text {
                Some(t) if !t.is_empty() => out.push_str(t),
                _ => {
                    out.push('@');
                    out.push_str(id);
                }
            },
            Inline::Emoji { short_name, text, .. } => out.push_str(text.as_deref().unwrap_or(short_name)),
            Inline::InlineCard { url, .. } => out.push_str(url),
            Inline::Other(v) => out.push_str(fallback_text(v).unwrap_or_default()),
        }
    }
    out
}

fn block_text(block: &Block) -> String {
    match block {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => inline_text(content),
        Block::CodeBlock { text, .. } => text.clone(),
        Block::Blockquote { content, .. } => blocks_text(content)
            .lines()
            .map(|l| {
                if l.is_empty() {
                    ">".to_owned()
                } else {
                    format!("> {l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Panel { content, .. } | Block::MediaSingle { content, .. } => blocks_text(content),
        Block::Rule { .. } => "---".to_owned(),
        Block::BulletList { items, .. } => list_text(items, None),
        Block::OrderedList { order, items, .. } => list_text(items, Some(order.unwrap_or(1))),
        Block::Table { rows, .. } => rows
            .iter()
            .map(|row| {
                row.cells
                    .iter()
                    .map(|c| blocks_text(&c.content).replace('\n', " "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Media(_) => String::new(),
        Block::Other(v) => blocks_text(&fallback_blocks(v)),
    }
}

fn list_text(items: &[ListItem], start: Option<u64>) -> String {
    let mut lines: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let marker = match start {
            Some(n) => format!("{}. ", n.saturating_add(i as u64)),
            None => "- ".to_owned(),
        };
        let pad = " ".repeat(marker.chars().count());
        let mut first = true;
        for block in &item.content {
            let text = block_text(block);
            if text.is_empty() {
                continue;
            }
            for line in text.lines() {
                if first {
                    lines.push(format!("{marker}{line}"));
                    first = false;
                } else if line.is_empty() {
                    lines.push(String::new());
                } else {
                    lines.push(format!("{pad}{line}"));
                }
            }
        }
        if first {
            lines.push(marker.trim_end().to_owned());
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use crate::Doc;

    #[test]
    fn plain_text_separates_paragraphs_with_a_blank_line_and_keeps_line_breaks() {
        let doc = Doc::from_plain_text("first line\nsecond line\n\n\nnext paragraph");
        assert_eq!(doc.content.len(), 2);
        assert_eq!(doc.to_plain_text(), "first line\nsecond line\n\nnext paragraph");
    }

    #[test]
    fn plain_text_puts_list_items_on_their_own_lines() {
        let doc = Doc::builder()
            .text("Intro")
            .bullet_list_with(|l| l.item_with(|i| i.text("a").ordered_list(["x", "y"])).item("b"))
            .build();
        assert_eq!(doc.to_plain_text(), "Intro\n\n- a\n  1. x\n  2. y\n- b");
    }

    #[test]
    fn plain_text_shows_mentions_by_name_and_code_verbatim() {
        let doc = Doc::builder()
            .paragraph(|p| p.text("ping ").mention("abc", "@Alice").hard_break().text("done"))
            .code_block(Some("rust"), "fn main() {\n    *x = 1;\n}")
            .build();
        assert_eq!(
            doc.to_plain_text(),
            "ping @Alice\ndone\n\nfn main() {\n    *x = 1;\n}"
        );
    }

    #[test]
    fn plain_text_of_nothing_is_nothing() {
        assert!(Doc::from_plain_text("").is_empty());
        assert!(Doc::from_plain_text(" \n\n ").is_empty());
        assert_eq!(Doc::default().to_plain_text(), "");
    }

    #[test]
    fn plain_text_reads_no_markup() {
        let doc = Doc::from_plain_text("*not bold* [x|y]");
        assert_eq!(
            doc.content,
            vec![crate::Block::paragraph(vec![crate::Inline::text(
                "*not bold* [x|y]"
            )])]
        );
    }
}
