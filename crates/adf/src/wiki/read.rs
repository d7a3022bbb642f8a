//! Wiki markup to blocks.

use std::collections::VecDeque;

use super::inline::{inlines, is_escape};
use crate::node::{Block, Extra, ListItem, PanelType, TableCell, TableRow};

/// Deeper list markers (`*****…`) count as this deep.
const MAX_LIST_DEPTH: usize = 32;
/// Quotes and panels inside each other deeper than this read as text.
const MAX_MACRO_NESTING: usize = 8;

pub(crate) fn parse(text: &str) -> Vec<Block> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    parse_lines(text.split('\n').map(str::to_owned).collect(), 0)
}

fn parse_lines(lines: VecDeque<String>, nesting: usize) -> Vec<Block> {
    let mut queue = lines;
    let mut blocks = Vec::new();
    while let Some(line) = queue.pop_front() {
        let t = line.trim_start();
        if t.trim_end().is_empty() {
            continue;
        }
        if let Some(block) = macro_block(t, &mut queue, nesting) {
            blocks.push(block);
            continue;
        }
        if let Some((level, rest)) = heading(t) {
            blocks.push(Block::Heading {
                level,
                content: inlines(rest),
                extra: Extra::default(),
            });
            continue;
        }
        if let Some(rest) = bq(t) {
            let content = vec![Block::paragraph(inlines(rest))];
            blocks.push(Block::Blockquote {
                content,
                extra: Extra::default(),
            });
            continue;
        }
        if t.trim_end() == "----" {
            blocks.push(Block::Rule {
                extra: Extra::default(),
            });
            continue;
        }
        if let Some(first) = t
            .starts_with('|')
            .then(|| table_row(t))
            .filter(|r| !r.cells.is_empty())
        {
            let mut rows = vec![first];
            while let Some(next) = queue.front() {
                let n = next.trim_start();
                if !n.starts_with('|') {
                    break;
                }
                let row = table_row(n);
                if !row.cells.is_empty() {
                    rows.push(row);
                }
                queue.pop_front();
            }
            blocks.push(Block::Table {
                rows,
                extra: Extra::default(),
            });
            continue;
        }
        if let Some((markers, rest)) = list_marker(t) {
            let mut items = vec![(markers, rest.to_owned())];
            while let Some(next) = queue.front() {
                let n = next.trim_start();
                if n.trim_end().is_empty() {
                    break;
                }
                if let Some((markers, rest)) = list_marker(n) {
                    items.push((markers, rest.to_owned()));
                } else if starts_block(n) {
                    break;
                } else if let Some(last) = items.last_mut() {
                    // A line without a marker continues the item above.
                    last.1.push('\n');
                    last.1.push_str(next);
                }
                queue.pop_front();
            }
            blocks.extend(build_lists(&clamp_depths(items), 0));
            continue;
        }
        let mut text = line.clone();
        while let Some(next) = queue.front() {
            if next.trim().is_empty() || starts_block(next.trim_start()) {
                break;
            }
            text.push('\n');
            text.push_str(next);
            queue.pop_front();
        }
        blocks.push(Block::paragraph(inlines(&text)));
    }
    blocks
}

/// Whether a line (without its indentation) starts something other than paragraph text.
pub(crate) fn starts_block(t: &str) -> bool {
    macro_tag(t).is_some_and(|(name, _, _)| BLOCK_MACROS.contains(&name))
        || heading(t).is_some()
        || bq(t).is_some()
        || t.trim_end() == "----"
        || t.starts_with('|')
        || list_marker(t).is_some()
}

const BLOCK_MACROS: &[&str] = &[
    "code", "noformat", "quote", "panel", "info", "note", "warning", "tip",
];

/// `{name}` or `{name:params}` at the start of `t`: (name, params, rest of the line).
fn macro_tag(t: &str) -> Option<(&str, &str, &str)> {
    let body = t.strip_prefix('{')?;
    let close = body.find('}')?;
    let inside = &body[..close];
    let (name, params) = inside.split_once(':').unwrap_or((inside, ""));
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((name, params, &body[close + 1..]))
}

fn heading(t: &str) -> Option<(u8, &str)> {
    let b = t.as_bytes();
    if b.len() < 3 || b[0] != b'h' || !(b'1'..=b'6').contains(&b[1]) || b[2] != b'.' {
        return None;
    }
    let rest = &t[3..];
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((b[1] - b'0', rest.strip_prefix(' ').unwrap_or(rest)))
}

