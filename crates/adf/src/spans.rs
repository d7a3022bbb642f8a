//! Turns a flat run of inline nodes, each with its own marks, into nested spans, the shape both
//! markup writers need: `a` `b`(strong) `c`(strong, em) becomes `a`, strong(`b`, em(`c`)).

use crate::node::{Inline, Mark};

#[derive(Debug)]
pub(crate) enum Tree<'a> {
    Text(&'a str),
    /// A non-text inline node (its marks, if any, are not rendered).
    Node(&'a Inline),
    Span(&'a Mark, Vec<Tree<'a>>),
}

/// Groups `inlines` into spans of the marks `keep` accepts. A mark that lasts longer is opened
/// further out; `code` is always innermost, so a code span holds nothing but text.
pub(crate) fn group<'a>(inlines: &'a [Inline], keep: impl Fn(&Mark) -> bool) -> Vec<Tree<'a>> {
    let marks_of = |node: &'a Inline| -> Vec<&'a Mark> {
        match node {
            Inline::Text { marks, .. } => {
                let mut kept: Vec<&Mark> = Vec::new();
                for m in marks.iter().filter(|m| keep(m)) {
                    if !kept.contains(&m) {
                        kept.push(m);
                    }
                }
                kept
            }
            _ => Vec::new(),
        }
    };
    let all: Vec<Vec<&'a Mark>> = inlines.iter().map(marks_of).collect();

    let mut root: Vec<Tree<'a>> = Vec::new();
    let mut stack: Vec<(&'a Mark, Vec<Tree<'a>>)> = Vec::new();
    fn close<'a>(root: &mut Vec<Tree<'a>>, stack: &mut Vec<(&'a Mark, Vec<Tree<'a>>)>, down_to: usize) {
        while stack.len() > down_to {
            if let Some((mark, children)) = stack.pop() {
                let span = Tree::Span(mark, children);
                match stack.last_mut() {
                    Some((_, parent)) => parent.push(span),
                    None => root.push(span),
                }
            }
        }
    }

    for (idx, node) in inlines.iter().enumerate() {
        let marks = &all[idx];
        if let Some(k) = stack.iter().position(|(m, _)| !marks.contains(m)) {
            close(&mut root, &mut stack, k);
        }
        let mut missing: Vec<&'a Mark> = marks
            .iter()
            .copied()
            .filter(|m| !stack.iter().any(|(o, _)| o == m))
            .collect();
        if !missing.is_empty() {
            if let Some(k) = stack.iter().position(|(m, _)| matches!(m, Mark::Code)) {
                close(&mut root, &mut stack, k);
                missing = marks
                    .iter()
                    .copied()
                    .filter(|m| !stack.iter().any(|(o, _)| o == m))
                    .collect();
            }
        }
        let persistence = |m: &Mark| all[idx..].iter().take_while(|ms| ms.contains(&m)).count();
        missing.sort_by_key(|m| {
            (
                matches!(m, Mark::Code),
                std::cmp::Reverse(persistence(m)),
                m.rank(),
            )
        });
        for m in missing {
            stack.push((m, Vec::new()));
        }
        let leaf = match node {
            Inline::Text { text, .. } => Tree::Text(text),
            other => Tree::Node(other),
        };
        match stack.last_mut() {
            Some((_, children)) => children.push(leaf),
            None => root.push(leaf),
        }
    }
    close(&mut root, &mut stack, 0);
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(trees: &[Tree<'_>]) -> String {
        trees
            .iter()
            .map(|t| match t {
                Tree::Text(s) => s.to_string(),
                Tree::Node(_) => "#".into(),
                Tree::Span(m, ch) => format!("{}({})", m.rank(), show(ch)),
            })
            .collect()
    }

    #[test]
    fn longer_lasting_marks_open_further_out() {
        let inlines = vec![
            Inline::text("a"),
            Inline::styled("b", [Mark::Strong]),
            Inline::styled("c", [Mark::Strong, Mark::Em]),
            Inline::hard_break(),
        ];
        assert_eq!(show(&group(&inlines, |_| true)), "a2(b1(c))#");
    }

    #[test]
    fn code_stays_innermost_even_when_a_link_starts_inside_it() {
        let inlines = vec![
            Inline::styled("a", [Mark::Code]),
            Inline::styled("b", [Mark::Code, Mark::link("https://x")]),
        ];
        assert_eq!(show(&group(&inlines, |_| true)), "7(a)0(7(b))");
    }
}
