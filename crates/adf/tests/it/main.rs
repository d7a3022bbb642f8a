//! Property tests: documents in each format's supported subset survive the round trip, and
//! no input makes a reader panic.

mod gen;

use gen::{doc, Target};
use jirakit_adf::Doc;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn config() -> ProptestConfig {
    // 256 cases by default; `PROPTEST_CASES=10000` for a longer hunt.
    ProptestConfig {
        // Relative to the package root, where `cargo test` runs: crates/adf/tests/it/.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/it/main.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn doc_to_wiki_and_back_is_identity(doc in doc(Target::Wiki)) {
        let wiki = doc.to_wiki();
        prop_assert_eq!(Doc::from_wiki(&wiki), doc, "wiki:\n{}", wiki);
    }

    #[test]
    fn doc_to_markdown_and_back_is_identity(doc in doc(Target::Markdown)) {
        let md = doc.to_markdown();
        prop_assert_eq!(Doc::from_markdown(&md), doc, "markdown:\n{}", md);
    }

    #[test]
    fn json_serialization_round_trips(doc in prop_oneof![doc(Target::Wiki), doc(Target::Markdown)]) {
        let value = doc.to_json();
        prop_assert_eq!(Doc::from_json(value.clone()).ok(), Some(doc.clone()));
        let text = serde_json::to_string(&doc).unwrap_or_default();
        let parsed: Option<Doc> = serde_json::from_str(&text).ok();
        prop_assert_eq!(parsed, Some(doc));
        let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        prop_assert_eq!(reparsed, value);
    }

    #[test]
    fn any_string_reads_as_wiki_without_panicking(text in any::<String>()) {
        let doc = Doc::from_wiki(&text);
        let _ = (doc.to_wiki(), doc.to_markdown(), doc.to_plain_text());
    }

    #[test]
    fn any_markup_soup_reads_as_wiki_without_panicking(text in "[-a-z *_+^~{}\\[\\]|\\\\#.:!&\n]{0,80}") {
        let doc = Doc::from_wiki(&text);
        let back = Doc::from_wiki(&doc.to_wiki());
        let _ = back.to_markdown();
    }

    #[test]
    fn any_string_reads_as_markdown_without_panicking(text in any::<String>()) {
        let doc = Doc::from_markdown(&text);
        let _ = (doc.to_wiki(), doc.to_markdown(), doc.to_plain_text());
    }

    #[test]
    fn any_markup_soup_reads_as_markdown_without_panicking(text in "[-a-z *_`~\\[\\]()<>|#>\\\\!:1.\n]{0,80}") {
        let doc = Doc::from_markdown(&text);
        let back = Doc::from_markdown(&doc.to_markdown());
        let _ = back.to_wiki();
    }

    #[test]
    fn plain_text_round_trips_through_plain_text(text in "[a-z .,!?-]{1,20}(\n[a-z .,!?-]{1,20}){0,3}") {
        let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
        prop_assert_eq!(Doc::from_plain_text(&text).to_plain_text(), text);
    }
}

#[test]
fn a_plain_sentence_round_trips_through_wiki_exactly() {
    let doc = Doc::from_wiki("Steps: open cart, press pay.");
    assert_eq!(doc.to_wiki(), "Steps: open cart, press pay.");
    assert_eq!(
        serde_json::to_string(&doc).unwrap_or_default(),
        r#"{"version":1,"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"Steps: open cart, press pay."}]}]}"#
    );
}

#[test]
fn jira_json_with_unknown_nodes_survives_a_round_trip() {
    let value = serde_json::json!({
        "version": 1,
        "type": "doc",
        "content": [
            {"type": "paragraph", "attrs": {"localId": "p1"}, "marks": [{"type": "alignment", "attrs": {"align": "center"}}],
             "content": [
                {"type": "text", "text": "hi ", "marks": [{"type": "strong"}, {"type": "annotation", "attrs": {"id": "a"}}]},
                {"type": "status", "attrs": {"text": "DONE", "color": "green"}},
                {"type": "text", "text": "link", "marks": [{"type": "link", "attrs": {"href": "https://x.io", "title": "X"}}]},
                {"type": "inlineCard", "attrs": {"data": {"@type": "Document"}}},
                {"type": "hardBreak"}
             ]},
            {"type": "expand", "attrs": {"title": "More"}, "content": [{"type": "paragraph", "content": []}]},
            {"type": "orderedList", "attrs": {"order": 3}, "content": [
                {"type": "listItem", "content": [{"type": "paragraph"}]}
            ]},
            {"type": "table", "attrs": {"isNumberColumnEnabled": false, "layout": "default"}, "content": [
                {"type": "tableRow", "content": [
                    {"type": "tableHeader", "attrs": {"colspan": 2}, "content": [{"type": "paragraph", "content": []}]}
                ]}
            ]},
            {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
                {"type": "media", "attrs": {"type": "file", "id": "abc", "collection": "c", "width": 10}}
            ]},
            {"type": "codeBlock", "attrs": {}, "content": []}
        ]
    });
    let doc = Doc::from_json(value.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.to_json(), value);
    assert_eq!(doc.to_plain_text(), "hi DONElink\n\n\nMore\n\n3.");
}

fn soup(tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(tokens), 0..14).prop_map(|t| t.concat())
}

const WIKI_TOKENS: &[&str] = &[
    "a",
    "b1",
    " ",
    " ",
    "\n",
    "\n\n",
    "*",
    "_",
    "-",
    "+",
    "^",
    "~",
    "#",
    "|",
    "||",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "h1. ",
    "bq. ",
    "* ",
    "# ",
    "- ",
    "----",
    "{code}",
    "{code:js}",
    "{quote}",
    "{noformat}",
    "{info}",
    "{panel:type=error}",
    "{color:red}",
    "{color}",
    "{{",
    "}}",
    "{*}",
    "{_}",
    "&#92;",
    "[~accountid:x1]",
    "https://x.io",
    "[a|https://x.io]",
    "[https://x.io]",
    "é",
];

const MARKDOWN_TOKENS: &[&str] = &[
    "a",
    "b1",
    " ",
    "  ",
    "\n",
    "\n\n",
    "*",
    "**",
    "_",
    "~~",
    "`",
    "```",
    "#",
    "# ",
    "> ",
    "- ",
    "1. ",
    "2) ",
    "|",
    "| --- |",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "\\",
    "&amp;",
    "&#32;",
    "---",
    "<u>",
    "</u>",
    "<br>",
    "[@Al](accountid:x1)",
    "<accountid:x2>",
    "<https://x.io>",
    "[a](https://x.io)",
    "![i](https://x.io/i.png)",
    "> [!NOTE]\n",
    "    ",
    "\t",
    "é",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn wiki_written_from_any_input_reads_back_the_same(text in soup(WIKI_TOKENS)) {
        let doc = Doc::from_wiki(&text);
        let wiki = doc.to_wiki();
        prop_assert_eq!(Doc::from_wiki(&wiki), doc, "wiki:\n{}", wiki);
    }

    #[test]
    fn markdown_written_from_any_input_reads_back_the_same(text in soup(MARKDOWN_TOKENS)) {
        let doc = Doc::from_markdown(&text);
        let md = doc.to_markdown();
        prop_assert_eq!(Doc::from_markdown(&md), doc, "markdown:\n{}", md);
    }
}