fn bq(t: &str) -> Option<&str> {
    let rest = t.strip_prefix("bq.")?;
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// `*`, `#`, `**`, `*#`, … or `-`, then whitespace: (markers, item text).
fn list_marker(t: &str) -> Option<(String, &str)> {
    let markers: String = t.chars().take_while(|c| matches!(c, '*' | '#')).collect();
    let markers = if markers.is_empty() && t.starts_with('-') {
        "-".to_owned()
    } else {
        markers
    };
    if markers.is_empty() {
        return None;
    }
    let rest = &t[markers.len()..];
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some((markers, rest.trim_start()))
}

/// Finds the first unescaped `pat` in `line` (or, for code, the first at all).
fn find_tag(line: &str, pat: &str, escapes: bool) -> Option<usize> {
    if !escapes {
        return line.find(pat);
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let plain: Vec<char> = chars.iter().map(|(_, c)| *c).collect();
    let mut k = 0;
    while k < chars.len() {
        if is_escape(&plain, k, plain.len()) {
            k += 2;
            continue;
        }
        if line[chars[k].0..].starts_with(pat) {
            return Some(chars[k].0);
        }
        k += 1;
    }
    None
}

/// `{code}`, `{noformat}`, `{quote}` and the panels. An unclosed macro is not a macro.
fn macro_block(t: &str, queue: &mut VecDeque<String>, nesting: usize) -> Option<Block> {
    let (name, params, rest) = macro_tag(t)?;
    if !BLOCK_MACROS.contains(&name) {
        return None;
    }
    let verbatim = matches!(name, "code" | "noformat");
    if !verbatim && nesting >= MAX_MACRO_NESTING {
        return None;
    }
    let close = format!("{{{name}}}");
    // Find the closing tag first: (line index in queue or None for `rest`, byte offset).
    let found = match find_tag(rest, &close, !verbatim) {
        Some(at) => Some((None, at)),
        None => queue
            .iter()
            .enumerate()
            .find_map(|(i, l)| find_tag(l, &close, !verbatim).map(|at| (Some(i), at))),
    };
    let (line_idx, at) = found?;
    let mut content: Vec<String> = Vec::new();
    let remainder = match line_idx {
        None => {
            content.push(rest[..at].to_owned());
            rest[at + close.len()..].to_owned()
        }
        Some(i) => {
            content.push(rest.to_owned());
            content.extend(queue.drain(..i));
            let last = queue.pop_front().unwrap_or_default();
            content.push(last.get(..at).unwrap_or_default().to_owned());
            last.get(at + close.len()..).unwrap_or_default().to_owned()
        }
    };
    if !remainder.trim().is_empty() {
        queue.push_front(remainder);
    }
    let block = if verbatim {
        let joined = content.join("\n");
        let text = joined.strip_prefix('\n').unwrap_or(&joined);
        let text = text.strip_suffix('\n').unwrap_or(text);
        let language = if name == "code" {
            params
                .split('|')
                .find(|p| !p.is_empty() && !p.contains('='))
                .map(|l| l.trim().to_owned())
        } else {
            None
        };
        Block::CodeBlock {
            language,
            text: text.to_owned(),
            extra: Extra::default(),
        }
    } else {
        let content = parse_lines(content.into(), nesting + 1);
        match name {
            "quote" => Block::Blockquote {
                content,
                extra: Extra::default(),
            },
            _ => {
                let panel_type = match name {
                    "info" => PanelType::Info,
                    "note" => PanelType::Note,
                    "warning" => PanelType::Warning,
                    "tip" => PanelType::Success,
                    _ => params
                        .split('|')
                        .find_map(|p| p.strip_prefix("type="))
                        .map_or(PanelType::Info, PanelType::from),
                };
                Block::Panel {
                    panel_type,
                    content,
                    extra: Extra::default(),
                }
            }
        }
    };
    Some(block)
}

fn table_row(t: &str) -> TableRow {
    let chars: Vec<char> = t.trim_end().chars().collect();
    let n = chars.len();
    let mut cells = Vec::new();
    let mut k = 0;
    while k < n {
        let header = if chars[k] == '|' && chars.get(k + 1) == Some(&'|') {
            k += 2;
            true
        } else if chars[k] == '|' {
            k += 1;
            false
        } else {
            break;
        };
        let start = k;
        while k < n && chars[k] != '|' {
            if is_escape(&chars, k, n) {
                k += 2;
                continue;
            }
            if chars[k] == '[' {
                if let Some(c) = super::inline::construct_at(&chars, k, n) {
                    k = c.end();
                    continue;
                }
            }
            k += 1;
        }
        let text: String = chars[start..k.min(n)].iter().collect();
        if k >= n && text.trim().is_empty() {
            break;
        }
        let content = vec![Block::paragraph(inlines(text.trim()))];
        cells.push(TableCell::new(header, content));
    }
    TableRow::new(cells)
}

struct Item {
    markers: Vec<char>,
    depth: usize,
    text: String,
}

fn clamp_depths(items: Vec<(String, String)>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut prev = 0;
    for (markers, text) in items {
        let markers: Vec<char> = markers.chars().collect();
        let depth = markers.len().min(prev + 1).clamp(1, MAX_LIST_DEPTH);
        prev = depth;
        out.push(Item { markers, depth, text });
    }
    out
}

impl Item {
    /// Whether the list this item belongs to at `level` (0-based) is ordered.
    fn ordered_at(&self, level: usize) -> bool {
        let c = if level + 1 >= self.depth {
            self.markers.last()
        } else {
            self.markers.get(level)
        };
        c == Some(&'#')
    }
}

fn build_lists(items: &[Item], level: usize) -> Vec<Block> {
    let mut lists: Vec<(bool, Vec<ListItem>)> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        let mut j = i + 1;
        while j < items.len() && items[j].depth > level + 1 {
            j += 1;
        }
        let ordered = item.ordered_at(level);
        let mut content = vec![Block::paragraph(inlines(&item.text))];
        content.extend(build_lists(&items[i + 1..j], level + 1));
        match lists.last_mut() {
            Some((o, list)) if *o == ordered => list.push(ListItem::new(content)),
            _ => lists.push((ordered, vec![ListItem::new(content)])),
        }
        i = j;
    }
    lists
        .into_iter()
        .map(|(ordered, items)| {
            if ordered {
                Block::OrderedList {
                    order: None,
                    items,
                    extra: Extra::default(),
                }
            } else {
                Block::BulletList {
                    items,
                    extra: Extra::default(),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Inline, Mark};
    use crate::Doc;
    use serde_json::json;

    fn para(text: &str) -> Block {
        Block::paragraph(vec![Inline::text(text)])
    }

    #[test]
    fn a_plain_sentence_is_one_paragraph_of_one_text_node() {
        assert_eq!(
            Doc::from_wiki("Steps: open cart, press pay.").to_json(),
            json!({"version":1,"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"Steps: open cart, press pay."}]}]})
        );
    }

    #[test]
    fn empty_wiki_is_an_empty_doc() {
        assert!(parse("").is_empty());
        assert!(parse("\n  \n").is_empty());
    }

    #[test]
    fn single_newlines_are_hard_breaks_and_blank_lines_split_paragraphs() {
        assert_eq!(
            parse("a\nb\n\nc"),
            vec![
                Block::paragraph(vec![Inline::text("a"), Inline::hard_break(), Inline::text("b")]),
                para("c")
            ]
        );
    }

    #[test]
    fn headings_rules_and_quotes_are_read() {
        let blocks = parse("h2. Title\n----\nbq. said\n{quote}\nfirst\n\nsecond\n{quote}");
        assert_eq!(
            blocks[0],
            Block::Heading {
                level: 2,
                content: vec![Inline::text("Title")],
                extra: Extra::default()
            }
        );
        assert_eq!(
            blocks[1],
            Block::Rule {
                extra: Extra::default()
            }
        );
        assert_eq!(
            blocks[2],
            Block::Blockquote {
                content: vec![para("said")],
                extra: Extra::default()
            }
        );
        assert_eq!(
            blocks[3],
            Block::Blockquote {
                content: vec![para("first"), para("second")],
                extra: Extra::default()
            }
        );
    }

    #[test]
    fn code_and_noformat_keep_their_text_verbatim() {
        assert_eq!(
            parse("{code:rust}\nfn *main*() {}\n{code}\n{noformat}\n[x|y]\n{noformat}"),
            vec![
                Block::CodeBlock {
                    language: Some("rust".into()),
                    text: "fn *main*() {}".into(),
                    extra: Extra::default()
                },
                Block::CodeBlock {
                    language: None,
                    text: "[x|y]".into(),
                    extra: Extra::default()
                },
            ]
        );
    }

    #[test]
    fn nested_list_markers_make_nested_lists() {
        let doc = Doc::new(parse("* a\n** b\n*# c\n* d\n# e"));
        assert_eq!(doc.to_plain_text(), "- a\n  - b\n  1. c\n- d\n\n1. e");
    }

    #[test]
    fn tables_read_header_and_body_cells() {
        let blocks = parse("||h1||h2||\n|a|[b|https://x.io]|");
        let Block::Table { rows, .. } = &blocks[0] else {
            panic!("not a table: {blocks:?}")
        };
        assert!(rows[0].cells.iter().all(|c| c.header));
        assert_eq!(rows[1].cells.len(), 2);
        assert_eq!(
            rows[1].cells[1].content,
            vec![Block::paragraph(vec![Inline::styled(
                "b",
                [Mark::link("https://x.io")]
            )])]
        );
    }

    #[test]
    fn panels_map_to_panel_types() {
        let blocks = parse("{tip}\nyes\n{tip}");
        assert_eq!(
            blocks,
            vec![Block::Panel {
                panel_type: PanelType::Success,
                content: vec![para("yes")],
                extra: Extra::default()
            }]
        );
    }

    #[test]
    fn an_unclosed_macro_is_text() {
        assert_eq!(parse("{quote} not closed"), vec![para("{quote} not closed")]);
    }

    #[test]
    fn very_deep_list_markers_are_clamped() {
        let deep = format!("{} x", "*".repeat(10_000));
        assert_eq!(parse(&deep).len(), 1);
    }
}
