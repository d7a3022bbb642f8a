//! Every file under `tests/corpus/valid` must parse, print canonically and parse back to the
//! same tree; every file under `tests/corpus/invalid` must fail with Jira's message. Both are
//! snapshotted (`tests/it/snapshots/`); review changes with `INSTA_UPDATE=always` and a diff.

use std::fs;
use std::path::{Path, PathBuf};

use jirakit_jql::parse;

fn corpus(kind: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect()
}

#[test]
fn the_corpus_is_large_enough_to_cover_every_construct() {
    assert!(corpus("valid").len() + corpus("invalid").len() >= 40);
}

#[test]
fn valid_queries_print_canonically_and_parse_back_to_the_same_tree() {
    for (name, input) in corpus("valid") {
        let query = parse(&input).unwrap_or_else(|e| panic!("{name}:\n{}", e.render(&input)));
        let canonical = query.to_string();
        let reparsed = parse(&canonical)
            .unwrap_or_else(|e| panic!("{name}: canonical form does not parse:\n{}", e.render(&canonical)));
        assert!(reparsed.eq_ignoring_spans(&query), "{name}: {canonical}");
        assert_eq!(
            reparsed.to_string(),
            canonical,
            "{name}: printing is not idempotent"
        );
        let snapshot = format!("input:\n{input}\n\ncanonical:\n{canonical}\n\nast:\n{query:#?}");
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("valid_{name}"), snapshot);
        });
    }
}

#[test]
fn invalid_queries_fail_with_jiras_message_and_a_caret() {
    for (name, input) in corpus("invalid") {
        let Err(error) = parse(&input) else {
            panic!("{name}: parsed, but should not");
        };
        let snapshot = format!(
            "{}\n\nkind: {:?}\nspan: {:?}\nexpected: {:?}\nfound: {:?}",
            error.render(&input),
            error.kind,
            error.span,
            error.expected,
            error.found
        );
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("invalid_{name}"), snapshot);
        });
    }
}
